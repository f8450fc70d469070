"""Stage 1 (spec §1): ActiveFT in numpy and the other core selectors."""

import itertools
import math
import re
import warnings

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn import config_context
from sklearn.base import BaseEstimator, ClusterMixin, clone
from sklearn.cluster import DBSCAN, KMeans, MiniBatchKMeans
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_bilaf import BiLAFSampler
from sklearn_bilaf import core as core_module
from sklearn_bilaf.core import (
    ActiveFTSelector,
    BaseCoreSelector,
    ClustererSelector,
    FarthestPointSelector,
    KMeansSelector,
    PrecomputedSelector,
    RandomSelector,
    _activeft_loss_grad,
    default_n_cores,
    nearest_unused,
)

from ._memory import traced_peak


def _unit(A):
    A = np.asarray(A, dtype=np.float64)
    return A / np.linalg.norm(A, axis=1, keepdims=True)


def _blobs(n=600, d=12, centers=6, seed=0, dtype=np.float64):
    rng = np.random.RandomState(seed)
    means = rng.normal(size=(centers, d)) * 3
    X = means[rng.randint(centers, size=n)] + rng.normal(size=(n, d))
    return X.astype(dtype)


def _direct_loss(X, theta, temperature, balance, C_bar=None):
    """The loss of spec §1 written out literally (no stabilisation)."""
    F = _unit(X)
    C = _unit(theta)
    C_bar = C if C_bar is None else C_bar
    S = F @ C.T / temperature
    k = S.argmax(axis=1)
    s = S[np.arange(len(F)), k]
    Z = np.exp(C_bar @ C.T / temperature).sum(axis=0)
    return np.mean(-s + np.log(np.exp(s) + balance * Z[k]))


def _finite_differences(X, theta, temperature, balance, C_bar, h=1e-6):
    grad = np.empty_like(theta)
    for index in np.ndindex(theta.shape):
        step = np.zeros_like(theta)
        step[index] = h
        up = _activeft_loss_grad(X, theta + step, temperature, balance, c_bar=C_bar)[0]
        down = _activeft_loss_grad(X, theta - step, temperature, balance,
                                   c_bar=C_bar)[0]
        grad[index] = (up - down) / (2 * h)
    return grad


# -- ActiveFT objective -----------------------------------------------------
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("temperature, balance", [(0.07, 1.0), (0.5, 0.3)])
def test_gradient_matches_central_finite_differences(seed, temperature, balance):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(80, 6))
    # Raw centroids of varied norms, so the projection through the
    # normalisation (and its 1/|theta| factor) is exercised.
    theta = rng.normal(size=(5, 6)) * rng.uniform(0.5, 2.0, size=(5, 1))
    C_bar = _unit(theta)  # the stop-gradient copy, held fixed
    _, grad = _activeft_loss_grad(X, theta, temperature, balance)
    numeric = _finite_differences(X, theta, temperature, balance, C_bar)
    error = np.linalg.norm(grad - numeric) / np.linalg.norm(numeric)
    assert error < 1e-5


def test_gradient_respects_the_stop_gradient():
    # Differentiating through both factors of C C^T gives another gradient;
    # the analytic one must match the stop-gradient version only.
    rng = np.random.RandomState(7)
    X = rng.normal(size=(60, 5))
    theta = rng.normal(size=(4, 5))
    _, grad = _activeft_loss_grad(X, theta, 0.3, 1.0)
    h = 1e-6
    full = np.empty_like(theta)
    for index in np.ndindex(theta.shape):
        step = np.zeros_like(theta)
        step[index] = h
        full[index] = (_activeft_loss_grad(X, theta + step, 0.3)[0]
                       - _activeft_loss_grad(X, theta - step, 0.3)[0]) / (2 * h)
    assert np.linalg.norm(grad - full) / np.linalg.norm(full) > 1e-3


@pytest.mark.parametrize("temperature, balance", [(0.07, 1.0), (0.2, 2.5)])
def test_loss_is_the_spec_formula(temperature, balance):
    rng = np.random.RandomState(3)
    X = rng.normal(size=(200, 8)) * rng.uniform(0.1, 5, size=(200, 1))
    theta = rng.normal(size=(7, 8))
    loss, _ = _activeft_loss_grad(X, theta, temperature, balance)
    assert loss == pytest.approx(_direct_loss(X, theta, temperature, balance),
                                 rel=1e-12)


def test_loss_is_stable_at_low_temperature():
    # exp(1 / 0.001) overflows float64: the loss must still be finite.
    rng = np.random.RandomState(4)
    X = rng.normal(size=(50, 4))
    loss, grad = _activeft_loss_grad(X, rng.normal(size=(3, 4)), 1e-3)
    assert np.isfinite(loss) and np.all(np.isfinite(grad))


def test_batch_gradient_is_the_gradient_on_the_batch_rows():
    rng = np.random.RandomState(5)
    X = rng.normal(size=(120, 6))
    theta = rng.normal(size=(4, 6))
    rows = np.sort(rng.choice(120, 50, replace=False))
    loss_b, grad_b = _activeft_loss_grad(X, theta, rows=rows)
    loss_s, grad_s = _activeft_loss_grad(X[rows], theta)
    assert loss_b == pytest.approx(loss_s, rel=1e-12)
    np.testing.assert_allclose(grad_b, grad_s, rtol=1e-10, atol=1e-14)


def test_blocks_do_not_change_the_objective(monkeypatch):
    rng = np.random.RandomState(6)
    X = rng.normal(size=(500, 6))
    theta = rng.normal(size=(9, 6))
    loss, grad = _activeft_loss_grad(X, theta)
    monkeypatch.setattr(core_module, "_ACTIVEFT_BLOCK_ROWS", 37)
    loss_blocks, grad_blocks = _activeft_loss_grad(X, theta)
    assert loss_blocks == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(grad_blocks, grad, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_objective_is_identical_for_any_thread_count(dtype, monkeypatch):
    monkeypatch.setattr(core_module, "_ACTIVEFT_BLOCK_ROWS", 1000)
    monkeypatch.setattr(core_module, "_ACTIVEFT_CENTROID_BLOCK", 8)
    rng = np.random.RandomState(8)
    X = rng.normal(size=(9000, 48)).astype(dtype)
    theta = rng.normal(size=(30, 48))
    rows = np.sort(rng.choice(9000, 4000, replace=False))
    for batch in (None, rows):
        loss, grad = _activeft_loss_grad(X, theta, rows=batch, n_threads=1)
        for n_threads in (2, 3):
            other = _activeft_loss_grad(X, theta, rows=batch, n_threads=n_threads)
            assert other[0] == loss
            np.testing.assert_array_equal(other[1], grad)


# -- ActiveFTSelector ---------------------------------------------------------
def test_activeft_indices_distinct_sorted_reproducible():
    X = _blobs()
    a = ActiveFTSelector(n_cores=12, max_iter=40, random_state=0).fit(X)
    b = ActiveFTSelector(n_cores=12, max_iter=40, random_state=0).fit(X)
    c = ActiveFTSelector(n_cores=12, max_iter=40, random_state=1).fit(X)
    idx = a.selected_indices_
    assert idx.shape == (12,) and np.unique(idx).size == 12
    assert np.all(np.diff(idx) > 0)
    np.testing.assert_array_equal(idx, b.selected_indices_)
    np.testing.assert_array_equal(a.loss_curve_, b.loss_curve_)
    assert not np.array_equal(a.init_indices_, c.init_indices_)
    assert a.n_iter_ == 40 and a.loss_curve_.shape == (40,)
    assert a.n_samples_fit_ == 600 and a.n_features_in_ == 12


def test_activeft_fit_does_not_depend_on_the_thread_count(monkeypatch):
    from threadpoolctl import threadpool_limits

    monkeypatch.setattr(core_module, "_ACTIVEFT_BLOCK_ROWS", 500)
    X = _blobs(n=3000, d=16, seed=13).astype(np.float32)
    kwargs = dict(n_cores=15, max_iter=30, random_state=0)
    with threadpool_limits(limits=1, user_api="blas"):
        assert core_module.blas_threads() == 1
        single = ActiveFTSelector(**kwargs).fit(X)
    monkeypatch.setattr(core_module, "blas_threads", lambda: 3)
    threaded = ActiveFTSelector(**kwargs).fit(X)
    np.testing.assert_array_equal(threaded.loss_curve_, single.loss_curve_)
    np.testing.assert_array_equal(threaded.selected_indices_, single.selected_indices_)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_size", [None, 700])
def test_activeft_skipping_certain_rows_changes_nothing(monkeypatch, dtype,
                                                        batch_size):
    # Rows whose winning centroid is certain skip the comparison with all
    # centroids; the losses, hence every Adam step and the picks, must be
    # the same bits as when every row is compared every time.
    monkeypatch.setattr(core_module, "_ACTIVEFT_BLOCK_ROWS", 500)
    X = _blobs(n=3000, d=16, centers=30, seed=5).astype(dtype)
    kwargs = dict(n_cores=40, max_iter=120, batch_size=batch_size, random_state=0)
    skipped = []
    exhaustive_top = core_module._ActiveFTObjective._exhaustive_top

    def counting(self, X_block, inv_block, ids, C_work, C_t):
        before = self._moved_at[ids].copy()
        out = exhaustive_top(self, X_block, inv_block, ids, C_work, C_t)
        skipped.append(int(np.sum(self._moved_at[ids] == before)))
        return out

    monkeypatch.setattr(core_module._ActiveFTObjective, "_exhaustive_top", counting)
    fast = ActiveFTSelector(**kwargs).fit(X)
    assert sum(skipped[len(skipped) // 2:]) > 0  # the skipping did happen
    monkeypatch.setattr(core_module._ActiveFTObjective, "skip_certain_rows", False)
    full = ActiveFTSelector(**kwargs).fit(X)
    np.testing.assert_array_equal(fast.loss_curve_, full.loss_curve_)
    np.testing.assert_array_equal(fast.selected_indices_, full.selected_indices_)


def test_activeft_skipping_counts_movements_below_an_ulp_of_their_total(monkeypatch):
    # Late in a run with a large learning rate the centroids move by less
    # than half an ulp of the running total of their movements (seen with
    # learning_rate=2, max_iter=1500): a sum rounded to nearest drops those
    # steps, the rows' slack stops growing, and a row kept on a stale bound
    # can miss a centroid that overtook its winner.
    phi, half = 0.3, 0.5
    X = np.array([[np.cos(phi), np.sin(phi)]])
    inv = core_module._inverse_row_norms(X, np.dtype(np.float64))

    def centroids(angle):  # c0 beats c1 for the row while angle > phi + half
        return np.array([[np.cos(phi - half), np.sin(phi - half)],
                         [np.cos(angle), np.sin(angle)]])

    def losses(skip):
        monkeypatch.setattr(core_module._ActiveFTObjective, "skip_certain_rows", skip)
        out = []
        with core_module._ActiveFTObjective(X, inv, 0.07, 1.0, 2) as objective:
            angle = phi + half + 2e-13
            for i in range(41):  # c1 to its antipode and back: moved ~ 80
                out.append(objective(centroids(angle + np.pi * (i % 2)))[0])
            tiny = 0.4 * np.spacing(objective._moved)
            for _ in range(200):  # c1 creeps past c0, below half an ulp a step
                angle -= tiny
                out.append(objective(centroids(angle))[0])
            winner = int(objective._winner[0])
        return np.array(out), winner

    (fast, fast_winner), (full, full_winner) = losses(True), losses(False)
    assert full_winner == 1  # c1 did overtake
    assert fast_winner == full_winner
    np.testing.assert_array_equal(fast, full)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activeft_winners_are_the_float64_argmax_with_identical_centroids(
        monkeypatch, dtype):
    # Pairs of identical centroids (init on duplicated rows) tie exactly,
    # and BLAS rounds the products of identical columns differently at
    # different column positions: every winner, skipped or compared, must
    # still be the first arg-max of the float64 sums, and the fit the same
    # bits with and without skipping.
    from sklearn_bilaf._kernels import winner_similarities

    base = np.random.default_rng(0).standard_normal((1200, 37))
    X = np.concatenate([base, base[:40]]).astype(dtype)
    init = np.r_[np.arange(0, 40, 2), np.arange(1200, 1240, 2)]
    kwargs = dict(n_cores=init.size, init=init, max_iter=30, learning_rate=0.01)
    exhaustive_top = core_module._ActiveFTObjective._exhaustive_top
    wrong = []

    def checked(self, X_block, inv_block, ids, C_work, C_t):
        winner, raw = exhaustive_top(self, X_block, inv_block, ids, C_work, C_t)
        m, K = X_block.shape[0], C_work.shape[0]
        sums = np.empty((K, m))
        for k in range(K):
            winner_similarities(np.asarray(X_block), C_work, np.full(m, k), inv_block,
                                np.full(m, np.inf), np.zeros(m), sums[k],
                                np.empty(m, dtype=np.bool_))
        wrong.append(int(np.sum(sums.argmax(axis=0) != winner)))
        return winner, raw

    monkeypatch.setattr(core_module._ActiveFTObjective, "_exhaustive_top", checked)
    fast = ActiveFTSelector(**kwargs).fit(X)
    monkeypatch.setattr(core_module._ActiveFTObjective, "skip_certain_rows", False)
    full = ActiveFTSelector(**kwargs).fit(X)
    assert sum(wrong) == 0
    np.testing.assert_array_equal(fast.loss_curve_, full.loss_curve_)
    np.testing.assert_array_equal(fast.selected_indices_, full.selected_indices_)


def _nearest_float32_product(a, target):
    """The float32 c nearest to ``target / a`` whose exact product with the
    integer ``a`` is nearest to ``target`` (a few hundred ulps around)."""
    c = np.float32(target / a)
    up = [c]
    down = [c]
    for _ in range(300):
        up.append(np.nextafter(up[-1], np.float32(1)))
        down.append(np.nextafter(down[-1], np.float32(-1)))
    candidates = np.array(up + down, dtype=np.float32)
    return candidates[np.abs(a * candidates.astype(np.float64) - target).argmin()]


def test_activeft_winner_is_exact_for_rows_near_the_underflow_threshold():
    # A float32 row of norm 3e-39, whose products with the centroids fall
    # into the subnormal range: each term rounds to a multiple of 2**-149, an
    # absolute error that the relative rounding bound does not cover.  The
    # terms with centroid 1 all round down by about 0.45 of a step; those
    # with centroid 0 are 0.9 of a step smaller on 8 features and 0.1 larger
    # on the others, but round to 0.9 of a step less or 0.55 more: in float32
    # centroid 0 wins by 56 steps, in exact arithmetic centroid 1 by 1.6.
    rng = np.random.default_rng(0)
    d = 64
    unit = 2.0**-149
    a = 262144 + rng.integers(-1000, 1000, d)
    x = (a * unit).astype(np.float32)
    c1 = np.empty(d, dtype=np.float32)
    for f, start in enumerate(rng.uniform(0.1215, 0.1235, d)):
        v = np.float32(start)
        while not 0.44 <= a[f] * float(v) % 1.0 < 0.46:
            v = np.nextafter(v, np.float32(1))
        c1[f] = v
    p1 = a * c1.astype(np.float64)
    c0 = np.array([_nearest_float32_product(a[f], p1[f] + (0.1 if f >= 8 else -0.9))
                   for f in range(d)], dtype=np.float32)
    X = x[None, :]
    C = np.stack([c0, c1])
    exact = C.astype(np.float64) @ x.astype(np.float64)
    assert exact.argmax() == 1
    products = (X @ C.T)[0]
    if not products[0] > products[1]:
        pytest.skip("this BLAS does not round these products as constructed")
    inv = core_module._inverse_row_norms(X, np.dtype(np.float32))
    with core_module._ActiveFTObjective(X, inv, 0.07, 1.0, 2) as objective:
        top, _, _ = objective._compare_all(X, inv, C, np.ascontiguousarray(C.T))
    assert top.tolist() == [1]


def _compare_all_by_counting(objective, rows, inv_rows, C_work, C_t):
    """_ActiveFTObjective._compare_all as it was: close rows found by
    counting the products at their reach, a second pass over them."""
    from sklearn_bilaf._kernels import winner_similarities

    m = rows.shape[0]
    products = rows @ C_t
    top = products.argmax(axis=1)
    at = np.arange(m)
    best = products[at, top].astype(np.float64)
    reach = best - 2 * (objective._product_error / inv_rows + objective._underflow)
    close = np.flatnonzero((products >= reach[:, None].astype(products.dtype))
                           .sum(axis=1) > 1)
    for i in close:
        candidates = np.flatnonzero(products[i] >= reach[i])
        exact = np.empty(candidates.size)
        winner_similarities(np.repeat(rows[i : i + 1], candidates.size, axis=0),
                            C_work, candidates, np.ones(candidates.size),
                            np.full(candidates.size, np.inf),
                            np.zeros(candidates.size), exact,
                            np.empty(candidates.size, dtype=np.bool_))
        top[i] = candidates[int(np.argmax(exact))]
    products[at, top] = -np.inf
    other = products.max(axis=1).astype(np.float64) * inv_rows
    top_raw = np.empty(m)
    winner_similarities(rows, C_work, top, inv_rows, other, np.zeros(m), top_raw,
                        np.empty(m, dtype=np.bool_))
    return top, other, top_raw


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activeft_compare_all_finds_close_rows_as_counting_did(dtype):
    # The close rows are found from the best other product, which the
    # bound needs anyway, instead of counting the products at reach: the
    # same winners and bounds, bit for bit, with exact ties (integer rows,
    # repeated centroids) and with one centroid.
    rng = np.random.default_rng(0)
    n_close = 0
    for trial in range(60):
        d, K, m = (int(v) for v in rng.integers(1, 30, 3))
        X = rng.standard_normal((m, d))
        C = rng.standard_normal((K, d))
        if trial % 2:
            X, C = np.round(X), np.round(C)
            C[1::2] = C[0]
        X[~X.any(axis=1)] = 1
        C[~C.any(axis=1)] = 1
        X = X.astype(dtype)
        C = (C / np.linalg.norm(C, axis=1)[:, None]).astype(dtype)
        C_t = np.ascontiguousarray(C.T)
        inv = core_module._inverse_row_norms(X, np.dtype(dtype))
        with core_module._ActiveFTObjective(X, inv, 0.07, 1.0, K) as objective:
            expected = _compare_all_by_counting(objective, X, inv, C, C_t)
            got = objective._compare_all(X, inv, C, C_t)
            products = X @ C_t
        if K > 1:
            n_close += int(np.sum(np.sort(products, axis=1)[:, -2]
                                  == products.max(axis=1)))
        for want, have in zip(expected, got, strict=True):
            np.testing.assert_array_equal(have, want)
    assert n_close > 0  # exact ties did occur


def test_winner_similarities_bits_do_not_depend_on_the_other_rows():
    from sklearn_bilaf._kernels import winner_similarities

    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 37)).astype(np.float32)
    C = rng.standard_normal((6, 37)).astype(np.float32)
    winner = rng.integers(0, 6, 50)
    inv = 1 / np.linalg.norm(X.astype(np.float64), axis=1)
    ub = rng.uniform(-1, 1, 50)
    raw, need = np.empty(50), np.empty(50, dtype=bool)
    winner_similarities(X, C, winner, inv, ub, np.full(50, 0.01), raw, need)
    expected = np.einsum("ij,ij->i", X.astype(np.float64), C[winner].astype(np.float64))
    np.testing.assert_allclose(raw, expected, rtol=1e-12)
    np.testing.assert_array_equal(need, ~(raw * inv - ub > 0.01))
    part, part_need = np.empty(7), np.empty(7, dtype=bool)
    rows = np.array([3, 9, 10, 22, 30, 41, 49])
    winner_similarities(X[rows], C, winner[rows], inv[rows], ub[rows],
                        np.full(7, 0.01), part, part_need)
    np.testing.assert_array_equal(part, raw[rows])


def _float64_sums(X, C):
    """Every row's product with every centroid, summed in float64 by the
    kernel that decides ActiveFT's near ties (rows x centroids)."""
    from sklearn_bilaf._kernels import winner_similarities

    m, K = X.shape[0], C.shape[0]
    sums = np.empty((K, m))
    for k in range(K):
        winner_similarities(X, C, np.full(m, k), np.ones(m), np.full(m, np.inf),
                            np.zeros(m), sums[k], np.empty(m, dtype=np.bool_))
    return sums.T


def _nearly_parallel(rng, d, n_rows, n_centroids, spread):
    """float32 rows close to one direction, and unit centroids ``spread``
    apart around it (float64 raw centroids and their float32 unit rows)."""
    centre = rng.standard_normal(d)
    centre /= np.linalg.norm(centre)
    X = (centre + 0.05 * rng.standard_normal((n_rows, d))).astype(np.float32)
    theta = centre + spread * rng.standard_normal((n_centroids, d))
    return X, theta, _unit(theta).astype(np.float32)


def test_activeft_near_ties_are_decided_beyond_a_few_ulps_of_blas_rounding():
    # Rows nearly parallel to centroids a few ulps apart (float32, 256
    # features): BLAS's products of a row are off by up to about five ulps of
    # its norm, and their arg-max is wrong on hundreds of the 2,000 rows.
    # Every winner must be the float64 sums' arg-max (spec: k_i = argmax_j
    # S_ij): the products decided on those sums must reach as far as the
    # rounding bound, not a couple of ulps (that missed 62 rows).
    X, _, C = _nearly_parallel(np.random.default_rng(0), 256, 2000, 8, 1e-6)
    C_t = np.ascontiguousarray(C.T)
    exact = _float64_sums(X, C).argmax(axis=1)
    if not np.any((X @ C_t).argmax(axis=1) != exact):
        pytest.skip("this BLAS rounds these products too accurately")
    inv = core_module._inverse_row_norms(X, np.dtype(np.float32))
    with core_module._ActiveFTObjective(X, inv, 0.07, 1.0, C.shape[0]) as objective:
        top, _, _ = objective._compare_all(X, inv, C, C_t)
    np.testing.assert_array_equal(top, exact)


def test_activeft_skipping_allows_for_the_rounding_of_the_kept_bound(monkeypatch):
    # A row keeps, as the bound on its best other centroid, that centroid's
    # product as BLAS gave it, which can be an ulp or so of the row's norm
    # too low.  That centroid can then move by less than the winner's lead
    # over the bound and still overtake the winner: a row skipped on a slack
    # of the centroids' movement alone (without the rounding of both sides)
    # kept its stale winner, and the loss was not the spec's.  Of the rows
    # found, the test takes the one whose margin exceeds the movement most
    # (1.9 ulps of its norm here), so a slack of the movement and one ulp
    # fails too; the first one found, by half an ulp, let that pass.
    d = 256
    excess, case = 0.0, None
    for seed, share in itertools.product(range(300), np.linspace(0.2, 1.0, 9)):
        x, theta, C = _nearly_parallel(np.random.default_rng(seed), d, 1, 2, 1e-7)
        inv = core_module._inverse_row_norms(x, np.dtype(np.float32))
        sums = _float64_sums(x, C)[0] * float(inv[0])
        bound = (x @ np.ascontiguousarray(C.T))[0].astype(np.float64) * float(inv[0])
        winner = int(sums.argmax())
        other = 1 - winner
        lead, low = sums[winner] - sums[other], sums[other] - bound[other]
        if not 0 < lead < low:
            continue
        # The other centroid turned toward the row, by more than the lead.
        row = x[0].astype(np.float64) / np.linalg.norm(x[0].astype(np.float64))
        toward = row - (row @ C[other]) * C[other]
        moved = theta.copy()
        moved[other] = _unit(theta[other : other + 1])[0] + (
            (lead + share * low) * toward / np.linalg.norm(toward))
        C_moved = _unit(moved).astype(np.float32)
        movement = np.linalg.norm(C_moved.astype(np.float64) - C, axis=1).max()
        margin = sums[winner] - bound[other]
        if (_float64_sums(x, C_moved)[0].argmax() == other
                and margin > movement * (1 + 1e-5)
                and margin - movement > excess):
            excess, case = margin - movement, (x, theta, moved, inv, other)
    if case is None:
        pytest.skip("this BLAS does not round these products low enough")
    x, theta, moved, inv, other = case

    def run(skip):
        monkeypatch.setattr(core_module._ActiveFTObjective, "skip_certain_rows", skip)
        with core_module._ActiveFTObjective(x, inv, 0.07, 1.0, 2) as objective:
            losses = [objective(theta)[0], objective(moved)[0]]
            return losses, int(objective._winner[0])

    (fast, fast_winner), (full, full_winner) = run(True), run(False)
    assert full_winner == other
    assert fast_winner == other
    assert fast == full


@pytest.mark.parametrize("init, search, batch_size", [
    ("random", "exact", None), ("k-means", "exact", None),
    ("random", "graph", None), ("random", "exact", 3000),
])
def test_activeft_same_values_in_any_memory_layout(init, search, batch_size):
    # A DataFrame's values and Fortran-ordered arrays are column-major: BLAS
    # rounded their products differently and the picks moved.  More rows
    # than one row block (4,096), so that each block is put in C order.
    pd = pytest.importorskip("pandas")
    X = _blobs(n=9000, d=24, centers=15, seed=2).astype(np.float32)
    kwargs = dict(n_cores=60, max_iter=40, init=init, random_state=0,
                  centroid_search=search, batch_size=batch_size)
    reference = ActiveFTSelector(**kwargs).fit(X)
    strided = np.repeat(X, 2, axis=1)[:, ::2]
    # The view that bilaf select --drop-last-column leaves of a .npy.
    label_dropped = np.column_stack([X, np.arange(len(X))]).astype(np.float32)
    for layout in (np.asfortranarray(X), pd.DataFrame(X), strided,
                   label_dropped[:, :-1]):
        # A working_memory below the pool's size: its row blocks are put in
        # C order one at a time (not the pool, once).
        with config_context(working_memory=0.5):
            other = ActiveFTSelector(**kwargs).fit(layout)
        np.testing.assert_array_equal(other.init_indices_, reference.init_indices_)
        np.testing.assert_array_equal(other.loss_curve_, reference.loss_curve_)
        np.testing.assert_array_equal(other.centroids_, reference.centroids_)
        np.testing.assert_array_equal(other.selected_indices_,
                                      reference.selected_indices_)


def test_activeft_same_init_array_gives_same_result_whatever_the_seed():
    X = _blobs(seed=1)
    init = [5, 100, 17, 300, 42, 599, 250]
    a = ActiveFTSelector(init=init, max_iter=30, random_state=0).fit(X)
    b = ActiveFTSelector(init=np.array(init), max_iter=30, random_state=123).fit(X)
    np.testing.assert_array_equal(a.selected_indices_, b.selected_indices_)
    np.testing.assert_array_equal(a.centroids_, b.centroids_)
    np.testing.assert_array_equal(a.init_indices_, init)
    assert a.selected_indices_.size == len(init)


@pytest.mark.parametrize("dtype", [np.intp, np.int32, np.float64])
def test_activeft_init_indices_are_its_own_copy_of_the_init_array(dtype):
    # The fitted start must not be the init parameter itself: editing the
    # array after fit (to try another start) changed init_indices_ of the
    # fitted selector, and editing init_indices_ changed the parameter.
    X = _blobs(seed=1)
    init = np.array([5, 100, 17], dtype=dtype)
    selector = ActiveFTSelector(init=init, max_iter=3, random_state=0).fit(X)
    assert not np.shares_memory(selector.init_indices_, init)
    init[:] = [1, 2, 3]
    np.testing.assert_array_equal(selector.init_indices_, [5, 100, 17])
    selector.init_indices_[:] = 0
    np.testing.assert_array_equal(init, [1, 2, 3])


def test_activeft_kmeans_init_starts_from_spherical_kmeans_picks():
    from threadpoolctl import threadpool_limits

    X = _blobs(n=2000, d=10, centers=8, seed=4).astype(np.float32)
    X[:, 0] += 3.0  # rows of very different norms: normalising matters
    selector = ActiveFTSelector(n_cores=25, init="k-means", max_iter=20,
                                random_state=0).fit(X)
    start = selector.init_indices_
    assert start.shape == (25,) and np.unique(start).size == 25
    assert np.all(np.diff(start) > 0)
    # The start is k-means on the L2-normalised rows (seeded from
    # random_state), each centre mapped to its nearest unused sample.
    seed = np.random.RandomState(0).randint(np.iinfo(np.int32).max)
    unit = X * core_module._inverse_row_norms(X, np.dtype(np.float32))[:, None]
    with threadpool_limits(limits=1):
        centres = KMeans(25, n_init=1, random_state=seed).fit(unit).cluster_centers_
    expected = np.sort(core_module.nearest_unused(unit, centres, "euclidean"))
    np.testing.assert_array_equal(start, expected)
    # Not the raw-feature k-means start, nor the random one.
    assert not np.array_equal(
        start, ActiveFTSelector(n_cores=25, max_iter=0, random_state=0)
        .fit(X).init_indices_)
    # The same on any thread count: the k-means runs on one thread.
    with threadpool_limits(limits=1):
        again = ActiveFTSelector(n_cores=25, init="k-means", max_iter=20,
                                 random_state=0).fit(X)
    np.testing.assert_array_equal(again.selected_indices_, selector.selected_indices_)
    np.testing.assert_array_equal(again.loss_curve_, selector.loss_curve_)


def test_activeft_kmeans_start_runs_on_one_blas_and_openmp_thread(monkeypatch):
    # Its KMeans's centres depend on the thread count by an ulp or so: the
    # default core stage must run it on one thread whatever the machine's
    # (checked from inside the fit, as a 2-core machine may not show it).
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_info, threadpool_limits

    seen = []
    fit = KMeans.fit

    def recording_fit(self, *args, **kwargs):
        seen.append({(info["user_api"], info["num_threads"])
                     for info in threadpool_info()})
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(KMeans, "fit", recording_fit)
    X = _blobs(n=600, seed=6)
    with threadpool_limits(limits=2):
        BiLAFSampler(30, random_state=0).fit(X)
        ActiveFTSelector(n_cores=10, init="k-means", max_iter=5,
                         random_state=0).fit(X)
    # The default's stratified start: one k-means for the strata, one per
    # stratum; then the k-means start's one.
    assert len(seen) > 2
    for limits in seen:
        assert {api for api, _ in limits} >= {"blas"}
        assert {n for _, n in limits} == {1}, limits


def test_activeft_kmeans_init_in_the_sampler_and_bad_init_strings():
    X = _blobs(n=600, seed=6)
    sampler = BiLAFSampler(
        40, core_selector=ActiveFTSelector(n_cores=20, init="k-means", max_iter=10),
        random_state=3).fit(X)
    assert sampler.selected_indices_.size == 40
    np.testing.assert_array_equal(
        sampler.selected_indices_,
        clone(sampler).fit(X).selected_indices_)
    with pytest.raises(InvalidParameterError, match="init"):
        ActiveFTSelector(init="kmeans").fit(X)


def test_activeft_initial_centroids_are_the_init_samples():
    X = _blobs(seed=2)
    init = [3, 30, 300]
    selector = ActiveFTSelector(init=init, max_iter=0).fit(X)
    np.testing.assert_allclose(selector.centroids_, _unit(X[init]), rtol=1e-12)
    assert selector.selected_indices_.tolist() == sorted(init)
    assert selector.loss_curve_.shape == (0,)


def test_activeft_matches_a_literal_adam_run():
    # Adam written out on the spec's formulas (with finite differences for the
    # gradient would be too slow; the analytic gradient is checked above).
    X = _blobs(n=150, d=5, seed=3)
    init = [1, 50, 99, 140]
    n_iter, lr, b1, b2, eps = 25, 1e-2, 0.9, 0.999, 1e-8
    theta = _unit(X[init])
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    losses = []
    for t in range(1, n_iter + 1):
        loss, g = _activeft_loss_grad(X, theta)
        losses.append(loss)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        theta = theta - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    C = _unit(theta)
    taken, expected = set(), []
    similarity = _unit(X) @ C.T
    for k in range(len(init)):
        order = np.lexsort((np.arange(len(X)), -similarity[:, k]))
        pick = next(i for i in order if i not in taken)
        taken.add(pick)
        expected.append(pick)
    selector = ActiveFTSelector(init=init, learning_rate=lr, max_iter=n_iter).fit(X)
    np.testing.assert_allclose(selector.loss_curve_, losses, rtol=1e-12)
    np.testing.assert_allclose(selector.centroids_, C, rtol=1e-10, atol=1e-12)
    assert selector.selected_indices_.tolist() == sorted(expected)


def _spec_activeft(X, init, n_iter=300, lr=1e-3, tau=0.07, lam=1.0):
    """Spec §1 written out independently of the package: loss with logaddexp,
    the gradient formula (w_i, E_jk, projection through the normalisation),
    Adam (0.9, 0.999, 1e-8) with both bias corrections, the in-order mapping.
    Returns the loss curve, the final unit centroids and the picks in
    centroid order."""
    F = _unit(X)
    n = F.shape[0]
    theta = F[np.asarray(init)].copy()
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    losses = []
    for t in range(1, n_iter + 1):
        norms = np.linalg.norm(theta, axis=1)
        C = theta / norms[:, None]
        S = F @ C.T / tau
        k = S.argmax(axis=1)
        s = S[np.arange(n), k]
        G = C @ C.T / tau  # G[j, k]; the first factor is the constant copy
        log_z = np.log(np.exp(G - G.max(axis=0)).sum(axis=0)) + G.max(axis=0)
        log_den = np.logaddexp(s, np.log(lam) + log_z[k])
        losses.append(np.mean(log_den - s))
        w = np.exp(np.log(lam) + log_z[k] - log_den)
        E = np.exp(G - log_z[None, :])  # E[j, k] = exp(G_jk) / Z_k
        grad_c = np.zeros_like(C)
        np.add.at(grad_c, k, w[:, None] * (-F + (E.T @ C)[k]))
        grad_c /= n * tau
        grad = np.stack([(np.eye(C.shape[1]) - np.outer(c, c)) @ g / r
                         for c, g, r in zip(C, grad_c, norms, strict=True)])
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        theta = theta - lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    C = _unit(theta)
    similarity = F @ C.T
    taken = np.zeros(n, dtype=bool)
    picks = []
    for k in range(C.shape[0]):  # k = 0 .. K-1, the most similar unused sample
        pick = int(np.argmax(np.where(taken, -np.inf, similarity[:, k])))
        taken[pick] = True
        picks.append(pick)
    return np.array(losses), C, picks


def test_activeft_defaults_match_an_independent_spec_run():
    """Spec §1 end to end at the selector's defaults (tau 0.07, lambda 1, Adam
    lr 1e-3 with betas (0.9, 0.999), eps 1e-8 and both bias corrections, 300
    iterations) from an explicit init array, against a reference that shares
    no code with the package (the literal Adam test above uses its gradient)."""
    rng = np.random.RandomState(21)
    X = rng.normal(size=(150, 6)) * rng.uniform(0.2, 3.0, size=(150, 1))
    init = [140, 3, 77, 12, 99]  # not ascending: centroid k starts at init[k]
    losses, C, picks = _spec_activeft(X, init)
    selector = ActiveFTSelector(init=init).fit(X)
    assert selector.n_iter_ == 300
    np.testing.assert_allclose(selector.loss_curve_, losses, rtol=1e-10)
    np.testing.assert_allclose(selector.centroids_, C, atol=1e-9)
    assert selector.selected_indices_.tolist() == sorted(picks)


def test_activeft_centroids_pick_in_order_then_sort():
    """Spec §1: centroids take samples in order k = 0..K-1 (the init array's
    order), each the most cosine-similar sample not already taken; only then
    are the indices sorted.  On this pool several centroids want the same
    sample, and mapping them in another order gives another selection."""
    rng = np.random.RandomState(27)
    X = rng.normal(size=(25, 3))
    init = rng.choice(25, 15, replace=False)
    losses, C, picks = _spec_activeft(X, init, n_iter=60, lr=0.05)
    selector = ActiveFTSelector(init=init, learning_rate=0.05, max_iter=60).fit(X)
    np.testing.assert_allclose(selector.centroids_, C, atol=1e-9)
    assert selector.selected_indices_.tolist() == sorted(picks)
    similarity = _unit(X) @ _unit(selector.centroids_).T
    assert len(set(similarity.argmax(axis=0))) < 15  # centroids compete
    taken, reverse = np.zeros(25, dtype=bool), []
    for k in reversed(range(15)):
        pick = int(np.argmax(np.where(taken, -np.inf, similarity[:, k])))
        taken[pick] = True
        reverse.append(pick)
    assert sorted(reverse) != sorted(picks)


def test_activeft_float32_stays_float32_and_agrees_with_float64():
    X64 = _blobs(n=2000, d=32, centers=10, seed=4)
    X32 = X64.astype(np.float32)
    kwargs = dict(n_cores=10, max_iter=100, random_state=0)
    a = ActiveFTSelector(**kwargs).fit(X32)
    b = ActiveFTSelector(**kwargs).fit(X32.astype(np.float64))
    assert a.centroids_.dtype == np.float32 and b.centroids_.dtype == np.float64
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=2e-5)
    np.testing.assert_allclose(a.centroids_, b.centroids_, atol=5e-3)


