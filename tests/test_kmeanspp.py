"""The k-means start's seeding must be scikit-learn's, bit for bit.

``sklearn_bilaf._kmeanspp`` re-does scikit-learn's k-means++ seeding faster;
ActiveFT's k-means start (the sampler's default) was validated with
scikit-learn's own, so the seeds -- and the k-means centres that follow --
must not move.  If a scikit-learn release changes its seeding, these tests
are where it shows.
"""

import warnings

import numpy as np
import pytest
import sklearn
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

from sklearn_bilaf import core as core_module
from sklearn_bilaf._kmeanspp import kmeans_plusplus_seeds


def _pool(n, d, dtype, seed=0, duplicates=True):
    rng = np.random.default_rng(seed)
    X = (rng.standard_normal((n, d)) + 3.0 * rng.integers(0, 4, (n, 1))).astype(dtype)
    if duplicates:
        X[5:12] = X[0]
    return X


def _sklearn_centres(X, k, seed, max_iter):
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return KMeans(k, n_init=1, random_state=seed,
                      max_iter=max_iter).fit(X).cluster_centers_


def _seeded_centres(X, seeds, seed, max_iter):
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return KMeans(seeds.size, init=X[seeds], n_init=1, random_state=seed,
                      max_iter=max_iter).fit(X).cluster_centers_


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n, d, k", [(3000, 20, 40), (400, 384, 30), (60, 3, 60),
                                     (9, 2, 1)])
# 1024 MiB: float32 rows upcast once; 0.01 MiB: upcast block by block.
@pytest.mark.parametrize("working_memory", [1024, 0.01])
def test_seeds_and_centres_equal_scikit_learns(dtype, n, d, k, working_memory):
    X = _pool(n, d, dtype)
    with sklearn.config_context(working_memory=working_memory), \
            threadpool_limits(limits=1):
        seeds = kmeans_plusplus_seeds(X, k, np.random.RandomState(7))
    # (Not always distinct: with fewer distinct rows than seeds, k-means++
    # repeats row 0 once every row is a seed's duplicate, as scikit-learn does.)
    assert seeds.shape == (k,)
    # One Lloyd step from the seeds shows any seed that differs; the whole
    # run shows the centres are the ones KMeans(init="k-means++") finds.
    for max_iter in (1, 300):
        np.testing.assert_array_equal(_seeded_centres(X, seeds, 7, max_iter),
                                      _sklearn_centres(X, k, 7, max_iter))


@pytest.mark.parametrize("n_threads", [2, 3])
@pytest.mark.parametrize("working_memory", [1024, 0.01])
def test_seeds_on_worker_threads_equal_scikit_learns(n_threads, working_memory,
                                                     monkeypatch):
    """The chunks of each step on worker threads (float32 rows): the same
    seeds as scikit-learn's one-thread seeding, and the chunks did run on
    other threads."""
    import threading

    from sklearn_bilaf import _kmeanspp

    X = _pool(3000, 20, np.float32)  # three chunks per step
    threads = set()
    chunk_distances = _kmeanspp._CentredRows.sq_distances

    def spy(self, index):
        def map_chunks(func, items, inner=self.map_chunks):
            def traced(item):
                threads.add(threading.get_ident())
                return func(item)
            return inner(traced, items)
        original, self.map_chunks = self.map_chunks, map_chunks
        try:
            return chunk_distances(self, index)
        finally:
            self.map_chunks = original

    monkeypatch.setattr(_kmeanspp._CentredRows, "sq_distances", spy)
    with sklearn.config_context(working_memory=working_memory), \
            threadpool_limits(limits=1):
        seeds = kmeans_plusplus_seeds(X, 40, np.random.RandomState(7),
                                      n_threads=n_threads)
    assert threads - {threading.get_ident()}
    for max_iter in (1, 300):
        np.testing.assert_array_equal(_seeded_centres(X, seeds, 7, max_iter),
                                      _sklearn_centres(X, 40, 7, max_iter))


