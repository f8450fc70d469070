"""The per-class stages run on any joblib backend with the same result."""

import os

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_digits

from sklearn_bilaf import BiLAFSampler
from sklearn_bilaf.baselines import ProbCoverSelector
from sklearn_bilaf.boundary import BoundarySelector
from sklearn_bilaf.core import ActiveFTSelector, FarthestPointSelector, RandomSelector
from sklearn_bilaf.denoise import IDCDenoiser, NoDenoiser


def _pool():
    rng = np.random.RandomState(0)
    centres = rng.normal(scale=3, size=(12, 16))
    X = centres[rng.randint(12, size=3000)] + rng.normal(size=(3000, 16))
    return X.astype(np.float32)


def _select(X, **params):
    sampler = BiLAFSampler(150, core_selector=RandomSelector(15), random_state=0,
                           **params)
    return sampler.fit(X).selected_indices_


class _WhereBoundary(BoundarySelector):
    """Appends the process and thread that ran each class's task to a file
    (works in worker processes, where nothing can be recorded in memory)."""

    def __init__(self, penalty=1.1, strategy="iterative", log=None):
        super().__init__(penalty=penalty, strategy=strategy)
        self.log = log

    def select_class(self, pseudo_class, budget):
        import threading

        with open(self.log, "a") as file:
            file.write(f"{os.getpid()} {threading.get_ident()}\n")
        return super().select_class(pseudo_class, budget)


def _where_tasks_ran(log):
    """The (process, thread) pairs a _WhereBoundary recorded, one a class."""
    with open(log) as file:
        return [tuple(int(v) for v in line.split()) for line in file]


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_joblib_backends_give_the_same_selection(backend, tmp_path):
    import threading

    # 128 features: enough work for several batches (four, of one to seven
    # classes), which the workers run; the 16 of _pool make a single batch,
    # which the caller runs, whatever the backend.
    X = np.hstack([_pool()] * 4)
    expected = _select(X)
    log = tmp_path / "where.log"
    with joblib.parallel_backend(backend, n_jobs=2):
        got = _select(X, n_jobs=2, boundary_selector=_WhereBoundary(log=str(log)))
    np.testing.assert_array_equal(got, expected)
    where = _where_tasks_ran(log)
    assert len(where) == 15
    # Every class ran in a worker (a process of the pool, or a thread other
    # than the caller's), none in the caller.
    caller = (os.getpid(), threading.get_ident())
    if backend == "loky":
        assert os.getpid() not in {pid for pid, _ in where}
    else:
        assert caller not in where


class _FailingBoundary(_WhereBoundary):
    """Fails the task of each class in ``fail``, once it has recorded where
    it ran."""

    def __init__(self, penalty=1.1, strategy="iterative", log=None, fail=()):
        super().__init__(penalty=penalty, strategy=strategy, log=log)
        self.fail = fail

    def select_class(self, pseudo_class, budget):
        picks = super().select_class(pseudo_class, budget)
        if pseudo_class.label in self.fail:
            raise ValueError(f"class {pseudo_class.label} refuses its picks")
        return picks


@pytest.mark.slow
def test_dask_cluster_gives_the_same_selection(tmp_path):
    distributed = pytest.importorskip("distributed")
    # Several batches (see test_joblib_backends_give_the_same_selection): a
    # single one would run in the caller, not on the cluster.
    X = np.hstack([_pool()] * 4)
    expected = _select(X)
    log = tmp_path / "where.log"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster):
            with joblib.parallel_backend("dask"):
                got = _select(X, n_jobs=-1,
                              boundary_selector=_WhereBoundary(log=str(log)))
    np.testing.assert_array_equal(got, expected)
    where = _where_tasks_ran(log)
    assert len(where) == 15 and os.getpid() not in {pid for pid, _ in where}


class _RecordingBoundary(BoundarySelector):
    """Records each class's inside distances and the BLAS thread count its
    task ran with (the stage object is shared by the threads of a fit)."""

    seen = {}

    def select_class(self, pseudo_class, budget):
        from threadpoolctl import threadpool_info

        threads = [info["num_threads"] for info in threadpool_info()
                   if info["user_api"] == "blas"]
        self.seen[pseudo_class.label] = (pseudo_class.inside_distance.copy(),
                                         threads)
        return super().select_class(pseudo_class, budget)


def _grid_pool():
    # Distinct rows of a 0.1-spaced grid in 24 dimensions: distances tie
    # exactly in the reals and only rounding orders them, the case where a
    # product rounded differently (OpenBLAS does, for some shapes, on one and
    # on two threads) could change a selection.
    rng = np.random.default_rng(0)
    X = np.unique(rng.integers(0, 4, (3000, 24)) * 0.1, axis=0)[:2900]
    return X[rng.permutation(X.shape[0])]


@pytest.mark.parametrize("n_jobs", [None, 1, 2])
def test_per_class_work_runs_on_one_blas_thread_whatever_n_jobs(n_jobs):
    """The per-class products run on one BLAS thread, whatever n_jobs and
    the caller's thread setting, so that their bits (here the inside
    distances the boundary scores use) cannot depend on either."""
    from threadpoolctl import threadpool_limits

    X = _grid_pool()
    _RecordingBoundary.seen = {}
    with threadpool_limits(limits=1):
        expected = BiLAFSampler(60, core_selector=[0, 1],
                                boundary_selector=_RecordingBoundary()).fit(X)
    reference = dict(_RecordingBoundary.seen)
    # A class large enough that the previous version gave it all BLAS threads.
    assert max(np.bincount(expected.labels_)) >= 1024
    _RecordingBoundary.seen = {}
    with threadpool_limits(limits=2):
        fitted = BiLAFSampler(60, core_selector=[0, 1], n_jobs=n_jobs,
                              boundary_selector=_RecordingBoundary()).fit(X)
    for label, (inside, threads) in _RecordingBoundary.seen.items():
        assert set(threads) == {1}
        np.testing.assert_array_equal(inside, reference[label][0])
    np.testing.assert_array_equal(fitted.selected_indices_,
                                  expected.selected_indices_)


def _blas_threads():
    from threadpoolctl import threadpool_info

    return {info["num_threads"] for info in threadpool_info()
            if info["user_api"] == "blas"}


@pytest.mark.parametrize("stage", ["denoiser", "boundary"])
def test_standalone_stage_fits_run_on_one_blas_thread(monkeypatch, stage):
    """A stage fitted on its own computes as the sampler's per-class tasks do,
    on one BLAS thread, so its results cannot depend on the thread count
    (some BLAS builds round products differently on two threads: on digits
    with a little noise, two boundary scores of 1,797 once differed)."""
    from threadpoolctl import threadpool_limits

    from sklearn_bilaf import pseudo_classes

    # Where each stage does its products: IDC in denoise_class, the boundary
    # scores in the classes' mean inside distances.
    owner, name = ((IDCDenoiser, "denoise_class") if stage == "denoiser" else
                   (pseudo_classes.PseudoClass, "mean_distances"))
    real, seen = getattr(owner, name), []

    def spy(self, *args, **kwargs):
        seen.append(_blas_threads())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(owner, name, spy)
    X, y = load_digits(return_X_y=True)
    X = X + np.random.default_rng(0).normal(scale=0.01, size=X.shape)
    results = []
    for threads in (1, 2):
        with threadpool_limits(limits=threads, user_api="blas"):
            results.append(BoundarySelector().fit(X, y).boundary_scores_
                           if stage == "boundary" else IDCDenoiser().fit(X).ranking_)
    assert len(seen) >= 2 and all(threads == {1} for threads in seen)
    np.testing.assert_array_equal(results[0], results[1])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("make", [
    lambda: FarthestPointSelector(40, random_state=0),
    lambda: FarthestPointSelector(40, metric="cosine", random_state=0),
    lambda: ProbCoverSelector(40, radius=np.sqrt(0.2), random_state=0),
    lambda: ActiveFTSelector(40, max_iter=20, random_state=0),
], ids=["fds", "fds-cosine", "probcover-radius", "activeft"])
def test_core_selectors_do_not_depend_on_the_thread_count(make, dtype):
    """The core selectors that run no k-means (whose OpenMP sums depend on
    the thread count, as the user guide says) pick the same rows on one
    thread and on two, on a pool whose distances tie in the reals and
    exact duplicate rows."""
    from threadpoolctl import threadpool_limits

    X = _grid_pool()[:1500]
    X = np.vstack([X, X[:100]]).astype(dtype)
    picks = []
    for threads in (1, 2):
        with threadpool_limits(limits=threads):
            picks.append(make().fit(X).selected_indices_)
    np.testing.assert_array_equal(picks[0], picks[1])


