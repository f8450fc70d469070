"""The default number of cores (``n_cores="auto"``) and the paper's preset.

``"auto"`` is 5 % of the pool, at most the sampler's budget; ``"paper"`` is
the paper's 0.5 % of the pool, at most the budget (the default before the
selection-quality study of issue 6 chose the larger share on validation
splits).  Both depend on the pool size and the budget only, never on labels
or on the values in X.
"""

import warnings

import numpy as np
import pytest
from sklearn.base import clone

from sklearn_bilaf import BiLAFSampler
from sklearn_bilaf.core import (
    AUTO_CORE_FRACTION,
    AUTO_EXCLUDE_ISOLATED,
    AUTO_EXCLUDE_ISOLATED_MAX_ROWS,
    AUTO_KMEANS_START_MAX_PAIRS,
    AUTO_KMEANS_START_MAX_ROWS,
    PAPER_CORE_FRACTION,
    ActiveFTSelector,
    FarthestPointSelector,
    KMeansSelector,
    RandomSelector,
    default_init,
    default_n_cores,
    isolation_radii,
    least_isolated_rows,
    paper_n_cores,
)


def _pool(n=1000, d=4, seed=0):
    return np.random.RandomState(seed).normal(size=(n, d))


def test_fractions_and_counts():
    assert AUTO_CORE_FRACTION == 0.05 and PAPER_CORE_FRACTION == 0.005
    assert [default_n_cores(n) for n in (1, 10, 49, 50, 1000, 65_617)] == [
        1, 1, 2, 2, 50, 3280]
    assert [paper_n_cores(n) for n in (1, 10, 1000, 50_000, 65_617)] == [
        1, 1, 5, 250, 328]


@pytest.mark.parametrize("n", [1, 2, 7, 50, 99, 1000, 12_345, 1_281_167])
@pytest.mark.parametrize("budget", [1, 3, 20, 500, 10**6])
def test_auto_within_one_and_the_budget(n, budget):
    budget = min(budget, n)
    for n_cores in ("auto", "paper"):
        k = RandomSelector(n_cores=n_cores)._n_select(n, budget)
        assert 1 <= k <= budget
        assert k == RandomSelector(n_cores=n_cores)._n_select(n, budget)
    assert RandomSelector()._n_select(n, budget) == min(budget, default_n_cores(n))


@pytest.mark.parametrize("cls", [RandomSelector, KMeansSelector,
                                 FarthestPointSelector, ActiveFTSelector])
def test_auto_and_paper_on_a_small_pool(cls):
    X = _pool()
    extra = {"max_iter": 2} if cls is ActiveFTSelector else {}
    auto = cls(random_state=0, **extra)
    assert auto.fit(X).selected_indices_.size == 50
    assert clone(auto).fit(X, budget=80).selected_indices_.size == 50
    assert clone(auto).fit(X, budget=12).selected_indices_.size == 12
    paper = cls(n_cores="paper", random_state=0, **extra)
    assert paper.fit(X).selected_indices_.size == 5
    assert clone(paper).fit(X, budget=3).selected_indices_.size == 3


def test_auto_is_label_free_and_ignores_the_values():
    X = _pool(seed=1)
    y = np.arange(len(X)) % 7
    a = KMeansSelector(random_state=0).fit(X, budget=60)
    b = KMeansSelector(random_state=0).fit(X, y, budget=60)
    np.testing.assert_array_equal(a.selected_indices_, b.selected_indices_)
    other = KMeansSelector(random_state=0).fit(_pool(seed=2) * 100, budget=60)
    assert other.selected_indices_.size == a.selected_indices_.size == 50


def test_bilaf_default_uses_auto_and_is_deterministic():
    X = _pool(n=1500, d=6, seed=3)
    sampler = BiLAFSampler(100, random_state=0).fit(X)
    assert sampler.n_cores_ == 75  # 5 % of 1,500, under the budget of 100
    again = BiLAFSampler(100, random_state=0).fit(X)
    np.testing.assert_array_equal(sampler.selected_indices_, again.selected_indices_)
    # At or below 5 % of the pool the budget is all cores: ActiveFT alone.
    small = BiLAFSampler(60, random_state=0).fit(X)
    assert small.n_cores_ == 60
    np.testing.assert_array_equal(np.sort(small.selected_indices_),
                                  small.core_indices_)