def _sklearn_sums_potential_in_float64():
    """Whether scikit-learn's k-means++ takes its cumulative sums with
    ``stable_cumsum`` (float64), as releases before 1.8 do, rather than
    ``np.cumsum``."""
    import inspect

    from sklearn.cluster import _kmeans

    seeding = getattr(_kmeans, "_kmeans_plusplus", None)
    return seeding is not None and "stable_cumsum" in inspect.getsource(seeding)


@pytest.mark.parametrize("dtype, offset, n, k", [(np.float64, 1e7, 1500, 60),
                                                  (np.float32, 0, 5000, 150)])
def test_seeds_equal_scikit_learns_where_rounding_shows(dtype, offset, n, k):
    """Pools where the seeding's rounding decides seeds: rows far from the
    origin, whose expanded distances would lose most of their digits had
    they not been centred as scikit-learn centres them, and a float32 pool
    large enough for the potential and its cumulative sums to be taken in
    X's dtype (float32 weights, as scikit-learn's) rather than float64."""
    if dtype == np.float32 and _sklearn_sums_potential_in_float64():
        pytest.skip("this scikit-learn (before 1.8) takes the seeding's "
                    "cumulative sums in float64 (stable_cumsum); the library "
                    "follows 1.8 and later, which sum in X's dtype, so where "
                    "rounding decides a float32 seed the two can differ")
    X = _pool(n, 6, dtype, seed=2, duplicates=False) + dtype(offset)
    with threadpool_limits(limits=1):
        seeds = kmeans_plusplus_seeds(X, k, np.random.RandomState(5))
    np.testing.assert_array_equal(_seeded_centres(X, seeds, 5, 1),
                                  _sklearn_centres(X, k, 5, 1))


def test_seeds_equal_scikit_learns_private_seeding():
    kmeans_module = pytest.importorskip("sklearn.cluster._kmeans")
    if not hasattr(kmeans_module, "_kmeans_plusplus"):
        pytest.skip("this scikit-learn has no _kmeans_plusplus")
    from sklearn.utils.extmath import row_norms

    X = _pool(2500, 48, np.float32, seed=3)
    centred = X - X.mean(axis=0)
    with threadpool_limits(limits=1):
        expected = kmeans_module._kmeans_plusplus(
            centred, 50, row_norms(centred, squared=True),
            np.ones(X.shape[0], dtype=X.dtype), np.random.RandomState(11))[1]
        np.testing.assert_array_equal(
            kmeans_plusplus_seeds(X, 50, np.random.RandomState(11)), expected)


def test_seeding_leaves_rows_and_random_state_as_kmeans_would():
    X = _pool(500, 16, np.float32)
    X.setflags(write=False)
    ours, theirs = np.random.RandomState(5), np.random.RandomState(5)
    with threadpool_limits(limits=1):
        kmeans_plusplus_seeds(X, 20, ours)
    # KMeans draws the first seed, then n_local_trials numbers per seed.
    theirs.choice(500, p=np.full(500, 1 / 500))
    theirs.uniform(size=(19, 2 + int(np.log(20))))
    assert ours.randint(1 << 30) == theirs.randint(1 << 30)


@pytest.mark.data
def test_kmeans_start_equals_scikit_learns_on_wordnet(wordnet):
    rng = np.random.default_rng(2)
    rows = np.sort(rng.choice(wordnet["X"].shape[0], 6000, replace=False))
    X = np.asarray(wordnet["X"][rows], dtype=np.float32)
    inv_norms = core_module._inverse_row_norms(X, np.dtype(np.float32))
    start = core_module.spherical_kmeans_start(X, 90, inv_norms, 1234)
    unit = X * inv_norms[:, None]
    centres = _sklearn_centres(unit, 90, 1234, 300)
    np.testing.assert_array_equal(
        start, np.sort(core_module.nearest_unused(unit, centres, "euclidean")))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("working_memory", [1024, 0.01])
