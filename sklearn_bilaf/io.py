"""Reading embeddings from disk and writing selections, for the ``bilaf`` command.

Everything here reports bad input by raising :class:`InputError`, whose message
is one line that names the file and says what to change; the command line
prints it as ``bilaf: error: ...``.

Inputs: ``.npy`` (memory-mapped, never unpickled), ``.npz`` (one array, picked
with ``key``), ``.csv`` / ``.tsv`` (numeric columns; optional id and label
columns) and ``.parquet`` (needs pyarrow, the ``parquet`` extra).  Outputs:
``.json``, ``.csv`` and ``.npy``, written to a temporary file in the target
folder and moved into place, so that a failure never leaves a partial file;
a pipe or a device (``/dev/null``) is written in place instead, never
replaced.
"""

import contextlib
import contextvars
import csv
import errno
import io
import itertools
import json
import keyword
import math
import os
import re
import secrets
import shlex
import stat
import warnings
from dataclasses import dataclass, field
from numbers import Integral
from pathlib import Path

import numpy as np

from ._text import counted

__all__ = [
    "EMBEDDING_SUFFIXES",
    "OUTPUT_SUFFIXES",
    "InputError",
    "Pool",
    "atomic_write",
    "check_output_path",
    "format_option_problem",
    "format_selection",
    "load_embeddings",
    "output_name_problem",
    "read_ids",
    "write_selection",
]

#: The extensions :func:`load_embeddings` reads (the format comes from the
#: extension, in any case).
EMBEDDING_SUFFIXES = (".npy", ".npz", ".csv", ".tsv", ".parquet")
#: The extensions :func:`write_selection` writes a file in.
OUTPUT_SUFFIXES = (".json", ".csv", ".npy")
_TABLE_SUFFIXES = (".csv", ".tsv", ".parquet")
_DELIMITERS = {".csv": ",", ".tsv": "\t"}
_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
# Rows parsed per numpy call when reading text tables: large enough for numpy's
# string-to-float loop to dominate, small enough to keep line numbers at hand.
_CSV_CHUNK_ROWS = 4096
# Bytes of a memory-mapped array checked for NaN/inf at a time.
_FINITE_CHECK_BYTES = 64 * 2**20
# Column names pandas gives to a DataFrame's index when writing a CSV.
_PANDAS_INDEX_NAMES = ("", "Unnamed: 0")
# Names that usually mean "not a feature": such a numeric column would
# otherwise join the embeddings without a word (lower-case; compared so).
_LABEL_LIKE_NAMES = ("label", "labels", "target", "y", "class")
# "index" is what df.reset_index() names the row labels it turns into a column.
_ID_LIKE_NAMES = ("id", "ids", "index")
# What pandas names the unnamed first column of a CSV it reads, the index an
# earlier to_csv wrote ("Unnamed: 0.1" when that name is taken): written
# back after a new unnamed index by pd.read_csv(p).to_csv(q), a feature here.
_OLD_PANDAS_INDEX = re.compile(r"Unnamed: 0(\.[0-9]+)?")
# How text tables spell a missing number (R's NA, SQL's NULL, ...): told as
# missing, not as a text column (lower-case; compared so).
_MISSING_MARKERS = ("na", "n/a", "#n/a", "null", "none")
# What a separator is called in messages; None is str.split's "any whitespace".
_SEPARATOR_NAMES = {",": "commas", "\t": "tabs", ";": "semicolons", None: "spaces"}
# Where a line of a text file ends (newline="" keeps \r\n and \r as read).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Longest file name assumed when the file system does not say (ext4, XFS,
# Btrfs, APFS and NTFS all allow 255).
_DEFAULT_NAME_MAX = 255


class InputError(ValueError):
    """Bad input or output path; the message is meant for the user as is."""


# The messages name the options as the caller gave them: the keyword
# arguments from Python (id_column='id'), the command's options
# (--id-column id) when the command reads the files, within
# _command_line_spelling().
_COMMAND_LINE = contextvars.ContextVar("sklearn_bilaf_command_line", default=False)
_COMMAND_OPTIONS = {
    "key": "--key",
    "id_column": "--id-column",
    "label_column": "--label-column",
    "drop_last_column": "--drop-last-column",
    "header": "--header",
    # read_ids' column is the command's --id-column when --ids is given.
    "column": "--id-column",
}


@contextlib.contextmanager
def _command_line_spelling():
    """Within it, messages name the command's options, not keyword arguments."""
    token = _COMMAND_LINE.set(True)
    try:
        yield
    finally:
        _COMMAND_LINE.reset(token)


def _option(name, value=None, typed=None):
    """The keyword argument ``name`` as the caller spelled it, with its value.

    From Python ``name=repr(value)``, or without a value the bare ``name``
    (as the docstrings name it; read_ids' ``column`` is "the column
    argument").  On the command line the option, followed by ``typed``, the
    value as the command shows it, else ``repr(value)``.
    """
    if not _COMMAND_LINE.get():
        if value is None:
            # "name the id column with column" would read as a misprint.
            return "the column argument" if name == "column" else name
        return f"{name}={value!r}"
    option = _COMMAND_OPTIONS[name]
    if value is None:
        return option
    return f"{option} {value!r}" if typed is None else f"{option} {typed}"


def _ids_source(text):
    """The ids file as the messages name it: the command says which option."""
    return f"--ids {text}" if _COMMAND_LINE.get() else str(text)


def _output_source(text):
    """The output file as the messages name it: the command says ``-o``."""
    return f"-o {text}" if _COMMAND_LINE.get() else str(text)


@dataclass
class Pool:
    """Embeddings read from disk, with what came alongside them.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The embeddings; a read-only memory map for ``.npy`` files.
    ids : list or None, default=None
        One id per row (from an id column).
    labels : ndarray or None, default=None
        One label per row (a label column, or a dropped last column); never
        used for selection, only reported on.
    memory_mapped : bool, default=False
        Whether ``X`` is memory-mapped from the file.
    notes : list of str, default=[]
        Remarks about how the file was read, shown as progress.
    """

    #: (n_samples, n_features) numeric array; a read-only memory map for .npy.
    X: np.ndarray
    #: One id per row (from an id column), or None.
    ids: list | None = None
    #: One label per row (label column or dropped last column), or None.
    #: Never used for selection; the command line only reports on it.
    labels: np.ndarray | None = None
    #: Whether X is memory-mapped from the file.
    memory_mapped: bool = False
    #: Remarks about how the file was read, shown as progress.
    notes: list = field(default_factory=list)


def suffix_of(path):
    """The lower-case extension of ``path`` (``""`` when it has none)."""
    return Path(path).suffix.lower()


def _folder_ending(text):
    """How the file name ``text`` (as given) says it is a folder's: "a
    separator" for ``new/``, "'.'" or "'..'" for ``new/.`` and ``new/..``;
    None for a name that may be a file's."""
    if text.endswith(("/", os.sep)):
        return "a separator"
    last = text.replace(os.sep, "/").rsplit("/", 1)[-1]
    return repr(last) if last in (".", "..") else None


def _only_an_extension(path):
    """The name of ``path`` when it is an extension and nothing else
    (``.json``, ``.txt``), else None.

    Such a name reads as a hidden file with no extension, so without this the
    messages said its format was '(no extension)'.
    """
    name = Path(path).name
    return name if len(name) > 1 and name.rfind(".") == 0 else None


def _only_an_extension_problem(path, name, suffixes, kind, advice, stem):
    """The message for ``path``, whose ``name`` starts with its only dot: an
    example name with that extension when it is one of ``suffixes``, else
    with the first of them.  Only a known format's name (``.json``) is told
    it is an extension alone; another (``.txt``, or a dot file such as
    ``.bashrc``) is told only that it has no extension."""
    # Named as given: Path writes ./.json as .json.
    text = os.fspath(path)
    if name.lower() in suffixes:
        return (f"{text}: the name is only an extension (a name starting with "
                f"a dot has none); {advice} {_with_name(text, stem + name)}")
    return (f"{text}: the name has no extension (a name starting with a dot "
            f"and with no other has none), so it names no {kind} "
            f"({', '.join(suffixes)}); {advice} "
            f"{_with_name(text, stem + suffixes[0])}")


def _with_name(text, name):
    """The name as given, ``text``, with its last part replaced by ``name``.

    Path.with_name writes the folder as Path does (``./sub/.csv`` gives
    ``sub/ids.csv``), not as it was typed.  ``text`` ends with a file's
    name, not with a separator, ``.`` or ``..``: those are refused first.
    """
    cut = max(text.rfind("/"), text.rfind(os.sep)) + 1
    return text[:cut] + name


def _unused_name(base, suffix):
    """``base + suffix``, else ``base_2 + suffix``, ``base_3 + suffix``, ...:
    the first that names no file, for advice that writes a new file.

    The advised np.save or np.savetxt would replace a file of that name,
    which may be the user's (an earlier conversion, another archive's
    array).  Relative names are looked up where the command runs, where the
    advice is run too.
    """
    name = base + suffix
    number = 2
    # lexists: a dangling symbolic link would be written through.
    while os.path.lexists(name):
        name = f"{base}_{number}{suffix}"
        number += 1
    return name


def _braces(value):
    """``repr(value)`` (a name, a list of names) for a str.format template:
    its braces doubled, so that formatting keeps them (a file named
    ``e{1}.npy`` gave an IndexError, not the advice)."""
    return repr(value).replace("{", "{{").replace("}", "}}")


def _one_line(text):
    return " ".join(str(text).split())


def _rows_text(rows, shown=3, total=None):
    """``row 4``, ``rows 4 and 9``, ``rows 4, 9, 12 and 5 more``: the row
    numbers as the command line's and the readers' messages list them (the
    estimators' messages use :func:`~sklearn_bilaf._text.rows_named`, whose
    ``[4, 9]`` is a Python list).  ``total`` is the number of rows in all
    when ``rows`` holds only the first of them."""
    n = len(rows) if total is None else int(total)
    # Only what is written out is converted: rows can be a large array.
    head = [str(int(r)) for r in rows[:shown]]
    if n == 1:
        return f"row {head[0]}"
    if n <= shown:
        return f"rows {', '.join(head[:-1])} and {head[-1]}"
    return f"rows {', '.join(head)} and {n - shown} more"


def _fill_or_drop(n_rows):
    """What to do about missing values in ``n_rows`` rows."""
    return ("fill it in or drop that row" if n_rows == 1 else
            "fill them in or drop those rows") + ", and save the file again"


def _tilde_hint(path):
    """A note for a missing path that starts with ``~``, which only a shell
    expands (not in ``--output=~/...``, nor when quoted)."""
    text = os.fspath(path)
    if not text.startswith("~") or os.path.lexists(text.split(os.sep)[0]):
        return ""
    return (f" ('~' is not expanded here, only by a shell at the start of an "
            f"unquoted word; write {os.path.expanduser(text)})")


def _check_exists(path):
    """Refuse a path that leads to no file, or to a folder, saying which.

    The messages name ``path`` as given: a string is not shortened as Path
    shortens it (``./ids.txt`` to ``ids.txt``).
    """
    text = os.fspath(path)
    path = Path(path)
    if not path.exists():
        if path.is_symlink():
            try:
                os.stat(path)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise InputError(
                        f"{text}: is a symbolic link that leads back to itself"
                    ) from None
            raise InputError(
                f"{text}: is a symbolic link to {os.readlink(path)!r}, which "
                "does not exist"
            )
        raise InputError(f"{text}: no such file{_tilde_hint(path)}")
    if path.is_dir():
        raise InputError(f"{text}: is a folder, not a file")


def _input_name_problem(path, what):
    """The message for an input file name too long for the file system (as
    a file name, or as a path), else None.

    Without it the OS's "NAME: File name too long" came through, which did
    not say which file it was.  Asked of the system, whose limits are its
    own; and an error (not "no such file") whatever Python's path checks
    answer for such a name.
    """
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            return (f"{path}: the {what} file name is too long for the file "
                    "system, so no file has it; check the name")
    except ValueError:  # a NUL byte: the readers say so
        pass
    return None


def _check_regular(path):
    """Refuse a pipe or device for a format that is read in place."""
    _check_exists(path)
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise InputError(
            f"{path}: is not a regular file (a pipe or a device); "
            f"{suffix_of(path)} files are read in place: save the embeddings "
            "to a file first"
        )


def _open_binary(path):
    _check_exists(path)
    try:
        return open(path, "rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None


def _magic(path, n):
    with _open_binary(path) as f:
        return f.read(n)


# The first bytes of files that are often given the wrong extension: what the
# file is, and the extension to give it (None when no format of ours fits).
_KNOWN_MAGIC = (
    (_NPY_MAGIC, "a NumPy .npy file", ".npy"),
    (_ZIP_MAGIC, "a zip archive, as np.savez writes", ".npz"),
    (b"PAR1", "a Parquet file", ".parquet"),
    (b"\x89HDF\r\n\x1a\n", "an HDF5 file", None),
)
_GZIP_MAGIC = b"\x1f\x8b"
_COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".zst", ".zip")


def _conversion_advice(path, suffix):
    """How to turn a file in a common format the command does not read into
    one it does, written out with the file's name, or ``""``.

    "Use one of .npy, ..." alone leaves the user to find the conversion; the
    usual sources of embeddings (np.savetxt, torch.save, pickle, HDF5,
    Feather) each have a one-line one.  ``path`` is the name as given, which
    the code names as it was typed (Path writes ./e.txt as e.txt)."""
    name = os.fspath(path)
    # The name as given ends with its extension: refused otherwise before.
    base = name[:len(name) - len(suffix)]
    npy = _unused_name(base, ".npy")
    advice = {
        # ndmin=2: a one-column file (one feature) or a one-row file (one
        # sample) is 1-D otherwise, refused or read the wrong way round.
        ".txt": f"numbers in a text file (np.savetxt's): np.save({npy!r}, "
                f"np.loadtxt({name!r}, ndmin=2))",
        ".pt": f"a PyTorch tensor: np.save({npy!r}, "
               f"torch.load({name!r}).cpu().numpy())",
        ".pkl": f"a pickle, which is not read since unpickling runs code: load "
                f"it yourself if you trust it, then np.save({npy!r}, X)",
        ".h5": f"an HDF5 file: np.save({npy!r}, h5py.File({name!r})[NAME][:]) "
               "with NAME the dataset of the embeddings",
        ".feather": f"a Feather table: pd.read_feather({name!r}).to_parquet("
                    f"{_unused_name(base, '.parquet')!r})",
    }
    for alias, same in ((".dat", ".txt"), (".pth", ".pt"), (".pickle", ".pkl"),
                        (".hdf5", ".h5")):
        advice[alias] = advice[same]
    found = advice.get(suffix)
    return "" if found is None else f"; for {found}"


def _is_pickle(head):
    # Protocols 2 to 5 start with PROTO and the protocol number.
    return len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5


