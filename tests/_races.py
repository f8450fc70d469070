"""A write another run is in the middle of, for the benchmark scripts'
locking tests."""

import os
import threading
import time

import pytest


def race_a_half_written_run(path, theirs, ours, *args, head=10):
    """Another run holds ``path``'s lock with the first ``head`` bytes of
    ``theirs`` written while ``ours(*args)`` runs in a thread; then it
    writes the rest and lets go."""
    fcntl = pytest.importorskip("fcntl")
    half_written, release = threading.Event(), threading.Event()

    def other_run():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, theirs[:head])
            half_written.set()
            release.wait(10)
            os.write(fd, theirs[head:])
        finally:
            os.close(fd)  # and its lock

    other = threading.Thread(target=other_run)
    other.start()
    assert half_written.wait(10)
    mine = threading.Thread(target=ours, args=args)
    mine.start()
    # Long enough for ``ours`` to reach the lock (or, unlocked, to read
    # the half-written bytes) before the other run finishes.
    time.sleep(0.5)
    release.set()
    other.join(10)
    mine.join(10)