def test_activeft_loss_curve_with_batches_is_the_batch_loss():
    """As the docs now say: with batch_size, loss_curve_ holds each
    iteration's loss over its batch, not over the pool."""
    X = _blobs(n=300, d=6, seed=4)
    init = np.arange(0, 300, 30)
    fitted = ActiveFTSelector(n_cores=10, init=init, batch_size=50, max_iter=1,
                              random_state=0).fit(X)
    batch = np.sort(np.random.RandomState(0).choice(300, 50, replace=False))
    theta = X[init] / np.linalg.norm(X[init], axis=1, keepdims=True)
    batch_loss, _ = _activeft_loss_grad(X, theta, rows=batch)
    pool_loss, _ = _activeft_loss_grad(X, theta)
    assert fitted.loss_curve_[0] == pytest.approx(batch_loss, rel=1e-12)
    assert abs(batch_loss - pool_loss) > 1e-6
    doc = " ".join(ActiveFTSelector.__doc__.split())
    assert ("Loss at the start of each iteration (over that iteration's batch "
            "when ``batch_size`` is set)") in doc


def test_activeft_batches_are_seeded_and_full_when_large():
    X = _blobs(n=400, seed=5)
    kw = dict(n_cores=5, max_iter=20)
    a = ActiveFTSelector(batch_size=100, random_state=0, **kw).fit(X)
    b = ActiveFTSelector(batch_size=100, random_state=0, **kw).fit(X)
    full = ActiveFTSelector(random_state=0, **kw).fit(X)
    np.testing.assert_array_equal(a.loss_curve_, b.loss_curve_)
    assert not np.allclose(a.loss_curve_, full.loss_curve_)
    # Batches drawn after the same initial samples.
    np.testing.assert_array_equal(a.init_indices_, full.init_indices_)
    large = ActiveFTSelector(batch_size=10_000, random_state=0, **kw).fit(X)
    np.testing.assert_array_equal(large.loss_curve_, full.loss_curve_)


def test_activeft_loss_decreases_on_wordnet(wordnet):
    rng = np.random.RandomState(0)
    rows = np.sort(rng.choice(wordnet["X"].shape[0], 4000, replace=False))
    X = np.asarray(wordnet["X"][rows], dtype=np.float32)
    selector = ActiveFTSelector(n_cores=40, max_iter=150, random_state=0).fit(X)
    curve = selector.loss_curve_
    assert curve[-1] < curve[0] - 0.5
    # Mostly monotone: smoothed over 10 iterations, it never goes up.
    smooth = np.convolve(curve, np.ones(10) / 10, mode="valid")
    assert np.all(np.diff(smooth) < 1e-6)
    idx = selector.selected_indices_
    assert np.unique(idx).size == 40 and np.all(np.diff(idx) > 0)


@pytest.mark.slow
def test_activeft_float32_tolerance_on_wordnet(wordnet):
    # A loose bound on the float32 drift (the drift measured on these rows
    # and on the first 20,000, as ActiveFTSelector's docstring gives it, is
    # rerun by tests/test_docs.py).
    rng = np.random.RandomState(0)
    rows = np.sort(rng.choice(wordnet["X"].shape[0], 20000, replace=False))
    X32 = np.asarray(wordnet["X"][rows], dtype=np.float32)
    a = ActiveFTSelector(n_cores=100, random_state=0).fit(X32)
    b = ActiveFTSelector(n_cores=100, random_state=0).fit(X32.astype(np.float64))
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=2e-5)
    np.testing.assert_allclose(a.centroids_, b.centroids_, atol=5e-3)
    assert np.intersect1d(a.selected_indices_, b.selected_indices_).size >= 98


@pytest.mark.parametrize("n_cores", [1, 30])
def test_activeft_extreme_counts(n_cores):
    X = _blobs(n=30, d=4, seed=11)
    selector = ActiveFTSelector(n_cores=n_cores, max_iter=15, random_state=0).fit(X)
    assert np.unique(selector.selected_indices_).size == n_cores
    assert np.all(np.isfinite(selector.loss_curve_))


def test_activeft_verbose_prints_to_stderr(capsys):
    ActiveFTSelector(n_cores=3, max_iter=20, random_state=0, verbose=1).fit(_blobs())
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("[ActiveFTSelector] iteration") == 10
    assert "iteration 20/20" in captured.err


@pytest.mark.parametrize("max_iter, expected", [
    (3, [1, 2, 3]),
    (15, [2, 3, 5, 6, 8, 9, 11, 12, 14, 15]),
    (25, [3, 5, 8, 10, 13, 15, 18, 20, 23, 25]),
    (305, [31, 61, 92, 122, 153, 183, 214, 244, 275, 305]),
])
def test_activeft_verbose_prints_ten_times_whatever_max_iter(capsys, max_iter,
                                                             expected):
    """verbose=1 says "ten times per run": it printed every iteration up to
    max_iter=19, 13 times at 25 and 11 at 305."""
    ActiveFTSelector(n_cores=3, max_iter=max_iter, random_state=0,
                     verbose=1).fit(_blobs())
    err = capsys.readouterr().err
    assert [int(t) for t in re.findall(r"iteration (\d+)/", err)] == expected
    ActiveFTSelector(n_cores=3, max_iter=12, random_state=0, verbose=2).fit(_blobs())
    assert capsys.readouterr().err.count("] iteration") == 12