@pytest.mark.parametrize("api", ["blas", "openmp"])
def test_one_thread_sections_nest_and_restore(api):
    """A one-thread section inside another, and tasks in worker threads
    inside one held by the calling thread (the sampler's pattern), leave the
    limit at one until the outer section ends, then restore the caller's."""
    import threading

    from sklearn.cluster import KMeans  # noqa: F401  (loads the OpenMP runtime)
    from threadpoolctl import threadpool_info, threadpool_limits

    from sklearn_bilaf._threads import one_thread

    def threads():
        return {info["num_threads"] for info in threadpool_info()
                if info["user_api"] == api}

    if not threads():
        pytest.skip(f"no {api} library loaded")
    with threadpool_limits(limits=2, user_api=api):
        before = threads()
        with one_thread(api):
            with one_thread(api):
                assert threads() == {1}
            assert threads() == {1}
            if api == "blas":  # one pool for the process
                seen = []

                def task():
                    with one_thread(api):
                        seen.append(threads())

                worker = threading.Thread(target=task)
                worker.start()
                worker.join()
                assert seen == [{1}] and threads() == {1}
        assert threads() == before


class _OneThreadCheckingBoundary(BoundarySelector):
    """Fails the fit if a class's task runs with more than one BLAS thread
    (works in worker processes, where nothing can be recorded)."""

    def select_class(self, pseudo_class, budget):
        from threadpoolctl import threadpool_info

        threads = {info["num_threads"] for info in threadpool_info()
                   if info["user_api"] == "blas"}
        if threads != {1}:
            raise AssertionError(f"BLAS threads in a per-class task: {threads}")
        return super().select_class(pseudo_class, budget)


class _OneThreadCheckingDenoiser(IDCDenoiser):
    """The denoising stage's counterpart of _OneThreadCheckingBoundary."""

    def rank_class(self, pseudo_class):
        from threadpoolctl import threadpool_info

        threads = {info["num_threads"] for info in threadpool_info()
                   if info["user_api"] == "blas"}
        if threads != {1}:
            raise AssertionError(f"BLAS threads in a per-class task: {threads}")
        return super().rank_class(pseudo_class)


def _blas_limits():
    from threadpoolctl import threadpool_info

    return {info["num_threads"] for info in threadpool_info()
            if info["user_api"] == "blas"}


def _needs_process_wide_blas():
    from sklearn_bilaf import _threads

    if not _blas_limits():
        pytest.skip("no BLAS library loaded")
    if not _threads._process_wide_blas():
        pytest.skip("BLAS with per-thread pools")


def test_sections_in_several_threads_hold_the_process_wide_pool_jointly():
    """Two one-thread sections in two threads (two fits in a threaded grid
    search): the first to leave must not restore the old limit while the
    other is still inside, and the last to leave must restore it."""
    import threading

    from threadpoolctl import threadpool_limits

    from sklearn_bilaf import _threads

    _needs_process_wide_blas()
    a_inside, b_inside, a_left, b_may_leave = (threading.Event() for _ in range(4))
    seen = {}

    def a():
        with _threads.one_blas_thread_in_task():
            a_inside.set()
            b_inside.wait(10)
        a_left.set()

    def b():
        a_inside.wait(10)
        with _threads.one_thread("blas"):
            b_inside.set()
            a_left.wait(10)
            seen["b after a left"] = _blas_limits()
            b_may_leave.wait(10)

    with threadpool_limits(limits=2, user_api="blas"):
        threads = [threading.Thread(target=f) for f in (a, b)]
        for thread in threads:
            thread.start()
        a_left.wait(10)
        b_may_leave.set()
        for thread in threads:
            thread.join(10)
        seen["after both"] = _blas_limits()
    assert seen == {"b after a left": {1}, "after both": {2}}


def test_hold_keeps_a_limit_another_thread_restored_while_it_was_open():
    """Another thread's one-thread limit (scikit-learn's nearest-neighbour
    search or KMeans, say, scoring in a threaded grid search) opened before
    the hold and closed while it was open: it gave the pool its real limit
    back, and the hold, which found that thread's 1, must not restore the 1
    over it when it closes (the process kept one BLAS thread for good)."""
    import threading

    from threadpoolctl import ThreadpoolController

    from sklearn_bilaf import _threads

    _needs_process_wide_blas()
    other_in, hold_in, other_out = (threading.Event() for _ in range(3))

    def other():
        # As scikit-learn limits BLAS: a context of its own, in its thread.
        with ThreadpoolController().limit(limits=1, user_api="blas"):
            other_in.set()
            hold_in.wait(10)
        other_out.set()

    # The process's own setting (no thread keeps control of the pool).
    baseline = ThreadpoolController().limit(limits=2, user_api="blas")
    _threads._release_blas_control()
    try:
        thread = threading.Thread(target=other)
        thread.start()
        other_in.wait(10)
        with _threads.one_thread("blas"):
            hold_in.set()
            other_out.wait(10)
        thread.join(10)
        after = _blas_limits()
    finally:
        baseline.restore_original_limits()
        _threads._release_blas_control()
    assert after == {2}


def test_section_in_a_worker_thread_limits_under_the_callers_own_limits():
    """threadpoolctl lets only one thread resize a process-wide pool; a
    section opened in a worker thread while the main thread holds its own
    threadpool_limits must still get one thread, and give it back."""
    from concurrent.futures import ThreadPoolExecutor

    from threadpoolctl import threadpool_limits

    from sklearn_bilaf import _threads

    _needs_process_wide_blas()

    def task():
        with _threads.one_blas_thread_in_task():
            return _blas_limits()

    with threadpool_limits(limits=2, user_api="blas"):
        with ThreadPoolExecutor(1) as pool:
            inside = pool.submit(task).result()
        after = _blas_limits()
    assert (inside, after) == ({1}, {2})


def test_blas_threads_is_the_smallest_blas_limit_at_most_the_cpu_count(monkeypatch):
    """With two BLAS libraries (numpy's and scipy's OpenBLAS) limited
    differently, the threads available are the lower limit, so that a caller
    who restricted either is not oversubscribed; and never more than the
    CPUs."""
    from types import SimpleNamespace

    from sklearn_bilaf import _threads

    libs = [SimpleNamespace(user_api="blas", threading_layer="pthreads",
                            num_threads=4),
            SimpleNamespace(user_api="blas", threading_layer="pthreads",
                            num_threads=3)]
    monkeypatch.setattr(_threads, "_controller",
                        lambda api: SimpleNamespace(lib_controllers=libs))
    monkeypatch.setattr("joblib.cpu_count", lambda: 8)
    assert _threads.blas_threads() == 3
    libs[0].num_threads = libs[1].num_threads = 16
    assert _threads.blas_threads() == 8


