"""Meta-estimators that put a sampler to work inside scikit-learn workflows.

* :class:`LabelBudgetClassifier` simulates a labeling budget: it selects rows
  of the training data with a sampler, *without looking at the labels*, and
  trains a classifier on those rows and their labels only.  Because it is a
  classifier, ``GridSearchCV`` and ``cross_validate`` can tune the sampler's
  hyperparameters by the held-out accuracy of the model trained on the
  selection.
* :class:`SubsetResampler` adapts any sampler of this package to
  imbalanced-learn's resampler API (``fit_resample(X, y)``), so a selection
  step can sit inside :class:`imblearn.pipeline.Pipeline`.  imbalanced-learn is
  not needed to import or use it: it follows the API by duck typing.

Both accept as ``sampler`` any estimator whose ``fit(X)`` sets
``selected_indices_`` (every sampler of :mod:`sklearn_bilaf` and
:mod:`sklearn_bilaf.core`), or a :class:`~sklearn.pipeline.Pipeline` ending
with one, e.g. ``make_pipeline(PCA(32), BiLAFSampler(budget=100))`` to select
in a reduced space while the rows handed on keep their original features.
"""

import sys
import warnings
from numbers import Integral

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
    is_classifier,
    is_regressor,
)
from sklearn.utils import _safe_indexing, assert_all_finite, get_tags
from sklearn.utils._param_validation import HasMethods, InvalidParameterError
from sklearn.utils.metadata_routing import _routing_enabled, process_routing
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from ._text import counted, quoted_value, rows_named
from .base import _is_int, _refuse_lazy_frame, fit_or_forget, instance_call

__all__ = ["LabelBudgetClassifier", "SubsetResampler"]


def _final_step(sampler):
    """The estimator that does the selecting (the last step of a pipeline)."""
    if hasattr(sampler, "steps"):
        return sampler.steps[-1][1]
    return sampler


def _selected_indices(fitted_sampler, n_samples):
    """Row numbers chosen by a fitted sampler (or a pipeline ending with one)
    from a pool of ``n_samples`` rows."""
    indices = getattr(_final_step(fitted_sampler), "selected_indices_", None)
    if indices is None:
        raise TypeError(
            f"{type(fitted_sampler).__name__} did not set selected_indices_ in "
            "fit, so it does not say which rows it selected. Use a sampler of "
            "sklearn_bilaf (BiLAFSampler, or a selector of sklearn_bilaf.core), "
            "or a Pipeline that ends with one."
        )
    n_fit = getattr(_final_step(fitted_sampler), "n_samples_fit_", None)
    if isinstance(n_fit, Integral) and n_fit != n_samples:
        # An imbalanced-learn pipeline with a resampler before its sampler:
        # the indices would pick other rows of X, silently.
        raise ValueError(
            f"The sampler selected from a pool of {counted(n_fit, 'row')}, but "
            "X has "
            f"{n_samples}: a step of {type(fitted_sampler).__name__} before "
            "the sampler changed the rows (a resampler), so its "
            "selected_indices_ number the rows a step before it passed on, "
            "not those of X. Put resamplers after the selection, or select "
            "with a single sampler."
        )
    indices = np.asarray(indices)
    if indices.ndim != 1 or indices.dtype.kind not in "iu":
        raise ValueError(
            "selected_indices_ must be a 1-D array of row numbers; got "
            f"{indices.dtype} of shape {indices.shape}."
        )
    outside = indices[(indices < 0) | (indices >= n_samples)]
    if outside.size:
        # numpy would read -1 as the last row, and fail on n_samples with
        # a bare IndexError.
        raise ValueError(
            f"{type(fitted_sampler).__name__} set selected_indices_ outside the "
            f"pool of {counted(n_samples, 'row')} (e.g. {outside[:5].tolist()}): "
            "they must "
            f"be row numbers of the X it was fitted on, from 0 to {n_samples - 1}."
        )
    return indices.astype(np.intp, copy=False)


