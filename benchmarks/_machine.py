"""What the benchmark scripts read of the machine they run on.

Shared by ``quality.py`` (the machine recorded with each row) and
``bench_engine.py`` (its header's CPU and BLAS-kernel note).
"""

from pathlib import Path


def read_cpuinfo():
    """The text of /proc/cpuinfo, as UTF-8 whatever the locale's encoding
    (a CPU model's "®" raised UnicodeDecodeError under an ASCII locale);
    a byte that is not UTF-8 is replaced.  OSError where there is none."""
    return Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
