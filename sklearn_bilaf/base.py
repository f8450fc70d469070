"""Shared conventions for every estimator that selects a subset of a pool.

A *subset sampler* is fitted on a pool ``X`` of ``n_samples`` rows and chooses
some of those rows.  After ``fit`` it exposes ``selected_indices_`` (pool row
numbers, in the sampler's meaningful order) and ``n_samples_fit_``.
``transform(X)`` returns the selected rows of ``X`` (which must be the pool
itself; index other data aligned with the pool with ``selected_indices_``) and
``get_support`` gives a boolean mask over the pool, like scikit-learn's feature
selectors do over columns.
"""

import io
import math
import os
import re
import warnings
from collections import abc, deque
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
from sklearn import get_config
from sklearn.base import TransformerMixin, is_clusterer
from sklearn.utils import assert_all_finite, get_tags
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    RealNotInt,
)
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._text import counted, quoted_value, rows_named
from .io import _ID_LIKE_NAMES, _LABEL_LIKE_NAMES, _OLD_PANDAS_INDEX

__all__ = [
    "Count",
    "Fraction",
    "Number",
    "SubsetSamplerMixin",
    "fit_or_forget",
    "resolve_count",
    "validate_pool",
]


def _is_clusterer(obj):
    """scikit-learn's is_clusterer, False for what has no estimator tags."""
    if not hasattr(obj, "fit"):
        return False
    try:
        return is_clusterer(obj)
    except AttributeError:  # duck-typed estimators without __sklearn_tags__
        return False


def _labels_not_flags(obj):
    """What ``obj`` is when its ``fit_predict`` numbers groups rather than
    flagging outliers: ``"a clusterer"``, ``"a mixture model"``, or None.

    A mixture model (``GaussianMixture``) is tagged a density estimator, not
    a clusterer, but its ``fit_predict`` gives component numbers all the
    same.
    """
    if _is_clusterer(obj):
        return "a clusterer"
    if not hasattr(obj, "fit_predict"):
        return None
    try:
        kind = get_tags(obj).estimator_type
    except AttributeError:  # duck-typed estimators without __sklearn_tags__
        return None
    return "a mixture model" if kind == "density_estimator" else None


def _labels_not_flags_error(obj, name):
    """The error for ``name=obj`` where an outlier detector was expected,
    or None when ``obj`` may be one."""
    kind = _labels_not_flags(obj)
    if kind is None:
        return None
    numbers = ("cluster numbers (and -1 for noise)" if kind == "a clusterer"
               else "component numbers")
    return InvalidParameterError(
        f"{name}={type(obj).__name__}() is {kind}: its fit_predict gives "
        f"{numbers}, not inlier (1) / outlier (-1) flags. Pass an outlier "
        "detector (LocalOutlierFactor, IsolationForest, ...) or a denoiser of "
        "sklearn_bilaf.denoise."
    )


def _refuse_hidden_fit_predict(detector, name):
    """An error that says why ``detector``, whose class has ``fit_predict``,
    has none with its settings (``LocalOutlierFactor(novelty=True)``).

    scikit-learn's check of ``HasMethods(["fit_predict"])`` said only that
    it must be "an object implementing 'fit_predict'", which its class is.
    """
    if (hasattr(type(detector), "fit_predict")
            and not isinstance(detector, type)
            and not hasattr(detector, "fit_predict")
            and not hasattr(detector, "rank_class")):
        hint = (" Set novelty=False (the default): with novelty=True, "
                "LocalOutlierFactor only scores new data."
                if getattr(detector, "novelty", False) is True else "")
        raise InvalidParameterError(
            f"{name}={detector!r} has no fit_predict with these settings, "
            "and the outlier detector runs fit_predict inside each "
            f"pseudo-class.{hint}"
        )


class _RefusesBools:
    """Makes a scikit-learn ``Interval`` refuse bools (``True`` is an ``int``
    to Python, and so inside any interval that holds 1)."""

    def is_satisfied_by(self, val):
        """Whether ``val`` is a number (not a bool) inside the interval.

        Parameters
        ----------
        val : object
            The parameter value.

        Returns
        -------
        satisfied : bool
            True when ``val`` is accepted.
        """
        if isinstance(val, (bool, np.bool_)):
            return False
        try:
            return bool(super().is_satisfied_by(val))
        except TypeError:
            # Numbers numpy cannot compare (a Fraction, a timedelta64) fail
            # inside scikit-learn's check with a bare ufunc error: refuse
            # them, so the user gets the parameter's own message instead.
            return False


class Count(_RefusesBools, Interval):
    """``Interval(Integral, ...)`` that refuses bools.

    ``True`` is an ``int`` to Python, so scikit-learn's interval accepts it
    as the count 1; for a count parameter it is almost surely a mistake (and
    compiled kernels reject it with an unreadable typing error).

    Parameters
    ----------
    left : int or None
        Lower bound (None: unbounded).
    right : int or None, default=None
        Upper bound (None: unbounded).
    closed : {"left", "right", "both", "neither"}, default="left"
        Which bounds belong to the interval.
    """

    def __init__(self, left, right=None, *, closed="left"):
        super().__init__(Integral, left, right, closed=closed)


class Number(_RefusesBools, Interval):
    """``Interval(Real, ...)`` that refuses bools.

    For a real parameter (a rate, a penalty, a temperature): ``True`` and
    ``False`` are the numbers 1 and 0 to scikit-learn's interval, so
    ``penalty=True`` would silently mean 1.0.  Numbers that numpy cannot
    compare (a ``fractions.Fraction``, a ``timedelta64``) are refused with
    the parameter's message too, instead of a bare ufunc error.

    Parameters
    ----------
    left : float or None
        Lower bound (None: unbounded).
    right : float or None
        Upper bound (None: unbounded).
    closed : {"left", "right", "both", "neither"}
        Which bounds belong to the interval.

    See Also
    --------
    Count : The same for integer counts.
    Fraction : A fraction of the pool.
    """

    def __init__(self, left, right, *, closed):
        super().__init__(Real, left, right, closed=closed)


class Fraction(_RefusesBools, Interval):
    """``Interval(RealNotInt, ...)`` that refuses bools, for a fraction of
    the pool.

    For a parameter that is a count or a fraction of the pool (``budget``,
    ``n_cores``): an int is never a fraction (``budget=1`` is one sample, the
    ``Count`` beside it; scikit-learn's ``check_param_validation`` refuses
    constraints where it would be both), and ``True`` is not one either (it
    would silently mean "the whole pool").  numpy's float scalars are
    fractions like Python's floats (scikit-learn's ``RealNotInt`` knows only
    ``float`` and its subclass ``np.float64``, not ``np.float32``).

    Parameters
    ----------
    left : float or None
        Lower bound (None: unbounded).
    right : float or None, default=None
        Upper bound (None: unbounded).
    closed : {"left", "right", "both", "neither"}, default="right"
        Which bounds belong to the interval.

    See Also
    --------
    Count : The same for integer counts.
    Number : The same for any real parameter.
    """

    def __init__(self, left, right=None, *, closed="right"):
        super().__init__(RealNotInt, left, right, closed=closed)

    def is_satisfied_by(self, val):
        """Whether ``val`` is a float (not an int or a bool) inside the
        interval.

        Parameters
        ----------
        val : object
            The parameter value.

        Returns
        -------
        satisfied : bool
            True when ``val`` is accepted.
        """
        if isinstance(val, np.floating):
            val = float(val)  # exact, float16 and float32 included
        return super().is_satisfied_by(val)

    def __str__(self):
        # The parameter's error message: say what a float means, as the
        # command line does ("1%" and an unrounded 0.01 * len(X) are the
        # usual mistakes).
        return (f"{super().__str__()} (a fraction of the pool, 0.01 for 1 %; "
                "a count must be an int)")


def instance_call(cls):
    """How to write an instance of ``cls`` in an error message:
    ``"Cls()"``, or ``"Cls(budget=...)"`` naming the parameters its
    ``__init__`` requires (advising ``Cls()`` would give another error)."""
    import inspect

    try:
        parameters = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):  # no signature to read
        return f"{cls.__name__}()"
    required = [p.name for p in parameters
                if p.default is p.empty
                and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD,
                               p.KEYWORD_ONLY)]
    return f"{cls.__name__}({', '.join(f'{name}=...' for name in required)})"


def caller_stacklevel():
    """``stacklevel`` for a ``warnings.warn`` made by the calling function,
    pointing at the first frame outside this package, scikit-learn,
    imbalanced-learn and joblib: the user's line, whichever of our methods
    or their wrappers (``fit_transform``, ``set_output``, parameter
    validation, a Pipeline, imbalanced-learn's) led there."""
    import sys

    frame = sys._getframe(1)  # the function that warns: stacklevel 1
    level = 1
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        # joblib: a Pipeline calls its steps through joblib's Memory.
        if module.split(".")[0] not in ("sklearn_bilaf", "sklearn", "imblearn",
                                        "joblib"):
            return level
        frame = frame.f_back
        level += 1
    return level


@contextmanager
def fit_or_forget(estimator):
    """Run a fit; if it fails, drop every fitted attribute of ``estimator``.

    Validation sets ``n_features_in_`` before the work that may fail; without
    this, a failed re-fit would leave the new feature count beside the
    previous selection, so the estimator would refuse the pool it was
    actually fitted on.  After a failure the estimator is simply not fitted.

    Parameters
    ----------
    estimator : object
        The estimator being fitted; on an exception its attributes that end
        with an underscore are deleted before the exception propagates.

    Yields
    ------
    None
        Run the fit inside the ``with`` block.
    """
    try:
        yield
    except BaseException:
        for name in [name for name in vars(estimator)
                     if name.endswith("_") and not name.startswith("__")]:
            delattr(estimator, name)
        raise


def _pool_dtype(X):
    """Dtype to compute in: float32 stays float32 (float16 is promoted to it),
    for a DataFrame too when numpy's array of its columns' dtypes is such
    floats (float32 columns, pandas' nullable and pyarrow ones included,
    beside int8, int16, uint8, uint16 or bool ones; not beside int32 or
    int64 ones, which numpy makes float64)."""
    columns = _frame_dtypes(X)
    numpy_dtype = _frame_numpy_dtype(columns) if columns else None
    dtypes = ([numpy_dtype] if numpy_dtype is not None
              else [dtype for _, dtype in columns] if columns is not None
              else [getattr(X, "dtype", None)])
    if dtypes and all(dtype is not None and getattr(dtype, "kind", "O") == "f"
                      and getattr(dtype, "itemsize", 8) <= 4 for dtype in dtypes):
        return np.float32
    return [np.float64, np.float32]


def _frame_numpy_dtype(columns):
    """The dtype numpy gives an array of a frame's number and bool columns
    (``(column, dtype)`` pairs) held in their numpy dtypes: pandas' nullable
    and pyarrow columns in their ``numpy_dtype``, polars ones in the dtype
    polars converts them to.  None when a column is of another kind (text,
    dates, objects), whose conversion decides the dtype instead."""
    dtypes = []
    for _, dtype in columns:
        if getattr(dtype, "kind", "O") not in "biuf":
            return None
        if isinstance(dtype, np.dtype):
            dtypes.append(dtype)
        elif _is_number_extension(dtype):
            dtypes.append(np.dtype(dtype.numpy_dtype))
        elif isinstance(dtype, _PolarsColumnDtype):
            dtypes.append(np.dtype(f"{dtype.kind}{dtype.itemsize}"))
        else:  # e.g. a sparse column: not one numpy dtype to combine
            return None
    # pandas reads bool beside number columns as objects; numpy's own rule
    # (int16 and float32 are float32) is the one float32 arrays follow.
    return np.result_type(*dtypes) if dtypes else None


def _reject_unsupported_dtype(X, name="X"):
    columns = _frame_dtypes(X)
    if columns is not None:
        # A DataFrame has no single dtype: a date or complex column would
        # reach numpy's conversion (a bare DTypePromotionError, or, for a
        # frame of dates only, numbers of nanoseconds used as embeddings).
        for column, dtype in columns:
            _reject_dtype(dtype, f" in column {column!r}", name)
        return
    dtype = getattr(X, "dtype", None)
    if dtype is not None:
        # An entry of a text array, for the hint when it spells a number.
        sample = (next(iter(np.asarray(X).flat), None)
                  if getattr(dtype, "kind", "O") in "US" else None)
        _reject_dtype(dtype, "", name, sample)