def _tags_or_none(estimator):
    """scikit-learn's tags of ``estimator``, None when it has none (a
    duck-typed sampler or estimator that does not inherit BaseEstimator)."""
    try:
        return get_tags(estimator)
    except (AttributeError, TypeError, ValueError):
        return None


def _check_instances(**params):
    """Refuse a class given for an estimator parameter: it has ``fit`` (so
    parameter validation lets it through) but fails later with "get_params()
    missing 1 required positional argument: 'self'"."""
    for name, value in params.items():
        if isinstance(value, type):
            raise InvalidParameterError(
                f"{name}={value.__name__} is a class; pass an instance: "
                f"{name}={instance_call(value)}."
            )


def _check_sampler_role(sampler, owner):
    """Refuse a classifier or regressor given as the sampler (most often the
    arguments swapped), before its fit fails for want of y."""
    step = _final_step(sampler)
    if _tags_or_none(step) is None:
        return
    kind = ("classifier" if is_classifier(step)
            else "regressor" if is_regressor(step) else None)
    if kind is None:
        return
    usage = ("LabelBudgetClassifier(sampler, estimator)"
             if owner == "LabelBudgetClassifier" else f"{owner}(sampler)")
    raise InvalidParameterError(
        f"sampler={type(sampler).__name__}() is a {kind}, not a sampler: the "
        "sampler chooses rows from X alone and sets selected_indices_. Pass a "
        "sampler of sklearn_bilaf (BiLAFSampler, or a selector of "
        "sklearn_bilaf.core) as the sampler, the first argument: "
        f"{usage}."
    )


def _check_budget_fits(sampler, n_samples, owner):
    """Refuse early, and say why, an int budget above the rows available.

    Inside cross-validation the pool is each training fold, smaller than the
    data set, so an int budget that fits the data can exceed a fold.
    """
    if n_samples == 0:
        # Lowering the budget cannot help: the sampler's own check says
        # that X has no rows.
        return
    get_params = getattr(_final_step(sampler), "get_params", None)
    params = get_params(deep=False) if get_params is not None else {}
    for name in ("budget", "n_cores"):
        value = params.get(name)
        # Not a duration (an Integral to numpy): the sampler's own check
        # says what the parameter must be.
        if _is_int(value) and value > n_samples:
            raise ValueError(
                f"The sampler's {name}={value} is larger than the {n_samples} "
                f"sample{'' if n_samples == 1 else 's'} {owner} was fitted on. "
                "Inside cross-validation the pool "
                "is each training fold, not the whole data set: lower the "
                f"{name}, or give it as a fraction of the pool (e.g. "
                f"{name}=0.1) so that it scales with the fold."
            )


_RESHAPE_HINT = (
    "Expected a 2-dimensional container but got a 1-D array instead. "
    "Reshape your data either using array.reshape(-1, 1) if your data "
    "has a single feature or array.reshape(1, -1) if it contains a "
    "single sample."
)


def _as_rows(X, owner):
    """X unchanged if it has a length (2-D, or 1-D such as texts), else as
    an array; None and a scalar refused."""
    if X is None:
        raise TypeError(
            f"{owner} got X=None: pass a 2-D array or DataFrame of shape "
            "(n_samples, n_features), one row per sample."
        )
    # numpy reads a LazyFrame as one object: "got a scalar" below.
    _refuse_lazy_frame(X)
    if not hasattr(X, "shape") and not hasattr(X, "__len__"):
        X = np.asarray(X)
    if len(getattr(X, "shape", (0, 0))) == 0:
        # scikit-learn's checks fail on it with "tuple index out of range" or
        # "X does not contain any features".
        raise ValueError(
            f"{owner} got a scalar as X: pass a 2-D array or DataFrame of "
            "shape (n_samples, n_features), one row per sample."
        )
    if not hasattr(X, "shape") and len(X) == 0:
        # scikit-learn reads a list's first row for the feature count: an
        # IndexError ("list index out of range") for an empty one.
        raise ValueError(
            f"{owner} got an empty X ({X!r}): pass a pool of at least one "
            "sample, a 2-D array or DataFrame of shape (n_samples, "
            "n_features)."
        )
    # 1-D X passes, as a list always did: a sampler pipeline that embeds
    # texts takes them as an array or a Series too, and a sampler of
    # numbers refuses 1-D X itself, saying how to reshape it.
    return X