def _what_it_is(head, suffix):
    """What a file that is not in ``suffix``'s format is, for a message.

    ``head`` holds its first bytes.  Returns text such as "it is a NumPy .npy
    file; name it .npy", or None when the bytes say nothing known.
    """
    if _is_pickle(head):
        return ("it is a Python pickle, which is never unpickled; save the "
                "embeddings with np.save")
    if head.startswith(_GZIP_MAGIC):
        # A .csv.gz renamed, say: its content may well be fine once unpacked.
        return "it is gzip-compressed; decompress it first (gunzip)"
    for magic, what, right in _KNOWN_MAGIC:
        if head.startswith(magic) and right != suffix:
            if right is None:
                # (An HDF5 file.)  One already named .npy needs no new name.
                rename = "" if suffix == ".npy" else " and name the file .npy"
                return (f"it is {what}, which is not read; read the array "
                        f"(with h5py, say){',' if rename else ' and'} save it "
                        f"with np.save{rename}")
            return f"it is {what}; name it {right}"
    return None


# Byte-order marks of the text encodings that are not UTF-8 (UTF-32 first:
# its little-endian mark starts with UTF-16's).
_OTHER_TEXT_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"),
)


def _iconv(encoding, name):
    """The iconv command that writes the file ``name`` (as given) as UTF-8
    text to a new file beside it: "iconv -f UTF-16 -t UTF-8" alone named
    no file (iconv then reads the terminal), and ``> name`` would empty
    the file before iconv reads it."""
    suffix = suffix_of(name)
    base = name[:len(name) - len(suffix)] if suffix else name
    new = _unused_name(base + "_utf8", suffix)

    def shell(text):
        # A name starting with "-" would be read as an option.
        return shlex.quote(os.path.join(".", text) if text.startswith("-")
                           else text)

    return f"iconv -f {encoding} -t UTF-8 {shell(name)} > {shell(new)}"


def _not_utf8(path, exc, name=None):
    """Why a text file failed to decode (``exc``), and what to do about it.

    A file of known binary format is named; text in another encoding
    (UTF-16, as Excel's "Unicode Text" saves; Latin-1 or Windows-1252, as
    older spreadsheets do) is told to be saved as UTF-8, with the iconv
    command that does it for ``name``, the file's name as given (``path``
    by default); a file holding NUL bytes is taken for a binary file.
    """
    name = os.fspath(path) if name is None else name
    suffix = suffix_of(path)
    try:
        # A pipe cannot be read again to see what it held.
        head = _magic(path, 8192) if stat.S_ISREG(os.stat(path).st_mode) else None
    except (OSError, InputError):
        head = None
    if head is not None:
        what = _what_it_is(head, suffix)
        if what:
            return f"not UTF-8 text: {what}"
        encoding = next((name for bom, name in _OTHER_TEXT_BOMS
                         if head.startswith(bom)), None)
        if encoding is not None:
            return (f"not UTF-8 text: it is {encoding} text (as Excel's "
                    "\"Unicode Text\" saves); save it as UTF-8 (in Excel: "
                    f"\"CSV UTF-8\"), e.g. {_iconv(encoding, name)}")
        if b"\x00" in head:
            # "with a  name" for a name with no extension.
            named = f" with a {suffix} name" if suffix else ""
            return f"not UTF-8 text; is it a binary file{named}?"
    byte = exc.object[exc.start:exc.start + 1] if isinstance(
        exc.object, bytes) else b""
    shown = f" (byte 0x{byte.hex()})" if byte else ""
    # A pipe cannot be read again: no command that reads it.
    command = ("iconv -f WINDOWS-1252 -t UTF-8" if head is None
               else _iconv("WINDOWS-1252", name))
    return (f"not UTF-8 text{shown}: it is likely in another encoding, such as "
            "Latin-1 or Windows-1252 (older spreadsheets); save it as UTF-8, "
            f"e.g. {command}")


def _check_not_empty(path):
    """Refuse a 0-byte file, which no format holds embeddings in."""
    if not _magic(path, 1):
        raise InputError(
            f"{path} is empty (0 bytes): there is nothing to select from; was it "
            "written completely?"
        )


# -- numeric arrays ----------------------------------------------------------
# Object arrays of embeddings are often an array of row arrays (one per
# sample, as a DataFrame column of arrays gives): X.astype fails on those
# ("setting an array element with a sequence"), np.stack reads both them and
# a 2-D object array of numbers.
# Formatted with the call that writes the file again, "{}" for the array.
_SAVE_NUMERIC = "save the embeddings as a numeric array, e.g. {}"
_NUMERIC = "np.stack(X).astype(np.float32)"


def _check_array(X, source, save="np.save(path, {})", load="X"):
    """Shape and dtype of an embeddings array; raise InputError when unusable.

    ``save`` is the call that writes the file again, with ``{}`` for the
    array: the advice for an array of the wrong shape, which a file cannot
    be reshaped in.  ``load`` is the expression that reads the array in
    that call (``np.load('e.npy')``), so that the advice runs as given.
    """
    kind = X.dtype.kind
    if X.dtype.hasobject:
        raise InputError(
            f"{source} holds Python objects (dtype {X.dtype}), which are never "
            f"unpickled; {_SAVE_NUMERIC.format(save.format(_NUMERIC))}"
        )
    if kind not in "biuf":
        what = {
            "c": "complex numbers",
            "U": "text",
            "S": "bytes",
            "V": "structured records",
            "M": "dates",
            "m": "time spans",
        }.get(kind, "non-numeric values")
        raise InputError(
            f"{source} holds {what} (dtype {X.dtype}); embeddings must be real "
            "numbers, e.g. float32"
        )
    if X.ndim == 1 and not X.size:
        # Saved 2-D it would still be empty: "must be 2-D" led nowhere.
        raise InputError(
            f"{source} holds no values (an empty array of shape {X.shape}): "
            "there is nothing to select from; save the embeddings 2-D, one "
            "row per sample and one column per feature"
        )
    if X.ndim > 2 and not X.size:
        # X.reshape(len(X), -1), the advice below, would be just as empty.
        if X.shape[0] == 0:
            raise InputError(
                f"{source} holds no rows (an empty array of shape {X.shape}): "
                "there is nothing to select from"
            )
        raise InputError(
            f"{source} holds no values (an empty array of shape {X.shape}): "
            f"its {counted(X.shape[0], 'row')} "
            f"{'has' if X.shape[0] == 1 else 'have'} no features; save the "
            "embeddings 2-D, one row per sample and one column per feature (at "
            "least one)"
        )
    if X.ndim != 2:
        hint = ""
        if X.ndim == 1:
            # Which way round is the caller's to say: one value per sample
            # (a single feature) or the values of one sample.
            hint = (
                f"; if its {counted(X.size, 'value')} are one feature per "
                f"sample, save them 2-D by running "
                f"{save.format(load + '.reshape(-1, 1)')}, or "
                f"{save.format(load + '.reshape(1, -1)')} if they are one sample"
            )
        elif X.ndim > 2:
            # Images saved as they come: (n, height, width[, channels]).
            hint = (
                f"; to use each sample's {counted(math.prod(X.shape[1:]), 'value')} "
                "(an image's pixels, say) as its features, save them flat by "
                f"running {save.format(f'{load}.reshape({X.shape[0]}, -1)')} "
                "instead"
            )
        raise InputError(
            f"{source} holds an array of shape {X.shape}; embeddings must be 2-D, "
            f"one row per sample and one column per feature{hint}"
        )
    if X.shape[0] == 0:
        raise InputError(f"{source} has zero rows: there is nothing to select from")
    if X.shape[1] == 0:
        raise InputError(
            f"{source} has zero feature columns (shape {X.shape}): save the "
            "embeddings, one row per sample and one column per feature (at "
            "least one)"
        )


