"""Compiled inner loops of the per-pseudo-class stages (numba).

numba comes with pynndescent, a runtime dependency.  These kernels replace
chains of whole-matrix numpy passes (each a trip through memory) with one
pass each, and release the GIL so that per-class tasks run in parallel in
threads.  Means use compensated sums: more accurate than numpy's pairwise
summation, and equal inputs always give equal results, so exact duplicates
stay exact ties.
"""

import numpy as np

from ._jit import njit


@njit(cache=True, nogil=True, inline="always")
def _add_compensated(total, carry, v):
    """One step of Neumaier's compensated sum: the new ``(total, carry)``."""
    t = total + v
    if abs(total) >= abs(v):
        carry += (total - t) + v
    else:
        carry += (v - t) + total
    return t, carry


@njit(cache=True, nogil=True)
def _mean(a, n):
    """Mean of ``a[:n]`` with a compensated (Neumaier) sum.

    Nearly correctly rounded whatever ``n`` is, so near-ties between members
    are decided on the distances rather than on summation noise; equal
    sequences always give equal means.
    """
    total = 0.0
    carry = 0.0
    for i in range(n):
        total, carry = _add_compensated(total, carry, a[i])
    return (total + carry) / n


@njit(cache=True, nogil=True)
def stable_argsort(keys):
    """``np.argsort(keys, kind="stable")`` for NaN-free float keys.

    Our own merge sort (insertion-sorted runs of 16, then bottom-up merges;
    equal keys keep the lower index first): numba's compiled ``argsort``
    costs about a second of compile time per call signature on a first run,
    this a fraction of that, for the same permutation.
    """
    n = keys.shape[0]
    order = np.empty(n, dtype=np.intp)
    for i in range(n):
        order[i] = i
    run = 16
    for start in range(0, n, run):
        stop = min(n, start + run)
        for i in range(start + 1, stop):
            v = order[i]
            key = keys[v]
            p = i
            while p > start and keys[order[p - 1]] > key:
                order[p] = order[p - 1]
                p -= 1
            order[p] = v
    src = order
    dst = np.empty(n, dtype=np.intp)
    width = run
    while width < n:
        for lo in range(0, n, 2 * width):
            mid = min(n, lo + width)
            hi = min(n, lo + 2 * width)
            i = lo
            j = mid
            o = lo
            while i < mid and j < hi:
                # Strictly less: on equal keys the left (lower) run goes first.
                if keys[src[j]] < keys[src[i]]:
                    dst[o] = src[j]
                    j += 1
                else:
                    dst[o] = src[i]
                    i += 1
                o += 1
            while i < mid:
                dst[o] = src[i]
                i += 1
                o += 1
            while j < hi:
                dst[o] = src[j]
                j += 1
                o += 1
        src, dst = dst, src
        width *= 2
    return src


@njit(cache=True, nogil=True)
def fill_distance_tiles(G, Y, sq, zone, cosine, first_tile, tile_stride):
    """Turn a Gram matrix into the full distance matrix, in place, for the
    row tiles ``first_tile, first_tile + tile_stride, ...`` (of 64 rows).

    Each tile writes only its own rows' lower triangle and its own columns'
    upper triangle, so threads given disjoint tiles can run side by side;
    every entry gets the same operations whatever the split.

    ``G`` is C-ordered ``n x n`` with its lower triangle holding ``Y Y^T``
    (``Y``: rows shifted to the class core, ``sq``: their squared norms).  Each
    pair's squared distance is ``sq_i + sq_j - 2 G_ij``, re-evaluated directly
    when it is below ``zone * (sq_i + sq_j)`` (digits lost to cancellation),
    clamped at 0, then finished (sqrt, or halved for cosine) and mirrored.
    Branch-free sweeps (vectorised by the compiler) do the common work; tiles
    keep the mirrored writes in cache.
    """
    n = G.shape[0]
    d = Y.shape[1]
    tile = 64
    # A row's squared distances before finishing, for the rare rows with
    # near-duplicate pairs: finishing in the same sweep saves a pass.
    raw = np.empty(n)
    for ib in range(first_tile * tile, n, tile_stride * tile):
        ie = min(n, ib + tile)
        for i in range(ib, ie):
            row = G[i]
            si = sq[i]
            # Count the near-duplicate pairs in the same (vectorised) sweep;
            # rows without any skip the branchy re-evaluation loop.
            close = 0
            if cosine:
                for j in range(i):
                    scale = si + sq[j]
                    v = scale - 2.0 * row[j]
                    close += v < zone * scale
                    raw[j] = v
                    row[j] = max(v, 0.0) * 0.5
            else:
                for j in range(i):
                    scale = si + sq[j]
                    v = scale - 2.0 * row[j]
                    close += v < zone * scale
                    raw[j] = v
                    row[j] = np.sqrt(max(v, 0.0))
            for j in range(i if close else 0):
                if raw[j] < zone * (si + sq[j]):
                    v = 0.0
                    for f in range(d):
                        diff = Y[i, f] - Y[j, f]
                        v += diff * diff
                    row[j] = max(v, 0.0) * 0.5 if cosine else np.sqrt(max(v, 0.0))
            row[i] = 0.0
        # Mirror the finished rows ib..ie into the upper triangle, 32 columns
        # at a time: each written row segment is contiguous, and the few
        # cache lines read for those columns stay in L1 (a sixth faster than
        # contiguous reads and scattered writes).
        for jb in range(0, ie, 32):
            for j in range(jb, min(ie, jb + 32)):
                for i in range(max(ib, j + 1), ie):
                    G[j, i] = G[i, j]