def test_blas_pool_kind_and_size_ignore_the_openmp_runtime(monkeypatch):
    """scikit-learn loads an OpenMP runtime beside the BLAS: its (per-thread)
    pool must not make the BLAS pools look per-thread, which would make
    every per-class task set and restore the BLAS limit again (~0.1 ms
    each), nor cap the BLAS thread count."""
    from types import SimpleNamespace

    from sklearn_bilaf import _threads

    libs = [SimpleNamespace(user_api="blas", threading_layer="pthreads",
                            num_threads=2),
            SimpleNamespace(user_api="openmp", num_threads=1),
            SimpleNamespace(user_api="blas", threading_layer="pthreads",
                            num_threads=2)]
    monkeypatch.setattr(_threads, "_controller",
                        lambda api: SimpleNamespace(lib_controllers=libs))
    monkeypatch.setattr("joblib.cpu_count", lambda: 8)
    assert _threads._process_wide_blas()
    assert _threads.blas_threads() == 2
    libs[2].threading_layer = "openmp"
    assert not _threads._process_wide_blas()


def _record_block_threads(monkeypatch):
    """The thread count of every map_blocks call, in a list."""
    from sklearn_bilaf import _threads

    calls = []
    real = _threads.map_blocks

    def spy(func, items, n_threads):
        calls.append(n_threads)
        return real(func, items, n_threads)

    monkeypatch.setattr(_threads, "map_blocks", spy)
    return calls


def test_map_blocks_takes_the_one_thread_limit_again_in_each_worker(monkeypatch):
    """Each of map_blocks' worker threads runs its calls inside a one-BLAS-
    thread section of its own: the caller's section covers a process-wide
    pool only, and per-thread pools (BLAS built on OpenMP) must be limited
    in the thread that computes."""
    import threading
    from contextlib import contextmanager

    from sklearn_bilaf import _threads

    state = threading.local()
    real = _threads.one_blas_thread_in_task

    @contextmanager
    def counted():
        state.depth = getattr(state, "depth", 0) + 1
        try:
            with real():
                yield
        finally:
            state.depth -= 1

    monkeypatch.setattr(_threads, "one_blas_thread_in_task", counted)
    seen = {}

    def task(item):
        seen[item] = (threading.get_ident(), getattr(state, "depth", 0))

    _threads.map_blocks(task, list(range(8)), 3)
    assert sorted(seen) == list(range(8))
    assert all(depth == 1 for _, depth in seen.values())
    assert threading.get_ident() not in {ident for ident, _ in seen.values()}


def test_large_class_gram_blocks_on_worker_threads_are_the_same_bits(monkeypatch):
    """One class at a time, a large class's Gram panels (each on one
    BLAS thread) and the tiles of the pass that finishes them go to worker
    threads: the distances must be the same bits as on one thread."""
    from sklearn_bilaf import _distances, _threads

    rng = np.random.default_rng(3)
    Y = rng.standard_normal((1100, 40)) + 5.0
    assert Y.shape[0] > _distances.GRAM_PANEL_ROWS  # two panels
    used = _record_block_threads(monkeypatch)
    # The reference on one BLAS thread, as the sampler runs its classes: some
    # BLAS builds (numpy 1.25's OpenBLAS 0.3.23 here) round a product
    # differently on two threads.
    with _threads.one_thread("blas"):
        expected = _distances.within_distances(Y, Y[0], "euclidean")
        expected_small = _distances.within_distances(Y[:300], Y[0], "euclidean")
    token = _threads.CLASS_THREADS.set(3)
    try:
        with _threads.one_thread("blas"):
            got = _distances.within_distances(Y, Y[0], "euclidean")
            small = _distances.within_distances(Y[:300], Y[0], "euclidean")
    finally:
        _threads.CLASS_THREADS.reset(token)
    # The references on the caller, then the large class's products and
    # finishing passes on 3 threads; small classes stay on the caller.
    assert used == [1, 1, 1, 1, 3, 3, 1, 1]
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(small, expected_small)


@pytest.mark.skipif(joblib.cpu_count() < 2, reason="needs two cores")
@pytest.mark.parametrize("n_jobs", [None, 2])
def test_sampler_shares_a_class_panels_only_when_it_outweighs_the_rest(
        monkeypatch, n_jobs):
    """Classes run side by side, one worker each; a class with more than a
    worker's share of the work also hands its Gram panels to the workers,
    as does a class alone (one task, run by the caller).  Either way the
    selection is the one of a single thread."""
    from threadpoolctl import threadpool_limits

    seen = _record_block_threads(monkeypatch)
    grid = _grid_pool()[:1100]
    assert grid.shape[0] > 1024  # two Gram panels
    # One class of 1,100 rows beside a far-away one of 10: it outweighs it.
    lopsided = np.vstack([grid, grid[:10] + 100.0])
    # Three classes of 1,100 rows: none holds more than half the work; two:
    # each holds exactly half, not more.
    even = np.vstack([grid, grid + 50.0, grid + 100.0])
    halves = np.vstack([grid, grid + 100.0])
    # A single class: one task, which runs on the caller, its panels shared.
    for X, cores, shared in ((lopsided, [0, 1100], True),
                             (even, [0, 1100, 2200], False),
                             (halves, [0, 1100], False),
                             (grid, [0], True)):
        with threadpool_limits(limits=1, user_api="blas"):
            alone = BiLAFSampler(60, core_selector=cores).fit(X)
        seen.clear()
        with threadpool_limits(limits=2, user_api="blas"):
            fitted = BiLAFSampler(60, core_selector=cores, n_jobs=n_jobs).fit(X)
        assert np.bincount(fitted.labels_).max() == 1100
        assert max(seen) == (2 if shared else 1), (cores, seen)
        np.testing.assert_array_equal(fitted.selected_indices_,
                                      alone.selected_indices_)
        np.testing.assert_array_equal(fitted.inlier_mask_, alone.inlier_mask_)


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_pseudo_class_chunks_on_worker_threads_give_the_same_result(monkeypatch,
                                                                    metric):
    """Stage 2 hands its row chunks to worker threads: labels, outside
    distances and opponents must not depend on how many there are, also
    with exact ties (rows halfway between two cores) and float32 rows."""
    from sklearn_bilaf import pseudo_classes

    rng = np.random.default_rng(5)
    X = np.vstack([rng.integers(-3, 4, size=(700, 6)),
                   rng.standard_normal((700, 6))]).astype(np.float32)
    cores = np.arange(0, 1400, 35)
    monkeypatch.setattr(pseudo_classes, "_chunk_length", lambda *args: 97)
    threads = []
    monkeypatch.setattr(pseudo_classes, "blas_threads", lambda: threads[-1])
    results = []
    for n_threads in (1, 4):
        threads.append(n_threads)
        results.append(pseudo_classes.assign_pseudo_classes(
            X, cores, metric, return_outside=True))
    for one, many in zip(*results, strict=True):
        np.testing.assert_array_equal(one, many)
    # The chunked, threaded search agrees with a direct evaluation.
    from scipy.spatial.distance import cdist

    rows = X.astype(np.float64)
    if metric == "cosine":
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    D = cdist(rows, rows[cores], "sqeuclidean")
    labels = results[1][0]
    np.testing.assert_array_equal(labels[cores], np.arange(cores.size))
    others = np.setdiff1d(np.arange(X.shape[0]), cores)
    np.testing.assert_array_equal(labels[others], np.argmin(D[others], axis=1))


