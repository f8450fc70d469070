"""Stage 5: boundary samples inside each pseudo-class.

The boundary score of a member j compares its distance to the nearest core of
another pseudo-class, ``d_out(j)``, with its mean distance to its own class,
``d_in(j)``::

    BS(j) = (d_out(j) * pen[opp(j)] - d_in(j)) / max(d_out(j), d_in(j))

Lower means nearer the border.  :class:`BoundarySelector` picks, after the
core, the member with the lowest score one at a time; before each pick it
removes the ``floor(n / b)`` candidates nearest to the previous pick, the core
included (so picks spread out), and multiplies the penalty of the previous
boundary pick's opponent class by ``penalty`` (so picks spread over the
borders with different neighbours; the core's opponent is not penalised).

Writing your own boundary stage
-------------------------------
Subclass :class:`BaseBoundarySelector` and implement
``select_class(pseudo_class, budget)``, returning ``budget`` distinct local
positions, the core first.  The
:class:`~sklearn_bilaf.pseudo_classes.PseudoClass` it receives has
``inside_distance``, ``outside_distance`` and ``opponent`` filled in.
"""


import operator
import warnings
from decimal import Decimal
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import DataConversionWarning
from sklearn.utils._param_validation import StrOptions

from ._distances import prepare
from ._kernels import iterative_boundary_picks
from ._text import counted, quoted, quoted_value, rows_named
from ._threads import one_thread
from .base import (
    Number,
    caller_stacklevel,
    fit_or_forget,
    not_whole_hint,
    spread_rows,
    validate_pool,
    whole_numbers,
)
from .pseudo_classes import PseudoClass, _outside_distances, _tiny_exponent

__all__ = [
    "BaseBoundarySelector",
    "BoundarySelector",
    "LONE_CLASS_OUTSIDE",
    "boundary_scores",
]

#: d_out used by :class:`BoundarySelector` when there is no other core (a
#: single pseudo-class), as in the authors' released code: the score is then
#: about ``penalty - d_in / (1e9 + 7)``, so the members farthest from the
#: rest of the class come first (the limit of the score as d_out grows).
#: Only at first: the class's one penalty is multiplied by ``penalty`` after
#: every boundary pick, and after a few dozen picks the differences of d_in
#: fall below the rounding of the score, whose ties then go to the candidate
#: nearest the last pick (see the user guide).  Sooner the smaller the
#: distances: this is a fixed number, not one in the units of X, so the
#: picks depend on the scale of X (with d_in under about 1e-7, every score
#: ties from the first pick).
LONE_CLASS_OUTSIDE = 1e9 + 7


def boundary_scores(inside, outside, opponent, penalties=None):
    """Boundary scores BS (lower = nearer the border).

    Parameters
    ----------
    inside, outside : array-like of shape (n,)
        d_in and d_out of the members: distances, so non-negative numbers
        (``outside`` may be inf, where there is no other core).
    opponent : array-like of int, shape (n,)
        Class of each member's nearest other core, -1 where there is none
        (``outside`` inf, as
        :func:`~sklearn_bilaf.pseudo_classes.outside_distances` returns
        with a single core).
    penalties : array-like of shape (n_classes,) or None, default=None
        Current opponent penalties, positive finite numbers, one per class
        (so ``opponent < n_classes``); all 1 when None.

    Returns
    -------
    scores : ndarray of shape (n,)
        ``(outside * penalties[opponent] - inside) / max(outside, inside)``;
        0 where both distances are 0 (a member identical to every core), and
        1 where ``outside`` is infinite (a single pseudo-class, where the
        formula would give inf / inf).  float32 (or float16) distances give
        scores of that type when ``penalties`` is None or of that type too;
        float64 penalties (or a list of them) give float64 scores.

    Raises
    ------
    ValueError
        If the arrays are not 1-D, not of one length, or hold values that
        are no distances, classes or penalties (NaN, negative distances,
        classes outside ``-1 .. n_classes - 1``).
    TypeError
        If an argument is a sparse matrix or its values are not real
        numbers (whole numbers for ``opponent``).
    """
    inside, outside, opponent, penalties = _checked_score_arguments(
        inside, outside, opponent, penalties)
    return _boundary_scores(inside, outside, opponent, penalties)