def test_activeft_verbose_announces_the_kmeans_start_before_running_it(capsys):
    """The k-means start takes half a minute on a 65,000-row pool: verbose
    output says it has begun, not only when it is done."""
    ActiveFTSelector(n_cores=3, max_iter=10, init="k-means", random_state=0,
                     verbose=1).fit(_blobs())
    lines = capsys.readouterr().err.splitlines()
    starts = [i for i, line in enumerate(lines) if "k-means start" in line]
    # Begun, seeds chosen (the seeding's own progress only after 5 s), done.
    assert len(starts) == 3
    assert lines[starts[0]].endswith("...") and "rows" in lines[starts[0]]
    assert "seeds chosen" in lines[starts[1]]
    assert lines[starts[2]].endswith("s)")
    assert starts[2] < [i for i, line in enumerate(lines)
                        if line.startswith("[ActiveFTSelector] iteration")][0]


@pytest.mark.parametrize("n_samples, share, expected", [
    (1, 0.05, None),  # was "left out the 0 most isolated of 1 rows"
    (9, 0.05, None),  # 0.45 rounds to 0
    (20, 0.05, "left out the most isolated of 20 rows ("),
    (40, 0.05, "left out the 2 most isolated of 40 rows ("),
])
def test_activeft_verbose_counts_the_isolated_rows_left_out(capsys, n_samples, share,
                                                            expected):
    X = np.random.RandomState(0).normal(size=(n_samples, 4))
    selector = ActiveFTSelector(n_cores=1, max_iter=2, init="random",
                                exclude_isolated=share, random_state=0,
                                verbose=1).fit(X)
    lines = [line for line in capsys.readouterr().err.splitlines()
             if "isolated" in line]
    if expected is None:
        assert selector.excluded_indices_.size == 0 and lines == []
    else:
        assert len(lines) == 1 and expected in lines[0], lines


def test_sampler_verbose_reaches_its_default_core_stage(capsys):
    """BiLAFSampler(verbose=1) reports the long stage (the default ActiveFT's
    k-means start and loss), as the bilaf command does, without changing the
    selection; a selector passed in keeps its own verbose."""
    X = _blobs()
    loud = BiLAFSampler(30, random_state=0, verbose=1).fit(X)
    err = capsys.readouterr().err
    assert "[ActiveFTSelector] stratified k-means start" in err
    assert "[ActiveFTSelector] iteration 300/300" in err
    quiet = BiLAFSampler(30, random_state=0).fit(X)
    assert capsys.readouterr().err == ""
    np.testing.assert_array_equal(loud.selected_indices_, quiet.selected_indices_)
    BiLAFSampler(30, core_selector=ActiveFTSelector(max_iter=10), random_state=0,
                 verbose=1).fit(X)
    err = capsys.readouterr().err
    assert "[BiLAFSampler]" in err and "[ActiveFTSelector]" not in err


def test_activeft_does_not_copy_or_write_a_readonly_pool(tmp_path):
    X = _blobs(seed=6).astype(np.float32)
    np.save(tmp_path / "X.npy", X)
    mapped = np.load(tmp_path / "X.npy", mmap_mode="r")
    selector = ActiveFTSelector(n_cores=6, max_iter=10, random_state=0).fit(mapped)
    reference = ActiveFTSelector(n_cores=6, max_iter=10, random_state=0).fit(X)
    np.testing.assert_array_equal(selector.selected_indices_,
                                  reference.selected_indices_)
    np.testing.assert_array_equal(np.load(tmp_path / "X.npy"), X)


@pytest.mark.parametrize(
    "params, error",
    [
        (dict(init=[0, 0, 1]), "distinct"),
        (dict(init=[0, 700]), r"\[0, 599\]"),
        (dict(init=[0.5, 1.0]), "integer"),
        (dict(init=[0.0, np.nan]), "integer"),
        (dict(init=[True, False]), "integer"),
        (dict(init=[[0, 1]]), "1-D"),
        (dict(init=[0, 1, 2], n_cores=4), "n_cores='auto'"),
    ],
)
def test_activeft_bad_init(params, error):
    with pytest.raises(ValueError, match=error):
        ActiveFTSelector(max_iter=1, **params).fit(_blobs())


def test_activeft_masked_init_is_refused_like_precomputed_cores():
    # The values under the mask were used as starting samples.
    X = _blobs()
    init = np.ma.masked_array([3, 40, 7], mask=[False, True, False])
    with pytest.raises(ValueError, match=r"1 masked entry,.*compressed"):
        ActiveFTSelector(init=init, max_iter=5).fit(X)
    # Nothing masked: the indices, as if given plainly.
    plain = ActiveFTSelector(init=[3, 40, 7], max_iter=5).fit(X)
    masked = ActiveFTSelector(init=np.ma.masked_array([3, 40, 7]), max_iter=5).fit(X)
    np.testing.assert_array_equal(masked.init_indices_, plain.init_indices_)
    np.testing.assert_array_equal(masked.selected_indices_, plain.selected_indices_)


def test_activeft_init_accepts_whole_valued_floats_like_precomputed_cores():
    # Indices read back from a CSV or JSON file are often floats.
    X = _blobs()
    as_ints = ActiveFTSelector(init=[3, 40, 7], max_iter=5).fit(X)
    as_floats = ActiveFTSelector(init=np.array([3.0, 40.0, 7.0]), max_iter=5).fit(X)
    np.testing.assert_array_equal(as_floats.init_, as_ints.init_)
    np.testing.assert_array_equal(as_floats.selected_indices_,
                                  as_ints.selected_indices_)


def _object_integers(kind):
    values = [3, 40, 7]
    if kind == "pandas":
        pd = pytest.importorskip("pandas")
        return pd.Series(values, dtype=object)
    if kind == "numpy ints":
        return np.array([np.int64(3), np.int32(40), np.uint8(7)], dtype=object)
    if kind == "whole float":
        return np.array([3, 40.0, 7], dtype=object)
    return np.array(values, dtype=object)


# Object arrays of integers (a pandas column of dtype object, say) were
# refused as "must be integers; got dtype object".
@pytest.mark.parametrize("kind", ["python ints", "numpy ints", "pandas",
                                  "whole float"])
def test_integers_in_object_arrays_are_taken_as_indices(kind):
    from sklearn_bilaf.budget import allocate_budget
    from sklearn_bilaf.pseudo_classes import assign_pseudo_classes

    X = _blobs(n=120)
    values = _object_integers(kind)
    plain = np.array([3, 40, 7])
    for make in (lambda v: PrecomputedSelector(v).fit(X).selected_indices_,
                 lambda v: ActiveFTSelector(init=v, max_iter=3).fit(
                     X).selected_indices_,
                 lambda v: assign_pseudo_classes(X, v),
                 lambda v: allocate_budget(v, 10)):
        np.testing.assert_array_equal(make(values), make(plain))


@pytest.mark.parametrize("values, why", [
    ([3, 2**70], r"Element 1, 1180591620717411303424, is outside int64's range"),
    ([-(2**70), 3], r"Element 0, -1180591620717411303424, is outside int64's"),
    (np.array([3, 3.5], dtype=object), r"Element 1, 3\.5, is not a whole number"),
    (np.array([3, "5"], dtype=object),
     r"Element 1, '5', is text, not a number: convert the values to numbers "
     r"first \(e\.g\. np\.asarray\(values, dtype=np\.int64\)\)"),
    (np.array([3, None], dtype=object), r"Element 1, None, is missing"),
    (np.array([3, np.nan], dtype=object), r"Element 1, nan, is missing \(NaN\)"),
    (np.array([3, np.inf], dtype=object), r"Element 1, inf, is not a finite"),
    (np.array([3, True], dtype=object), r"Element 1, True, is a bool.*flatnonzero"),
    (np.array([3, 2**64 - 1], dtype=object),
     r"Element 1, 18446744073709551615, is outside"),
    (np.array([3, 5.0 + 0j], dtype=object), r"Element 1, \(5\+0j\), is a complex"),
])
def test_object_indices_that_are_not_integers_are_named(values, why):
    from sklearn_bilaf.budget import allocate_budget
    from sklearn_bilaf.pseudo_classes import assign_pseudo_classes

    X = _blobs(n=120)
    for call in (lambda: PrecomputedSelector(values).fit(X),
                 lambda: ActiveFTSelector(init=values, max_iter=3).fit(X),
                 lambda: assign_pseudo_classes(X, values),
                 lambda: allocate_budget(values, 10)):
        with pytest.raises(ValueError,
                           match=r"dtype object( and shape \(2,\))?\. " + why):
            call()


@pytest.mark.parametrize("values, shown", [
    (np.array(["3", "5"]), r"'3'"), (np.array([b"3", b"5"]), r"b'3'"),
])
def test_text_arrays_as_indices_name_their_first_element(values, shown):
    """Arrays of strings or bytes (not objects) are named by their first
    element, as object arrays holding text are."""
    from sklearn_bilaf.budget import allocate_budget
    from sklearn_bilaf.pseudo_classes import assign_pseudo_classes

    X = _blobs(n=120)
    for call in (lambda: PrecomputedSelector(values).fit(X),
                 lambda: ActiveFTSelector(init=values, max_iter=3).fit(X),
                 lambda: assign_pseudo_classes(X, values),
                 lambda: allocate_budget(values, 10)):
        with pytest.raises(ValueError,
                           match=rf"dtype {re.escape(str(values.dtype))}( and "
                                 rf"shape \(2,\))?\. Element 0, {shown}, is "
                                 r"text, not a number: convert the values"):
            call()


@pytest.mark.parametrize("huge, shown", [
    (np.array([2**64 - 1, 5], dtype=np.uint64), "18446744073709551615"),
    (np.array([1e19, 5.0]), r"1e\+19"),
    (np.array([-1e19, 5.0]), r"-1e\+19"),
    # 2**63 exactly: the first float past int64's largest value.
    (np.array([2.0**63, 5.0]), r"9\.223372036854776e\+18"),
])
def test_counts_and_rows_outside_int64_are_refused_not_clipped(huge, shown):
    """uint64 (and float) values past int64's range were clipped to it: the
    budget split quoted classes holding "-9223372036854775804 samples" (the
    clipped sizes' sum wrapped), and format_selection wrote another row
    number (2**63 - 1) than the one given."""
    from sklearn_bilaf.budget import allocate_budget
    from sklearn_bilaf.io import format_selection

    why = rf"Element 0, {shown}, is outside int64's range"
    with pytest.raises(ValueError, match=r"sizes must be .*\. " + why):
        allocate_budget(huge, 5)
    for suffix in (".json", ".csv", ".npy"):
        with pytest.raises(TypeError, match=r"indices must be whole row "
                           r"numbers; got an array of dtype \w+\. " + why):
            format_selection(suffix, huge, roles=["core"] * 2,
                             pseudo_classes=[0, 1])
    with pytest.raises(TypeError, match=r"pseudo_classes must be whole class "
                       r"numbers; got an array of dtype \w+\. " + why):
        format_selection(".csv", [3, 4], roles=["core"] * 2, pseudo_classes=huge)
    # Within int64's range they are taken as they are, and added up without
    # wrapping.
    big = 2**62 + 2**11  # a float64 beyond 2**62 was clipped to 2**62
    assert format_selection(".json", np.array([float(big)]), roles=["core"],
                            pseudo_classes=[0]) == f"[{big}]\n".encode()
    assert allocate_budget(np.array([2**62] * 3), 5).tolist() == [2, 2, 1]
    with pytest.raises(ValueError, match=r"holding 13835058055282163712 "
                                         r"samples"):
        allocate_budget(np.array([2**62] * 3 + [0]), 5)

@pytest.mark.parametrize("values", [
    np.arange(50_000).astype(object),
    np.array([np.int32(3), 7, np.uint8(1)] * 1000, dtype=object),
    np.arange(50_000.0).astype(object),
    np.array([np.float32(3), 7.0, np.float16(1)] * 1000, dtype=object),
], ids=["ints", "numpy ints", "floats", "numpy floats"])
def test_object_indices_are_converted_without_a_python_loop(monkeypatch, values):
    """Every element of an object array of indices (a pandas column of dtype
    object, say) was checked in Python, one at a time: about a second per
    million.  Elements of the plain int and float types are converted by
    numpy; the values are those the element-wise check gives."""
    from sklearn_bilaf import base

    expected = np.array([int(v) for v in values], dtype=np.intp)
    checks = []
    check = base._not_whole_because
    monkeypatch.setattr(base, "_not_whole_because",
                        lambda value: checks.append(1) or check(value))
    got = base.whole_numbers(values)
    assert got.dtype == np.intp
    np.testing.assert_array_equal(got, expected)
    assert not checks


def test_float16_object_indices_are_checked_without_a_warning():
    # A float16 compared with intp's bounds overflowed in numpy's cast.
    from sklearn_bilaf.base import not_whole_hint

    values = np.array([np.float16(3), "x"], dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not_whole_hint(values) == (
            " Element 1, 'x', is text, not a number: convert the values to "
            "numbers first (e.g. np.asarray(values, dtype=np.int64)).")


def test_float_indices_name_the_value_that_is_not_whole():
    X = _blobs(n=120)
    with pytest.raises(ValueError, match=r"dtype float64\. Element 2, 7\.5, is not"):
        PrecomputedSelector([3.0, 40.0, 7.5]).fit(X)
    with pytest.raises(ValueError, match=r"dtype float64\. Element 1, nan, is missing"):
        ActiveFTSelector(init=[3.0, np.nan, 7.0], max_iter=3).fit(X)


@pytest.mark.parametrize(
    "params",
    [
        dict(temperature=0),
        dict(learning_rate=-1e-3),
        dict(max_iter=-1),
        dict(batch_size=0),
        dict(balance=0.0),
        dict(init="k-means++"),
        dict(n_cores=0),
        dict(n_cores=1.5),
    ],
)
def test_activeft_bad_params(params):
    with pytest.raises(InvalidParameterError):
        ActiveFTSelector(**params).fit(_blobs())


# (The overflows also warn, in worker threads, which np.errstate misses.)
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype, params, what", [
    (np.float32, dict(temperature=2e-39), "the loss is nan"),
    (np.float64, dict(temperature=1e-160), "the squared gradient overflows"),
    (np.float64, dict(learning_rate=1e160), "squared norms overflow"),
])
def test_activeft_refuses_parameters_that_overflow(dtype, params, what):
    """They gave an unrelated error about the centres (non-finite or all
    zero) after the last iteration, or, when only the squared gradient
    overflowed, centroids that silently stopped moving."""
    selector = ActiveFTSelector(n_cores=4, max_iter=5, random_state=0, **params)
    with pytest.raises(ValueError) as info:
        selector.fit(_blobs(n=80, d=6, dtype=dtype))
    message = str(info.value)
    assert "at iteration 1: " in message and what in message
    assert "Pass a larger temperature or a smaller learning_rate" in message


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("params, message", [
    (dict(n_cores=np.int64(4), init=[0, 1, 2]), "but n_cores=4 asks for"),
    (dict(n_cores=4, exclude_isolated=np.float64(0.05), init=[0, 1, 2, 3]),
     "exclude_isolated=0.05 cannot be combined"),
    (dict(n_cores=4, temperature=np.float64(1e-160)),
     "(temperature=1e-160, learning_rate=0.001)"),
    (dict(n_cores=4, learning_rate=np.float64(1e160)),
     "(temperature=0.07, learning_rate=1e+160)"),
])
def test_activeft_quotes_numpy_scalar_parameters_as_plain_values(params, message):
    # scikit-learn's parameter check lets numpy scalars through, and their
    # repr read "n_cores=np.int64(4)" or "temperature=np.float64(1e-160)"
    # under numpy 2.
    selector = ActiveFTSelector(max_iter=5, random_state=0, **params)
    with pytest.raises(ValueError) as info:
        selector.fit(_blobs(n=80, d=6, dtype=np.float64))
    assert message in str(info.value)
    assert "np." not in str(info.value)


def test_activeft_refuses_zero_rows():
    X = _blobs()
    X[10] = 0
    with pytest.raises(ValueError, match="all-zero rows"):
        ActiveFTSelector(n_cores=3, max_iter=1).fit(X)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activeft_is_scale_invariant_per_row_even_when_squares_underflow(dtype):
    X = (_blobs(n=200, d=6, seed=12) + 20).astype(dtype)
    tiny = X.copy()
    factor = dtype(1e-30) if dtype == np.float32 else 1e-200
    tiny[[3, 30, 77]] *= factor  # their squared norms underflow
    kwargs = dict(n_cores=6, max_iter=30, random_state=0)
    a = ActiveFTSelector(**kwargs).fit(X)
    b = ActiveFTSelector(**kwargs).fit(tiny)
    np.testing.assert_array_equal(a.selected_indices_, b.selected_indices_)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-5)


def test_activeft_refuses_rows_too_small_to_normalise():
    X = _blobs(n=50, d=4).astype(np.float32)
    X[5] *= np.float32(1e-44)
    # One row by its number (it said "1 row (e.g. [5])").
    with pytest.raises(ValueError, match=r"^1 row \(row 5\) has a norm too small "
                                         r"to normalise in float32.*or pass it as "
                                         r"float64"):
        ActiveFTSelector(n_cores=3, max_iter=1).fit(X)
    # Already float64: the advice is to rescale only (it said "or pass it as
    # float64" there too).
    X = _blobs(n=50, d=4)
    X[5] *= 1e-310
    with pytest.raises(ValueError, match=r"too small to normalise in float64\. "
                                         r"Rescale X \(e\.g\. multiply it by a "
                                         r"power of 10\)\.$"):
        ActiveFTSelector(n_cores=3, max_iter=1).fit(X)


@pytest.mark.parametrize("dtype, value", [(np.float32, 3e38),
                                          (np.float64, 1.7e308)])
def test_activeft_refuses_rows_whose_norm_overflows(dtype, value):
    """Under assume_finite (the only way past the input check), finite rows
    whose norm is past the dtype's largest value were normalised to zero
    rows: "ActiveFT left the floating-point range ... Pass a larger
    temperature or a smaller learning_rate", which would not help.  Named,
    with the largest value to rescale by (or float64, for float32)."""
    X = _blobs(n=50, d=4).astype(dtype)
    X[[7, 21]] = value
    upcast = r" or pass it as float64" if dtype == np.float32 else ""
    with config_context(assume_finite=True):
        with pytest.raises(ValueError, match=(
                r"^2 rows \(rows \[7, 21\]\) have norms past the largest "
                rf"{np.dtype(dtype).name}, so they cannot be normalised\. "
                r"Rescale X \(e\.g\. divide it by [0-9.]+e\+[0-9]+\)"
                rf"{upcast}\.$")):
            ActiveFTSelector(n_cores=3, max_iter=1).fit(X)
        with pytest.raises(ValueError, match=r"^1 row \(row 7\) has a norm "
                           r"past the largest"):
            BiLAFSampler(budget=6, metric="cosine", random_state=0).fit(
                np.where(np.arange(50)[:, None] == 21, 1.0, X).astype(dtype))
        # It failed with "index 0 is out of bounds for axis 0 with size 0".
        with pytest.raises(ValueError, match=r"^2 rows \(rows \[7, 21\]\) have "
                           r"norms past the largest float64"):
            FarthestPointSelector(n_cores=3, metric="cosine").fit(
                X.astype(np.float64) * (1.7e308 / value))


@pytest.mark.parametrize("exponent", [120, 128])
def test_farthest_cosine_float32_products_do_not_overflow(exponent):
    """FarthestPointSelector(metric="cosine") normalises float32 rows in
    float64 (their norms may be past float32's largest) but took their
    products with the offset in float32: rows of values near float32's
    largest overflowed there (a numpy warning, and other picks), under
    assume_finite.  The picks of the same rows at an ordinary scale
    (scaled by a power of two: the same normalised rows)."""
    from sklearn.datasets import make_blobs

    X = make_blobs(400, n_features=8, centers=5, random_state=0)[0]
    X = (X / np.abs(X).max() * 0.99).astype(np.float32)
    expected = FarthestPointSelector(n_cores=20, metric="cosine",
                                     random_state=0).fit(X).selected_indices_
    with warnings.catch_warnings(), config_context(assume_finite=True):
        warnings.simplefilter("error", RuntimeWarning)
        got = FarthestPointSelector(n_cores=20, metric="cosine",
                                    random_state=0).fit(np.ldexp(X, exponent))
    np.testing.assert_array_equal(got.selected_indices_, expected)


def test_activeft_budget_caps_auto_and_rejects_larger_init():
    X = _blobs(n=2000)
    assert ActiveFTSelector(max_iter=1, random_state=0).fit(X).selected_indices_.size \
        == default_n_cores(2000) == 100
    capped = ActiveFTSelector(max_iter=1, random_state=0).fit(X, budget=4)
    assert capped.selected_indices_.size == 4
    with pytest.raises(ValueError, match="budget"):
        ActiveFTSelector(init=[1, 2, 3], max_iter=1).fit(X, budget=2)



def test_activeft_init_array_as_long_as_the_budget_and_last_row_bounds():
    """init checks (spec §1): K = budget is allowed (only K > B is refused), and
    the pool's last row is the largest valid index (n itself is refused)."""
    X = _blobs(n=600)
    fitted = ActiveFTSelector(init=[1, 2, 599], max_iter=1).fit(X, budget=3)
    assert fitted.selected_indices_.size == 3
    with pytest.raises(ValueError, match=r"\[0, 599\].*got \[600\]"):
        ActiveFTSelector(init=[0, 600], max_iter=1).fit(X)


def test_activeft_random_start_is_k_distinct_samples():
    """Spec §1: Theta starts from the features of K *distinct* samples drawn at
    random (with K close to N, a draw with replacement would repeat some)."""
    X = _blobs(n=40, d=4, seed=9)
    for seed in range(3):
        selector = ActiveFTSelector(n_cores=30, max_iter=0, random_state=seed).fit(X)
        assert np.unique(selector.init_indices_).size == 30