def _check_finite(X, source, lines=None, names=None, first_row=0):
    """Refuse NaN/inf, naming the first offending row; reads X in chunks."""
    if X.dtype.kind != "f":
        return
    step = max(1, _FINITE_CHECK_BYTES // max(1, X.shape[1] * X.itemsize))
    for start in range(0, X.shape[0], step):
        block = np.asarray(X[start : start + step])
        finite = np.isfinite(block)
        if finite.all():
            continue
        r, c = np.argwhere(~finite)[0]
        row = first_row + start + int(r)
        where = f"row {row}" if lines is None else f"line {lines[start + r]}"
        column = f"column {int(c) if names is None else names[c]}"
        # The reading stops at the first such row, so later ones may hold
        # some too: the advice covers them without claiming to know them.
        raise InputError(
            f"{source}: {where}, {column} is {block[r, c]}; NaN and infinite "
            "values are not allowed: remove or repair that row, and any later "
            "ones like it, first"
        )


# The pickled object of torch.save's zip archive, beside its storages
# (<name>/data/0, ...); <name> is "archive", or the file's stem in older
# versions.
_TORCH_PICKLE = re.compile(r"[^/]+/data\.pkl")


def _torch_save_error(path, members, kind):
    """The error for a zip archive that torch.save wrote (``members``, the
    names of its members), read as ``kind`` ("a NumPy .npy file"), or None.

    It was told to be named .npz, as np.savez writes, and as .npz that its
    members are no arrays: neither says how to get the tensor's numbers."""
    if not any(_TORCH_PICKLE.fullmatch(member) for member in members):
        return None
    name = os.fspath(path)
    stem = os.path.splitext(name)[0]
    if (stem + ".npy").lower() == name.lower():
        # np.save would replace the tensor it loads (for E.NPY too, on a
        # file system that ignores case).
        stem += "_array"
    npy = _unused_name(stem, ".npy")
    return InputError(
        f"{path}: not {kind}: it is a PyTorch file (torch.save's zip archive), "
        "which is never unpickled; save the tensor as an array in a new file: "
        f"np.save({npy!r}, torch.load({name!r}).cpu().numpy())"
    )


def _zip_members(path):
    """The member names of the zip archive at ``path``; [] if unreadable."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return []


def _load_npy(path):
    _check_regular(path)
    _check_not_empty(path)
    head = _magic(path, 8)
    if not head.startswith(_NPY_MAGIC):
        if head.startswith(_ZIP_MAGIC):
            torch_file = _torch_save_error(path, _zip_members(path),
                                           "a NumPy .npy file")
            if torch_file is not None:
                raise torch_file
        what = _what_it_is(head, ".npy")
        raise InputError(
            f"{path}: not a NumPy .npy file: {what}" if what else
            f"{path}: not a NumPy .npy file (it lacks the .npy header); save "
            "embeddings with np.save"
        )
    try:
        X = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as exc:
        if "object" in str(exc).lower() or "pickle" in str(exc).lower():
            # A new file: np.save(path, ...) replaced the file, which the
            # user may not trust enough to lose the original of.
            name = str(path)
            npy = _unused_name(os.path.splitext(name)[0] + "_embeddings", ".npy")
            raise InputError(
                f"{path} holds Python objects, which are never unpickled; if "
                f"you trust the file, load it with X = np.load({name!r}, "
                f"allow_pickle=True) and save the embeddings as a numeric "
                f"array in a new file, e.g. np.save({npy!r}, {_NUMERIC})"
            ) from None
        raise InputError(
            f"{path}: unreadable .npy file ({_one_line(exc)}); is it truncated?"
        ) from None
    except (OSError, EOFError) as exc:
        raise InputError(f"{path}: unreadable .npy file ({_one_line(exc)})") from None
    # A new file: np.save over the file read truncates it, which a
    # memory-mapped X (np.load(path, mmap_mode="r"), as read here) is still
    # reading from.
    name = str(path)
    npy = _unused_name(os.path.splitext(name)[0] + "_embeddings", ".npy")
    _check_array(X, name, f"np.save({_braces(npy)}, {{}})",
                 f"np.load({name!r})")
    return X


_SPARSE_FORMATS = frozenset({"csr", "csc", "coo", "bsr", "dia"})


def _sparse_npz(archive, keys):
    """``"csr, 100 x 64"`` when ``archive`` is what ``scipy.sparse.save_npz``
    writes (its members: data, format, shape and the format's index arrays),
    else None."""
    if not {"data", "format", "shape"} <= set(keys):
        return None
    try:
        fmt, shape = archive["format"], archive["shape"]
    except Exception:  # a damaged member: let the usual reading report it
        return None
    if fmt.ndim != 0 or fmt.dtype.kind not in "SU":
        return None
    fmt = fmt.item()
    fmt = fmt.decode("ascii", "replace") if isinstance(fmt, bytes) else fmt
    if fmt not in _SPARSE_FORMATS:
        return None
    if shape.shape == (2,) and shape.dtype.kind in "iu":
        return f"{fmt}, {int(shape[0])} x {int(shape[1])}"
    return fmt


def _load_npz(path, key):
    _check_regular(path)
    _check_not_empty(path)
    head = _magic(path, 8)
    # An archive with no member starts with its end record: np.savez(path).
    if not head.startswith((_ZIP_MAGIC, _EMPTY_ZIP_MAGIC)):
        what = _what_it_is(head, ".npz")
        raise InputError(
            f"{path}: not a NumPy .npz archive: {what}" if what else
            f"{path}: not a NumPy .npz archive; save embeddings with np.savez"
        )
    import zipfile
    import zlib

    # Opened here, not by np.load: numpy leaves its own handle open when the
    # archive turns out to be damaged.
    with open(path, "rb") as handle:
        try:
            archive = np.load(handle, allow_pickle=False)
        except zipfile.BadZipFile as exc:
            # Its start was a zip archive's: the central directory at the end
            # is what is missing (a download or copy cut short).
            raise InputError(
                f"{path}: unreadable .npz archive: it starts as one, but its end "
                f"(the list of its arrays) is missing or damaged; is it "
                f"truncated? write it again ({_one_line(exc)})"
            ) from None
        except (OSError, ValueError, EOFError) as exc:
            raise InputError(
                f"{path}: unreadable .npz archive ({_one_line(exc)})"
            ) from None
        with archive:
            keys = list(archive.files)
            if not keys:
                raise InputError(
                    f"{path} holds no arrays; save the embeddings in it with "
                    "np.savez(path, X=X)"
                )
            torch_file = _torch_save_error(path, keys, "a NumPy .npz archive")
            if torch_file is not None:
                raise torch_file
            sparse = _sparse_npz(archive, keys)
            if sparse is not None:
                # A new file: the call loads the matrix itself, and names no
                # existing file (the archive, the user's).
                name = str(path)
                npy = _unused_name(os.path.splitext(name)[0] + "_embeddings",
                                   ".npy")
                raise InputError(
                    f"{path} holds a scipy.sparse matrix ({sparse}; "
                    "scipy.sparse.save_npz), not an array: the selection needs "
                    "dense embeddings. If they fit in memory, save them dense: "
                    f"np.save({npy!r}, scipy.sparse.load_npz({name!r})"
                    ".toarray()); or reduce the dimension first (e.g. "
                    "TruncatedSVD) and save that"
                )
            if key is None:
                if len(keys) != 1:
                    listed = ", ".join(keys) if keys else "none"
                    # Named with a value: a bare "with key" read as a word
                    # of the sentence.
                    raise InputError(
                        f"{path} holds {len(keys)} arrays ({listed}); choose one "
                        f"with {_option('key', keys[0], shlex.quote(keys[0]))}"
                    )
                key = keys[0]
            elif key not in keys:
                raise InputError(
                    f"{path} has no array named {key!r}; its arrays are: "
                    f"{', '.join(keys) or 'none'}"
                )
            source = f"{path}[{key}]"
            try:
                X = archive[key]
            except ValueError as exc:
                # numpy raises ValueError for pickled members and for damaged ones
                # (a truncated member, a bad header) alike: tell them apart.
                if "object" in str(exc).lower() or "pickle" in str(exc).lower():
                    # As for a .npy file: the advice says where X comes from.
                    raise InputError(
                        f"{source} holds Python objects, which are never "
                        "unpickled; if you trust the file, load it with X = "
                        f"np.load({str(path)!r}, allow_pickle=True)[{key!r}] "
                        "and save the embeddings as a numeric array in a new "
                        "file, e.g. "
                        + _savez_call(path, key, keys).format(_NUMERIC)
                    ) from None
                raise InputError(
                    f"{source}: unreadable ({_one_line(exc)}); is the archive "
                    "truncated or damaged?"
                ) from None
            except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
                # zlib.error: a damaged member of np.savez_compressed's archive.
                raise InputError(
                    f"{source}: unreadable ({_one_line(exc)}); is the archive "
                    "damaged? write it again"
                ) from None
    if not isinstance(X, np.ndarray):
        # NpzFile hands back the raw bytes of a member without the .npy header.
        raise InputError(
            f"{source} is not a NumPy array (the archive member lacks the .npy "
            "header); save embeddings with np.savez"
        )
    _check_array(X, source, _savez_call(path, key, keys, reading=True),
                 f"z[{key!r}]")
    return X


def _savez_call(path, key, keys, reading=False):
    """The np.savez call that writes ``path``'s array ``key``, given as
    ``{}``, to a new archive beside ``path``; when it has other arrays
    (``keys`` lists them all), the with statement that reads them and
    writes them with it.  ``reading``: ``{}`` reads ``key`` as ``z[key]``, in
    the with statement that opens ``path`` as ``z``, which it always is.

    When np.savez cannot write one of ``keys``, the np.save call that writes
    the array to a .npy file of its own beside ``path``."""
    import inspect

    name = str(path)
    own = {p.name for p in inspect.signature(np.savez).parameters.values()
           if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    # The archive is opened by np.load's with statement, which closes it.
    opened = f"with np.load({_braces(name)}) as z: "
    if own & set(keys):
        # np.savez takes its own parameters' names (file, allow_pickle) as
        # those, in any form (**{'file': ...} too): file=... fails and
        # allow_pickle=... saves nothing.  A new name: the archive is kept.
        npy = _unused_name(os.path.splitext(name)[0] + "_embeddings", ".npy")
        return (opened if reading else "") + f"np.save({_braces(npy)}, {{}})"
    if key.isidentifier() and not keyword.iskeyword(key):
        array = f"{key}={{}}"
    else:
        array = f"**{{{{{_braces(key)}: {{}}}}}}"
    # Into a new archive: np.savez over the archive np.load still holds
    # open fails on Windows, and a failure midway would lose the arrays
    # read from it (or the array itself, its only one).
    npz = _unused_name(os.path.splitext(name)[0] + "_embeddings", ".npz")
    if len(keys) == 1:
        return ((opened if reading else "")
                + f"np.savez({_braces(npz)}, {array})")
    # np.savez writes the whole archive: the others would be lost.  Read by
    # name: all of np.load's would include ``key``'s, which fails when it
    # holds objects; in a with block, which closes the archive.
    others = [k for k in keys if k != key]
    return (f"{opened}np.savez({_braces(npz)}, **{{{{k: z[k] "
            f"for k in {_braces(others)}}}}}, {array})")


# -- text tables -------------------------------------------------------------
def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _detect_header(first, header):
    if header == "yes":
        return True
    if header == "no":
        return False
    if not all(_is_number(value) for value in first):
        return True
    # pandas writes a DataFrame without column names as a header 0, 1, 2, ...
    return [value.strip() for value in first] == [str(i) for i in range(len(first))]


def _resolve_column(ref, names, has_header, option, source):
    """Position of the column ``ref``: a header name, or a 0-based position.

    ``option`` is the keyword argument that gave ``ref`` (``"id_column"``),
    which the messages name as the caller spelled it (see :func:`_option`).
    """
    if not isinstance(ref, str) and (
            not isinstance(ref, Integral)
            or isinstance(ref, bool | np.bool_ | np.timedelta64)):
        # int() would read True as column 1 and truncate 1.7 to column 1,
        # and failed bare on a timedelta64, which numpy counts as Integral
        # (base._is_int's test: this module loads without scikit-learn).
        raise InputError(
            f"{source}: {_option(option, ref)} is neither a column name (str) nor a "
            "0-based column position (int)"
        )
    if has_header and ref in names:
        if names.count(ref) > 1:
            raise InputError(
                f"{source}: several columns are named {ref!r}; give {_option(option)} "
                "as a 0-based column position instead"
            )
        return names.index(ref)
    try:
        position = int(ref)
    except ValueError:
        if not has_header:
            raise InputError(
                f"{source}: {_option(option, ref)}: the file has no header row, "
                "so name columns by their 0-based position"
            ) from None
        shown = ", ".join(repr(n) for n in names[:8])
        more = f" and {len(names) - 8} more" if len(names) > 8 else ""
        raise InputError(
            f"{source}: {_option(option, ref)} is not a column; the columns are "
            f"{shown}{more} (or give a 0-based position)"
        ) from None
    if not 0 <= position < len(names):
        positions = ("position 0" if len(names) == 1 else
                     f"positions 0 to {len(names) - 1}")
        raise InputError(
            f"{source}: {_option(option, ref, str(position))} is out of "
            f"range; the file has {counted(len(names), 'column')} ({positions})"
        )
    return position


def _open_text(path):
    # Opened once and read once: the file may be a pipe (--ids <(...)).
    _check_exists(path)
    try:
        # utf-8-sig drops the byte-order mark spreadsheet programs put first.
        return open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None


def _split_fields(text, separator):
    """``text`` split at ``separator`` as a table would be (quotes kept
    together and taken off); None splits at runs of whitespace."""
    if separator is None:
        return text.split()
    try:
        return next(csv.reader([text], delimiter=separator), [])
    except csv.Error:  # a NUL byte, say: the table's own reading tells it
        return text.split(separator)


def _numbers_between(parts, number=_is_number):
    """Whether ``parts`` are a row of numbers: two or more, with text
    allowed only first and last (an id or a file name, a label)."""
    numeric = [number(part) for part in parts]
    return sum(numeric) >= 2 and all(numeric[1:-1])


def _foreign_separator(line, delimiter):
    """How ``line`` separates numbers when not with ``delimiter``, else None.

    Only a line holding two or more numbers counts (beside, at most, a text
    field first and one last), so a header or a one-column file never does.
    """
    text = line.strip()
    if text.startswith("#"):
        # np.savetxt's header= ("# 0 1 2"): a comment, told as such later.
        return None
    if delimiter in text:
        # A ';'-separated export with decimal commas ("1,5;2,25", R's
        # write.csv2) splits on commas into cells like "5;2": the commas are
        # not the separator.
        if delimiter == "," and ";" in text and _numbers_between(
                _split_fields(text, ";"),
                lambda part: _is_number(part.replace(",", "."))):
            return "semicolons, with decimal commas"
        return None
    for separator in ("\t", ";", ",", None):
        if separator == delimiter:
            continue
        if _numbers_between(_split_fields(text, separator)):
            return _SEPARATOR_NAMES[separator]
    return None


def _check_separator(handle, delimiter, source):
    """Refuse a table whose numbers are not separated by ``delimiter``.

    Read with the wrong delimiter, ``np.savetxt``'s default output (spaces)
    becomes one text column whose first row passes for a header, and the
    error names a "column" made of numbers.  The first line, and the second
    when the first may be a header, are looked at.  Returns the lines of the
    file, those read here first: a pipe cannot be rewound.
    """
    read = []
    lines, number = [], 0
    while len(lines) < 2:
        line = handle.readline()
        if not line:
            break
        read.append(line)
        number += 1
        if line.strip():
            lines.append((number, line))
    _refuse_foreign_separator(lines, delimiter, source)
    return itertools.chain(read, handle)


def _refuse_foreign_separator(lines, delimiter, source):
    """Raise when the first ``(number, line)`` pairs separate numbers with
    something else than ``delimiter``."""
    for number, line in lines:
        found = _foreign_separator(line, delimiter)
        if found is None:
            if delimiter in line:
                return  # a header in the expected format: the data decide
            continue
        kind = "comma" if delimiter == "," else "tab"
        at = f"its line {number} holds numbers separated by {found}"
        if delimiter == "\t" and found == "commas":
            fix = "name it .csv"
        else:
            what = ("commas between values and points as decimal marks"
                    if found.startswith("semicolons,") else f"{kind}s")
            fix = (f"save it with {what}, e.g. in Python, with csv imported: "
                   f"{_resave_separated(source, found, delimiter)}")
            if found == "tabs":
                fix = f"name it .tsv, or {fix}"
        raise InputError(f"{source} is not {kind}-separated: {at}; {fix}")


def _resave_separated(name, found, delimiter):
    """A call (``csv`` imported) that writes the table ``name`` (as given)
    again to a new file, its fields separated by ``delimiter`` instead of
    what ``_foreign_separator`` ``found``, every field kept as it is (a
    header, ids and labels too) but for decimal commas, which become points.

    It replaced "np.savetxt(path, X, ...)", with a path and an X it never
    said how to get; a table with ids or a header cannot go through
    ``np.loadtxt`` anyway.
    """
    suffix = suffix_of(name)
    base = name[:len(name) - len(suffix)] if suffix else name
    new = _unused_name(base + ("_commas" if delimiter == "," else "_tabs"),
                       suffix)
    if found == "spaces":
        # np.savetxt's header= line ("# a b c") becomes the header row.
        rows = "line.lstrip('#').split() for line in f"
    elif found.startswith("semicolons,"):
        # Only fields that are numbers but for their comma: an id such as
        # "Smith, J" keeps its comma.
        rows = ("[v.replace(',', '.') if v.replace(',', '', 1).lstrip('-')"
                ".isdigit() else v for v in row] for row in "
                "csv.reader(f, delimiter=';')")
    else:
        separator = {"tabs": "\t", "semicolons": ";", "commas": ","}[found]
        rows = f"csv.reader(f, delimiter={separator!r})"
    writer = "csv.writer(g)" if delimiter == "," else "csv.writer(g, delimiter='\\t')"
    return (f"with open({name!r}, newline='') as f, open({new!r}, 'w', "
            f"newline='') as g: {writer}.writerows({rows})")


def _special_columns(path, names, has_header, id_column, label_column,
                     drop_last_column):
    """Positions of the id and label columns, and of columns to leave out."""
    source = str(path)
    id_pos = label_pos = None
    if id_column is not None:
        id_pos = _resolve_column(id_column, names, has_header, "id_column", source)
    if label_column is not None:
        label_pos = _resolve_column(
            label_column, names, has_header, "label_column", source
        )
    if drop_last_column:
        label_pos = len(names) - 1
    if id_pos is not None and id_pos == label_pos:
        raise InputError(
            f"{source}: the id column and the label column are the same column "
            f"({names[id_pos]!r})"
        )
    skipped = {p for p in (id_pos, label_pos) if p is not None}
    notes = []
    if (has_header and names[0].strip() in _PANDAS_INDEX_NAMES and 0 not in skipped
            and len(names) > 1):
        skipped.add(0)
        notes.append(
            f"{path}: the first column has no name; taken as a row index "
            "(as pandas writes it) and not used as a feature"
        )
    features = [p for p in range(len(names)) if p not in skipped]
    if not features:
        raise InputError(f"{source}: no feature columns are left to select with")
    return id_pos, label_pos, features, notes


def _label_like_columns(source, names, positions):
    """Warnings for feature columns whose names say they hold labels or ids.

    Nothing else tells a numeric label column from a feature, and a label
    among the features steers the selection by the very thing it must not see.
    """
    lowered = {names[p].strip().lower() for p in positions}
    messages = []
    for position in positions:
        name = names[position].strip()
        key = name.lower()
        if _OLD_PANDAS_INDEX.fullmatch(name):
            # Left in X (selections depend on it), but row numbers are no
            # feature: they pull the selection along the file's order.
            messages.append(
                f"{source}: column {name!r} is used as a feature, but its name "
                "is the one pandas gives a row index it reads back from a CSV "
                "(pd.read_csv(path).to_csv(other) writes the old index so, "
                "beside the new one); if it holds row numbers, pass "
                f"{_option('id_column', name, shlex.quote(name))} to leave it "
                "out, or save the frame with df.to_csv(path, index=False) "
                "after dropping the column (if it is a feature, rename the "
                "column to silence this warning)"
            )
            continue
        if key == "y" and "x" in lowered:
            continue  # x and y: coordinates, as in a 2-D embedding
        if key in _ID_LIKE_NAMES:
            what, option = "ids", "id_column"
        elif key in _LABEL_LIKE_NAMES:
            what, option = "labels", "label_column"
        else:
            continue
        messages.append(
            f"{source}: column {name!r} is used as a feature, but its name says "
            f"it holds {what}; if it does, pass {_option(option, name, name)} to "
            "leave it out "
            "(if it is a feature, rename the column to silence this warning)"
        )
    return messages


def _column_labels(names, has_header):
    """How messages name each column of a text table: ``'b'`` by its name,
    ``2 (unnamed)`` when the header leaves it blank, ``2`` without header."""
    if not has_header:
        return [str(i) for i in range(len(names))]
    return [repr(name) if name else f"{i} (unnamed)" for i, name in enumerate(names)]


def _is_blank(row):
    """An empty line, or one of spaces only (a single blank field)."""
    return not row or (len(row) == 1 and not row[0].strip())


def _parse_chunk(rows, lines, features, labels, source, hint="",
                 last_unnamed=False):
    try:
        return np.array(rows, dtype=np.float64)
    except ValueError:
        pass
    # Find the offending cell to name it; numpy's message does not.
    for row, line in zip(rows, lines, strict=True):
        for value, position in zip(row, features, strict=True):
            if not _is_number(value):
                name = labels[position]
                if (not value.strip() and last_unnamed
                        and position == len(labels) - 1):
                    # "1,2,3," (a spreadsheet's export, say): the separator
                    # at the end of the line makes a last, empty column.
                    raise InputError(
                        f"{source}: line {line} ends with a separator, which "
                        "leaves an empty last column; remove the separators "
                        "at the ends of the lines (or fill in the missing "
                        "values), and save the file again"
                    ) from None
                if not value.strip():
                    raise InputError(
                        f"{source}: line {line}, column {name} is empty; "
                        "missing values are not supported: fill in the empty "
                        "cells or drop their rows, and save the file again"
                    ) from None
                if value.strip().lower() in _MISSING_MARKERS:
                    # R's write.csv and databases spell a missing number so:
                    # not a text column to name with --id-column.
                    raise InputError(
                        f"{source}: line {line}, column {name} holds "
                        f"{value.strip()!r}, a missing value; missing values "
                        "are not supported: fill them in or drop their rows, "
                        "and save the file again"
                    ) from None
                if "," in value and (_is_number(value.replace(",", "."))
                                     or _is_number(value.replace(",", ""))):
                    # A spreadsheet's export in a decimal-comma locale, or
                    # numbers formatted as "1,234.5": not a text column.
                    raise InputError(
                        f"{source}: line {line}, column {name} holds "
                        f"{value.strip()[:40]!r}, a number written with a comma "
                        "(a decimal comma or a thousands separator); save the "
                        "numbers without it, with a point as the decimal mark "
                        "(1234.5), or as .npy"
                    ) from None
                raise InputError(
                    f"{source}: line {line}, column {name} holds {value[:40]!r}, "
                    "not a number; name a non-numeric column with "
                    f"{_option('id_column')} or {_option('label_column')}, or "
                    f"remove it{hint}"
                ) from None
    raise InputError(f"{source}: could not parse the numbers")  # pragma: no cover


def _noting_the_end(lines, ended):
    """``lines``, then an entry appended to ``ended`` once they run out.

    csv's reader (in its default, lenient mode) returns the row the file
    ends inside of -- one with a quote never closed, which took in the rest
    of the file -- as if it were complete: a row it returns once ``ended``
    is set is such a row.  (Its strict mode would also refuse text after a
    closing quote, ``"1" ,2``, which it reads as ``1 ``.)
    """
    yield from lines
    ended.append(True)


def _unclosed_quote(source, line):
    return InputError(
        f"{source}: the row that starts on line {line} has a quote (\") that "
        "is never closed, so the rest of the file was read as one field; close "
        "the quote or remove it, and save the file again"
    )


def _load_delimited(path, delimiter, *, id_column, label_column, drop_last_column,
                    header):
    source = str(path)
    try:
        with _open_text(path) as handle:
            text = _check_separator(handle, delimiter, source)
            ended = []
            reader = csv.reader(_noting_the_end(text, ended), delimiter=delimiter)
            first, previous = None, 0
            for row in reader:
                if ended:
                    raise _unclosed_quote(source, previous + 1)
                if not _is_blank(row):
                    first = row
                    break
                previous = reader.line_num
            if first is None:
                raise InputError(f"{source} is empty: there is nothing to select from")
            first_line = reader.line_num
            has_header = _detect_header(first, header)
            n_columns = len(first)
            names = (
                [name.strip() for name in first]
                if has_header
                else [f"column {i}" for i in range(n_columns)]
            )
            id_pos, label_pos, features, notes = _special_columns(
                path, names, has_header, id_column, label_column, drop_last_column
            )
            column_labels = _column_labels(names, has_header)
            if header == "auto" and has_header and all(map(_is_number, first)):
                # Taken for pandas' names 0, 1, 2, ...: data rows can read the
                # same (a single column starting with 0), so say so.
                shown = ",".join(value.strip() for value in first[:4])
                more = ",..." if len(first) > 4 else ""
                notes.append(
                    f"{path}: the first row ({shown}{more}) is taken as pandas' "
                    f"column names, not data; pass {_option('header', 'no', 'no')} "
                    "if it is data"
                )
            # A first row taken for a header although it holds decimals is
            # most likely data with a text id in front: its sample would be
            # lost, and the text column named after the first id.
            data_like_header = (
                header == "auto" and has_header
                and any(_is_number(v) and not v.strip().lstrip("+-").isdigit()
                        for v in first)
            )
            hint = (f"; if line {first_line} is data, not a header, pass "
                    f"{_option('header', 'no', 'no')}" if data_like_header else "")
            if header == "no" and not any(map(_is_number, first)):
                # Column names read as data: the error is on that line.
                hint = (f"; if line {first_line} is a header, not data, leave "
                        f"out {_option('header', 'no', 'no')}")
            all_features = features == list(range(n_columns))
            ids, id_lines, labels, chunks = [], [], [], []
            rows, lines = [], []

            def flush():
                block = _parse_chunk(rows, lines, features, column_labels, source,
                                     hint, last_unnamed=not (has_header
                                                             and names[-1]))
                _check_finite(block, source, lines=lines,
                              names=[column_labels[p] for p in features])
                chunks.append(block)
                rows.clear()
                lines.clear()

            def records():
                if not has_header:
                    yield first, first_line
                previous = first_line
                for row in reader:
                    if ended:
                        raise _unclosed_quote(source, previous + 1)
                    yield row, reader.line_num
                    previous = reader.line_num

            for row, line in records():
                if _is_blank(row):
                    continue
                if len(row) != n_columns:
                    comment = ""
                    if first[0].lstrip().startswith("#"):
                        # np.savetxt(..., header="...") writes "# ..." first.
                        comment = (
                            f"; line {first_line} is a comment "
                            f"({delimiter.join(first)[:40]!r}, as np.savetxt's "
                            "header= writes), which is not skipped: remove it, "
                            "or save with np.savetxt(..., comments='') for a "
                            "header row"
                        )
                    raise InputError(
                        f"{source}: line {line} has {counted(len(row), 'field')} "
                        "but the "
                        f"first row has {n_columns}; every row needs the same "
                        f"columns{comment}"
                    )
                if id_pos is not None:
                    ids.append(row[id_pos])
                    id_lines.append(line)
                if label_pos is not None:
                    labels.append(row[label_pos])
                rows.append(row if all_features else [row[p] for p in features])
                lines.append(line)
                if len(rows) == _CSV_CHUNK_ROWS:
                    flush()
            if rows:
                flush()
    except UnicodeDecodeError as exc:
        raise InputError(f"{source}: {_not_utf8(path, exc)}") from None
    except csv.Error as exc:
        raise InputError(f"{source}: malformed table ({_one_line(exc)})") from None
    if not chunks:
        raise InputError(f"{source} has a header row but zero data rows")
    X = chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
    if id_pos is not None:
        blank = next((i for i, value in enumerate(ids) if not value.strip()), None)
        if blank is not None:
            # Named by line, as every other error in a text table is.
            raise InputError(
                f"{source}: line {id_lines[blank]}, id column "
                f"{column_labels[id_pos]} is empty; every row needs an id: fill "
                "it in or drop that row, and save the file again"
            )
        _check_unique_ids(ids, f"{source}, id column {names[id_pos]!r}",
                          lines=id_lines)
    if has_header:
        # Only once the file is read: a failed read says one thing, its error.
        for message in _label_like_columns(source, names, features):
            warnings.warn(message, UserWarning, stacklevel=3)
    if data_like_header:
        shown = ",".join(value.strip()[:12] for value in first[:3])
        warnings.warn(
            f"{source}: the first row ({shown},...) is taken as the header, but "
            "it holds decimal numbers; if it is data, pass "
            f"{_option('header', 'no', 'no')} (else its sample is left out)",
            UserWarning, stacklevel=3,
        )
    return Pool(
        X=X,
        ids=ids if id_pos is not None else None,
        labels=_label_array(labels) if label_pos is not None else None,
        notes=notes,
    )


def _check_unique_ids(ids, source, lines=None):
    """Refuse an id given to several rows, naming it and where it occurs.

    Ids name the samples in the outputs (for annotators, say): a repeated id
    would name two samples at once.  ``lines`` gives each row's line number
    in a text file, for the message.
    """
    seen = set()
    for value in ids:
        if value in seen:
            break
        seen.add(value)
    else:
        return
    rows = [i for i, other in enumerate(ids) if other == value]
    first_rows = rows[:3]
    more = f" and {len(rows) - 3} more" if len(rows) > 3 else ""

    def listed(items):
        items = [str(i) for i in items]
        if more:
            return ", ".join(items) + more
        return ", ".join(items[:-1]) + " and " + items[-1]

    where = f"rows {listed(first_rows)}"
    if lines is not None:
        where += f" (lines {listed([lines[i] for i in first_rows])})"
    name = repr(_one_line(value)[:60]) if isinstance(value, str) else repr(value)
    raise InputError(
        f"{source}: the id {name} is repeated, at {where}; "
        "ids name the samples in the outputs, so each row needs its own"
    )


def _label_array(values):
    """Labels as numbers when they all are (so that they sort naturally)."""
    try:
        numbers = np.array(values, dtype=np.float64)
    except (ValueError, TypeError):
        numbers = None
    if numbers is None or numbers.ndim != 1:
        # Text, or one list per row (a Parquet list column): one label each.
        return np.asarray([str(v) for v in values])
    if np.all(np.isfinite(numbers)) and np.all(numbers == np.round(numbers)):
        return numbers.astype(np.int64)
    return numbers


# -- parquet -----------------------------------------------------------------
def _load_parquet(path, *, id_column, label_column, drop_last_column):
    source = str(path)
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(
            f"{source}: reading .parquet files needs pyarrow; install it with "
            "pip install 'sklearn_bilaf[parquet]'"
        ) from None
    _check_regular(path)
    _check_not_empty(path)
    head = _magic(path, 8)
    what = None if head.startswith(b"PAR1") else _what_it_is(head, ".parquet")
    if what:
        raise InputError(f"{source}: not a Parquet file: {what}")
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(
            f"{source}: unreadable Parquet file ({_one_line(exc)})"
        ) from None
    names = list(table.column_names)
    if not names:
        raise InputError(f"{source} has no columns")
    id_pos, label_pos, features, notes = _special_columns(
        path, names, True, id_column, label_column, drop_last_column
    )
    index = _pandas_index_columns(table.schema, names)
    left_out = [p for p in features if p in index]
    if left_out:
        # DataFrame.to_parquet keeps an index other than 0, 1, 2, ... (a
        # filtered or named frame) as a column: row labels, not a feature,
        # as the unnamed first column of a pandas CSV is not.
        features = [p for p in features if p not in index]
        if not features:
            raise InputError(f"{source}: no feature columns are left to select "
                             "with (the only columns are the pandas index)")
        for p in left_out:
            notes.append(
                f"{path}: column {names[p]!r} is the pandas index (as "
                "DataFrame.to_parquet writes it); not used as a feature (name "
                f"it with {_option('id_column')} to use it as the ids)"
            )
    n_rows = table.num_rows
    if n_rows == 0:
        raise InputError(f"{source} has zero rows: there is nothing to select from")
    blocks = [_parquet_feature_block(table.column(p), names[p], n_rows, source)
              for p in features]
    X = blocks[0] if len(blocks) == 1 else np.concatenate(
        [b.astype(np.result_type(*blocks), copy=False) for b in blocks], axis=1
    )
    _check_array(X, source)
    # Name the file's columns (a list column's entries as name[j]): positions
    # in X differ from the file's once an id or label column is left out.
    feature_names = [
        names[p] if block.shape[1] == 1 and not _is_list_column(table, p)
        else f"{names[p]}[{j}]"
        for p, block in zip(features, blocks, strict=True)
        for j in range(block.shape[1])
    ]
    _check_finite(X, source, names=[repr(name) for name in feature_names])

    def plain_column(position, what):
        column = table.column(position)
        _check_no_nulls(column, f"the {what} column {names[position]!r}", source)
        return column.to_pylist()

    ids = None
    if id_pos is not None:
        ids = [v if isinstance(v, (str, int)) else str(v)
               for v in plain_column(id_pos, "id")]
        blank = [i for i, v in enumerate(ids) if isinstance(v, str) and not v.strip()]
        if blank:
            # As in a text table's id column: "" would name a sample.
            n = len(blank)
            raise InputError(
                f"{source}: the id column {names[id_pos]!r} has {n} empty "
                f"id{'' if n == 1 else 's'}, in {_rows_text(blank)}; every row "
                f"needs an id: {_fill_or_drop(n)}"
            )
        _check_unique_ids(ids, f"{source}, id column {names[id_pos]!r}")
    labels = None
    if label_pos is not None:
        labels = _label_array(plain_column(label_pos, "label"))
    scalars = [p for p in features if not _is_list_column(table, p)]
    for message in _label_like_columns(source, names, scalars):
        warnings.warn(message, UserWarning, stacklevel=3)
    return Pool(X=X, ids=ids, labels=labels, notes=notes)


def _pandas_index_columns(schema, names):
    """Positions of the columns that pandas' metadata lists as the index."""
    try:
        metadata = schema.pandas_metadata or {}
    except (ValueError, TypeError):  # metadata that is not pandas' JSON
        return set()
    listed = metadata.get("index_columns", []) if isinstance(metadata, dict) else []
    # A RangeIndex is stored as a description (a dict), not as a column.
    return {names.index(name) for name in listed
            if isinstance(name, str) and names.count(name) == 1}


def _check_no_nulls(column, what, source):
    """Refuse missing values in a Parquet column, naming the first rows."""
    if not column.null_count:
        return
    import pyarrow.compute as pc

    rows = np.flatnonzero(np.asarray(pc.is_null(column)))
    n = column.null_count
    raise InputError(
        f"{source}: {what} has {n} missing value{'' if n == 1 else 's'}, in "
        f"{_rows_text(rows)}; {_fill_or_drop(n)}"
    )


def _is_list_column(table, position):
    import pyarrow.types as pat

    kind = table.column(position).type
    return pat.is_list(kind) or pat.is_large_list(kind) or pat.is_fixed_size_list(kind)


def _parquet_feature_block(column, name, n_rows, source):
    """One Parquet column as an (n_rows, width) array: a number or a list."""
    import pyarrow.types as pat

    kind = column.type
    hint = (f"; name a non-numeric column with {_option('id_column')} or "
            f"{_option('label_column')}, or remove it")
    _check_no_nulls(column, f"column {name!r}", source)
    if pat.is_integer(kind) or pat.is_floating(kind) or pat.is_boolean(kind):
        return column.to_numpy().reshape(n_rows, 1)
    if pat.is_decimal(kind):
        # Base-10 numbers (SQL exports, pandas' Decimal objects): float64.
        return _decimals_as_float64(column).to_numpy().reshape(n_rows, 1)
    if pat.is_list(kind) or pat.is_large_list(kind) or pat.is_fixed_size_list(kind):
        value_type = kind.value_type
        inner = value_type
        while (pat.is_list(inner) or pat.is_large_list(inner)
               or pat.is_fixed_size_list(inner)):
            inner = inner.value_type
        if inner is not value_type and (
                pat.is_integer(inner) or pat.is_floating(inner)
                or pat.is_decimal(inner)):
            # Images as they come: the numbers are the embeddings, which
            # "name a non-numeric column ... or remove it" would leave out.
            raise InputError(
                f"{source}: column {name!r} holds nested lists of numbers (an "
                "image's rows of pixels, say), not one list per sample; save "
                "each sample's values as one flat list of numbers"
            )
        if not (pat.is_integer(value_type) or pat.is_floating(value_type)
                or pat.is_decimal(value_type)):
            raise InputError(
                f"{source}: column {name!r} holds lists of {value_type}, not "
                f"numbers{hint}"
            )
        array = column.combine_chunks()
        values = array.flatten()
        if values.null_count:
            import pyarrow.compute as pc

            parents = np.asarray(pc.list_parent_indices(array))
            rows = np.unique(parents[np.asarray(pc.is_null(values))])
            raise InputError(
                f"{source}: column {name!r} has missing values inside its lists, "
                f"in {_rows_text(rows)}; {_fill_or_drop(rows.size)}"
            )
        if n_rows and len(values) % n_rows == 0:
            width = len(values) // n_rows
            import pyarrow.compute as pc

            lengths = pc.list_value_length(array).to_numpy(zero_copy_only=False)
            if np.all(lengths == width):
                if pat.is_decimal(value_type):
                    values = _decimals_as_float64(values)
                return values.to_numpy(zero_copy_only=False).reshape(n_rows, width)
        raise InputError(
            f"{source}: the lists in column {name!r} do not all have the same "
            "length; every embedding needs the same number of features"
        )
    raise InputError(f"{source}: column {name!r} holds {kind}, not numbers{hint}")


def _decimals_as_float64(values):
    """A pyarrow array (or chunked array) of decimals as float64."""
    import pyarrow as pa

    return values.cast(pa.float64())


# -- entry point -------------------------------------------------------------
def load_embeddings(path, *, key=None, id_column=None, label_column=None,
                    drop_last_column=False, header="auto"):
    """Read an embeddings file into a :class:`Pool`.

    Parameters
    ----------
    path : str or Path
        A ``.npy``, ``.npz``, ``.csv``, ``.tsv`` or ``.parquet`` file.
    key : str or None, default=None
        The array to read from a ``.npz`` archive (optional when it holds one).
    id_column, label_column : str, int or None, default=None
        Tables only: the column of sample ids, and a column of labels; both
        are left out of the features.  A header name or a 0-based position.
    drop_last_column : bool, default=False
        Leave out the last column and keep it as the labels (the authors'
        feature files store the label there).  Not with ``label_column``.
    header : {"auto", "yes", "no"}, default="auto"
        CSV/TSV only: whether the first row names the columns.  ``"auto"``
        takes it for a header when any of its fields is not a number, or when
        it reads ``0, 1, 2, ...`` (pandas' default column names).

    Returns
    -------
    pool : Pool
        ``.npy`` files are memory-mapped read-only and not copied; dropping
        their last column gives a view.  Labels never go into ``pool.X``.
        ``pool.X`` keeps the dtype of a ``.npy`` or ``.npz`` array, and a
        ``.parquet`` file gives its feature columns' common type (float32
        when all are float32).  ``.csv`` and ``.tsv`` files are read as
        float64, whatever their digits: for float32 (half the memory, read
        in place), save the pool once with
        ``np.save(path, X.astype(np.float32))`` and read that ``.npy``
        (the selection may then differ slightly from the text file's).

    Raises
    ------
    InputError
        When the file cannot be read as embeddings (missing, a folder, an
        unknown or compressed format, NaN or infinite values, rows of
        different lengths, a column named that does not exist, ...); the
        message names the file as given and says what to change.

    Warns
    -----
    UserWarning
        Tables only, for features that are probably not features: a column
        whose name says it holds ids or labels (``id``, ``label``, ``class``,
        ...) and is not named by ``id_column`` or ``label_column``, or a row
        index pandas read back from a CSV (``Unnamed: 0``); and a CSV/TSV
        first row taken for the header (``header="auto"``, as it holds text)
        although it holds decimal numbers, which may be data.  The file is
        read as it is; the warning says which option changes that.
    """
    # The messages, notes and warnings name the file as given, as the
    # command's own messages do: Path writes ./e.npy as e.npy, and drops a
    # trailing '.' or separator.  So the readers get the name as given too.
    text = os.fspath(path)
    path = Path(text)
    suffix = suffix_of(path)
    problem = _input_name_problem(text, "embeddings")
    if problem is not None:
        raise InputError(problem)
    ending = _folder_ending(text)
    if ending is not None:
        # new/. was told "new: unknown embeddings format", and e.npy/. read
        # e.npy, which the system refuses ("Not a directory").
        raise InputError(
            f"{text}: ends with {ending}, so it names a folder, not a file; "
            f"give the embeddings file ({', '.join(EMBEDDING_SUFFIXES)})"
        )
    if path.is_dir():
        raise InputError(
            f"{text}: is a folder, not a file; give the embeddings file "
            f"({', '.join(EMBEDDING_SUFFIXES)})"
        )
    if suffix not in EMBEDDING_SUFFIXES and _is_stream(path):
        # /dev/stdin on a pipe, a shell's <(...) (/dev/fd/63): a name that
        # cannot be changed to say the format.
        raise InputError(
            f"{text}: is a pipe or a device, whose name gives no format; save "
            f"the embeddings to a file ({', '.join(EMBEDDING_SUFFIXES)}) and give "
            "its name"
        )
    if suffix not in EMBEDDING_SUFFIXES and os.path.abspath(path).startswith(
            ("/dev/", "/proc/")):
        # /dev/stdin given a file with '<' (or /proc/self/fd/N) links to it,
        # whose own name may well say the format.  (A file saved in /dev/shm
        # is a file: the message below.)
        real = os.path.realpath(path)
        if (real != os.path.abspath(path)
                and suffix_of(Path(real)) in EMBEDDING_SUFFIXES):
            raise InputError(
                f"{text}: is a link to {real}, whose name gives the format; "
                "give that name"
            )
    if suffix in _COMPRESSED_SUFFIXES and suffix_of(path.stem) in EMBEDDING_SUFFIXES:
        # emb.csv.gz: the format is known, the compression is not read.
        raise InputError(
            f"{text}: is compressed ({suffix}); decompress it first, and give "
            f"the {suffix_of(path.stem)} file"
        )
    inner = _only_an_extension(path.stem) if suffix in _COMPRESSED_SUFFIXES else None
    if inner is not None and inner.lower() in EMBEDDING_SUFFIXES:
        # .csv.gz: for Python a hidden file '.csv' whose extension is .gz,
        # which said "unknown embeddings format '.gz'"; told as emb.csv.gz
        # and .csv are, both at once.
        raise InputError(
            f"{text}: is compressed ({suffix}), and the rest of the name is "
            "only an extension (a name starting with a dot has none); "
            f"decompress it first, and give the {inner.lower()} file a name "
            f"such as {_with_name(text, 'embeddings' + inner)}"
        )
    bare = _only_an_extension(path)
    if bare is not None:
        raise InputError(_only_an_extension_problem(
            text, bare, EMBEDDING_SUFFIXES, "embeddings format",
            "give the file a name such as", "embeddings"))
    if suffix not in EMBEDDING_SUFFIXES:
        raise InputError(
            f"{text}: unknown embeddings format {suffix or '(no extension)'!r}; "
            f"use one of {', '.join(EMBEDDING_SUFFIXES)}"
            + _conversion_advice(text, suffix)
        )
    if not isinstance(header, str) or header not in ("auto", "yes", "no"):
        # Any other value would silently mean "auto".  A flag, pandas'
        # read_csv spelling (header=0 for a header row, None for none,
        # "infer") or another case is told the value that reads the file so.
        meant = None
        if header is True or (isinstance(header, Integral)
                              and not isinstance(header, bool) and header == 0):
            meant = "yes"
        elif header is False or header is None:
            meant = "no"
        elif isinstance(header, str):
            meant = header.strip().lower()
            meant = "auto" if meant == "infer" else meant
        hint = (f"; pass header={meant!r}" if meant in ("auto", "yes", "no")
                else "")
        raise InputError(
            f"header={header!r} is not one of 'auto', 'yes', 'no'{hint}")
    problem = format_option_problem(path, key=key, id_column=id_column,
                                    label_column=label_column, header=header)
    if problem is not None:
        raise InputError(problem)
    if label_column is not None and drop_last_column:
        # Both name the labels: the last column would have won, and the
        # named one would have joined the features.
        raise InputError(
            f"{text}: give either {_option('label_column')} or "
            f"{_option('drop_last_column')}, not both"
        )

    if suffix in _DELIMITERS:
        return _load_delimited(
            text, _DELIMITERS[suffix], id_column=id_column, label_column=label_column,
            drop_last_column=drop_last_column, header=header,
        )
    if suffix == ".parquet":
        return _load_parquet(text, id_column=id_column, label_column=label_column,
                             drop_last_column=drop_last_column)

    if suffix == ".npy":
        X = _load_npy(text)
        source, memory_mapped = text, True
    else:
        X = _load_npz(text, key)
        source, memory_mapped = text, False
    labels = None
    if drop_last_column:
        if X.shape[1] < 2:
            raise InputError(
                f"{source} has a single column; {_option('drop_last_column')} would "
                "leave "
                "no features"
            )
        labels = _label_array(np.asarray(X[:, -1]))
        X = X[:, :-1]  # a view: a memory map stays a memory map
    _check_finite(X, source)
    return Pool(X=X, labels=labels, memory_mapped=memory_mapped)


def format_option_problem(path, *, key=None, id_column=None, label_column=None,
                          header="auto"):
    """What is wrong with giving these options for ``path``'s format, or None.

    Some options of :func:`load_embeddings` only apply to some formats:
    ``key`` to .npz, the columns to tables, ``header`` to CSV/TSV.  Only the
    name is looked at, so the command line checks this before reading.

    Parameters
    ----------
    path : str or Path
        The embeddings file; its extension gives the format.
    key : str or None, default=None
        As for :func:`load_embeddings` (``.npz`` only).
    id_column, label_column : str, int or None, default=None
        As for :func:`load_embeddings` (tables only).
    header : {"auto", "yes", "no"}, default="auto"
        As for :func:`load_embeddings` (CSV/TSV only).

    Returns
    -------
    problem : str or None
        A one-line message naming the option and the formats it applies to,
        or None when the options fit the format (or the format is unknown,
        which :func:`load_embeddings` reports).
    """
    suffix = suffix_of(path)
    if suffix not in EMBEDDING_SUFFIXES:
        return None
    if key is not None and suffix != ".npz":
        return f"{_option('key')} only applies to .npz archives, not {suffix} files"
    if suffix not in _TABLE_SUFFIXES:
        if label_column is not None:
            return (
                f"{_option('label_column')} only applies to tables (.csv, .tsv, "
                f".parquet); for a {suffix} file with the label in its last "
                f"column use {_option('drop_last_column')}"
            )
        if id_column is not None:
            return (
                f"{_option('id_column')} only applies to tables (.csv, .tsv, "
                f".parquet); give the ids of a {suffix} file with "
                + ("--ids" if _COMMAND_LINE.get() else
                   "pool.ids = read_ids(ids_path, len(pool.X))")
            )
    if header != "auto" and suffix not in _DELIMITERS:
        return (f"{_option('header')} only applies to .csv and .tsv files, not "
                f"{suffix}")
    return None


_IDS_COME_FROM_TEXT = ("ids must come from a text file (one id per line) or a "
                       "column of a .csv/.tsv file")


# How to read the ids that a file of a format ids never come from holds,
# with the arguments that open the name as given for {}, and what stands for
# what the name cannot tell (the archive's array, the table's column).
_IDS_TO_TEXT = {
    ".npy": ("np.load({})", ""),
    ".npz": ("np.load({})[KEY]", " (with KEY the name of the ids' array)"),
    # The encoding read_ids reads, whatever the system's.
    ".json": ("json.load(open({}, encoding='utf-8'))", " (for a JSON list of ids)"),
    ".parquet": ("pd.read_parquet({})[[COLUMN]]",
                 " (with COLUMN the name of the ids' column)"),
}
# Checked a block of ids at a time: an ids file has one per pool row.
_IDS_BLOCK = 2**16


def _has_line_break(values):
    """Whether any of the strings or bytes ``values`` (an array) holds a
    line break, which read_ids splits a text file's lines at."""
    values = values.reshape(-1)
    breaks = ("\n", "\r") if values.dtype.kind == "U" else (b"\n", b"\r")
    for start in range(0, values.size, _IDS_BLOCK):
        block = np.asarray(values[start:start + _IDS_BLOCK])
        if any((np.char.find(block, mark) >= 0).any() for mark in breaks):
            return True
    return False


def _has_nan(values):
    """Whether the array ``values`` of numbers holds a NaN, a missing id."""
    if values.dtype.kind not in "fc":
        return False
    values = values.reshape(-1)
    return any(np.isnan(values[start:start + _IDS_BLOCK]).any()
               for start in range(0, values.size, _IDS_BLOCK))


def _ids_kinds(path, suffix):
    """What the advice for the ids file ``path`` depends on.

    Returns
    -------
    kinds : set of str
        "objects" (an array of Python objects, read only unpickled),
        "bytes" (np.savetxt writes b'a'), "breaks" (an id holds a line
        break), "missing" (an id is None or NaN); empty when none is seen
        or the file is not read (a pipe, a table of several columns).
    key : str or None
        The name of the array of an .npz archive that holds only one, or
        of the column of a .parquet file that holds only one (besides
        pandas' index): the ids'; None otherwise.
    """
    kinds = set()
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return kinds, None
        if suffix == ".parquet":
            return _parquet_ids_kinds(path)
        if suffix == ".json":
            with open(path, encoding="utf-8-sig") as handle:
                values = json.load(handle)
            if isinstance(values, list) and any(
                    isinstance(v, str) and ("\n" in v or "\r" in v)
                    for v in values):
                kinds.add("breaks")
            # null, and NaN, which json reads too.
            if isinstance(values, list) and any(
                    v is None or (isinstance(v, float) and v != v)
                    for v in values):
                kinds.add("missing")
            return kinds, None
        with contextlib.ExitStack() as stack:
            if suffix == ".npy":
                archive, keys = None, [None]
            else:
                archive = stack.enter_context(np.load(path, allow_pickle=False))
                keys = archive.files
            # Of several arrays, which one holds the ids is not known (read_ids
            # takes no key): all are looked at.  An object array elsewhere
            # only adds allow_pickle=True, and a line break elsewhere the
            # quoted .csv column, which reads any ids.
            for key in keys:
                try:
                    values = (np.load(path, mmap_mode="r", allow_pickle=False)
                              if archive is None else archive[key])
                except ValueError:
                    kinds.add("objects")
                    continue
                if values.dtype.kind in "US":
                    if values.dtype.kind == "S":
                        kinds.add("bytes")
                    if _has_line_break(values):
                        kinds.add("breaks")
                elif len(keys) == 1 and _has_nan(values):
                    # Not for several arrays: the others may hold NaN
                    # (features, scores).
                    kinds.add("missing")
            if archive is not None and len(keys) == 1:
                return kinds, keys[0]
    except Exception:
        # Unreadable: the reading the advice runs will say why.
        pass
    return kinds, None


def _parquet_ids_column(path):
    """The name and the values (a pyarrow array) of the only column of the
    .parquet file ``path`` besides those pandas' metadata lists as its
    index, or None (several columns: which of them holds the ids is not
    known)."""
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    names = list(schema.names)
    columns = [name for p, name in enumerate(names)
               if p not in _pandas_index_columns(schema, names)]
    if len(columns) != 1 or names.count(columns[0]) != 1:
        return None
    return columns[0], pq.read_table(path, columns=columns).column(0)


def _parquet_ids_kinds(path):
    """What the advice for the ids .parquet file ``path`` depends on, as
    :func:`_ids_kinds`, with the name of its only column: "missing" when
    it holds a null or a NaN, which to_csv writes as an empty id."""
    found = _parquet_ids_column(path)
    if found is None:
        return set(), None
    name, column = found
    import pyarrow.compute as pc
    import pyarrow.types as pat

    missing = column.null_count > 0 or (
        pat.is_floating(column.type)
        and pc.any(pc.is_nan(column)).as_py() is True)
    return ({"missing"} if missing else set()), name


def _ids_to_text_advice(path, suffix):
    """The call that writes the ids of ``path`` (as given), a file of format
    ``suffix``, to a file beside it that they are then read from: "ids come
    from text" alone left the conversion to find.

    One id per line to a .txt file, with np.savetxt; a quoted column of a
    .csv file when an id holds a line break, which a line cannot, or may
    (Python objects, a table's column, unseen here)."""
    read, note = _IDS_TO_TEXT[suffix]
    # The name as given ends with its extension: suffix_of took it from it.
    base = path[:len(path) - len(suffix)]
    kinds, key = _ids_kinds(path, suffix)
    if key is not None:
        # The archive's only array, the table's only column: named, the
        # advice runs as given.
        read = ("pd.read_parquet({})[[" if suffix == ".parquet" else
                "np.load({})[") + _braces(key)
        read, note = read + ("]]" if suffix == ".parquet" else "]"), ""
    if "missing" in kinds and suffix == ".parquet":
        # to_csv writes them as empty fields, refused only once converted.
        return (", and none may be missing: some of its ids are null (None) "
                "or NaN, which saved as a .csv file would be empty ids; give "
                "every sample its id, then save them as a .csv file")
    if "missing" in kinds:
        # Any conversion to text writes them as ids like any other.
        return (", and none may be missing: some of its ids are None or NaN, "
                "which saved as text would be the ids 'None' or 'nan'; "
                "give every sample its id, then save them as text")
    if suffix == ".parquet":
        # pandas quotes what needs it; the column's name is the header.
        return (f"; save them as a .csv file first: "
                f"{read.format(repr(path))}.to_csv("
                f"{_unused_name(base, '.csv')!r}, index=False){note}")
    trust = ""
    opened = repr(path)
    if "objects" in kinds:
        opened += ", allow_pickle=True"
        # Never unpickled here, so a missing id cannot be seen: np.asarray
        # (..., dtype=str) below would write None as the id 'None'.
        trust = ("it holds Python objects, which np.load unpickles: if you "
                 "trust the file and none of its ids is missing (a None or "
                 "NaN would be saved as the id 'None' or 'nan'), ")
    ids = read.format(opened)
    if "bytes" in kinds:
        # np.savetxt writes bytes as b'...'; read_ids reads UTF-8.
        ids = f"np.char.decode({ids}, 'utf-8')"
    if kinds & {"objects", "breaks"}:
        why = ("an id holds a line break, which a line cannot"
               if "breaks" in kinds else "an id may hold a line break")
        # Every id quoted, its quotes doubled, as csv reads them.
        return (f"; {trust}save them as a quoted .csv column ({why}) first: "
                f"np.savetxt({_unused_name(base, '.csv')!r}, np.char.replace("
                f"np.asarray({ids}, dtype=str), '\"', '\"\"'), fmt='\"%s\"', "
                f"header='id', comments='', encoding='utf-8'){note}")
    return (f"; save them one per line first: np.savetxt("
            f"{_unused_name(base, '.txt')!r}, {ids}, fmt='%s', "
            f"encoding='utf-8'){note}")


def _binary_ids(path):
    """Why an ids file that failed to decode is binary, or None.

    The embeddings' advice (:func:`_not_utf8`: "name it .npy", "save the
    embeddings with np.save") does not apply to ids, which no binary format
    holds: a file of a known binary format, or one holding NUL bytes, is
    told that ids come from text.  A pipe, which cannot be read again, and
    text in another encoding are left to :func:`_not_utf8`.
    """
    try:
        head = _magic(path, 8192) if stat.S_ISREG(os.stat(path).st_mode) else None
    except (OSError, InputError):
        head = None
    if head is None or head.startswith(_GZIP_MAGIC):
        return None  # gzip: _not_utf8's "decompress it first" applies
    what = next((what for magic, what, _ in _KNOWN_MAGIC
                 if head.startswith(magic)), None)
    if what is None and _is_pickle(head):
        what = "a Python pickle"
    if what is not None:
        return f"not UTF-8 text: it is {what}; {_IDS_COME_FROM_TEXT}"
    # UTF-16 and UTF-32 text holds NUL bytes too: _not_utf8 tells it.
    if b"\x00" in head and not head.startswith(
            tuple(bom for bom, _ in _OTHER_TEXT_BOMS)):
        return (f"not UTF-8 text: it holds NUL bytes, as binary files do; "
                f"{_IDS_COME_FROM_TEXT}")
    return None


def _ids_name_problem(path):
    """What is wrong with an ids file *name*, whatever is on disk, or None.

    A name that is only the extension of a table (``.csv``, ``.tsv``) has
    none for Python (a hidden file), so the file was read as one id per
    line, its header taken for an id; it is told, as an embeddings file
    named ``.csv`` is, that the name is only an extension.  Any other name
    is an ids file (a dot file such as ``.ids`` holds one id per line).

    Parameters
    ----------
    path : str or path-like
        The ids file (``--ids``).

    Returns
    -------
    problem : str or None
        The message, starting with the name; None for a usable name.
    """
    bare = _only_an_extension(path)
    if bare is None or bare.lower() not in _DELIMITERS:
        return None
    return _only_an_extension_problem(path, bare, tuple(_DELIMITERS), "",
                                      "give the file a name such as", "ids")


def _check_ids_file(path):
    """Refuse, before the pool is read, an ids file that is missing, a
    folder, or of a kind ids never come from (``.npy``, ...).

    Only looks at the path (the file is not opened: a pipe could be read
    only once).  :func:`read_ids` makes the same checks.
    """
    text = os.fspath(path)
    ending = _folder_ending(text)
    if ending is not None:
        # Path drops a trailing '.' or separator: nonexist/. was told
        # "--ids nonexist: no such file", and ids.txt/. read ids.txt.
        raise InputError(
            f"{_ids_source(text)}: ends with {ending}, so it names a folder, not a "
            "file; give the ids file (one id per line, or a .csv/.tsv table "
            f"with {_option('column')})"
        )
    # Told by the name as given (text): Path writes ./ids.txt as ids.txt.
    suffix = suffix_of(text)
    if suffix in _IDS_TO_TEXT:
        raise InputError(
            f"{_ids_source(text)}: {_IDS_COME_FROM_TEXT}"
            f"{_ids_to_text_advice(text, suffix)}")
    problem = _ids_name_problem(text)
    if problem is not None:
        raise InputError(_ids_source(problem))
    problem = _input_name_problem(text, "ids")
    if problem is not None:
        raise InputError(_ids_source(problem))
    try:
        _check_exists(text)
    except InputError as exc:
        # Missing or a folder: say which argument it is.
        raise InputError(_ids_source(exc)) from None


def _table_name(text, ids):
    """A free name for the ids file ``text`` (as given) as a .csv or .tsv
    table, one that reads its lines ``ids`` as they are, or None.

    "Save the ids as a .csv file" read an id holding a comma as two, and
    one starting with a quote as quoted; a pipe cannot be renamed.
    """
    try:
        if not stat.S_ISREG(os.stat(text).st_mode):
            return None
    except OSError:
        return None
    base = text[:len(text) - len(suffix_of(text))]
    for suffix, delimiter in _DELIMITERS.items():
        if not any(delimiter in value or '"' in value for value in ids):
            return _unused_name(base, suffix)
    return None


def read_ids(path, n_rows, *, column=None):
    """One id per pool row, from a text file or a column of a CSV/TSV file.

    A text file (any extension but .csv/.tsv) holds one id per line; trailing
    empty lines are ignored.  A CSV/TSV file must have a header row; ``column``
    (a name or 0-based position) picks the id column, and may be omitted when
    the file has a single column.  Ids must be distinct.  A file named only
    ``.csv`` or ``.tsv`` (a name that is only an extension) is refused: its
    name says neither how to read it nor, for Python, that it is a table.

    Parameters
    ----------
    path : str or path-like
        The ids file.
    n_rows : int
        Rows in the pool: the file must hold exactly one id per row.
    column : str, int or None, default=None
        The id column of a CSV/TSV file.

    Returns
    -------
    ids : list of str
        One id per pool row, in row order.
    """
    # Checked as given: Path drops a trailing '.' or separator.
    _check_ids_file(path)
    # The name as given, for the messages: Path writes ./ids.txt as ids.txt.
    source = os.fspath(path)
    path = Path(path)
    suffix = suffix_of(path)
    try:
        # By the name as given, which its messages use.
        handle = _open_text(source)
    except InputError as exc:
        # Missing, a folder, unreadable: say which argument it is.
        raise InputError(_ids_source(exc)) from None
    try:
        with handle:
            if suffix in _DELIMITERS:
                ended = []
                reader = csv.reader(_noting_the_end(handle, ended),
                                    delimiter=_DELIMITERS[suffix])
                names, previous = None, 0
                for row in reader:
                    if ended:
                        raise _unclosed_quote(f"{_ids_source(source)}", previous + 1)
                    if row:
                        names = row
                        first_line = _DELIMITERS[suffix].join(row)
                        break
                    previous = reader.line_num
                if names is None:
                    raise InputError(f"{_ids_source(source)} is empty")
                names = [name.strip() for name in names]
                if column is None:
                    if len(names) != 1:
                        raise InputError(
                            f"{_ids_source(source)} has {len(names)} columns; name the "
                            f"id column with {_option('column')}"
                        )
                    position = 0
                else:
                    position = _resolve_column(column, names, True, "column",
                                               f"{_ids_source(source)}")
                ids, lines = [], []
                previous = reader.line_num
                for row in reader:
                    if ended:
                        raise _unclosed_quote(f"{_ids_source(source)}", previous + 1)
                    previous = reader.line_num
                    if not row:
                        continue
                    if len(row) != len(names):
                        raise InputError(
                            f"{_ids_source(source)}: line {reader.line_num} has "
                            f"{counted(len(row), 'field')} but the header has "
                            f"{len(names)}"
                        )
                    ids.append(row[position])
                    lines.append(reader.line_num)
            else:
                if column is not None:
                    raise InputError(
                        (f"{_option('column')} with --ids" if _COMMAND_LINE.get()
                         else _option("column"))
                        + " only applies to .csv/.tsv id files; "
                        f"{source} is read as one id per line"
                    )
                # Not str.splitlines, which also breaks at form feeds,
                # U+0085, U+2028 ...: characters a file name may hold.
                ids = _LINE_BREAK.split(handle.read())
                while ids and not ids[-1].strip():
                    ids.pop()
                lines = range(1, len(ids) + 1)
    except UnicodeDecodeError as exc:
        why = _binary_ids(path) or _not_utf8(path, exc, source)
        raise InputError(f"{_ids_source(source)}: {why}") from None
    except csv.Error as exc:
        raise InputError(
            f"{_ids_source(source)}: malformed table ({_one_line(exc)})"
        ) from None
    for value, line in zip(ids, lines, strict=True):
        if not value.strip():
            raise InputError(
                f"{_ids_source(source)}: line {line} holds an empty id; every row of "
                "the embeddings needs its id, in row order: fill it in and "
                "save the file again"
            )
    if len(ids) != n_rows:
        header = ""
        if len(ids) == n_rows + 1 and suffix not in _DELIMITERS:
            # One too many: a column name on the first line, most likely.
            header = (f"; is line 1 ({_one_line(ids[0])[:40]!r}) a header? a "
                      "file of one id per line has none: remove that line")
            table = _table_name(source, ids)
            if table is not None:
                header += (f", or rename the file {table} to read it as a "
                           "table with that header")
        elif (len(ids) + 1 == n_rows and suffix in _DELIMITERS
                and not isinstance(column, str)
                and names[position].lower() not in _ID_LIKE_NAMES):
            # One too few: ids saved without a header (to_csv(...,
            # header=False)), the first of them taken for the column names.
            # (A column picked by name, or named as ids are, was found in a
            # header, which is one.)
            header = (f"; is line 1 ({_one_line(first_line)[:40]!r}) an id? "
                      f"the first line of a {suffix} ids file is its header, "
                      "the column names: add one (such as 'id') as line 1")
            if len(names) == 1:
                header += (", or save the ids one per line, with no header, as "
                           "a .txt file")
        raise InputError(
            f"{_ids_source(source)} gives {counted(len(ids), 'id')} but the embeddings "
            f"have {counted(n_rows, 'row')}; it needs exactly one id per row, in "
            f"row order{header}"
        )
    _check_unique_ids(ids, f"{_ids_source(source)}", lines=list(lines))
    return ids


# -- output ------------------------------------------------------------------
def output_name_problem(path):
    """What is wrong with an output file *name*, whatever is on disk, or None.

    An empty name, one that ends with a separator or with a last part of
    ``.`` or ``..`` (a folder), one that is only an extension (``.json``,
    which has none) or one whose extension is not an output format:
    mistakes in the name itself, which the ``bilaf`` command reports as
    usage errors before reading anything.

    Parameters
    ----------
    path : str or path-like
        The output file name, as given to :func:`write_selection` (the
        command's ``-o``).

    Returns
    -------
    problem : str or None
        The message, starting with ``NAME:`` (``-o NAME:`` from the
        command); None for a usable name.

    Examples
    --------
    >>> from sklearn_bilaf.io import output_name_problem
    >>> output_name_problem("selected.json") is None
    True
    >>> output_name_problem("selected.txt")
    "selected.txt: unknown output format '.txt'; use .json, .csv, .npy"
    """
    text = os.fspath(path)
    if text == "":
        return (f"{_output_source(repr(''))}: the output file name is empty; give "
                "one such as selected.json")
    problem = _output_folder_problem(text)
    if problem is not None:
        return problem
    bare = _only_an_extension(text)
    if bare is not None:
        return _only_an_extension_message(text, bare)
    suffix = suffix_of(text)
    if suffix not in OUTPUT_SUFFIXES:
        # The name as typed: Path would write ./x.txt as x.txt.
        return (f"{_output_source(text)}: unknown output format "
                f"{suffix or '(no extension)'!r}; use {', '.join(OUTPUT_SUFFIXES)}"
                f"{_compress_through_a_pipe(text, suffix)}")
    return None


def _output_folder_problem(text):
    """The message for an output name ``text`` (as given) that ends with a
    separator, ``.`` or ``..``, so names a folder, else None.

    Path drops a trailing ``.`` or separator, so such a name was otherwise
    told as another name with no extension, or written as that name.
    """
    ending = _folder_ending(text)
    if ending is None:
        return None
    return (f"{_output_source(text)}: ends with {ending}, so it names a folder; give a "
            f"file name, e.g. {_in_folder(text, 'selected.json')}")


def _in_folder(text, name):
    """The file ``name`` in the folder that ``text`` names, written as
    ``text`` was given (Path writes ``./out`` as ``out``).

    A trailing separator or ``.`` is not repeated: ``./out/.`` gives
    ``./out/selected.json``, as Path did but for the ``./``.
    """
    if text.endswith(("/", os.sep)):
        return text + name
    if text == "." or text.endswith(("/.", os.sep + ".")):
        return text[:-1] + name
    return os.path.join(text, name)


#: Programs that compress their standard input to their standard output, by
#: the extension of what they write (a .zip archive is not written so).
_COMPRESSORS = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz", ".zst": "zstd"}
#: What opens such a file for writing from Python, by the same extension.
_PYTHON_COMPRESSORS = {
    ".gz": "gzip.open",
    ".bz2": "bz2.open",
    ".xz": "lzma.open",
    ".zst": "compression.zstd.open",
}


def _compress_through_a_pipe(text, suffix, has_ids=None):
    """For ``-o picks.csv.gz``: how to compress the selection, which is never
    compressed by its name, through a pipe (doc/cli.rst's ``-o >(gzip >
    selected.csv.gz)``), in the format the name gives before the compression
    (csv otherwise: a pipe's own name gives none); else ``""``.

    From Python, where no shell reads the ``>(...)``, the hint is to write
    :func:`format_selection`'s bytes to the compressed file instead, called
    with the keyword arguments the format requires (``roles`` and
    ``pseudo_classes`` for csv), and ``ids`` when ``has_ids`` (None: not
    known, so the hint says when to pass them).
    """
    tool = _COMPRESSORS.get(suffix)
    if tool is None:
        return ""
    base = text[:-len(suffix)]
    dot = base.rfind(".")
    slash = max(base.rfind("/"), base.rfind(os.sep))
    inner = base[dot:] if dot > slash else ""
    if inner.lower() in OUTPUT_SUFFIXES:
        name, output_format = text, inner.lower().lstrip(".")
    else:
        # picks.gz, picks.txt.gz: the csv a pipe gets, and a name saying so.
        stem = base[:dot] if inner and dot > slash + 1 else base
        name, output_format = stem + ".csv" + text[-len(suffix):], "csv"
    if not _COMMAND_LINE.get():
        opener = _PYTHON_COMPRESSORS[suffix]
        # compression.zstd is new in Python 3.14.
        older = (" (Python 3.14 or later; before it, zstandard.open)"
                 if suffix == ".zst" else "")
        roles = (", roles=roles, pseudo_classes=pseudo_classes"
                 if output_format == "csv" else "")
        ids = ", ids=ids" if has_ids else ""
        unsure = " (with ids=ids if there are ids)" if has_ids is None else ""
        return ("; to compress the selection, write the bytes "
                f"format_selection('.{output_format}', indices{roles}{ids}) "
                f"returns{unsure} to {opener}({name!r}, 'wb'){older}")
    option = "" if output_format == "csv" else f" --output-format {output_format}"
    return ("; to compress the selection, write it through a pipe: "
            f"-o >({tool} > {shlex.quote(name)}){option}")


def _only_an_extension_message(path, name):
    return _output_source(_only_an_extension_problem(
        path, name, OUTPUT_SUFFIXES, "output format",
        "give a file name such as", "picks"))


def check_output_path(path, inputs=()):
    """Check before any work that ``path`` can receive a selection.

    The format comes from the extension; the folder must exist and take a
    new file (tried by creating and removing an empty hidden file there); the
    path must not be one of the ``inputs``, nor an existing file that this
    process may not write (a read-only file is not replaced).  A symbolic link
    is checked as the file it leads to, which is what :func:`atomic_write`
    replaces.  A pipe or a device (``/dev/null``, a named pipe, a shell's
    ``>(...)``), which :func:`atomic_write` writes in place, only needs to be
    writable, whatever its name: the caller chooses the format of one whose
    name has no output extension.

    Parameters
    ----------
    path : str or path-like
        The output file, as given to :func:`write_selection` (the command's
        ``-o``).
    inputs : sequence of path-like, default=()
        Files the run reads, which must not be overwritten.

    Returns
    -------
    path : pathlib.Path
        The checked output path.

    Raises
    ------
    InputError
        When the path cannot receive the selection, saying why.
    """
    try:
        return _check_output_path(path, inputs)
    except OSError as exc:
        if exc.errno != errno.ENAMETOOLONG:
            raise
        # The file name the error gave was the bare name, not that of -o.
        raise InputError(_name_too_long(path)) from None


def _name_too_long(path, limit=None):
    size = "" if limit is None else f" ({limit} bytes at most)"
    # The name as given: Path writes ./x.json as x.json.
    return (f"{_output_source(os.fspath(path))}: the output file name is too "
            f"long for the file system{size}; choose a shorter one")


def _check_output_path(path, inputs):
    # The name as given, for the messages: Path writes ./x.json as x.json.
    text = os.fspath(path)
    path = Path(path)
    if text and _is_stream(path):
        # Written in place (see atomic_write): no file is created beside it.
        if not os.access(path, os.W_OK):
            raise InputError(
                f"{_output_source(text)}: is a pipe or a device that this "
                "process may not write to"
            )
        _check_not_an_input(path, inputs, text)
        return path
    if text and path.is_dir():
        raise InputError(
            f"{_output_source(text)}: is a folder; give a file name, e.g. "
            f"{_in_folder(text, 'selected.json')}"
        )
    problem = output_name_problem(text)
    if problem is not None:
        raise InputError(problem)
    target = _link_target(path)
    if target.is_symlink():
        raise InputError(
            f"{_output_source(text)}: is a symbolic link that leads back to "
            "itself; point it at a file, or remove it"
        )
    folder = target.parent
    # A link's folder is the link's, which was not typed: told as Path has it.
    typed = _folder_as_given(text) if target == path else None
    shown = typed if typed is not None and Path(typed) == folder else str(folder)
    problem = _missing_folder_problem(text, path, target)
    if problem is not None:
        raise InputError(problem)
    # The probe below shortens the name it borrows, so it would not find
    # this out; the write would, after the selection.  Only a limit the
    # system reports: the assumed one counts bytes, where NTFS (no
    # pathconf) counts UTF-16 units and takes longer non-ASCII names.
    limit = _reported_name_max(folder)
    if limit is not None and len(os.fsencode(target.name)) > limit:
        raise InputError(_name_too_long(text, limit))
    # Replacing is allowed wherever the folder allows it, but a file its
    # owner made read-only is one a shell redirection would refuse to
    # overwrite: so do we (root may write anything, as with a redirection).
    if target.exists() and not os.access(target, os.W_OK):
        # The file as typed (Path writes ./x.json as x.json), but a link's
        # target, which was not typed.
        named = text if target == path else str(target)
        # chmod would read a leading '-' ('-o=-x.json') as options: '--'
        # ends them, and the name stays as typed.
        ends = "-- " if named.startswith("-") else ""
        raise InputError(
            f"{_output_source(text)}: the file exists and is read-only; make "
            f"it writable (chmod u+w {ends}{shlex.quote(named)}) or choose another name"
        )
    _check_not_an_input(path, inputs, text)
    # Whether a file can be created there, tried for real: permission bits
    # (os.access) say nothing for root, read-only mounts or /proc.
    try:
        temporary, fd = _create_beside(target, "probe")
    except OSError as exc:
        raise InputError(
            f"{_output_source(text)}: cannot create a file in the folder {shown!r} "
            f"({exc.strerror or _one_line(exc)})"
        ) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(temporary)
    return path


def _missing_folder_problem(text, path, target):
    """The message when the folder that the output ``target`` (``path``, or
    the file its link leads to) goes in does not exist, else None.

    ``text`` is the output name as given, which the message names.
    """
    folder = target.parent
    if folder.is_dir():
        return None
    # A link's folder is the link's, which was not typed: told as Path has it.
    typed = _folder_as_given(text) if target == path else None
    shown = typed if typed is not None and Path(typed) == folder else str(folder)
    link = f"is a link to {str(target)!r}, but " if target != path else ""
    # The nearest existing ancestor: a file there is the real mistake.
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        return (f"{_output_source(text)}: {link}"
                f"{_ancestor_as_given(typed, existing)!r} is a file, not a folder")
    fix = "create it or change the link" if link else "create it first"
    tilde = _tilde_hint(text) if not link else ""
    if tilde:
        fix = tilde.strip(" ()")  # creating a folder named '~' is no fix
    return f"{_output_source(text)}: {link}the folder {shown!r} does not exist; {fix}"


def _folder_as_given(text):
    """The folder part of the output name ``text``, as it was typed.

    Path writes the folder of ``./nd/s.json`` as ``nd`` and that of
    ``a/./nd/s.json`` as ``a/nd``; here they are ``./nd`` and ``a/./nd``.
    Only the separator before the file name is left out (``nd//s.json``
    gives ``nd/``), but that of a root (``/s.json`` gives ``/``).
    """
    head = text[:len(text) - len(os.path.basename(text))]
    if not head:
        return "."  # a bare file name, in the working folder
    stripped = os.path.dirname(head)
    if os.path.dirname(stripped) == stripped:  # a root, or a drive
        return stripped
    return head[:-1]


def _ancestor_as_given(typed, folder):
    """``folder`` (a Path, ``typed``'s Path or one of its parents) as typed.

    The outermost of ``typed`` and its textual parents that is the same
    Path: ``./e.npy`` for the file ``e.npy`` in ``./e.npy/./x``, whose
    parent ``./e.npy/.`` is the same Path too, and ``nd`` in ``nd/``.
    ``str(folder)`` when ``typed`` is None or none is, which leaves the
    message as Path would write it.
    """
    found = None
    while typed is not None:
        if Path(typed) == folder:
            found = typed
        parent = os.path.dirname(typed)
        if parent == typed:  # a root, or ""
            break
        typed = parent
    return str(folder) if found is None else found


def _check_not_an_input(path, inputs, text):
    for other in inputs:
        # os.path.exists answers False for an input name too long for the
        # file system, which its reader tells; Path.exists raised, and
        # check_output_path took that for the -o name being too long.
        if other is not None and path.exists() and os.path.exists(other):
            if os.path.samefile(path, other):
                raise InputError(
                    f"{_output_source(text)} is also an input file; choose another "
                    "output name"
                )


def _is_stream(path):
    """Whether ``path`` leads to a pipe, a device or a socket.

    Such a file (``/dev/null``, a named pipe, the ``/dev/fd/63`` of a shell's
    ``>(...)``) is written in place: replacing it with a new regular file, as
    :func:`atomic_write` does any other output, would destroy it (a device
    node, ``/dev/null`` itself for root) and leave a pipe's reader waiting.
    """
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):  # missing, a dangling link, a bad name
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _link_target(path):
    """The file that writing to ``path`` must replace.

    ``path`` itself, or for a symbolic link the file it leads to (which may
    not exist yet): renaming a new file over the link would replace the link
    and leave its target as it was.  A link that loops comes back as a link.
    """
    path = Path(path)
    if not path.is_symlink():
        return path
    return Path(os.path.realpath(path))


def _reported_name_max(folder):
    """The longest file name in ``folder``, in bytes, as the system reports
    it, or None when it does not say."""
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, ValueError, OSError):  # no pathconf, or no answer
        return None
    return limit if limit > 0 else None  # -1: no fixed limit


