"""Spec §2-§6: hand-checked rules, and the fast engine against a literal one."""

import re
import warnings

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn import config_context
from sklearn.base import BaseEstimator

from sklearn_bilaf import BiLAFSampler
from sklearn_bilaf.boundary import BoundarySelector, boundary_scores
from sklearn_bilaf.budget import allocate_budget
from sklearn_bilaf.denoise import (
    BaseDenoiser,
    DensityDenoiser,
    DistanceDenoiser,
    IDCDenoiser,
    NoDenoiser,
    OutlierDetectorDenoiser,
    _kept_count,
)
from sklearn_bilaf.pseudo_classes import PseudoClass, assign_pseudo_classes

from ._memory import traced_peak
from .reference import reference_bilaf, reference_budgets, reference_denoise


def _class_1d(values, core_position=0):
    X = np.asarray(values, dtype=np.float64).reshape(-1, 1)
    return PseudoClass(0, np.arange(len(values)), core_position, X, "euclidean")


# -- §2 pseudo-classes ------------------------------------------------------
def test_nearest_core_ties_go_to_lower_class():
    X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0]])
    # Sample 1 and 3 are equidistant from two cores.
    assert assign_pseudo_classes(X, [0, 2, 4]).tolist() == [0, 0, 1, 1, 2]


def test_classes_are_numbered_by_ascending_core_index():
    X = np.array([[0.0], [1.0], [9.0], [10.0]])
    labels = assign_pseudo_classes(X, [3, 0])
    assert labels.tolist() == [0, 0, 1, 1]


def test_identical_cores_each_keep_their_own_class():
    X = np.array([[0.0], [0.0], [0.1], [5.0]])
    labels = assign_pseudo_classes(X, [0, 1, 3])
    assert labels.tolist() == [0, 1, 0, 2]


def test_identical_core_outside_distance_is_to_another_class():
    # Core 1 duplicates core 0; it belongs to its own class 1, so its
    # nearest *other* core is class 0 (not itself), at distance 0.
    X = np.array([[0.0], [0.0], [0.1], [5.0]])
    labels, outside, opponent = assign_pseudo_classes(X, [0, 1, 3],
                                                      return_outside=True)
    assert labels.tolist() == [0, 1, 0, 2]
    assert opponent.tolist() == [1, 0, 1, 0]
    assert outside[:2].tolist() == [0.0, 0.0]


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_identical_cores_outside_distances_do_not_prepare_the_cores_again(
        monkeypatch, metric, dtype):
    """A core moved to its own class had its outside distance searched
    among a second prepared copy of every core, scaled by ldexp even at
    exponent 0: the gathered rows and two K x d float64 arrays, when the
    search had the cores prepared already."""
    import sklearn_bilaf.pseudo_classes as module

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6)).astype(dtype)
    cores = np.arange(0, 300, 3)
    X[cores[7]] = X[cores[4]]
    prepared = []
    prepare = module.prepare

    def counting_prepare(rows, *args, **kwargs):
        prepared.append(len(rows))
        return prepare(rows, *args, **kwargs)

    monkeypatch.setattr(module, "prepare", counting_prepare)
    labels, outside, opponent = assign_pseudo_classes(
        X, cores, metric, return_outside=True)
    assert prepared.count(cores.size) == 1
    # The moved core's opponent is the core it duplicates, at distance 0.
    assert labels[cores[7]] == 7
    assert opponent[cores[7]] == 4 and outside[cores[7]] == 0.0


def test_single_pseudo_class_has_no_opponent():
    # Documented: with one core, d_out is inf and the opponent -1; the
    # boundary score is then 1 for every member.
    X = np.array([[0.0], [1.0], [2.0], [4.0]])
    labels, outside, opponent = assign_pseudo_classes(X, [1], return_outside=True)
    assert labels.tolist() == [0, 0, 0, 0]
    assert np.isinf(outside).all() and opponent.tolist() == [-1] * 4
    sel = BoundarySelector().fit(X, [0, 0, 0, 0])
    assert sel.opponent_.tolist() == [-1] * 4
    assert sel.boundary_scores_.tolist() == [1.0] * 4


def test_pseudo_class_subset_must_contain_the_core():
    pc = _class_1d([0.0, 1.0, 2.0], core_position=0)
    with pytest.raises(ValueError, match="contain its core once"):
        pc.subset([1, 2])
    with pytest.raises(ValueError, match="contain its core once"):
        pc.subset([0, 0, 1])


@pytest.mark.parametrize("cached", [True, False])
def test_pseudo_class_subset_keeps_members_rows_distances_and_stats(cached):
    """subset (documented for custom stages): the members at the positions,
    in that order, with their rows, distances (cached matrix or not) and
    per-member statistics; the core found at its new position."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(6, 3))
    pc = PseudoClass(4, [10, 11, 12, 13, 14, 15], 2, X, "euclidean", n_classes=7)
    if cached:
        pc.distance_matrix()
    pc.inside_distance = np.arange(6) * 1.0
    pc.outside_distance = np.arange(6) * 10.0
    pc.opponent = np.array([0, 1, 2, 3, 5, 6])
    positions = [5, 2, 0]
    sub = pc.subset(positions)
    assert sub.label == 4 and sub.n_classes == 7 and sub.metric == "euclidean"
    assert sub.indices.tolist() == [15, 12, 10]
    assert sub.core_position == 1
    np.testing.assert_array_equal(sub.X, X[positions])
    assert (sub._matrix is not None) is cached
    np.testing.assert_allclose(sub.distance_matrix(),
                               cdist(X[positions], X[positions]), rtol=1e-12)
    assert sub.inside_distance.tolist() == [5.0, 2.0, 0.0]
    assert sub.outside_distance.tolist() == [50.0, 20.0, 0.0]
    assert sub.opponent.tolist() == [6, 2, 0]
    assert repr(sub) == "PseudoClass(label=4, n=3, core=12)"
    # Statistics never set stay unset.
    assert PseudoClass(0, [3, 4], 0, X[:2], "euclidean").subset([1, 0]).opponent is None


@pytest.mark.parametrize("n_features", [5, 20])
@pytest.mark.parametrize("cached", [True, False])
def test_pseudo_class_positions_outside_the_class_are_refused(cached, n_features):
    """distances, mean_distances and subset (documented for custom stages)
    refuse positions outside 0 .. n - 1 and fractional ones: the compiled
    kernels do not check bounds, and read memory outside the class (garbage
    distances, or a segmentation fault for a large position)."""
    X = np.random.RandomState(0).normal(size=(30, n_features))

    def pseudo_class():
        pc = PseudoClass(0, np.arange(30), 3, X, "euclidean")
        if cached:
            pc.distance_matrix()
        return pc

    for rows, cols in [([40], None), ([-1], None), ([3], [45]), ([3], [-2]),
                       ([1, 40], None), ([1, 2], [100]), ([3], [10**8])]:
        with pytest.raises(IndexError, match=r"local positions in \[0, 29\]"):
            pseudo_class().distances(rows, cols)
    for positions in [[40], [0, 40], [-1]]:
        with pytest.raises(IndexError, match=r"local positions in \[0, 29\]"):
            pseudo_class().mean_distances(positions)
    with pytest.raises(IndexError, match=r"local positions in \[0, 29\]"):
        pseudo_class().subset([3, 30])
    for method, args in [("distances", ([1.5],)), ("mean_distances", ([1.5, 2],)),
                         ("subset", ([3, 1.5],)),
                         ("distances", (np.ones(30, dtype=bool),))]:
        with pytest.raises(TypeError, match="must be local positions"):
            getattr(pseudo_class(), method)(*args)
    # An int is one position; whole-valued floats are positions.
    pc = pseudo_class()
    expected = cdist(X[[3]], X)
    np.testing.assert_allclose(pc.distances(3), expected, rtol=1e-12)
    np.testing.assert_allclose(pc.distances(3.0, [4.0]), expected[:, [4]],
                               rtol=1e-12)


@pytest.mark.parametrize("working_memory", [None, 1e-4])
@pytest.mark.parametrize("n_features", [5, 20])
def test_pseudo_class_distances_of_no_members(n_features, working_memory):
    """No rows (or no columns) gives an empty block, whatever the path: with
    more than 16 features and no cached matrix, no rows failed inside the
    row-block loop (a bare "zip() argument 2 is longer than argument 1")."""
    X = np.random.RandomState(0).normal(size=(30, n_features))
    with config_context(working_memory=working_memory or 1024):
        for rows, cols, shape in [([], None, (0, 30)), ([], [], (0, 0)),
                                  ([], [1, 2], (0, 2)), ([1, 2], [], (2, 0)),
                                  ([1], [], (1, 0))]:
            pc = PseudoClass(0, np.arange(30), 3, X, "euclidean")
            D = pc.distances(rows, cols)
            assert D.shape == shape and D.dtype == np.float64


def _class_rows(n, n_features, metric, duplicates):
    rng = np.random.RandomState(1)
    X = rng.normal(size=(n, n_features))
    if duplicates:  # exact ones, after their originals
        X[n - 5:] = X[[7, 3, 7, n // 2, 3]]
    if metric == "cosine":
        X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X


def _member_distances(X, metric):
    D = cdist(X, X, "sqeuclidean")
    return np.sqrt(D) if metric == "euclidean" else D / 2


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("n_features", [5, 24])
@pytest.mark.parametrize("working_memory", [1024, 0.5])
@pytest.mark.parametrize("duplicates", [True, False])
def test_pseudo_class_every_path_gives_the_members_distances(
        metric, n_features, working_memory, duplicates):
    """distances, distance_matrix and mean_distances (and the IDC rings'
    blocks) on each path: cached matrix, direct evaluation for few
    features, BLAS row blocks, strips of the triangle.  With 0.5 MiB of
    working_memory the class takes several row blocks and strips, so a
    block or strip after the first is checked too (the diagonal of a later
    strip was never zeroed at its place); with and without exact duplicate
    rows (each path has its own branch for them), positions unsorted and
    repeated.  The members' distances in the order asked for, zero between
    a member (or its duplicate) and itself, and their means."""
    n = 300
    X = _class_rows(n, n_features, metric, duplicates)
    expected = _member_distances(X, metric)
    rng = np.random.RandomState(2)
    rows = np.r_[rng.permutation(n)[:150], 7, n - 3, 7]
    cols = np.r_[n - 1, rng.permutation(n)[:50], 3, n - 4, 3]
    positions = np.r_[rng.permutation(n)[:250], n - 5]
    with config_context(working_memory=working_memory):
        pc = PseudoClass(0, np.arange(100, 100 + n), 3, X, metric)
        for r, c in [(rows, cols), (rows[:1], cols), (rows[-1], None),
                     (rows[:2], None), (rows, None)]:
            got = pc.distances(r, c)
            want = expected[np.atleast_1d(r)][:, np.arange(n) if c is None else c]
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
            assert (got[want == 0] == 0).all()
        # Not cached past working_memory (8 * 300**2 bytes is 0.7 MiB).
        assert (pc._matrix is None) is (working_memory < 1)
        np.testing.assert_allclose(pc.mean_distances(positions),
                                   expected[positions][:, positions].mean(axis=1),
                                   rtol=1e-9)
        np.testing.assert_allclose(pc.mean_distances(), expected.mean(axis=1),
                                   rtol=1e-9)
        ring_block = pc._distances_to(cols)(rows)
        np.testing.assert_allclose(ring_block, expected[rows][:, cols], rtol=1e-9,
                                   atol=1e-12)
        assert (ring_block[expected[rows][:, cols] == 0] == 0).all()
        if working_memory > 1:
            np.testing.assert_allclose(pc.distance_matrix(), expected, rtol=1e-9,
                                       atol=1e-12)


@pytest.mark.parametrize("n_features", [5, 24])
def test_mean_distances_use_a_subclass_distances(n_features):
    """Without a cached matrix, the means and the IDC rings' blocks come
    from faster paths than distances (strips of the triangle, products
    against the needed columns); a subclass that redefines distances is
    read through its own distances instead."""

    class Doubled(PseudoClass):
        def distances(self, rows, cols=None):
            return 2 * super().distances(rows, cols)

    X = _class_rows(300, n_features, "euclidean", duplicates=True)
    expected = _member_distances(X, "euclidean")
    positions = np.r_[7, 250, 3, 100]
    with config_context(working_memory=0.5):
        pc = Doubled(0, np.arange(300), 3, X, "euclidean")
        np.testing.assert_allclose(pc.mean_distances(positions),
                                   2 * expected[positions][:, positions].mean(axis=1),
                                   rtol=1e-9)
        np.testing.assert_allclose(pc._distances_to(positions)([1, 7]),
                                   2 * expected[[1, 7]][:, positions], rtol=1e-9)
        assert pc._matrix is None


@pytest.mark.parametrize("working_memory", [1024, 0.5])
def test_a_subclass_distances_are_read_whether_or_not_the_matrix_is_cached(
        working_memory):
    """The means and the IDC denoiser read a subclass's distances also
    when the class's matrix fits working_memory: they read the base
    class's cached matrix instead, so a subclass's results depended on
    working_memory."""

    class FirstFeature(PseudoClass):
        # Distances of another geometry: those of the first feature alone.
        def distances(self, rows, cols=None):
            return self.first_feature.distances(rows, cols)

    X = _class_rows(300, 24, "euclidean", duplicates=True)
    positions = np.r_[7, 250, 3, 100]
    alone = PseudoClass(0, np.arange(300), 3, X[:, :1].copy(), "euclidean")
    expected_means = _member_distances(X[:, :1], "euclidean")[positions][
        :, positions].mean(axis=1)
    expected_idc = IDCDenoiser().denoise_class(alone)
    with config_context(working_memory=working_memory):
        pc = FirstFeature(0, np.arange(300), 3, X, "euclidean")
        pc.first_feature = alone
        np.testing.assert_allclose(pc.mean_distances(positions),
                                   expected_means, rtol=1e-9)
        ranking, n_kept = IDCDenoiser().denoise_class(pc)
    np.testing.assert_array_equal(ranking, expected_idc[0])
    assert n_kept == expected_idc[1]


def test_overriding_only_distance_matrix_is_documented_as_the_code_does():
    """A subclass that overrides ``distance_matrix`` alone does not redefine
    the distances: ``distances`` and ``mean_distances`` give the base
    class's, and only IDC's compiled pass reads the override, when the
    class fits working_memory.  The Notes said only to override it "too";
    they now say what reads it."""

    class Cubed(PseudoClass):
        def distance_matrix(self):
            return super().distance_matrix() ** 3

    X = np.random.RandomState(0).normal(size=(40, 3))
    plain = PseudoClass(0, np.arange(40), 0, X, "euclidean")
    cubed = Cubed(0, np.arange(40), 0, X, "euclidean")
    assert np.array_equal(cubed.distances(np.arange(40)),
                          plain.distances(np.arange(40)))
    assert np.array_equal(cubed.mean_distances(), plain.mean_distances())
    expected = IDCDenoiser().rank_class(plain)[0]
    assert not np.array_equal(IDCDenoiser().rank_class(cubed)[0], expected)
    with config_context(working_memory=0.001):
        cubed = Cubed(0, np.arange(40), 0, X, "euclidean")
        assert not cubed._fits_in_memory()
        np.testing.assert_array_equal(IDCDenoiser().rank_class(cubed)[0],
                                      expected)

    notes = " ".join(PseudoClass.__doc__.split()).split("Notes -----")[1]
    assert ("Overriding :meth:`distance_matrix` alone does not redefine the "
            "distances" in notes)
    assert "only when the class fits ``working_memory``" in notes


@pytest.mark.parametrize("cores, match", [
    ([0, 0], r"repeated: \[0\]"),
    ([-1, 2], r"got \[-1\]"),
    ([12], r"got \[12\]"),
    ([10], r"got \[10\]"),  # one past the last row: numpy's IndexError
    ([1.5, 3], "dtype float64"),
    ([True, False], "dtype bool"),
    ([], r"shape \(0,\)"),
    ([[1, 2]], r"shape \(1, 2\)"),
])
def test_assign_pseudo_classes_refuses_what_is_not_core_rows(cores, match):
    """assign_pseudo_classes (public, stage 2) needs distinct row numbers:
    a repeated core gave row 0 the class of its twin, a negative one took a
    row from the end (out of the ascending-core numbering), 1.5 was read as
    1 and a boolean mask as rows 1 and 0, all silently."""
    X = np.random.RandomState(0).normal(size=(10, 3))
    with pytest.raises(ValueError, match=r"core_indices must be a non-empty 1-D "
                                         r"array of distinct row numbers in \[0, 9\]"
                                         rf".*{match}"):
        assign_pseudo_classes(X, cores)
    # Whole-valued floats are row numbers; a list of rows is a pool.
    assert assign_pseudo_classes(X, [3.0, 1.0]).tolist() == \
        assign_pseudo_classes(X.tolist(), [1, 3]).tolist()


@pytest.mark.parametrize("metric", ["Cosine", "manhattan", None])
def test_stage_2_functions_refuse_an_unknown_metric(metric):
    """assign_pseudo_classes, outside_distances and PseudoClass (public, the
    stage-2 interface) computed Euclidean distances for any metric other
    than "cosine": a typo such as "Cosine" gave Euclidean pseudo-classes
    silently.  nearest_unused already refused it."""
    from sklearn_bilaf.pseudo_classes import outside_distances

    X = np.random.RandomState(0).normal(size=(10, 3))
    match = r"metric must be 'euclidean' or 'cosine'; got"
    with pytest.raises(ValueError, match=match):
        assign_pseudo_classes(X, [1, 4], metric=metric)
    with pytest.raises(ValueError, match=match):
        outside_distances(X, 0, X[[1, 4]], metric)
    with pytest.raises(ValueError, match=match):
        PseudoClass(0, np.arange(10), 1, X, metric)


def test_an_unknown_metric_read_from_an_array_is_quoted_as_a_string():
    # A numpy string (a setting read back from an .npz, say) was quoted as
    # np.str_('Cosine') under numpy 2.
    from sklearn_bilaf.core import nearest_unused
    from sklearn_bilaf.pseudo_classes import outside_distances

    X = np.random.RandomState(0).normal(size=(10, 3))
    metric = np.array(["Cosine"])[0]
    match = r"^metric must be 'euclidean' or 'cosine'; got 'Cosine'\.$"
    with pytest.raises(ValueError, match=match):
        assign_pseudo_classes(X, [1, 4], metric=metric)
    with pytest.raises(ValueError, match=match):
        outside_distances(X, 0, X[[1, 4]], metric)
    with pytest.raises(ValueError, match=match):
        PseudoClass(0, np.arange(10), 1, X, metric)
    with pytest.raises(ValueError, match=match):
        nearest_unused(X, X[:2], metric=metric)


@pytest.mark.parametrize("args, match", [
    # Silently wrong before: cores with other features, a label that
    # excluded no core, a fractional label truncated to class 0.
    ((np.zeros((5, 1)), 0, np.zeros((2, 2))), r"same number of features.*"
     r"\(5, 1\) and \(2, 2\)"),
    ((np.zeros((5, 2)), -1, np.zeros((2, 2))), r"in \[0, 1\].*got \[-1\]"),
    ((np.zeros((5, 2)), 0.5, np.zeros((2, 2))), r"one int per row \(5\); got 0.5"),
    # numpy's or the kernels' errors before.
    ((np.zeros((5, 2)), 2, np.zeros((2, 2))), r"in \[0, 1\].*got \[2\]"),
    ((np.zeros((5, 2)), [0, 1], np.zeros((2, 2))), r"got an array of dtype "
     r"int64 and shape \(2,\)"),
    ((np.zeros(5), 0, np.zeros((2, 1))), r"2-D arrays.*\(5,\) and \(2, 1\)"),
])
def test_outside_distances_refuses_inconsistent_arguments(args, match):
    from sklearn_bilaf.pseudo_classes import outside_distances

    with pytest.raises(ValueError, match=match):
        outside_distances(*args, "euclidean")


def test_outside_distances_accepts_lists_and_per_row_labels():
    from sklearn_bilaf.pseudo_classes import outside_distances

    X = [[0.0], [1.0], [2.0], [6.0], [10.0]]
    distance, opponent = outside_distances(X, [0, 0, 0, 1, 1], [[0.0], [10.0]],
                                           "euclidean")
    assert distance.tolist() == [10.0, 9.0, 8.0, 6.0, 10.0]
    assert opponent.tolist() == [1, 1, 1, 0, 0]


def test_outside_distances_refuses_unusable_rows():
    # NaN or inf rows, or squares past float64, gave NaN distances and an
    # arbitrary opponent; complex rows lost their imaginary parts with a
    # warning; sparse ones failed inside numpy.
    import scipy.sparse

    from sklearn_bilaf.pseudo_classes import outside_distances

    X = np.arange(10.0).reshape(5, 2)
    cores = X[[0, 4]]
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"rows contains NaN in 1 row \(row 3\):"
                       r".*Drop that row \(and its own_label, if one per "
                       r"row\) or fix the feature extractor that produced "
                       r"it\.$"):
        outside_distances(bad, 0, cores, "euclidean")
    bad[2, 0] = np.inf
    with pytest.raises(ValueError, match=r"rows contains NaN in 1 row \(row 3\) "
                       r"and infinite values in 1 row \(row 2\):.*Drop those "
                       r"rows \(and their own_label, if one per row\) or fix "
                       r"the feature extractor that produced them\.$"):
        outside_distances(bad, 0, cores, "euclidean")
    with pytest.raises(ValueError, match=r"core_rows contains infinite values in "
                       r"1 row \(row 1\):"
                       r".*Fix the feature extractor that produced it: a core "
                       r"cannot be dropped"
                       ) as info:
        outside_distances(X, 0, np.where(cores == 9.0, np.inf, cores), "euclidean")
    # Dropping a core would renumber the classes after it: not advised.
    assert "Drop" not in str(info.value)
    with pytest.raises(ValueError, match=r"core_rows has values as large as 9e\+200.*"
                       r"Rescale rows and core_rows \(e.g. divide both"):
        outside_distances(X, 0, cores * 1e200, "euclidean")
    with pytest.raises(ValueError, match=r"real numbers.*np.real\(rows\)"):
        outside_distances(X + 1j, 0, cores, "euclidean")
    with pytest.raises(TypeError, match=r"core_rows.toarray\(\)"):
        outside_distances(X, 0, scipy.sparse.csr_matrix(cores), "euclidean")
    with config_context(assume_finite=True):
        assert outside_distances(X, 0, cores, "euclidean")[1].tolist() == [1] * 5


@pytest.mark.parametrize("scale", [1e160, 1e200])
def test_outside_distances_refuses_cosine_rows_whose_distances_overflow(scale):
    """metric="cosine" uses the rows as given (half their squared Euclidean
    distances): rows this large gave NaN distances and arbitrary opponents,
    silently.  Refused as for "euclidean", saying the rows must be
    L2-normalised."""
    from sklearn_bilaf.pseudo_classes import outside_distances

    X = np.random.RandomState(0).normal(size=(20, 5)) * scale
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=r"rows has values as large as "
                           r"[0-9.]+e\+[0-9]+, so squared distances .*overflow "
                           r"float64\. Rescale rows and core_rows .*For "
                           r"metric='cosine', pass them L2-normalised"):
            outside_distances(X, 0, X[[0, 5, 10]], "cosine")
        # Normalised, the same rows are fine.
        unit = X / np.abs(X).max(axis=1, keepdims=True)
        unit /= np.linalg.norm(unit, axis=1, keepdims=True)
        distance, _ = outside_distances(unit, 0, unit[[0, 5, 10]], "cosine")
        assert np.all(np.isfinite(distance))
    # PseudoClass refused them already; its message says so too.
    with pytest.raises(ValueError, match=r"Rescale X \(e.g. divide it by "
                       r"[0-9.]+e\+[0-9]+\) first\. For metric='cosine', pass "
                       r"it L2-normalised"):
        PseudoClass(0, np.arange(20), 0, X, "cosine")


@pytest.mark.parametrize("return_outside", [False, True])
def test_assign_pseudo_classes_threads_share_working_memory(return_outside,
                                                            monkeypatch):
    """Each worker thread of the nearest-core search sized its products
    (argmin_exact's or nearest_two's, three chunk x K arrays) from the
    whole working_memory, so four threads held four times the setting
    where chunks are at their shortest (many cores, here 400 against a
    setting of 1 MiB).  Each thread takes its share, read in the caller's
    thread, as ActiveFT's exact search does; the labels, distances and
    opponents are the same to the bit for any thread count."""
    from sklearn_bilaf import _distances
    from sklearn_bilaf import pseudo_classes as pseudo_classes_module

    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 8))
    cores = rng.choice(4000, 400, replace=False)
    memory = 2**20
    with config_context(working_memory=memory / 2**20):
        expected = assign_pseudo_classes(X, cores,
                                         return_outside=return_outside)
    products = []

    def spy(name):
        # The chunk's products are the first argument of both.
        original = getattr(_distances, name)

        def recorded(D, *args):
            products.append(D.shape[0])
            return original(D, *args)

        monkeypatch.setattr(_distances, name, recorded)

    spy("sq_distances")  # argmin_exact's
    spy("finish_rows_top3")  # nearest_two's
    n_threads = 4
    monkeypatch.setattr(pseudo_classes_module, "blas_threads",
                        lambda: n_threads)
    with config_context(working_memory=memory / 2**20):
        result = assign_pseudo_classes(X, cores, return_outside=return_outside)
    held = n_threads * max(products) * 3 * cores.size * X.itemsize
    assert held <= memory, held / memory
    for got, want in zip(result if return_outside else [result],
                         expected if return_outside else [expected],
                         strict=True):
        assert got.tobytes() == want.tobytes()


def test_outside_distances_reads_float32_rows_in_blocks():
    """A float32 pool (here read-only, as a memory map) is converted to
    float64 a block of rows at a time, not whole (a copy twice the pool's
    size, on top of argmin_exact's temporaries: 632 MiB of arrays for
    60,000 x 384 float32 rows against 300 cores, 89 MiB now); the same
    distances and opponents as for the float64 rows, bit for bit."""
    import tracemalloc

    from sklearn_bilaf.pseudo_classes import outside_distances

    rng = np.random.RandomState(0)
    rows = rng.normal(size=(20000, 128)).astype(np.float32)
    rows.setflags(write=False)
    cores = rows[::400]
    labels = assign_pseudo_classes(rows, np.arange(0, 20000, 400))
    expected = outside_distances(rows.astype(np.float64), labels,
                                 cores.astype(np.float64), "euclidean")
    with config_context(working_memory=4):
        tracemalloc.start()
        try:
            distance, opponent = outside_distances(rows, labels, cores,
                                                   "euclidean")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert distance.tobytes() == expected[0].tobytes()
    assert np.array_equal(opponent, expected[1])
    direct = cdist(rows, cores.astype(np.float64))
    direct[np.arange(rows.shape[0]), labels] = np.inf
    assert np.array_equal(opponent, direct.argmin(axis=1))
    # A float64 copy of the rows alone is twice this; the blocks take ~5 MB.
    assert peak < rows.nbytes, peak


def test_outside_distances_kernel_takes_float32_cores_as_float64():
    """``_outside_distances`` (the boundary stage's and the sampler's) said
    "float64 cores", which every caller passes; float32 cores were not
    refused but shifted to their mean in float32, an error the float64
    near-tie test does not cover: rows next to two close cores far from the
    others got the farther one.  They are now taken as their float64
    conversion (float64 cores are used as given, so nothing else changes)."""
    from sklearn_bilaf.pseudo_classes import _outside_distances

    rng = np.random.RandomState(0)
    cores = (100 + 0.01 * rng.normal(size=(3, 8))).astype(np.float32)
    cores[2] *= -50  # far away: moves the cores' mean
    cores64 = cores.astype(np.float64)
    middle = (cores64[0] + cores64[1]) / 2
    step = 1e-3 * (cores64[1] - cores64[0])
    rows = np.array([middle - step, middle + step])
    labels = np.array([2, 2], dtype=np.intp)
    expected = _outside_distances(rows, labels, cores64, "euclidean")
    assert expected[1].tolist() == [0, 1]
    got = _outside_distances(rows, labels, cores, "euclidean")
    assert got[0].tobytes() == expected[0].tobytes()
    assert np.array_equal(got[1], expected[1])


@pytest.mark.parametrize("value", [np.nan, np.inf])
@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_assign_pseudo_classes_refuses_non_finite_rows(value, metric):
    """A NaN row joined class 0 and an infinite one class 1, silently."""
    X = np.c_[np.arange(6.0), np.ones(6)]
    X[5, 0] = value
    with pytest.raises(ValueError, match=r"contains (NaN|infinite values) in 1 "
                       r"row \(row 5\):"):
        assign_pseudo_classes(X, [4, 0], metric)
    with config_context(assume_finite=True):  # the caller vouches for X
        assign_pseudo_classes(X[:5], [4, 0], metric)


def test_standalone_stages_refuse_sparse_pools_saying_how_to_convert():
    """A sparse X failed with numpy's "setting an array element with a
    sequence"."""
    import scipy.sparse as sp

    from sklearn_bilaf.core import nearest_unused

    X = sp.csr_matrix(np.eye(6))
    for run in (lambda: assign_pseudo_classes(X, [0, 1]),
                lambda: nearest_unused(X, np.eye(6)[:2])):
        with pytest.raises(TypeError, match=r"X is a sparse matrix;.*dense "
                           r"embeddings.*X\.toarray\(\)"):
            run()