def test_pseudo_class_chunks_of_all_threads_fit_working_memory():
    """Each worker thread holds its chunk's temporaries: together they must
    stay within scikit-learn's working_memory, so more threads mean shorter
    chunks."""
    from sklearn import config_context

    from sklearn_bilaf.pseudo_classes import _chunk_length

    X = np.empty((100_000, 64), dtype=np.float32)
    with config_context(working_memory=8):
        one, two = (_chunk_length(X, 1000, 4, n) for n in (1, 2))
    per_row = 4 * (2 * 64 + 3 * 1000)
    assert 256 <= two < one
    assert 2 * two * per_row <= 8 * 2**20 < 2 * (two + 1) * per_row + 2
    assert one * per_row <= 8 * 2**20


@pytest.mark.parametrize("return_outside", [False, True])
def test_pseudo_class_chunks_on_worker_threads_see_the_callers_config(
        monkeypatch, return_outside):
    """A chunk of at least 256 rows (the floor of the row chunks handed to
    the threads) is searched in pieces within working_memory: a worker
    thread read scikit-learn's default setting (its configuration is
    thread-local), not the caller's config_context, and took the chunk's
    products whole.  The products must fit the caller's setting, each
    thread's within its share, and the labels must be the ones one thread
    gives."""
    import threading

    from sklearn import config_context, get_config

    from sklearn_bilaf import _distances, pseudo_classes

    rng = np.random.default_rng(0)
    X = rng.standard_normal((2000, 8))
    cores = np.arange(0, 2000, 7)[:300]
    pieces = []
    configs = set()
    finish_rows_top3 = _distances.finish_rows_top3
    sq_distances = _distances.sq_distances

    def record(rows):
        pieces.append(rows)
        config = get_config()
        configs.add((threading.current_thread() is threading.main_thread(),
                     config["working_memory"], config["assume_finite"]))

    def spy_top3(D, *args):
        record(D.shape[0])
        return finish_rows_top3(D, *args)

    def spy_sq(A, *args, **kwargs):
        record(A.shape[0])
        return sq_distances(A, *args, **kwargs)

    monkeypatch.setattr(_distances, "finish_rows_top3", spy_top3)
    monkeypatch.setattr(_distances, "sq_distances", spy_sq)
    threads = []
    monkeypatch.setattr(pseudo_classes, "blas_threads", lambda: threads[-1])
    seen, results = {}, {}
    for n_threads in (1, 2):
        threads.append(n_threads)
        pieces.clear()
        with config_context(working_memory=0.5, assume_finite=True):
            results[n_threads] = pseudo_classes.assign_pseudo_classes(
                X, cores, return_outside=return_outside)
        seen[n_threads] = sorted(pieces)
    assert configs == {(True, 0.5, True), (False, 0.5, True)}
    assert sum(seen[1]) == sum(seen[2]) == X.shape[0]
    for n_threads in (1, 2):
        assert (n_threads * max(seen[n_threads]) * 3 * cores.size * 8
                <= 0.5 * 2**20)
    for one, two in zip(*(np.atleast_2d(results[n]) for n in (1, 2)),
                        strict=True):
        np.testing.assert_array_equal(one, two)


def test_map_blocks_runs_its_workers_under_the_callers_config():
    """scikit-learn's configuration is per thread: map_blocks' worker
    threads must see the caller's, not the defaults."""
    import threading

    from sklearn import config_context, get_config

    from sklearn_bilaf._threads import map_blocks

    seen = {}
    before = get_config()

    def task(item):
        config = get_config()
        seen[item] = (threading.get_ident(), config["working_memory"],
                      config["assume_finite"])

    with config_context(working_memory=3, assume_finite=True):
        map_blocks(task, list(range(6)), 2)
    assert {values[1:] for values in seen.values()} == {(3, True)}
    assert threading.get_ident() not in {values[0] for values in seen.values()}
    assert get_config() == before


def test_chunk_rows_says_what_worker_threads_read():
    """chunk_rows' ``budget`` said that a worker thread reads the default
    working_memory: no longer true of the library's own threads, which
    start under the caller's configuration.  What a worker does not know
    is how many threads share the setting."""
    from sklearn import config_context

    from sklearn_bilaf._distances import chunk_rows
    from sklearn_bilaf._threads import map_blocks

    doc = " ".join(chunk_rows.__doc__.split())
    assert "reads the default setting" not in doc
    assert "start under the caller's configuration" in doc
    seen = []
    with config_context(working_memory=1):
        map_blocks(lambda item: seen.append(chunk_rows(10**6, 1024)),
                   list(range(4)), 2)
    assert seen == [1024] * 4


def test_activeft_and_kmeanspp_threads_run_under_the_callers_config(
        monkeypatch):
    """ActiveFT's objective and the k-means++ seeding run their blocks on
    thread pools of their own, whose threads started from scikit-learn's
    default configuration (it is per thread): a block that reads it (as
    the exact search's pieces read working_memory before they were sized
    in the caller's thread) must see the caller's."""
    import threading

    from sklearn import config_context, get_config

    from sklearn_bilaf import _kmeanspp
    from sklearn_bilaf import core as core_module

    seen = set()

    def record():
        if threading.current_thread() is not threading.main_thread():
            config = get_config()
            seen.add((config["working_memory"], config["assume_finite"]))

    exhaustive_top = core_module._ActiveFTObjective._exhaustive_top
    centred = _kmeanspp._CentredRows._centred

    def spy_top(self, *args):
        record()
        return exhaustive_top(self, *args)

    def spy_centred(self, rows):
        record()
        return centred(self, rows)

    monkeypatch.setattr(core_module._ActiveFTObjective, "_exhaustive_top",
                        spy_top)
    monkeypatch.setattr(_kmeanspp._CentredRows, "_centred", spy_centred)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 16))
    inv = core_module._inverse_row_norms(X, X.dtype)
    theta = X[:40] + 0.1
    with config_context(working_memory=7, assume_finite=True):
        with core_module._ActiveFTObjective(X, inv, 0.07, 1.0, 40,
                                            n_threads=2) as objective:
            assert objective.n_threads == 2
            expected = objective(theta)
    # Small enough that the float32 pool is not upcast whole: the seeding's
    # chunks are centred by the worker threads.
    with config_context(working_memory=0.1, assume_finite=True):
        seeds = _kmeanspp.kmeans_plusplus_seeds(
            X.astype(np.float32), 5, np.random.RandomState(0), n_threads=2)
    assert seen == {(7, True), (0.1, True)}
    loss, grad = core_module._activeft_loss_grad(X, theta)
    assert loss == expected[0]
    np.testing.assert_array_equal(grad, expected[1])
    np.testing.assert_array_equal(
        seeds, _kmeanspp.kmeans_plusplus_seeds(X.astype(np.float32), 5,
                                               np.random.RandomState(0)))


@pytest.mark.parametrize("centroid_search", ["exact", "graph"])
def test_activeft_does_not_depend_on_working_memory(centroid_search):
    """ActiveFT's row blocks group its partial sums and shape its products;
    Adam amplifies their last bits into other picks (5 of 1,000 cores on a
    20,000-row pool at working_memory=16), so the blocks are fixed."""
    from sklearn import config_context

    from sklearn_bilaf.core import ActiveFTSelector

    rng = np.random.RandomState(1)
    X = rng.normal(size=(600, 21)) + 5
    selector = ActiveFTSelector(n_cores=18, max_iter=15, random_state=0,
                                centroid_search=centroid_search)
    expected = selector.fit(X)
    centroids, picks = expected.centroids_.copy(), expected.selected_indices_.copy()
    for working_memory in (1, 0.01):
        with config_context(working_memory=working_memory):
            got = selector.fit(X)
        np.testing.assert_array_equal(got.centroids_, centroids)
        np.testing.assert_array_equal(got.selected_indices_, picks)