def _name_max(folder):
    limit = _reported_name_max(folder)
    return _DEFAULT_NAME_MAX if limit is None else limit


def _hidden_name(name, kind, limit):
    """``.NAME.XXXXXXXX.KIND``, with NAME cut short to fit ``limit`` bytes.

    A name that fits the file system leaves no room for the dot and suffix
    added here, so the borrowed part is shortened (whole characters, as
    encoded on disk); the random part keeps the names distinct.
    """
    tail = f".{secrets.token_hex(4)}.{kind}"
    room = limit - 1 - len(tail)
    while name and len(os.fsencode(name)) > room:
        name = name[:-1]
    return f".{name}{tail}"


def _create_beside(path, kind):
    """Create a new empty hidden file beside ``path``; return its path and fd."""
    limit = _name_max(path.parent)
    while True:
        temporary = path.parent / _hidden_name(path.name, kind, limit)
        try:
            # 0o666 so that the umask, not the temporary nature, sets the mode.
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        return temporary, fd


def _about_target(exc, path):
    """``exc`` (an OSError) naming ``path``, the file asked for, instead of
    the temporary file it happened on."""
    return OSError(exc.errno, exc.strerror or _one_line(exc), os.fspath(path))


def _keep_mode(target, fd):
    """Give the new file (open as ``fd``) the permissions of the file it
    replaces, so that rewriting a private output does not widen them."""
    try:
        mode = os.stat(target).st_mode
    except OSError:  # nothing to replace (or nothing we may look at)
        return
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode & 0o7777)


