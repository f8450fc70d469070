"""scikit-learn integration: pipelines, model selection, imbalanced-learn,
pandas, any kind of precomputed embeddings, nested parameters (issue 4).

Most tests use ``RandomSelector`` cores for speed; the default ActiveFT core
stage is used where the issue's own snippets use the defaults.
"""

import importlib
import re
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.spatial.distance import cdist
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_blobs
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    cross_val_score,
    cross_validate,
)
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils import estimator_html_repr

from sklearn_bilaf import BiLAFSampler, LabelBudgetClassifier, SubsetResampler
from sklearn_bilaf.boundary import BoundarySelector
from sklearn_bilaf.core import ActiveFTSelector, PrecomputedSelector, RandomSelector
from sklearn_bilaf.denoise import IDCDenoiser

from ._memory import traced_peak

pd = pytest.importorskip("pandas")


def _sampler(budget=60, n_cores=12, **params):
    return BiLAFSampler(budget=budget, core_selector=RandomSelector(n_cores),
                        random_state=0, **params)


def _lr():
    return LogisticRegression(max_iter=2000)


@pytest.fixture(scope="module")
def small_digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X[:600], y[:600]


# -- 1. Pipelines --------------------------------------------------------------
def test_pipeline_as_in_the_issue(digits):
    """The issue's snippet, with the default stages (ActiveFT cores)."""
    X, _ = digits
    pipe = make_pipeline(StandardScaler(), PCA(32, random_state=0),
                         BiLAFSampler(budget=100, random_state=0)).fit(X)
    idx = pipe[-1].selected_indices_
    assert idx.shape == (100,) and np.unique(idx).size == 100
    # It selected in the transformed space (the pipeline fits each step with
    # fit_transform), and the indices are rows of X.
    Xt = clone(pipe[:-1]).fit_transform(X)
    alone = BiLAFSampler(budget=100, random_state=0).fit(Xt)
    assert_array_equal(alone.selected_indices_, idx)
    assert_allclose(pipe.transform(X), pipe[:-1].transform(X)[idx])


def test_pipeline_fit_transform_returns_the_selected_rows(small_digits):
    X, _ = small_digits
    pipe = make_pipeline(StandardScaler(), PCA(16, random_state=0), _sampler())
    out = pipe.fit_transform(X)
    idx = pipe[-1].selected_indices_
    Xt = clone(pipe[:-1]).fit_transform(X)
    assert out.shape == (60, 16)
    assert_allclose(out, Xt[idx])
    # Same selection as fitting the sampler on the transformed pool.
    assert_array_equal(_sampler().fit(Xt).selected_indices_, idx)
    # New rows are not the pool: a clear error.
    with pytest.raises(ValueError, match="fitted on 600"):
        pipe.transform(X[:100])


def test_fit_transform_equals_fit_then_transform(small_digits):
    X, _ = small_digits
    a = _sampler().fit_transform(X)
    b = _sampler().fit(X).transform(X)
    assert_array_equal(a, b)


def _mixed_frame(n=240, seed=0):
    X, _ = make_blobs(n, n_features=4, centers=4, random_state=seed)
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    df["colour"] = np.array(["red", "green", "blue"])[np.arange(n) % 3]
    df.index = pd.Index([f"item{i}" for i in range(n)][::-1], name="id")
    return df


def test_column_transformer_output(small_digits):
    df = _mixed_frame()
    ct = ColumnTransformer([
        ("num", StandardScaler(), ["a", "b", "c", "d"]),
        ("cat", OneHotEncoder(sparse_output=False), ["colour"]),
    ])
    pipe = make_pipeline(ct, _sampler(budget=30, n_cores=6))
    out = pipe.fit_transform(df)
    idx = pipe[-1].selected_indices_
    assert_allclose(out, pipe[0].transform(df)[idx])
    assert pipe[-1].n_features_in_ == 7
    assert list(pipe.get_feature_names_out()) == list(ct.get_feature_names_out())


def test_sparse_column_transformer_output_gives_clear_error():
    df = _mixed_frame()
    ct = ColumnTransformer([("cat", OneHotEncoder(), ["colour"])],
                           sparse_threshold=1.0)
    with pytest.raises(TypeError, match="does not accept sparse input.*toarray"):
        make_pipeline(ct, _sampler(budget=30, n_cores=6)).fit(df)


def test_sparse_input_gives_clear_error(small_digits):
    X, y = small_digits
    Xs = sp.csr_matrix(X)
    msg = "BiLAFSampler does not accept sparse input.*toarray.*TruncatedSVD"
    with pytest.raises(TypeError, match=msg):
        _sampler().fit(Xs)
    fitted = _sampler().fit(X)
    with pytest.raises(TypeError, match="does not accept sparse input"):
        fitted.transform(Xs)
    with pytest.raises(TypeError, match="does not accept sparse input"):
        fitted.score(Xs)
    with pytest.raises(TypeError, match="does not accept sparse input"):
        LabelBudgetClassifier(_sampler(), _lr()).fit(Xs, y)



@pytest.mark.filterwarnings("ignore::scipy.sparse.SparseEfficiencyWarning")
@pytest.mark.parametrize("fmt", ["coo", "dia", "bsr", "csr", "csc"])
def test_sparse_input_through_a_pipeline_sampler(small_digits, fmt):
    """A sampler pipeline that starts with TruncatedSVD takes any sparse
    format; the meta-estimators then take the selected rows of X itself.
    COO matrices, DIA and BSR have no row indexing: that failed ("'coo_matrix'
    object is not subscriptable") after the whole selection had run."""
    from sklearn.decomposition import TruncatedSVD

    X, y = small_digits
    Xs = sp.csr_matrix(X).asformat(fmt)
    sampler = make_pipeline(TruncatedSVD(8, random_state=0), _sampler())
    clf = LabelBudgetClassifier(sampler, _lr()).fit(Xs, y)
    dense = LabelBudgetClassifier(sampler, _lr()).fit(X, y)
    assert_array_equal(clf.selected_indices_, dense.selected_indices_)
    assert clf.predict(Xs).shape == (len(X),)
    X_res, y_res = SubsetResampler(sampler).fit_resample(Xs, y)
    assert sp.issparse(X_res)
    assert_array_equal(X_res.toarray(), X[dense.selected_indices_])
    assert_array_equal(y_res, y[dense.selected_indices_])

def test_pandas_in_and_out_keeps_original_index_labels():
    df = _mixed_frame()[["a", "b", "c", "d"]]
    pipe = make_pipeline(StandardScaler(), PCA(3, random_state=0),
                         _sampler(budget=25, n_cores=5))
    pipe.set_output(transform="pandas")
    out = pipe.fit_transform(df)
    idx = pipe[-1].selected_indices_
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["pca0", "pca1", "pca2"]
    assert out.index.equals(df.index[idx])
    assert out.index.name == "id"
    assert_allclose(out.to_numpy(), pipe[:-1].transform(df).to_numpy()[idx])
    # The sampler saw the PCA output's feature names.
    assert list(pipe[-1].feature_names_in_) == ["pca0", "pca1", "pca2"]
    # transform of the same pool gives the same frame.
    pd.testing.assert_frame_equal(pipe.transform(df), out)


def test_numpy_in_pandas_out_uses_row_numbers_as_index(small_digits):
    X, _ = small_digits
    sampler = _sampler().set_output(transform="pandas")
    out = sampler.fit_transform(X)
    assert isinstance(out, pd.DataFrame)
    assert_array_equal(out.index.to_numpy(), sampler.selected_indices_)
    assert list(out.columns) == [f"x{i}" for i in range(64)]
    assert_array_equal(out.to_numpy(), X[sampler.selected_indices_])


def test_dataframe_in_default_output_is_numpy():
    df = _mixed_frame()[["a", "b", "c", "d"]]
    sampler = _sampler(budget=20, n_cores=4).fit(df)
    out = sampler.transform(df)
    assert isinstance(out, np.ndarray)
    assert_array_equal(out, df.to_numpy()[sampler.selected_indices_])
    assert list(sampler.get_feature_names_out()) == ["a", "b", "c", "d"]
    # Same selection as on the plain array.
    assert_array_equal(_sampler(budget=20, n_cores=4).fit(df.to_numpy())
                       .selected_indices_, sampler.selected_indices_)



@pytest.mark.parametrize("dtype", [np.uint8, np.int64, np.float16])
def test_dataframe_of_numbers_transforms_to_its_own_dtype(dtype):
    """Only frames numpy gathers as objects come back as the validated float
    array (transform's docstring); uint8 pixels stay uint8 as in an array."""
    df = _mixed_frame()[["a", "b", "c", "d"]]
    df = (df - df.min()).round().astype(dtype)
    sampler = _sampler(budget=20, n_cores=4).fit(df)
    for out in (sampler.transform(df), sampler.fit_transform(df)):
        assert type(out) is np.ndarray and out.dtype == dtype
        assert_array_equal(out, df.to_numpy()[sampler.selected_indices_])


def test_unfitted_sampler_get_feature_names_out_raises_not_fitted():
    """scikit-learn's rule (its check_get_feature_names_out_error): before
    fit, get_feature_names_out raises NotFittedError, given names or not."""
    from sklearn.exceptions import NotFittedError

    for input_features in (None, ["a", "b"]):
        with pytest.raises(NotFittedError):
            _sampler().get_feature_names_out(input_features)


@pytest.mark.parametrize("dtypes", [
    "Float64",
    "double[pyarrow]",
    {"a": "Float32", "b": "Int64"},
    {"c": bool},
])
def test_dataframe_with_extension_or_bool_columns_transforms_to_numbers(dtypes):
    # numpy gathers such frames as object arrays: transform returned them.
    if "pyarrow" in str(dtypes):
        pytest.importorskip("pyarrow")
    df = _mixed_frame()[["a", "b", "c", "d"]]
    df = df.round().astype(dtypes) if isinstance(dtypes, dict) else df.astype(dtypes)
    sampler = _sampler(budget=20, n_cores=4).fit(df)
    expected = df.to_numpy(dtype=np.float64)[sampler.selected_indices_]
    for out in (sampler.transform(df), sampler.fit_transform(df)):
        assert isinstance(out, np.ndarray)
        assert out.dtype == np.float64
        assert_array_equal(out, expected)
    # pandas output keeps the frame's own columns.
    frame = sampler.set_output(transform="pandas").transform(df)
    pd.testing.assert_frame_equal(frame, df.iloc[sampler.selected_indices_])

# -- 2. LabelBudgetClassifier --------------------------------------------------
def test_label_budget_classifier_trains_on_the_selection_only(small_digits):
    X, y = small_digits
    clf = LabelBudgetClassifier(_sampler(), _lr()).fit(X, y)
    idx = _sampler().fit(X).selected_indices_
    assert_array_equal(clf.selected_indices_, idx)
    assert_array_equal(clf.sampler_.selected_indices_, idx)
    reference = _lr().fit(X[idx], y[idx])
    assert_allclose(clf.estimator_.coef_, reference.coef_)
    assert_array_equal(clf.classes_, np.unique(y[idx]))
    assert_array_equal(clf.predict(X), reference.predict(X))
    assert_allclose(clf.predict_proba(X), reference.predict_proba(X))
    assert_allclose(clf.decision_function(X), reference.decision_function(X))
    assert clf.score(X, y) == pytest.approx(reference.score(X, y))
    # The originals are left untouched (clones are fitted).
    assert not hasattr(clf.sampler, "selected_indices_")
    assert not hasattr(clf.estimator, "coef_")