def test_default_init_rule():
    assert AUTO_KMEANS_START_MAX_PAIRS == 1_000_000_000
    assert AUTO_KMEANS_START_MAX_ROWS == 1_000_000
    assert default_init(65_617, 3280) == "stratified"  # WordNet at 5 %
    assert default_init(100_000, 10_000) == "stratified"
    assert default_init(100_000, 10_001) == "random"
    assert default_init(300_000, 3000) == "stratified"  # 1 %, measured
    assert default_init(141_421, 7071) == "stratified"  # 5 %, just under
    assert default_init(141_422, 7072) == "random"
    assert default_init(200_000, 10_000) == "random"  # 5 %, 2e9 pairs
    assert default_init(1_000_000, 1000) == "stratified"  # 0.1 %
    assert default_init(1_000_000, 1001) == "random"
    assert default_init(1_000_000, 5000) == "random"  # measured: 0.43
    assert default_init(1_281_167, 6405) == "random"  # ImageNet, paper's K
    assert default_init(1, 1) == "stratified"
    assert default_init(1_000_000, 1) == "stratified"
    assert default_init(1_000_001, 1) == "random"  # the normalised copy


def test_default_init_kept_the_stratified_start_within_the_old_limits():
    """The pairs limit was raised from N x K = 2.5e8 (set for the plain k-means
    start): every pool within the old limits keeps the stratified start, so
    its selections do not change."""
    for n_samples in (1, 2, 1000, 50_000, 65_617, 250_000, 999_999, 1_000_000):
        largest = min(n_samples, 250_000_000 // n_samples)
        for n_cores in {1, max(1, largest // 2), largest}:
            assert default_init(n_samples, n_cores) == "stratified", (
                n_samples, n_cores)


def test_auto_init_is_stratified_then_random(monkeypatch):
    import sklearn_bilaf.core as core

    X = _pool(n=400, d=5, seed=7)
    kmeans = ActiveFTSelector(30, init="stratified", max_iter=5,
                              random_state=0).fit(X)
    auto = ActiveFTSelector(30, init="auto", max_iter=5, random_state=0).fit(X)
    assert auto.init_ == kmeans.init_ == "stratified"
    np.testing.assert_array_equal(auto.init_indices_, kmeans.init_indices_)
    np.testing.assert_array_equal(auto.selected_indices_, kmeans.selected_indices_)
    # Above the limit, the random start (the same draws as init="random").
    monkeypatch.setattr(core, "AUTO_KMEANS_START_MAX_PAIRS", 400 * 30 - 1)
    auto = ActiveFTSelector(30, init="auto", max_iter=5, random_state=0).fit(X)
    rand = ActiveFTSelector(30, init="random", max_iter=5, random_state=0).fit(X)
    assert auto.init_ == rand.init_ == "random"
    np.testing.assert_array_equal(auto.init_indices_, rand.init_indices_)
    np.testing.assert_array_equal(auto.selected_indices_, rand.selected_indices_)
    assert ActiveFTSelector(3, init=[0, 1, 2], max_iter=1).fit(X).init_ == "indices"


def test_bilaf_default_core_stage_is_activeft_from_the_stratified_start():
    """The default core stage is ActiveFT started from the stratified k-means
    start, on every row (on a pool this size); the paper's random start stays
    the ActiveFTSelector default (and the preset's)."""
    X = _pool(n=1500, d=6, seed=6)
    default = BiLAFSampler(120, random_state=0).fit(X)
    assert isinstance(default.core_selector_, ActiveFTSelector)
    assert default.core_selector_.init == "auto"
    assert default.core_selector_.init_ == "stratified"
    assert default.core_selector_.n_cores == "auto"
    # Isolated rows stay in (exclude_isolated is opt-in: it can leave out
    # most rows of a rare class).
    assert default.core_selector_.exclude_isolated == 0.0
    assert default.core_selector_.excluded_indices_.size == 0
    explicit = BiLAFSampler(120, core_selector=ActiveFTSelector(init="stratified"),
                            random_state=0).fit(X)
    np.testing.assert_array_equal(default.selected_indices_,
                                  explicit.selected_indices_)
    random_start = BiLAFSampler(120, core_selector=ActiveFTSelector(),
                                random_state=0).fit(X)
    assert random_start.core_selector_.init_ == "random"
    assert not np.array_equal(np.sort(default.core_indices_),
                              np.sort(random_start.core_indices_))
    assert ActiveFTSelector(n_cores="paper").init == "random"
    assert ActiveFTSelector(n_cores="paper").exclude_isolated == 0.0


def test_paper_preset_is_one_argument_away():
    X = _pool(n=2000, d=5, seed=4)
    paper = BiLAFSampler(100, core_selector=ActiveFTSelector(n_cores="paper"),
                         random_state=0).fit(X)
    assert paper.n_cores_ == 10  # 0.5 % of 2,000
    explicit = BiLAFSampler(100, core_selector=ActiveFTSelector(n_cores=0.005),
                            random_state=0).fit(X)
    np.testing.assert_array_equal(paper.selected_indices_, explicit.selected_indices_)


def test_paper_preset_with_an_init_array_means_its_length():
    X = _pool(n=300, d=3, seed=5)
    selector = ActiveFTSelector(n_cores="paper", init=[0, 5, 9], max_iter=2)
    assert selector.fit(X).selected_indices_.size == 3


def test_invalid_string_is_rejected():
    with pytest.raises(ValueError, match="n_cores"):
        RandomSelector(n_cores="coverage").fit(_pool())


@pytest.mark.parametrize("init, n_cores", [("k-means", 10), ("stratified", 40)])
def test_k_means_start_on_few_distinct_rows_is_quiet_and_distinct(init, n_cores):
    """One feature: the normalised rows take two values, far fewer than the
    centroids (or strata); the start is still K distinct samples, with no
    warning from k-means (only the selector's own, that a single feature
    leaves its picks arbitrary)."""
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(size=(150, 1)), rng.normal(size=(50, 1)) + 6]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message=".*with a single feature",
                                category=UserWarning)
        selector = ActiveFTSelector(n_cores, init=init, max_iter=3,
                                    random_state=0).fit(X)
    assert np.unique(selector.init_indices_).size == n_cores
    assert np.unique(selector.selected_indices_).size == n_cores


# -- exclude_isolated: the default core stage leaves out isolated rows ------
def _blobs_with_outliers(n_outliers=10, seed=0):
    """Two tight blobs on the sphere and ``n_outliers`` rows far from both
    and from each other (the most isolated rows, in any geometry)."""
    rng = np.random.RandomState(seed)
    blobs = np.r_[rng.normal(size=(95, 8)) * 0.05 + np.eye(8)[0],
                  rng.normal(size=(95, 8)) * 0.05 + np.eye(8)[1]]
    directions = rng.normal(size=(n_outliers, 8))
    directions[:, :2] = -np.abs(directions[:, :2]) - 1
    X = np.r_[blobs, directions]
    order = rng.permutation(X.shape[0])
    return X[order], np.flatnonzero(order >= blobs.shape[0])


def test_isolation_radii_are_the_distance_to_the_tenth_neighbour():
    from scipy.spatial.distance import cdist

    rng = np.random.RandomState(3)
    X = rng.normal(size=(60, 5)) * rng.uniform(0.1, 10, size=(60, 1))
    X[7] = 0.0  # a zero row stays the zero vector
    unit = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-300)
    D = cdist(unit, unit)
    np.fill_diagonal(D, np.inf)
    expected = np.sort(D, axis=1)[:, 9]
    np.testing.assert_allclose(isolation_radii(X.astype(np.float32)), expected,
                               rtol=0, atol=1e-5)
    np.testing.assert_allclose(isolation_radii(X), expected, rtol=0, atol=1e-12)
    # Rows whose squares underflow or overflow are directions all the same.
    for exponent in (-1000, 900):
        np.testing.assert_allclose(isolation_radii(np.ldexp(X, exponent)),
                                   expected, rtol=0, atol=1e-12)
    # Fewer rows than neighbours: the farthest other row.
    np.testing.assert_allclose(isolation_radii(X[:4]),
                               np.sort(D[:4, :4], axis=1)[:, 2], atol=1e-12)