@contextlib.contextmanager
def atomic_write(path, *, binary=False):
    """Open a temporary file beside ``path``; move it into place on success.

    A file that is replaced keeps its permission bits.  On any error the
    temporary file is removed and ``path`` is left as it was;
    an ``OSError`` is raised again with ``filename`` set to ``path`` as given
    (not the temporary file's name), keeping its ``errno``.

    A pipe or a device (``/dev/null``, a named pipe) cannot be replaced
    without destroying it: it is opened and written in place, so what was
    written before an error has gone through.

    Parameters
    ----------
    path : str or path-like
        The file to write.  When it is a symbolic link, the file the link
        leads to is written (created if the link dangles) and the link stays.
    binary : bool, default=False
        Open the temporary file in binary mode (else UTF-8 text).

    Yields
    ------
    handle : file object
        The open temporary file (a pipe or a device itself, opened for
        writing).
    """
    # The name as given, for the errors: Path writes a/./s.json as a/s.json.
    given = os.fspath(path)
    path = Path(path)
    if _is_stream(path):
        try:
            handle = (open(path, "wb") if binary else
                      open(path, "w", encoding="utf-8", newline=""))
            with handle:
                yield handle
        except OSError as exc:
            raise _about_target(exc, given) from exc
        return
    target = _link_target(path)
    try:
        temporary, fd = _create_beside(target, "tmp")
    except OSError as exc:
        raise _about_target(exc, given) from exc
    try:
        # Wrapped first, so that whatever fails next closes the descriptor
        # with the handle (an fchmod refused by the file system, say).
        if binary:
            handle = os.fdopen(fd, "wb")
        else:
            handle = os.fdopen(fd, "w", encoding="utf-8", newline="")
        with handle:
            _keep_mode(target, handle.fileno())
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise _about_target(exc, given) from exc
        raise