@njit(cache=True, nogil=True, inline="always")
def _compensated_step(total, carry, v):
    """:func:`_add_compensated` without branches, so that loops over many
    independent sums vectorise; the same result bit for bit."""
    t = total + v
    big = (total - t) + v
    small = (v - t) + total
    return t, carry + (big if abs(total) >= abs(v) else small)


@njit(cache=True, nogil=True)
def mean_rows(D, positions, rows):
    """``D[np.ix_(positions, positions)].mean(axis=1)`` for a symmetric ``D``,
    without the ``m x m`` temporary.

    Compensated sums over the selected columns in ascending order (the order
    :func:`row_means` sees in the on-demand path).  ``D`` is symmetric, so
    row i's sum over columns j is accumulated as column i's sum over rows j:
    every row is read contiguously and the n sums advance side by side
    (vectorised), four rows per sweep, in the same order as a row-by-row
    sum, hence the same bits.
    """
    n = D.shape[0]
    m = positions.shape[0]
    total = np.zeros(n)
    carry = np.zeros(n)
    t = 0
    while t + 4 <= m:
        r0 = D[rows[t]]
        r1 = D[rows[t + 1]]
        r2 = D[rows[t + 2]]
        r3 = D[rows[t + 3]]
        for i in range(n):
            s, c = _compensated_step(total[i], carry[i], r0[i])
            s, c = _compensated_step(s, c, r1[i])
            s, c = _compensated_step(s, c, r2[i])
            s, c = _compensated_step(s, c, r3[i])
            total[i] = s
            carry[i] = c
        t += 4
    while t < m:
        r0 = D[rows[t]]
        for i in range(n):
            total[i], carry[i] = _compensated_step(total[i], carry[i], r0[i])
        t += 1
    out = np.empty(m)
    for t in range(m):
        p = positions[t]
        out[t] = (total[p] + carry[p]) / m
    return out


@njit(cache=True, nogil=True, inline="always")
def _insert(nearest, read, kth, j, v, w, last, published):
    """Insert ``v`` into member j's ascending k smallest (it beats the last);
    equal values keep the earlier one first, like a stable sort.  With
    ``published``, ``w`` is carried along in ``read`` (see :func:`_absorb`)."""
    pos = last
    while pos > 0 and nearest[j, pos - 1] > v:
        nearest[j, pos] = nearest[j, pos - 1]
        if published:
            read[j, pos] = read[j, pos - 1]
        pos -= 1
    nearest[j, pos] = v
    if published:
        read[j, pos] = w
    kth[j] = nearest[j, last]


# Sweeps in which more than this share of the values is expected to get in
# (see _absorb) go through _absorb_lanes: branch-free, its cost does not
# depend on that share, while the branchy sweep pays for every value that
# gets in.  15 % timed best on the engine benchmark's classes (of 200 to
# 3,000 members).
LANES_MIN_ACCEPTANCE = 0.15
# Members per block of _absorb_lanes: their k smallest stay in L1.
LANES_BLOCK = 128


@njit(cache=True, nogil=True)
def _lanes_merge(D, refs, L, j0, m, last):
    """Merge rows ``refs`` of ``D[:, j0:j0 + m]`` into the k smallest ``L``
    (``k x m``, ascending down each column), one member per column.

    Each value goes through every slot with selects instead of branches, so
    the loop over members vectorises: slot i takes the one above it when
    that is larger than v, v when v is smaller than the slot, else keeps its
    own -- :func:`_insert`'s stable insertion, and nothing at all when v is
    not below the last slot.  (A function of its own: inlined into its
    caller's loops, it was no longer vectorised.)
    """
    for t in range(refs.shape[0]):
        row = D[refs[t], j0:j0 + m]
        for i in range(last, 0, -1):
            for u in range(m):
                v = row[u]
                a = L[i - 1, u]
                b = L[i, u]
                L[i, u] = a if a > v else (v if v < b else b)
        for u in range(m):
            v = row[u]
            b = L[0, u]
            L[0, u] = v if v < b else b