@pytest.mark.parametrize("dtype", [object, np.int64, np.float16])
def test_assign_pseudo_classes_takes_numbers_of_any_dtype(dtype):
    """An object array of numbers failed with "ufunc 'isfinite' not
    supported for the input types"; numbers of any kind are taken as the
    float64 array they spell, as lists are."""
    X = np.array([[0.0], [1.0], [2.0], [6.0], [10.0]])
    expected = assign_pseudo_classes(X, [4, 0])
    np.testing.assert_array_equal(assign_pseudo_classes(X.astype(dtype), [4, 0]),
                                  expected)
    bad = X.astype(object)
    bad[2, 0] = np.nan
    with pytest.raises(ValueError, match=r"contains NaN in 1 row \(row 2\):"):
        assign_pseudo_classes(bad, [4, 0])


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_assign_pseudo_classes_with_a_single_core(metric, dtype):
    """One core is one class: every row in class 0 (without return_outside,
    the nearest-core search has a single column, where the near-tie test has
    no second distance to compare), and with it no other core: inf, -1."""
    X = np.random.RandomState(0).normal(size=(30, 3)).astype(dtype)
    labels = assign_pseudo_classes(X, [4], metric=metric)
    np.testing.assert_array_equal(labels, np.zeros(30, dtype=np.intp))
    labels, outside, opponent = assign_pseudo_classes(
        X, [4], metric=metric, return_outside=True)
    np.testing.assert_array_equal(labels, np.zeros(30, dtype=np.intp))
    assert np.all(np.isinf(outside)) and np.all(opponent == -1)


@pytest.mark.parametrize("dtype, scale", [(np.float32, 1e25), (np.float64, 1e200)])
def test_assign_pseudo_classes_refuses_values_whose_distances_overflow(dtype,
                                                                       scale):
    """Euclidean distances past the working dtype (float32 for a float32
    pool): the labels were wrong, with numpy overflow warnings at best.
    Refused as the estimators refuse such a pool; cosine rows are scaled."""
    X = np.random.RandomState(0).normal(size=(40, 3))
    X[[6, 31]] *= scale
    X = X.astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=r"X has values as large as [0-9.]+"
                           r"e\+[0-9]+, so squared distances .*overflow "
                           rf"{np.dtype(dtype).name}\. Rescale X"):
            assign_pseudo_classes(X, [1, 2, 3])
        assign_pseudo_classes(X, [1, 2, 3], "cosine")


@pytest.mark.skipif(np.finfo(np.longdouble).max <= np.finfo(np.float64).max,
                    reason="long double is float64 here")
@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("function", ["assign", "outside", "PseudoClass"])
def test_long_double_values_past_float64_are_named(function, metric):
    """A long double value past float64's largest (the distances are
    computed in float64): assign_pseudo_classes and outside_distances said
    "values as large as inf ... divide it by inf"; PseudoClass converted
    the rows to float64 first and called the row infinite ("fix the
    feature extractor").  The value as given, and that float64 is where
    the distances are computed."""
    from sklearn_bilaf.pseudo_classes import outside_distances

    X = np.arange(12.0).reshape(6, 2).astype(np.longdouble)
    X[4, 1] = np.longdouble("2.5e400")
    match = (r"^(X|rows) has values as large as 2\.5e\+400, past float64's "
             r"largest \(about 1\.8e\+308\), in which the distances are "
             r"computed\. Rescale (X|rows and core_rows) \(e\.g\. divide "
             r"(it|both) by 2\.5e\+400\) first\.")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=match):
            if function == "assign":
                assign_pseudo_classes(X, [0, 5], metric)
            elif function == "outside":
                outside_distances(X, 0, np.arange(4.0).reshape(2, 2), metric)
            else:
                PseudoClass(0, np.arange(6), 0, X, metric)


@pytest.mark.parametrize("dtype, value", [(np.float32, 6e18), (np.float64, 4e153)])
def test_assign_pseudo_classes_refuses_values_just_past_the_limit(dtype, value):
    """The limit is where the squared distance between two rows of opposite
    signs, 4 * n_features * value**2, overflows: +-value in three features
    overflows the dtype, and is refused; so is a pool whose large values
    are all negative (its maximum is small)."""
    X = np.zeros((5, 3), dtype=dtype)
    X[1], X[3] = value, -value
    with np.errstate(over="ignore"):
        assert not np.isfinite(np.sum((X[1] - X[3]) ** 2))
    with pytest.raises(ValueError, match=r"X has values as large as [46]e\+"):
        assign_pseudo_classes(X, [0, 2])
    X[1] = 0.0
    X[3] = -1e30 if dtype == np.float32 else -1e200
    with pytest.raises(ValueError, match=r"X has values as large as 1e\+"):
        assign_pseudo_classes(X, [0, 2])
    # Just below the limit: accepted, distances finite.
    X[3], X[1] = -value / 2, value / 2
    assert assign_pseudo_classes(X, [0, 1, 3]).tolist() == [0, 1, 0, 2, 0]


@pytest.mark.parametrize("return_outside", [False, True])
@pytest.mark.parametrize("dtype, scale", [(np.float32, 1e19), (np.float64, 3e153)])
def test_assign_pseudo_classes_refuses_overflow_under_assume_finite(
        dtype, scale, return_outside):
    """assume_finite vouches that the values are finite, not that their
    squared distances fit the dtype: such rows gave wrong labels (or -1)
    silently.  Refused as without it, from the squared norms the search
    computes anyway (no pass of its own over the rows), also when only a
    core or only a non-core row is that large."""
    X = np.random.RandomState(0).normal(size=(300, 8))
    cores = [0, 5, 10, 50, 100]
    for rows in (slice(None), [7], [50]):
        Y = X.copy()
        Y[rows] *= scale
        Y = Y.astype(dtype)
        with warnings.catch_warnings(), config_context(assume_finite=True):
            warnings.simplefilter("error", RuntimeWarning)
            with pytest.raises(ValueError, match=r"^X has values as large as "
                               r"[0-9.]+e\+[0-9]+, so squared distances .*"
                               rf"overflow {np.dtype(dtype).name}\. Rescale X"):
                assign_pseudo_classes(Y, cores, return_outside=return_outside)
            # Cosine rows are normalised: any scale works.
            assign_pseudo_classes(Y, cores, "cosine",
                                  return_outside=return_outside)


def test_assign_pseudo_classes_under_assume_finite_reads_no_more(monkeypatch):
    """The overflow check under assume_finite reads the rows only when the
    squared norms say a value may be past the limit: never on ordinary
    pools, whose labels it leaves as they were."""
    from sklearn_bilaf import pseudo_classes

    calls = []
    original = pseudo_classes._refuse_unusable
    monkeypatch.setattr(pseudo_classes, "_refuse_unusable",
                        lambda rows, *a, **k: calls.append(len(rows))
                        or original(rows, *a, **k))
    X = _blobs(0, n=3000)
    for dtype in (np.float32, np.float64):
        expected = assign_pseudo_classes(X.astype(dtype), [3, 70, 900],
                                         return_outside=True)
        calls.clear()
        with config_context(assume_finite=True):
            got = assign_pseudo_classes(X.astype(dtype), [3, 70, 900],
                                        return_outside=True)
        for a, b in zip(got, expected, strict=True):
            np.testing.assert_array_equal(a, b)
        assert calls == []


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("rows", ["all", "one", "core"])
def test_outside_distances_refuses_overflow_under_assume_finite(metric, rows):
    """assume_finite vouches that the values are finite, not that their
    squared distances fit float64: NaN distances and arbitrary opponents,
    silently.  Refused as without it (the rows are used as given for
    "cosine" too), from the squared norms the search computes anyway."""
    from sklearn_bilaf.pseudo_classes import outside_distances

    X = np.random.RandomState(0).normal(size=(20, 5))
    cores = X[[0, 5, 10]].copy()
    if rows == "core":
        cores[1] *= 1e200
    else:
        X[slice(None) if rows == "all" else 7] *= 1e200
    name = "core_rows" if rows == "core" else "rows"
    with warnings.catch_warnings(), config_context(assume_finite=True):
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=rf"^{name} has values as large as "
                           r"[0-9.]+e\+[0-9]+, so squared distances .*overflow "
                           r"float64\. Rescale rows and core_rows"):
            outside_distances(X, 0, cores, metric)


@pytest.mark.parametrize("dtype, scale", [(np.float32, 1e19), (np.float64, 3e153)])
def test_sampler_refuses_overflow_under_assume_finite(dtype, scale):
    """Under assume_finite the sampler's fit failed with "Cannot split a
    budget of 20 over 15 pseudo-classes" or selected other samples,
    silently: the pseudo-class stage refuses the pool, saying by what to
    rescale it."""
    X = (np.random.RandomState(0).normal(size=(300, 8)) * scale).astype(dtype)
    with config_context(assume_finite=True):
        with pytest.raises(ValueError, match=r"^X has values as large as "
                           r"[0-9.]+e\+[0-9]+, so squared distances .*"
                           rf"overflow {np.dtype(dtype).name}\. Rescale X"):
            BiLAFSampler(20, random_state=0).fit(X)


@pytest.mark.parametrize("X, match", [
    (np.ones((5, 1), dtype=complex), "real numbers; got dtype complex128"),
    (np.ones((0, 1)), "X has no rows"),
    # A division by zero warning, then every sample in class 0.
    (np.ones((5, 0)), r"X has no features \(shape \(5, 0\)\)"),
    # numpy's "ufunc 'isfinite' not supported for the input types"; the
    # estimators' message, as the other public pool functions give it.
    (np.ones((5, 1)).astype(str), r"X holds text \(dtype <U\d+\), not embeddings"),
])
def test_assign_pseudo_classes_refuses_complex_or_empty_pools(X, match):
    """Complex rows lost their imaginary parts with a ComplexWarning; an
    empty pool was told its cores must be in [0, -1]."""
    with pytest.raises(ValueError, match=match):
        assign_pseudo_classes(X, [0])


@pytest.mark.parametrize("args, match", [
    # The compiled kernels read memory outside the class (garbage distances)
    # or numpy failed deep inside a stage.
    ((np.arange(12), 20, np.zeros((12, 2))), r"core_position .* \[0, 11\]; got 20"),
    ((np.arange(12), 12, np.zeros((12, 2))), r"core_position .* \[0, 11\]; got 12"),
    ((np.arange(12), 0, np.zeros((5, 2))), r"rows of the 12 members.*\(5, 2\)"),
    ((np.arange(12), 0, np.zeros(12)), r"rows of the 12 members.*\(12,\)"),
    # Truncated to a position silently.
    ((np.arange(12), 1.5, np.zeros((12, 2))), r"core_position .*; got 1.5"),
    ((np.arange(12) + 0.5, 0, np.zeros((12, 2))), r"indices must be .*float64"),
    ((np.ones(12, dtype=bool), 0, np.zeros((12, 2))), r"indices must be .*bool"),
])
def test_pseudo_class_refuses_inconsistent_arguments(args, match):
    with pytest.raises(ValueError, match=match):
        PseudoClass(0, *args, "euclidean")