def _real_array(name, values, per="member"):
    """``values`` as a real-valued ndarray (no copy of an ndarray), or a
    TypeError that says what to pass."""
    if hasattr(values, "format") and hasattr(values, "tocsr"):
        raise TypeError(
            f"{name} is a sparse matrix; pass a dense 1-D array "
            f"({name}.toarray().ravel())."
        )
    array = np.asarray(values)
    if array.dtype.kind == "O":
        # A pandas column of dtype object, or a list with a Fraction in it:
        # numbers, as float_array takes them in a pool.
        return _object_reals(name, array, per)
    if array.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must hold real numbers, one per {per}; got an array of "
            f"dtype {array.dtype}."
        )
    return array


# Element types numpy converts to float64 to the value float() gives.
_PLAIN_REALS = frozenset({
    int, float, np.float16, np.float32, np.float64, np.int8, np.int16,
    np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64})


def _object_reals(name, array, per):
    """An object array of real numbers as float64, or a TypeError naming the
    first element that is none."""
    # Arrays of the plain types are converted by numpy: a Python check per
    # element took about half a second per million.
    types = set(map(type, array.flat))
    if types and types <= _PLAIN_REALS:
        try:
            return array.astype(np.float64)
        except OverflowError:  # a Python int past float64's range: named below
            pass
    out = np.empty(array.shape, dtype=np.float64)
    flat = out.reshape(-1)
    for position, value in enumerate(array.flat):
        why = _not_real_because(value)
        if why is None:
            try:
                flat[position] = float(value)
                continue
            except OverflowError:  # a Python int past float64's range
                why = "is too large for a float"
        index = np.unravel_index(position, array.shape)
        where = int(index[0]) if len(index) == 1 else tuple(map(int, index))
        shown = quoted_value(value)
        if len(shown) > 40:
            shown = shown[:37] + "..."
        raise TypeError(
            f"{name} must hold real numbers, one per {per}; got an array of "
            f"dtype object whose element {where}, {shown}, {why}."
        )
    return out


def _not_real_because(value):
    """Why ``value`` is no real number (None if it is one)."""
    if isinstance(value, bool | np.bool_):
        return "is a bool, not a number"
    # Decimal is no numbers.Real, but holds one (pandas reads decimal
    # columns of a Parquet file as Decimal objects).
    if isinstance(value, Real | Decimal):
        return None
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return "is missing"
    if isinstance(value, str | bytes):
        return "is text, not a number"
    if isinstance(value, complex | np.complexfloating):
        return "is a complex number"
    return f"is a {type(value).__name__}, not a real number"