@njit(cache=True, nogil=True)
def _absorb_lanes(D, refs, nearest, kth, k):
    """The sweep of :func:`_absorb` (paper variant) for sweeps where many
    values get in, such as the first ring's: the same lists, built by
    :func:`_lanes_merge` on blocks of members."""
    n = D.shape[0]
    last = k - 1
    L = np.empty((k, LANES_BLOCK))
    for j0 in range(0, n, LANES_BLOCK):
        m = min(LANES_BLOCK, n - j0)
        for u in range(m):
            for i in range(k):
                L[i, u] = nearest[j0 + u, i]
        _lanes_merge(D, refs, L, j0, m, last)
        # Members that no longer wait were merged too (cheaper than leaving
        # them out); their lists are never read again, and stay as they were.
        for u in range(m):
            j = j0 + u
            if kth[j] != -np.inf:
                for i in range(k):
                    nearest[j, i] = L[i, u]
                kth[j] = L[last, u]


@njit(cache=True, nogil=True)
def _absorb(D, refs, first_place, candidates, nearest, read, kth, n_refs, k,
            published):
    """Merge the distances from ``refs`` into the ``k`` smallest of every
    member (rows of ``nearest``, ascending, inf-padded; ``kth`` holds their
    last column, -inf for members that no longer wait); return the density
    distances of the ``candidates``.

    Paper variant: the mean of a candidate's k smallest.  ``published``
    (the released code, spec §6's defect): the k nearest grown members are
    found the same way, but the distances averaged are those to the members
    at the *local positions* equal to their places in the grown list
    (``refs`` are the grown members at places ``first_place, ...``).
    ``read`` keeps those beside ``nearest``, taken from row p as the sweep
    passes (rows, not scattered reads), and they are sorted before the mean,
    so that equal sets of distances give equal means.
    """
    n = D.shape[0]
    last = k - 1
    n_new = refs.shape[0]
    before = n_refs - n_new
    # Expected number of values that get into a member's list: all of the
    # first k, then about k ln(s' / s) when going from s values to s'.
    if before >= k:
        accepted = k * np.log(n_refs / before)
    else:
        accepted = min(k, n_refs) + k * np.log(max(n_refs, k) / k) - before
    if not published and accepted >= LANES_MIN_ACCEPTANCE * n_new:
        _absorb_lanes(D, refs, nearest, kth, k)
        n_new = 0
    t = 0
    # Four reference rows per contiguous sweep, with one cheap rejection test
    # for all four (few values get in); each member still takes the four in
    # reference order, so the lists are those of one row at a time.  The
    # sweep lists the members that pass the test, without a branch: a
    # mispredicted branch per passing member cost more than the sweep.
    hits = np.empty(n, dtype=np.intp)
    while t + 4 <= n_new:
        r0 = D[refs[t]]
        r1 = D[refs[t + 1]]
        r2 = D[refs[t + 2]]
        r3 = D[refs[t + 3]]
        p0 = first_place + t
        s0 = D[p0] if published else r0
        s1 = D[p0 + 1] if published else r1
        s2 = D[p0 + 2] if published else r2
        s3 = D[p0 + 3] if published else r3
        n_hits = 0
        for j in range(n):
            hits[n_hits] = j
            n_hits += min(min(r0[j], r1[j]), min(r2[j], r3[j])) < kth[j]
        for u in range(n_hits):
            j = hits[u]
            if r0[j] < kth[j]:
                _insert(nearest, read, kth, j, r0[j], s0[j], last, published)
            if r1[j] < kth[j]:
                _insert(nearest, read, kth, j, r1[j], s1[j], last, published)
            if r2[j] < kth[j]:
                _insert(nearest, read, kth, j, r2[j], s2[j], last, published)
            if r3[j] < kth[j]:
                _insert(nearest, read, kth, j, r3[j], s3[j], last, published)
        t += 4
    while t < n_new:
        row = D[refs[t]]
        at_place = D[first_place + t] if published else row
        for j in range(n):
            if row[j] < kth[j]:
                _insert(nearest, read, kth, j, row[j], at_place[j], last,
                        published)
        t += 1
    return densities(candidates, nearest, read, min(k, n_refs), published)