@pytest.mark.parametrize("n_candidates", [1, 2, 9])
def test_squared_distances_equal_scikit_learns(dtype, working_memory, n_candidates):
    pairwise = pytest.importorskip("sklearn.metrics.pairwise")
    if not hasattr(pairwise, "_euclidean_distances"):
        pytest.skip("this scikit-learn has no _euclidean_distances")
    from sklearn.utils.extmath import row_norms

    from sklearn_bilaf._kmeanspp import _CentredRows

    X = _pool(3000, 384, dtype, seed=9)
    # Rows of large norm: in float64, some of their expanded-form distances
    # to themselves come out below zero before the clamp (checked below).
    # Which ones depends on the BLAS kernels' summation order, so the
    # candidates are those rows, found with this machine's kernels, first.
    large = np.arange(100, 164)
    X[large] *= 1e4
    centred = X - X.mean(axis=0)
    with threadpool_limits(limits=1):
        self_sq = _expanded_sq(centred[large], centred)[np.arange(large.size), large]
    large = np.r_[large[self_sq < 0], large[self_sq >= 0]]
    candidates = np.r_[large[:n_candidates - 1], 0]
    with sklearn.config_context(working_memory=working_memory), \
            threadpool_limits(limits=1):
        ours = _CentredRows(X, X.mean(axis=0)).sq_distances(candidates)
        theirs = pairwise._euclidean_distances(
            centred[candidates], centred,
            Y_norm_squared=row_norms(centred, squared=True), squared=True)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)
    if dtype == np.float64 and n_candidates > 1:
        with threadpool_limits(limits=1):
            raw = _expanded_sq(centred[candidates], centred)
        assert np.any(raw < 0)


def _expanded_sq(A, B):
    """float64 |a|^2 + |b|^2 - 2 a.b, without scikit-learn's clamp at 0."""
    from sklearn.utils.extmath import row_norms

    A = A.astype(np.float64)
    B = B.astype(np.float64)
    raw = -2 * (A @ B.T)
    raw += row_norms(A, squared=True)[:, None]
    raw += row_norms(B, squared=True)[None, :]
    return raw


@pytest.mark.parametrize("n_threads", [1, 2])
def test_seeding_reports_progress_without_changing_the_seeds(n_threads):
    """The seeding of a large pool takes minutes: it reports about ten times,
    and reporting draws nothing from the random state."""
    X = np.random.default_rng(0).random((400, 8), dtype=np.float32)
    reported = []
    with threadpool_limits(limits=1, user_api="blas"):
        expected = kmeans_plusplus_seeds(X, 37, np.random.RandomState(3),
                                         n_threads=n_threads)
        seeds = kmeans_plusplus_seeds(X, 37, np.random.RandomState(3),
                                      n_threads=n_threads, progress=reported.append)
    np.testing.assert_array_equal(seeds, expected)
    assert reported == [4, 8, 12, 16, 20, 24, 28, 32, 36]
    # Never the last seed, when the count is a multiple of the step too:
    # the caller's own line says the seeding is done.
    reported.clear()
    kmeans_plusplus_seeds(X, 40, np.random.RandomState(3), n_threads=n_threads,
                          progress=reported.append)
    assert reported == [4, 8, 12, 16, 20, 24, 28, 32, 36]


def test_kmeans_start_log_says_what_it_is_doing(monkeypatch):
    """On a large pool the k-means start ran for minutes without a word."""
    X = np.random.default_rng(0).random((300, 6), dtype=np.float32)
    inv = 1 / np.linalg.norm(X, axis=1)
    # A slow clock, so that the seeding's progress lines are due.
    ticks = iter(range(0, 10_000, 3))
    monkeypatch.setattr(core_module.time, "perf_counter", lambda: next(ticks))
    lines = []
    logged = core_module.spherical_kmeans_start(X, 20, inv, 5, log=lines.append)
    silent = core_module.spherical_kmeans_start(X, 20, inv, 5)
    np.testing.assert_array_equal(logged, silent)
    import re

    assert 5 <= len(lines) <= 10
    assert all(re.fullmatch(r"k-means start: \d+ of 20 k-means\+\+ seeds \(\d+\.0s\)",
                            line) for line in lines[:-1]), lines
    assert lines[-1].startswith("k-means start: seeds chosen (")
    assert lines[-1].endswith("; Lloyd's iterations ...")
