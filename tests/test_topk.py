"""The fused N x K passes (sklearn_bilaf._topk) and the searches built on them."""

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from sklearn_bilaf._distances import nearest_two, sq_distances, sq_norms
from sklearn_bilaf._topk import finish_rows_top3, update_columns_topk
from sklearn_bilaf.core import nearest_unused


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_finish_rows_top3_is_sq_distances_and_its_smallest_three(dtype):
    rng = np.random.RandomState(0)
    A = rng.randint(-3, 4, size=(200, 5)).astype(dtype)  # many exact ties
    B = rng.randint(-3, 4, size=(30, 5)).astype(dtype)
    a_sq, b_sq = sq_norms(A), sq_norms(B)
    expected = sq_distances(A, B, a_sq, b_sq)
    D = A @ B.T
    values = np.empty((200, 3), dtype=dtype)
    indices = np.empty((200, 3), dtype=np.intp)
    finish_rows_top3(D, a_sq, b_sq, dtype(-2), values, indices)
    np.testing.assert_array_equal(D, expected)
    order = np.lexsort((np.broadcast_to(np.arange(30), D.shape), D), axis=1)[:, :3]
    np.testing.assert_array_equal(indices, order)
    np.testing.assert_array_equal(values, np.take_along_axis(D, order, axis=1))


def test_finish_rows_top3_pads_short_rows():
    D = np.array([[1.0, 0.0]])
    values = np.empty((1, 3))
    indices = np.empty((1, 3), dtype=np.intp)
    finish_rows_top3(D, np.array([1.0]), np.array([0.0, 0.0]), -2.0, values, indices)
    np.testing.assert_array_equal(indices, [[0, 1, -1]])
    assert values[0, 2] == np.inf



