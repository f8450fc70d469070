"""Stage 1: core selection.

A core selector picks K distinct samples that become the centres of BiLAF's
pseudo-classes.  Every selector is also a one-shot sampler on its own, with the
same conventions as :class:`~sklearn_bilaf.BiLAFSampler` (``selected_indices_``,
``transform``, ``get_support``), so the baselines BiLAF is compared with are
one import away.

Writing your own core selector
------------------------------
Subclass :class:`BaseCoreSelector` and implement
``_select(X, n_select, random_state) -> indices``; or write any estimator whose
``fit(X, y=None, budget=None)`` sets ``selected_indices_`` to distinct row
numbers (``budget``, when given, is the most cores the sampler can take).
"""

import math
import re
import sys
import time
import warnings
from functools import partial
from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    HasMethods,
    InvalidParameterError,
    StrOptions,
    validate_parameter_constraints,
)

from ._centroid_graph import (
    AUTO_MIN_CENTROIDS,
    EXHAUSTIVE_BLOCK_ROWS,
    CentroidGraphSearch,
    build_block_bytes,
    resolve_graph_builder,
)
from ._distances import (
    all_zero_rows_error,
    chunk_rows,
    prepare,
    refuse_all_zero_rows,
    refuse_sparse,
    sq_norms,
    working_memory_bytes,
)
from ._text import counted, quoted, quoted_value, rows_counted, rows_named
from ._threads import (
    blas_threads,
    callers_config,
    kmeans_openmp_threads,
    one_blas_thread_in_task,
    one_thread,
)
from ._topk import update_columns_topk
from .base import (
    Count,
    Fraction,
    Number,
    SubsetSamplerMixin,
    _check_finite_in_chunks,
    _frame_dtypes,
    _is_int,
    _listed_as_float64,
    _non_finite_error,
    _non_finite_rows,
    _numbers_or,
    _pool_size,
    _row_blocks,
    caller_stacklevel,
    fit_or_forget,
    float_array,
    labels_not_rows_hint,
    non_finite_rows_error,
    not_whole_hint,
    pool_array,
    refuse_non_numbers,
    refuse_text_read_as_numbers,
    refuse_unchecked_scale,
    require_whole_numbers,
    reshaped_hint,
    resolve_count,
    sequence_array,
    spread_rows,
    validate_pool,
    whole_numbers,
)

__all__ = [
    "ActiveFTSelector",
    "BaseCoreSelector",
    "ClustererSelector",
    "FarthestPointSelector",
    "KMeansSelector",
    "PrecomputedSelector",
    "RandomSelector",
    "default_init",
    "default_n_cores",
    "isolation_radii",
    "least_isolated_rows",
    "nearest_unused",
    "paper_n_cores",
]

#: Share of the pool taken as cores by ``n_cores="auto"`` (at most the
#: budget), chosen on validation splits of real pools: see the user guide's
#: "Choosing K" and the benchmarks page.
AUTO_CORE_FRACTION = 0.05

#: Share of the pool taken as cores by ``n_cores="paper"`` (the paper's
#: CIFAR-100 and ImageNet setting; ``"auto"`` meant it until validation
#: splits favoured ``AUTO_CORE_FRACTION``, see the development log).
PAPER_CORE_FRACTION = 0.005


def default_n_cores(n_samples):
    """``n_cores="auto"``: 5 % of the pool, at least 1 (the sampler caps it at
    the budget).

    Label-free: it depends on the pool size only.

    Parameters
    ----------
    n_samples : int
        Rows in the pool, at least 1.

    Returns
    -------
    n_cores : int
        ``max(1, int(n_samples * 0.05))``.
    """
    return max(1, int(_pool_size(n_samples) * AUTO_CORE_FRACTION))


#: ``init="auto"`` starts ActiveFT from the stratified k-means start up to
#: this many sample-centroid pairs (N x K).  Its k-means cost about N x K / 30
#: pairs per Lloyd iteration; ActiveFT's 300 iterations cost N x K each with
#: the exact search, but with the graph search (from 2,048 centroids) about
#: N times a few dozen plus K x K, so where K x K is small next to N the
#: start's share grows with K.  Measured on 2026-11-30 (synthetic float32
#: pools, 64 and 384 features, the benchmarks page), the start took 0.03 to
#: 0.18 times as long as ActiveFT's iterations up to N x K = 5e8, 0.18 and
#: 0.32 (two runs) at 300,000 x 3,000 = 9e8, but 0.43 at 1,000,000 x 5,000:
#: within the limit the start took at most about a quarter of ActiveFT's
#: time (the criterion; the two runs at 9e8 average 0.25).
AUTO_KMEANS_START_MAX_PAIRS = 1_000_000_000

#: ... and up to this many rows, because the k-means works on a normalised
#: copy of the pool, and scikit-learn's KMeans takes a temporary of the same
#: size for its tolerance (1.5 GB each for a million 384-D float32 rows).
AUTO_KMEANS_START_MAX_ROWS = 1_000_000


def default_init(n_samples, n_cores):
    """``init="auto"``: ``"stratified"`` when N x K is at most
    ``AUTO_KMEANS_START_MAX_PAIRS`` (1e9) and N at most
    ``AUTO_KMEANS_START_MAX_ROWS`` (1e6), else ``"random"``.

    Within those limits the start took at most about a quarter of the time
    of ActiveFT's iterations on the pools it was measured on (0.03 to 0.18
    up to N x K = 5e8; 0.18 and 0.32 in two runs at 9e8; see the benchmarks
    page), and its normalised copy of the pool is at most 1.5 GB (384-D
    float32 rows).

    Label-free: it depends on the pool size and the number of centroids only.

    Parameters
    ----------
    n_samples : int
        Rows in the pool (N), at least 1.
    n_cores : int
        Number of centroids (K), at least 1.

    Returns
    -------
    init : {"stratified", "random"}
        The start ActiveFT uses.
    """
    n_samples = _pool_size(n_samples)
    n_cores = _pool_size(n_cores, "n_cores", "the number of centroids")
    if (n_samples * n_cores <= AUTO_KMEANS_START_MAX_PAIRS
            and n_samples <= AUTO_KMEANS_START_MAX_ROWS):
        return "stratified"
    return "random"


#: ``exclude_isolated="auto"``: the share of the pool's most isolated rows
#: left out, chosen on validation splits of real pools (the benchmarks page:
#: 0.05 was the best of 0.05, 0.1 and 0.2, and the only one clearly above
#: keeping every row).  Not the default: it gained nothing on the test
#: splits, and on imbalanced pools a rare class can make up most of the
#: rows it leaves out.
AUTO_EXCLUDE_ISOLATED = 0.05

#: ... up to this many rows: isolation is measured by an exact
#: nearest-neighbour search over every pair of rows (30 s for the
#: 65,617-row WordNet pool on two cores, 59 s on one), quadratic in N.
AUTO_EXCLUDE_ISOLATED_MAX_ROWS = 200_000

#: A row's isolation is its distance to its 10th nearest other row.
ISOLATION_NEIGHBOURS = 10


def isolation_radii(X, n_neighbors=ISOLATION_NEIGHBOURS):
    """Distance of each row to its ``n_neighbors``-th nearest other row, in
    ActiveFT's geometry (the Euclidean distance between L2-normalised rows).

    The rows are normalised in float64 and searched in float32 (float64 for
    a float64 pool) by scikit-learn's exact nearest-neighbour search, whose
    working memory it bounds; the normalised copy costs N x d of that dtype.
    The distances are returned in float64, as that search gives them.
    A zero row stays the zero vector (at distance 1 from every unit row).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The pool, at least 2 rows.  A DataFrame of float32 (or float16)
        columns, or of such columns beside int8, int16, uint8, uint16 or
        bool ones, is read as the float array numpy makes of it, with the
        same results; a list, another DataFrame or an object array is
        converted to float64 first.  Finite: NaN and inf (a DataFrame's
        missing values, ``pd.NA``, included) are refused, even under
        ``sklearn.config_context(assume_finite=True)``.
    n_neighbors : int, default=10
        Which neighbour (capped at ``n_samples - 1``).

    Returns
    -------
    radii : ndarray of shape (n_samples,), dtype=float64
        The distances, in [0, 2].
    """
    X = _checked_isolation_pool(X)
    if X.shape[0] < 2:
        raise ValueError(
            f"isolation_radii needs a pool of at least 2 rows (a row's "
            f"neighbours are other rows); got {X.shape[0]} "
            f"row{'' if X.shape[0] == 1 else 's'}.")
    if not _is_int(n_neighbors) or n_neighbors < 1:
        raise ValueError(
            f"n_neighbors={quoted_value(n_neighbors)} is not a valid neighbour "
            "rank; pass an int of at least 1.")
    return _isolation_radii(X, n_neighbors)


def _checked_isolation_pool(X):
    """X for the public isolation functions: dense, 2-D and finite (the
    selector checks its pool before calling the unchecked ones)."""
    refuse_sparse(X)
    numbers = refuse_non_numbers(X)
    given = X  # for the hint below: a list has no reshape method
    if not hasattr(X, "dtype") or X.dtype == object:
        # Numbers held as Python objects are converted too: NaN among them
        # escaped the check below and reached scikit-learn's.  A list's
        # numbers from the array its check read, not from the list again.
        X = (pool_array(X) if numbers is None
             else _listed_as_float64(numbers, X))
    if X.ndim != 2:
        raise ValueError(
            f"X must be a 2-D array of shape (n_samples, n_features); got "
            f"{X.ndim}-D. Use {reshaped_hint(given, '1, -1')} for one sample, "
            f"{reshaped_hint(given, '-1, 1')} for one feature.")
    if X.shape[1] == 0:
        # numpy's "zero-size array to reduction operation" before, or, for
        # a small share, the rows kept as if compared.
        raise ValueError(
            f"X has no features (shape {X.shape}): pass embeddings with at "
            "least one column."
        )
    if X.dtype.kind == "f":
        _check_finite_in_chunks(X)
    return X


def _isolation_radii(X, n_neighbors=ISOLATION_NEIGHBOURS):
    from sklearn.neighbors import NearestNeighbors

    n = X.shape[0]
    dtype = np.float64 if X.dtype == np.float64 else np.float32
    unit = np.empty(X.shape, dtype=dtype)
    step = chunk_rows(n, 16 * X.shape[1] + 1)
    for start in range(0, n, step):
        # A copy whatever the dtype: the division below is in place.
        block = np.array(X[start:start + step], dtype=np.float64)
        with np.errstate(over="ignore", under="ignore"):
            norms = np.linalg.norm(block, axis=1, keepdims=True)
        odd = ~((norms > 1e-150) & (norms < 1e150))[:, 0]
        if odd.any():
            # Squares that underflow (or overflow) would make a tiny row a
            # zero row: such rows are scaled by their largest entry first.
            rows = block[odd]
            peak = np.abs(rows).max(axis=1, keepdims=True)
            np.divide(rows, peak, out=rows, where=peak > 0)
            block[odd] = rows
            norms[odd] = np.linalg.norm(rows, axis=1, keepdims=True)
        np.divide(block, norms, out=block, where=norms > 0)
        block[(norms == 0)[:, 0]] = 0.0
        unit[start:start + step] = block
    k = min(n_neighbors, n - 1)
    distances, _ = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(
        unit).kneighbors()
    # float64 whatever the search: without scikit-learn's compiled search
    # (enable_cython_pairwise_dist=False) it returns the pool's float32; the
    # cast is exact, so the radii's order is the search's.
    return np.asarray(distances[:, -1], dtype=np.float64)


def least_isolated_rows(X, share, n_keep_at_least=1):
    """Row numbers of X without its ``share`` most isolated rows
    (:func:`isolation_radii`), ascending.

    ``round(share * n_samples)`` rows are left out, fewer if that would keep
    fewer than ``n_keep_at_least``; among equal radii the lower row numbers
    are kept.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The pool, as for :func:`isolation_radii` (NaN and inf refused).
    share : float
        In [0, 1).
    n_keep_at_least : int, default=1
        Rows to keep whatever ``share`` (the number of samples to select).

    Returns
    -------
    kept : ndarray of shape (n_kept,)
        The row numbers kept, ascending.
    """
    X = _checked_isolation_pool(X)
    if X.shape[0] == 0:
        # No row to keep, whatever n_keep_at_least: an empty result before.
        raise ValueError(
            f"X has no rows (shape {X.shape}): pass a pool of at least one "
            "sample."
        )
    # A duration is an Integral to numpy, not a share.
    if (isinstance(share, bool | np.bool_ | np.timedelta64)
            or not isinstance(share, Real)):
        raise TypeError(f"share={quoted_value(share)} is not a number; pass a "
                        "float in [0, 1).")
    if not 0.0 <= share < 1.0:
        raise ValueError(f"share={quoted_value(share)} is not a valid share; "
                         "pass a float in [0, 1).")
    if not _is_int(n_keep_at_least):
        raise TypeError(f"n_keep_at_least={quoted_value(n_keep_at_least)} is "
                        "not an int; pass the number of rows to keep, at least 1.")
    if n_keep_at_least < 1:
        raise ValueError(f"n_keep_at_least={quoted_value(n_keep_at_least)} is "
                         "not a valid count; pass at least 1.")
    return _least_isolated_rows(X, share, n_keep_at_least)


def _least_isolated_rows(X, share, n_keep_at_least=1):
    n = X.shape[0]
    n_drop = min(int(round(share * n)), n - n_keep_at_least)
    if n_drop <= 0:
        return np.arange(n)
    radii = _isolation_radii(X)
    return np.sort(np.argsort(radii, kind="stable")[:n - n_drop])


def paper_n_cores(n_samples):
    """``n_cores="paper"``: 0.5 % of the pool, at least 1 (the paper's setting).

    Parameters
    ----------
    n_samples : int
        Rows in the pool, at least 1.

    Returns
    -------
    n_cores : int
        ``max(1, int(n_samples * 0.005))``.
    """
    return max(1, int(_pool_size(n_samples) * PAPER_CORE_FRACTION))


def _checked_selection(selector, indices, n_select, n_samples):
    """What ``_select`` returned, as row numbers, or an error naming the class.

    A selector is also a sampler on its own: without this check a custom
    ``_select`` that returns too few rows, repeated or negative ones (which
    numpy reads from the end) or fractions (which a cast truncates) gives a
    wrong selection silently.
    """
    name = f"{type(selector).__name__}._select"
    expected = (f"{name} must return {counted(n_select, 'distinct row number')} in "
                f"[0, {n_samples - 1}]")
    array = require_whole_numbers(indices, expected)
    if array.shape != (n_select,):
        raise ValueError(f"{expected}; got an array of shape {array.shape}.")
    outside = array[(array < 0) | (array >= n_samples)]
    if outside.size:
        raise ValueError(f"{expected}; got {outside[:5].tolist()}.")
    unique, counts = np.unique(array, return_counts=True)
    if unique.size != array.size:
        raise ValueError(f"{expected}; repeated: {unique[counts > 1][:5].tolist()}.")
    return array


def _validate_budget(selector, budget):
    """Refuse a ``budget`` fit argument that is not None or a count >= 1
    (0 would select nothing, a bool or a string fail deep in the selection).
    Skipped under ``skip_parameter_validation``, as the parameters are."""
    if get_config()["skip_parameter_validation"]:
        return
    validate_parameter_constraints(
        {"budget": [None, Count(1, None, closed="left")]}, {"budget": budget},
        caller_name=f"{type(selector).__name__}.fit",
    )


class BaseCoreSelector(SubsetSamplerMixin, BaseEstimator):
    """Base class for core selectors (one-shot samplers).

    Subclasses define ``_select(X, n_select, random_state)`` returning
    ``n_select`` distinct row numbers of X, and take an ``n_cores``
    parameter (or override ``_n_select(n_samples, budget)``).  ``fit``
    validates X, resolves ``n_cores`` (``"auto"``, ``"paper"``, an int, or a
    float fraction of the pool) and stores the result **sorted ascending**
    in ``selected_indices_``.
    """

    _parameter_constraints: dict = {
        "n_cores": [
            StrOptions({"auto", "paper"}),
            Count(1, None, closed="left"),
            Fraction(0, 1, closed="right"),
        ],
        "random_state": ["random_state"],
    }

    def _n_select(self, n_samples, budget):
        if not hasattr(self, "n_cores"):
            # A user's subclass: say what the base class expects of it.
            name = type(self).__name__
            raise TypeError(
                f"{name} has no n_cores parameter, from which BaseCoreSelector "
                f"resolves the number of samples to select. Add it to "
                f"{name}.__init__ (n_cores='auto', stored as self.n_cores = "
                "n_cores), or override _n_select(n_samples, budget) to return "
                "the count."
            )
        if isinstance(self.n_cores, str) and self.n_cores == "paper":
            return resolve_count("auto", n_samples, name="n_cores", cap=budget,
                                 auto=paper_n_cores)
        return resolve_count(
            self.n_cores, n_samples, name="n_cores", cap=budget, auto=default_n_cores
        )

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, budget=None):
        """Select the core samples of the pool X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The pool of embeddings.
        y : None
            Ignored; selection never looks at labels.
        budget : int >= 1 or None, default=None
            The most samples the caller can take; ``n_cores="auto"`` and
            ``"paper"`` are capped at it and an explicit ``n_cores`` above it
            is an error.

        Returns
        -------
        self : object
            Fitted selector.
        """
        _validate_budget(self, budget)
        with fit_or_forget(self):
            X = validate_pool(self, X)
            n_select = self._n_select(X.shape[0], budget)
            rng = check_random_state(getattr(self, "random_state", None))
            indices = _checked_selection(self, self._select(X, n_select, rng),
                                         n_select, X.shape[0])
            self.selected_indices_ = np.sort(indices)
            self.n_samples_fit_ = X.shape[0]
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