def _json_id(value):
    return value.item() if isinstance(value, np.generic) else value


def _is_missing_id(value):
    """Whether an id is a missing-value marker: NaN, pandas' NA or NaT, or
    numpy's NaT."""
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, np.datetime64 | np.timedelta64):
        return bool(np.isnat(value))
    # By type name, so that ids holding none of them need no pandas import.
    kind = type(value)
    return (kind.__module__.startswith("pandas.")
            and kind.__name__ in ("NAType", "NaTType"))


def _csv_id(value):
    """An id as its .csv cell: a missing one (None, a polars null, NaN,
    pandas' NA or NaT, numpy's NaT) as the empty cell, which pandas'
    ``to_csv`` writes and ``read_csv`` reads back as missing; str() wrote
    "<NA>", "nan" or "NaT", text that other readers take for an id."""
    plain = (value if isinstance(value, np.datetime64 | np.timedelta64)
             else _json_id(value))
    return "" if plain is None or _is_missing_id(plain) else value


def _json_ids(ids, indices, nulls=None):
    """The selected rows' ids as JSON values, or a ValueError naming the
    first that JSON cannot hold: json.dumps failed with its own message on
    a date or bytes, and wrote NaN or Infinity, which no JSON reader takes.
    ``nulls`` flags the rows whose id is a polars null (None in ``ids``)."""
    values = []
    for row in indices:
        value = ids[row]
        if not isinstance(value, np.datetime64 | np.timedelta64):
            # Their .item() is an int at nanosecond resolution: a date
            # would pass as a count of nanoseconds.
            value = _json_id(value)
        null = nulls is not None and bool(nulls[row])
        if null or _is_missing_id(value):
            value = "null" if null else value
            # Passing the ids as str, the advice below, would write "nan"
            # or "<NA>" as if it were the sample's id.
            raise ValueError(
                "a .json selection lists the ids as JSON strings or numbers, "
                f"but row {int(row)} is selected and its id is missing "
                f"({value}). Give that row an id (fill in the missing ids), or "
                "drop the rows without one from the pool before selecting, or "
                "write .csv, which names each selected row by its row number "
                "beside its id."
            )
        if isinstance(value, float) and not math.isfinite(value):
            problem = f"is {value}"
        elif value is None or isinstance(value, str | int | float):
            values.append(value)
            continue
        else:
            shown = repr(value)
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            problem = f"is a {type(value).__name__} ({shown})"
        raise ValueError(
            f"a .json selection lists the ids as JSON strings or numbers, but "
            f"the id of row {int(row)} {problem}. Pass the ids as str "
            "([str(i) for i in ids]) or write .csv, which writes each id as "
            "str(id)."
        )
    return values