def refuse_non_numbers(values, name="X"):
    """Refuse complex numbers, text, dates and records in ``values`` (a pool,
    or points in its space, given to a public function), as the estimators'
    input check does: a cast to float reads text as numbers and dates as
    counts of days, and drops imaginary parts with only a warning.

    Returns
    -------
    numbers : ndarray or None
        For a list (anything without a dtype), numpy's array of it when it
        holds numbers (bool, int or float), which the caller converts
        instead of the list: reading the list again was a second pass over
        every value, for the same floats.  None otherwise (an array, a
        frame, a list of objects or a ragged one, whose conversion gives
        its own errors).
    """
    _refuse_lazy_frame(values, name)
    _refuse_containers(values, name)
    _reject_unsupported_dtype(values, name)
    if not hasattr(values, "dtype") and not hasattr(values, "dtypes"):
        # A list: its dtype is only known once numpy has read it.
        try:
            array = np.asarray(values)
        except (TypeError, ValueError):
            return None  # ragged: float_array's message says so
        _reject_unsupported_dtype(array, name)
        # A list of object rows (list(frame.to_numpy())) reads back as an
        # object array, not as text: a cast to float read its text as the
        # numbers it spells.
        refuse_text_read_as_numbers(array, name)
        return array if array.dtype.kind in "biuf" else None
    return None


def _numbers_or(values, listed):
    """``listed``, numpy's array of the list ``values``, when it holds
    numbers (bool, int or float), to convert instead of the list (the same
    floats, without reading every value again); else ``values``, whose
    conversion names the entries that fail it (None, text), as before."""
    if listed is not None and listed.dtype.kind in "biuf":
        return listed
    return values


def _is_polars_frame(X, kind="DataFrame"):
    """True for a polars DataFrame (or another polars type, ``kind``),
    recognised by its type's module: polars is optional, and a frame can
    only come from it if it was imported."""
    cls = type(X)
    return (cls.__name__ == kind
            and getattr(cls, "__module__", "").startswith("polars."))


