"""The compiled kernels against direct numpy/scipy evaluations."""

import math

import numpy as np
import pytest
import sklearn
from scipy.spatial.distance import cdist

from sklearn_bilaf import _kernels
from sklearn_bilaf._distances import within_distances
from sklearn_bilaf.denoise import IDCDenoiser
from sklearn_bilaf.pseudo_classes import PseudoClass


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_within_distances_match_cdist(metric):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 20)) + 50.0  # far from the origin
    X[10] = X[11] + 1e-9  # a near-duplicate pair: cancellation territory
    if metric == "cosine":
        X /= np.linalg.norm(X, axis=1, keepdims=True)
    D = within_distances(X, X[0], metric)
    expected = cdist(X, X, "sqeuclidean") / 2 if metric == "cosine" else cdist(X, X)
    np.testing.assert_allclose(D, expected, rtol=1e-9, atol=1e-12)
    assert np.array_equal(D, D.T) and np.all(np.diag(D) == 0)
    assert D[10, 11] == pytest.approx(expected[10, 11], rel=1e-6, abs=0)


def test_compensated_mean_is_correctly_rounded_sum():
    rng = np.random.RandomState(0)
    for n in (1, 2, 7, 8, 9, 127, 128, 129, 1000, 4097):
        a = rng.uniform(size=n) * 10.0 ** rng.uniform(-8, 8, size=n)
        assert _kernels._mean(a, n) == math.fsum(a) / n


def test_mean_rows_and_row_means_agree_with_fsum():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(200, 5))
    D = cdist(X, X)
    positions = rng.permutation(200)[:150]
    got = _kernels.mean_rows(D, positions, np.sort(positions))
    columns = np.sort(positions)
    expected = [math.fsum(D[p, columns]) / 150 for p in positions]
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(
        _kernels.row_means(np.ascontiguousarray(D[np.ix_(positions, columns)])), got)


@pytest.mark.parametrize("step", [1, 3, 4, 64, 130, 400])
def test_strip_sums_add_in_mean_rows_order(step):
    """Strips of a symmetric matrix's lower triangle, added in ascending
    order, give each member mean_rows' compensated sum bit for bit: the same
    terms in the same (ascending column) order."""
    rng = np.random.RandomState(step)
    X = rng.normal(size=(300, 4)) * 10.0 ** rng.uniform(-6, 6, size=(300, 1))
    D = cdist(X, X)
    everyone = np.arange(300)
    total, carry = np.zeros(300), np.zeros(300)
    for first in range(0, 300, step):
        stop = min(300, first + step)
        _kernels.add_strip_sums(D[first:stop, :stop].copy(), first, total, carry)
    assert ((total + carry) / 300).tobytes() == (
        _kernels.mean_rows(D, everyone, everyone).tobytes())