@pytest.mark.parametrize("label, n_classes, match", [
    # int() truncated these silently (1.5 -> 1), or read a bool as 0 or 1.
    (1.5, 3, r"label must be .* an int in \[0, 2\]; got 1.5"),
    (True, 3, r"label must be .* an int in \[0, 2\]; got True"),
    ("1", 3, r"label must be .* an int in \[0, 2\]; got '1'"),
    (np.array([1]), 3, r"label must be .* an int in \[0, 2\]"),
    (1, 2.5, r"n_classes must be .* an int of at least 1; got 2.5"),
    (0, np.True_, r"n_classes must be .* an int of at least 1; got np.True_|"
                  r"n_classes must be .* an int of at least 1; got True"),
    # No range check: a class numbered past the pool, or a pool of no class.
    (0, 0, r"n_classes must be .* an int of at least 1; got 0"),
    (0, -2, r"n_classes must be .* an int of at least 1; got -2"),
    (-1, 3, r"label must be .* an int in \[0, 2\]; got -1"),
    (3, 3, r"label must be .* an int in \[0, 2\]; got 3"),
    # The default n_classes=1 with a label of a larger pool: say what to pass.
    (4, 1, r"got 4\. .*pass n_classes"),
])
def test_pseudo_class_refuses_a_bad_label_or_n_classes(label, n_classes, match):
    with pytest.raises(ValueError, match=match):
        PseudoClass(label, np.arange(4), 0, np.zeros((4, 2)), "euclidean",
                    n_classes)


def test_pseudo_class_takes_whole_numbers_as_label_and_n_classes():
    """Whole floats and numpy integers are taken, as plain ints."""
    pc = PseudoClass(np.int64(2), np.arange(4), 0, np.zeros((4, 2)),
                     "euclidean", 3.0)
    assert (pc.label, pc.n_classes) == (2, 3)
    assert type(pc.label) is int and type(pc.n_classes) is int