def spread_rows(X, count=64):
    """About ``count`` rows spread over ``X`` (a strided view, no copy: a
    few pages of a memory map), for the quick looks that spare an ordinary
    pool a full read: a lower bound of its largest value, say, where its
    first row alone (zero, or tiny) could not rule out a pool of tiny
    values."""
    return X[::max(1, X.shape[0] // count)]


def reshaped_hint(X, shape, name="X"):
    """Code that gives the 1-D ``X`` (the input ``name``) the ``shape`` given
    (``"-1, 1"``, one feature, or ``"1, -1"``, one sample) with what ``X``
    has: a pandas Index and a list have no ``reshape`` method, so
    ``X.reshape(...)`` failed."""
    if hasattr(X, "reshape"):
        return f"{name}.reshape({shape})"
    if hasattr(X, "to_numpy"):
        return f"{name}.to_numpy().reshape({shape})"
    return f"np.reshape({name}, ({shape}))"


def _refuse_lazy_frame(X, name="X"):
    """Refuse a polars LazyFrame: numpy's conversion of it failed with
    "setting an array element with a sequence", and reading its dtypes
    makes polars warn that it resolves the query's schema."""
    if _is_polars_frame(X, "LazyFrame"):
        raise TypeError(
            f"{name} is a polars LazyFrame, a query not run yet: pass "
            f"{name}.collect(), the DataFrame it gives."
        )


def _refuse_containers(X, name="X"):
    """Refuse a mapping, a set, a dict view or an iterator (a generator,
    say) where rows are expected, saying what to pass instead: numpy reads
    each as one object, whose conversion failed with "float() argument must
    be a string or a real number, not 'dict'", naming neither X's kind nor
    the fix."""
    if (hasattr(X, "dtype") or hasattr(X, "dtypes") or hasattr(X, "__array__")
            or hasattr(X, "__array_interface__")):
        # numpy reads these through the array they hand over.
        return
    kind = type(X).__name__
    if isinstance(X, abc.MappingView):
        # Before sets: a dict's keys and items views are sets too, yet
        # ordered as the dict is.
        raise TypeError(
            f"{name} is a {kind} view, which numpy does not read as rows: "
            f"pass a 2-D array of its rows, np.asarray(list({name}))."
        )
    if isinstance(X, abc.Mapping):
        raise TypeError(
            f"{name} is a {kind} (a mapping), not an array of rows: pass a "
            f"2-D array, np.asarray(list({name}.values())) for a mapping of "
            f"rows (row i is then that of the key list({name})[i]), or "
            f"pd.DataFrame({name}) for one of columns."
        )
    if isinstance(X, abc.Set):
        # Row numbers into it would name no row: its order is not kept.
        raise TypeError(
            f"{name} is a {kind}, which has no order, so row numbers would "
            f"name no row of it: fix an order, rows = list({name}), and pass "
            "np.asarray(rows), whose row i is rows[i]."
        )
    if isinstance(X, io.IOBase):
        # An iterator of its lines: list(X) would be its text.
        path = getattr(X, "name", None)
        if isinstance(path, str | bytes | os.PathLike):
            shown = os.fsdecode(path)
            raise TypeError(
                f"{name} is an open file ({shown!r}), not the embeddings: load "
                f"them first, sklearn_bilaf.io.load_embeddings({shown!r}).X for "
                "any format the bilaf command reads (or np.load, np.loadtxt)."
            )
        raise TypeError(
            f"{name} is an open file (a {kind}), not the embeddings: load them "
            f"first, np.load({name}) for the bytes of a .npy file or "
            f"np.loadtxt({name}) for text."
        )
    if isinstance(X, abc.Iterator):
        raise TypeError(
            f"{name} is a {kind} (an iterator), which numpy does not read as "
            "rows, and which can be read only once: pass a 2-D array of its "
            f"rows, np.asarray(list({name}))."
        )


class _PolarsColumnDtype:
    """A polars column's dtype as the checks read a numpy one: ``kind`` and
    ``itemsize`` of the array polars converts the column to, printed with
    polars' name for it (``Date``, not ``datetime64[D]``)."""

    def __init__(self, dtype, name):
        self.kind = dtype.kind
        self.itemsize = dtype.itemsize
        self.name = name

    def __str__(self):
        return self.name


def _polars_column_dtype(series):
    try:
        # polars' own conversion, of no rows: float32 stays float32, a date
        # is a datetime64, text an object.
        empty = series.head(0).to_numpy()
    except Exception:  # a dtype polars does not convert: not a number
        empty = np.empty(0, dtype=object)
    # A fixed-size array per cell (polars' Array) converts to a 2-D block:
    # not one number per row, whatever the dtype of its numbers.
    dtype = empty.dtype if empty.ndim == 1 else np.dtype(object)
    # An Enum's name lists its categories, which are data (thousands of
    # codes, say), not a dtype to quote in an error.
    name = "Enum" if type(series.dtype).__name__ == "Enum" else str(series.dtype)
    return _PolarsColumnDtype(dtype, name)


def _frame_dtypes(X):
    """(column, dtype) pairs of a pandas or polars DataFrame, else None (a
    polars column's dtype is a :class:`_PolarsColumnDtype`)."""
    if _is_polars_frame(X):
        return [(series.name, _polars_column_dtype(series))
                for series in X.get_columns()]
    dtypes = getattr(X, "dtypes", None)
    if dtypes is None or isinstance(X, np.ndarray) or not hasattr(dtypes, "items"):
        return None
    return list(dtypes.items())


def _reject_dtype(dtype, where, name="X", sample=None):
    kind = getattr(dtype, "kind", "O")
    if kind == "c":
        raise ValueError(
            f"Complex data not supported{where}: embeddings must be real "
            f"numbers. Pass the real part ({name}.real) or the magnitude "
            f"(np.abs({name}))."
        )
    if kind in "USMmV":
        what = "dates or times" if kind in "Mm" else "text"
        if kind == "V":
            what = "structured records"
        raise _not_embeddings(what, where, dtype, name, text=sample,
                              convert=f"np.asarray({name}, dtype=float)")


def _not_embeddings(what, where, dtype, name, *, text=None, convert=None):
    """The error for ``name`` holding ``what`` (text, dates...) ``where``
    (" in column 'c'", which can be dropped, or an entry), not numbers.
    ``text``, an entry of that text, and ``convert``, the call that casts
    it, say how to use it as numbers when it spells one."""
    hint = ""
    if text is not None and _spells_number(text):
        # Numbers read as text (a CSV file, a column of str) would be
        # pointlessly embedded: say how to take them as numbers on purpose.
        hint = (f" The text spells numbers ({_shown_text(text)}), yet ids "
                "and codes are written in digits too: if it holds features, "
                f"convert it to floats first ({convert}).")
    return ValueError(
        f"{name} holds {what}{where} (dtype {dtype}), not embeddings: the "
        "selection needs a 2-D array of numbers. Embed the raw inputs first "
        "(e.g. with a pretrained encoder) and pass the embedding matrix"
        + (", or drop that column." if where.startswith(" in column") else ".")
        + hint
    )


def _spells_number(text):
    """Whether the str or bytes ``text`` reads as a float."""
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def _shown_text(value):
    """``value`` quoted for an error, cut to 40 characters."""
    shown = quoted_value(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _first_text_entry(array):
    """The index of the first entry of the object array that is text (str
    or bytes, numpy's included), in C order, or None."""
    # Blocks of the entries in C order: views of a C-contiguous array,
    # copies of one block each from the flat iterator of another, which
    # ravel() copied whole (a pointer array the size of a float64 pool).
    flat = array.ravel() if array.flags.c_contiguous else array.flat
    step = 1 << 16
    for start in range(0, array.size, step):
        block = flat[start:start + step]
        # The entries' types, gathered by map and set in C: a pool of
        # numbers held as Python objects is looked through without a Python
        # loop; only a block that holds text is, for where.
        if any(issubclass(kind, (str, bytes)) for kind in set(map(type, block))):
            for offset, value in enumerate(block):
                if isinstance(value, (str, bytes)):
                    return np.unravel_index(start + offset, array.shape)
    return None


def _column_holds_text(X, position, dtype):
    """Whether the column at ``position`` of the pandas or polars frame X,
    of ``dtype``, holds text (numbers' dtypes, and dates', hold none)."""
    return _column_text(X, position, dtype) is not None


def _column_text(X, position, dtype):
    """The first text entry of the column at ``position`` of the pandas or
    polars frame X, of ``dtype``, or None when it holds no text."""
    if getattr(dtype, "kind", "O") != "O":
        return None
    # pandas' string and category columns and polars' String ones give
    # their entries as an object array (or one of text).
    entries = np.asarray((X.to_series(position) if _is_polars_frame(X)
                          else X.iloc[:, position]).to_numpy())
    if entries.dtype.kind in "US":
        # Text by its dtype, rows or none ("": no number to spell).
        return next(iter(entries.flat), "")
    if entries.dtype == object:
        entry = _first_text_entry(entries)
        return None if entry is None else entries[entry]
    return None


def refuse_text_read_as_numbers(values, name="X"):
    """Refuse text in ``values`` that a cast to float read as numbers ("1.5"):
    in an object array, or in a DataFrame's object, string, category or
    polars String column.

    A numpy array of text is refused before any cast (:func:`_reject_dtype`),
    and text that spells no number fails the cast, whose error says where;
    this is for what the cast took, the pool then selected from as the
    numbers its text spells.  Call it once the cast succeeded.  Lists are
    left to :func:`refuse_non_numbers`: numpy reads their text as text.
    """
    columns = _frame_dtypes(values)
    if columns is not None:
        polars = _is_polars_frame(values)
        for position, (column, dtype) in enumerate(columns):
            text = _column_text(values, position, dtype)
            if text is not None:
                # polars casts no Categorical or Enum column to floats.
                convert = (f"{name}.with_columns(pl.col({column!r})"
                           ".cast(pl.String).cast(pl.Float64))" if polars
                           else f"{name}.astype({{{column!r}: float}})")
                raise _not_embeddings("text", f" in column {column!r}", dtype,
                                      name, text=text, convert=convert)
        return
    if isinstance(values, np.ndarray) and values.dtype == object:
        entry = _first_text_entry(values)
        if entry is not None:
            text = values[entry]
            # A 0-d array's entry has no index to show ("X[]").
            where = (f" at {name}[{', '.join(str(int(i)) for i in entry)}]"
                     if values.ndim else "")
            raise _not_embeddings("text", f"{where} ({_shown_text(text)})",
                                  values.dtype, name, text=text,
                                  convert=f"np.asarray({name}, dtype=float)")


def validate_pool(estimator, X, *, reset=True):
    """Validate a pool of embeddings for ``fit`` and return it as a float array.

    float32 and float16 input come back as float32, everything else as
    float64. C-contiguous float arrays of the right dtype, including read-only
    memory maps, are returned without a copy.  NaN/inf, sparse matrices,
    complex numbers, and arrays that are not 2-D are refused with an error that
    says what to change, as are values so large (or all so small) that
    squared distances between rows overflow (or underflow), except for an
    estimator whose distances are all cosine ones, of the normalised rows.
    Under ``sklearn.config_context(assume_finite=True)`` the values are not
    checked (neither for NaN/inf nor for their size).

    Parameters
    ----------
    estimator : estimator
        The estimator being fitted (``n_features_in_`` and
        ``feature_names_in_`` are set, or checked, on it).
    X : array-like of shape (n_samples, n_features)
        The pool.
    reset : bool, default=True
        True in ``fit`` (record the number and names of features), False
        afterwards (check them).

    Returns
    -------
    X_valid : ndarray of shape (n_samples, n_features)
        float32 or float64, without a copy where possible.
    """
    if X is None:
        raise TypeError(
            f"{type(estimator).__name__} got X=None: pass the pool's embeddings, "
            "a 2-D array of shape (n_samples, n_features)."
        )
    if isinstance(X, np.ma.MaskedArray):
        n_masked = int(np.ma.count_masked(X))
        if n_masked:
            # numpy would hand over the values under the mask as if valid.
            raise ValueError(
                f"X is a masked array with "
                f"{counted(n_masked, 'masked entry', 'masked entries')}, and the "
                "selection would use the values under the mask. Drop the "
                f"{'row that holds it' if n_masked == 1 else 'rows that hold them'}"
                " (X[~np.ma.getmaskarray(X).any(axis=1)]) or fill "
                f"{'it' if n_masked == 1 else 'them'} (X.filled(value)) first."
            )
        X = np.ma.getdata(X)
    _refuse_lazy_frame(X)
    _refuse_containers(X)
    _reject_unsupported_dtype(X)
    numbers = None
    if not (hasattr(X, "dtype") or hasattr(X, "dtypes")
            or isinstance(X, str | bytes | os.PathLike)):
        # A list, or any sequence without a dtype (a deque, say; not a file
        # name, which the conversion's error says to load): numpy
        # reads its text as text; scikit-learn's cast to float read it as
        # the numbers it spells.  The array of numbers read for that is
        # converted below, not the sequence a second time (the same floats:
        # numpy's casts of bools, ints and floats are exact or correctly
        # rounded, as its conversion of Python numbers is).
        numbers = refuse_non_numbers(X)
        if numbers is not None:
            numbers = _listed_as_float64(numbers, X)
    if hasattr(X, "format") and hasattr(X, "tocsr"):  # scipy.sparse, cheap test
        raise TypeError(
            f"{type(estimator).__name__} does not accept sparse input: the "
            "selection needs dense embeddings. Convert with X.toarray() if it "
            "fits in memory, or reduce the dimension first (e.g. TruncatedSVD)."
        )
    columns = _frame_dtypes(X)
    if columns and all(type(dtype).__name__ == "SparseDtype" for _, dtype in columns):
        # scikit-learn turns it into a sparse matrix and says to use
        # .toarray(), which a DataFrame does not have.
        raise TypeError(
            f"{type(estimator).__name__} does not accept sparse input: the "
            "selection needs dense embeddings, and every column of X is sparse. "
            "Convert with X.sparse.to_dense() if it fits in memory, or reduce "
            "the dimension first (e.g. TruncatedSVD)."
        )
    if columns is not None and not columns:
        # scikit-learn's check_array fails on it in numpy ("at least one
        # array or dtype is required"), saying nothing of X.
        raise ValueError(
            f"Found array with 0 feature(s) (shape={tuple(X.shape)}) while a "
            f"minimum of 1 is required by {type(estimator).__name__}: X is a "
            "DataFrame with no columns. Pass the columns of the embeddings."
        )
    _refuse_past_float64(X, euclidean=not _in_cosine_geometry(estimator),
                         unchecked=get_config()["assume_finite"])
    with _clearer_conversion_errors(X):
        # pd.NA as NaN: the finiteness check below names its rows, as it did
        # after scikit-learn's conversion (of a nullable frame, two float64
        # copies of the pool at its peak).
        values = _frame_values_in_c_order(X, columns, missing=True)
        if values is None:
            try:
                X_valid = validate_data(
                    estimator,
                    X if numbers is None else numbers,
                    reset=reset,
                    accept_sparse=False,
                    dtype=_pool_dtype(X),
                    # Checked below, together with the size of the values.
                    ensure_all_finite=False,
                    ensure_min_samples=1,
                    copy=False,
                )
            except (TypeError, ValueError):
                # pd.NA in a column of objects, which numpy does not read,
                # is refused below as a NaN; under assume_finite, where
                # NaN is not checked, it is given as NaN unchecked, as pd.NA
                # in a nullable column is (it was refused there alone).
                if not (get_config()["assume_finite"]
                        and _only_missing_values_unread(X)):
                    raise
                values = _frame_as_floats(X)
        if values is not None:
            # The frame's feature names and count, recorded or checked as
            # validate_data does; its values are converted already.
            validate_data(estimator, X, reset=reset, skip_check_array=True)
            X_valid = check_array(values, accept_sparse=False, dtype=None,
                                  ensure_all_finite=False, ensure_min_samples=1,
                                  copy=False, estimator=estimator,
                                  input_name="X")
        if not get_config()["assume_finite"] and not _finite_and_small(X_valid):
            # The slow path, for its error: which values, in which rows.
            # scikit-learn's first pass sums X, which overflows (inf - inf:
            # "invalid value") for finite values near the dtype's maximum.
            with np.errstate(over="ignore", invalid="ignore"):
                assert_all_finite(X_valid, input_name="X")
            # Cosine stages normalise the rows (scaled by their largest
            # entry when the squared norm over- or underflows): neither
            # limit applies to them.
            if not _in_cosine_geometry(estimator):
                _reject_overflowing(X_valid)
    refuse_text_read_as_numbers(X)
    if reset and columns:
        _warn_of_label_like_columns(X, columns)
    return X_valid


def _warn_of_label_like_columns(X, columns):
    """Warn of the frame X's columns whose names say they hold ids or labels,
    or that are the row index pandas reads back from a CSV, as the bilaf
    command warns of a table's.

    Nothing else tells such a numeric column from a feature, and it steers
    the selection (row numbers pull it along the order of the rows; labels
    by the very thing it must not see).  It stays in X: the selection is that
    of the frame as given.
    """
    names = [column for column, _ in columns if isinstance(column, str)]
    lowered = {name.strip().lower() for name in names}
    polars = _is_polars_frame(X)
    for name in names:
        key = name.strip().lower()
        drop = (f"X.drop([{name!r}])" if polars
                else f"X.drop(columns=[{name!r}])")
        if _OLD_PANDAS_INDEX.fullmatch(name.strip()):
            message = (
                f"X's column {name!r} is used as a feature, but its name is the "
                "one pandas gives the row index of a CSV written with it "
                "(df.to_csv(path) then pd.read_csv(path)); if it holds row "
                "numbers, read the file with pd.read_csv(path, index_col=0), or "
                f"leave the column out of X ({drop}) (if it is a feature, "
                "rename the column to silence this warning)."
            )
        elif key == "y" and "x" in lowered:
            continue  # x and y: coordinates, as in a 2-D embedding
        elif key in _ID_LIKE_NAMES or key in _LABEL_LIKE_NAMES:
            what = "ids" if key in _ID_LIKE_NAMES else "labels"
            message = (
                f"X's column {name!r} is used as a feature, but its name says "
                f"it holds {what}; if it does, leave it out of X ({drop}) and "
                "keep it aside to look the selected rows up (if it is a "
                "feature, rename the column to silence this warning)."
            )
        else:
            continue
        warnings.warn(message, UserWarning, stacklevel=caller_stacklevel())


def _listed_as_float64(numbers, X):
    """``numbers``, numpy's array of the sequence X, as float64, in its own
    buffer: 8-byte ints (a list of Python ints) are cast where they are, a
    block at a time, and narrower numbers (float32 rows from an encoder,
    float16, int32, bool...) once the buffer has grown to the float64 size.
    The cast to a copy held the array beside its float64 copy, up to two
    pools at the peak.  The same floats (each number is rounded alone,
    wherever it is written).  The caller's ``numbers`` is consumed: use
    the array returned."""
    fresh = (isinstance(X, list | tuple | deque)
             and not hasattr(X, "__array__") and numbers.base is None)
    if not (fresh and numbers.dtype.kind in "biuf" and numbers.itemsize <= 8
            and not (numbers.dtype.kind == "f" and numbers.itemsize == 8)
            and numbers.size and numbers.flags.c_contiguous
            and numbers.flags.owndata and numbers.flags.writeable):
        # Anything else could be the caller's own memory (an object whose
        # __array__ hands over its array), or is float64 already.
        return np.asarray(numbers, dtype=np.float64)
    shape, size = numbers.shape, numbers.size
    if numbers.itemsize < 8:
        # realloc grows the buffer (in place for a large one: the kernel
        # remaps its pages), where a float64 copy was a second buffer.
        # Nothing else refers to this array, which numpy has just made
        # from the sequence (fresh), so no view is left dangling.
        numbers.resize(numbers.size * (8 // numbers.itemsize), refcheck=False)
    narrow = numbers.reshape(-1)
    floats = narrow.view(np.float64)
    narrow = narrow[:size]
    step = 1 << 16
    # From the end: the floats written over a block's bytes only cover
    # numbers of this block or of those already cast (each float is as
    # wide as its number, or wider).  A narrow block is read into a copy
    # first: numpy's cast writes its first floats over numbers of the
    # block it has not read yet.
    for start in range((size - 1) // step * step, -1, -step):
        block = narrow[start:start + step]
        floats[start:start + step] = (block if numbers.itemsize == 8
                                      else block.copy())
    return floats.reshape(shape)


def _frame_values_in_c_order(X, columns, dtype=None, *, missing=False):
    """The values of a frame of number columns that numpy cannot hand over
    without a copy, as one C-ordered array in ``dtype`` (by default, the
    dtype the validation gives them: the same values); None for any other
    X.

    numpy's conversion of such a frame is Fortran-ordered, which the core
    selection then copied to C order: two copies of the pool.  Converting
    it a block of rows at a time into a C-ordered array makes the one copy
    that is needed.  A pandas frame that numpy reads in place (one dtype,
    one block) is left to it: a view, not a copy.  Bool columns, and
    pandas' nullable and pyarrow float, integer and boolean columns, are
    converted here too (scikit-learn's conversion of them was
    Fortran-ordered as well); those holding a missing value (pd.NA) only
    with ``missing=True``, which gives it as NaN, as scikit-learn's
    conversion does.  Other frames (text, dates, objects) go through
    scikit-learn's conversion, and its errors, unchanged.
    """
    conversion = _frame_conversion(X, columns, dtype, missing=missing)
    if conversion is None:
        return None
    dtype, convert = conversion
    values = np.empty(X.shape, dtype=dtype)
    for start, stop, rows in _frame_row_blocks(X, 1 << 20):
        values[start:stop] = convert(rows)
    return values


def _frame_conversion(X, columns, dtype=None, *, missing=False):
    """``(dtype, convert)`` for the frames :func:`_frame_values_in_c_order`
    converts, else None: ``convert(rows)`` gives some rows of X (a slice, or
    rows taken from it: a frame of its kind) as an array in ``dtype``, the
    values the whole conversion gives them (pd.NA as NaN; a frame holding
    some gives None unless ``missing``)."""
    if not columns or X.shape[0] == 0:
        return None
    polars = _is_polars_frame(X)
    if not all(getattr(dtype, "kind", "O") in "biuf"
               and (polars or isinstance(dtype, np.dtype)
                    or _is_number_extension(dtype))
               for _, dtype in columns):
        return None
    extension = not polars and any(not isinstance(dtype, np.dtype)
                                   for _, dtype in columns)
    # numpy reads a pandas frame of bool and number columns as one array of
    # Python objects (their common dtype) before casting it.
    kinds = {dtype.kind for _, dtype in columns}
    by_pandas = extension or (not polars and "b" in kinds and len(kinds) > 1)
    has_missing = extension and any(
        X.iloc[:, j].hasnans for j, (_, dtype) in enumerate(columns)
        if not isinstance(dtype, np.dtype))
    if has_missing and not missing:
        # The public functions leave pd.NA to numpy's conversion, whose
        # error they make name it as a NaN in its rows.
        return None
    if dtype is None:
        # scikit-learn's choice of dtype for the frame (float64 for mixed
        # float32 and float64 columns, float32 for float16 ones), from one
        # row.
        first = X.slice(0, 1) if polars else X.iloc[:1]
        dtype = check_array(first, dtype=_pool_dtype(X),
                            ensure_all_finite=False).dtype
    if not _frame_must_copy(X, columns, dtype, polars):
        return None

    def convert(rows):
        # numpy reads extension columns (and bool beside number columns)
        # through an array of Python objects; pandas' to_numpy converts each
        # column's buffer to dtype directly (pd.NA to NaN only if asked).
        if not by_pandas:
            return np.asarray(rows, dtype=dtype)
        return (rows.to_numpy(dtype=dtype, na_value=np.nan) if has_missing
                else rows.to_numpy(dtype=dtype))

    return dtype, convert


def _frame_row_blocks(X, size):
    """``(start, stop, rows)`` for blocks of rows of the frame X of about
    ``size`` values each; row slices of either kind of frame are views,
    not copies."""
    step = max(1, size // X.shape[1])
    polars = _is_polars_frame(X)
    for start in range(0, X.shape[0], step):
        stop = min(start + step, X.shape[0])
        yield start, stop, (X.slice(start, stop - start) if polars
                            else X.iloc[start:stop])


def _frame_checked_in_blocks(estimator, X):
    """For ``transform``: check a DataFrame as :func:`validate_pool` does
    (with ``reset=False``), without converting it whole.

    ``transform`` needs a few rows of the fitted pool, yet the conversion
    of a frame that numpy cannot read in place (float16, mixed dtypes,
    several blocks, bool, nullable or pyarrow columns, polars) was a copy
    of the pool on every call.  Its values are read a block of rows at a time
    instead, for the same checks: finite, and neither so large that
    squared distances overflow nor all so small that they underflow.

    Parameters
    ----------
    estimator : estimator
        The fitted estimator (its feature count and names are checked).
    X : object
        What ``transform`` was given.

    Returns
    -------
    convert : callable or None
        ``convert(rows)`` gives rows of X (a frame of its kind) as the
        validated array gives them.  None when X is not such a frame, or
        when a check fails: :func:`validate_pool` then raises its error.
    """
    columns = _frame_dtypes(X)
    if not columns:
        return None
    conversion = _frame_conversion(X, columns)
    if conversion is None:
        return None
    dtype, convert = conversion
    if not get_config()["assume_finite"]:
        # What validate_pool's checks decide, from the extremes of the
        # blocks: NaN or inf shows in a block's min or max, and the largest
        # absolute value is the whole pool's (the min and max are exact).
        peak = 0.0
        for _, _, rows in _frame_row_blocks(X, 1 << 16):
            block = convert(rows)
            low, high = float(block.min()), float(block.max())
            if not (np.isfinite(low) and np.isfinite(high)):
                return None
            peak = max(peak, abs(low), abs(high))
        limit = float(np.sqrt(np.finfo(dtype).max / (4.0 * X.shape[1])))
        if not _in_cosine_geometry(estimator) and (
                peak > limit or 0.0 < peak < _SMALLEST_PEAK):
            return None
    # The frame's feature count and names, checked as validate_pool does.
    # Its values are neither converted nor checked here, so scikit-learn's
    # errors are about the columns, which _clearer_conversion_error leaves.
    validate_data(estimator, X, reset=False, skip_check_array=True)
    return convert


def _is_float_extension(dtype):
    """True for pandas' nullable (Float32, Float64) and pyarrow float
    dtypes, whose values without missing ones are the floats they hold."""
    return (type(dtype).__name__ in ("Float32Dtype", "Float64Dtype", "ArrowDtype")
            and getattr(dtype, "kind", "O") == "f")


# pandas' nullable number dtypes, by class name: pandas is optional.
_NULLABLE_NUMBER_DTYPES = frozenset(
    [f"{kind}{bits}Dtype" for kind in ("Int", "UInt") for bits in (8, 16, 32, 64)]
    + ["Float32Dtype", "Float64Dtype", "BooleanDtype", "ArrowDtype"])


def _is_number_extension(dtype):
    """True for pandas' nullable (Int64, UInt8, Float32, boolean...) and
    pyarrow number and bool dtypes, whose values without missing ones are
    the numbers (or True and False) they hold, converted to floats exactly
    as scikit-learn's conversion converts them."""
    return (type(dtype).__name__ in _NULLABLE_NUMBER_DTYPES
            and getattr(dtype, "kind", "O") in "biuf")


def _is_int_extension(dtype):
    """True for pandas' nullable (Int8 ... UInt64) and pyarrow int dtypes,
    whose values without missing ones are the ints they hold."""
    name = type(dtype).__name__
    return ((name == "ArrowDtype" or (name.endswith("Dtype")
                                      and name[:-5] in _NULLABLE_INTS))
            and getattr(dtype, "kind", "O") in "iu")


_NULLABLE_INTS = {f"{sign}Int{bits}" for sign in ("", "U") for bits in (8, 16, 32, 64)}


def _frame_must_copy(X, columns, dtype, polars):
    """False when numpy can convert the frame X to ``dtype`` in place."""
    if not polars and any(not isinstance(column_dtype, np.dtype)
                          for _, column_dtype in columns):
        # A nullable or pyarrow column is never a numpy array to view.
        return True
    if any(np.dtype(f"{column_dtype.kind}{column_dtype.itemsize}") != dtype
           for _, column_dtype in columns):
        return True
    if polars:
        try:
            # polars says whether its columns lie in one Fortran block,
            # without copying them.
            X.to_numpy(allow_copy=False)
        except Exception:  # a copy is needed (or an older polars)
            return True
        return False
    # pandas hands over its values in place when they are in one block of
    # one dtype; its block count is not public, and a frame whose count is
    # unknown is left to numpy's conversion (as before).
    return getattr(getattr(X, "_mgr", None), "nblocks", 1) != 1


def _finite_and_small(X):
    """True when X holds only finite values too small for squared distances
    between rows to overflow, and not all so small that they underflow
    to 0 in float64: one BLAS pass (the sum of squares is NaN or
    inf if any value is, and bounds every value).  False says only that the
    full checks must decide (a huge sum of squares can be harmless)."""
    if X.size == 0:
        return True
    if not (X.flags.c_contiguous or X.flags.f_contiguous):
        return False
    flat = X.reshape(-1, order="C" if X.flags.c_contiguous else "F")
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(flat @ flat)
    limit = float(np.sqrt(np.finfo(X.dtype).max / (4.0 * X.shape[1])))
    # The largest value is at least the root mean square: above
    # _SMALLEST_PEAK, the pool is not too small for float64 squared
    # distances either (below it, the full checks decide).
    return (np.isfinite(total) and np.sqrt(total) <= limit
            and (np.sqrt(total / flat.size) >= _SMALLEST_PEAK
                 # An all-zero pool, or values whose squares underflowed.
                 or (total == 0.0 and not flat.any())))


@contextmanager
def _clearer_conversion_errors(X, errors=(TypeError, ValueError)):
    """Within it, scikit-learn's and numpy's conversion and finiteness errors
    about X (of the types ``errors``) become :func:`_clearer_conversion_error`'s,
    where it has one."""
    try:
        yield
    except errors as exc:
        clearer = _clearer_conversion_error(X, exc)
        if clearer is None:
            raise
        raise clearer from exc


def _clearer_conversion_error(X, exc, name="X"):
    """An error that says what to change, for scikit-learn's and numpy's
    conversion and finiteness errors (None to keep the original); ``name``
    is X's in the messages (its name as the caller passed it)."""
    message = str(exc)
    if message.startswith("The feature names should match"):
        # scikit-learn's error lists the column names, which may read like
        # a conversion error ("could not convert", "got 1D array"): it says
        # what to change already.
        return None
    if message.startswith("Feature names are only supported"):
        # pd.DataFrame(embeddings) numbers its columns; an id column added
        # by name mixes the names' types, which scikit-learn checks first:
        # making the names strings, as it says, only led to the text.
        hint = _non_numeric_columns_hint(X, name)
        if not hint:
            return None
        return TypeError(f"{name} has columns that are not embeddings: {hint}"
                         f"scikit-learn refused {name} first for its column "
                         f"names: {message}")
    if (any(text in message for text in ("could not convert", "float() argument"))
            and _only_missing_values_unread(X)):
        # pd.NA in a column of objects fails numpy's conversion (None there
        # is read as NaN): a missing value, not text to embed.
        message = "Input X contains NaN."
    if message.startswith("Input X contains"):
        try:
            if _frame_dtypes(X) is not None and hasattr(X, "iloc"):
                # pandas' nullable columns hold pd.NA, which asarray refuses.
                blocks = _frame_float_blocks(X)
            else:
                values = np.asarray(X, dtype=np.float64)
                values = values.reshape(values.shape[0], -1)
                blocks = _row_blocks(values)
            nan_rows, inf_rows = _non_finite_rows(blocks)
        except (TypeError, ValueError):
            nan_rows = inf_rows = None
        if nan_rows is None or not (nan_rows.size or inf_rows.size):
            # The rows could not be read back: the kind scikit-learn found.
            what = "NaN" if "NaN" in message else "infinite values"
            return ValueError(
                f"{name} contains {what}: embeddings must be finite numbers. "
                "Drop those rows (and keep track of the rows you drop) or fix "
                "the feature extractor that produced them." + _float16_hint(X, name))
        if not nan_rows.size:
            # Long double values past float64's largest, held by objects
            # (or a frame's columns) that numpy converted to inf: named as
            # given, as in a long double array.
            peak = _long_double_peak(X, inf_rows)
            if peak is not None:
                return _past_float64_error(peak, name)
        return _non_finite_error(nan_rows, inf_rows, X, name)
    shape = getattr(X, "shape", None)
    if message.startswith("Found array with 0 "):
        return _empty_pool_error(message, name)
    # scikit-learn's message for a pandas Series advises a frame of a single
    # row (one sample: no pool) or a single column; a polars Series reshaped
    # to (-1, 1) is a Series of one-value arrays, 1-D still.
    series = ((message.startswith("Expected a 2-dimensional container")
               or "got 1D array" in message)
              and type(X).__name__ == "Series" and hasattr(X, "to_frame")
              and isinstance(shape, tuple) and len(shape) == 1)
    if "got 1D array" in message or series:
        # scikit-learn's message quotes the whole array (thousands of values).
        shape = shape if shape is not None else np.shape(X)
        if tuple(shape) == (0,):
            # Reshaped as advised below, it would be a pool of no rows.
            return ValueError(
                f"{name} is empty (shape (0,)): pass a pool of at least one "
                "sample, a 2-D array of shape (n_samples, n_features)."
            )
        library = "polars" if _is_polars_frame(X, "Series") else "pandas"
        what, reshape = ((f"a {library} Series of shape {tuple(shape)}",
                          f"{name}.to_frame()") if series
                         else (f"shape {tuple(shape)}",
                               reshaped_hint(X, "-1, 1", name)))
        return ValueError(
            f"{name} is 1-D ({what}); the selection needs a 2-D array, "
            "one row per sample and one column per feature. Reshape your data: "
            f"if each value is a sample's only feature, pass {reshape}."
        )
    if "got scalar array" in message:
        # scikit-learn's advice, reshape(-1, 1) or reshape(1, -1), is for a
        # 1-D array: one value is neither a row nor a column of embeddings.
        return ValueError(
            f"{name} is a single value ({_shown_text(X)}), not a pool: the "
            "selection needs a 2-D array, one row per sample and one column "
            "per feature, of shape (n_samples, n_features)."
        )
    if "Found array with dim" in message and shape is None:
        # Nested lists: their shape is numpy's (scikit-learn read them so).
        try:
            shape = np.shape(X)
        except ValueError:  # ragged
            shape = None
    if "Found array with dim" in message and shape is not None and len(shape) > 2:
        if not math.prod(shape):
            # X.reshape(len(X), -1), the advice below, would be just as empty.
            if shape[0] == 0:
                return ValueError(
                    f"{name} has shape {tuple(shape)}: no rows, so no sample "
                    "to select; pass a pool of at least one sample, a 2-D "
                    "array of shape (n_samples, n_features)."
                )
            return ValueError(
                f"{name} has shape {tuple(shape)}: its "
                f"{counted(shape[0], 'row')} "
                f"{'holds' if shape[0] == 1 else 'hold'} no values, so no "
                "features; pass the embeddings, a 2-D array of shape "
                "(n_samples, n_features) with at least one feature."
            )
        # Images passed as they come, (n, height, width[, channels]).
        return ValueError(
            f"{name} has shape {tuple(shape)}; the selection needs a 2-D array, "
            "one row per sample and one column per feature. To use each "
            f"sample's {counted(math.prod(shape[1:]), 'value')} (an image's "
            f"pixels, say) as its features, pass "
            # A list has no reshape method.
            + (f"{name}.reshape(len({name}), -1)." if hasattr(X, "reshape")
               else f"np.reshape({name}, (len({name}), -1)).")
        )
    if any(text in message for text in ("could not convert", "float() argument",
                                        "setting an array element")):
        # Same exception type as the original (TypeError for non-numbers).
        return type(exc)(
            f"{name} must be a 2-D array of numbers, the embeddings of the pool, "
            "with every row the same length; converting it to floats failed "
            f"({message}). " + _non_numeric_hint(X, name)
            + "Embed raw inputs (text, images) first and pass the embedding matrix."
        )
    return None


def _empty_pool_error(message, name="X"):
    """scikit-learn's error for a pool of no sample or no feature
    (``message``), saying which X lacks and what to pass.  Its wording is
    kept in front: scikit-learn's estimator checks match it."""
    found = re.search(r"shape=\((\d+), (\d+)\)", message)
    if found is None:
        return None
    n_samples, n_features = (int(size) for size in found.groups())
    if n_features == 0 and n_samples:
        # [[]], or the columns of a table all left out by a selection.
        what = (f"{name} has {counted(n_samples, 'row')} but no columns "
                "(features); pass the embeddings, a 2-D array of shape "
                "(n_samples, n_features) with at least one feature.")
    else:
        # A filter (or a split) that kept no row, usually.
        what = (f"{name} has no rows, so no sample to select; pass a pool of "
                "at least one sample (if the pool was filtered, check that "
                "the filter kept some rows).")
    return ValueError(f"{message.rstrip('.')}: {what}")


def _frame_as_floats(X, dtype=np.float64):
    """A DataFrame's values as float64 (or ``dtype``), its missing values
    (pd.NA) as NaN.

    Column by column: pandas' ``DataFrame.to_numpy(na_value=np.nan)`` fails
    on pd.NA in a column of objects, which ``Series.to_numpy`` reads.
    """
    values = np.empty(X.shape, dtype=dtype)
    for j in range(X.shape[1]):
        values[:, j] = X.iloc[:, j].to_numpy(dtype=dtype, na_value=np.nan)
    return values


def _frame_float_blocks(X):
    """``(start, values)`` for blocks of rows of the pandas DataFrame X:
    :func:`_frame_as_floats` of the rows from ``start`` on.  The errors of
    a frame holding NaN or pd.NA name its rows from these: converting it
    whole was one more float64 copy of the pool, on top of the one the
    validation had made."""
    if X.shape[0] == 0 or X.shape[1] == 0:
        yield 0, _frame_as_floats(X)
        return
    for start, _, rows in _frame_row_blocks(X, 1 << 16):
        yield start, _frame_as_floats(rows)


def _only_missing_values_unread(X):
    """True for a DataFrame that pandas converts to floats once its missing
    values (pd.NA) are read as NaN, and that holds some."""
    if _frame_dtypes(X) is None or not hasattr(X, "iloc"):
        return False
    found = False
    try:
        # Every block is read: a text entry anywhere is not a missing value.
        for _, values in _frame_float_blocks(X):
            found = found or bool(np.isnan(values).any())
    except Exception:  # text, or an unusual frame: not only missing values
        return False
    return found


def float_array(values, name="X", *, dtype=np.float64):
    """``values`` (a list, a DataFrame, an object array) as a float64 array
    (or ``dtype``), for the public functions that take a pool, or points in
    its space, in any form; or an error that says to pass numbers only.

    numpy's own error ("could not convert string to float: 'cat.jpg'")
    says neither which argument nor what to change.  Numeric arrays are
    best not passed here: they are read as they are, never copied whole.
    """
    try:
        array = np.asarray(values, dtype=dtype)
    except (TypeError, ValueError) as exc:
        if not _only_missing_values_unread(values):
            raise _not_floats_error(values, exc, name) from exc
        if not get_config()["assume_finite"]:
            # pd.NA in a frame (a nullable or object column), which numpy
            # does not read: a missing value, not text to embed.
            raise _clearer_conversion_error(
                values, ValueError("Input X contains NaN."), name) from exc
        # Under assume_finite NaN is left unchecked, by the functions whose
        # check it skips as by the estimators: pd.NA is given as NaN too
        # (the functions that check NaN always refuse it then).
        array = _frame_as_floats(values, dtype)
    refuse_text_read_as_numbers(values, name)
    return array


def _not_floats_error(values, exc, name="X"):
    """The error for ``values``, whose conversion by numpy failed with
    ``exc`` (text, None, rows of different lengths): of the same type as
    ``exc`` (TypeError for non-numbers), naming ``name`` and what to pass."""
    return type(exc)(
        f"{name} must be a 2-D array of numbers, embeddings, with every row "
        f"the same length; converting it to floats failed ({exc}). "
        + _non_numeric_hint(values, name)
        + "Embed raw inputs (text, images) first and pass the embedding "
        "matrix."
    )


def sequence_array(values, name="X"):
    """numpy's array of ``values`` when it has no dtype (a list, a tuple, a
    deque or another sequence), else None.

    Read once, for the checks and the conversion of a public function's
    argument (reading a list is a pass over every value in Python); a
    ragged one (rows of different lengths) is refused as :func:`float_array`
    refuses it, naming ``name``: numpy's own error ("setting an array
    element with a sequence") named neither the argument nor the fix.
    """
    if hasattr(values, "dtype") or hasattr(values, "dtypes"):
        return None
    _refuse_lazy_frame(values, name)
    _refuse_containers(values, name)
    try:
        return np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise _not_floats_error(values, exc, name) from exc


def pool_array(X, name="X"):
    """A pool given to a public function in another form than a numeric
    array (a list, a DataFrame, an object array) as an array: float64, but
    for a DataFrame that numpy makes float16 or float32 (float16 and
    float32 columns, beside int8, int16, uint8, uint16 or bool ones too)
    that float array, which the function then computes in as it does for
    that array: a float64 copy was twice the size, and
    gave other results than the array.  A pandas DataFrame that numpy reads
    through an array of Python objects (nullable or pyarrow number and
    boolean columns, bool beside number columns) is converted a block of
    rows at a time, into a C-ordered array."""
    columns = _frame_dtypes(X)
    if columns and _pool_dtype(X) is np.float32:
        # The float16 or float32 array numpy makes of the columns' numpy
        # dtypes (int16 and float32 columns are float32 for numpy).
        dtype = _frame_numpy_dtype(columns)
        values = _frame_values_in_c_order(X, columns, dtype)
        return values if values is not None else float_array(X, name, dtype=dtype)
    if columns and _read_through_objects(X, columns):
        # numpy converts such a frame through an array of Python objects
        # (3.8 float64 pools at its peak for Int64 columns, five for Float64
        # ones), Fortran-ordered; pandas converts each column's buffer.
        values = _frame_values_in_c_order(X, columns, np.dtype(np.float64))
        if values is not None:
            return values
    return float_array(X, name)


def _read_through_objects(X, columns):
    """True for a pandas frame that numpy converts through an array of
    Python objects: one with a nullable or pyarrow number or boolean
    column, or a bool column beside number ones."""
    if _is_polars_frame(X):
        return False
    kinds = {getattr(dtype, "kind", "O") for _, dtype in columns}
    return (any(_is_number_extension(dtype) for _, dtype in columns)
            or ("b" in kinds and len(kinds) > 1))


def frame_pool(X):
    """A pandas or polars DataFrame as the array the estimators' validation
    makes of it, with their errors; for code that draws or reads a pool
    outside an estimator (no feature names are recorded).

    Parameters
    ----------
    X : DataFrame
        A pandas or polars DataFrame.

    Returns
    -------
    values : ndarray of shape (n_samples, n_features)
        float32 for float16 and float32 columns (nullable and pyarrow ones
        included), beside int8, int16, uint8, uint16 or bool ones too (as
        numpy promotes them), else float64: converted once, in C order,
        where numpy cannot read the frame in place.  NaN and inf are not checked (the
        caller's ``checked_finite`` says where they are).

    Raises
    ------
    ValueError or TypeError
        For columns of text, dates or other non-numbers, naming them, as the
        estimators do.
    """
    _reject_unsupported_dtype(X)
    with _clearer_conversion_errors(X):
        values = _frame_values_in_c_order(X, _frame_dtypes(X))
        if values is None:
            values = check_array(X, accept_sparse=False, dtype=_pool_dtype(X),
                                 ensure_all_finite=False, input_name="X")
    refuse_text_read_as_numbers(X)
    return values


def checked_finite(values, X):
    """Refuse NaN and inf in ``values``, the array made of X, as the
    estimators do: naming the rows that hold them (and, for float16, the
    cast that avoids them).

    Parameters
    ----------
    values : ndarray
        X as an array of numbers.
    X : array-like or DataFrame
        What was given, for the error message.

    Returns
    -------
    values : ndarray
        ``values`` itself.
    """
    with _clearer_conversion_errors(X, ValueError):
        # scikit-learn's check sums the values, which overflows (inf - inf:
        # numpy's "invalid value" warning) for finite values near the
        # dtype's maximum; the check itself is unaffected.
        with np.errstate(over="ignore", invalid="ignore"):
            assert_all_finite(values, input_name="X")
    return values


def _non_numeric_hint(X, name="X"):
    """Where X holds something that is not a number, and what to do: for a
    DataFrame, its columns that are not numbers; for a 2-D object array,
    the first such entry; else ""."""
    if isinstance(X, os.PathLike) or (
            isinstance(X, str) and os.path.splitext(X)[1] and not any(
                character.isspace() for character in X)):
        # fit("emb.npy"): numpy's "could not convert string to float" does
        # not say that a file name is not its content.
        shown = os.fspath(X)
        return (f"{name} is a file name ({shown!r}), not the embeddings: load "
                f"them first (np.load({shown!r}), or "
                f"sklearn_bilaf.io.load_embeddings({shown!r}).X for any format "
                "the bilaf command reads). ")
    if _frame_dtypes(X) is not None:
        return _non_numeric_columns_hint(X, name)
    records = _mapping_rows_hint(X, name)
    if records:
        return records
    # By shape: a polars Series has no ndim.
    shape = getattr(X, "shape", None)
    if isinstance(shape, tuple) and len(shape) == 1:
        shape = _entry_shape(X)
        if shape is not None and len(shape) == 1:
            stack = (f"np.stack({name}.to_numpy())" if hasattr(X, "to_numpy")
                     else f"np.stack({name})")
            return (f"{name} holds a sequence of numbers in each entry: pass "
                    f"them as one row each, {stack}. ")
        if shape is not None:
            # np.stack would give a 3-D array, refused in turn.
            return _entries_not_rows_hint(name, shape, "entry", name)
    if not (isinstance(X, np.ndarray) and X.dtype == object and X.ndim == 2):
        return ""
    # Blocks of rows that numpy converts hold no such entry: only a block
    # that fails is looked through one entry at a time (in Python, a loop
    # over the whole pool took seconds when the text was in its last rows).
    step = max(1, 2**16 // max(1, X.shape[1]))
    for start in range(0, X.shape[0], step):
        block = X[start:start + step]
        try:
            np.asarray(block, dtype=np.float64)
            continue
        except (TypeError, ValueError):
            pass
        for (row, column), value in np.ndenumerate(block):
            if value is None:  # numpy reads it as NaN
                continue
            try:
                float(value)
            except (TypeError, ValueError):
                shown = quoted_value(value)
                if len(shown) > 40:
                    shown = shown[:37] + "..."
                return (f"{name}[{start + row}, {column}] is {shown}, not a "
                        "number: pass numeric features only. ")
    return ""


def _mapping_rows_hint(X, name="X"):
    """For rows given as mappings (a list of dicts, records read from JSON,
    say), which row is one and how to make an array of them; else "".

    numpy reads each dict as one object, whose conversion failed with
    "float() argument must be ... not 'dict'": neither the rows' kind nor
    the fix, an order of the keys that every row follows.
    """
    if isinstance(X, np.ndarray):
        if X.dtype != object or X.ndim != 1:
            return ""
        # pandas makes one column of dicts of an array of them.
        frame = f"pd.DataFrame(list({name}))"
    elif isinstance(X, abc.Sequence) and not isinstance(X, str | bytes):
        frame = f"pd.DataFrame({name})"
    else:
        return ""
    # An error path only: a Python loop over the rows is no cost here.
    found = next(((i, row) for i, row in enumerate(X)
                  if isinstance(row, abc.Mapping)), None)
    if found is None:
        return ""
    i, row = found
    return (f"{name}[{i}] is a {type(row).__name__} (a mapping of feature "
            "names to values), not a row of numbers: pass "
            f"{frame}, one column per key (pandas lines the rows up by "
            "key), or an array of the values with the keys in a fixed "
            f"order, keys = list({name}[{i}]) and "
            f"np.array([[row[key] for key in keys] for row in {name}]). ")


def _non_numeric_columns_hint(X, name="X"):
    """For a DataFrame, which columns are not numbers (an id or file-name
    column kept from a table, say), and how to leave them out; else ""."""
    columns = _frame_dtypes(X)
    if columns is None:
        return ""
    names, sequences, arrays = [], [], []
    polars = _is_polars_frame(X)
    for position, (column, dtype) in enumerate(columns):
        try:
            values = (np.asarray(X.get_column(column).to_numpy(), dtype=np.float64)
                      if polars else
                      X[column].to_numpy(dtype=np.float64, na_value=np.nan))
        except (TypeError, ValueError):
            # An array per cell is the embeddings themselves (or must be made
            # into them), not an id to leave out.
            shape = _entry_shape(X[column])
            if shape is None:
                names.append(column)
            elif len(shape) == 1:
                sequences.append(column)
            else:
                arrays.append((column, shape))
            continue
        except Exception:  # an unusual frame: give the plain message
            return ""
        if values.ndim != 1:  # polars' Array: a fixed-size array per cell
            sequences.append(column)
        elif _column_holds_text(X, position, dtype):
            # Text that spells numbers ("1.5") is refused too, once the
            # other columns are dropped: named with them.
            names.append(column)
    hint = ""
    if names:
        many = len(names) > 1
        # polars' drop takes the names themselves; pandas' drop(list) would
        # drop rows of those index labels.
        drop = (f"{name}.drop({names!r})" if polars
                else f"{name}.drop(columns={names!r})")
        hint = (f"The column{'s' if many else ''} {names!r} of {name} "
                f"hold{'' if many else 's'} values that are not numbers (ids, file "
                f"names, labels?): leave {'them' if many else 'it'} out of {name} "
                f"({drop}) and keep "
                f"{'them' if many else 'it'} aside to look the selected rows up. ")
    for column in sequences:
        hint += (f"The column {column!r} of {name} holds a sequence of numbers in "
                 "each cell: pass them as one column per feature, "
                 f"np.stack({name}[{column!r}].to_numpy()). ")
    for column, shape in arrays:
        hint += _entries_not_rows_hint(f"The column {column!r} of {name}", shape,
                                       "cell", f"{name}[{column!r}]")
    return hint


def _entries_not_rows_hint(holder, shape, entry, values):
    """The hint for entries that are arrays of ``shape`` (2-D or more, token
    embeddings or images, say) rather than rows: ``holder`` holds them, one
    per ``entry``, and ``values`` is the expression that iterates them."""
    return (f"{holder} holds an array of shape {tuple(shape)} in each {entry}, "
            f"not a row of numbers: make each {entry} one row first, flattened "
            f"(np.stack([np.ravel({entry}) for {entry} in {values}])) or pooled "
            "(the mean of token embeddings, say). ")


def _entry_shape(values):
    """The shape of the first entry of ``values`` (a column, a Series or a
    1-D object array) when it is an array of numbers of one dimension or
    more (embeddings stored one array per entry, which numpy does not stack
    into rows by itself), else None."""
    try:
        first = next(iter(values), None)
        if first is None or isinstance(first, str | bytes):
            return None
        first = np.asarray(first, dtype=np.float64)
    except Exception:  # anything else: not such a column
        return None
    return first.shape if first.ndim >= 1 else None


def _float16_hint(X, name="X"):
    """A hint for NaN/inf in a float16 X (called ``name``): often made by a
    transformer that kept float16 (scikit-learn's StandardScaler does), not
    by the encoder.  A DataFrame has no single dtype: any float16 column of
    it counts."""
    columns = _frame_dtypes(X)
    dtypes = ([dtype for _, dtype in columns] if columns is not None
              else [getattr(X, "dtype", None)])
    if not any(getattr(dtype, "kind", None) == "f"
               and getattr(dtype, "itemsize", None) == 2 for dtype in dtypes):
        return ""
    what = (f"{name} is float16, which overflows past 65504 and rounds"
            if columns is None else
            f"{name} has float16 columns, which overflow past 65504 and round")
    # polars frames have no astype.
    cast = (f"{name}.cast(pl.Float32)" if _is_polars_frame(X)
            else f"{name}.astype(np.float32)")
    return (f" {what} coarsely: "
            "a step before the sampler that keeps float16 (scikit-learn's "
            "StandardScaler does) can make NaN or inf from finite embeddings. "
            f"Cast them to float32 first ({cast}).")


def _check_finite_in_chunks(X):
    """Refuse NaN/inf in a float array without a whole-array temporary."""
    nan_rows, inf_rows = _non_finite_rows(_row_blocks(X, 1 << 24))
    if nan_rows.size or inf_rows.size:
        raise _non_finite_error(nan_rows, inf_rows, X)


def _row_blocks(values, size=1 << 20):
    """``(start, block)`` for blocks of rows of the 2-D array ``values`` of
    about ``size`` values each (views, not copies)."""
    step = max(1, size // max(1, values.shape[1]))
    for start in range(0, values.shape[0], step):
        yield start, values[start:start + step]


def _non_finite_rows(blocks):
    """The rows that hold NaN and the rows that hold inf or -inf (a row can
    be in both), as sorted arrays of row numbers, from ``blocks``:
    ``(start, block)`` pairs of consecutive rows of a 2-D float array, or
    ``(rows, block)`` pairs of a sorted array of row numbers and the rows
    they number.

    One pass over each block finds its rows that are not finite; only those
    rows are looked at again, to tell NaN from inf, so a finite pool costs
    the one pass and memory stays a block's.
    """
    nan_rows, inf_rows = [np.zeros(0, dtype=np.intp)], [np.zeros(0, dtype=np.intp)]
    for start, block in blocks:
        bad = np.flatnonzero(~np.isfinite(block).all(axis=1))
        if bad.size:
            # At most the block's rows: no copy of the pool.
            rows = block[bad]
            bad = start[bad] if isinstance(start, np.ndarray) else start + bad
            nan_rows.append(bad[np.isnan(rows).any(axis=1)])
            inf_rows.append(bad[np.isinf(rows).any(axis=1)])
    return np.concatenate(nan_rows), np.concatenate(inf_rows)


#: Said by the errors for values that the input check would have refused.
_UNCHECKED_NOTE = (" (With scikit-learn's assume_finite=True, X's values are "
                   "not checked when it is given: they reached the selection.)")


def non_finite_rows_error(X, rows=None):
    """The error for the rows ``rows`` of the float array X (sorted row
    numbers; None for all of them) that hold NaN or inf, or None when none
    of them does.

    For the stages that meet such rows when the input check was skipped
    (scikit-learn's ``assume_finite``): their own errors (a norm "too
    small" to normalise, centres that are not finite, say) would hide what
    the rows hold.  Called once something computed from X is not finite,
    so a finite pool is never scanned for it; the rows are read a block at
    a time.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The validated pool.
    rows : ndarray of int or None, default=None
        The rows to look at, in increasing order.

    Returns
    -------
    error : ValueError or None
    """
    if rows is None:
        blocks = _row_blocks(X)
    else:
        step = max(1, (1 << 20) // max(1, X.shape[1]))
        blocks = ((rows[i:i + step], X[rows[i:i + step]])
                  for i in range(0, rows.size, step))
    nan_rows, inf_rows = _non_finite_rows(blocks)
    if not (nan_rows.size or inf_rows.size):
        return None
    return _non_finite_error(nan_rows, inf_rows, X, note=_UNCHECKED_NOTE)


def refuse_unchecked_scale(X, peak):
    """Refuse a Euclidean pool whose values are past the input check's
    limit, or all so small that squared distances underflow, for the
    stages that meet it when that check was skipped (scikit-learn's
    ``assume_finite``, which vouches that the values are finite, not that
    their squared distances fit the dtype): their own failures (an
    ``IndexError``, NaN distances, centres blamed) or every row tied with
    every other would hide that X is to be rescaled.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The validated pool (float32 or float64).
    peak : float
        The largest absolute value of X, from a pass the caller makes
        anyway (NaN or inf if X holds either: those rows are named first).
    """
    if not math.isfinite(peak):
        error = non_finite_rows_error(X)
        if error is not None:
            raise error
    error = _scale_error(X, peak, note=_UNCHECKED_NOTE)
    if error is not None:
        raise error


def scale_fits(X, peak):
    """Whether values of X at most ``peak`` in absolute value (the largest
    of them, or a bound) pass the input check's size limits: False for
    NaN."""
    return peak == 0 or _SMALLEST_PEAK <= peak <= overflow_limit(X)


def _non_finite_error(nan_rows, inf_rows, X, name="X", note="", fix=None):
    """The error for the rows of X that hold NaN (``nan_rows``) and inf
    (``inf_rows``), each kind counted and named on its own: a row that
    holds inf only is not one with a missing value (NaN), and the fix
    differs.  ``fix(number of those rows)``, if given, is the advice (for
    rows that cannot simply be dropped); ``note`` follows it."""
    found = [f"{what} in {counted(rows.size, 'row')} ({rows_named(rows)})"
             for what, rows in (("NaN", nan_rows), ("infinite values", inf_rows))
             if rows.size]
    n_rows = np.union1d(nan_rows, inf_rows).size
    those, them = ("that row", "it") if n_rows == 1 else ("those rows", "them")
    advice = (fix(n_rows) if fix is not None else
              f"Drop {those} (and keep track of the rows you drop) or fix "
              f"the feature extractor that produced {them}.")
    return ValueError(
        f"{name} contains {' and '.join(found)}: embeddings must be finite "
        f"numbers. {advice}" + _float16_hint(X, name) + note
    )


#: Below this largest absolute value (the square root of float64's smallest
#: subnormal number), every squared difference between two values rounds to
#: 0 even in float64: all rows would tie, as if they were identical.  (Above
#: it, down to about 1e-161, the distances are subnormal numbers: coarse,
#: but the selectors decide them exactly.)
_SMALLEST_PEAK = float(np.sqrt(np.finfo(np.float64).smallest_subnormal))


def _in_cosine_geometry(estimator):
    """True for an estimator whose distances are all cosine ones, those of
    the L2-normalised rows (tiny rows are scaled by their largest entry
    before normalising): the scale of X does not matter to it.  An
    estimator made of stages says so itself (``_cosine_throughout``): its
    own metric need not be theirs."""
    throughout = getattr(estimator, "_cosine_throughout", None)
    if throughout is not None:
        return throughout()
    return (getattr(estimator, "metric", None) == "cosine"
            or getattr(type(estimator), "_normalises_rows", False))


def _refuse_past_float64(X, euclidean=True, unchecked=False):
    """Refuse values of a 2-D array wider than float64 (long double) past
    float64's largest, before its conversion to float64 makes them inf:
    they were named as infinite values, to be fixed in the feature
    extractor.  NaN and inf rows in X are named first, as given.  With
    ``euclidean``, also refuse values all so small that squared distances
    underflow float64: below float64's range the conversion makes them
    all 0, a pool the check accepts (every row tied).  ``unchecked``:
    under scikit-learn's assume_finite, which vouches that the values are
    finite, not that they fit float64: only the latter refusal, with its
    note.  Two reductions for a pool that is fine (its other values are
    checked once converted); nothing for any other X."""
    if not (isinstance(X, np.ndarray) and X.dtype.kind == "f" and X.ndim == 2
            and X.size and np.finfo(X.dtype).max > np.finfo(np.float64).max):
        return
    largest = np.finfo(np.float64).max
    peak = max(abs(X.max()), abs(X.min()))
    if euclidean and 0 < peak < _SMALLEST_PEAK:
        # In long double: the value as given, not its float64 rounding.
        raise underflow_error(peak, note=_UNCHECKED_NOTE if unchecked else "")
    if unchecked or peak <= largest:  # False for NaN
        return
    nan_rows, inf_rows = _non_finite_rows(_row_blocks(X))
    if nan_rows.size or inf_rows.size:
        raise _non_finite_error(nan_rows, inf_rows, X)
    raise _past_float64_error(peak)


def _past_float64_error(peak, name="X"):
    """The error for a value as large as ``peak`` (a long double past
    float64's largest) in ``name``."""
    shown = np.format_float_scientific(peak, precision=2, trim="-")
    return ValueError(
        f"{name} has values as large as {shown}, past float64's largest "
        f"(about {float(np.finfo(np.float64).max):.2g}), in which the selection "
        f"computes. Rescale {name} (e.g. divide it by {shown}) before selecting."
    )


def _long_double_peak(X, rows):
    """The largest absolute value of the rows ``rows`` of X (an object
    array, a pandas DataFrame or a list of rows) as given, when those rows
    hold long double values past float64's largest and no NaN or inf (then
    their float64 conversion's inf values are those); else None.

    Read on the error path only, for the rows that the conversion made
    infinite: :func:`_refuse_past_float64` sees only long double arrays.
    """
    if np.finfo(np.longdouble).max <= np.finfo(np.float64).max:
        return None  # no long double wider than float64 on this platform
    try:
        if hasattr(X, "iloc") and _frame_dtypes(X) is not None:
            values = X.iloc[rows].to_numpy(dtype=object)
        elif isinstance(X, np.ndarray) and X.dtype == object:
            values = X[rows]
        elif isinstance(X, list | tuple):
            values = [X[row] for row in rows]
        else:
            return None
        values = np.asarray(values, dtype=np.longdouble)
    except (TypeError, ValueError, IndexError):
        return None
    if not values.size or not np.isfinite(values).all():
        return None
    peak = np.abs(values).max()
    return peak if peak > np.finfo(np.float64).max else None


def _reject_overflowing(X):
    """Refuse values so large that squared distances between rows overflow,
    or so small (all of them) that they underflow float64."""
    if X.size == 0:
        return
    peak = max(abs(float(X.max())), abs(float(X.min())))
    error = _scale_error(X, peak)
    if error is not None:
        raise error


def overflow_limit(X):
    """The largest absolute value of X's dtype whose squared distances (between
    rows of X's width) stay within that dtype: the input check's limit."""
    return float(np.sqrt(np.finfo(X.dtype).max / (4.0 * X.shape[1])))


def underflow_error(peak, when="before selecting", note=""):
    """The error for a pool whose largest absolute value, ``peak``, is
    below ``_SMALLEST_PEAK``: ``when`` says when to rescale it."""
    # A long double value below float64's range would read as 0.
    shown = (f"{float(peak):.3g}" if float(peak) > 0 else
             np.format_float_scientific(peak, precision=2, trim="-"))
    return ValueError(
        f"X has no value larger than {shown} in absolute value, so "
        "squared distances between its rows underflow to 0 even in float64 "
        "(every pair of rows would tie, as if they were identical). "
        f"Rescale X (e.g. divide it by {shown}) {when}." + note
    )


def _scale_error(X, peak, note=""):
    """The error for values of X at most ``peak`` in absolute value (the
    largest of them), when squared distances between its rows overflow its
    dtype, or all underflow to 0 even in float64; else None."""
    if 0.0 < peak < _SMALLEST_PEAK:
        return underflow_error(peak, note=note)
    if not peak > overflow_limit(X):
        return None
    return ValueError(
        f"X has values as large as {peak:.3g}, so squared distances between "
        f"its rows overflow {X.dtype}. Rescale X (e.g. divide it by "
        f"{peak:.3g}) before selecting." + note
    )


def _is_int(value):
    """Whether ``value`` is an integer to count with: an ``Integral`` that is
    neither a bool nor a duration (numpy registers ``timedelta64`` as an
    ``Integral``, so a duration would pass as the count it holds)."""
    return (isinstance(value, Integral)
            and not isinstance(value, bool | np.bool_ | np.timedelta64))


def _pool_size(value, name="n_samples", what="a number of rows, e.g. X.shape[0]"):
    """``value`` as an int of at least 1, or an error that says what to
    pass: a negative or fractional pool size gave 1 core silently, and None,
    a string or NaN failed in the arithmetic."""
    if not _is_int(value):
        raise TypeError(
            f"{name} must be an int ({what}); got {quoted_value(value)}.")
    if value < 1:
        raise ValueError(
            f"{name} must be at least 1 ({what}); got {quoted_value(value)}.")
    return int(value)


def written_float(value):
    """A real number as the Python float the user wrote.

    A numpy float32 or float16 is read from its shortest text (numpy's str,
    which reads back to the same value), not widened: ``float(np.float32(0.02))``
    is 0.0199999995..., which floored 2 % of 100 rows to 1 sample.  Other
    reals are ``float(value)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_bilaf.base import written_float
    >>> written_float(np.float32(0.02)), float(np.float32(0.02))
    (0.02, 0.019999999552965164)
    """
    if isinstance(value, np.floating) and np.finfo(value.dtype).bits < 64:
        return float(str(value))
    return float(value)


def resolve_count(value, n_samples, *, name, cap=None, auto=None):
    """Turn an int count or a float fraction of ``n_samples`` into a count.

    Fractions are floored the way the reference code does it
    (``int(n_samples * value)``, in floating point), and never fall below
    1.  So a product that rounds just below a whole number is floored to
    the number below: 0.29 of 100 is 28, not 29 (pass a count for an exact
    number).

    Parameters
    ----------
    value : int, float or "auto"
        A count (at least 1), a fraction of the pool in (0, 1], or
        ``"auto"``; other values are refused (see Raises).
    n_samples : int
        Rows in the pool, at least 1 (an int, as ``X.shape[0]``).
    name : str
        Parameter name used in error messages.
    cap : int or None, default=None
        Largest count allowed (the budget, for a number of cores), at least
        1: a larger count is an error, and ``"auto"`` is capped at it.
    auto : callable or None, default=None
        ``auto(n_samples)`` gives the count for ``"auto"``; None refuses it.

    Returns
    -------
    count : int
        At least 1, at most ``n_samples`` (and ``cap``).

    Raises
    ------
    ValueError
        If ``value`` is a count below 1 or above ``n_samples`` or ``cap``, a
        fraction outside (0, 1] (NaN included), or a string other than
        ``"auto"`` (any string when ``auto`` is None); or if ``n_samples``
        or ``cap`` is below 1.
    TypeError
        If ``value`` is a bool, a duration (``np.timedelta64``, which numpy
        counts as an integer) or not a number (None, a list), or
        ``n_samples`` or ``cap`` is not an int.
    """
    # A numpy scalar as the Python value it holds: under numpy 2 its repr
    # read budget=np.int64(300).
    shown = quoted_value(value)
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"{name}={shown} is a bool; pass an int count or a float fraction "
            "of the pool."
        )
    # Public, so its pool size and cap are checked as the counts themselves
    # are: a string or None failed in a comparison (a bare TypeError), a
    # whole float such as 100.0 passed except under "auto", and a size of 0
    # or below was said to be too small a pool.
    n_samples = _pool_size(n_samples)
    if cap is not None:
        if not _is_int(cap):
            raise TypeError(f"cap={quoted_value(cap)} is not an int; pass the "
                            "largest count allowed (e.g. the budget), at least 1.")
        if cap < 1:
            raise ValueError(f"cap={quoted_value(cap)} is not a valid count; "
                             "pass at least 1.")
    if isinstance(value, str):
        if value != "auto" or auto is None:
            accepted = ("an int count, a float fraction of the pool or 'auto'"
                        if auto is not None else
                        "an int count or a float fraction of the pool")
            raise ValueError(
                f"{name}={shown} is not a valid count; pass {accepted}.")
        count = max(1, auto(n_samples))
        if cap is not None:
            count = min(count, cap)
        return count
    # Public, so checked here too: 0 came back as a count of 0, a fraction
    # of 0.0 or below as 1, and NaN failed inside int().
    in_range = ("pass an int count (at least 1) or a float fraction of the "
                "pool in (0, 1].")
    if _is_int(value):
        count = int(value)
        if count < 1:
            raise ValueError(f"{name}={shown} is not a valid count; {in_range}")
    elif isinstance(value, Real) and not isinstance(value, np.timedelta64):
        fraction = written_float(value)
        if not 0.0 < fraction <= 1.0:
            raise ValueError(
                f"{name}={shown} is not a valid fraction; {in_range}")
        count = max(1, int(n_samples * fraction))
    else:
        accepted = ("an int count, a float fraction of the pool or 'auto'"
                    if auto is not None else
                    "an int count or a float fraction of the pool")
        raise TypeError(f"{name}={shown} is not a number; pass {accepted}.")
    # A cap smaller than the pool is the limit to name: lowering the count
    # to the pool's size would still fail against it.
    if count > n_samples and not (cap is not None and cap < n_samples):
        raise ValueError(
            f"{name}={shown} asks for {counted(count, 'sample')} but the pool "
            f"has only {counted(n_samples, 'sample')}. Lower {name} or "
            "pass a larger pool"
            + (f"; in cross-validation, where each fold's pool is smaller, a "
               f"fraction of the pool ({name}=0.05 for 5 %, say) scales with "
               "it." if isinstance(value, Integral) else ".")
        )
    if cap is not None and count > cap:
        raise ValueError(
            f"{name}={shown} gives {count} samples, more than the budget of "
            f"{cap}. The number of core samples must not exceed the budget: "
            f"lower {name} or raise the budget."
        )
    return count


def whole_numbers(values, *, clip=True):
    """``values`` as an intp array if they are integers or whole-valued
    floats, else None.

    Checked before any cast to int, which would truncate fractions, read a
    boolean mask as 0s and 1s and turn inf into an arbitrary integer.
    An object array (a pandas column of dtype object, or Python ints past
    uint64, which numpy keeps as objects) is taken when every element is
    such a number within intp's range; :func:`not_whole_hint` says which
    element is not.

    With ``clip=False``, uint64 or float values outside intp's range give
    None too, as in an object array: for callers that write the values out
    or add them up, rather than only check them against a pool's rows.
    """
    array = np.asarray(values)
    if array.dtype.kind == "O":
        return _object_whole_numbers(array)[0]
    # Whole numbers beyond intp's range (row numbers of no pool) are clipped
    # to a value still out of any pool's range, with their sign: a cast
    # wrapped uint64 ones to negative numbers, and turned floats into intp's
    # minimum with a RuntimeWarning (error messages then quoted those).
    limit = np.iinfo(np.intp).max
    if array.dtype.kind == "u" and array.size and array.max() > limit:
        if not clip:
            return None
        array = np.minimum(array, array.dtype.type(limit))
    if array.dtype.kind in "iu":
        return array.astype(np.intp, copy=False)
    if (array.dtype.kind == "f" and np.all(np.isfinite(array))
            and np.all(array == np.round(array))):
        bound = float(2**62)  # exact in float32 and float64
        if array.size and float(np.max(np.abs(array))) > bound:
            if not clip:
                if _floats_outside_intp(array).any():
                    return None
                # Whole floats below 2**63 in size convert exactly.
                return array.astype(np.intp)
            array = np.clip(array, -bound, bound)
        return array.astype(np.intp)
    return None


def _floats_outside_intp(array):
    """Where a float array holds values outside intp's range (NaN: no)."""
    low = float(np.iinfo(np.intp).min)  # -2**63 (or -2**31), exact in floats
    return (array < low) | (array >= -low)


def _object_whole_numbers(array):
    """An object array's elements as intp (None if one is not a whole
    number in intp's range) and the first such element, as (index, value,
    why) or None.

    Out-of-range ints are refused here, not clipped as uint64 ones are: a
    Python int has no bound, and a clipped value would be quoted, or
    written out, as another number.
    """
    converted = _plain_object_whole_numbers(array)
    if converted is not None:
        return converted, None
    out = np.empty(array.shape, dtype=np.intp)
    flat = out.reshape(-1)
    for position, value in enumerate(array.flat):
        why = _not_whole_because(value)
        if why is not None:
            return None, (np.unravel_index(position, array.shape), value, why)
        flat[position] = int(value)
    return out, None


_INTP = np.iinfo(np.intp)
# Element types numpy converts to intp exactly as int(value) does (uint64
# is left out: its values past intp's range must be refused, not wrapped).
_PLAIN_INTEGERS = frozenset({int, np.int8, np.int16, np.int32, np.int64,
                             np.uint8, np.uint16, np.uint32})
_PLAIN_FLOATS = frozenset({float, np.float16, np.float32, np.float64})


def _plain_object_whole_numbers(array):
    """An object array of plain ints, or of plain floats, converted by numpy
    (a Python loop over the elements took about a second per million), or
    None when an element is of another type or not a whole number in intp's
    range: the element-wise check then names it."""
    types = set(map(type, array.flat))
    if not types:
        return None
    if types <= _PLAIN_INTEGERS:
        try:
            return array.astype(np.intp)
        except OverflowError:  # a Python int past intp's range
            return None
    if types <= _PLAIN_FLOATS:
        values = array.astype(np.float64)  # exact for these types
        with np.errstate(invalid="ignore"):
            whole = (np.isfinite(values) & (values == np.round(values))
                     & (values >= float(_INTP.min))
                     & (values < -float(_INTP.min)))
        if whole.all():
            return values.astype(np.intp)
    return None


def _not_whole_because(value):
    """Why ``value`` is no whole number in intp's range, with what to do
    (None if it is one)."""
    if isinstance(value, bool | np.bool_):
        return ("is a bool, not an integer: for a boolean mask pass "
                "np.flatnonzero(mask)")
    if _is_int(value):  # not a duration, which numpy counts as Integral
        if _INTP.min <= int(value) <= _INTP.max:
            return None
        return (f"is outside {np.dtype(np.intp).name}'s range: no row number "
                "or count is that large")
    if isinstance(value, str | bytes):
        return ("is text, not a number: convert the values to numbers first "
                "(e.g. np.asarray(values, dtype=np.int64))")
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return "is missing: drop it, or fill it in, first"
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return "is missing (NaN): drop it, or fill it in, first"
        if not math.isfinite(value):
            return "is not a finite number"
        if not float(value).is_integer():
            return "is not a whole number"
        # As a Python float: a float16 compared with intp's bounds
        # overflowed in the cast (a RuntimeWarning).
        if _INTP.min <= float(value) < -float(_INTP.min):
            return None
        return (f"is outside {np.dtype(np.intp).name}'s range: no row number "
                "or count is that large")
    return f"is a {type(value).__name__}, not an integer"


def not_whole_hint(values):
    """For an error about ``values`` that :func:`whole_numbers` refused: a
    sentence (with a leading space) naming the first element that is not a
    whole number and why, or "" (for a boolean array, say, whose dtype
    says it all)."""
    try:
        array = np.asarray(values)
    except (TypeError, ValueError):
        return ""
    if array.dtype.kind == "O":
        culprit = _object_whole_numbers(array)[1]
    elif array.dtype.kind == "f":
        # Vectorised: the first bad element may be far into a long array.
        with np.errstate(invalid="ignore"):
            bad = (~np.isfinite(array) | (array != np.round(array))
                   | _floats_outside_intp(array))
        if not bad.any():
            return ""
        index = np.unravel_index(int(np.argmax(bad)), array.shape)
        value = array[index]
        culprit = (index, value, _not_whole_because(value))
    elif array.dtype.kind == "u" and array.size:
        # Past intp's range: refused by whole_numbers(clip=False).
        bad = array > np.iinfo(np.intp).max
        if not bad.any():
            return ""
        index = np.unravel_index(int(np.argmax(bad)), array.shape)
        value = array[index]
        culprit = (index, value, _not_whole_because(int(value)))
    elif array.dtype.kind in "USc" and array.size:
        index = np.unravel_index(0, array.shape)
        culprit = (index, array[index], _not_whole_because(array[index]))
    else:
        return ""
    if culprit is None or culprit[2] is None:
        return ""
    index, value, why = culprit
    if not index:  # a single value, not an array
        return f" {quoted_value(value)} {why}."
    where = int(index[0]) if len(index) == 1 else tuple(int(i) for i in index)
    return f" Element {where}, {quoted_value(value)}, {why}."


def labels_not_rows_hint(values):
    """For row numbers refused by :func:`whole_numbers`: when they hold text,
    a sentence (with a leading space) saying that labels of a DataFrame's
    index (sample ids) are not row numbers, and how to get theirs; else ""."""
    try:
        array = np.asarray(values)
    except (TypeError, ValueError):
        return ""
    if array.dtype.kind not in "USO" or not any(
            isinstance(value, str | bytes) for value in array.flat):
        return ""
    return (" Row numbers count the rows of X from 0: for labels of a "
            "DataFrame X's index (sample ids), pass their row numbers, "
            "X.index.get_indexer(labels).")


def require_whole_numbers(values, expected, *, clip=True):
    """:func:`whole_numbers` of what a stage returned, or a TypeError that
    starts with ``expected`` (what the stage must return) and says what came
    instead.  ``clip`` is passed on to :func:`whole_numbers`."""
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{expected}; got {type(values).__name__}.") from exc
    numbers = whole_numbers(array, clip=clip)
    if numbers is None:
        got = (type(values).__name__ if array.ndim == 0
               else f"an array of dtype {array.dtype}")
        raise TypeError(f"{expected}; got {got}.{not_whole_hint(array)}")
    return numbers


def _moved_within_spread(rows, seen):
    """Whether ``rows`` are ``seen`` moved by a small part of their spread.

    In a pipeline, ``transform`` gets the upstream steps' ``transform``
    output while fit got their ``fit_transform`` output, and these differ by
    more than rounding for some transformers: with PCA's randomized solver
    (scikit-learn's choice for pools of a few thousand rows) by a few
    percent of the spread on real embeddings.  Other data moves the rows by
    about the spread itself (``X + 1`` on unit-variance blobs: a fifth).
    """
    centred = seen - seen.mean(axis=0)
    spread = np.sqrt(np.mean(np.einsum("ij,ij->i", centred, centred)))
    if not spread > 0:  # one row, or identical rows: rounding only
        return False
    moved = np.sqrt(np.einsum("ij,ij->i", rows - seen, rows - seen))
    return bool(np.sqrt(np.mean(moved ** 2)) <= 0.1 * spread
                and moved.max() <= 0.5 * spread)


class SubsetSamplerMixin(TransformerMixin):
    """Mixin for estimators that select rows of the pool they were fitted on.

    Subclasses set ``selected_indices_`` and ``n_samples_fit_`` in ``fit``.
    The mixin provides :meth:`transform`, :meth:`fit_transform` (through
    :class:`~sklearn.base.TransformerMixin`) and :meth:`get_support`.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # transform returns rows of its input: float32 stays float32.
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    def get_support(self, indices=False):
        """Mask or indices of the selected pool rows.

        Parameters
        ----------
        indices : bool, default=False
            If True, return the selected row numbers (sorted ascending) instead
            of a boolean mask.

        Returns
        -------
        support : ndarray
            Boolean mask of shape (n_samples_fit_,) or an int array of the
            selected row numbers in ascending order.
        """
        check_is_fitted(self, "selected_indices_")
        mask = np.zeros(self.n_samples_fit_, dtype=bool)
        mask[self.selected_indices_] = True
        return np.flatnonzero(mask) if indices else mask

    def transform(self, X):
        """Return the selected rows of X.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples_fit_, n_features_in_)
            The pool the sampler was fitted on (validated like in ``fit``:
            same number of rows and features, finite values unless
            scikit-learn's ``assume_finite`` is set; a numpy array
            or memory map of floats, integers or bools is checked where it
            lies, in chunks, never converted whole; so is a pandas or polars
            DataFrame of number columns, of which only the selected rows
            are converted).  A
            sampler that keeps the selected rows seen in fit
            (``selected_embeddings_``) also refuses data whose selected rows
            differ from them by more than an upstream step's ``transform``
            differs from its ``fit_transform`` (a randomized PCA, say: more
            than a tenth of the rows' spread on average).  To
            pick the selected rows of other data aligned with the pool (raw
            inputs, file names, labels), index it with ``selected_indices_``.

        Returns
        -------
        X_selected : ndarray or DataFrame of shape (n_selected, n_features_in_)
            The selected rows, in the order of ``selected_indices_``.  A numpy
            array comes back in its own dtype (float32 stays float32; an
            object array's selected rows are its own objects, not the
            float64 rows the selection used) and a
            memory map is read for the selected rows only; a DataFrame whose
            columns numpy would gather as objects (pandas' nullable or
            pyarrow dtypes, bool beside number columns) as the validated
            float array (a polars frame likewise).  With
            ``set_output(transform="pandas")`` the result is a DataFrame whose
            index holds the selected rows' original labels (a DataFrame input's
            index labels, or the row numbers of an array input); with
            ``set_output(transform="polars")``, a polars frame (a polars
            input's own selected rows, columns and dtypes).
        """
        check_is_fitted(self, "selected_indices_")
        # Before anything reads its dtypes, which makes polars warn that it
        # resolves the query's schema (validate_pool refuses it too, later).
        _refuse_lazy_frame(X)
        selected = self.selected_indices_
        # A masked array goes through fit's validation, which refuses
        # masked entries (their values under the mask would be returned).
        in_place = (isinstance(X, np.ndarray) and X.dtype.kind in "fiub"
                    and not isinstance(X, np.ma.MaskedArray))
        if in_place:
            # A numeric array (a memory map too) is checked without converting
            # it whole (an integer pool to float64 would be eight times the
            # size of uint8 pixels); a float one must be finite (below).
            # The same errors as fit for a 1-D or image-shaped X.
            with _clearer_conversion_errors(X, ValueError):
                X_checked = validate_data(self, X, reset=False, dtype=None,
                                          ensure_all_finite=False, copy=False)
            convert = None
        else:
            # A frame that validate_pool would copy is checked in blocks of
            # rows, and only the selected rows are converted (below).
            convert = _frame_checked_in_blocks(self, X)
            X_checked = (None if convert is not None
                         else validate_pool(self, X, reset=False))
        n_rows = X.shape[0] if convert is not None else X_checked.shape[0]
        if n_rows != self.n_samples_fit_:
            name = type(self).__name__
            raise ValueError(
                f"transform expects the pool {name} was fitted on: X has "
                f"{counted(n_rows, 'row')} but {name} was fitted on "
                f"{self.n_samples_fit_}. Call fit (or fit_transform) on this X "
                "first, or index other data aligned with the pool with "
                "selected_indices_."
            )
        # Skipped under assume_finite, as fit's check is: a whole pass over
        # a large pool that the user has said is not needed.
        if (in_place and X.dtype.kind == "f"
                and not get_config()["assume_finite"]):
            _check_finite_in_chunks(X)
        if _is_polars_frame(X):
            frame_rows = X[selected]
        elif hasattr(X, "iloc"):
            frame_rows = X.iloc[selected]
        checked_rows = (convert(frame_rows) if convert is not None
                        else X_checked[selected])
        self._check_same_pool(checked_rows)
        output = _get_output_config("transform", self)["dense"]
        pandas_out = output == "pandas"
        if _is_polars_frame(X):
            # As for a pandas frame: the frame's own selected rows (an integer
            # array indexes polars' rows), its columns and dtypes for polars
            # output, else their values in the frame's dtype.
            if output == "polars":
                return frame_rows
            values = frame_rows.to_numpy()
            rows = values if values.dtype.kind in "biuf" else checked_rows
        elif hasattr(X, "iloc"):
            rows = frame_rows
            if pandas_out:
                return rows
            values = np.asarray(rows)
            # pandas' nullable and pyarrow columns (Float64, double[pyarrow])
            # and frames mixing bool and number columns convert to an object
            # array: return the validated numbers instead.
            return values if values.dtype.kind in "biuf" else checked_rows
        else:
            # Index the input itself so that its dtype is kept (float16 too); a
            # memory map gives a plain in-memory array of the selected rows.
            rows = (np.asarray(X[selected]) if isinstance(X, np.ndarray)
                    else checked_rows)
        if pandas_out:
            import pandas as pd

            return pd.DataFrame(rows, index=selected,
                                columns=self.get_feature_names_out())
        return rows

    def _check_same_pool(self, rows):
        """Refuse data other than the fitted pool, when the selected rows seen
        in fit were kept (``selected_embeddings_``): ``rows`` are the
        selected rows of X (validated), so comparing costs a read of them
        only."""
        seen = getattr(self, "selected_embeddings_", None)
        if seen is None or self.selected_indices_.size == 0:
            return
        rows = np.asarray(rows, dtype=np.float64)
        seen = np.asarray(seen, dtype=np.float64)
        # Loose enough for a pipeline's transform vs fit_transform rounding.
        scale = max(float(np.abs(seen).max()), 1e-300)
        if rows.shape != seen.shape or not (
                np.allclose(rows, seen, rtol=1e-4, atol=1e-6 * scale)
                or _moved_within_spread(rows, seen)):
            raise ValueError(
                f"transform expects the pool {type(self).__name__} was fitted "
                "on, but the selected rows of X differ from those seen in fit. "
                "To take the selected rows of other data aligned with the pool, "
                "index it with selected_indices_ (e.g. "
                "other[sampler.selected_indices_])."
            )

    def fit_transform(self, X, y=None, **fit_params):
        """Fit on the pool X, then return its selected rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The pool of embeddings.
        y : None
            Ignored; selection never looks at labels.  A y that is not None
            gets a warning: the rows returned no longer line up with it.
        **fit_params : dict
            Passed to ``fit``.

        Returns
        -------
        X_selected : ndarray or DataFrame of shape (n_selected, n_features)
            The selected rows, in the order of ``selected_indices_``, as
            :meth:`transform` returns them (a DataFrame with
            ``set_output(transform="pandas")``).
        """
        if y is not None:
            # What a Pipeline step before an estimator gets: the next step
            # would see the selected rows with every row's y, and fail with
            # scikit-learn's bare "inconsistent numbers of samples".
            warnings.warn(
                f"{type(self).__name__}.fit_transform ignores y and returns only "
                "the selected rows, so they no longer line up with y. To train "
                "an estimator on the selection, use sklearn_bilaf."
                "LabelBudgetClassifier(sampler, estimator), or "
                "sklearn_bilaf.SubsetResampler(sampler) in an imbalanced-learn "
                "Pipeline; in a scikit-learn Pipeline a sampler can only be the "
                "last step.",
                UserWarning,
                # Past set_output's wrapper (and a Pipeline's frames).
                stacklevel=caller_stacklevel(),
            )
        return self.fit(X, y, **fit_params).transform(X)

    def get_feature_names_out(self, input_features=None):
        """Feature names are unchanged: a sampler selects rows, not columns.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; ``feature_names_in_`` or ``x0, x1, ...`` when
            None.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The input feature names.
        """
        from sklearn.utils.validation import _check_feature_names_in

        check_is_fitted(self, "n_features_in_")
        return _check_feature_names_in(self, input_features)