class RandomSelector(BaseCoreSelector):
    """Uniformly random samples, without replacement.

    Parameters
    ----------
    n_cores : {"auto", "paper"}, int or float, default="auto"
        How many samples: ``"auto"`` is 5 % of the pool (at most the
        sampler's budget), ``"paper"`` the paper's 0.5 % (at most the
        budget), an int is a count, a float in (0, 1] a fraction.
    random_state : int, RandomState instance or None, default=None
        Seed of the draw.

    Attributes
    ----------
    selected_indices_ : ndarray of shape (n_cores,)
        Selected row numbers, ascending.
    n_samples_fit_ : int
        Rows in the pool.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when X has string column
        names.

    See Also
    --------
    ActiveFTSelector : BiLAF's default core selection.
    FarthestPointSelector : Greedy coverage instead of a random draw.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_bilaf.core import RandomSelector
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> RandomSelector(n_cores=3, random_state=0).fit(X).selected_indices_.tolist()
    [2, 4, 8]
    """

    def __init__(self, n_cores="auto", random_state=None):
        self.n_cores = n_cores
        self.random_state = random_state

    def _select(self, X, n_select, random_state):
        return random_state.choice(X.shape[0], size=n_select, replace=False)


class PrecomputedSelector(BaseCoreSelector):
    """Cores given as an array of row numbers.

    ``BiLAFSampler(core_selector=[...])`` wraps the array in this class.
    The numbers are rows of the X given to ``fit``: in cross-validation or
    a grid search, each fold fits on other rows, where the same numbers
    point at other samples, so use a core selector there.

    Parameters
    ----------
    indices : array-like of int
        Distinct row numbers of the pool.

    Attributes
    ----------
    selected_indices_ : ndarray of shape (n_cores,)
        The given row numbers, ascending.
    n_samples_fit_ : int
        Rows in the pool.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when X has string column
        names.

    See Also
    --------
    sklearn_bilaf.BiLAFSampler : Takes an array of core indices as
        ``core_selector`` and wraps it in this class.

    Notes
    -----
    The numbers are positions, counted from 0, never labels of a
    DataFrame's index.  Integer labels cannot be told from positions, so
    they are not refused: on a frame indexed 7, 10, 12, ..., the label 10
    is taken as the eleventh row, not the second (and a label past the last
    row is refused as out of range).  Convert labels to positions first:
    ``PrecomputedSelector(X.index.get_indexer(labels))``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_bilaf.core import PrecomputedSelector
    >>> PrecomputedSelector([4, 1]).fit(np.zeros((6, 2))).selected_indices_.tolist()
    [1, 4]
    """

    _parameter_constraints: dict = {"indices": ["array-like"]}

    def __init__(self, indices):
        self.indices = indices

    def _indices(self):
        """The given indices as integers; refuse what is not row numbers."""
        if np.ma.is_masked(self.indices):
            # numpy would hand over the values under the mask as if valid.
            n_masked = int(np.ma.count_masked(self.indices))
            raise ValueError(
                "Precomputed core indices are a masked array with "
                f"{counted(n_masked, 'masked entry', 'masked entries')}, and the "
                "values under the mask would be used as cores. Pass the unmasked "
                "ones (indices.compressed())."
            )
        indices = np.asarray(self.indices)
        if indices.ndim != 1 or indices.size == 0:
            raise ValueError(
                "Precomputed core indices must be a non-empty 1-D array of row "
                f"numbers; got shape {indices.shape}."
            )
        if indices.dtype.kind == "b":
            # Checked before the count: a mask's length is not its core count.
            raise ValueError(
                "Precomputed core indices must be row numbers, not a boolean "
                "mask; pass np.flatnonzero(mask)."
            )
        rows = whole_numbers(indices)
        if rows is None:
            raise ValueError(
                "Precomputed core indices must be integers (row numbers); got "
                f"dtype {indices.dtype}." + not_whole_hint(indices)
                + labels_not_rows_hint(indices)
            )
        return rows

    def _n_select(self, n_samples, budget):
        indices = self._indices()
        if budget is not None and indices.size > budget:
            raise ValueError(
                f"{indices.size} precomputed cores exceed the budget of {budget}; "
                "the number of cores must not exceed the budget. Pass at most "
                f"{counted(budget, 'core index', 'core indices')} or raise the "
                "budget."
            )
        return indices.size

    def _select(self, X, n_select, random_state):
        indices = self._indices()
        n = X.shape[0]
        if indices.min() < 0 or indices.max() >= n:
            # The values as given (huge ones were clipped to intp's range).
            bad = quoted(np.asarray(self.indices)[(indices < 0) | (indices >= n)][:5])
            raise ValueError(
                f"Precomputed core indices must lie in [0, {n - 1}] for a pool of "
                f"{counted(n, 'row')}; got {bad}."
            )
        unique, counts = np.unique(indices, return_counts=True)
        if unique.size != indices.size:
            raise ValueError(
                "Precomputed core indices must be distinct; repeated: "
                f"{unique[counts > 1][:5].tolist()}."
            )
        return indices


# -- exact nearest-unused matching ----------------------------------------
#: Candidates kept per centre by :func:`nearest_unused` before a centre falls
#: back to a full scan (needed only when they are all taken or too close to
#: call in the working precision).
_NEAREST_CANDIDATES = 16


def _error_bound(dtype, n_features):
    """Relative error bound of an expanded-form squared distance.

    A dot product of ``n_features`` terms is off by at most ``n_features`` unit
    roundoffs times ``|a| |b|``; the few extra operations (normalising, centring,
    the two norms) are covered by the additive margin.  Multiplied by
    ``|a|^2 + |b|^2`` this bounds the absolute error on the squared distance.
    """
    return (int(n_features) + 16) * float(np.finfo(dtype).eps)


def _norm_bound(sq, max_abs, n_features):
    """An upper bound (to within a few ulps) of the norm of a float64 vector,
    or the largest of some, from its computed squared norm ``sq`` and its
    largest absolute entry ``max_abs``: ``sqrt(sq)``, unless the squares lost
    digits to underflow (norms under about 1e-146), which makes ``sqrt(sq)``
    too small, even 0; then ``sqrt(n_features) * max_abs``."""
    if sq >= n_features * _FULL_PRECISION_SQ[np.dtype(np.float64)]:
        return math.sqrt(sq)
    return math.sqrt(n_features) * max_abs


def _rows_on_one_line(X):
    """Whether every row of X is a multiple of one vector ``v`` (a pool of
    rank one, e.g. ``t[:, None] * v``), to within rounding in X's dtype.

    Such rows all normalise to ``v / |v|`` or its opposite, so whatever
    compares rows by their direction (ActiveFT, the cosine metric) cannot
    tell the rows of either sign apart.  One pass over the pool a chunk at a
    time, in its dtype (a float32 pool stays float32), stopping at the
    first chunk off the line: every row, divided by its largest absolute
    entry (which keeps the squares from overflowing or underflowing), is
    compared with its projection on a reference row of a large norm (the
    largest of the first rows).  False for fewer than two rows, for a pool
    holding an all-zero row (it has no direction: the callers refuse it)
    or NaN, and for rows all equal, which nothing tells apart.
    """
    n, n_features = X.shape
    if n < 2:
        return False
    dtype = _work_dtype(X)
    # Relative to the rows' norms: the rounding of the products below.
    tol_sq = _error_bound(dtype, n_features) ** 2
    step = chunk_rows(n, 4 * n_features * dtype.itemsize + 16)
    unit = None
    all_equal = True
    start, stop = 0, min(n, 256, step)  # the first rows decide most pools
    with np.errstate(all="ignore"):
        while start < n:
            # C order, as ActiveFT reads every block: the products round
            # the same whatever the pool's layout.
            chunk = np.ascontiguousarray(X[start:stop], dtype=dtype)
            peaks = np.maximum(chunk.max(axis=1), -chunk.min(axis=1))
            if not (peaks > 0).all():  # an all-zero row, or NaN
                return False
            rows = chunk / peaks[:, None]
            if unit is None:
                reference = chunk[int(np.argmax(peaks))].copy()
                unit = rows[int(np.argmax(peaks))]
                unit = unit / np.sqrt(np.dot(unit, unit))
            if all_equal:
                all_equal = bool((chunk == reference).all())
            residual = rows - np.outer(rows @ unit, unit)
            if not (sq_norms(residual) <= tol_sq * sq_norms(rows)).all():
                return False
            start, stop = stop, min(n, stop + step)
    return not all_equal


def _directionless(X):
    """Why X's rows have no usable directions, as words for a warning, or
    None: a single feature, or rows all on one line through the origin
    (:func:`_rows_on_one_line`)."""
    if X.shape[1] == 1:
        return "with a single feature every row normalises to +1 or -1"
    if _rows_on_one_line(X):
        return ("the rows all lie on one line through the origin (each is a "
                "multiple of the same vector), so every row normalises to "
                "that vector's direction or its opposite")
    return None


def _warn_cosine_picks_arbitrary(who, X, n_select):
    """Warn, at the user's line, that a selector with ``metric='cosine'``
    cannot tell X's rows apart when they have no usable directions: its
    picks are then decided by ties and rounding."""
    n = X.shape[0]
    if n_select >= n:
        return
    why = _directionless(X)
    if why is None:
        return
    warnings.warn(
        f"{who}(metric='cosine') compares rows by their direction, and {why}, "
        f"so which {counted(n_select, 'row')} of the {n} it picks is "
        "arbitrary. Pass metric='euclidean' (the default), which measures "
        "the distances between the rows (in a BiLAFSampler with "
        "metric='cosine', pass it to the sampler too).",
        UserWarning,
        stacklevel=caller_stacklevel(),
    )


def _work_dtype(X):
    dtype = getattr(X, "dtype", None)
    if dtype in (np.float32, np.float64):
        return np.dtype(dtype)
    return np.dtype(np.float64)


def _exact_sq_to_point(X, rows, point, metric):
    """Squared distances, in float64 by direct differences, of X[rows] to point."""
    out = np.empty(rows.size)
    step = chunk_rows(rows.size, 16 * X.shape[1] + 1)
    for start in range(0, rows.size, step):
        stop = min(rows.size, start + step)
        diff = prepare(X[rows[start:stop]], metric)
        diff -= point
        out[start:stop] = sq_norms(diff)
    return out


def nearest_unused(X, centres, metric="euclidean"):
    """For each centre in order, the nearest sample not taken by an earlier one.

    Centre 0 takes its nearest sample, centre 1 its nearest sample other than
    that one, and so on, so the result is ``n_centres`` distinct rows of X.
    Ties go to the lower sample index.  The answer is exact: distances are
    screened in the precision of X (float32 stays float32, unless all rows
    lie so close to the centres, within about 1e-16, that float32 squares
    underflow, or rows or centres lie so far out, past about 1e18, that
    they could overflow: then float64), and every decision
    that the screening cannot make safely is taken on float64 distances
    evaluated directly.  Memory stays bounded for any pool size: X is read in
    row blocks of scikit-learn's ``working_memory`` and only a few candidates
    per centre are kept (centres whose candidates are all taken, or tie with
    the samples beyond them, as on pools of many exact duplicates, are
    resolved by extra passes over X, each shared by up to 256 such centres
    and holding their distances within half of ``working_memory``).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The pool, finite numbers (NaN and infinity, a DataFrame's missing
        values, ``pd.NA``, included, are refused, even under
        ``sklearn.config_context(assume_finite=True)``); never
        modified nor copied whole (memory maps work), except a list, a
        DataFrame or an object array, converted to float64 first (a
        DataFrame of float32 or float16 columns, beside int8, int16,
        uint8, uint16 or bool ones too, to the float array numpy makes of
        it, with the same results as that array).  With
        ``metric="euclidean"``, values of X or the centres whose squared
        distances overflow float64 (past about ``6.7e153 / sqrt(n_features)``)
        are refused with a ``ValueError`` saying by what to rescale both;
        any smaller value is taken, in a float32 X too (values past about
        1e18 are screened in float64, see above, with the same exact
        answer), although the estimators refuse a float32 pool whose
        squared distances overflow float32, as they compute its distances
        in float32.  With ``metric="cosine"`` any finite value is taken.
    centres : array-like of shape (n_centres, n_features)
        Points in the space of X, ``n_centres <= n_samples``.
    metric : {"euclidean", "cosine"}, default="euclidean"
        ``"cosine"`` ranks samples by cosine similarity to the centre (the
        most similar first); all-zero rows are then refused.

    Returns
    -------
    indices : ndarray of shape (n_centres,), dtype=intp
        ``indices[k]`` is the sample matched to ``centres[k]``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_bilaf.core import nearest_unused
    >>> X = np.array([[0.0], [1.0], [2.0], [10.0]])
    >>> nearest_unused(X, [[0.9], [1.1], [9.0]]).tolist()
    [1, 2, 3]
    """
    if metric not in ("euclidean", "cosine"):
        raise ValueError("metric must be 'euclidean' or 'cosine'; got "
                         f"{quoted_value(metric)}.")
    refuse_sparse(X)
    if hasattr(centres, "format") and hasattr(centres, "tocsr"):
        # numpy failed on it with "setting an array element with a sequence".
        raise TypeError(
            "centres is a sparse matrix; pass dense centres "
            "(centres.toarray())."
        )
    listed = {}
    for name, values in (("X", X), ("centres", centres)):
        # A list (any sequence without a dtype) is read by numpy once, here
        # (np.iscomplexobj read it, then the checks and the conversion below
        # again): its array serves them all.  A ragged one is refused here,
        # naming it (np.iscomplexobj failed with numpy's bare error).
        listed[name] = sequence_array(values, name)
        checked = values if listed[name] is None else listed[name]
        # A frame's column dtypes say whether it may hold complex numbers:
        # np.iscomplexobj converted the whole frame to find out (through
        # Python objects for nullable columns), before its conversion.
        columns = _frame_dtypes(checked)
        if ((columns is None or any(getattr(dtype, "kind", "O") == "c"
                                    for _, dtype in columns))
                and np.iscomplexobj(checked)):
            # numpy would drop the imaginary parts, with only a warning.
            raise ValueError(
                f"{name} must hold real numbers; got dtype "
                f"{np.asarray(checked).dtype}. Pass the real embeddings "
                f"(np.real({name}) if the imaginary parts are zero)."
            )
    refuse_non_numbers(X if listed["X"] is None else listed["X"])
    # A list of object rows reads back as an object array, whose text a
    # cast would read as the numbers it spells (refuse_non_numbers checks
    # a list itself for that, not its array).
    if listed["X"] is not None:
        refuse_text_read_as_numbers(listed["X"])
    if not hasattr(X, "dtype") or X.ndim != 2 or X.dtype == object:
        # Numbers held as Python objects too: numpy's isfinite refuses them.
        numbers = _numbers_or(X, listed["X"])
        # numpy's array of a list of ints cast in its own buffer: its
        # float64 copy held both.
        X = (pool_array(X) if numbers is X
             else _listed_as_float64(numbers, X))
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D; got shape {X.shape}.")
    refuse_non_numbers(centres if listed["centres"] is None else listed["centres"],
                       "centres")
    if listed["centres"] is not None:
        refuse_text_read_as_numbers(listed["centres"], "centres")
    centres = _numbers_or(centres, listed["centres"])
    # As given, for the errors' hints: the float64 conversion hides that
    # float16 centres (or float16 columns) overflow past 65504.
    given_centres = centres
    if not (type(centres) in (np.ndarray, np.memmap)
            and centres.dtype == np.float32):
        centres = float_array(centres, "centres")
    # else read as they are: prepare below makes the one float64 copy, and
    # a float64 conversion here was a second one held throughout.
    n, d = X.shape
    if centres.ndim != 2 or centres.shape[1] != d:
        raise ValueError(
            f"centres must have shape (n_centres, {d}) to match X; got "
            f"{centres.shape}."
        )
    if d == 0 and n:
        # numpy's "zero-size array to reduction operation" before.
        raise ValueError(
            f"X has no features (shape {X.shape}): pass embeddings with at "
            "least one column."
        )
    n_centres = centres.shape[0]
    if n_centres > n:
        raise ValueError(
            f"{counted(n_centres, 'centre')} cannot "
            f"{'get a sample' if n_centres == 1 else 'each get a distinct sample'}"
            f" from a pool of {counted(n, 'row')}. Use at most "
            f"{counted(n, 'centre')}."
        )
    nan_rows, inf_rows = _non_finite_rows(_row_blocks(centres))
    if nan_rows.size or inf_rows.size:
        # Named by their rows, as X's are; a centre cannot be dropped
        # without moving the samples of the centres after it.
        raise _non_finite_error(
            nan_rows, inf_rows, given_centres, "centres",
            fix=lambda n: ("Fix the step that produced "
                           f"{'it' if n == 1 else 'them'}: the result has one "
                           "sample per centre, in order."))
    if n_centres == 0:
        return np.empty(0, dtype=np.intp)
    if metric == "euclidean":
        # Squared distances past float64 (values beyond about 1e154) gave
        # one sample to several centres, or the lowest whatever the centres.
        # Max and min reductions: np.abs(centres) was a K x d float64
        # temporary outside working_memory.
        peak = max(float(centres.max()), -float(centres.min()))
        if peak > _largest_value(d):
            raise _overflow_error("centres", peak)
    if metric == "cosine":
        # A block of rows at a time: centres != 0 was a K x d boolean array.
        zero = np.concatenate(
            [start + np.flatnonzero(~np.any(block != 0, axis=1))
             for start, block in _row_blocks(centres)])
        if zero.size:
            # Checked here: prepare's message speaks of the pool's rows.
            raise ValueError(
                "metric='cosine' is undefined for all-zero centres; "
                f"{rows_counted(zero, noun='centre')} "
                f"{'is' if zero.size == 1 else 'are'} all zero. Pass non-zero "
                "centres or use metric='euclidean'."
            )
    dtype = _work_dtype(X)
    if (dtype == np.float32 and metric == "euclidean"
            and not 4.0 * d * peak * peak <= _FLOAT32_ROOM_SQ):
        # Centres this far out (values past about 1e18) have float32
        # squares or products with the rows past float32's range (the
        # check above is float64's): the screened distances were inf or
        # NaN, a wrong sample was taken or the scan found no candidate.
        # Shifted to their mean, their entries are at most twice the peak.
        dtype = np.dtype(np.float64)
    exact_centres = prepare(centres, metric)
    if (dtype == np.float32 and metric == "euclidean"
            and _float32_screen_fails(X, exact_centres)):
        # Rows this far out (values past about 1e19) are screened in float64
        # below anyway, once a block of them overflows, and a pool of rows
        # this close to the centres' mean (within about 1e-16) once the
        # float32 pass is done: such a pool is told by a few of its rows,
        # not by a float32 pass given up.
        dtype = np.dtype(np.float64)
    n_keep = min(n, _NEAREST_CANDIDATES + 1)
    origin, shifted_t, centre_sq, kept_d, kept_i, max_row_sq = _nearest_screen(
        X, metric, dtype, exact_centres, n_keep)
    if dtype == np.float32 and not np.isfinite(max_row_sq):
        # Rows whose float32 squares overflow (values past about 1e19): the
        # screened distances were inf or NaN, so no candidate came within
        # the bound.  float64 holds them.
        dtype = np.dtype(np.float64)
        # Let go first: the float32 pass's transposed centres (half a K x d
        # float64 array) and candidates were held through the float64 one.
        del origin, shifted_t, centre_sq, kept_d, kept_i
        origin, shifted_t, centre_sq, kept_d, kept_i, max_row_sq = _nearest_screen(
            X, metric, dtype, exact_centres, n_keep)
    if (dtype == np.float32 and metric == "euclidean"
            and max_row_sq < d * _FULL_PRECISION_SQ[dtype]):
        # Rows this close to the centres' mean (within about 1e-16) have
        # float32 squares and products in or below the subnormal range,
        # whose absolute rounding the relative error bound does not cover:
        # screen in float64 instead, where products of float32 values never
        # underflow.
        dtype = np.dtype(np.float64)
        del origin, shifted_t, centre_sq, kept_d, kept_i  # as above
        origin, shifted_t, centre_sq, kept_d, kept_i, max_row_sq = _nearest_screen(
            X, metric, dtype, exact_centres, n_keep)

    order = np.argsort(kept_d, axis=1, kind="stable")
    kept_d = np.take_along_axis(kept_d, order, axis=1).astype(np.float64)
    kept_i = np.take_along_axis(kept_i, order, axis=1)
    tol = _error_bound(dtype, d) * (max_row_sq + centre_sq.astype(np.float64))
    # Products near the underflow threshold (float64 rows under about 1e-154)
    # lose up to half a subnormal step per term, in the screened distances
    # and in the exact ones alike: an absolute error that the relative bound
    # does not cover.
    tol += 4 * (d + 16) * float(np.finfo(dtype).smallest_subnormal)
    if metric == "cosine":
        # Rows normalised in the working dtype are off by up to about
        # (d + 16) ulps of their unit length, which the bound above (relative
        # to the shifted rows) does not cover when the rows are nearly
        # parallel and their shifted norms tiny.
        off = float(_error_bound(dtype, d))
        tol += off * (2 * (np.sqrt(max_row_sq) + np.sqrt(centre_sq.astype(np.float64)))
                      + off)
    if n > _NEAREST_CANDIDATES:
        # Every sample outside the candidates is at least this far (screened).
        bound = kept_d[:, _NEAREST_CANDIDATES] - tol
        kept_i = kept_i[:, :_NEAREST_CANDIDATES]
    else:
        bound = np.full(n_centres, np.inf)

    # Decide among the candidates on exact distances, ties to the lower index.
    n_cand = kept_i.shape[1]
    exact = np.empty(kept_i.shape)
    step = max(1, chunk_rows(n_centres, 24 * n_cand * d + 1))
    for start in range(0, n_centres, step):
        stop = min(n_centres, start + step)
        rows = prepare(X[kept_i[start:stop].ravel()], metric)
        rows = rows.reshape(stop - start, n_cand, d)
        rows -= exact_centres[start:stop, None, :]
        exact[start:stop] = np.einsum("kmd,kmd->km", rows, rows)
    order = np.lexsort((kept_i, exact), axis=1)
    kept_i = np.take_along_axis(kept_i, order, axis=1)
    exact = np.take_along_axis(exact, order, axis=1)

    taken = np.zeros(n, dtype=bool)
    out = np.empty(n_centres, dtype=np.intp)
    scans = {}  # centre -> its screened distances to every row
    for k in range(n_centres):
        free = np.flatnonzero(~taken[kept_i[k]])
        if free.size and exact[k, free[0]] < bound[k]:
            choice = kept_i[k, free[0]]
        else:
            if k not in scans:
                # Every later centre that cannot decide now will not later
                # either (taken only grows): scan the pool for a batch of
                # them at once.  One pass per centre was a cliff on pools
                # of many exact duplicates, where every centre scans.
                later = _undecided(kept_i[k:], exact[k:], bound[k:], taken) + k
                later = later[~np.isin(later, list(scans))]
                # The screened distances held, within half working_memory.
                room = working_memory_bytes() // (16 * n) - len(scans)
                batch = later[:max(1, min(_MAX_SCAN_BATCH, room))]
                columns = _screened_columns(
                    X, metric, dtype, origin,
                    np.ascontiguousarray(shifted_t.T[batch]))
                # Copies: a view would keep the whole batch alive.
                scans.update((int(c), columns[:, j].copy())
                             for j, c in enumerate(batch))
                del columns
            choice = _nearest_unused_scan(X, metric, scans.pop(k),
                                          exact_centres[k], taken, tol[k])
        taken[choice] = True
        out[k] = choice
    return out