def test_small_classes_travel_in_batches_large_ones_alone():
    from sklearn_bilaf.sampler import (
        _MAX_BATCH_WORK,
        _MIN_BATCH_WORK,
        _batch_sizes,
        _class_work,
    )

    sizes = [3000, 1500] + [40] * 500 + [5] * 4000
    work = _class_work(sizes, 384)
    batches = _batch_sizes(work, n_workers=2)
    assert sum(batches) == len(sizes)
    assert batches[:2] == [1, 1]  # each large class is a task of its own
    # The small ones share tasks, each of at most _MAX_BATCH_WORK: far
    # fewer tasks than classes.
    target = _MAX_BATCH_WORK
    assert work.sum() / 16 > target
    assert 2 + work[2:].sum() / target <= len(batches) < 2 + work[2:].sum() / target + 2
    # Less work in all: batches of an eighth of each worker's share.
    small = work[2:]
    assert _MIN_BATCH_WORK < small.sum() / 16 < _MAX_BATCH_WORK
    assert 15 <= len(_batch_sizes(small, n_workers=2)) <= 16
    # Tiny pools: batches of at least _MIN_BATCH_WORK.
    assert _batch_sizes(work[-100:], n_workers=2) == [100]
    starts = np.cumsum([0] + batches[:-1])
    for start, count in zip(starts[:-1], batches[:-1], strict=True):
        held = work[start:start + count]
        assert held.sum() >= target and held[:-1].sum() < target
    assert _batch_sizes(work[:0], 2) == []
    # A batch closes as soon as it holds the target: exactly it, too.
    assert _batch_sizes(np.full(4, _MIN_BATCH_WORK / 2), 2) == [2, 2]
    # A class's work: its pairs of members times the features, plus a fixed
    # cost per member (of 64 pairs), which weighs in for the small classes.
    np.testing.assert_array_equal(_class_work([1, 8, 100], 384),
                                  [65 * 384, 8 * 72 * 384, 100 * 164 * 384])


@pytest.mark.parametrize("n_workers", [1, 2])
def test_a_batch_of_small_classes_holds_one_class_rows_at_a_time(monkeypatch,
                                                                 n_workers):
    """Run in this process (on one thread or on threads), a batch of small
    pseudo-classes gathers each class's rows when the class starts and frees
    them when it is done: the per-class stages' peak is a few classes' rows,
    not a whole batch's (which all stayed until the batch's last class was
    done)."""
    from sklearn_bilaf import sampler as sampler_module

    from ._memory import traced_peak

    n_classes, size, n_features = 400, 50, 384
    rng = np.random.RandomState(0)
    X = (np.repeat(rng.normal(scale=10, size=(n_classes, n_features)), size,
                   axis=0)
         + rng.normal(size=(n_classes * size, n_features))).astype(np.float32)
    cores = np.arange(0, X.shape[0], size)  # one tight class of 50 per core
    class_rows = size * n_features * X.itemsize
    monkeypatch.setattr(sampler_module, "blas_threads", lambda: n_workers)
    batches = sampler_module._batch_sizes(
        sampler_module._class_work(np.full(n_classes, size), n_features),
        n_workers)
    # Results and working copies of the classes (below), far less than
    # the rows of the batches the workers run at a time.
    bound = 2**20 + 4 * n_workers * class_rows
    assert 2 * bound < n_workers * min(batches) * class_rows
    # Loads (or compiles) the kernels outside the measurement: with an empty
    # numba cache (a fresh checkout) the first case counted numba's own
    # allocations, 18 MB.
    BiLAFSampler(20, core_selector=cores[:10], n_jobs=1).fit(X[:10 * size])
    peaks = {}
    original = sampler_module.BiLAFSampler._parallel

    def measured(self, make_task, classes, work, stage):
        result, peaks[stage[0]] = traced_peak(
            lambda: original(self, make_task, classes, work, stage))
        return result

    monkeypatch.setattr(sampler_module.BiLAFSampler, "_parallel", measured)
    BiLAFSampler(2 * n_classes, core_selector=cores, n_jobs=1).fit(X)
    # Beside the rows of the classes being run: every class's results (a
    # ranking and mean distances of 50 members, 0.3 MiB in all).
    assert peaks["denoiser"] < bound
    assert peaks["boundary_selector"] < bound


def test_a_batch_of_small_classes_holds_the_rows_the_user_guide_says():
    """The user guide's memory item: on a backend of worker processes, small
    classes travel in batches whose rows are gathered together, at most
    about 5 million values (20 MB of float32) a batch; a class with more is
    a batch of its own."""
    import re
    from pathlib import Path

    from sklearn_bilaf.sampler import _batch_sizes, _class_work

    guide = Path(__file__).parents[1] / "doc" / "user_guide.rst"
    text = " ".join(guide.read_text(encoding="utf-8").split())
    said = re.search(r"batches whose rows are gathered together, at most "
                     r"about (\d+) million values a batch \((\d+) MB of "
                     r"float32, (\d+) MB of float64\)", text)
    assert said is not None
    bound = int(said.group(1)) * 10**6
    assert int(said.group(2)) * 10**6 >= 4 * bound
    assert int(said.group(3)) * 10**6 >= 8 * bound
    rng = np.random.default_rng(0)
    cases = [
        # The worst case: one-member classes of just under a batch's most
        # work each (two of them a batch), and members of many features.
        ([1] * 20, 2_460_000),
        ([20] * 50, 90_000),
        (np.sort(rng.integers(1, 400, size=3000))[::-1], 384),
        (np.sort(rng.integers(1, 60, size=20000))[::-1], 4096),
        ([3000, 1500] + [40] * 500 + [5] * 4000, 768),
    ]
    for sizes, n_features in cases:
        sizes = np.asarray(sizes)
        for n_workers in (1, 2, 8, 64):
            batches = _batch_sizes(_class_work(sizes, n_features), n_workers)
            ends = np.cumsum(batches)
            for count, end in zip(batches, ends, strict=True):
                if count > 1:
                    held = int(sizes[end - count:end].sum()) * n_features
                    assert held <= bound, (n_features, n_workers, count)


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_batching_of_classes_does_not_change_the_selection(monkeypatch, n_jobs):
    """Many small pseudo-classes: one class per task, or all in one task, or
    the default batches give the same selection, and every class is
    computed exactly once."""
    from sklearn_bilaf import sampler as sampler_module

    # 128 features: enough work for the default batches to be several (of
    # 16 to 71 classes), run by the workers; on _pool's 16 they made a
    # single one, run by the caller, as "all in one task" does.
    X = np.hstack([_pool()] * 8)
    cores = np.sort(np.random.default_rng(0).choice(X.shape[0], 120, replace=False))

    def fit():
        return BiLAFSampler(400, core_selector=cores, n_jobs=n_jobs).fit(X)

    calls = []
    original = sampler_module._run_batch

    def recording(tasks):
        tasks = list(tasks)  # made one at a time when run in this process
        calls.append(len(tasks))
        return original(tasks)

    monkeypatch.setattr(sampler_module, "_run_batch", recording)
    default = fit()
    # Two stages of 120 classes each, in fewer tasks than classes, and more
    # than one task a stage.
    assert sum(calls) == 240 and 4 <= len(calls) < 240 and max(calls) > 1
    for batches in (lambda work, n: [1] * len(work),  # one class per task
                    lambda work, n: [len(work)]):        # all in one task
        monkeypatch.setattr(sampler_module, "_batch_sizes", batches)
        calls.clear()
        fitted = fit()
        assert sum(calls) == 240 and len(calls) in (2, 240)
        np.testing.assert_array_equal(fitted.selected_indices_,
                                      default.selected_indices_)
        np.testing.assert_array_equal(fitted.inlier_mask_, default.inlier_mask_)


