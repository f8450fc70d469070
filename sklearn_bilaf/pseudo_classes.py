"""Stage 2: pseudo-classes around the core samples, and the per-class view.

Every sample joins the pseudo-class of its nearest core (ties go to the lower
class); pseudo-classes are numbered by ascending core sample index.  The
denoising and boundary stages see one pseudo-class at a time through a
:class:`PseudoClass`, which is the documented interface for writing your own
stage.
"""

import math

import numpy as np
from sklearn import get_config

from ._distances import (
    _CANCELLATION_ZONE,
    DIRECT_MAX_FEATURES,
    CenteredRows,
    argmin_exact,
    centre,
    chunk_rows,
    finish,
    nearest_two,
    prepare,
    refuse_all_zero_rows,
    refuse_sparse,
    unique_rows,
    within_distances,
    working_memory_bytes,
)
from ._kernels import (
    direct_within_distances,
    mean_rows,
    row_means,
    row_sq_distances,
    rows_sq_distances,
)
from ._text import counted, quoted, quoted_value
from ._threads import (
    CLASS_THREADS,
    blas_threads,
    map_blocks,
    one_blas_thread_in_task,
)
from .base import (
    _SMALLEST_PEAK,
    _frame_dtypes,
    _frame_numpy_dtype,
    _frame_values_in_c_order,
    _is_float_extension,
    _listed_as_float64,
    _non_finite_error,
    _non_finite_rows,
    _numbers_or,
    _read_through_objects,
    _refuse_containers,
    _row_blocks,
    float_array,
    not_whole_hint,
    pool_array,
    refuse_non_numbers,
    refuse_text_read_as_numbers,
    refuse_unchecked_scale,
    sequence_array,
    underflow_error,
    whole_numbers,
)

__all__ = ["PseudoClass", "assign_pseudo_classes", "outside_distances"]


def _chunk_length(X, n_centres, itemsize, n_threads):
    # Chunks that stay in cache (and memory-mapped pools are read once); the
    # temporaries of all workers' chunks together (two copies of the rows,
    # three N x K blocks) within scikit-learn's working_memory.
    per_row = n_threads * itemsize * (2 * X.shape[1] + 3 * n_centres) + 1
    return min(8192, chunk_rows(X.shape[0], per_row, min_rows=256))


def _checked_core_indices(core_indices, n_samples):
    """Distinct row numbers in ``[0, n_samples)``, ascending, or an error.

    Checked before any cast to int, which would truncate fractions and read
    a boolean mask as rows 0 and 1; a negative index would take a row from
    the end (breaking the numbering by ascending core index) and a repeated
    one would give two classes the same core.
    """
    array = np.asarray(core_indices)
    expected = (f"core_indices must be a non-empty 1-D array of distinct row "
                f"numbers in [0, {n_samples - 1}]")
    cores = None if array.dtype.kind == "b" else whole_numbers(array)
    if cores is None:
        raise ValueError(f"{expected}; got an array of dtype {array.dtype}."
                         + not_whole_hint(array))
    if cores.ndim != 1 or cores.size == 0:
        raise ValueError(f"{expected}; got an array of shape {cores.shape}.")
    # The values as given (huge ones were clipped to intp's range).
    outside = array[(cores < 0) | (cores >= n_samples)]
    if outside.size:
        raise ValueError(f"{expected}; got {quoted(outside[:5])}.")
    cores = np.sort(cores)
    repeated = np.unique(cores[1:][cores[1:] == cores[:-1]])
    if repeated.size:
        raise ValueError(f"{expected}; repeated: {repeated[:5].tolist()}.")
    return cores


def _refuse_unusable(rows, start, limit, name="X", rescale=None, fix=None,
                     pool=None, metric="euclidean"):
    """Refuse NaN/inf and values beyond ``limit``, whose squared distances
    overflow, in ``rows``: ``pool[start:start + len(rows)]`` (``pool``
    defaults to ``rows``).  Two reductions, no temporary, when the rows are
    fine; else the error speaks of all of ``pool[start:]`` (the rows before
    ``start`` passed already): see :func:`_unusable_error`."""
    if rows.dtype.kind != "f" or not rows.size:
        return  # whole numbers are finite, and far below any limit
    peak = max(abs(float(rows.max())), abs(float(rows.min())))
    if peak <= limit:  # False for NaN
        return
    raise _unusable_error(rows if pool is None else pool, start, name,
                          rescale, fix, metric)


def _underflow_exponent(X, centres, unchecked=False):
    """The power of two that the Euclidean search scales X by (0 for every
    ordinary pool), after refusing a pool X whose values are all so small
    that squared distances underflow to 0 even in float64 (every row tied
    with every core, and joined class 0), as the estimators' input check
    does, with or without assume_finite.

    Above that bound, values under about 1e-146 (float64; 3e-16 in float32)
    have subnormal squared distances, too coarse for the nearest core: a
    pool with a largest value of 2^-535 got other classes than the same
    pool unscaled.  Scaled by a power of two (exactly), its classes and
    distances are those of the pool at an ordinary scale.  The cores
    (``centres``, rows of X in the working dtype) bound X's largest value
    from below: X itself is read only when they are all that small, so an
    ordinary pool costs two reductions over its cores.  ``unchecked``: as
    :func:`_assign_pseudo_classes` says."""
    if not centres.size:
        return 0
    low = _underflow_bound(centres.dtype)
    centre_peak = max(float(centres.max()), -float(centres.min()))
    if not centre_peak < low:
        return 0  # NaN too: the rows holding it are refused as such
    return _scaling_exponent(X, centre_peak, low, unchecked)


def _underflow_bound(dtype):
    """The largest value under which squared distances in ``dtype`` are
    subnormal (about 1e-146 in float64)."""
    info = np.finfo(dtype)
    return math.sqrt(float(info.tiny) / float(info.eps))


def _cores_underflow_exponent(X, cores):
    """``_underflow_exponent(X, prepare(X[cores], "euclidean"))`` (the
    float64 bound) without that float64 copy of the cores: K x d float64
    and its gathered rows (13 MiB for 3,000 cores of 384 float32 values)
    for an exponent of 0 on every ordinary pool.  Gathered a block of cores
    at a time, and the first block with a value past the bound (the first
    of an ordinary pool) ends the scan.  A float32 or float64 ``X`` (the
    estimators' validated pool): a float's largest value in float64 is its
    own, so the peak is the one the copy gave."""
    low = _underflow_bound(np.float64)
    centre_peak = 0.0
    for start in range(0, cores.size, 256):
        block = X[cores[start:start + 256]]
        block_peak = max(float(block.max()), -float(block.min()))
        if not block_peak < low:
            return 0  # NaN too, as above
        centre_peak = max(centre_peak, block_peak)
    return _scaling_exponent(X, centre_peak, low)


def _scaling_exponent(X, centre_peak, low, unchecked=False):
    """:func:`_underflow_exponent` once the cores' largest value,
    ``centre_peak``, is under ``low``: X's own decides."""
    # In X's dtype: a long double value below float64's range is not 0.
    peak = max(abs(X.max()), abs(X.min()))
    if centre_peak < _SMALLEST_PEAK:
        if unchecked:
            refuse_unchecked_scale(X, peak)
        if 0 < peak < _SMALLEST_PEAK:
            raise underflow_error(peak, when="first")
    if not 0 < float(peak) < low:
        return 0  # an all-zero pool, NaN, or ordinary values beside the cores
    return -math.frexp(float(peak))[1]


def _watch_norms(origin, limit, n_features, dtype, refuse):
    """An ``on_sq_norms`` for the nearest-core searches (see
    ``argmin_exact``) under assume_finite, which vouches that the values are
    finite, not that their squared distances fit the dtype: it calls
    ``refuse(start, stop)`` for rows whose squared norms, shifted to
    ``origin``, do not bound their values below ``limit`` (``refuse``
    decides on the values themselves).  Never for an ordinary pool: no pass
    of its own over the rows."""
    origin_peak = float(np.abs(origin).max())
    # Covers the rounding of the shift and of the squared norms.
    rounding = 1.0 + (n_features + 2) * float(np.finfo(dtype).eps)

    def on_sq_norms(start, stop, sq):
        # max(|x|) <= |x - origin| + max(|origin|); False for NaN.
        if not math.sqrt(float(sq.max())) * rounding + origin_peak <= limit:
            refuse(start, stop)

    return on_sq_norms