@pytest.mark.parametrize("variant", ["paper", "published"])
@pytest.mark.parametrize("seed", range(8))
def test_compiled_idc_equals_the_chunked_ring_loop(variant, seed):
    rng = np.random.RandomState(seed)
    n = rng.randint(10, 400)
    X = rng.normal(size=(n, 8))
    X[rng.randint(n, size=n // 5)] = X[0]  # duplicates of one row: exact ties
    rows = np.asarray(X, dtype=np.float64)
    core = rng.randint(n)
    denoiser = IDCDenoiser(n_neighbors=rng.randint(1, 12),
                           ring_fraction=rng.uniform(0.02, 0.5), variant=variant)
    pc = PseudoClass(0, np.arange(n), core, rows, "euclidean")
    compiled = denoiser.rank_class(pc)
    with sklearn.config_context(working_memory=0.001):  # python ring loop
        pc = PseudoClass(0, np.arange(n), core, rows, "euclidean")
        assert not pc._fits_in_memory()
        loop = denoiser.rank_class(pc)
    np.testing.assert_array_equal(compiled[0], loop[0])
    assert compiled[1] == loop[1]


def test_absorb_columns_keeps_each_members_k_smallest_stably():
    """The on-demand rings' merge: each column member keeps its k smallest
    values, ascending; equal values keep the earlier row first, and the
    published variant carries each value's partner from P along."""
    R = np.array([[5.0, 1.0, 2.0],
                  [3.0, 1.0, 2.0],
                  [4.0, 0.5, 2.0],
                  [3.0, 9.0, 1.0]])
    P = np.arange(12.0).reshape(4, 3) + 100
    columns = np.array([4, 0, 2], dtype=np.intp)  # members of a class of 5
    k = 2
    nearest = np.full((5, k), np.inf)
    read = np.zeros((5, k))
    kth = np.full(5, np.inf)
    _kernels.absorb_columns(R, P, columns, nearest, read, kth, True)
    # Member 4 (column 0): 5, 3, 4, 3 -> 3 (row 1), 3 (row 3).
    np.testing.assert_array_equal(nearest[4], [3.0, 3.0])
    np.testing.assert_array_equal(read[4], [P[1, 0], P[3, 0]])
    # Member 0 (column 1): 1, 1, 0.5, 9 -> 0.5 (row 2), 1 (row 0, the earlier).
    np.testing.assert_array_equal(nearest[0], [0.5, 1.0])
    np.testing.assert_array_equal(read[0], [P[2, 1], P[0, 1]])
    # Member 2 (column 2): 2, 2, 2, 1 -> 1 (row 3), 2 (row 0).
    np.testing.assert_array_equal(read[2], [P[3, 2], P[0, 2]])
    np.testing.assert_array_equal(kth, [1.0, np.inf, 2.0, np.inf, 3.0])
    # Members not in columns are untouched; densities average the first m.
    assert np.isinf(nearest[[1, 3]]).all()
    rho = _kernels.densities(columns, nearest, read, k, False)
    np.testing.assert_array_equal(rho, [3.0, 0.75, 1.5])
    rho = _kernels.densities(columns, nearest, read, k, True)
    np.testing.assert_array_equal(
        rho, [(P[1, 0] + P[3, 0]) / 2, (P[2, 1] + P[0, 1]) / 2,
              (P[3, 2] + P[0, 2]) / 2])


def test_row_sq_distances_evaluate_the_requested_columns_directly():
    rng = np.random.RandomState(3)
    X = rng.normal(size=(40, 9))
    X[7] = X[3]
    cols = np.array([5, 3, 7, 39, 0], dtype=np.intp)
    got = _kernels.row_sq_distances(X, 3, cols)
    expected = [sum((X[3, f] - X[j, f]) ** 2 for f in range(9)) for j in cols]
    np.testing.assert_array_equal(got, expected)
    assert got[1] == got[2] == 0.0


def test_paired_sq_distances_accept_float32_and_an_index():
    rng = np.random.RandomState(2)
    A = rng.normal(size=(50, 7)).astype(np.float32)
    B = rng.normal(size=(6, 7)).astype(np.float32)
    index = rng.randint(6, size=50)
    got = _kernels.paired_sq_distances(A, B, index)
    expected = ((A.astype(np.float64) - B[index].astype(np.float64)) ** 2).sum(1)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-14)


def _python_boundary_loop(selector, pc, budget):
    """The reference: BoundarySelector's Python loop on ``pc.distances``."""
    taken = np.zeros(pc.n, dtype=bool)
    taken[pc.core_position] = True
    penalties = np.ones(max(pc.n_classes, int(pc.opponent.max()) + 1))
    return selector._iterative(pc, budget, [pc.core_position], taken, penalties)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_redecide_rows_takes_the_exact_nearest_among_near_ties(dtype, metric):
    """Rows whose expanded-form minimum is a near-tie get the nearest column
    by directly evaluated distances (cdist's own, the same bits), among the
    columns within the slack of that minimum; an excluded column never wins;
    the first minimum is the lowest column."""
    rng = np.random.RandomState(1)
    B = np.round(rng.normal(size=(30, 20)), 1).astype(dtype)
    B[7] = B[3]  # identical centres: the lower column wins
    A = np.round(rng.normal(size=(50, 20)), 1).astype(dtype)
    A[:10] = B[3] + 0.0
    A[10:20] = (B[5] + B[9]) / 2  # equidistant from two centres
    D = cdist(A.astype(np.float64), B.astype(np.float64), "sqeuclidean")
    # An expanded form with rounding noise, so that its argmin is unreliable.
    D = (D * (1 + rng.uniform(-1e-3, 1e-3, size=D.shape))).astype(dtype)
    A_sq = np.einsum("ij,ij->i", A, A)
    B_sq = np.einsum("ij,ij->i", B, B)
    excluded = np.where(rng.uniform(size=50) < 0.3, rng.randint(30, size=50), -1)
    D[excluded >= 0, excluded[excluded >= 0]] = np.inf
    arg = np.argmin(D, axis=1)
    rows = np.arange(0, 50, 2, dtype=np.intp)
    slack = 0.05
    expected = arg.copy()
    exact = cdist(A.astype(np.float64), B.astype(np.float64),
                  "sqeuclidean" if metric == "cosine" else "euclidean")
    if metric == "cosine":
        exact = exact * 0.5
    for i in rows:
        tol = slack * (float(A_sq[i]) + float(B_sq[arg[i]])) + 1e-290
        cand = np.flatnonzero(D[i].astype(np.float64) <= float(D[i, arg[i]]) + tol)
        values = exact[i, cand]
        values[cand == excluded[i]] = np.inf
        expected[i] = cand[np.argmin(values)]
    got = arg.copy()
    _kernels.redecide_rows(D, A, B, A_sq, B_sq, got, rows, slack, 1e-290,
                           excluded, metric == "cosine")
    np.testing.assert_array_equal(got, expected)
    assert np.any(got[rows] != arg[rows])  # the noise had misled some rows
    assert (got[rows][:5] == 3).all()  # not 7, its duplicate
    assert not np.any(got == excluded)
    np.testing.assert_array_equal(np.delete(got, rows), np.delete(arg, rows))


def test_kth_smallest_is_the_sorted_value():
    rng = np.random.RandomState(0)
    scratch = np.empty(400)
    for m in (1, 2, 3, 17, 400):
        for values in (rng.uniform(size=m), rng.randint(0, 4, size=m) * 0.5,
                       np.sort(rng.uniform(size=m))[::-1].copy(), np.zeros(m)):
            values = np.r_[values, rng.uniform(size=5)]  # beyond m: ignored
            for r in sorted({1, 2, m // 2 + 1, m} - {0}):
                if r <= m:
                    assert (_kernels._kth_smallest(values, m, r, scratch)
                            == np.sort(values[:m])[r - 1])


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("seed", range(12))
def test_compiled_boundary_loop_equals_the_python_loop(metric, seed):
    """The compiled loop (rows transposed and summed side by side, the
    removed found by selection) picks what the Python loop (one row at a
    time, a stable sort) picks, ties in distance and in score included."""
    from sklearn_bilaf.boundary import BoundarySelector, _compiled_loop_applies

    rng = np.random.RandomState(seed)
    n = rng.randint(2, 300)
    X = rng.normal(size=(n, [7, 8, 33][seed % 3]))
    if seed % 2:
        X = np.round(X)  # integer values: many exact distance ties
    X[rng.randint(n, size=n // 4)] = X[rng.randint(n)]  # exact duplicates
    X += 3.0  # away from the origin, so that cosine rows are all defined
    if metric == "cosine":
        X /= np.linalg.norm(X, axis=1, keepdims=True)
    n_classes = rng.randint(1, 6)
    pc = PseudoClass(0, np.arange(n), rng.randint(n), X, metric, n_classes)
    pc.inside_distance = pc.mean_distances()
    pc._matrix = None  # mean_distances cached it; the sampler's classes have none
    if n_classes == 1:
        pc.outside_distance = np.full(n, np.inf)
        pc.opponent = np.full(n, -1, dtype=np.intp)
    else:
        pc.outside_distance = np.round(rng.uniform(0.5, 3.0, size=n), 1)
        pc.opponent = rng.randint(1, n_classes, size=n)
    assert _compiled_loop_applies(pc)
    for budget in sorted({1, 2, rng.randint(1, n + 1), n}):
        for penalty in (1.0, 1.1, 3.0):
            selector = BoundarySelector(penalty=penalty)
            compiled = selector.select_class(pc, budget)
            np.testing.assert_array_equal(
                compiled, _python_boundary_loop(selector, pc, budget))
            assert np.unique(compiled).size == budget


@pytest.mark.parametrize("penalty", [np.inf, 1e200])
def test_boundary_loops_agree_once_a_penalty_overflows(penalty):
    """A penalty that reaches inf (penalty=np.inf, or 1e200 after two picks;
    1.1 after some 7,450 picks against one opponent) times the outside
    distance 0 of a member identical to another class's core was NaN: the
    Python loop (a cached matrix) picked that member, the compiled loop (the
    sampler's) never did.  0 times any penalty is 0, so both pick it, where
    a finite penalty picks it too: score -1.  Hand-checked: r = 2; after
    core 0, member 5 (outside 0, score -1, the nearer of the two at -1);
    then 8 (outside 0: -1, the others inf); then the nearest to the last
    pick, as every score is inf: 9, 11, 3."""
    import warnings

    from sklearn_bilaf.boundary import BoundarySelector, _compiled_loop_applies

    X = np.arange(12.0)[:, None]
    picks = []
    for cached in (False, True):
        pc = PseudoClass(0, np.arange(12), 0, X, "euclidean", 3)
        pc.inside_distance = pc.mean_distances()
        if not cached:
            pc._matrix = None
        pc.outside_distance = np.array([5.0, 4, 3, 2, 1, 0, 1, 2, 0, 1, 2, 3])
        pc.opponent = np.ones(12, dtype=np.intp)
        assert _compiled_loop_applies(pc) != cached
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            picks.append(BoundarySelector(penalty=penalty).select_class(pc, 6))
    assert picks[0].tolist() == picks[1].tolist() == [0, 5, 8, 9, 11, 3]


@pytest.mark.parametrize("seed", range(6))
def test_compiled_boundary_loop_reads_float32_pool_rows(seed):
    """The sampler's pseudo-classes hold the pool's float32 rows: the
    compiled loop reads them as they are (no float64 copy of the class) and
    picks what it picks on their exact float64 conversion."""
    from sklearn_bilaf.boundary import BoundarySelector

    rng = np.random.RandomState(seed)
    n = rng.randint(20, 400)
    rows = rng.normal(size=(n, [5, 16, 37][seed % 3])).astype(np.float32)
    if seed % 2:
        rows = np.round(rows * 2)  # exact distance ties
    rows[rng.randint(n, size=n // 5)] = rows[rng.randint(n)]
    inside = PseudoClass(0, np.arange(n), 0, rows.astype(np.float64),
                         "euclidean").mean_distances()
    outside = np.round(rng.uniform(0.5, 3.0, size=n), 1)
    opponent = rng.randint(1, 4, size=n)

    def picks(pseudo_class, budget):
        (pseudo_class.inside_distance, pseudo_class.outside_distance,
         pseudo_class.opponent) = inside, outside, opponent
        return BoundarySelector().select_class(pseudo_class, budget)

    for budget in sorted({2, rng.randint(2, n + 1), n}):
        from_pool = PseudoClass._from_pool_rows(0, np.arange(n), 0, rows,
                                                "euclidean", 4)
        got = picks(from_pool, budget)
        assert from_pool._X is None  # the float64 copy was never made
        expected = picks(PseudoClass(0, np.arange(n), 0,
                                     rows.astype(np.float64), "euclidean", 4),
                         budget)
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("n_features", [1, 4, 7, 33])
def test_columns_sq_distances_of_float32_rows_are_float64_sums(n_features):
    """Float32 rows and columns (the pool's) give the float64 sums of
    row_sq_distances, bit for bit: no float32 arithmetic on the way."""
    rng = np.random.RandomState(n_features)
    rows = (rng.normal(size=(50, n_features)) * 10).astype(np.float32)
    XT = np.ascontiguousarray(rows.T)
    sums = np.empty(50)
    _kernels._columns_sq_distances(XT, 50, rows[3], sums)
    expected = _kernels.row_sq_distances(rows.astype(np.float64), 3,
                                         np.arange(50))
    np.testing.assert_array_equal(sums, expected)


def test_compiled_boundary_loop_is_skipped_for_a_cached_matrix():
    from sklearn_bilaf.boundary import _compiled_loop_applies

    X = np.arange(12.0).reshape(6, 2)
    pc = PseudoClass(0, np.arange(6), 0, X, "euclidean", 2)
    pc.inside_distance = pc.mean_distances()
    pc.outside_distance = np.ones(6)
    pc.opponent = np.ones(6, dtype=np.intp)
    assert pc._matrix is not None and not _compiled_loop_applies(pc)
    pc._matrix = None
    assert _compiled_loop_applies(pc)
    pc.inside_distance = pc.inside_distance.astype(np.float32)
    assert not _compiled_loop_applies(pc)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cosine_prepare_rescales_underflowing_rows_and_refuses_zero_rows(dtype):
    """prepare(..., "cosine") L2-normalises every row, even one whose squared
    norm underflows (scaled by its largest entry first); an all-zero row has no
    direction and is refused rather than turned into NaN."""
    from sklearn_bilaf._distances import prepare

    tiny = np.finfo(dtype).tiny
    rows = np.array([[3.0, 4.0], [3.0 * tiny, 4.0 * tiny]], dtype=dtype)
    np.testing.assert_allclose(prepare(rows, "cosine", dtype=dtype),
                               [[0.6, 0.8], [0.6, 0.8]], rtol=1e-6)
    with pytest.raises(ValueError, match="all-zero rows"):
        prepare(np.array([[1.0, 0.0], [0.0, 0.0]]), "cosine")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cosine_prepare_rescales_rows_whose_squared_norm_is_subnormal(dtype):
    """A row whose norm is a normal number but whose squared norm is
    subnormal (a few significant bits left) is rescaled too: normalised
    from its underflowed squared norm, it came out up to a few per mille
    off unit length."""
    from sklearn_bilaf._distances import prepare

    tiny = np.finfo(dtype).tiny
    # Squared norms of some 1e-5 tiny (float32) and 1e-13 tiny (float64):
    # about ten significant bits left.
    scale = np.sqrt(tiny) * dtype(1e-3 if dtype == np.float32 else 1e-7)
    rows = np.array([[3.0 * scale, 4.0 * scale]], dtype=dtype)
    assert tiny <= 5.0 * scale and 25.0 * scale * scale < tiny
    np.testing.assert_allclose(prepare(rows, "cosine", dtype=dtype), [[0.6, 0.8]],
                               rtol=1e-6)


def test_unique_rows_merges_a_pair_of_duplicates():
    """Two identical rows are one distinct row and the map back, as for
    longer arrays (a pseudo-class of two duplicates)."""
    from sklearn_bilaf._distances import unique_rows

    distinct, inverse = unique_rows(np.array([[0.5, 2.0], [0.5, 2.0]]))
    assert distinct.tolist() == [[0.5, 2.0]]
    np.testing.assert_array_equal(inverse, [0, 0])


def test_unique_rows_treats_negative_zero_as_zero():
    """unique_rows finds exact duplicates (the probe_keys screen must
    report them), and -0.0 equals 0.0, so rows differing only in the sign of a
    zero are duplicates too (bit-identical distances; the spec's tie rules
    decide between them)."""
    from sklearn_bilaf._distances import unique_rows

    A = np.array([[0.0, 1.0], [5.0, 2.0], [-0.0, 1.0], [5.0, 2.0]])
    distinct, inverse = unique_rows(A)
    assert distinct.shape == (2, 2)
    np.testing.assert_array_equal(inverse, [0, 1, 0, 1])
    np.testing.assert_array_equal(distinct[inverse], A)


def test_unique_rows_of_integer_arrays():
    """unique_rows' contract on a non-float array (no compiled screen): the
    distinct rows and the map back, or ``(A, None)`` when all rows are
    distinct, including rows that agree on every probed column."""
    from sklearn_bilaf._distances import unique_rows

    A = np.array([[1, 2, 3], [4, 5, 6], [1, 2, 3], [7, 8, 9], [4, 5, 6]])
    distinct, inverse = unique_rows(A)
    assert distinct.tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    np.testing.assert_array_equal(inverse, [0, 1, 0, 2, 1])
    np.testing.assert_array_equal(distinct[inverse], A)
    same, none = unique_rows(A[[0, 1, 3]])
    assert none is None and same.tolist() == A[[0, 1, 3]].tolist()
    # Rows equal on the probed columns (8 of 20, column 1 not among them)
    # are compared in full, and found distinct.
    B = np.zeros((2, 20), dtype=np.int64)
    B[1, 1] = 1
    assert unique_rows(B)[1] is None


def test_paired_and_expanded_distances_defaults():
    """paired_distances pairs row i with row i when no index is given;
    sq_distances computes the squared norms it is not given, in the dtype of
    its input."""
    from sklearn_bilaf._distances import paired_distances, sq_distances

    rng = np.random.RandomState(0)
    A, B = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    np.testing.assert_allclose(paired_distances(A, B, "euclidean"),
                               np.linalg.norm(A - B, axis=1), rtol=1e-14)
    np.testing.assert_array_equal(paired_distances(A, B, "euclidean"),
                                  paired_distances(A, B, "euclidean", np.arange(5)))
    np.testing.assert_allclose(sq_distances(A, B), cdist(A, B, "sqeuclidean"),
                               rtol=1e-10, atol=1e-12)
    A32, B32 = A.astype(np.float32), B.astype(np.float32)
    got = sq_distances(A32, B32)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, cdist(A, B, "sqeuclidean"), rtol=1e-4, atol=1e-5)


def test_paired_sq_distances_sum_is_compensated():
    """paired_distances' contract: a compensated sum, so no digits are lost
    (1e16 + 1 + 1 is 1e16 + 2, where a plain float64 loop gives 1e16)."""
    A = np.array([[1e8, 1.0, 1.0]])
    B = np.zeros((1, 3))
    got = _kernels.paired_sq_distances(A, B, np.array([0]))
    assert got[0] == 1e16 + 2


@pytest.mark.parametrize("n", [0, 1, 2, 15, 16, 17, 31, 32, 33, 100, 1000, 4097])
def test_stable_argsort_is_numpys_stable_argsort(n):
    """The kernels' own merge sort gives numpy's stable permutation: ties
    (many here: few distinct values) keep the lower index first, and inf sorts
    last."""
    rng = np.random.RandomState(n)
    for keys in (rng.randint(0, max(1, n // 8), size=n).astype(float),
                 rng.uniform(size=n),
                 np.where(rng.uniform(size=n) < 0.1, np.inf,
                          rng.randint(0, 5, size=n))):
        np.testing.assert_array_equal(_kernels.stable_argsort(keys),
                                      np.argsort(keys, kind="stable"))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int64])
@pytest.mark.parametrize("layout", ["C", "F", "strided", "memmap"])
def test_centered_rows_match_a_float64_copy_minus_the_centre(tmp_path, dtype,
                                                             layout):
    """CenteredRows shifts float32 and float64 rows in one compiled pass; any
    dtype and layout gives the bits of the float64 copy minus the centre."""
    from sklearn_bilaf._distances import CenteredRows, sq_norms

    rng = np.random.default_rng(0)
    A = (rng.normal(size=(40, 24)) * 50).astype(dtype)
    if layout == "F":
        A = np.asfortranarray(A)
    elif layout == "strided":
        A = np.repeat(A, 2, axis=0)[::2]
    elif layout == "memmap":
        np.save(tmp_path / "A.npy", A)
        A = np.load(tmp_path / "A.npy", mmap_mode="r")
    expected = A.astype(np.float64) - A[7].astype(np.float64)
    for center in (A[7], A[7].astype(np.float64), A[7].tolist()):
        shifted = CenteredRows(A, center)
        assert shifted.rows.dtype == np.float64
        assert shifted.rows.tobytes() == np.ascontiguousarray(expected).tobytes()
        assert shifted.sq.tobytes() == sq_norms(expected).tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int64])
def test_cosine_prepare_divides_like_numpy(dtype):
    """prepare's compiled row division gives numpy's quotients, bit for bit."""
    from sklearn_bilaf._distances import prepare

    rows = (np.random.default_rng(2).normal(size=(50, 30)) * 40).astype(dtype)
    rows[rows == 0] = 1
    for out_dtype in (np.float64, np.float32):
        copy = np.array(rows, dtype=out_dtype)
        norms = np.sqrt(np.einsum("ij,ij->i", copy, copy))
        expected = copy / norms[:, None]
        got = prepare(rows[::1], "cosine", dtype=out_dtype)
        assert got.dtype == out_dtype
        assert got.tobytes() == expected.tobytes()
        strided = prepare(np.repeat(rows, 2, axis=0)[::2], "cosine", dtype=out_dtype)
        assert strided.tobytes() == expected.tobytes()


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_direct_distances_of_float32_rows_are_float64_sums(metric):
    """A PseudoClass given float32 rows with few features computes its
    cached matrix as its on-demand distances do (float32 rows converted
    exactly, float64 sums), whatever ``working_memory``: the same bits as
    cdist on the float64 copy."""
    rng = np.random.RandomState(0)
    X = (rng.uniform(size=(40, 3)) * 1000).astype(np.float32)
    if metric == "cosine":
        X /= np.linalg.norm(X, axis=1, keepdims=True)
    X64 = X.astype(np.float64)
    expected = (cdist(X64, X64, "sqeuclidean") / 2 if metric == "cosine"
                else cdist(X64, X64))
    got = _kernels.direct_within_distances(X, metric == "cosine")
    assert got.tobytes() == expected.tobytes()
    cached = PseudoClass(0, np.arange(40), 0, X, metric).distance_matrix()
    with sklearn.config_context(working_memory=0):
        on_demand = PseudoClass(0, np.arange(40), 0, X, metric)
        rows = np.arange(40)
        assert on_demand.distances(rows, rows).tobytes() == cached.tobytes()
        assert on_demand._matrix is None


def test_kernels_import_and_run_without_a_writable_cache_folder(tmp_path):
    """Where numba finds no writable folder for its cache (a read-only
    installation, an unwritable home), the kernels still import and run,
    compiled in the process, with one warning that names NUMBA_CACHE_DIR."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    import sklearn_bilaf

    package = Path(sklearn_bilaf.__file__).parent
    copy = tmp_path / "site" / "sklearn_bilaf"
    shutil.copytree(package, copy,
                    ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
    # A file where the folders would be: not writable even for root.
    (copy / "__pycache__").write_text("")
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("NUMBA_")}
    env.update(PYTHONPATH=str(tmp_path / "site"), PYTHONDONTWRITEBYTECODE="1",
               HOME=str(blocker / "home"), XDG_CACHE_HOME=str(blocker / "cache"))
    script = (
        "import warnings\n"
        "import numpy as np\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    from sklearn_bilaf import _centroid_graph, _kernels, _topk\n"
        "    import sklearn_bilaf\n"
        f"assert sklearn_bilaf.__file__.startswith({str(tmp_path)!r})\n"
        "messages = [str(w.message) for w in caught]\n"
        "assert sum('NUMBA_CACHE_DIR' in m for m in messages) == 1, messages\n"
        "keys = np.array([3.0, 1.0, 2.0, 1.0])\n"
        "print(_kernels.stable_argsort(keys).tolist())\n"
    )
    result = subprocess.run([sys.executable, "-c", script], env=env,
                            cwd=tmp_path, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["[1,", "3,", "2,", "0]"]


def test_compensated_sums_keep_what_a_larger_term_absorbs():
    """Neumaier's step when the new term is larger than the running total
    (the branch random terms of one scale seldom reach): 1 + 1e16 + 1 is
    1e16 + 2, which the compensated mean, the branch-free step of
    mean_rows and the strips all keep (a plain sum gives 1e16)."""
    values = np.array([0.0, 1.0, 1e16, 1.0])
    assert _kernels._mean(values, 4) == math.fsum(values) / 4
    assert _kernels.row_means(values[None, :])[0] == math.fsum(values) / 4
    # A symmetric matrix whose first row (and column) holds those values.
    D = np.ones((4, 4)) * 3.0
    D[0, :] = D[:, 0] = values
    np.fill_diagonal(D, 0.0)
    everyone = np.arange(4)
    got = _kernels.mean_rows(D, everyone, everyone)
    assert got[0] == math.fsum(values) / 4
    np.testing.assert_array_equal(got, _kernels.row_means(D))
    total, carry = np.zeros(4), np.zeros(4)
    for first in range(4):
        _kernels.add_strip_sums(D[first:first + 1, :first + 1].copy(), first,
                                total, carry)
    assert ((total + carry) / 4).tobytes() == got.tobytes()


def test_redecide_rows_never_takes_the_excluded_column():
    """The excluded column counts as infinitely far even where ``D`` does
    not hold inf for it (its caller sets inf; the kernel does not rely on
    it): a row sitting on its excluded centre takes the next nearest."""
    B = np.array([[1.0, 1.0], [2.0, 1.0], [1.0, 4.0]])
    A = np.array([[1.0, 1.0], [2.0, 1.0]])
    D = cdist(A, B, "sqeuclidean")
    A_sq = np.einsum("ij,ij->i", A, A)
    B_sq = np.einsum("ij,ij->i", B, B)
    for cosine in (False, True):
        arg = np.argmin(D, axis=1)
        _kernels.redecide_rows(D, A, B, A_sq, B_sq, arg,
                               np.arange(2, dtype=np.intp), 10.0, 1e-290,
                               np.array([0, -1], dtype=np.intp), cosine)
        np.testing.assert_array_equal(arg, [1, 1])


def test_absorb_columns_value_equal_to_the_kth_stays_out():
    """A value equal to a member's k-th smallest does not get in: the
    earlier one keeps its place, and with ``published`` its partner from P
    too (the released code's stable sort reads the earlier member)."""
    R = np.array([[1.0], [2.0], [2.0], [2.0]])
    P = np.array([[10.0], [20.0], [30.0], [40.0]])
    for published in (True, False):
        nearest = np.full((1, 2), np.inf)
        read = np.zeros((1, 2))
        kth = np.full(1, np.inf)
        _kernels.absorb_columns(R, P, np.array([0], dtype=np.intp), nearest,
                                read, kth, published)
        np.testing.assert_array_equal(nearest[0], [1.0, 2.0])
        if published:
            np.testing.assert_array_equal(read[0], [10.0, 20.0])


def test_gram_to_sq_distances_evaluates_the_whole_cancellation_zone_directly():
    """Pairs whose squared distance is below ``zone * (y_sq + z_sq)`` (the
    scale of both rows, as fill_distance_tiles tests it) get the direct sum,
    bit for bit, also near the zone's edge (here between half of it and
    it), where the expanded form has lost digits."""
    rng = np.random.RandomState(4)
    Y = rng.normal(size=(60, 16))
    step = rng.normal(size=(60, 16))
    scale = 2 * np.einsum("ij,ij->i", Y, Y)
    # |Z_i - Y_i|^2 about 0.8e-4 of the pair's scale.
    step *= np.sqrt(0.8e-4 * scale / np.einsum("ij,ij->i", step, step))[:, None]
    Z = Y + step
    y_sq = np.einsum("ij,ij->i", Y, Y)
    z_sq = np.einsum("ij,ij->i", Z, Z)
    G = Y @ Z.T
    zone = 1e-4
    _kernels.gram_to_sq_distances(G, Y, Z, y_sq, z_sq, zone)
    direct = np.array([_kernels.row_sq_distances(np.vstack([Y[i], Z[i]]), 0,
                                                 np.array([1]))[0]
                       for i in range(60)])
    ratio = direct / (y_sq + z_sq)
    assert np.all((ratio > zone / 2) & (ratio < zone))
    assert np.diag(G).tobytes() == direct.tobytes()


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_within_distances_of_near_duplicates_are_direct_sums_finished_by_metric(
        metric):
    """A near-duplicate pair (squared distance some 1e-20, far below what
    the absolute tolerances of the cdist comparison notice) is summed
    directly and finished by the metric: halved for cosine, the square root
    for euclidean -- the bits of the direct sum."""
    rng = np.random.RandomState(5)
    X = rng.normal(size=(200, 20))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    X[71] = X[70] + rng.normal(size=20) * 1e-10
    # Shifted to the origin: the rows themselves, no rounding of the shift.
    D = within_distances(X, np.zeros(20), metric)
    total = 0.0
    for f in range(20):
        diff = X[71, f] - X[70, f]
        total += diff * diff
    expected = total * 0.5 if metric == "cosine" else math.sqrt(total)
    assert D[71, 70] == D[70, 71] == expected


def test_redecide_rows_candidates_include_the_slacks_edge():
    """A column exactly ``slack * (A_sq + B_sq) + floor`` above the
    expanded minimum is within it (inclusive, as documented) and wins when
    its direct distance is the smaller."""
    A = np.array([[1.0, 0.0]])
    B = np.array([[0.0, 1.0], [1.0, 0.5]])
    A_sq = np.einsum("ij,ij->i", A, A)
    B_sq = np.einsum("ij,ij->i", B, B)
    D = np.array([[0.0, 1.0]])  # an expanded form misled by rounding
    arg = np.array([0], dtype=np.intp)
    # tol = 0.5 * (1 + 1) + 0 = 1, exactly column 1's distance above column 0.
    _kernels.redecide_rows(D, A, B, A_sq, B_sq, arg, np.array([0], dtype=np.intp),
                           0.5, 0.0, np.array([-1], dtype=np.intp), False)
    assert arg[0] == 1