def _largest_value(n_features):
    """The largest absolute value whose squared distances (between points
    of ``n_features`` such values) stay within float64, as the estimators'
    input check has it."""
    return math.sqrt(np.finfo(np.float64).max / (4.0 * n_features))


def _refuse_non_finite_rows(X, start=0):
    """Refuse the rows of ``X[start:]`` that hold NaN or inf, if any (the
    rows before ``start`` passed already), numbered in X and named as the
    estimators name them, NaN's and inf's apart; a block of rows at a time."""
    nan_rows, inf_rows = _non_finite_rows(
        (start + offset, block) for offset, block in _row_blocks(X[start:]))
    if nan_rows.size or inf_rows.size:
        raise _non_finite_error(nan_rows, inf_rows, X)


def _overflow_error(name, peak):
    return ValueError(
        f"{name} has values as large as {peak:.3g}, so squared distances "
        "between the rows of X and the centres overflow float64. Rescale X "
        f"and the centres (e.g. divide both by {peak:.3g})."
    )


def _refuse_non_finite_or_overflowing(X, start):
    """Refuse the rows of ``X[start:]`` that hold NaN or inf, as
    :func:`_refuse_non_finite_rows` does, else raise the overflow error
    quoting their largest absolute value: one pass over those rows, where
    the two checks read them twice (a memory-mapped pool from disk again)."""
    peak = 0.0

    def blocks():
        nonlocal peak
        for offset, block in _row_blocks(X[start:]):
            if block.size:
                # NaN here is named below, before the peak would be used.
                peak = max(peak, abs(float(block.max())), abs(float(block.min())))
            yield start + offset, block

    nan_rows, inf_rows = _non_finite_rows(blocks())
    if nan_rows.size or inf_rows.size:
        raise _non_finite_error(nan_rows, inf_rows, X)
    raise _overflow_error("X", peak)


def _float32_screen_fails(X, exact_centres, count=64):
    """Whether about ``count`` rows spread over the float32 pool ``X`` (a
    strided view: a few pages of a memory map), shifted as
    :func:`_nearest_screen` shifts them, tell that :func:`nearest_unused`
    would screen the pool again in float64: one of them already overflows
    the float32 squares, or their squares are all as tiny as those of a
    pool screened again for underflow.

    A False is no promise: the screen still checks every block.  A True
    for tiny rows is none either (rows not looked at may be larger): such
    a pool is then screened in float64 alone, which decides on the same
    exact distances, so the same samples.  Rows holding NaN or inf give
    False, for the screen to name them in the whole pool.
    """
    rows = spread_rows(X, count)
    if not np.isfinite(rows).all():
        return False
    rows = prepare(rows, "euclidean", dtype=np.float32)
    with np.errstate(over="ignore"):
        rows -= exact_centres.mean(axis=0).astype(np.float32)
        top = float(sq_norms(rows).max())
    tiny = X.shape[1] * _FULL_PRECISION_SQ[np.dtype(np.float32)]
    return not top <= _FLOAT32_ROOM_SQ or top < tiny


def _nearest_screen(X, metric, dtype, exact_centres, n_keep):
    """:func:`nearest_unused`'s screening pass: the origin, the centres
    shifted by it (transposed, n_features x n_centres, in ``dtype``) and
    their squared norms, the ``n_keep`` smallest expanded-form squared
    distances (in ``dtype``) from each centre, their samples, and the
    largest squared norm of the shifted rows."""
    n, d = X.shape
    n_centres = exact_centres.shape[0]
    # Centring on the centres' mean keeps the expanded form's cancellation
    # error proportional to the spread of the data, not to its offset.
    origin = exact_centres.mean(axis=0).astype(dtype)
    # Shift by the origin as rounded to the working dtype, so that origin +
    # shifted reproduces each centre up to the rounding of the (small) shift:
    # the rounding of the origin itself scales with the data's offset, which
    # the error bound does not cover.
    # A block of centres at a time, straight into the transpose the products
    # read: the shift in float64, then in dtype, then transposed were three
    # K x d arrays besides the centres, outside working_memory.
    origin_64 = origin.astype(np.float64)
    shifted_t = np.empty((d, n_centres), dtype=dtype)
    centre_sq = np.empty(n_centres, dtype=dtype)
    step = chunk_rows(n_centres, (8 + np.dtype(dtype).itemsize) * d + 1)
    for start in range(0, n_centres, step):
        stop = min(n_centres, start + step)
        shifted = (exact_centres[start:stop] - origin_64).astype(dtype)
        centre_sq[start:stop] = sq_norms(shifted)
        shifted_t[:, start:stop] = shifted.T
    del shifted
    # The n_keep smallest screened distances per centre, merged block by
    # block in one compiled pass (ascending; on ties the lower sample).
    kept_d = np.full((n_centres, n_keep), np.inf, dtype=dtype)
    kept_i = np.full((n_centres, n_keep), -1, dtype=np.intp)
    minus_two = dtype.type(-2)
    max_row_sq = 0.0
    limit = _largest_value(d)
    limit_sq = limit * limit
    itemsize = np.dtype(dtype).itemsize
    step = chunk_rows(n, n_centres * itemsize + 2 * d * itemsize + 1)
    for start in range(0, n, step):
        stop = min(n, start + step)
        try:
            rows = prepare(X[start:stop], metric, dtype=dtype)
        except ValueError:
            # All-zero rows in cosine geometry: counted and named in the
            # whole pool, not in this block only.
            refuse_all_zero_rows(X)
            raise
        rows -= origin
        row_sq = sq_norms(rows)
        top = float(row_sq.max())
        if not np.isfinite(top):
            # NaN never compares: such rows gave row -1 (the last row) or
            # an arg-min of nothing.  Finite rows whose squares overflow
            # float32 are screened again in float64 (see nearest_unused).
            if not np.isfinite(X[start:stop]).all():
                # The rows before this block are finite; the error names
                # those of all the blocks after it too.
                _refuse_non_finite_rows(X, start)
            if dtype == np.float32:
                return origin, shifted_t, centre_sq, kept_d, kept_i, np.inf
        if dtype == np.float32 and not top <= _FLOAT32_ROOM_SQ:
            # Finite squares near float32's largest: the expanded form's
            # sum of up to four times them overflowed (inf distances, a
            # farther sample taken).  Screened again in float64 too.
            return origin, shifted_t, centre_sq, kept_d, kept_i, np.inf
        if dtype == np.float64 and metric == "euclidean" and not top <= limit_sq:
            # Past the largest values the estimators accept, whose squared
            # distances overflow float64 (rows near it but nearer the
            # centres' mean can stay under it).
            block = X[start:stop]
            peak = max(abs(float(block.max())), abs(float(block.min())))
            if not np.isfinite(top) or peak > limit:
                # The rescaling must cover the rows after this block too,
                # and NaN or inf there is named first, as in this block.
                _refuse_non_finite_or_overflowing(X, start)
        max_row_sq = max(max_row_sq, top)
        update_columns_topk(rows @ shifted_t, row_sq, centre_sq, minus_two, start,
                            kept_d, kept_i)
    return origin, shifted_t, centre_sq, kept_d, kept_i, max_row_sq


#: Most centres whose full-pool scans :func:`nearest_unused` runs in one pass.
_MAX_SCAN_BATCH = 256


def _undecided(kept_i, exact, bound, taken):
    """Centres (rows of ``kept_i``) whose candidates cannot decide their
    nearest unused sample with the samples ``taken``: all taken, or the first
    free one too close to the samples outside the candidates."""
    free = ~taken[kept_i]
    first = np.argmax(free, axis=1)
    best = exact[np.arange(kept_i.shape[0]), first]
    return np.flatnonzero(~free.any(axis=1) | ~(best < bound))


def _screened_columns(X, metric, dtype, origin, shifted_centres):
    """Screened squared distances of every sample to a few centres: a float64
    array of shape (n_samples, n_centres)."""
    n, d = X.shape
    itemsize = np.dtype(dtype).itemsize
    centre_sq = sq_norms(shifted_centres).astype(np.float64)
    shifted_t = np.ascontiguousarray(shifted_centres.T)
    screened = np.empty((n, shifted_centres.shape[0]), dtype=np.float64)
    step = chunk_rows(n, (2 * d + shifted_centres.shape[0]) * itemsize + 1)
    for start in range(0, n, step):
        stop = min(n, start + step)
        rows = prepare(X[start:stop], metric, dtype=dtype)
        rows -= origin
        block = screened[start:stop]
        block[...] = rows @ shifted_t
        block *= -2
        block += centre_sq
        block += sq_norms(rows)[:, None]
    return screened


def _nearest_unused_scan(X, metric, screened, exact_centre, taken, tol):
    """One centre, whole pool: its screened distances (from
    :func:`_screened_columns`, overwritten), then exact near the minimum."""
    screened[taken] = np.inf
    lowest = screened.min()
    # Anything within twice the error bound of the screened minimum may be
    # the true minimum (or tie with it).
    candidates = np.flatnonzero(screened <= lowest + 2 * tol)
    exact = _exact_sq_to_point(X, candidates, exact_centre, metric)
    return candidates[int(np.argmin(exact))]


#: Squared norms up to this keep the expanded form's terms, ``|a|^2``,
#: ``|b|^2`` and ``2 a.b``, and their sum within float32 (at most half its
#: largest value).
_FLOAT32_ROOM_SQ = float(np.finfo(np.float32).max) / 8

#: Below these squared norms, a sum of squares has lost digits to underflow.
_FULL_PRECISION_SQ = {
    np.dtype(t): float(np.finfo(t).tiny / np.finfo(t).eps) for t in (np.float32,
                                                                       np.float64)
}


def spherical_kmeans_start(X, n_centres, inv_norms, seed, log=None):
    """Samples nearest to the centres of k-means on the L2-normalised rows.

    ActiveFTSelector's ``init="k-means"``: scikit-learn's KMeans (k-means++
    seeding, one initialisation) on ``X * inv_norms[:, None]``, then, for each
    centre in order, the nearest unused sample.  Returns ``n_centres``
    distinct row numbers, ascending (the order of ActiveFT's centroids).
    ``log``, if given, receives progress lines (the seeding, then Lloyd's
    iterations, each minutes long on a large pool).
    """
    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning

    from ._kmeanspp import kmeans_plusplus_seeds

    unit = _unit_rows(X, inv_norms)
    # The seeding's chunks may use the cores (each on one BLAS thread, the
    # same seeds for any number of them).
    n_threads = blas_threads()
    # One thread: KMeans adds its threads' partial sums in the order the
    # threads finish (centres a few ulps apart on different thread counts,
    # and between runs on more than two), and the start must not depend on
    # the machine.
    with one_thread("blas", "openmp"), warnings.catch_warnings():
        # Fewer distinct normalised rows than centres (duplicates, or one
        # feature) make KMeans warn; the start is still K distinct samples,
        # because each centre takes its nearest *unused* sample.
        warnings.simplefilter("ignore", ConvergenceWarning)
        # The seeding is most of KMeans' time on large pools; this one gives
        # the same seeds as KMeans(init="k-means++") in about half of it.
        tic = time.perf_counter()

        def seeded(count):
            # Only a seeding long enough to wonder about is worth the lines.
            if time.perf_counter() - tic >= 5:
                log(f"k-means start: {count} of {n_centres} k-means++ seeds "
                    f"({time.perf_counter() - tic:.1f}s)")

        seeds = kmeans_plusplus_seeds(unit, n_centres, check_random_state(seed),
                                      n_threads=n_threads,
                                      progress=None if log is None else seeded,
                                      overwrite_x=True)
        if unit.dtype != np.float32:
            # The seeding centred the float64 copy in place, where a centred
            # copy held a second pool: KMeans must start from the rows it
            # would have had, so they are normalised again.
            _unit_rows(X, inv_norms, out=unit)
        if log is not None:
            log(f"k-means start: seeds chosen ({time.perf_counter() - tic:.1f}s); "
                "Lloyd's iterations ...")
        # copy_x=False: KMeans centres the pool in place instead of in a
        # second copy of it; adding the mean back leaves other last bits, so
        # the rows mapped to samples are normalised again (one pass over X).
        kmeans = KMeans(n_clusters=n_centres, init=unit[seeds], n_init=1,
                        random_state=seed, copy_x=False).fit(unit)
    _unit_rows(X, inv_norms, out=unit)
    return np.sort(nearest_unused(unit, kmeans.cluster_centers_, "euclidean"))