def _unusable_error(pool, start, name, rescale, fix, metric="euclidean"):
    """The error for ``pool[start:]``, which holds NaN, inf or values whose
    squared distances overflow: its rows with NaN and those with inf, named
    apart (numbered in ``pool``), as the estimators name them; ``fix(number
    of those rows)``, if given, says what to do instead of dropping them.
    Else the largest value.  A chunk's own named only that chunk's rows,
    and a value too small to rescale the rest by.  ``metric="cosine"``:
    rows used as given, which should be L2-normalised (the error says so).
    Read a block of rows at a time: the temporaries are a block's."""
    rest = pool[start:]
    nan_rows, inf_rows = _non_finite_rows(
        (start + offset, block) for offset, block in _row_blocks(rest))
    if nan_rows.size or inf_rows.size:
        return _non_finite_error(nan_rows, inf_rows, pool, name, fix=fix)
    # In the pool's dtype: a long double value past float64's range is inf
    # as a float, and "divide it by inf" says nothing.
    peak = max((max(abs(block.max()), abs(block.min()))
                for _, block in _row_blocks(rest) if block.size), default=0.0)
    dtype = np.dtype(_work_dtype(pool)).name
    # Rows divided by their largest value are not normalised: the cosine
    # distances would still be wrong.
    unit = ("" if metric != "cosine" else
            f" For metric='cosine', pass {'them' if rescale else 'it'} "
            "L2-normalised: the distances are half the squared Euclidean "
            "distances between the rows as given.")
    if math.isfinite(float(peak)):
        shown = f"{float(peak):.3g}"
        why = f"so squared distances between its rows overflow {dtype}"
    else:
        shown = np.format_float_scientific(peak, precision=2, trim="-")
        why = (f"past {dtype}'s largest (about "
               f"{float(np.finfo(np.float64).max):.2g}), in which the "
               "distances are computed")
    return ValueError(
        f"{name} has values as large as {shown}, {why}. Rescale "
        f"{rescale or name} (e.g. divide {'both' if rescale else 'it'} by "
        f"{shown}) first.{unit}"
    )


def _work_dtype(rows):
    return rows.dtype if rows.dtype in (np.float32, np.float64) else np.float64


def _check_metric(metric):
    """Refuse a metric other than the two the distances support: any other
    value (a typo such as "Cosine") would be computed as Euclidean."""
    if not isinstance(metric, str) or metric not in ("euclidean", "cosine"):
        raise ValueError("metric must be 'euclidean' or 'cosine'; got "
                         f"{quoted_value(metric)}.")


def _refuse_zero_rows_of_pool(X, metric):
    """After a block of rows failed to normalise: the error for the all-zero
    rows of the whole pool (the block's own counted only its rows)."""
    if metric == "cosine":
        refuse_all_zero_rows(X)


def assign_pseudo_classes(X, core_indices, metric="euclidean", *,
                          return_outside=False):
    """Pseudo-class of every sample: the rank of its nearest core.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The pool (float32 or float64; never modified, never copied whole,
        except a list, a DataFrame or an object array, converted to
        float64 first; a DataFrame of float32 or float16 columns to the
        float array it holds, with the same results as that array),
        finite: NaN and inf (a DataFrame's missing values, ``pd.NA``,
        included) are refused with a ``ValueError``, unless
        ``sklearn.config_context(assume_finite=True)`` is set: then no
        pass of its own looks for them (``pd.NA`` is read as NaN), but
        those that reach the squared norms the nearest-core search computes
        anyway are refused all the same.  Values so large that Euclidean
        squared distances overflow are refused either way (under
        ``assume_finite``, found from those squared norms), and so are
        values all so small that they underflow to 0 even in float64 (found
        from the cores' values: X is read for it only when those are that
        small), as the estimators' input check refuses them.
    core_indices : array-like of int, shape (n_cores,)
        Distinct core sample indices in ``0 .. n_samples - 1``, in any
        order; anything else (repeated, negative or fractional indices, a
        boolean mask) is refused with a ``ValueError``.
    metric : {"euclidean", "cosine"}, default="euclidean"
        Distance between embeddings.
    return_outside : bool, default=False
        Also return, for every sample, the distance to the nearest core of
        another pseudo-class and that class (found in the same pass).

    Returns
    -------
    labels : ndarray of shape (n_samples,), dtype=intp
        Pseudo-class numbers in ``0 .. n_cores - 1``, numbered by ascending
        core sample index. Ties go to the lower class; a core always belongs
        to its own class, even when another core is identical to it.
    outside : ndarray of shape (n_samples,)
        Only with ``return_outside``: distance to the nearest other core
        (directly evaluated; inf with a single core).
    opponent : ndarray of shape (n_samples,)
        Only with ``return_outside``: the class of that core (-1 with a
        single core).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_bilaf.pseudo_classes import assign_pseudo_classes
    >>> X = np.array([[0.0], [1.0], [2.0], [6.0], [10.0]])
    >>> assign_pseudo_classes(X, [4, 0]).tolist()  # class 0: core 0; class 1: core 4
    [0, 0, 0, 1, 1]
    """
    return _assign_pseudo_classes(X, core_indices, metric,
                                  return_outside=return_outside)