@pytest.mark.parametrize("cython", [True, False])
def test_isolation_radii_are_float64_whatever_the_search(cython):
    # scikit-learn's search returns float64 distances, or the pool's dtype
    # with enable_cython_pairwise_dist=False: the docstring promised float32
    # for a float32 pool, which held only there.
    from sklearn import config_context

    X = np.random.RandomState(0).normal(size=(30, 4))
    with config_context(enable_cython_pairwise_dist=cython):
        for dtype in (np.float16, np.float32, np.float64):
            assert isolation_radii(X.astype(dtype)).dtype == np.float64


def test_least_isolated_rows_leaves_out_the_outliers():
    X, outliers = _blobs_with_outliers()
    kept = least_isolated_rows(X, 0.05)  # round(0.05 * 200) = 10 rows out
    np.testing.assert_array_equal(np.setdiff1d(np.arange(200), kept), outliers)
    assert np.all(np.diff(kept) > 0)
    # Never fewer rows than asked to keep; a share that rounds to 0 keeps all.
    assert least_isolated_rows(X, 0.9, n_keep_at_least=150).size == 150
    np.testing.assert_array_equal(least_isolated_rows(X, 0.002), np.arange(200))



def test_least_isolated_rows_rounds_the_share_and_keeps_the_lower_of_equal_radii():
    """round(share * N) rows are left out (11.6 leaves 12, not 11), and of
    two rows with equal radii the lower row number is kept."""
    X, outliers = _blobs_with_outliers()
    assert least_isolated_rows(X, 0.058).size == 200 - 12
    # Two copies of one far row: the same radius, the most isolated rows.
    rng = np.random.RandomState(0)
    blob = rng.normal(size=(200, 5)) * 0.05 + np.eye(5)[0]
    far = -np.eye(5)[1] + 0.3 * np.eye(5)[2]
    X = np.r_[blob[:50], [far], blob[50:120], [far], blob[120:]]
    radii = isolation_radii(X)
    assert radii[50] == radii[121] and np.all(np.delete(radii, [50, 121]) < radii[50])
    for dtype in (np.float64, np.float32):
        kept = least_isolated_rows(X.astype(dtype), 1 / 202)
        np.testing.assert_array_equal(np.setdiff1d(np.arange(202), kept), [121])

