"""The test split with more seeds: a supplement to the protocol, not part of it.

The protocol of ``benchmarks/quality.py`` fixes seeds 0, 1 and 2, and its
tables and the target of issue 6 are judged on those alone.  With three
seeds a margin of a few tenths of a point is within the seed-to-seed
spread, so this script reads rows of further seeds, run by ``quality.py``
itself on the same pools, budgets and probe, and prints, for each pool and
target budget, every method's mean over all the seeds it has and the
paired difference of the library default with each other method, with its
standard error.  Nothing here feeds back into any choice: the default was
chosen on validation splits (``quality_validation.py``,
``quality_ideas.py``).

The extra rows (seeds 3-9, 2026-11-30) came from::

    python3 benchmarks/quality.py --datasets fashion-mnist wordnet \\
        --methods bilaf-default random activeft kmeans typiclust \\
        --budgets 1 2 3 --seeds 3 4 5 6 7 8 9 \\
        --results-name quality_more_seeds --no-render

(run as three processes side by side, Fashion-MNIST, WordNet seeds 3-6 and
WordNet seeds 7-9, each with ``OMP_NUM_THREADS=1``, their rows merged into
one file), and the table is printed by::

    python3 benchmarks/quality_more_seeds.py

A seed counts for a pool and budget only when every method compared has a
row for it, so that the differences are paired.  Files whose pool records
(the ``<stem>_pools.jsonl`` that ``quality.py`` writes beside each) differ
for a dataset are refused: their rows are not seeds of one pool.
"""

import argparse
import csv
import io
import math
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # imported by path (the tests) too
    sys.path.insert(0, str(HERE))

import _pool_records  # noqa: E402
from _stdout import plus_minus  # noqa: E402

PROTOCOL = HERE / "results" / "quality.csv"
EXTRA = HERE / "results" / "quality_more_seeds.csv"

DEFAULT = "bilaf-default"
OTHERS = ("activeft", "kmeans", "random", "typiclust")
NAMES = {"bilaf-default": "default", "activeft": "ActiveFT",
         "kmeans": "K-Means", "random": "Random", "typiclust": "TypiClust"}
DATASETS = (("wordnet", "WordNet"), ("fashion-mnist", "Fashion-MNIST"))
BUDGETS = ("1%", "2%", "5%")


#: The columns read; a file without them is not a results file of
#: ``quality.py`` (the validation study's, say).
COLUMNS = ("dataset", "method", "n_cores", "budget_label", "seed", "accuracy")


class ResultsFileError(ValueError):
    """A file that is not a results file of ``quality.py``."""


class PoolMismatchError(ResultsFileError):
    """Results files whose rows of a dataset were measured on different
    pools."""


def read_pools(path):
    """The pool records beside a results file of ``quality.py`` (its
    ``<stem>_pools.jsonl``), by dataset: the first of each, read by the
    code ``quality.read_pools`` uses (a line cut short is left out); none
    when the file is missing (rows written before the records).  Raises
    :class:`ResultsFileError` for one that cannot be read or is not a
    pools file."""
    path = Path(path)
    try:
        return _pool_records.read_pools(
            path.with_name(f"{path.stem}_pools.jsonl"))
    except _pool_records.PoolsFileError as exc:
        raise ResultsFileError(str(exc)) from None


_pool_text = _pool_records.pool_text


def check_same_pools(paths):
    """Raise :class:`PoolMismatchError` when two of the results files record
    different pools for a dataset: their rows would be paired as seeds of
    one pool.  A dataset recorded beside one file only is not checked."""
    first = {}
    for path in paths:
        for name, record in read_pools(path).items():
            seen = first.setdefault(name, (path, record))
            if seen[1] != record:
                raise PoolMismatchError(
                    f"{seen[0]} and {path} were measured on different {name} "
                    f"pools, as their _pools.jsonl files record ({seen[0]}: "
                    f"{_pool_text(seen[1])}; {path}: {_pool_text(record)}): "
                    "their seeds cannot be paired")


