"""Memory measurement shared by the tests."""

import tracemalloc


def traced_peak(call):
    """call()'s result and the peak of the memory traced while it ran
    (numpy's allocations included)."""
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