class _RecordingSampler(RandomSelector):
    """A core selector that records the y it is given."""

    def fit(self, X, y=None, budget=None):
        type(self).seen_y.append(y)
        return super().fit(X, y, budget)


def test_label_budget_classifier_never_shows_y_to_the_sampler(small_digits):
    X, y = small_digits
    _RecordingSampler.seen_y = []
    LabelBudgetClassifier(_RecordingSampler(40, random_state=0), _lr()).fit(X, y)
    assert _RecordingSampler.seen_y == [None]
    # Shuffled labels: same rows selected.
    y_shuffled = np.random.RandomState(0).permutation(y)
    a = LabelBudgetClassifier(_sampler(), _lr()).fit(X, y)
    b = LabelBudgetClassifier(_sampler(), _lr()).fit(X, y_shuffled)
    assert_array_equal(a.selected_indices_, b.selected_indices_)


def test_methods_follow_the_estimator(small_digits):
    X, y = small_digits
    svc = LabelBudgetClassifier(_sampler(), LinearSVC())
    assert hasattr(svc, "decision_function")
    assert not hasattr(svc, "predict_proba")
    knn = LabelBudgetClassifier(_sampler(), KNeighborsClassifier(3))
    assert hasattr(knn, "predict_proba")
    assert not hasattr(knn, "decision_function")
    knn.fit(X, y)
    assert knn.predict_proba(X).shape == (600, knn.classes_.size)
    with pytest.raises(AttributeError):
        knn.decision_function(X)


def test_unfitted_label_budget_classifier_raises(small_digits):
    from sklearn.exceptions import NotFittedError

    X, _ = small_digits
    with pytest.raises(NotFittedError):
        LabelBudgetClassifier(_sampler(), _lr()).predict(X)


def test_label_budget_classifier_explains_a_single_class_selection():
    """The classifier's own error ("needs samples of at least 2 classes") said
    nothing of why: the selection is made without labels."""
    from sklearn.dummy import DummyClassifier

    X = np.random.RandomState(0).normal(size=(40, 3))
    y = np.repeat(["cat", "dog"], 20)
    sampler = BiLAFSampler(3, core_selector=PrecomputedSelector([0, 1, 2]))
    with pytest.raises(ValueError, match=r"^All 3 rows the sampler selected have "
                                         r"the label 'cat' \(it selects without "
                                         r"looking at labels\), and "
                                         r"LogisticRegression failed on a single "
                                         r"class: .*\. Raise the sampler's budget"
                       ) as raised:
        LabelBudgetClassifier(sampler, _lr()).fit(X, y)
    assert "2 classes" in str(raised.value.__cause__)
    # A classifier that takes one class is not in the way.
    fitted = LabelBudgetClassifier(sampler, DummyClassifier()).fit(X, y)
    assert fitted.classes_.tolist() == ["cat"]
    # When y itself has a single class, no budget helps: the classifier's own
    # error is raised unchanged, not advice to raise the budget.
    with pytest.raises(ValueError, match="2 classes") as raised:
        LabelBudgetClassifier(sampler, _lr()).fit(X, np.repeat("cat", 40))
    assert "Raise the sampler's budget" not in str(raised.value)
    # Nor when the selection holds both classes and the classifier fails for
    # another reason: only a single selected class is the selection's doing.
    both = BiLAFSampler(3, core_selector=PrecomputedSelector([0, 1, 39]))
    with pytest.raises(ValueError, match="^Unknown label type") as raised:
        LabelBudgetClassifier(both, _UnknownLabelClassifier()).fit(X, y)
    assert "Raise the sampler's budget" not in str(raised.value)


def test_label_budget_classifier_quotes_a_long_double_label_as_a_number():
    # item() keeps a long double a numpy scalar, whose repr read "the label
    # np.longdouble('0.0')".
    X = np.random.RandomState(0).normal(size=(40, 3))
    y = np.repeat([0.0, 1.0], 20).astype(np.longdouble)
    sampler = BiLAFSampler(3, core_selector=PrecomputedSelector([0, 1, 2]))
    with pytest.raises(ValueError, match=r"^All 3 rows the sampler selected have "
                                         r"the label 0\.0 \(it selects"):
        LabelBudgetClassifier(sampler, _lr()).fit(X, y)


class _UnknownLabelClassifier(ClassifierMixin, BaseEstimator):
    """Fails in fit with a ValueError that has nothing to do with classes."""

    def fit(self, X, y):
        raise ValueError("Unknown label type: the test's own failure.")

    def predict(self, X):
        return np.zeros(len(X))


def test_grid_search_as_in_the_issue_fast(small_digits):
    """The issue's grid search (RandomSelector cores to keep it fast)."""
    X, y = small_digits
    pipe = make_pipeline(
        PCA(16, random_state=0),
        LabelBudgetClassifier(
            BiLAFSampler(budget=100, denoiser=IDCDenoiser(),
                         core_selector=RandomSelector(20), random_state=0),
            _lr()),
    )
    grid = {"labelbudgetclassifier__sampler__denoiser__removal_rate":
            [0.0, 0.1, 0.2]}
    search = GridSearchCV(pipe, grid, cv=3, n_jobs=2, error_score="raise")
    search.fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (3,) and np.all(np.isfinite(scores))
    assert np.all(scores > 0.5)
    best = search.best_estimator_[-1]
    assert best.sampler_.denoiser_.removal_rate == (
        search.best_params_["labelbudgetclassifier__sampler__denoiser__removal_rate"])
    # The parameter reaches the selection: the removal rates select
    # different rows on the same data.
    selections = []
    for rate in grid["labelbudgetclassifier__sampler__denoiser__removal_rate"]:
        est = clone(pipe).set_params(
            labelbudgetclassifier__sampler__denoiser__removal_rate=rate).fit(X, y)
        selections.append(tuple(est[-1].selected_indices_))
    assert len(set(selections)) > 1


@pytest.mark.slow
def test_grid_search_as_in_the_issue_default_stages(digits):
    X, y = digits
    pipe = make_pipeline(
        PCA(),
        LabelBudgetClassifier(BiLAFSampler(budget=200, denoiser=IDCDenoiser()),
                              LogisticRegression()),
    )
    search = GridSearchCV(
        pipe,
        {"labelbudgetclassifier__sampler__denoiser__removal_rate":
         [0.0, 0.1, 0.2]},
        n_jobs=2, error_score="raise",
    ).fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_score_ > 0.8


def test_cross_validate_with_any_scorer_and_fractional_budget(small_digits):
    X, y = small_digits
    clf = LabelBudgetClassifier(
        BiLAFSampler(budget=0.25, core_selector=RandomSelector(0.05),
                     random_state=0), _lr())
    cv = KFold(4, shuffle=True, random_state=0)
    result = cross_validate(
        clf, X, y, cv=cv, n_jobs=2, return_estimator=True,
        scoring=["accuracy", "balanced_accuracy", "f1_macro", "neg_log_loss"],
        error_score="raise",
    )
    for key in ["test_accuracy", "test_balanced_accuracy", "test_f1_macro",
                "test_neg_log_loss"]:
        assert np.all(np.isfinite(result[key]))
    # The fractional budget is resolved on each training fold.
    for est, (train, _) in zip(result["estimator"], cv.split(X), strict=True):
        assert est.sampler_.budget_ == int(0.25 * train.size)
        assert est.selected_indices_.size == int(0.25 * train.size)
    # A held-out score is a model trained on 25 % of the labels: worse than
    # all of them, much better than chance.
    assert 0.5 < result["test_accuracy"].mean() < cross_val_score(
        _lr(), X, y, cv=cv).mean() + 0.02


def test_int_budget_larger_than_a_fold_is_a_clear_error(small_digits):
    X, y = small_digits
    clf = LabelBudgetClassifier(_sampler(budget=500), _lr())
    clf.fit(X, y)  # 600 rows: fine
    msg = r"budget=500 is larger than the 450 samples .* fraction"
    with pytest.raises(ValueError, match=msg):
        cross_val_score(clf, X, y, cv=4, error_score="raise")
    with pytest.raises(ValueError, match="budget=500"):
        clf.fit(X[:450], y[:450])


def test_single_selected_class_lets_the_estimator_error_surface(small_digits):
    X, y = small_digits
    rows = np.flatnonzero(y == 3)[:5]
    clf = LabelBudgetClassifier(PrecomputedSelector(rows), _lr())
    with pytest.raises(ValueError, match="at least 2 classes"):
        clf.fit(X, y)


def test_missing_classes_are_never_predicted(small_digits):
    X, y = small_digits
    rows = np.r_[np.flatnonzero(y == 1)[:5], np.flatnonzero(y == 7)[:5]]
    clf = LabelBudgetClassifier(PrecomputedSelector(rows), _lr()).fit(X, y)
    assert_array_equal(clf.classes_, [1, 7])
    assert set(np.unique(clf.predict(X))) <= {1, 7}
    assert clf.predict_proba(X).shape == (600, 2)


def test_sample_weight_is_restricted_to_the_selection(small_digits):
    X, y = small_digits
    weights = np.random.RandomState(0).uniform(0.1, 2.0, size=y.size)
    clf = LabelBudgetClassifier(_sampler(), _lr()).fit(X, y, sample_weight=weights)
    idx = clf.selected_indices_
    reference = _lr().fit(X[idx], y[idx], sample_weight=weights[idx])
    assert_allclose(clf.estimator_.coef_, reference.coef_)
    unweighted = _lr().fit(X[idx], y[idx])
    assert not np.allclose(clf.estimator_.coef_, unweighted.coef_)


def test_sample_weight_of_the_wrong_length_is_refused_before_selecting(small_digits):
    # It used to reach the estimator unchanged, which asked for as many
    # weights as selected rows (e.g. "expected (60,)") instead of X's rows.
    X, y = small_digits
    with pytest.raises(ValueError, match=rf"sample_weight has 5 entries but X "
                                         rf"has {y.size} rows"):
        LabelBudgetClassifier(_sampler(), _lr()).fit(X, y, sample_weight=np.ones(5))


@pytest.mark.parametrize("n_weights", [5, 60])
def test_pipeline_estimator_sample_weight_of_the_wrong_length_is_refused(
        small_digits, n_weights):
    # A pipeline's step__sample_weight was passed on whole: it failed with
    # "expected (60,)", or, of the selection's length, weighted the selected
    # rows with the weights of other rows.
    X, y = small_digits
    clf = LabelBudgetClassifier(_sampler(budget=60),
                                make_pipeline(StandardScaler(), _lr()))
    with pytest.raises(ValueError, match=rf"logisticregression__sample_weight "
                       rf"has {n_weights} entries but X has {y.size} rows"):
        clf.fit(X, y, logisticregression__sample_weight=np.ones(n_weights))
    clf.fit(X, y, logisticregression__sample_weight=np.ones(y.size))


class _RecordingClassifier(KNeighborsClassifier):
    """Keeps the keyword arguments its fit was given."""

    def fit(self, X, y, **fit_params):
        self.fit_params_ = fit_params
        return super().fit(X, y)


def test_only_per_sample_fit_params_are_restricted(small_digits):
    """Documented: fit parameters with one entry per sample are cut down to
    the selected rows; any other (a scalar, a string, a dict, a sequence of
    another length) reaches the estimator unchanged."""
    X, y = small_digits
    per_row = np.arange(y.size) * 10
    other = [1, 2, 3]
    options = {i: i for i in range(y.size)}
    clf = LabelBudgetClassifier(_sampler(), _RecordingClassifier(1)).fit(
        X, y, per_row=per_row, scale=0.5, name="abc" * 200, other=other,
        options=options)
    got = clf.estimator_.fit_params_
    assert_array_equal(got["per_row"], per_row[clf.selected_indices_])
    assert got["scale"] == 0.5
    assert got["name"] == "abc" * 200  # as long as X has rows, but a string
    assert got["other"] is other
    assert got["options"] is options  # as long as X has rows, but a dict


