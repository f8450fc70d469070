"""Reading the pool records written beside a results file.

Shared by ``quality.py``, which writes them (``<stem>_pools.jsonl``), and
``quality_more_seeds.py``, which compares them without importing the
library.
"""

import json
import os

try:
    import fcntl
except ImportError:  # Windows: nothing is locked, one run per results file
    fcntl = None


def read_locked(path, fd=None):
    """The bytes of a file that runs append to under its exclusive advisory
    lock (``quality.locked``); None when it does not exist.

    Read under a shared lock, so that a last line without its newline is
    one cut short by a killed run, never one another run is still writing.
    A writer reading the file under its own exclusive lock passes the
    descriptor it holds that lock on, ``fd``, read from its start: a shared
    lock taken on another descriptor of the file would wait for that
    exclusive lock, the writer's own, for ever.  The file is opened for
    reading only, so that one that cannot be written (published records)
    is read, and a missing one is not created.
    """
    if fd is not None:
        os.lseek(fd, 0, os.SEEK_SET)  # writes still go to the end (O_APPEND)
        return _read_all(fd)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        return None
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH)
            except OSError:
                pass  # a file system without locks: read as it stands
        return _read_all(fd)
    finally:
        os.close(fd)  # which releases the lock


def _read_all(fd):
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


class PoolsFileError(ValueError):
    """A pools file that cannot be read, or holds a line that is not a pool
    record (nor one cut short by a killed run)."""


#: What a pools file holds, for the messages.
_LAYOUT = "one JSON object a line, as the benchmark scripts write them"


def read_pools(path, fd=None):
    """The records of a pools file, by dataset: the first of each (a line
    cut short by a killed run, or a record without a dataset, is left out);
    none when the file is missing.  Read under the file's lock
    (:func:`read_locked`; ``fd``, the descriptor of a writer that holds
    it).

    Raises :class:`PoolsFileError`, naming the file and the problem, for a
    file that cannot be read, is not UTF-8 text or holds a line that is not
    a record: taken for "no pool recorded", the rows beside it would be
    resumed without their pool checked.
    """
    try:
        data = read_locked(path, fd) or b""
    except OSError as exc:
        raise PoolsFileError(
            f"the pools file {path} cannot be read "
            f"({exc.strerror or type(exc).__name__})") from None
    try:
        text = data.decode()
    except UnicodeDecodeError as exc:
        raise PoolsFileError(
            f"the pools file {path} is not UTF-8 text (byte {exc.start} is "
            f"{data[exc.start]:#04x}); it should hold {_LAYOUT}") from None
    pools = {}
    for number, line in enumerate(text.splitlines(), 1):
        try:
            record = json.loads(line)
        except ValueError:
            # A record's start (or nothing), cut short by a killed run, is
            # left out; anything else was never written by a run.
            if not line.strip() or line.lstrip().startswith("{"):
                continue
            record = None
        if not isinstance(record, dict) or not isinstance(
                record.get("dataset", ""), str):
            raise PoolsFileError(
                f"line {number} of the pools file {path} is not a pool "
                f"record: {line[:40]!r}; it should hold {_LAYOUT}")
        if "dataset" in record:
            pools.setdefault(record["dataset"], record)
    return pools


def pool_text(record):
    """A pool record in words, for messages."""
    text = (f"{record.get('rows')} rows, {record.get('test_rows')} test rows, "
            f"digest {str(record.get('digest'))[:12]}")
    if "val_seed" in record:
        text += f", validation split seed {record['val_seed']}"
    return text