def test_activeft_batches_are_subsets_without_repeats(monkeypatch):
    """Spec §1: a batch is a random *subset* of batch_size rows (no row twice),
    redrawn every iteration."""
    seen = []
    original = core_module._ActiveFTObjective.__call__

    def spy(self, theta, rows=None, c_bar=None):
        seen.append(None if rows is None else np.array(rows))
        return original(self, theta, rows=rows, c_bar=c_bar)

    monkeypatch.setattr(core_module._ActiveFTObjective, "__call__", spy)
    X = _blobs(n=60, d=4, seed=5)
    ActiveFTSelector(n_cores=3, max_iter=8, batch_size=50, random_state=0).fit(X)
    assert len(seen) == 8
    for rows in seen:
        assert rows.shape == (50,) and np.all(np.diff(rows) > 0)
    assert not all(np.array_equal(seen[0], rows) for rows in seen[1:])


def test_gradient_uses_the_given_stop_gradient_copy():
    """_activeft_loss_grad's contract: with an explicit c_bar (here *not* the
    normalised theta) the gradient is the derivative of the loss at that fixed
    c_bar, so sum_j E_jk c_j uses c_bar's rows."""
    rng = np.random.RandomState(11)
    X = rng.normal(size=(70, 5))
    theta = rng.normal(size=(4, 5))
    C_bar = _unit(rng.normal(size=(4, 5)))
    _, grad = _activeft_loss_grad(X, theta, 0.3, 1.0, c_bar=C_bar)
    numeric = _finite_differences(X, theta, 0.3, 1.0, C_bar)
    assert np.linalg.norm(grad - numeric) / np.linalg.norm(numeric) < 1e-5


# -- nearest_unused -----------------------------------------------------------
def _brute_nearest_unused(X, centres, metric):
    def geometry(A):
        A = np.asarray(A, dtype=np.float64)
        return _unit(A) if metric == "cosine" else A

    D = cdist(geometry(centres), geometry(X), "sqeuclidean")
    taken = np.zeros(len(X), dtype=bool)
    out = []
    for row in D:
        row = np.where(taken, np.inf, row)
        pick = int(np.argmin(row))  # first minimum: the lower index
        taken[pick] = True
        out.append(pick)
    return out


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_candidates", [1, 3, 16])
def test_nearest_unused_matches_brute_force_with_ties(metric, dtype, n_candidates,
                                                      monkeypatch):
    monkeypatch.setattr(core_module, "_NEAREST_CANDIDATES", n_candidates)
    rng = np.random.RandomState(0)
    # Small integers: many exact ties, and duplicated rows.
    base = rng.randint(-3, 4, size=(60, 3)).astype(float)
    base[np.all(base == 0, axis=1)] = 1.0
    X = np.vstack([base, base[:20], base[5:10]]).astype(dtype)
    # Centres on samples (some repeated), and between samples.
    centres = np.vstack([X[[0, 0, 0, 7, 7, 61]], base[:6] + 0.5,
                         rng.randint(-3, 4, size=(8, 3))])
    expected = _brute_nearest_unused(X, centres, metric)
    assert nearest_unused(X, centres, metric).tolist() == expected


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_nearest_unused_random_data_in_blocks(metric, monkeypatch):
    monkeypatch.setattr(core_module, "_NEAREST_CANDIDATES", 4)
    rng = np.random.RandomState(1)
    X = rng.normal(size=(3000, 16)).astype(np.float32)
    centres = X[rng.choice(3000, 40)] + rng.normal(scale=0.05, size=(40, 16))
    # Clustered centres make candidates collide.
    centres[20:] = centres[:20] + rng.normal(scale=1e-3, size=(20, 16))
    expected = _brute_nearest_unused(X, centres, metric)
    with config_context(working_memory=1):  # several row blocks
        assert nearest_unused(X, centres, metric).tolist() == expected


def _sphere_far_from_the_origin(seed):
    """50 float32 samples at distance 1 +- 1e-6 from a centre of norm ~300:
    float32 screening cannot order them, the exact decision must."""
    rng = np.random.RandomState(seed)
    centre = rng.normal(size=8) * 100
    direction = rng.normal(size=(50, 8))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    radius = 1.0 + rng.uniform(-1e-6, 1e-6, size=(50, 1))
    return (centre + direction * radius).astype(np.float32), centre


def test_nearest_unused_float32_near_ties_are_exact():
    X, centre = _sphere_far_from_the_origin(2)
    expected = _brute_nearest_unused(X, [centre] * 5, "euclidean")
    assert nearest_unused(X, [centre] * 5).tolist() == expected


@pytest.mark.parametrize("n_candidates", [1, 4, 16])
def test_nearest_unused_float32_far_from_the_origin_is_exact_in_the_scan(
        n_candidates, monkeypatch):
    """nearest_unused is exact (ties to the lower index) also when centres fall
    back to the full scan: the scan re-checks every sample within twice the
    error bound of the screened minimum.  Data far from the origin: rounding
    the centres' mean to float32 must not leak into the screened distances
    (a real bug: the shift was taken from the unrounded mean)."""
    monkeypatch.setattr(core_module, "_NEAREST_CANDIDATES", n_candidates)
    for seed in range(10):
        X, centre = _sphere_far_from_the_origin(seed)
        expected = _brute_nearest_unused(X, [centre] * 20, "euclidean")
        assert nearest_unused(X, [centre] * 20).tolist() == expected, seed


def _shell_of_near_ties(seed, n_rows, spread):
    """A centre of norm 10 in 384 dimensions, unit directions and radii of
    0.5 within a relative ``spread``: rows nearly equidistant from it."""
    rng = np.random.RandomState(seed)
    centre = rng.normal(size=384)
    centre *= 10 / np.linalg.norm(centre)
    direction = rng.normal(size=(n_rows, 384))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    radius = 0.5 * (1 + rng.uniform(-spread, spread, size=(n_rows, 1)))
    return centre, direction, radius


@pytest.mark.parametrize("n_candidates", [1, 16])
def test_nearest_unused_float32_near_ties_in_many_dimensions(n_candidates,
                                                             monkeypatch):
    """384 features (the embeddings of the benchmarks): the screening's
    error grows with the number of features, and so must its bound (one of
    a few ulps, whatever the width, took farther samples here)."""
    monkeypatch.setattr(core_module, "_NEAREST_CANDIDATES", n_candidates)
    for seed in range(3):
        centre, direction, radius = _shell_of_near_ties(seed, 200, 1e-4)
        X = (centre + direction * radius).astype(np.float32)
        # A far centre puts the screening's origin away from the near ones.
        centres = np.vstack([np.repeat(centre[None], 10, axis=0), -centre])
        expected = _brute_nearest_unused(X, centres, "euclidean")
        assert nearest_unused(X, centres).tolist() == expected, seed


def test_nearest_unused_error_bound_covers_every_row_block(monkeypatch):
    """The screening's error bound is relative to the largest shifted row of
    the whole pool, not of the last row block read: here that block holds
    only rows next to the centres, and the near ties of the earlier blocks
    must still be decided on exact distances."""
    monkeypatch.setattr(core_module, "chunk_rows",
                        lambda n_rows, bytes_per_row, *, min_rows=1:
                        max(min_rows, min(n_rows, 50)))
    for seed in range(3):
        centre, direction, radius = _shell_of_near_ties(seed, 210, 1e-6)
        radius[200:] = 1e-3  # the last block, of 10 rows
        X = (centre + direction * radius).astype(np.float32)
        centres = np.repeat(centre[None], 20, axis=0)
        expected = _brute_nearest_unused(X, centres, "euclidean")
        assert sorted(expected[:10]) == list(range(200, 210))
        assert nearest_unused(X, centres).tolist() == expected, seed


@pytest.mark.parametrize("scale", [3e-22, 1e-23, 3e-24])
def test_nearest_unused_float32_rows_too_small_to_square_are_exact(scale):
    """float32 rows whose squares fall below float32's normal range
    (values under about 1e-19) lose their digits to underflow in float32
    products: the screening must not drop the nearest sample (it did, for
    KMeansSelector and ClustererSelector too)."""
    rng = np.random.RandomState(0)
    X = (scale * rng.normal(size=(300, 40))).astype(np.float32)
    centres = (X[rng.choice(300, 20, replace=False)].astype(np.float64)
               * (1 + 1e-3 * rng.normal(size=(20, 40))))
    expected = _brute_nearest_unused(X, centres, "euclidean")
    assert nearest_unused(X, centres).tolist() == expected


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nearest_unused_float64_rows_near_the_underflow_threshold(seed):
    """float64 rows of about 1e-162 and 1e-312: squared distances of a few
    subnormal steps, whose products lose up to half a step per term, which
    the relative error bound did not cover (a farther sample was taken)."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(40, 4)) * 1e-162
    X[rng.rand(40) < 0.3] *= 1e-150
    centres = X[::3] + rng.normal(size=(14, 4)) * 3e-163
    expected = _brute_nearest_unused(X, centres, "euclidean")
    assert nearest_unused(X, centres).tolist() == expected


def test_nearest_unused_errors():
    X = np.zeros((3, 2))
    with pytest.raises(ValueError, match="at most 3 centres"):
        nearest_unused(X, np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"shape \(n_centres, 2\)"):
        nearest_unused(X, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="metric"):
        nearest_unused(X, np.zeros((1, 2)), "manhattan")
    with pytest.raises(ValueError, match="all-zero rows"):
        nearest_unused(X, np.ones((1, 2)), "cosine")
    # An all-zero centre is named as a centre, not as rows of the pool.
    with pytest.raises(ValueError, match=r"all-zero centres; centre 1 is"):
        nearest_unused(np.ones((3, 2)), [[1.0, 0.0], [0.0, 0.0]], "cosine")
    with pytest.raises(ValueError, match=r"centres contains NaN in 1 row \(row 0\)"):
        nearest_unused(X, [[0.0, np.nan]])
    with pytest.raises(ValueError, match=r"X must be 2-D; got shape \(3,\)"):
        nearest_unused([1.0, 2.0, 3.0], [[1.0]])


# (normalising an infinite float32 row warns before the error)
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nearest_unused_refuses_non_finite_rows(metric, dtype):
    # NaN rows never compare: a small pool gave row -1 (silently the last
    # row), a pool of them failed with "argmin of an empty sequence".
    rng = np.random.RandomState(0)
    centres = rng.normal(size=(3, 3))
    small = rng.normal(size=(3, 3)).astype(dtype)
    small[0] = np.nan
    large = rng.normal(size=(40, 3)).astype(dtype)
    large[[4, 30]] = np.inf
    for X, rows in ((small, r"NaN in 1 row \(row 0\)"),
                    (large, r"infinite values in 2 rows \(rows \[4, 30\]\)")):
        with pytest.raises(ValueError, match=r"^X contains " + rows + ": "):
            nearest_unused(X, centres[:2], metric)
    # Finite rows whose squares overflow float32 are still decided exactly.
    huge = rng.normal(size=(40, 3)).astype(np.float32)
    huge[0] = 1e25
    np.testing.assert_array_equal(
        nearest_unused(huge, centres), nearest_unused(huge.astype(np.float64),
                                                      centres))


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nearest_unused_errors_speak_of_the_whole_pool(dtype):
    """X is screened a block of rows at a time: the errors named the NaN or
    inf rows of the failing block only ("e.g. row 4"), gave that block's
    largest value to rescale by (too small for the blocks after it), and
    counted the all-zero rows of that block ("1 of them"), naming none."""
    rng = np.random.RandomState(0)
    X = rng.rand(50000, 3).astype(dtype)
    centres = rng.rand(2, 3)
    with config_context(working_memory=1):  # blocks of about 16,000 rows
        for metric in ("euclidean", "cosine"):
            bad = X.copy()
            bad[[4, 30000, 49999], 1] = [np.nan, np.inf, np.nan]
            with pytest.raises(ValueError, match=r"^X contains NaN in 2 rows "
                               r"\(rows \[4, 49999\]\) and infinite values in "
                               r"1 row \(row 30000\): "):
                nearest_unused(bad, centres, metric)
            zero = X.copy()
            zero[[4, 40000]] = 0
            if metric == "cosine":
                with pytest.raises(ValueError, match=r"the pool has 2 of them "
                                   r"\(rows \[4, 40000\]\)"):
                    nearest_unused(zero, centres, metric)
        if dtype == np.float64:
            huge = X.copy()
            huge[6] *= 1e200
            huge[45000] = 9e250
            with pytest.raises(ValueError, match=r"X has values as large as "
                               r"9e\+250,.*divide both by 9e\+250\)"):
                nearest_unused(huge, centres)
            huge[49999, 0] = np.nan  # named first, as within a block
            with pytest.raises(ValueError, match=r"^X contains NaN in 1 row "
                               r"\(row 49999\): "):
                nearest_unused(huge, centres)


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_nearest_unused_float32_pool_whose_squares_all_overflow(metric):
    """Every float32 row beyond float32's squares (1e30): the screened
    distances were all inf or NaN, and the exact pass failed with "attempt
    to get argmin of an empty sequence"; it is screened in float64."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 3))
    centres = X[[3, 7, 11]] + 0.01
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        found = nearest_unused((X * 1e30).astype(np.float32), centres * 1e30,
                               metric)
    np.testing.assert_array_equal(found, nearest_unused(X, centres, metric))


@pytest.mark.parametrize("centre_scale", [1e19, 1e20])
def test_nearest_unused_float32_terms_past_float32_are_exact(centre_scale):
    """float32 rows whose squares fit float32 (norms up to 1.5e19) but not
    the expanded form's other terms: centres past about 1e18, accepted by
    the float64 limit, or rows beside them.  The screened distances were
    inf or NaN: a farther sample was taken, with numpy's overflow warnings,
    or the scan failed with "attempt to get argmin of an empty sequence"."""
    for seed in range(5):
        rng = np.random.RandomState(seed)
        X = rng.normal(size=(300, 4))
        X = (X / np.linalg.norm(X, axis=1).max() * 1.5e19).astype(np.float32)
        half = rng.normal(size=(10, 4)) * centre_scale
        # Symmetric: the centres' mean, the screening's origin, is 0.
        centres = np.vstack([half, -half])
        expected = _brute_nearest_unused(X, centres, "euclidean")
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            assert nearest_unused(X, centres).tolist() == expected, seed


def test_nearest_unused_float32_rows_near_float32s_largest_square():
    """float32 rows of 1.8e19, whose squares (3.2e38) fit float32, and a
    centre on the other side of the origin: the screened distances to it
    overflowed to inf, all alike, and it silently took the lowest free
    sample rather than the nearest."""
    rng = np.random.RandomState(0)
    X = (1.8e19 * (1 - 0.01 * rng.rand(300, 1))).astype(np.float32)
    centres = np.array([[-1.6e18], [1.6e18]])
    expected = _brute_nearest_unused(X, centres, "euclidean")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert nearest_unused(X, centres).tolist() == expected


@pytest.mark.parametrize("where", ["X", "centres"])
def test_nearest_unused_refuses_values_whose_distances_overflow(where):
    """float64 values whose squares overflow (1e200): the centres got the same
    sample twice ([0, 0]), or one sample whatever the centres, with numpy
    overflow warnings; refused as the estimators refuse such a pool."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 3))
    centres = X[[3, 7, 11]] + 0.01
    if where == "X":
        X = X * 1e200
    else:
        centres = centres * 1e200
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=rf"{where} has values as large as "
                           r"[0-9.]+e\+200, so squared distances .*overflow "
                           r"float64\. Rescale"):
            nearest_unused(X, centres)


def test_cosine_rows_whose_squared_norm_overflows_are_normalised():
    """float64 rows of 1e200 were normalised to all-zero rows (their squared
    norm overflowed): every centre took the lowest free sample, silently,
    and assign_pseudo_classes put every sample in class 0.  Cosine geometry
    does not depend on the scale of a row."""
    from sklearn_bilaf.pseudo_classes import assign_pseudo_classes

    rng = np.random.RandomState(1)
    X = rng.normal(size=(30, 3))
    centres = rng.normal(size=(5, 3))
    expected = nearest_unused(X, centres, "cosine")
    labels = assign_pseudo_classes(X, [2, 9, 17], "cosine")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for scale in (1e200, 1e300):
            np.testing.assert_array_equal(
                nearest_unused(X * scale, centres * scale, "cosine"), expected)
            np.testing.assert_array_equal(
                assign_pseudo_classes(X * scale, [2, 9, 17], "cosine"), labels)


@pytest.mark.parametrize("where", ["X", "centres"])
def test_nearest_unused_refuses_complex_numbers(where):
    """Their imaginary parts were dropped, with only numpy's ComplexWarning
    (assign_pseudo_classes and the estimators refuse complex pools)."""
    X = np.arange(8.0).reshape(4, 2)
    centres = X[:2] + 0.1
    if where == "X":
        X = X + 1j
    else:
        centres = centres + 1j
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=rf"{where} must hold real numbers; "
                           r"got dtype complex128\. Pass the real"):
            nearest_unused(X, centres)


@pytest.mark.parametrize("X, match", [
    (np.array([["1", "2"], ["3", "4"], ["5", "7"]]), r"X holds text"),
    ([["1", "2"], ["3", "4"], ["5", "7"]], r"X holds text"),
    (np.array([["2020-01-01"], ["2021-01-01"], ["2022-01-01"]],
              dtype="datetime64[D]"), r"X holds dates or times"),
], ids=["text", "text-list", "dates"])
def test_nearest_unused_refuses_text_and_dates(X, match):
    """Text read as numbers and numbers of days were matched as if they were
    embeddings (the estimators refuse such pools)."""
    with pytest.raises(ValueError, match=match):
        nearest_unused(X, [[1.0] * np.shape(X)[1]])


def test_nearest_unused_refuses_sparse_centres_and_featureless_pools():
    """numpy's "setting an array element with a sequence" and "zero-size
    array to reduction operation maximum" before."""
    import scipy.sparse

    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(TypeError, match=r"centres is a sparse matrix.*toarray"):
        nearest_unused(X, scipy.sparse.csr_matrix(X[:2]))
    with pytest.raises(ValueError, match=r"X has no features \(shape \(4, 0\)\)"):
        nearest_unused(X[:, :0], X[:2, :0])
    assert nearest_unused(X[:0], X[:0]).tolist() == []


def test_nearest_unused_takes_lists_and_no_centres():
    """A nested list is taken as the array it spells (what is not an array
    is converted), and no centres give no samples."""
    rows = [[0.0], [1.0], [2.0], [10.0]]
    assert nearest_unused(rows, [[0.9], [1.1], [9.0]]).tolist() == [1, 2, 3]
    empty = nearest_unused(np.zeros((3, 2)), np.zeros((0, 2)))
    assert empty.dtype == np.intp and empty.shape == (0,)


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_nearest_unused_scans_a_pool_of_duplicates_in_few_passes(metric,
                                                                  monkeypatch):
    """On a pool of many exact duplicates no centre can decide on its
    candidates (the 17th ties with the first): the centres that must scan
    the pool share passes over it, instead of one pass each (a pool of 100
    copies of 500 rows, 1,000 centres: 60 s instead of 0.6 s)."""
    rng = np.random.RandomState(0)
    base = rng.normal(size=(40, 8)).astype(np.float32)
    X = np.tile(base, (50, 1))  # 2,000 rows, each 50 times
    centres = X[rng.choice(40, 120)] + rng.normal(scale=1e-3, size=(120, 8))
    passes = []
    real_prepare = core_module.prepare

    def counting_prepare(rows, *args, **kwargs):
        if len(rows) == len(X):  # a pass over the pool (one block here)
            passes.append(1)
        return real_prepare(rows, *args, **kwargs)

    monkeypatch.setattr(core_module, "prepare", counting_prepare)
    got = nearest_unused(X, centres, metric)
    assert got.tolist() == _brute_nearest_unused(X, centres, metric)
    # The candidates' pass, then one for the scans (120 before).
    assert len(passes) <= 3, len(passes)


def test_nearest_unused_scan_passes_hold_half_of_working_memory(monkeypatch):
    """The centres that share a pass over the pool hold their screened
    distances (float64, one column each) within half of working_memory, as
    documented; the same picks as one centre per pass."""
    rng = np.random.RandomState(0)
    X = np.tile(rng.normal(size=(40, 8)).astype(np.float32), (500, 1))
    centres = X[rng.choice(40, 12)] + rng.normal(scale=1e-3, size=(12, 8))
    widths = []
    real_columns = core_module._screened_columns

    def recording_columns(*args):
        columns = real_columns(*args)
        widths.append(columns.shape[1])
        return columns

    monkeypatch.setattr(core_module, "_screened_columns", recording_columns)
    with config_context(working_memory=1):  # 1 MiB: 3 columns of 20,000 rows
        got = nearest_unused(X, centres)
    assert got.tolist() == _brute_nearest_unused(X, centres, "euclidean")
    assert sum(widths) == 12
    assert max(widths) * 8 * X.shape[0] <= 2**20 // 2, widths
    assert len(widths) <= 4, widths  # and the passes use that room


def test_nearest_unused_on_an_integer_pool_matches_its_float64_copy():
    """An integer array is not converted up front (it has a dtype and two
    dimensions): it is screened in float64, like its float64 copy, ties
    (duplicate centres here) going to the next-nearest unused sample."""
    X = np.random.RandomState(0).randint(-5, 6, size=(40, 3))
    centres = X[[3, 3, 7, 21]] + 0.2
    expected = _brute_nearest_unused(X.astype(float), centres, "euclidean")
    got = nearest_unused(X, centres)
    assert got.tolist() == list(expected)
    np.testing.assert_array_equal(got, nearest_unused(X.astype(float), centres))
    assert nearest_unused(X, centres, "cosine").tolist() == list(
        _brute_nearest_unused(X.astype(float), centres, "cosine"))