class _ConfigCheckingBoundary(BoundarySelector):
    """Fails the fit if a class's task does not see the caller's
    working_memory (works in worker processes, where nothing can be
    recorded)."""

    def __init__(self, penalty=1.1, strategy="iterative", working_memory=None):
        super().__init__(penalty=penalty, strategy=strategy)
        self.working_memory = working_memory

    def select_class(self, pseudo_class, budget):
        from sklearn import get_config

        seen = get_config()["working_memory"]
        if seen != self.working_memory:
            raise AssertionError(f"working_memory in a per-class task: {seen}")
        return super().select_class(pseudo_class, budget)


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_workers_see_the_callers_working_memory(backend):
    """working_memory decides whether a class's distance matrix is cached or
    computed on demand in blocks, products whose last bits differ: the
    tasks must run under the caller's setting, in worker threads (whose
    scikit-learn configuration starts from the defaults) and processes, or
    n_jobs changes the selection (here ties that only rounding decides)."""
    from sklearn import config_context

    X = _grid_pool()

    def fit(n_jobs, working_memory):
        return BiLAFSampler(
            60, core_selector=[0, 1], n_jobs=n_jobs,
            denoiser=IDCDenoiser(variant="published"),
            boundary_selector=_ConfigCheckingBoundary(
                working_memory=working_memory)).fit(X)

    with config_context(working_memory=1):
        expected = fit(None, 1)
        with joblib.parallel_backend(backend, n_jobs=2):
            got = fit(2, 1)
    np.testing.assert_array_equal(got.selected_indices_,
                                  expected.selected_indices_)
    np.testing.assert_array_equal(got.inlier_mask_, expected.inlier_mask_)


def test_run_in_threads_runs_under_the_callers_config():
    """run_in_threads' threads start from scikit-learn's default
    configuration (it is per thread, not a ContextVar): they must see the
    caller's, as the sampler's per-class tasks do, and leave it as it
    was."""
    import threading

    from sklearn import config_context, get_config

    from sklearn_bilaf._threads import run_in_threads

    before = get_config()

    def run(item):
        config = get_config()
        return (threading.get_ident(), config["working_memory"],
                config["assume_finite"])

    with config_context(working_memory=3, assume_finite=True):
        seen = run_in_threads(run, range(6), 2, back_from=3)
    assert {values[1:] for values in seen} == {(3, True)}
    assert threading.get_ident() not in {values[0] for values in seen}
    assert get_config() == before


def test_run_in_threads_keeps_order_context_and_first_error():
    import threading
    from contextvars import ContextVar

    from sklearn_bilaf._threads import run_in_threads

    var = ContextVar("test_var", default="unset")
    var.set("caller's")
    seen = set()

    def run(item):
        seen.add((threading.get_ident(), var.get()))
        return item * item

    assert run_in_threads(run, range(20), 3) == [i * i for i in range(20)]
    assert run_in_threads(run, range(7), 2) == [i * i for i in range(7)]
    assert {value for _, value in seen} == {"caller's"}
    assert threading.get_ident() not in {ident for ident, _ in seen}
    assert run_in_threads(run, [], 2) == []

    started = []

    def failing(item):
        started.append(item)
        if item in (3, 5):
            raise ValueError(f"item {item}")
        return item

    with pytest.raises(ValueError, match="item 3"):
        run_in_threads(failing, range(100), 1)
    assert started == [0, 1, 2, 3]  # nothing starts after a failure

    # Two threads: one works from the front, the other from the back.
    order = []

    def record(item):
        with lock:
            order.append((threading.get_ident(), item))
        return item

    lock = threading.Lock()
    assert run_in_threads(record, range(40), 2) == list(range(40))
    by_thread = {}
    for ident, item in order:
        by_thread.setdefault(ident, []).append(item)
    for items in by_thread.values():
        assert items in (sorted(items), sorted(items, reverse=True))
    assert sorted(item for _, item in order) == list(range(40))

    # Items before back_from are taken from the front only, by both threads:
    # once the back thread has run out of the others, it takes the next one
    # from the front.
    import time

    def slow_first(item):
        if item < 4:
            time.sleep(0.05)
        return record(item)

    order.clear()
    assert run_in_threads(slow_first, range(40), 2, back_from=4) == list(range(40))
    back = [item for ident, item in order
            if ident == next(i for i, item in order if item == 39)]
    tail = [item for item in back if item < 4]
    assert back[:36] == list(range(39, 3, -1))
    assert tail and tail == sorted(tail) and 0 not in tail
    assert sorted(item for _, item in order) == list(range(40))


@pytest.mark.parametrize("n_threads", [1, 2, 3])
def test_run_in_threads_raises_the_earliest_failure_for_any_thread_count(n_threads):
    """With several failing items, the error raised is the earliest failing
    item's (in list order), as on one thread: the back thread's failure on
    a late item stopped the front thread before it reached an earlier
    failing one, so the error named a different item (a different
    pseudo-class) on two threads than on one."""
    import time

    from sklearn_bilaf._threads import run_in_threads

    started = []

    def failing(item):
        started.append(item)
        if item < 3:
            time.sleep(0.05)  # the back thread fails first
        if item in (3, 95):
            raise ValueError(f"item {item}")
        return item

    with pytest.raises(ValueError, match="item 3"):
        run_in_threads(failing, range(100), n_threads)
    assert set(range(4)) <= set(started)  # everything before item 3 ran


def test_run_in_threads_stops_its_threads_when_the_caller_is_interrupted():
    """Ctrl-C while the caller waits: the worker threads went on through
    every remaining item in the background (minutes of work on a large
    pool, beside whatever the user ran next)."""
    import signal
    import threading
    import time

    from sklearn_bilaf._threads import run_in_threads

    if not hasattr(signal, "pthread_kill"):
        pytest.skip("needs signal.pthread_kill (POSIX)")
    lock = threading.Lock()
    started, finished = [], []

    def run(item):
        with lock:
            started.append(item)
        if item == 2:
            # Ctrl-C, delivered to the caller while it waits for the threads.
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        time.sleep(0.02)
        with lock:
            finished.append(item)
        return item

    def alive():
        return {t for t in threading.enumerate() if t.is_alive()}

    before = alive()
    # Python's own Ctrl-C handler: a process started in the background (a
    # CI job under nohup, say) inherits SIGINT ignored, and would never see
    # the interruption this test sends.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            run_in_threads(run, range(200), 2)
    finally:
        signal.signal(signal.SIGINT, previous)
    # The threads had stopped when the interruption reached the caller (a
    # thread another test left behind may have ended meanwhile: compare the
    # new ones only).
    assert not alive() - before
    assert sorted(started) == sorted(finished)
    n_started = len(started)
    time.sleep(0.2)
    assert len(started) == n_started < 200


