"""The peak memory of this process, as the benchmark scripts record it.

Shared by ``bench_scale.py`` and ``bench_engine.py``.
"""

import resource
import sys


def peak_rss_mib():
    """Peak resident set size of this process, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # getrusage(2) gives ru_maxrss in bytes on macOS, in KiB on Linux and
    # the BSDs: read as KiB there, a peak of 3 MiB was 3 GiB.
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)