# -- the other selectors ------------------------------------------------------
def _brute_farthest_point(X, first, n_select, metric):
    A = _unit(X) if metric == "cosine" else np.asarray(X, dtype=np.float64)
    D = cdist(A, A, "sqeuclidean")
    order = [first]
    nearest = D[first].copy()
    for _ in range(n_select - 1):
        masked = nearest.copy()
        masked[order] = -np.inf
        pick = int(np.argmax(masked))
        order.append(pick)
        nearest = np.minimum(nearest, D[pick])
    return order


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_farthest_point_matches_brute_force(metric, dtype):
    rng = np.random.RandomState(3)
    base = rng.randint(-4, 5, size=(80, 4)).astype(float)
    base[np.all(base == 0, axis=1)] = 2.0
    X = np.vstack([base, base[:30]]).astype(dtype)  # duplicates: exact ties
    fds = FarthestPointSelector(n_cores=25, metric=metric, random_state=0).fit(X)
    first = np.random.RandomState(0).randint(len(X))
    expected = _brute_farthest_point(X, first, 25, metric)
    assert fds.selection_order_.tolist() == expected
    assert fds.selected_indices_.tolist() == sorted(expected)



@pytest.mark.parametrize("seed", [6, 11, 12, 17])
def test_farthest_point_keeps_the_error_of_earlier_steps(seed):
    """A sample's running minimum keeps the screening error of the step that
    set it: rows 112 from the far samples at -1000 and +1000 get their
    minimum (float32 products of norms near 1000) from those steps, and are
    compared after a pick at the pool's mean, whose own error is tiny.  The
    bound of that last step alone let float32 rounding order them (the
    brute-force order differed on these pools)."""
    rng = np.random.RandomState(seed)
    axis = np.eye(8)[0]

    def around(centre):
        u = rng.standard_normal((12, 8))
        u[:, 0] = -np.abs(u[:, 0]) * np.sign(centre[0])  # towards the mean
        return centre + 112.0 * u / np.linalg.norm(u, axis=1)[:, None]

    X = np.vstack([-1000 * axis, np.zeros(8), 1000 * axis, around(1000 * axis),
                   around(-1000 * axis)]).astype(np.float32)
    first = np.random.RandomState(0).randint(len(X))
    X[[0, first]] = X[[first, 0]]  # start from the sample at -1000
    fds = FarthestPointSelector(n_cores=8, random_state=0).fit(X)
    assert fds.selection_order_.tolist() == _brute_farthest_point(
        X, first, 8, "euclidean")

def test_farthest_point_is_exact_far_from_the_origin():
    # An offset of 1000 leaves float32 screened distances with errors far
    # larger than the gaps between them: the exact check must decide.
    rng = np.random.RandomState(4)
    X = (1000.0 + rng.normal(size=(200, 5))).astype(np.float32)
    fds = FarthestPointSelector(n_cores=15, random_state=1).fit(X)
    first = np.random.RandomState(1).randint(len(X))
    assert fds.selection_order_.tolist() == _brute_farthest_point(X, first, 15,
                                                                  "euclidean")


def _count_exact_checks(monkeypatch):
    """The number of rows FarthestPointSelector checks exactly at each pick
    (a list that fills as it runs)."""
    checked = []
    exact_nearest = FarthestPointSelector._exact_nearest

    def counting(self, X, rows, *args):
        checked.append(rows.size)
        return exact_nearest(self, X, rows, *args)

    monkeypatch.setattr(FarthestPointSelector, "_exact_nearest", counting)
    return checked


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_farthest_point_screens_relative_to_the_pool(metric, monkeypatch):
    # Far from the origin, screened distances taken from the origin carry
    # errors as large as the offset: nearly every row went to the exact
    # check at every step.  Relative to the pool's mean they stay small.
    rng = np.random.RandomState(5)
    X = (1000.0 + rng.normal(size=(2000, 8))).astype(np.float32)
    checked = _count_exact_checks(monkeypatch)
    fds = FarthestPointSelector(n_cores=20, metric=metric, random_state=1).fit(X)
    first = np.random.RandomState(1).randint(len(X))
    assert fds.selection_order_.tolist() == _brute_farthest_point(X, first, 20,
                                                                  metric)
    assert sum(checked) < 200, checked


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_farthest_point_screens_in_the_precision_of_the_pool(dtype, monkeypatch):
    """The screening products are taken in X's dtype, as documented: a
    float32 pool is multiplied by float32 vectors in place, not converted to
    float64 block by block (which passed, the picks being exact either
    way)."""
    seen = []
    products = FarthestPointSelector._products

    def spy(X, v, step):
        seen.append(v.dtype)
        return products(X, v, step)

    monkeypatch.setattr(FarthestPointSelector, "_products", staticmethod(spy))
    FarthestPointSelector(n_cores=5, random_state=0).fit(_blobs(n=200, dtype=dtype))
    assert seen == [np.dtype(dtype)] * 4

@pytest.mark.parametrize("scale", [1e-22, 1e-23, 1e-30])
@pytest.mark.parametrize("n_features", [4, 40])
def test_farthest_point_float32_rows_too_small_to_square(scale, n_features):
    """float32 rows under about 1e-19: their float32 products underflow
    (to zero, below about 1e-27), which the error bound, relative to the
    rows' norms, did not cover; the picks were not the farthest samples."""
    rng = np.random.RandomState(0)
    X = (scale * rng.normal(size=(300, n_features))).astype(np.float32)
    fds = FarthestPointSelector(n_cores=20, random_state=0).fit(X)
    first = np.random.RandomState(0).randint(len(X))
    assert fds.selection_order_.tolist() == _brute_farthest_point(X, first, 20,
                                                                  "euclidean")


def test_farthest_point_float64_far_from_the_origin_screens_few_rows(monkeypatch):
    """A float64 pool at 1e6 with a spread of 1e-3: the screening's float64
    error bound scaled with max |x|^2 (1e13 against squared distances of
    1e-5), so every row went to the exact check at every pick (5,000 rows:
    0.20 s to 0.04 s, 20,000 rows: 5.1 s to 0.3 s); relative to the
    centred rows it leaves a few, and the same picks."""
    X = 1e6 + 1e-3 * np.random.RandomState(6).normal(size=(1000, 16))
    checked = _count_exact_checks(monkeypatch)
    fds = FarthestPointSelector(n_cores=30, random_state=2).fit(X)
    first = np.random.RandomState(2).randint(len(X))
    assert fds.selection_order_.tolist() == _brute_farthest_point(X, first, 30,
                                                                  "euclidean")
    assert sum(checked) < 300, checked


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_farthest_point_float64_rows_near_the_underflow_threshold(seed):
    """float64 rows of about 1e-162 (squared distances of a few subnormal
    steps) and 1e-312: their products lose up to half a subnormal step per
    term, which the bound, relative to the rows' squared norms (0 once
    they underflow), did not cover; the picks were not the farthest.  Such
    a pool is now searched scaled by a power of two, and so is the brute
    force's (exactly: the subnormal values too), whose own squared distances
    would be subnormal numbers as given."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(40, 4)) * 1e-162
    X[rng.rand(40) < 0.3] *= 1e-150
    fds = FarthestPointSelector(n_cores=15, random_state=0).fit(X)
    first = np.random.RandomState(0).randint(len(X))
    scaled = np.ldexp(X, -math.frexp(float(np.abs(X).max()))[1])
    assert fds.selection_order_.tolist() == _brute_farthest_point(
        scaled, first, 15, "euclidean")


@pytest.mark.parametrize("scale", [1e-140, 1e-160, 1e-170, 1e-320])
def test_norm_bound_bounds_norms_whose_squares_underflow(scale):
    """_norm_bound is an upper bound of the norm also when the squares lose
    their digits (or all of them) to underflow: sqrt of the computed square
    is then too small, even 0 (the farthest-point bound builds on it).
    Within a few ulps, and never above sqrt(d) times the largest entry."""
    d = 4
    for v in (np.full(d, scale), np.array([scale, 0.0, 0.0, 0.0]),
              np.array([scale, -scale / 3, scale / 7, 0.0])):
        true = scale * float(np.linalg.norm(v / scale))  # no underflow
        bound = core_module._norm_bound(float(v @ v), float(np.abs(v).max()), d)
        assert bound >= true * (1 - 1e-14)
        assert bound <= np.sqrt(d) * float(np.abs(v).max()) * (1 + 1e-14)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nearest_unused_cosine_exact_for_nearly_parallel_float32_rows(seed):
    # Rows normalised in float32 are off by an ulp or so of their unit
    # length; for nearly parallel rows that is most of their shifted norms,
    # which the screening bound was relative to (wrong samples taken).
    X = (1e4 + 1e-3 * np.random.RandomState(seed).randn(300, 4)).astype(np.float32)
    centres = X[::15].astype(np.float64)
    unit = X.astype(np.float64) / np.linalg.norm(X.astype(np.float64), axis=1,
                                                 keepdims=True)
    D = cdist(centres / np.linalg.norm(centres, axis=1, keepdims=True), unit,
              "sqeuclidean")
    taken, expected = set(), []
    for k in range(len(centres)):
        pick = next(int(j) for j in np.lexsort((np.arange(len(X)), D[k]))
                    if j not in taken)
        taken.add(pick)
        expected.append(pick)
    assert nearest_unused(X, centres, "cosine").tolist() == expected


def test_farthest_point_never_repeats_on_duplicate_data():
    X = np.repeat(np.eye(3), 4, axis=0)  # 3 distinct points, 12 rows
    fds = FarthestPointSelector(n_cores=6, random_state=0).fit(X)
    assert np.unique(fds.selected_indices_).size == 6


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_farthest_point_compares_each_pair_once_on_duplicate_data(metric,
                                                                  monkeypatch):
    """Once every distinct row is chosen, every row ties (at distance 0) and
    is a candidate at every pick: its exact distance is updated with the
    samples chosen since, not recomputed against all of them (50 WordNet
    rows repeated to 10,000, 200 cores: 20.6 s to 1.4 s)."""
    import scipy.spatial.distance

    rng = np.random.RandomState(0)
    X = np.repeat(rng.normal(size=(10, 4)) + 3.0, 30, axis=0)  # 300 rows
    pairs = []
    real_cdist = scipy.spatial.distance.cdist

    def counting_cdist(A, B, *args, **kwargs):
        pairs.append(len(A) * len(B))
        return real_cdist(A, B, *args, **kwargs)

    monkeypatch.setattr(scipy.spatial.distance, "cdist", counting_cdist)
    fds = FarthestPointSelector(n_cores=40, metric=metric, random_state=0).fit(X)
    monkeypatch.setattr(scipy.spatial.distance, "cdist", real_cdist)
    first = np.random.RandomState(0).randint(len(X))
    assert fds.selection_order_.tolist() == _brute_farthest_point(X, first, 40,
                                                                  metric)
    # Each row against each chosen sample at most once: 300 x 40.
    assert sum(pairs) <= 300 * 40, sum(pairs)


def test_kmeans_selector_is_nearest_unused_to_kmeans_centres():
    X = _blobs(n=500, seed=7)
    selector = KMeansSelector(n_cores=8, random_state=0).fit(X)
    kmeans = KMeans(8, n_init="auto", random_state=np.random.RandomState(0)).fit(X)
    np.testing.assert_allclose(selector.cluster_centers_, kmeans.cluster_centers_)
    expected = _brute_nearest_unused(X, kmeans.cluster_centers_, "euclidean")
    assert selector.selected_indices_.tolist() == sorted(expected)



@pytest.mark.parametrize("params", [
    {"n_init": 3, "random_state": 1},  # max_iter's default: n_iter_ below it
    {"n_init": 1, "max_iter": 1, "random_state": 2},
])
def test_kmeans_selector_passes_its_parameters_to_kmeans(params):
    """n_init, max_iter and random_state are passed to KMeans, and n_iter_
    is the iterations it ran, as documented: the same centres and count as
    KMeans given those parameters (ignoring any of them passed the test
    above, which uses the defaults and seed 0)."""
    X = _blobs(n=500, seed=7)
    selector = KMeansSelector(n_cores=8, **params).fit(X)
    kmeans = KMeans(8, **params).fit(X)
    np.testing.assert_allclose(selector.cluster_centers_, kmeans.cluster_centers_)
    assert selector.n_iter_ == kmeans.n_iter_
    other = KMeans(8, **{**params, "random_state": params["random_state"] + 1}).fit(X)
    assert not np.allclose(other.cluster_centers_, kmeans.cluster_centers_)


@pytest.mark.parametrize("make, name", [
    (lambda: KMeansSelector(n_init=0), "n_init"),
    (lambda: KMeansSelector(max_iter=0), "max_iter"),
    (lambda: FarthestPointSelector(metric="manhattan"), "metric"),
    (lambda: RandomSelector(n_cores=0), "n_cores"),
])
def test_simple_selectors_refuse_invalid_parameters(make, name):
    """Each parameter outside its documented values is refused by the
    selector's own check, naming the parameter: a metric FDS does not
    know ran the Euclidean one silently."""
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of "
                       f"{type(make()).__name__}"):
        make().fit(_blobs(n=40, seed=1))


def test_farthest_point_first_sample_can_be_any_row():
    """The first sample is drawn at random from the whole pool: over a few
    seeds every row of a small pool starts the traversal (the last one
    too)."""
    X = np.arange(8.0).reshape(4, 2)
    firsts = {int(FarthestPointSelector(n_cores=1, random_state=seed)
                  .fit(X).selection_order_[0]) for seed in range(40)}
    assert firsts == {0, 1, 2, 3}


def test_random_selector_draws_from_every_row():
    """Uniform over the whole pool: over a few seeds a one-sample draw from
    a small pool takes every row, the last one too."""
    X = np.arange(8.0).reshape(4, 2)
    drawn = {int(RandomSelector(n_cores=1, random_state=seed).fit(X)
                 .selected_indices_[0]) for seed in range(40)}
    assert drawn == {0, 1, 2, 3}

def test_clusterer_selector_wraps_any_centroid_clusterer():
    X = _blobs(n=500, seed=8).astype(np.float32)
    clusterer = MiniBatchKMeans(7, random_state=0, n_init=3)
    selector = ClustererSelector(clusterer).fit(X)
    assert not hasattr(clusterer, "cluster_centers_")  # the parameter is cloned
    centres = selector.clusterer_.cluster_centers_
    assert selector.selected_indices_.tolist() == sorted(
        _brute_nearest_unused(X, centres, "euclidean"))
    with pytest.raises(ValueError, match="budget"):
        ClustererSelector(clusterer).fit(X, budget=6)


class _CountingKMeans(KMeans):
    """KMeans that counts its fits."""

    fits = 0

    def fit(self, X, y=None, sample_weight=None):
        type(self).fits += 1
        return super().fit(X, y, sample_weight)


@pytest.mark.parametrize("n_clusters", [3, 30])
def test_clusterer_selector_refuses_a_duration_for_n_clusters(n_clusters):
    """numpy counts a timedelta64 as an Integral: 30 of them was refused as
    "more clusters than the pool has rows", 3 reached KMeans, which failed
    in a bare ufunc error."""
    X = _blobs(n=20)
    duration = np.timedelta64(n_clusters, "s")
    with pytest.raises(TypeError, match=rf"^KMeans\(n_clusters={n_clusters} "
                                        r"seconds\) asks for a duration \(numpy\."
                                        r"timedelta64\), not a number of "
                                        r"clusters: pass an int\.$"):
        ClustererSelector(KMeans(duration, n_init=1, random_state=0)).fit(X, budget=6)


def test_clusterer_selector_refuses_more_clusters_than_the_budget_before_fitting():
    # n_clusters above the budget (but not above the rows) failed only after
    # the clustering, minutes long on a large pool.
    X = _blobs(n=50)
    _CountingKMeans.fits = 0
    with pytest.raises(ValueError, match=r"^_CountingKMeans\(n_clusters=8\) asks "
                                         r"for more clusters than the budget of "
                                         r"6; the number of cores must not "
                                         r"exceed the budget \(each centre "
                                         r"becomes a distinct core\)\. Ask it "
                                         r"for at most 6 clusters or raise the "
                                         r"budget\.$"):
        ClustererSelector(_CountingKMeans(8, random_state=0)).fit(X, budget=6)
    assert _CountingKMeans.fits == 0
    # Within the budget it fits once, as before.
    ClustererSelector(_CountingKMeans(6, random_state=0)).fit(X, budget=6)
    assert _CountingKMeans.fits == 1


def test_clusterer_selector_needs_cluster_centers():
    with pytest.raises(TypeError, match="no cluster_centers_"):
        ClustererSelector(DBSCAN()).fit(_blobs(n=50))
    with pytest.raises(InvalidParameterError):
        ClustererSelector("kmeans").fit(_blobs(n=50))


class _FixedCentres(ClusterMixin, BaseEstimator):
    """A clusterer whose fit sets ``cluster_centers_`` to what it was given
    (a user's clusterer, or one without ``n_clusters`` to check up front)."""

    def __init__(self, centres=None):
        self.centres = centres

    def fit(self, X, y=None):
        self.cluster_centers_ = self.centres
        self.labels_ = np.zeros(len(X), dtype=int)
        return self


# Spec §1 and the appendix: k-means and clusterer cores are "for each centre
# (in order) the nearest sample not yet taken".  On blobs no two centres want
# the same sample, so the order never showed: here centre 0 (0.45) and centre
# 1 (-0.9) both have row 1 (x = 0) nearest.  In order, centre 0 takes it and
# centre 1 its next nearest, row 0 (x = -2, at 1.1); centre 1 first would take
# row 1 and leave centre 0 row 2 (x = 1, at 0.55).
_SHARED_NEAREST_X = np.array([[-2.0], [0.0], [1.0], [8.0]])
_SHARED_NEAREST_CENTRES = np.array([[0.45], [-0.9]])


class _FixedKMeans(_FixedCentres):
    """KMeans as KMeansSelector reads it: the given centres, and n_iter_."""

    def fit(self, X, y=None):
        self.n_iter_ = 1
        return super().fit(X, y)


def test_kmeans_selector_takes_the_centres_in_their_order(monkeypatch):
    """Kills: ``nearest_unused(X, centres[::-1], ...)`` in
    ``KMeansSelector._select`` (the centres matched in another order)."""
    import sklearn.cluster

    # KMeansSelector imports KMeans from sklearn.cluster when it runs.
    monkeypatch.setattr(sklearn.cluster, "KMeans",
                        lambda **params: _FixedKMeans(_SHARED_NEAREST_CENTRES))
    selector = KMeansSelector(n_cores=2, random_state=0).fit(_SHARED_NEAREST_X)
    assert selector.selected_indices_.tolist() == [0, 1]


def test_clusterer_selector_takes_the_centres_in_their_order():
    """Kills: ``nearest_unused(X, centres[::-1], ...)`` in
    ``ClustererSelector`` (the centres matched in another order)."""
    selector = ClustererSelector(_FixedCentres(_SHARED_NEAREST_CENTRES)).fit(
        _SHARED_NEAREST_X)
    assert selector.selected_indices_.tolist() == [0, 1]


def test_random_selector_is_a_seeded_uniform_draw_without_replacement():
    """Kills: any ``RandomSelector._select`` that is not the seeded draw
    (``np.arange(n_select)``: the first rows, whatever the seed).

    Spec appendix: "uniform without replacement", seeded by random_state:
    the draw is numpy's ``choice(n, k, replace=False)`` of that seed, and the
    seeds give different subsets."""
    X = np.arange(200.0).reshape(-1, 2)
    picks = {seed: RandomSelector(n_cores=10, random_state=seed).fit(X)
             .selected_indices_.tolist() for seed in range(3)}
    for seed, got in picks.items():
        expected = np.random.RandomState(seed).choice(100, 10, replace=False)
        assert got == sorted(expected.tolist())
    assert len({tuple(p) for p in picks.values()}) == 3


@pytest.mark.parametrize("centres, match", [
    (np.zeros((2, 4)), r"_FixedCentres\.cluster_centers_ must have shape "
                       r"\(n_centres, 3\); got \(2, 4\)\."),
    (np.zeros(3), r"must have shape \(n_centres, 3\); got \(3,\)\."),
    (np.zeros((0, 3)), r"must have shape \(n_centres, 3\); got \(0, 3\)\."),
    (np.zeros((6, 3)), r"_FixedCentres found 6 centres but the pool has only 5 "
                       r"rows; ask it for fewer clusters\."),
], ids=["features", "1-D", "none", "more than rows"])
def test_clusterer_selector_checks_the_centres_it_is_given(centres, match):
    X = _blobs(n=5, d=3)
    with pytest.raises(ValueError, match=match):
        ClustererSelector(_FixedCentres(centres)).fit(X)
    # Well-formed centres are matched to distinct samples.
    selector = ClustererSelector(_FixedCentres(X[[4, 1]] + 1e-3)).fit(X)
    assert selector.selected_indices_.tolist() == [1, 4]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("assume_finite", [False, True])
def test_clusterer_selector_centres_past_the_limits_reach_nearest_unused(
        dtype, assume_finite, monkeypatch):
    """Centres a clusterer of the user's returns past the input check's
    limits (NaN, inf, 1e200, 1e-200), of a pool within them: X is not
    blamed (it is checked before the clusterer runs, also under
    assume_finite, and never read again for them); nearest_unused refuses
    the non-finite and overflowing centres, naming them, and matches the
    tiny ones."""
    def no_second_check(*args):
        raise AssertionError("X checked again after the clusterer")

    # After the clusterer, X was checked again for values its check had
    # passed already (NaN, inf, past the limits): two more passes over it.
    monkeypatch.setattr(core_module, "_refuse_unchecked_non_finite",
                        no_second_check)
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3)).astype(dtype)
    outcomes = {
        np.nan: r"^centres contains NaN in 1 row \(row 1\)",
        np.inf: r"^centres contains infinite values in 1 row \(row 1\)",
        1e200: r"^centres has values as large as 1e\+200, so squared distances",
    }
    with config_context(assume_finite=assume_finite):
        for value, match in outcomes.items():
            centres = np.array([[0.1, 0.2, 0.3], [value, 0.0, 0.0]])
            with pytest.raises(ValueError, match=match):
                ClustererSelector(_FixedCentres(centres)).fit(X)
        centres = np.array([[1e-200, 0.0, 0.0], [0.5, 0.5, 0.5]])
        got = ClustererSelector(_FixedCentres(centres)).fit(X)
    assert got.selected_indices_.tolist() == sorted(nearest_unused(X, centres))