def test_threads_of_our_own_unless_the_caller_chose_a_backend(monkeypatch):
    """With joblib's default (threading) backend the per-class tasks run on
    the library's own threads, which wake the caller when the last task
    ends (joblib polls every 10 ms); a backend the caller chose (processes,
    dask) still gets the tasks through joblib."""
    from sklearn.utils import parallel as sklearn_parallel

    from sklearn_bilaf import _threads
    from sklearn_bilaf import sampler as sampler_module

    # Enough work for several tasks (a single one runs in the caller).
    X = np.hstack([_pool()] * 8)
    expected = _select(X)
    assert _threads.joblib_runs_threads()
    with joblib.parallel_backend("threading", n_jobs=2):
        assert _threads.joblib_runs_threads()
    with joblib.parallel_backend("loky", n_jobs=2):
        assert not _threads.joblib_runs_threads()

    used = []
    original_run, original_parallel = _threads.run_in_threads, sklearn_parallel.Parallel
    monkeypatch.setattr(sampler_module, "run_in_threads",
                        lambda *a: used.append("ours") or original_run(*a))
    monkeypatch.setattr(
        sklearn_parallel, "Parallel",
        lambda *a, **k: used.append("joblib") or original_parallel(*a, **k))
    np.testing.assert_array_equal(_select(X, n_jobs=2), expected)
    assert used == ["ours", "ours"]  # the denoising and boundary stages
    used.clear()
    with joblib.parallel_backend("loky", n_jobs=2):
        np.testing.assert_array_equal(_select(X, n_jobs=2), expected)
    assert used == ["joblib", "joblib"]
    used.clear()
    # n_jobs of 1 (and None): no joblib, the library's own threads, as many
    # as BLAS may use; with one BLAS thread, one class after another in the
    # caller's thread.
    np.testing.assert_array_equal(_select(X, n_jobs=1), expected)
    assert used == (["ours", "ours"] if _threads.blas_threads() > 1 else [])
    used.clear()
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        np.testing.assert_array_equal(_select(X, n_jobs=1), expected)
    assert used == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
# Python 3.12+ warns that forking a multi-threaded process may deadlock:
# that is the case under test.
@pytest.mark.filterwarnings("ignore:This process .* fork:DeprecationWarning")
def test_a_process_forked_while_the_blas_lock_is_held_can_open_sections():
    import signal
    import threading

    from sklearn_bilaf import _threads

    holding = threading.Event()
    release = threading.Event()

    def hold():
        with _threads._HELD_LOCK:
            holding.set()
            release.wait()

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait()
    try:
        pid = os.fork()
        if pid == 0:  # the child: a section must open and close, not hang
            signal.alarm(10)
            try:
                with _threads.one_thread("blas"):
                    pass
                os._exit(0)
            except BaseException:
                os._exit(2)
    finally:
        release.set()
        holder.join()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


class _UnpicklableBoundary(BoundarySelector):
    """A stage that works in this process but cannot be pickled."""

    def __reduce_ex__(self, protocol):
        raise TypeError("this stage refuses to be pickled")


@pytest.mark.parametrize("backend", ["loky", "multiprocessing"])
def test_a_stage_process_workers_cannot_receive_is_named_with_a_remedy(
        monkeypatch, backend):
    """joblib's own error ("Could not pickle the task to send it to the
    workers") named neither the stage nor what to change."""
    from sklearn_bilaf import sampler as sampler_module

    # One class per task, so that the tasks go to the workers.
    monkeypatch.setattr(sampler_module, "_batch_sizes",
                        lambda work, n: [1] * len(work))
    sampler = BiLAFSampler(150, core_selector=RandomSelector(15),
                           boundary_selector=_UnpicklableBoundary(),
                           random_state=0, n_jobs=2)
    with joblib.parallel_backend(backend):
        with pytest.raises(TypeError, match=r"boundary_selector=_Unpickl.*"
                           r"refuses to be pickled.*backend='threading'"):
            sampler.fit(_pool())
    # In threads it is a stage like any other.
    with joblib.parallel_backend("threading"):
        assert sampler.fit(_pool()).selected_indices_.shape == (150,)


def test_an_unpicklable_stage_runs_on_a_thread_based_joblib_backend(monkeypatch):
    """A joblib backend of the user's that runs its tasks in threads (a
    subclass of joblib's threading backend) never pickles the stages: an
    unpicklable one is not refused as if it went to worker processes."""
    from joblib.parallel import ThreadingBackend, register_parallel_backend

    from sklearn_bilaf import sampler as sampler_module

    class _OwnThreads(ThreadingBackend):
        pass

    register_parallel_backend("sklearn_bilaf_test_own_threads", _OwnThreads)
    monkeypatch.setattr(sampler_module, "_batch_sizes",
                        lambda work, n: [1] * len(work))
    sampler = BiLAFSampler(150, core_selector=RandomSelector(15),
                           boundary_selector=_UnpicklableBoundary(),
                           random_state=0, n_jobs=2)
    with joblib.parallel_backend("sklearn_bilaf_test_own_threads"):
        picked = sampler.fit(_pool()).selected_indices_
    with joblib.parallel_backend("threading"):
        np.testing.assert_array_equal(picked, sampler.fit(_pool()).selected_indices_)


_KMEANS_RUNS = r"""
import hashlib, json
import numpy as np
import sklearn.cluster._kmeans as kmeans_module
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn_bilaf.baselines import ProbCoverSelector, TypiClustSelector
from sklearn_bilaf.core import ClustererSelector, KMeansSelector

effective = kmeans_module._openmp_effective_n_threads
seen = []

def spy(*args, **kwargs):
    seen.append(effective(*args, **kwargs))
    return seen[-1]

kmeans_module._openmp_effective_n_threads = spy
X = np.random.RandomState(0).standard_normal((10000, 8)).astype(np.float32)
runs = {name: set() for name in ("kmeans", "typiclust", "clusterer")}
for _ in range(5):
    fitted = KMeansSelector(20, random_state=0).fit(X)
    runs["kmeans"].add(hashlib.md5(fitted.cluster_centers_.tobytes()).hexdigest())
    fitted = TypiClustSelector(20, random_state=0).fit(X)
    runs["typiclust"].add(fitted.labels_.tobytes().hex())
    fitted = ClustererSelector(KMeans(20, random_state=0)).fit(X)
    runs["clusterer"].add(fitted.cluster_centers_.tobytes().hex())
TypiClustSelector(60, max_clusters=60, random_state=0).fit(X[:3000])
ClustererSelector(MiniBatchKMeans(8, random_state=0)).fit(X[:3000])
ProbCoverSelector(5, n_classes=4, random_state=0).fit(X[:600])
print(json.dumps({"threads": sorted(set(seen)),
                  "variants": {k: len(v) for k, v in runs.items()}}))
"""