@njit(cache=True, nogil=True)
def densities(candidates, nearest, read, m, published):
    """The density distances of the ``candidates``: the compensated mean of
    the first ``m`` of their k smallest (``nearest``, ascending), or with
    ``published`` of the distances carried beside them in ``read``, sorted
    first (see :func:`_absorb`)."""
    rho = np.empty(candidates.shape[0])
    if not published:
        for u in range(candidates.shape[0]):
            rho[u] = _mean(nearest[candidates[u]], m)
        return rho
    values = np.empty(m)
    for u in range(candidates.shape[0]):
        j = candidates[u]
        for t in range(m):
            values[t] = read[j, t]
        # Odd-even transposition sort (m rounds of compare-exchanges sort m
        # values): m <= k is small, np.sort's call costs more than the
        # sorting here, and without branches it beats an insertion sort,
        # whose mispredicted branches cost 6 % of the published rings.
        for round_ in range(m):
            for i in range(round_ & 1, m - 1, 2):
                a = values[i]
                b = values[i + 1]
                values[i] = min(a, b)
                values[i + 1] = max(a, b)
        rho[u] = _mean(values, m)
    return rho


@njit(cache=True, nogil=True)
def absorb_columns(R, P, columns, nearest, read, kth, published):
    """:func:`_absorb`'s merge for a class whose matrix is not kept: rows of
    ``R`` (reference members, in grown-list order) hold their distances to
    the members ``columns``; each value that beats a member's k-th smallest
    is inserted in its list (``nearest``, ascending; ``kth``, its last
    entry), equal values keeping the earlier one first.  With
    ``published``, ``P[t, u]`` is carried beside ``R[t, u]`` in ``read``
    (the distance the released code reads)."""
    last = nearest.shape[1] - 1
    for t in range(R.shape[0]):
        for u in range(columns.shape[0]):
            j = columns[u]
            v = R[t, u]
            if v < kth[j]:
                _insert(nearest, read, kth, j, v, P[t, u], last, published)