def format_selection(suffix, indices, *, roles=None, pseudo_classes=None,
                     ids=None):
    """A selection as the bytes of an output file of format ``suffix``.

    ``.json``: a list of the selected row numbers in selection order, or of
    their ids when ``ids`` is given.  ``.csv``: one line per selected sample,
    in selection order, with columns ``row, role, pseudo_class`` (and ``id``).
    ``.npy``: the row numbers as int64.

    Parameters
    ----------
    suffix : {".json", ".csv", ".npy"}
        The format, in any case (``".JSON"`` is ``".json"``), as
        :func:`write_selection` reads a file's extension.
    indices : array-like of int, shape (n_selected,)
        Selected pool rows (distinct whole numbers >= 0, below ``len(ids)``
        when ``ids`` is given), in selection order.
    roles : sequence of str or None, default=None
        ``"core"`` or ``"boundary"`` for each selected row: required by
        ``.csv``, unused by ``.json`` and ``.npy``.
    pseudo_classes : array-like of int or None, default=None
        Pseudo-class of each selected row, a whole number >= 0: required by
        ``.csv``, unused by ``.json`` and ``.npy``.
    ids : sequence, pandas or polars Series, or None, default=None
        One id per pool row, by position (a pandas Series' index is
        ignored; a polars null is a missing id, as pandas' NA):
        ``.json`` lists the selected rows' ids instead of their row numbers
        (each a string, a finite number, a bool or None: other ids are
        refused, as JSON has no value for them),
        ``.csv`` adds them as an ``id`` column after ``pseudo_class``, a
        missing id (None, a null, NaN, NA or NaT) as the empty cell, and
        ``.npy``, which holds row numbers only, leaves them out.

    Returns
    -------
    content : bytes
        The whole file (UTF-8 text for ``.json`` and ``.csv``).

    Raises
    ------
    TypeError
        When ``.csv`` is given no ``roles`` or no ``pseudo_classes``, or
        ``indices`` are not whole numbers.
    ValueError
        When the selection is not as described above, or ``suffix`` is not
        an output format.

    Examples
    --------
    >>> from sklearn_bilaf.io import format_selection
    >>> format_selection(".json", [4, 1])
    b'[4, 1]\\n'
    >>> print(format_selection(".csv", [4, 1], roles=["core", "boundary"],
    ...                        pseudo_classes=[0, 1]).decode(), end="")
    row,role,pseudo_class
    4,core,0
    1,boundary,1
    """
    from .base import require_whole_numbers

    if isinstance(suffix, str):
        # As write_selection reads a file's extension: "s.JSON" is JSON.
        suffix = suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        # Before the selection's checks: with bad indices beside, those were
        # told first, and fixing them still left the format refused.
        raise ValueError(
            f"unknown output format {suffix!r}; use {', '.join(OUTPUT_SUFFIXES)}"
        )
    if ids is not None and hasattr(ids, "iloc") and getattr(ids, "ndim", 1) == 1:
        # A Series looks ids[row] up by index label, which after a sort or
        # a filter is another row's: the ids are one per row, by position.
        # A pandas dtype's own array, not to_numpy(): that turns integer
        # ids with a missing one (Int64) into floats, 12 into 12.0.
        ids = ids.to_numpy() if isinstance(ids.dtype, np.dtype) else ids.array
    nulls = None
    if (ids is not None and type(ids).__name__ == "Series"
            and getattr(type(ids), "__module__", "").startswith("polars.")):
        # polars' Series takes no numpy integer as a position.  Its values as
        # Python objects (to_numpy turns integer ids beside a null into
        # floats, 12 into 12.0); its nulls, polars' missing values, are
        # refused in .json as pandas' NA is (a None in a list is an id).
        nulls = ids.is_null().to_numpy()
        ids = ids.to_list()
    # Checked, not cast: a cast would truncate 1.7 to row 1 and read a
    # boolean mask as rows 0 and 1.
    # Not clipped: a uint64 row past int64's range was written as 2**63 - 1.
    indices = require_whole_numbers(
        indices, "indices must be whole row numbers", clip=False).astype(np.int64)
    if indices.ndim != 1:
        # .json and .npy wrote a nested list or a bare number, which no
        # reader takes for a selection; .csv failed in numpy.
        raise ValueError(
            "indices must be a 1-D array of row numbers, in selection order; "
            f"got shape {indices.shape}."
        )
    if ids is None and indices.size and indices.min() < 0:
        # Written as is: a row that no pool has.
        raise ValueError(
            "indices must be row numbers >= 0; got "
            f"{indices[indices < 0][:5].tolist()}."
        )
    if ids is not None and indices.size and (
            indices.min() < 0 or indices.max() >= len(ids)):
        # A negative row would silently take an id from the end.
        raise ValueError(
            f"indices must be rows of the {counted(len(ids), 'id')}, in "
            f"[0, {len(ids) - 1}]; "
            f"got {indices[(indices < 0) | (indices >= len(ids))][:5].tolist()}."
        )
    ordered = np.sort(indices)
    repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    if repeated.size:
        # No sampler selects a row twice: repeats come from the caller, and a
        # label file listing a sample twice would spend budget on it twice.
        raise ValueError(
            "indices must be distinct rows, each selected once; repeated: "
            f"{repeated[:5].tolist()}."
        )
    if suffix == ".npy":
        buffer = io.BytesIO()
        np.save(buffer, indices, allow_pickle=False)
        return buffer.getvalue()
    if suffix == ".json":
        payload = (indices.tolist() if ids is None
                   else _json_ids(ids, indices, nulls))
        return (json.dumps(payload) + "\n").encode("utf-8")
    if suffix == ".csv":
        expected = (".csv needs roles and pseudo_classes, one per selected row "
                    f"({indices.size})")
        for name, values, each in (
                ("roles", roles, "'core' or 'boundary' for"),
                ("pseudo_classes", pseudo_classes, "the pseudo-class of")):
            if values is None:
                # None is also the default: .json and .npy need neither.
                raise TypeError(
                    f"{expected}; got {name}=None: pass {name}=[...], {each} "
                    "each selected row, or write .json or .npy, which need "
                    "neither."
                )
        roles = list(roles)  # by position, as ids: not by a Series' labels
        if not len(roles) == len(pseudo_classes) == indices.size:
            raise ValueError(f"{expected}; got {len(roles)} roles and "
                             f"{len(pseudo_classes)} pseudo_classes.")
        unknown = [r for r in roles
                   if not (isinstance(r, str) and r in ("core", "boundary"))]
        if unknown:
            raise ValueError(
                "roles must be 'core' or 'boundary', one per selected row; got "
                f"{', '.join(map(repr, unknown[:5]))}."
            )
        # Checked, not cast: int() truncated a class 0.5 to 0.
        classes = require_whole_numbers(
            pseudo_classes, "pseudo_classes must be whole class numbers",
            clip=False)
        if classes.size and classes.min() < 0:
            raise ValueError(
                "pseudo_classes must be class numbers >= 0; got "
                f"{classes[classes < 0][:5].tolist()}."
            )
        pseudo_classes = classes
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(["row", "role", "pseudo_class"]
                        + ([] if ids is None else ["id"]))
        for position, row in enumerate(indices):
            line = [int(row), roles[position], int(pseudo_classes[position])]
            if ids is not None:
                line.append(_csv_id(ids[row]))
            writer.writerow(line)
        return text.getvalue().encode("utf-8")


