"""Distance kernels shared by every stage.

Orderings decide BiLAF's output, so distances must be as trustworthy as a
direct evaluation (``scipy.spatial.distance.cdist``) while still running on
BLAS.  Two devices make the expanded form ``|a|^2 + |b|^2 - 2 a.b`` safe:

* within a pseudo-class, rows are shifted to the class core before the Gram
  product, so the cancellation error scales with the class's spread, not with
  the norm of the embeddings (and integer-valued toy data stays exact);
* for arg-min searches over many centres, rows whose best and second-best
  centres are within the rounding error of each other are re-evaluated
  directly in float64 (``cdist``'s sums, the same bits), so ties and
  near-ties are decided exactly.

Where the expanded form cannot be made safe, distances are evaluated
directly: pairs of near-duplicates (``_CANCELLATION_ZONE``), every pair
within a pseudo-class when there are at most ``DIRECT_MAX_FEATURES``
features, and the distances that the arg-min searches return
(:func:`paired_distances`).  Within a pseudo-class, exact duplicate rows
are computed once (:func:`unique_rows`), so that they tie exactly.

Only two geometries exist: Euclidean on X as given, and cosine distance
``1 - cos(a, b)``, computed as half the squared Euclidean distance between
L2-normalised rows.
"""

import functools
import math
import threading

import numpy as np
from sklearn import get_config

from ._text import rows_named
from ._topk import finish_rows_top3

# Relative slack on squared distances under which two centres count as a
# near-tie and are re-evaluated exactly.  Generous on purpose: a false alarm
# costs one row of direct evaluations, a miss could flip a selection.
_TIE_SLACK = {np.dtype(np.float32): 1e-4, np.dtype(np.float64): 1e-10}


def _tie_floor(dtype, n_features):
    """Absolute slack added to the relative one: products of values so small
    that they fall below the normal range (float32 rows of about 1e-19 and
    less) round to absolute steps that no relative slack covers."""
    info = np.finfo(dtype)
    # Generous on purpose: a product below the normal range rounds to a
    # multiple of the smallest subnormal (tiny * eps), and tiny / eps is
    # 1 / eps**2 times that step (about 7e13 in float32, 2e31 in float64).
    # It is still far below the squared distances of rows of ordinary
    # scale, and a larger floor only sends more rows to the exact path,
    # which decides them as the expanded form does wherever that is right.
    return float(n_features) * float(info.tiny) / float(info.eps)


def working_memory_bytes():
    """The scikit-learn ``working_memory`` setting (MiB) in bytes (a
    fraction of a MiB counts, as in scikit-learn's own chunking)."""
    return int(float(get_config()["working_memory"]) * 2**20)