@pytest.mark.parametrize("call, error, match", [
    (lambda X: least_isolated_rows(X, 1.5), ValueError, r"share=1\.5.*\[0, 1\)"),
    (lambda X: least_isolated_rows(X, -0.1), ValueError, r"share=-0\.1"),
    (lambda X: least_isolated_rows(X, float("nan")), ValueError, r"share=nan"),
    (lambda X: least_isolated_rows(X, True), TypeError, r"share=True"),
    (lambda X: least_isolated_rows(X, "5%"), TypeError, r"share='5%'"),
    (lambda X: least_isolated_rows(X, 0.1, n_keep_at_least=0), ValueError,
     r"n_keep_at_least=0"),
    (lambda X: least_isolated_rows(X, 0.1, n_keep_at_least=2.5), TypeError,
     r"n_keep_at_least=2\.5"),
    (lambda X: isolation_radii(X, n_neighbors=0), ValueError, r"n_neighbors=0"),
    (lambda X: isolation_radii(X[:1]), ValueError, r"at least 2 rows.*1 row"),
    (lambda X: isolation_radii(X[0]), ValueError, r"2-D"),
    (lambda X: isolation_radii(np.where(X > 1, np.nan, X)), ValueError,
     r"contains NaN"),
])
def test_isolation_functions_check_their_arguments(call, error, match):
    # Public functions: the selector checks these before calling them, but a
    # direct call kept 1 row for share=1.5, failed inside int() for NaN and
    # in scikit-learn's neighbour search for a one-row pool.
    X = np.random.RandomState(0).normal(size=(20, 3))
    with pytest.raises(error, match=match):
        call(X)


def test_isolation_radii_name_non_finite_rows_past_the_first_block():
    """The pool is checked a block of rows at a time (2**24 values); the
    rows of a later block are numbered from its start in the pool."""
    # Two rows a block: rows 3 and 4 are in the second and third blocks.
    X = np.zeros((5, 2**23), dtype=np.float16)  # 80 MB
    X[3, 7] = np.nan
    X[4, -1] = np.inf
    with pytest.raises(ValueError, match=r"^X contains NaN in 1 row \(row 3\) "
                                         r"and infinite values in 1 row \(row 4\)"
                                         r".*Drop those rows"):
        isolation_radii(X)


_DATES = np.array([["2020-01-01", "2020-01-02"], ["2021-01-01", "2020-01-05"],
                   ["2022-01-01", "2020-01-02"]], dtype="datetime64[D]")


@pytest.mark.parametrize("X, match", [
    (np.ones((3, 2), dtype=complex) * 1j, r"Complex data.*X\.real"),
    ([[1 + 1j, 2], [3, 4], [5, 6]], r"Complex data.*X\.real"),
    (np.array([["1", "2"], ["3", "4"], ["5", "7"]]), r"X holds text"),
    ([["1", "2"], ["3", "4"], ["5", "7"]], r"X holds text"),
    (_DATES, r"X holds dates or times"),
], ids=["complex", "complex-list", "text", "text-list", "dates"])
def test_isolation_functions_refuse_what_is_not_real_numbers(X, match):
    # The estimators refuse these pools; the public functions used numbers
    # of days, or text read as numbers, as coordinates, and dropped the
    # imaginary parts with only a ComplexWarning (all radii 0 above).
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=match):
            isolation_radii(X, 1)
        with pytest.raises(ValueError, match=match):
            least_isolated_rows(X, 0.4)