def write_selection(path, indices, *, roles=None, pseudo_classes=None,
                    ids=None, output_format=None):
    """Write a selection in the format given by the extension of ``path``.

    The formats are those of :func:`format_selection`.  The file is written
    whole or not at all (see :func:`atomic_write`); a pipe or a device is
    written in place.

    Parameters
    ----------
    path : str or path-like
        The output file; its extension gives the format.  A name ending
        with a separator, ``.`` or ``..`` names a folder and is refused.
    indices : array-like of int, shape (n_selected,)
        Selected pool rows (distinct whole numbers >= 0, below ``len(ids)``
        when ``ids`` is given), in selection order.
    roles, pseudo_classes : sequence of str, array-like of int, or None, \
default=None
        Each selected row's role (``"core"`` or ``"boundary"``) and
        pseudo-class, as :func:`format_selection` takes them: required by
        ``.csv`` only.
    ids : sequence, pandas or polars Series, or None, default=None
        One id per pool row, taken by position, placed as in
        :func:`format_selection`: in place of the row numbers in ``.json``
        (strings, finite numbers, bools or None), as an ``id`` column in
        ``.csv``, and not at all in ``.npy``.  In ``.csv`` a missing id
        (None, a polars null, NaN, pandas' NA or NaT) is the empty cell, as
        pandas' ``to_csv`` writes it: ``pandas.read_csv`` reads it back as
        missing (NaN).
    output_format : {"json", "csv", "npy"} or None, default=None
        The format, in any case (``"JSON"`` is ``"json"``), as the extension
        is read, whatever the extension (for ``/dev/null`` or a pipe, say);
        None takes it from the extension.

    Raises
    ------
    InputError
        When ``path`` names a folder, has no output format, or is in a
        folder that does not exist; the message names ``path`` as given and
        says what to change.
    TypeError
        When ``.csv`` is given no ``roles`` or no ``pseudo_classes``.
    ValueError
        When the selection is not as described above (see
        :func:`format_selection`).
    """
    # The name as given, for the messages (Path writes ./o.xml as o.xml).
    text = os.fspath(path)
    problem = _output_folder_problem(text)
    if problem is not None:
        # Whatever the format: Path("s.json/.") is s.json, which was
        # replaced, and "./o/." was told "unknown output format".
        raise InputError(problem)
    path = Path(path)
    formats = [suffix.lstrip(".") for suffix in OUTPUT_SUFFIXES]
    given = output_format
    if isinstance(output_format, str):
        # As an extension and format_selection's suffix are read: "JSON" was
        # refused while "s.JSON" wrote JSON.
        output_format = output_format.lower()
    if output_format is not None and output_format not in formats:
        # Not the file name's fault; and format_selection's ".json" is
        # spelled without the dot here.
        raise InputError(
            f"output_format={given!r} is not an output format; pass "
            f"{', '.join(map(repr, formats[:-1]))} or {formats[-1]!r} (no dot), "
            f"or None to take the format from the extension of {path.name}"
        )
    suffix = suffix_of(path) if output_format is None else f".{output_format}"
    bare = _only_an_extension(path)
    if output_format is None and bare is not None:
        raise InputError(_only_an_extension_message(text, bare))
    if suffix not in OUTPUT_SUFFIXES:
        # Only a name's extension gets here: output_format was checked.
        hint = _compress_through_a_pipe(text, suffix, ids is not None)
        raise InputError(
            f"{_output_source(text)}: unknown output format "
            f"{suffix or '(no extension)'!r}; use {', '.join(OUTPUT_SUFFIXES)}"
            f"{hint}"
        )
    if not _COMMAND_LINE.get() and not _is_stream(path):
        # atomic_write's FileNotFoundError said neither which folder is
        # missing nor what to do.  (The command checked before the work,
        # and tells a folder removed since as a write that failed.)
        problem = _missing_folder_problem(text, path, _link_target(path))
        if problem is not None:
            raise InputError(problem)
    content = format_selection(suffix, indices, roles=roles,
                               pseudo_classes=pseudo_classes, ids=ids)
    # The name as typed, which the OSError of a failed write gives.
    with atomic_write(text, binary=True) as handle:
        handle.write(content)
