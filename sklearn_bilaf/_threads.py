"""One-thread sections for BLAS and OpenMP.

BLAS (OpenBLAS, MKL) can round a product differently on different thread
counts, and scikit-learn's KMeans adds its OpenMP threads' partial sums in the
order the threads finish; the library's selections must depend on neither.  So
the code whose results decide a selection runs its BLAS (and, for KMeans,
OpenMP) on one thread, in every thread that does such work: the calling thread
holds the limit around a parallel section, and each task takes it again in its
own thread.  That covers both kinds of thread pools threadpoolctl knows: a
process-wide pool (OpenBLAS with pthreads, numpy's wheels), held jointly by
all sections open at the same time, whatever their thread (the first in limits
it, the last out restores it), and per-thread limits (OpenMP, and BLAS built
on OpenMP), which each thread must set for itself.  The k-means-based core
selectors run scikit-learn's k-means on at most two OpenMP threads instead
(``kmeans_openmp_threads``): repeatable from run to run, and what they gave
on two-core machines before the limit.
"""

import os
import threading
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar

from threadpoolctl import ThreadpoolController

_BLAS_CONTROLLER = []
# The shared one-thread hold on process-wide BLAS pools: how many sections
# (in any thread) are inside it, and the limits it found (per library).
_HELD = [0]
_HELD_ORIGINAL = [None]
_HELD_LOCK = threading.Lock()


def _unlock_in_forked_child():
    # A process forked while another thread held the lock (joblib's
    # "multiprocessing" backend, or a stage that forks) would inherit it
    # locked, with no thread left to release it: its first section would
    # wait forever.  The count stays: a section the forking thread holds is
    # still open in the child and closes there.
    global _HELD_LOCK
    _HELD_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_unlock_in_forked_child)


def _controller(user_api):
    # The BLAS libraries are loaded with numpy and scipy, before any section
    # runs, so one controller serves the process (creating one costs ~2 ms,
    # too much per task); it holds the BLAS libraries only, so that limiting
    # and restoring never touch the OpenMP runtime's per-thread setting.  The
    # OpenMP runtime may be loaded later (with scikit-learn's compiled
    # k-means): look it up afresh.
    if user_api != "blas":
        return ThreadpoolController()
    if not _BLAS_CONTROLLER:
        _BLAS_CONTROLLER.append(ThreadpoolController().select(user_api="blas"))
    return _BLAS_CONTROLLER[0]


def _blas_libraries():
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


def _release_blas_control():
    # threadpoolctl (3.6 and later) lets only one thread at a time -- the
    # first to set a limit -- resize a process-wide OpenBLAS pool, and
    # silently ignores the others.  The shared hold is opened and closed by
    # whichever thread comes first and last, so it takes control for just
    # those moments.
    try:
        from threadpoolctl import OpenBLASController
    except ImportError:  # older threadpoolctl: any thread may set limits
        return
    clear = getattr(OpenBLASController, "clear_controlling_thread", None)
    if clear is not None:
        clear(force=True)


def _set_blas_threads(libraries, limits):
    """Give each of ``libraries`` its limit from ``limits`` (None: leave it)."""
    _release_blas_control()
    for lib, limit in zip(libraries, limits, strict=True):
        if limit is not None:
            lib.set_num_threads(limit)
    _release_blas_control()


@contextmanager
def _shared_blas_hold():
    """One BLAS thread for a process-wide pool, held by any number of
    sections in any threads: the first to enter sets the limit, the last to
    leave restores it.  (A limit per section would let the first section to
    leave restore the old limit under the feet of another thread's section,
    and the last to leave restore one thread for good.)

    A library found on more than one thread when the hold closes was given
    that limit by another thread while the hold was open (threadpoolctl
    restoring what it found when its own one-thread limit began, before the
    hold): that limit is newer than the one the hold found (the other
    thread's temporary 1), and stays.
    """
    with _HELD_LOCK:
        if _HELD[0] == 0:
            libraries = _blas_libraries()
            _HELD_ORIGINAL[0] = [lib.num_threads for lib in libraries]
            _set_blas_threads(libraries, [1] * len(libraries))
        _HELD[0] += 1
    try:
        yield
    finally:
        with _HELD_LOCK:
            _HELD[0] -= 1
            if _HELD[0] == 0:
                libraries = _blas_libraries()
                original, _HELD_ORIGINAL[0] = _HELD_ORIGINAL[0], None
                _set_blas_threads(libraries, [
                    limit if lib.num_threads == 1 else None
                    for lib, limit in zip(libraries, original, strict=True)])