def test_isolation_functions_take_lists_and_keep_one_row_pools():
    X = np.random.RandomState(0).normal(size=(12, 3))
    np.testing.assert_array_equal(isolation_radii(X.tolist()), isolation_radii(X))
    np.testing.assert_array_equal(least_isolated_rows(X.tolist(), 0.25),
                                  least_isolated_rows(X, 0.25))
    # Nothing to leave out of a one-row pool that must keep a row.
    np.testing.assert_array_equal(least_isolated_rows(X[:1], 0.5), [0])


def test_exclude_isolated_never_picks_or_starts_from_left_out_rows():
    X, outliers = _blobs_with_outliers()
    selector = ActiveFTSelector(20, init="k-means", exclude_isolated=0.05,
                                max_iter=20, random_state=0).fit(X)
    np.testing.assert_array_equal(selector.excluded_indices_, outliers)
    assert selector.exclude_isolated_ == 0.05
    assert not np.isin(selector.selected_indices_, outliers).any()
    assert not np.isin(selector.init_indices_, outliers).any()
    # The same as ActiveFT on the kept rows, row numbers mapped back.
    kept = np.setdiff1d(np.arange(X.shape[0]), outliers)
    alone = ActiveFTSelector(20, init="k-means", max_iter=20,
                             random_state=0).fit(X[kept])
    np.testing.assert_array_equal(selector.selected_indices_,
                                  kept[alone.selected_indices_])
    np.testing.assert_array_equal(selector.init_indices_, kept[alone.init_indices_])
    # Keeping every row (the default) may pick an outlier: K = 20 spread
    # over the sphere does here.
    plain = ActiveFTSelector(20, init="k-means", max_iter=20, random_state=0).fit(X)
    assert plain.excluded_indices_.size == 0 and plain.exclude_isolated_ == 0.0
    assert np.isin(plain.selected_indices_, outliers).any()


def test_exclude_isolated_auto_rule(monkeypatch):
    import sklearn_bilaf.core as core

    assert AUTO_EXCLUDE_ISOLATED == 0.05
    assert AUTO_EXCLUDE_ISOLATED_MAX_ROWS == 200_000
    X, _ = _blobs_with_outliers()
    auto = ActiveFTSelector(10, exclude_isolated="auto", max_iter=3,
                            random_state=0).fit(X)
    explicit = ActiveFTSelector(10, exclude_isolated=0.05, max_iter=3,
                                random_state=0).fit(X)
    assert auto.exclude_isolated_ == 0.05
    np.testing.assert_array_equal(auto.selected_indices_, explicit.selected_indices_)
    # Above the row limit, and with an init array, "auto" keeps every row.
    monkeypatch.setattr(core, "AUTO_EXCLUDE_ISOLATED_MAX_ROWS", X.shape[0] - 1)
    big = ActiveFTSelector(10, exclude_isolated="auto", max_iter=3,
                           random_state=0).fit(X)
    plain = ActiveFTSelector(10, max_iter=3, random_state=0).fit(X)
    assert big.exclude_isolated_ == 0.0 and big.excluded_indices_.size == 0
    np.testing.assert_array_equal(big.selected_indices_, plain.selected_indices_)
    # "Up to" the row limit: a pool of exactly that many rows is thinned.
    monkeypatch.setattr(core, "AUTO_EXCLUDE_ISOLATED_MAX_ROWS", X.shape[0])
    at_limit = ActiveFTSelector(10, exclude_isolated="auto", max_iter=3,
                                random_state=0).fit(X)
    assert at_limit.exclude_isolated_ == 0.05
    np.testing.assert_array_equal(at_limit.selected_indices_,
                                  explicit.selected_indices_)
    monkeypatch.undo()
    given = ActiveFTSelector(exclude_isolated="auto", init=[0, 1, 2],
                             max_iter=2).fit(X)
    assert given.exclude_isolated_ == 0.0
    with pytest.raises(ValueError, match="exclude_isolated=0.05 cannot be "
                                         "combined with an init array"):
        ActiveFTSelector(exclude_isolated=0.05, init=[0, 1, 2], max_iter=2).fit(X)



def test_exclude_isolated_keeps_at_least_k_rows():
    """Fewer rows are left out when round(share * N) would leave fewer than
    K: 5 of 200 with K = 195 (not the 10 of the share)."""
    X, outliers = _blobs_with_outliers()
    selector = ActiveFTSelector(195, exclude_isolated=0.05, max_iter=2,
                                random_state=0).fit(X)
    assert selector.excluded_indices_.size == 5
    assert np.isin(selector.excluded_indices_, outliers).all()
    assert np.unique(selector.selected_indices_).size == 195
    assert not np.isin(selector.selected_indices_, selector.excluded_indices_).any()