def test_kmeans_selectors_repeat_bit_for_bit_on_more_than_two_threads():
    """scikit-learn's k-means adds its OpenMP threads' partial centres in
    the order the threads finish: on four threads its centres changed in
    their last bits from one run to the next (two or three variants in five
    runs of this pool).  The k-means-based selectors run it on at most two
    threads, whose two partial sums add the same in either order."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    repo = str(Path(__file__).resolve().parents[1])
    # Passive waits: spinning OpenMP threads make two threads on a busy
    # two-core machine 50 times slower (the results do not change).
    env = dict(os.environ, OMP_NUM_THREADS="4", OMP_WAIT_POLICY="passive")
    env["PYTHONPATH"] = os.pathsep.join(
        [repo, *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])])
    done = subprocess.run([sys.executable, "-c", _KMEANS_RUNS], env=env,
                          capture_output=True, text=True, timeout=600, check=True)
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["threads"] == [2]  # KMeans, MiniBatchKMeans, all callers
    assert report["variants"] == {"kmeans": 1, "typiclust": 1, "clusterer": 1}


def test_kmeans_thread_limit_keeps_a_lower_limit_and_restores():
    """The limit only lowers: one thread (OMP_NUM_THREADS=1, or a caller's
    threadpool_limits(1)) stays one, and the previous limit comes back."""
    from sklearn.cluster import KMeans  # loads the OpenMP runtime
    from threadpoolctl import threadpool_info, threadpool_limits

    from sklearn_bilaf._threads import kmeans_openmp_threads

    def openmp():
        return {info["num_threads"] for info in threadpool_info()
                if info["user_api"] == "openmp"}

    assert KMeans is not None
    if not openmp():
        pytest.skip("no OpenMP runtime")
    for outer in (1, 2, 5):
        with threadpool_limits(outer, user_api="openmp"):
            with kmeans_openmp_threads():
                assert openmp() == {min(outer, 2)}
            assert openmp() == {outer}


def test_stage_pickling_is_left_to_the_backend_without_cloudpickle(monkeypatch):
    """Without cloudpickle (neither installed nor bundled with joblib) the
    up-front check cannot pickle as loky does: it leaves the stage to the
    backend instead of refusing it, or failing on the import."""
    import sys

    from sklearn_bilaf.sampler import _refuse_unpicklable_stage

    stage = _UnpicklableBoundary()
    with joblib.parallel_backend("loky"):
        with pytest.raises(TypeError, match="refuses to be pickled"):
            _refuse_unpicklable_stage("boundary_selector", stage, 2)
        monkeypatch.setitem(sys.modules, "cloudpickle", None)
        monkeypatch.setitem(sys.modules, "joblib.externals.cloudpickle", None)
        assert _refuse_unpicklable_stage("boundary_selector", stage, 2) is None


# Last in the module, in this order: loky keeps its worker processes from
# one test to the next only while the backend's settings stay the same and
# no task has failed (joblib then kills them), and starting them (each
# imports scikit-learn and loads the compiled kernels) takes several
# seconds.  The loky tests above share one start; the failing task's test
# ends it, and the next asks for other settings (two BLAS threads a worker).
@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_a_stage_error_in_a_worker_reaches_the_caller(backend, tmp_path):
    """A per-class task that fails in a worker (a thread or a process) fails
    the fit with the stage's own error, as on one thread."""
    import threading

    from threadpoolctl import threadpool_limits

    X = np.hstack([_pool()] * 4)  # several batches (see above)
    labels = BiLAFSampler(150, core_selector=RandomSelector(15),
                          random_state=0).fit(X).labels_
    # The smallest class: the last batch's, which a worker runs.
    smallest = int(np.argmin(np.bincount(labels)))
    log = tmp_path / "where.log"

    def fit(n_jobs):
        log.unlink(missing_ok=True)
        return _select(X, n_jobs=n_jobs, boundary_selector=_FailingBoundary(
            log=str(log), fail=(smallest,)))

    message = f"class {smallest} refuses its picks"
    with threadpool_limits(limits=1, user_api="blas"):  # one class at a time
        with pytest.raises(ValueError, match=message):
            fit(None)
    with joblib.parallel_backend(backend, n_jobs=2):
        with pytest.raises(ValueError, match=message):
            fit(2)
    where = _where_tasks_ran(log)
    assert where and (os.getpid(), threading.get_ident()) not in where
    if backend == "loky":
        assert os.getpid() not in {pid for pid, _ in where}


def test_process_workers_run_per_class_work_on_one_blas_thread(monkeypatch):
    # joblib gives each loky worker two BLAS threads here; the tasks of both
    # per-class stages (denoising, boundary) must still run theirs on one.
    from sklearn_bilaf import sampler as sampler_module

    X = _pool()
    expected = _select(X)
    # One class per task: the 15 small classes would make a single batch,
    # run by the caller (where the stage holds one thread), not the workers.
    monkeypatch.setattr(sampler_module, "_batch_sizes",
                        lambda work, n: [1] * len(work))
    with joblib.parallel_backend("loky", n_jobs=2, inner_max_num_threads=2):
        got = BiLAFSampler(150, core_selector=RandomSelector(15), random_state=0,
                           n_jobs=2, denoiser=_OneThreadCheckingDenoiser(),
                           boundary_selector=_OneThreadCheckingBoundary()
                           ).fit(X).selected_indices_
    np.testing.assert_array_equal(got, expected)


# What the denoiser below sees, shared with the batches' copies (a
# module-level class and dict are pickled by reference).
_SEEN_BY_WORKER = {"alive": {}, "order": []}


class _FreedRowsDenoiser(NoDenoiser):
    """Checks, as each class starts, that the rows of the classes done
    before it in its worker (``_SEEN_BY_WORKER``) are freed."""

    def denoise_class(self, pseudo_class):
        import gc

        gc.collect()
        alive, order = _SEEN_BY_WORKER["alive"], _SEEN_BY_WORKER["order"]
        held = [c for c in order if alive[c]() is not None]
        assert not held, f"rows of finished classes {held} still held"
        order.append(pseudo_class.label)
        return super().denoise_class(pseudo_class)


# The fake Parallel below is not scikit-learn's, which its delayed tells.
@pytest.mark.filterwarnings("ignore:.*should be used with .*Parallel")
def test_a_worker_process_frees_each_class_rows_when_it_is_done(monkeypatch):
    """On a backend of worker processes a batch of small classes arrives
    with all its rows, gathered together: they stayed in the worker until
    the batch's last class was done.  Each class's rows are freed once the
    class is (the worker's copy: this process holds the batch it sent
    while it is in flight, as the user guide says)."""
    import pickle
    import weakref

    from sklearn.utils import parallel as sklearn_parallel

    from sklearn_bilaf import sampler as sampler_module

    alive, order = _SEEN_BY_WORKER["alive"], _SEEN_BY_WORKER["order"]
    alive.clear()
    del order[:]

    class FakeProcesses:
        """joblib's Parallel over worker processes, run here: each batch a
        pickled copy, as a worker receives it."""

        def __init__(self, n_jobs=None, prefer=None):
            pass

        def __call__(self, calls):
            results = []
            for call in calls:
                function, args, kwargs = pickle.loads(pickle.dumps(call))
                for task in args[0]:
                    given = task[1][3]
                    rows = getattr(given, "rows", given)
                    alive[task[1][0]] = weakref.ref(rows)
                    del given, rows
                del task
                results.append(function(*args, **kwargs))
                del function, args, kwargs
            return results

    monkeypatch.setattr(sampler_module, "joblib_runs_threads", lambda: False)
    monkeypatch.setattr(sklearn_parallel, "Parallel", FakeProcesses)
    rng = np.random.RandomState(0)
    # 60 classes of 50: batches of 55 and 5 classes on two workers.
    X = rng.normal(size=(3000, 64)).astype(np.float32)
    cores = np.arange(0, 3000, 50)
    sampler = BiLAFSampler(120, core_selector=cores,
                           denoiser=_FreedRowsDenoiser(), n_jobs=2,
                           random_state=0).fit(X)
    assert sorted(order) == list(range(cores.size))
    assert len(alive) == cores.size  # every class sent to a worker
    expected = BiLAFSampler(120, core_selector=cores, denoiser=NoDenoiser(),
                            n_jobs=1, random_state=0).fit(X)
    np.testing.assert_array_equal(sampler.selected_indices_,
                                  expected.selected_indices_)
