"""A quiet end when the reader of a benchmark script's output leaves early,
and a "±" that standard output can take, whatever its encoding.

Shared by the benchmark scripts.  ``quality_ideas.py --summary | head -3``:
once ``head`` has its lines and exits, the next write to the pipe fails with
``BrokenPipeError`` (Python ignores SIGPIPE), which ended the script with a
traceback about nothing the user did wrong.
"""

import os
import sys


def exit_status(main):
    """Run ``main()`` and return its exit status; 1, with nothing printed,
    when the reader of standard output has gone.

    Python's documentation (the signal module's "Note on SIGPIPE") gives
    this idiom and status 1, the status Python itself exits with on EPIPE.
    """
    try:
        status = main()
        # Flushed here, where the error can be caught: at exit, it would be
        # reported as an "Exception ignored" message and status 120.
        sys.stdout.flush()
    except BrokenPipeError:
        # Python flushes standard output again on exit: pointed at devnull,
        # what is left in its buffer goes nowhere, quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return status


def plus_minus(stream=None):
    """"±", or "+/-" where the encoding of ``stream`` (standard output by
    default) has no "±": under an ASCII locale without Python's UTF-8 mode,
    printing "±" raised ``UnicodeEncodeError``."""
    stream = sys.stdout if stream is None else stream
    try:
        "±".encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return "+/-"
    return "±"
