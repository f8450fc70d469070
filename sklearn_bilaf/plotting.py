"""Pictures of a selection: where the picked samples sit in the pool.

:class:`SelectionDisplay` draws the pool of a fitted sampler in two dimensions
and marks what the sampler did with each sample: core samples as stars,
boundary samples as circles, samples removed by denoising as faint crosses.
It follows scikit-learn's Display convention (like
:class:`~sklearn.inspection.DecisionBoundaryDisplay`): build it with
:meth:`SelectionDisplay.from_estimator`, or from precomputed values with the
constructor and :meth:`SelectionDisplay.plot`.

matplotlib is an optional dependency: ``pip install matplotlib`` (or, from
a clone of the repository, ``pip install ".[plot]"``).
"""


import re

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils.validation import _num_samples, check_array, check_is_fitted

from ._text import counted, quoted, quoted_value, rows_named
from .base import (
    _clearer_conversion_error,
    _empty_pool_error,
    _frame_dtypes,
    _is_int,
    _mapping_rows_hint,
    _refuse_containers,
    _refuse_lazy_frame,
    checked_finite,
    frame_pool,
    refuse_non_numbers,
    refuse_text_read_as_numbers,
)

__all__ = ["SelectionDisplay"]

# The package is not on an index yet: name matplotlib itself, which works
# for any install, and the extra for a clone.
_INSTALL_HINT = 'pip install matplotlib (or pip install ".[plot]" from a clone)'

# Groups of samples, in drawing order (later groups are drawn on top).
_GROUPS = ("pool", "removed", "selected", "boundary", "core")

_DEFAULT_STYLE = {
    "pool": dict(marker="o", s=8, alpha=0.35, linewidths=0),
    "removed": dict(marker="x", s=18, alpha=0.6, linewidths=0.9),
    "selected": dict(marker="D", s=36, edgecolors="black", linewidths=0.7),
    "boundary": dict(marker="o", s=42, edgecolors="black", linewidths=0.7),
    "core": dict(marker="*", s=220, edgecolors="black", linewidths=0.7),
}

_LEGEND_LABELS = {
    "pool": "other samples",
    "removed": "removed by denoising",
    "selected": "selected",
    "boundary": "boundary samples",
    "core": "core samples",
}


# Keywords of Axes.scatter that set the face colour of the points.
_COLOR_KEYS = frozenset({"c", "color", "facecolor", "facecolors"})

# Legend markers are grey: in the picture, colours mean classes, markers roles.
_LEGEND_COLORS = {
    "pool": ("0.6", "0.6"),
    "removed": ("0.3", "0.3"),
    "selected": ("0.8", "black"),
    "boundary": ("0.8", "black"),
    "core": ("0.8", "black"),
}