def _checked_score_arguments(inside, outside, opponent, penalties):
    """The arguments of :func:`boundary_scores` as arrays, or an error that
    says what to change.

    Only the public function checks: the boundary stage calls
    :func:`_boundary_scores` in its pick loop with arrays it made itself.
    Without these checks, arrays of different lengths failed with numpy's
    broadcast error, a column of shape (n, 1) broadcast against a row into
    an n x n result, and an opponent outside the penalties, or of float
    dtype, failed with a bare IndexError, or (-1) read the last class's
    penalty.
    """
    inside = _real_array("inside", inside)
    outside = _real_array("outside", outside)
    if hasattr(opponent, "format") and hasattr(opponent, "tocsr"):
        raise TypeError(
            "opponent is a sparse matrix; pass a dense 1-D array "
            "(opponent.toarray().ravel())."
        )
    array = np.asarray(opponent)
    classes = None if array.dtype.kind == "b" else whole_numbers(array)
    if classes is None:
        raise TypeError(
            "opponent must hold class numbers (whole numbers), one per "
            f"member; got an array of dtype {array.dtype}." + not_whole_hint(array)
        )
    shapes = (inside.shape, outside.shape, classes.shape)
    if any(len(shape) != 1 for shape in shapes) or len(set(shapes)) != 1:
        raise ValueError(
            "inside, outside and opponent must be 1-D arrays of the same "
            f"length, one value per member; got shapes {shapes[0]}, "
            f"{shapes[1]} and {shapes[2]}. Pass the three values of the same "
            "members (index all three with the same positions)."
        )
    # Two reductions per array when the values are fine (NaN fails both
    # comparisons).
    if inside.size and not (inside.min() >= 0 and inside.max() < np.inf):
        bad = np.flatnonzero(~((inside >= 0) & (inside < np.inf)))
        raise ValueError(
            f"inside must hold finite non-negative distances; got "
            f"{quoted(inside[bad[:5]])} at positions {bad[:5].tolist()}."
        )
    if outside.size and not outside.min() >= 0:
        bad = np.flatnonzero(~(outside >= 0))
        raise ValueError(
            f"outside must hold non-negative distances (inf where there is no "
            f"other core); got {quoted(outside[bad[:5]])} at positions "
            f"{bad[:5].tolist()}."
        )
    if penalties is not None:
        penalties = _real_array("penalties", penalties, "pseudo-class")
        if penalties.ndim != 1 or penalties.size == 0:
            raise ValueError(
                "penalties must be a non-empty 1-D array, one penalty per "
                f"pseudo-class (or None for all 1); got shape {penalties.shape}."
            )
        if not (penalties.min() > 0 and penalties.max() < np.inf):
            bad = np.flatnonzero(~((penalties > 0) & (penalties < np.inf)))
            raise ValueError(
                "penalties must be positive finite numbers (1 for a class "
                f"not yet penalised); got {quoted(penalties[bad[:5]])} for "
                f"classes {bad[:5].tolist()}."
            )
    top = np.inf if penalties is None else penalties.shape[0]
    # -1 (no other core) only with outside inf, where the score is 1
    # whatever the penalty.
    wrong = (classes < -1) | (classes >= top) | ((classes == -1) & (outside < np.inf))
    if classes.size and wrong.any():
        bad = np.flatnonzero(wrong)
        upper = ("" if penalties is None else
                 f" below {top} (one entry of penalties per class)")
        raise ValueError(
            f"opponent must hold class numbers >= 0{upper}, or -1 where "
            f"outside is inf (no other core); got {classes[bad[:5]].tolist()} "
            f"at positions {bad[:5].tolist()}."
        )
    return inside, outside, classes, penalties


def _boundary_scores(inside, outside, opponent, penalties=None):
    """:func:`boundary_scores` on arrays known to be consistent (the pick
    loops' own)."""
    denom = np.maximum(outside, inside)
    with np.errstate(invalid="ignore", divide="ignore"):
        if penalties is None:
            scaled = outside
        else:
            scaled = outside * penalties[opponent]
            # A member on another class's core, once a penalty overflowed to
            # inf: 0 * inf is NaN, which argmin would take first and the
            # compiled loop never; 0 at any finite penalty, so 0 here too.
            scaled[outside == 0] = 0.0
        scores = (scaled - inside) / denom
    scores[denom == 0] = 0.0
    scores[np.isinf(outside)] = 1.0
    return scores


def _group_labels(y, n_samples):
    """``y`` as a 1-D array of ``n_samples`` group labels, or an error that
    says what to change."""
    from sklearn.utils.validation import column_or_1d

    shape = np.shape(y)
    if len(shape) != 1 and shape[1:] != (1,):
        raise ValueError(
            f"y must be 1-D, one group label per row of X; got an array of "
            f"shape {shape}."
        )
    if np.iscomplexobj(y):
        # scikit-learn's error quotes every value.
        raise ValueError(
            "y must hold one group label (an int or a str) per row of X; got "
            "complex numbers."
        )
    if len(shape) == 2:
        # scikit-learn's own warning (warn=True) names its caller's line,
        # in this module, not the user's.
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. "
            "Please change the shape of y to (n_samples, ), for example using "
            "ravel().",
            DataConversionWarning,
            stacklevel=caller_stacklevel(),
        )
    y = column_or_1d(y, dtype=None)
    if y.shape[0] != n_samples:
        raise ValueError(f"y has {counted(y.shape[0], 'label')} but X has "
                         f"{counted(n_samples, 'row')}.")
    if y.dtype.kind == "f":
        missing = np.isnan(y)
    elif y.dtype.kind == "O":
        missing = np.fromiter(
            (v is None or type(v).__name__ == "NAType"
             or (isinstance(v, float | np.floating) and v != v) for v in y),
            dtype=bool, count=y.shape[0])
    else:
        missing = np.zeros(y.shape[0], dtype=bool)
    if missing.any():
        rows = np.flatnonzero(missing)
        those, them, their = (("that row", "it", "its") if rows.size == 1
                              else ("those rows", "them", "their"))
        raise ValueError(
            f"y has {counted(rows.size, 'missing group label')} (NaN or None; "
            f"{rows_named(rows)}): every row of X needs a group. Drop {those} "
            f"from X and y, or give {them} a group of {their} own (a label "
            "such as -1 or 'unknown')."
        )
    return y


