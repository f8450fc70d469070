"""The ``bilaf`` command: choose which samples to label from an embeddings file.

``bilaf select EMBEDDINGS --budget 0.01 -o selected.json`` runs
:class:`~sklearn_bilaf.BiLAFSampler` on the file and writes the selection;
``bilaf select`` with no file (or ``bilaf demo``, or plain ``bilaf``) runs on
scikit-learn's digits and prints a report.  ``python -m sklearn_bilaf`` is the
same command.
"""

import argparse
import contextlib
import math
import os
import re
import shlex
import shutil
import sys
import textwrap
import time
import warnings
from decimal import Decimal
from pathlib import Path

from ._text import counted
from ._version import __version__
from .io import (
    EMBEDDING_SUFFIXES,
    OUTPUT_SUFFIXES,
    InputError,
    _check_ids_file,
    _command_line_spelling,
    _folder_ending,
    _ids_name_problem,
    _is_stream,
    _rows_text,
    check_output_path,
    format_option_problem,
    format_selection,
    load_embeddings,
    output_name_problem,
    read_ids,
    suffix_of,
    write_selection,
)

__all__ = ["main", "build_parser"]

PROG = "bilaf"
CORE_SELECTORS = {
    "activeft": ("ActiveFTSelector", "ActiveFT"),
    "random": ("RandomSelector", "random"),
    "kmeans": ("KMeansSelector", "k-means"),
    "fds": ("FarthestPointSelector", "farthest point (FDS)"),
}
DENOISERS = {
    "idc": ("IDCDenoiser", "IDC"),
    "distance": ("DistanceDenoiser", "distance-guided"),
    "density": ("DensityDenoiser", "density-based"),
    "none": (None, "none"),
}
DEFAULT_BUDGET = "0.01"
DEFAULT_REMOVAL_RATE = 0.1
DEFAULT_PENALTY = 1.1
# Above these counts the report summarises instead of listing every
# pseudo-class or every label, so that it stays readable on a terminal.
_MAX_CLASS_ROWS = 20
_MAX_LABEL_COLUMNS = 20
# Picks listed when they are also written to a file (-o), which holds them all.
_SHOWN_PICKS_WITH_OUTPUT = 20
# The file name "-": standard output for -o (standard input is refused).
STDIO_NAME = "-"

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
# 128 + SIGINT, the status a shell reports for a command stopped by Ctrl-C.
EXIT_INTERRUPTED = 130


class _UsageError(Exception):
    def __init__(self, message, prog):
        super().__init__(message)
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    """Reports usage errors as one line instead of usage text + exit, and
    takes long options only as spelled out."""

    def __init__(self, *args, **kwargs):
        # argparse would otherwise read a prefix as the one option it starts:
        # "--k 3", a mistyped "-k 3", became "--key 3" and an error about
        # .npz archives.  The subcommands' parsers are made by this class too.
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message):
        raise _UsageError(message, self.prog)


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog):
        # The descriptions are wrapped by hand at 79 columns; cap the option
        # help near that, narrower on a narrow terminal.
        width = min(88, shutil.get_terminal_size().columns - 2)
        super().__init__(prog, max_help_position=30, width=max(width, 40))

    def _split_lines(self, text, width):
        # Not at hyphens: "--exclude-\nisolated" is no option one can copy.
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


# -- argument types ----------------------------------------------------------
def _count_or_fraction(text, *, allow_auto=False):
    text = text.strip()
    if allow_auto and text in ("auto", "paper"):
        return text
    percent = text.endswith("%")
    number = text[:-1].strip() if percent else text
    # Digits may be grouped with underscores, as in Python (1_000).
    if not percent and re.fullmatch(r"[+-]?\d+(?:_\d+)*", number):
        # A whole number is a count, negative ones included: "-1" is a
        # mistyped count, not a fraction outside (0, 1].
        value = int(number)
        if value < 1:
            raise argparse.ArgumentTypeError(f"{text!r}: a count must be at least 1")
        return value
    try:
        value = float(number)
    except ValueError:
        auto = "'auto', 'paper', " if allow_auto else ""
        raise argparse.ArgumentTypeError(
            f"{text!r} is not {auto}a count (e.g. 50) or a fraction of the pool "
            f"(e.g. 0.01 or 1%)"
            f"{_comma_hint(number, _in_fraction_range(percent), percent)}"
        ) from None
    if percent:
        # The fraction the text reads as, rounded once: "0.7%" is 0.007, as
        # budget=0.007 is; float("0.7") / 100 would round twice, to just
        # below 0.007, which floored to 6 of 1,000 rows instead of 7.  (Out
        # of (0, 100] the value is refused below; "1e9999999" would overflow
        # the decimal context.)
        value = (float(Decimal(number) / 100) if 0.0 < value <= 100.0
                 else value / 100.0)
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(
            f"{text!r}: a fraction must be in (0, 1], e.g. 0.01 or 1% for one "
            "percent of the pool; give a count as a whole number"
        )
    return _Fraction(value, text.strip())


#: A whole number written with thousands separators (1,000 or -2,500,000).
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+")


def _comma_hint(number, accepts, percent=False, what="a fraction",
                grouped="a count"):
    """How to write a number typed with a comma: '0,01' (a decimal comma,
    as many locales write it) or, when the option takes values of a
    thousand and more, '1,000' (a thousands separator), which float()
    refuses; else "".  ``accepts`` says whether the option takes the value
    read with a decimal point (a reading it refuses next is no advice),
    ``what`` names that value, ``grouped`` the value written without the
    separator (None: no such value is taken)."""
    hints = []
    pointed = number.replace(",", ".")
    if number.count(",") == 1:
        try:
            value = float(pointed)
        except ValueError:
            value = None
        if value is not None and accepts(value):
            shown = pointed + ("%" if percent else "")
            hints.append(f"{what} with a decimal point, not a comma "
                         f"({shown!r})")
    if (grouped is not None and not percent
            and _THOUSANDS.fullmatch(number)):
        hints.append(f"{grouped} without a thousands separator "
                     f"({number.replace(',', '')!r})")
    # Either reading may be the one meant: offer both.
    return "; write " + ", or ".join(hints) if hints else ""


class _Fraction(float):
    """A fraction of the pool that prints as the user typed it.

    Error messages quote ``--n-cores 0.5%`` as typed, not as the 0.005 it
    parses to (which reads as another value).
    """

    def __new__(cls, value, text):
        self = super().__new__(cls, value)
        self.text = text
        return self

    def __getnewargs__(self):
        return float(self), self.text

    def __str__(self):
        return self.text


def _budget(text):
    return _count_or_fraction(text)


def _n_cores(text):
    return _count_or_fraction(text, allow_auto=True)


def _in_fraction_range(percent):
    """Whether a budget or core count read as a number is a fraction of
    the pool: in (0, 1], or (0, 100] as a percentage."""
    top = 100.0 if percent else 1.0
    return lambda value: 0.0 < value <= top


def _number_hint(text, accepts, grouped=None):
    """The decimal-comma hint of the options that take no count; with
    ``grouped`` (those that take a thousand and more), the
    thousands-separator one too."""
    return _comma_hint(text.strip(), accepts, what="a number", grouped=grouped)


def _under_one(value):
    """The range of a removal rate or an isolated share."""
    return 0.0 <= value < 1.0


def _penalty_range(value):
    """The range of a penalty (1 disables it)."""
    return value >= 1.0 and math.isfinite(value)


def _removal_rate(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number{_number_hint(text, _under_one)}"
        ) from None
    if not _under_one(value):
        raise argparse.ArgumentTypeError(f"{text!r}: the rate must be in [0, 1)")
    return value


def _exclude_isolated(text):
    text = text.strip()
    if text == "auto":
        return text
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not 'auto' or a number"
            f"{_number_hint(text, _under_one)}") from None
    if not _under_one(value):
        raise argparse.ArgumentTypeError(
            f"{text!r}: the share must be in [0, 1) (0 keeps every row)")
    return value