@contextmanager
def one_thread(*user_apis):
    """Run the block with each of ``user_apis`` ("blas", "openmp") limited
    to one thread, then restore the previous limits.

    A process-wide BLAS pool is held jointly by all sections that are open
    at the same time, in any thread (the last one out restores it); other
    pools (OpenMP, BLAS built on OpenMP) have per-thread limits, which each
    section sets and restores for its own thread.
    """
    with ExitStack() as stack:
        for api in user_apis:
            if api == "blas" and _process_wide_blas():
                stack.enter_context(_shared_blas_hold())
            else:
                stack.enter_context(_controller(api).limit(limits=1, user_api=api))
        yield


#: OpenMP threads scikit-learn's k-means may use in the selectors that run
#: it (KMeansSelector, TypiClustSelector, ProbCoverSelector's purity,
#: ClustererSelector): its Lloyd (and Elkan) iterations add the threads'
#: partial centres under a lock in the order the threads finish, and its
#: inertia sums the threads' partial sums likewise.  Two partial sums add
#: to the same bits in either order, three or more need not: on more than
#: two threads the centres could change in their last bits from one run to
#: the next on the same machine.  Two (not one) keeps the results that one-
#: and two-core machines gave before the limit.
KMEANS_OPENMP_THREADS = 2


@contextmanager
def kmeans_openmp_threads():
    """Run the block with every OpenMP library of this process limited to at
    most ``KMEANS_OPENMP_THREADS`` threads in the calling thread (a lower
    limit, e.g. ``OMP_NUM_THREADS=1``, stays), then restore the previous
    limits.  OpenMP limits are per thread: take it in the thread that fits
    the k-means, after scikit-learn's k-means module has been imported (it
    loads the OpenMP runtime)."""
    changed = []
    try:
        for lib in _controller("openmp").lib_controllers:
            if lib.user_api != "openmp":
                continue
            current = lib.num_threads
            if current is not None and current > KMEANS_OPENMP_THREADS:
                lib.set_num_threads(KMEANS_OPENMP_THREADS)
                changed.append((lib, current))
        yield
    finally:
        for lib, current in reversed(changed):
            lib.set_num_threads(current)


@contextmanager
def one_blas_thread_in_task():
    """``one_thread("blas")`` for a task that may run in a worker thread or
    process.  Inside a section already open in this process on a
    process-wide pool, it only counts itself in (a few microseconds)."""
    with one_thread("blas"):
        yield


#: Worker threads a single pseudo-class's products may use: set by the
#: sampler for a class that would otherwise keep one worker busy while the
#: others wait (a single task, or one with more than a worker's share of
#: the work), so that it still uses the cores.  The products are split into
#: fixed row panels, each computed on one BLAS thread, so the result is the
#: same bits for any number of workers.
CLASS_THREADS = ContextVar("sklearn_bilaf_class_threads", default=1)


def callers_config():
    """A function that gives the thread it is called in the scikit-learn
    configuration (``working_memory``, ``assume_finite``, ...) of the
    thread that calls this one.

    scikit-learn keeps its configuration per thread, and a new thread
    starts from the defaults, not from the ``sklearn.config_context`` (or
    ``set_config``) of the thread that started it; ``contextvars`` do not
    carry it either.  Pass the function as the ``initializer`` of a thread
    pool made for the call (``ThreadPoolExecutor(initializer=...)``), or
    call it as a thread's work begins: once per thread, and nothing to
    restore, as the threads end with the call.
    """
    from sklearn import get_config, set_config

    config = get_config()

    def apply():
        set_config(**config)

    return apply


def map_blocks(func, items, n_threads):
    """``func`` over ``items`` on up to ``n_threads`` worker threads (in this
    thread when 1), each call on one BLAS thread and under this thread's
    scikit-learn configuration; ``func`` must write its own, disjoint
    results."""
    if n_threads <= 1 or len(items) <= 1:
        for item in items:
            func(item)
        return
    from concurrent.futures import ThreadPoolExecutor

    def on_one_blas_thread(item):
        with one_blas_thread_in_task():
            func(item)

    with one_thread("blas"), ThreadPoolExecutor(
            min(n_threads, len(items)), initializer=callers_config()) as pool:
        for _ in pool.map(on_one_blas_thread, items):
            pass


