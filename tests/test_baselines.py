"""TypiClust and ProbCover selectors, checked against direct definitions."""

import warnings

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs

from sklearn_bilaf import BiLAFSampler
from sklearn_bilaf.baselines import ProbCoverSelector, TypiClustSelector

SELECTORS = [
    lambda n: TypiClustSelector(n_cores=n, random_state=0),
    lambda n: ProbCoverSelector(n_cores=n, n_classes=4, random_state=0),
]


@pytest.fixture
def blobs():
    return make_blobs(400, n_features=5, centers=4, cluster_std=1.0, random_state=0)


# -- common interface -------------------------------------------------------
@pytest.mark.parametrize("make", SELECTORS)
@pytest.mark.parametrize("n", [1, 7, 60, 400])
def test_distinct_sorted_indices_of_the_requested_count(make, blobs, n):
    X, _ = blobs
    selector = make(n).fit(X)
    idx = selector.selected_indices_
    assert idx.shape == (n,)
    assert np.unique(idx).size == n
    assert np.all(np.diff(idx) > 0)
    assert selector.n_samples_fit_ == X.shape[0]
    assert selector.transform(X).shape == (n, X.shape[1])
    np.testing.assert_array_equal(np.sort(selector.selection_order_), idx)


@pytest.mark.parametrize("make", SELECTORS)
def test_deterministic_with_random_state(make, blobs):
    X, _ = blobs
    a = make(30).fit(X).selection_order_
    b = make(30).fit(X).selection_order_
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make", SELECTORS)
def test_fraction_auto_and_budget_cap(make, blobs):
    X, _ = blobs
    selector = make(0.05)
    assert selector.fit(X).selected_indices_.size == 20
    auto = clone(selector).set_params(n_cores="auto").fit(X, budget=1)
    assert auto.selected_indices_.size == 1
    with pytest.raises(ValueError, match="budget"):
        clone(selector).set_params(n_cores=10).fit(X, budget=5)


@pytest.mark.parametrize("make", SELECTORS)
def test_float32_and_memmap_like_input(make, blobs):
    X, _ = blobs
    X32 = X.astype(np.float32)
    X32.setflags(write=False)
    assert make(12).fit(X32).selected_indices_.size == 12


@pytest.mark.parametrize("make", SELECTORS)
def test_usable_as_bilaf_core_stage(make, blobs):
    X, _ = blobs
    sampler = BiLAFSampler(40, core_selector=make(8), random_state=0).fit(X)
    assert sampler.n_cores_ == 8
    assert np.unique(sampler.selected_indices_).size == 40


# -- TypiClust --------------------------------------------------------------
def reference_typicality(X, k):
    D = cdist(X, X)
    np.fill_diagonal(D, np.inf)
    return 1.0 / np.sort(D, axis=1)[:, :k].mean(axis=1)


def test_typicality_matches_direct_definition(blobs):
    X, _ = blobs
    selector = TypiClustSelector(n_neighbors=20)
    members = np.arange(0, 150)
    np.testing.assert_allclose(selector._typicality(X, members),
                               reference_typicality(X[members], 20), rtol=1e-10)
    # Fewer neighbours than asked when the cluster is small: half of it, as
    # in the authors' code (min(K_NN, size // 2)).
    small = np.array([3, 9, 11, 50, 60])
    np.testing.assert_allclose(selector._typicality(X, small),
                               reference_typicality(X[small], 2), rtol=1e-10)
    mid = np.arange(30)
    np.testing.assert_allclose(selector._typicality(X, mid),
                               reference_typicality(X[mid], 15), rtol=1e-10)


