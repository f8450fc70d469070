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