def _penalty(text):
    try:
        value = float(text)
    except ValueError:
        # '1,000' may be a thousand, not only 1.000 (no penalty).
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number"
            f"{_number_hint(text, _penalty_range, 'a number')}"
        ) from None
    if not _penalty_range(value):
        raise argparse.ArgumentTypeError(
            f"{text!r}: the penalty must be at least 1 (1 disables it)"
        )
    return value


def _whole_number_error(text):
    """The error for a seed or job count that int() refuses: '1,000' is
    told to drop its thousands separator, as '-b 1,000' is (a decimal comma
    makes no whole number)."""
    hint = ""
    if _THOUSANDS.fullmatch(text.strip()):
        hint = ("; write a whole number without a thousands separator "
                f"({text.strip().replace(',', '')!r})")
    return argparse.ArgumentTypeError(f"{text!r} is not a whole number{hint}")


def _seed(text):
    try:
        value = int(text)
    except ValueError:
        raise _whole_number_error(text) from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"{text!r}: the seed must be in [0, 2**32)")
    return value


def _n_jobs(text):
    try:
        value = int(text)
    except ValueError:
        raise _whole_number_error(text) from None
    if value == 0:
        raise argparse.ArgumentTypeError("0 jobs: give 1 or more, or -1 for all cores")
    return value


def _output_format(text):
    # In any case, as -o s.JSON and write_selection(output_format="JSON") are
    # read: argparse's choices compared "JSON" as typed and refused it.  Any
    # other text is kept as typed, so that argparse's "invalid choice"
    # quotes what was given.
    lowered = text.lower()
    formats = [suffix.lstrip(".") for suffix in OUTPUT_SUFFIXES]
    return lowered if lowered in formats else text


# -- parser ------------------------------------------------------------------
_SELECT_DESCRIPTION = """\
Select the samples to label from a pool of embeddings with BiLAF (Bi-Level
Active Finetuning): K core samples that cover the data, each the centre of a
pseudo-class, then, inside each denoised pseudo-class, boundary samples near
the borders with the neighbouring pseudo-classes. Labels are never used.

With no EMBEDDINGS file, runs on scikit-learn's handwritten digits (1797 rows,
64 features) as a demo and prints a report, like 'bilaf demo'.

Progress goes to stderr (silence it with --quiet); a summary (pool size, K,
budget, time per stage, where the output went) goes to stdout."""

_OUTPUT_FORMATS = """\
output formats (from the extension of -o):
  .json     a list of the selected row numbers (0-based) in selection order, or
            of their ids with --ids/--id-column
  .csv      one line per selected sample in selection order, with columns
            row, role (core or boundary), pseudo_class, and id when ids are given
  .npy      the selected row numbers (int64) in selection order; no ids
  Selection order: pseudo-classes in turn, each its core first, then its
  boundary samples in pick order. Outputs are written whole or not at all."""

# The demo's rows have no ids (it takes no --ids or --id-column).
_DEMO_OUTPUT_FORMATS = """\
output formats (from the extension of -o):
  .json     a list of the selected row numbers (0-based) in selection order
  .csv      one line per selected sample in selection order, with columns
            row, role (core or boundary), pseudo_class
  .npy      the selected row numbers (int64) in selection order
  Selection order: pseudo-classes in turn, each its core first, then its
  boundary samples in pick order. Outputs are written whole or not at all."""

_SELECT_EPILOG = f"""\
input formats (from the extension):
  .npy      a 2-D numeric array; memory-mapped, never unpickled
  .npz      one array of the archive, named with --key when there are several
  .csv/.tsv numeric columns; a header row is detected (see --header); the
            --id-column and --label-column columns are left out of the features
  .parquet  numeric columns or list-of-number columns (needs pyarrow:
            pip install 'sklearn_bilaf[parquet]')

{_OUTPUT_FORMATS}

examples:
  bilaf select                                  # demo on the digits
  bilaf select emb.npy --budget 0.01 -o selected.json
  bilaf select emb.npy --budget 500 --ids paths.txt -o selected.csv
  bilaf select feats.npy --drop-last-column --budget 2% -o selected.npy
  bilaf select emb.csv --id-column path --label-column label -o selected.csv
  bilaf select emb.npz --key features --budget 500 --core-selector kmeans -k 50

exit status: {EXIT_OK} on success, {EXIT_FAILURE} for bad input or a failed run, \
{EXIT_USAGE} for a bad
command line, {EXIT_INTERRUPTED} when interrupted (Ctrl-C)."""

_DEMO_DESCRIPTION = """\
Run BiLAF on scikit-learn's handwritten digits (1797 rows, 64 features; no
download needed) and print the selected rows, a per-pseudo-class summary and,
as an illustration only, how the picks spread over the true digit labels,
which the selection never sees. Same as 'bilaf select' with no file."""


def _add_selection_options(parser):
    group = parser.add_argument_group("selection")
    group.add_argument(
        "-b", "--budget", type=_budget, default=_budget(DEFAULT_BUDGET), metavar="B",
        help="how many samples to select: a count (e.g. 500) or a fraction of the "
        "pool (0.01 or 1%%; fractions are floored in floating point, as the "
        "authors' code does, at least 1: 29%% of 100 rows is 28, so give a "
        "count when the exact number matters). Default: "
        f"{DEFAULT_BUDGET}, one percent of the pool (17 of the digits)",
    )
    group.add_argument(
        "--core-selector", choices=list(CORE_SELECTORS), default="activeft",
        help="how the core samples are chosen: activeft (default: ActiveFT, the "
        "paper's core selector, started as --init says), random, kmeans "
        "(nearest sample to each k-means centre) or fds (farthest point / "
        "k-center greedy)",
    )
    group.add_argument(
        "--init", choices=["auto", "stratified", "k-means", "random"],
        default=None,
        help="--core-selector activeft only: where ActiveFT starts: stratified "
        "(k-means on the normalised rows cuts the pool into 30 strata, at most "
        "K; each stratum gets a share of the start proportional to its size: "
        "the samples nearest to the centres of k-means within that stratum; "
        "the best start on our validation pools), k-means (the samples nearest "
        "to the centres of k-means on the normalised rows), random (random "
        "samples, as in the paper) or auto (default: stratified up to 1e9 "
        "rows x cores and a million rows, random beyond)",
    )
    group.add_argument(
        "--exclude-isolated", type=_exclude_isolated, default=None, metavar="S",
        help="--core-selector activeft only: share of the pool's most isolated "
        "rows (farthest from their 10th nearest neighbour) that ActiveFT "
        "leaves out, in [0, 1): 0 (default: no row left out, as in the paper), a "
        "number, or auto (0.05 up to 200,000 rows, 0 beyond; the best share on "
        "our validation pools, but it can leave out most rows of a rare class)",
    )
    group.add_argument(
        "-k", "--n-cores", type=_n_cores, default="auto", metavar="K",
        help="number of core samples (pseudo-classes), at most the budget: "
        "'auto' (default: 5%% of the pool, at most the budget), 'paper' (the "
        "paper's 0.5%% of the pool, at most the budget), a count, or a fraction "
        "of the pool. The paper's setting is 0.5%% of the pool with ActiveFT's "
        "random start: -k paper --init random",
    )
    group.add_argument(
        "--denoiser", choices=list(DENOISERS), default="idc",
        help="how each pseudo-class is cleaned of outliers before boundary "
        "samples are picked: idc (default: iterative density-based clustering), "
        "distance (drop the farthest from the core), density (drop the "
        "sparsest), or none",
    )
    group.add_argument(
        "--variant", choices=["paper", "published"], default=None,
        help="--denoiser idc only: 'paper' (default) follows the paper; "
        "'published' reproduces the authors' released code index for index",
    )
    group.add_argument(
        "--removal-rate", type=_removal_rate, default=None, metavar="R",
        help="share of each pseudo-class removed as noise, in [0, 1) (default "
        f"{DEFAULT_REMOVAL_RATE}; not with --denoiser none)",
    )
    group.add_argument(
        "--penalty", type=_penalty, default=None, metavar="P",
        help="opponent penalty (>= 1) that spreads the boundary picks over "
        f"different neighbouring pseudo-classes (default {DEFAULT_PENALTY}; "
        "1 disables it; not with --strategy one-shot)",
    )
    group.add_argument(
        "--strategy", choices=["iterative", "one-shot"], default="iterative",
        help="boundary selection: iterative (default: with removal and penalty, "
        "as in the paper) or one-shot (the lowest boundary scores at once)",
    )
    group.add_argument(
        "--metric", choices=["euclidean", "cosine"], default="euclidean",
        help="distance between embeddings after the core stage (default "
        "euclidean, as in the paper; ActiveFT always uses cosine geometry)",
    )
    group.add_argument(
        "--seed", type=_seed, default=0,
        help="seed of every random choice; the same command on the same data "
        "gives the same selection (default 0), except that --core-selector "
        "kmeans, which runs scikit-learn's k-means on at most two OpenMP "
        "threads, can pick differently on one thread than on two or more "
        "(rarely: the centres change in their last bits; set "
        "OMP_NUM_THREADS=1 for the same picks on every machine)",
    )
    group.add_argument(
        "-j", "--n-jobs", type=_n_jobs, default=None, metavar="N",
        help="pseudo-classes processed in parallel by joblib (default: without "
        "joblib, on the library's own threads, as many as BLAS may use; -1 for "
        "all cores); the selection does not depend on it",
    )