@pytest.mark.parametrize("n_features", [2, 40])
@pytest.mark.parametrize("cached", [True, False])
def test_pseudo_class_rows_set_later_give_their_own_distances(n_features,
                                                               cached):
    """Rows assigned to X (as a custom stage may do) give their distances:
    the cached matrix and distinct rows of the old rows were kept, so the
    distances and mean distances stayed those of the rows replaced."""
    rng = np.random.RandomState(3)
    old = rng.normal(size=(30, n_features))
    old[20:] = old[:10]  # exact duplicates: the distinct rows are cached
    new = rng.normal(size=(30, n_features)) * 5.0
    with config_context(working_memory=64 if cached else 1e-4):
        pc = PseudoClass(0, np.arange(30), 4, old, "euclidean")
        pc.distances([1, 2])
        pc.mean_distances()
        assert (pc._matrix is not None) == cached
        pc.X = new
        np.testing.assert_allclose(pc.distances([1, 2]), cdist(new[[1, 2]], new),
                                   rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(pc.distances(3), cdist(new[[3]], new),
                                   rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(pc.mean_distances(),
                                   cdist(new, new).mean(axis=1), rtol=1e-12)
        np.testing.assert_allclose(pc.distance_matrix(), cdist(new, new),
                                   rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("rows", [
    np.zeros((10, 3)), np.zeros((50, 3)), np.zeros(30), np.zeros((30, 3)).tolist(),
])
def test_pseudo_class_refuses_rows_set_later_that_are_not_one_per_member(rows):
    """Rows assigned to X that were not one per member failed later with
    numpy's IndexError (too few) or were read in part, silently (too many);
    a list failed with an AttributeError."""
    pc = PseudoClass(0, np.arange(30), 4, np.ones((30, 3)), "euclidean")
    with pytest.raises(ValueError, match=(
            r"X must hold the rows of the 30 members, an array of shape "
            r"\(30, n_features\); got ")):
        pc.X = rows
    assert pc.X.shape == (30, 3)  # unchanged
    assert pc.distances(0).tolist() == [[0.0] * 30]


@pytest.mark.parametrize("assume_finite", [False, True])
def test_pseudo_class_rows_set_later_are_checked_as_the_constructors(
        assume_finite):
    """Rows assigned to X skipped the constructor's checks: NaN, inf and
    values whose squared distances overflow were ranked silently, rows all
    so small that every distance underflows to 0 tied every member, and
    text was cast.  They are refused as the constructor refuses them, with
    its messages, and assume_finite skips the same checks."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 3))
    nan = X.copy()
    nan[7, 1] = np.nan
    huge = X.copy()
    huge[[3, 11]] *= 1e160
    tiny = X / np.abs(X).max() * 1e-170
    cases = [(tiny, r"^X has no value larger than 1e-170"),
             (X.astype(str), r"text")]
    if not assume_finite:
        cases += [(nan, r"^X contains NaN in 1 row \(row 7\)"),
                  (huge, r"^X has values as large as ")]
    with config_context(assume_finite=assume_finite):
        for rows, match in cases:
            with pytest.raises(ValueError, match=match) as expected:
                PseudoClass(0, np.arange(20), 4, rows, "euclidean")
            pc = PseudoClass(0, np.arange(20), 4, X, "euclidean")
            with pytest.raises(ValueError) as info:
                pc.X = rows
            assert str(info.value) == str(expected.value)
            assert pc.X is X  # unchanged
        if assume_finite:
            for rows in (nan, huge):
                pc.X = rows
                assert pc.X is rows


def test_pseudo_class_rows_set_later_are_converted_and_scaled_as_given():
    """Rows assigned to X were used as they were: float16 and integer rows
    were not converted as the constructor converts them, and Euclidean rows
    all under about 1e-146 were not scaled for their distances (subnormal
    squared distances, up to a third off).  X set later gives what the
    constructor gives for the same rows, to the bit."""
    rng = np.random.RandomState(1)
    X = rng.normal(size=(40, 5))
    X /= np.abs(X).max()
    for rows in (np.ldexp(X, -535), X.astype(np.float16),
                 (X * 100).astype(np.int64)):
        expected = PseudoClass(0, np.arange(40), 4, rows, "euclidean")
        pc = PseudoClass(0, np.arange(40), 4, X, "euclidean")
        pc.mean_distances()
        pc.X = rows
        assert pc.X.dtype == expected.X.dtype
        assert pc.X.tobytes() == expected.X.tobytes()
        assert pc.distances([0, 9]).tobytes() == (
            expected.distances([0, 9]).tobytes())
        assert pc.mean_distances().tobytes() == (
            expected.mean_distances().tobytes())
        assert pc.distance_matrix().tobytes() == (
            expected.distance_matrix().tobytes())


def test_pseudo_class_rows_set_later_drop_the_statistics_of_the_old_rows():
    """inside_distance, outside_distance and opponent were kept when X was
    replaced, describing the old rows: the boundary stage ranked the new
    rows by them.  They are dropped (None), and the boundary stage says
    how to set them again."""
    rng = np.random.RandomState(2)
    X = rng.normal(size=(30, 4))
    pc = PseudoClass(1, np.arange(30), 4, X, "euclidean", 3)
    pc.inside_distance = pc.mean_distances()
    pc.outside_distance = np.full(30, 2.0)
    pc.opponent = np.zeros(30, dtype=np.intp)
    pc.X = X * 2.0
    assert pc.inside_distance is None and pc.outside_distance is None
    assert pc.opponent is None
    with pytest.raises(ValueError, match=(
            r"pseudo_class\.inside_distance must be set, one value per member "
            r"\(30\), before select_class; got None\. Set inside_distance = "
            r"pseudo_class\.mean_distances\(\)")):
        BoundarySelector().select_class(pc, 5)


def test_pseudo_class_accepts_a_list_of_rows():
    """A list of rows failed in the compiled kernels (numba TypingError)."""
    X = np.random.RandomState(0).normal(size=(12, 2))
    got = PseudoClass(0, range(12), 0, X.tolist(), "euclidean").distances(1)
    np.testing.assert_allclose(got, cdist(X[[1]], X), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pseudo_class_keeps_float32_and_float64_rows_as_given(dtype):
    """X is documented "as given (float32 or float64)": a float32 class is
    not copied to float64 (twice its memory); its distances are those of
    its float32 values, in float64."""
    X = np.random.RandomState(0).normal(size=(12, 20)).astype(dtype)
    pc = PseudoClass(0, range(12), 0, X, "euclidean")
    assert pc.X is X
    got = pc.distances([1, 4])
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, cdist(X[[1, 4]].astype(np.float64),
                                          X.astype(np.float64)), rtol=1e-12)


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("n_features", [4, 40])
def test_pseudo_class_holds_float16_rows_as_float32(metric, n_features):
    """float16 rows were converted to float64 (four times their memory,
    on top of the distances' own float64 rows); float32 holds them exactly,
    as the estimators convert a float16 pool: the same distances, bit for
    bit, cached or not."""
    X = np.random.RandomState(0).normal(size=(60, n_features)).astype(np.float16)
    if metric == "cosine":
        X /= np.linalg.norm(X.astype(np.float64), axis=1, keepdims=True)
    pc = PseudoClass(0, range(60), 3, X, metric)
    assert pc.X.dtype == np.float32
    np.testing.assert_array_equal(pc.X, X)
    for working_memory in (1024, 0.01):
        with config_context(working_memory=working_memory):
            half = PseudoClass(0, range(60), 3, X, metric)
            wide = PseudoClass(0, range(60), 3, X.astype(np.float64), metric)
            np.testing.assert_array_equal(half.distances([1, 4]),
                                          wide.distances([1, 4]))
            np.testing.assert_array_equal(half.distances(7), wide.distances(7))
            np.testing.assert_array_equal(half.mean_distances(),
                                          wide.mean_distances())
            np.testing.assert_array_equal(half.distance_matrix(),
                                          wide.distance_matrix())


def test_pseudo_classes_exact_on_near_ties_in_float32():
    rng = np.random.RandomState(0)
    centres = rng.normal(size=(20, 16)).astype(np.float32)
    X = np.repeat(centres, 50, axis=0) + rng.normal(scale=1e-3, size=(1000, 16))
    X = X.astype(np.float32)
    cores = rng.choice(1000, 30, replace=False)
    expected = np.argmin(cdist(X.astype(np.float64), X[np.sort(cores)].astype(
        np.float64)), axis=1)
    expected[np.sort(cores)] = np.arange(30)
    np.testing.assert_array_equal(assign_pseudo_classes(X, cores), expected)


@pytest.mark.parametrize("data", ["near-ties", "grid"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sampler_pseudo_classes_and_opponents_exact_on_near_ties(data, dtype):
    """The sampler's stage 2 (nearest and second-nearest core in one pass)
    decides near-ties and exact ties (lower class) as cdist does, with more
    than 16 features (BLAS products)."""
    rng = np.random.RandomState(0)
    if data == "near-ties":
        centres = rng.normal(size=(20, 24))
        X = np.repeat(centres, 50, axis=0) + rng.normal(scale=1e-3, size=(1000, 24))
    else:  # integer grid: many exact ties between cores
        X = rng.randint(-2, 3, size=(1000, 24)).astype(np.float64)
    X = X.astype(dtype)
    cores = np.sort(rng.choice(1000, 30, replace=False))
    D = cdist(X.astype(np.float64), X[cores].astype(np.float64))
    expected = np.argmin(D, axis=1)
    expected[cores] = np.arange(30)
    D[np.arange(1000), expected] = np.inf
    labels, outside, opponent = assign_pseudo_classes(X, cores, return_outside=True)
    np.testing.assert_array_equal(labels, expected)
    np.testing.assert_array_equal(opponent, np.argmin(D, axis=1))
    np.testing.assert_allclose(outside, D.min(axis=1), rtol=1e-12)
    sampler = BiLAFSampler(60, core_selector=cores, random_state=0).fit(X)
    np.testing.assert_array_equal(sampler.labels_, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pseudo_classes_same_for_any_memory_layout(tmp_path, dtype):
    """Stage 2 reads the pool's row chunks in place (no copy for the
    Euclidean metric): Fortran-ordered, read-only and memory-mapped pools
    give the same classes and outside distances as a C-ordered array."""
    rng = np.random.RandomState(3)
    X = (rng.normal(size=(2000, 24)) * rng.uniform(0.5, 3, 24)).astype(dtype)
    cores = np.sort(rng.choice(2000, 40, replace=False))
    expected = assign_pseudo_classes(X, cores, return_outside=True)
    reference = cdist(X.astype(np.float64), X[cores].astype(np.float64))
    np.testing.assert_array_equal(expected[0][np.setdiff1d(np.arange(2000), cores)],
                                  np.argmin(reference, axis=1)[
                                      np.setdiff1d(np.arange(2000), cores)])
    np.save(tmp_path / "X.npy", X)
    read_only = X.copy()
    read_only.flags.writeable = False
    for pool in (np.asfortranarray(X), read_only,
                 np.load(tmp_path / "X.npy", mmap_mode="r")):
        got = assign_pseudo_classes(pool, cores, return_outside=True)
        for a, b in zip(got, expected, strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int64])
@pytest.mark.parametrize("layout", ["C", "strided", "memmap"])
def test_pseudo_class_from_pool_rows_matches_prepared_rows(tmp_path, metric, dtype,
                                                          layout):
    """The sampler builds its pseudo-classes from the pool's rows: stages see
    the same X (float64, prepared) and get the same distances, bit for bit,
    as from a PseudoClass of prepared rows; for float32 and float64 Euclidean
    rows the float64 copy is made only when a stage reads X."""
    from sklearn import config_context

    from sklearn_bilaf._distances import prepare

    rng = np.random.default_rng(1)
    rows = rng.integers(-4, 5, size=(300, 24)).astype(dtype)
    rows[200:260] = rows[:60]  # exact duplicates
    if layout == "strided":
        rows = np.repeat(rows, 2, axis=0)[::2]
    elif layout == "memmap":
        np.save(tmp_path / "rows.npy", rows)
        rows = np.load(tmp_path / "rows.npy", mmap_mode="r")
    members = np.arange(300) * 3
    for cached in (True, False):
        with config_context(working_memory=64 if cached else 1):
            expected = PseudoClass(4, members, 17, prepare(rows, metric), metric,
                                   9)
            got = PseudoClass._from_pool_rows(4, members, 17, rows, metric, 9)
            assert got.mean_distances().tobytes() == (
                expected.mean_distances().tobytes())
            lazy = (metric == "euclidean" and layout != "strided"
                    and dtype in (np.float32, np.float64))
            assert (got._X is None) == lazy
            assert got.distances([3, 17, 250], [0, 5]).tobytes() == (
                expected.distances([3, 17, 250], [0, 5]).tobytes())
            assert got.distances([17]).tobytes() == (
                expected.distances([17]).tobytes())
            assert got.X.dtype == np.float64
            assert got.X.tobytes() == expected.X.tobytes()
            assert (got.n, got.label, got.core_position, got.n_classes) == (
                300, 4, 17, 9)
    # X can be replaced, as a custom stage may do.
    got.X = expected.X[:, :3]
    assert got.X.shape == (300, 3) and got._plain_rows() is got.X


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_sampler_same_selection_for_any_memory_layout(tmp_path, metric):
    """The per-class stages gather their rows from the pool: Fortran-ordered,
    strided and memory-mapped pools select what a C-ordered array does."""
    rng = np.random.RandomState(5)
    X = (rng.normal(size=(3000, 20)) + rng.randint(0, 4, size=(3000, 1))
         ).astype(np.float32)
    cores = np.sort(rng.choice(3000, 12, replace=False))

    def fit(pool):
        return BiLAFSampler(120, core_selector=cores, metric=metric).fit(pool)

    expected = fit(X)
    np.save(tmp_path / "X.npy", X)
    for pool in (np.asfortranarray(X), np.repeat(X, 2, axis=0)[::2],
                 np.load(tmp_path / "X.npy", mmap_mode="r")):
        got = fit(pool)
        np.testing.assert_array_equal(got.selected_indices_,
                                      expected.selected_indices_)
        np.testing.assert_array_equal(got.inlier_mask_, expected.inlier_mask_)


def test_cosine_pseudo_classes_match_cdist():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(300, 8))
    cores = np.sort(rng.choice(300, 7, replace=False))
    expected = np.argmin(cdist(X, X[cores], "cosine"), axis=1)
    expected[cores] = np.arange(7)
    np.testing.assert_array_equal(assign_pseudo_classes(X, cores, "cosine"), expected)


# -- §3 denoising -----------------------------------------------------------
HAND_CLASS = [0.0, 5.0, 1.0, 2.5, -1.5, 9.0, -4.0, 3.5, 6.0, -10.0]


def test_idc_ring_growth_order_paper():
    # Worked by hand from spec §3 with k=2, q=1 (see the test's comments in
    # the docs): ties at rings 3 and 5 go to the lower local position.
    ranking, n_kept = IDCDenoiser(n_neighbors=2).rank_class(_class_1d(HAND_CLASS))
    assert ranking.tolist() == [0, 2, 3, 7, 1, 8, 4, 6, 5, 9]
    assert n_kept == 9


def test_idc_ring_growth_order_published_density_defect():
    # Spec §6, as the released code does it: the places p (in L) of j's k
    # nearest grown members are found, then D(j, p) is read -- the distance
    # to the member at *local position* p.  Worked by hand (k=2, q=1): rings
    # 2-3 agree with the paper (|L| <= k: every place is read); at ring 4,
    # L = [0, 2, 1] (x = 0, 1, 5), member 3 (x = 2.5) has nearest places 1
    # and 0 (distances 1.5 and 2.5, the tie with place 2 going to place 0)
    # and reads positions 1 and 0 (x = 5 and 0): rho = 2.5, while member 7
    # (x = 3.5) has places 2 and 1 and reads x = 1 and 5: rho = 2.0 -- so 7
    # grows before 3, unlike the paper.  Then 3 (1.25), 4 (4.0), 8 (4.25),
    # 6 (8.5), 5 (10.5), 9.
    den = IDCDenoiser(n_neighbors=2, variant="published")
    ranking, n_kept = den.rank_class(_class_1d(HAND_CLASS))
    assert ranking.tolist() == [0, 2, 1, 7, 3, 4, 8, 6, 5, 9]
    assert n_kept == 9


@pytest.mark.parametrize("variant, expected", [
    ("paper", [0, 2, 3, 7, 1, 8, 4, 6, 5, 9]),
    ("published", [0, 2, 1, 7, 3, 4, 8, 6, 5, 9]),
])
def test_idc_hand_orders_on_the_on_demand_ring_loop(variant, expected):
    """Kills: ``densities(candidates, nearest, read, k, published)`` (for
    ``min(k, n_refs)``) in ``IDCDenoiser.rank_class``'s on-demand path, the
    one for classes whose distance matrix does not fit ``working_memory``
    (0 forces it for 10 members).

    Spec §3 step 4: rho(j) is the mean of min(k, |L|) distances.  The two
    hand-worked orders above (k = 2, q = 1) reach ring 2 with |L| = 1 < k:
    averaging k values there would read a padding inf for every candidate,
    and the tie would go to position 1 (x = 5) instead of 2 (x = 1, nearest
    the core).  The test of the same rule with k = 10 (below) cannot tell:
    its classes grow in position order either way."""
    import sklearn

    with sklearn.config_context(working_memory=0):
        pc = _class_1d(HAND_CLASS)
        assert not pc._fits_in_memory()
        ranking, n_kept = IDCDenoiser(n_neighbors=2, variant=variant).rank_class(pc)
    assert ranking.tolist() == expected
    assert n_kept == 9

def test_published_variant_reproduces_the_released_codes_density_reading():
    # A case where the two readings of the defect part (the k smallest
    # distances to local positions 0..|L|-1, as this library read it until
    # 2026-11-29, against the released code's distances to the positions of
    # the k nearest grown members): the released code grows member 9 at ring
    # 12 (rho 17.3 against 17.4 for member 6) and so keeps 9, removing 6 and 8.
    X = np.array([15, 37, 10, 34, 13, 8, 36, 30, 2, 3, 28, 39, 5, 35, 20],
                 dtype=float)[:, None]
    sampler = BiLAFSampler(3, core_selector=[1, 11],
                           denoiser=IDCDenoiser(variant="published")).fit(X)
    assert sampler.selected_indices_.tolist() == [1, 9, 11]
    assert np.flatnonzero(~sampler.inlier_mask_).tolist() == [6, 8]


@pytest.mark.parametrize("variant", ["paper", "published"])
@pytest.mark.parametrize("strategy", ["iterative", "one-shot"])
def test_a_single_pseudo_class_scores_against_the_released_codes_stand_in(
        variant, strategy):
    # With K = 1 there is no other core; like the released code, d_out is
    # 1e9 + 7, so BS = pen - d_in / (1e9 + 7): the outskirts come first.
    # Class [0, 1, 2, 3, 4], core 2, b = 3, r = 1: the core's own row is
    # removed, then the largest d_in is a tie of 0 and 4 (both 2.0); the
    # first in candidate order (nearest to the core, then lower position)
    # wins: 0; then 4.
    X = np.arange(5.0)[:, None]
    sampler = BiLAFSampler(3, core_selector=[2],
                           denoiser=IDCDenoiser(variant=variant),
                           boundary_selector=BoundarySelector(strategy=strategy))
    assert sampler.fit(X).selected_indices_.tolist() == [2, 0, 4]


@pytest.mark.parametrize("python_loop", [False, True])
def test_a_single_pseudo_class_stand_in_is_the_released_codes_value(python_loop):
    # The stand-in d_out decides which d_in differences survive the score's
    # rounding: against 1e9 + 7, d_in 1 + 1e-5 scores below d_in 1, so 3 (the
    # farther candidate) is picked; against a larger stand-in (1e12) the two
    # scores round to the same value and the tie would go to 2, nearest the
    # core.  r = 4 // 2 = 2 removes the core and 1.
    def picks(inside):
        pc = _boundary_class([0.0, 1.0, 2.0, 3.0], 0, [1.0, 1.0, *inside],
                             np.full(4, np.inf), np.full(4, -1), n_classes=1)
        if python_loop:
            pc = _on_python_loop(pc)
        return BoundarySelector().select_class(pc, 2).tolist()

    assert picks([1.0, 1.0 + 1e-5]) == [0, 3]
    # Small d_in cannot tell 1e9 + 7 from its neighbours (1e9, 1e9 + 8, any
    # integer of its binade: d_out - d_in rounds alike); d_in near half of
    # it, one ulp apart, can: d_out - d_in is one ulp apart too, and whether
    # the quotients round apart depends on every bit of the stand-in.  These
    # two pairs part 1e9 + 7 from 1e9 - 16 ... 1e9 + 16, 2**29, 2**30, 1e6
    # ... 1e15 and inf (searched by brute force).
    assert picks([477434307.25, 477434307.25 + 2**-24]) == [0, 3]
    assert picks([496655824.25, 496655824.25 + 2**-24]) == [0, 2]


def test_idc_removal_rate_counts():
    den = IDCDenoiser(n_neighbors=2, removal_rate=0.3)
    ranking, n_kept = den.rank_class(_class_1d(HAND_CLASS))
    assert n_kept == 7
    assert ranking[:n_kept].tolist() == [0, 2, 3, 7, 1, 8, 4]


def test_idc_leftovers_ranked_in_paper_dropped_in_published():
    values = np.linspace(0, 1, 11) ** 2  # n=11, q=int(11*0.2)=2: 1 leftover
    pc = _class_1d(values)
    paper_rank, paper_kept = IDCDenoiser(ring_fraction=0.2, removal_rate=0.0
                                         ).rank_class(pc)
    pub_rank, pub_kept = IDCDenoiser(ring_fraction=0.2, removal_rate=0.0,
                                     variant="published").rank_class(pc)
    assert paper_kept == 11
    assert pub_kept == 10
    assert sorted(paper_rank.tolist()) == list(range(11))


LEFTOVER_CLASS = [9.34, 0.94, 9.45, 4.3, 3.95, -5.68, 9.53, -9.88, -4.94, -1.3, 5.59,
                  -6.05, 7.26, 9.67, -6.72, 1.95, -9.82]


@pytest.mark.parametrize("working_memory", [None, 0])
def test_idc_leftovers_are_appended_in_density_order(working_memory):
    """Spec §3 step 5: n = 17, q = int(17 * 0.2) = 3, rings 2..5 grow 15
    members; the 2 never reached (positions 7 and 16, x = -9.88 and -9.82)
    are appended ordered by rho, which puts 16 (nearer the grown -6.72)
    before 7 -- not in ascending position.  With removal_rate=0 they are
    kept, so their order is the class's L order.  Checked on the compiled
    pass and on the on-demand ring loop (working_memory=0)."""
    import sklearn

    X = np.asarray(LEFTOVER_CLASS)[:, None]
    expected = reference_denoise(cdist(X, X), 0, k=3, p_in=0.2, p_rm=0.0)
    assert expected[15:] == [16, 7]
    denoiser = IDCDenoiser(n_neighbors=3, ring_fraction=0.2, removal_rate=0.0)
    memory = {} if working_memory is None else {"working_memory": working_memory}
    with sklearn.config_context(**memory):
        pc = _class_1d(LEFTOVER_CLASS)
        assert pc._fits_in_memory() == (working_memory is None)
        ranking, n_kept = denoiser.rank_class(pc)
    assert n_kept == 17
    assert ranking.tolist() == expected


@pytest.mark.parametrize("variant", ["paper", "published"])
@pytest.mark.parametrize("working_memory", [None, 0])
def test_idc_first_ring_ties_keep_the_lower_position(variant, working_memory):
    """Spec §3 step 3: ring 1 is the first q of a *stable* sort by distance
    to the core.  30 members on 7 integer values tie in fives and more, so
    an unstable sort changes which tied members make ring 1 and their L
    order (which the published variant's density reading depends on).
    Both the compiled pass and the on-demand ring loop (working_memory=0)."""
    import sklearn

    X = np.random.RandomState(0).randint(-3, 4, size=30).astype(float)[:, None]
    X[0] = 0.0
    expected = reference_denoise(cdist(X, X), 0, k=3, variant=variant)
    memory = {} if working_memory is None else {"working_memory": working_memory}
    with sklearn.config_context(**memory):
        pc = PseudoClass(0, np.arange(30), 0, X, "euclidean")
        assert pc._fits_in_memory() == (working_memory is None)
        ranking, n_kept = IDCDenoiser(n_neighbors=3, variant=variant).rank_class(pc)
    assert ranking[:n_kept].tolist() == expected


@pytest.mark.parametrize("working_memory", [None, 0])
def test_published_leftovers_follow_in_ascending_position(working_memory):
    """Spec §6: the released code never ranks the members left over after
    the last full ring; the ranking (``ranking_`` of a standalone fit) lists
    them after the grown ones in ascending position, as documented, and
    n_kept counts the grown ones only.  LEFTOVER_CLASS leaves 2 (n = 17,
    q = 3)."""
    import sklearn

    X = np.asarray(LEFTOVER_CLASS)[:, None]
    expected = reference_denoise(cdist(X, X), 0, k=3, p_in=0.2, p_rm=0.0,
                                 variant="published")
    denoiser = IDCDenoiser(n_neighbors=3, ring_fraction=0.2, removal_rate=0.0,
                           variant="published")
    memory = {} if working_memory is None else {"working_memory": working_memory}
    with sklearn.config_context(**memory):
        ranking, n_kept = denoiser.rank_class(_class_1d(LEFTOVER_CLASS))
    assert n_kept == 15
    assert ranking[:15].tolist() == expected
    assert ranking[15:].tolist() == sorted(set(range(17)) - set(expected))


def test_kept_count_uses_float_products_like_the_reference():
    assert _kept_count(30, 0.1) == int(30 * (1 - 0.1)) == 27
    # int(10 * (1 - 0.9)) is 0 in float64; a class always keeps its core.
    assert _kept_count(10, 0.9) == 1


def test_kept_count_is_the_product_with_one_minus_the_rate():
    """Kills: ``int(n - n * removal_rate)`` for ``int(n * (1 - rate))``.

    In float64, 1 - 0.8 = 0.19999999999999996, and 10 times that is
    1.9999999999999996: the kept count is 1 (the core alone), while
    10 - 10 * 0.8 = 10 - 8.0 = 2.0 would keep 2.  IDC on the 10-member hand
    class (n = 10, so |L| = 10) keeps just its first member, the core.
    """
    assert 10 * (1 - 0.8) < 2.0 and 10 - 10 * 0.8 == 2.0
    assert _kept_count(10, 0.8) == 1
    ranking, n_kept = IDCDenoiser(n_neighbors=2, removal_rate=0.8).rank_class(
        _class_1d(HAND_CLASS))
    assert n_kept == 1 and ranking[0] == 0


@pytest.mark.parametrize("denoiser_class", [IDCDenoiser, DistanceDenoiser,
                                            DensityDenoiser])
def test_numpy_float32_rates_are_rounded_in_float64(denoiser_class):
    """A rate given as a numpy float32 (from a float32 grid, say) is used as
    its float64 value, as the spec's floors are computed: numpy computed
    ``n * (1 - rate)`` in float32 then, where 90 * (1 - 0.3) rounds up to
    63.0 (62.99... in float64, so 62 kept), and a float16 rate overflowed to
    inf on classes of some 70,000 members, failing in ``int()``."""
    values = np.linspace(0.0, 1.0, 90) ** 2
    rate = np.float32(0.3)
    # In float32 arithmetic (numpy 2 computes a Python int times a float32
    # scalar so; numpy 1 in float64) it is 63.
    assert int(np.float32(90) * (np.float32(1) - rate)) == 63
    assert int(90 * (1 - float(rate))) == 62
    _, n_kept = denoiser_class(removal_rate=rate).rank_class(_class_1d(values))
    assert n_kept == 62
    assert _kept_count(80_000, np.float16(0.5)) == 40_000


def test_numpy_float32_ring_fraction_is_read_as_written():
    """q = int(n * ring_fraction) in float64, of the fraction as written: a
    numpy float32 0.7 is 0.7, as the Python float is (its widened value,
    0.699999988, gave q = 6 of 10 members, where 0.7 gives 7; and float32
    arithmetic must not be used either).  The published variant keeps the
    first ring alone (10 // q = 1: no further ring; the leftovers are
    dropped): 7 members, as with ring_fraction=0.7."""
    values = np.arange(10.0) ** 2
    assert int(10 * float(np.float32(0.7))) == 6  # the widened value's q
    pc = _class_1d(values)
    got = IDCDenoiser(ring_fraction=np.float32(0.7), removal_rate=0.0,
                      variant="published").rank_class(pc)
    expected = IDCDenoiser(ring_fraction=0.7, removal_rate=0.0,
                           variant="published").rank_class(pc)
    assert got[1] == expected[1] == 7
    np.testing.assert_array_equal(got[0], expected[0])


@pytest.mark.parametrize("denoiser_class", [IDCDenoiser, DistanceDenoiser,
                                            DensityDenoiser])
@pytest.mark.parametrize("rate", [np.float32(0.1), np.float16(0.1)])
def test_numpy_float32_rates_are_read_as_written(denoiser_class, rate):
    """removal_rate=np.float32(0.1) removes 10 % of 100 members, as 0.1
    does: its widened value (0.10000000149) kept 89, not 90."""
    assert int(100 * (1 - float(np.float32(0.1)))) == 89
    values = np.linspace(0.0, 1.0, 100) ** 2
    _, n_kept = denoiser_class(removal_rate=rate).rank_class(_class_1d(values))
    _, expected = denoiser_class(removal_rate=0.1).rank_class(_class_1d(values))
    assert n_kept == expected == 90


@pytest.mark.parametrize("variant", ["paper", "published"])
def test_idc_takes_n_neighbors_of_any_numpy_integer_type(variant):
    """n_neighbors as a numpy uint64 (an ``np.arange(..., dtype=np.uint64)``
    grid, say) failed in the compiled ring pass with a numba TypingError
    (min with an int64 count is a float64 there); it counts as the int."""
    pc = _class_1d(LEFTOVER_CLASS)
    expected = IDCDenoiser(n_neighbors=3, variant=variant).rank_class(pc)
    for k in (np.uint64(3), np.int32(3)):
        got = IDCDenoiser(n_neighbors=k, variant=variant).rank_class(pc)
        assert got[0].tolist() == expected[0].tolist() and got[1] == expected[1]


def test_small_classes_are_not_denoised():
    pc = _class_1d(np.arange(9.0) ** 2)
    for den in (IDCDenoiser(), DistanceDenoiser(0.5), DensityDenoiser(3, 0.5)):
        ranking, n_kept = den.rank_class(pc)
        assert n_kept == 9 and ranking.tolist() == list(range(9))


def test_distance_denoiser_drops_farthest_from_core():
    pc = _class_1d([0.0, 5.0, 1.0, 2.0, -3.0, 4.0, 6.0, -7.0, 8.0, 0.5], 0)
    ranking, n_kept = DistanceDenoiser(0.2).rank_class(pc)
    assert n_kept == 8
    assert set(ranking[n_kept:].tolist()) == {7, 8}


def test_distance_denoiser_ties_keep_the_lower_position():
    """Kills: ``np.argsort(to_core)`` without ``kind="stable"`` (numpy's
    quicksort is only stable below 17 elements).

    17 members, core at position 0 (x = 0); distances to it are |x|:
    0 at positions 0, 3, 4, 5, 7; 1 at 9, 10, 14, 15; 2 at 1, 6, 8, 16;
    3 at 2, 11, 12, 13.  A stable sort keeps each group in ascending
    position.  int(17 * 0.9) = 15 are kept, so two of the four at distance 3
    go: the higher positions 12 and 13.
    """
    x = [0, 2, -3, 0, 0, 0, -2, 0, 2, -1, 1, 3, -3, -3, 1, -1, -2]
    ranking, n_kept = DistanceDenoiser(0.1).rank_class(_class_1d(x))
    assert n_kept == 15
    assert ranking.tolist() == [0, 3, 4, 5, 7, 9, 10, 14, 15, 1, 6, 8, 16,
                                2, 11, 12, 13]


def test_density_denoiser_drops_sparse_members():
    values = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 5.0, -5.0]
    ranking, n_kept = DensityDenoiser(2, 0.2).rank_class(_class_1d(values))
    assert set(ranking[n_kept:].tolist()) == {8, 9}


def test_density_denoiser_does_not_count_a_member_as_its_own_neighbour():
    # With k = 1 the score is the distance to the nearest *other* member; were
    # the member's own zero distance counted, every score would be 0.
    values = [0.0, 10.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 20.0]
    ranking, n_kept = DensityDenoiser(1, 0.2).rank_class(_class_1d(values))
    assert n_kept == 8
    assert sorted(ranking[n_kept:].tolist()) == [1, 9]


def test_density_denoiser_caps_k_at_all_other_members():
    """Kills: ``k = min(n_neighbors, n - 2)`` in ``DensityDenoiser``.

    n = 10 and n_neighbors = 20: k = min(20, n - 1) = 9, every other member.
    x = 0, 1, 3, 4, 6, 7, 8, 9, 10, 11; sums of distances to the others:
    59, 51, 39, 35, 31, 31, 33, 37, 43, 51 (positions 0..9), so by mean
    (ties: lower position) the ranking is 4, 5, 6, 3, 7, 2, 8, 1, 9, 0.
    int(10 * 0.8) = 8 kept: positions 9 (x = 11) and 0 (x = 0) go; 1 and 9
    tie at 51 and the lower position stays.  (With k = 8 the farthest
    distance drops out: 41 for position 1 against 40 for position 9, and
    position 1 would go instead.)
    """
    x = [0.0, 1.0, 3.0, 4.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0]
    ranking, n_kept = DensityDenoiser(20, 0.2).rank_class(_class_1d(x, 4))
    assert n_kept == 8
    assert ranking.tolist() == [4, 5, 6, 3, 7, 2, 8, 1, 9, 0]


def test_density_denoiser_exact_ties_keep_the_lower_position_first():
    # Rows 4 and 7 are (3, 3) and row 10 is (2, 2): with k = 4 all three
    # have the mean distance (1 + 3 * sqrt(2)) / 4 exactly (found by an
    # independent spec check); a plain mean rounded them apart, so the
    # stable order (4, 7, 10) was lost and row 7 was removed instead of 10.
    X = np.array([[1, 1], [0, 0], [1, 0], [1, 0], [3, 3], [3, 0], [3, 0], [3, 3],
                  [2, 3], [2, 0], [2, 2]], dtype=float)
    sampler = BiLAFSampler(2, core_selector=[0],
                           denoiser=DensityDenoiser(n_neighbors=4)).fit(X)
    assert np.flatnonzero(~sampler.inlier_mask_).tolist() == [1, 10]


def test_denoiser_always_keeps_the_core():
    # 12 duplicates of the core value: the core itself (last position) would
    # rank 12th and fall in the removed tail.
    values = [1.0] * 11 + [1.0]
    pc = _class_1d(values, core_position=11)
    ranking, n_kept = IDCDenoiser(removal_rate=0.5).denoise_class(pc)
    assert 11 in ranking[:n_kept].tolist()


class _FixedRanking(BaseDenoiser):
    """A custom stage whose ranking leaves the core just outside the kept."""

    def __init__(self, ranking=(1, 2, 3, 0, 4), n_kept=3):
        self.ranking = ranking
        self.n_kept = n_kept

    def rank_class(self, pseudo_class):
        return np.asarray(self.ranking), self.n_kept


def test_core_ranked_just_outside_replaces_the_last_kept_member():
    # BaseDenoiser.denoise_class: a core at position n_kept (the first removed)
    # is moved in; it takes the place of the *last* kept member, the others
    # keep their order.
    pc = _class_1d([0.0, 1.0, 2.0, 3.0, 4.0], core_position=0)
    ranking, n_kept = _FixedRanking().denoise_class(pc)
    assert n_kept == 3
    assert ranking.tolist() == [1, 2, 0, 3, 4]


def test_n_kept_of_zero_keeps_the_core_alone():
    """Kills: ``n_kept = int(n_kept)`` (no ``max(1, ...)``) in
    ``BaseDenoiser.denoise_class``.

    A custom stage keeping 0 members keeps the core alone: n_kept becomes 1
    and the core (position 0, ranked 4th in (1, 2, 3, 0, 4)) takes the place
    of the last kept member, the first of the ranking, which moves to the
    core's old place: [0, 2, 3, 1, 4].
    """
    pc = _class_1d([0.0, 1.0, 2.0, 3.0, 4.0], core_position=0)
    ranking, n_kept = _FixedRanking(n_kept=0).denoise_class(pc)
    assert n_kept == 1
    assert ranking.tolist() == [0, 2, 3, 1, 4]


class _FlagPositions(BaseEstimator):
    """An outlier detector that flags fixed local positions as outliers."""

    def __init__(self, outliers=(0, 5)):
        self.outliers = outliers

    def fit_predict(self, X, y=None):
        self.fitted_ = True
        flags = np.ones(X.shape[0], dtype=int)
        flags[list(self.outliers)] = -1
        return flags


def test_outlier_detector_keeps_the_core_as_an_extra_inlier():
    # The detector flags the core (position 0) and position 5: only 5 is
    # removed; the core is kept in ascending position among the inliers.
    pc = _class_1d(np.arange(12.0), core_position=0)
    den = OutlierDetectorDenoiser(_FlagPositions())
    ranking, n_kept = den.denoise_class(pc)
    assert n_kept == 11
    assert ranking.tolist() == [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 5]
    # The detector is cloned for the class: the parameter is left unfitted.
    assert not hasattr(den.detector, "fitted_")


def test_outlier_detector_runs_on_a_class_of_exactly_ten():
    """Kills: ``n <= MIN_CLASS_SIZE`` in ``OutlierDetectorDenoiser.rank_class``.

    Only classes of *fewer* than 10 members skip denoising: with 10 members
    the detector runs and its outlier (position 5) is removed; the inliers
    stay in ascending position, the outlier follows.
    """
    pc = _class_1d(np.arange(10.0), core_position=0)
    ranking, n_kept = OutlierDetectorDenoiser(_FlagPositions((5,))).denoise_class(pc)
    assert n_kept == 9
    assert ranking.tolist() == [0, 1, 2, 3, 4, 6, 7, 8, 9, 5]


def test_outlier_detector_skips_classes_smaller_than_ten():
    pc = _class_1d(np.arange(9.0), core_position=4)
    ranking, n_kept = OutlierDetectorDenoiser(_FlagPositions()).denoise_class(pc)
    assert n_kept == 9 and ranking.tolist() == list(range(9))


# -- §4 budgets ------------------------------------------------------------------
@pytest.mark.parametrize(
    "sizes, budget, expected",
    [
        ([50, 30, 20], 10, [5, 3, 2]),
        ([5, 3, 2], 7, [3, 2, 2]),  # remainder to the smallest allocation
        ([4, 4, 2], 5, [2, 2, 1]),  # floor 2,2,1: nothing left over
        ([10, 10, 10], 4, [2, 1, 1]),  # ties: larger class, then lower class
        ([100, 1, 1], 3, [1, 1, 1]),  # minimum of one per class
        ([3, 1, 1, 1], 6, [3, 1, 1, 1]),  # never more than the class size
        ([2, 2, 50], 50, [2, 2, 46]),  # surplus goes to classes with room
        # Surplus only to classes below their size: class 0 (size 1) has the
        # smallest allocation but no room, class 1 wins the tie with class 2.
        ([1, 10, 10], 20, [1, 10, 9]),
        # Units taken back (a class raised to 1) come from the largest
        # allocation; ties: the smaller class, then the higher class number.
        ([1, 1, 6, 7], 5, [1, 1, 1, 2]),
        ([1, 1, 4, 4], 5, [1, 1, 2, 1]),
        # The largest allocation gives a unit back, not just any above 1:
        # floor(6 * [1, 1, 4, 6] / 12) = [0, 0, 2, 3]; the remainder goes to
        # class 0 (the two zeros tie in size: lower class); class 1 raised to
        # 1 costs a unit, taken from class 3 (3 members allotted), not 2 (2).
        ([1, 1, 4, 6], 6, [1, 1, 2, 2]),
    ],
)
def test_budget_allocation(sizes, budget, expected):
    alloc = allocate_budget(sizes, budget)
    assert alloc.tolist() == expected
    assert alloc.sum() == budget


def test_budget_matches_reference_when_no_repair_needed():
    rng = np.random.RandomState(0)
    for _ in range(200):
        sizes = rng.randint(5, 200, size=rng.randint(1, 30))
        budget = rng.randint(sizes.size, sizes.sum() // 4 + sizes.size + 1)
        ref = reference_budgets(sizes, budget)
        if min(ref) >= 1 and all(a <= s for a, s in zip(ref, sizes, strict=True)):
            assert allocate_budget(sizes, budget).tolist() == ref


def test_budget_refuses_impossible_requests():
    with pytest.raises(ValueError, match="Cannot split"):
        allocate_budget([3, 3], 1)
    with pytest.raises(ValueError, match="Cannot split"):
        allocate_budget([3, 3], 7)
    with pytest.raises(ValueError, match="every class non-empty"):
        allocate_budget([3, 0], 2)  # an empty class cannot hold its core


def test_budget_refuses_what_is_not_counts():
    """Fractional sizes were truncated silently (5.7 members counted as 5),
    and a float or 2-D input failed with a bare numpy/heapq error."""
    with pytest.raises(ValueError, match="sizes must be a 1-D array of member "
                                         "counts"):
        allocate_budget([5.7, 3, 2], 7)
    with pytest.raises(ValueError, match=r"shape \(2, 2\)"):
        allocate_budget([[5, 3], [2, 1]], 5)
    with pytest.raises(ValueError, match="dtype bool"):
        allocate_budget([True, True], 2)
    for budget in [7.0, 7.5, True, "7"]:
        with pytest.raises(TypeError, match="budget must be an int"):
            allocate_budget([5, 3, 2], budget)
    # Whole-valued floats and numpy integers are counts.
    assert allocate_budget([5.0, 3, 2], np.int64(7)).tolist() == [3, 2, 2]


# -- §5 boundary samples --------------------------------------------------------
def _boundary_class(values, core, inside, outside, opponent, n_classes=3):
    pc = _class_1d(values, core)
    pc.inside_distance = np.asarray(inside, dtype=float)
    pc.outside_distance = np.asarray(outside, dtype=float)
    pc.opponent = np.asarray(opponent)
    pc.n_classes = n_classes
    return pc


def test_boundary_penalty_update_changes_the_next_pick():
    values = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    inside = np.abs(np.subtract.outer(values, values)).mean(axis=1)
    pc = _boundary_class(values, 0, inside, [6, 5, 4, 3.3, 3, 3.2], [1, 1, 1, 2, 1, 2])
    # r = 6 // 3 = 2. Pick 1: candidates [2,3,4,5], lowest score is 5.
    # Pick 2: x=5 drops {5, 4}; penalty of class 2 (opponent of 5) makes 3
    # (score 0.645) lose to 2 (0.625).
    assert BoundarySelector(penalty=1.1).select_class(pc, 3).tolist() == [0, 5, 2]
    assert BoundarySelector(penalty=1.0).select_class(pc, 3).tolist() == [0, 5, 3]


def test_boundary_removal_ties_drop_lower_position_and_keep_distance_order():
    values = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    pc = _boundary_class(values, 3, np.ones(7), np.full(7, 2.0), np.ones(7, int))
    # All scores equal: the pick is the first candidate in distance order.
    # x=3 drops 3 and 2 (tie with 4 at distance 1 -> lower position first),
    # leaving [4, 1, 5, 0, 6]; then x=4 drops 4, 5 leaving [6, 1, 0].
    assert BoundarySelector().select_class(pc, 3).tolist() == [3, 4, 6]


def test_boundary_one_shot_takes_lowest_scores():
    values = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    inside = np.abs(np.subtract.outer(values, values)).mean(axis=1)
    pc = _boundary_class(values, 0, inside, [6, 5, 4, 3.3, 3, 3.2], [1, 1, 1, 2, 1, 2])
    picks = BoundarySelector(strategy="one-shot").select_class(pc, 3)
    assert picks.tolist() == [0, 5, 4]


@pytest.mark.parametrize("budget", [0, 7, 2.5, True, 3.0, np.float64(2.0)])
@pytest.mark.parametrize("strategy", ["iterative", "one-shot"])
def test_boundary_select_class_refuses_a_budget_outside_the_class(budget, strategy):
    """A budget above n returned n picks and 0 returned the core, silently; a
    whole float (3.0) passed the check and failed in the picks with
    "slice indices must be integers"."""
    values = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    pc = _boundary_class(values, 0, np.ones(6), np.full(6, 2.0), np.ones(6, int))
    with pytest.raises(ValueError, match=r"budget must be an int in \[1, 6\]"):
        BoundarySelector(strategy=strategy).select_class(pc, budget)


def test_boundary_select_class_says_the_distances_must_be_set():
    """numpy's TypeError ('<' not supported ... 'NoneType') before."""
    pc = _class_1d([0.0, 1.0, 2.0, 3.0], 0)
    with pytest.raises(ValueError, match="inside_distance must be set.*got None"):
        BoundarySelector().select_class(pc, 2)
    pc.inside_distance = pc.mean_distances()
    pc.outside_distance, pc.opponent = np.ones(3), np.ones(4, int)
    with pytest.raises(ValueError, match=r"outside_distance .*shape \(3,\)"):
        BoundarySelector().select_class(pc, 2)


def test_boundary_scores_formula():
    scores = boundary_scores(np.array([1.0, 2.0]), np.array([3.0, 1.0]),
                             np.array([0, 1]), np.array([1.0, 2.0]))
    np.testing.assert_allclose(scores, [(3 - 1) / 3, (2 - 2) / 2])


def test_boundary_never_repeats_with_duplicate_members():
    values = [0.0, 1.0, 1.0, 1.0, 1.0, 2.0]
    pc = _boundary_class(values, 0, np.ones(6), np.linspace(1, 2, 6), np.ones(6, int))
    picks = BoundarySelector().select_class(pc, 6)
    assert sorted(picks.tolist()) == list(range(6))


@pytest.mark.parametrize("python_loop", [False, True])
def test_boundary_pick_that_survives_its_removal_is_not_picked_again(python_loop):
    # r = 4 // 4 = 1.  Pick 2 has a duplicate at position 1, which the removal
    # takes first (ties: lower position), so 2 stays a candidate with the
    # lowest score; it must not be picked twice (spec §5: b distinct
    # samples): 3 comes next, then the candidates run out and the best
    # remaining member, 1, completes the class.  Both the compiled loop and
    # the Python one (a class with its distance matrix cached).
    pc = _boundary_class([0.0, 1.0, 1.0, 2.0], 0, np.ones(4), [2.0, 1.5, 1.2, 1.4],
                         np.ones(4, int))
    if python_loop:
        pc = _on_python_loop(pc)
    assert BoundarySelector().select_class(pc, 4).tolist() == [0, 2, 3, 1]


@pytest.mark.parametrize("python_loop", [False, True])
def test_boundary_completion_scores_with_the_penalties_as_they_stand(python_loop):
    # Spec §5: when the candidates run out, the class is completed with "the
    # best remaining unselected members" -- best by the loop's score, with
    # the penalties reached so far.  r = 1.  The core 0 drops itself; 2 and 4
    # tie at score 0, 2 is nearer; x = 2 drops its duplicate 1 and
    # penalises class 1, so 4 (0.1) beats 3 (0.47); x = 4 drops 3 and
    # penalises class 1 again; only picked members are left.  With
    # pen[1] = 1.21, member 1 scores 0.585 and 3 comes first (with fresh
    # penalties 1 would, at 0.375).
    pc = _boundary_class([0.0, 0.0, 0.0, 1.0, 1.0], 0, np.ones(5),
                         [1.7, 1.6, 1.0, 1.9, 1.0], [1, 1, 1, 2, 1])
    if python_loop:
        pc = _on_python_loop(pc)
    assert BoundarySelector().select_class(pc, 5).tolist() == [0, 2, 4, 3, 1]


# -- §2-§6 end to end against the literal implementation ----------------------
def _blobs(seed, n=400, d=6, centres=6, integer=False, duplicates=0):
    rng = np.random.RandomState(seed)
    C = rng.normal(scale=4, size=(centres, d))
    X = C[rng.randint(centres, size=n)] + rng.normal(size=(n, d))
    if integer:
        X = np.round(X * 2)
    if duplicates:
        src = rng.randint(n, size=duplicates)
        dst = rng.choice(n, duplicates, replace=False)
        X[dst] = X[src]
    return X


def _engine(X, cores, B, *, variant="paper", k=10, p_rm=0.1, delta=1.1,
            denoise=True, strategy="iterative", n_jobs=None):
    den = IDCDenoiser(n_neighbors=k, removal_rate=p_rm, variant=variant)
    return BiLAFSampler(
        B,
        core_selector=np.asarray(cores),
        denoiser=den if denoise else "none",
        boundary_selector=BoundarySelector(penalty=delta, strategy=strategy),
        n_jobs=n_jobs,
    ).fit(X)


ENGINE_CASES = [
    dict(seed=0),
    dict(seed=1, variant="published"),
    dict(seed=2, k=3, p_rm=0.2),
    dict(seed=3, variant="published", k=4),
    dict(seed=4, denoise=False),
    dict(seed=5, strategy="one-shot"),
    dict(seed=6, delta=1.0),
    dict(seed=7, integer=True),
    dict(seed=8, integer=True, variant="published"),
    dict(seed=9, duplicates=60),
    dict(seed=10, duplicates=60, variant="published"),
]


@pytest.mark.parametrize("case", ENGINE_CASES, ids=lambda c: str(c))
def test_engine_matches_literal_spec(case):
    case = dict(case)
    seed = case.pop("seed")
    X = _blobs(seed, integer=case.pop("integer", False),
               duplicates=case.pop("duplicates", 0))
    rng = np.random.RandomState(seed)
    cores = rng.choice(X.shape[0], 6, replace=False)
    B = 60
    expected, labels, kept, budgets = reference_bilaf(
        X, cores, B,
        k=case.get("k", 10), p_rm=case.get("p_rm", 0.1),
        variant=case.get("variant", "paper"), delta=case.get("delta", 1.1),
        denoise=case.get("denoise", True), strategy=case.get("strategy", "iterative"),
    )
    if min(budgets) < 1 or any(b > len(u) for b, u in zip(budgets, kept, strict=True)):
        pytest.skip("this draw needs the library's budget repairs")
    sampler = _engine(X, cores, B, **case)
    np.testing.assert_array_equal(sampler.labels_, labels)
    assert sampler.class_budgets_.tolist() == budgets
    np.testing.assert_array_equal(sampler.selected_indices_, expected)
    kept_mask = np.zeros(X.shape[0], bool)
    kept_mask[np.concatenate(kept)] = True
    np.testing.assert_array_equal(sampler.inlier_mask_, kept_mask)


def test_default_stages_follow_the_spec_defaults():
    # Spec §7: IDC with k 10, p_in 0.1, p_rm 0.1 (the paper's variant, §6)
    # and δ 1.1 are the defaults.  The literal-spec cases above pass every
    # stage explicitly, so a wrong default (δ 1.0, p_rm 0.2, k 5, the
    # published variant) went unnoticed: here only the cores are given.
    X = _blobs(0)
    cores = np.random.RandomState(0).choice(X.shape[0], 6, replace=False)
    expected, labels, kept, budgets = reference_bilaf(X, cores, 60)
    sampler = BiLAFSampler(60, core_selector=cores).fit(X)
    assert sampler.class_budgets_.tolist() == budgets
    np.testing.assert_array_equal(sampler.selected_indices_, expected)


def test_stage_defaults_are_the_spec_values():
    """Kills: ``n_neighbors=9`` as IDCDenoiser's default (and any other
    default of spec §1, §3, §5 and §7 changed in the code and its docstring
    together).

    The selection above does not depend on k = 10 (k = 9 gave the same), and
    the docs test only compares the docstrings with the signatures.  The
    sampler's K and its k-means start differ from §7 on purpose (see the
    user guide's "Choosing K"): ActiveFTSelector's own defaults are the
    paper's."""
    from sklearn_bilaf.core import ActiveFTSelector

    assert IDCDenoiser().get_params() == {
        "n_neighbors": 10, "ring_fraction": 0.1, "removal_rate": 0.1,
        "variant": "paper"}
    assert DistanceDenoiser().get_params() == {"removal_rate": 0.1}
    assert DensityDenoiser().get_params() == {"n_neighbors": 10,
                                              "removal_rate": 0.1}
    assert BoundarySelector().get_params() == {"penalty": 1.1,
                                               "strategy": "iterative"}
    activeft = ActiveFTSelector().get_params()
    assert {name: activeft[name] for name in (
        "temperature", "learning_rate", "max_iter", "batch_size", "balance",
        "init", "exclude_isolated")} == {
        "temperature": 0.07, "learning_rate": 1e-3, "max_iter": 300,
        "batch_size": None, "balance": 1.0, "init": "random",
        "exclude_isolated": 0.0}
    assert BiLAFSampler(10).get_params()["metric"] == "euclidean"

def test_engine_output_order_classes_then_core_first():
    X = _blobs(11)
    cores = np.sort(np.random.RandomState(0).choice(400, 5, replace=False))
    sampler = _engine(X, cores, 40)
    blocks = np.split(sampler.selected_indices_, np.cumsum(sampler.class_budgets_)[:-1])
    for c, block in enumerate(blocks):
        assert block[0] == cores[c]
        assert np.all(sampler.labels_[block] == c)


@pytest.mark.parametrize("n_jobs", [1, 2, -1])
def test_engine_independent_of_n_jobs(n_jobs, monkeypatch):
    from sklearn_bilaf import sampler as sampler_module

    X = _blobs(12, n=600)
    cores = np.random.RandomState(1).choice(600, 9, replace=False)
    ref = _engine(X, cores, 80).selected_indices_
    # Classes this small make one batch, run by the caller whatever n_jobs
    # is: with no minimum batch size they are spread over the workers.
    monkeypatch.setattr(sampler_module, "_MIN_BATCH_WORK", 0.0)
    batches = []
    real_batch_sizes = sampler_module._batch_sizes

    def recorded(work, n_workers):
        sizes = real_batch_sizes(work, n_workers)
        batches.append((n_workers, len(sizes)))
        return sizes

    monkeypatch.setattr(sampler_module, "_batch_sizes", recorded)
    got = _engine(X, cores, 80, n_jobs=n_jobs).selected_indices_
    np.testing.assert_array_equal(got, ref)
    if n_jobs != 1:
        assert all(n_batches > 1 for n_workers, n_batches in batches
                   if n_workers > 1), batches
        assert any(n_workers > 1 for n_workers, _ in batches), batches


def test_denoisers_plug_into_the_sampler():
    from sklearn.neighbors import LocalOutlierFactor

    X = _blobs(13)
    cores = np.random.RandomState(2).choice(400, 5, replace=False)
    for den in (NoDenoiser(), DistanceDenoiser(), DensityDenoiser(),
                LocalOutlierFactor(n_neighbors=5), "none"):
        s = BiLAFSampler(50, core_selector=cores, denoiser=den).fit(X)
        assert np.unique(s.selected_indices_).size == 50
        assert set(np.sort(cores)) <= set(s.selected_indices_)


@pytest.mark.parametrize("variant", ["paper", "published"])
def test_chunked_path_for_big_classes_gives_the_same_selection(variant):
    # 1 MiB of working memory forces classes of ~2000 members off the cached
    # n x n matrix onto on-demand, chunked distance blocks.
    import sklearn

    X = _blobs(3, n=2000)
    cores = np.random.RandomState(0).choice(2000, 4, replace=False)
    expected = _engine(X, cores, 100, variant=variant).selected_indices_
    with sklearn.config_context(working_memory=1):
        chunked = _engine(X, cores, 100, variant=variant).selected_indices_
    np.testing.assert_array_equal(chunked, expected)


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["paper", "published"])
@pytest.mark.parametrize("seed", [0, 1])
def test_engine_matches_literal_spec_on_wordnet(wordnet, variant, seed):
    # Real float16 text embeddings: many near-ties. The literal version uses
    # cdist throughout, so agreement shows the fast distances decide every
    # ordering the way a direct evaluation does.
    rng = np.random.RandomState(seed)
    rows = np.sort(rng.choice(wordnet["train_idx"], 3000, replace=False))
    X = np.asarray(wordnet["X"][rows], dtype=np.float32)
    cores = rng.choice(3000, 15, replace=False)
    expected, labels, kept, budgets = reference_bilaf(X, cores, 150, variant=variant)
    sampler = _engine(X, cores, 150, variant=variant)
    np.testing.assert_array_equal(sampler.labels_, labels)
    np.testing.assert_array_equal(sampler.selected_indices_, expected)


# -- exact ties of low-dimensional data (an independent spec check found them)


def test_published_density_ties_are_exact_in_one_dimension():
    # Ring 3's references are local positions 0 and 1 (x = 0.2, 0.88), so the
    # candidates between them (positions 1, 3, 4, 5) all have rho = 0.34
    # exactly; the stable sort must take position 1.  Worked out in exact
    # rational arithmetic; distances from BLAS products broke the tie.
    X = np.array([0.2, 0.88, 0.03, 0.67, 0.42, 0.56, 0.14, 0.2, 0.8, 0.97, 5.0])
    sampler = BiLAFSampler(3, core_selector=[6, 10],
                           denoiser=IDCDenoiser(variant="published",
                                                removal_rate=0.3)).fit(X[:, None])
    assert sampler.selected_indices_.tolist() == [6, 1, 10]
    assert np.flatnonzero(sampler.inlier_mask_).tolist() == [0, 1, 3, 4, 5, 6, 7, 10]


def test_boundary_scores_of_low_dimensional_data_follow_exact_distances():
    X = np.array([0.82, 0.78, 0.79, 0.46, 0.97, 0.78, 0.73, 0.96, 0.77])[:, None]
    sampler = BiLAFSampler(4, core_selector=[3, 4], denoiser=NoDenoiser(),
                           boundary_selector=BoundarySelector(penalty=1.0)).fit(X)
    assert sampler.selected_indices_.tolist() == [3, 4, 6, 1]


def test_boundary_score_tie_through_equal_inside_means_goes_to_candidate_order():
    # Class 1 (core 4) holds rows 1-7.  Members 1 and 7 are mirror images
    # around the core: the same distance to it (sqrt 3) and to the other core
    # (sqrt 8), and the same multiset of distances to the class, so d_in and
    # BS tie exactly.  After the r = 3 nearest to the core are removed, the
    # candidate order is 1, 7, 5, 2: spec §5 takes member 1.  A plain mean of
    # each distance row (numpy's pairwise sum, in row order) rounds the two
    # d_in apart by one ulp and picks 7 (as the released code does, which is
    # why the published variant is left out here).
    X = np.array([[0, 2, 1], [2, 1, 0], [2, 0, 2], [1, 1, 0], [1, 2, 1],
                  [2, 0, 1], [2, 1, 1], [2, 1, 2]], dtype=float)
    for denoiser in ("none", IDCDenoiser()):
        sampler = BiLAFSampler(3, core_selector=[0, 4], denoiser=denoiser).fit(X)
        assert sampler.selected_indices_.tolist() == [0, 4, 1]


LITERAL_TIE_POOLS = [
    # Mirror images around the core (the test above).
    (np.array([[0, 2, 1], [2, 1, 0], [2, 0, 2], [1, 1, 0], [1, 2, 1],
               [2, 0, 1], [2, 1, 1], [2, 1, 2]], dtype=float), [0, 4], 3,
     [0, 4, 1]),
    # Collinear integer rows t * (1, -1, 2), minimised from a fuzzed pool:
    # rows 6 and 2 of class 0 both score BS = 2/3 exactly; row 6 comes first
    # in the candidate order.
    (np.array([1, 22, 21, 23, 21, 23, 22, 18, 24.0])[:, None] * [1, -1, 2],
     [8, 7, 5], 4, [5, 6, 7, 8]),
]


@pytest.mark.parametrize("variant", ["paper", "published"])
@pytest.mark.parametrize("pool", range(len(LITERAL_TIE_POOLS)))
def test_literal_spec_inside_means_tie_like_the_engine(pool, variant):
    # The literal version's d_in must be correctly rounded, as its rho is:
    # a plain row mean rounded equal means apart by an ulp, so it broke
    # exact boundary-score ties by rounding and disagreed with the engine
    # (found by differential fuzzing against the engine).
    X, cores, budget, picks = LITERAL_TIE_POOLS[pool]
    expected = reference_bilaf(X, cores, budget, variant=variant)[0]
    assert expected.tolist() == picks
    np.testing.assert_array_equal(
        _engine(X, cores, budget, variant=variant).selected_indices_, expected)


@pytest.mark.parametrize("d", [1, 3, 16])
def test_few_features_give_cdist_distances(d):
    X = np.random.default_rng(d).integers(0, 4, size=(60, d)).astype(float) / 7
    pseudo_class = PseudoClass(0, np.arange(60), 5, X, "euclidean")
    np.testing.assert_array_equal(pseudo_class.distance_matrix(), cdist(X, X))
    chunked = PseudoClass(0, np.arange(60), 5, X, "euclidean")
    np.testing.assert_array_equal(chunked.distances(np.arange(0, 60, 7)),
                                  cdist(X[::7], X))


def test_distance_matrix_is_cached_only_when_it_fits_working_memory():
    """Documented: the n x n matrix is cached when it fits scikit-learn's
    ``working_memory``; otherwise each call computes it again (the same
    values), and nothing of that size is kept on the class."""
    import sklearn

    X = np.random.RandomState(0).normal(size=(400, 20))  # 400^2 x 8 B > 1 MiB
    with sklearn.config_context(working_memory=1):
        pc = PseudoClass(0, np.arange(400), 3, X, "euclidean")
        first = pc.distance_matrix()
        again = pc.distance_matrix()
    assert first is not again and pc._matrix is None
    np.testing.assert_array_equal(first, again)
    np.testing.assert_allclose(first, cdist(X, X), rtol=1e-12, atol=1e-12)
    cached = PseudoClass(0, np.arange(400), 3, X, "euclidean")
    assert cached.distance_matrix() is cached.distance_matrix()
    np.testing.assert_allclose(cached.distance_matrix(), first, rtol=1e-12,
                               atol=1e-12)


def test_fractional_working_memory_counts():
    """working_memory=0.5 is half a MiB (as in scikit-learn's chunking), not
    zero bytes (chunks of a single row, and no matrix kept at all)."""
    import sklearn

    from sklearn_bilaf._distances import working_memory_bytes

    X = np.random.RandomState(0).normal(size=(200, 20))  # 200^2 x 8 B < 0.5 MiB
    with sklearn.config_context(working_memory=0.5):
        assert working_memory_bytes() == 2**19
        pc = PseudoClass(0, np.arange(200), 3, X, "euclidean")
        assert pc.distance_matrix() is pc.distance_matrix()


def test_matrix_fits_alone_or_with_its_duplicates_expansion():
    """The matrix counts alone against working_memory; with exact duplicate
    rows, so do the distinct rows' matrix and its expansion to all members
    (built at the same time)."""
    import sklearn

    rng = np.random.RandomState(1)
    X = rng.normal(size=(1000, 20))
    with_duplicates = X.copy()
    with_duplicates[900:] = X[:100]
    # 8 MB for the matrix; 21.7 MB (20.7 MiB) with 900 distinct rows' matrix
    # and the 1,000 x 900 intermediate; 24 MB is the bound that needs no look.
    with sklearn.config_context(working_memory=10):
        assert PseudoClass(0, np.arange(1000), 3, X, "euclidean")._fits_in_memory()
        pc = PseudoClass(0, np.arange(1000), 3, with_duplicates, "euclidean")
        assert not pc._fits_in_memory()
    with sklearn.config_context(working_memory=20):
        assert not pc._fits_in_memory()
    with sklearn.config_context(working_memory=21):
        assert pc._fits_in_memory()
    with sklearn.config_context(working_memory=7):
        assert not PseudoClass(0, np.arange(1000), 3, X, "euclidean")._fits_in_memory()


def _record_sq_blocks(monkeypatch):
    """The row counts of the blocks ``CenteredRows.sq_block`` is called
    with, in order, recorded into the list returned."""
    from sklearn_bilaf import _distances

    seen = []
    sq_block = _distances.CenteredRows.sq_block

    def recording(self, rows, start=0):
        seen.append(len(rows))
        return sq_block(self, rows, start)

    monkeypatch.setattr(_distances.CenteredRows, "sq_block", recording)
    return seen


@pytest.mark.parametrize("n_rows, blocks", [(327, [327]), (328, [328]),
                                            (329, [327, 2])])
def test_uncached_distances_never_use_a_block_of_one_row(monkeypatch, n_rows,
                                                         blocks):
    """Rows against the whole class, uncached, in working_memory blocks of at
    least two rows: a lone last row joins the block before it (a one-row
    product may round differently from the same row in a block)."""
    import sklearn

    seen = _record_sq_blocks(monkeypatch)
    X = np.random.RandomState(1).normal(size=(400, 20))
    rows = np.arange(n_rows)[::-1]
    # 1 MiB over 8 x 400 + 1 bytes a row: blocks of 327 rows.
    with sklearn.config_context(working_memory=1):
        D = PseudoClass(0, np.arange(400), 3, X, "euclidean").distances(rows)
    assert seen == blocks
    np.testing.assert_allclose(D, cdist(X[rows], X), rtol=1e-12, atol=1e-12)


def test_uncached_distances_use_blocks_of_two_rows_when_one_row_overflows(
        monkeypatch):
    """A working_memory smaller than one row's temporaries still gives
    blocks of two rows or more (chunk_rows' ``min_rows``), never one-row
    products."""
    import sklearn

    from sklearn_bilaf import _distances

    seen = _record_sq_blocks(monkeypatch)
    X = np.random.RandomState(1).normal(size=(400, 20))
    rows = np.arange(5)
    # 1 KB, under the 3.2 kB of one row's products against the class.
    with sklearn.config_context(working_memory=0.001):
        assert _distances.chunk_rows(400, 8 * 400 + 1, min_rows=2) == 2
        D = PseudoClass(0, np.arange(400), 3, X, "euclidean").distances(rows)
    assert seen == [2, 3]
    np.testing.assert_allclose(D, cdist(X[rows], X), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n_rows", [1, 2, 37])
def test_distances_to_fixed_columns_match_distances(n_rows):
    """The on-demand IDC rings' products against the candidates only give
    the distances of ``distances`` (to rounding), exact zeros between
    duplicates and a row and itself, for blocks of one row too."""
    import sklearn

    rng = np.random.RandomState(n_rows)
    X = rng.normal(size=(600, 30))
    X[rng.randint(600, size=60)] = X[rng.randint(600)]  # duplicates
    cols = np.sort(rng.choice(600, 250, replace=False))
    with sklearn.config_context(working_memory=1):
        pc = PseudoClass(0, np.arange(600), 5, X, "euclidean")
        assert not pc._fits_in_memory()
        to_cols = pc._distances_to(cols)
        for rows in (rng.choice(600, n_rows, replace=False), cols[:n_rows]):
            got = to_cols(rows)
            np.testing.assert_allclose(got, cdist(X[rows], X[cols]),
                                       rtol=1e-12, atol=1e-12)
            np.testing.assert_array_equal(got == 0, cdist(X[rows], X[cols]) == 0)
            np.testing.assert_allclose(got, pc.distances(rows, cols),
                                       rtol=1e-13, atol=1e-13)
        assert pc._distances_to([])(np.arange(3)).shape == (3, 0)


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_on_demand_mean_distances_from_the_triangle(metric, monkeypatch):
    """A class without a cached matrix sums each pair's distance once (strips
    of the lower triangle, never a row block against every column): the
    means of the cached matrix (to rounding), equal means for exact
    duplicates, in the order of the positions asked for, the same bits on
    any number of threads."""
    import sklearn

    from sklearn_bilaf._threads import CLASS_THREADS

    rng = np.random.RandomState(7)
    X = rng.normal(size=(700, 30)) + 3.0
    X[rng.randint(700, size=70)] = X[rng.randint(700)]  # duplicates
    if metric == "cosine":
        X /= np.linalg.norm(X, axis=1, keepdims=True)  # prepared rows
    positions = rng.permutation(700)[:620]
    expected = PseudoClass(0, np.arange(700), 5, X, metric).mean_distances(positions)
    with sklearn.config_context(working_memory=1):
        pc = PseudoClass(0, np.arange(700), 5, X, metric)
        assert not pc._fits_in_memory()
        # The row-block path would ask for the positions' columns.
        monkeypatch.setattr(PseudoClass, "_distances_to", None)
        got = pc.mean_distances(positions)
        # Strips shared among a large class's threads: the same bits.
        token = CLASS_THREADS.set(3)
        try:
            shared = PseudoClass(0, np.arange(700), 5, X, metric).mean_distances(
                positions)
        finally:
            CLASS_THREADS.reset(token)
    assert shared.tobytes() == got.tobytes()
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=0)
    rows = X[np.sort(positions)]
    if metric == "cosine":
        reference = (cdist(X[positions], rows, "sqeuclidean") / 2).mean(axis=1)
    else:
        reference = cdist(X[positions], rows).mean(axis=1)
    np.testing.assert_allclose(got, reference, rtol=1e-13)
    same_row = {}
    for t, p in enumerate(positions):
        same_row.setdefault(X[p].tobytes(), []).append(got[t])
    assert all(len(set(v)) == 1 for v in same_row.values())


def test_exact_duplicates_get_identical_distances_with_many_features():
    # With more than 16 features the distances come from BLAS products,
    # which do not promise equal bits for equal rows at different positions
    # (OpenBLAS's edge blocks differ); duplicates must still tie exactly.
    for seed in range(6):
        for n, d in ((1100, 50), (900, 65)):
            rng = np.random.RandomState(seed)
            X = rng.normal(size=(n, d)) * rng.uniform(0.1, 10, d) + 5
            src = rng.choice(n, n // 5, replace=False)
            dst = rng.choice(np.setdiff1d(np.arange(n), src), n // 5, replace=False)
            X[dst] = X[src]
            pc = PseudoClass(0, np.arange(n), 0, X, "euclidean")
            D = pc.distances(np.arange(n), np.arange(n))
            np.testing.assert_array_equal(D[src], D[dst])
            np.testing.assert_array_equal(D[:, src], D[:, dst])
            means = pc.mean_distances(np.arange(n))
            np.testing.assert_array_equal(means[src], means[dst])


# -- §5 on the Python loop: a class with a cached distance matrix (a custom
# stage that called distance_matrix(), or overridden distances) is not handed
# to the compiled loop, so the hand-worked rules are pinned there too.
def _on_python_loop(pc):
    pc.distance_matrix()  # cached: select_class takes BoundarySelector._iterative
    assert pc._matrix is not None
    return pc


def test_python_loop_penalty_applies_after_boundary_picks_only():
    # Same class as test_boundary_penalty_update_changes_the_next_pick: r = 2,
    # and the core's opponent is not penalised (spec §5 step 2).
    values = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    inside = np.abs(np.subtract.outer(values, values)).mean(axis=1)
    pc = _on_python_loop(_boundary_class(values, 0, inside, [6, 5, 4, 3.3, 3, 3.2],
                                         [1, 1, 1, 2, 1, 2]))
    assert BoundarySelector(penalty=1.1).select_class(pc, 3).tolist() == [0, 5, 2]
    assert BoundarySelector(penalty=1.0).select_class(pc, 3).tolist() == [0, 5, 3]


def test_python_loop_removal_ties_and_survivor_order():
    # Spec §5 step 1: drop floor(n/b) nearest (ties: lower position), the
    # survivors keep distance order; equal scores go to the nearest survivor.
    values = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    pc = _on_python_loop(_boundary_class(values, 3, np.ones(7), np.full(7, 2.0),
                                         np.ones(7, int)))
    assert BoundarySelector().select_class(pc, 3).tolist() == [3, 4, 6]


def test_python_loop_removes_floor_n_over_b():
    # n = 8, b = 4: r = 2.  x = 0 drops {0, 1}; all scores tie, so each pick is
    # the nearest survivor: 2, then x = 2 drops {2, 3} -> 4, then 6.  With r = 3
    # the picks would be 3 and 6 and then the lowest remaining position.
    values = np.arange(8.0)
    pc = _on_python_loop(_boundary_class(values, 0, np.ones(8), np.full(8, 2.0),
                                         np.ones(8, int)))
    assert BoundarySelector().select_class(pc, 4).tolist() == [0, 2, 4, 6]


def test_one_shot_ties_go_to_the_lower_position():
    # Spec §5 one-shot ablation: the b - 1 lowest scores; equal scores are
    # taken in ascending local position (not the reverse).
    values = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    pc = _boundary_class(values, 3, np.ones(7), np.full(7, 2.0), np.ones(7, int))
    assert BoundarySelector(strategy="one-shot").select_class(pc, 3).tolist() == [
        3, 0, 1]


def test_boundary_scores_special_cases():
    # Documented in boundary_scores: 0 where d_in = d_out = 0 (a member
    # identical to every core); 1 where d_out is inf (a single pseudo-class).
    scores = boundary_scores(np.array([0.0, 2.0, 0.0]),
                             np.array([0.0, np.inf, np.inf]),
                             np.array([0, -1, -1]))
    assert scores.tolist() == [0.0, 1.0, 1.0]


@pytest.mark.parametrize("args, error, match", [
    # Different lengths: numpy's "operands could not be broadcast" before.
    (([1.0, 2.0], [3.0, 1.0, 2.0], [0, 1, 0]), ValueError,
     r"same length.*shapes \(2,\), \(3,\) and \(3,\)"),
    (([1.0, 2.0, 3.0], [3.0, 1.0, 2.0], [0, 1], [1.0, 2.0]), ValueError,
     r"same length.*\(2,\)"),
    # A column against a row broadcast into an n x n result before.
    ((np.ones((3, 1)), np.ones(3), [0, 1, 0]), ValueError, r"1-D.*\(3, 1\)"),
    # Bare IndexErrors, or (-1) the last class's penalty read silently.
    (([1.0, 2.0], [3.0, 1.0], [0, 5], [1.0, 2.0]), ValueError,
     r"opponent .*below 2.*got \[5\] at positions \[1\]"),
    (([1.0, 2.0], [3.0, 1.0], [0, -1], [1.0, 2.0]), ValueError,
     r"-1 where outside is inf.*got \[-1\]"),
    (([1.0, 2.0], [3.0, 1.0], [0.0, 0.5], [1.0, 2.0]), TypeError,
     "opponent must hold class numbers"),
    (([np.nan, 2.0], [3.0, 1.0], [0, 1]), ValueError,
     r"inside must hold finite non-negative distances; got \[nan\]"),
    (([1.0, 2.0], [3.0, -1.0], [0, 1]), ValueError,
     r"outside must hold non-negative.*positions \[1\]"),
    (([1.0, 2.0], [3.0, 1.0], [0, 1], [1.0, np.nan]), ValueError,
     r"penalties must be positive finite.*classes \[1\]"),
])
def test_boundary_scores_refuses_inconsistent_arguments(args, error, match):
    with pytest.raises(error, match=match):
        boundary_scores(*args)


@pytest.mark.parametrize("position, match", [
    (0, r"inside must hold finite non-negative distances; got \[nan\] at"),
    (1, r"outside must hold non-negative .*; got \[-1\.0\] at"),
    (3, r"penalties must be positive finite .*; got \[0\.0\] for"),
])
def test_boundary_scores_quotes_long_double_values_as_plain_numbers(position,
                                                                     match):
    """tolist keeps numpy's long double scalars, which were quoted as
    [np.longdouble('nan')]."""
    args = [[1.0, 2.0], [3.0, 1.0], [0, 1], [1.0, 2.0]]
    args[position] = [(np.nan, -1.0, None, 0.0)[position], 2.0]
    args[position] = np.array(args[position], dtype=np.longdouble)
    with pytest.raises(ValueError, match=match) as info:
        boundary_scores(*args)
    assert "np." not in str(info.value)


def test_boundary_scores_documents_the_dtype_that_penalties_promote():
    """The docstring said float32 distances give float32 scores; float64
    penalties (a list, or the sampler's) promote them to float64."""
    inside = np.array([1.0, 2.0], dtype=np.float32)
    outside = np.array([3.0, 1.0], dtype=np.float32)
    assert boundary_scores(inside, outside, [0, 1]).dtype == np.float32
    assert boundary_scores(inside, outside, [0, 1],
                           np.ones(2, dtype=np.float32)).dtype == np.float32
    assert boundary_scores(inside, outside, [0, 1], [1.0, 2.0]).dtype == np.float64
    doc = " ".join(boundary_scores.__doc__.split())
    assert ("float64 penalties (or a list of them) give float64 scores" in doc)


def test_boundary_scores_takes_lists_and_keeps_the_inputs():
    import scipy.sparse

    inside = np.array([1.0, 2.0], dtype=np.float32)
    outside = np.array([3.0, 1.0], dtype=np.float32)
    for a in (inside, outside):
        a.flags.writeable = False
    scores = boundary_scores(inside, outside, [0, 1])
    assert scores.dtype == np.float32
    np.testing.assert_allclose(scores, [2 / 3, -0.5], rtol=1e-6)
    np.testing.assert_allclose(
        boundary_scores([1.0, 2.0], [3.0, 1.0], [0, 1], [1.0, 2.0]),
        [2 / 3, 0.0])
    # -1 with outside inf: what outside_distances gives with a single core.
    assert boundary_scores([1.0], [np.inf], [-1], [2.0]).tolist() == [1.0]
    with pytest.raises(TypeError, match="toarray"):
        boundary_scores(scipy.sparse.csr_matrix(inside), outside, [0, 1])

def test_boundary_scores_take_object_arrays_of_real_numbers():
    """inside, outside and penalties refused an object array (a pandas
    column of dtype object, a list with a Fraction) with "got an array of
    dtype object", whatever it held; numbers are taken, as in a pool, and
    anything else is named."""
    from decimal import Decimal
    from fractions import Fraction

    def objects(*values):
        array = np.empty(len(values), dtype=object)
        array[:] = values
        return array

    expected = boundary_scores([1.0, 2.0], [3.0, 1.0], [0, 1], [1.0, 2.0])
    scores = boundary_scores(objects(1, 2.0), objects(np.float32(3), Fraction(1)),
                             [0, 1], objects(Decimal(1), 2))
    assert scores.dtype == np.float64
    np.testing.assert_array_equal(scores, expected)
    for args, named in [
        ((objects(1.0, None), [3.0, 1.0], [0, 1]),
         "inside must hold real numbers, one per member; got an array of dtype "
         "object whose element 1, None, is missing."),
        (([1.0, 2.0], objects(3.0, "1"), [0, 1]),
         "outside must hold real numbers, one per member; got an array of dtype "
         "object whose element 1, '1', is text, not a number."),
        (([1.0, 2.0], [3.0, 1.0], [0, 1], objects(1.0, True)),
         "penalties must hold real numbers, one per pseudo-class; got an array "
         "of dtype object whose element 1, True, is a bool, not a number."),
        (([1.0, 2.0], [3.0, 1.0], [0, 1], objects(1.0, 10**400)),
         "is too large for a float."),
        ((objects(1j, 2.0), [3.0, 1.0], [0, 1]), "element 0, 1j, is a complex"),
    ]:
        with pytest.raises(TypeError, match=re.escape(named)):
            boundary_scores(*args)
    # Numbers that are no distances are still told as such.
    with pytest.raises(ValueError, match=r"inside must hold finite non-negative "
                                         r"distances; got \[-2\.0\]"):
        boundary_scores(objects(1.0, -2), [3.0, 1.0], [0, 1])


def test_numpy_scalars_in_object_arrays_are_quoted_as_plain_values():
    # Under numpy 2 their repr read "element 1, np.True_, is a bool" and
    # "X[5, 1] is np.str_('Total')".
    def objects(*values):
        array = np.empty(len(values), dtype=object)
        array[:] = values
        return array

    for values, named in [(objects(1.0, np.True_), "element 1, True, is a bool"),
                          (objects(1.0, np.str_("1")), "element 1, '1', is text")]:
        with pytest.raises(TypeError, match=re.escape(named)):
            boundary_scores(values, [3.0, 1.0], [0, 1])
    X = np.random.RandomState(0).normal(size=(20, 3)).astype(object)
    X[5, 1] = np.str_("Total")
    with pytest.raises(ValueError, match=re.escape("X[5, 1] is 'Total', not a "
                                                   "number: pass numeric")):
        BiLAFSampler(5).fit(X)


@pytest.mark.parametrize("values", [
    np.arange(50_000).astype(object),
    np.arange(50_000.0).astype(object),
    np.array([np.int32(3), 7, np.uint8(1), np.uint64(2**64 - 1), 2**53 + 1,
              2**60 + 2**7 + 1] * 1000, dtype=object),
    np.array([np.float32(3.1), 7.5, np.float16(1.5), np.inf] * 1000,
             dtype=object),
], ids=["ints", "floats", "numpy ints", "numpy floats"])
def test_boundary_scores_convert_object_numbers_without_a_python_loop(
        monkeypatch, values):
    """Every element of an object array of distances (a pandas column of
    dtype object) was checked in Python, one at a time: about half a second
    per million.  Elements of the plain int and float types are converted
    by numpy, to the values float() gives them."""
    import sklearn_bilaf.boundary as boundary

    expected = np.array([float(v) for v in values])
    checks = []
    check = boundary._not_real_because
    monkeypatch.setattr(boundary, "_not_real_because",
                        lambda value: checks.append(1) or check(value))
    got = boundary._real_array("outside", values)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, expected)
    assert not checks
    # A Python int past float64's range is still named.
    with pytest.raises(TypeError, match=r"element 3, 1000000000000.*, is too "
                                        r"large for a float"):
        boundary._real_array("outside", np.array([1, 2, 3, 10**400], dtype=object))


# -- rules pinned after a mutation check (each test kills a mutant that the
# -- suite let through; worked by hand from the spec) --------------------------
import sklearn  # noqa: E402  (kept beside the tests that need it)


def _class_nd(X, core=0):
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    return PseudoClass(0, np.arange(X.shape[0]), core, X, "euclidean")


# -- §4: floors are np.floor(share * B) in float64, not exact integer floors --
def test_budget_floor_is_float64_share_times_budget():
    """Kills: ``alloc = (sizes * budget) // sizes.sum()`` (exact floor).

    sizes [2, 12, 30], B = 22: share * B in float64 is [1.0, 6.0,
    14.999999999999998] (30/44 rounds down), so the floors are [1, 6, 14]
    (an exact floor gives [1, 6, 15]).  The remaining 1 goes to the smallest
    allocation, class 0 -> [2, 6, 14].  No repair is involved (2 <= 2).
    """
    share = np.array([2, 12, 30], dtype=np.float64) / 44
    assert np.floor(share * 22).tolist() == [1.0, 6.0, 14.0]
    assert allocate_budget([2, 12, 30], 22).tolist() == [2, 6, 14]


# -- §3 step 4: rho averages min(k, |L|) smallest distances --------------------
IDC_2D = [
    [0.0, 0.0],   # 0: core
    [1.0, 0.0],   # 1: P, nearest to the core (ring 2, q = 1)
    [0.5, 1.2],   # 2: A, at 1.3 from both the core and P
    [-1.1, 0.0],  # 3: B, at 1.1 from the core, 2.1 from P
] + [[20.0 + i, 20.0] for i in range(6)]  # 4..9: far away, grown last in order


@pytest.mark.parametrize("working_memory", [None, 0])
def test_idc_density_averages_all_grown_members_while_fewer_than_k(
        working_memory):
    """Kills: ``m = min(k, |L| - 1)`` in ``_absorb`` (the compiled IDC, with
    the default working memory) and in ``IDCDenoiser.rank_class``'s
    on-demand path (working_memory=0 forces it even for 10 members).

    n = 10, q = max(1, int(10 * 0.1)) = 1, k = 10.  Ring 2: L = [0], rho is
    the distance to the core: P (1.0) < B (1.1) < A (1.3) -> P.  Ring 3:
    L = [0, 1], |L| = 2 < k, so rho is the mean of both distances:
    A: (1.3 + 1.3) / 2 = 1.3, B: (1.1 + 2.1) / 2 = 1.6 -> A, then B.
    (Averaging only the nearest one would give B 1.1 < A 1.3: B first.)
    The far points follow in position order; 10 - int(10 * 0.9) = 1 removed.
    """
    if working_memory is None:
        ranking, n_kept = IDCDenoiser().rank_class(_class_nd(IDC_2D))
    else:
        with sklearn.config_context(working_memory=working_memory):
            pc = _class_nd(IDC_2D)
            assert not pc._fits_in_memory()
            ranking, n_kept = IDCDenoiser().rank_class(pc)
    assert ranking.tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert n_kept == 9


# -- §5 step 1: removal ties by lower local position, not by previous order -----
def _tie_class(python_loop):
    # Positions 0..3 at x = 0 (core), 7, 3, 5.  d_in = 1 for all; d_out = 2
    # except 1.5 for position 3, one opponent class (1) for all.
    pc = _class_nd([0.0, 7.0, 3.0, 5.0])
    pc.inside_distance = np.ones(4)
    pc.outside_distance = np.array([2.0, 2.0, 2.0, 1.5])
    pc.opponent = np.ones(4, dtype=np.intp)
    pc.n_classes = 2
    if python_loop:
        pc.distance_matrix()  # cached matrix: BoundarySelector._iterative
        assert pc._matrix is not None
    return pc


def _check_tie_rule(python_loop):
    # n = 4, b = 3: r = floor(4 / 3) = 1.
    # x = core (0): by distance [0, 2(3), 3(5), 1(7)]; drop 1 -> [2, 3, 1].
    #   Scores: 2 and 1: (2 - 1)/2 = 0.5; 3: (1.5 - 1)/1.5 = 1/3 -> pick 3.
    # x = 3 (x=5): distances 3:0, 2:2, 1:2 -- a tie; spec: lower local
    #   position first -> [3, 1, 2] (the previous order would give
    #   [3, 2, 1]); drop 1 -> [1, 2].  pen[1] = 1.1: both score
    #   (2.2 - 1)/2 = 0.6, tie -> first in candidate order: 1.
    pc = _tie_class(python_loop)
    assert BoundarySelector().select_class(pc, 3).tolist() == [0, 3, 1]


def test_boundary_removal_tie_uses_position_not_previous_order_compiled():
    """Kills: ``by_position = candidates[:m].copy()`` in
    ``iterative_boundary_picks`` (ties by the previous candidate order)."""
    _check_tie_rule(python_loop=False)


def test_boundary_removal_tie_uses_position_not_previous_order_python_loop():
    """Kills: ``np.argsort(to_last, kind="stable")`` instead of
    ``np.lexsort((candidates, to_last))`` in ``BoundarySelector._iterative``."""
    _check_tie_rule(python_loop=True)


# -- standalone BoundarySelector: d_out excludes the member's own class ----------
def test_standalone_boundary_opponent_is_never_the_own_class():
    """Kills: ``excluded=None`` in ``outside_distances`` (own core counted).

    X = 0,1,2,3 | 6,7,8,9, classes 0 and 1; cores (nearest to the class
    mean, ties lower): x=1 (sample 1) and x=7 (sample 5).  Each sample's
    opponent is the other class.  Sample 3 (x=3): d_in = (3+2+1+0)/4 = 1.5,
    d_out = |3 - 7| = 4 -> BS = (4 - 1.5)/4 = 0.625.
    """
    X = np.array([0.0, 1.0, 2.0, 3.0, 6.0, 7.0, 8.0, 9.0])[:, None]
    sel = BoundarySelector().fit(X, [0, 0, 0, 0, 1, 1, 1, 1])
    assert sel.core_indices_.tolist() == [1, 5]
    assert sel.opponent_.tolist() == [1, 1, 1, 1, 0, 0, 0, 0]
    assert abs(sel.boundary_scores_[3] - 0.625) < 1e-12


def test_standalone_boundary_float32_pool_not_copied_whole():
    """fit converts one class's rows to float64 at a time, not the pool (a
    float64 copy twice the size of a float32 pool: 193 MiB of arrays for
    60,000 x 384 rows in 300 groups, 17 MiB now); the same scores, opponents
    and cores as for the float64 pool, bit for bit."""
    import tracemalloc

    rng = np.random.RandomState(0)
    X = rng.normal(size=(20000, 128)).astype(np.float32)
    X.setflags(write=False)
    y = rng.randint(0, 50, size=X.shape[0])
    expected = BoundarySelector().fit(X.astype(np.float64), y)
    tracemalloc.start()
    try:
        sel = BoundarySelector().fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sel.boundary_scores_.tobytes() == expected.boundary_scores_.tobytes()
    assert np.array_equal(sel.opponent_, expected.opponent_)
    assert np.array_equal(sel.core_indices_, expected.core_indices_)
    # A float64 copy of the pool alone is twice this (the classes take ~2 MB).
    assert peak < 10_240_000, peak


def test_standalone_denoiser_float32_pool_not_copied_whole():
    """fit finds the most central sample a block of rows at a time and gives
    the denoiser the pool's rows, as the sampler does: it made a float64
    copy of the pool and a shifted copy of that (four times a float32
    pool's size); the same core and ranking as for the float64 pool."""
    from sklearn_bilaf.denoise import _most_central

    rng = np.random.RandomState(0)
    X = rng.normal(size=(20000, 128)).astype(np.float32)
    X.setflags(write=False)
    expected = NoDenoiser().fit(X.astype(np.float64))
    sel, peak = traced_peak(lambda: NoDenoiser().fit(X))
    assert sel.core_index_ == expected.core_index_
    assert np.array_equal(sel.ranking_, expected.ranking_)
    # A float64 copy of the pool alone is twice this.
    assert peak < 10_240_000, peak
    # Near-ties are re-decided exactly: four rows at the same distance from
    # the mean (in exact arithmetic) and one duplicate, in any layout.
    ring = np.array([[-1.0, 0.0], [0.0, 1.0], [0.0, -1.0], [1.0, 0.0],
                     [0.0, 1.0]]) * 0.1 + 3.0
    for rows in (ring, ring.astype(np.float32), np.asfortranarray(ring)):
        centre = rows.astype(np.float64).mean(axis=0)
        assert _most_central(rows) == cdist(rows, centre[None]).argmin()


@pytest.mark.parametrize("duplicates", [False, True])
def test_few_feature_classes_hold_no_shifted_copy_of_their_rows(duplicates):
    """Classes of at most 16 features evaluate their distances directly from
    float64 rows: they keep those (X, or its distinct rows) and no float64
    copy shifted to the core beside them, which only the products of wider
    classes read."""
    import tracemalloc

    from sklearn_bilaf._distances import DIRECT_MAX_FEATURES

    rng = np.random.RandomState(0)
    X = rng.normal(size=(20000, DIRECT_MAX_FEATURES)).astype(np.float32)
    if duplicates:
        X[1::2] = X[::2]
    rows = X.astype(np.float64)
    members = np.arange(X.shape[0])
    expected = PseudoClass(0, members, 3, rows, "euclidean").mean_distances(
        members[:500])
    with config_context(working_memory=1):  # the row blocks, not the matrix
        pseudo_class = PseudoClass._from_pool_rows(0, members, 3, X,
                                                   "euclidean")
        tracemalloc.start()
        try:
            got = pseudo_class.mean_distances(members[:500])
            held = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
    np.testing.assert_array_equal(got, expected)
    # X, the distinct rows' float64 copy with duplicates, and each member's
    # row among them; a shifted copy was another X's worth.
    distinct = rows.nbytes // (2 if duplicates else 1)
    assert held < rows.nbytes + (distinct if duplicates else 0) + 0.5 * distinct


def test_single_row_distances_read_float32_pool_rows():
    """A member's distances to others (IDC's distances to the core,
    DistanceDenoiser's ranking, the boundary stage's Python loop) are
    evaluated on the pool's float32 rows, converted an entry at a time: no
    float64 copy of the class (DistanceDenoiser().fit peaked at 178 MiB of
    arrays on a memory-mapped 60,000 x 384 float32 pool, 13 MiB now), and
    the bits of that copy's distances."""
    from sklearn_bilaf.denoise import DistanceDenoiser

    rng = np.random.RandomState(0)
    X = rng.normal(size=(20000, 128)).astype(np.float32)
    X.setflags(write=False)
    members = np.arange(0, 20000, 7)
    pc32 = PseudoClass._from_pool_rows(0, members, 5, X[members], "euclidean")
    pc64 = PseudoClass(0, members, 5, X[members].astype(np.float64), "euclidean")
    cols = np.arange(0, members.size, 3)
    assert (pc32.distances([5], cols).tobytes()
            == pc64.distances([5], cols).tobytes())
    copied = pc32._X is not None
    assert not copied
    expected = DistanceDenoiser().fit(X.astype(np.float64))
    sel, peak = traced_peak(lambda: DistanceDenoiser().fit(X))
    assert sel.core_index_ == expected.core_index_
    assert np.array_equal(sel.ranking_, expected.ranking_)
    # A float64 copy of the pool alone is twice this.
    assert peak < 10_240_000, peak


def test_single_row_distances_of_a_float32_class_built_directly():
    """A PseudoClass given float32 rows directly: one member's distances
    are its float64 copy's, bit for bit, as the compiled pick loop computes
    them (the differences were taken in float32, about 1e-7 apart)."""
    X = np.random.RandomState(0).normal(size=(300, 384)).astype(np.float32)
    pc32 = PseudoClass(0, np.arange(300), 0, X, "euclidean")
    pc64 = PseudoClass(0, np.arange(300), 0, X.astype(np.float64), "euclidean")
    for row in (0, 3, 299):
        assert pc32.distances([row]).tobytes() == pc64.distances([row]).tobytes()


@pytest.mark.parametrize("scale", [1e-22, 1e-23])
def test_pseudo_classes_exact_for_float32_rows_too_small_to_square(scale):
    # Squares and products of such rows fall below float32's normal range:
    # their rounding is absolute, and a relative near-tie test let rows
    # reach the wrong core (the tolerance's own 1e-300 was lost in float32).
    rng = np.random.RandomState(0)
    X = (scale * rng.randn(300, 40)).astype(np.float32)
    cores = np.sort(rng.choice(300, 5, replace=False))
    expected = cdist(X.astype(np.float64), X[cores].astype(np.float64)).argmin(axis=1)
    np.testing.assert_array_equal(assign_pseudo_classes(X, cores), expected)
    small = BiLAFSampler(40, core_selector=cores).fit(X)
    wide = BiLAFSampler(40, core_selector=cores).fit(X.astype(np.float64))
    np.testing.assert_array_equal(small.selected_indices_, wide.selected_indices_)


@pytest.mark.parametrize("working_memory", [None, 1])
@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_pseudo_class_products_run_on_one_blas_thread(metric, working_memory,
                                                      monkeypatch):
    """Outside a fit too (a stage's author trying it), a PseudoClass's BLAS
    products run on one BLAS thread, as in a fit: some BLAS builds round a
    product differently on more threads (OpenBLAS's Haswell kernels on two
    threads changed the last bits of on-demand distances)."""
    import sklearn
    from threadpoolctl import threadpool_info, threadpool_limits

    from sklearn_bilaf import _distances

    seen = []
    for name in ("sq_block", "cross_sq_block"):
        original = getattr(_distances.CenteredRows, name)

        def spy(self, *args, _original=original):
            seen.append(max(i["num_threads"] for i in threadpool_info()
                            if i["user_api"] == "blas"))
            return _original(self, *args)

        monkeypatch.setattr(_distances.CenteredRows, name, spy)
    original_within = _distances.within_distances

    def within_spy(*args):
        seen.append(max(i["num_threads"] for i in threadpool_info()
                        if i["user_api"] == "blas"))
        return original_within(*args)

    monkeypatch.setattr("sklearn_bilaf.pseudo_classes.within_distances", within_spy)
    rng = np.random.RandomState(3)
    X = rng.normal(size=(600, 40)) + 3.0
    if metric == "cosine":
        X /= np.linalg.norm(X, axis=1, keepdims=True)
    results = {}
    for limit in (2, 1):
        with sklearn.config_context(working_memory=working_memory or 1024), \
                threadpool_limits(limits=limit, user_api="blas"):
            pc = PseudoClass(0, np.arange(600), 5, X, metric)
            results[limit] = [pc.distances(np.arange(0, 600, 7)),
                              pc.mean_distances(np.arange(0, 600, 2)),
                              pc.distance_matrix()]
    assert seen and set(seen) == {1}
    for a, b in zip(results[2], results[1], strict=True):
        assert a.tobytes() == b.tobytes()


def test_sampler_does_not_scan_the_pool_for_nan_twice(monkeypatch):
    """BiLAFSampler checks X for NaN and inf on entry; its call of
    assign_pseudo_classes (which checks a pool given to it directly) does
    not scan the pool again."""
    from sklearn_bilaf import pseudo_classes

    calls = []
    original = pseudo_classes._refuse_unusable
    monkeypatch.setattr(pseudo_classes, "_refuse_unusable",
                        lambda *args, **kwargs: calls.append(1)
                        or original(*args, **kwargs))
    X = np.random.default_rng(0).normal(size=(300, 5))
    BiLAFSampler(30, core_selector=np.arange(0, 300, 30)).fit(X)
    assert calls == []
    pseudo_classes.assign_pseudo_classes(X, [0, 5])
    assert calls


def test_assign_pseudo_classes_refuses_a_pool_that_is_not_2d():
    """One row per sample: a 1-D or 3-D X is refused, saying its shape."""
    with pytest.raises(ValueError, match=r"X must be 2-D, one row per sample; "
                                         r"got shape \(5,\)"):
        assign_pseudo_classes(np.zeros(5), [0])
    with pytest.raises(ValueError, match=r"got shape \(5, 2, 2\)"):
        assign_pseudo_classes(np.zeros((5, 2, 2)), [0])


def test_pseudo_class_of_integer_rows_computes_in_float64():
    """A PseudoClass built on integer rows holds them as float64, and its
    distances accept a single local position as well as a list."""
    X = np.array([[0, 0], [3, 4], [6, 8]])
    pseudo_class = PseudoClass(0, np.arange(3), 0, X, "euclidean")
    assert pseudo_class.X.dtype == np.float64
    np.testing.assert_array_equal(pseudo_class.distances([0]), [[0.0, 5.0, 10.0]])
    np.testing.assert_array_equal(pseudo_class.distances(1), [[5.0, 0.0, 5.0]])
    np.testing.assert_array_equal(pseudo_class.distances(np.int64(2), 0),
                                  [[10.0]])
    np.testing.assert_array_equal(pseudo_class.distances(2, [0, 1]),
                                  pseudo_class.distances([2], [0, 1]))
    with pytest.raises(ValueError, match=r"rows must be a 1-D array of local "
                                         r"positions; got shape \(1, 2\)"):
        pseudo_class.distances([[0, 1]])


def test_non_finite_rows_of_assign_pseudo_classes_in_the_singular():
    """The advice read "Drop those rows or fix the feature extractor that
    produced them." after naming a single row."""
    from sklearn_bilaf.pseudo_classes import assign_pseudo_classes

    X = np.random.RandomState(0).rand(12, 3)
    X[4, 1] = np.nan
    with pytest.raises(ValueError) as info:
        assign_pseudo_classes(X, [0, 1])
    assert str(info.value) == (
        "X contains NaN in 1 row (row 4): embeddings must be finite numbers. "
        "Drop that row (and keep track of the rows you drop) or fix the "
        "feature extractor that produced it.")
    X[5, 0] = np.inf
    with pytest.raises(ValueError, match=r"NaN in 1 row \(row 4\) and infinite "
                       r"values in 1 row \(row 5\): .*Drop those rows \(and "
                       r"keep track of the rows you drop\) or fix the feature "
                       r"extractor that produced them\.$"):
        assign_pseudo_classes(X, [0, 1])


@pytest.mark.parametrize("n_threads", [1, 2])
def test_assign_pseudo_classes_names_every_unusable_row_of_the_pool(n_threads):
    """The rows are checked a chunk at a time (on worker threads): the error
    named only the failing chunk's rows ("row 4" of a pool whose rows 4 and
    5 hold NaN, on two threads) and the largest value of that chunk, too
    small to rescale the others by."""
    from threadpoolctl import threadpool_limits

    small = np.random.RandomState(0).rand(10, 3)
    small[4, 0], small[5, 1] = np.nan, np.inf
    large = np.random.RandomState(1).rand(20000, 4)
    large[[4, 15000, 19999], 1] = np.nan
    huge = np.random.RandomState(2).rand(20000, 4)
    huge[6] *= 1e200
    huge[19000] = 9e250
    with threadpool_limits(limits=n_threads, user_api="blas"):
        for X, rows in ((small, r"NaN in 1 row \(row 4\) and infinite values "
                                r"in 1 row \(row 5\)"),
                        (large, r"NaN in 3 rows \(rows \[4, 15000, 19999\]\)")):
            for metric in ("euclidean", "cosine"):
                with pytest.raises(ValueError, match=rf"^X contains {rows}: .*Drop "
                                   r"those rows"):
                    assign_pseudo_classes(X, [0, 1], metric)
        with pytest.raises(ValueError, match=r"^X has values as large as "
                           r"9e\+250, .*divide it by 9e\+250\) first\.$"):
            assign_pseudo_classes(huge, [0, 1])
        # NaN or inf anywhere is named before values too large in a chunk.
        huge[19999, 0] = np.nan
        with pytest.raises(ValueError,
                           match=r"^X contains NaN in 1 row \(row 19999\):"):
            assign_pseudo_classes(huge, [0, 1])


@pytest.mark.parametrize("search", ["argmin_exact", "nearest_two"])
def test_nearest_row_searches_keep_their_temporaries_within_working_memory(search):
    """argmin_exact and nearest_two read A in row chunks whose temporaries
    (the chunk's distances and their partition or top three) fit
    ``working_memory``; a chunk sized for the distances alone took about
    three times the setting."""
    import tracemalloc

    from sklearn_bilaf import _distances

    rng = np.random.RandomState(0)
    A, B = rng.normal(size=(4000, 8)), rng.normal(size=(256, 8))
    find = getattr(_distances, search)
    expected = find(A, B, "euclidean")
    with config_context(working_memory=1):
        tracemalloc.start()
        try:
            got = find(A, B, "euclidean")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    for ours, theirs in zip(got, expected, strict=True):
        assert ours.tobytes() == theirs.tobytes()
    assert peak <= 2**20, peak


def test_a_near_tie_between_two_centres_is_decided_on_direct_distances(monkeypatch):
    """With only two centres, a near-tie of the expanded form is re-decided
    on directly evaluated distances too (ties to the lower centre), as with
    more.  The row lies exactly halfway, so its direct distances tie; the
    expanded form is made to favour the second centre by a rounding error
    well within the slack."""
    from sklearn_bilaf import _distances

    A = np.array([[0.1, 0.7, 0.3]])
    B = A + np.array([[0.0, 0.0, 0.125], [0.0, 0.0, -0.125]])
    assert cdist(A, B)[0, 0] == cdist(A, B)[0, 1]
    D = np.array([[1.0, 1.0 - 1e-13]])
    arg = np.array([1])
    _distances._decide_near_ties(D, A, B, np.array([1.0]), np.array([1.0, 1.0]),
                                 arg, "euclidean", 1e-10)
    assert arg.tolist() == [0]
    real = _distances.sq_distances

    def rounded(Ac, Bc, A_sq=None, B_sq=None):
        D = real(Ac, Bc, A_sq, B_sq)
        D[:, 1] *= 1 - 1e-13
        return D

    monkeypatch.setattr(_distances, "sq_distances", rounded)
    assert _distances.argmin_exact(A, B, "euclidean")[0].tolist() == [0]


def test_unusable_rows_reads_the_pool_in_blocks():
    """unusable_rows (the error path of the chunked finiteness checks) reads
    X a block of rows at a time: its temporaries stay a few MiB however
    large the pool (here 64 Mi values, a broadcast view costing nothing),
    instead of a mask of all of X (64 MiB)."""
    import tracemalloc

    from sklearn_bilaf._distances import unusable_rows

    row = np.arange(64, dtype=np.float32)
    X = np.broadcast_to(row, (2**20, 64))
    assert unusable_rows(X)[0].size == 0
    tracemalloc.start()
    try:
        bad, peak_value = unusable_rows(X, 10)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert bad.size == 0 and peak_value == 63.0
    assert peak < 8 * 2**20, peak
    with_nan = np.vstack([X[:5], [np.r_[np.nan, row[1:]]]])
    assert unusable_rows(with_nan)[0].tolist() == [5]


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_assign_and_outside_distances_word_non_finite_rows_as_the_estimators(dtype):
    """A numpy NaN or inf gave "X holds NaN or inf in 2 rows (rows [1, 2])",
    where the estimators, PseudoClass and a pandas NA say "X contains NaN in
    1 row (row 1) and infinite values in 1 row (row 2)": NaN (a missing
    value) and inf (an overflow) are named apart, as their fixes differ."""
    from sklearn_bilaf.core import RandomSelector
    from sklearn_bilaf.pseudo_classes import outside_distances

    X = np.random.RandomState(0).rand(30, 3).astype(dtype)
    X[1, 0], X[2, 2] = np.nan, np.inf
    with pytest.raises(ValueError) as estimator:
        RandomSelector(3).fit(X)
    with pytest.raises(ValueError) as function:
        assign_pseudo_classes(X, [0, 5])
    assert str(function.value) == str(estimator.value)
    assert str(function.value).startswith(
        "X contains NaN in 1 row (row 1) and infinite values in 1 row (row 2): "
        "embeddings must be finite numbers. Drop those rows (and keep track")
    cores = X[[0, 5]]
    with pytest.raises(ValueError, match=r"^rows contains NaN in 1 row \(row 1\) "
                       r"and infinite values in 1 row \(row 2\): embeddings must "
                       r"be finite numbers\. Drop those rows \(and their "
                       r"own_label, if one per row\)"):
        outside_distances(X, 0, cores, "euclidean")
    with pytest.raises(ValueError, match=r"^core_rows contains infinite values "
                       r"in 1 row \(row 0\): .* Fix the feature extractor that "
                       r"produced it: a core cannot be dropped"):
        outside_distances(X[[0, 5]], 0, X[[2, 5]], "euclidean")
    # Values whose squared distances overflow keep their own message.
    huge = np.random.RandomState(1).rand(30, 3) * 1e200
    with pytest.raises(ValueError, match=r"^X has values as large as .*"
                       r"overflow float64"):
        assign_pseudo_classes(huge, [0, 5])


@pytest.mark.parametrize("container", [list, tuple, __import__("collections").deque])
def test_nearest_unused_and_outside_distances_refuse_ragged_rows_clearly(container):
    """A ragged list failed with numpy's bare "setting an array element with
    a sequence ... inhomogeneous shape", naming neither the argument nor what
    to change; the estimators and assign_pseudo_classes say both."""
    from sklearn_bilaf.core import nearest_unused
    from sklearn_bilaf.pseudo_classes import outside_distances

    ragged = container([[1.0, 2.0], [3.0], [0.5, 0.5]])
    fine = [[1.0, 2.0], [0.0, 1.0]]

    def expected(name):
        return (rf"^{name} must be a 2-D array of numbers, embeddings, with "
                r"every row the same length; converting it to floats failed "
                r"\(.*inhomogeneous.*\)\. .*Embed raw inputs")

    with pytest.raises(ValueError, match=expected("X")):
        assign_pseudo_classes(ragged, [0])
    with pytest.raises(ValueError, match=expected("X")):
        nearest_unused(ragged, [[0.0, 0.0]])
    with pytest.raises(ValueError, match=expected("centres")):
        nearest_unused(fine, container([[0.0, 0.0], [1.0]]))
    with pytest.raises(ValueError, match=expected("rows")):
        outside_distances(ragged, 0, fine, "euclidean")
    with pytest.raises(ValueError, match=expected("core_rows")):
        outside_distances(fine, 0, container([[0.0, 0.0], [1.0]]), "euclidean")
    # The same rows, not ragged, are taken from any of these containers.
    rows = container([[1.0, 2.0], [3.0, 0.0], [0.5, 0.5]])
    assert nearest_unused(rows, [[3.0, 0.1]]).tolist() == [1]
    np.testing.assert_array_equal(
        outside_distances(rows, 0, fine, "euclidean")[1], [1, 1, 1])


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_outside_distances_of_no_rows_are_empty_and_still_checked(metric):
    """outside_distances gives a value per row, as PseudoClass.distances and
    boundary_scores do, which a stage of its own chains with it: no rows
    give empty results of the usual dtypes (where the functions that
    select from a pool refuse an empty one), and the arguments are checked
    all the same."""
    from sklearn_bilaf.pseudo_classes import outside_distances

    cores = np.eye(3)
    for rows in (np.empty((0, 3)), np.empty((0, 3), dtype=np.float32)):
        for own_label in (0, [], np.array([], dtype=np.int64)):
            distance, opponent = outside_distances(rows, own_label, cores,
                                                   metric)
            assert distance.shape == opponent.shape == (0,)
            assert distance.dtype == np.float64 and opponent.dtype == np.int64
            assert boundary_scores(distance, distance, opponent).shape == (0,)
    with pytest.raises(ValueError, match=r"in \[0, 2\].*got \[3\]"):
        outside_distances(np.empty((0, 3)), 3, cores, metric)
    with pytest.raises(ValueError, match="at least one core"):
        outside_distances(np.empty((0, 3)), 0, np.empty((0, 3)), metric)
    with pytest.raises(ValueError, match="no features"):
        outside_distances(np.empty((0, 0)), 0, np.empty((2, 0)), metric)


def _searched_once_for_any_thread_count(monkeypatch, X, cores, return_outside,
                                        count):
    """assign_pseudo_classes at a working_memory of 1 MiB (many chunks) on
    1, 2 and 4 threads, ``count(patch)`` installing a spy and returning the
    list it appends to: once per search, and the same bits for every thread
    count.  The results, each a list of arrays."""
    from sklearn_bilaf import pseudo_classes as pseudo_classes_module

    results = []
    for n_threads in (1, 2, 4):
        with monkeypatch.context() as patch:
            seen = count(patch)
            patch.setattr(pseudo_classes_module, "blas_threads",
                          lambda n_threads=n_threads: n_threads)
            with config_context(working_memory=1):
                result = assign_pseudo_classes(X, cores,
                                               return_outside=return_outside)
        assert len(seen) == 1, (n_threads, len(seen))
        results.append(list(result) if return_outside else [result])
    for result in results[1:]:
        for got, want in zip(result, results[0], strict=True):
            assert got.tobytes() == want.tobytes()
    return results


@pytest.mark.parametrize("return_outside", [False, True])
def test_assign_pseudo_classes_centres_the_cores_once(return_outside,
                                                      monkeypatch):
    """The cores minus their mean, and its squared norms (a K x d array),
    were recomputed for every chunk of the nearest-core search, one such
    copy per worker thread, which the chunk length does not count: they are
    computed once per search now; labels, distances and opponents are the
    same to the bit for 1, 2 and 4 threads."""
    from sklearn_bilaf import _distances

    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 8))
    n_cores = 397  # no chunk of the search has as many rows
    cores = rng.choice(4000, n_cores, replace=False)
    def count_centrings(patch):
        centred = []
        original = _distances.sq_norms

        def recorded(A):
            if A.shape[0] == n_cores:
                centred.append(A.shape)
            return original(A)

        patch.setattr(_distances, "sq_norms", recorded)
        return centred

    _searched_once_for_any_thread_count(monkeypatch, X, cores, return_outside,
                                        count_centrings)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pseudo_class_with_duplicates_keeps_no_unshifted_copy_of_its_rows(dtype):
    """A class with exact duplicate rows kept its distinct rows twice: shifted
    to the core (float64), and as gathered, which only the direct evaluation
    of few features reads.  Many features: only the shifted rows stay, and
    the distances are the same, to the bit."""
    import tracemalloc

    rng = np.random.default_rng(3)
    rows = np.repeat(rng.normal(size=(1500, 256)), 2, axis=0).astype(dtype)
    members = np.arange(rows.shape[0])

    def distinct_kept(rows):
        pseudo_class = PseudoClass._from_pool_rows(0, members, 10, rows,
                                                   "euclidean")
        tracemalloc.start()
        try:
            pseudo_class._distinct()
            return pseudo_class, tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()

    distinct_kept(rows[:20])
    pseudo_class, kept = distinct_kept(rows)
    shifted = 8 * 1500 * 256
    assert kept < shifted + 4 * rows.shape[0] * 8, kept / shifted
    want = PseudoClass(0, members, 10, rows.astype(np.float64), "euclidean")
    positions = np.arange(0, rows.shape[0], 7)
    np.testing.assert_array_equal(pseudo_class.distances(positions),
                                  want.distances(positions))
    np.testing.assert_array_equal(pseudo_class.mean_distances(),
                                  want.mean_distances())


@pytest.mark.parametrize("return_outside", [False, True])
def test_assign_pseudo_classes_scales_the_cores_once_near_overflow(
        return_outside, monkeypatch):
    """Near float32's overflow the search scales its rows and the shifted
    cores by a power of two: the cores' K x d copy (and its norms) was made
    for every chunk, one per worker thread.  Made once per search now
    where the cores' largest value sets the power (the chunks whose rows
    are larger still scale their own); labels, distances and opponents are
    the same to the bit for 1, 2 and 4 threads and as before."""
    from sklearn_bilaf import _distances

    rng = np.random.default_rng(1)
    X = rng.normal(size=(4000, 8)).astype(np.float32)
    n_cores = 397  # no chunk of the search has as many rows
    cores = rng.choice(4000, n_cores, replace=False)
    # Squared norms past an eighth of float32's largest, in the cores,
    # which hold the largest values: every chunk scales as they set.
    X[cores[:5]] = 3.0e18 + X[cores[:5]] * 1e16
    real_ldexp = np.ldexp

    def count_scalings(patch):
        scaled = []

        class Spy:
            """numpy, whose ldexp counts the copies of the cores it makes."""

            def __getattr__(self, name):
                return getattr(np, name)

            def ldexp(self, x, *args, **kwargs):
                if np.shape(x)[:1] == (n_cores,):
                    scaled.append(np.shape(x))
                return real_ldexp(x, *args, **kwargs)

        patch.setattr(_distances, "np", Spy())
        return scaled

    results = _searched_once_for_any_thread_count(
        monkeypatch, X, cores, return_outside, count_scalings)
    with config_context(working_memory=1024):  # one chunk
        whole = assign_pseudo_classes(X, cores, return_outside=return_outside)
    for got, want in zip(whole if return_outside else [whole], results[0],
                         strict=True):
        assert got.tobytes() == want.tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pseudo_class_lets_go_of_pool_rows_once_x_is_made(dtype):
    """Once X (a float64 copy) is made from the pool's rows, the distances
    read it: the pool's rows were still held beside it, up to half the
    class's rows again.  Let go of, for the same distances."""
    import gc
    import weakref

    rows = np.random.RandomState(0).normal(size=(40, 5)).astype(dtype)
    members = np.arange(40)
    pseudo_class = PseudoClass._from_pool_rows(0, members, 3, rows.copy(),
                                               "euclidean")
    expected = pseudo_class.distances([7], np.arange(40))
    gathered = weakref.ref(pseudo_class._pool_rows)
    X = pseudo_class.X
    gc.collect()
    assert gathered() is None
    np.testing.assert_array_equal(X, rows.astype(np.float64))
    np.testing.assert_array_equal(pseudo_class.distances([7], np.arange(40)),
                                  expected)


def test_triangle_sums_of_every_member_read_the_rows_uncopied():
    """mean_distances() of every member of a class too large for its matrix
    gathered all its shifted float64 rows into a copy, the class's rows
    again at its peak: the rows themselves are read (the same values in the
    same products), checked against the all-but-one positions' sums (which
    gather a copy) to rounding."""
    from threadpoolctl import threadpool_limits

    X = np.random.RandomState(3).normal(size=(2000, 256)).astype(np.float32)
    with config_context(working_memory=1), threadpool_limits(1):
        pc = PseudoClass._from_pool_rows(0, np.arange(2000), 5, X, "euclidean")
        assert not pc._fits_in_memory() and not pc._direct()
        shifted = pc._distinct()[0].rows  # made before the measure
        means, peak = traced_peak(pc.mean_distances)
        assert peak < 0.5 * shifted.nbytes, peak / shifted.nbytes
        rest = pc.mean_distances(np.arange(1999))
    last = pc.distances([1999])[0, :1999]
    np.testing.assert_allclose(rest * 1999, means[:1999] * 2000 - last,
                               rtol=1e-12)
    reference = cdist(X.astype(np.float64), X.astype(np.float64)).mean(axis=1)
    np.testing.assert_allclose(means, reference, rtol=1e-12)
