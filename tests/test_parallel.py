"""The per-class stages run on any joblib backend with the same result."""

import joblib
import numpy as np
import pytest

from sklearn_bilaf import BiLAFSampler
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


@pytest.mark.parametrize("min_members", [0, 150, 10**9])
def test_blas_thread_split_keeps_the_selection_and_class_order(monkeypatch,
                                                              min_members):
    """With n_jobs=None, large classes run first on all BLAS threads and the
    rest on one: results must still come back in class order.  150 splits
    this pool's 15 classes (sizes about 60-400) into both groups."""
    import sklearn_bilaf.sampler as sampler_module

    X = _pool()
    expected = BiLAFSampler(150, core_selector=RandomSelector(15), random_state=0,
                            n_jobs=2).fit(X)
    monkeypatch.setattr(sampler_module, "BLAS_THREADS_MIN_MEMBERS", min_members)
    sizes = np.bincount(expected.labels_)
    assert min_members != 150 or 0 < np.sum(sizes >= 150) < sizes.size
    fitted = BiLAFSampler(150, core_selector=RandomSelector(15), random_state=0).fit(X)
    np.testing.assert_array_equal(fitted.selected_indices_,
                                  expected.selected_indices_)
    np.testing.assert_array_equal(fitted.class_budgets_, expected.class_budgets_)