def read_accuracies(paths):
    """``{(dataset, budget_label, method, seed): accuracy in %}`` of the
    rows without a core count (BiLAF's paper rows have one) in the files.

    A last line without its newline is left out, as ``quality.py`` leaves
    it out: a run still writing the file, or killed while writing, left it
    cut short, so its accuracy may be a truncated number.  Raises
    :class:`ResultsFileError` for a file that cannot be read or is not
    UTF-8 text, for one without :data:`COLUMNS`, for a row whose seed is
    not an integer or whose accuracy is not a finite number from 0 to 1
    (naming its file and line), and for files whose pool records differ
    (:func:`check_same_pools`).
    """
    check_same_pools(paths)
    accuracies = {}
    for path in paths:
        try:
            # UTF-8, as quality.py writes them, whatever the locale's
            # encoding.
            with open(path, encoding="utf-8", newline="") as handle:
                text = handle.read()
        except UnicodeDecodeError:
            raise ResultsFileError(f"{path} is not a results file of "
                                   "quality.py: it is not UTF-8 text") from None
        except OSError as exc:
            raise ResultsFileError(
                f"{path} cannot be read "
                f"({exc.strerror or type(exc).__name__})") from None
        if text.strip() and not text.endswith("\n"):
            text = text[: text.rfind("\n") + 1]
            print(f"{path}: its last row is cut short; left out",
                  file=sys.stderr, flush=True)
        if not text.strip():
            continue
        reader = csv.DictReader(io.StringIO(text, newline=""))
        missing = [c for c in COLUMNS if c not in reader.fieldnames]
        if missing:
            raise ResultsFileError(
                f"{path} is not a results file of quality.py: its first line "
                f"lacks the columns {', '.join(missing)}")
        for row in reader:
            # A row short of a value (None) cannot be a finished one.
            if row["n_cores"] or not all(row[c] for c in COLUMNS
                                         if c != "n_cores"):
                continue
            where = f"{path}, line {reader.line_num}"
            try:
                seed = int(row["seed"])
            except ValueError:
                raise ResultsFileError(
                    f"{where}: seed {row['seed']!r} is not an integer (a "
                    "row of quality.py has its seed number)") from None
            try:
                accuracy = float(row["accuracy"])
            except ValueError:
                raise ResultsFileError(
                    f"{where}: accuracy {row['accuracy']!r} is not a number "
                    "(quality.py writes a fraction such as 0.712345)") from None
            if not math.isfinite(accuracy):
                # A NaN would turn every mean and difference of its cell
                # into NaN, silently.
                raise ResultsFileError(
                    f"{where}: accuracy {row['accuracy']!r} is not a finite "
                    "number (quality.py writes a fraction such as 0.712345)")
            if not 0 <= accuracy <= 1:
                # A percentage (a file edited by hand or written by another
                # tool) would be scaled by 100 again, silently.
                raise ResultsFileError(
                    f"{where}: accuracy {row['accuracy']!r} is not a fraction "
                    "from 0 to 1 (quality.py writes a fraction such as "
                    "0.712345; divide a percentage by 100)")
            key = (row["dataset"], row["budget_label"], row["method"], seed)
            accuracies[key] = 100 * accuracy
    return accuracies


def paired_cell(accuracies, dataset, budget, methods=(DEFAULT,) + OTHERS):
    """Seeds every method has, each method's mean and sample standard
    deviation over them, and the default's paired difference with each
    other method (mean, standard error)."""
    seeds = sorted({key[3] for key in accuracies
                    if key[:2] == (dataset, budget)})
    seeds = [seed for seed in seeds
             if all((dataset, budget, method, seed) in accuracies
                    for method in methods)]
    values = {method: np.array([accuracies[dataset, budget, method, seed]
                                for seed in seeds]) for method in methods}
    stats = {method: (v.mean(), v.std(ddof=1)) if v.size > 1 else (math.nan,) * 2
             for method, v in values.items()}
    differences = {}
    for method in methods[1:]:
        d = values[methods[0]] - values[method]
        differences[method] = ((d.mean(), d.std(ddof=1) / math.sqrt(d.size))
                               if d.size > 1 else (math.nan,) * 2)
    return seeds, stats, differences


def table(accuracies, sign="±"):
    """The supplement as a reStructuredText table (one line per pool and
    budget); ``sign`` separates each mean from its spread ("+/-" where
    standard output has no "±", :func:`_stdout.plus_minus`)."""
    header = ["pool, budget", "seeds", "default"] + [
        f"vs. {NAMES[m]}" for m in OTHERS]
    lines = []
    for dataset, label in DATASETS:
        for budget in BUDGETS:
            seeds, stats, differences = paired_cell(accuracies, dataset, budget)
            if len(seeds) < 2:
                continue
            mean, std = stats[DEFAULT]
            lines.append([f"{label} {budget.replace('%', ' %')}",
                          f"{len(seeds)}", f"{mean:.2f} {sign} {std:.2f}"]
                         + [f"{differences[m][0]:+.2f} {sign} "
                            f"{differences[m][1]:.2f}" for m in OTHERS])
    widths = [max(len(row[i]) for row in [header] + lines)
              for i in range(len(header))]
    rule = "  ".join("=" * w for w in widths)

    def line(cells):
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))

    out = [rule, line(header), rule] + [line(row) for row in lines] + [rule]
    return "\n".join(text.rstrip() for text in out)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="The test split with more seeds (a supplement to the "
                    "protocol): the library default's paired differences.")
    parser.add_argument("--results", type=Path, nargs="+",
                        default=[PROTOCOL, EXTRA],
                        help="results files of quality.py (default: "
                             "quality.csv and quality_more_seeds.csv)")
    args = parser.parse_args(argv)
    folders = [str(path) for path in args.results if path.is_dir()]
    if folders:
        parser.error(f"{', '.join(folders)} is a folder, not a results file; "
                     "give --results files written by quality.py")
    missing = [str(path) for path in args.results if not path.is_file()]
    if missing:
        parser.error(f"no results file {', '.join(missing)}; give --results "
                     "files written by quality.py")
    try:
        accuracies = read_accuracies(args.results)
    except ResultsFileError as exc:
        fix = ("measured on the same pools" if isinstance(exc, PoolMismatchError)
               else "written by quality.py")
        parser.error(f"{exc}; give --results files {fix}")
    # Printed "±" raised UnicodeEncodeError on an ASCII standard output.
    print(table(accuracies, plus_minus()))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    from _stdout import exit_status

    sys.exit(exit_status(main))