def _add_output_options(parser):
    group = parser.add_argument_group("output")
    group.add_argument(
        "-o", "--output", default=None, metavar="FILE",
        help="where to write the selection; the format comes from the extension: "
        f"{', '.join(OUTPUT_SUFFIXES)} (see below). The folder must exist; an "
        "existing file is replaced, atomically (a failed run leaves it as it "
        "was; a read-only file is refused, except when run by root (as by a "
        "shell redirection); a hard link to the old file keeps "
        "the old content); a symbolic link is followed, its target written. "
        "'-o -' (or /dev/stdout) writes to standard output (format: "
        "--output-format) and the "
        "summary to stderr. A pipe or a device (/dev/null, >(...)) is written "
        "in place, in its extension's format or --output-format's. Without -o "
        "the selected rows are only printed",
    )
    group.add_argument(
        "--output-format", type=_output_format,
        choices=[s.lstrip(".") for s in OUTPUT_SUFFIXES], default=None,
        help="the format of '-o -', or of a pipe or device given to -o, in "
        "any case (default: csv, or the device's extension); a file's format "
        "comes from its extension",
    )
    group.add_argument(
        "-q", "--quiet", action="store_true",
        help="no progress on stderr (the summary still goes to stdout, or to "
        "stderr with '-o -', where --quiet silences it too; warnings and "
        "errors are still shown)",
    )


def build_parser():
    """The argument parser of the ``bilaf`` command.

    Returns
    -------
    parser : argparse.ArgumentParser
        With the ``select`` and ``demo`` subcommands.
    """
    parser = _Parser(
        prog=PROG,
        # The command is optional (none runs the demo), which argparse's
        # generated usage would not show.
        usage="%(prog)s [-h] [--version] [COMMAND ...]",
        formatter_class=_Formatter,
        description="Choose which samples of an unlabeled pool to label, with BiLAF\n"
        "(Bi-Level Active Finetuning, NeurIPS 2024), from their embeddings.",
        epilog="Run 'bilaf COMMAND --help' for the options of a command.\n"
        "Without a command, 'bilaf' is 'bilaf select' with no file: a demo on\n"
        "scikit-learn's digits.",
    )
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s (sklearn_bilaf) {__version__}")
    # prog: the commands' usage lines and error hints read "bilaf select",
    # not argparse's default, the main usage line followed by the command.
    commands = parser.add_subparsers(dest="command", metavar="COMMAND",
                                     title="commands", prog=PROG)

    select = commands.add_parser(
        "select", formatter_class=_Formatter,
        help="select a labeling budget from an embeddings file (no file: demo)",
        description=_SELECT_DESCRIPTION, epilog=_SELECT_EPILOG,
    )
    group = select.add_argument_group("input")
    group.add_argument(
        "embeddings", nargs="?", default=None, metavar="EMBEDDINGS",
        help="file of embeddings, one row per sample: "
        f"{', '.join(EMBEDDING_SUFFIXES)}. Omit it for the digits demo",
    )
    group.add_argument("--key", default=None,
                       help=".npz: name of the array to read (needed when the "
                       "archive holds several)")
    group.add_argument(
        "--id-column", default=None, metavar="COLUMN",
        help="column holding the sample ids (name, or 0-based position): in the "
        "embeddings table (.csv/.tsv/.parquet; left out of the features), or in "
        "the --ids file when that is a .csv/.tsv",
    )
    group.add_argument(
        "--label-column", default=None, metavar="COLUMN",
        help=".csv/.tsv/.parquet: a column of labels to leave out of the features "
        "(name, or 0-based position). Never used for selection; the summary "
        "shows how the picks spread over them",
    )
    group.add_argument(
        "--drop-last-column", action="store_true",
        help="the last column is a label, not a feature (the BiLAF authors' "
        "feature files store it there); treated like --label-column",
    )
    group.add_argument(
        "--header", choices=["auto", "yes", "no"], default="auto",
        help=".csv/.tsv: whether the first row names the columns. auto "
        "(default): yes when one of its fields is not a number or it reads "
        "0,1,2,... (pandas' default names); say 'no' for a file without a "
        "header whose first row holds text ids",
    )
    group.add_argument(
        "--ids", default=None, metavar="FILE",
        help="ids of the rows, for .json and .csv outputs (and the picks "
        "printed without -o): a text file with one id per line (in row order), or a "
        ".csv/.tsv with a header row whose id column is named by --id-column "
        "(optional when it has one column)",
    )
    _add_selection_options(select)
    _add_output_options(select)
    select.set_defaults(handler=_run_select)

    demo = commands.add_parser(
        "demo", formatter_class=_Formatter,
        help="run on scikit-learn's digits and print a short report",
        description=_DEMO_DESCRIPTION,
        epilog=f"{_DEMO_OUTPUT_FORMATS}\n\nexit status: {EXIT_OK} on success, "
        f"{EXIT_FAILURE} for a failed run, {EXIT_USAGE} for a bad command line,\n"
        f"{EXIT_INTERRUPTED} when interrupted (Ctrl-C).",
    )
    demo.set_defaults(embeddings=None, key=None, id_column=None, label_column=None,
                      drop_last_column=False, header="auto", ids=None)
    _add_selection_options(demo)
    _add_output_options(demo)
    demo.set_defaults(handler=_run_select)
    return parser


# -- running -----------------------------------------------------------------
class _Progress:
    def __init__(self, quiet):
        self.quiet = quiet

    def __call__(self, message):
        if not self.quiet:
            print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def _names_stdout(name):
    """Whether the output name ``name`` is this process's standard output by
    another name (/dev/stdout, /dev/fd/1, /proc/self/fd/1): '-o -'.

    Opened by name, it would be a file to replace (a shell's '> file'), or a
    pipe that the summary would be written into after the selection.
    """
    if name in (None, "", STDIO_NAME):
        return False
    path = os.path.normpath(os.path.abspath(name))
    return path in ("/dev/stdout", "/dev/fd/1", "/proc/self/fd/1",
                    f"/proc/{os.getpid()}/fd/1")


def _same_file(one, other):
    """Whether two file arguments name the same existing file."""
    if one in (None, STDIO_NAME) or other in (None, STDIO_NAME):
        return False
    try:
        return os.path.samefile(one, other)
    except (OSError, ValueError):  # missing, or a bad name: told later
        return False


def _to_stream(args):
    """Whether -o names a pipe or a device (/dev/null), written in place."""
    return args.output not in (None, "", STDIO_NAME) and _is_stream(args.output)


