"""SIGTERM as ``SystemExit(143)`` while a benchmark script's ``main`` runs.

Shared by the benchmark scripts.  SIGTERM's default action (``kill``, a
batch system's time limit) ends the process at once, leaving behind what
``finally`` clauses would have removed: the temporary files of atomic
writes, cache locks, ``bench_scale.py``'s temporary pool (up to 2 GB).
Raised as ``SystemExit(128 + 15)``, as Ctrl-C raises KeyboardInterrupt, the
clean-up runs and the status is the shell's usual 143.
"""

import contextlib
import functools
import signal
import threading


@contextlib.contextmanager
def _sigterm_as_exit():
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGTERM) == signal.SIG_IGN):
        # Signal handlers can only be set from the main thread; and a
        # SIGTERM the caller ignores (trap '' TERM) must not stop the run.
        yield
        return

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM,
                      signal.SIG_DFL if previous is None else previous)


def exits_on_sigterm(function):
    """Decorate a ``main``: SIGTERM raises ``SystemExit(143)`` while it runs
    (only then: the handler before it is restored after)."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with _sigterm_as_exit():
            return function(*args, **kwargs)
    return wrapper