def chunk_rows(n_rows, bytes_per_row, *, min_rows=1, budget=None):
    """Row-chunk length so that one chunk's temporaries fit ``working_memory``.

    Parameters
    ----------
    n_rows : int
        The number of rows to cover.
    bytes_per_row : int
        The temporaries' bytes for each row of a chunk.
    min_rows : int, default=1
        The shortest chunk returned, even where that many rows overflow
        ``working_memory`` (for a pool of wide rows or a tiny setting):
        callers that need blocks of at least two rows (a one-row product
        is a matrix-vector product) or of a few hundred (thinner products
        run well below BLAS's speed) exceed the setting rather than take
        shorter chunks.
    budget : int, default=None
        Bytes to fit instead of the ``working_memory`` setting: e.g. a
        worker thread's share of it, taken once by the thread that starts
        the workers.  The library's own worker threads start under the
        caller's configuration (see ``_threads.callers_config``), so they
        read the caller's setting, but not how many threads share it.

    Returns
    -------
    int
        The chunk length: ``working_memory`` (or ``budget``) over
        ``bytes_per_row``, capped at ``n_rows``, then raised to
        ``min_rows`` where it is shorter (so it may exceed ``n_rows``,
        which a slice tolerates).
    """
    if budget is None:
        budget = working_memory_bytes()
    return int(max(min_rows, min(n_rows, budget // max(1, int(bytes_per_row)))))


def refuse_sparse(X):
    """A ``TypeError`` that says how to convert, for a scipy.sparse X (numpy
    fails on it with "setting an array element with a sequence")."""
    if hasattr(X, "format") and hasattr(X, "tocsr"):
        raise TypeError(
            "X is a sparse matrix; the distances need dense embeddings. "
            "Convert it with X.toarray() if it fits in memory, or reduce the "
            "dimension first (e.g. TruncatedSVD)."
        )


def unusable_rows(X, start=0):
    """The rows of ``X[start:]`` holding NaN or inf (numbered in X), and,
    if there are none, the largest absolute value of ``X[start:]``.

    For the errors of checks made a chunk of rows at a time, once a chunk
    failed: that chunk's rows and largest value are not all of the pool's.
    Read in blocks, so that the temporaries stay small for any pool.
    """
    step = max(1, (1 << 22) // max(1, X.shape[1]))
    bad, peak = [], 0.0
    for lo in range(start, X.shape[0], step):
        block = X[lo:lo + step]
        finite = np.isfinite(block).all(axis=1)
        if not finite.all():
            bad.append(lo + np.flatnonzero(~finite))
        elif not bad and block.size:
            peak = max(peak, abs(float(block.max())), abs(float(block.min())))
    bad = np.concatenate(bad) if bad else np.zeros(0, dtype=np.intp)
    return bad, peak


def all_zero_rows_error(zero, subject="metric='cosine'", where="the pool has",
                        fix="Remove {them} or use metric='euclidean'."):
    """The ``ValueError`` for all-zero rows, which have no direction, in the
    singular for one row.

    ``zero`` holds the row numbers (all of them), or only their number when
    the rows cannot be numbered in the pool; ``subject`` is what normalises
    the rows, ``where`` what has them; ``fix`` may say ``{them}`` ("it" or
    "them") and ``{those}`` ("that row" or "those rows").
    """
    n = int(zero) if np.ndim(zero) == 0 else len(zero)
    rows = "" if np.ndim(zero) == 0 else f" ({rows_named(zero)})"
    count = "one" if n == 1 else f"{n} of them"
    advice = fix.format(them="it" if n == 1 else "them",
                        those="that row" if n == 1 else "those rows")
    return ValueError(f"{subject} is undefined for all-zero rows; {where} "
                      f"{count}{rows}. {advice}")


def _narrowed(X):
    """Whether ``X`` is an array of floats finer than float64's (long double
    on some platforms), whose smallest values are 0 in float64."""
    return (isinstance(X, np.ndarray) and X.dtype.kind == "f"
            and np.finfo(X.dtype).smallest_subnormal
            < np.finfo(np.float64).smallest_subnormal)


def refuse_all_zero_rows(X, where="the pool has",
                         fix="Remove {them} or use metric='euclidean'.",
                         given=None):
    """metric="cosine" normalises rows: count the all-zero ones of the whole
    of X, a block at a time, so that the error names them all (``fix`` as
    in :func:`all_zero_rows_error`).

    A long double X (wider than float64 on some platforms) is normalised in
    float64, where values below float64's smallest are 0: rows all zero in
    float64 are counted, as :func:`prepare` refuses them.  ``given`` is the
    pool as passed, when X is its float64 conversion (by
    :func:`~sklearn_bilaf.base.validate_pool`): the error then says why
    rows that are not all zero in a long double pool are.
    """
    narrowed = _narrowed(X)
    step = max(1, (1 << 24) // max(1, X.shape[1]))
    zero = np.concatenate([
        start + np.flatnonzero(~(X[start:start + step].astype(np.float64)
                                 if narrowed else X[start:start + step]).any(axis=1))
        for start in range(0, X.shape[0], step)])
    if zero.size:
        if given is not None and not narrowed:
            # Read only on this error path: the rows as passed, whose long
            # double values may be below float64's smallest.
            given = np.ma.getdata(given)
            if _narrowed(given) and given.shape == X.shape:
                X, narrowed = given, True
        if narrowed and zero.size == X.shape[0]:
            # Every row: a pool below float64's range, which rescaling
            # brings back (removing the rows, or another metric, would not).
            peak = max(abs(X.max()), abs(X.min()))
            if peak > 0:
                shown = np.format_float_scientific(peak, precision=2, trim="-")
                raise ValueError(
                    f"X has no value larger than {shown} in absolute value, "
                    "below float64's smallest (about 5e-324), in which "
                    "metric='cosine' normalises the rows: every row is all "
                    f"zero there. Rescale X (e.g. divide it by {shown})."
                )
        if narrowed and X[zero].any():
            fix += (" Values below float64's smallest (about 5e-324) count as"
                    " 0: the rows are normalised in float64.")
        raise all_zero_rows_error(zero, where=where, fix=fix)


def prepare(rows, metric, dtype=np.float64):
    """Rows in the computing geometry: a float copy, L2-normalised for cosine."""
    out = np.array(rows, dtype=dtype, copy=True, order="C")
    if metric == "cosine":
        norms = np.sqrt(np.einsum("ij,ij->i", out, out))
        small = norms < np.sqrt(np.finfo(out.dtype).tiny)
        if np.any(small):
            # All-zero rows, or rows whose squared norm underflows: scale the
            # latter by their largest entry before normalising.
            peak = np.abs(out[small]).max(axis=1)
            if np.any(peak == 0):
                raise all_zero_rows_error(int(np.sum(peak == 0)))
            rescaled = out[small] / peak[:, None]
            out[small] = rescaled
            norms[small] = np.sqrt(np.einsum("ij,ij->i", rescaled, rescaled))
        large = norms == np.inf
        if np.any(large):
            # Finite rows whose squared norm overflows (float64 values past
            # about 1e154) became all-zero rows: scale them by their largest
            # entry too.  Rows holding inf stay as they were (NaN after the
            # division), for the callers' finiteness checks.
            peak = np.abs(out[large]).max(axis=1)
            finite = np.isfinite(peak)
            if np.any(finite):
                large[large] = finite
                rescaled = out[large] / peak[finite][:, None]
                out[large] = rescaled
                norms[large] = np.sqrt(np.einsum("ij,ij->i", rescaled, rescaled))
        if out.dtype == np.float64:
            from ._kernels import divide_rows

            divide_rows(out, norms)
        else:
            # Rows holding inf have an infinite norm: inf / inf is the NaN
            # the callers refuse with the rows named, so numpy's warning
            # would only come before that error.
            with np.errstate(invalid="ignore"):
                out /= norms[:, None]
    return out


def finish(sq, metric, out=None):
    """Squared Euclidean distances (in the prepared geometry) -> distances."""
    if metric == "cosine":
        return np.multiply(sq, 0.5, out=out)
    return np.sqrt(sq, out=out)


def sq_norms(A):
    return np.einsum("ij,ij->i", A, A)


def sq_distances(A, B, A_sq=None, B_sq=None):
    """Expanded-form squared Euclidean distances in the dtype of A and B."""
    if A_sq is None:
        A_sq = sq_norms(A)
    if B_sq is None:
        B_sq = sq_norms(B)
    D = A @ B.T
    D *= -2
    D += A_sq[:, None]
    D += B_sq[None, :]
    np.maximum(D, 0, out=D)
    return D


def _fitting(Ac, Bc, A_sq, B_sq, scaled=None):
    """``Ac``, ``Bc`` and their squared norms, scaled by a power of two
    (exactly, but for subnormal entries) where the expanded form's terms
    could overflow the dtype; as they are otherwise (every ordinary pool).

    The pools' limit keeps squared distances below the dtype's largest,
    but rows shifted to the origin can be twice as far from it as from each
    other: ``2 a.b`` and ``|a|^2 + |b|^2`` then overflowed, with numpy's
    warnings, a squared distance of 0 for a far centre and a wrong nearest
    core in float32, where the near-tie test (in float64) did not catch it.
    Scaled, all of them stay below an eighth of the largest; the arg-mins
    and near-tie tests read ratios, which an exact scaling keeps.  NaN and
    inf are left as they are, for the callers' checks.  ``scaled``, the
    :class:`_ScaledCores` of ``Bc`` (see :func:`centre`), gives its scaled
    copy where ``Bc``'s largest value sets the power.
    """
    largest = float(np.finfo(Ac.dtype).max)
    top = max(float(A_sq.max(initial=0.0)), float(B_sq.max(initial=0.0)))
    if not top > largest / 8:  # False for NaN
        return Ac, Bc, A_sq, B_sq
    # The squared norms may be inf (rounded past the largest): the entries
    # bound them instead.
    b_peak = (float(np.abs(Bc).max(initial=0.0)) if scaled is None
              else scaled.peak)
    peak = max(float(np.abs(Ac).max(initial=0.0)), b_peak)
    if not np.isfinite(peak):
        return Ac, Bc, A_sq, B_sq
    exponent = _fitting_exponent(peak, Ac.dtype, Ac.shape[1])
    Ac = np.ldexp(Ac, exponent)
    if scaled is not None and peak == b_peak:
        Bc, B_sq = scaled.by(exponent)
    else:
        Bc = np.ldexp(Bc, exponent)
        B_sq = sq_norms(Bc)
    return Ac, Bc, sq_norms(Ac), B_sq


def _fitting_exponent(peak, dtype, n_features):
    """The power of two :func:`_fitting` scales by, for entries at most
    ``peak`` in absolute value."""
    # Entries at most this large give squared norms of at most a sixteenth
    # of the largest.
    target = math.sqrt(float(np.finfo(dtype).max) / (16.0 * n_features))
    return -math.frexp(peak / target)[1]


class _ScaledCores:
    """The shifted cores ``Bc`` of a search scaled as :func:`_fitting`
    scales them where their own largest value sets the power (every chunk
    whose rows are no larger), made once, on first use, for all the chunks
    and worker threads of the search: per chunk it was a K x d copy per
    thread, which the chunk length does not count."""

    def __init__(self, Bc):
        self._Bc = Bc
        self._peak = None
        self._scaled = None
        self._lock = threading.Lock()

    @property
    def peak(self):
        """``Bc``'s largest absolute value (read once)."""
        with self._lock:
            if self._peak is None:
                self._peak = float(np.abs(self._Bc).max(initial=0.0))
            return self._peak

    def by(self, exponent):
        """``Bc`` scaled by ``2**exponent`` and its squared norms."""
        with self._lock:
            if self._scaled is None or self._scaled[0] != exponent:
                Bc = np.ldexp(self._Bc, exponent)
                self._scaled = (exponent, Bc, sq_norms(Bc))
            return self._scaled[1:]


def _decide_near_ties(D, A, B, A_sq, B_sq, arg, metric, slack, excluded=None):
    """Re-decide, on directly evaluated distances, rows whose arg-min is a
    near-tie.  ``D`` holds expanded-form squared distances (with any
    excluded column set to inf) and ``arg`` their arg-min; both updated in
    place.  Returns the rows that were re-decided."""
    n, m = D.shape
    if m == 1:
        return np.zeros(0, dtype=np.intp)
    part = np.partition(D, 1, axis=1)
    dmin, dsecond = part[:, 0], part[:, 1]
    floor = _tie_floor(D.dtype, A.shape[1])
    suspicious = np.flatnonzero(
        (dsecond - dmin) <= _tie_tolerance(A_sq, B_sq[arg], slack, floor))
    if suspicious.size:
        from ._kernels import redecide_rows

        # Compiled: a Python loop cost some 30 microseconds per row, and a
        # pool has hundreds of such rows among hundreds of cores.
        redecide_rows(D, A, B, A_sq, B_sq, arg, suspicious, slack, floor,
                      np.full(n, -1, dtype=np.intp) if excluded is None
                      else np.asarray(excluded, dtype=np.intp),
                      metric == "cosine")
    return suspicious


def _tie_tolerance(A_sq, B_sq, slack, floor):
    """How close a second squared distance must be to count as a near-tie,
    in float64 (float32 squared norms of tiny rows underflow)."""
    return slack * (A_sq.astype(np.float64) + B_sq) + floor


def centre(B, origin):
    """``B - origin``, its squared norms and its copy scaled near overflow
    (:class:`_ScaledCores`): the B side of the searches of
    :func:`argmin_exact` and :func:`nearest_two`, for a caller that runs
    them on many blocks of rows against the same B (see their ``centred``).
    """
    Bc = B - origin
    return Bc, sq_norms(Bc), _ScaledCores(Bc)


def argmin_exact(A, B, metric, *, excluded=None, origin=None, on_sq_norms=None,
                 budget=None, centred=None):
    """Nearest row of B for every row of A, ties to the lower B row.

    A and B are prepared rows (see :func:`prepare`), of the same float dtype.
    ``excluded`` optionally gives, per row of A, one column of B to skip
    (``-1`` for none).  Work is chunked over A to respect ``working_memory``.
    ``on_sq_norms``, if given, is called as ``on_sq_norms(start, stop,
    sq)`` with the squared norms (in A's dtype) of the rows ``A[start:stop]
    - origin`` of each chunk before they are used; it may raise.
    ``budget`` replaces ``working_memory`` for the chunks (see
    :func:`chunk_rows`): a worker thread's share of it.  The chunks do not
    change the result (near-ties are re-decided on direct evaluations).
    ``centred``, if given, is ``centre(B, origin)`` (see :func:`centre`),
    computed by the caller once for all its blocks: a K x d array and its
    norms per call, and per worker thread, otherwise.

    Returns the arg-min column and the distance to it (float64, directly
    evaluated).
    """
    n, m = A.shape[0], B.shape[0]
    if origin is None:
        origin = B.mean(axis=0)
    Bc, B_sq, scaled = centre(B, origin) if centred is None else centred
    slack = _TIE_SLACK[np.dtype(A.dtype)]
    arg = np.empty(n, dtype=np.intp)
    step = chunk_rows(n, 3 * m * A.itemsize + 1, budget=budget)
    for start in range(0, n, step):
        stop = min(n, start + step)
        Ac = A[start:stop] - origin
        A_sq = sq_norms(Ac)
        if on_sq_norms is not None:
            on_sq_norms(start, stop, A_sq)
        Ac, Bc_fit, A_sq, B_sq_fit = _fitting(Ac, Bc, A_sq, B_sq, scaled)
        D = sq_distances(Ac, Bc_fit, A_sq, B_sq_fit)
        ex = None
        if excluded is not None:
            ex = excluded[start:stop]
            rows = np.flatnonzero(ex >= 0)
            D[rows, ex[rows]] = np.inf
        a = np.argmin(D, axis=1)
        _decide_near_ties(D, A[start:stop], B, A_sq, B_sq_fit, a, metric, slack,
                          ex)
        arg[start:stop] = a
    return arg, paired_distances(A, B, metric, arg)


def nearest_two(A, B, metric, *, origin=None, on_sq_norms=None, budget=None,
                centred=None):
    """Nearest row of B, and nearest row of B other than that one, per row of A.

    One pass over ``A x B`` (chunked) for both searches; ties go to the lower
    B row and near-ties are decided on directly evaluated distances.
    ``on_sq_norms``, ``budget`` and ``centred`` are as for
    :func:`argmin_exact`.

    Returns ``first``, ``second`` (-1 when B has a single row) and the
    directly evaluated distance to ``second`` (inf when there is none).
    """
    n, m = A.shape[0], B.shape[0]
    if origin is None:
        origin = B.mean(axis=0)
    Bc, B_sq, scaled = centre(B, origin) if centred is None else centred
    slack = _TIE_SLACK[np.dtype(A.dtype)]
    first = np.empty(n, dtype=np.intp)
    second = np.full(n, -1, dtype=np.intp)
    step = chunk_rows(n, 3 * m * A.itemsize + 1, budget=budget)
    rows_all = np.arange(step)
    for start in range(0, n, step):
        stop = min(n, start + step)
        rows = rows_all[: stop - start]
        Ac = A[start:stop] - origin
        A_sq = sq_norms(Ac)
        if on_sq_norms is not None:
            on_sq_norms(start, stop, A_sq)
        Ac, Bc_fit, A_sq, B_sq_fit = _fitting(Ac, Bc, A_sq, B_sq, scaled)
        D = Ac @ Bc_fit.T
        # The squared distances of sq_distances, in place, and each row's
        # three smallest, in one compiled pass (no partition of D): the
        # near-tie tests of _decide_near_ties need only those, so D is read
        # again only for the (few) rows that have a near-tie.
        top_v = np.empty((rows.size, 3), dtype=D.dtype)
        top_i = np.empty((rows.size, 3), dtype=np.intp)
        finish_rows_top3(D, A_sq, B_sq_fit, D.dtype.type(-2), top_v, top_i)
        a = top_i[:, 0].copy()
        floor = _tie_floor(D.dtype, A.shape[1])
        tied = np.flatnonzero((top_v[:, 1] - top_v[:, 0])
                              <= _tie_tolerance(A_sq, B_sq_fit[a], slack, floor))
        if tied.size:
            a_tied = a[tied]
            _decide_near_ties(D[tied], A[start:stop][tied], B, A_sq[tied], B_sq_fit,
                              a_tied, metric, slack)
            a[tied] = a_tied
        first[start:stop] = a
        if m > 1:
            # With the nearest excluded, the smallest two are top 2 and 3,
            # unless the nearest was re-decided: such rows go the long way.
            b = top_i[:, 1].copy()
            hard = np.flatnonzero(
                (a != top_i[:, 0])
                | ((top_v[:, 2] - top_v[:, 1])
                   <= _tie_tolerance(A_sq, B_sq_fit[b], slack, floor))
            )
            if hard.size:
                D_hard = D[hard]
                D_hard[np.arange(hard.size), a[hard]] = np.inf
                b_hard = np.argmin(D_hard, axis=1)
                _decide_near_ties(D_hard, A[start:stop][hard], B, A_sq[hard], B_sq_fit,
                                  b_hard, metric, slack, a[hard])
                b[hard] = b_hard
            second[start:stop] = b
    if m == 1:
        return first, second, np.full(n, np.inf)
    return first, second, paired_distances(A, B, metric, second)


def paired_distances(A, B, metric, index=None):
    """Directly evaluated distance between row i of A and row ``index[i]`` of
    B (row i when ``index`` is None).

    A plain difference and a compensated sum along each row, in float64
    whatever the input dtype: identical rows always give identical results,
    and no digits are lost to cancellation.
    """
    from ._kernels import paired_sq_distances

    if index is None:
        index = np.arange(A.shape[0])
    sq = paired_sq_distances(A, B, np.asarray(index, dtype=np.intp))
    return finish(sq, metric, out=sq)


#: Up to this many features, within-class distances are evaluated directly
#: (differences, as ``cdist`` does) instead of from BLAS products: it costs
#: little there, and low-dimensional data (grids, integers, 1-D scores) is
#: where distances tie exactly, ties that the expanded form's rounding (a few
#: hundred ulp after the shift to the core) would break at random.
DIRECT_MAX_FEATURES = 16

# Below this share of |a|^2 + |b|^2 a squared distance from the expanded form
# has lost too many digits to cancellation; such pairs (near-duplicates) are
# evaluated directly instead.
_CANCELLATION_ZONE = 1e-4


@functools.lru_cache(maxsize=8)
def _probe(n_features):
    """unique_rows' probe columns and their weights (shared: not to be
    modified)."""
    # Cheap screen on a few columns; only rows that agree there are compared
    # in full, so distinct data costs O(n) instead of a sort of whole rows.
    probe = np.unique(np.linspace(0, n_features - 1, min(n_features, 8)).astype(int))
    # Element-wise arithmetic (not BLAS) so equal rows get equal keys.
    weights = np.linspace(1.0, 2.0, probe.size) * np.pi
    return probe.astype(np.intp), weights


def unique_rows(A):
    """Distinct rows of A and the map back, or ``(A, None)`` if all are distinct.

    Exact duplicates must get bit-identical distances (the spec's tie rules
    then decide between them), which BLAS does not promise for equal rows at
    different positions; computing on distinct rows only guarantees it.
    """
    A = np.asarray(A)
    n = A.shape[0]
    if n < 2:
        return A, None
    probe, weights = _probe(A.shape[1])
    if A.dtype.kind == "f":
        from ._kernels import probe_keys

        # Sorted by numpy: numba's compiled sort would add a second of
        # compile time to a first run.
        keys = np.sort(probe_keys(A, probe, weights))
        if not np.any(keys[1:] == keys[:-1]):
            return A, None
    keys = np.zeros(n)
    for column, weight in zip(probe, weights, strict=True):
        keys += A[:, column] * weight
    _, key_inverse, key_counts = np.unique(keys, return_inverse=True,
                                           return_counts=True)
    suspects = np.flatnonzero(key_counts[key_inverse.ravel()] > 1)
    if suspects.size == 0:
        return A, None
    # + 0.0 turns -0.0 into 0.0 so that equal values have equal bytes.
    rows = np.ascontiguousarray(A[suspects] + 0.0)
    rows = rows.view(np.dtype((np.void, A.itemsize * A.shape[1]))).ravel()
    _, first, sub_inverse = np.unique(rows, return_index=True, return_inverse=True)
    if first.size == suspects.size:
        return A, None
    representative = np.arange(n)
    representative[suspects] = suspects[first][sub_inverse.ravel()]
    keep, inverse = np.unique(representative, return_inverse=True)
    return A[keep], inverse.ravel()


_SHIFTABLE = (np.dtype(np.float32), np.dtype(np.float64))


class CenteredRows:
    """Prepared rows shifted to a centre (float64), with their squared norms.

    ``Y`` and ``center`` may be float32 (rows in the Euclidean geometry are
    the pool's rows, converted exactly).

    Shifting to a centre inside the data (a pseudo-class's core) makes the
    expanded form's cancellation error scale with the class's spread rather
    than with the norm of the embeddings.
    """

    def __init__(self, Y, center):
        center = np.ascontiguousarray(center)
        if (isinstance(Y, np.ndarray) and Y.ndim == 2 and Y.flags.c_contiguous
                and Y.dtype in _SHIFTABLE and center.dtype in _SHIFTABLE
                and center.shape == (Y.shape[1],)):
            from ._kernels import shifted_rows

            # float32 rows straight from the pool, without a float64 copy
            # first: the same bits (float32 -> float64 is exact).
            self.rows = shifted_rows(np.asarray(Y), center)
        else:
            self.rows = (np.asarray(Y, dtype=np.float64)
                         - np.asarray(center, np.float64))
        self.sq = sq_norms(self.rows)

    def __len__(self):
        return self.rows.shape[0]

    def sq_block(self, rows, start=0):
        """Squared distances from ``rows`` to members ``start..n-1``, corrected
        for cancellation (never negative)."""
        from ._kernels import gram_to_sq_distances

        Y = self.rows[rows]
        Z = self.rows[start:]
        D = Y @ Z.T
        gram_to_sq_distances(D, Y, Z, self.sq[rows], self.sq[start:],
                             _CANCELLATION_ZONE)
        return D

    def cross_sq_block(self, rows, other):
        """:meth:`sq_block` against the rows of ``other`` (a CenteredRows
        shifted to the same centre) instead of this one's own."""
        from ._kernels import gram_to_sq_distances

        Y = self.rows[rows]
        D = Y @ other.rows.T
        gram_to_sq_distances(D, Y, other.rows, self.sq[rows], other.sq,
                             _CANCELLATION_ZONE)
        return D


#: Rows per panel of a pseudo-class's Gram product.  Panel by panel, the
#: panel's rows times all earlier rows (a matrix product) and the panel's own
#: triangle (``dsyrk``).  The panels are fixed, so the products have the same
#: bits however many threads share a class's panels; larger classes share
#: them among ``_threads.CLASS_THREADS`` worker threads.
GRAM_PANEL_ROWS = 1024


def within_distances(Y, center, metric):
    """All pairwise distances among prepared rows Y, shifted to ``center``.

    float64, exactly symmetric, zero diagonal; near-duplicate pairs are
    evaluated directly so that their tiny distances keep their digits.
    Callers pass distinct rows (see :func:`unique_rows`) when exact ties
    between duplicates matter.  The lower triangle's BLAS products, then one
    compiled pass that finishes and mirrors it.
    """
    from ._blas import syrk_lower
    from ._kernels import fill_distance_tiles
    from ._threads import CLASS_THREADS, map_blocks

    shifted = Y if isinstance(Y, CenteredRows) else CenteredRows(Y, center)
    rows = np.ascontiguousarray(shifted.rows)
    n = len(shifted)
    D = np.empty((n, n))
    # The lower triangle only: half the work of a full product.  numpy's
    # matmul and the ctypes call of dsyrk release the GIL, so per-class tasks
    # in threads run their products concurrently; both write straight into D.
    # Each panel runs on one BLAS thread (largest first, for balance).
    step = GRAM_PANEL_ROWS

    def lower_panel(start):
        stop = min(n, start + step)
        if start:
            np.matmul(rows[start:stop], rows[:start].T, out=D[start:stop, :start])
        syrk_lower(rows, D, start, stop)

    n_threads = CLASS_THREADS.get() if n > step else 1
    map_blocks(lower_panel, list(range(0, n, step))[::-1], n_threads)

    def finish_tiles(first):
        # Interleaved row tiles, so the workers' shares of the triangle match.
        fill_distance_tiles(D, rows, shifted.sq, _CANCELLATION_ZONE,
                            metric == "cosine", first, n_threads)

    map_blocks(finish_tiles, list(range(n_threads)), n_threads)
    return D