def _output_suffix(args):
    """The output's format as a suffix (".json", ...), or None without -o."""
    if args.output is None:
        return None
    if args.output == STDIO_NAME:
        return "." + (args.output_format or "csv")
    if _to_stream(args) and (args.output_format is not None
                             or suffix_of(args.output) not in OUTPUT_SUFFIXES):
        # A pipe or device: named by the shell (/dev/fd/63) or the system
        # (/dev/null), so its format is chosen as for '-o -'.
        return "." + (args.output_format or "csv")
    return suffix_of(args.output)


def _check_option_combinations(args):
    for option, value in (("EMBEDDINGS", args.embeddings), ("--ids", args.ids)):
        if value == STDIO_NAME:
            raise _UsageError(
                f"{option} -: reading from standard input is not supported (the "
                "format comes from the file's extension, and .npy files are "
                "read in place); save the data to a file and give its name",
                f"{PROG} {args.command}",
            )
    if args.embeddings is None:
        given = [name for name, value in (
            ("--key", args.key), ("--id-column", args.id_column),
            ("--label-column", args.label_column),
            ("--drop-last-column", args.drop_last_column or None),
            ("--header", None if args.header == "auto" else args.header),
            ("--ids", args.ids),
        ) if value is not None]
        if given:
            raise _UsageError(
                f"{', '.join(given)} needs an EMBEDDINGS file (none given: the "
                "demo runs on the digits)", f"{PROG} select",
            )
    else:
        # Options that do not apply to the input's format are a bad command
        # line, told before anything is read.
        problem = format_option_problem(
            args.embeddings, key=args.key,
            # With --ids, --id-column names the column of the ids file.
            id_column=args.id_column if args.ids is None else None,
            label_column=args.label_column, header=args.header,
        )
        # An ids file named '.csv' is told as such (see _ids_name_problem),
        # not that --id-column needs a .csv/.tsv file.
        # Nor is a name of a folder (ids.txt/.), which _check_ids_file tells.
        if (problem is None and args.ids is not None and args.id_column is not None
                and suffix_of(args.ids) not in (".csv", ".tsv")
                and _ids_name_problem(args.ids) is None
                and _folder_ending(args.ids) is None):
            problem = (
                "--id-column with --ids only applies to .csv/.tsv id files "
                "(other id files hold one id per line)"
            )
        if problem is not None:
            raise _UsageError(problem, f"{PROG} select")
    for option, value in (("--init", args.init),
                          ("--exclude-isolated", args.exclude_isolated)):
        if value is not None and args.core_selector != "activeft":
            raise _UsageError(
                f"{option} only applies to --core-selector activeft, not "
                f"{args.core_selector}", f"{PROG} {args.command}",
            )
    if args.variant is not None and args.denoiser != "idc":
        raise _UsageError(
            f"--variant only applies to --denoiser idc, not {args.denoiser}",
            f"{PROG} {args.command}",
        )
    if args.removal_rate is not None and args.denoiser == "none":
        raise _UsageError("--removal-rate has no effect with --denoiser none",
                          f"{PROG} {args.command}")
    if args.penalty is not None and args.strategy == "one-shot":
        raise _UsageError(
            "--penalty has no effect with --strategy one-shot (it uses no "
            "penalty)", f"{PROG} {args.command}",
        )
    if (isinstance(args.budget, int) and isinstance(args.n_cores, int)
            and args.n_cores > args.budget):
        # Two counts: wrong whatever the file, so told before reading it
        # (with a fraction, the pool decides; see _resolve_sizes).
        raise _UsageError(
            f"--n-cores {args.n_cores} is more than --budget {args.budget}; the "
            "cores are part of the budget, so lower --n-cores or raise --budget",
            f"{PROG} {args.command}",
        )
    if args.label_column is not None and args.drop_last_column:
        raise _UsageError("give either --label-column or --drop-last-column",
                          f"{PROG} {args.command}")
    if (args.output not in (None, STDIO_NAME) and not _to_stream(args)
            and not (args.output and os.path.isdir(args.output))):
        # os.path.isdir: Path.is_dir raised on a name too long for the file
        # system (check_output_path tells that as the -o name's fault).
        # A name no file could satisfy is a mistake of the command line; an
        # existing folder is told by check_output_path, which says so.
        problem = output_name_problem(args.output)
        if problem is not None:
            raise _UsageError(problem, f"{PROG} {args.command}")
    if (args.output_format is not None and args.output != STDIO_NAME
            and not _to_stream(args)):
        raise _UsageError(
            f"--output-format only applies to '-o -' (standard output) and to "
            "a pipe or a device; "
            f"{'-o ' + args.output + ' gets' if args.output else 'a file gets'} "
            "its format from its extension", f"{PROG} {args.command}",
        )
    if args.ids is not None and _output_suffix(args) == ".npy":
        shown = (f"{args.output} --output-format npy"
                 if args.output_format is not None else args.output)
        raise _UsageError(
            f"--ids has no effect with -o {shown}: a .npy output holds row "
            "numbers only; the ids are written to .json and .csv outputs (and "
            "printed without -o)", f"{PROG} {args.command}",
        )
    if (args.output == STDIO_NAME and _output_suffix(args) == ".npy"
            and sys.stdout is not None and sys.stdout.isatty()):
        raise _UsageError(
            "-o - --output-format npy: standard output is a terminal, and a "
            ".npy file is binary; redirect it (> selected.npy) or choose "
            "--output-format json or csv", f"{PROG} {args.command}",
        )


def _resolve_sizes(args, n_rows, source):
    from .base import resolve_count
    from .core import default_n_cores, paper_n_cores

    try:
        budget = resolve_count(args.budget, n_rows, name="budget")
    except ValueError:
        raise InputError(
            f"--budget {args.budget} is more than the {counted(n_rows, 'row')} of "
            f"{source}; "
            "lower it, or give a fraction such as 0.01"
        ) from None
    if args.n_cores == "auto":
        n_cores = min(budget, default_n_cores(n_rows))
    elif args.n_cores == "paper":
        n_cores = min(budget, paper_n_cores(n_rows))
    else:
        try:
            n_cores = resolve_count(args.n_cores, n_rows, name="n_cores")
        except ValueError:
            n_cores = None
        if n_cores is None:
            raise InputError(
                f"--n-cores {args.n_cores} is more than the "
                f"{counted(n_rows, 'row')} of "
                f"{source}; the cores are part of the budget ({budget}), so give "
                f"at most {budget}"
            )
        if n_cores > budget:
            raise InputError(
                f"--n-cores {args.n_cores} gives {n_cores} cores but the budget is "
                f"{budget}; the cores are part of the budget, so lower --n-cores "
                "or raise --budget"
            )
    return budget, n_cores


def _conversion_note(X, memory_mapped):
    """What the selection's conversion of a pool of another dtype costs.

    float32 and float64 pools are used as read; float16 is computed in
    float32 and other dtypes in float64, from a copy of the whole pool.  A
    float32 .npy would be read in place; a float32 table or archive, read
    into memory anyway, would at least not be copied again.  A float32 or
    float64 pool in the other byte order (a big-endian .npy) is copied too,
    keeping its precision: saving it as float32 is no fix for it.
    """
    import numpy as np

    if X.dtype.isnative and X.dtype in (np.float32, np.float64):
        return ""
    # The dtype validate_pool converts to (base._pool_dtype).
    work = np.dtype(np.float32 if X.dtype.kind == "f" and X.dtype.itemsize <= 4
                    else np.float64)
    mib = X.shape[0] * X.shape[1] * work.itemsize / 2**20
    size = f"{mib:,.0f}" if mib >= 10 else f"{mib:.1f}"
    gain = "read it in place" if memory_mapped else "skip the copy"
    if X.dtype.kind == "f" and X.dtype.itemsize >= 4:
        # The byte order is said only where it is the cause: a long double
        # pool is in this machine's order already.
        order = "" if X.dtype.isnative else ", in this machine's byte order,"
        fix = f"save X.astype('{work.name}'){order} to {gain}"
    else:
        fix = f"save it as float32 to {gain}"
    return (f"; computed in {work.name}, from a copy of the whole pool "
            f"({size} MiB; {fix})")