def test_sample_weight_is_routed_with_metadata_routing_on(small_digits):
    import sklearn
    from sklearn.model_selection import cross_validate

    X, y = small_digits
    weights = np.random.RandomState(0).uniform(0.1, 2.0, size=y.size)
    with sklearn.config_context(enable_metadata_routing=True):
        clf = LabelBudgetClassifier(
            _sampler(), _lr().set_fit_request(sample_weight=True)
        ).fit(X, y, sample_weight=weights)
        idx = clf.selected_indices_
        reference = _lr().fit(X[idx], y[idx], sample_weight=weights[idx])
        assert_allclose(clf.estimator_.coef_, reference.coef_)
        # And through a cross-validation, which routes by the requests.
        routed = LabelBudgetClassifier(
            _sampler(), _lr().set_fit_request(sample_weight=True)
        ).set_score_request(sample_weight=False)
        scores = cross_validate(routed, X, y, params={"sample_weight": weights},
                                cv=2)["test_score"]
        assert np.all(np.isfinite(scores))


def test_metadata_routing_errors_name_the_class_not_its_repr(small_digits):
    """Routing errors say "LabelBudgetClassifier.fit", as scikit-learn's own
    meta-estimators do (scikit-learn 1.6 printed the owner as given: the
    whole repr of the classifier, its sampler and estimator, over lines)."""
    import sklearn
    from sklearn.exceptions import UnsetMetadataPassedError

    X, y = small_digits
    clf = LabelBudgetClassifier(_sampler(), _lr())
    with sklearn.config_context(enable_metadata_routing=True):
        with pytest.raises(UnsetMetadataPassedError) as info:
            clf.fit(X, y, sample_weight=np.ones(y.size))
        assert "used within LabelBudgetClassifier.fit." in str(info.value)
        with pytest.raises(TypeError, match=r"^LabelBudgetClassifier\.fit got "
                           "unexpected argument"):
            clf.fit(X, y, foo=1)


@pytest.mark.parametrize("fit_on_frame", [True, False])
@pytest.mark.parametrize("method", ["predict", "predict_proba",
                                    "predict_log_proba", "decision_function"])