@pytest.mark.parametrize("share", [1.0, -0.1, True, "paper"])
def test_exclude_isolated_out_of_range_is_refused(share):
    with pytest.raises(ValueError, match="exclude_isolated"):
        ActiveFTSelector(3, exclude_isolated=share, max_iter=1).fit(_pool(50))


def test_exclude_isolated_keeps_the_pool_and_its_layout_out_of_the_picks():
    """The same picks for float32 C, Fortran and column-dropped layouts and
    a read-only pool; a float64 pool is never written to."""
    X, _ = _blobs_with_outliers()
    X = X.astype(np.float32)
    fit = lambda A: ActiveFTSelector(  # noqa: E731
        15, init="k-means", exclude_isolated=0.05, max_iter=10,
        random_state=1).fit(A).selected_indices_
    reference = fit(X)
    np.testing.assert_array_equal(fit(np.asfortranarray(X)), reference)
    np.testing.assert_array_equal(fit(np.c_[X, np.ones(len(X), np.float32)][:, :-1]),
                                  reference)
    readonly = X.copy()
    readonly.flags.writeable = False
    np.testing.assert_array_equal(fit(readonly), reference)
    # float64 too (normalised in a copy, not in the caller's array).
    X64 = X.astype(np.float64)
    before = X64.copy()
    X64.flags.writeable = False
    fit(X64)
    X64.flags.writeable = True
    isolation_radii(X64)
    np.testing.assert_array_equal(X64, before)


def test_exclude_isolated_radii_do_not_depend_on_threads():
    from threadpoolctl import threadpool_limits

    X = np.random.RandomState(5).normal(size=(3000, 24)).astype(np.float32)
    with threadpool_limits(1):
        one = isolation_radii(X)
    with threadpool_limits(2):
        two = isolation_radii(X)
    np.testing.assert_array_equal(one, two)


def test_exclude_isolated_refuses_zero_rows_by_their_pool_row_numbers():
    """All-zero rows are refused as without the exclusion (they have no
    direction), named by their row numbers in the pool even where the
    exclusion would have left them out."""
    X, outliers = _blobs_with_outliers()
    X[outliers[:2]] = 0.0
    zero = np.sort(outliers[:2])
    for share in (0.0, 0.05):
        with pytest.raises(ValueError,
                           match=rf"2 of them \(rows \[{zero[0]}, {zero[1]}\]\)"):
            ActiveFTSelector(5, exclude_isolated=share, max_iter=2).fit(X)


# -- the stratified k-means start ----------------------------------------------
def test_proportional_shares_follow_the_sizes():
    from sklearn_bilaf.core import proportional_shares

    np.testing.assert_array_equal(proportional_shares([5, 5, 0, 10], 7), [2, 2, 0, 3])
    # Equal remainders: the lower group first.
    np.testing.assert_array_equal(proportional_shares([3, 3, 3], 2), [1, 1, 0])
    rng = np.random.RandomState(0)
    for _ in range(200):
        sizes = rng.randint(0, 50, size=rng.randint(1, 40))
        sizes[rng.randint(sizes.size)] += 1
        total = rng.randint(0, sizes.sum() + 1)
        shares = proportional_shares(sizes, total)
        assert shares.sum() == total
        assert np.all(shares <= sizes)
        quota = sizes * total / sizes.sum()
        assert np.all(np.abs(shares - quota) < 1)
        assert np.all(shares[sizes == 0] == 0)


def test_stratified_start_shares_the_start_by_stratum_size():
    """Half the rows in a tight blob, half in a wide one: k-means gives the
    wide half nearly every centre; the stratified start keeps the tight
    half a good part of them."""
    rng = np.random.RandomState(0)
    tight = rng.normal(size=(500, 6)) * 0.02 + np.eye(6)[0]
    wide = rng.normal(size=(500, 6)) * 0.3 + np.eye(6)[1]
    X = np.r_[tight, wide]
    plain = ActiveFTSelector(100, init="k-means", max_iter=1, random_state=0).fit(X)
    strat = ActiveFTSelector(100, init="stratified", max_iter=1,
                             random_state=0).fit(X)
    assert strat.init_ == "stratified"
    assert np.sum(plain.init_indices_ >= 500) >= 90
    assert np.sum(strat.init_indices_ >= 500) <= 70
    assert np.unique(strat.init_indices_).size == 100


@pytest.mark.parametrize("n_cores", [1, 2, 29, 30, 31, 300])
def test_stratified_start_is_distinct_deterministic_and_layout_free(n_cores):
    X = _pool(n=300, d=5, seed=8).astype(np.float32)
    a = ActiveFTSelector(n_cores, init="stratified", max_iter=2, random_state=3).fit(X)
    b = ActiveFTSelector(n_cores, init="stratified", max_iter=2,
                         random_state=3).fit(np.asfortranarray(X))
    assert np.unique(a.init_indices_).size == n_cores
    np.testing.assert_array_equal(a.init_indices_, b.init_indices_)
    np.testing.assert_array_equal(a.selected_indices_, b.selected_indices_)
    assert a.centroids_.dtype == np.float32