def test_clusterer_selector_refuses_more_centres_than_the_budget():
    """A clusterer that does not say its cluster count up front (no
    n_clusters: MeanShift, AffinityPropagation) is checked after fit: more
    centres than the budget would be more cores than the budget."""
    X = _blobs(n=20, d=3)
    centres = X[[4, 1, 9, 12]] + 1e-3
    match = (r"^_FixedCentres found 4 centres, more than the budget of 3; the "
             r"number of cores must not exceed the budget\. Ask the clusterer "
             r"for fewer clusters or raise the budget\.$")
    with pytest.raises(ValueError, match=match):
        ClustererSelector(_FixedCentres(centres)).fit(X, budget=3)
    with pytest.raises(ValueError, match=match):
        BiLAFSampler(3, core_selector=ClustererSelector(_FixedCentres(centres)),
                     random_state=0).fit(X)
    # A budget of as many cores is met.
    selector = ClustererSelector(_FixedCentres(centres)).fit(X, budget=4)
    assert selector.selected_indices_.tolist() == [1, 4, 9, 12]


class _FailingClusterer(ClusterMixin, BaseEstimator):
    """Fails as scikit-learn's BisectingKMeans can on few distinct rows."""

    def fit(self, X, y=None):
        raise ValueError("Cannot take a larger sample than population when "
                         "'replace=False'")


def test_clusterer_selector_says_where_a_clusterer_failed():
    X = np.repeat(_blobs(n=3, d=2), 4, axis=0)
    with pytest.raises(ValueError, match=r"^_FailingClusterer\.fit failed on the "
                                         r"pool \(12 rows, 3 distinct\): Cannot "
                                         r"take .*'replace=False'\. Ask it for "
                                         r"fewer clusters") as raised:
        ClustererSelector(_FailingClusterer()).fit(X)
    assert isinstance(raised.value.__cause__, ValueError)


@pytest.mark.parametrize("clusterer", [
    KMeans(3, init=np.zeros((2, 2)), n_init=1),  # 2 starting centres for 3
    _FailingClusterer(),  # no n_clusters, and no duplicate rows
])
def test_clusterer_failure_unrelated_to_distinct_rows_is_not_blamed_on_them(
        clusterer):
    # "Ask it for fewer clusters than the pool has distinct rows" was said
    # of every failure, also with 3 clusters asked of 20 distinct rows.
    X = _blobs(n=20, d=2)
    with pytest.raises(ValueError, match=r"failed on the pool \(20 rows, 20 "
                                         r"distinct\): .*\. Check its settings "
                                         r"against the pool \(20 rows of 2 "
                                         r"features\), or use a core selector "
                                         r"from sklearn_bilaf\.core\.$") as raised:
        ClustererSelector(clusterer).fit(X)
    assert "fewer clusters" not in str(raised.value)


@pytest.mark.parametrize("clusterer", [KMeans(n_clusters=0),
                                       MiniBatchKMeans(3, batch_size=-1)])
def test_clusterer_selector_passes_the_clusterers_parameter_error_on(clusterer):
    """A clusterer's own parameter error (scikit-learn's
    InvalidParameterError, which names the parameter) came back as a plain
    ValueError that blamed the pool's distinct rows and told to ask for
    fewer clusters, also for n_clusters=0."""
    X = _blobs(n=20, d=2)
    for fit in (lambda: ClustererSelector(clusterer).fit(X),
                lambda: BiLAFSampler(5, core_selector=clusterer).fit(X)):
        with pytest.raises(InvalidParameterError, match=r"^The '\w+' parameter "
                           f"of {type(clusterer).__name__} must be") as raised:
            fit()
        assert "distinct" not in str(raised.value)


SELECTORS = [
    RandomSelector(n_cores=9, random_state=0),
    KMeansSelector(n_cores=9, random_state=0),
    FarthestPointSelector(n_cores=9, random_state=0),
    FarthestPointSelector(n_cores=9, metric="cosine", random_state=0),
    ActiveFTSelector(n_cores=9, max_iter=20, random_state=0),
    ClustererSelector(KMeans(9, n_init=1, random_state=0)),
    PrecomputedSelector([4, 90, 3, 17, 250, 8, 60, 61, 7]),
]


@pytest.mark.parametrize("selector", SELECTORS, ids=lambda s: type(s).__name__)
def test_selectors_are_one_shot_samplers(selector):
    X = _blobs(n=300, seed=9)
    fitted = clone(selector).fit(X)
    idx = fitted.selected_indices_
    assert idx.shape == (9,) and np.unique(idx).size == 9
    assert np.all(np.diff(idx) > 0) and idx.min() >= 0 and idx.max() < 300
    np.testing.assert_array_equal(fitted.transform(X), X[idx])
    np.testing.assert_array_equal(clone(selector).fit_transform(X), X[idx])
    assert fitted.get_support().sum() == 9
    np.testing.assert_array_equal(fitted.get_support(indices=True), idx)
    assert fitted.n_samples_fit_ == 300 and fitted.n_features_in_ == 12
    # Deterministic for the same parameters.
    np.testing.assert_array_equal(clone(selector).fit(X).selected_indices_, idx)
    with pytest.raises(ValueError, match="fitted on 300"):
        fitted.transform(X[:10])


@pytest.mark.parametrize("cls", [RandomSelector, KMeansSelector,
                                 FarthestPointSelector, ActiveFTSelector])
def test_auto_n_cores_is_five_percent_capped_by_budget(cls):
    X = _blobs(n=1000, d=4, seed=10)
    extra = {"max_iter": 2} if cls is ActiveFTSelector else {}
    assert cls(random_state=0, **extra).fit(X).selected_indices_.size == 50
    assert cls(random_state=0, **extra).fit(X, budget=3).selected_indices_.size == 3
    assert cls(n_cores="paper", random_state=0, **extra).fit(
        X).selected_indices_.size == 5
    assert cls(n_cores=0.02, random_state=0, **extra).fit(X).selected_indices_.size \
        == 20
    with pytest.raises(ValueError, match="budget"):
        cls(n_cores=8, random_state=0, **extra).fit(X, budget=3)


def test_default_n_cores():
    assert default_n_cores(10) == 1
    assert default_n_cores(1000) == 50
    assert default_n_cores(50_000) == 2500


@pytest.mark.parametrize("args, error, match", [
    # A negative or fractional pool size gave 1 core silently.
    ((-5,), ValueError, r"n_samples must be at least 1 .*got -5"),
    ((10.5,), TypeError, r"n_samples must be an int .*got 10.5"),
    ((True,), TypeError, "got True"),
    # Errors of the arithmetic before ("cannot convert float NaN", "can't
    # multiply sequence by non-int").
    ((float("nan"),), TypeError, "got nan"),
    (("1000",), TypeError, "got '1000'"),
])
def test_pool_size_helpers_refuse_what_is_no_pool_size(args, error, match):
    from sklearn_bilaf.core import default_init, paper_n_cores

    for function in (default_n_cores, paper_n_cores):
        with pytest.raises(error, match=match):
            function(*args)
    with pytest.raises(error, match=match):
        default_init(*args, 10)
    with pytest.raises(ValueError, match=r"n_cores must be at least 1 .*got -3"):
        default_init(1000, -3)
    assert default_init(np.int64(1000), np.int32(10)) == "stratified"
    assert paper_n_cores(np.int64(1000)) == 5


# -- inside BiLAFSampler ------------------------------------------------------
def test_bilaf_default_core_selector_is_activeft(digits):
    X, _ = digits
    sampler = BiLAFSampler(budget=120, random_state=0).fit(X)
    assert isinstance(sampler.core_selector_, ActiveFTSelector)
    assert sampler.n_cores_ == min(120, default_n_cores(len(X))) == 89
    seed = sampler.core_selector_.random_state
    again = ActiveFTSelector(init="auto", random_state=seed).fit(X, budget=120)
    np.testing.assert_array_equal(sampler.core_indices_, again.selected_indices_)
    assert sampler.core_selector_.init_ == "stratified"


def test_bilaf_accepts_a_clusterer(digits):
    X, _ = digits
    sampler = BiLAFSampler(budget=30, core_selector=MiniBatchKMeans(5, random_state=0),
                           random_state=0).fit(X)
    assert isinstance(sampler.core_selector_, ClustererSelector)
    assert sampler.n_cores_ == 5 and sampler.selected_indices_.size == 30
    centres = sampler.core_selector_.cluster_centers_
    assert sampler.core_indices_.tolist() == sorted(
        _brute_nearest_unused(X, centres, "euclidean"))


class _CustomSelector(BaseCoreSelector):
    """A user's core selector whose ``_select`` returns ``result(n_select)``."""

    def __init__(self, n_cores=4, random_state=None, result=None):
        self.n_cores = n_cores
        self.random_state = random_state
        self.result = result

    def _select(self, X, n_select, random_state):
        return self.result(n_select)


@pytest.mark.parametrize("result, error, match", [
    (lambda n: np.zeros(n, dtype=int), ValueError, r"repeated: \[0\]"),
    (lambda n: np.arange(n - 1), ValueError, r"shape \(3,\)"),
    (lambda n: np.arange(n + 2), ValueError, r"shape \(6,\)"),
    (lambda n: np.arange(n) - 1, ValueError, r"got \[-1\]"),
    (lambda n: np.arange(n) + 29, ValueError, r"got \[30, 31, 32\]"),
    (lambda n: np.arange(n) + 0.5, TypeError, "dtype float64"),
    (lambda n: np.arange(30) < n, TypeError, "dtype bool"),
    (lambda n: None, TypeError, "got NoneType"),
    (lambda n: [[0, 1], [2, 3, 4]], TypeError, r"; got list\."),  # ragged
])
def test_custom_select_result_is_checked(result, error, match):
    # A core selector is a sampler on its own: a wrong _select result must be
    # an error naming it, not a silently wrong (or negative-indexed) selection.
    X = _blobs(n=30, d=3, centers=3)
    with pytest.raises(error, match=r"_CustomSelector\._select must return 4 "
                                    r"distinct row numbers in \[0, 29\].*" + match):
        _CustomSelector(result=result).fit(X)


def test_custom_select_whole_floats_and_lists_are_row_numbers():
    X = _blobs(n=30, d=3, centers=3)
    for result in (lambda n: [7, 1, 3, 2], lambda n: np.array([7.0, 1.0, 3.0, 2.0])):
        selector = _CustomSelector(result=result).fit(X)
        assert selector.selected_indices_.tolist() == [1, 2, 3, 7]
        assert selector.selected_indices_.dtype == np.intp



class _NoNCoresSelector(BaseCoreSelector):
    """A user's core selector that names its count otherwise."""

    def __init__(self, k=3):
        self.k = k

    def _select(self, X, n_select, random_state):
        return np.arange(n_select)


def test_custom_selector_without_n_cores_is_told_what_to_add():
    """A subclass without an n_cores parameter failed with a bare
    AttributeError from inside the base class."""
    X = _blobs(n=30, d=3, centers=3)
    match = (r"_NoNCoresSelector has no n_cores parameter.*"
             r"self\.n_cores = n_cores.*_n_select")
    with pytest.raises(TypeError, match=match):
        _NoNCoresSelector().fit(X)
    with pytest.raises(TypeError, match=match):
        BiLAFSampler(10, core_selector=_NoNCoresSelector()).fit(X)

def test_precomputed_selector_alone_refuses_more_cores_than_the_budget():
    # fit(X, budget=...) on its own (not only through BiLAFSampler's check).
    X = np.zeros((6, 2))
    assert PrecomputedSelector([4, 1]).fit(X, budget=2).selected_indices_.tolist() == [
        1, 4]
    with pytest.raises(ValueError, match="3 precomputed cores exceed the budget of 2"):
        PrecomputedSelector([0, 1, 2]).fit(X, budget=2)


def test_parameter_validation_follows_scikit_learn_config(monkeypatch):
    """Every stage's fit validates its parameters through scikit-learn's
    fit context, so ``skip_parameter_validation`` applies to them too."""
    import sklearn

    from sklearn_bilaf.boundary import BoundarySelector
    from sklearn_bilaf.denoise import IDCDenoiser

    X = _blobs()
    y = np.arange(X.shape[0]) % 3
    estimators = [(RandomSelector(3), ()), (ActiveFTSelector(3, max_iter=2), ()),
                  (IDCDenoiser(), ()), (BoundarySelector(), (y,))]
    for estimator, args in estimators:
        with pytest.raises(Exception, match="parameter"):
            clone(estimator).set_params(**{next(iter(estimator.get_params())): -7}
                                        ).fit(X, *args)

    def refuse(self):
        raise AssertionError("validated although skip_parameter_validation")

    for estimator, args in estimators:
        monkeypatch.setattr(type(estimator), "_validate_params", refuse)
        with sklearn.config_context(skip_parameter_validation=True):
            estimator.fit(X, *args)
        monkeypatch.undo()


@pytest.mark.parametrize("budget", [0, -3, 1.5, True, "3", np.nan])
@pytest.mark.parametrize("make", [
    lambda: RandomSelector(),
    lambda: RandomSelector(2),
    lambda: ClustererSelector(KMeans(2, n_init=1, random_state=0)),
])
def test_fit_budget_argument_is_validated(make, budget):
    """fit's ``budget`` (the most samples the caller can take) is None or a
    count >= 1: 0 selected nothing with n_cores="auto", and other values
    failed deep in the selection with numpy's errors."""
    selector = make()
    X = np.random.RandomState(0).normal(size=(60, 3))
    with pytest.raises(InvalidParameterError,
                       match=rf"'budget' parameter of {type(selector).__name__}"
                             r"\.fit must be None or an int in the range \[1, inf\)"):
        selector.fit(X, budget=budget)
    assert not hasattr(selector, "selected_indices_")
    assert selector.fit(X, budget=2).selected_indices_.size == 2


def test_fit_budget_validation_follows_skip_parameter_validation():
    X = np.random.RandomState(0).normal(size=(60, 3))
    with config_context(skip_parameter_validation=True):
        # Not validated: the count check of the selection itself refuses it.
        with pytest.raises(ValueError) as info:
            RandomSelector(2).fit(X, budget=0)
    assert not isinstance(info.value, InvalidParameterError)


@pytest.mark.parametrize("make", [
    lambda: RandomSelector(3, random_state=0),
    lambda: BiLAFSampler(6, core_selector=RandomSelector(3), random_state=0),
])
def test_transform_of_another_pool_names_the_estimator(make):
    """transform's row-count error said "the sampler was fitted on" for a
    core selector too; it names the fitted estimator's class."""
    X = np.random.RandomState(0).normal(size=(60, 3))
    estimator = make().fit(X)
    name = type(estimator).__name__
    with pytest.raises(ValueError, match=(
            rf"transform expects the pool {name} was fitted on: X has 59 rows "
            rf"but {name} was fitted on 60\.")):
        estimator.transform(X[:59])


@pytest.mark.parametrize("init, search", [("k-means", "exact"),
                                           ("stratified", "exact"),
                                           ("random", "graph")])
def test_activeft_computes_on_c_ordered_row_blocks(monkeypatch, init, search):
    """A pool that is not C-contiguous is not copied whole, so every pass
    that computes on its rows must get them in C order: einsum sums, the
    k-means++ seeding's column means and BLAS products of column-major rows
    round differently, and the picks would depend on the layout."""
    from sklearn_bilaf import _centroid_graph, _kmeanspp

    X = _blobs(n=9000, d=24, centers=15, seed=3).astype(np.float32)
    pool = np.asfortranarray(X)
    seen = []

    def spy(owner, name, position):
        original = getattr(owner, name)

        def wrapped(*args, **kwargs):
            rows = args[position]
            if rows.ndim == 2 and rows.shape[1] == X.shape[1]:
                seen.append((name, rows.flags.c_contiguous))
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, wrapped)

    spy(core_module, "sq_norms", 0)
    spy(core_module._ActiveFTObjective, "_exhaustive_top", 1)
    spy(_centroid_graph.CentroidGraphSearch, "top", 1)
    spy(_kmeanspp, "kmeans_plusplus_seeds", 0)
    with config_context(working_memory=0.5):  # below the pool's size
        picked = ActiveFTSelector(n_cores=40, max_iter=12, init=init,
                                  centroid_search=search, random_state=0).fit(pool)
    names = {name for name, _ in seen}
    assert {"sq_norms", "_exhaustive_top" if search == "exact" else "top"} <= names
    assert (init != "random") == ("kmeans_plusplus_seeds" in names)
    assert [name for name, c_order in seen if not c_order] == []
    monkeypatch.undo()
    reference = ActiveFTSelector(n_cores=40, max_iter=12, init=init,
                                 centroid_search=search, random_state=0).fit(X)
    np.testing.assert_array_equal(picked.selected_indices_,
                                  reference.selected_indices_)


@pytest.mark.parametrize("layout", ["label-dropped", "fortran"])
def test_activeft_does_not_copy_a_pool_that_is_not_c_contiguous_whole(
        layout, monkeypatch):
    """ActiveFT copied a pool that is not C-contiguous (a Fortran-ordered
    array, or the view with a column dropped that ``bilaf select
    --drop-last-column`` gives of a memory-mapped ``.npy``) whole into C
    order, so that the picks did not depend on the memory layout: 100 MB
    for the WordNet pool, and as much as the pool for any.  Each row block
    is put in C order instead, one at a time: the same picks, and a peak far
    below the pool's size.  A pool whose copy fits working_memory is still
    copied once (the blocks would be copied again at every iteration)."""
    import tracemalloc

    rng = np.random.RandomState(0)
    with_label = rng.normal(size=(40_000, 65)).astype(np.float32)
    pool = (with_label[:, :-1] if layout == "label-dropped"
            else np.asfortranarray(with_label[:, :-1]))
    assert not pool.flags.c_contiguous
    kw = dict(n_cores=20, init="random", max_iter=2, random_state=0)
    # Compiled first: numba's compilation would be counted in the peak.
    ActiveFTSelector(**kw).fit(pool[:500])
    # working_memory bounds the chunks of the final nearest-sample search
    # (the row blocks of the iterations are fixed).
    with config_context(working_memory=1):
        tracemalloc.start()
        try:
            picked = ActiveFTSelector(**kw).fit(pool).selected_indices_
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < pool.nbytes / 2, (peak, pool.nbytes)
    np.testing.assert_array_equal(
        picked,
        ActiveFTSelector(**kw).fit(np.ascontiguousarray(pool)).selected_indices_)
    # Within working_memory the iterations read one C-ordered copy.
    init = core_module._ActiveFTObjective.__init__
    iterated = []

    def spy(self, X, *args, **kwargs):
        iterated.append(X.flags.c_contiguous)
        init(self, X, *args, **kwargs)

    monkeypatch.setattr(core_module._ActiveFTObjective, "__init__", spy)
    with config_context(working_memory=2 * pool.nbytes / 2**20):
        once = ActiveFTSelector(**kw).fit(pool).selected_indices_
    with config_context(working_memory=pool.nbytes / 2**21):
        blocks = ActiveFTSelector(**kw).fit(pool).selected_indices_
    assert iterated == [True, False]
    np.testing.assert_array_equal(once, picked)
    np.testing.assert_array_equal(blocks, picked)
    doc = " ".join(ActiveFTSelector.__doc__.split())
    assert "not C-contiguous" in doc and "one block at a time" in doc
    assert "copied whole" not in doc
    fit_doc = " ".join(BiLAFSampler.fit.__doc__.split())
    assert "float16" in fit_doc and "whole into C order" not in fit_doc

    # The whole sampler (ActiveFT's random start) peaks no higher on such a
    # pool than on the C-ordered one.
    def sampler_peak(X):
        sampler = BiLAFSampler(200, core_selector=ActiveFTSelector(**kw),
                               random_state=0)
        with config_context(working_memory=1):
            tracemalloc.start()
            try:
                picked = sampler.fit(X).selected_indices_
                return picked, tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

    sampler_peak(pool[:2000])
    c_picked, c_peak = sampler_peak(np.ascontiguousarray(pool))
    picked, peak = sampler_peak(pool)
    np.testing.assert_array_equal(picked, c_picked)
    assert peak < c_peak + pool.nbytes / 4, (peak, c_peak, pool.nbytes)


@pytest.mark.parametrize("start", ["spherical_kmeans_start",
                                   "stratified_kmeans_start"])
