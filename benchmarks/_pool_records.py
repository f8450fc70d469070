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


def read_pools(path, fd=None):
    """The records of a pools file, by dataset: the first of each (a line
    cut short by a killed run is left out); none when the file is missing
    or unreadable.  Read under the file's lock (:func:`read_locked`; ``fd``,
    the descriptor of a writer that holds it)."""
    pools = {}
    try:
        lines = (read_locked(path, fd) or b"").decode().splitlines()
    except (OSError, UnicodeDecodeError):
        return pools
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("dataset"), str):
            pools.setdefault(record["dataset"], record)
    return pools


def pool_text(record):
    """A pool record in words, for messages."""
    text = (f"{record.get('rows')} rows, {record.get('test_rows')} test rows, "
            f"digest {str(record.get('digest'))[:12]}")
    if "val_seed" in record:
        text += f", validation split seed {record['val_seed']}"
    return text