def test_finish_rows_top3_clamps_negative_squared_distances_at_zero():
    """finish_rows_top3 does what sq_distances does: max(-2 D + a^2 + b^2, 0),
    so rounding never yields a negative squared distance."""
    D = np.array([[1.0, 0.1, 0.3]])
    values = np.empty((1, 3))
    indices = np.empty((1, 3), dtype=np.intp)
    finish_rows_top3(D, np.array([0.5]), np.array([0.5, 0.5, 0.5]), -2.0, values,
                     indices)
    np.testing.assert_allclose(D, [[0.0, 0.8, 0.4]])
    assert D[0, 0] == 0.0 and values[0, 0] == 0.0
    np.testing.assert_array_equal(indices, [[0, 2, 1]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sq_distances_clamps_rounding_below_zero_as_finish_rows_top3_does(dtype):
    """sq_distances is max(-2 A.B + |a|^2 + |b|^2, 0): identical rows away
    from the origin round a little below zero in the expanded form, and no
    squared distance is negative; finish_rows_top3 gives the same bits."""
    A = (np.random.RandomState(0).normal(size=(50, 16)) + 3).astype(dtype)
    a_sq = sq_norms(A)
    D = A @ A.T
    assert np.any(D * -2 + a_sq[:, None] + a_sq[None, :] < 0)  # the case at hand
    expected = sq_distances(A, A)
    assert expected.dtype == dtype and expected.min() == 0
    values = np.empty((50, 3), dtype=dtype)
    indices = np.empty((50, 3), dtype=np.intp)
    finish_rows_top3(D, a_sq, a_sq, dtype(-2), values, indices)
    assert D.tobytes() == expected.tobytes()


def test_update_columns_topk_keeps_the_smallest_earliest_first():
    rng = np.random.RandomState(1)
    rows = rng.randint(-2, 3, size=(300, 4)).astype(np.float64)
    cols = rng.randint(-2, 3, size=(7, 4)).astype(np.float64)
    kept_d = np.full((7, 5), np.inf)
    kept_i = np.full((7, 5), -1, dtype=np.intp)
    for start in range(0, 300, 64):
        block = rows[start : start + 64]
        update_columns_topk(block @ cols.T, sq_norms(block), sq_norms(cols), -2.0,
                            start, kept_d, kept_i)
    full = (rows @ cols.T * -2 + sq_norms(cols)[None, :]) + sq_norms(rows)[:, None]
    for k in range(7):
        order = np.lexsort((np.arange(300), full[:, k]))[:5]
        np.testing.assert_array_equal(kept_i[k], order)
        np.testing.assert_array_equal(kept_d[k], full[order, k])


def test_update_columns_topk_keeping_nothing_touches_no_memory():
    """With zero kept columns (k = 0) the kernel returns at once: past that
    guard it would read and write kept_d[k, -1] and kept_i[k, -1], which
    numba (no bounds checks; an empty array is C-contiguous, so row k starts
    where row 0 does) takes as the element just before the arrays' data.
    The kept arrays here are (7, 0) views starting at element 1 of sentinel
    buffers, so such writes would land in the buffers' first element and
    show, instead of corrupting memory."""
    from numpy.lib.stride_tricks import as_strided

    rng = np.random.RandomState(2)
    rows = rng.normal(size=(40, 4))
    cols = rng.normal(size=(7, 4))
    # Finite values, all below the sentinel: each one would be written.
    d_buffer = np.full((7, 2), np.inf)
    i_buffer = np.full((7, 2), -7, dtype=np.intp)
    kept_d = as_strided(d_buffer[:, 1:], shape=(7, 0))
    kept_i = as_strided(i_buffer[:, 1:], shape=(7, 0))
    assert kept_d.__array_interface__["data"][0] == (
        d_buffer.__array_interface__["data"][0] + d_buffer.itemsize)
    update_columns_topk(rows @ cols.T, sq_norms(rows), sq_norms(cols), -2.0,
                        100, kept_d, kept_i)
    assert np.all(d_buffer == np.inf)
    assert np.all(i_buffer == -7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_update_columns_topk_adds_in_the_documented_order(dtype):
    """The kept values are ``(-2 P + col_sq[k]) + row_sq[i]``, added in that
    order in the rows' dtype (rounding, on data that is not integer-valued,
    depends on it), the values nearest_unused's screen was written for."""
    rng = np.random.RandomState(4)
    rows = rng.normal(size=(200, 6)).astype(dtype)
    cols = rng.normal(size=(9, 6)).astype(dtype)
    P = rows @ cols.T
    row_sq, col_sq = sq_norms(rows), sq_norms(cols)
    kept_d = np.full((9, 200), np.inf, dtype=dtype)
    kept_i = np.full((9, 200), -1, dtype=np.intp)
    update_columns_topk(P, row_sq, col_sq, dtype(-2), 0, kept_d, kept_i)
    full = (P * dtype(-2) + col_sq[None, :]) + row_sq[:, None]
    assert full.dtype == dtype
    for k in range(9):
        assert kept_d[k].tobytes() == full[kept_i[k], k].tobytes()
        np.testing.assert_array_equal(np.sort(kept_i[k]), np.arange(200))


# Cosine rows are normalised in float64 by assign_pseudo_classes (float32
# rounding of unit vectors is larger than the ties it must decide).
@pytest.mark.parametrize("metric, dtype", [("euclidean", np.float32),
                                           ("euclidean", np.float64),
                                           ("cosine", np.float64)])
def test_nearest_two_matches_brute_force_with_ties(metric, dtype):
    rng = np.random.RandomState(2)
    B = rng.randint(-2, 3, size=(12, 3)).astype(np.float64)
    B = np.unique(B, axis=0)
    A = np.vstack([rng.randint(-2, 3, size=(300, 3)), B + 0.5]).astype(np.float64)
    if metric == "cosine":
        A = A[np.abs(A).sum(axis=1) > 0]
        B = B[np.abs(B).sum(axis=1) > 0]
        A_p = A / np.linalg.norm(A, axis=1, keepdims=True)
        B_p = B / np.linalg.norm(B, axis=1, keepdims=True)
    else:
        A_p, B_p = A, B
    first, second, dist = nearest_two(A_p.astype(dtype), B_p.astype(dtype), metric)
    exact = cdist(A_p, B_p, "sqeuclidean")
    np.testing.assert_array_equal(first, exact.argmin(axis=1))
    exact[np.arange(len(A_p)), first] = np.inf
    np.testing.assert_array_equal(second, exact.argmin(axis=1))
    # The third output is the distance to the *second* nearest row, evaluated
    # on the rows as given (in their dtype): sqrt of the squared Euclidean
    # distance, or half of it (1 - cos) for the cosine geometry.
    given = cdist(A_p.astype(dtype).astype(np.float64),
                  B_p.astype(dtype).astype(np.float64), "sqeuclidean")
    to_second = given[np.arange(len(A_p)), second]
    expected = to_second / 2 if metric == "cosine" else np.sqrt(to_second)
    np.testing.assert_allclose(dist, expected, rtol=1e-12, atol=1e-15)


def test_nearest_unused_in_many_blocks_matches_one_block(monkeypatch):
    from sklearn_bilaf import core

    rng = np.random.RandomState(3)
    X = rng.randint(-3, 4, size=(400, 4)).astype(np.float32)
    centres = rng.normal(size=(60, 4))
    whole = nearest_unused(X, centres)
    monkeypatch.setattr(core, "chunk_rows", lambda n, b, **k: 37)
    np.testing.assert_array_equal(nearest_unused(X, centres), whole)
    # Brute force: each centre in order takes its nearest free sample.
    taken = np.zeros(400, bool)
    D = cdist(centres, X.astype(np.float64), "sqeuclidean")
    for k in range(60):
        row = np.where(taken, np.inf, D[k])
        pick = int(np.argmin(row))
        assert whole[k] == pick
        taken[pick] = True