def test_feature_name_mismatch_warns_once(small_digits, fit_on_frame, method):
    """Fitted with names and given an array, or fitted without and given a
    DataFrame: one warning, the classifier's, not the estimator's too."""
    import warnings

    import pandas as pd

    X, y = small_digits
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    fit_X, predict_X = (frame, X) if fit_on_frame else (X, frame)
    clf = LabelBudgetClassifier(_sampler(), _lr()).fit(fit_X, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        getattr(clf, method)(predict_X)
    names = [str(w.message) for w in caught if "feature names" in str(w.message)]
    assert len(names) == 1 and "LabelBudgetClassifier" in names[0]


def test_label_budget_classifier_with_dataframes_and_pipeline_sampler():
    df = _mixed_frame()[["a", "b", "c", "d"]]
    y = pd.Series(np.arange(len(df)) % 2, index=df.index)
    sampler = make_pipeline(StandardScaler(), PCA(2, random_state=0),
                            _sampler(budget=40, n_cores=8))
    clf = LabelBudgetClassifier(sampler, _lr()).fit(df, y)
    assert list(clf.feature_names_in_) == ["a", "b", "c", "d"]
    # Selected in the PCA space, trained on the original features.
    assert clf.estimator_.coef_.shape == (1, 4)
    assert list(clf.estimator_.feature_names_in_) == ["a", "b", "c", "d"]
    assert_array_equal(clf.selected_indices_,
                       clf.sampler_[-1].selected_indices_)
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(df.to_numpy())
    assert clf.predict(df).shape == (len(df),)


def test_label_budget_classifier_errors(small_digits):
    X, y = small_digits
    with pytest.raises(ValueError, match="requires y"):
        LabelBudgetClassifier(_sampler(), _lr()).fit(X, None)
    with pytest.raises(TypeError, match="did not set selected_indices_"):
        LabelBudgetClassifier(StandardScaler(), _lr()).fit(X, y)
    with pytest.raises(ValueError, match="Unknown label type"):
        LabelBudgetClassifier(_sampler(), _lr()).fit(X, X[:, 0] + 0.5)
    fitted = LabelBudgetClassifier(_sampler(), _lr()).fit(X, y)
    with pytest.raises(ValueError, match="64 features"):
        fitted.predict(X[:, :10])


def test_label_budget_classifier_says_what_to_do_with_unlabeled_rows(small_digits):
    """y with NaN (or None) for the unlabeled rows, a common way to mark
    them, was told only scikit-learn's "Input y contains NaN." (or a
    TypeError from sorting None with the labels): the message names the
    rows and says that every row needs its label, as the sampler may select
    any, and what to do instead."""
    pd = pytest.importorskip("pandas")
    X, y = small_digits
    y = y.astype(float)
    y[[3, 7]] = np.nan
    for labels in (y, pd.Series(y), list(y)):
        with pytest.raises(ValueError, match=(
                r"^y contains NaN in 2 rows \(rows \[3, 7\]\): LabelBudgetClassifier "
                r"needs the label of every row .*fit the sampler alone")):
            LabelBudgetClassifier(_sampler(), _lr()).fit(X, labels)
    text = np.array([str(int(v)) if v == v else None for v in y], dtype=object)
    with pytest.raises(ValueError, match=r"^y contains None in 2 rows \(rows "
                                         r"\[3, 7\]\): LabelBudgetClassifier"):
        LabelBudgetClassifier(_sampler(), _lr()).fit(X, text)
    text[[3, 7]] = np.nan
    with pytest.raises(ValueError, match=r"^y contains NaN in 2 rows"):
        LabelBudgetClassifier(_sampler(), _lr()).fit(X, pd.Series(text))
    # Infinity is no way to mark a row unlabeled: scikit-learn's message.
    y[[3, 7]] = np.inf
    with pytest.raises(ValueError, match="Input y contains infinity"):
        LabelBudgetClassifier(_sampler(), _lr()).fit(X, y)


# -- 3. BiLAFSampler.score -----------------------------------------------------
@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_score_is_minus_the_mean_distance_to_the_selection(small_digits, metric):
    X, _ = small_digits
    X = X + 0.5  # no all-zero rows, for the cosine geometry
    sampler = _sampler(metric=metric).fit(X[:400])
    new = X[400:]
    expected = -cdist(new, X[:400][sampler.selected_indices_], metric).min(1).mean()
    assert sampler.score(new) == pytest.approx(expected, rel=1e-9)
    # Chunked by working_memory, with the same result.
    with config_context(working_memory=1):
        assert sampler.score(np.repeat(new, 20, axis=0)) == pytest.approx(expected)
    assert_array_equal(sampler.selected_embeddings_,
                       X[:400][sampler.selected_indices_])


@pytest.mark.parametrize("metric, order", [("cosine", "C"), ("euclidean", "F")])
def test_score_does_not_fill_the_rows_by_selection_matrix(metric, order):
    """score finds each row's nearest selected sample without the n_rows x
    n_selected distance matrix, also for "cosine" and for a pool that is not
    C-contiguous (scikit-learn's bounded argmin takes neither: its fallback
    filled the matrix in working_memory blocks, plus temporaries as large;
    1.4 GiB for "cosine" on 60,000 float32 rows against 3,000, 2.4 GiB for
    float64, 0.7 GiB for a Fortran-ordered pool, against 2 MiB)."""
    rng = np.random.RandomState(0)
    pool = rng.normal(size=(2000, 8)) + 3.0
    sampler = _sampler(budget=500, n_cores=50, metric=metric).fit(pool)
    new = np.asarray(rng.normal(size=(20000, 8)) + 3.0, order=order)
    expected = -cdist(new, sampler.selected_embeddings_, metric).min(1).mean()
    tracemalloc.start()
    try:
        score = sampler.score(new)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert score == pytest.approx(expected, rel=1e-9)
    matrix = new.shape[0] * 500 * 8  # 80 MB
    assert peak < matrix / 8, peak


def test_score_says_metrics_give_scores_in_other_units(small_digits):
    """A cosine distance is at most 2, a Euclidean one on the digits some 25:
    a grid over ``metric`` scored by coverage always picks "cosine", so the
    docstring must not call scores of the same budget and feature space
    comparable whatever their metric."""
    X, _ = small_digits
    scores = {metric: _sampler(metric=metric).fit(X[:400]).score(X[400:])
              for metric in ("euclidean", "cosine")}
    assert scores["cosine"] > -2.0 > scores["euclidean"]
    doc = " ".join(BiLAFSampler.score.__doc__.split())
    assert "same budget and metric" in doc


def test_score_names_the_all_zero_rows_of_x_with_cosine():
    """score with metric="cosine" named neither the all-zero rows nor their
    number in X (only in the working_memory chunk), and called X the pool."""
    rng = np.random.RandomState(0)
    sampler = _sampler(budget=20, n_cores=4, metric="cosine").fit(
        rng.normal(size=(100, 3)) + 3.0)
    new = rng.normal(size=(50, 3)) + 3.0
    new[[7, 31, 40]] = 0.0
    match = (r"metric='cosine' is undefined for all-zero rows; X has 3 of them "
             r"\(rows \[7, 31, 40\]\)\. Remove them: an all-zero row")
    with config_context(working_memory=1e-4):  # a chunk per row or so
        with pytest.raises(ValueError, match=match):
            sampler.score(new)


def test_score_higher_is_better(small_digits):
    X, _ = small_digits
    everything = _sampler(budget=600, denoiser="none").fit(X)
    assert everything.score(X) == pytest.approx(0.0, abs=1e-6)
    # A selection confined to one digit covers the others worse.
    y = small_digits[1]
    one_digit = X[y == 0]
    narrow = _sampler(budget=30, n_cores=5).fit(one_digit)
    wide = _sampler(budget=30, n_cores=5).fit(X)
    assert wide.score(X) > narrow.score(X)


def test_unsupervised_grid_search(small_digits):
    X, _ = small_digits
    search = GridSearchCV(
        BiLAFSampler(budget=0.1, core_selector=RandomSelector(0.02),
                     denoiser=IDCDenoiser(), random_state=0),
        {"denoiser__removal_rate": [0.0, 0.3],
         "boundary_selector": [None, BoundarySelector(penalty=2.0)]},
        cv=3, error_score="raise",
    ).fit(X)
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (4,) and np.all(np.isfinite(scores)) and np.all(scores < 0)
    # The CV score of one candidate, by hand: fit on the training part,
    # score on the held-out part.
    cv = KFold(3)
    manual = [
        clone(search.estimator).set_params(**search.cv_results_["params"][0])
        .fit(X[train]).score(X[test])
        for train, test in cv.split(X)
    ]
    assert scores[0] == pytest.approx(np.mean(manual))


def test_score_in_a_pipeline_with_metadata_routing_on(small_digits):
    """With metadata routing on, scikit-learn's Pipeline.score hands its last
    step sample_weight=None, and refuses it (a TypeError) when that step's
    score has no such parameter: a pipeline ending with the sampler could
    not be scored, and a grid search over it scored every candidate NaN."""
    import sklearn

    X, _ = small_digits
    pipe = make_pipeline(StandardScaler(), _sampler())
    with sklearn.config_context(enable_metadata_routing=True):
        fitted = clone(pipe).fit(X[:400])
        expected = fitted[-1].score(fitted[0].transform(X[400:]))
        assert fitted.score(X[400:]) == expected
        search = GridSearchCV(pipe, {"bilafsampler__budget": [30, 60]}, cv=3,
                              error_score="raise").fit(X)
        assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_score_weights_the_rows_of_x(small_digits):
    X, _ = small_digits
    sampler = _sampler().fit(X[:400])
    new = X[400:]
    weights = np.random.RandomState(0).randint(0, 4, size=len(new))
    # Whole weights count a row as many times.
    assert sampler.score(new, sample_weight=weights) == pytest.approx(
        sampler.score(np.repeat(new, weights, axis=0)), rel=1e-12)
    assert sampler.score(new, sample_weight=None) == sampler.score(new)
    assert sampler.score(new, sample_weight=2.0) == pytest.approx(sampler.score(new))
    # And through a pipeline, which passes them on.
    pipe = make_pipeline(StandardScaler(), _sampler()).fit(X[:400])
    assert pipe.score(new, sample_weight=weights) == pytest.approx(
        pipe.score(np.repeat(new, weights, axis=0)), rel=1e-12)
    with pytest.raises(ValueError, match="sample_weight"):
        sampler.score(new, sample_weight=weights[:-1])
    with pytest.raises(ValueError, match="(?i)negative"):
        sampler.score(new, sample_weight=weights - 1.0)
    with pytest.raises(ValueError, match="zero"):
        sampler.score(new, sample_weight=np.zeros(len(new)))


def test_score_validates_its_input(small_digits):
    from sklearn.exceptions import NotFittedError

    X, _ = small_digits
    with pytest.raises(NotFittedError):
        _sampler().score(X)
    fitted = _sampler().fit(X)
    with pytest.raises(ValueError, match="64 features"):
        fitted.score(X[:, :5])
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fitted.score(bad)


# -- 4. imbalanced-learn -------------------------------------------------------
def test_subset_resampler_returns_the_selected_rows(small_digits):
    X, y = small_digits
    resampler = SubsetResampler(_sampler())
    X_res, y_res = resampler.fit_resample(X, y)
    idx = _sampler().fit(X).selected_indices_
    assert_array_equal(resampler.sample_indices_, idx)
    assert_array_equal(X_res, X[idx])
    assert_array_equal(y_res, y[idx])
    assert not hasattr(resampler, "transform")
    assert not hasattr(BiLAFSampler(5), "fit_resample")
    # y is never used for the selection, and may be absent.
    X_none, y_none = SubsetResampler(_sampler()).fit_resample(X)
    assert y_none is None
    assert_array_equal(X_none, X_res)


def test_subset_resampler_passes_unlabeled_rows_through(small_digits):
    """Unlike LabelBudgetClassifier, which trains on the selected labels and
    refuses NaN or None in y, the resampler only carries y along: NaN, None
    or pandas' NA for rows not labeled yet come back as they are for the
    selected rows (the rows to label), and the selection is that of X
    alone.  Pinned: the documented behaviour, kept on purpose."""
    pd = pytest.importorskip("pandas")
    X, y = small_digits
    idx = _sampler().fit(X).selected_indices_
    y = y.astype(float)
    y[idx[::2]] = np.nan
    text = [None if v != v else str(int(v)) for v in y]
    counts = pd.array([None if v != v else int(v) for v in y], dtype="Int64")
    for labels in (y, pd.Series(y), text, pd.Series(counts)):
        resampler = SubsetResampler(_sampler())
        _, y_res = resampler.fit_resample(X, labels)
        assert_array_equal(resampler.sample_indices_, idx)
        missing = np.asarray(pd.isna(pd.Series(list(y_res))))
        assert_array_equal(np.flatnonzero(missing), np.arange(0, idx.size, 2))
        assert type(y_res) is type(labels)


def test_subset_resampler_takes_rows_of_a_pandas_extension_array(small_digits):
    """y as a pandas array backed by pyarrow (pd.array(..., dtype="string"),
    "int64[pyarrow]") failed in scikit-learn's _safe_indexing with "only
    integer scalar arrays can be converted to a scalar index"; its selected
    entries come back as the same kind of array, as for a Series."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    X, y = small_digits
    idx = _sampler().fit(X).selected_indices_
    for labels in (pd.array(y.astype(str), dtype="string[pyarrow]"),
                   pd.array(y, dtype="int64[pyarrow]"),
                   pd.array(y, dtype="Int64"), pd.Categorical(y)):
        resampler = SubsetResampler(_sampler())
        _, y_res = resampler.fit_resample(X, labels)
        assert_array_equal(resampler.sample_indices_, idx)
        assert type(y_res) is type(labels)
        assert_array_equal(np.asarray(y_res), np.asarray(labels)[idx])
    # LabelBudgetClassifier's per-sample fit parameters too.
    weights = pd.array(np.ones(len(y)), dtype="float64[pyarrow]")
    fitted = LabelBudgetClassifier(_sampler(), _lr()).fit(
        X, y, sample_weight=weights)
    reference = _lr().fit(X[idx], y[idx])
    assert_allclose(fitted.estimator_.coef_, reference.coef_, rtol=1e-6)


def test_subset_resampler_keeps_pandas_and_any_package_sampler():
    df = _mixed_frame()[["a", "b", "c", "d"]]
    y = pd.Series(np.arange(len(df)) % 3, index=df.index, name="target")
    resampler = SubsetResampler(RandomSelector(17, random_state=0))
    X_res, y_res = resampler.fit_resample(df, y)
    assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series)
    assert X_res.shape == (17, 4) and X_res.index.equals(y_res.index)
    assert y_res.name == "target"
    assert_array_equal(y_res.to_numpy(), y.loc[X_res.index].to_numpy())


def test_subset_resampler_get_feature_names_out():
    """As imbalanced-learn's resamplers: the input's names (or x0, x1, ...)
    pass through, so a pipeline ending with the resampler has them too."""
    from sklearn.exceptions import NotFittedError
    from sklearn.pipeline import Pipeline

    df = _mixed_frame()[["a", "b", "c", "d"]]
    with pytest.raises(NotFittedError):
        SubsetResampler(RandomSelector(5)).get_feature_names_out()
    resampler = SubsetResampler(RandomSelector(5, random_state=0)).fit(df)
    assert_array_equal(resampler.get_feature_names_out(), ["a", "b", "c", "d"])
    assert resampler.get_feature_names_out().dtype == object
    with pytest.raises(ValueError, match="not equal to feature_names_in_"):
        resampler.get_feature_names_out(["w", "x", "y", "z"])
    resampler.fit(df.to_numpy())
    assert_array_equal(resampler.get_feature_names_out(),
                       ["x0", "x1", "x2", "x3"])
    with pytest.raises(ValueError, match="length equal to number of features"):
        resampler.get_feature_names_out(["a", "b"])
    pipe = Pipeline([("scale", StandardScaler()),
                     ("select", SubsetResampler(RandomSelector(5, random_state=0)))])
    assert_array_equal(pipe.fit(df).get_feature_names_out(), ["a", "b", "c", "d"])


def test_subset_resampler_get_feature_names_out_after_texts():
    """1-D texts have no features to name: a clear error, not the
    NotFittedError of an unfitted resampler; given names pass through."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [f"word{i % 7} word{i % 5} word{i % 3}" for i in range(40)]
    embed = make_pipeline(TfidfVectorizer(), TruncatedSVD(3, random_state=0),
                          RandomSelector(5, random_state=0))
    resampler = SubsetResampler(embed).fit(texts)
    with pytest.raises(ValueError, match="fitted on 1-D X"):
        resampler.get_feature_names_out()
    assert_array_equal(resampler.get_feature_names_out(["text"]), ["text"])


class _NanTolerantSampler(BaseEstimator):
    """A sampler of another package whose tags say it takes NaN."""

    def __init__(self, budget=10):
        self.budget = budget

    def fit(self, X, y=None):
        self.selected_indices_ = np.arange(self.budget)[::-1]
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


def test_meta_estimators_allow_nan_only_when_their_stages_do():
    """The allow_nan tag of SubsetResampler is its sampler's; that of
    LabelBudgetClassifier needs both the sampler and the estimator."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.utils import get_tags

    def allow_nan(estimator):
        return get_tags(estimator).input_tags.allow_nan

    tolerant = _NanTolerantSampler()
    assert allow_nan(SubsetResampler(tolerant))
    assert not allow_nan(SubsetResampler(_sampler()))
    assert allow_nan(LabelBudgetClassifier(tolerant, HistGradientBoostingClassifier()))
    assert not allow_nan(LabelBudgetClassifier(tolerant, _lr()))
    assert not allow_nan(LabelBudgetClassifier(_sampler(),
                                               HistGradientBoostingClassifier()))
    # And the resampler does take the NaN its sampler takes.
    X = np.arange(40.0).reshape(20, 2)
    X[0, 0] = np.nan
    X_res, y_res = SubsetResampler(tolerant).fit_resample(X, np.arange(20))
    assert_array_equal(y_res, np.arange(10)[::-1])
    assert np.isnan(X_res[-1, 0])


def test_subset_resampler_in_an_imblearn_pipeline(small_digits):
    imblearn_pipeline = pytest.importorskip("imblearn.pipeline")
    from imblearn.base import is_sampler

    X, y = small_digits
    resampler = SubsetResampler(_sampler(budget=120, n_cores=20))
    assert is_sampler(resampler)
    pipe = imblearn_pipeline.Pipeline([
        ("pca", PCA(16, random_state=0)),
        ("select", resampler),
        ("clf", _lr()),
    ]).fit(X, y)
    Xt = PCA(16, random_state=0).fit_transform(X)
    idx = _sampler(budget=120, n_cores=20).fit(Xt).selected_indices_
    assert_array_equal(pipe.named_steps["select"].sample_indices_, idx)
    reference = _lr().fit(Xt[idx], y[idx])
    assert_allclose(pipe.named_steps["clf"].coef_, reference.coef_, rtol=1e-6)
    # The resampler only acts while fitting: predictions cover every row.
    assert pipe.predict(X).shape == (600,)
    # And in a grid search over the selection's parameters.
    search = GridSearchCV(pipe, {"select__sampler__budget": [60, 120]}, cv=3,
                          error_score="raise").fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_subset_resampler_as_the_sampler_of_balanced_bagging(small_digits):
    """imbalanced-learn's BalancedBaggingClassifier(sampler=...) reads the
    resampler's _sampling_type (AttributeError without it) and, unless it is
    "bypass", sets a sampling_strategy the selection does not have."""
    ensemble = pytest.importorskip("imblearn.ensemble")

    X, y = small_digits
    resampler = SubsetResampler(_sampler(budget=0.5, n_cores=10))
    bagging = ensemble.BalancedBaggingClassifier(
        _lr(), sampler=resampler, n_estimators=2, random_state=0).fit(X, y)
    for pipeline in bagging.estimators_:
        select, clf = pipeline.named_steps.values()
        assert select.sample_indices_.size == 300  # half of each bag
        assert clf.coef_.shape[1] == 64
    assert bagging.predict(X).shape == (600,)
    assert resampler.get_params()["sampler"].budget == 0.5  # not changed


def test_subset_resampler_fit_resample_takes_an_array_like_without_len():
    """X is array-like: an object with only __array__ (no shape, no len)
    gives the selected rows as an array, like the array itself."""
    X = _blobs(n=120)

    class ArrayLike:
        def __init__(self, data):
            self.data = data

        def __array__(self, dtype=None, copy=None):
            return np.asarray(self.data, dtype=dtype)

    resampler = SubsetResampler(_sampler(budget=20, n_cores=4))
    X_res, y_res = resampler.fit_resample(ArrayLike(X), np.arange(120))
    assert type(X_res) is np.ndarray
    assert_array_equal(X_res, X[resampler.sample_indices_])
    assert_array_equal(y_res, resampler.sample_indices_)


def test_subset_resampler_errors(small_digits):
    X, y = small_digits
    with pytest.raises(ValueError, match="budget=700 is larger than the 600"):
        SubsetResampler(_sampler(budget=700)).fit_resample(X, y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        SubsetResampler(_sampler()).fit_resample(X, y[:10])



@pytest.mark.parametrize("X, error, match", [
    (None, TypeError, "got X=None: pass a 2-D array"),
    (3.0, ValueError, "got a scalar as X: pass a 2-D array"),
    (np.float64(3.0), ValueError, "got a scalar as X"),
])
def test_meta_estimators_refuse_none_or_a_scalar_as_x(small_digits, X, error,
                                                      match):
    # scikit-learn's checks failed with "tuple index out of range", "Input
    # should have at least 1 dimension" or, at predict time, "X does not
    # contain any features".
    X_fit, y = small_digits
    with pytest.raises(error, match="LabelBudgetClassifier " + match):
        LabelBudgetClassifier(_sampler(), _lr()).fit(X, y)
    with pytest.raises(error, match="SubsetResampler " + match):
        SubsetResampler(_sampler()).fit(X)
    with pytest.raises(error, match="SubsetResampler " + match):
        SubsetResampler(_sampler()).fit_resample(X, y)
    fitted = LabelBudgetClassifier(_sampler(), _lr()).fit(X_fit, y)
    for method in ("predict", "predict_proba", "decision_function"):
        with pytest.raises(error, match=match):
            getattr(fitted, method)(X)

@pytest.mark.parametrize("kind", ["list", "array", "object array", "Series"])
def test_meta_estimators_take_texts_in_any_1d_container(kind):
    """A sampler pipeline that embeds texts takes them as a list, an array
    or a pandas Series (a DataFrame's text column); the meta-estimators took
    the list only and refused the others as 1-D ("Expected a 2-dimensional
    container")."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    rng = np.random.RandomState(0)
    words = ["apple", "pear", "plum", "fig", "car", "bus", "train", "bike"]
    texts = [" ".join(rng.choice(words, 5)) for _ in range(150)]
    y = np.array([any(w in text for w in words[:4]) for text in texts], dtype=int)
    X = {"list": texts, "array": np.array(texts),
         "object array": np.array(texts, dtype=object),
         "Series": pd.Series(texts)}[kind]
    sampler = make_pipeline(TfidfVectorizer(), TruncatedSVD(4, random_state=0),
                            _sampler(budget=30, n_cores=6))
    clf = LabelBudgetClassifier(
        sampler, make_pipeline(TfidfVectorizer(), _lr())).fit(X, y)
    reference = clone(sampler).fit(texts).steps[-1][1].selected_indices_
    np.testing.assert_array_equal(clf.selected_indices_, reference)
    assert clf.predict(X).shape == (150,)
    assert clf.predict_proba(X[:5]).shape == (5, 2)
    X_res, y_res = SubsetResampler(sampler).fit_resample(X, y)
    assert type(X_res) is type(X)
    assert list(X_res) == [texts[i] for i in reference]
    np.testing.assert_array_equal(y_res, y[reference])


def test_meta_estimators_refit_on_texts_forget_the_features_seen_before():
    """A refit describes its own X only: refitted on texts after a numeric
    DataFrame, the meta-estimators kept n_features_in_ from the first fit,
    so predict refused the texts as 1-D ("Expected a 2-dimensional
    container")."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    rng = np.random.RandomState(0)
    words = ["apple", "pear", "plum", "fig", "car", "bus", "train", "bike"]
    texts = np.array([" ".join(rng.choice(words, 5)) for _ in range(150)])
    y = np.arange(150) % 2
    frame = pd.DataFrame(rng.rand(150, 5), columns=list("abcde"))
    embed = make_pipeline(TfidfVectorizer(), TruncatedSVD(4, random_state=0),
                          _sampler(budget=30, n_cores=6))
    clf = LabelBudgetClassifier(_sampler(budget=30, n_cores=6), _lr()).fit(frame, y)
    resampler = SubsetResampler(_sampler(budget=30, n_cores=6)).fit(frame, y)
    for fitted in (clf, resampler):
        assert fitted.n_features_in_ == 5
        assert list(fitted.feature_names_in_) == list("abcde")
    clf.set_params(sampler=embed, estimator=make_pipeline(TfidfVectorizer(), _lr()))
    clf.fit(texts, y)
    resampler.set_params(sampler=embed).fit(texts, y)
    for fitted in (clf, resampler):
        assert not hasattr(fitted, "n_features_in_")
        assert not hasattr(fitted, "feature_names_in_")
    assert clf.predict(texts[:5]).shape == (5,)
    # And back: the numbers' count and names again.
    clf.set_params(sampler=_sampler(budget=30, n_cores=6), estimator=_lr())
    assert clf.fit(frame, y).n_features_in_ == 5
    assert list(clf.feature_names_in_) == list("abcde")


@pytest.mark.parametrize("X", [np.arange(100.0), pd.Series(np.arange(100.0))],
                         ids=["array", "Series"])
def test_meta_estimators_still_refuse_1d_numbers(small_digits, X):
    """1-D numbers reach the sampler, which says how to reshape them; a
    model fitted on rows of numbers says so at prediction time too."""
    y = np.arange(100) % 2
    # The sampler's message, for an array and for a Series.
    refusal = r"X is 1-D .*(reshape\(-1, 1\)|X\.to_frame\(\))"
    with pytest.raises(ValueError, match=refusal):
        LabelBudgetClassifier(_sampler(budget=10, n_cores=2), _lr()).fit(X, y)
    with pytest.raises(ValueError, match=refusal):
        SubsetResampler(_sampler(budget=10, n_cores=2)).fit_resample(X, y)
    X_fit, y_fit = small_digits
    fitted = LabelBudgetClassifier(_sampler(), _lr()).fit(X_fit, y_fit)
    for method in ("predict", "predict_proba", "decision_function"):
        with pytest.raises(ValueError, match="Reshape your data"):
            getattr(fitted, method)(X)


def test_imblearn_is_not_a_runtime_import():
    code = ("import sys, sklearn_bilaf, sklearn_bilaf.meta; "
            "assert 'imblearn' not in sys.modules; "
            "assert 'pandas' not in sys.modules or 'sklearn' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


# -- 5. Any precomputed embeddings ---------------------------------------------
def _blobs(n=300, d=8, dtype=np.float64, seed=0):
    X, _ = make_blobs(n, n_features=d, centers=6, random_state=seed)
    return np.round(X).astype(dtype)  # integer values: exact in every float


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_float_dtypes(dtype):
    X = _blobs(dtype=dtype)
    sampler = _sampler(budget=30, n_cores=6).fit(X)
    out = sampler.transform(X)
    assert out.dtype == dtype
    assert_array_equal(out, X[sampler.selected_indices_])
    assert sampler.selected_embeddings_.dtype == (
        np.float64 if dtype == np.float64 else np.float32)
    assert np.isfinite(sampler.score(X))
    # Integer-valued data is exact in every precision: same selection.
    reference = _sampler(budget=30, n_cores=6).fit(X.astype(np.float64))
    assert_array_equal(sampler.selected_indices_, reference.selected_indices_)


@pytest.mark.parametrize("column_dtype", ["float16", "float32", "Float32",
                                          "float32[pyarrow]"])
def test_dataframe_of_single_precision_columns_computes_in_float32(column_dtype):
    # As for a float16 or float32 array: a frame of such columns is not
    # promoted to a float64 copy twice its size.
    pd = pytest.importorskip("pandas")
    if "pyarrow" in column_dtype:
        pytest.importorskip("pyarrow")
    X = _blobs()
    frame = pd.DataFrame(X.astype(np.float32)).astype(column_dtype)
    sampler = _sampler(budget=30, n_cores=6).fit(frame)
    assert sampler.selected_embeddings_.dtype == np.float32
    reference = _sampler(budget=30, n_cores=6).fit(X.astype(np.float32))
    assert_array_equal(sampler.selected_indices_, reference.selected_indices_)
    # One double column is enough for float64.
    mixed = frame.astype({0: "float64"})
    assert _sampler(budget=30, n_cores=6).fit(mixed).selected_embeddings_.dtype == (
        np.float64)


def test_lists_and_array_likes():
    X = _blobs(n=120)
    reference = _sampler(budget=20, n_cores=4).fit(X)

    class ArrayLike:  # only __array__, no shape nor len
        def __init__(self, data):
            self.data = data

        def __array__(self, dtype=None, copy=None):
            return np.asarray(self.data, dtype=dtype)

    for data in (X.tolist(), ArrayLike(X)):
        sampler = _sampler(budget=20, n_cores=4).fit(data)
        assert_array_equal(sampler.selected_indices_, reference.selected_indices_)
        assert_array_equal(sampler.transform(data), X[reference.selected_indices_])
        assert_array_equal(sampler.fit_transform(data), X[reference.selected_indices_])


def test_read_only_memmap_is_not_copied(tmp_path):
    from sklearn_bilaf.base import validate_pool

    X, labels = make_blobs(8000, n_features=512, centers=80, random_state=0)
    np.save(tmp_path / "X.npy", X.astype(np.float32))
    Xm = np.load(tmp_path / "X.npy", mmap_mode="r")
    assert not Xm.flags.writeable
    # Validation hands the memory map on as it is.
    assert np.shares_memory(validate_pool(BiLAFSampler(5), Xm), Xm)
    cores = np.array([np.flatnonzero(labels == c)[0] for c in range(80)])
    sampler = BiLAFSampler(200, core_selector=cores, random_state=0)
    # Loads (or compiles) the kernels outside the measurement: run first in
    # its process, the test counted numba's own allocations.
    BiLAFSampler(20, core_selector=np.arange(4), random_state=0).fit(Xm[:400])
    with config_context(working_memory=1):
        _, peak = traced_peak(lambda: sampler.fit(Xm))
    # Nothing close to a copy of the 16 MB pool was ever held.
    assert peak < Xm.nbytes / 3
    out = sampler.transform(Xm)
    assert type(out) is np.ndarray and out.dtype == np.float32
    assert_array_equal(out, np.asarray(Xm)[sampler.selected_indices_])
    assert sampler.selected_embeddings_.dtype == np.float32
    assert np.isfinite(sampler.score(Xm))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scaling_exponent_does_not_copy_the_cores(tmp_path, monkeypatch, dtype):
    """Between stage 2 and the per-class stages, the power of two that a
    Euclidean pool of tiny values is scaled by (0 for this one) was found
    on a float64 copy of the cores' rows (and their gathered copy): three
    times the cores' float32 size held for nothing."""
    import sklearn_bilaf.sampler as sampler_module

    rng = np.random.default_rng(0)
    np.save(tmp_path / "X.npy", rng.normal(size=(1800, 384)).astype(dtype))
    Xm = np.load(tmp_path / "X.npy", mmap_mode="r")
    cores = np.sort(rng.choice(1800, 1200, replace=False))
    cores_bytes = cores.size * Xm.shape[1] * Xm.itemsize
    held, peaks = [], []
    members_by_class = sampler_module._members_by_class
    class_work = sampler_module._class_work

    def members_then_reset(*args):
        result = members_by_class(*args)
        tracemalloc.reset_peak()
        held.append(tracemalloc.get_traced_memory()[0])
        return result

    def peak_then_work(*args):
        peaks.append(tracemalloc.get_traced_memory()[1] - held[-1])
        return class_work(*args)

    monkeypatch.setattr(sampler_module, "_members_by_class", members_then_reset)
    monkeypatch.setattr(sampler_module, "_class_work", peak_then_work)
    sampler = BiLAFSampler(1300, core_selector=cores, random_state=0)
    traced_peak(lambda: sampler.fit(Xm))
    assert len(peaks) == 1
    assert peaks[0] < cores_bytes / 3



@pytest.mark.parametrize("dtype", [np.uint8, np.int64, bool])
def test_transform_does_not_convert_an_integer_pool_whole(tmp_path, dtype):
    """transform converted an integer or bool pool (a memory map of uint8
    pixels, say) whole to float64 just to check it: eight times a uint8
    pool's size."""
    X = np.random.RandomState(0).randint(0, 2 if dtype is bool else 200,
                                         size=(4000, 256)).astype(dtype)
    np.save(tmp_path / "X.npy", X)
    Xm = np.load(tmp_path / "X.npy", mmap_mode="r")
    sampler = _sampler(budget=40, n_cores=8).fit(Xm)
    tracemalloc.start()
    try:
        out = sampler.transform(Xm)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < Xm.nbytes
    assert type(out) is np.ndarray and out.dtype == dtype
    assert_array_equal(out, X[sampler.selected_indices_])
    # Still refused: other rows, other features, another pool.
    with pytest.raises(ValueError, match="X has 3999 rows"):
        sampler.transform(Xm[1:])
    with pytest.raises(ValueError, match="X has 255 features"):
        sampler.transform(Xm[:, 1:])
    with pytest.raises(ValueError, match="selected rows of X differ"):
        sampler.transform(np.asarray(Xm[::-1]))

def test_activeft_random_start_does_not_copy_a_memmap_whole(tmp_path):
    """The documented way around the k-means start's copies: ActiveFT from
    random samples reads the pool in chunks bounded by working_memory (the
    per-class stages after it are checked above)."""
    from sklearn_bilaf.core import ActiveFTSelector

    X = make_blobs(8000, n_features=512, centers=80, random_state=0)[0]
    np.save(tmp_path / "X.npy", X.astype(np.float32))
    Xm = np.load(tmp_path / "X.npy", mmap_mode="r")

    def fit(X):
        return ActiveFTSelector(80, init="random", max_iter=5,
                                random_state=0).fit(X, budget=200)

    fit(Xm[:500])  # compiles the kernels outside the measurement
    with config_context(working_memory=1):
        tracemalloc.start()
        try:
            fit(Xm)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < Xm.nbytes / 3



def _memmap_copying_selectors():
    from sklearn_bilaf.baselines import ProbCoverSelector, TypiClustSelector
    from sklearn_bilaf.core import FarthestPointSelector, KMeansSelector

    # (selector, whether it copies the pool whole)
    return [
        (KMeansSelector(20, n_init=1, random_state=0), True),
        (TypiClustSelector(20, random_state=0), True),
        # k-means chooses the radius.
        (ProbCoverSelector(20, random_state=0), True),
        # The balls of a cosine geometry are those of the normalised rows.
        (ProbCoverSelector(20, radius=0.1, metric="cosine", random_state=0), True),
        (ProbCoverSelector(20, radius=2.0, random_state=0), False),
        (FarthestPointSelector(20, random_state=0), False),
        (RandomSelector(20, random_state=0), False),
    ]


@pytest.mark.parametrize("selector, copies", _memmap_copying_selectors(),
                         ids=lambda p: repr(p) if not isinstance(p, bool) else "")
def test_core_selectors_that_copy_a_memmap_say_so(tmp_path, selector, copies):
    """The user guide's "Inputs left alone" lists the core stages that copy
    a memory-mapped pool whole, and their docstrings say so: TypiClust and
    ProbCover (k-means inside, or a normalised copy for "cosine") copy it
    too, and neither said so."""
    import re
    from pathlib import Path

    X = make_blobs(4000, n_features=256, centers=80, random_state=0)[0]
    np.save(tmp_path / "X.npy", X.astype(np.float32))
    Xm = np.load(tmp_path / "X.npy", mmap_mode="r")
    clone(selector).fit(Xm[:400])  # compiles the kernels outside the measurement
    with config_context(working_memory=1):
        tracemalloc.start()
        try:
            clone(selector).fit(Xm)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert (peak > Xm.nbytes) == copies, peak / Xm.nbytes
    if copies:
        name = type(selector).__name__
        doc = " ".join(type(selector).__doc__.split())
        assert "copies a memory-mapped pool whole" in doc
        guide = (Path(__file__).resolve().parents[1] / "doc" / "user_guide.rst"
                 ).read_text(encoding="utf-8")
        left_alone = " ".join(re.search(r"\*\*Inputs left alone\.\*\*(.*?)\n- ",
                                        guide, re.S).group(1).split())
        assert name in left_alone


def test_probcover_says_which_pools_its_k_d_tree_copies(tmp_path, monkeypatch):
    """ProbCover's docstring said that below 16 features the k-d tree of its
    radius search holds a float64 copy of any pool: a C-contiguous float64
    one (a memory-mapped .npy) is used in place, a float32 one copied."""
    from sklearn.neighbors import NearestNeighbors

    from sklearn_bilaf import baselines
    from sklearn_bilaf.baselines import ProbCoverSelector

    searches = []

    class Recorded(NearestNeighbors):
        def fit(self, X, y=None):
            searches.append(self)
            return super().fit(X, y)

    monkeypatch.setattr(baselines, "NearestNeighbors", Recorded)
    X = make_blobs(600, n_features=8, centers=5, random_state=0)[0]
    for dtype, copied in ((np.float64, False), (np.float32, True)):
        np.save(tmp_path / "X.npy", X.astype(dtype))
        Xm = np.load(tmp_path / "X.npy", mmap_mode="r")
        searches.clear()
        ProbCoverSelector(n_cores=10, radius=1.0, random_state=0).fit(Xm)
        (search,) = searches
        assert search._fit_method == "kd_tree"
        assert np.shares_memory(np.asarray(search._tree.data), Xm) != copied
    doc = " ".join(ProbCoverSelector.__doc__.split())
    assert "its k-d tree holds a float64 copy of a float32 pool" in doc
    assert "float64 copy of any pool" not in doc


def test_read_only_memmap_through_the_meta_estimators(tmp_path, small_digits):
    X, y = small_digits
    np.save(tmp_path / "X.npy", X.astype(np.float32))
    Xm = np.load(tmp_path / "X.npy", mmap_mode="r")
    clf = LabelBudgetClassifier(_sampler(), _lr()).fit(Xm, y)
    assert clf.predict(Xm).shape == (600,)
    np.save(tmp_path / "y.npy", y)
    ym = np.load(tmp_path / "y.npy", mmap_mode="r")
    X_res, y_res = SubsetResampler(_sampler()).fit_resample(Xm, ym)
    assert type(X_res) is np.ndarray and X_res.dtype == np.float32
    assert_array_equal(X_res, X[clf.selected_indices_])
    # As fit_resample's docstring says: in-memory rows, not a read-only map.
    assert type(y_res) is np.ndarray and y_res.dtype == y.dtype
    assert X_res.flags.writeable and y_res.flags.writeable
    assert not np.shares_memory(X_res, Xm)


def test_cosine_metric():
    X = _blobs(n=200) + 20.0  # away from the origin: angles differ
    euclid = _sampler(budget=30, n_cores=6).fit(X)
    cosine = _sampler(budget=30, n_cores=6, metric="cosine").fit(X)
    assert np.unique(cosine.selected_indices_).size == 30
    # Cosine is scale-free per row: rescaling the rows changes nothing.
    scales = np.random.RandomState(0).uniform(0.5, 3.0, size=(200, 1))
    rescaled = _sampler(budget=30, n_cores=6, metric="cosine").fit(X * scales)
    assert_array_equal(rescaled.selected_indices_, cosine.selected_indices_)
    assert not np.array_equal(
        _sampler(budget=30, n_cores=6).fit(X * scales).selected_indices_,
        euclid.selected_indices_)


# -- 7. Nested parameters ------------------------------------------------------
def _staged():
    return BiLAFSampler(
        budget=60,
        core_selector=RandomSelector(n_cores=12),
        denoiser=IDCDenoiser(removal_rate=0.1),
        boundary_selector=BoundarySelector(penalty=1.1),
        random_state=0,
    )


def test_nested_params_are_reachable(small_digits):
    X, _ = small_digits
    sampler = _staged()
    params = sampler.get_params(deep=True)
    for key in ["denoiser__removal_rate", "boundary_selector__penalty",
                "core_selector__n_cores", "denoiser__n_neighbors",
                "boundary_selector__strategy"]:
        assert key in params
    sampler.set_params(denoiser__removal_rate=0.3, boundary_selector__penalty=1.5,
                       core_selector__n_cores=8)
    copy = clone(sampler)
    assert copy.get_params(deep=True)["denoiser__removal_rate"] == 0.3
    assert copy.denoiser is not sampler.denoiser
    copy.fit(X)
    assert copy.denoiser_.removal_rate == 0.3
    assert copy.boundary_selector_.penalty == 1.5
    assert copy.n_cores_ == 8
    # The original stage objects are not fitted nor changed.
    assert not hasattr(sampler.core_selector, "selected_indices_")


def test_nested_params_through_the_meta_estimators():
    clf = LabelBudgetClassifier(_staged(), _lr())
    params = clf.get_params(deep=True)
    assert params["sampler__denoiser__removal_rate"] == 0.1
    assert params["estimator__C"] == 1.0
    clf.set_params(sampler__boundary_selector__penalty=2.0)
    assert clf.sampler.boundary_selector.penalty == 2.0
    resampler = SubsetResampler(_staged())
    assert "sampler__core_selector__n_cores" in resampler.get_params(deep=True)


def test_default_stages_have_no_nested_params():
    """Defaults of None are resolved at fit time: pass the stage objects
    explicitly to tune their hyperparameters."""
    sampler = BiLAFSampler(budget=10)
    assert not any("__" in key for key in sampler.get_params(deep=True))
    with pytest.raises(ValueError, match="Invalid parameter.*denoiser=IDCDenoiser"):
        sampler.set_params(denoiser__removal_rate=0.2)
    with pytest.raises(ValueError, match="Invalid parameter.*core_selector="):
        GridSearchCV(sampler, {"core_selector__n_cores": [2, 3]},
                     error_score="raise").fit(np.random.RandomState(0).rand(60, 3))
    # Giving the stage in the same call works.
    sampler.set_params(denoiser=IDCDenoiser(), denoiser__removal_rate=0.2)
    assert sampler.denoiser.removal_rate == 0.2


@pytest.mark.parametrize("stage, module, cls", [
    ("core_selector", "core", "ActiveFTSelector"),
    ("denoiser", "denoise", "IDCDenoiser"),
    ("boundary_selector", "boundary", "BoundarySelector"),
])
def test_default_stage_refusal_says_where_the_stage_comes_from(stage, module, cls):
    """The advised stage class is not exported by sklearn_bilaf itself: the
    message names its module, or the advice ends in an ImportError."""
    with pytest.raises(ValueError, match=(
            rf"{stage}=None has no parameters.*"
            rf"from sklearn_bilaf\.{module} import {cls}, then.*{stage}={cls}\(")):
        BiLAFSampler(budget=10).set_params(**{f"{stage}__x": 1})
    # The import the message advises works.
    assert hasattr(importlib.import_module(f"sklearn_bilaf.{module}"), cls)


@pytest.mark.parametrize("stage, name, module, call", [
    ("core_selector", "kmeans", "core", "KMeansSelector()"),
    ("core_selector", "fds", "core", "FarthestPointSelector()"),
    ("core_selector", "activeft", "core", "ActiveFTSelector(init='auto')"),
    ("denoiser", "idc", "denoise", "IDCDenoiser()"),
    ("denoiser", "distance", "denoise", "DistanceDenoiser()"),
    ("boundary_selector", "one-shot", "boundary",
     "BoundarySelector(strategy='one-shot')"),
])
def test_the_commands_stage_names_are_refused_with_their_class(
        stage, name, module, call):
    """denoiser="none" is a valid string, so the bilaf command's other names
    (--denoiser idc, --core-selector kmeans, --strategy one-shot) look valid
    too; the refusal
    says which object they stand for and where to import it from."""
    from sklearn.utils._param_validation import InvalidParameterError

    _assert_refused_with_the_object(stage, f"the bilaf command's name '{name}': ",
                                    name, module, call)
    # Other strings keep scikit-learn's message.
    with pytest.raises(InvalidParameterError,
                       match=rf"The '{stage}' parameter of BiLAFSampler must be None"):
        BiLAFSampler(budget=10, **{stage: "foo"}).fit(np.eye(20))



@pytest.mark.parametrize("stage, name, module, call", [
    ("core_selector", "paper", "core", "ActiveFTSelector(n_cores='paper')"),
    ("denoiser", "paper", "denoise", "IDCDenoiser(variant='paper')"),
    ("denoiser", "published", "denoise", "IDCDenoiser(variant='published')"),
    ("boundary_selector", "paper", "boundary", "BoundarySelector()"),
])
def test_the_papers_setting_asked_for_by_name_is_refused_with_its_object(
        stage, name, module, call):
    """core_selector="paper" (the command's -k paper; --variant paper and
    published for IDC) was refused with scikit-learn's "must be None, an
    array-like or an object implementing 'fit'", which does not say how to
    ask for the paper's setting; the refusal now writes out the object."""
    _assert_refused_with_the_object(stage, f"'{name}': .*", name, module, call)


@pytest.mark.parametrize("stage, name, module, call", [
    ("denoiser", "idc", "denoise", "IDCDenoiser()"),
    ("boundary_selector", "one-shot", "boundary",
     "BoundarySelector(strategy='one-shot')"),
    ("core_selector", "paper", "core", "ActiveFTSelector(n_cores='paper')"),
])
def test_stage_names_read_from_an_array_are_quoted_as_strings(
        stage, name, module, call):
    # A numpy string was quoted as np.str_('one-shot') under numpy 2, in the
    # refusal and in the call it advises.
    _assert_refused_with_the_object(stage, f"(the bilaf command's name )?'{name}': "
                                    r"(for .*, )?", np.str_(name), module, call)


def _assert_refused_with_the_object(stage, said, name, module, call):
    """BiLAFSampler(**{stage: name}) is refused with advice to pass ``call``
    imported from sklearn_bilaf.<module> (``said``: the regex between "not "
    and that advice), and the advice works."""
    from sklearn.utils._param_validation import InvalidParameterError

    cls = call.partition("(")[0]
    with pytest.raises(InvalidParameterError, match=(
            rf"The '{stage}' parameter of BiLAFSampler must be an object, not "
            rf"{said}from sklearn_bilaf\.{module} import {cls}, then "
            rf"BiLAFSampler\(\.\.\., {stage}={re.escape(call)}\)")):
        BiLAFSampler(budget=10, **{stage: name}).fit(np.eye(20))
    namespace = {cls: getattr(importlib.import_module(f"sklearn_bilaf.{module}"),
                              cls)}
    sampler = BiLAFSampler(budget=10, random_state=0, **{stage: eval(call, namespace)})
    sampler.fit(np.random.RandomState(0).rand(40, 3))  # the advice works


_STAGES = {"core_selector": ActiveFTSelector(), "denoiser": IDCDenoiser(),
           "boundary_selector": BoundarySelector()}


@pytest.mark.parametrize("key, stage, cls", [
    ("n_cores", "core_selector", "ActiveFTSelector"),
    ("init", "core_selector", "ActiveFTSelector"),
    ("removal_rate", "denoiser", "IDCDenoiser"),
    ("penalty", "boundary_selector", "BoundarySelector"),
])
def test_a_stage_parameter_given_to_the_sampler_names_its_stage(key, stage, cls):
    """n_cores, the CLI's -k, is a natural first guess for the sampler (in a
    grid: bilafsampler__n_cores); scikit-learn's refusal only listed the
    sampler's own parameters."""
    sampler = BiLAFSampler(budget=10)
    pattern = (rf"Invalid parameter '{key}' for estimator BiLAFSampler.*"
               rf"a parameter of the {stage.replace('_', ' ')} stage.*"
               rf"{stage}__{key}.*{stage}={cls}\(")
    with pytest.raises(ValueError, match=pattern):
        sampler.set_params(**{key: 1})
    pipe = make_pipeline(StandardScaler(), sampler)
    with pytest.raises(ValueError, match=pattern):
        GridSearchCV(pipe, {f"bilafsampler__{key}": [1]},
                     error_score="raise").fit(np.random.RandomState(0).rand(60, 3))
    # A stage given as an object takes its own parameters.
    given = BiLAFSampler(budget=10, **{stage: clone(_STAGES[stage])})
    with pytest.raises(ValueError, match=(
            rf"'{key}'.*Set it on the {type(_STAGES[stage]).__name__} you "
            rf"passed, or tune it as {stage}__{key}\.")):
        given.set_params(**{key: 1})
    given.set_params(**{f"{stage}__{key}": _STAGES[stage].get_params()[key]})
    # Unknown keys that no stage has keep scikit-learn's own message.
    with pytest.raises(ValueError, match=r"Invalid parameter 'foo'.*Valid "
                       r"parameters are") as caught:
        sampler.set_params(foo=1)
    assert "stage" not in str(caught.value)


@pytest.mark.parametrize("key", ["n_cores", "foo"])
def test_an_unknown_key_with_a_stage_given_as_a_class_keeps_the_message(key):
    """A stage given as a class (refused by fit, with its own message) made
    every unknown key's refusal fail in the class's unbound get_params: a
    TypeError about a missing 'self'."""
    sampler = BiLAFSampler(budget=10, core_selector=ActiveFTSelector)
    with pytest.raises(ValueError, match=rf"Invalid parameter '{key}' for "
                                         r"estimator BiLAFSampler"):
        sampler.set_params(**{key: 3})
    with pytest.raises(ValueError, match=rf"Invalid parameter '{key}'"):
        BiLAFSampler(budget=10).set_params(core_selector=ActiveFTSelector,
                                           **{key: 3})


def test_html_repr_shows_the_stages():
    html = estimator_html_repr(LabelBudgetClassifier(_staged(), _lr()))
    texts = ["LabelBudgetClassifier", "BiLAFSampler", "RandomSelector",
             "IDCDenoiser", "BoundarySelector", "LogisticRegression"]
    # scikit-learn 1.7 added a table of every parameter to each block; there,
    # unchanged defaults appear only in the stages' own blocks.
    if "max_iter" in estimator_html_repr(LogisticRegression()):
        texts += ["ring_fraction", "n_neighbors", "strategy"]
    for text in texts:
        assert text in html, text


def test_budget_one_above_the_fold_is_refused_early_for_budget_and_n_cores():
    # The early check refuses an int count above the rows available (not only
    # far above), for a sampler's budget and for a core selector's n_cores.
    X = np.random.RandomState(0).normal(size=(10, 3))
    y = np.arange(10) % 2
    for sampler, name in ((BiLAFSampler(11, core_selector=RandomSelector(1)),
                           "budget"),
                          (RandomSelector(n_cores=11), "n_cores")):
        with pytest.raises(ValueError, match=rf"{name}=11 is larger than the 10"):
            LabelBudgetClassifier(sampler, LogisticRegression()).fit(X, y)


def test_a_duration_for_budget_is_left_to_the_samplers_own_check():
    """numpy counts a timedelta64 as an Integral: the early check took one
    for a count of rows, "budget=500 generic time units is larger than the
    10 samples"; the sampler's own check says what a budget must be."""
    X = np.random.RandomState(0).normal(size=(10, 3))
    y = np.arange(10) % 2
    for sampler, name in ((BiLAFSampler(np.timedelta64(500),
                                        core_selector=RandomSelector(1)), "budget"),
                          (RandomSelector(n_cores=np.timedelta64(11)), "n_cores")):
        for meta in (LabelBudgetClassifier(sampler, LogisticRegression()),
                     SubsetResampler(sampler)):
            fit = getattr(meta, "fit_resample", meta.fit)
            with pytest.raises(ValueError, match=rf"The '{name}' parameter of "
                                                 rf"{type(sampler).__name__} "
                                                 "must be .*an int in the "
                                                 r"range \[1, inf\)"):
                fit(X, y)


def test_budget_above_the_fold_is_refused_early_for_a_pipeline_sampler():
    """A Pipeline ending with the sampler (documented as a sampler) gets the
    same early refusal, naming the fold: the check reads the budget of the
    pipeline's last step, not the pipeline's own parameters (which have
    none)."""
    X = np.random.RandomState(0).normal(size=(10, 3))
    y = np.arange(10) % 2
    sampler = make_pipeline(StandardScaler(),
                            BiLAFSampler(11, core_selector=RandomSelector(1)))
    match = r"budget=11 is larger than the 10 samples .*cross-validation"
    with pytest.raises(ValueError, match=match):
        LabelBudgetClassifier(sampler, LogisticRegression()).fit(X, y)
    with pytest.raises(ValueError, match=match):
        SubsetResampler(sampler).fit_resample(X, y)


def test_meta_estimators_on_an_empty_pool_say_it_is_empty():
    """An empty X was told that the budget exceeds its 0 samples and to lower
    the budget, which cannot help."""
    X = np.zeros((0, 3))
    for fit in (lambda: SubsetResampler(BiLAFSampler(5)).fit_resample(X),
                lambda: LabelBudgetClassifier(BiLAFSampler(5),
                                              LogisticRegression()).fit(
                                                  X, np.zeros(0, dtype=int))):
        with pytest.raises(ValueError, match=r"0 sample\(s\) \(shape=\(0, 3\)\)"):
            fit()


def test_meta_estimators_refuse_a_classifier_as_sampler(small_digits):
    """Swapped arguments (classifier first) get an error that says so, not
    the classifier's own "fit() missing ... 'y'" from inside the fit."""
    X, y = small_digits
    with pytest.raises(TypeError, match=r"sampler=LogisticRegression\(\) is a "
                       r"classifier.*LabelBudgetClassifier\(sampler, estimator\)"):
        LabelBudgetClassifier(_lr(), _sampler()).fit(X, y)
    with pytest.raises(TypeError, match="is a classifier, not a sampler"):
        LabelBudgetClassifier(make_pipeline(StandardScaler(), _lr()),
                              _lr()).fit(X, y)
    with pytest.raises(TypeError, match=r"sampler=LogisticRegression\(\) is a "
                       "classifier, not a sampler"):
        SubsetResampler(_lr()).fit_resample(X, y)


def test_meta_estimators_refuse_a_regressor_as_sampler(small_digits):
    """A regressor as the sampler is refused as a classifier is, saying it
    is one (the check covers both): its fit failed with "missing ... 'y'"
    from inside the fit."""
    from sklearn.linear_model import Ridge

    X, y = small_digits
    with pytest.raises(TypeError, match=r"sampler=Ridge\(\) is a regressor, "
                       r"not a sampler.*LabelBudgetClassifier\(sampler, "
                       r"estimator\)"):
        LabelBudgetClassifier(Ridge(), _lr()).fit(X, y)
    with pytest.raises(TypeError, match=r"sampler=Pipeline\(\) is a regressor, "
                       "not a sampler"):
        SubsetResampler(make_pipeline(StandardScaler(), Ridge())).fit_resample(X, y)


def test_label_budget_classifier_refuses_an_estimator_that_cannot_predict(
        small_digits):
    # A sampler as the estimator was fitted silently, leaving a "classifier"
    # without predict or classes_.
    X, y = small_digits
    with pytest.raises(TypeError, match=r"estimator=BiLAFSampler\(\) has no "
                       "predict"):
        LabelBudgetClassifier(_sampler(), BiLAFSampler(10)).fit(X, y)
    # A pipeline ending with a classifier predicts.
    clf = LabelBudgetClassifier(_sampler(),
                                make_pipeline(StandardScaler(), _lr()))
    assert clf.fit(X, y).predict(X).shape == (len(X),)


class _DuckSampler:
    """A sampler without scikit-learn's base classes (no estimator tags)."""

    def __init__(self, n=40):
        self.n = n

    def get_params(self, deep=True):
        return {"n": self.n}

    def set_params(self, **params):
        self.n = params.get("n", self.n)
        return self

    def fit(self, X, y=None):
        self.selected_indices_ = np.arange(self.n)
        return self


def test_meta_estimators_take_a_sampler_without_estimator_tags(small_digits):
    """'any estimator whose fit(X) sets selected_indices_': one without
    scikit-learn's tags (no BaseEstimator) failed in __sklearn_tags__."""
    X, y = small_digits
    clf = LabelBudgetClassifier(_DuckSampler(), _lr()).fit(X, y)
    assert_array_equal(clf.selected_indices_, np.arange(40))
    X_res, y_res = SubsetResampler(_DuckSampler(30)).fit_resample(X, y)
    assert X_res.shape == (30, X.shape[1])
    assert_array_equal(y_res, y[:30])



def test_meta_estimators_refuse_a_class_before_selecting(small_digits):
    """A class has fit, so parameter validation let it through; as the
    sampler it failed with "get_params() missing 1 required positional
    argument: 'self'", as the estimator only after the selection ran."""
    from sklearn.utils._param_validation import InvalidParameterError

    X, y = small_digits
    with pytest.raises(InvalidParameterError, match=r"sampler=BiLAFSampler is "
                       r"a class; pass an instance: "
                       r"sampler=BiLAFSampler\(budget=\.\.\.\)"):
        LabelBudgetClassifier(BiLAFSampler, _lr()).fit(X, y)
    with pytest.raises(InvalidParameterError, match=r"sampler=BiLAFSampler is "
                       "a class"):
        SubsetResampler(BiLAFSampler).fit_resample(X, y)

    class _CountingSampler(_DuckSampler):
        fits = 0

        def fit(self, X, y=None):
            type(self).fits += 1
            return super().fit(X, y)

    with pytest.raises(InvalidParameterError, match=r"estimator="
                       r"LogisticRegression is a class; pass an instance: "
                       r"estimator=LogisticRegression\(\)"):
        LabelBudgetClassifier(_CountingSampler(), LogisticRegression).fit(X, y)

    class _NoParamsClassifier:
        def fit(self, X, y):
            return self

        def predict(self, X):
            return np.zeros(len(X))

    with pytest.raises(TypeError, match="get_params"):
        LabelBudgetClassifier(_CountingSampler(),
                              _NoParamsClassifier()).fit(X, y)
    assert _CountingSampler.fits == 0

def test_a_class_with_keyword_only_parameters_is_written_with_them():
    """The advice for a class given as the sampler names the parameters its
    __init__ requires, keyword-only ones too: ``Sampler()`` would fail."""
    from sklearn.utils._param_validation import InvalidParameterError

    class _KeywordSampler(_DuckSampler):
        def __init__(self, *, budget, metric="euclidean"):
            self.budget = budget

    X, y = np.zeros((10, 2)), np.arange(10) % 2
    with pytest.raises(InvalidParameterError, match=r"pass an instance: "
                       r"sampler=_KeywordSampler\(budget=\.\.\.\)\.$"):
        LabelBudgetClassifier(_KeywordSampler, _lr()).fit(X, y)


class _FloatIndexSampler(_DuckSampler):
    """Sets selected_indices_ to something other than 1-D row numbers."""

    def fit(self, X, y=None):
        self.selected_indices_ = (np.arange(self.n, dtype=float) if self.n
                                  else np.zeros((2, 3), dtype=int))
        return self


class _ScalarIndexSampler(_DuckSampler):
    """Sets selected_indices_ to a single row number, not an array of them."""

    def fit(self, X, y=None):
        self.selected_indices_ = np.intp(self.n)
        return self


@pytest.mark.parametrize("sampler, match", [
    (_FloatIndexSampler(40), r"got float64 of shape \(40,\)"),
    (_FloatIndexSampler(0), r"got int\d+ of shape \(2, 3\)"),
    # 0-d: SubsetResampler's sample_indices_ (documented of shape
    # (n_selected,)) would be a scalar, and fit_resample would return one
    # row as a 1-D array.
    (_ScalarIndexSampler(3), r"got int\d+ of shape \(\)"),
])
def test_meta_estimators_refuse_selected_indices_that_are_not_row_numbers(
        small_digits, sampler, match):
    X, y = small_digits
    match = r"selected_indices_ must be a 1-D array of row numbers; " + match
    with pytest.raises(ValueError, match=match):
        LabelBudgetClassifier(sampler, _lr()).fit(X, y)
    with pytest.raises(ValueError, match=match):
        SubsetResampler(sampler).fit(X, y)
    with pytest.raises(ValueError, match=match):
        SubsetResampler(sampler).fit_resample(X, y)



class _OutOfRangeSampler(_DuckSampler):
    """Sets selected_indices_ to row numbers outside the pool."""

    def fit(self, X, y=None):
        self.selected_indices_ = np.array([0, 1, self.n])
        return self


@pytest.mark.parametrize("bad", [-1, 600, 10**6])
def test_meta_estimators_refuse_selected_indices_outside_the_pool(
        small_digits, bad):
    # -1 silently trained on the last row; 600 failed with a bare IndexError.
    X, y = small_digits
    match = (rf"_OutOfRangeSampler set selected_indices_ outside the pool of "
             rf"600 rows \(e.g. \[{bad}\]\).*from 0 to 599")
    with pytest.raises(ValueError, match=match):
        LabelBudgetClassifier(_OutOfRangeSampler(bad), _lr()).fit(X, y)
    with pytest.raises(ValueError, match=match):
        SubsetResampler(_OutOfRangeSampler(bad)).fit_resample(X, y)

def test_meta_estimators_refuse_a_pipeline_that_resamples_before_its_sampler(
        small_digits):
    """An imbalanced-learn pipeline whose sampler selects from rows another
    step resampled: its selected_indices_ number those rows, not X's, and
    the wrong rows of X were silently used."""
    imblearn_pipeline = pytest.importorskip("imblearn.pipeline")
    X, y = small_digits
    sampler = imblearn_pipeline.make_pipeline(
        SubsetResampler(RandomSelector(0.5, random_state=0)), _sampler(30, 6))
    match = (r"selected from a pool of 300 rows, but X has 600.*number the "
             r"rows a step before it passed on")
    with pytest.raises(ValueError, match=match):
        LabelBudgetClassifier(sampler, _lr()).fit(X, y)
    with pytest.raises(ValueError, match=match):
        SubsetResampler(sampler).fit_resample(X, y)


def test_label_budget_classifier_refuses_a_regressor_as_estimator(small_digits):
    """A regressor trained on the selected labels made a "classifier" whose
    predictions were numbers and that had no classes_ (documented)."""
    from sklearn.linear_model import LinearRegression
    from sklearn.utils._param_validation import InvalidParameterError

    X, y = small_digits
    with pytest.raises(InvalidParameterError,
                       match=r"estimator=LinearRegression\(\) is a regressor"):
        LabelBudgetClassifier(_sampler(), LinearRegression()).fit(X, y)


class _DuckClassifier:
    """A classifier without scikit-learn's base classes and without classes_."""

    def get_params(self, deep=True):
        return {}

    def set_params(self, **params):
        return self

    def fit(self, X, y):
        self.label_ = np.asarray(y)[0]
        return self

    def predict(self, X):
        return np.full(len(X), self.label_)


def test_label_budget_classifier_has_only_the_estimators_methods():
    """predict_proba, predict_log_proba and decision_function exist "when the
    estimator has" them (documented), each by its own method: a classifier
    with predict but without decision_function gives none."""
    from sklearn.dummy import DummyClassifier
    from sklearn.svm import SVC

    for estimator, missing in ((DummyClassifier(), ["decision_function"]),
                               (SVC(), ["predict_proba", "predict_log_proba"]),
                               (_lr(), [])):
        clf = LabelBudgetClassifier(_sampler(), estimator)
        for method in ("predict_proba", "predict_log_proba", "decision_function"):
            assert hasattr(clf, method) is (method not in missing), (
                type(estimator).__name__, method)


def test_label_budget_classifier_has_classes_with_any_classifier(small_digits):
    """classes_ (documented) exists after fit also when the estimator has
    none of its own: the labels of the selected rows."""
    X, y = small_digits
    clf = LabelBudgetClassifier(_sampler(), _DuckClassifier()).fit(X, y)
    assert_array_equal(clf.classes_, np.unique(y[clf.selected_indices_]))


def test_package_lists_and_loads_its_lazy_names():
    """The names imported on first use are listed by dir() (for tab
    completion) before they are loaded, and an unknown name is an
    AttributeError naming it."""
    import sklearn_bilaf

    names = dir(sklearn_bilaf)
    assert set(sklearn_bilaf.__all__) <= set(names)
    assert names == sorted(names)
    assert sklearn_bilaf.SubsetResampler.__module__ == "sklearn_bilaf.meta"
    with pytest.raises(AttributeError, match="module 'sklearn_bilaf' has no "
                                             "attribute 'Nope'"):
        sklearn_bilaf.Nope  # noqa: B018


def test_class_task_lets_go_of_its_gathered_rows():
    """A pseudo-class's task held the rows gathered for it until it ended
    (its arguments), also once the class had let go of them: the cosine
    rows normalised in a float64 copy, the Euclidean ones once X is made.
    Handed over, they are freed then: a float32 class's peak was its rows
    once more (some 8.4 times its rows against 7.4 here)."""
    from threadpoolctl import threadpool_limits

    X = np.random.RandomState(0).normal(size=(3000, 256)).astype(np.float32)

    def fit(X):
        # One thread: the temporaries of concurrent blocks vary from run
        # to run.  A class too large for its matrix: the on-demand rings.
        with threadpool_limits(1), config_context(working_memory=4):
            sampler = BiLAFSampler(20, core_selector=np.array([0]),
                                   metric="cosine", random_state=0)
            tracemalloc.start()
            try:
                sampler.fit(X)
                return sampler, tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

    fit(X[:1000])  # compiled kernels (the rings' too) and imports unmeasured
    sampler, peak = fit(X)
    assert sampler.selected_indices_.size == 20
    assert peak < 7.9 * X.nbytes, peak / X.nbytes