def _record_features(estimator, X):
    """Set ``n_features_in_`` / ``feature_names_in_`` for this fit, from X as
    given (not converted).

    scikit-learn keeps the previous fit's ``n_features_in_`` when X has no
    feature count (1-D texts for a pipeline that embeds them), so a refit on
    texts after numbers refused texts at prediction; each fit describes its
    own X only.
    """
    for name in ("n_features_in_", "feature_names_in_"):
        if name in vars(estimator):
            delattr(estimator, name)
    validate_data(estimator, X, skip_check_array=True)


def _num_rows(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _take_rows(X, indices):
    """Rows of X (array, memory map, DataFrame, list...) as the same kind."""
    if isinstance(X, np.ndarray):
        # A memory map yields a plain in-memory array of the selected rows.
        return np.asarray(X[indices])
    if hasattr(X, "tocsr") and hasattr(X, "format"):  # scipy.sparse
        try:
            return X[indices]
        except (TypeError, NotImplementedError):
            # COO matrices, DIA and BSR have no row indexing (a pipeline
            # sampler starting with TruncatedSVD takes them): CSR rows.
            return X.tocsr()[indices]
    if _is_pandas_extension_array(X):
        # _safe_indexing's X[indices, ...] fails on pyarrow-backed arrays
        # (pd.array(..., dtype="string")); take() keeps the array's type.
        return X.take(indices)
    return _safe_indexing(X, indices)


def _is_pandas_extension_array(X):
    """Whether X is a pandas array (not a Series), without importing pandas."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(
        X, pandas.api.extensions.ExtensionArray)


def _fit_params_for_rows(fit_params, n_samples, indices):
    """Subset the per-sample fit parameters (e.g. sample_weight) to the rows."""
    out = {}
    for key, value in fit_params.items():
        if hasattr(value, "__len__") and not isinstance(value, str | dict):
            if len(value) == n_samples:
                value = _take_rows(value, indices)
        out[key] = value
    return out


def _check_sample_weight_length(fit_params, n_samples):
    """Refuse, before the selection runs, sample weights not one per row of X.

    Passed on unchanged (only entries of X's length are restricted to the
    selected rows), they would fail in the estimator with the selection's
    size as the expected length, which is not what the user has to change.
    """
    for key, weights in fit_params.items():
        # A pipeline estimator's weights too (logisticregression__sample_weight).
        if key != "sample_weight" and not key.endswith("__sample_weight"):
            continue
        if weights is not None and hasattr(weights, "__len__") and (
                len(weights) != n_samples):
            raise ValueError(
                f"{key} has {counted(len(weights), 'entry', 'entries')} but X "
                f"has {counted(n_samples, 'row')}: pass one weight per row of X "
                "(those of the selected rows reach the estimator)."
            )


def _estimator_has(attr):
    """available_if check: the (fitted, else unfitted) estimator has ``attr``."""

    def check(self):
        estimator = getattr(self, "estimator_", self.estimator)
        getattr(estimator, attr)  # raises AttributeError if absent
        return True

    return check


def _float_labels(y):
    """Whether ``y`` holds floats (which may be NaN or infinite)."""
    dtype = getattr(y, "dtype", None)
    if dtype is None:
        return False
    kind = getattr(dtype, "kind", None)
    if kind is None:
        # A polars Series: its dtype has no kind; that of the numpy array it
        # converts to, read on no rows.
        kind = np.asarray(y[:0]).dtype.kind
    return kind == "f"


def _check_no_unlabeled_rows(y, owner):
    """Refuse NaN (or None, in text labels) in ``y``, a common way to mark
    the rows not labeled yet, saying what to do: the selection may take any
    row, so each needs its label (scikit-learn said only "Input y contains
    NaN.", and sorting None with the labels failed with a TypeError)."""
    values = np.asarray(y)
    if values.ndim != 1:
        return  # check_classification_targets tells
    if values.dtype.kind == "f":
        found = {"NaN": np.flatnonzero(np.isnan(values))}
    elif values.dtype.kind == "O":
        found = {
            "NaN": np.flatnonzero([isinstance(v, float | np.floating) and v != v
                                   for v in values]),
            "None": np.flatnonzero([v is None for v in values]),
        }
    else:
        return
    found = [f"{what} in {counted(rows.size, 'row')} ({rows_named(rows)})"
             for what, rows in found.items() if rows.size]
    if found:
        raise ValueError(
            f"y contains {' and '.join(found)}: {owner} needs the label of "
            "every row of X, as the sampler may select any of them (it "
            "simulates labeling the rows it selects, to evaluate or tune the "
            "selection on labeled data). Pass only the labeled rows "
            "(X[labeled], y[labeled]); to choose which unlabeled rows to "
            "label, fit the sampler alone on X (sampler.fit(X)."
            "selected_indices_)."
        )


class LabelBudgetClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Train a classifier on a labeling budget chosen by a sampler.

    ``fit(X, y)`` fits a clone of ``sampler`` on X **without y** (the way a
    labeling budget is chosen before any label exists), then fits a clone of
    ``estimator`` on the selected rows of X and their labels only, as if just
    those rows had been labeled.  Prediction is the estimator's.

    Being a classifier, it lets scikit-learn's model selection tune the
    *selection* by the held-out performance of the model trained on it:
    ``GridSearchCV``, ``cross_validate``, any scorer and ``n_jobs`` work, and
    the sampler's parameters are reachable as ``sampler__<name>`` (and the
    stages' as ``sampler__denoiser__removal_rate`` and so on, when the stage
    objects are given explicitly).

    Parameters
    ----------
    sampler : estimator
        A sampler whose ``fit(X)`` sets ``selected_indices_``, such as
        :class:`~sklearn_bilaf.BiLAFSampler` or a selector of
        :mod:`sklearn_bilaf.core`, or a :class:`~sklearn.pipeline.Pipeline`
        ending with one (then the selection is made in the pipeline's
        transformed space, and the estimator still gets the original rows of
        X).  It is cloned.  Give its budget as a fraction of the pool (e.g.
        ``budget=0.1``) to have it scale with cross-validation folds; an int
        budget larger than a training fold is an error.
    estimator : estimator
        The classifier trained on the selected rows.  It is cloned.

    Attributes
    ----------
    sampler_ : estimator
        The fitted clone of ``sampler``.
    estimator_ : estimator
        The clone of ``estimator`` fitted on the selected rows.
    selected_indices_ : ndarray of shape (n_selected,)
        Rows of the training X the estimator was trained on, in the
        sampler's order.
    classes_ : ndarray of shape (n_classes,)
        The classes known to the estimator: those present among the selected
        rows (labels of rows that were not selected are never used).
    n_features_in_ : int
        Number of features seen during ``fit``; not set when X was 1-D
        (texts, for pipelines that embed them).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when X has string column
        names.

    See Also
    --------
    SubsetResampler : The same selection as a step of an imbalanced-learn
        pipeline.
    sklearn.semi_supervised.SelfTrainingClassifier : Another meta-estimator
        that wraps a classifier around a labeling process.

    Notes
    -----
    The selection never looks at y, so nothing guarantees that every class
    appears among the selected rows.  With a small budget the estimator may
    see fewer classes than the data holds: ``classes_`` then lacks them and
    they are never predicted; if only one class is selected most classifiers
    refuse to fit, and their error is raised as a ``ValueError`` that says so
    and suggests a larger budget (unchanged when y itself holds a single
    class); in a grid search, that candidate's score becomes
    ``error_score``.  Scorers that need the
    probabilities of every class (``neg_log_loss``, ``roc_auc_ovr``) fail on
    folds with missing classes for the same reason; prefer label-based
    scorers (accuracy, balanced accuracy, F1) at small budgets.

    Per-sample ``fit`` parameters (e.g. ``sample_weight``) are passed to the
    estimator's ``fit``, restricted to the selected rows.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn_bilaf import BiLAFSampler, LabelBudgetClassifier
    >>> from sklearn_bilaf.core import RandomSelector
    >>> X, y = load_digits(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> clf = LabelBudgetClassifier(
    ...     BiLAFSampler(budget=100, core_selector=RandomSelector(20),
    ...                  random_state=0),
    ...     LogisticRegression(max_iter=1000),
    ... ).fit(X_train, y_train)
    >>> clf.selected_indices_.shape
    (100,)
    >>> bool(clf.score(X_test, y_test) > 0.8)
    True
    """

    _parameter_constraints: dict = {
        "sampler": [HasMethods(["fit"])],
        "estimator": [HasMethods(["fit"])],
    }

    def __init__(self, sampler, estimator):
        self.sampler = sampler
        self.estimator = estimator

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Select rows of X with the sampler, then fit the estimator on them.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Training data: the pool the sampler selects from, and the
            features the estimator is trained on.  1-D X (texts as a list,
            an array or a Series) is passed on as it is, for a sampler
            pipeline and an estimator that embed it.
        y : array-like of shape (n_samples,)
            Labels.  Only the labels of the selected rows are used, and only
            to train the estimator; the sampler never sees them.  Any row may
            be selected, so each needs its label: NaN or None (for rows not
            labeled yet) is refused; pass only the labeled rows.
        **fit_params : dict
            Passed to the estimator's ``fit``; arrays with one entry per
            sample (e.g. ``sample_weight``) are restricted to the selected
            rows.

        Returns
        -------
        self : object
            Fitted classifier.
        """
        with fit_or_forget(self):
            if y is None:
                raise ValueError(
                    f"{type(self).__name__} requires y to be passed, but the target "
                    "y is None: the estimator is trained on the labels of the "
                    "selected rows."
                )
            # Record n_features_in_ / feature_names_in_ without converting X: the
            # sampler and the estimator get X as given (memory maps, DataFrames).
            X = _as_rows(X, type(self).__name__)
            if not hasattr(y, "shape") and not hasattr(y, "__len__"):
                y = np.asarray(y)
            _record_features(self, X)
            check_consistent_length(X, y)
            _check_no_unlabeled_rows(y, type(self).__name__)
            if _float_labels(y):
                assert_all_finite(y, input_name="y")
            check_classification_targets(y)
            n_samples = _num_rows(X)
            _check_instances(sampler=self.sampler, estimator=self.estimator)
            _check_sampler_role(self.sampler, type(self).__name__)
            if not hasattr(self.estimator, "predict"):
                raise InvalidParameterError(
                    f"estimator={type(self.estimator).__name__}() has no "
                    "predict: it is the classifier trained on the selected "
                    "rows and their labels. Pass a classifier (e.g. "
                    "LogisticRegression()) as the estimator, the second "
                    "argument: LabelBudgetClassifier(sampler, estimator)."
                )
            if (_tags_or_none(self.estimator) is not None
                    and is_regressor(self.estimator)):
                # A classifier's predictions, scores and classes_ would be a
                # regressor's numbers.
                raise InvalidParameterError(
                    f"estimator={type(self.estimator).__name__}() is a "
                    "regressor; LabelBudgetClassifier trains a classifier on "
                    "the selected rows. Pass a classifier (e.g. "
                    "LogisticRegression()) as the estimator."
                )
            _check_budget_fits(self.sampler, n_samples, type(self).__name__)

            if _routing_enabled():
                # Metadata routing on: only what the estimator requested reaches
                # it (scikit-learn's routing API).
                fit_params = process_routing(self, "fit", **fit_params).estimator.fit
            _check_sample_weight_length(fit_params, n_samples)
            # Cloned before the selection runs: an estimator clone refuses
            # (no get_params) fails at once, not after the work.
            estimator = clone(self.estimator)
            sampler = clone(self.sampler).fit(X)
            indices = _selected_indices(sampler, n_samples)
            y_selected = _take_rows(y, indices)
            try:
                estimator.fit(
                    _take_rows(X, indices),
                    y_selected,
                    **_fit_params_for_rows(fit_params, n_samples, indices),
                )
            except ValueError as exc:
                labels = np.unique(np.asarray(y_selected))
                if labels.size != 1 or np.unique(np.asarray(y)).size == 1:
                    # Not the selection's doing when y itself has one class:
                    # no budget would help, and the classifier says so.
                    raise
                # The classifier's own message ("needs samples of at least 2
                # classes") does not say why: the sampler chose without labels.
                raise ValueError(
                    f"{'The' if len(indices) == 1 else 'All'} "
                    f"{counted(len(indices), 'row')} the sampler selected "
                    f"{'has' if len(indices) == 1 else 'have'} the "
                    f"label {quoted_value(labels[0])} (it selects without "
                    f"looking at labels), and {type(estimator).__name__} "
                    "failed on a single class: "
                    f"{str(exc).rstrip('.')}. Raise the sampler's budget, or "
                    "use a classifier that accepts one class."
                ) from exc
            self.sampler_ = sampler
            self.estimator_ = estimator
            self.selected_indices_ = indices
            # A classifier without classes_ of its own (duck-typed) knows the
            # labels it was trained on: those of the selected rows.
            self.classes_ = (estimator.classes_ if hasattr(estimator, "classes_")
                             else np.unique(_take_rows(y, indices)))
            return self

    def _delegate(self, method, X):
        """The estimator's ``method`` on X, checked by ``_check_X`` already:
        its own feature-name warning would repeat the one given there."""
        with warnings.catch_warnings():
            # scikit-learn's two messages: "X does not have valid feature
            # names, but ..." and "X has feature names, but ...".
            warnings.filterwarnings("ignore", message=r"X (does not have valid|has) "
                                    "feature names", category=UserWarning)
            return getattr(self.estimator_, method)(X)

    def get_metadata_routing(self):
        """How fit's metadata reach the estimator (with metadata routing on).

        Returns
        -------
        routing : MetadataRouter
            ``fit`` routes to the estimator's ``fit`` (entries with one value
            per sample are restricted to the selected rows); the sampler
            takes no metadata.
        """
        from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping

        # The class name, which scikit-learn's errors print as
        # "LabelBudgetClassifier.fit" (1.6 printed an object's whole repr).
        router = MetadataRouter(owner=type(self).__name__)
        return router.add_self_request(self).add(
            estimator=self.estimator,
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )

    def _check_X(self, X):
        check_is_fitted(self)
        X = _as_rows(X, type(self).__name__)
        if hasattr(self, "n_features_in_") and len(getattr(X, "shape", ())) == 1:
            # Fitted on rows of features (texts have no n_features_in_).
            raise ValueError(_RESHAPE_HINT)
        validate_data(self, X, reset=False, skip_check_array=True)
        return X

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Predict classes with the estimator trained on the selection.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted classes.
        """
        X = self._check_X(X)
        return self._delegate("predict", X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities, when the estimator has ``predict_proba``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities of the classes in ``classes_``.
        """
        X = self._check_X(X)
        return self._delegate("predict_proba", X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log of the class probabilities, when the estimator has them.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities of the classes in ``classes_``.
        """
        X = self._check_X(X)
        return self._delegate("predict_log_proba", X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision function, when the estimator has one.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The estimator's decision function.
        """
        X = self._check_X(X)
        return self._delegate("decision_function", X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # A stage without tags of its own is assumed to take neither.
        stages = [_tags_or_none(self.sampler), _tags_or_none(self.estimator)]
        tags.input_tags.sparse = all(
            t is not None and t.input_tags.sparse for t in stages)
        tags.input_tags.allow_nan = all(
            t is not None and t.input_tags.allow_nan for t in stages)
        return tags


class SubsetResampler(MetaEstimatorMixin, BaseEstimator):
    """Use a sampler as an imbalanced-learn resampler: keep the selected rows.

    ``fit_resample(X, y)`` fits a clone of ``sampler`` on X (never on y) and
    returns the selected rows of X and their entries of y.  This is the
    resampler API of imbalanced-learn, so the selection can be a step of
    :class:`imblearn.pipeline.Pipeline`: while the pipeline is fitted, the
    steps after it see only the selected rows; at prediction time the step is
    skipped.  (imbalanced-learn refuses a step that has both ``transform`` and
    ``fit_resample``, which is why this adapter exists instead of a
    ``fit_resample`` method on the samplers.)  imbalanced-learn is not needed
    to use it.  As with imbalanced-learn's own resamplers, fit parameters
    given to later steps (``sample_weight``, say) are not cut down to the
    selected rows; to weight the selected rows, use
    :class:`LabelBudgetClassifier`, which does.  It can also be the
    ``sampler`` of imbalanced-learn's ``BalancedBaggingClassifier``: each
    bag's bootstrap sample is then the pool it selects from.

    Parameters
    ----------
    sampler : estimator
        A sampler whose ``fit(X)`` sets ``selected_indices_``, such as
        :class:`~sklearn_bilaf.BiLAFSampler` or a selector of
        :mod:`sklearn_bilaf.core`, or a :class:`~sklearn.pipeline.Pipeline`
        ending with one (then the selection is made in the pipeline's
        transformed space and the original rows of X are returned).  It is
        cloned.

    Attributes
    ----------
    sampler_ : estimator
        The fitted clone of ``sampler``.
    sample_indices_ : ndarray of shape (n_selected,)
        The selected rows, in the sampler's order (imbalanced-learn's name
        for the rows an under-sampler keeps).
    n_features_in_ : int
        Number of features seen during ``fit``; not set when X was 1-D
        (texts, for pipelines that embed them).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when X has string column
        names.

    See Also
    --------
    LabelBudgetClassifier : The same selection in front of a classifier, as a
        scikit-learn classifier.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_bilaf import BiLAFSampler, SubsetResampler
    >>> from sklearn_bilaf.core import RandomSelector
    >>> X, y = load_digits(return_X_y=True)
    >>> resampler = SubsetResampler(
    ...     BiLAFSampler(budget=50, core_selector=RandomSelector(10), random_state=0))
    >>> X_res, y_res = resampler.fit_resample(X, y)
    >>> X_res.shape, y_res.shape
    ((50, 64), (50,))
    >>> bool(np.array_equal(y_res, y[resampler.sample_indices_]))
    True
    """

    #: imbalanced-learn recognises resamplers by this attribute.
    _estimator_type = "sampler"
    #: And its ensembles (``BalancedBaggingClassifier(sampler=...)``) set a
    #: ``sampling_strategy`` on resamplers of any other type: "bypass" (as
    #: its ``FunctionSampler``) says there is none.
    _sampling_type = "bypass"

    _parameter_constraints: dict = {"sampler": [HasMethods(["fit"])]}

    def __init__(self, sampler):
        self.sampler = sampler

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit the sampler on X; use :meth:`fit_resample` to get the rows.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            The pool.
        y : array-like of shape (n_samples,) or None, default=None
            Ignored by the selection; only its length is checked (NaN or
            None for rows not labeled yet is accepted, as by
            :meth:`fit_resample`).

        Returns
        -------
        self : object
            Fitted resampler.
        """
        with fit_or_forget(self):
            X = _as_rows(X, type(self).__name__)
            _record_features(self, X)
            n_samples = _num_rows(X)
            if y is not None:
                check_consistent_length(X, y)
            _check_instances(sampler=self.sampler)
            _check_sampler_role(self.sampler, type(self).__name__)
            _check_budget_fits(self.sampler, n_samples, type(self).__name__)
            sampler = clone(self.sampler).fit(X)
            self.sample_indices_ = _selected_indices(sampler, n_samples)
            self.sampler_ = sampler
            return self

    def fit_resample(self, X, y=None):
        """Fit the sampler on X and return the selected rows of X and y.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            The pool.  1-D X (texts as a list, an array or a Series) is
            passed on as it is, for a sampler pipeline that embeds it.
        y : array-like of shape (n_samples,) or None, default=None
            Targets aligned with X, never used for the selection and not
            checked beyond their length.  Unlike
            :class:`LabelBudgetClassifier`, which trains on the selected
            labels, the resampler only carries y along: NaN, None or a
            missing value marking the rows not labeled yet is returned as it
            is for the selected rows (those are the rows to label).  A later
            step that trains on y, in a pipeline, refuses them: label those
            rows first, or pass only the labeled rows.

        Returns
        -------
        X_resampled : ndarray, DataFrame, sparse matrix or list
            The selected rows of X (``n_selected`` of them), in the
            sampler's order, of X's own type: a DataFrame keeps its index
            labels, a numpy array its dtype, and a list (of texts, say, for
            a sampler pipeline that embeds them) stays a list.  A memory map
            (``np.load(..., mmap_mode="r")``) is read for the selected rows
            only and gives a plain in-memory ndarray of them, in its dtype
            and writeable, not a memory map.  Sparse X
            (which a sampler pipeline starting with TruncatedSVD takes)
            gives a sparse matrix, in CSR format for formats without row
            indexing (COO matrices, DIA, BSR).
        y_resampled : ndarray, Series, list or None
            The matching entries of y, of y's type (None when y is None; a
            memory map gives an in-memory ndarray, as for X).
        """
        X = _as_rows(X, type(self).__name__)
        self.fit(X, y)
        indices = self.sample_indices_
        y_resampled = None if y is None else _take_rows(y, indices)
        return _take_rows(X, indices), y_resampled

    def get_feature_names_out(self, input_features=None):
        """Feature names are unchanged: the resampler selects rows, not columns.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; ``feature_names_in_`` or ``x0, x1, ...`` when
            None.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The input feature names.

        Raises
        ------
        ValueError
            When the resampler was fitted on 1-D X (texts) and
            ``input_features`` is None: such X has no features to name.
        """
        from sklearn.utils.validation import _check_feature_names_in

        # Not check_is_fitted(self, "n_features_in_") as the samplers do: a
        # fit on 1-D texts leaves no n_features_in_, and "not fitted" would
        # be wrong for it.
        check_is_fitted(self, "sample_indices_")
        if input_features is None and not hasattr(self, "n_features_in_"):
            raise ValueError(
                f"{type(self).__name__} was fitted on 1-D X (texts, say), "
                "which has no features to name; pass input_features.")
        return _check_feature_names_in(self, input_features)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        sampler_tags = _tags_or_none(self.sampler)
        # A sampler without tags of its own is assumed to take neither.
        tags.input_tags.sparse = (sampler_tags is not None
                                  and sampler_tags.input_tags.sparse)
        tags.input_tags.allow_nan = (sampler_tags is not None
                                     and sampler_tags.input_tags.allow_nan)
        return tags