def test_stratified_start_keeps_a_small_far_away_group():
    """Three rows far from 2,000 others make a stratum of their own, whose
    proportional share of 40 starts (0.06) rounds to nothing: the stratum
    still gets one start, as the plain k-means start gives it."""
    rng = np.random.RandomState(0)
    bulk = rng.normal(size=(2000, 6)) * 0.3 + np.eye(6)[0]
    far = rng.normal(size=(3, 6)) * 0.01 - np.eye(6)[0]
    X = np.r_[bulk, far]
    for seed in range(3):
        start = ActiveFTSelector(40, init="stratified", max_iter=1,
                                 random_state=seed).fit(X).init_indices_
        assert np.sum(start >= 2000) == 1
        assert np.unique(start).size == 40


def test_stratified_start_with_as_many_centres_as_rows():
    X = _pool(n=25, d=3, seed=9)
    selector = ActiveFTSelector(25, init="stratified", max_iter=1,
                                random_state=0).fit(X)
    np.testing.assert_array_equal(np.sort(selector.init_indices_), np.arange(25))


@pytest.mark.parametrize("n_cores, strata, where", [
    (1, "1 stratum", "k-means in it ..."),
    (40, "30 strata", "k-means in each ..."),
])
def test_stratified_start_progress_reads_naturally(capsys, n_cores, strata, where):
    """The strata line speaks of the start by the same name as the lines
    around it, and of one stratum in the singular."""
    ActiveFTSelector(n_cores, init="stratified", max_iter=1, random_state=0,
                     verbose=1).fit(_pool(n=200, d=4, seed=3))
    err = capsys.readouterr().err
    assert (f"[ActiveFTSelector] stratified k-means start: {strata} (" in err), err
    assert f"s); {where}\n" in err, err


def test_stratified_start_reports_progress_through_its_strata(monkeypatch):
    """On a large pool the strata's k-means take minutes: with a log, a
    line now and then says how many strata are done (never the last one,
    which the caller's closing line covers); without, nothing."""
    import sklearn_bilaf.core as core

    X = _pool(n=600, d=5, seed=2).astype(np.float32)
    inv = core._inverse_row_norms(X, np.float32)
    monkeypatch.setattr(core, "_PROGRESS_SECONDS", 0)
    lines = []
    quiet = core.stratified_kmeans_start(X, 60, inv, 0)
    logged = core.stratified_kmeans_start(X, 60, inv, 0, log=lines.append)
    np.testing.assert_array_equal(quiet, logged)
    progress = [line for line in lines if " done (" in line]
    assert progress[0].startswith("stratified k-means start: 1 of 30 strata done (")
    assert progress[-1].startswith("stratified k-means start: 29 of 30 strata done")


# Picks of the stratified start recorded before a single stratum stopped
# running its k-means twice (seed 11; pools of test_..._does_its_k_means_once).
_STRATIFIED_PICKS = {
    (40, 3): [[12], [7, 36], [16, 17, 36], [1, 16, 28, 37],
              [16, 27, 28, 35, 37]],
    (150, 6): [[57], [27, 115], [57, 131, 132], [57, 76, 102, 131],
               [57, 74, 76, 102, 123]],
    (317, 8): [[78], [78, 245], [78, 159, 274], [66, 124, 195, 274],
               [30, 38, 218, 228, 274]],
}


@pytest.mark.parametrize("seed, shape", list(enumerate(_STRATIFIED_PICKS)))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_stratified_start_of_one_centre_does_its_k_means_once(
        monkeypatch, seed, shape, dtype):
    """With K = 1 the single stratum is the whole pool: its k-means ran
    twice (once to cut the strata, once within the stratum, on a copy of
    the normalised pool), for the same centre.  The picks are those of
    before, for K = 1 and for K = 2 to 5."""
    import sklearn.cluster

    import sklearn_bilaf.core as core

    rng = np.random.RandomState(seed)
    X = (rng.normal(size=shape) + rng.randint(0, 3, size=(shape[0], 1))).astype(dtype)
    inv = core._inverse_row_norms(X, X.dtype)
    fits = []
    fit = sklearn.cluster.KMeans.fit
    monkeypatch.setattr(sklearn.cluster.KMeans, "fit",
                        lambda self, *a, **k: fits.append(self) or fit(self, *a, **k))
    picks = [core.stratified_kmeans_start(X, k, inv, 11).tolist()
             for k in range(1, 6)]
    assert picks == _STRATIFIED_PICKS[shape]
    # K = 1: one k-means; K = 2 to 5: the strata's, then one per stratum
    # with more rows than its share.
    assert [f.n_clusters for f in fits[:2]] == [1, 2]