def test_kmeans_starts_cluster_the_normalised_pool_without_a_second_copy(
        start, tmp_path, monkeypatch):
    """KMeans copied the normalised copy of the pool the k-means starts had
    just made (its copy_x), so the whole-pool fit held two normalised pools
    at once, plus the one-pool temporary of its tolerance (three pools' worth
    of arrays; 1.5 GB each for a million 384-D float32 rows).  It now centres
    the start's own copy in place, and the rows are normalised again after:
    the same picks, bit for bit, as with the copy, on every dtype and
    layout."""


    run = getattr(core_module, start)
    X = _blobs(n=20_000, d=48, centers=12, seed=5).astype(np.float32)
    inv = core_module._inverse_row_norms(X, np.float32)
    peak = _start_peak(run, X, inv, 40)
    assert peak < 2.6 * X.nbytes, (peak / X.nbytes)

    _assert_same_picks_as_copying_kmeans(tmp_path, monkeypatch,
                                         [(45, 0), (150, 1)], run)


def test_stratified_start_of_one_centre_clusters_the_pool_in_place(
        tmp_path, monkeypatch):
    """With K = 1 the only stratum is the whole pool, whose k-means ran on
    the normalised copy itself but let KMeans copy it (copy_x), so the
    start held three pools' worth of arrays where larger K hold two.  It is
    centred in place and normalised again after: the same pick, bit for
    bit, as with the copy."""


    run = core_module.stratified_kmeans_start
    X = _blobs(n=20_000, d=48, centers=12, seed=5).astype(np.float32)
    inv = core_module._inverse_row_norms(X, np.float32)
    peak = _start_peak(run, X, inv, 1)
    assert peak < 2.6 * X.nbytes, (peak / X.nbytes)

    _assert_same_picks_as_copying_kmeans(tmp_path, monkeypatch,
                                         [(1, 0), (1, 1), (1, 2)])


def test_stratified_start_clusters_a_large_stratum_without_copying_it_again(
        tmp_path, monkeypatch):
    """Within a stratum, k-means ran on the gathered rows and let KMeans
    copy them (copy_x), plus its tolerance's temporary: three times the
    stratum next to the normalised pool, so with K = 2 or 3 (strata of a
    third of the pool or more) the start held more than the two pools the
    docs count.  The
    gathered rows are centred in place and gathered again after: the same
    picks, bit for bit, as with the copy."""


    run = core_module.stratified_kmeans_start
    X = _blobs(n=20_000, d=48, centers=12, seed=5).astype(np.float32)
    inv = core_module._inverse_row_norms(X, np.float32)
    # Strata of 59 % and 42 % of this pool: 2.8 and 2.3 pools before, 2.2
    # (1 + 2 x 0.59: the gathered rows and the tolerance's temporary) and 2.0.
    for n_centres, bound in ((2, 2.5), (3, 2.15)):
        peak = _start_peak(run, X, inv, n_centres)
        assert peak < bound * X.nbytes, (n_centres, peak / X.nbytes)

    _assert_same_picks_as_copying_kmeans(tmp_path, monkeypatch,
                                         [(2, 0), (3, 1), (7, 2)])


@pytest.mark.parametrize("start", ["spherical_kmeans_start",
                                   "stratified_kmeans_start"])
# K = 3: a stratum of 59 % of this pool, gathered next to it (2.2 before).
@pytest.mark.parametrize("n_centres, bound", [(1, 1.4), (3, 2.0), (40, 1.4)])
def test_kmeans_starts_seed_a_float64_pool_without_a_centred_copy(
        start, n_centres, bound, tmp_path, monkeypatch):
    """The k-means++ seeding of a float64 pool took its rows minus their
    mean as a copy (a second pool next to the normalised one), where
    KMeans centres the rows in place.  It now centres the start's own copy
    in place, which the start normalises (or gathers) again before KMeans:
    apart from KMeans' tolerance temporary (made a constant here), the
    start holds about one pool, and picks the same rows, bit for bit, as
    when the seeding had a copy."""
    import sklearn.cluster._kmeans

    from sklearn_bilaf import _kmeanspp

    run = getattr(core_module, start)
    X = _blobs(n=20_000, d=48, centers=12, seed=5)
    inv = core_module._inverse_row_norms(X, np.float64)
    with monkeypatch.context() as patch:
        patch.setattr(sklearn.cluster._kmeans, "_tolerance",
                      lambda X, tol: 1e-6)
        peak = _start_peak(run, X, inv, n_centres)
    assert peak < bound * X.nbytes, (peak / X.nbytes)

    seeding = _kmeanspp.kmeans_plusplus_seeds

    def on_a_copy(X, *args, overwrite_x=False, **kwargs):
        return seeding(X.copy(), *args, **kwargs)

    for layout, inv in _pool_layouts(tmp_path):
        for seed in (0, 1):
            picks = run(layout, n_centres, inv, seed)
            with monkeypatch.context() as patch:
                patch.setattr(_kmeanspp, "kmeans_plusplus_seeds", on_a_copy)
                before = run(layout, n_centres, inv, seed)
            np.testing.assert_array_equal(picks, before)


def _pool_layouts(tmp_path):
    """A float32 and a float64 pool, each in C, Fortran and memory-mapped
    layouts, with its inverse row norms."""
    for dtype in (np.float32, np.float64):
        pool = _blobs(n=3000, d=12, centers=9, seed=8).astype(dtype)
        np.save(tmp_path / "pool.npy", pool)
        for layout in (pool, np.asfortranarray(pool),
                       np.load(tmp_path / "pool.npy", mmap_mode="r")):
            yield layout, core_module._inverse_row_norms(layout, layout.dtype)


def _start_peak(run, X, inv, n_centres):
    """Peak bytes traced while the k-means start ``run`` picks ``n_centres``
    rows of X, with working_memory below the pool (the seeding's float64
    copy chunked, as on a large pool)."""
    import tracemalloc

    run(X[:500], n_centres, inv[:500], 0)  # first calls out of the peak
    with config_context(working_memory=1):
        tracemalloc.start()
        try:
            run(X, n_centres, inv, 0)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def _assert_same_picks_as_copying_kmeans(tmp_path, monkeypatch, cases,
                                         run=None):
    """The k-means start's picks (``run``, by default the stratified one)
    for each (K, seed) of ``cases`` equal those it made when KMeans worked
    on a copy of the rows (copy_x=True), on float32 and float64 pools in C,
    Fortran and memory-mapped layouts."""
    import sklearn.cluster
    from sklearn.cluster import KMeans

    run = core_module.stratified_kmeans_start if run is None else run
    seen = []

    class CopyingKMeans(KMeans):
        def fit(self, X, y=None, sample_weight=None):
            seen.append(self.copy_x)
            self.copy_x = True
            return super().fit(X, y, sample_weight)

    for layout, inv in _pool_layouts(tmp_path):
        for n_centres, seed in cases:
            picks = run(layout, n_centres, inv, seed)
            with monkeypatch.context() as patch:
                patch.setattr(sklearn.cluster, "KMeans", CopyingKMeans)
                before = run(layout, n_centres, inv, seed)
            np.testing.assert_array_equal(picks, before)
    assert seen and not any(seen)


def test_object_row_numbers_at_the_edges_of_int64():
    """int64's largest value is a row number like any other, in an object
    array of mixed types too (checked one element at a time); the float
    2**63, one past it, is refused in an object array of floats (converted
    by numpy at once) as in a float array."""
    from sklearn_bilaf.base import not_whole_hint, whole_numbers

    largest = np.iinfo(np.int64).max
    mixed = np.array([np.int64(largest), 5.0], dtype=object)
    assert whole_numbers(mixed).tolist() == [largest, 5]
    floats = np.array([2.0**63, 5.0], dtype=object)
    assert whole_numbers(floats) is None
    assert "Element 0, 9.223372036854776e+18, is outside int64's range" in (
        not_whole_hint(floats))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nearest_unused_words_non_finite_rows_as_the_estimators(dtype):
    """nearest_unused said "X must be finite numbers; it contains NaN or
    infinity in 2 rows (rows [1, 2])", and "centres must be finite numbers;
    they contain NaN or infinity" naming no centre, where the estimators
    and the other public functions name NaN's rows and inf's apart."""
    X = np.random.RandomState(0).rand(30, 3).astype(dtype)
    X[1, 0], X[2, 2] = np.nan, np.inf
    with pytest.raises(ValueError) as estimator:
        RandomSelector(3).fit(X)
    for metric in ("euclidean", "cosine"):
        with pytest.raises(ValueError) as function:
            nearest_unused(X, [[0.5, 0.5, 0.5]], metric)
        assert str(function.value) == str(estimator.value)
    centres = np.array([[0.5, 0.5, 0.5], [np.inf, 0.0, 1.0], [0.0, np.nan, 1.0]])
    with pytest.raises(ValueError, match=r"^centres contains NaN in 1 row "
                       r"\(row 2\) and infinite values in 1 row \(row 1\): "
                       r"embeddings must be finite numbers\. "):
        nearest_unused(np.nan_to_num(X, posinf=0.0), centres)


def test_nearest_unused_float32_non_finite_rows_raise_no_numpy_warning():
    """With float32 embeddings, cosine rows holding inf were divided by
    their infinite norm, and numpy's "invalid value encountered in divide"
    was printed before the error naming the rows."""
    X = np.random.RandomState(0).rand(30, 3).astype(np.float32)
    X[1, 0], X[2, 2] = np.nan, np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"^X contains NaN in 1 row "
                           r"\(row 1\) and infinite values in 1 row \(row 2\)"):
            nearest_unused(X, [[0.5, 0.5, 0.5]], "cosine")


class _RowReads(np.ndarray):
    """An array that tallies, per row of its buffer, how many times
    np.isfinite read it (its views share the tally)."""

    def __array_finalize__(self, obj):
        self.tally = getattr(obj, "tally", None)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        plain = [x.view(np.ndarray) if isinstance(x, _RowReads) else x
                 for x in inputs]
        if ufunc is np.isfinite and method == "__call__":
            for x in inputs:
                if isinstance(x, _RowReads) and x.tally is not None and x.size:
                    base, counts, row_bytes = x.tally
                    first = (x.__array_interface__["data"][0] - base) // row_bytes
                    counts[first:first + x.shape[0]] += 1
        return getattr(ufunc, method)(*plain, **kwargs)


def test_nearest_unused_overflow_error_reads_the_rest_of_x_once():
    """Once a block of X held values whose squared distances overflow, the
    rows after it were read twice: once for NaN or inf, again for the
    largest value the message quotes (a memory-mapped pool read from disk
    twice).  One pass gives both; the message is the same."""
    rng = np.random.RandomState(0)
    values = rng.normal(size=(60_000, 4))
    values[400, 1] = 1e160
    values[50_000, 2] = -3e160
    centres = values[[3, 7]] + 0.01
    X = values.view(_RowReads)
    counts = np.zeros(len(X), dtype=np.intp)
    X.tally = (values.__array_interface__["data"][0], counts,
               values.strides[0])
    with config_context(working_memory=1):
        with pytest.raises(ValueError, match=r"^X has values as large as 3e\+160"):
            nearest_unused(X, centres)
    # The rows after the block that overflowed (its own are read by the
    # screening too).
    assert counts[30_000:].max() == 1, np.unique(counts[30_000:])
    values[52_000, 0] = np.nan
    with config_context(working_memory=1):
        with pytest.raises(ValueError, match=r"^X contains NaN in 1 row "
                           r"\(row 52000\)"):
            nearest_unused(values, centres)


def _activeft_fit_peak(X, K, search, max_iter, batch_size=None):
    """The peak traced memory of a second ActiveFT fit (random start, one
    BLAS thread, nearest_unused's chunks within working_memory=1), in units
    of one K x d float64 array."""
    import tracemalloc

    from threadpoolctl import threadpool_limits

    def fit():
        return ActiveFTSelector(n_cores=K, init="random", max_iter=max_iter,
                                centroid_search=search, batch_size=batch_size,
                                exclude_isolated=0, random_state=0).fit(X)

    with threadpool_limits(1):
        fit()  # the modules a first fit imports are not counted
        tracemalloc.start()
        try:
            with config_context(working_memory=1):
                fit()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return peak / (K * X.shape[1] * 8)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_size", [None, 500])
def test_activeft_holds_few_centroid_sized_arrays(dtype, batch_size):
    """The optimiser's K x d float64 arrays (centroids, gradient, Adam
    moments, the objective's terms) are outside working_memory: about 300
    MB each for K = 50,000 and d = 768.  The peak of a fit was 13 (float32)
    to 15 (float64) times one of them, from temporaries (the Adam updates,
    the gradient's arithmetic, a K-row sum per row block, the concatenated
    centroid terms, a second transpose) and from state held through the
    next step; it is at most 10 (about 8 to 9.5 measured)."""
    X = np.random.default_rng(0).normal(size=(1500, 1024)).astype(dtype)
    assert _activeft_fit_peak(X, 300, "auto", max_iter=4,
                              batch_size=batch_size) < 10.5


class _Prepared(Exception):
    """Raised by a stand-in for prepare once the centres are checked."""


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_nearest_unused_checks_the_centres_without_copying_them(metric,
                                                                monkeypatch):
    """The centres are checked before their float64 copy is made: the
    largest absolute value (euclidean) was read from np.abs(centres), a K x
    d float64 temporary, and the all-zero rows (cosine) from centres != 0,
    a K x d boolean one.  Max and min reductions and row blocks need
    neither."""
    import tracemalloc

    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    K, d = 2000, 2048
    X = rng.normal(size=(K, d)).astype(np.float32)
    centres = rng.normal(size=(K, d))
    peaks = []

    def stop_at_prepare(rows, metric, dtype=np.float64):
        peaks.append(tracemalloc.get_traced_memory()[1])
        raise _Prepared

    monkeypatch.setattr(core_module, "prepare", stop_at_prepare)
    with threadpool_limits(1):
        tracemalloc.start()
        try:
            with pytest.raises(_Prepared):
                nearest_unused(X, centres, metric)
        finally:
            tracemalloc.stop()
    # A row block's booleans (1 MB) are 0.03 of the centres' 32 MB.
    assert peaks[0] / centres.nbytes < 0.1


def _nearest_unused_peak(X, centres, metric):
    """nearest_unused's picks and peak traced memory on one BLAS thread,
    with working_memory (0.25 MB) well under the centres: its chunks are not
    what is measured.  Run once untraced first: with numba's on-disk cache
    empty (a fresh checkout), compiling a kernel for the pool's dtype
    was traced too, about half a K x d float64 array of it."""
    import tracemalloc

    from threadpoolctl import threadpool_limits

    with threadpool_limits(1), config_context(working_memory=0.25):
        nearest_unused(X, centres, metric)
        tracemalloc.start()
        try:
            picks = nearest_unused(X, centres, metric)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return picks, peak


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nearest_unused_holds_few_centre_sized_arrays(metric, dtype):
    """Besides the centres' float64 copy, nearest_unused held their shift
    in float64, then in the pool's dtype, then that transposed: 2.5 (float32
    pool) to 3.3 (float64) K x d float64 arrays at its peak, outside
    working_memory.  The shift is made a block of centres at a time,
    straight into the transpose the products read."""
    rng = np.random.default_rng(0)
    K, d = 1000, 512
    X = rng.normal(size=(3000, d)).astype(dtype)
    centres = rng.normal(size=(K, d))
    expected = nearest_unused(X, centres, metric)
    picks, peak = _nearest_unused_peak(X, centres, metric)
    np.testing.assert_array_equal(picks, expected)
    # The copy and the transpose (float32: half of one), then chunks within
    # working_memory: 1.7 and 2.2 measured.
    limit = 2.1 if dtype == np.float32 else 2.7
    assert peak / centres.nbytes < limit


@pytest.mark.parametrize("search, limit", [("exact", 7.3), ("graph", 9.3)])
def test_activeft_float32_fit_holds_no_float64_centroids_through_the_blocks(
        search, limit):
    """On a float32 pool the objective held the float64 unit centroids
    through its row blocks beside their float32 copy, though only the
    gradient's end needs them (and returned them, to no caller): one K x d
    float64 array more at the fit's peak, 8.0 (exact search) and 9.8
    (graph) of them; 6.7 and 8.8 measured without."""
    X = np.random.default_rng(0).normal(size=(1500, 1024)).astype(np.float32)
    assert _activeft_fit_peak(X, 300, search, max_iter=4) < limit


@pytest.mark.parametrize("dtype, limit", [(np.float32, 17.5), (np.float64, 30)])
def test_activeft_graph_search_holds_one_part_of_fresh_products(dtype, limit):
    """The graph search compares the rows it has not seen yet with all
    centroids, EXHAUSTIVE_BLOCK_ROWS of them at a time: each part's products
    (2,048 x K, outside working_memory) were held while the next part's
    were made.  Those products are 2,048 / d times one K x d float64 array
    (16 here in float64): the fit's peak was 22.7 (float32) and 41.1
    (float64) of them, 14.7 and 25.1 measured with one part at a time."""
    X = np.random.default_rng(0).normal(size=(5000, 128)).astype(dtype)
    assert _activeft_fit_peak(X, 1200, "graph", max_iter=3) < limit


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_nearest_unused_copies_float32_centres_once(metric):
    """float32 centres were converted to float64 on entry, then copied in
    float64 again to be normalised or shifted: two K x d float64 arrays held
    through the whole matching.  The checks read the float32 array as it
    is and the one copy is made from it."""
    rng = np.random.default_rng(0)
    K, d = 1000, 512
    X = rng.normal(size=(3000, d)).astype(np.float32)
    centres = rng.normal(size=(K, d)).astype(np.float32)
    expected = nearest_unused(X, centres.astype(np.float64), metric)
    picks, peak = _nearest_unused_peak(X, centres, metric)
    np.testing.assert_array_equal(picks, expected)
    # The float64 copy, the float32 transpose and chunks: 1.7 measured.
    assert peak / (K * d * 8) < 2.1


