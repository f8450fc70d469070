"""One-thread sections for BLAS and OpenMP.

BLAS (OpenBLAS, MKL) can round a product differently on different thread
counts, and scikit-learn's KMeans adds its OpenMP threads' partial sums in an
order that depends on their number; the library's selections must depend on
neither.  So the code whose results decide a selection runs its BLAS (and,
for KMeans, OpenMP) on one thread, in every thread that does such work: the
calling thread holds the limit around a parallel section, and each task
takes it again in its own thread.  That covers both kinds of thread pools
threadpoolctl knows: a process-wide pool (OpenBLAS with pthreads, numpy's
wheels), which only the calling thread may resize, and per-thread limits
(OpenMP, and BLAS built on OpenMP), which each thread must set for itself.
"""

import threading
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar

from threadpoolctl import ThreadpoolController

_BLAS_CONTROLLER = []
# One-thread BLAS sections running in this process (any thread).
_HELD = [0]
_HELD_LOCK = threading.Lock()


def _controller(user_api):
    # The BLAS libraries are loaded with numpy and scipy, before any section
    # runs, so one controller serves the process (creating one costs ~2 ms,
    # too much per task).  The OpenMP runtime may be loaded later (with
    # scikit-learn's compiled k-means): look it up afresh.
    if user_api != "blas":
        return ThreadpoolController()
    if not _BLAS_CONTROLLER:
        _BLAS_CONTROLLER.append(ThreadpoolController())
    return _BLAS_CONTROLLER[0]


def _blas_libraries():
    # The controller also lists the OpenMP runtime when it was loaded
    # first (scikit-learn's compiled code): only the BLAS libraries count.
    return [lib for lib in _controller("blas").lib_controllers
            if lib.user_api == "blas"]


def blas_threads():
    """Threads available to this process for BLAS-level work: the current
    BLAS limit (so a caller that restricted BLAS, e.g. a joblib worker, is
    not oversubscribed), at most the CPU count."""
    from joblib import cpu_count

    limits = [lib.num_threads for lib in _blas_libraries()]
    n_threads = min(limits) if limits else 1
    return max(1, min(int(n_threads), cpu_count()))


def _process_wide_blas():
    """Whether every BLAS library here has one thread pool for the process
    (OpenBLAS or BLIS with pthreads) or none (sequential builds)."""
    layers = [getattr(lib, "threading_layer", None) for lib in _blas_libraries()]
    return all(layer in ("pthreads", "sequential") for layer in layers)


@contextmanager
def one_thread(*user_apis):
    """Run the block with each of ``user_apis`` ("blas", "openmp") limited
    to one thread, then restore the previous limits."""
    with ExitStack() as stack:
        for api in user_apis:
            stack.enter_context(_controller(api).limit(limits=1, user_api=api))
        if "blas" in user_apis:
            with _HELD_LOCK:
                _HELD[0] += 1
        try:
            yield
        finally:
            if "blas" in user_apis:
                with _HELD_LOCK:
                    _HELD[0] -= 1


@contextmanager
def one_blas_thread_in_task():
    """``one_thread("blas")`` for a task that may run in a worker thread or
    process: a no-op (about 70 us saved per task) when another thread of
    this process holds the limit on a process-wide pool, which then already
    covers the task."""
    if _HELD[0] > 0 and _process_wide_blas():
        yield
    else:
        with one_thread("blas"):
            yield


#: Worker threads a single pseudo-class's products may use: set by the
#: sampler while it processes the classes one at a time (``n_jobs`` of 1), so
#: that large classes still use the cores.  The products are split into
#: fixed row blocks, each computed on one BLAS thread, so the result is the
#: same bits for any number of workers.
CLASS_THREADS = ContextVar("sklearn_bilaf_class_threads", default=1)


def map_blocks(func, items, n_threads):
    """``func`` over ``items`` on up to ``n_threads`` worker threads (in this
    thread when 1), each call on one BLAS thread; ``func`` must write its
    own, disjoint results."""
    if n_threads <= 1 or len(items) <= 1:
        for item in items:
            func(item)
        return
    from concurrent.futures import ThreadPoolExecutor

    def on_one_blas_thread(item):
        with one_blas_thread_in_task():
            func(item)

    with one_thread("blas"), ThreadPoolExecutor(min(n_threads, len(items))) as pool:
        for _ in pool.map(on_one_blas_thread, items):
            pass