@njit(cache=True, nogil=True)
def idc_order(D, core, k, q, published):
    """IDC growth order of one pseudo-class (spec §3, steps 3-5).

    Returns the grown list (then, for ``published``, the members never
    reached in ascending position) and the number of members ranked by
    growth (all of them for the paper's variant).
    """
    n = D.shape[0]
    order = stable_argsort(D[core])
    grown = np.empty(n, dtype=np.intp)
    in_grown = np.zeros(n, dtype=np.bool_)
    for t in range(q):
        grown[t] = order[t]
        in_grown[order[t]] = True
    size = q
    nearest = np.full((n, k), np.inf)
    # Published variant: beside each of the k distances, the distance the
    # released code reads instead (see _absorb).
    read = np.zeros((n if published else 0, k))
    kth = np.full(n, np.inf)
    for t in range(q):
        kth[grown[t]] = -np.inf
    # Not the constant 0 (nor the constant False below): numba would type
    # such arguments as literals and compile _absorb, inlined insertions and
    # all, once per literal -- four times instead of once on a first run.
    n_refs = q - q
    for _ in range(2, n // q + 1):
        candidates = np.flatnonzero(~in_grown)
        refs = grown[n_refs:size].copy()
        rho = _absorb(D, refs, n_refs, candidates, nearest, read, kth, size, k,
                      published)
        n_refs = size
        ring = candidates[stable_argsort(rho)[:q]]
        for j in ring:
            grown[size] = j
            in_grown[j] = True
            kth[j] = -np.inf
            size += 1
    n_grown = size
    leftovers = np.flatnonzero(~in_grown)
    if leftovers.shape[0]:
        # Element loops, not slice assignments: numba compiles a formatted
        # shape-mismatch error for every slice assignment, which was half of
        # this kernel's first-run compile time.
        if published:
            for t in range(leftovers.shape[0]):
                grown[size + t] = leftovers[t]
        else:
            refs = grown[n_refs:size].copy()
            rho = _absorb(D, refs, n_refs, leftovers, nearest, read, kth,
                          size, k, published)
            by_rho = stable_argsort(rho)
            for t in range(leftovers.shape[0]):
                grown[size + t] = leftovers[by_rho[t]]
            n_grown = n
    return grown, n_grown


@njit(cache=True, nogil=True)
def add_strip_sums(D, first, total, carry):
    """Add one strip of a symmetric matrix's lower triangle to the members'
    compensated sums (:func:`mean_rows`' order, so the same bits).

    ``D`` holds rows ``first .. first + s - 1`` against columns
    ``0 .. first + s - 1``.  The strip's own rows take their whole row
    (every column up to the strip's end, ascending); the earlier members
    ``c < first`` take column c, row by row -- the strip's mirror image.
    Strips added in ascending order give every member its sum over the
    columns in ascending order: its own strip's row first, then one
    column of each later strip.
    """
    s = D.shape[0]
    width = D.shape[1]
    # Four rows side by side: independent chains, not one latency-bound one.
    t = 0
    while t + 4 <= s:
        s0, c0 = total[first + t], carry[first + t]
        s1, c1 = total[first + t + 1], carry[first + t + 1]
        s2, c2 = total[first + t + 2], carry[first + t + 2]
        s3, c3 = total[first + t + 3], carry[first + t + 3]
        for j in range(width):
            s0, c0 = _compensated_step(s0, c0, D[t, j])
            s1, c1 = _compensated_step(s1, c1, D[t + 1, j])
            s2, c2 = _compensated_step(s2, c2, D[t + 2, j])
            s3, c3 = _compensated_step(s3, c3, D[t + 3, j])
        total[first + t], carry[first + t] = s0, c0
        total[first + t + 1], carry[first + t + 1] = s1, c1
        total[first + t + 2], carry[first + t + 2] = s2, c2
        total[first + t + 3], carry[first + t + 3] = s3, c3
        t += 4
    while t < s:
        s0, c0 = total[first + t], carry[first + t]
        for j in range(width):
            s0, c0 = _compensated_step(s0, c0, D[t, j])
        total[first + t], carry[first + t] = s0, c0
        t += 1
    # The mirror image: contiguous reads, the sums advance side by side.
    for t in range(s):
        row = D[t]
        for c in range(first):
            total[c], carry[c] = _compensated_step(total[c], carry[c], row[c])


@njit(cache=True, nogil=True)
def row_means(B):
    """Compensated mean of every row of ``B`` (see :func:`mean_rows`)."""
    out = np.empty(B.shape[0])
    for i in range(B.shape[0]):
        out[i] = _mean(B[i], B.shape[1])
    return out


@njit(cache=True, nogil=True)
def gram_to_sq_distances(G, Y, Z, y_sq, z_sq, zone):
    """Squared distances from Gram products, in place: rows of ``Y`` against
    rows of ``Z`` (``G = Y Z^T``).

    The same formula, cancellation test and direct sum as
    :func:`fill_distance_tiles`, so that on-demand blocks and cached
    matrices agree.
    """
    d = Y.shape[1]
    for i in range(G.shape[0]):
        for j in range(G.shape[1]):
            scale = y_sq[i] + z_sq[j]
            v = scale - 2.0 * G[i, j]
            if v < zone * scale:
                v = 0.0
                for f in range(d):
                    diff = Y[i, f] - Z[j, f]
                    v += diff * diff
            if v < 0.0:
                v = 0.0
            G[i, j] = v


@njit(cache=True, nogil=True)
def paired_sq_distances(A, B, index):
    """``|A[i] - B[index[i]]|^2`` in float64 for every row i of A, summed
    directly (no expanded form) with a compensated sum; A and B may be
    float32."""
    n, d = A.shape
    out = np.empty(n)
    for i in range(n):
        b = index[i]
        total = 0.0
        carry = 0.0
        for f in range(d):
            diff = np.float64(A[i, f]) - np.float64(B[b, f])
            total, carry = _add_compensated(total, carry, diff * diff)
        out[i] = total + carry
    return out


@njit(cache=True, nogil=True)
def redecide_rows(D, A, B, A_sq, B_sq, arg, rows, slack, floor, excluded, cosine):
    """Re-decide ``arg[i]``, the nearest row of B to row i of A, for each i
    in ``rows`` (near-ties of the expanded form ``D``), on directly evaluated
    distances.

    The candidates are the columns within ``slack * (A_sq[i] +
    B_sq[arg[i]]) + floor`` of the expanded minimum; each is evaluated as ``cdist``
    does (float64 differences squared and added in feature order, then the
    square root, or half the sum for cosine: the same bits), column
    ``excluded[i]`` (-1 for none) counting as infinitely far; the first
    minimum wins (the lowest column).
    """
    m = D.shape[1]
    d = A.shape[1]
    for u in range(rows.shape[0]):
        i = rows[u]
        a = arg[i]
        tol = slack * (np.float64(A_sq[i]) + np.float64(B_sq[a])) + floor
        bound = np.float64(D[i, a]) + tol
        best = -1
        best_value = 0.0
        for c in range(m):
            if np.float64(D[i, c]) <= bound:
                if c == excluded[i]:
                    value = np.inf
                else:
                    total = 0.0
                    for f in range(d):
                        diff = np.float64(A[i, f]) - np.float64(B[c, f])
                        total += diff * diff
                    value = total * 0.5 if cosine else np.sqrt(total)
                if best < 0 or value < best_value:
                    best = c
                    best_value = value
        arg[i] = best


@njit(cache=True, nogil=True)
def probe_keys(A, columns, weights):
    """A weighted sum of a few columns per row of A, in float64 (the cheap
    screen for duplicate rows: rows with distinct keys are distinct)."""
    n = A.shape[0]
    keys = np.zeros(n)
    for i in range(n):
        total = 0.0
        for t in range(columns.shape[0]):
            total += np.float64(A[i, columns[t]]) * weights[t]
        keys[i] = total
    return keys


@njit(cache=True, nogil=True)
def shifted_rows(Y, center):
    """``Y - center`` in float64, for float32 or float64 Y and center.

    One pass instead of numpy's conversion then subtraction; each entry is
    the same single rounding of the same (exactly converted) operands.
    """
    n, d = Y.shape
    out = np.empty((n, d))
    for i in range(n):
        for f in range(d):
            out[i, f] = np.float64(Y[i, f]) - np.float64(center[f])
    return out


@njit(cache=True, nogil=True)
def divide_rows(A, divisors):
    """``A[i] /= divisors[i]`` in place, one row at a time (numpy's
    broadcast division, the same correctly rounded quotients, in less time)."""
    n, d = A.shape
    for i in range(n):
        v = divisors[i]
        for f in range(d):
            A[i, f] = A[i, f] / v


@njit(cache=True, nogil=True)
def row_sq_distances(X, r, cols):
    """``|X[r] - X[j]|^2`` for every j in ``cols``, evaluated directly (exact
    ties between identical rows, no cancellation), in float64: float32 rows
    (a pseudo-class's rows as the pool holds them) are converted exactly,
    an entry at a time, so they give the bits of their float64 copy."""
    d = X.shape[1]
    m = cols.shape[0]
    out = np.empty(m)
    x = X[r]
    t = 0
    # Four columns side by side: independent chains of additions, which the
    # CPU overlaps instead of waiting on one chain; each sum still runs in
    # feature order, the same bits as one column at a time.
    while t + 4 <= m:
        y0 = X[cols[t]]
        y1 = X[cols[t + 1]]
        y2 = X[cols[t + 2]]
        y3 = X[cols[t + 3]]
        s0 = s1 = s2 = s3 = 0.0
        for f in range(d):
            e0 = np.float64(x[f]) - np.float64(y0[f])
            e1 = np.float64(x[f]) - np.float64(y1[f])
            e2 = np.float64(x[f]) - np.float64(y2[f])
            e3 = np.float64(x[f]) - np.float64(y3[f])
            s0 += e0 * e0
            s1 += e1 * e1
            s2 += e2 * e2
            s3 += e3 * e3
        out[t] = s0
        out[t + 1] = s1
        out[t + 2] = s2
        out[t + 3] = s3
        t += 4
    while t < m:
        y = X[cols[t]]
        total = 0.0
        for f in range(d):
            diff = np.float64(x[f]) - np.float64(y[f])
            total += diff * diff
        out[t] = total
        t += 1
    return out


@njit(cache=True, nogil=True, inline="always")
def _boundary_score(inside, outside, penalty):
    """One member's boundary score, as ``boundary.boundary_scores`` computes
    it (same operations, same order, same special cases)."""
    if np.isinf(outside):
        return 1.0
    denom = max(outside, inside)
    if denom == 0.0:
        return 0.0
    # 0, not NaN, for a penalty that overflowed to inf (as boundary does).
    scaled = outside * penalty if outside != 0.0 else 0.0
    return (scaled - inside) / denom


@njit(cache=True, nogil=True)
def _transpose_rows(X, rows, m, XT):
    """``XT[:, t] = X[rows[t]]`` for ``t < m`` (row by row: tiles measured
    slower)."""
    d = X.shape[1]
    for t in range(m):
        row = X[rows[t]]
        for f in range(d):
            XT[f, t] = row[f]


@njit(cache=True, nogil=True)
def _kth_smallest(values, m, r, scratch):
    """The r-th smallest (``1 <= r <= m``) of ``values[:m]``, by Hoare's
    selection (Wirth's variant) on a copy in ``scratch``: expected linear
    time, where a sort takes m log m."""
    for t in range(m):
        scratch[t] = values[t]
    k = r - 1
    lo = 0
    hi = m - 1
    while lo < hi:
        pivot = scratch[k]
        i = lo
        j = hi
        while i <= j:
            while scratch[i] < pivot:
                i += 1
            while pivot < scratch[j]:
                j -= 1
            if i <= j:
                v = scratch[i]
                scratch[i] = scratch[j]
                scratch[j] = v
                i += 1
                j -= 1
        if j < k:
            lo = i
        if k < i:
            hi = j
    return scratch[k]


@njit(cache=True, nogil=True)
def _columns_sq_distances(XT, width, x, sums):
    """``sums[j] = |x - XT[:, j]|^2`` for the first ``width`` columns, each
    sum in feature order (the bits of :func:`row_sq_distances`), the
    columns side by side: the loops over columns vectorise, four features
    per pass over ``sums``.  ``x`` and ``XT`` may be float32 (the pool's
    rows): their values are converted to float64 before any arithmetic."""
    d = XT.shape[0]
    for j in range(width):
        sums[j] = 0.0
    f = 0
    while f + 4 <= d:
        x0 = np.float64(x[f])
        x1 = np.float64(x[f + 1])
        x2 = np.float64(x[f + 2])
        x3 = np.float64(x[f + 3])
        r0 = XT[f]
        r1 = XT[f + 1]
        r2 = XT[f + 2]
        r3 = XT[f + 3]
        for j in range(width):
            e0 = x0 - np.float64(r0[j])
            e1 = x1 - np.float64(r1[j])
            e2 = x2 - np.float64(r2[j])
            e3 = x3 - np.float64(r3[j])
            sums[j] = (((sums[j] + e0 * e0) + e1 * e1) + e2 * e2) + e3 * e3
        f += 4
    while f < d:
        xf = np.float64(x[f])
        row = XT[f]
        for j in range(width):
            e = xf - np.float64(row[j])
            sums[j] += e * e
        f += 1


@njit(cache=True, nogil=True)
def iterative_boundary_picks(X, core, budget, inside, outside, opponent,
                             penalties, penalty, cosine):
    """BiLAF's iterative boundary selection in one pseudo-class (spec §5).

    ``X``: the members' rows (float64, or the pool's float32 rows,
    converted exactly as they are transposed); distances from each pick to
    the remaining candidates are evaluated directly (as
    ``PseudoClass.distances`` does for one row).  ``penalties`` is updated in
    place.  Returns the picks, the core first; fewer than ``budget`` only
    when the candidates run out (the caller completes them).
    """
    n, d = X.shape
    picks = np.empty(budget, dtype=np.intp)
    taken = np.zeros(n, dtype=np.bool_)
    picks[0] = core
    taken[core] = True
    count = 1
    n_removed = n // budget
    candidates = np.empty(n, dtype=np.intp)
    alive = np.ones(n, dtype=np.bool_)
    by_position = np.empty(n, dtype=np.intp)
    m = n
    # The live members' rows transposed (features x members, the first
    # ``width`` columns), so that each pick's distances are summed for many
    # members side by side (vectorised); each sum still adds its terms in
    # feature order, the bits of row_sq_distances.  Compacted to the live
    # members whenever they are fewer than half the columns.  float64 even
    # for float32 rows: converting once here cost less than converting in
    # every sweep (measured).
    XT = np.empty((d, n))
    slot_of = np.empty(n, dtype=np.intp)
    for j in range(n):
        slot_of[j] = j
    _transpose_rows(X, slot_of, n, XT)
    width = n
    sums = np.empty(n)
    to_last = np.empty(n)
    scratch = np.empty(n)
    candidate_distance = np.empty(n)
    while count < budget:
        last = picks[count - 1]
        if m > 0:
            # Ties in distance go to the lower local position, not to the
            # previous order: the candidates in position order (a scan of
            # the live ones), then stably by distance.
            u = 0
            for j in range(n):
                if alive[j]:
                    by_position[u] = j
                    u += 1
            if 2 * m < width:
                _transpose_rows(X, by_position, m, XT)
                for t in range(m):
                    slot_of[by_position[t]] = t
                width = m
            _columns_sq_distances(XT, width, X[last], sums)
            for t in range(m):
                v = sums[slot_of[by_position[t]]]
                to_last[t] = v * 0.5 if cosine else np.sqrt(v)
            # The removed: the r nearest, ties to the lower position -- the
            # first r of a stable sort, found by selecting the r-th smallest
            # distance (no sort).  The others stay candidates, in position
            # order, with their distance for the tie-break below.
            r = min(m, n_removed)
            threshold = -np.inf
            tied_out = 0
            if r > 0:
                threshold = _kth_smallest(to_last, m, r, scratch)
                tied_out = r
                for t in range(m):
                    tied_out -= to_last[t] < threshold
            u = 0
            for t in range(m):
                v = to_last[t]
                if v < threshold:
                    alive[by_position[t]] = False
                elif v == threshold and tied_out > 0:
                    alive[by_position[t]] = False
                    tied_out -= 1
                else:
                    candidates[u] = by_position[t]
                    candidate_distance[u] = v
                    u += 1
            m = u
        if last != core and opponent[last] >= 0:
            penalties[opponent[last]] *= penalty
        # The lowest score; ties go to the candidate nearest the last pick,
        # then to the lower position: the first in a stable sort by distance.
        best = -1
        best_score = 0.0
        best_distance = 0.0
        for t in range(m):
            j = candidates[t]
            # A picked member may survive the removal when it has exact
            # duplicates; never pick it twice.
            if taken[j]:
                continue
            # opponent is never negative here: BoundarySelector stands the
            # class itself in for a missing other core (and a finite d_out)
            # before calling this kernel.
            score = _boundary_score(inside[j], outside[j], penalties[opponent[j]])
            if (best < 0 or score < best_score
                    or (score == best_score
                        and candidate_distance[t] < best_distance)):
                best = j
                best_score = score
                best_distance = candidate_distance[t]
        if best < 0:
            break
        picks[count] = best
        taken[best] = True
        count += 1
    return picks[:count]


@njit(cache=True, nogil=True)
def direct_within_distances(X, cosine):
    """All pairwise distances among the rows of X, each evaluated directly.

    Every pair is summed like :func:`row_sq_distances` (float64 differences,
    float32 rows converted exactly, squared and added in feature order: the
    same bits), then finished (sqrt, or halved for cosine) and mirrored.
    For few features, where the BLAS product gains little and its expanded
    form would round ties that are exact in the data (grids, integers)
    apart.
    """
    n, d = X.shape
    D = np.empty((n, n))
    for i in range(n):
        x = X[i]
        for j in range(i):
            y = X[j]
            total = 0.0
            for f in range(d):
                # float32 rows (a PseudoClass given them) are converted
                # first: float32 differences and squares lost the digits
                # that the on-demand path (row_sq_distances) keeps.
                diff = np.float64(x[f]) - np.float64(y[f])
                total += diff * diff
            v = total * 0.5 if cosine else np.sqrt(total)
            D[i, j] = v
            D[j, i] = v
        D[i, i] = 0.0
    return D


@njit(cache=True, nogil=True)
def rows_sq_distances(X, rows, cols):
    """:func:`row_sq_distances` for several rows: ``len(rows) x len(cols)``."""
    out = np.empty((rows.shape[0], cols.shape[0]))
    for t in range(rows.shape[0]):
        out[t] = row_sq_distances(X, rows[t], cols)
    return out


@njit(cache=True, nogil=True)
def winner_similarities(X, C, winner, inv_norms, ub, slack, raw, need):
    """ActiveFT's kept winners: each row's product with its previous
    winning centroid, and whether that winner is still certain.

    ``raw[i]`` gets ``X[i] . C[winner[i]]``, summed in float64 in a fixed
    order (the same bits whichever rows share the call); ``need[i]`` is
    True unless the normalised product beats ``ub[i]`` (a bound on the best
    other centroid's, taken when the row was last compared with all of
    them) by more than ``slack[i]`` (how far the other centroids may have
    moved since, plus the rounding of both sides).
    """
    d = X.shape[1]
    body = d - d % 8
    for i in range(X.shape[0]):
        w = winner[i]
        # Eight running sums side by side (fixed lanes, then a fixed
        # pairwise combination): one chain would wait on every addition.
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = 0.0
        for f in range(0, body, 8):
            a0 += np.float64(X[i, f]) * np.float64(C[w, f])
            a1 += np.float64(X[i, f + 1]) * np.float64(C[w, f + 1])
            a2 += np.float64(X[i, f + 2]) * np.float64(C[w, f + 2])
            a3 += np.float64(X[i, f + 3]) * np.float64(C[w, f + 3])
            a4 += np.float64(X[i, f + 4]) * np.float64(C[w, f + 4])
            a5 += np.float64(X[i, f + 5]) * np.float64(C[w, f + 5])
            a6 += np.float64(X[i, f + 6]) * np.float64(C[w, f + 6])
            a7 += np.float64(X[i, f + 7]) * np.float64(C[w, f + 7])
        for f in range(body, d):
            a0 += np.float64(X[i, f]) * np.float64(C[w, f])
        acc = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))
        raw[i] = acc
        need[i] = not (acc * inv_norms[i] - ub[i] > slack[i])