def _encode_groups(y):
    """The distinct labels of ``y`` (sorted) and each row's index among them."""
    try:
        return np.unique(y, return_inverse=True)
    except TypeError as exc:
        kinds = sorted({type(v).__name__ for v in y})
        raise ValueError(
            f"y mixes labels of types {kinds}, which cannot be sorted into "
            "classes_: use labels of one type (all int or all str)."
        ) from exc


def _check_select_class_arguments(pseudo_class, budget):
    """An error that says what to pass when ``select_class`` is called with a
    budget outside ``1 .. n`` or on a pseudo-class without its distances
    (the sampler sets them; a caller of its own must too)."""
    n = pseudo_class.n
    try:
        # An int, numpy's included; not a whole float (3.0), which the
        # picks cannot slice with.
        whole = operator.index(budget)
    except TypeError:
        whole = None
    if (isinstance(budget, bool | np.bool_) or whole is None
            or not 1 <= whole <= n):
        raise ValueError(
            f"budget must be an int in [1, {n}] (pseudo-class "
            f"{pseudo_class.label} has {counted(n, 'member')}); got "
            f"{quoted_value(budget)}."
        )
    for name in ("inside_distance", "outside_distance", "opponent"):
        value = getattr(pseudo_class, name)
        if value is None or np.shape(value) != (n,):
            raise ValueError(
                f"pseudo_class.{name} must be set, one value per member "
                f"({n}), before select_class; got "
                f"{'None' if value is None else f'shape {np.shape(value)}'}. "
                "Set inside_distance = pseudo_class.mean_distances() and "
                "outside_distance, opponent = outside_distances(...) (the "
                "sampler sets them)."
            )


def _with_lone_class_stand_in(pseudo_class):
    """d_out and opp of the members, with :data:`LONE_CLASS_OUTSIDE` and the
    class itself standing in where there is no other core.

    The spec leaves d_out undefined with a single pseudo-class; the released
    code scores against ``1e9 + 7`` and counts the class as its own
    opponent (so its penalty grows with every pick, uniformly).  The
    boundary stage has no variants of its own, so this one rule serves both
    ``IDCDenoiser`` variants, and ``variant="published"`` reproduces the
    released code's picks.
    """
    outside = pseudo_class.outside_distance
    opponent = pseudo_class.opponent
    lone = np.asarray(opponent) < 0
    if lone.any():
        outside = np.where(lone, LONE_CLASS_OUTSIDE, outside)
        opponent = np.where(lone, pseudo_class.label, opponent).astype(np.intp)
    return outside, opponent


def _compiled_loop_applies(pseudo_class):
    """Whether ``iterative_boundary_picks`` computes exactly what the Python
    loop would: distances from single rows evaluated directly (no cached
    matrix, ``distances`` not overridden) and float64 scores."""
    return (pseudo_class._matrix is None
            and type(pseudo_class).distances is PseudoClass.distances
            # Rows all under about 1e-146, whose distances are computed
            # scaled (see PseudoClass._computing_rows): the loop would read
            # the rows as given.
            and not getattr(pseudo_class, "_exponent", 0)
            and pseudo_class._plain_rows().dtype in (np.float32, np.float64)
            and all(isinstance(a, np.ndarray) and a.dtype == np.float64
                    for a in (pseudo_class.inside_distance,
                              pseudo_class.outside_distance)))