def test_typiclust_takes_most_typical_of_largest_clusters_first():
    rng = np.random.default_rng(0)
    sizes = [120, 60, 30, 3]
    centres = np.array([[0, 0], [20, 0], [0, 20], [20, 20]], dtype=float)
    X = np.vstack([c + rng.standard_normal((s, 2))
                   for c, s in zip(centres, sizes, strict=True)])
    truth = np.repeat(np.arange(4), sizes)
    selector = TypiClustSelector(n_cores=3, random_state=0).fit(X)
    order = selector.selection_order_
    assert truth[order].tolist() == [0, 1, 2]
    for pick in order:
        cluster = np.flatnonzero(selector.labels_ == selector.labels_[pick])
        typicality = reference_typicality(X[cluster], min(20, cluster.size // 2))
        assert pick == cluster[np.argmax(typicality)]



def test_typiclust_equal_clusters_take_their_turns_by_cluster_number():
    """Clusters of equal size and equal picks take their turns by cluster
    number, the lower first: four clusters of 25, 6 picks visit clusters
    0, 1, 2, 3, then 0 and 1 again."""
    rng = np.random.default_rng(1)
    centres = np.array([[0, 0], [30, 0], [0, 30], [30, 30]], dtype=float)
    X = np.vstack([c + rng.standard_normal((25, 2)) for c in centres])
    selector = TypiClustSelector(n_cores=6, max_clusters=4, random_state=0).fit(X)
    assert np.bincount(selector.labels_).tolist() == [25, 25, 25, 25]
    assert selector.labels_[selector.selection_order_].tolist() == [0, 1, 2, 3, 0, 1]

def reference_typiclust_picks(X, n_select):
    """One cluster holding everything: each pick is the most typical of the
    samples not yet picked, typicality recomputed among them."""
    left = np.arange(len(X))
    order = []
    for _ in range(n_select):
        best = left[np.argmax(reference_typicality(X[left], min(20, left.size // 2)))]
        order.append(int(best))
        left = left[left != best]
    return order


def test_typiclust_recomputes_typicality_after_each_pick_in_a_cluster():
    # The authors' code: a second pick from a cluster is the most typical of
    # its remaining samples, not the runner-up of the first ranking.
    X = np.array([[3.4, 3.1], [3.5, 3.8], [4.1, 10.2], [5.3, 10.8], [6.3, 12.3],
                  [10.3, 13.1], [12.5, 14.2], [12.5, 17.2], [17.5, 17.2]])
    selector = TypiClustSelector(n_cores=4, max_clusters=1, random_state=0).fit(X)
    assert selector.selection_order_.tolist() == reference_typiclust_picks(X, 4)
    assert selector.selection_order_[:2].tolist() == [4, 6]  # ranked once: [4, 3]
    # typicality_ is the cluster's ranking at its first pick, every member
    # included, not the last recomputed one.
    np.testing.assert_allclose(selector.typicality_, reference_typicality(X, 4),
                               rtol=1e-12)


def test_typiclust_neighbours_are_at_most_half_the_cluster():
    X = np.array([0, 0.1, 0.2, 0.3, 5, 6, 7, 8, 9.0])[:, None]
    # k = 4 (half of 9): the tight group wins; k = 8 would pick row 4.
    selector = TypiClustSelector(n_cores=1, random_state=0).fit(X)
    assert selector.selected_indices_.tolist() == [2]



def test_typiclust_typicality_ties_go_to_the_lower_index():
    """TypiClust: between equally typical samples the lower index is taken
    (rows 1 and 2 both have mean distance 1 to their 2 nearest neighbours)."""
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    selector = TypiClustSelector(n_cores=1, max_clusters=1, min_cluster_size=1,
                                 random_state=0).fit(X)
    assert selector.typicality_[1] == selector.typicality_[2]
    assert selector.selected_indices_.tolist() == [1]



@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e6])
def test_typiclust_one_member_cluster_has_typicality_one(scale):
    """A one-member cluster has no neighbour to average over: its member's
    typicality is the documented placeholder 1.0 at any scale of X (not NaN,
    which would read as an unvisited cluster, nor a 1 / distance), and the
    cluster still takes its turn and gives that member."""
    rng = np.random.default_rng(0)
    X = np.vstack([rng.standard_normal((20, 3)), [[40.0, 40.0, 40.0]]]) * scale
    selector = TypiClustSelector(n_cores=2, min_cluster_size=1,
                                 random_state=0).fit(X)
    assert np.bincount(selector.labels_).tolist() in ([20, 1], [1, 20])
    assert selector.selection_order_[1] == 20
    assert selector.typicality_[20] == 1.0
    np.testing.assert_allclose(
        selector.typicality_[:20], reference_typicality(X[:20], 10), rtol=1e-10)
    assert TypiClustSelector()._typicality(X, np.array([7])).tolist() == [1.0]


@pytest.mark.parametrize("seed", range(20))
def test_typiclust_duplicates_are_infinitely_typical_and_tie_to_the_lower_index(seed):
    """Exact duplicates are at distance 0, not at the square root of the
    expanded form's rounding (~1e-7 on these rows): a sample with at least
    k duplicates has an infinite typicality, and equally typical samples
    give the lower index."""
    P = np.random.RandomState(seed).normal(size=(2, 8)) * 3 + 10
    X = np.vstack([P[0], P[1]] * 3)  # each row has 2 duplicates, k = 2
    selector = TypiClustSelector(n_cores=1, n_neighbors=2, max_clusters=1,
                                 min_cluster_size=1, random_state=0).fit(X)
    assert np.isinf(selector.typicality_).all()
    assert selector.selected_indices_.tolist() == [0]


@pytest.mark.parametrize("seed", range(20))
def test_typiclust_mutual_nearest_duplicated_rows_tie_to_the_lower_index(seed):
    """Rows 0 and 1 are each other's nearest other point and both have one
    duplicate: with k = 3 both mean distances are (0 + 2 D(0, 1)) / 3
    exactly, so their typicalities are equal and row 0 is taken."""
    rng = np.random.RandomState(seed)
    a = rng.normal(size=8) * 3 + 10
    b = a + rng.normal(size=8) * 0.1
    c = a + 50 + rng.normal(size=8)
    X = np.vstack([a, b, c, a, b, c])
    selector = TypiClustSelector(n_cores=1, n_neighbors=3, max_clusters=1,
                                 min_cluster_size=1, random_state=0).fit(X)
    assert selector.typicality_[0] == selector.typicality_[1]
    np.testing.assert_allclose(selector.typicality_,
                               reference_typicality(X, 3), rtol=1e-12)
    assert selector.selected_indices_.tolist() == [0]


def test_typicality_evaluates_each_distinct_pair_of_duplicates_once(monkeypatch):
    """A row with c exact duplicates has c candidate neighbours, all at
    distance 0: the direct differences are taken once per distinct pair of
    rows, not once per pair of copies (a pool of 50 WordNet rows repeated to
    10,000, TypiClust(1000): 48 s to 6 s), with the same typicalities."""
    from sklearn_bilaf import baselines

    rng = np.random.RandomState(0)
    base = rng.normal(size=(6, 16)) * 3 + 10
    X = np.tile(base, (50, 1))  # 300 rows, each 50 times
    members = np.arange(len(X))
    rows_differenced = []
    real_sq_norms = baselines.sq_norms

    def counting_sq_norms(A):
        rows_differenced.append(len(A))
        return real_sq_norms(A)

    monkeypatch.setattr(baselines, "sq_norms", counting_sq_norms)
    got = TypiClustSelector(n_neighbors=20)._typicality(X, members)
    # One pass for the centred rows' norms, then the distinct pairs (36).
    assert sum(rows_differenced) < 2 * len(X), sum(rows_differenced)
    assert np.isinf(got).all()  # 49 duplicates each: k = 20 zeros
    # Fewer copies than neighbours: the definition's values, and the same
    # bits as evaluating every pair of copies.
    monkeypatch.setattr(baselines, "sq_norms", real_sq_norms)
    X = np.vstack([base, base, base[:3]])
    selector = TypiClustSelector(n_neighbors=4)
    got = selector._typicality(X, np.arange(len(X)))
    np.testing.assert_allclose(got, reference_typicality(X, 4), rtol=1e-12)
    monkeypatch.setattr(baselines, "unique_rows", lambda A: (A, None),
                        raising=False)
    np.testing.assert_array_equal(got, selector._typicality(X, np.arange(len(X))))


def test_typiclust_cluster_of_exactly_min_cluster_size_is_eligible():
    """TypiClust ignores clusters of *fewer* than min_cluster_size points: a
    cluster of exactly 5 still gives a sample."""
    rng = np.random.default_rng(2)
    X = np.vstack([rng.standard_normal((100, 2)),
                   [100.0, 100.0] + rng.standard_normal((5, 2))])
    selector = TypiClustSelector(n_cores=2, min_cluster_size=5,
                                 random_state=0).fit(X)
    assert np.bincount(selector.labels_).tolist() in ([100, 5], [5, 100])
    assert (selector.selected_indices_ >= 100).sum() == 1


@pytest.mark.parametrize("size, far_picks", [(4, 0), (5, 1)])
def test_typiclust_ignores_clusters_of_fewer_than_five_by_default(size, far_picks):
    """Kills: a default ``min_cluster_size`` of 4 or 6 (the spec appendix:
    TypiClust ignores clusters of fewer than 5 points; only the docs test,
    comparing the docstring with the signature, saw the default).  The far
    cluster gives a sample from 5 points on; below, the large cluster has
    room for both."""
    rng = np.random.default_rng(2)
    X = np.vstack([rng.standard_normal((100, 2)),
                   [100.0, 100.0] + rng.standard_normal((size, 2))])
    selector = TypiClustSelector(n_cores=2, random_state=0).fit(X)
    assert sorted(np.bincount(selector.labels_).tolist()) == [size, 100]
    assert (selector.selected_indices_ >= 100).sum() == far_picks

def test_typicality_is_accurate_far_from_the_origin(blobs):
    """_typicality centres the cluster before the expanded-form distances, so
    an offset of 1e4 (spread ~1) costs no accuracy against cdist."""
    X, _ = blobs
    X = X + 1e4
    members = np.arange(0, 150)
    np.testing.assert_allclose(TypiClustSelector()._typicality(X, members),
                               reference_typicality(X[members], 20), rtol=1e-10)



def test_typicality_is_exact_where_the_screen_cannot_order_the_neighbours():
    """Rows 1e7 from a tight group move the cluster's mean far from it, so
    the group's centred squared norms (about 1e13) make the screened
    distances within the group (about 1) off by far more than their
    differences: the neighbours are those within the rounding of the k-th
    screened one, decided on direct differences (taking the k smallest
    screened ones missed the true nearest)."""
    rng = np.random.RandomState(0)
    X = np.vstack([rng.standard_normal((40, 3)),
                   1e7 + rng.standard_normal((10, 3))])
    np.testing.assert_allclose(TypiClustSelector(n_neighbors=5)._typicality(
        X, np.arange(50)), reference_typicality(X, 5), rtol=1e-12)

def _two_clusters_and_a_tiny_one():
    rng = np.random.default_rng(1)
    sizes = [100, 100, 3]
    centres = np.array([[0, 0], [30, 0], [0, 30]], dtype=float)
    X = np.vstack([c + rng.standard_normal((s, 2))
                   for c, s in zip(centres, sizes, strict=True)])
    return X, np.repeat(np.arange(3), sizes)


def test_typiclust_skips_tiny_clusters_and_cycles_when_capped():
    X, truth = _two_clusters_and_a_tiny_one()
    # Three clusters, the tiny one ignored: 6 picks alternate between the two.
    selector = TypiClustSelector(n_cores=6, max_clusters=3, random_state=0).fit(X)
    assert np.bincount(truth[selector.selected_indices_], minlength=3).tolist() == [
        3, 3, 0]
    # Without enough room elsewhere the tiny cluster is used too.
    tiny = TypiClustSelector(n_cores=203, max_clusters=3, random_state=0).fit(X)
    assert tiny.selected_indices_.size == 203


def test_typiclust_small_clusters_stay_ignored_when_the_others_just_fit():
    """TypiClust uses clusters below min_cluster_size only when the others hold
    *fewer* than n_cores samples; holding exactly n_cores is enough."""
    X, truth = _two_clusters_and_a_tiny_one()
    selector = TypiClustSelector(n_cores=200, max_clusters=3, random_state=0).fit(X)
    assert np.bincount(truth[selector.selected_indices_], minlength=3).tolist() == [
        100, 100, 0]


# -- ProbCover --------------------------------------------------------------
def reference_purity(X, labels, radius):
    D = cdist(X, X)
    ball = D < radius
    return np.mean([np.all(labels[ball[i]] == labels[i]) for i in range(len(X))])


def reference_probcover(X, radius, n_select):
    """Greedy max coverage, dense, straight from the description."""
    ball = cdist(X, X) < radius
    covered = np.zeros(len(X), dtype=bool)
    order = []
    for _ in range(n_select):
        gain = (ball & ~covered[None, :]).sum(axis=1)
        if gain.max() == 0:
            break
        best = int(np.argmax(gain))
        order.append(best)
        covered |= ball[best]
    return order


def test_probcover_radius_is_the_largest_with_enough_purity(blobs):
    X, _ = blobs
    selector = ProbCoverSelector(n_cores=5, n_classes=4, random_state=0).fit(X)
    kmeans = KMeans(4, n_init="auto", random_state=np.random.RandomState(0))
    labels = kmeans.fit_predict(X)
    r = selector.radius_
    assert reference_purity(X, labels, r) >= 0.95
    assert reference_purity(X, labels, r) == pytest.approx(selector.purity_)
    # A radius larger by more than the rounding margin breaks the threshold.
    assert reference_purity(X, labels, r * (1 + 2e-6)) < 0.95



def test_probcover_purity_meets_a_threshold_between_two_counts(blobs):
    """ProbCover: at least ceil(threshold * n) balls must be pure; with
    0.951 * 400 = 380.4 that is 381, so purity_ >= 0.951 (380 would not do)."""
    X, _ = blobs
    selector = ProbCoverSelector(n_cores=5, n_classes=4, purity_threshold=0.951,
                                 random_state=0).fit(X)
    assert selector.purity_ >= 0.951


def test_probcover_greedy_matches_dense_reference(blobs):
    X, _ = blobs
    selector = ProbCoverSelector(n_cores=25, radius=1.5, random_state=0).fit(X)
    expected = reference_probcover(X, 1.5, 25)
    assert len(expected) == 25
    assert selector.selection_order_.tolist() == expected


def test_probcover_random_after_full_coverage(blobs):
    X, _ = blobs
    full = reference_probcover(X, 3.0, 400)
    selector = ProbCoverSelector(n_cores=len(full) + 10, radius=3.0,
                                 random_state=0).fit(X)
    assert selector.selection_order_[: len(full)].tolist() == full
    assert selector.coverage_ == 1.0
    assert np.unique(selector.selection_order_).size == len(full) + 10




def test_probcover_random_picks_after_full_coverage_follow_random_state(blobs):
    """The picks after full coverage are drawn with random_state, as
    documented: the same seed repeats them, another seed draws others (a
    fixed stream passed every test seeded with 0)."""
    X, _ = blobs

    def rest(seed):
        selector = ProbCoverSelector(n_cores=60, radius=3.0,
                                     random_state=seed).fit(X)
        return selector.selection_order_[selector.n_covering_picks_:].tolist()

    assert len(rest(1)) > 10
    assert rest(1) == rest(1)
    assert rest(1) != rest(2)


def test_probcover_purity_kmeans_is_seeded_by_random_state(blobs):
    """random_state seeds the purity's k-means: with more clusters than the
    pool's four blobs, where the clustering depends on the seed, the radius
    is that of the clusters of KMeans with the seed (a fixed seed passed)."""
    X, _ = blobs

    def radius(seed):
        return ProbCoverSelector(n_cores=5, n_classes=7,
                                 random_state=seed).fit(X).radius_

    def expected(seed):
        labels = KMeans(7, n_init="auto", random_state=seed).fit_predict(X)
        distances = cdist(X, X)
        distances[labels[:, None] == labels[None, :]] = np.inf
        # Largest radius leaving ceil(0.95 N) balls pure, less the margin.
        limit = np.sort(distances.min(axis=1))[len(X) - int(np.ceil(0.95 * len(X)))]
        return limit * (1 - 1e-6)

    for seed in (1, 2):
        assert radius(seed) == pytest.approx(expected(seed), rel=1e-12)
    assert radius(1) != radius(2)

@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_probcover_radius_beyond_the_diameter_builds_no_graph(blobs, metric,
                                                               monkeypatch):
    """A given radius larger than the pool's diameter: every ball is the whole
    pool, so the picks are the graph's (row 0, then random) without building
    an N x N graph; a radius just below the diameter still builds it."""
    import sklearn_bilaf.baselines as baselines

    X, _ = blobs
    X = X + 1e3  # far from the origin: the bound must allow for rounding
    geometry = baselines._in_geometry(X, metric)
    diameter = cdist(geometry, geometry).max()
    dense = ProbCoverSelector(n_cores=30, radius=diameter * 1.001, metric=metric,
                              random_state=0).fit(X)
    assert dense.n_edges_ == X.shape[0] ** 2  # built: every pair is an edge

    def no_graph(*args, **kwargs):
        raise AssertionError("the ball graph was built")

    monkeypatch.setattr(baselines, "NearestNeighbors", no_graph)
    for radius in (diameter * 2.5, 1e9):
        huge = ProbCoverSelector(n_cores=30, radius=radius, metric=metric,
                                 random_state=0).fit(X)
        assert huge.selection_order_.tolist() == dense.selection_order_.tolist()
        assert huge.n_edges_ == X.shape[0] ** 2 and huge.coverage_ == 1.0
    with pytest.raises(AssertionError, match="graph was built"):
        ProbCoverSelector(n_cores=30, radius=diameter * 0.99, metric=metric,
                          random_state=0).fit(X)

def test_probcover_graph_is_sparse_and_cosine_option(blobs):
    X, _ = blobs
    selector = ProbCoverSelector(n_cores=10, n_classes=4, random_state=0).fit(X)
    assert selector.n_edges_ < X.shape[0] ** 2 / 4
    cosine = ProbCoverSelector(n_cores=10, n_classes=4, metric="cosine",
                               random_state=0).fit(X + 20)
    assert cosine.selected_indices_.size == 10


def test_probcover_single_class_and_bad_params(blobs):
    X, _ = blobs
    assert ProbCoverSelector(n_cores=4, n_classes=1,
                             random_state=0).fit(X).selected_indices_.size == 4
    # The selector's own parameter check must refuse the radius (not a later
    # error from the NearestNeighbors graph, which accepts 0 and refuses only
    # negative radii).
    for radius in (-1.0, 0.0):
        with pytest.raises(ValueError,
                           match="'radius' parameter of ProbCoverSelector"):
            ProbCoverSelector(n_cores=4, radius=radius).fit(X)



def test_probcover_purity_of_a_single_ball_gives_a_finite_radius(blobs):
    """A threshold that one pure ball meets (1 / N) still gives a finite
    radius: the largest distance to another cluster, less the margin.  Only
    a threshold of 0 (or one cluster) makes every radius pure enough (inf
    passed for 1 / N too)."""
    X, _ = blobs
    selector = ProbCoverSelector(n_cores=5, n_classes=4, purity_threshold=1 / len(X),
                                 random_state=0).fit(X)
    labels = KMeans(4, n_init="auto", random_state=0).fit_predict(X)
    distances = cdist(X, X)
    distances[labels[:, None] == labels[None, :]] = np.inf
    assert selector.radius_ == pytest.approx(
        distances.min(axis=1).max() * (1 - 1e-6), rel=1e-12)
    assert selector.purity_ == 1 / len(X)


def test_probcover_pool_smaller_than_n_classes():
    """A pool of fewer rows than n_classes (the default 10) is clustered
    into as many clusters as rows, not refused by k-means."""
    X = np.random.RandomState(0).standard_normal((6, 3))
    selector = ProbCoverSelector(n_cores=2, random_state=0).fit(X)
    assert selector.selected_indices_.size == 2

def test_probcover_balls_are_open():
    # An edge x -> y when D(x, y) < delta (the paper): on integer data at
    # radius 1 no ball holds a neighbour at distance exactly 1.
    X = np.array([[0.0], [1.0], [2.0], [5.0], [6.0]])
    selector = ProbCoverSelector(n_cores=2, radius=1.0, random_state=0).fit(X)
    assert selector.selection_order_.tolist() == [0, 1]
    assert selector.coverage_ == pytest.approx(0.4)
    assert selector.n_edges_ == 5
    assert selector.selection_order_.tolist() == reference_probcover(X, 1.0, 2)


@pytest.mark.parametrize("params", [{"n_classes": 1}, {"purity_threshold": 0.0}])
def test_probcover_infinite_radius_builds_no_graph(blobs, monkeypatch, params):
    import sklearn_bilaf.baselines as baselines

    def no_graph(*args, **kwargs):
        raise AssertionError("an infinite radius must not build the N x N graph")

    X, _ = blobs
    monkeypatch.setattr(baselines, "NearestNeighbors", no_graph)
    selector = ProbCoverSelector(n_cores=6, random_state=0, **params).fit(X)
    assert selector.radius_ == np.inf
    assert selector.selection_order_[0] == 0  # every ball covers the pool
    assert selector.n_covering_picks_ == 1 and selector.coverage_ == 1.0
    assert np.unique(selector.selection_order_).size == 6


@pytest.mark.parametrize("params", [{"n_classes": 1}, {"radius": 1e3}])
def test_probcover_whole_pool_balls_first_pick_row_0_for_any_seed(blobs, params):
    """Where every ball holds the whole pool, the first pick is row 0 (the
    ties' lower index) whatever random_state, as documented; only the
    other picks follow the seed."""
    X, _ = blobs
    orders = [ProbCoverSelector(n_cores=6, random_state=seed, **params)
              .fit(X).selection_order_ for seed in range(5)]
    assert [order[0] for order in orders] == [0] * 5
    assert len({tuple(order[1:]) for order in orders}) > 1


@pytest.mark.filterwarnings("ignore:ProbCoverSelector's k-means found only")
def test_probcover_purity_is_one_when_the_clusters_never_meet():
    """Identical rows: k-means fills one cluster of the ten asked for, every
    ball is pure at any radius, so the radius is inf and its purity 1."""
    X = np.ones((40, 3))
    selector = ProbCoverSelector(n_cores=5, n_classes=10, random_state=0).fit(X)
    assert selector.radius_ == np.inf
    assert selector.purity_ == 1.0
    pure_any = ProbCoverSelector(n_cores=5, n_classes=10, purity_threshold=0.0,
                                 random_state=0).fit(X)
    assert pure_any.radius_ == np.inf and pure_any.purity_ == 1.0


def test_probcover_smaller_budget_is_a_prefix_of_the_greedy_picks(blobs):
    X, _ = blobs
    large = ProbCoverSelector(n_cores=30, radius=1.0, random_state=0).fit(X)
    assert large.n_covering_picks_ == 30
    small = ProbCoverSelector(n_cores=12, radius=1.0, random_state=3).fit(X)
    np.testing.assert_array_equal(small.selection_order_,
                                  large.selection_order_[:12])


def test_probcover_a_pair_at_the_radius_is_in_both_balls_or_neither():
    """ProbCover: the radius search computes D(x, y) and D(y, x) apart, and
    they can differ in their last bit; at a radius between the two, y was in
    x's ball but not x in y's, the greedy count of x's ball kept y after y
    was covered, and x was picked again once the pool was covered (an error
    about a repeated row).  Such a pair is decided once, for both balls."""
    from sklearn.neighbors import NearestNeighbors

    X = np.random.default_rng(0).normal(size=(300, 32))  # brute-force search
    D = NearestNeighbors(radius=1e9).fit(X).radius_neighbors_graph(
        mode="distance").toarray()
    one_sided = np.argwhere(D < D.T)
    if not one_sided.size:
        pytest.skip("this BLAS gives symmetric distances")
    i, j = one_sided[0]
    radius = D[j, i]  # D(i, j) < radius == D(j, i)
    selector = ProbCoverSelector(n_cores=300, radius=radius,
                                 random_state=0).fit(X)
    assert selector.coverage_ == 1.0
    greedy = selector.selection_order_[: selector.n_covering_picks_]
    exact = cdist(X, X)
    assert (exact[i, j] < radius) == (exact[j, i] < radius)
    assert greedy.tolist() == reference_probcover(X, radius, 300)


def _whole_query_graph(X, radius):
    """The ball graph as it was built before the chunked queries: one radius
    query of the whole pool (scikit-learn's radius_neighbors_graph), open
    balls, self-loops, then one decision per pair."""
    import scipy.sparse as sp
    from sklearn.neighbors import NearestNeighbors

    from sklearn_bilaf.baselines import _one_decision_per_pair

    graph = NearestNeighbors(radius=radius).fit(X).radius_neighbors_graph(
        mode="distance")
    graph.data = (graph.data < radius).astype(np.float64)
    graph.eliminate_zeros()
    graph = (graph + sp.identity(X.shape[0], format="csr")).tocsr()
    graph.sum_duplicates()
    return _one_decision_per_pair(graph.indptr.astype(np.int64),
                                  graph.indices.astype(np.int32), X, radius)


@pytest.mark.parametrize("n_features, dtype", [(3, np.float64), (40, np.float64),
                                               (40, np.float32)])
@pytest.mark.parametrize("working_memory", [1024, 0.01])
def test_probcover_graph_in_chunks_is_the_whole_querys(n_features, dtype,
                                                       working_memory):
    """The ball graph is queried in row chunks (to bound its memory) aligned
    to scikit-learn's distance tiles: each pair is decided as in one query of
    the whole pool, for a tree search (3 features) and the brute-force one,
    whatever the chunks (a tiny working_memory gives one tile per chunk)."""
    import sklearn

    from sklearn_bilaf.baselines import _ball_graph

    rng = np.random.default_rng(1)
    X = rng.normal(size=(1100, n_features)).astype(dtype)
    X[50:60] = X[7]  # exact duplicates: explicit zero distances
    if n_features == 3:
        X = np.round(X * 2) / 2  # a grid: distances exactly at the radius
    radius = float(np.quantile(cdist(X[:200], X[:200]), 0.3))
    if n_features == 3:
        radius = 1.0  # the grid's own spacing: pairs at the radius exist
    with sklearn.config_context(pairwise_dist_chunk_size=128):
        expected_indptr, expected_indices = _whole_query_graph(X, radius)
        with sklearn.config_context(working_memory=working_memory):
            indptr, indices = _ball_graph(X, radius)
    assert indices.dtype == np.int32
    np.testing.assert_array_equal(indptr, expected_indptr)
    np.testing.assert_array_equal(indices, expected_indices)
    assert indptr[-1] > 3 * X.shape[0]  # balls with neighbours


def test_probcover_dense_graph_memory_per_edge():
    """A dense ball graph is held at 4 bytes an edge, built from chunks
    within working_memory, and the greedy updates stay within it too: the
    peak was about 36 bytes an edge (scikit-learn's radius_neighbors_graph,
    float64 distances and int64 indices, then the copies made from it) and
    is about 12."""
    import tracemalloc

    import sklearn

    X = np.random.default_rng(0).normal(size=(4000, 20)).astype(np.float32)
    radius = float(np.quantile(cdist(X[:300], X[:300]), 0.5))
    tracemalloc.start()
    try:
        with sklearn.config_context(working_memory=4):
            selector = ProbCoverSelector(n_cores=20, radius=radius,
                                         random_state=0).fit(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert selector.n_edges_ > 5_000_000
    assert peak / selector.n_edges_ < 16


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_probcover_cosine_names_the_all_zero_rows(dtype):
    """As FarthestPointSelector and ActiveFT do: the rows, and ProbCover's
    own way out (it gave only their number)."""
    X = np.random.default_rng(0).random((50, 4)).astype(dtype)
    X[[3, 17]] = 0
    with pytest.raises(ValueError, match=r"has 2 of them \(rows \[3, 17\]\)"
                                         r".*ProbCoverSelector\(metric='euclidean'\)"):
        ProbCoverSelector(5, metric="cosine", random_state=0).fit(X)
    X[[3, 17]] = 1e-30  # tiny but not zero: a direction
    assert ProbCoverSelector(5, metric="cosine", random_state=0).fit(
        X).selected_indices_.size == 5


def test_ball_graph_keeps_each_sample_when_the_search_finds_none(monkeypatch):
    """The radius search can miss a sample's own row (its expanded-form
    distance to itself rounds above a tiny radius); a chunk in which it
    finds nothing still gives every sample its own ball."""
    from sklearn.neighbors import NearestNeighbors

    from sklearn_bilaf import baselines

    class FindsNothing(NearestNeighbors):
        def radius_neighbors(self, X=None, radius=None, return_distance=True,
                             sort_results=False):
            empty = np.empty(len(X), dtype=object)
            for i in range(len(X)):
                empty[i] = np.empty(0)
            return empty, empty.copy()

    monkeypatch.setattr(baselines, "NearestNeighbors", FindsNothing)
    X = np.random.RandomState(0).normal(size=(7, 3))
    indptr, indices = baselines._ball_graph(X, 1e-300)
    np.testing.assert_array_equal(indptr, np.arange(8))
    np.testing.assert_array_equal(indices, np.arange(7))


def test_probcover_purity_distances_stay_within_working_memory():
    """The purity radius masked each distance chunk's same-cluster entries
    with a boolean array an eighth of the chunk's size, on top of a chunk
    that already fills ``working_memory`` (18.3 MiB for 16)."""
    import tracemalloc

    import sklearn

    X = np.random.RandomState(0).standard_normal((8000, 8))
    selector = ProbCoverSelector(20, n_classes=5, random_state=0)
    with sklearn.config_context(working_memory=16):
        expected = selector._pure_radius(X, 0)
        tracemalloc.start()
        try:
            assert selector._pure_radius(X, 0) == expected
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 1.08 * 16 * 2**20, peak / 2**20


def _exact_pool(dtype, order="C"):
    """700 rows of multiples of 2^-8 below 8 in 24 columns: every product,
    squared norm and expanded-form sum is exact in float64 whatever BLAS's
    blocking, while the squared distances need more than float32's 24
    bits (their rounding to float32, then the square root, show), and
    arbitrary labels of 7 clusters, one of them in a single stretch of rows,
    with duplicate rows across clusters (distance 0)."""
    rng = np.random.default_rng(0)
    X = np.round(rng.uniform(-8, 8, size=(700, 24)) * 256) / 256
    X[[100, 400, 650]] = X[5]
    labels = rng.integers(0, 6, size=700)
    labels[300:340] = 6
    labels[[5, 100, 400, 650]] = [0, 1, 2, 6]
    return np.asarray(X, dtype=dtype, order=order), labels


@pytest.mark.parametrize("dtype, order", [(np.float32, "C"), (np.float64, "C"),
                                          (np.float64, "F")])
@pytest.mark.parametrize("working_memory", [1, 0.05])
def test_probcover_tiled_purity_distances_are_the_chunked_ones(
        dtype, order, working_memory, monkeypatch):
    """Chunks of fewer than 256 rows repeated the validation, the float64
    copy (float32) and the squared norms of the whole pool for every few
    rows (13 rows for 10,000 WordNet rows at 1 MiB: several times the
    default's time).  Such settings now compute the purity distances
    in square tiles within working_memory: the same values as the chunked
    path, bit for bit where BLAS's products are exact (here, as on digits
    and WordNet), through ragged tiles (57 rows at 0.05 MiB), a float32
    pool's rounding and a Fortran-ordered pool; the default setting still
    takes the chunked path."""
    import sklearn

    from sklearn_bilaf import baselines

    X, labels = _exact_pool(dtype, order)
    tiled = []
    original = baselines._nearest_other_tiled

    def spy(*args):
        tiled.append(True)
        return original(*args)

    monkeypatch.setattr(baselines, "_nearest_other_tiled", spy)
    with sklearn.config_context(working_memory=working_memory):
        expected = baselines._nearest_other_chunked(X, labels, 7)
        got = baselines._nearest_other_cluster(X, labels, 7)
    assert tiled  # the fast path was taken
    # The default setting keeps scikit-learn's chunks (the benchmarks' bits).
    tiled.clear()
    assert np.array_equal(baselines._nearest_other_cluster(X, labels, 7), got)
    assert not tiled
    assert got.dtype == np.float64
    assert np.array_equal(got, expected)
    assert got[5] == 0  # duplicates across clusters
    if dtype == np.float32:  # the distances are float32's, not float64's
        assert np.array_equal(got, got.astype(np.float32))
        assert not np.array_equal(
            got, baselines._nearest_other_chunked(X.astype(np.float64), labels, 7))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_probcover_radius_and_picks_do_not_depend_on_a_small_working_memory(
        digits, dtype):
    """On digits (exact products) a working_memory of 1 MiB (the tiled
    purity distances, 72 rows a chunk) gives the radius, purity and picks
    of the default (the chunked ones), bit for bit."""
    import sklearn

    X = digits[0].astype(dtype)
    selector = ProbCoverSelector(20, n_classes=10, random_state=0)
    expected = clone(selector).fit(X)
    with sklearn.config_context(working_memory=1):
        got = clone(selector).fit(X)
    assert got.radius_ == expected.radius_
    assert got.purity_ == expected.purity_
    np.testing.assert_array_equal(got.selection_order_, expected.selection_order_)


def test_probcover_tiled_purity_distances_stay_within_working_memory():
    """The tiles, with their float64 copies of a float32 pool's rows, fit
    working_memory, beside a few arrays of one value a row and numpy's
    buffers for broadcast operations (up to 128 KiB): scikit-learn's chunks
    (43 rows) peaked at 3.9 MiB."""
    import tracemalloc

    import sklearn

    from sklearn_bilaf.baselines import _nearest_other_cluster

    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 200)).astype(np.float32)
    labels = rng.integers(0, 5, size=3000)
    with sklearn.config_context(working_memory=1):
        tracemalloc.start()
        try:
            _nearest_other_cluster(X, labels, 5)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 2**20 + 2**17 + 40 * X.shape[0], peak / 2**20


@pytest.mark.parametrize("dtype, exponent", [(np.float32, -80), (np.float32, -100),
                                             (np.float64, -500), (np.float64, 450)])
@pytest.mark.parametrize("n_features", [3, 20])
def test_probcover_is_unchanged_by_a_power_of_two_scale(n_features, dtype, exponent):
    """ProbCover on a pool scaled by a power of two (exact) selects what it
    selects on the pool itself.  float32 rows under about 1e-19 gave squared
    distances that underflow float32: a purity radius of 0, balls holding
    their sample alone, and rows 0, 1, 2, ... picked."""
    X, _ = make_blobs(300, n_features=n_features, centers=3, random_state=0)
    X = X.astype(dtype)
    scaled = np.ldexp(X, exponent)
    assert np.array_equal(np.ldexp(scaled, -exponent), X)  # exact scaling
    for params in ({"n_classes": 3}, {"radius": 2.0}):
        base = ProbCoverSelector(n_cores=12, random_state=0, **params).fit(X)
        if "radius" in params:
            params = {"radius": float(np.ldexp(2.0, exponent))}
        tiny = ProbCoverSelector(n_cores=12, random_state=0, **params).fit(scaled)
        np.testing.assert_array_equal(tiny.selection_order_, base.selection_order_)
        assert tiny.radius_ == np.ldexp(base.radius_, exponent)
        assert tiny.purity_ == base.purity_
        assert tiny.n_edges_ == base.n_edges_
        assert tiny.n_covering_picks_ == base.n_covering_picks_
    # A radius past float64's range once scaled covers the pool, quietly.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        huge = ProbCoverSelector(n_cores=3, radius=1e300, random_state=0).fit(scaled)
    assert huge.radius_ == 1e300 and huge.coverage_ == 1.0


@pytest.mark.parametrize("n_cores", [5, 60])
def test_typiclust_notes_say_how_many_kmeans_runs(monkeypatch, n_cores):
    """TypiClust's k-means (KMeans up to 50 clusters, MiniBatchKMeans beyond)
    runs once, where the authors' code kept the best of scikit-learn 1.0's
    default 10 (KMeans) or 3 (MiniBatchKMeans) runs: a difference that can
    change picks, so the Notes list it with the others."""
    import sklearn_bilaf.baselines as baselines

    runs = []

    def spying_on(original):
        def spy(*args, **kwargs):
            runs.append(original(*args, **kwargs))
            return runs[-1]
        return spy

    for name in ("KMeans", "MiniBatchKMeans"):
        monkeypatch.setattr(baselines, name, spying_on(getattr(baselines, name)))
    X, _ = make_blobs(400, n_features=3, centers=4, random_state=0)
    TypiClustSelector(n_cores=n_cores, random_state=0).fit(X)
    assert [estimator._n_init for estimator in runs] == [1]
    text = " ".join(TypiClustSelector.__doc__.split())
    assert "Four details differ from the authors' code" in text
    assert ('k-means runs once (``n_init="auto"``: one k-means++ start), where '
            "their code, under scikit-learn 1.0, kept the best of 10 runs of "
            "``KMeans`` or of 3 of ``MiniBatchKMeans``") in text



@pytest.mark.parametrize("n_cores, kind", [(50, "KMeans"), (51, "MiniBatchKMeans")])
def test_typiclust_clusters_with_kmeans_up_to_fifty_clusters(monkeypatch, n_cores,
                                                             kind):
    """KMeans for up to 50 clusters (50 included), MiniBatchKMeans in
    batches of 5,000 rows beyond, as documented (the recipe of the authors'
    code)."""
    import sklearn_bilaf.baselines as baselines

    made = []

    def recording(name):
        original = getattr(baselines, name)

        def make(*args, **kwargs):
            made.append((name, kwargs.get("batch_size")))
            return original(*args, **kwargs)
        return make

    for name in ("KMeans", "MiniBatchKMeans"):
        monkeypatch.setattr(baselines, name, recording(name))
    X, _ = make_blobs(400, n_features=3, centers=4, random_state=0)
    TypiClustSelector(n_cores=n_cores, random_state=0).fit(X)
    assert made == [(kind, None if kind == "KMeans" else 5000)]



def test_typiclust_kmeans_is_seeded_by_random_state(blobs):
    """random_state seeds the k-means: labels_ are those of KMeans with that
    seed (a fixed seed passed every test run with random_state=0)."""
    X, _ = blobs
    labels = []
    for seed in (1, 2):
        selector = TypiClustSelector(n_cores=9, random_state=seed).fit(X)
        expected = KMeans(9, n_init="auto", random_state=seed).fit_predict(X)
        np.testing.assert_array_equal(selector.labels_, expected)
        labels.append(expected)
    assert not np.array_equal(*labels)

@pytest.mark.parametrize("params", [{"n_neighbors": 0}, {"min_cluster_size": 0},
                                    {"max_clusters": 0}])
def test_typiclust_refuses_invalid_parameters(blobs, params):
    """Counts below 1 are refused by the selector's own check, naming the
    parameter (0 neighbours or a minimum size of 0 ran as 1 silently)."""
    (name,) = params
    with pytest.raises(ValueError,
                       match=f"'{name}' parameter of TypiClustSelector"):
        TypiClustSelector(n_cores=4, **params).fit(blobs[0])


def test_typiclust_max_clusters_none_clusters_into_n_cores(blobs):
    """max_clusters=None (documented) is accepted and clusters the pool into
    exactly n_cores clusters, one pick each."""
    X, _ = blobs
    selector = TypiClustSelector(n_cores=12, max_clusters=None, min_cluster_size=1,
                                 random_state=0).fit(X)
    assert np.unique(selector.labels_).size == 12
    assert np.unique(selector.labels_[selector.selected_indices_]).size == 12

def test_typiclust_small_clusters_take_their_turn_once_the_others_fall_short():
    """One sample short of the two large clusters' 200, the tiny cluster of 3
    takes its turn in the rotation like the others (all 3 of its samples
    here), as the docstring says; not only the one sample missing."""
    X, truth = _two_clusters_and_a_tiny_one()
    selector = TypiClustSelector(n_cores=201, max_clusters=3, random_state=0).fit(X)
    assert np.bincount(truth[selector.selected_indices_], minlength=3).tolist() == [
        99, 99, 3]
    text = " ".join(TypiClustSelector.__doc__.split())
    assert ("then every non-empty cluster takes its turn in the rotation, from "
            "the first pick, as if there were no minimum") in text


def test_probcover_cosine_radius_is_a_distance_between_normalised_rows():
    """ProbCoverSelector(metric="cosine") takes and reports its radius as the
    Euclidean distance between L2-normalised rows, sqrt(2 (1 - cos)), not
    the library's cosine distance 1 - cos; its docstring says so."""
    angle = np.arccos(0.9)  # cosine distance 0.1, normalised rows sqrt(0.2) apart
    X = np.array([[1.0, 0.0], [3 * np.cos(angle), 3 * np.sin(angle)]])
    apart = ProbCoverSelector(n_cores=1, radius=0.2, metric="cosine").fit(X)
    assert apart.coverage_ == 0.5  # 1 - cos = 0.1 < 0.2, yet not in the ball
    within = ProbCoverSelector(n_cores=1, radius=np.sqrt(2 * 0.1) * 1.01,
                               metric="cosine").fit(X)
    assert within.coverage_ == 1.0
    text = " ".join(ProbCoverSelector.__doc__.split())
    assert ('With ``metric="cosine"`` it is a Euclidean distance between '
            "L2-normalised rows, ``sqrt(2 * (1 - cos))``") in text
    assert "balls of cosine distance c have ``radius=sqrt(2 * c)``" in text


@pytest.mark.parametrize("dtype, shift, step, n_features", [
    (np.float64, 2.0**20, None, 20), (np.float64, 2.0**30, None, 20),
    (np.float32, 1e6, 2.0**-4, 64)])
def test_probcover_is_unchanged_by_a_translation_far_from_the_origin(
        dtype, shift, step, n_features):
    """ProbCover on a pool moved far from the origin (every row plus the same
    vector, exactly) selects what it selects on the pool where it was: its
    distances are those of the moved pool.  The purity distances and the
    radius search take them in the expanded form ``|x|^2 - 2 x.y + |y|^2``
    (float64 even for a float32 pool), whose rounding grows with ``|x|^2``:
    a float64 pool 2^20 times its spread from the origin lost the digits
    the radius's relative margin of 1e-6 relies on (its radius 1.3e-6 off),
    one 2^30 away all of them (radius 0, rows 0, 1, 2, ... picked), and a
    float32 pool of 64 features 1e6 away had another radius and, with the
    same radius, another ball graph."""
    X, _ = make_blobs(400, n_features=n_features, centers=4, cluster_std=3.0,
                      random_state=0)
    if step is not None:  # float32: values float32 holds at the shift too
        X = np.round(X / step) * step
    moved = (X + shift).astype(dtype)
    here = (moved.astype(np.float64) - shift).astype(dtype)
    # The same differences between rows, exactly.
    assert np.array_equal(moved.astype(np.float64) - moved[:1],
                          here.astype(np.float64) - here[:1])
    purity = ProbCoverSelector(n_cores=20, n_classes=4, random_state=0)
    for base in (purity, clone(purity).set_params(radius=purity.fit(here).radius_)):
        base.fit(here)
        far = clone(base).fit(moved)
        np.testing.assert_array_equal(far.selection_order_, base.selection_order_)
        np.testing.assert_allclose(far.radius_, base.radius_, rtol=1e-9)
        assert far.purity_ == base.purity_
        assert far.n_edges_ == base.n_edges_


def test_probcover_measures_ordinary_pools_as_they_are():
    """Only a pool far from the origin is centred: ordinary pools (digits,
    standardised, unit-norm rows; float32 and float64) reach the distance
    computations as they are, with the same bits, so their radius and picks
    are what they were before the centring existed."""
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler

    from sklearn_bilaf.baselines import _near_the_origin

    rng = np.random.RandomState(0)
    unit = rng.standard_normal((500, 12))
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    scaled = StandardScaler().fit_transform(rng.standard_normal((500, 30)) + 5)
    for X in (load_digits().data, scaled, unit, unit + unit.mean(axis=0)):
        for dtype in (np.float64, np.float32):
            pool = X.astype(dtype)
            assert _near_the_origin(pool) is pool
    moved = scaled + 40.0  # 40 standard deviations in every feature
    centred = _near_the_origin(moved.astype(np.float32))
    assert centred.dtype == np.float32
    np.testing.assert_allclose(centred.mean(axis=0), 0, atol=1e-4)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_probcover_centring_does_not_depend_on_the_chunks(dtype):
    """The centring of a pool far from the origin (its decision and the
    centred copy) is the same bits whatever ``working_memory`` and the
    pool's memory order: its mean and spread were added chunk by chunk
    (chunks of working_memory's size, the same pool's sums rounded
    differently under another setting) and in the pool's own order (a
    Fortran-ordered pool was summed pairwise), so that the same pool's radius
    moved in its last bits with the setting, and near the threshold the
    decision itself could flip.  ProbCover on an ordinary pool does not
    depend on working_memory either."""
    import sklearn

    from sklearn_bilaf.baselines import _near_the_origin

    X, _ = make_blobs(3000, n_features=20, centers=4, cluster_std=3.0,
                      random_state=0)
    shift = np.random.default_rng(0).uniform(-1, 1, 20) * 1e5
    moved = (X + shift).astype(dtype)
    expected = _near_the_origin(moved)
    assert expected is not moved
    base = ProbCoverSelector(n_cores=40, n_classes=4, random_state=0).fit(moved)
    for working_memory in (0.01, 0.1):  # 1 and 13 rows a chunk
        with sklearn.config_context(working_memory=working_memory):
            for pool in (moved, np.asfortranarray(moved)):
                np.testing.assert_array_equal(_near_the_origin(pool), expected)
            with warnings.catch_warnings():
                # scikit-learn's own chunks cannot fit 0.01 MiB.
                warnings.simplefilter("ignore", UserWarning)
                other = clone(base).fit(moved)
        assert other.radius_ == base.radius_
        np.testing.assert_array_equal(other.selection_order_,
                                      base.selection_order_)


# -- k-means' warning about fewer distinct clusters, in the selectors' terms --
_FEWER_CLUSTERS_CASES = {
    "typiclust-n_cores": (
        lambda: TypiClustSelector(n_cores=5, random_state=0),
        "TypiClustSelector's k-means found only 3 distinct clusters of the 5 "
        "asked for by n_cores, probably because the pool has fewer than 5 "
        "distinct rows (duplicate rows); each pick is still a different row. "
        "Set max_clusters to at most 3 (several picks per cluster) or n_cores "
        "to at most 3.",
        [20, 40, 0, 21, 41]),
    "typiclust-max_clusters": (
        lambda: TypiClustSelector(n_cores=8, max_clusters=5, random_state=0),
        "TypiClustSelector's k-means found only 3 distinct clusters of the 5 "
        "asked for by max_clusters, probably because the pool has fewer than 5 "
        "distinct rows (duplicate rows); each pick is still a different row. "
        "Set max_clusters to at most 3.",
        [20, 40, 0, 21, 41, 1, 22, 42]),
    "probcover-n_classes": (
        lambda: ProbCoverSelector(n_cores=5, n_classes=5, random_state=0),
        "ProbCoverSelector's k-means found only 3 distinct clusters of the 5 "
        "asked for by n_classes, probably because the pool has fewer than 5 "
        "distinct rows (duplicate rows); the purity radius is found with those "
        "3. Set n_classes to at most 3.",
        [0, 20, 40, 53, 57]),
}


@pytest.mark.parametrize("case", sorted(_FEWER_CLUSTERS_CASES))
def test_fewer_distinct_clusters_warning_names_the_selectors_parameter(case):
    """On a pool with duplicate rows scikit-learn's KMeans warns about
    n_clusters, which TypiClust's and ProbCover's users never set: the
    warning names the selector, the parameter the clusters came from and
    what to set it to, still as a ConvergenceWarning pointing at the user's
    line; the picks are unchanged."""
    from sklearn.exceptions import ConvergenceWarning

    make, message, picks = _FEWER_CLUSTERS_CASES[case]
    X = np.repeat(np.eye(3), 20, axis=0)  # 3 distinct rows, 60 samples
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        selector = make().fit(X)
    assert [str(w.message) for w in caught] == [message]
    assert caught[0].category is ConvergenceWarning
    assert caught[0].filename == __file__
    assert selector.selection_order_.tolist() == picks


def test_probcover_fewer_distinct_clusters_warning_says_n_classes_was_capped():
    """n_classes above the pool's size asks for one cluster per row."""
    from sklearn.exceptions import ConvergenceWarning

    X = np.repeat(np.eye(3), 4, axis=0)  # 3 distinct rows, 12 samples
    with pytest.warns(ConvergenceWarning) as caught:
        ProbCoverSelector(n_cores=2, n_classes=50, random_state=0).fit(X)
    assert [str(w.message) for w in caught] == [
        "ProbCoverSelector's k-means found only 3 distinct clusters of the 12 "
        "asked for by n_classes=50 (capped at the pool's 12 rows), probably "
        "because the pool has fewer than 12 distinct rows (duplicate rows); "
        "the purity radius is found with those 3. Set n_classes to at most 3."]


def test_typiclust_minibatch_kmeans_warnings_are_told_in_its_terms(monkeypatch,
                                                                  blobs):
    """Beyond 50 clusters TypiClust runs MiniBatchKMeans, whose warnings go
    through the same rewording as KMeans' (scikit-learn's versions so far
    do not emit the fewer-clusters one there; a stand-in does): that one is
    said with n_cores, any other is told as it was, in its place."""
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.exceptions import ConvergenceWarning

    import sklearn_bilaf.baselines as baselines

    class Warns(MiniBatchKMeans):
        def fit_predict(self, X, y=None, sample_weight=None):
            warnings.warn("Number of distinct clusters (52) found smaller than "
                          f"n_clusters ({self.n_clusters}). Possibly due to "
                          "duplicate points in X.", ConvergenceWarning,
                          stacklevel=1)
            warnings.warn("something else", RuntimeWarning, stacklevel=1)
            return super().fit_predict(X, y, sample_weight)

    monkeypatch.setattr(baselines, "MiniBatchKMeans", Warns)
    X = blobs[0][:120]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        picks = TypiClustSelector(n_cores=60, random_state=0).fit(X).selection_order_
    assert [(w.category, str(w.message)) for w in caught] == [
        (ConvergenceWarning,
         "TypiClustSelector's k-means found only 52 distinct clusters of the 60 "
         "asked for by n_cores, probably because the pool has fewer than 60 "
         "distinct rows (duplicate rows); each pick is still a different row. "
         "Set max_clusters to at most 52 (several picks per cluster) or "
         "n_cores to at most 52."),
        (RuntimeWarning, "something else")]
    assert caught[0].filename == caught[1].filename == __file__
    assert caught[1].lineno != caught[0].lineno  # the stand-in's line
    monkeypatch.undo()
    np.testing.assert_array_equal(
        picks, TypiClustSelector(n_cores=60, random_state=0).fit(X).selection_order_)


def test_typiclust_minibatch_kmeans_warns_of_duplicate_rows_as_kmeans_does(blobs):
    """KMeans (up to 50 clusters) warns when the pool has fewer distinct rows
    than clusters; MiniBatchKMeans (beyond) said nothing, so TypiClust said
    nothing either: it now says the same.  Clusters left empty on a pool of
    distinct rows (57 of 60 filled here) are no duplicates' doing: no
    warning."""
    from sklearn.exceptions import ConvergenceWarning

    X = np.repeat(np.eye(3), 40, axis=0)  # 3 distinct rows, 120 samples
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        selector = TypiClustSelector(n_cores=60, random_state=0).fit(X)
    assert [(w.category, str(w.message), w.filename) for w in caught] == [
        (ConvergenceWarning,
         "TypiClustSelector's k-means found only 3 distinct clusters of the 60 "
         "asked for by n_cores, probably because the pool has fewer than 60 "
         "distinct rows (duplicate rows); each pick is still a different row. "
         "Set max_clusters to at most 3 (several picks per cluster) or "
         "n_cores to at most 3.", __file__)]
    assert selector.selection_order_[:6].tolist() == [80, 40, 0, 81, 41, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        distinct = TypiClustSelector(n_cores=60, random_state=0).fit(blobs[0][:120])
    assert np.unique(distinct.labels_).size < 60


@pytest.mark.parametrize("n_features", [1, 6])
@pytest.mark.parametrize("in_sampler", [False, True])
def test_cosine_probcover_warns_of_rows_without_directions(n_features, in_sampler):
    """ProbCoverSelector(metric='cosine') on rows that all normalise to one
    vector or its opposite (a single feature, or rows on one line through
    the origin) sees two points: every ball holds half the pool and its
    picks were decided by ties, silently.  It warns once per fit (in a
    cosine sampler too), at the user's line, saying what to pass; the
    Euclidean selector does not give that warning."""
    rng = np.random.RandomState(0)
    X = rng.randn(120)[:, None] * rng.randn(n_features)[None, :]
    selector = ProbCoverSelector(5, metric="cosine", random_state=0)
    make = ((lambda: BiLAFSampler(10, metric="cosine", core_selector=selector,
                                  random_state=0))
            if in_sampler else lambda: clone(selector))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make().fit(X)
    messages = [str(w.message) for w in caught if w.category is UserWarning]
    assert len(messages) == 1, messages
    assert messages[0].startswith(
        "ProbCoverSelector(metric='cosine') compares rows by their direction")
    assert ("single feature" in messages[0]) == (n_features == 1)
    assert "Pass metric='euclidean'" in messages[0]
    assert all(w.filename == __file__ for w in caught)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ProbCoverSelector(5, random_state=0).fit(X)
    assert not [w for w in caught if "compares rows by their direction"
                in str(w.message)]