def _assign_pseudo_classes(X, core_indices, metric="euclidean", *,
                           return_outside=False, unchecked=False):
    """:func:`assign_pseudo_classes`; ``unchecked=True`` for an estimator
    whose input check scikit-learn's ``assume_finite`` skipped (X is its
    validated pool): Euclidean values past that check's limits are
    refused with its message and its word on ``assume_finite``
    (``refuse_unchecked_scale``), as its Euclidean core stages refuse
    them, not with this function's own."""
    _check_metric(metric)
    refuse_sparse(X)
    if not hasattr(X, "dtype") or X.dtype == object:
        # Lists, and numbers held as Python objects (which numpy's isfinite
        # does not take): the float64 array they spell, but not a list of
        # text, which that conversion reads as numbers.
        numbers = refuse_non_numbers(X)
        # A list's numbers from the array its check read, not the list
        # again (ints cast in its own buffer: a copy held both).
        X = (pool_array(X) if numbers is None
             else _listed_as_float64(numbers, X))
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, one row per sample; got shape {X.shape}.")
    if X.dtype.kind == "c":
        # numpy would drop the imaginary parts, with only a warning.
        raise ValueError(
            f"X must hold real numbers; got dtype {X.dtype}. Pass the real "
            "embeddings (np.real(X) if the imaginary parts are zero)."
        )
    # Text and dates (numpy's isfinite failed on them), with the estimators'
    # message, as the other public pool functions refuse them.
    refuse_non_numbers(X)
    if X.shape[0] == 0:
        raise ValueError("X has no rows: pass at least one sample, its core.")
    if X.shape[1] == 0:
        # A division by zero warning, then every sample in class 0.
        raise ValueError(
            f"X has no features (shape {X.shape}): pass embeddings with at "
            "least one column."
        )
    cores = _checked_core_indices(core_indices, X.shape[0])
    check_finite = not get_config()["assume_finite"]
    dtype = _work_dtype(X)
    # Euclidean squared distances between rows overflow the working dtype
    # past this (the estimators' limit); cosine rows are scaled to unit norm.
    limit = (math.sqrt(np.finfo(dtype).max / (4.0 * X.shape[1]))
             if metric == "euclidean" else float(np.finfo(np.float64).max))
    if metric == "cosine":
        # Rows normalised in float32 are off by ~1e-7, more than the near-ties
        # that the exact re-evaluation must decide: normalise in float64.
        dtype = np.float64
    # Under assume_finite the values are vouched finite, not small enough:
    # squared distances past the dtype gave wrong labels (or -1) silently.
    # The search's squared norms of the rows minus the origin bound every
    # value, so the rows are read again only when those say they may be too
    # large (never for an ordinary pool).
    watch = not check_finite and metric == "euclidean"
    try:
        centres = prepare(X[cores], metric, dtype=dtype)
    except ValueError:
        _refuse_zero_rows_of_pool(X, metric)
        raise

    def refuse_rows(rows, start):
        if unchecked:
            # The whole pool's largest value, on the error path only: the
            # error says what to divide all of X by.
            peak = max(abs(float(rows.max())), abs(float(rows.min())))
            if not peak <= limit:
                refuse_unchecked_scale(X, max(abs(float(X.max())),
                                              abs(float(X.min()))))
        _refuse_unusable(rows, start, limit, pool=X)

    exponent = 0
    if metric == "euclidean":
        exponent = _underflow_exponent(X, centres, unchecked)
        if exponent:
            centres = np.ldexp(centres, exponent)
    origin = centres.mean(axis=0)
    if watch:
        if not float(np.abs(centres).max()) <= limit:
            # The values as given (a long double one may be inf in centres).
            refuse_rows(X[cores], 0)
        watch = _watch_norms(
            origin, limit, X.shape[1], dtype,
            lambda start, stop: refuse_rows(X[start:stop], start))
    # Once for all chunks: per chunk, it was a K x d copy (and its norms)
    # per worker thread, which _chunk_length does not count.  Under the
    # chunks' error state, as it was computed there.
    ignored = "ignore" if watch else None
    with np.errstate(over=ignored, invalid=ignored):
        centred = centre(centres, origin)
    n = X.shape[0]
    labels = np.empty(n, dtype=np.intp)
    opponent = np.empty(n, dtype=np.intp)
    outside = np.empty(n)

    def assign_chunk(start):
        stop = min(n, start + step)
        rows = X[start:stop]
        if check_finite:
            # Checked in the chunk, while its rows are in cache: a NaN row
            # joined class 0 and an infinite one some class, silently.
            _refuse_unusable(rows, start, limit, pool=X)
        if metric == "cosine" or rows.dtype != dtype:
            try:
                rows = prepare(rows, metric, dtype=dtype)
            except ValueError:
                _refuse_zero_rows_of_pool(X, metric)
                raise
        if exponent:
            rows = np.ldexp(rows, exponent)  # a chunk's copy
        on_sq_norms = None
        if watch:
            def on_sq_norms(first, last, sq):
                watch(start + first, start + last, sq)
        # Overflow, or NaN the caller vouched against, is refused after the
        # squared norms, before the products use them.
        with np.errstate(over=ignored, invalid=ignored):
            if return_outside:
                first, second, dist = nearest_two(rows, centres, metric,
                                                  origin=origin,
                                                  on_sq_norms=on_sq_norms,
                                                  budget=share,
                                                  centred=centred)
                labels[start:stop], opponent[start:stop] = first, second
                outside[start:stop] = np.ldexp(dist, -exponent)
            else:
                labels[start:stop] = argmin_exact(
                    rows, centres, metric, origin=origin,
                    on_sq_norms=on_sq_norms, budget=share,
                    centred=centred)[0]

    # Row chunks on worker threads, each product on one BLAS thread: this
    # scales better than one BLAS product at a time on all threads (the
    # finishing passes are compiled and release the GIL).  The decisions do
    # not depend on the chunks' bits: near-ties are re-decided on directly
    # evaluated distances, and the distances returned are direct ones too.
    n_threads = blas_threads()
    step = _chunk_length(X, cores.size, np.dtype(dtype).itemsize, n_threads)
    # Each thread's share of working_memory for the products within a
    # chunk: chunks of _chunk_length's fewest rows can outgrow it (many
    # cores), and each thread sized its products from the whole setting.
    share = working_memory_bytes() // n_threads
    # As many chunks for every thread (7 chunks on 2 threads would leave one
    # idle for a seventh of the stage).
    n_chunks = -(-n // step)
    n_chunks = -(-n_chunks // n_threads) * n_threads
    step = max(1, -(-n // n_chunks))
    map_blocks(assign_chunk, list(range(0, n, step)), n_threads)
    # A core belongs to its own class even when an identical core comes first;
    # its outside distance is then to the nearest *other* core.
    moved = cores[labels[cores] != np.arange(cores.size)]
    labels[cores] = np.arange(cores.size)
    if not return_outside:
        return labels
    if moved.size:
        rows = prepare(X[moved], metric)
        if exponent:
            np.ldexp(rows, exponent, out=rows)  # prepare's own copy
        # The cores as the search above took them (prepared and scaled
        # already; float32 ones in float64, exactly, as _outside_distances
        # takes them): preparing and scaling them again held the gathered
        # rows and two more K x d float64 copies, even at exponent 0.
        moved_outside, opponent[moved] = _outside_distances(
            rows, labels[moved], np.asarray(centres, dtype=np.float64), metric)
        outside[moved] = np.ldexp(moved_outside, -exponent)
    return labels, outside, opponent


def outside_distances(rows, own_label, core_rows, metric):
    """Distance to, and number of, the nearest core of another pseudo-class.

    Ties go to the lower class.  With a single core, the distance is ``inf``
    and the class ``-1``.

    The results are per row, as those of :meth:`PseudoClass.distances` and
    :func:`~sklearn_bilaf.boundary.boundary_scores`, which a stage of your
    own chains with it: no rows (a stage whose candidates ran out) give
    empty results, where the functions that select from a pool refuse a
    pool of no rows.  At least one core is needed.

    Parameters
    ----------
    rows : array-like of shape (n, n_features)
        Rows in the computing geometry (L2-normalised for ``"cosine"``;
        an array of numbers is read in row blocks, each converted to
        float64, never copied whole), none or more, finite: NaN and inf (a DataFrame's
        missing values, ``pd.NA``, included), and values whose squared
        distances overflow float64 (for ``"cosine"`` too: the rows are used
        as given), are refused with a ``ValueError``; under
        ``sklearn.config_context(assume_finite=True)`` no pass of its own
        looks for them (``pd.NA`` is read as NaN), but NaN, inf and
        overflowing values that reach the squared norms the search
        computes anyway are refused all the same.
    own_label : int or array-like of int of shape (n,)
        The pseudo-class of the rows (one for all, or one per row), in
        ``0 .. n_cores - 1``: its core is left out.
    core_rows : array-like of shape (n_cores, n_features)
        The cores, in class order, in the same geometry (finite, as
        ``rows``).
    metric : {"euclidean", "cosine"}
        Distance between embeddings.

    Returns
    -------
    distance : ndarray of shape (n,)
        Directly evaluated distance to the nearest other core, float64.
    opponent : ndarray of shape (n,)
        The class of that core, int64.

    Raises
    ------
    ValueError
        If the shapes disagree, ``own_label`` is not a class number (or one
        per row), or the rows are not finite real numbers.
    TypeError
        If ``rows`` or ``core_rows`` is a sparse matrix.
    """
    _check_metric(metric)
    arrays = []
    for name, values in (("rows", rows), ("core_rows", core_rows)):
        if hasattr(values, "format") and hasattr(values, "tocsr"):
            raise TypeError(
                f"{name} is a sparse matrix; the distances need dense rows. "
                f"Convert it with {name}.toarray()."
            )
        columns = _frame_dtypes(values)
        # A list (any sequence without a dtype) is read by numpy once, here
        # (np.iscomplexobj read it, and the checks and the conversion below
        # again): its array serves them all.  A ragged one is refused here,
        # naming it (np.iscomplexobj failed with numpy's bare error).
        listed = sequence_array(values, name)
        checked = values if listed is None else listed
        # A frame's column dtypes say whether it may hold complex numbers:
        # np.iscomplexobj would convert the whole frame to find out.
        if ((columns is None or any(getattr(dtype, "kind", "O") == "c"
                                    for _, dtype in columns))
                and np.iscomplexobj(checked)):
            # numpy would drop the imaginary parts, with only a warning.
            raise ValueError(
                f"{name} must hold real numbers; got dtype "
                f"{np.asarray(checked).dtype}. Pass the real embeddings "
                f"(np.real({name}) if the imaginary parts are zero)."
            )
        # Text read as numbers, dates as days: refused as the estimators do.
        refuse_non_numbers(checked, name)
        if listed is not None:
            # A list of object rows: its object array's text, as a list's.
            refuse_text_read_as_numbers(listed, name)
        numbers = _numbers_or(values, listed)
        if name == "rows" and columns and any(
                _is_float_extension(dtype) for _, dtype in columns):
            # numpy reads nullable and pyarrow columns as Python floats.
            array = pool_array(values, name)
        else:
            array = np.asarray(numbers)
        if name == "core_rows" and numbers is listed:
            # numpy's array of a list of ints cast in its own buffer: its
            # float64 copy held both.
            array = _listed_as_float64(numbers, values)
        elif name == "core_rows" or array.dtype.kind not in "biuf":
            array = float_array(numbers, name)
        arrays.append(array)
    # The rows as given: _outside_distances converts them a block at a time
    # (a float64 copy of a float32 pool is twice the pool).
    rows, core_rows = arrays
    if (rows.ndim != 2 or core_rows.ndim != 2 or core_rows.shape[0] == 0
            or rows.shape[1] != core_rows.shape[1]):
        raise ValueError(
            "rows and core_rows must be 2-D arrays with the same number of "
            "features (columns), and at least one core; got shapes "
            f"{rows.shape} and {core_rows.shape}."
        )
    if rows.shape[1] == 0:
        # Every distance 0 and the lowest other class, as if compared.
        raise ValueError(
            "rows and core_rows have no features (shapes "
            f"{rows.shape} and {core_rows.shape}): pass embeddings with at "
            "least one column."
        )
    n, n_cores = rows.shape[0], core_rows.shape[0]
    labels = (None if np.asarray(own_label).dtype.kind == "b"
              else whole_numbers(own_label))
    if labels is None or labels.ndim > 1 or (labels.ndim == 1
                                              and labels.shape != (n,)):
        got = (quoted_value(own_label) if np.ndim(own_label) == 0 else
               f"an array of dtype {np.asarray(own_label).dtype} and shape "
               f"{np.shape(own_label)}")
        raise ValueError(
            "own_label must be the pseudo-class of the rows: one int, or one "
            f"int per row ({n}); got {got}."
            + ("" if labels is not None else not_whole_hint(own_label))
        )
    outside = labels[(labels < 0) | (labels >= n_cores)]
    if outside.size:
        raise ValueError(
            f"own_label must be pseudo-class numbers in [0, {n_cores - 1}] "
            f"(one per row of core_rows); got {np.ravel(outside)[:5].tolist()}."
        )
    # NaN or inf rows, or squares past float64, gave NaN distances and an
    # arbitrary opponent, silently.  Cosine rows are used as given
    # (normalised by the caller), so the limit is the same.
    limit = math.sqrt(np.finfo(np.float64).max / (4.0 * max(1, rows.shape[1])))
    both = "rows and core_rows"

    def refuse_rows(start, stop):
        _refuse_unusable(
            rows[start:stop], start, limit, "rows", both,
            fix=lambda n: (
                f"Drop {'that row (and its' if n == 1 else 'those rows (and their'}"
                " own_label, if one per row) or fix the feature extractor "
                f"that produced {'it' if n == 1 else 'them'}."),
            pool=rows, metric=metric)

    # Whole numbers are finite, and far below the limit.
    check_rows = rows.dtype.kind == "f"
    watch = None
    if not get_config()["assume_finite"]:
        if check_rows:
            refuse_rows(0, rows.shape[0])
    elif check_rows:
        # Values past the limit, from the squared norms the search computes.
        # The origin _outside_distances shifts the rows to.
        origin = np.asarray(core_rows, dtype=np.float64).mean(axis=0)
        watch = _watch_norms(origin, limit, rows.shape[1], np.float64,
                             refuse_rows)
    # Not "drop those rows": a core's position is its class number, so
    # dropping one would give the classes after it other numbers.  A few
    # rows: checked under assume_finite too, as the bound above needs.
    _refuse_unusable(
        core_rows, 0, limit, "core_rows", both,
        fix=lambda n: (
            f"Fix the feature extractor that produced "
            f"{'it' if n == 1 else 'them'}: a core cannot be dropped, as "
            "own_label and opponent number the classes by the position of "
            "their core."),
        metric=metric)
    exponent = 0 if metric == "cosine" else _tiny_exponent(rows, core_rows)
    if watch is None:
        return _outside_distances(rows, labels, core_rows, metric,
                                  exponent=exponent)
    with np.errstate(over="ignore", invalid="ignore"):
        return _outside_distances(rows, labels, core_rows, metric,
                                  on_sq_norms=watch, exponent=exponent)


def _tiny_exponent(rows, core_rows):
    """The power of two :func:`outside_distances` scales Euclidean rows and
    cores by: 0 but when their values are all under about 1e-146, whose
    squared distances are subnormal numbers, too coarse for the nearest
    core (at 2^-535, a tenth of the opponents were others than at an
    ordinary scale).  The cores bound the largest value from below: the
    rows are read (two reductions) only when the cores are all that
    small."""
    info = np.finfo(np.float64)
    low = math.sqrt(float(info.tiny) / float(info.eps))
    peak = max(float(core_rows.max()), -float(core_rows.min()))
    if not peak < low:
        return 0  # NaN too: refused, or vouched against
    if rows.size:
        peak = max(peak, abs(float(rows.max())), abs(float(rows.min())))
    if not 0 < peak < low:
        return 0  # all zeros, or ordinary rows beside tiny cores
    return -math.frexp(peak)[1]


def _outside_distances(rows, labels, core_rows, metric, on_sq_norms=None,
                       exponent=0):
    """:func:`outside_distances` on arguments already checked (the callers'
    own, made from a validated pool): finite rows of real numbers (float32,
    float64 or integers), finite float32 or float64 cores in the same
    geometry, and one int label or one intp label per row.

    The rows are read in blocks, each converted to float64 (exactly) on its
    own, so that the temporaries of a float32 pool, or of a float64 one
    (argmin_exact's shifted copy and N x K blocks), stay those of a block:
    the nearest-core decisions and the distances do not depend on the
    blocks (near-ties are re-decided and the distances evaluated directly).
    float32 cores are converted to float64 (exactly): the results are those
    of the converted cores.  ``on_sq_norms`` is as for ``argmin_exact``,
    with row numbers of ``rows`` (and squared norms of the scaled rows).
    Rows and cores are scaled by ``2**exponent`` (exactly) for the search,
    the distances returned are in their units as given.
    """
    # Every caller passes float64 cores, which this leaves as they are.
    # float32 ones were shifted to their mean in float32, a rounding the
    # float64 near-tie test does not cover: wrong opponents near ties.
    core_rows = np.asarray(core_rows, dtype=np.float64)
    if exponent:
        core_rows = np.ldexp(core_rows, exponent)
    n, n_cores = rows.shape[0], core_rows.shape[0]
    if n_cores == 1:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.intp)
    excluded = np.broadcast_to(labels, (n,))
    origin = core_rows.mean(axis=0)
    centred = centre(core_rows, origin)  # once, not per block
    distance = np.empty(n)
    opponent = np.empty(n, dtype=np.intp)
    step = _chunk_length(rows, n_cores, 8, 1)
    for start in range(0, n, step):
        stop = min(n, start + step)
        block_norms = None
        if on_sq_norms is not None:
            def block_norms(first, last, sq, start=start):
                on_sq_norms(start + first, start + last, sq)
        block = np.asarray(rows[start:stop], dtype=np.float64)
        if exponent:
            block = np.ldexp(block, exponent)  # a block's copy
        opponent[start:stop], distance[start:stop] = argmin_exact(
            block,
            core_rows,
            metric,
            excluded=np.ascontiguousarray(excluded[start:stop]),
            origin=origin,
            on_sq_norms=block_norms,
            centred=centred,
        )
    if exponent:
        np.ldexp(distance, -exponent, out=distance)
    return distance, opponent


def _whole_int(value):
    """``value`` as an int if it is one whole number (an int, a numpy
    integer or a whole float; not a bool), else None."""
    if isinstance(value, bool | np.bool_) or np.ndim(value) != 0:
        return None
    number = whole_numbers(value)
    return None if number is None else int(number)


def _member_rows(X):
    """``X`` of :class:`PseudoClass` as an array.  A pandas DataFrame that
    numpy converts through an array of Python objects (pandas' nullable or
    pyarrow number columns, bool beside number columns) is converted a
    block of rows at a time into a C-ordered array: the checks then read
    numpy's objects one at a time (seconds for 20,000 rows).  In the dtype
    numpy gives an array of the columns' numpy dtypes, as the estimators'
    validation does (float32 for Float32 columns, and for Int16, or bool,
    and Float32 ones; float64 with a float64 or Int64 one): the
    pseudo-class of its numpy array, with float32 rows kept float32 (twice
    the size in float64; the distances are the same).  A missing value
    (pd.NA) is given as NaN, for :class:`PseudoClass`'s finite check to
    refuse."""
    columns = _frame_dtypes(X)
    if columns and _read_through_objects(X, columns):
        # Only number and bool columns are converted here; for others
        # (text, dates: no numpy dtype to combine) the dtype is not used.
        dtype = _frame_numpy_dtype(columns)
        if dtype is None:
            dtype = np.dtype(np.float64)
        values = _frame_values_in_c_order(X, columns, dtype)
        if values is None:
            # A missing value (pd.NA), which numpy's conversion read as
            # text to embed: as NaN, in a float dtype that holds the
            # columns' values, for the finite check to name its row (as
            # the other public functions do).
            values = _frame_values_in_c_order(
                X, columns, np.result_type(dtype, np.float32), missing=True)
        if values is not None:
            return values
    return np.asarray(X)


class PseudoClass:
    """One pseudo-class, as the denoising and boundary stages see it.

    A stage works in *local positions* ``0 .. n - 1``, which index
    ``indices``.  Distances are computed on demand from the prepared rows,
    accurately (see the "Guarantees" section of the user guide), and the full
    ``n x n`` matrix is cached when it fits the scikit-learn
    ``working_memory`` setting.  Their BLAS products run on one BLAS thread,
    in a fit or not, so the distances do not depend on the thread count.

    Parameters
    ----------
    label : int
        The pseudo-class number, in ``0 .. n_classes - 1``.
    indices : array-like of int of shape (n,)
        Pool row numbers of the members (at least one).
    core_position : int
        Local position of the core among ``indices``, in ``0 .. n - 1``.
    X : array-like of shape (n, n_features)
        The members' rows in the computing geometry, one per member (float32
        or float64; float16 is converted to float32, other types to
        float64).  They are used as
        given: for ``metric="cosine"`` pass L2-normalised rows (distances
        are half the squared Euclidean distances between the rows).
        Finite: NaN and inf (a DataFrame's missing values, ``pd.NA``,
        included) are refused with a ``ValueError`` naming their rows, and
        values whose squared distances overflow float64 with one saying
        by what to rescale, unless
        ``sklearn.config_context(assume_finite=True)`` is set (``pd.NA``
        is then read as NaN).  Euclidean rows all so small that squared
        distances underflow to 0 even in float64 are refused either way
        (found from the core's row: the rows are read for it only when
        that is that small), as :func:`assign_pseudo_classes` refuses them.
        Euclidean rows all just above that bound, under about 1e-146, whose
        squared distances are subnormal numbers, are used as given too, but
        their distances are computed on a copy scaled by a power of two
        (exactly) and returned in X's units, as accurate as at an ordinary
        scale.
    metric : {"euclidean", "cosine"}
        Distance between embeddings.
    n_classes : int, default=1
        Number of pseudo-classes in the pool (at least 1, and more than
        ``label``).

    Attributes
    ----------
    label : int
        The pseudo-class number (rank of its core among the cores).
    indices : ndarray of shape (n,)
        Pool row numbers of the members, in the class's current order
        (ascending sample index before denoising, rank order after it).
    core_position : int
        Local position of the core sample.
    X : ndarray of shape (n, n_features)
        The members' embeddings in the computing geometry: ``X`` as given
        (float32 or float64; float16 as float32), or, in the sampler's
        pseudo-classes, float64 rows, L2-normalised when
        ``metric="cosine"``, and scaled by a power of two (so its
        distances too) in a Euclidean pool whose values are all under
        about 1e-146, where squared distances are subnormal numbers.
        Rows assigned to it later, an ndarray of one row per member, are
        checked, converted and scaled for their distances as the
        constructor's ``X``; the distances cached from the rows they
        replace are dropped, and ``inside_distance``, ``outside_distance``
        and ``opponent`` are reset to None (they describe the rows
        replaced): set them again for a boundary stage, from
        :meth:`mean_distances` and
        :func:`~sklearn_bilaf.pseudo_classes.outside_distances`.
    metric : str
        ``"euclidean"`` or ``"cosine"``.
    inside_distance : ndarray of shape (n,) or None
        Mean distance of each member to all members (self included); set by
        the sampler before the boundary stage.
    outside_distance : ndarray of shape (n,) or None
        Distance to the nearest core of another pseudo-class; set by the
        sampler before the boundary stage (``inf`` when there is a single
        pseudo-class).
    opponent : ndarray of shape (n,) or None
        The pseudo-class of that nearest other core (-1 when there is a
        single pseudo-class).
    n_classes : int
        Number of pseudo-classes in the pool.

    Notes
    -----
    A subclass may redefine the distances by overriding
    :meth:`distances` (to call a stage on it directly: the sampler builds
    plain ``PseudoClass`` objects).  What reads distances then reads its
    own, whether or not the class's matrix is cached:
    :meth:`mean_distances`, :class:`~sklearn_bilaf.denoise.IDCDenoiser`
    (its rings and its compiled pass),
    :class:`~sklearn_bilaf.denoise.DistanceDenoiser`,
    :class:`~sklearn_bilaf.denoise.DensityDenoiser` and
    :class:`~sklearn_bilaf.boundary.BoundarySelector` (which then does not
    use its compiled loop, as that computes the distances from the rows).
    Their faster paths (the cached matrix, strips of the triangle, products
    against the needed columns) are taken only when :meth:`distances` is
    the base class's.  :meth:`distance_matrix` is not affected, as it gives
    the base class's distances: override it too if a stage of yours reads
    it.  Overriding :meth:`distance_matrix` alone does not redefine the
    distances: :meth:`distances` and :meth:`mean_distances` call it only to
    fill the base class's cache, then read that cache or compute the base
    class's distances, as do the denoisers and the boundary stage; only
    :class:`~sklearn_bilaf.denoise.IDCDenoiser`'s compiled pass reads the
    override, and only when the class fits ``working_memory`` (its ranking
    would then depend on that setting).  :meth:`subset` returns a plain
    ``PseudoClass``.
    """

    def __init__(self, label, indices, core_position, X, metric, n_classes=1):
        _check_metric(metric)
        # int() would truncate a fraction (1.5 -> 1) and read a bool as 0 or
        # 1: a stage would then see another class's number, or a pool of no
        # class (penalties and opponents are indexed by these numbers).
        count = _whole_int(n_classes)
        if count is None or count < 1:
            raise ValueError(
                "n_classes must be the number of pseudo-classes in the pool, "
                f"an int of at least 1; got {quoted_value(n_classes)}."
            )
        number = _whole_int(label)
        if number is None or not 0 <= number < count:
            hint = ""
            if number is not None and number >= count:
                hint = (f" A label of {number} needs at least "
                        f"{number + 1} pseudo-classes: pass n_classes, the "
                        f"number of pseudo-classes in the pool (now {count}).")
            raise ValueError(
                "label must be the pseudo-class number, an int in "
                f"[0, {count - 1}]; got {quoted_value(label)}.{hint}"
            )
        self.label = number
        array = np.asarray(indices)
        indices = None if array.dtype.kind == "b" else whole_numbers(array)
        if indices is None or indices.ndim != 1 or indices.size == 0:
            raise ValueError(
                "indices must be a non-empty 1-D array of the members' pool row "
                f"numbers; got an array of dtype {array.dtype} and shape "
                f"{array.shape}."
                + ("" if indices is not None else not_whole_hint(array))
            )
        self.indices = indices
        n = indices.size
        # The compiled kernels behind the distances do not check bounds: a
        # core or row outside the members read memory outside the class.
        if (isinstance(core_position, bool | np.bool_)
                or whole_numbers(core_position) is None
                or np.ndim(core_position) != 0
                or not 0 <= core_position < n):
            raise ValueError(
                f"core_position must be the core's local position, an int in "
                f"[0, {n - 1}]; got {quoted_value(core_position)}."
            )
        self.core_position = int(core_position)
        exponent = 0
        if X is not None:
            X, exponent = self._checked_rows(X, metric)
        self._replace_rows(X, exponent)
        self.metric = metric
        self.n_classes = count
        self.inside_distance = None
        self.outside_distance = None
        self.opponent = None

    def _checked_rows(self, X, metric):
        """``X`` checked and converted as the constructor takes it, and the
        power of two its distances are computed scaled by."""
        n = self.n
        # Before _member_rows, whose np.asarray reads a dict or a
        # generator as one object.
        _refuse_containers(X)
        given = X
        if _frame_dtypes(X) is not None:
            # Named by its column while X is a frame (its conversion to
            # an array keeps no names).
            refuse_text_read_as_numbers(X)
        X = _member_rows(X)
        # Text, dates and complex numbers were cast (imaginary parts
        # dropped with only a warning).
        refuse_non_numbers(X)
        check = not get_config()["assume_finite"]

        def refuse_unusable(X):
            # NaN or inf rows gave NaN distances, and values whose
            # squared distances overflow float64 inf ones, which the
            # stages ranked silently (cosine rows are used as given
            # too, so the limit is the same).  One pass, a block of rows
            # at a time, its two reductions while the block is in cache,
            # no temporary; the rows are named only if a block fails.
            limit = math.sqrt(np.finfo(np.float64).max
                              / (4.0 * max(1, X.shape[1])))
            for start, block in _row_blocks(X, 1 << 16):
                _refuse_unusable(block, start, limit, pool=X, metric=metric)

        def refuse_underflowing(X):
            # Euclidean rows all this small tie every member with every
            # other, as in assign_pseudo_classes, with or without
            # assume_finite.  The core's row bounds the largest value
            # from below: X is read only when it is that small.  Returns
            # the power of two the distances are computed scaled by.
            if metric == "euclidean":
                core = X[self.core_position:self.core_position + 1]
                return _underflow_exponent(X, np.asarray(core, dtype=np.float64))
            return 0

        if X.dtype == np.float16:
            # Exactly, in half the memory of float64, as the estimators
            # convert a float16 pool: the distances are the same.
            X = X.astype(np.float32)
        elif X.dtype not in (np.float32, np.float64):
            if X.dtype.kind == "f" and X.ndim == 2 and X.shape[0] == n:
                # Long double values past float64's range would be inf
                # once converted, and named as such; those below it 0.
                if check:
                    refuse_unusable(X)
                refuse_underflowing(X)
            # An object frame's own conversion error names the row of a
            # missing value (pd.NA); its array's called it text.  A list
            # is not passed as given: the text check takes its array.
            X = float_array(given if X.dtype == object
                            and _frame_dtypes(given) is not None else X)
        if X.ndim != 2 or X.shape[0] != n:
            raise ValueError(
                f"X must hold the rows of the {counted(n, 'member')}, an "
                "array of "
                f"shape ({n}, n_features); got shape {X.shape}."
            )
        if X.shape[1] == 0:
            # Every distance 0, which the stages ranked as if compared.
            raise ValueError(
                f"X has no features (shape {X.shape}): pass embeddings "
                "with at least one column."
            )
        if check:
            refuse_unusable(X)
        exponent = refuse_underflowing(X)
        return X, exponent

    @classmethod
    def _from_pool_rows(cls, label, indices, core_position, rows, metric,
                        n_classes=1):
        """The pseudo-class of the members' rows as the pool holds them.

        In the Euclidean geometry the computing rows are the pool's rows
        converted to float64, exactly: the distances are computed from the
        pool's rows (float32 ones included) directly, and ``X``'s float64
        copy is made only if a stage reads it.
        """
        pseudo_class = cls(label, indices, core_position, None, metric,
                           n_classes)
        if (metric == "euclidean" and isinstance(rows, np.ndarray)
                and rows.ndim == 2 and rows.flags.c_contiguous
                and rows.dtype in (np.float32, np.float64)):
            pseudo_class._pool_rows = np.asarray(rows)
        else:
            # The sampler checked its pool and scaled it where its values
            # were tiny: the rows are used as they are.
            pseudo_class._replace_rows(prepare(rows, metric), 0)
        return pseudo_class

    # A property (documented with the attributes above) so that the float64
    # copy of the pool's rows is made only when a stage reads it.
    @property
    def X(self):
        if self._X is None and self._pool_rows is not None:
            self._X = prepare(self._pool_rows, self.metric)
            # X gives the same distances and is read in their place from now
            # on: held, the pool's rows doubled (in float64) the class's rows.
            self._pool_rows = None
        return self._X

    @X.setter
    def X(self, value):
        if value is not None and (not isinstance(value, np.ndarray)
                                  or value.ndim != 2
                                  or value.shape[0] != self.n):
            # Too few rows failed later with numpy's IndexError, too many
            # were read in part, silently.
            got = (f"shape {value.shape}" if isinstance(value, np.ndarray)
                   else f"a {type(value).__name__} (pass an ndarray, "
                   "np.asarray(rows, dtype=np.float64))")
            raise ValueError(
                f"X must hold the rows of the {counted(self.n, 'member')}, an "
                f"array of shape ({self.n}, n_features); got {got}."
            )
        exponent = 0
        if value is not None:
            value, exponent = self._checked_rows(value, self.metric)
        self._replace_rows(value, exponent)
        # They describe the rows replaced, from the cores of the other
        # classes, which a pseudo-class does not hold: left, the boundary
        # stage ranked the new rows by them.
        self.inside_distance = None
        self.outside_distance = None
        self.opponent = None

    def _replace_rows(self, value, exponent):
        """Hold the rows ``value`` (checked) in place of any others.

        Rows all under about 1e-146 have subnormal squared distances, up to
        a third off (the sampler scales its classes' rows, a direct user
        need not): ``exponent`` is the power of two the distances are then
        computed scaled by, exactly, and scaled back (see
        :meth:`_computing_rows`)."""
        self._X = value
        self._pool_rows = None
        self._exponent = exponent
        self._scaled_rows = None
        # The cached distances and distinct rows are the replaced rows':
        # read, they would give the old rows' distances.
        self._matrix = None
        self._distinct_rows = None
        self._distinct_plain = None
        self._row_of = None

    def _plain_rows(self):
        """Rows that give the same distances as ``X``: the pool's rows while
        ``X`` has not been made from them."""
        if self._X is None and self._pool_rows is not None:
            return self._pool_rows
        return self.X

    def _computing_rows(self):
        """The rows the distances are computed from: :meth:`_plain_rows`, or
        Euclidean rows all under about 1e-146 (given as ``X``) scaled by
        ``2**_exponent``, exactly, a copy made once; their distances are
        brought back to X's units by :meth:`_in_units_of_x`."""
        if not self._exponent:
            return self._plain_rows()
        if self._scaled_rows is None:
            self._scaled_rows = np.ldexp(self._plain_rows(), self._exponent)
        return self._scaled_rows

    def _in_units_of_x(self, D):
        """Distances (or sums of them) computed from :meth:`_computing_rows`,
        in X's units: ``D`` itself, scaled in place (exactly: the distances
        of rows above the underflow bound are normal numbers)."""
        if self._exponent:
            np.ldexp(D, -self._exponent, out=D)
        return D

    @property
    def n(self):
        """Number of members."""
        return self.indices.shape[0]

    def _local_positions(self, values, name):
        """``values`` as a 1-D intp array of local positions (an int is one
        position), or an error that says what is wrong.

        The compiled kernels behind ``distances`` and ``mean_distances`` do
        not check bounds: a position outside ``0 .. n - 1`` would read memory
        outside the class (garbage distances, or a crash).
        """
        array = np.asarray(values)
        positions = None if array.dtype.kind == "b" else whole_numbers(array)
        if positions is None:
            hint = ("; pass np.flatnonzero(mask) for a boolean mask"
                    if array.dtype.kind == "b" else "")
            raise TypeError(
                f"{name} must be local positions of the pseudo-class "
                f"(integers in [0, {self.n - 1}]); got an array of dtype "
                f"{array.dtype}{hint}." + not_whole_hint(array)
            )
        if positions.ndim == 0:
            positions = positions.reshape(1)
        elif positions.ndim != 1:
            raise ValueError(
                f"{name} must be a 1-D array of local positions; got shape "
                f"{positions.shape}."
            )
        if positions.size and (positions.min() < 0 or positions.max() >= self.n):
            bad = positions[(positions < 0) | (positions >= self.n)][:5].tolist()
            raise IndexError(
                f"{name} must be local positions in [0, {self.n - 1}] (pseudo-class "
                f"{self.label} has {counted(self.n, 'member')}); got {bad}."
            )
        return positions

    def _direct(self):
        """Few features: distances by direct evaluation (see
        ``_distances.DIRECT_MAX_FEATURES``)."""
        return self._plain_rows().shape[1] <= DIRECT_MAX_FEATURES

    def _fits_in_memory(self):
        """Whether the ``n x n`` float64 matrix fits ``working_memory``: the
        matrix alone, or with exact duplicate rows, the distinct rows' matrix
        and the intermediate of its expansion to all members as well."""
        budget = working_memory_bytes()
        n = self.n
        if 8 * n * n > budget:
            return False
        if 3 * 8 * n * n <= budget:
            return True
        m = len(self._distinct()[0])
        return 8 * (n * n + (m * m + n * m if m < n else 0)) <= budget

    def _distinct(self):
        """Distinct member rows (shifted to the core; unshifted, as
        ``_distinct_plain``, for direct evaluations) and each member's row
        among them (cached)."""
        if self._distinct_rows is None:
            # The direct evaluations sum float64 differences of X's rows; the
            # shift to the core converts the pool's rows itself.
            plain = self.X if self._direct() else self._plain_rows()
            if self._exponent:
                # X as given (so plain too), all tiny: scaled.
                plain = self._computing_rows()
            rows, inverse = unique_rows(plain)
            # Only the direct evaluations read the rows unshifted, and only
            # the products read them shifted: a class keeps the copy its
            # distances read (the other was another float64 copy of its
            # rows, read for its length only).
            if self._direct():
                self._distinct_plain = np.ascontiguousarray(rows)
                self._distinct_rows = self._distinct_plain
            else:
                self._distinct_plain = None
                self._distinct_rows = CenteredRows(rows,
                                                   plain[self.core_position])
            self._row_of = np.arange(self.n) if inverse is None else inverse
        return self._distinct_rows, self._row_of

    def distance_matrix(self):
        """The full ``n x n`` distance matrix (cached when it fits memory).

        Returns
        -------
        D : ndarray of shape (n, n)
            float64 distances between members, symmetric, zero diagonal.
        """
        if self._matrix is not None:
            return self._matrix
        rows, row_of = self._distinct()
        if self._direct():
            matrix = direct_within_distances(self._distinct_plain,
                                             self.metric == "cosine")
        else:
            # Products on one BLAS thread, as in a fit, also when a stage's
            # author calls this outside one: some BLAS builds (OpenBLAS's
            # Haswell kernels) round a product differently on more threads.
            with one_blas_thread_in_task():
                matrix = within_distances(rows, None, self.metric)
        self._in_units_of_x(matrix)
        if len(rows) != self.n:
            matrix = np.take(np.take(matrix, row_of, axis=0), row_of, axis=1)
        if self._fits_in_memory():
            self._matrix = matrix
        return matrix

    def distances(self, rows, cols=None):
        """Distances between members at local positions ``rows`` and ``cols``.

        Parameters
        ----------
        rows : int or array-like of int
            Local positions (in ``0 .. n - 1``) of the first members; an int
            is one position.
        cols : int, array-like of int or None, default=None
            Local positions of the second members; all members when None.

        Returns
        -------
        D : ndarray of shape (len(rows), len(cols))
            Always 2-D, also for an int ``rows`` or ``cols``.

        Raises
        ------
        IndexError
            If a position is outside ``0 .. n - 1``.
        TypeError
            If the positions are not whole numbers.
        """
        rows = self._local_positions(rows, "rows")
        cols = (np.arange(self.n) if cols is None
                else self._local_positions(cols, "cols"))
        if rows.size == 0 or cols.size == 0:
            return np.empty((rows.size, cols.size))
        if self._matrix is None and self._fits_in_memory() and rows.size > 1:
            self.distance_matrix()
        if self._matrix is not None:
            # Rows first, then columns, with take: several times faster than
            # fancy indexing or np.ix_ on big blocks.
            return np.take(np.take(self._matrix, rows, axis=0), cols, axis=1)
        if rows.size == 1:
            # One row (the boundary stage's case): evaluated directly, which
            # is exact for duplicates and needs no set-up; from the pool's
            # rows, without the float64 copy of the class that X would make.
            sq = row_sq_distances(self._computing_rows(), int(rows[0]), cols)
            return self._in_units_of_x(finish(sq, self.metric, out=sq))[None, :]
        # On demand: the requested rows against every distinct row (BLAS
        # products, no copy of the class), then the requested columns.
        # Working on distinct rows keeps exact duplicates exact ties.
        distinct, row_of = self._distinct()
        r_ids, r_back = np.unique(row_of[rows], return_inverse=True)
        c_ids = row_of[cols]
        n_distinct = len(distinct)
        if self._direct():
            # Each entry is evaluated on its own: only the columns asked for.
            needed, c_back = np.unique(c_ids, return_inverse=True)
            D = rows_sq_distances(self._distinct_plain, r_ids, needed)
            D[r_ids[:, None] == needed[None, :]] = 0.0
            self._in_units_of_x(finish(D, self.metric, out=D))
            return np.take(np.take(D, r_back.ravel(), axis=0), c_back.ravel(),
                           axis=1)
        # A block of rows against all n_distinct rows is far larger than the
        # result when few columns are asked for: blocks that fit
        # working_memory, of at least two rows (a one-row product is a
        # matrix-vector product).  BLAS may round an entry differently in a
        # block of another shape (and the cached matrix's blocks are other
        # products again), so the last bits depend on working_memory: see
        # the user guide's "Deterministic".
        out = np.empty((r_ids.size, c_ids.size))
        step = chunk_rows(r_ids.size, 8 * n_distinct + 1, min_rows=2)
        starts = list(range(0, r_ids.size, step))
        if len(starts) > 1 and r_ids.size - starts[-1] == 1:
            starts.pop()
        with one_blas_thread_in_task():
            for start, stop in zip(starts, starts[1:] + [r_ids.size], strict=True):
                ids = r_ids[start:stop]
                D = distinct.sq_block(ids)
                D[np.arange(ids.size), ids] = 0.0
                finish(D, self.metric, out=D)
                out[start:stop] = np.take(D, c_ids, axis=1)
        return np.take(self._in_units_of_x(out), r_back.ravel(), axis=0)

    def _distances_to(self, cols):
        """``lambda rows: self.distances(rows, cols)`` for many blocks of
        rows against the same columns (the on-demand IDC rings).

        Without a cached matrix, the products are taken against the
        columns' distinct rows only, gathered once, rather than against
        every row of the class (as ``distances`` does, then picking the
        columns): about half the products of the rings.
        """
        cols = np.asarray(cols, dtype=np.intp)
        if (self._matrix is not None or self._direct()
                or type(self).distances is not PseudoClass.distances):
            return lambda rows: self.distances(rows, cols)
        distinct, row_of = self._distinct()
        needed, c_back = np.unique(row_of[cols], return_inverse=True)
        c_back = c_back.ravel()
        if needed.size == 0:
            return lambda rows: np.empty((np.asarray(rows).size, 0))
        columns = CenteredRows.__new__(CenteredRows)
        # A copy of the columns' shifted rows (most of the class in float64
        # on the first rings), kept: BLAS needs them as one matrix, and the
        # ways around the copy change the products' shapes, so their last
        # bits (column blocks gathered one at a time, or the products
        # against every distinct row, then the columns picked: what
        # ``distances`` does, twice the products), or the order of the
        # class's shared shifted rows (grown members moved out of a block
        # the columns would be a view of).
        columns.rows = np.ascontiguousarray(distinct.rows[needed])
        columns.sq = distinct.sq[needed]

        def block(rows):
            r_ids, r_back = np.unique(row_of[np.asarray(rows, dtype=np.intp)],
                                      return_inverse=True)
            # Two rows at least: a one-row product is a matrix-vector
            # product, which BLAS may round otherwise.
            ids = r_ids if r_ids.size > 1 else np.repeat(r_ids, 2)
            D = distinct.cross_sq_block(ids, columns)
            # The same distinct row: an exact zero.
            where = np.searchsorted(needed, ids)
            hit = np.flatnonzero((where < needed.size)
                                 & (needed[np.minimum(where, needed.size - 1)]
                                    == ids))
            D[hit, where[hit]] = 0.0
            self._in_units_of_x(finish(D, self.metric, out=D))
            return np.take(np.take(D[:r_ids.size], r_back.ravel(), axis=0),
                           c_back, axis=1)

        return block

    def mean_distances(self, positions=None):
        """Mean distance of members to members, self included.

        Parameters
        ----------
        positions : array-like of int or None, default=None
            Restrict both sides to these members (e.g. those kept by
            denoising), local positions in ``0 .. n - 1``; all members when
            None.  Sums are compensated (nearly correctly rounded) and run
            over the members in ascending position.

        Returns
        -------
        means : ndarray of shape (len(positions),)
            Each member's mean distance to the members of ``positions``, in
            the order of ``positions`` (of all members, in local position
            order, when None).

        Raises
        ------
        IndexError
            If a position is outside ``0 .. n - 1``.
        TypeError
            If the positions are not whole numbers.
        """
        positions = (np.arange(self.n) if positions is None
                     else self._local_positions(positions, "positions"))
        # A subclass that redefines distances is read through them, cached
        # matrix or not: the base class's matrix holds other distances, and
        # its results would depend on working_memory.
        overridden = type(self).distances is not PseudoClass.distances
        if not overridden:
            if self._matrix is None and self._fits_in_memory():
                self.distance_matrix()
            if self._matrix is not None:
                return mean_rows(self._matrix, positions, np.sort(positions))
        columns = np.sort(positions)
        if not (self._direct() or overridden):
            with one_blas_thread_in_task():
                sums = self._in_units_of_x(self._triangle_sums(columns))
            return sums[np.searchsorted(columns, positions)] / positions.size
        out = np.empty(positions.size)
        # Row blocks that stay in cache, whatever the class size; the same
        # compensated sums as the cached path.
        to_columns = self._distances_to(columns)
        step = max(1, min(256, chunk_rows(positions.size, 3 * 8 * positions.size)))
        with one_blas_thread_in_task():
            for start in range(0, positions.size, step):
                rows = positions[start : start + step]
                out[start : start + step] = row_means(to_columns(rows))
        return out

    def _triangle_sums(self, columns):
        """Each member's compensated sum of distances to the members
        ``columns`` (ascending local positions), in that order, without the
        ``m x m`` matrix: strips of the lower triangle, each pair's distance
        taken once (half the products of row blocks against every column)
        and added to both members' sums by :func:`add_strip_sums`.
        """
        from ._kernels import add_strip_sums, gram_to_sq_distances

        distinct, row_of = self._distinct()
        # The members' rows in column order (duplicates repeated): one
        # m x d gather, far smaller than the products.
        ids = row_of[columns]
        if np.array_equal(ids, np.arange(len(distinct))):
            # Every member, each its own row (mean_distances()): the rows
            # themselves, not a copy of the class's shifted rows in float64.
            rows, sq = np.ascontiguousarray(distinct.rows), distinct.sq
        else:
            rows = np.ascontiguousarray(distinct.rows[ids])
            sq = distinct.sq[ids]
        m = columns.size
        duplicates = len(distinct) < self.n
        total = np.zeros(m)
        carry = np.zeros(m)
        # Strips of at most 512 rows (a strip's own square, computed whole,
        # stays a small share of the triangle), each within working_memory
        # (per thread, as elsewhere).  Their bounds do not depend on the
        # threads, so neither do the bits.
        step = min(512, chunk_rows(m, 8 * m + 1))
        starts = list(range(0, m, step))

        def strip(first):
            stop = min(m, first + step)
            D = rows[first:stop] @ rows[:stop].T
            gram_to_sq_distances(D, rows[first:stop], rows[:stop], sq[first:stop],
                                 sq[:stop], _CANCELLATION_ZONE)
            # The same distinct row (the member itself, or an exact
            # duplicate): an exact zero.
            if duplicates:
                D[ids[first:stop, None] == ids[None, :stop]] = 0.0
            else:
                D[np.arange(stop - first), np.arange(first, stop)] = 0.0
            strips[first] = finish(D, self.metric, out=D)

        # A class this large may run alone: its strips' products are shared
        # among the class's threads (as within_distances shares its panels),
        # a group at a time, and the sums taken in strip order.
        n_threads = CLASS_THREADS.get()
        strips = {}
        for group in range(0, len(starts), n_threads):
            map_blocks(strip, starts[group:group + n_threads], n_threads)
            for first in starts[group:group + n_threads]:
                add_strip_sums(strips.pop(first), first, total, carry)
        return total + carry

    def subset(self, positions):
        """A new PseudoClass made of the members at ``positions``, in that order.

        Parameters
        ----------
        positions : array-like of int
            Local positions (in ``0 .. n - 1``) to keep, the core among them
            exactly once.

        Returns
        -------
        pseudo_class : PseudoClass
            The members at ``positions`` (their rows and per-member
            statistics), in that order.
        """
        positions = self._local_positions(positions, "positions")
        where_core = np.flatnonzero(positions == self.core_position)
        if where_core.size != 1:
            raise ValueError(
                "A pseudo-class subset must contain its core once; positions "
                f"hold local position {self.core_position} (the core) "
                f"{where_core.size} times."
            )
        sub = PseudoClass(
            self.label,
            self.indices[positions],
            where_core[0],
            self.X[positions],
            self.metric,
            self.n_classes,
        )
        if self._matrix is not None:
            sub._matrix = np.take(np.take(self._matrix, positions, axis=0),
                                  positions, axis=1)
        for name in ("inside_distance", "outside_distance", "opponent"):
            value = getattr(self, name)
            if value is not None:
                setattr(sub, name, value[positions])
        return sub

    def __repr__(self):
        return (
            f"PseudoClass(label={self.label}, n={self.n}, "
            f"core={self.indices[self.core_position]})"
        )