def test_activeft_finiteness_check_makes_no_centroid_sized_array():
    """After every Adam step the squared gradient's finiteness was read
    from np.isfinite(moment2), a K x d boolean array (an eighth of the
    float64 moments: 38 MB for K = 50,000 and d = 768) made at each of
    the 300 iterations.  Its largest and smallest values tell the same:
    either is NaN or infinite exactly when some entry is."""
    import tracemalloc

    selector = ActiveFTSelector(temperature=0.07, learning_rate=1e-3)
    K, d = 2000, 256
    theta = np.random.default_rng(0).normal(size=(K, d))
    moment2 = np.abs(theta)
    tracemalloc.start()
    try:
        selector._check_finite(3, 0.5, moment2, theta)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The centroids' squared norms (K float64) only.
    assert peak < moment2.nbytes / 32, peak / moment2.nbytes
    for bad in (np.nan, np.inf, -np.inf):
        broken = moment2.copy()
        broken[K // 2, d // 3] = bad
        with pytest.raises(ValueError, match=r"at iteration 3: the squared "
                           "gradient overflows"):
            selector._check_finite(3, 0.5, broken, theta)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activeft_tracks_centroid_moves_in_one_buffer(dtype):
    """Each iteration of the exact search measures how far the centroids
    moved, a block of 256 at a time: each block's new and previous
    centroids were copied to float64 (float64 ones too) and subtracted
    into a third array.  One float64 buffer, reused for every block, holds
    the differences now; the distance moved is the same to the bit."""

    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    K, d = 1000, 512
    X = rng.normal(size=(50, d)).astype(dtype)
    inv = core_module._inverse_row_norms(X, X.dtype)
    before = rng.normal(size=(K, d)).astype(dtype)
    after = (before + rng.normal(scale=1e-3, size=(K, d))).astype(dtype)
    block = core_module._ACTIVEFT_CENTROID_BLOCK * d * 8
    with threadpool_limits(1), core_module._ActiveFTObjective(
            X, inv, 0.07, 1.0, K) as objective:
        objective._track_moves(before)
        _, peak = traced_peak(lambda: objective._track_moves(after))
        moved = objective._moved
    assert peak < 1.5 * block, peak / block
    largest = np.sqrt(np.max(np.sum(
        (after.astype(np.float64) - before.astype(np.float64)) ** 2, axis=1)))
    assert moved == math.nextafter(largest * (1 + 1e-6), math.inf)


@pytest.mark.parametrize("case", ["underflow", "overflow"])
def test_nearest_unused_float64_screen_lets_go_of_the_float32_one(
        case, monkeypatch):
    """A float32 pool whose squares underflow (rows within about 1e-16 of
    the centres' mean) or overflow (values past about 1e19) is screened
    again in float64.  The float32 pass's centres (transposed, half a K x
    d float64 array) and candidates were held through the float64 pass:
    its peak was 2.7 K x d float64 arrays there (both cases), against 1.7
    for a pool screened once.  They are let go first: 2.2 measured.

    Overflow: a few rows past 1e19, none of them among the rows spread
    over the pool that are looked at first, beside ordinary centres; a
    pool of such rows (or such centres) is screened in float64 from the
    start, with no float32 pass to let go of.  Underflow: the rows looked
    at first tell it too (see
    test_nearest_unused_float32_pool_that_underflows_is_screened_once);
    the float32 pass given up is the fallback when they tell nothing."""
    import tracemalloc

    rng = np.random.default_rng(0)
    K, d = 1000, 512
    X = rng.normal(size=(3000, d))
    centres = X[:K] + rng.normal(scale=0.1, size=(K, d))
    if case == "underflow":
        X *= 1e-18
        centres *= 1e-18
        monkeypatch.setattr(core_module, "_float32_screen_fails",
                            lambda X, centres: False)
    else:
        far = np.array([1, 2, 1501])
        assert not np.isin(far, np.arange(len(X))[::len(X) // 64]).any()
        X[far] *= 1e19
    X = X.astype(np.float32)
    expected = nearest_unused(X.astype(np.float64), centres)
    screens = []
    screen = core_module._nearest_screen

    def recorded(X, metric, dtype, *args):
        if tracemalloc.is_tracing():  # the measured call, not the warm-up
            screens.append(np.dtype(dtype))
        return screen(X, metric, dtype, *args)

    monkeypatch.setattr(core_module, "_nearest_screen", recorded)
    picks, peak = _nearest_unused_peak(X, centres, "euclidean")
    np.testing.assert_array_equal(picks, expected)
    # The case this is about: a float32 screen, then a float64 one.
    assert screens == [np.float32, np.float64], screens
    assert peak / centres.nbytes < 2.4, peak / centres.nbytes


def test_nearest_unused_gives_float16_centres_the_float16_hint():
    """NaN or inf in a float16 X comes with the hint that float16
    overflows past 65504 (often a step that kept float16 made it), but
    float16 centres were converted to float64 before they were checked,
    so theirs came without it.  Centres of float32 and float64 still get
    no such hint."""
    pd = pytest.importorskip("pandas")
    X = np.random.RandomState(0).rand(20, 3)
    hint = ("centres is float16, which overflows past 65504 and rounds "
            "coarsely: a step before the sampler that keeps float16 "
            "(scikit-learn's StandardScaler does) can make NaN or inf from "
            "finite embeddings. Cast them to float32 first "
            "(centres.astype(np.float32)).")
    for bad in (np.nan, np.inf):
        for dtype in (np.float16, np.float32, np.float64):
            centres = X[:4].astype(dtype)
            centres[1, 1] = bad
            with pytest.raises(ValueError, match=r"^centres contains .* in 1 "
                               r"row \(row 1\)") as info:
                nearest_unused(X, centres)
            assert str(info.value).endswith(hint) == (dtype == np.float16)
            assert ("float16" in str(info.value)) == (dtype == np.float16)
        frame = pd.DataFrame(X[:4]).astype({0: np.float16})
        frame.iloc[2, 0] = bad
        with pytest.raises(ValueError, match=r"centres has float16 columns, "
                           r"which overflow past 65504"):
            nearest_unused(X, frame)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activeft_exhaustive_pieces_count_rows_as_the_thread_count_does(
        dtype, monkeypatch):
    """The exact search's pieces counted 2 K products per row, the thread
    count (K + d) values and 64 bytes, which is what a task holds: one
    piece's products and gathered rows, and per-row arrays for its whole
    block.  Where a block outgrows working_memory (one thread, here a
    setting of half a block), the pieces were half as long as the share
    allowed (a traced peak of 0.54-0.58 times the setting, all rows
    compared).  They now count rows as the thread count does, the block's
    per-row arrays out of the share first: the traced peak comes near the
    setting (0.94-0.95) but not beyond it; the loss and the gradient are
    the same to the bit."""
    import tracemalloc

    from threadpoolctl import threadpool_limits

    monkeypatch.setattr(core_module, "_ACTIVEFT_TASK_BYTES", 2**20)
    rng = np.random.default_rng(0)
    n, d, K = 3000, 16, 300
    X = rng.normal(size=(n, d)).astype(dtype)
    inv = core_module._inverse_row_norms(X, X.dtype)
    theta = X[rng.choice(n, K, replace=False)].astype(np.float64) + 0.1
    row_bytes = (K + d) * X.itemsize + 64
    exhaustive_top = core_module._ActiveFTObjective._exhaustive_top
    peaks, pieces = [], []

    def traced(self, X_block, *args):
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = exhaustive_top(self, X_block, *args)
        peaks.append(tracemalloc.get_traced_memory()[1] - held)
        return result

    compare_all = core_module._ActiveFTObjective._compare_all

    def counted(self, rows, *args):
        pieces.append(rows.shape[0])
        return compare_all(self, rows, *args)

    results = {}
    for memory in (2**30, 2**19):
        peaks.clear()
        pieces.clear()
        with threadpool_limits(1), config_context(
                working_memory=memory / 2**20), core_module._ActiveFTObjective(
                    X, inv, 0.07, 1.0, K) as objective:
            objective.skip_certain_rows = False
            block_rows = objective.block_rows
            assert block_rows * row_bytes > 2**19
            results[memory] = objective(theta)  # compiled, imported
            with monkeypatch.context() as patch:
                patch.setattr(core_module._ActiveFTObjective, "_exhaustive_top",
                              traced)
                patch.setattr(core_module._ActiveFTObjective, "_compare_all",
                              counted)
                tracemalloc.start()
                try:
                    again = objective(theta)
                finally:
                    tracemalloc.stop()
        assert again[0] == results[memory][0]
        np.testing.assert_array_equal(again[1], results[memory][1])
    assert pieces[0] == (2**19 - 64 * block_rows) // row_bytes  # a full block
    # numpy's own temporaries in a piece's reductions vary by version (with
    # numpy 1.25 the peak came to 1.07 times the setting, 0.95 with 2.x):
    # up to one ufunc buffer (8,192 float64, 64 KiB) past the setting.
    assert 0.9 * 2**19 < max(peaks) <= 2**19 + 2**16, max(peaks) / 2**19
    assert results[2**30][0] == results[2**19][0]
    np.testing.assert_array_equal(results[2**30][1], results[2**19][1])


def _objective_case(n, d, K):
    """Random rows for the ActiveFT objective, their inverse norms, and K
    centroids near K of them."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, d))
    inv = core_module._inverse_row_norms(X, X.dtype)
    return X, inv, X[rng.choice(n, K, replace=False)] + 0.1


def test_activeft_exhaustive_pieces_share_working_memory_between_threads(
        monkeypatch):
    """The rows the exact search compares with all centroids are taken in
    pieces within working_memory, but each of the objective's threads
    sized its pieces from the whole setting (the default one, even: a
    worker thread does not see the caller's config_context), and the
    thread count is set from the row blocks, not the pieces: where a
    block holds fewer rows than a piece's K-wide products count for (very
    large K, here a smaller per-task cap), four threads' pieces came to
    1.8 times the setting, as the pieces are counted (traced: 1.4 MiB
    before, 1.0 after).  The setting, read in the caller's thread, is
    shared between the threads; the loss and the gradient are the same to
    the bit."""
    monkeypatch.setattr(core_module, "_ACTIVEFT_TASK_BYTES", 2**20)
    d, K = 16, 300
    X, inv, theta = _objective_case(n=3000, d=d, K=K)
    memory = 4.2 * 2**20
    pieces = []
    compare_all = core_module._ActiveFTObjective._compare_all

    def spy(self, rows, *args):
        pieces.append(rows.shape[0])
        return compare_all(self, rows, *args)

    results = {}
    for n_threads in (1, 4):
        pieces.clear()
        with monkeypatch.context() as patch:
            patch.setattr(core_module._ActiveFTObjective, "_compare_all", spy)
            with config_context(working_memory=memory / 2**20), \
                    core_module._ActiveFTObjective(
                        X, inv, 0.07, 1.0, K, n_threads=n_threads) as objective:
                assert objective.n_threads == n_threads
                results[n_threads] = objective(theta)
        # Counted as the thread count counts a block's rows: their K
        # products and d values, and 64 bytes of per-row arrays.
        row_bytes = (K + d) * 8 + 64
        held = objective.n_threads * max(pieces) * row_bytes
        assert held <= memory, held / memory
    assert results[1][0] == results[4][0]
    np.testing.assert_array_equal(results[1][1], results[4][1])


def test_activeft_exhaustive_thread_count_counts_one_piece_per_task():
    """The exact search's thread count counted every row of a 4,096-row
    block with its K products, where a task compares one piece of at most
    1,024 rows with the centroids: about four times what it holds at
    large K.  Here (K = 300, a setting of 8 MiB) one thread ran where two
    fit: their traced peak is 0.6 times the setting.  The loss and the
    gradient are the same to the bit."""
    d, K = 16, 300
    X, inv, theta = _objective_case(n=5000, d=d, K=K)
    memory = 8 * 2**20
    results = {}
    for n_threads in (1, 2):
        with config_context(working_memory=memory / 2**20), \
                core_module._ActiveFTObjective(
                    X, inv, 0.07, 1.0, K, n_threads=n_threads) as objective:
            assert objective.block_rows == 4096
            assert objective.n_threads == n_threads
            objective.skip_certain_rows = False
            objective(theta)  # compiled, imported
            results[n_threads], peak = traced_peak(lambda: objective(theta))
        assert peak <= memory, peak / memory
    assert results[1][0] == results[2][0]
    np.testing.assert_array_equal(results[1][1], results[2][1])


def test_nearest_unused_float32_pool_past_float32_is_screened_once(monkeypatch):
    """A float32 pool whose squares (near float32's largest) overflow the
    float32 screen was screened in float32 until a block overflowed, then
    all over again in float64: a few rows spread over the pool tell it
    before the screen, which runs once, in float64.  An ordinary pool is
    still screened once in float32, its rows prepared once (and the few
    rows of the quick look), not read twice."""
    screens = []
    prepared = []
    real_screen = core_module._nearest_screen
    real_prepare = core_module.prepare

    def counting_screen(X, metric, dtype, *args):
        assert metric == "euclidean"
        screens.append(np.dtype(dtype))
        return real_screen(X, metric, dtype, *args)

    def counting_prepare(rows, *args, **kwargs):
        prepared.append(len(rows))
        return real_prepare(rows, *args, **kwargs)

    monkeypatch.setattr(core_module, "_nearest_screen", counting_screen)
    monkeypatch.setattr(core_module, "prepare", counting_prepare)
    rng = np.random.RandomState(0)
    base = 1 - 0.01 * rng.rand(3000, 2)
    centres = np.array([[-1.6e18, 1e18], [1.6e18, -1e18], [1e18, 1e18]])
    for scale, expected_screens in ((1.8e19, ["float64"]), (1.0, ["float32"])):
        X = (scale * base).astype(np.float32)
        del screens[:], prepared[:]
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            got = nearest_unused(X, centres * (scale / 1.8e19))
        assert got.tolist() == _brute_nearest_unused(
            X, centres * (scale / 1.8e19), "euclidean")
        assert screens == [np.dtype(t) for t in expected_screens], screens
        # One pass over the pool (one block here), a few rows besides.
        assert sum(prepared) < len(X) + 200, prepared


def test_clusterer_selector_says_who_seeds_its_clusterer():
    """Used alone, a ClustererSelector's clusterer keeps its own
    random_state (None: a new clustering each fit), while a BiLAFSampler
    seeds it from its own random_state: the docstring says so, as users
    took ClustererSelector(KMeans(3)) for repeatable."""
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(200, n_features=4, centers=12, random_state=0)
    alone = ClustererSelector(KMeans(6, n_init=1)).fit(X)
    assert alone.clusterer_.random_state is None
    picks = [BiLAFSampler(12, core_selector=ClustererSelector(
        KMeans(6, n_init=1)), random_state=0).fit(X).selected_indices_
        for _ in range(2)]
    np.testing.assert_array_equal(*picks)
    doc = " ".join(ClustererSelector.__doc__.split())
    assert "seeded only by the clusterer's own ``random_state``" in doc
    assert ":class:`~sklearn_bilaf.BiLAFSampler` seeds" in doc


@pytest.mark.parametrize("make", [
    lambda: ActiveFTSelector(n_cores=5, random_state=0),
    lambda: BiLAFSampler(10, random_state=0),
], ids=["selector", "sampler"])
def test_activeft_warns_that_a_single_feature_pool_has_no_directions(make):
    """ActiveFT compares rows by their directions: with one feature every row
    normalises to +1 or -1, so its picks were arbitrary (the lowest row
    numbers of either sign), silently.  It warns, saying why and what to
    use instead; with two features it does not."""
    X = np.random.RandomState(0).randn(200, 1)
    with pytest.warns(UserWarning,
                      match=r"ActiveFTSelector .*single feature") as record:
        make().fit(X)
    (message,) = [str(w.message) for w in record
                  if "single feature" in str(w.message)]
    assert "+1 or -1" in message and "arbitrary" in message
    assert "KMeansSelector" in message and "more features" in message
    assert record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make().fit(np.hstack([X, np.random.RandomState(1).randn(200, 1)]))


def test_nearest_unused_float32_pool_that_underflows_is_screened_once(
        monkeypatch):
    """A float32 pool of rows within about 1e-16 of the centres' mean,
    whose float32 squares underflow, was screened whole in float32, then
    all over again in float64: the few rows spread over the pool that are
    looked at first tell it (all of them tiny), and the screen runs once,
    in float64, its rows read once, for the same samples."""
    screens = []
    prepared = []
    real_screen = core_module._nearest_screen
    real_prepare = core_module.prepare

    def counting_screen(X, metric, dtype, *args):
        screens.append(np.dtype(dtype))
        return real_screen(X, metric, dtype, *args)

    def counting_prepare(rows, *args, **kwargs):
        prepared.append(len(rows))
        return real_prepare(rows, *args, **kwargs)

    monkeypatch.setattr(core_module, "_nearest_screen", counting_screen)
    monkeypatch.setattr(core_module, "prepare", counting_prepare)
    rng = np.random.RandomState(0)
    X = (1e-18 * rng.normal(size=(3000, 4))).astype(np.float32)
    centres = X[:4].astype(np.float64) + 1e-20
    got = nearest_unused(X, centres)
    assert got.tolist() == _brute_nearest_unused(X, centres, "euclidean")
    assert screens == [np.dtype(np.float64)], screens
    # One pass over the pool (one block here), a few rows besides.
    assert sum(prepared) < len(X) + 200, prepared
    # A few tiny rows spread over a pool of larger ones are no proof: the
    # float64 screen decides on the same exact distances.
    del screens[:]
    X[1:-1] *= np.float32(1e17)
    got = nearest_unused(X, centres)
    assert got.tolist() == _brute_nearest_unused(X, centres, "euclidean")
    monkeypatch.setattr(core_module, "spread_rows", lambda X, count=64: X[:1])
    del screens[:]
    assert nearest_unused(X, centres).tolist() == got.tolist()
    assert screens == [np.dtype(np.float64)], screens


def _rank_one_pool(dtype=np.float64, n=200, n_features=6, seed=0):
    """Rows that are all multiples (of either sign) of one vector."""
    rng = np.random.RandomState(seed)
    t = rng.randn(n)
    v = rng.randn(n_features)
    return (t[:, None] * v[None, :]).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("make", [
    lambda: ActiveFTSelector(n_cores=5, max_iter=20, random_state=0),
    lambda: BiLAFSampler(10, random_state=0),
], ids=["selector", "sampler"])
def test_activeft_warns_that_rows_on_one_line_have_no_directions(make, dtype):
    """Rows that all lie on one line through the origin normalise to +v or
    -v, as a single feature's do to +1 or -1: ActiveFT's picks were
    arbitrary, silently.  It warns once, saying so; rows off the line by
    more than rounding do not warn."""
    X = _rank_one_pool(dtype, n=100)
    with pytest.warns(UserWarning, match=r"ActiveFTSelector .*one line "
                      r"through the origin") as record:
        make().fit(X)
    (message,) = [str(w.message) for w in record
                  if "ActiveFTSelector compares" in str(w.message)]
    assert "arbitrary" in message and "KMeansSelector" in message
    assert "single feature" not in message
    assert record[0].filename == __file__
    noisy = X + dtype(1e-3) * np.random.RandomState(1).randn(*X.shape).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make().fit(noisy)


def test_rows_on_one_line_is_chunked_and_scale_free():
    """The check reads the pool a chunk at a time (no N x N, any
    working_memory), in the pool's dtype, whatever the rows' scale; one row
    off the line anywhere, an all-zero row (no direction) or rows all equal
    (which no selector tells apart) is not a line."""
    on_one_line = core_module._rows_on_one_line
    for dtype in (np.float32, np.float64):
        X = _rank_one_pool(dtype, n=3000, n_features=8)
        for scale in (1.0, 1e30, 1e-30):
            with config_context(working_memory=0.01):  # about 10 kB chunks
                assert on_one_line(X * dtype(scale)), (dtype, scale)
        for row in (0, 1, 1500, 2999):
            off = X.copy()
            off[row, 0] += dtype(0.01) * abs(off[row]).max()
            with config_context(working_memory=0.01):
                assert not on_one_line(off), (dtype, row)
        zero = X.copy()
        zero[7] = 0
        assert not on_one_line(zero)
        assert not on_one_line(np.ones((50, 3), dtype=dtype))
        assert not on_one_line(X[:1])
    # Rows of one sign only (one direction) are a line too.
    assert on_one_line(abs(_rank_one_pool(n_features=3)[:, :1]) * [1.0, 2.0, 3.0])


def test_kmeans_selector_fewer_distinct_clusters_warning_names_n_cores():
    """On a pool with fewer distinct rows than n_cores, scikit-learn's KMeans
    warned about n_clusters, at its own code: KMeansSelector says it with
    n_cores and what to set it to, still a ConvergenceWarning, at the
    user's line (inside a sampler too); the picks are unchanged."""
    from sklearn.exceptions import ConvergenceWarning

    X = np.repeat(np.eye(3), 20, axis=0)  # 3 distinct rows, 60 samples
    message = (
        "KMeansSelector's k-means found only 3 distinct clusters of the 5 asked "
        "for by n_cores, probably because the pool has fewer than 5 distinct "
        "rows (duplicate rows); each core is still a different row. Set "
        "n_cores to at most 3.")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        selector = KMeansSelector(n_cores=5, random_state=0).fit(X)
        sampler = BiLAFSampler(8, core_selector=KMeansSelector(5, random_state=0),
                               random_state=0).fit(X)
    assert [(w.category, str(w.message)) for w in caught] == [
        (ConvergenceWarning, message)] * 2
    assert [w.filename for w in caught] == [__file__] * 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's own words
        kmeans = KMeans(5, n_init="auto",
                        random_state=np.random.RandomState(0)).fit(X)
    expected = sorted(_brute_nearest_unused(X, kmeans.cluster_centers_,
                                            "euclidean"))
    assert selector.selected_indices_.tolist() == expected
    assert sampler.core_indices_.tolist() == expected


@pytest.mark.parametrize("n_features", [1, 6])
@pytest.mark.parametrize("make", [
    lambda: FarthestPointSelector(n_cores=5, metric="cosine", random_state=0),
    lambda: BiLAFSampler(10, metric="cosine", random_state=0,
                         core_selector=FarthestPointSelector(
                             5, metric="cosine", random_state=0)),
], ids=["selector", "sampler"])
def test_cosine_farthest_point_warns_of_rows_without_directions(make, n_features):
    """FarthestPointSelector(metric='cosine') on rows that all normalise to
    one vector or its opposite (a single feature, or rows on one line
    through the origin) sees cosine distances of 0 and 2 only: its picks
    after the first two were the ties' lowest row numbers, silently.  It
    warns once per fit (in a cosine sampler too, whose own warning would
    repeat it), at the user's line, saying what to pass; Euclidean
    selection and rows off the line do not warn, and the picks are
    unchanged."""
    X = (_rank_one_pool(n=100)[:, :1] if n_features == 1
         else _rank_one_pool(n=100))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitted = make().fit(X)
    messages = [str(w.message) for w in caught if w.category is UserWarning]
    assert len(messages) == 1, messages
    assert messages[0].startswith(
        "FarthestPointSelector(metric='cosine') compares rows by their "
        "direction, and ")
    assert ("single feature" in messages[0]) == (n_features == 1)
    assert "is arbitrary. Pass metric='euclidean'" in messages[0]
    assert [w.filename for w in caught] == [__file__]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        FarthestPointSelector(5, random_state=0).fit(X)
        noisy = X + 1e-3 * np.random.RandomState(1).randn(*X.shape)
        if n_features > 1:
            FarthestPointSelector(5, metric="cosine", random_state=0).fit(noisy)
    selector = getattr(fitted, "core_selector_", fitted)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = FarthestPointSelector(5, metric="cosine", random_state=0).fit(X)
    assert selector.selected_indices_.tolist() == again.selected_indices_.tolist()


def test_warnings_told_again_after_a_kmeans_fit_keep_their_module(tmp_path,
                                                                  monkeypatch):
    """The selectors tell a k-means fit's other warnings again once the fit
    is over; they were told without their module, which the warnings
    module then took from the file's path ("/.../sklearn/cluster/_kmeans"),
    so that a user's filter by module (``filterwarnings("ignore",
    module="sklearn")``) no longer applied to them.  It applies as to the
    warning first given."""
    package = tmp_path / "retold_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "fitting.py").write_text(
        "import warnings\n\n\n"
        "def fit():\n"
        "    warnings.warn('from the fit', FutureWarning)\n"
        "    return 7\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    from retold_pkg.fitting import fit

    def run():
        return core_module._kmeans_in_own_terms(
            fit, "KMeansSelector", "n_cores", "then {found}.")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", module="retold_pkg")
        assert run() == 7
    assert caught == []
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.filterwarnings("error", module=r"retold_pkg\.fitting$")
        with pytest.raises(FutureWarning, match="from the fit"):
            run()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert run() == 7
    assert [str(w.message) for w in caught] == ["from the fit"]
    assert caught[0].filename == str(package / "fitting.py")