def _duplicated_directions(sizes, seed=0):
    """``sizes[g]`` copies of direction g, shuffled: k-means++ seeds every
    distinct row before it repeats one, so the strata are the groups (and
    empty strata the rest when there are more strata than groups)."""
    rng = np.random.RandomState(seed)
    directions = rng.normal(size=(len(sizes), 6))
    group = rng.permutation(np.repeat(np.arange(len(sizes)), sizes))
    return directions[group], group


@pytest.mark.parametrize("sizes, n_cores, expected", [
    # Every group's share is at least one: proportional shares, the empty
    # strata taking nothing from them (not every stratum one start).
    ([6, 35, 5, 7, 26], 12, [1, 5, 1, 1, 4]),
    # A one-row group's share rounds to nothing: every group gets one start
    # and the rest go in proportion to the rows left (sizes - 1), not to the
    # sizes.
    ([1, 9, 6, 20, 34], 10, [1, 2, 1, 2, 4]),
])
def test_stratified_start_shares_follow_the_rule_with_empty_strata(
        sizes, n_cores, expected):
    from sklearn_bilaf.core import proportional_shares, stratified_kmeans_start

    X, group = _duplicated_directions(sizes)
    sizes = np.asarray(sizes)
    if np.all(proportional_shares(sizes, n_cores) > 0):
        assert proportional_shares(sizes, n_cores).tolist() == expected
    else:
        assert (1 + proportional_shares(sizes - 1, n_cores - sizes.size)).tolist() \
            == expected
    inv = 1 / np.linalg.norm(X, axis=1)
    for seed in range(2):
        picks = stratified_kmeans_start(X, n_cores, inv, seed)
        assert np.unique(picks).size == n_cores
        assert np.bincount(group[picks], minlength=sizes.size).tolist() == expected


# Picks of the stratified start with more centres than strata (seed 11),
# where strata get several starts and their k-means draw their seeds from
# the start's random state after the strata's: pinned, so that a change in
# what is drawn, or in which order, shows.
_STRATIFIED_PICKS_45 = {
    np.float64: [9, 41, 43, 62, 70, 81, 93, 98, 100, 113, 115, 120, 125, 135,
                 147, 149, 161, 172, 183, 191, 198, 199, 207, 208, 215, 225,
                 246, 264, 275, 281, 303, 304, 315, 331, 354, 355, 357, 360,
                 361, 364, 375, 377, 381, 384, 394],
    np.float32: [9, 41, 43, 70, 81, 84, 93, 98, 100, 113, 115, 120, 125, 135,
                 147, 149, 161, 172, 183, 191, 198, 199, 207, 208, 215, 225,
                 246, 264, 275, 281, 303, 304, 315, 331, 354, 355, 357, 360,
                 361, 364, 375, 377, 381, 384, 394],
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_stratified_start_with_more_centres_than_strata_is_pinned(dtype):
    import sklearn_bilaf.core as core

    rng = np.random.RandomState(4)
    X = (rng.normal(size=(400, 5)) + rng.randint(0, 3, size=(400, 1))).astype(dtype)
    inv = core._inverse_row_norms(X, X.dtype)
    picks = core.stratified_kmeans_start(X, 45, inv, 11)
    assert picks.tolist() == _STRATIFIED_PICKS_45[dtype]


def test_auto_init_applies_the_rows_limit_to_the_pool(monkeypatch):
    """The rows limit of init="auto" is on N, the pool's rows, not on K:
    one row over it gives the random start, at it the stratified one (the
    pairs limit, symmetric in N and K, cannot tell them apart)."""
    import sklearn_bilaf.core as core

    X = _pool(n=400, d=5, seed=7)
    monkeypatch.setattr(core, "AUTO_KMEANS_START_MAX_ROWS", 399)
    auto = ActiveFTSelector(30, init="auto", max_iter=2, random_state=0).fit(X)
    assert auto.init_ == "random"
    rand = ActiveFTSelector(30, init="random", max_iter=2, random_state=0).fit(X)
    np.testing.assert_array_equal(auto.init_indices_, rand.init_indices_)
    monkeypatch.setattr(core, "AUTO_KMEANS_START_MAX_ROWS", 400)
    assert ActiveFTSelector(30, init="auto", max_iter=2,
                            random_state=0).fit(X).init_ == "stratified"
