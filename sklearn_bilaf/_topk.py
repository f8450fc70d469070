"""Fused finishing passes for N x K searches on large pools (numba).

An N x K search (every sample against every core or centroid) is one BLAS
product followed by element-wise work: turning the dot products into
squared distances, then finding the few smallest per row or per column.
Done with numpy, that is several passes over an N x K temporary plus a
partition, and at ImageNet scale (1.28M x 6,405) costs more than the product
itself.  These kernels do it in one pass, with exactly the float operations
of the numpy code they replace (same order, same dtype, no fast-math), so
that the screened values -- and every decision taken on them -- are
bit-for-bit the same.  They release the GIL.
"""

import numpy as np

from ._jit import njit


@njit(cache=True, nogil=True)
def finish_rows_top3(D, a_sq, b_sq, minus_two, values, indices):
    """Squared distances in place, and the three smallest per row.

    ``D`` holds ``A @ B.T`` and becomes ``max(-2 D + a_sq[:, None] +
    b_sq[None, :], 0)`` (the operations of ``_distances.sq_distances``, in
    its order).  ``values[i]`` / ``indices[i]`` receive the three smallest
    entries of row i in increasing (value, column) order -- ties go to the
    lower column, as with ``argmin`` -- padded with inf / -1.
    """
    n, m = D.shape
    zero = D.dtype.type(0)
    for i in range(n):
        ai = a_sq[i]
        row = D[i]
        # Finish the row in a sweep of its own, which the compiler
        # vectorises, then scan it for the three smallest: after the first
        # few columns, nearly every value fails the first test.
        for j in range(m):
            d = row[j] * minus_two
            d = d + ai
            d = d + b_sq[j]
            if d < zero:
                d = zero
            row[j] = d
        v0 = v1 = v2 = np.inf
        j0 = j1 = j2 = -1
        for j in range(m):
            d = row[j]
            if d < v2:
                if d < v1:
                    v2, j2 = v1, j1
                    if d < v0:
                        v1, j1 = v0, j0
                        v0, j0 = d, j
                    else:
                        v1, j1 = d, j
                else:
                    v2, j2 = d, j
        values[i, 0] = v0
        values[i, 1] = v1
        values[i, 2] = v2
        indices[i, 0] = j0
        indices[i, 1] = j1
        indices[i, 2] = j2


@njit(cache=True, nogil=True)
def update_columns_topk(P, row_sq, col_sq, minus_two, offset, kept_d, kept_i):
    """Merge a row block into the k smallest squared distances per column.

    ``P`` holds ``rows @ cols.T`` for pool rows ``offset .. offset + n``;
    entry (i, k) becomes ``-2 P + col_sq[k] + row_sq[i]`` (the order of
    ``core.nearest_unused``).  ``kept_d[k]`` (ascending, inf-padded) and
    ``kept_i[k]`` hold column k's smallest values so far and their rows; a
    value enters only if strictly smaller than the current k-th, so on ties
    the earlier row stays.
    """
    n, m = P.shape
    k_keep = kept_d.shape[1]
    if k_keep == 0:
        return
    last = k_keep - 1
    for i in range(n):
        ri = row_sq[i]
        for k in range(m):
            d = P[i, k] * minus_two
            d = d + col_sq[k]
            d = d + ri
            if d < kept_d[k, last]:
                pos = last
                while pos > 0 and kept_d[k, pos - 1] > d:
                    kept_d[k, pos] = kept_d[k, pos - 1]
                    kept_i[k, pos] = kept_i[k, pos - 1]
                    pos -= 1
                kept_d[k, pos] = d
                kept_i[k, pos] = offset + i