class BaseBoundarySelector(BaseEstimator):
    """Base class for boundary stages.

    Subclasses implement ``select_class(pseudo_class, budget)``.

    Used on its own, a boundary stage takes pseudo-class labels as ``y``:
    ``fit(X, y)`` takes each class's most central member as its core and
    stores every sample's boundary score (``boundary_scores_``) and opponent
    class (``opponent_``), so you can see how near the border each sample is.
    """

    _parameter_constraints: dict = {}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Score every sample's nearness to the border of its class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Embeddings.
        y : array-like of shape (n_samples,)
            Group labels (pseudo-classes, clusters, or classes), of one type
            (int or str) and none missing (NaN or None).

        Returns
        -------
        self : object
            With ``classes_``, ``core_indices_`` (one per class, the member
            nearest to the class mean), ``boundary_scores_`` and
            ``opponent_`` (an index into ``classes_``, -1 with one class).
        """
        with fit_or_forget(self):
            X = validate_pool(self, X)
            if y is None:
                raise ValueError(
                    f"{type(self).__name__} requires y to be passed, but the target y "
                    "is None: pass the group (pseudo-class, cluster or class) of every "
                    "sample."
                )
            y = _group_labels(y, X.shape[0])
            self.classes_, y_codes = _encode_groups(y)
            from .denoise import _most_central

            # Values all under about 1e-146 have subnormal squared
            # distances: cores, opponents and scores changed with the
            # pool's scale.  Scaled by a power of two (exactly), the scores,
            # ratios of distances, are those of an ordinary scale.  A few
            # rows spread over the pool bound the largest value from below:
            # the pool is read only when they are all that small.
            exponent = _tiny_exponent(X, spread_rows(X))

            def class_rows(m):
                # A class's rows in float64 (exactly), one class at a time:
                # a float64 copy of a float32 pool is twice the pool.
                rows = prepare(X[m], "euclidean")
                if exponent:
                    np.ldexp(rows, exponent, out=rows)
                return rows

            members = [np.flatnonzero(y_codes == c) for c in range(self.classes_.size)]
            scores = np.empty(X.shape[0])
            opponent = np.empty(X.shape[0], dtype=np.intp)
            # One BLAS thread, as the sampler runs its per-class stages: some
            # BLAS builds round a product differently on more threads, and
            # the scores must not depend on the machine's thread count.
            with one_thread("blas"):
                cores = np.array([m[_most_central(class_rows(m))] for m in members])
                core_rows = class_rows(cores)
                for c, m in enumerate(members):
                    rows = class_rows(m)
                    inside = PseudoClass(
                        c, m, np.flatnonzero(m == cores[c])[0], rows,
                        "euclidean", self.classes_.size,
                    ).mean_distances()
                    outside, opp = _outside_distances(rows, c, core_rows,
                                                      "euclidean")
                    scores[m] = _boundary_scores(inside, outside, opp)
                    opponent[m] = opp
            self.core_indices_ = cores
            self.boundary_scores_ = scores
            self.opponent_ = opponent
            return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags


class BoundarySelector(BaseBoundarySelector):
    """Pick boundary samples inside each pseudo-class (BiLAF's second level).

    Parameters
    ----------
    penalty : float >= 1, default=1.1
        Opponent penalty δ: after a pick whose nearest other class is l, the
        outside distances towards l count ``penalty`` times more, so later
        picks favour other borders.  1.0 disables it (the "no penalty"
        ablation).
    strategy : {"iterative", "one-shot"}, default="iterative"
        ``"iterative"`` is BiLAF's selection with removal and penalty;
        ``"one-shot"`` (the paper's ablation) takes the lowest-score members
        at once, with no removal and no penalty.

    Attributes
    ----------
    classes_, core_indices_, boundary_scores_, opponent_, n_features_in_
        Set when used standalone (see :meth:`fit`).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when X has string column
        names.

    See Also
    --------
    sklearn_bilaf.BiLAFSampler : Runs this stage inside every pseudo-class.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_bilaf.boundary import BoundarySelector
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0], [6.0], [7.0], [8.0], [9.0]])
    >>> sel = BoundarySelector().fit(X, [0, 0, 0, 0, 1, 1, 1, 1])
    >>> sel.core_indices_.tolist()  # each class's member nearest to its mean
    [1, 5]
    >>> np.round(sel.boundary_scores_, 2).tolist()  # lowest: nearest the border
    [0.79, 0.83, 0.8, 0.62, 0.7, 0.83, 0.86, 0.81]
    """

    _parameter_constraints: dict = {
        "penalty": [Number(1, None, closed="left")],
        "strategy": [StrOptions({"iterative", "one-shot"})],
    }

    def __init__(self, penalty=1.1, strategy="iterative"):
        self.penalty = penalty
        self.strategy = strategy

    def select_class(self, pseudo_class, budget):
        """Select ``budget`` members of one pseudo-class, core first (spec §5).

        Parameters
        ----------
        pseudo_class : PseudoClass
            The denoised members, with ``inside_distance``,
            ``outside_distance`` and ``opponent`` set.
        budget : int
            Number of members to return, ``1 <= budget <= pseudo_class.n``.

        Returns
        -------
        picks : ndarray of shape (budget,)
            Distinct local positions: the core, then the boundary picks in
            pick order.

        Raises
        ------
        ValueError
            If ``budget`` is not an int in ``[1, n]``, or the distances of
            ``pseudo_class`` are not set.
        """
        n = pseudo_class.n
        _check_select_class_arguments(pseudo_class, budget)
        core = pseudo_class.core_position
        inside = pseudo_class.inside_distance
        outside, opponent = _with_lone_class_stand_in(pseudo_class)
        picks = [core]
        if budget <= 1:
            return np.asarray(picks, dtype=np.intp)
        taken = np.zeros(n, dtype=bool)
        taken[core] = True
        penalties = np.ones(max(pseudo_class.n_classes, int(opponent.max()) + 1))

        if self.strategy == "one-shot":
            return self._best_remaining(picks, taken, inside, outside, opponent,
                                        penalties, budget)

        if _compiled_loop_applies(pseudo_class):
            # The common case (the sampler's): the same loop, compiled, with
            # each pick's distances evaluated directly as distances() does.
            # The pool's rows (float32 ones too: the kernel converts them
            # exactly, once per transpose), without a float64 copy first.
            picks = iterative_boundary_picks(
                np.ascontiguousarray(pseudo_class._plain_rows()), core, budget,
                inside,
                outside, np.asarray(opponent, dtype=np.intp), penalties,
                float(self.penalty), pseudo_class.metric == "cosine").tolist()
            taken[picks] = True
            return self._best_remaining(picks, taken, inside, outside, opponent,
                                        penalties, budget)
        return self._iterative(pseudo_class, budget, picks, taken, penalties)

    def _iterative(self, pseudo_class, budget, picks, taken, penalties):
        """The iterative selection on ``pseudo_class.distances`` (any source
        of distances, e.g. a cached matrix)."""
        n = pseudo_class.n
        core = pseudo_class.core_position
        inside = pseudo_class.inside_distance
        outside, opponent = _with_lone_class_stand_in(pseudo_class)
        n_removed = n // budget
        candidates = np.arange(n)
        while len(picks) < budget:
            last = picks[-1]
            if candidates.size:
                to_last = pseudo_class.distances([last], candidates)[0]
                order = np.lexsort((candidates, to_last))
                candidates = candidates[order][n_removed:]
            if last != core and opponent[last] >= 0:
                # Past float64's range it is inf, as in the compiled loop.
                with np.errstate(over="ignore"):
                    penalties[opponent[last]] *= self.penalty
            # A picked member may survive the removal when it has exact
            # duplicates; never pick it twice.
            available = candidates[~taken[candidates]]
            if available.size == 0:
                break
            scores = _boundary_scores(
                inside[available], outside[available], opponent[available], penalties
            )
            best = int(available[np.argmin(scores)])
            picks.append(best)
            taken[best] = True
        return self._best_remaining(picks, taken, inside, outside, opponent,
                                    penalties, budget)

    @staticmethod
    def _best_remaining(picks, taken, inside, outside, opponent, penalties, budget):
        """Complete ``picks`` with the lowest-score unpicked members (ties: lower
        position)."""
        missing = budget - len(picks)
        if missing > 0:
            rest = np.flatnonzero(~taken)
            scores = _boundary_scores(
                inside[rest], outside[rest], opponent[rest], penalties
            )
            picks = picks + rest[np.lexsort((rest, scores))[:missing]].tolist()
        return np.asarray(picks, dtype=np.intp)