def joblib_runs_threads():
    """Whether ``joblib.Parallel(prefer="threads")`` would run its tasks in
    threads of this process: true unless the caller chose another backend
    (processes, dask, ...) with ``joblib.parallel_config``."""
    try:
        from joblib.parallel import ThreadingBackend, get_active_backend

        backend, _ = get_active_backend(prefer="threads")
    except Exception:  # a joblib without these: leave everything to it
        return False
    return type(backend) is ThreadingBackend


def run_in_threads(run, items, n_threads, back_from=0):
    """``[run(item) for item in items]``, on ``n_threads`` threads started
    for the call.

    Items are taken as threads become free, from both ends of the list: the
    first thread (and every other one) from the front, the others from the
    back, but only items from ``back_from`` on (before that, from the front
    too).  With items ordered largest first and the small ones from
    ``back_from`` on, the first thread works through the large items
    (mostly BLAS and compiled kernels, which release the GIL) while the
    second works through the small ones (whose Python steps hold it): they
    contend for the GIL far less than if both ran small items at the end.
    Large items are taken largest first by every thread, which balances
    them best.  Unlike joblib's
    threading backend, whose caller polls for results every 10 ms (a
    noticeable share of a selection that takes a few tenths of a second),
    the caller wakes as soon as the last item is done.  Threads run in a
    copy of the caller's context (its ``ContextVar`` values) and under its
    scikit-learn configuration (see :func:`callers_config`).  If ``run``
    raises, no item after the failed one (in list order) is started, but
    the items before it still run, and the error of the earliest failed
    item is raised: the error a run in list order (one thread) raises,
    whatever the number of threads.  If the caller is interrupted while it
    waits (Ctrl-C: ``KeyboardInterrupt`` in the main thread), no new item is
    started either: the threads finish the items they are running, and the
    interruption is raised once they have stopped.
    """
    import contextvars

    items = list(items)
    results = [None] * len(items)
    errors = {}
    lock = threading.Lock()
    # Signalled by each thread as it exits.  The caller waits on it, not
    # with Thread.join: a join interrupted by Ctrl-C can mark a running
    # thread as stopped (CPython 3.11-3.12), after which joining it again
    # returns at once.
    exited = threading.Condition(lock)
    n_exited = [0]
    bounds = [0, len(items)]  # the next item from the front; one past the back
    apply_config = callers_config()

    def work(from_back):
        try:
            apply_config()
            while True:
                with lock:
                    if bounds[0] == bounds[1]:
                        return
                    if from_back and bounds[1] > max(back_from, bounds[0]):
                        bounds[1] -= 1
                        i = bounds[1]
                    else:
                        i = bounds[0]
                        bounds[0] += 1
                try:
                    results[i] = run(items[i])
                except BaseException as error:  # re-raised in the caller
                    with lock:
                        errors[i] = error
                        # Items after it need not run; those before it must,
                        # in case one of them fails too (its error is the one
                        # to raise, whichever thread runs it when).
                        bounds[1] = max(bounds[0], min(bounds[1], i))
        finally:
            with exited:
                n_exited[0] += 1
                exited.notify_all()

    threads = [threading.Thread(target=contextvars.copy_context().run,
                                args=(work, t % 2 == 1), daemon=True)
               for t in range(max(1, min(n_threads, len(items))))]
    n_started = 0
    try:
        for thread in threads:
            try:
                thread.start()
            except RuntimeError:  # no thread could be started: none runs
                raise
            except BaseException:  # interrupted once the thread runs
                n_started += 1
                raise
            n_started += 1
        with exited:
            exited.wait_for(lambda: n_exited[0] == n_started)
        for thread in threads:
            thread.join()  # (they have left work: a moment)
    except BaseException:
        # Interrupted (or out of threads): the threads that run must not go
        # on through the remaining items in the background (minutes of
        # work on a large pool); they finish their current item.
        with exited:
            bounds[0] = bounds[1]
            exited.wait_for(lambda: n_exited[0] == n_started)
        for thread in threads[:n_started]:
            thread.join()
        raise
    if errors:
        raise errors[min(errors)]
    return results
