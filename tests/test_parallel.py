"""The per-class stages run on any joblib backend with the same result."""

import joblib
import numpy as np
import pytest

from sklearn_bilaf import BiLAFSampler
from sklearn_bilaf.boundary import BoundarySelector
from sklearn_bilaf.core import RandomSelector


def _pool():
    rng = np.random.RandomState(0)
    centres = rng.normal(scale=3, size=(12, 16))
    X = centres[rng.randint(12, size=3000)] + rng.normal(size=(3000, 16))
    return X.astype(np.float32)


def _select(X, **params):
    sampler = BiLAFSampler(150, core_selector=RandomSelector(15), random_state=0,
                           **params)
    return sampler.fit(X).selected_indices_


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_joblib_backends_give_the_same_selection(backend):
    X = _pool()
    expected = _select(X)
    with joblib.parallel_backend(backend, n_jobs=2):
        np.testing.assert_array_equal(_select(X, n_jobs=2), expected)


@pytest.mark.slow
def test_dask_cluster_gives_the_same_selection():
    distributed = pytest.importorskip("distributed")
    X = _pool()
    expected = _select(X)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster):
            with joblib.parallel_backend("dask"):
                got = _select(X, n_jobs=-1)
    np.testing.assert_array_equal(got, expected)


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


def test_one_blas_thread_limit_is_held_while_any_task_runs():
    """Concurrent tasks share one limit: the first to start sets it, the
    last to finish restores the caller's setting."""
    from threadpoolctl import threadpool_info, threadpool_limits

    from sklearn_bilaf.sampler import _one_blas_thread

    def blas_threads():
        return {info["num_threads"] for info in threadpool_info()
                if info["user_api"] == "blas"}

    with threadpool_limits(limits=2):
        before = blas_threads()
        with _one_blas_thread():
            with _one_blas_thread():
                assert blas_threads() == {1}
            assert blas_threads() == {1}  # the outer task still runs
        assert blas_threads() == before


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


def test_process_workers_run_per_class_work_on_one_blas_thread():
    # joblib gives each loky worker two BLAS threads here; the tasks must
    # still run theirs on one.
    X = _pool()
    expected = _select(X)
    with joblib.parallel_backend("loky", n_jobs=2, inner_max_num_threads=2):
        got = BiLAFSampler(150, core_selector=RandomSelector(15), random_state=0,
                           n_jobs=2, boundary_selector=_OneThreadCheckingBoundary()
                           ).fit(X).selected_indices_
    np.testing.assert_array_equal(got, expected)