def _pyplot():
    """matplotlib.pyplot, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "SelectionDisplay needs matplotlib, an optional dependency of "
            f"sklearn_bilaf. Install it with: {_INSTALL_HINT}"
        ) from exc
    return plt


def _checked_ax(ax):
    """Refuse an ``ax`` that is not a matplotlib Axes (None is allowed),
    saying which Axes to pass.

    Checked before any work: the mistake surfaced in the drawing, after a
    projection that can take minutes, and pyplot's own ``scatter`` (for
    ``ax=plt``) drew on the current figure before failing.
    """
    if ax is None:
        return
    from matplotlib.axes import Axes
    from matplotlib.figure import FigureBase

    if isinstance(ax, Axes):
        return
    if isinstance(ax, np.ndarray) and ax.size and all(
            isinstance(one, Axes) for one in ax.flat):
        # fig, axes = plt.subplots(1, 2): the array, not one of its panels.
        first = ", ".join(["0"] * ax.ndim)
        raise TypeError(
            f"ax must be a matplotlib Axes; got an array of {ax.size} Axes "
            f"(of shape {ax.shape}, as plt.subplots returns for several "
            f"panels): pass one of them, such as axes[{first}]."
        )
    if isinstance(ax, FigureBase):
        raise TypeError(
            "ax must be a matplotlib Axes; got a Figure: pass one of its "
            "Axes, such as fig.gca() (or fig.add_subplot())."
        )
    what = (f"the module {ax.__name__}" if isinstance(ax, type(np))
            else f"{type(ax).__name__} {quoted_value(ax)}")
    raise TypeError(
        f"ax must be a matplotlib Axes, such as plt.gca() or the ax of "
        f"fig, ax = plt.subplots(); got {what}."
    )


def _holds_selection(estimator):
    """Whether ``estimator`` is, or holds, a fitted subset sampler."""
    if hasattr(estimator, "sampler_") or hasattr(estimator, "selected_indices_"):
        return True
    steps = getattr(estimator, "steps", None)
    return bool(steps) and _holds_selection(steps[-1][1])


def _fitted_sampler(estimator):
    """The fitted subset sampler inside ``estimator``.

    A Pipeline ending with a sampler, an imbalanced-learn Pipeline with a
    ``SubsetResampler`` step, or a meta-estimator holding its fitted sampler
    in ``sampler_``, selects the same rows as that sampler, so the picture is
    the same.
    """
    # The wrapped sampler first: a LabelBudgetClassifier has selected rows of
    # its own, but its sampler_ holds the cores and pseudo-classes.
    if hasattr(estimator, "sampler_"):
        return _fitted_sampler(estimator.sampler_)
    if hasattr(estimator, "selected_indices_"):
        return estimator
    steps = getattr(estimator, "steps", None)
    if steps:
        last = steps[-1][1]
        if not _holds_selection(last):
            # An imbalanced-learn pipeline selects in a step before its
            # estimator (a SubsetResampler): the first such step numbers
            # the rows the pipeline was fitted on.
            holders = [step for _, step in steps if _holds_selection(step)]
            if holders:
                return _fitted_sampler(holders[0])
        return _fitted_sampler(last)
    if not hasattr(estimator, "fit"):
        # Not through np.asarray: numpy would read a Pipeline, which has a
        # length and items, as a sequence of its steps.
        if isinstance(estimator, np.ndarray):
            many = list(estimator.ravel()) if estimator.dtype == object else []
        else:
            many = list(estimator) if isinstance(estimator, list | tuple) else []
        if many and all(hasattr(one, "fit") for one in many):
            # cross_validate(..., return_estimator=True)["estimator"], say:
            # not the arguments swapped, as below.
            raise TypeError(
                f"estimator is a {type(estimator).__name__} of "
                f"{counted(len(many), 'estimator')}: pass one of them, "
                "such as estimators[0], with the pool it was fitted on."
            )
        raise TypeError(
            f"{type(estimator).__name__} is not an estimator: pass the fitted "
            "sampler first, then its pool: "
            "SelectionDisplay.from_estimator(sampler, X)."
        )
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        check_is_fitted(estimator, "selected_indices_")
    name = type(estimator).__name__
    if hasattr(estimator, "best_estimator_"):
        # A model search (GridSearchCV, say) holds the refitted sampler, or
        # the meta-estimator holding it, in best_estimator_.
        raise TypeError(
            f"{name} is a search: pass its best_estimator_ "
            "(SelectionDisplay.from_estimator(search.best_estimator_, X))."
        )
    if hasattr(estimator, "best_params_"):
        raise TypeError(
            f"{name} is a search fitted with refit=False, which keeps no "
            "fitted estimator: fit one with its best_params_ "
            "(clone(search.estimator).set_params(**search.best_params_)"
            ".fit(X, y)) and pass it."
        )
    raise TypeError(
        f"{name} is not a subset sampler: it has no "
        "selected_indices_. Pass a fitted BiLAFSampler, a core selector, a "
        "Pipeline ending with one, or a meta-estimator with sampler_ (such "
        "as a SubsetResampler, also as a step of an imbalanced-learn Pipeline)."
    )


def _pool_hint(estimator, path="pipeline"):
    """What to pass instead of a pool whose size the drawn sampler refuses.

    A pipeline whose last step selects after an earlier step selected too
    fitted that last step on the earlier step's rows, not on the pipeline's
    pool, so "the pool it was fitted on" is not the X the user holds.  Such
    a pipeline may be nested (as the step that is drawn, the same as
    ``_fitted_sampler`` takes): ``path`` is how the user reaches it.

    Unlike ``_fitted_sampler``, it does not follow a meta-estimator's
    ``sampler_``: a LabelBudgetClassifier or SubsetResampler refuses, in
    fit, a sampler pipeline whose last step was fitted on fewer rows than
    its X, so such a ``sampler_`` that selects twice kept every row in its
    first step, and the pool the meta-estimator was fitted on is the answer.
    """
    steps = getattr(estimator, "steps", None) or []
    holders = [(name, step) for name, step in steps if _holds_selection(step)]
    if not holders:
        return "pass the pool it was fitted on."
    if _holds_selection(steps[-1][1]):
        last = steps[-1][0]
        earlier = [name for name, _ in holders[:-1]]
        if earlier:
            where = "the pipeline" if path == "pipeline" else path
            return (
                f"step {last!r} of {where} was fitted on the rows its "
                f"earlier step {earlier[-1]!r} selected. Draw step "
                f"{earlier[0]!r} with X (SelectionDisplay.from_estimator("
                f"{path}[{earlier[0]!r}], X)), or step {last!r} with the "
                "rows that reached it."
            )
        name, drawn = steps[-1]
    else:
        # A last step that does not select (an imbalanced-learn pipeline's
        # estimator): the first step that does is drawn.
        name, drawn = holders[0]
    return _pool_hint(drawn, f"{path}[{name!r}]")


def _row_numbers(values, n, name):
    """``values`` as row numbers of an n-row embedding, or a clear error."""
    values = np.asarray(values)
    # Python ints past the uint64 range stay objects in numpy: they are row
    # numbers, out of range, not values of the wrong kind.
    integers = values.dtype.kind == "O" and all(map(_is_int, values.flat))
    if values.dtype.kind == "b" or (values.size and values.dtype.kind not in "iuf"
                                    and not integers):
        hint = ("; for a boolean mask pass np.flatnonzero(mask)"
                if values.dtype.kind == "b" else "")
        raise ValueError(
            f"{name} must be row numbers (integers), got dtype "
            f"{values.dtype}{hint}."
        )
    values = values.ravel()
    if values.dtype.kind == "f":
        # The values at fault are quoted, as those out of range are below:
        # the first five given need not include a NaN or inf.
        fractional = ~np.isfinite(values) | (values != np.round(values))
        if fractional.any():
            raise ValueError(f"{name} must be whole row numbers, got "
                             f"{quoted(values[fractional][:5])}.")
    # Checked before the cast, and quoted as given: uint64 values from 2**63
    # and floats beyond the int64 range would wrap (to -9223372036854775808,
    # or -1 for 2**64 - 1) in the message.
    outside = (values < 0) | (values >= n)
    if outside.any():
        raise ValueError(
            f"{name} must lie in [0, {n - 1}] (rows of the embedding); got "
            f"{quoted(values[outside][:5])}."
        )
    return values.astype(np.intp)


def _identical_rows(X):
    """Whether every row of X equals the first (a single row included)."""
    step = max(1, (1 << 22) // max(1, X.shape[1]))
    return not any(np.any(X[start:start + step] != X[0])
                   for start in range(1, X.shape[0], step))


def _rescaling_exponent(X):
    """e such that ``X * 2**-e`` has its largest magnitude near 1, when X's
    values are so large or so small (beyond 2**32 or below 2**-32) that
    their squares risk overflowing or underflowing; else 0."""
    # The extremes rather than np.abs(X): no temporary the size of the pool.
    peak = max(float(X.max()), -float(X.min())) if X.size else 0.0
    if peak == 0.0 or 2.0**-32 <= peak <= 2.0**32:
        return 0
    return int(np.ceil(np.log2(peak)))


def _checked_pool(X, projection):
    """X as a finite numeric array, as every projection got it before, or
    as given when it is of another kind (texts, sparse rows, columns of
    strings) and the projection is the caller's, which may take it.

    A DataFrame becomes the array the estimators make of it (float32 kept,
    one copy in C order), with their errors (the columns that are not
    numbers, the rows that hold NaN): check_array made a float64 copy of
    nullable float32 columns, in Fortran order.
    """
    # As the estimators refuse it, whatever the projection: scikit-learn
    # read the query as one object ("Expected 2D array, got scalar array",
    # quoting its plan), after polars warned that reading its dtypes below
    # resolves its schema.
    _refuse_lazy_frame(X)
    try:
        # check_array read a dict or a generator as one object ("Expected
        # 2D array, got scalar array", quoting all of it).
        _refuse_containers(X)
        if _frame_dtypes(X) is not None:
            values = frame_pool(X)
        else:
            values = check_array(X, input_name="X", ensure_all_finite=False)
            # check_array cast the text of an object array (or of a list of
            # object rows) to the numbers it spells ("1.5"), which the
            # estimators refuse, as frames and arrays of text are here.
            refuse_non_numbers(X)
            refuse_text_read_as_numbers(X)
    except (TypeError, ValueError) as exc:
        if not isinstance(projection, str):
            return X
        unfit = _unfit_pool_error(X, exc, projection)
        if unfit is not None:
            raise unfit from exc
        raise type(exc)(
            f"{exc} projection={projection!r} is fitted on X as an array of "
            "numbers; to draw a pool of another kind (texts, sparse rows, "
            "columns of strings), pass a projection that takes it, such as "
            "TruncatedSVD(2) for sparse rows or make_pipeline("
            "TfidfVectorizer(), TruncatedSVD(2)) for texts, or coordinates "
            "of shape (n_samples, 2)."
        ) from exc
    return checked_finite(values, X)


def _unfit_pool_error(X, exc, projection):
    """The estimators' error for X, which ``projection`` (a string) could
    not take (``exc``), where the advice on texts and sparse rows does not
    fit: rows given as mappings, pools of no rows or no features (which
    no projection draws, and no sampler was fitted on), and numbers that
    are not a 2-D array; else None."""
    columns = _frame_dtypes(X)
    if columns is not None and not columns:
        # numpy's own error: "at least one array or dtype is required".
        return ValueError(
            f"Found array with 0 feature(s) (shape={tuple(X.shape)}) while a "
            "minimum of 1 is required: X is a DataFrame with no columns. Pass "
            "the columns of the embeddings."
        )
    if str(exc).startswith("Found array with 0 "):
        return _empty_pool_error(str(exc))
    if _numbers_of_another_shape(X, str(exc)):
        # Not a pool of texts or sparse rows that another projection could
        # take: the numbers of the pool, in a column (X[:, 0], a Series),
        # a single value or images, where scikit-learn's message quoted
        # every value and the advice below did not fit.
        return _clearer_conversion_error(X, exc)
    records = _mapping_rows_hint(X)
    if records:
        # scikit-learn read them as a 1-D array, quoted whole, and advised
        # a reshape.
        return TypeError(
            "X must be a 2-D array of numbers, the embeddings of the pool. "
            f"{records}projection={projection!r} is fitted on X as an array "
            "of numbers; to draw the mappings as they are, pass a projection "
            "that takes them, such as make_pipeline(DictVectorizer(), "
            "TruncatedSVD(2)), or coordinates of shape (n_samples, 2)."
        )
    return None


def _numbers_of_another_shape(X, message):
    """Whether ``message`` refuses X, an array (or list, or Series) of
    numbers, for its number of dimensions (1-D, a scalar, or more than
    2-D)."""
    if not any(text in message for text in (
            "got 1D array", "got scalar array", "Found array with dim",
            "Expected a 2-dimensional container")):
        return False
    try:
        kind = np.asarray(X).dtype.kind
    except (TypeError, ValueError):  # ragged rows, say
        return False
    return kind in "biuf"


def _project(X, n_samples, projection, random_state):
    """2-D coordinates of the ``n_samples`` rows of X, and a name for the
    axes (X is a numeric array for the projections named by a string)."""
    if isinstance(projection, SelectionDisplay):
        coords, name = projection.embedding, projection.projection_name
    elif isinstance(projection, str):
        if projection == "pca":
            from sklearn.decomposition import PCA

            if _identical_rows(X):
                # PCA centres a lone sample (or identical ones) to the
                # origin, warning as it divides by their zero variance:
                # place them there directly.
                coords = np.zeros((X.shape[0], 2))
            else:
                n_components = min(2, X.shape[0], X.shape[1])
                if X.dtype == np.float16:
                    # PCA computes in float64 what is neither float32 nor
                    # float64: a whole float64 copy, four times a float16
                    # pool, where float32 holds its values exactly.
                    X = X.astype(np.float32)
                # PCA's covariance overflows for values near the dtype's
                # maximum (and underflows for tiny ones): work on X scaled
                # by a power of two (exact, so the coordinates are the
                # same) and scale them back.
                exponent = _rescaling_exponent(X)
                coords = PCA(n_components=n_components,
                             random_state=random_state).fit_transform(
                                 np.ldexp(X, -exponent) if exponent else X)
                if exponent:
                    coords = np.ldexp(np.asarray(coords, dtype=np.float64),
                                      exponent)
            name = "PCA"
        elif projection == "tsne":
            from sklearn.manifold import TSNE

            if X.shape[0] < 4:
                raise ValueError(
                    f"projection='tsne' needs at least 4 samples; got "
                    f"{X.shape[0]}. Use projection='pca'."
                )
            if _identical_rows(X):
                # t-SNE's PCA start divides by the first component's zero
                # spread (scikit-learn's t-SNE then crashes the interpreter):
                # identical rows are one point, drawn at the origin as by PCA.
                coords = np.zeros((X.shape[0], 2))
            else:
                # t-SNE refuses a perplexity not below the sample count.
                perplexity = min(30.0, (X.shape[0] - 1) / 3)
                # Its PCA start needs as many features as output dimensions:
                # a single-feature pool starts from random positions instead.
                init = "pca" if X.shape[1] >= 2 else "random"
                # Squares of huge or tiny values overflow or underflow, and
                # its PCA start then divides by an infinite or zero spread
                # (scikit-learn's t-SNE crashes the interpreter): X scaled
                # by a power of two has the same neighbours.
                exponent = _rescaling_exponent(X)
                coords = TSNE(n_components=2, init=init, perplexity=perplexity,
                              random_state=random_state).fit_transform(
                                  np.ldexp(X, -exponent) if exponent else X)
            name = "t-SNE"
        else:
            raise ValueError(
                f"projection={projection!r} is not supported: use 'pca', "
                "'tsne', a callable mapping X to 2-D, an estimator with "
                "fit_transform, or an array of shape (n_samples, 2)."
            )
    elif hasattr(projection, "fit_transform"):
        coords = clone(projection).fit_transform(X)
        name = type(projection).__name__
    elif callable(projection):
        name = getattr(projection, "__name__", "projection")
        if name == "<lambda>":
            name = "projection"
        try:
            coords = projection(X)
        except ValueError as exc:
            # A fitted estimator's transform (pca.transform) fitted on
            # another pool: scikit-learn's message names neither the
            # projection nor what to pass instead.
            match = re.match(r"X has (\d+) features?, but (\w+) is expecting "
                             r"(\d+) features?", str(exc))
            if match is None:
                raise
            got, estimator, expected = match.groups()
            owner = getattr(projection, "__self__", None)
            method = (f"{type(owner).__name__}.{name}" if owner is not None
                      else name)
            raise ValueError(
                f"{_the_projection(method)} was fitted on a pool of "
                f"{counted(int(expected), 'feature')}, X has {got}: a fitted "
                "projection must be fitted on the same pool. Pass the "
                f"estimator itself (projection={estimator}(n_components=2)), "
                "which is fitted on X here, or fit it on X."
            ) from exc
    else:
        coords = projection
        name = None  # coordinates given: not computed from X
    coords = np.asarray(coords, dtype=np.float64)
    if coords.ndim == 2 and coords.shape[1] == 1:
        # A pool with a single feature (or a single sample) has no second axis.
        coords = np.column_stack([coords[:, 0], np.zeros(coords.shape[0])])
    if coords.ndim == 2 and coords.shape[1] == 2 and coords.shape[0] != n_samples:
        # Coordinates of another pool (another display's, say): the generic
        # shape message below did not say where they went wrong.
        raise ValueError(_other_pool_message(projection, name, coords.shape[0],
                                             n_samples))
    if coords.shape != (n_samples, 2):
        raise ValueError(
            f"The projection must give 2-D coordinates of shape "
            f"({n_samples}, 2), one row per sample of X; got shape "
            f"{coords.shape}."
        )
    bad = np.flatnonzero(~np.isfinite(coords).all(axis=1))
    if bad.size:
        # Such points would silently be missing from the picture.
        where = (f"for {bad.size} of the {counted(n_samples, 'sample')} "
                 f"({rows_named(bad)})")
        if name is None:
            raise ValueError(
                f"The projection array holds NaN or infinite coordinates "
                f"{where}; pass finite coordinates."
            )
        raise ValueError(
            f"The projection ({name}) gave NaN or infinite coordinates "
            f"{where}; check X for NaN or inf, or the projection."
        )
    return coords, name or "projection"


def _the_projection(name):
    """The projection, named by ``name`` unless it has none of its own (a
    lambda's)."""
    return "The projection" if name == "projection" else f"The projection ({name})"


def _other_pool_message(projection, name, n_given, n_samples):
    """Why coordinates of ``n_given`` samples do not draw X's ``n_samples``,
    and how to get the right ones, for each kind of ``projection``."""
    given = counted(n_given, "sample")
    if isinstance(projection, SelectionDisplay):
        return (
            f"projection is a display of a pool of {given}, not of X's "
            f"{n_samples}: a display's coordinates are reused only for the "
            "pool they were computed on. Draw X first, with "
            "SelectionDisplay.from_estimator(sampler, X) (its projection "
            "computed on X), and pass that display as projection= for the "
            "other samplers fitted on X."
        )
    if name is None:
        return (
            f"The projection array holds coordinates of {given}, not of X's "
            f"{n_samples}: they must be computed on the same pool, one row "
            "per row of X (e.g. PCA(n_components=2).fit_transform(X)), or "
            "pass the projection itself (projection='pca', or an estimator "
            "such as projection=PCA(n_components=2)), which is computed on X "
            "here."
        )
    return (
        f"{_the_projection(name)} gave coordinates of {given}, not of X's "
        f"{n_samples}: they must be computed on the same pool, one row per "
        "row of the X it is given."
    )


def _labels_shape_hint(classes, n, name):
    """What to pass for labels of shape (n, k) that name a class per row:
    a column (``df[["label"]]``), or one-hot rows; else ''."""
    if classes.ndim != 2 or classes.shape[0] != n:
        return ""
    if classes.shape[1] == 1:
        return f"; for a column of labels, pass np.ravel({name})"
    if classes.dtype.kind in "biuf" and classes.shape[1] > 1:
        return f"; for one-hot labels, pass np.argmax({name}, axis=1)"
    return ""


def _palette(n_colors, cmap=None):
    """RGBA colours for ``n_colors`` classes, as distinct as practical."""
    plt = _pyplot()
    from matplotlib.colors import to_rgba_array

    if cmap is not None:
        try:
            colormap = plt.get_cmap(cmap)
        except ValueError as exc:
            raise _cmap_error(cmap, exc) from exc
        if getattr(colormap, "N", 256) < 256:  # qualitative: cycle through it
            # Integers index the colour table (as colormap(i) does), and no
            # classes still give an (0, 4) array.
            return colormap(np.arange(n_colors) % colormap.N)
        return colormap(np.linspace(0, 1, max(n_colors, 1)))[:n_colors]
    # tab10's and tab20's ``colors`` are RGB triples: made RGBA like the
    # other branches, so that ``colors_`` has 4 columns whatever the classes.
    if n_colors <= 10:
        return to_rgba_array(plt.get_cmap("tab10").colors)[:n_colors]
    if n_colors <= 20:
        # tab20 pairs a dark and a light shade of each hue; all dark shades
        # first keeps neighbouring class numbers easy to tell apart.
        colors = to_rgba_array(plt.get_cmap("tab20").colors)
        return np.r_[colors[0::2], colors[1::2]][:n_colors]
    # Pseudo-classes numbered by core index are not spatially ordered; the
    # golden-ratio stride still keeps consecutive numbers far apart in hue.
    hues = (np.arange(n_colors) * 0.6180339887) % 1.0
    return plt.get_cmap("turbo")(0.05 + 0.9 * hues)


def _cmap_error(cmap, exc):
    """What to pass for a ``cmap`` matplotlib refused (``exc``): its
    message calls the parameter "name", and lists every colormap (some
    170 names) for what is not a string."""
    if isinstance(cmap, str):
        # matplotlib's message suggests the nearest names.
        return ValueError(f"cmap={cmap!r} is not the name of a matplotlib "
                          f"colormap ({str(exc).rstrip('.')}).")
    if isinstance(cmap, list | tuple) or (isinstance(cmap, np.ndarray)
                                          and cmap.ndim):
        kind = ("an array" if isinstance(cmap, np.ndarray)
                else f"a {type(cmap).__name__}")
        return ValueError(
            f"cmap is {kind} of {len(cmap)}, not a colormap: "
            "for colours of your own, pass matplotlib.colors.ListedColormap("
            "cmap), whose colours the classes take in turn, in ascending "
            "label order."
        )
    return ValueError(
        "cmap must be the name of a matplotlib colormap or a Colormap; got "
        f"{type(cmap).__name__} {quoted_value(cmap)}."
    )


def _class_codes(classes):
    """Class number of every entry of ``classes``, in ascending label order."""
    try:
        return np.unique(classes, return_inverse=True)[1].ravel()
    except TypeError:
        # Labels numpy cannot sort together: None or NaN for the unlabeled
        # samples beside strings, strings beside numbers.  Each distinct
        # type and repr is a class (all NaNs are one).
        keys = [f"{type(value).__name__} {value!r}" for value in classes.tolist()]
        return np.unique(keys, return_inverse=True)[1].ravel()


class SelectionDisplay:
    """Pool of a subset sampler in 2-D, with its selection marked.

    Core samples are drawn as stars, boundary samples as circles, samples
    removed by denoising as faint crosses, and the remaining pool as small
    dots.  Samplers without core samples (for example a core selector used on
    its own) have all their picks drawn as one group ("selected", diamonds).
    Points are coloured by true class when ``y`` is given, otherwise by
    pseudo-class.

    Use :meth:`from_estimator` to create one from a fitted sampler.  All
    parameters are stored as attributes.

    Read more in the :ref:`User Guide <user_guide_pictures>`.

    Parameters
    ----------
    embedding : ndarray of shape (n_samples, 2)
        2-D coordinates of the pool, all finite (:meth:`plot` refuses NaN
        and inf, which matplotlib would leave out of the picture).
    selected_indices : array-like of int
        Selected rows of the pool.
    core_indices : array-like of int or None, default=None
        Core samples, drawn as stars; the other selected rows are drawn as
        boundary samples.  When None, every selected row is drawn as
        "selected".
    inlier_mask : array-like of bool of shape (n_samples,) or None, \
            default=None
        False for the samples removed by denoising (drawn as crosses).
    labels : array-like of shape (n_samples,) or None, default=None
        Pseudo-class of every sample; used for the colours when ``y`` is None.
    y : array-like of shape (n_samples,) or None, default=None
        True classes, used for the colours when given.
    projection_name : str, default="projection"
        Used in the axis labels.

    Attributes
    ----------
    pool_ : matplotlib PathCollection
        The samples neither selected nor removed (small dots).
    removed_ : matplotlib PathCollection or None
        Samples removed by denoising and not selected (crosses); None when
        the sampler has no ``inlier_mask_``.
    cores_ : matplotlib PathCollection or None
        Core samples (stars); None without ``core_indices``.
    boundary_ : matplotlib PathCollection or None
        Selected samples that are not cores (circles); None without
        ``core_indices``.
    selected_ : matplotlib PathCollection or None
        All selected samples (diamonds) when there are no ``core_indices``;
        None otherwise.
    legend_ : matplotlib Legend or None
        The legend of the marker groups.
    colors_ : ndarray of shape (n_samples, 4)
        RGBA colour of every sample.
    ax_ : matplotlib Axes
        Axes with the picture.
    figure_ : matplotlib Figure
        Figure containing the picture.

    See Also
    --------
    SelectionDisplay.from_estimator : Plot the selection of a fitted sampler.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from sklearn_bilaf.plotting import SelectionDisplay
    >>> rng = np.random.RandomState(0)
    >>> embedding = rng.normal(size=(50, 2))
    >>> display = SelectionDisplay(embedding, [3, 7, 20, 41], core_indices=[7, 41])
    >>> display = display.plot()
    >>> len(display.cores_.get_offsets()), len(display.boundary_.get_offsets())
    (2, 2)
    >>> plt.close(display.figure_)
    """

    def __init__(
        self,
        embedding,
        selected_indices,
        *,
        core_indices=None,
        inlier_mask=None,
        labels=None,
        y=None,
        projection_name="projection",
    ):
        self.embedding = embedding
        self.selected_indices = selected_indices
        self.core_indices = core_indices
        self.inlier_mask = inlier_mask
        self.labels = labels
        self.y = y
        self.projection_name = projection_name

    def _groups(self):
        """Boolean mask of every marker group (None for absent groups)."""
        n = np.asarray(self.embedding).shape[0]
        selected = np.zeros(n, dtype=bool)
        selected[_row_numbers(self.selected_indices, n, "selected_indices")] = True
        groups = dict.fromkeys(_GROUPS)
        if self.core_indices is None:
            groups["selected"] = selected
            marked = selected
        else:
            core = np.zeros(n, dtype=bool)
            core[_row_numbers(self.core_indices, n, "core_indices")] = True
            groups["core"] = core
            groups["boundary"] = selected & ~core
            marked = selected | core
        if self.inlier_mask is not None:
            inlier = np.asarray(self.inlier_mask)
            if inlier.dtype.kind != "b":
                try:
                    values = np.unique(inlier)
                    # A date or duration is no mask: numpy 2 finds 0 and
                    # 1 ns equal to 0 and 1, numpy 1 fails to compare them.
                    mask_like = (inlier.dtype.kind not in "mM"
                                 and bool(np.isin(values, (0, 1)).all()))
                except TypeError:  # values that do not sort together
                    values, mask_like = inlier, False
                if not mask_like:
                    # Read as booleans, an outlier detector's 1 / -1 would
                    # all be True: no sample drawn as removed.
                    shown = quoted(values[:5])
                    raise ValueError(
                        "inlier_mask must be a boolean mask (True for the kept "
                        f"samples); got values {shown}. For an outlier "
                        "detector's fit_predict labels (1 / -1), pass "
                        "labels == 1."
                    )
                inlier = inlier.astype(bool)
            if inlier.shape != (n,):
                raise ValueError(
                    f"inlier_mask must have one entry per sample ({n}); got "
                    f"shape {inlier.shape}."
                )
            groups["removed"] = ~inlier & ~marked
            marked = marked | ~inlier
        groups["pool"] = ~marked
        return groups

    def _colors(self, cmap):
        n = np.asarray(self.embedding).shape[0]
        classes = self.y if self.y is not None else self.labels
        if classes is None:
            return np.tile(_palette(1, cmap)[0], (n, 1))
        classes = np.asarray(classes)
        if classes.shape != (n,):
            name = "y" if self.y is not None else "labels"
            raise ValueError(
                f"The class labels must have one entry per sample ({n}); got "
                f"shape {classes.shape}{_labels_shape_hint(classes, n, name)}."
            )
        codes = _class_codes(classes)
        # An embedding of no rows has no classes (codes.max() would fail).
        return _palette(int(codes.max()) + 1 if codes.size else 0, cmap)[codes]

    def plot(
        self,
        ax=None,
        *,
        legend=True,
        cmap=None,
        pool_kw=None,
        core_kw=None,
        boundary_kw=None,
        removed_kw=None,
        selected_kw=None,
        legend_kw=None,
    ):
        """Draw the picture.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure and axes are created when None.
        legend : bool, default=True
            Whether to add a legend of the marker groups (with counts).
        cmap : str or matplotlib Colormap, default=None
            Colours of the classes.  None picks ``"tab10"`` or ``"tab20"``
            for up to 10 or 20 classes, and spread-out ``"turbo"`` hues
            beyond.  For colours of your own, pass
            ``matplotlib.colors.ListedColormap(colors)``: the classes take
            them in turn, in ascending label order.
        pool_kw, core_kw, boundary_kw, removed_kw, selected_kw : dict, \
                default=None
            Keyword arguments for :meth:`matplotlib.axes.Axes.scatter` of
            each group, overriding the defaults (e.g. ``core_kw={"s": 400}``).
            A colour (``c``, ``color``, ``facecolor`` or ``facecolors``)
            replaces the class colours of that group.
        legend_kw : dict, default=None
            Keyword arguments for :meth:`matplotlib.axes.Axes.legend`.

        Returns
        -------
        display : SelectionDisplay
            Object that stores the drawn artists.
        """
        plt = _pyplot()
        _checked_ax(ax)
        embedding = np.asarray(self.embedding, dtype=np.float64)
        if embedding.ndim != 2 or embedding.shape[1] != 2:
            raise ValueError(
                f"embedding must have shape (n_samples, 2); got {embedding.shape}."
            )
        bad = np.flatnonzero(~np.isfinite(embedding).all(axis=1))
        if bad.size:
            # matplotlib skips such points: a sample, even a core, would be
            # missing from the picture while counted in the legend.
            raise ValueError(
                f"embedding holds NaN or infinite coordinates for {bad.size} "
                f"of the {counted(embedding.shape[0], 'sample')} "
                f"({rows_named(bad)}); pass finite coordinates."
            )
        colors = self._colors(cmap)
        groups = self._groups()
        # Only once the values are known to be drawable: a figure opened
        # before a refusal would stay open, empty, in pyplot's list.
        opened = ax is None
        if opened:
            _, ax = plt.subplots()
        drawn = []
        try:
            self._draw(ax, embedding, colors, groups, drawn, legend=legend,
                       legend_kw=legend_kw, overrides={
                           "pool": pool_kw,
                           "core": core_kw,
                           "boundary": boundary_kw,
                           "removed": removed_kw,
                           "selected": selected_kw,
                       })
        except BaseException:
            # scatter's refusal of a keyword (or Ctrl-C) comes after the
            # figure was opened; the caller's figure is theirs to keep, but
            # half a picture left on it would be drawn again on a retry.
            if opened:
                plt.close(ax.figure)
            else:
                for artist in drawn:
                    artist.remove()
            raise
        return self

    def _draw(self, ax, embedding, colors, groups, drawn, *, legend,
              legend_kw, overrides):
        from matplotlib.lines import Line2D

        artists = {}
        handles = []
        for zorder, group in enumerate(_GROUPS, start=1):
            mask = groups[group]
            if mask is None:
                artists[group] = None
                continue
            style = {**_DEFAULT_STYLE[group], "zorder": zorder,
                     **(overrides[group] or {})}
            # A colour given for the group replaces the class colours
            # (scatter refuses ``c`` twice, or ``c`` with ``color``).
            if not _COLOR_KEYS.intersection(style):
                style["c"] = colors[mask]
            artists[group] = ax.scatter(
                embedding[mask, 0], embedding[mask, 1], **style
            )
            drawn.append(artists[group])
            if mask.any():
                face, edge = _LEGEND_COLORS[group]
                handles.append(Line2D(
                    [], [], linestyle="", marker=style["marker"],
                    # One size per point is allowed: their median.
                    markersize=max(4.0, float(np.sqrt(np.median(style["s"])))),
                    markerfacecolor=face, markeredgecolor=edge,
                    label=f"{_LEGEND_LABELS[group]} ({int(mask.sum())})",
                ))
        # Legend order: what was selected first, the background last.
        handles.reverse()
        self.legend_ = None
        if legend and handles:
            kwargs = {"loc": "best", "fontsize": "small", "framealpha": 0.9}
            kwargs.update(legend_kw or {})
            self.legend_ = ax.legend(handles=handles, **kwargs)
        ax.set_xlabel(f"{self.projection_name} 1")
        ax.set_ylabel(f"{self.projection_name} 2")

        self.pool_ = artists["pool"]
        self.removed_ = artists["removed"]
        self.selected_ = artists["selected"]
        self.boundary_ = artists["boundary"]
        self.cores_ = artists["core"]
        self.colors_ = colors
        self.ax_ = ax
        self.figure_ = ax.figure

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y=None,
        *,
        projection="pca",
        ax=None,
        random_state=None,
        legend=True,
        cmap=None,
        pool_kw=None,
        core_kw=None,
        boundary_kw=None,
        removed_kw=None,
        selected_kw=None,
        legend_kw=None,
    ):
        """Draw the pool of a fitted sampler with its selection.

        Parameters
        ----------
        estimator : fitted sampler
            Any fitted sampler of this package (it has ``selected_indices_``):
            :class:`~sklearn_bilaf.BiLAFSampler`, a core selector of
            :mod:`sklearn_bilaf.core`, a Pipeline ending with one, a
            meta-estimator exposing it as ``sampler_``
            (:class:`~sklearn_bilaf.LabelBudgetClassifier`,
            :class:`~sklearn_bilaf.SubsetResampler`), or an imbalanced-learn
            Pipeline with a ``SubsetResampler`` step.  Its
            ``core_indices_``, ``inlier_mask_`` and ``labels_`` are used when
            present.
        X : array-like of shape (n_samples, n_features), or any pool the \
                sampler takes
            The pool the sampler was fitted on (or rows aligned with it).
            ``"pca"`` and ``"tsne"`` need numbers.  A projection given as a
            callable or estimator gets X as an array when X holds numbers,
            and as given otherwise: the pool of a sampler pipeline that
            embeds texts, takes sparse rows or encodes string columns is
            drawn with a projection that does the same (or with precomputed
            coordinates, for which only X's rows are counted).
        y : array-like of shape (n_samples,), default=None
            True classes, used only for the colours.  When None, points are
            coloured by the sampler's pseudo-classes (``labels_``), or all
            alike when it has none.
        projection : {"pca", "tsne"}, callable, estimator, array-like or \
                SelectionDisplay, default="pca"
            How to draw X in 2-D: ``"pca"`` or ``"tsne"`` (fitted on X), a
            callable mapping X to an array of shape (n_samples, 2), an
            estimator with ``fit_transform`` (cloned, then fitted on X),
            precomputed coordinates of shape (n_samples, 2), or another
            display, whose coordinates are reused: to draw several samplers
            on the same picture, pass the first display.  Coordinates (given,
            or another display's) must be computed on this same pool X, one
            row per row.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure and axes are created when None.
        random_state : int, RandomState instance or None, default=None
            Seed of the ``"pca"`` and ``"tsne"`` projections.
        legend : bool, default=True
            Whether to add a legend of the marker groups.
        cmap : str or matplotlib Colormap, default=None
            Colours of the classes (see :meth:`plot`).
        pool_kw, core_kw, boundary_kw, removed_kw, selected_kw : dict, \
                default=None
            Keyword arguments for :meth:`matplotlib.axes.Axes.scatter` of
            each group (a colour replaces the class colours, see :meth:`plot`).
        legend_kw : dict, default=None
            Keyword arguments for :meth:`matplotlib.axes.Axes.legend`.

        Returns
        -------
        display : SelectionDisplay
            Object that stores the computed values and the drawn artists.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from sklearn.datasets import load_digits
        >>> from sklearn_bilaf import BiLAFSampler
        >>> from sklearn_bilaf.core import RandomSelector
        >>> from sklearn_bilaf.plotting import SelectionDisplay
        >>> X, y = load_digits(return_X_y=True)
        >>> sampler = BiLAFSampler(budget=40, core_selector=RandomSelector(8),
        ...                        random_state=0).fit(X)
        >>> display = SelectionDisplay.from_estimator(sampler, X, y)
        >>> len(display.cores_.get_offsets()), len(display.boundary_.get_offsets())
        (8, 32)
        >>> plt.close(display.figure_)
        """
        _pyplot()  # fail before a possibly long projection
        _checked_ax(ax)
        sampler = _fitted_sampler(estimator)
        check_is_fitted(sampler, "selected_indices_")
        # A pool that is not an array of numbers (that of a sampler pipeline
        # that embeds texts, say) reaches a projection of the caller's as
        # the sampler took it; coordinates only count its rows.
        X = _checked_pool(X, projection)
        n_samples = _num_samples(X)
        n_fit = getattr(sampler, "n_samples_fit_", None)
        if n_fit is not None and n_samples != n_fit:
            raise ValueError(
                f"X has {counted(n_samples, 'row')} but the sampler was fitted "
                "on a pool "
                f"of {n_fit}: {_pool_hint(estimator)}"
            )
        if y is not None:
            y = np.asarray(y)
            if y.shape != (n_samples,):
                raise ValueError(
                    f"y must have one label per row of X ({n_samples}); got "
                    f"shape {y.shape}{_labels_shape_hint(y, n_samples, 'y')}."
                )
        random_state = check_random_state(random_state)
        embedding, name = _project(X, n_samples, projection, random_state)
        display = cls(
            embedding,
            np.asarray(sampler.selected_indices_),
            core_indices=getattr(sampler, "core_indices_", None),
            inlier_mask=getattr(sampler, "inlier_mask_", None),
            labels=getattr(sampler, "labels_", None),
            y=y,
            projection_name=name,
        )
        return display.plot(
            ax=ax,
            legend=legend,
            cmap=cmap,
            pool_kw=pool_kw,
            core_kw=core_kw,
            boundary_kw=boundary_kw,
            removed_kw=removed_kw,
            selected_kw=selected_kw,
            legend_kw=legend_kw,
        )