def _make_sampler(args, budget, n_cores, verbose):
    from . import core, denoise
    from .boundary import BoundarySelector
    from .sampler import BiLAFSampler

    selector_class = getattr(core, CORE_SELECTORS[args.core_selector][0])
    selector = selector_class(n_cores=n_cores)
    if args.core_selector == "activeft":
        # The library default's start and exclusion unless told otherwise.
        selector.set_params(
            init=args.init or "auto",
            exclude_isolated=(0.0 if args.exclude_isolated is None
                              else args.exclude_isolated))
    if verbose and "verbose" in selector.get_params():
        # ActiveFT is the long stage on big pools: let it report its loss.
        selector.set_params(verbose=verbose)
    removal_rate = (DEFAULT_REMOVAL_RATE if args.removal_rate is None
                    else args.removal_rate)
    if args.denoiser == "none":
        denoiser = "none"
    elif args.denoiser == "idc":
        denoiser = denoise.IDCDenoiser(removal_rate=removal_rate,
                                       variant=args.variant or "paper")
    else:
        denoiser = getattr(denoise, DENOISERS[args.denoiser][0])(
            removal_rate=removal_rate)
    penalty = DEFAULT_PENALTY if args.penalty is None else args.penalty
    return BiLAFSampler(
        budget=budget,
        core_selector=selector,
        denoiser=denoiser,
        boundary_selector=BoundarySelector(penalty=penalty, strategy=args.strategy),
        metric=args.metric,
        random_state=args.seed,
        n_jobs=args.n_jobs,
        verbose=verbose,
    )


def _stage_options_given(args):
    """Whether the command line set a denoising or boundary option."""
    return (args is not None
            and (args.denoiser != "idc" or args.variant is not None
                 or args.removal_rate is not None or args.penalty is not None
                 or args.strategy != "iterative"))


@contextlib.contextmanager
def _warnings_as_lines(args=None):
    """Show warnings as one-line ``bilaf: warning:`` messages, each once."""
    seen = set()

    def show(message, category, filename, lineno, file=None, line=None):
        text = _warning_for_command_line(
            " ".join(str(message).split()),
            cosine=getattr(args, "metric", None) == "cosine")
        match = re.match(r"(?:All|The) (\d+) selected samples? (?:are cores|is a "
                         r"core)", text)
        if match:
            # The command always builds its stages; the warning is news only
            # when the user set a stage option that then does nothing.
            if not _stage_options_given(args):
                return
            n = match.group(1)
            # Fewer cores than a budget of 1 would be none.
            advice = ("a budget of 1 holds one core and no boundary sample: "
                      "raise --budget to select boundary samples" if n == "1" else
                      "lower --n-cores to select boundary samples (by default "
                      "the cores are min(budget, 5% of the pool))")
            text = (
                f"{'the' if n == '1' else 'all'} {counted(n, 'selected sample')} "
                f"{'is a core' if n == '1' else 'are cores'}, so the "
                "denoising and boundary options (--denoiser, --variant, "
                f"--removal-rate, --penalty, --strategy) have no effect; {advice}"
            )
        if text not in seen:
            seen.add(text)
            print(f"{PROG}: warning: {text}", file=sys.stderr, flush=True)

    with warnings.catch_warnings():
        warnings.simplefilter("default")
        # A library's deprecation speaks to the code calling it, not to the
        # command's user (Python hides these outside __main__ too).
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        warnings.showwarning = show
        yield


def _fit(sampler, X, args, source):
    with _warnings_as_lines(args):
        try:
            return sampler.fit(X)
        except (ValueError, TypeError) as exc:
            # The estimators' own checks explain what to change; keep them,
            # in the command line's terms where they speak Python.
            message = " ".join(str(exc).split())
            raise InputError(
                _error_for_command_line(message, args, X, source)
            ) from None


# -- library messages in the command line's terms -------------------------------
# The estimators' messages name Python parameters and classes (metric='cosine',
# KMeansSelector, "Rescale X"); the known ones that a run of the command can
# meet are said again here with its options.  Others are shown as they are.
_EUCLIDEAN_CORES = "choose the cores with --core-selector kmeans, random or fds"