def _unit_rows(X, inv_norms, out=None):
    """X with each row scaled to unit norm, in ``inv_norms.dtype`` (written
    into ``out`` when given)."""
    # Built row block by row block in C order: the product of a pool that is
    # not C-contiguous would keep its layout, whose column means and
    # products the seeding rounds differently, and putting that in C order
    # would make a second copy of the pool.
    unit = np.empty(X.shape, dtype=inv_norms.dtype) if out is None else out
    step = chunk_rows(X.shape[0], 2 * X.shape[1] * unit.itemsize + 1)
    for start in range(0, X.shape[0], step):
        stop = min(X.shape[0], start + step)
        np.multiply(np.asarray(X[start:stop], dtype=unit.dtype),
                    inv_norms[start:stop, None], out=unit[start:stop])
    return unit


#: ``init="stratified"``: the number of coarse strata the pool is cut into
#: (at most K).  30 was the best of 10, 30 and 100 on a validation split of
#: Fashion-MNIST, then held on a second split and on WordNet (the
#: benchmarks page).
STRATA = 30


def proportional_shares(sizes, total):
    """Split ``total`` among groups of the given sizes in proportion to them.

    Largest remainders: each group gets the floor of its quota
    ``size * total / sum(sizes)``, and the units left go to the largest
    fractional parts, ties to the lower group.  No group gets more than its
    size when ``total <= sum(sizes)``.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    if int(total) == 0:
        return np.zeros_like(sizes)
    # Exact integer arithmetic: quotas as fractions with a common
    # denominator, so that ties are ties on every machine.
    numerators = sizes * int(total)
    shares = numerators // sizes.sum()
    remainders = numerators - shares * sizes.sum()
    left = int(total) - int(shares.sum())
    shares[np.argsort(-remainders, kind="stable")[:left]] += 1
    return shares


def stratified_kmeans_start(X, n_centres, inv_norms, seed, log=None):
    """The k-means start, with the budget shared among strata by their sizes.

    ActiveFTSelector's ``init="stratified"``: the L2-normalised rows are cut
    into ``min(STRATA, n_centres)`` strata by k-means; each stratum receives
    a share of the ``n_centres`` starting samples proportional to its size
    (:func:`proportional_shares`), as a random sample receives on average
    (if a stratum's share rounds to nothing, as that of a small, far-away
    group can, every stratum gets one start and the others are shared in
    proportion to the rows left);
    within a stratum the share is the samples nearest to the centres of
    k-means with that many clusters on its rows, as in
    :func:`spherical_kmeans_start`.  Why: k-means on the whole pool gives
    widely spread regions more centres than their share of the rows and
    compact ones fewer (on Fashion-MNIST at 2 %, about 60 % of their share
    to sneakers and 120 % to shirts); sharing by stratum size keeps k-means'
    coverage within strata and a random sample's proportions between them.
    Returns ``n_centres`` distinct row numbers, ascending.
    """
    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning

    from ._kmeanspp import kmeans_plusplus_seeds

    unit = _unit_rows(X, inv_norms)
    random_state = check_random_state(seed)
    n_threads = blas_threads()
    tic = time.perf_counter()

    def kmeans(rows, n_clusters, restore, copy_x=True):
        seeds = kmeans_plusplus_seeds(rows, n_clusters, random_state,
                                      n_threads=n_threads, overwrite_x=True)
        if rows.dtype != np.float32:
            # As in spherical_kmeans_start: float64 rows were centred in
            # place by the seeding, and KMeans needs them as they were.
            restore()
        return KMeans(n_clusters=n_clusters, init=rows[seeds], n_init=1,
                      random_state=random_state.randint(np.iinfo(np.int32).max),
                      copy_x=copy_x).fit(rows)

    def normalise_again():
        _unit_rows(X, inv_norms, out=unit)

    # One thread and no ConvergenceWarning: see spherical_kmeans_start.
    with one_thread("blas", "openmp"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        n_strata = min(STRATA, n_centres)
        if n_strata == 1:
            # The single stratum is the whole pool, and the k-means within it
            # below is the same one-cluster k-means: its centre is the mean
            # of the rows whatever the seeding, so run it there only.
            strata = np.zeros(unit.shape[0], dtype=np.intp)
        else:
            # In place, as in spherical_kmeans_start: the strata's rows are
            # then taken from the pool normalised again.
            strata = kmeans(unit, n_strata, normalise_again,
                            copy_x=False).labels_
            _unit_rows(X, inv_norms, out=unit)
        sizes = np.bincount(strata, minlength=n_strata)
        shares = proportional_shares(sizes, n_centres)
        filled = sizes > 0
        if np.any(filled & (shares == 0)):
            # A small, far-away group (a rare class) makes a stratum of its
            # own, whose share can round to nothing: then every stratum gets
            # one start and the others go in proportion to the rows left.
            shares = filled + proportional_shares(sizes - filled,
                                                  n_centres - int(filled.sum()))
        if log is not None:
            # Named as on the lines ActiveFTSelector prints around it.
            log(f"stratified k-means start: "
                f"{counted(n_strata, 'stratum', 'strata')} "
                f"({time.perf_counter() - tic:.1f}s); k-means in "
                f"{'it' if n_strata == 1 else 'each'} ...")
        picks = []
        with_share = np.flatnonzero(shares)
        last_line = time.perf_counter()
        for done, stratum in enumerate(with_share, start=1):
            members = np.flatnonzero(strata == stratum)
            if shares[stratum] == members.size:
                picks.append(members)
                continue
            if members.size == unit.shape[0]:
                # A stratum of every row (K = 1): as for the strata above,
                # the pool's normalised copy itself is clustered, not a copy
                # of it (three pools at the peak, where larger K hold two).
                centres = kmeans(unit, int(shares[stratum]), normalise_again,
                                 copy_x=False).cluster_centers_
                rows = _unit_rows(X, inv_norms, out=unit)
            else:
                # The gathered rows are already a copy: KMeans centres them
                # in place rather than copying them again (a large stratum,
                # as with K = 2 or 3, held three times its size next to the
                # pool), and they are gathered again for the matching.
                rows = unit[members]
                centres = kmeans(rows, int(shares[stratum]),
                                 partial(np.take, unit, members, axis=0,
                                         out=rows),
                                 copy_x=False).cluster_centers_
                np.take(unit, members, axis=0, out=rows)
            picks.append(members[nearest_unused(rows, centres, "euclidean")])
            # On a large pool the strata take minutes: a line now and then,
            # as the plain start gives during its seeding.
            if (log is not None and done < with_share.size
                    and time.perf_counter() - last_line >= _PROGRESS_SECONDS):
                last_line = time.perf_counter()
                log(f"stratified k-means start: {done} of "
                    f"{counted(with_share.size, 'stratum', 'strata')} done "
                    f"({last_line - tic:.1f}s)")
    return np.sort(np.concatenate(picks))


#: Least time between two progress lines of the stratified start.
_PROGRESS_SECONDS = 5


# What each caller of _inverse_row_norms tells the user to do about all-zero
# rows (the error must name the stage that normalises, not another one).
_ZERO_ROW_ADVICE = {
    "activeft": (
        "ActiveFTSelector (also the default core stage of BiLAFSampler) works "
        "on L2-normalised rows: remove {those}, or choose cores in Euclidean "
        "geometry (KMeansSelector, RandomSelector, FarthestPointSelector())."
    ),
    "farthest": (
        "FarthestPointSelector(metric='cosine') normalises every row: remove "
        "{those}, or use FarthestPointSelector(metric='euclidean')."
    ),
}


def _refuse_unchecked_non_finite(X, rows=None):
    """Refuse NaN and inf in the rows ``rows`` of X (None: all), naming
    them, if there are any.

    The input check refuses them, but is skipped under scikit-learn's
    ``assume_finite``: called where something computed from X (a norm,
    centres, the pool's mean) is not finite, before the error that thing
    would give, which would hide what the rows hold.
    """
    error = non_finite_rows_error(X, rows)
    if error is not None:
        raise error


def _inverse_row_norms(X, dtype, caller="activeft"):
    """1 / ||x_i|| per row (in ``dtype``), refusing all-zero rows."""
    n = X.shape[0]
    inv = np.empty(n, dtype=dtype)
    step = chunk_rows(n, 8 * X.shape[1] + 1)
    for start in range(0, n, step):
        stop = min(n, start + step)
        # In C order: einsum sums a column-major block's rows in another
        # order, and norms a few ulps apart would make the picks depend on
        # the memory layout.
        block = np.ascontiguousarray(X[start:stop], dtype=dtype)
        sq = sq_norms(block)
        # Squared norms that lost digits to underflow (or overflowed) are
        # redone in float64, scaled by the row's largest entry.
        redo = np.flatnonzero(~(sq >= _FULL_PRECISION_SQ[np.dtype(dtype)])
                              | ~np.isfinite(sq))
        norms = np.sqrt(sq).astype(dtype, copy=False)
        if redo.size:
            rows = np.asarray(block[redo], dtype=np.float64)
            peak = np.abs(rows).max(axis=1)
            # inf / inf (a row holding inf, unchecked under assume_finite)
            # is NaN, refused below with its row: no warning on the way.
            with np.errstate(invalid="ignore"):
                scaled = rows / np.where(peak > 0, peak, 1.0)[:, None]
            # A norm past float32's largest is inf, refused below.
            with np.errstate(over="ignore"):
                norms[redo] = peak * np.sqrt(sq_norms(scaled))
        inv[start:stop] = norms
    # The input check refuses NaN and inf, but is skipped under
    # scikit-learn's assume_finite: a row holding either has a NaN norm
    # here, which the errors below would call too small to normalise.
    unfinite = np.flatnonzero(~np.isfinite(inv))
    if unfinite.size:
        _refuse_unchecked_non_finite(X, unfinite)
        # Finite rows whose norm is past the dtype's largest value (also
        # past the input check's limit, so only under assume_finite): 1 /
        # inf made them zero rows, and ActiveFT's loss NaN, blamed on its
        # temperature.
        peak = float(np.abs(np.asarray(X[unfinite], dtype=np.float64)).max())
        upcast = "" if np.dtype(dtype) == np.float64 else " or pass it as float64"
        one = unfinite.size == 1
        raise ValueError(
            f"{counted(unfinite.size, 'row')} ({rows_named(unfinite)}) "
            f"{'has a norm' if one else 'have norms'} past the largest "
            f"{np.dtype(dtype).name}, so {'it' if one else 'they'} cannot be "
            f"normalised. Rescale X (e.g. divide it by {peak:.3g}){upcast}."
        )
    zero = np.flatnonzero(inv == 0)
    if zero.size:
        raise all_zero_rows_error(zero, "Cosine geometry",
                                  fix=_ZERO_ROW_ADVICE[caller])
    with np.errstate(over="ignore"):
        np.divide(1, inv, out=inv)
    huge = np.flatnonzero(~np.isfinite(inv))
    if huge.size:
        # Already float64: converting is no way out, only rescaling is.
        upcast = "" if np.dtype(dtype) == np.float64 else " or pass it as float64"
        raise ValueError(
            f"{counted(huge.size, 'row')} ({rows_named(huge)}) "
            f"{'has a norm' if huge.size == 1 else 'have norms'} too small to "
            f"normalise in {np.dtype(dtype).name}. Rescale X (e.g. multiply it "
            f"by a power of 10){upcast}."
        )
    return inv


# -- ActiveFT ---------------------------------------------------------------
#: Rows per task of the N x K similarity product.  Fixed (not derived from
#: the thread count) so that partial sums, added in task order, make the
#: result identical for any number of threads; small enough for a task's
#: products to stay in cache for the arg-max and the scatter that follow.
_ACTIVEFT_BLOCK_ROWS = 4096
# Rows compared with all centroids at once when most of a block's rows keep
# their winner (the gathered rows and their products are this many rows).
_ACTIVEFT_REDO_ROWS = 1024

#: Centroids per task of the K x K centroid-centroid term.
_ACTIVEFT_CENTROID_BLOCK = 256

#: Rows per task with ``centroid_search="graph"``.
_ACTIVEFT_GRAPH_BLOCK_ROWS = 8192

#: Bytes that one task of ActiveFT may hold, which caps the block sizes
#: above for very large K.  A constant (scikit-learn's default
#: ``working_memory``), not the live setting: the blocks group the partial
#: sums and shape the products, whose last bits 300 Adam steps amplify into
#: other picks, so they must not change with ``working_memory`` any more
#: than with the thread count.  The setting bounds how many tasks run at
#: once instead.
_ACTIVEFT_TASK_BYTES = 1024 * 2**20


#: Bytes of per-row arrays (winners, bounds, flags, scaled products) that a
#: task of ActiveFT's exact search holds for each row of its block.
_ACTIVEFT_ROW_ARRAY_BYTES = 64


def _exhaustive_row_bytes(n_centroids, n_features, itemsize):
    """Bytes a row costs a task of ActiveFT's exact search: its products
    with all centroids and its values (gathered, in a piece of the rows
    compared with all centroids), and its per-row arrays.  The thread
    count and the pieces both count rows so."""
    return (n_centroids + n_features) * itemsize + _ACTIVEFT_ROW_ARRAY_BYTES


def _fixed_chunk_rows(n_rows, bytes_per_row):
    """:func:`chunk_rows` under ``_ACTIVEFT_TASK_BYTES`` instead of the
    ``working_memory`` setting."""
    return int(max(1, min(n_rows, _ACTIVEFT_TASK_BYTES // max(1, int(bytes_per_row)))))


class _ActiveFTObjective:
    """ActiveFT's loss and gradient over the pool (or a batch of its rows).

    The rows of X are used as given and scaled by ``inv_norms`` on the fly, so
    the pool is never normalised into a copy: the arg-max over centroids is
    unchanged by a positive row scale, and only the winning similarity and
    the gradient's data term need the scale.

    The work is split into fixed row blocks, run on ``n_threads`` Python
    threads with single-threaded BLAS (numpy, BLAS and scipy's sparse product
    release the GIL), so that the arg-max and the scatter run in parallel too;
    the blocks' partial sums are added in block order.  Use as a context
    manager to release the threads.
    """

    #: Skip the rows whose winner is certain (tests turn it off to check
    #: that the result is the same).
    skip_certain_rows = True

    def __init__(self, X, inv_norms, temperature, balance, n_centroids, n_threads=1,
                 search=None):
        self.X = X
        # A CentroidGraphSearch replaces the exhaustive top-centroid search.
        self.search = search
        self.inv_norms = inv_norms
        self.temperature = float(temperature)
        # A Python int past int64 would reach numpy as an object; other
        # numbers keep their own log (a float32 balance its float32 one).
        self.log_balance = float(np.log(float(balance) if type(balance) is int
                                        else balance))
        self.dtype = _work_dtype(X)
        n, d = X.shape
        itemsize = self.dtype.itemsize
        # Block sizes must not depend on the thread count or on the
        # working_memory setting (the partial sums would be grouped, and the
        # products shaped, differently); memory is bounded instead by running
        # fewer blocks at once when one block is a large share of it.
        if search is None:
            row_bytes = _exhaustive_row_bytes(n_centroids, d, itemsize)
            block_rows = _ACTIVEFT_BLOCK_ROWS
        else:  # no K-wide products per row: bigger blocks, fewer partial sums
            row_bytes = 2 * d * itemsize + 64
            block_rows = _ACTIVEFT_GRAPH_BLOCK_ROWS
        self.block_rows = min(block_rows, _fixed_chunk_rows(n, row_bytes))
        task_bytes = self.block_rows * row_bytes
        if search is None:
            # The exact search compares one piece of at most
            # _ACTIVEFT_REDO_ROWS rows with all centroids at a time (see
            # _exhaustive_top): the block's other rows hold their values and
            # per-row arrays, not K products each.  Counted whole, a block
            # of 4,096 rows came to about four times what a task holds at
            # large K, and fewer threads ran than the setting allows.
            piece_rows = min(self.block_rows, _ACTIVEFT_REDO_ROWS)
            task_bytes = (piece_rows * row_bytes + (self.block_rows - piece_rows)
                          * (d * itemsize + _ACTIVEFT_ROW_ARRAY_BYTES))
        centroid_bytes = 3 * n_centroids * itemsize + 1
        self.centroid_block = min(_ACTIVEFT_CENTROID_BLOCK,
                                  _fixed_chunk_rows(n_centroids, centroid_bytes))
        largest = max(task_bytes, self.centroid_block * centroid_bytes)
        if search is not None:
            # K-wide arrays per task too: the products of the rows not seen
            # yet with all centroids, and a block of the exact graph build
            # (similarities and argpartition's int64 indices).
            largest = max(
                largest,
                min(self.block_rows, EXHAUSTIVE_BLOCK_ROWS) * n_centroids * itemsize,
                build_block_bytes(n_centroids, itemsize, _ACTIVEFT_TASK_BYTES))
        n_threads = min(int(n_threads), max(1, working_memory_bytes() // largest))
        self.n_threads = n_threads
        # Each thread's share of working_memory for the exhaustive search's
        # pieces (below, in _exhaustive_top), read once for all threads.
        self._piece_bytes = working_memory_bytes() // n_threads
        self._executor = None
        # Bounds that let the exhaustive search skip rows whose winner cannot
        # have changed (below, in __call__): per row, its winner and a bound
        # on its best other centroid's normalised similarity when it was last
        # compared with all centroids, and how far the centroids had moved in
        # all by then.
        self._winner = self._other = self._moved_at = None
        self._moved = 0.0
        self._last_C = None
        # Twice a rounding bound of either side of a comparison, in normalised
        # units: a float product of d terms is off by at most d/2 ulps of
        # |x| |c| (with |c| = 1), and (d + 16) ulps leaves room for the rest.
        self._product_error = (d + 16) * float(np.finfo(self.dtype).eps)
        self._rounding = 4.0 * self._product_error
        # Products of rows near the underflow threshold also lose up to half
        # a subnormal step per term, whatever their size: an absolute bound
        # (raw units) that the relative one above does not cover.
        self._underflow = d * float(np.finfo(self.dtype).smallest_subnormal)
        # Single-threaded BLAS even without worker threads: products can round
        # differently on other thread counts, and the selection must not
        # depend on the machine's.
        self._limiter = one_thread("blas")
        self._limiter.__enter__()
        if self.n_threads > 1:
            from concurrent.futures import ThreadPoolExecutor

            # Under the caller's scikit-learn configuration, which a new
            # thread does not inherit: anything a block calls that reads it
            # (working_memory, assume_finite) then reads the caller's.
            self._executor = ThreadPoolExecutor(self.n_threads,
                                                initializer=callers_config())

    def close(self):
        if self._executor is not None:
            self._executor.shutdown()
            self._executor = None
        if self._limiter is not None:
            self._limiter.__exit__(None, None, None)
            self._limiter = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _map(self, func, items):
        """``map(func, items)`` in order, on the threads when there are some."""
        if self._executor is None:
            yield from map(func, items)
            return

        def on_one_blas_thread(item):
            # Again in the worker thread when BLAS is built on OpenMP (MKL,
            # some OpenBLAS builds): it keeps a thread count per thread.
            with one_blas_thread_in_task():
                return func(item)

        # Rounds of a few tasks bound the memory held by finished partials.
        width = 2 * self.n_threads
        for start in range(0, len(items), width):
            yield from self._executor.map(on_one_blas_thread,
                                          items[start : start + width])

    def _track_moves(self, C_work):
        """Add the farthest any centroid moved since the last call to the
        running total (an upper bound on how much any row's similarity to a
        centroid can have grown since)."""
        if self._last_C is not None and self._last_C.shape == C_work.shape:
            # A block of centroids at a time: the float64 differences of all
            # of them were three K x d temporaries more.  Subtracted in
            # float64 straight into one buffer for every block (the same
            # values): each block's float64 copies of both operands were
            # two block-sized arrays, even for float64 centroids.
            largest = 0.0
            diff = np.empty((min(_ACTIVEFT_CENTROID_BLOCK, C_work.shape[0]),
                             C_work.shape[1]))
            for start in range(0, C_work.shape[0], _ACTIVEFT_CENTROID_BLOCK):
                stop = min(C_work.shape[0], start + _ACTIVEFT_CENTROID_BLOCK)
                part = diff[: stop - start]
                np.subtract(C_work[start:stop], self._last_C[start:stop],
                            out=part, dtype=np.float64)
                step = np.sqrt(sq_norms(part))
                largest = max(largest, float(step.max()))
            # Rounded up, the step and the running total: the bounds must
            # not be short by the rounding of either.  Late in a run the
            # steps can fall below half an ulp of the total, which a sum
            # rounded to nearest would drop.
            self._moved = math.nextafter(
                self._moved + largest * (1 + 1e-6), math.inf)
        else:
            # First call (or other centroids): every row compares with all.
            # Set up here, before the blocks run in their threads.
            n = self.X.shape[0]
            self._winner = np.zeros(n, dtype=np.intp)
            self._other = np.full(n, np.inf)
            self._moved_at = np.zeros(n)
            self._moved = 0.0
        self._last_C = C_work

    def _exhaustive_top(self, X_block, inv_block, ids, C_work, C_t):
        """Each row's most similar centroid and its raw product with it (in
        the working dtype).

        The winner is the arg-max of the exact products (ties: the first
        centroid): rows compared with all centroids take the product's
        arg-max, and where other centroids come within the product's
        rounding of it, the largest of their products summed in float64.
        A row whose winner beat every other centroid, when it was last
        compared with all of them, by more than the centroids have moved
        since (plus rounding) keeps it without the comparison.  Neither the
        skipping nor the BLAS's rounding can change a winner, and the
        winning product is summed in float64 in a fixed order for every row,
        so the result does not depend on which rows are skipped.
        """
        from ._kernels import winner_similarities

        m = X_block.shape[0]
        X_block = np.asarray(X_block)
        raw = np.empty(m)
        winner = self._winner[ids]
        if self.skip_certain_rows:
            slack = ((self._moved - self._moved_at[ids]) + self._rounding
                     + 4.0 * self._underflow * inv_block.astype(np.float64))
        else:
            slack = np.full(m, np.inf)
        need = np.empty(m, dtype=np.bool_)
        winner_similarities(X_block, C_work, winner, inv_block, self._other[ids],
                            slack, raw, need)
        redo = np.flatnonzero(need)
        # In pieces, the gathered rows and their products within
        # working_memory (a block's rows all compared are read in place).
        # The pieces cannot change the result (see above), so their size may
        # depend on the setting.  Each thread takes its share of it: the
        # thread count is set from a block's first piece and its other
        # rows' values, whose share a piece outgrows where blocks are short
        # (very large K).  Rows are counted as the thread count counts them
        # (they counted 2 K products each, where a piece holds one), and the
        # block's own per-row arrays come out of the share first.
        everything = redo.size == m
        step = min(_ACTIVEFT_REDO_ROWS,
                   chunk_rows(m, _exhaustive_row_bytes(C_t.shape[1],
                                                       X_block.shape[1],
                                                       X_block.itemsize),
                              budget=max(0, self._piece_bytes
                                         - _ACTIVEFT_ROW_ARRAY_BYTES * m)))
        for first in range(0, redo.size, step):
            part = redo[first : first + step]
            rows = (X_block[first : first + part.size] if everything
                    else X_block[part])
            top, other, top_raw = self._compare_all(rows, inv_block[part],
                                                    C_work, C_t)
            winner[part] = top
            raw[part] = top_raw
            part_ids = ids[part]
            self._winner[part_ids] = top
            self._other[part_ids] = other
            self._moved_at[part_ids] = self._moved
        return winner, raw.astype(self.dtype)

    def _compare_all(self, rows, inv_rows, C_work, C_t):
        """Winners of ``rows`` among all centroids (see _exhaustive_top),
        the best other normalised similarity as the product gives it, and
        the winning raw products summed in float64."""
        from ._kernels import winner_similarities

        m = rows.shape[0]
        products = rows @ C_t
        top = products.argmax(axis=1)
        at = np.arange(m)
        best_work = products[at, top]
        best = best_work.astype(np.float64)
        # Products within twice their rounding of the largest may be the
        # largest: those rows decide on float64 sums.
        reach = best - 2 * (self._product_error / inv_rows + self._underflow)
        # The best other product is needed anyway (the skipping's bound),
        # and a row has two products at its reach exactly when its best
        # other one is there: the arg-max's own product always is (a row
        # with NaN, whose arg-max is the NaN, never compares).  Counting them
        # took another pass over the products, 7-9 % of this function's time
        # with 656-1,312 centroids.
        products[at, top] = -np.inf
        second = products.max(axis=1)
        close = np.flatnonzero(second >= reach.astype(products.dtype))
        # Their winners may change below: their products are restored, and
        # their best other product is taken again once the winner is known.
        products[close, top[close]] = best_work[close]
        for i in close:
            candidates = np.flatnonzero(products[i] >= reach[i])
            exact = np.empty(candidates.size)
            winner_similarities(np.repeat(rows[i : i + 1], candidates.size, axis=0),
                                C_work, candidates, np.ones(candidates.size),
                                np.full(candidates.size, np.inf),
                                np.zeros(candidates.size), exact,
                                np.empty(candidates.size, dtype=np.bool_))
            top[i] = candidates[int(np.argmax(exact))]
        if close.size:
            products[close, top[close]] = -np.inf
            second[close] = products[close].max(axis=1)
        other = second.astype(np.float64) * inv_rows
        top_raw = np.empty(m)
        winner_similarities(rows, C_work, top, inv_rows, other, np.zeros(m),
                            top_raw, np.empty(m, dtype=np.bool_))
        return top, other, top_raw

    def _centroid_terms(self, C, C_bar, C_bar_t):
        """log Z_k and sum_j E_jk c_bar_j, with G = C_bar C^T / tau
        (``C_bar_t``: C_bar's C-contiguous transpose)."""
        K = C.shape[0]
        inv_tau = self.dtype.type(1.0 / self.temperature)

        def columns(span):
            start, stop = span
            G = C[start:stop] @ C_bar_t  # G transposed: row k holds G[:, k]
            G *= inv_tau
            peak = G.max(axis=1)
            G -= peak[:, None]
            np.exp(G, out=G)
            total = G.sum(axis=1)
            log_z = peak + np.log(total.astype(np.float64))
            G /= total[:, None]
            return log_z, G @ C_bar

        spans = [(s, min(K, s + self.centroid_block))
                 for s in range(0, K, self.centroid_block)]
        log_z = np.empty(K)
        # Filled part by part: the parts held until a concatenation were a
        # second K x d array.
        mixed = np.empty_like(C)
        for (start, stop), (part_log_z, part_mixed) in zip(
                spans, self._map(columns, spans), strict=True):
            log_z[start:stop] = part_log_z
            mixed[start:stop] = part_mixed
        return log_z, mixed

    def __call__(self, theta, rows=None, c_bar=None):
        """Loss and gradient at ``theta`` (K x d, float64).

        ``rows`` are the batch's row numbers (all rows when None); ``c_bar``
        replaces the constant (stop-gradient) copy of the centroids in the
        centroid-centroid term, which only a gradient check needs.
        """
        dtype = self.dtype
        K, d = theta.shape
        norms = np.sqrt(sq_norms(theta))
        # Not copied in float64: C_work is only read from here on.
        C_work = (theta / norms[:, None]).astype(dtype, copy=False)
        # A C-contiguous transpose: OpenBLAS runs the transposed view of a
        # small operand on a threaded path that is very slow on small pools.
        C_t = np.ascontiguousarray(C_work.T)
        if c_bar is None:
            C_bar, C_bar_t = C_work, C_t
        else:
            C_bar = np.asarray(c_bar, dtype=dtype)
            C_bar_t = np.ascontiguousarray(C_bar.T)
        log_z, mixed = self._centroid_terms(C_work, C_bar, C_bar_t)
        log_bz = (self.log_balance + log_z).astype(dtype)
        inv_tau = dtype.type(1.0 / self.temperature)
        X, inv_norms = self.X, self.inv_norms
        search = self.search
        if search is not None:
            search.prepare(C_work, self._map, C_t=C_t,
                           task_bytes=_ACTIVEFT_TASK_BYTES)
        else:
            self._track_moves(C_work)

        def block(span):
            start, stop = span
            # Blocks in C order, copied one at a time from a pool that is not
            # C-contiguous: BLAS rounds products of column-major or strided
            # rows differently, and 300 Adam steps turn that into other
            # picks, while a copy of the whole pool could be gigabytes.
            if rows is None:
                X_block = np.ascontiguousarray(X[start:stop])
                inv_block = inv_norms[start:stop]
            else:
                picked = rows[start:stop]
                X_block = np.ascontiguousarray(X[picked], dtype=dtype)
                inv_block = inv_norms[picked]
            m = X_block.shape[0]
            ids = np.arange(start, stop) if rows is None else picked
            if search is None:
                winner, s = self._exhaustive_top(X_block, inv_block, ids,
                                                 C_work, C_t)
            else:
                winner, s = search.top(X_block, ids, C_work, C_t)
            s *= inv_block
            s *= inv_tau
            log_bz_i = log_bz[winner]
            # -s + log(exp(s) + lambda Z) and w = lambda Z / (exp(s) + lambda Z),
            # both from one stable logaddexp.
            log_den = np.logaddexp(s, log_bz_i)
            loss = float(np.sum(log_den - s, dtype=np.float64))
            w = np.exp(log_bz_i - log_den)
            weight_sums = np.bincount(winner, weights=w, minlength=K)
            w *= inv_block
            # Rows for the block's winners only: a K-row sum per block was
            # a K x d array (per thread) however few rows the block had.
            hit, slot = np.unique(winner, return_inverse=True)
            # One non-zero per column: a CSC matrix scatters the weighted rows
            # into their centroids' sums in one pass over the block.
            scatter = sp.csc_matrix(
                (w, slot.astype(np.int32), np.arange(m + 1, dtype=np.int32)),
                shape=(hit.size, m),
            )
            return loss, weight_sums, hit, scatter @ X_block

        n_rows = X.shape[0] if rows is None else rows.size
        spans = [(s, min(n_rows, s + self.block_rows))
                 for s in range(0, n_rows, self.block_rows)]
        data_term = np.zeros((K, d))
        weight_sums = np.zeros(K)
        loss_sum = 0.0
        for loss, weights, hit, data in self._map(block, spans):
            loss_sum += loss
            weight_sums += weights
            if hit.size == K:
                data_term += data
            else:  # the other rows had zeros added, which left them as they were
                data_term[hit] += data
        scale = 1.0 / (n_rows * self.temperature)
        # In place from here on (the same operations on the same values):
        # each K x d temporary is as large as the centroids.
        # Let go (block above still names C_t): the products are done.
        C_t = C_bar_t = None
        grad_c = mixed.astype(np.float64, copy=False)
        del mixed  # in float32, replaced by its float64 copy
        grad_c *= weight_sums[:, None]
        grad_c -= data_term
        del data_term
        grad_c *= scale
        # Through the normalisation c = theta / |theta|, with the float64
        # unit centroids made again a block at a time (the same division):
        # held whole, in float32 beside their copy C_work, they were one
        # more K x d float64 array through the row blocks.
        grad_theta = grad_c
        for start in range(0, K, _ACTIVEFT_CENTROID_BLOCK):
            stop = start + _ACTIVEFT_CENTROID_BLOCK
            C = theta[start:stop] / norms[start:stop, None]
            radial = np.einsum("kd,kd->k", C, grad_c[start:stop])
            C *= radial[:, None]
            grad_theta[start:stop] -= C
        grad_theta /= norms[:, None]
        return loss_sum / n_rows, grad_theta


def _activeft_loss_grad(X, theta, temperature=0.07, balance=1.0, c_bar=None,
                        rows=None, n_threads=1):
    """ActiveFT loss and its gradient w.r.t. the raw centroids ``theta``.

    A helper for the tests and ``benchmarks/quality_ideas.py`` only:
    :class:`ActiveFTSelector` calls :class:`_ActiveFTObjective` itself (with
    its own thread count and, for many centroids, the graph search), and the
    tests check that, with the exact search, this function's loss is its
    ``loss_curve_``.

    The gradient treats the first factor of the centroid-centroid term as a
    constant (stop-gradient).  ``c_bar`` sets that constant explicitly (it
    defaults to the normalised ``theta``), so finite differences of the loss
    in ``theta`` at fixed ``c_bar`` reproduce the gradient.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The pool, as given (float32 is kept; other dtypes are converted to
        float64); its rows are normalised on the fly.
    theta : array-like of shape (n_centroids, n_features)
        The raw (not necessarily unit) centroids.
    temperature : float, default=0.07
        The selector's ``temperature``.
    balance : float, default=1.0
        The selector's ``balance``.
    c_bar : array-like of shape (n_centroids, n_features), default=None
        The constant first factor of the centroid-centroid term (None: the
        normalised ``theta``).
    rows : array-like of int, default=None
        Sorted rows of a batch (None: the whole pool).
    n_threads : int, default=1
        Threads over the row blocks; the result does not depend on it.

    Returns
    -------
    loss : float
    grad : ndarray of shape theta.shape, float64
    """
    X = np.asarray(X)
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    theta = np.asarray(theta, dtype=np.float64)
    with _ActiveFTObjective(
        X, _inverse_row_norms(X, X.dtype), temperature, balance, theta.shape[0],
        n_threads=n_threads,
    ) as objective:
        loss, grad = objective(theta, rows=rows, c_bar=c_bar)
    return loss, grad


class ActiveFTSelector(BaseCoreSelector):
    """ActiveFT core selection: centroids trained to match the data, in numpy.

    ActiveFT (Xie et al., CVPR 2023) learns K centroids on the unit sphere
    whose distribution matches the pool's while staying apart from each
    other, then takes the sample most similar to each centroid.  It is the
    first level of BiLAF and the default core selector of
    :class:`~sklearn_bilaf.BiLAFSampler`.

    Each iteration scores every sample against its most similar centroid,
    ``s_i = max_k cos(x_i, c_k) / temperature``, and minimises
    ``mean_i[-s_i + log(exp(s_i) + balance * Z_k(i))]`` where
    ``Z_k = sum_j exp(cos(c_j, c_k) / temperature)`` (the ``c_j`` held
    constant), with Adam on the raw centroids and the analytic gradient.
    The centroids then pick, in order, the most cosine-similar sample not
    already taken; ``selected_indices_`` holds those samples sorted
    ascending.

    float32 pools are processed in float32 (the optimiser state is float64).
    One float32 gradient is within a relative 1e-6 of the float64 one, but
    Adam's normalised steps can let such differences grow over the
    iterations: on 20,000 WordNet embeddings drawn at random (384-D, 100
    centroids, 300 iterations) the loss curve agreed with a float64 run to a
    relative 3e-7, the unit centroids to 2e-5 (absolute), and the 100
    selected samples were the same, but on the pool's first 20,000 rows the
    differences grew to 8e-5 and 0.02, and 98 of the 100 were the same
    (on AMD EPYC and Intel Xeon hosts, whose BLAS kernels round
    differently).
    The pool is never copied nor normalised into a copy (except by the
    k-means starts, see ``init``): it is read in row blocks, and those
    of a pool that is not C-contiguous (a Fortran-ordered array, a
    DataFrame's values, or a view such as ``X[:, :-1]``) are copied into C
    order one block at a time, so that the picks do not depend on the
    memory layout (such a pool is put in C order in a single copy when
    that fits scikit-learn's ``working_memory``, which saves copying the
    blocks again at every iteration).  The work runs
    on as many threads as BLAS may use, with a result that does not depend
    on their number, nor on scikit-learn's ``working_memory``: the row
    blocks are fixed (4,096 rows, compared with the K centroids at most
    1,024 rows at a time, or 8,192 rows with ``centroid_search="graph"``),
    and the setting bounds how many run at once.

    Parameters
    ----------
    n_cores : {"auto", "paper"}, int or float, default="auto"
        Number of centroids K: ``"auto"`` is 5 % of the pool (at most the
        sampler's budget), ``"paper"`` the paper's 0.5 % (at most the
        budget), an int is a count, a float in (0, 1] a fraction.
        With an ``init`` array, ``"auto"`` and ``"paper"`` mean its length.
    temperature : float, default=0.07
        Softmax temperature tau of the similarities.
    learning_rate : float, default=1e-3
        Adam step size (betas 0.9 and 0.999, eps 1e-8).
    max_iter : int, default=300
        Number of Adam iterations; there is no early stopping.
    batch_size : int or None, default=None
        Rows used per iteration, redrawn at random each iteration; None (or a
        value of at least the pool size) uses every row.
    balance : float, default=1.0
        Weight lambda of the centroid-centroid term.
    init : {"random", "k-means", "stratified", "auto"} or array-like of int, \
            default="random"
        Starting centroids: the features of K distinct samples drawn at random (the
        paper's start); ``"k-means"``, the samples nearest to the centres of k-means run
        on the L2-normalised rows (ActiveFT's own geometry; scikit-learn's
        :class:`~sklearn.cluster.KMeans`, k-means++ seeding, its Lloyd iterations on
        one thread so that the start is the same on every machine, the seeding of
        a float32 pool in fixed chunks on all threads, each on one BLAS thread, of
        a float64 pool on one thread; it costs about as much as ActiveFT's
        iterations, a normalised copy of X and, while seeding, a centred float64
        copy of it, for a float32 pool only when that fits scikit-learn's
        ``working_memory``); ``"stratified"``, the same on strata: the
        normalised rows are cut into 30 strata (at most K) by k-means, each
        stratum gets a share of the K starting samples in proportion to its
        size (as a random sample would, on average), and within a stratum
        they are the samples nearest to the centres of k-means with that many
        clusters (k-means on the whole pool
        gives widely spread regions more than their share and compact ones
        less; cheaper than ``"k-means"``, whose threads and copies it shares:
        the normalised copy, and while ``KMeans`` runs a temporary of its size
        for its tolerance, make the start's peak about twice the pool's size,
        three times for a float32 pool whose float64 seeding copy fits
        ``working_memory``, which does not bound the other two);
        ``"auto"``, ``"stratified"`` up to
        1e9 sample-centroid pairs (N x K) and a million rows, where it took
        at most about a quarter of the time of ActiveFT's iterations on the
        pools measured (0.18 and 0.32 in two runs at 9e8), ``"random"``
        beyond, where its share of the time grows or its normalised copy of
        the pool would be large (the start of
        :class:`~sklearn_bilaf.BiLAFSampler`'s default core stage);
        or the given K distinct sample indices (the run is then reproducible
        whatever ``random_state``, unless ``batch_size`` is set or the centroid
        graph is built by pynndescent, whose index is seeded from
        ``random_state``; see ``centroid_graph``).  On
        validation splits of two pools ``"stratified"`` gave the best
        selections of the starts we measured, then ``"k-means"`` (see the
        benchmarks page).
    random_state : int, RandomState instance or None, default=None
        Seed of the start (the random samples, or the k-means of
        ``init="k-means"`` and ``"stratified"``), of the batches and of the
        nndescent graph index.
    verbose : int, default=0
        Print the loss to stderr ten times per run, the last iteration
        included (every iteration when ``max_iter`` is at most 10 or
        ``verbose`` is 2 or more).
    centroid_search : {"auto", "exact", "graph"}, default="auto"
        How each row finds its most similar centroid in every iteration.
        ``"exact"`` compares it with all K centroids.  ``"graph"`` remembers
        the centroid each row matched the last time it was in a batch and
        walks greedily from it on a graph linking every centroid to its 32
        most similar centroids (rebuilt every 10 iterations); rows seen for
        the first time are searched exactly.  The walk costs a few dozen dot
        products instead of K, but can end at a local maximum, so the
        selection is approximate (on a 200,000-row pool with K = 1,000 the
        benchmarks page reports its overlap with the exact one).  ``"auto"``
        is ``"graph"`` from 2,048 centroids on, ``"exact"`` below.  Both are
        deterministic for a given ``random_state`` and independent of the
        number of threads.
    centroid_graph : {"auto", "exact", "nndescent"}, default="auto"
        How the graph of ``centroid_search="graph"`` is built: ``"exact"``
        from the K x K similarities between centroids (quadratic in K),
        ``"nndescent"`` with a pynndescent index (approximate; on clustered
        centroids it finds over 99.9 % of the exact neighbours).  ``"auto"``
        is ``"nndescent"`` from 20,000 centroids on, where the index builds
        (and pynndescent's one-time compilation, about 40 s) become cheaper
        than the exact products (see the benchmarks page), and ``"exact"``
        below.  Fewer than 132 centroids (four times the graph's 32 neighbours
        and the centroid itself) get the
        exact graph whatever this says, an index being pointless there;
        ``centroid_graph_`` tells which was built.  The index is built on
        one thread, from a seed
        drawn from ``random_state`` (from a copy of it, so the batches are the
        same as with the exact graph): the result stays deterministic and
        independent of the number of threads.  Ignored with the exact
        search.
    exclude_isolated : "auto" or float in [0, 1), default=0.0
        Share of the pool's most isolated rows left out: neither a start nor
        a pick, and not part of the distribution the centroids are trained
        to match (an extension of ActiveFT, in the spirit of BiLAF's
        denoising).  A row's isolation is its distance to its 10th nearest
        other row among the L2-normalised rows (an exact search over every
        pair of rows, chunked by scikit-learn; see :func:`isolation_radii`);
        ``round(share * N)`` rows are left out, fewer if fewer than K would
        remain.  The rest is gathered into a copy (the pool's dtype) that
        the iterations read.  ``0`` keeps every row (the paper's ActiveFT,
        and :class:`~sklearn_bilaf.BiLAFSampler`'s default core stage);
        ``"auto"`` is 0.05 up to 200,000 rows and 0 beyond (the search is
        quadratic in N), and 0 with an ``init`` array.  On a validation
        split of two nearly balanced pools 0.05, with the k-means start,
        gave the best selections we measured (on a second split of one of
        them the stratified start did better), but not on their test splits,
        and the rows of a rare class, sparser than the others, can make up
        most of those left out (see the benchmarks page): it is not the
        default.  A positive share with an ``init`` array is an error: the
        given samples could be among the rows left out.

    Attributes
    ----------
    selected_indices_ : ndarray of shape (n_cores,)
        Selected row numbers, ascending.
    centroids_ : ndarray of shape (n_cores, n_features)
        Final unit-norm centroids, in the order they picked their samples
        (dtype float32 for float32 input).
    init_indices_ : ndarray of shape (n_cores,)
        Samples whose features started the centroids, in centroid order.
    exclude_isolated_ : float
        The share of rows left out (``exclude_isolated`` with "auto"
        resolved).
    excluded_indices_ : ndarray of shape (n_excluded,)
        The rows left out, ascending (empty when none).
    init_ : {"random", "k-means", "stratified", "indices"}
        The start used (``init`` with "auto" resolved; "indices" for an
        array).
    loss_curve_ : ndarray of shape (n_iter_,)
        Loss at the start of each iteration (over that iteration's batch
        when ``batch_size`` is set).
    n_iter_ : int
        Number of iterations run (``max_iter``).
    centroid_search_ : {"exact", "graph"}
        The centroid search used (``centroid_search`` with "auto" resolved).
    centroid_graph_ : {"exact", "nndescent"} or None
        How its graph was built (``centroid_graph`` with "auto" resolved,
        "exact" below 132 centroids); None with the exact search.
    n_samples_fit_ : int
        Rows in the pool.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when X has string column
        names.

    See Also
    --------
    sklearn_bilaf.BiLAFSampler : ActiveFT cores plus boundary samples.
    KMeansSelector, FarthestPointSelector, RandomSelector : Other baselines.

    References
    ----------
    Yichen Xie et al. *Active Finetuning: Exploiting Annotation Budget in the
    Pretraining-Finetuning Paradigm.* CVPR 2023 (arXiv:2303.14382).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn_bilaf.core import ActiveFTSelector
    >>> X, y = make_blobs(300, n_features=8, centers=3, random_state=0)
    >>> selector = ActiveFTSelector(n_cores=3, max_iter=100, random_state=0).fit(X)
    >>> selector.selected_indices_.shape
    (3,)
    >>> bool(selector.loss_curve_[-1] < selector.loss_curve_[0])
    True
    >>> selector.transform(X).shape
    (3, 8)
    """

    #: Its distances are cosine ones: a pool of tiny values is not refused
    #: (see ``validate_pool``).
    _normalises_rows = True

    _parameter_constraints: dict = {
        **BaseCoreSelector._parameter_constraints,
        "temperature": [Number(0, None, closed="neither")],
        "learning_rate": [Number(0, None, closed="neither")],
        "max_iter": [Count(0, None, closed="left")],
        "batch_size": [None, Count(1, None, closed="left")],
        "balance": [Number(0, None, closed="neither")],
        "init": [StrOptions({"random", "k-means", "stratified", "auto"}),
                 "array-like"],
        "verbose": ["verbose"],
        "centroid_search": [StrOptions({"auto", "exact", "graph"})],
        "centroid_graph": [StrOptions({"auto", "exact", "nndescent"})],
        "exclude_isolated": [StrOptions({"auto"}),
                             Number(0, 1, closed="left")],
    }

    def __init__(
        self,
        n_cores="auto",
        temperature=0.07,
        learning_rate=1e-3,
        max_iter=300,
        batch_size=None,
        balance=1.0,
        init="random",
        random_state=None,
        verbose=0,
        centroid_search="auto",
        centroid_graph="auto",
        exclude_isolated=0.0,
    ):
        self.n_cores = n_cores
        self.temperature = temperature
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.balance = balance
        self.init = init
        self.random_state = random_state
        self.verbose = verbose
        self.centroid_search = centroid_search
        self.centroid_graph = centroid_graph
        self.exclude_isolated = exclude_isolated

    def _init_array(self):
        if isinstance(self.init, str):
            return None
        if np.ma.is_masked(self.init):
            # numpy would hand over the values under the mask as if valid.
            n_masked = int(np.ma.count_masked(self.init))
            raise ValueError(
                "init is a masked array with "
                f"{counted(n_masked, 'masked entry', 'masked entries')}, and the "
                "values under the mask would be used as starting samples. Pass "
                "the unmasked ones (init.compressed())."
            )
        init = np.asarray(self.init)
        if init.ndim != 1 or init.size == 0:
            raise ValueError(
                "init must be 'random', 'k-means', 'stratified', 'auto' or a "
                "non-empty 1-D array "
                f"of sample indices; got an array of shape {init.shape}."
            )
        # Whole-valued floats (indices read back from a CSV or JSON file)
        # are accepted, as by PrecomputedSelector; fractions are not.
        indices = whole_numbers(init)
        if indices is None:
            raise ValueError(
                f"init must hold integer sample indices; got an array of dtype "
                f"{init.dtype}." + not_whole_hint(init) + labels_not_rows_hint(init)
            )
        return indices

    def _n_select(self, n_samples, budget):
        init = self._init_array()
        if init is None:
            return super()._n_select(n_samples, budget)
        if not isinstance(self.n_cores, str):  # "auto"/"paper": init's length
            wanted = resolve_count(self.n_cores, n_samples, name="n_cores")
            if wanted != init.size:
                raise ValueError(
                    f"init has {counted(init.size, 'index', 'indices')} but "
                    f"n_cores={quoted_value(self.n_cores)} asks for "
                    f"{counted(wanted, 'centroid')}. Pass n_cores='auto' (or "
                    f"{init.size}) with this init."
                )
        if budget is not None and init.size > budget:
            raise ValueError(
                f"init has {init.size} indices, more than the budget of {budget}; "
                "the number of core samples must not exceed the budget. Pass at "
                f"most {counted(budget, 'init index', 'init indices')} or raise "
                "the budget."
            )
        if init.min() < 0 or init.max() >= n_samples:
            # The values as given (huge ones were clipped to intp's range).
            bad = quoted(np.asarray(self.init)[(init < 0) | (init >= n_samples)][:5])
            raise ValueError(
                f"init indices must lie in [0, {n_samples - 1}] for a pool of "
                f"{counted(n_samples, 'row')}; got {bad}."
            )
        unique, counts = np.unique(init, return_counts=True)
        if unique.size != init.size:
            raise ValueError(
                "init indices must be distinct; repeated: "
                f"{unique[counts > 1][:5].tolist()}."
            )
        return init.size

    def _log(self, message):
        print(f"[ActiveFTSelector] {message}", file=sys.stderr, flush=True)

    def _check_finite(self, t, loss, moment2, theta):
        """Refuse an iteration that left the range of floating point.

        An extreme ``temperature`` (scores of ~1/temperature) or
        ``learning_rate`` (steps of ~learning_rate) makes the loss NaN, the
        squared gradients or the centroids' norms overflow: Adam then stops
        moving, or every centroid normalises to zero, and the failure would
        surface later as an unrelated error about the centres, or not at all.
        """
        if not math.isfinite(loss):
            what = f"the loss is {loss}"
        elif not (math.isfinite(float(moment2.max()))
                  and math.isfinite(float(moment2.min()))):
            # Two reductions, which NaN and infinities reach as they reach
            # np.isfinite: its K x d boolean array was made every iteration.
            what = "the squared gradient overflows"
        elif not np.isfinite(sq_norms(theta)).all():
            what = "the centroids' squared norms overflow"
        else:
            return
        raise ValueError(
            f"ActiveFT left the floating-point range at iteration {t}: {what} "
            f"(temperature={quoted_value(self.temperature)}, "
            f"learning_rate={quoted_value(self.learning_rate)}). Pass a larger "
            "temperature or a smaller learning_rate (the paper's are 0.07 and "
            "1e-3)."
        )

    def _exclusion_share(self, n_samples, has_init_array):
        """``exclude_isolated`` resolved for a pool of ``n_samples`` rows."""
        share = self.exclude_isolated
        if isinstance(share, str):  # "auto"
            if has_init_array or n_samples > AUTO_EXCLUDE_ISOLATED_MAX_ROWS:
                return 0.0
            return AUTO_EXCLUDE_ISOLATED
        if share > 0 and has_init_array:
            raise ValueError(
                f"exclude_isolated={quoted_value(share)} cannot be combined with an "
                "init array: the given starting samples might be among the rows "
                "it leaves out. Pass exclude_isolated=0 (or 'auto') with init "
                "indices."
            )
        return float(share)

    def _select(self, X, n_select, random_state):
        n = X.shape[0]
        if X.shape[1] == 1 and n_select < n:
            # Cosine similarity sees only the sign of a single feature: the
            # centroids cannot tell the rows of either sign apart, and the
            # picks were those ties' lowest row numbers, silently.
            warnings.warn(
                "ActiveFTSelector compares rows by their direction, and with "
                "a single feature every row normalises to +1 or -1, so which "
                f"{counted(n_select, 'row')} of the {n} it picks is arbitrary "
                "(the lowest row numbers of either sign). Give the pool more "
                "features, or use a core selector that measures distances: "
                "KMeansSelector or FarthestPointSelector (in a sampler, "
                "BiLAFSampler(budget, core_selector=KMeansSelector()) with the "
                "default metric='euclidean').",
                UserWarning,
                stacklevel=caller_stacklevel(),
            )
        elif n_select < n and _rows_on_one_line(X):
            # The same for rows that are all multiples of one vector: they
            # normalise to it or its opposite, and the picks were decided by
            # rounding, silently.
            warnings.warn(
                "ActiveFTSelector compares rows by their direction, and the "
                "rows all lie on one line through the origin (each is a "
                "multiple of the same vector), so every row normalises to "
                "that vector's direction or its opposite, and which "
                f"{counted(n_select, 'row')} of the {n} it picks is arbitrary. "
                "Such rows differ only by one number each (their position "
                "along the line): use a core selector that measures "
                "distances: KMeansSelector or FarthestPointSelector (in a "
                "sampler, BiLAFSampler(budget, core_selector=KMeansSelector()) "
                "with the default metric='euclidean').",
                UserWarning,
                stacklevel=caller_stacklevel(),
            )
        share = self._exclusion_share(n, self._init_array() is not None)
        self.exclude_isolated_ = share
        if share > 0:
            tic = time.perf_counter()
            # All-zero and overflowing rows are refused as without the
            # exclusion, and named by their row numbers in X, not in the
            # kept rows (which might leave them out).
            _inverse_row_norms(X, _work_dtype(X))
            kept = _least_isolated_rows(X, share, n_keep_at_least=n_select)
            excluded = np.ones(n, dtype=bool)
            excluded[kept] = False
            self.excluded_indices_ = np.flatnonzero(excluded)
            n_left_out = self.excluded_indices_.size
            # Nothing said when nothing was left out (a share of a small pool
            # that rounds to 0, or every row needed), as with share=0 and
            # in the bilaf command's summary.
            if self.verbose and n_left_out:
                which = ("the most isolated" if n_left_out == 1
                         else f"the {n_left_out} most isolated")
                self._log(f"left out {which} of {counted(n, 'row')} "
                          f"({time.perf_counter() - tic:.1f}s)")
            if kept.size < n:
                # A gathered copy of the kept rows (C order, the pool's
                # dtype): the iterations read it as a pool of its own.
                picks = self._optimise(X[kept], n_select, random_state)
                self.init_indices_ = kept[self.init_indices_]
                return kept[picks]
        else:
            self.excluded_indices_ = np.empty(0, dtype=np.intp)
        return self._optimise(X, n_select, random_state)

    def _optimise(self, X, n_select, random_state):
        """Train the centroids on the rows of X; their picks (rows of X)."""
        n = X.shape[0]
        dtype = _work_dtype(X)
        # A pool that is not C-contiguous (a DataFrame's values, a
        # Fortran-ordered array, a strided view such as X[:, :-1]) is put in
        # C order, so that the picks do not depend on the layout: every pass
        # below does it a row block at a time (nearest_unused's chunks are
        # C-ordered copies anyway).  A pool whose copy fits working_memory
        # is copied once instead, like a chunk read whole: the iterations
        # would copy every block again each time, which made them up to 40 %
        # slower on a Fortran-ordered pool.
        if not X.flags.c_contiguous and X.nbytes <= working_memory_bytes():
            X = np.ascontiguousarray(X)
        init = self._init_array()
        inv_norms = _inverse_row_norms(X, dtype)
        start = "indices" if init is not None else self.init
        if start == "auto":
            start = default_init(n, n_select)
        if start in ("k-means", "stratified"):
            tic = time.perf_counter()
            kind = "k-means" if start == "k-means" else "stratified k-means"
            if self.verbose:
                # Said before it starts: on a large pool the k-means start
                # takes about half as long as the 300 iterations.
                self._log(f"{kind} start: {counted(n_select, 'centre')} on "
                          f"{counted(n, 'row')} ...")
            start_function = (spherical_kmeans_start if start == "k-means"
                              else stratified_kmeans_start)
            init = start_function(X, n_select, inv_norms,
                                  random_state.randint(np.iinfo(np.int32).max),
                                  log=self._log if self.verbose else None)
            if self.verbose:
                self._log(f"{kind} start: {counted(n_select, 'centre')} "
                          f"({time.perf_counter() - tic:.1f}s)")
        elif start == "random":
            init = random_state.choice(n, size=n_select, replace=False)
        theta = np.asarray(X[init], dtype=np.float64) * inv_norms[init, None]
        full_batch = self.batch_size is None or self.batch_size >= n
        beta1, beta2, eps = 0.9, 0.999, 1e-8
        moment1 = np.zeros_like(theta)
        moment2 = np.zeros_like(theta)
        losses = np.empty(self.max_iter)
        def report(t):
            # Where floor(10 t / max_iter) steps up: ten iterations evenly
            # spread, the last included (every one up to 10 iterations).
            return (self.verbose >= 2
                    or 10 * t // self.max_iter > 10 * (t - 1) // self.max_iter)

        tic = time.perf_counter()
        search_kind = self.centroid_search
        if search_kind == "auto":
            search_kind = "graph" if n_select >= AUTO_MIN_CENTROIDS else "exact"
        search = graph_kind = None
        if search_kind == "graph":
            graph_kind = resolve_graph_builder(self.centroid_graph, n_select)
            # The index seed comes from a copy of the random state, so that
            # the batches drawn below do not depend on the graph builder.
            peek = np.random.RandomState()
            peek.set_state(random_state.get_state())
            search = CentroidGraphSearch(
                n, n_select, builder=graph_kind,
                seed=peek.randint(np.iinfo(np.int32).max))
            graph_kind = search.builder  # exact for too few centroids
        with _ActiveFTObjective(
            X, inv_norms, self.temperature, self.balance, n_select,
            n_threads=blas_threads(), search=search,
        ) as objective:
            for t in range(1, self.max_iter + 1):
                rows = None
                if not full_batch:
                    rows = np.sort(
                        random_state.choice(n, self.batch_size, replace=False)
                    )
                loss, grad = objective(theta, rows=rows)
                losses[t - 1] = loss
                # In place, the same operations in the same order: each
                # temporary is K x d float64, as large as the centroids.  The
                # one buffer is made here, not held through the objective.
                step = np.empty_like(theta)
                moment2 *= beta2
                np.multiply(grad, 1 - beta2, out=step)
                step *= grad
                moment2 += step
                moment1 *= beta1
                grad *= 1 - beta1
                moment1 += grad
                del grad  # not held through the next call
                # Adam with bias correction, in the usual (PyTorch) arrangement.
                np.sqrt(moment2, out=step)
                step /= np.sqrt(1 - beta2**t)
                step += eps
                np.divide(moment1, step, out=step)
                step *= self.learning_rate / (1 - beta1**t)
                theta -= step
                del step
                self._check_finite(t, loss, moment2, theta)
                if self.verbose and report(t):
                    self._log(f"iteration {t}/{self.max_iter}: loss {loss:.6f} "
                              f"({time.perf_counter() - tic:.1f}s)")
        # The optimiser's K x d state is let go before the picks are
        # searched, and the centroids are normalised in place.
        del moment1, moment2, objective
        theta /= np.sqrt(sq_norms(theta))[:, None]
        centroids = theta
        self.centroids_ = centroids.astype(dtype)
        # A copy: an init array given as intp would be the parameter itself.
        self.init_indices_ = np.array(init, dtype=np.intp)
        self.init_ = start
        self.loss_curve_ = losses
        self.n_iter_ = self.max_iter
        self.centroid_search_ = search_kind
        self.centroid_graph_ = graph_kind
        return nearest_unused(X, centroids, "cosine")


def _largest_abs(X):
    """The largest absolute value of X (NaN if X holds NaN), 0 if empty:
    two reductions, no temporary."""
    if X.size == 0:
        return 0.0
    return max(abs(float(X.max())), abs(float(X.min())))


def _scale_exponent(X, peak=None):
    """Power of two that brings X where k-means' sums of squared distances
    over the pool neither overflow nor underflow.

    k-means adds squared distances over the whole pool (the k-means++
    potential, the inertia, the variances behind its tolerance) in the
    dtype of X: with values near the largest the pool check accepts (those
    whose pairwise squared distances fit the dtype), the sums overflowed,
    and with tiny values (float32 rows of 1e-30, say) the squares underflowed
    to 0, one cluster for every sample.  Scaling by a power of two rounds
    nothing (short of the subnormal range), so k-means runs on
    ``np.ldexp(X, exponent)``; distances to the pool stay those of X as given.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The validated pool (float32 or float64).
    peak : float or None, default=None
        The largest absolute value of X, if the caller has it already
        (:func:`_largest_abs`).

    Returns
    -------
    exponent : int
        0 for pools whose sums are safe (every ordinary pool), else the
        exponent that brings the largest absolute value into [0.5, 1).
    """
    n, d = X.shape
    if X.size == 0:
        return 0
    if peak is None:
        peak = _largest_abs(X)
    if peak == 0:
        return 0
    info = np.finfo(_work_dtype(X))
    # Squared distances are at most 4 d peak^2; n of them are added.
    high = math.sqrt(float(info.max) / (8.0 * d * n))
    low = math.sqrt(float(info.tiny) / float(info.eps))
    if low <= peak <= high:
        return 0
    return -math.frexp(peak)[1]


#: scikit-learn's KMeans warning about empty clusters (a pool with fewer
#: distinct rows than clusters), in the words of every version supported.
_FEWER_CLUSTERS = re.compile(r"Number of distinct clusters \((\d+)\) found "
                             r"smaller than n_clusters \((\d+)\)\.")

#: Where _kmeans_in_own_terms tells a fit's other warnings again: a registry
#: per file, as the warnings module keeps one per module.
_RETOLD = {}


def _module_named_for(filename):
    """The name of the imported module whose file is ``filename``, as the
    warnings module matches a filter's ``module`` against it, or None.

    Told again without it, a warning's module was its file's path without
    ".py" ("/.../sklearn/cluster/_kmeans"), so that a user's filter such as
    ``filterwarnings("ignore", module="sklearn")`` no longer applied to it.
    """
    for name, module in list(sys.modules.items()):
        if getattr(module, "__file__", None) == filename:
            return name
    return None


def _kmeans_in_own_terms(fit, who, asked_by, then, fewer=None):
    """``fit()`` (a k-means fit), its result returned, with scikit-learn's
    warning about fewer distinct clusters than ``n_clusters`` said in the
    selector's terms.

    That ConvergenceWarning names ``n_clusters``, a parameter the selectors'
    users never set, and points at scikit-learn's code.  It is told again,
    still a ``ConvergenceWarning`` and at the user's line, as ``who``'s
    (e.g. ``"TypiClustSelector"``), with the clusters ``asked_by`` a
    parameter (e.g. ``"n_cores"``), followed by ``then``, its consequence
    and what to set the parameter to, in which ``{found}`` is the number of
    distinct clusters found.  The fit's other warnings are told as they
    were, in their order, once the fit is over (raised then under an
    ``"error"`` filter; each shown once per place, as by ``"default"``).
    For a clusterer that does not warn (MiniBatchKMeans), ``fewer(result)``
    gives the ``(found, wanted)`` counts to say it with, or None.
    """
    from sklearn.exceptions import ConvergenceWarning

    caught, result, said = [], None, False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = fit()
    finally:
        for warning in caught:
            match = _FEWER_CLUSTERS.match(" ".join(str(warning.message).split()))
            if match is None or not issubclass(warning.category,
                                               ConvergenceWarning):
                warnings.warn_explicit(
                    warning.message, warning.category, warning.filename,
                    warning.lineno, module=_module_named_for(warning.filename),
                    source=warning.source,
                    registry=_RETOLD.setdefault(warning.filename, {}))
                continue
            counts, said = match.groups(), True
            _say_fewer_clusters(counts, who, asked_by, then)
    if not said and fewer is not None:
        counts = fewer(result)
        if counts is not None:
            _say_fewer_clusters(counts, who, asked_by, then)
    return result


def _say_fewer_clusters(counts, who, asked_by, then):
    """The warning of :func:`_kmeans_in_own_terms`, at the user's line."""
    from sklearn.exceptions import ConvergenceWarning

    found, wanted = counts
    warnings.warn(
        f"{who}'s k-means found only {counted(found, 'distinct cluster')} of "
        f"the {wanted} asked for by {asked_by}, probably because the pool has "
        f"fewer than {wanted} distinct rows (duplicate rows); "
        + then.format(found=found),
        ConvergenceWarning,
        stacklevel=caller_stacklevel(),
    )


class KMeansSelector(BaseCoreSelector):
    """k-means centres, each replaced by its nearest unused sample.

    Runs :class:`~sklearn.cluster.KMeans` with ``n_cores`` clusters, then, for
    each centre in order, takes the nearest sample (Euclidean) not already
    taken; ties go to the lower sample index.  This is the paper's "K-Means"
    baseline.  KMeans clusters a centred copy of X: unlike
    :class:`RandomSelector`, :class:`FarthestPointSelector` and ActiveFT's
    random start, it copies a memory-mapped pool whole (as do
    :class:`ClustererSelector` with a k-means clusterer and ActiveFT's
    k-means starts).  KMeans runs on at most two OpenMP threads (fewer if the
    calling thread is limited to one), so that its centres repeat bit for
    bit from run to run: with more, its threads add their partial centres
    in the order they finish.

    Parameters
    ----------
    n_cores : {"auto", "paper"}, int or float, default="auto"
        Number of clusters: ``"auto"`` is 5 % of the pool (at most the
        sampler's budget), ``"paper"`` the paper's 0.5 % (at most the
        budget), an int is a count, a float in (0, 1] a fraction.
    n_init : "auto" or int, default="auto"
        Passed to :class:`~sklearn.cluster.KMeans`.
    max_iter : int, default=300
        Passed to :class:`~sklearn.cluster.KMeans`.
    random_state : int, RandomState instance or None, default=None
        Seed of k-means.

    Attributes
    ----------
    selected_indices_ : ndarray of shape (n_cores,)
        Selected row numbers, ascending.
    cluster_centers_ : ndarray of shape (n_cores, n_features)
        The k-means centres.
    n_iter_ : int
        Iterations run by k-means (best initialisation).
    n_samples_fit_ : int
        Rows in the pool.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when X has string column
        names.

    See Also
    --------
    ClustererSelector : The same with any clusterer that has
        ``cluster_centers_``.
    ActiveFTSelector : BiLAF's default core selection.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_bilaf.core import KMeansSelector
    >>> X = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [9.9], [10.0]])
    >>> KMeansSelector(n_cores=3, random_state=0).fit(X).selected_indices_.tolist()
    [1, 3, 5]
    """

    _parameter_constraints: dict = {
        **BaseCoreSelector._parameter_constraints,
        "n_init": [StrOptions({"auto"}), Count(1, None, closed="left")],
        "max_iter": [Count(1, None, closed="left")],
    }

    def __init__(self, n_cores="auto", n_init="auto", max_iter=300, random_state=None):
        self.n_cores = n_cores
        self.n_init = n_init
        self.max_iter = max_iter
        self.random_state = random_state

    def _select(self, X, n_select, random_state):
        from sklearn.cluster import KMeans

        peak = _largest_abs(X)
        # Under assume_finite, values past the input check's limits: the
        # centres' check in nearest_unused blamed the centres, and a pool of
        # values too small for their squared distances tied every row.
        refuse_unchecked_scale(X, peak)
        # On a pool of extreme scale, k-means runs on a rescaled copy (see
        # _scale_exponent); the centres are matched to the pool as given,
        # but for tiny values (below).
        exponent = _scale_exponent(X, peak)
        scaled = np.ldexp(X, exponent) if exponent else X
        kmeans = KMeans(
            n_clusters=n_select,
            n_init=self.n_init,
            max_iter=self.max_iter,
            random_state=random_state,
        )
        # At most two OpenMP threads: the centres repeat bit for bit (see
        # kmeans_openmp_threads).
        with kmeans_openmp_threads():
            _kmeans_in_own_terms(
                partial(kmeans.fit, scaled), "KMeansSelector", "n_cores",
                "each core is still a different row. Set n_cores to at most "
                "{found}.")
        centres = kmeans.cluster_centers_
        if not np.isfinite(centres).all():
            # NaN or inf in X, unchecked under assume_finite: nearest_unused
            # would refuse the centres, which the user did not give.
            _refuse_unchecked_non_finite(X)
        if exponent > 0:
            # Tiny values: their squared distances to the centres are
            # subnormal numbers, too coarse for the nearest sample (picks
            # changed with the pool's scale), where the scaled copy's are
            # exact.  The copy is alive already.
            picks = nearest_unused(scaled, centres, "euclidean")
        del scaled
        if exponent:
            centres = np.ldexp(centres, -exponent).astype(centres.dtype, copy=False)
        self.cluster_centers_ = centres
        self.n_iter_ = int(kmeans.n_iter_)
        if exponent > 0:
            return picks
        return nearest_unused(X, centres, "euclidean")


class FarthestPointSelector(BaseCoreSelector):
    """Farthest-point (k-center greedy) selection, the paper's "FDS".

    Starts from one sample drawn at random, then repeatedly adds the sample
    whose distance to its nearest selected sample is largest (ties: the lower
    index).  A running minimum-distance vector makes it O(n_samples x
    n_cores) distance evaluations with O(n_samples) memory; distances are
    screened in the precision of X (relative to the pool's mean, so that
    their error scales with the pool's spread; in float64 for float32 rows
    so small, under about 1e-16, that float32 products underflow) and
    near-ties decided on exact float64 distances.

    Parameters
    ----------
    n_cores : {"auto", "paper"}, int or float, default="auto"
        How many samples: ``"auto"`` is 5 % of the pool (at most the
        sampler's budget), ``"paper"`` the paper's 0.5 % (at most the
        budget), an int is a count, a float in (0, 1] a fraction.
    metric : {"euclidean", "cosine"}, default="euclidean"
        Distance between samples.
    random_state : int, RandomState instance or None, default=None
        Seed of the first sample.

    Attributes
    ----------
    selected_indices_ : ndarray of shape (n_cores,)
        Selected row numbers, ascending.
    selection_order_ : ndarray of shape (n_cores,)
        The same rows in the order they were picked.
    n_samples_fit_ : int
        Rows in the pool.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when X has string column
        names.

    See Also
    --------
    KMeansSelector : Samples nearest to k-means centres.
    ActiveFTSelector : BiLAF's default core selection.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_bilaf.core import FarthestPointSelector
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0], [10.0]])
    >>> fds = FarthestPointSelector(n_cores=3, random_state=0).fit(X)
    >>> fds.selection_order_.tolist(), fds.selected_indices_.tolist()
    ([4, 0, 3], [0, 3, 4])
    """

    _parameter_constraints: dict = {
        **BaseCoreSelector._parameter_constraints,
        "metric": [StrOptions({"euclidean", "cosine"})],
    }

    def __init__(self, n_cores="auto", metric="euclidean", random_state=None):
        self.n_cores = n_cores
        self.metric = metric
        self.random_state = random_state

    def _select(self, X, n_select, random_state):
        n, d = X.shape
        dtype = _work_dtype(X)
        cosine = self.metric == "cosine"
        scale = (_inverse_row_norms(X, np.float64, caller="farthest") if cosine
                 else None)
        if cosine:
            # Rows of one direction (or its opposite) are all at cosine
            # distance 0 or 2: the picks after the first two were the ties'
            # lowest row numbers, silently.
            _warn_cosine_picks_arbitrary("FarthestPointSelector", X, n_select)
        exponent = 0 if cosine else self._tiny_exponent(X)
        # Screened distances are taken relative to the pool's mean, so that
        # their rounding error scales with the pool's spread around it, not
        # with its distance from the origin: a pool far from the origin would
        # otherwise leave most rows within the error of the farthest one,
        # each decided on exact distances.  X is read in chunks, never
        # copied whole (the product below needs no centred copy).
        centre = np.zeros(d)
        max_sq = max_abs = 0.0
        step = chunk_rows(n, 8 * d + 1)
        for start in range(0, n, step):
            block = self._geometry_rows(X, scale, start, min(n, start + step),
                                        exponent)
            # Sums past float64 (values past the input check's limit, under
            # assume_finite) are refused below, without numpy's warning.
            with np.errstate(over="ignore"):
                centre += block.sum(axis=0)
            max_sq = max(max_sq, float(sq_norms(block).max()))
            max_abs = max(max_abs, float(np.abs(block).max()))
        if not np.isfinite(centre).all():
            # NaN or inf in X, unchecked under assume_finite (or sums past
            # float64, which the checks below leave as they were): no row
            # would be farthest, and the search failed in an IndexError.
            _refuse_unchecked_non_finite(X)
        if not cosine:
            # Under assume_finite, values past the input check's limits:
            # the sums above or the squared distances below overflow (the
            # search failed in an IndexError), or all underflow to 0.
            refuse_unchecked_scale(X, math.ldexp(max_abs, -exponent))
        centre /= n
        max_norm = _norm_bound(max_sq, max_abs, d)
        row_sq = np.empty(n)
        centred_abs = 0.0
        for start in range(0, n, step):
            stop = min(n, start + step)
            block = self._geometry_rows(X, scale, start, stop, exponent)
            block -= centre
            row_sq[start:stop] = sq_norms(block)
            centred_abs = max(centred_abs, float(np.abs(block).max()))
        # A product of d terms in the precision of X is off by at most
        # (d + 16) ulps of |x| |v| (rounding v to that precision included),
        # and a screened squared distance carries it twice.  The float64
        # parts add at most 16 (d + 16) float64 ulps of s (s + |x| + |c|),
        # s the largest norm of the centred rows: the norms (and the exact
        # distances) are of centred rows, c . v is |c| |v| <= |c| s, and
        # centring rounds each row by under an ulp of x - c (an ulp of x
        # would still be covered by |x| s).  Cosine rows are normalised
        # differently here and in the exact check (an ulp of |x| = 1 each),
        # so they keep the bound relative to max |x|^2.  Every product may
        # also lose half a subnormal step per term (rows near the underflow
        # threshold), an absolute error that no relative bound covers, and
        # then so may v rounded to the precision of X, times |x|.  The
        # running minimum carries the largest of its steps'.
        f64_ulps = 16 * _error_bound(np.float64, d)
        if cosine:
            float64_error = f64_ulps * max_norm**2
        else:
            spread = _norm_bound(float(row_sq.max()), centred_abs, d)
            centre_norm = _norm_bound(float(centre @ centre),
                                      float(np.abs(centre).max()), d)
            float64_error = f64_ulps * spread * (spread + max_norm + centre_norm)
        if dtype == np.float32 and max_norm**2 < d * _FULL_PRECISION_SQ[dtype]:
            # Rows this small (values under about 1e-16) have float32
            # products in or below the subnormal range, whose absolute
            # rounding (to zero, under about 1e-27) the relative bounds do
            # not cover: take the products in float64, where products of
            # float32 values never underflow.
            dtype = np.dtype(np.float64)
        if (dtype == np.float32 and cosine
                and 2.0 / float(scale.min()) > float(np.finfo(np.float32).max)):
            # The products of rows whose norm is near float32's largest (past
            # it, even: the norms are float64) with an offset between
            # normalised rows, of norm up to 2, may overflow float32 (under
            # assume_finite, the only way past the input check): take them
            # in float64.
            dtype = np.dtype(np.float64)
        float64_error += 16 * (d + 16) * (
            float(np.finfo(np.float64).smallest_subnormal)
            + (1 + max_norm) * float(np.finfo(dtype).smallest_subnormal))
        unit_error = 2 * _error_bound(dtype, d) * max_norm
        error = 0.0
        # Exact squared distances to the nearest chosen sample, for the rows
        # decided on them so far, and how many chosen samples they cover.
        exact_cache = (np.full(n, np.inf), np.zeros(n, dtype=np.intp))
        order = np.empty(n_select, dtype=np.intp)
        order[0] = random_state.randint(n)
        nearest = np.full(n, np.inf)
        nearest[order[0]] = -np.inf
        for t in range(1, n_select):
            last = order[t - 1]
            offset = (self._geometry_rows(X, scale, last, last + 1, exponent)[0]
                      - centre)
            offset_sq = float(offset @ offset)
            offset_norm = _norm_bound(offset_sq, float(np.abs(offset).max()), d)
            # (x - c) . v = x . v - c . v: the product needs X as it is.
            dots = self._products(X, offset.astype(dtype), step)
            if cosine:
                dots *= scale
            if exponent:
                # X as given times the scaled offset: terms of the size of
                # the values, far above the subnormal range, so the power of
                # two brings them to the scaled pool's exactly.
                dots = np.ldexp(dots, exponent, out=dots)
            dots -= float(centre @ offset)
            dots *= -2
            dots += row_sq
            dots += offset_sq
            np.minimum(nearest, dots, out=nearest)
            error = max(error, unit_error * offset_norm + float64_error)
            # Samples within twice the error bound of the screened maximum
            # may be the true farthest one: decide those on exact distances.
            candidates = np.flatnonzero(nearest >= nearest.max() - 2 * error)
            if candidates.size > 1:
                exact = self._exact_nearest(X, candidates, order[:t], exact_cache,
                                            exponent)
                pick = candidates[int(np.argmax(exact))]
            else:
                pick = candidates[0]
            order[t] = pick
            nearest[pick] = -np.inf
        self.selection_order_ = order
        return order

    @staticmethod
    def _products(X, v, step):
        """``X @ v`` in float64, taken in the dtype of ``v``: X's own (no
        copy), or float64 by row chunks of ``step`` (no float64 copy of X)."""
        if X.dtype == v.dtype:
            return (X @ v).astype(np.float64, copy=False)
        out = np.empty(X.shape[0])
        for start in range(0, X.shape[0], step):
            stop = min(X.shape[0], start + step)
            out[start:stop] = np.asarray(X[start:stop], dtype=v.dtype) @ v
        return out

    @staticmethod
    def _tiny_exponent(X):
        """The power of two that the search scales a Euclidean pool by: 0
        but for pools of values all under about 1e-146, whose squared
        distances are subnormal numbers, too coarse to compare (picks changed
        with the pool's scale, at 2^-535).  Scaled exactly, such a pool is
        searched as the same pool at an ordinary scale.  Two reductions over
        X, no copy, when a few rows spread over it do not rule them out."""
        info = np.finfo(np.float64)
        low = math.sqrt(float(info.tiny) / float(info.eps))
        if not _largest_abs(spread_rows(X)) < low:
            # An ordinary pool (NaN too: refused below) is not read again
            # before the search's own passes over it.
            return 0
        peak = _largest_abs(X)
        if not 0 < peak < low:
            return 0  # NaN too: refused below
        return -math.frexp(peak)[1]

    @staticmethod
    def _geometry_rows(X, scale, start, stop, exponent=0):
        """Rows ``start:stop`` in float64, L2-normalised when ``scale`` holds
        the inverse row norms (cosine), scaled by ``2**exponent``."""
        rows = np.array(X[start:stop], dtype=np.float64)
        if scale is not None:
            rows *= scale[start:stop, None]
        if exponent:
            np.ldexp(rows, exponent, out=rows)
        return rows

    def _exact_nearest(self, X, rows, chosen, cache, exponent=0):
        """Exact squared distances from ``rows`` to their nearest sample of
        ``chosen``, of the pool scaled by ``2**exponent``.  ``cache`` holds
        each row's value so far and how many chosen samples it covers: only
        the samples chosen since are compared (once every sample ties, on
        pools of duplicates, every row is a candidate at every pick)."""
        from scipy.spatial.distance import cdist

        nearest, covered = cache
        for done in np.unique(covered[rows]):
            new = chosen[done:]
            if new.size == 0:
                continue
            group = rows[covered[rows] == done]
            chosen_rows = prepare(X[new], self.metric)
            if exponent:
                np.ldexp(chosen_rows, exponent, out=chosen_rows)
            step = chunk_rows(group.size, 8 * (new.size + X.shape[1]) + 1)
            for start in range(0, group.size, step):
                part = group[start:start + step]
                block = prepare(X[part], self.metric)
                if exponent:
                    np.ldexp(block, exponent, out=block)  # exact; a copy's
                nearest[part] = np.minimum(
                    nearest[part],
                    cdist(block, chosen_rows, "sqeuclidean").min(axis=1))
        covered[rows] = chosen.size
        return nearest[rows]


class ClustererSelector(BaseCoreSelector):
    """Cores from any scikit-learn clusterer with ``cluster_centers_``.

    Fits a clone of ``clusterer`` on the pool and, for each of its centres in
    order, takes the nearest sample (Euclidean) not already taken; ties go to
    the lower sample index.  The number of cores is the number of centres.
    ``BiLAFSampler(core_selector=MiniBatchKMeans(50))`` wraps the clusterer
    in this class.  The clusterer's ``fit`` runs with OpenMP limited to at
    most two threads (fewer if the calling thread is limited to one), as
    :class:`KMeansSelector`'s k-means does: scikit-learn's k-means
    clusterers then repeat bit for bit from run to run (with more threads
    they add their partial centres in the order the threads finish).  On a
    machine with many cores a large clustering is slower for it: to use
    every core, fit the clusterer yourself and give the sampler the rows
    nearest its centres as core indices (``core_selector=<array>``).

    Used on its own, the selector is seeded only by the clusterer's own
    ``random_state``: ``ClustererSelector(KMeans(3))`` clusters afresh on
    each fit, and repeats only as ``KMeans(3, random_state=0)``.  Inside a
    sampler, :class:`~sklearn_bilaf.BiLAFSampler` seeds a clusterer whose
    ``random_state`` is None from its own ``random_state``.

    Parameters
    ----------
    clusterer : estimator
        A clusterer that sets ``cluster_centers_`` in ``fit`` (KMeans,
        MiniBatchKMeans, BisectingKMeans, MeanShift, ...).

    Attributes
    ----------
    selected_indices_ : ndarray of shape (n_centres,)
        Selected row numbers, ascending.
    clusterer_ : estimator
        The fitted clone of ``clusterer``.
    cluster_centers_ : ndarray of shape (n_centres, n_features)
        Its centres.
    n_samples_fit_ : int
        Rows in the pool.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when X has string column
        names.

    See Also
    --------
    KMeansSelector : The paper's k-means baseline.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.cluster import KMeans
    >>> from sklearn_bilaf.core import ClustererSelector
    >>> X = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [9.9], [10.0]])
    >>> selector = ClustererSelector(KMeans(3, random_state=0)).fit(X)
    >>> selector.selected_indices_.tolist()
    [1, 3, 5]
    """

    _parameter_constraints: dict = {"clusterer": [HasMethods(["fit"])]}

    def __init__(self, clusterer):
        self.clusterer = clusterer

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, budget=None):
        """Cluster the pool X and take the nearest unused sample to each centre.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The pool of embeddings.
        y : None
            Ignored; selection never looks at labels.
        budget : int >= 1 or None, default=None
            The most samples the caller can take; more centres than this is
            an error.

        Returns
        -------
        self : object
            Fitted selector.
        """
        _validate_budget(self, budget)
        with fit_or_forget(self):
            return self._fit_clusterer(X, budget)

    def _fit_clusterer(self, X, budget):
        X = validate_pool(self, X)
        clusterer = clone(self.clusterer)
        name = type(clusterer).__name__
        asked = getattr(clusterer, "n_clusters", None)
        if isinstance(asked, np.timedelta64):
            # numpy counts it as an Integral: the checks below took it for
            # a count, and scikit-learn's KMeans failed in a bare ufunc error.
            raise TypeError(
                f"{name}(n_clusters={quoted_value(asked)}) asks for a duration "
                "(numpy.timedelta64), not a number of clusters: pass an int.")
        if _is_int(asked) and asked > X.shape[0]:
            # The budget caps the cores too: at most the rows, at most it.
            capped = budget is not None and budget < X.shape[0]
            raise ValueError(
                f"{name}(n_clusters={asked}) asks for more clusters than the "
                f"pool has rows (n_samples={X.shape[0]}); ask it for at most "
                f"{counted(budget if capped else X.shape[0], 'cluster')} (each "
                "centre "
                "becomes a distinct core"
                + (f", and the cores are part of the budget of {budget})."
                   if capped else ").")
            )
        if _is_int(asked) and budget is not None and asked > budget:
            # Known before the clustering, which can take minutes on a large
            # pool only to be refused by the check of its centres below.
            raise ValueError(
                f"{name}(n_clusters={asked}) asks for more clusters than the "
                f"budget of {budget}; the number of cores must not exceed the "
                "budget (each centre becomes a distinct core). Ask it for at "
                f"most {counted(budget, 'cluster')} or raise the budget."
            )
        if get_config()["assume_finite"]:
            # NaN, inf and values past the input check's limits, unchecked
            # under assume_finite, are refused before the clusterer runs on
            # them: scikit-learn's KMeans printed numpy's RuntimeWarnings and
            # a ConvergenceWarning before the error below named the rows.
            # Two reductions over X, cheap next to the clustering.
            refuse_unchecked_scale(X, _largest_abs(X))
        try:
            # scikit-learn's k-means clusterers repeat bit for bit on at most
            # two OpenMP threads (see kmeans_openmp_threads).
            with kmeans_openmp_threads():
                clusterer.fit(X)
        except InvalidParameterError:
            # The clusterer's own parameter error names the parameter and
            # what it accepts; the pool has nothing to do with it.
            raise
        except (ValueError, ArithmeticError) as exc:
            # The clusterer's own message rarely says which of our inputs
            # caused it: a pool with few distinct rows for its n_clusters.
            n_distinct = np.unique(X, axis=0).shape[0]
            known = _is_int(asked)
            if known and asked > n_distinct or not known and n_distinct < X.shape[0]:
                advice = ("Ask it for fewer clusters than the pool has distinct "
                          "rows, or use a core selector from sklearn_bilaf.core "
                          "(KMeansSelector copes with duplicate rows).")
            else:  # not the duplicate rows
                advice = (f"Check its settings against the pool "
                          f"({counted(X.shape[0], 'row')} of "
                          f"{counted(X.shape[1], 'feature')}), or use a core "
                          "selector from sklearn_bilaf.core.")
            raise ValueError(
                f"{name}.fit failed on the pool ({counted(X.shape[0], 'row')}, "
                f"{n_distinct} distinct): {str(exc).rstrip('.')}. {advice}"
            ) from exc
        centres = getattr(clusterer, "cluster_centers_", None)
        if centres is None:
            raise TypeError(
                f"{name} has no cluster_centers_ after fit, so its clusters have "
                "no centres to pick samples from. Use a centroid-based clusterer "
                "(KMeans, MiniBatchKMeans, BisectingKMeans) or a core selector "
                "from sklearn_bilaf.core."
            )
        centres = np.asarray(centres)
        if centres.ndim != 2 or centres.shape[1] != X.shape[1] or centres.shape[0] < 1:
            raise ValueError(
                f"{name}.cluster_centers_ must have shape (n_centres, "
                f"{X.shape[1]}); got {centres.shape}."
            )
        if centres.shape[0] > X.shape[0]:
            raise ValueError(
                f"{name} found {centres.shape[0]} centres but the pool has only "
                f"{counted(X.shape[0], 'row')}; ask it for fewer clusters."
            )
        if budget is not None and centres.shape[0] > budget:
            raise ValueError(
                f"{name} found {centres.shape[0]} centres, more than the budget "
                f"of {budget}; the number of cores must not exceed the budget. "
                "Ask the clusterer for fewer clusters or raise the budget."
            )
        # X is within the input check's limits here, under assume_finite
        # too (checked before the clusterer ran): centres past them, or NaN
        # ones, are the clusterer's own, which nearest_unused names.
        self.clusterer_ = clusterer
        self.cluster_centers_ = centres
        self.selected_indices_ = np.sort(nearest_unused(X, centres, "euclidean"))
        self.n_samples_fit_ = X.shape[0]
        return self