def _zero_rows(X):
    """Row numbers of the all-zero rows of X, read a block at a time."""
    import numpy as np

    step = max(1, 2**26 // max(1, X.shape[1] * X.itemsize))
    found = [start + np.flatnonzero(~np.asarray(X[start:start + step]).any(axis=1))
             for start in range(0, X.shape[0], step)]
    return np.concatenate(found)


def _error_for_command_line(message, args, X, source):
    activeft = args.core_selector == "activeft"
    if "undefined for all-zero rows" in message:
        # ActiveFTSelector's and metric='cosine''s refusal; counted here
        # because the library counts the rows of the step that failed.
        zero = _zero_rows(X)
        users, fixes = [], []
        if activeft:
            users.append("--core-selector activeft (the default)")
            fixes.append(_EUCLIDEAN_CORES)
        if args.metric == "cosine":
            users.append("--metric cosine")
            fixes.append("use --metric euclidean (the default)")
        if zero.size and users:
            n = zero.size
            return (
                f"{source} has {n} all-zero row{'' if n == 1 else 's'} "
                f"({_rows_text(zero, shown=5)}) and {' and '.join(users)} "
                f"normalise{'s' if len(users) == 1 else ''} every row, which is "
                f"undefined for all-zero rows: remove "
                f"{'that row' if n == 1 else 'those rows'}, or {' and '.join(fixes)}"
            )
    match = re.search(r"values as large as (\S+), so squared distances between "
                      r"its rows overflow (\w+)", message)
    if match:
        peak, dtype = match.groups()
        return (
            f"{source} has values as large as {peak}, so squared distances "
            f"between its rows overflow {dtype}: rescale the embeddings (e.g. "
            f"divide them by {peak}) and save them again"
        )
    match = re.search(r"X has no value larger than (\S+) in absolute value, so "
                      r"squared distances between its rows underflow", message)
    if match:
        peak = match.group(1)
        return (
            f"{source} has no value larger than {peak} in absolute value, so "
            "squared distances between its rows underflow to 0 even in "
            "float64: "
            f"rescale the embeddings (e.g. divide them by {peak}) and save them "
            "again"
        )
    # The rows as rows_named writes them: "row 7" or "rows [3, 40, ...]".
    match = re.search(r"(\d+) rows? \(rows? \[?([\d, ]*?)(?:, \.\.\.)?\]?\) "
                      r"(?:have norms|has a norm) too small to normalise in (\w+)",
                      message)
    if match:
        count, rows, dtype = match.groups()
        rows = [r for r in rows.split(", ") if r]
        who = " for --core-selector activeft (the default)" if activeft else ""
        text = (
            f"{source}: {count} row{'' if count == '1' else 's'} "
            f"({_rows_text(rows, shown=5, total=count)}) "
            f"{'has a norm' if count == '1' else 'have norms'} too small{who} "
            f"to normalise in {dtype}: rescale the embeddings (e.g. multiply "
            "them by a power of 10)"
        )
        if dtype != "float64":
            text += " or save them as float64"
        if activeft:
            text += f", or {_EUCLIDEAN_CORES}"
        return text
    return message


def _warning_for_command_line(message, cosine=False):
    """A library warning in the command's terms (its options, not Python
    parameters); ``cosine``: whether --metric cosine was given."""
    # KMeansSelector's k-means, under --core-selector kmeans.
    match = re.fullmatch(r"KMeansSelector's k-means found only (\d+) distinct "
                         r"clusters? of the (\d+) asked for by n_cores, .*"
                         r"Set n_cores to at most \1\.", message)
    if match:
        found, wanted = match.groups()
        return (
            f"k-means found only {found} distinct cluster"
            f"{'' if found == '1' else 's'} for the {wanted} cores (--n-cores), "
            f"probably because the pool has fewer than {wanted} distinct rows; "
            f"each core is still a different row: lower --n-cores to at most "
            f"{found}"
        )
    # ActiveFTSelector's, under --core-selector activeft: a single feature,
    # or rows all on one line through the origin.
    match = re.match(r"ActiveFTSelector compares rows by their direction, and "
                     r"(.*?),? (?:so|and) which (\d+) rows? of the (\d+) it "
                     r"picks is arbitrary", message)
    if match:
        why, picked, pool = match.groups()
        text = (
            f"{why} for --core-selector activeft (the default), so which "
            f"{counted(picked, 'row')} of the {pool} it picks as cores is "
            f"arbitrary: {_EUCLIDEAN_CORES}"
        )
        if cosine:
            text += ", with --metric euclidean (the default)"
        if "single feature" in why:
            text += ", or give the embeddings more features"
        return text
    # The sampler's, under --metric cosine with other cores.
    match = re.match(r"BiLAFSampler\(metric='cosine'\) compares rows by their "
                     r"direction after the core stage, and (.*?): (which core "
                     r".*? is arbitrary)\.", message)
    if match:
        why, what = match.groups()
        return (
            "--metric cosine compares rows by their direction after the core "
            f"stage, and {why}: {what}; use --metric euclidean (the default)"
        )
    return message


def _load_pool(args, progress):
    if args.embeddings is None:
        from sklearn.datasets import load_digits

        from .io import Pool

        progress("loading scikit-learn's digits")
        X, y = load_digits(return_X_y=True)
        return Pool(X=X, labels=y), "scikit-learn's digits (demo)"
    # os.path.exists: an embeddings name too long for the file system made
    # Path.exists raise the OS's message; load_embeddings says which file.
    if args.ids is not None and os.path.exists(args.embeddings):
        # Before the pool is read: a missing ids file was told only after a
        # large pool was, and with --id-column the table's id column was
        # read as a feature first, with an error about that column.
        _check_ids_file(args.ids)
    progress(f"reading {args.embeddings}")
    with _warnings_as_lines():
        pool = load_embeddings(
            args.embeddings, key=args.key,
            id_column=None if args.ids is not None else args.id_column,
            label_column=args.label_column, drop_last_column=args.drop_last_column,
            header=args.header,
        )
    for note in pool.notes:
        progress(note)
    if args.ids is not None:
        pool.ids = read_ids(args.ids, pool.X.shape[0], column=args.id_column)
    return pool, str(args.embeddings)


def _run_select(args):
    progress = _Progress(args.quiet)
    if _names_stdout(args.output):
        args.output = STDIO_NAME
    if args.id_column is not None and _same_file(args.ids, args.embeddings):
        # '--ids emb.csv' naming the embeddings table itself: its --id-column
        # is the table's, to leave out of the features (else read as one).
        args.ids = None
    _check_option_combinations(args)
    output = None
    to_stdout = args.output == STDIO_NAME
    if args.output is not None and not to_stdout:
        output = check_output_path(args.output, inputs=(args.embeddings, args.ids))
    if to_stdout and sys.stdout is None:
        # Started with stdout closed (>&-): the selection would have nowhere
        # to go, so say so before the work rather than fail after it.
        raise InputError(
            "-o -: standard output is closed; redirect it (> selected.csv) or "
            "write the selection to a file with -o FILE"
        )
    # With the selection on stdout, what people read goes to stderr.
    report = sys.stderr if to_stdout else sys.stdout
    show_report = not (to_stdout and args.quiet)
    demo = args.embeddings is None
    if demo and show_report:
        # 'bilaf demo' asked for the demo: no file was missing.
        why = ("Running" if args.command == "demo" else
               "No EMBEDDINGS file given: running")
        print(f"{why} on scikit-learn's handwritten digits as a demo.\nFor your "
              "data: bilaf select embeddings.npy --budget 0.01 -o selected.json "
              "(see bilaf select --help).\n", file=report, flush=True)

    tic = time.perf_counter()
    pool, source = _load_pool(args, progress)
    read_seconds = time.perf_counter() - tic
    X = pool.X
    n_rows, n_features = X.shape
    progress(
        f"pool: {counted(n_rows, 'row')} x {counted(n_features, 'feature')}, "
        f"{X.dtype}"
        f"{', memory-mapped' if pool.memory_mapped else ''} "
        f"({read_seconds:.2f}s){_conversion_note(X, pool.memory_mapped)}"
    )
    budget, n_cores = _resolve_sizes(args, n_rows, source)
    progress(f"selecting {counted(budget, 'sample')}: "
             f"{counted(n_cores, 'core')} + "
             f"{counted(budget - n_cores, 'boundary sample')}")

    sampler = _make_sampler(args, budget, n_cores, verbose=0 if args.quiet else 1)
    _fit(sampler, X, args, source)

    indices = sampler.selected_indices_
    is_core = _core_mask(indices, sampler.core_indices_)
    roles = ["core" if c else "boundary" for c in is_core]
    write_seconds = None
    if output is not None:
        tic = time.perf_counter()
        try:
            write_selection(output, indices, roles=roles,
                            pseudo_classes=sampler.labels_[indices], ids=pool.ids,
                            output_format=_output_suffix(args).lstrip("."))
        except OSError as exc:
            # Checked up front, but a disk can fill up or a folder vanish
            # (or the reader of a pipe go away).
            reason = exc.strerror or " ".join(str(exc).split())
            # -o as typed: output, a Path, writes ./s.json as s.json.
            if _to_stream(args):
                raise InputError(
                    f"-o {args.output}: could not write the selection ({reason})"
                ) from None
            raise InputError(
                f"-o {args.output}: could not write the selection ({reason}); "
                f"{output.name} was left as it was"
                if output.exists() else
                f"-o {args.output}: could not write the selection ({reason}); "
                "nothing was written"
            ) from None
        write_seconds = time.perf_counter() - tic
        # -o as typed, as its messages quote it: output writes ./s.json as
        # s.json.
        progress(f"wrote {args.output}")
    elif to_stdout:
        tic = time.perf_counter()
        # Formatted whole before the first byte goes out: an error cannot
        # leave half a selection in the pipe.
        content = format_selection(_output_suffix(args), indices, roles=roles,
                                   pseudo_classes=sampler.labels_[indices],
                                   ids=pool.ids)
        try:
            _write_stdout(content)
        except BrokenPipeError:
            raise  # the reader left: nothing to say (see _main)
        except OSError as exc:
            # A full disk or a bad descriptor behind the redirection.
            raise InputError(
                "-o -: could not write the selection to standard output "
                f"({exc.strerror or ' '.join(str(exc).split())})"
            ) from None
        write_seconds = time.perf_counter() - tic
    if show_report:
        try:
            _report(args, sampler, pool, source, demo,
                    STDIO_NAME if to_stdout else
                    None if output is None else args.output, read_seconds,
                    write_seconds, stream=report)
        except BrokenPipeError:
            raise  # the reader left: nothing to say (see _main)
        except OSError as exc:
            if to_stdout:
                raise  # the summary went to stderr: nowhere to tell it
            # A full disk behind '> file': the selection may be safe already.
            # -o as typed (output writes ./s.json as s.json).
            written = (f"; the selection was written to {args.output}"
                       if output is not None else "")
            raise InputError(
                "could not write the summary to standard output "
                f"({exc.strerror or ' '.join(str(exc).split())}){written}"
            ) from None
    return EXIT_OK


def _write_stdout(content):
    """Write the bytes of an output to standard output."""
    buffer = getattr(sys.stdout, "buffer", None)
    sys.stdout.flush()
    if buffer is None:  # a text-only stream (e.g. redirected in tests)
        sys.stdout.write(content.decode("utf-8"))
    else:
        buffer.write(content)
        buffer.flush()


def _core_mask(indices, cores):
    import numpy as np

    return np.isin(indices, cores)


# -- report ------------------------------------------------------------------
def _report(args, sampler, pool, source, demo, output, read_seconds, write_seconds,
            stream=None):
    out = []
    suffix = _output_suffix(args)
    where = "standard output" if output == STDIO_NAME else output
    X = pool.X
    n_rows, n_features = X.shape
    budget, n_cores = sampler.budget_, sampler.n_cores_
    denoise_name = DENOISERS[args.denoiser][1]
    if args.denoiser == "idc":
        denoise_name += f" ({args.variant or 'paper'})"
    if args.denoiser != "none":
        rate = DEFAULT_REMOVAL_RATE if args.removal_rate is None else args.removal_rate
        denoise_name += f", removal rate {rate:g}"
    denoise_text = (f"{denoise_name}: kept {int(sampler.inlier_mask_.sum())} of "
                    f"{counted(n_rows, 'sample')}")
    if n_cores == budget:
        denoise_text += " (no effect on the selection: cores are always kept)"
    elif args.denoiser != "none" and type(sampler.denoiser_).__name__ == "NoDenoiser":
        # The sampler fell back to keeping every sample (its warning says
        # why): "kept N of N" alone would read as a denoiser that found no
        # outlier.
        denoise_text += (" (skipped: it would keep fewer samples than the "
                         "budget)")
    budget_text = str(budget)
    if isinstance(args.budget, float):
        budget_text += f" ({args.budget * 100:g}% of the pool"
        # resolve_count's floor of one sample: say so rather than print a
        # share of the pool that the single pick is not.
        if int(n_rows * args.budget) < 1:
            budget_text += ", raised to the minimum of 1"
        budget_text += ")"
    k_text = f"{n_cores}, by {CORE_SELECTORS[args.core_selector][1]}"
    if args.core_selector == "activeft":
        k_text += f" with a {sampler.core_selector_.init_} start"
    if args.n_cores == "auto":
        k_text += " (auto: 5% of the pool, at most the budget)"
    elif args.n_cores == "paper":
        k_text += " (paper: 0.5% of the pool, at most the budget)"
    if args.core_selector == "activeft":
        # After K's explanation, which would otherwise seem to describe
        # the rows left out.
        n_excluded = sampler.core_selector_.excluded_indices_.size
        if n_excluded:
            k_text += f", without the {counted(n_excluded, 'most isolated row')}"
    if n_cores == budget:
        # Every pick is a core: the boundary settings did nothing, and the
        # denoising's count below only describes inlier_mask_.
        boundary_text = "0 samples (every pick is a core)"
        if args.n_cores == "auto" and budget > 1:
            from .core import paper_n_cores

            # The default's K = B hides BiLAF's second level, the first
            # thing a newcomer running the demo looks for.  The paper's K
            # is K = B too for a budget of 0.5 % of the pool or less.
            if paper_n_cores(n_rows) < budget:
                boundary_text = ("0 samples (every pick is a core; -k paper, "
                                 "the paper's K, leaves room for boundary "
                                 "samples)")
            else:
                boundary_text = ("0 samples (every pick is a core; a -k below "
                                 f"the budget ({budget}) leaves room for "
                                 "boundary samples)")
    elif args.strategy == "iterative":
        penalty = DEFAULT_PENALTY if args.penalty is None else args.penalty
        boundary_text = (f"{counted(budget - n_cores, 'sample')}, iterative, "
                         f"penalty {penalty:g}")
    else:
        boundary_text = f"{counted(budget - n_cores, 'sample')}, one-shot"
    stage_names = {"cores": "cores", "pseudo_classes": "pseudo-classes",
                   "denoise": "denoising", "boundary": "boundary"}
    timings = ", ".join(f"{stage_names.get(k, k)} {v:.2f}s"
                        for k, v in sampler.timings_.items())
    total = sum(sampler.timings_.values())
    time_text = f"{timings} (selection {total:.2f}s; reading {read_seconds:.2f}s"
    if write_seconds is not None:
        time_text += f", writing {write_seconds:.2f}s"
    time_text += ")"
    if output is None:
        output_text = "not written (save it with -o selected.json, .csv or .npy)"
    else:
        what = "row number" if pool.ids is None or suffix == ".npy" else "id"
        rest = ""
        if suffix == ".csv":
            what = "row"
            rest = " with role and pseudo-class" + (" and id" if pool.ids else "")
        if output == STDIO_NAME or suffix != suffix_of(output):
            rest += f", {suffix.lstrip('.')}"
        output_text = f"{where} ({counted(budget, what)}{rest})"

    out.append(f"BiLAF selected {budget} of {counted(n_rows, 'sample')} from "
               f"{source}.")
    fields = [
        ("pool", f"{counted(n_rows, 'row')} x {counted(n_features, 'feature')}, "
                 f"{X.dtype}, {args.metric} distance"),
        ("budget", budget_text),
        ("cores (K)", k_text),
        ("boundary", boundary_text),
        ("denoising", denoise_text),
        ("time", time_text),
        ("output", output_text),
    ]
    for name, value in fields:
        out.append(textwrap.fill(value, width=79, initial_indent=f"  {name:<10} ",
                                 subsequent_indent=" " * 13,
                                 break_on_hyphens=False, break_long_words=False))

    indices = sampler.selected_indices_
    shown = indices if output is None else indices[:_SHOWN_PICKS_WITH_OUTPUT]
    out.append("")
    out.append("Selected rows, in selection order (per pseudo-class: the core, "
               "then its boundary samples):")
    listing = ", ".join(str(int(i)) for i in shown)
    if shown.size < indices.size:
        listing += (f", ... ({indices.size - shown.size} more "
                    f"{'on' if output == STDIO_NAME else 'in'} {where})")
    out.append(textwrap.fill(listing, width=79, initial_indent="  ",
                             subsequent_indent="  "))
    if pool.ids is not None and output is None:
        out.append("Their ids:")
        out.append(textwrap.fill(", ".join(str(pool.ids[i]) for i in shown),
                                 width=79, initial_indent="  ",
                                 subsequent_indent="  "))

    out.append("")
    out.extend(_class_table(sampler))
    if pool.labels is not None:
        out.append("")
        out.extend(_label_spread(pool.labels, indices, demo))
    print("\n".join(out), file=stream or sys.stdout, flush=True)


def _class_table(sampler):
    import numpy as np

    k = sampler.n_cores_
    members = np.bincount(sampler.labels_, minlength=k)
    kept = np.bincount(sampler.labels_[sampler.inlier_mask_], minlength=k)
    picks = sampler.class_budgets_
    if k > _MAX_CLASS_ROWS:
        return [
            f"{k} pseudo-classes: members {members.min()}-{members.max()} "
            f"(median {int(np.median(members))}), selected per class "
            f"{picks.min()}-{picks.max()} (median {int(np.median(picks))})."
        ]
    lines = ["Per pseudo-class:",
             f"  {'class':>5}  {'core row':>8}  {'members':>7}  {'kept':>7}  "
             f"{'selected':>8}"]
    for c in range(k):
        lines.append(f"  {c:>5}  {int(sampler.core_indices_[c]):>8}  "
                     f"{int(members[c]):>7}  {int(kept[c]):>7}  {int(picks[c]):>8}")
    return lines


def _label_spread(labels, indices, demo):
    import numpy as np

    what = "digit" if demo else "label"
    values, counts = np.unique(labels[indices], return_counts=True)
    n_labels = np.unique(labels).size
    head = ("Illustration only: the true digit labels of the picks (the selection "
            "never saw them):" if demo else
            "Labels of the picks (from the label column; never used for selection):")
    lines = [head]
    if n_labels <= _MAX_LABEL_COLUMNS:
        every = np.unique(labels)
        count_of = dict(zip(values.tolist(), counts.tolist(), strict=True))
        cells = [(str(v), str(count_of.get(v, 0))) for v in every.tolist()]
        width = max(max(len(a), len(b)) for a, b in cells)
        lines.append(f"  {what:<8} " + " ".join(a.rjust(width) for a, _ in cells))
        lines.append(f"  {'selected':<8} " + " ".join(b.rjust(width) for _, b in cells))
    lines.append(f"  {counted(indices.size, 'pick')} "
                 f"cover{'s' if indices.size == 1 else ''} {values.size} of the "
                 f"{counted(n_labels, what)}.")
    return lines


# -- entry point -------------------------------------------------------------
# Options whose value may be written with a leading minus sign.
_NUMERIC_OPTIONS = ("-b", "--budget", "-k", "--n-cores", "--removal-rate",
                    "--exclude-isolated",
                    "--penalty", "--seed", "-j", "--n-jobs")
_LOOKS_NEGATIVE = re.compile(r"-[0-9.]")


def _attach_negative_values(argv):
    """``-b -1%`` -> ``--budget=-1%``, so that a wrong value gets its own message.

    argparse takes a token that starts with '-' for an option unless it is a
    plain negative number, so ``-b -1%`` failed with "expected one argument"
    instead of saying what is wrong with -1%.
    """
    out = []
    tokens = iter(argv)
    for token in tokens:
        if token == "--":
            out.append(token)
            out.extend(tokens)
            break
        if token in _NUMERIC_OPTIONS:
            value = next(tokens, None)
            if value is not None and _LOOKS_NEGATIVE.match(value):
                out.append(f"{token}={value}" if token.startswith("--")
                           else f"{token}{value}")
                continue
            out.append(token)
            if value is not None:
                out.append(value)
            continue
        out.append(token)
    return out


def _dashed_file_hint(argv, parser, error):
    """How to write a file option's value that starts with '-'.

    argparse takes ``-o -x.json`` for an option with no value and says only
    "expected one argument"; a value that is no option of the command was
    meant as a file name.
    """
    if "expected one argument" not in str(error):
        return error
    options = _subparsers(parser)["select"]._option_string_actions
    tokens = argv[:argv.index("--")] if "--" in argv else argv
    for option, value in zip(tokens, tokens[1:], strict=False):
        action = options.get(option)
        if (action is None or action.metavar != "FILE"
                or not value.startswith("-") or value == "-"
                or value.split("=", 1)[0] in options):
            continue
        long_name = max(action.option_strings, key=len)
        return _UsageError(
            f"{error}; a file name starting with '-' is written "
            f"{shlex.quote('./' + value)} or "
            f"{shlex.quote(long_name + '=' + value)}", error.prog)
    return error


def _subparsers(parser):
    return next(a for a in parser._actions
                if isinstance(a, argparse._SubParsersAction)).choices


def _close_command(word, commands):
    """The command ``word`` is most likely a typo of, or None."""
    import difflib

    word = word.lower()
    starting = [name for name in commands if name.startswith(word)]
    if len(starting) == 1:
        return starting[0]
    close = difflib.get_close_matches(word, list(commands), n=1, cutoff=0.6)
    return close[0] if close else None


def _looks_like_a_file(word):
    """Whether a first argument reads as a file name rather than a command."""
    return (Path(word).suffix != "" or os.sep in word or "/" in word
            or os.path.lexists(word))


def _check_command(argv, parser):
    """Refuse a first argument that is neither a command nor a main option.

    argparse would take ``bilaf emb.npy`` or the value of ``bilaf --budget 5``
    for a mistyped command ("invalid choice: '5'"); since plain ``bilaf`` runs
    ``bilaf select``, say that the file or option goes after ``select``.
    """
    if not argv or argv[0] in ("--help", "--version"):
        return  # the main options (spelled out: the parsers take no prefixes)
    commands = _subparsers(parser)
    first = argv[0]
    if first in commands or first == "-h":
        return
    suggestion = shlex.join([PROG, "select", *argv])
    if not first.startswith("-") or first == STDIO_NAME:
        close = _close_command(first, commands)
        if first == STDIO_NAME:
            hint = ""
        elif close is not None and not _looks_like_a_file(first):
            # A mistyped command ('bilaf sel emb.npy'): not a file to select from.
            hint = (f"; did you mean {close!r}? "
                    f"{shlex.join([PROG, close, *argv[1:]])}")
        else:
            hint = f"; to select from a file: {suggestion}"
        raise _UsageError(
            f"{first!r} is not a command (choose from {', '.join(commands)})"
            f"{hint}", PROG,
        )
    if first == "--":
        example = (f": {shlex.join([PROG, 'select', *argv])}" if len(argv) > 1
                   else "")
        raise _UsageError(
            "'--' comes after the command, before a file name starting with "
            f"'-'{example}", PROG,
        )
    option = first.split("=", 1)[0]
    known = commands["select"]._option_string_actions
    # Short options may come with their value or together ('-b5', '-qb5');
    # a prefix of a long option (--budg) is not one: the command's parser
    # would refuse it where this message says to put it.
    if option in known or (not option.startswith("--") and option[:2] in known):
        raise _UsageError(
            f"{option} is an option of a command; put it after the command: "
            f"{suggestion}", PROG,
        )
    # Neither the main options nor a command's: argparse would take the next
    # argument for a mistyped command ('bilaf --bugdet 5 e.npy': "invalid
    # choice: '5'").
    raise _UsageError(
        f"unrecognized arguments: {option}; before the command, {PROG} takes "
        f"only --help and --version, and {option} is not an option of {PROG} "
        "select either", f"{PROG} select",
    )


def _refuse_extras(extras, command, parser):
    """argparse's "unrecognized arguments", with the command's help to see."""
    message = f"unrecognized arguments: {' '.join(extras)}"
    select_options = _subparsers(parser)["select"]._option_string_actions
    if command == "demo" and any(not e.startswith("-")
                                 or e.split("=", 1)[0] in select_options
                                 for e in extras):
        message += ("; the demo runs on the digits and takes no input options: "
                    "for a file, use bilaf select FILE")
    elif command == "select":
        dashed = next((e for e in extras if e.startswith("-")
                       and suffix_of(e) in EMBEDDING_SUFFIXES), None)
        if dashed is not None:
            message += (f"; a file name starting with '-' goes after '--' "
                        f"(bilaf select -- {dashed}) or as ./{dashed}")
    raise _UsageError(message, f"{PROG} {command}" if command else PROG)


@contextlib.contextmanager
def _escaping_stdout():
    """Print what stdout's encoding cannot hold as escapes, not a traceback.

    A file name that is not UTF-8 (a POSIX name is bytes), or ids outside an
    ASCII terminal's encoding, would otherwise fail the report after the
    selection was made and written.  stderr escapes them already.
    """
    stream = sys.stdout
    errors = getattr(stream, "errors", None)
    if errors != "strict" or not hasattr(stream, "reconfigure"):
        yield
        return
    stream.reconfigure(errors="backslashreplace")
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            stream.reconfigure(errors=errors)


def main(argv=None):
    """Run the ``bilaf`` command; return the exit status.

    Parameters
    ----------
    argv : list of str or None, default=None
        Arguments without the program name; None reads ``sys.argv``.

    Returns
    -------
    status : int
        0 on success, 1 for bad input or a failed run, 2 for a bad command
        line, 130 when interrupted (Ctrl-C).  Errors are printed as one line,
        ``bilaf: error: ...``.
    """
    # The readers' messages name the options (--id-column), not the keyword
    # arguments (id_column=) Python callers give.
    with _escaping_stdout(), _command_line_spelling():
        return _main(argv)


def _main(argv):
    parser = build_parser()
    try:
        try:
            argv = sys.argv[1:] if argv is None else list(argv)
            _check_command(argv, parser)
            try:
                args, extras = parser.parse_known_args(
                    _attach_negative_values(argv))
            except _UsageError as exc:
                raise _dashed_file_hint(argv, parser, exc) from None
        except SystemExit as exc:  # --help and --version
            return exc.code if isinstance(exc.code, int) else EXIT_OK
        if extras:
            _refuse_extras(extras, args.command, parser)
        if args.command is None:
            # The main command with nothing to go on is the demo: 'bilaf'
            # alone gives a result at once, as 'bilaf select' does.
            args = parser.parse_args(["select"])
        return args.handler(args)
    except _UsageError as exc:
        print(f"{PROG}: error: {exc} (see '{exc.prog} --help')", file=sys.stderr)
        return EXIT_USAGE
    except InputError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except MemoryError:
        print(f"{PROG}: error: out of memory; try float32 embeddings, a smaller "
              "pool, or fewer --n-jobs", file=sys.stderr)
        return EXIT_FAILURE
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            # stdout closed early (e.g. piped into head): nothing left to say.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return EXIT_FAILURE
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"{PROG}: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
