"""scikit-learn's estimator checks over every estimator of the package.

A sampler's ``transform`` returns the *selected rows* of the pool it was
fitted on, so it changes the number of rows and only accepts that pool.  A few
generic checks assume that ``transform`` keeps the number of rows or can be
applied to other data; they are listed in ``ROW_SELECTION_FAILURES`` with the
reason, and ``test_expected_failures_really_fail`` makes sure each of them
still fails (for that reason) so that the list cannot silently hide anything.
The properties those checks would otherwise cover (fit_transform equals
fit + transform, lists and array-likes, read-only memory maps) are tested
directly in ``test_integration.py``, and a refit's idempotence on the pool
(check_fit_idempotent's property) below.

Stages in cosine geometry (ActiveFT, the default core stage, and
``metric="cosine"``) refuse all-zero rows, which one check's data holds:
``ZERO_ROW_FAILURES``, each with the message that must be the cause.

The generator leaves out scikit-learn's DataFrame, feature-name and
``set_output`` checks (scikit-learn 1.6 to 1.9 call them one by one in their
own test_common.py): ``test_explicit_check`` runs them, with
``PANDAS_OUTPUT_FAILURES`` (the row count again) as strict xfails.
"""

import warnings
from functools import partial

import numpy as np
import pandas as pd
import pytest
from sklearn import config_context
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import LocalOutlierFactor
from sklearn.utils import estimator_checks
from sklearn.utils.estimator_checks import (
    estimator_checks_generator,
    parametrize_with_checks,
)

from sklearn_bilaf import BiLAFSampler, LabelBudgetClassifier, SubsetResampler, core
from sklearn_bilaf.base import SubsetSamplerMixin
from sklearn_bilaf.baselines import ProbCoverSelector, TypiClustSelector
from sklearn_bilaf.boundary import BoundarySelector
from sklearn_bilaf.denoise import (
    DensityDenoiser,
    DistanceDenoiser,
    IDCDenoiser,
    NoDenoiser,
    OutlierDetectorDenoiser,
)

# scikit-learn's checks call fit_transform(X, y); the samplers warn that y
# is ignored (the hint for a sampler in the middle of a Pipeline).
pytestmark = pytest.mark.filterwarnings("ignore:.*fit_transform ignores y")

#: Checks that assume ``transform`` keeps the number of rows or accepts new
#: data; a subset sampler returns the selected rows of its fitted pool only.
ROW_SELECTION_FAILURES = {
    "check_transformer_general": (
        "asserts fit_transform(X) has as many rows as X; a sampler returns "
        "only the selected rows"
    ),
    "check_transformer_data_not_an_array": (
        "same row-count assertion as check_transformer_general, on a list and "
        "a non-array input"
    ),
    "check_methods_sample_order_invariance": (
        "indexes transform(X) with a permutation of X's rows; transform "
        "returns only the selected rows, so the indices run out of range"
    ),
    "check_methods_subset_invariance": (
        "calls transform on batches of the pool; transform accepts only the "
        "whole pool it was fitted on (the selection is a property of the "
        "pool, not of each row)"
    ),
    "check_fit_idempotent": (
        "calls transform on held-out rows; transform accepts only the pool "
        "the sampler was fitted on"
    ),
}

#: Stages in cosine geometry refuse all-zero rows on purpose (they have no
#: direction, so no cosine distance): check_estimators_dtypes casts random
#: data in [0, 3) to int, which makes one row all zeros.  For each stage that
#: refuses first: the reason, and the message test_expected_failures_really_fail
#: requires (so that another error cannot pass for this one).
ZERO_ROW_FAILURES = {
    "activeft": (
        "ActiveFT (a core stage of its own, or the sampler's default core "
        "stage) normalises rows and refuses all-zero rows; the check casts "
        "random data to int, which creates an all-zero row",
        r"Cosine geometry is undefined for all-zero rows; the pool has one "
        r"\(row \d+\)\. ActiveFTSelector ",
    ),
    "metric": (
        "metric='cosine' (stages 2-5, checked before the core stage runs) "
        "refuses all-zero rows; the check casts random data to int, which "
        "creates an all-zero row",
        r"^metric='cosine' is undefined for all-zero rows; the pool has one "
        r"\(row \d+\)",
    ),
    "probcover": (
        "ProbCoverSelector(metric='cosine') balls are those of the normalised "
        "rows and it refuses all-zero rows; the check casts random data to "
        "int, which creates an all-zero row",
        r"Cosine geometry is undefined for all-zero rows; the pool has one "
        r"\(row \d+\)\. ProbCoverSelector\(metric='cosine'\) ",
    ),
}


#: Denoisers are outlier detectors (fit_predict gives 1 / -1); the "no
#: denoising" ablation keeps every sample by design.
NO_DENOISING_FAILURES = {
    "check_outliers_fit_predict": (
        "NoDenoiser is the paper's 'no denoising' ablation: it keeps every "
        "sample, while the check expects some samples flagged -1"
    ),
}


def _sampler(budget=5):
    # A fast core stage; budget <= 20 rows of the smallest multi-row check
    # data (1-sample data gets the documented "only 1 sample" error).
    return BiLAFSampler(budget=budget, core_selector=core.RandomSelector(2),
                        random_state=0)


def _estimators():
    estimators = [
        _sampler(),
        BiLAFSampler(budget=6, core_selector=core.RandomSelector(2),
                     denoiser=DistanceDenoiser(removal_rate=0.2),
                     boundary_selector=BoundarySelector(strategy="one-shot"),
                     random_state=0),
        # The default core stage (ActiveFT from the stratified start), as a
        # user creates the sampler: a budget and nothing else (the checks
        # that compare fits seed random_state themselves).
        BiLAFSampler(budget=5),
        # A random core stage: ActiveFT computes the same whatever the metric
        # (it runs above), and would double this entry's time.
        BiLAFSampler(budget=5, metric="cosine", core_selector=core.RandomSelector(2),
                     random_state=0),
        core.RandomSelector(2, random_state=0),
        # One index, so that it lies inside every check data set (even the
        # 1-sample one); out-of-range indices are tested in test_core.py.
        core.PrecomputedSelector([0]),
        IDCDenoiser(),
        DistanceDenoiser(),
        DensityDenoiser(),
        NoDenoiser(),
        OutlierDetectorDenoiser(LocalOutlierFactor(n_neighbors=5)),
        BoundarySelector(),
        BoundarySelector(penalty=1.0, strategy="one-shot"),
        # 80 % of the rows, so that LogisticRegression always gets two
        # classes: check_fit2d_1feature and scikit-learn 1.6's
        # check_n_features_in_after_fitting have 10 rows, 7 or 6 of them in
        # one class (a selection of half can be a single class).
        LabelBudgetClassifier(_sampler(budget=0.8), LogisticRegression()),
        SubsetResampler(_sampler()),
        LabelBudgetClassifier(BiLAFSampler(budget=0.8), LogisticRegression()),
        SubsetResampler(BiLAFSampler(budget=5)),
        # The cold-start baselines are core selectors too.
        TypiClustSelector(2, random_state=0),
        ProbCoverSelector(2, random_state=0),
        ProbCoverSelector(2, metric="cosine", random_state=0),
    ]
    # The other core selectors (added to core.py separately).
    for name, params in [
        ("ActiveFTSelector", {"n_cores": 2, "random_state": 0}),
        ("KMeansSelector", {"n_cores": 2, "n_init": 1, "random_state": 0}),
        ("FarthestPointSelector", {"n_cores": 2, "random_state": 0}),
    ]:
        if hasattr(core, name):
            estimators.append(getattr(core, name)(**params))
    if hasattr(core, "ClustererSelector"):
        estimators.append(
            core.ClustererSelector(KMeans(2, n_init=1, random_state=0)))
    return estimators


def _zero_row_refusal(estimator):
    """The key of ``ZERO_ROW_FAILURES`` for the stage of ``estimator`` that
    refuses all-zero rows first, or None."""
    if isinstance(estimator, (LabelBudgetClassifier, SubsetResampler)):
        return _zero_row_refusal(estimator.sampler)
    if isinstance(estimator, BiLAFSampler):
        if estimator.metric == "cosine":
            return "metric"
        if estimator.core_selector is None:
            return "activeft"
        return _zero_row_refusal(estimator.core_selector)
    if type(estimator).__name__ == "ActiveFTSelector":
        return "activeft"
    if isinstance(estimator, ProbCoverSelector) and estimator.metric == "cosine":
        return "probcover"
    return None


def _expected_failed_checks(estimator):
    failures = {}
    if isinstance(estimator, SubsetSamplerMixin):
        failures.update(ROW_SELECTION_FAILURES)
    refusal = _zero_row_refusal(estimator)
    if refusal is not None:
        failures["check_estimators_dtypes"] = ZERO_ROW_FAILURES[refusal][0]
    if isinstance(estimator, NoDenoiser):
        failures.update(NO_DENOISING_FAILURES)
    return failures


def _parametrize_with_checks(estimators, **kwargs):
    """scikit-learn's ``parametrize_with_checks`` with its cases as a list:
    scikit-learn 1.6 hands pytest a generator, which pytest deprecates (an
    error from pytest 10)."""
    mark = parametrize_with_checks(estimators, **kwargs)
    names, cases = mark.args
    return pytest.mark.parametrize(names, list(cases), **mark.kwargs)


@_parametrize_with_checks(_estimators(),
                          expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def _check_name(check):
    return check.func.__name__ if isinstance(check, partial) else check.__name__


def _estimator_id(estimator):
    # The whole repr: several entries share a class.
    return " ".join(repr(estimator).split())


@pytest.mark.parametrize(
    "estimator",
    # Every estimator with an expected failure, each listed one checked.
    [e for e in _estimators() if _expected_failed_checks(e)],
    ids=_estimator_id,
)
def test_expected_failures_really_fail(estimator):
    """Every listed failure happens, and for the stated reason."""
    expected = _expected_failed_checks(estimator)
    seen = set()
    for est, check in estimator_checks_generator(estimator, legacy=True,
                                                 mark=None):
        name = _check_name(check)
        if name not in expected:
            continue
        seen.add(name)
        if name in ("check_transformer_general",
                    "check_transformer_data_not_an_array"):
            # The only assertion without a message is the row count one.
            with pytest.raises(AssertionError) as info:
                check(est)
            assert str(info.value) == ""
        elif name == "check_methods_sample_order_invariance":
            with pytest.raises(IndexError, match="out of bounds"):
                check(est)
        elif name in ("check_methods_subset_invariance", "check_fit_idempotent"):
            with pytest.raises(ValueError, match="transform expects the pool"):
                check(est)
        elif name == "check_estimators_dtypes":
            message = ZERO_ROW_FAILURES[_zero_row_refusal(estimator)][1]
            with pytest.raises(ValueError, match=message):
                check(est)
        elif name == "check_outliers_fit_predict":
            # The only labels NoDenoiser gives are 1s; the check wants -1 too.
            # (numpy 2 names the arrays ACTUAL and DESIRED, numpy 1 x and y.)
            with pytest.raises(AssertionError,
                               match=r"(ACTUAL|x): array\(\[1\]\)"):
                check(est)
        else:  # pragma: no cover - a new entry needs its own assertion
            raise AssertionError(f"no assertion written for {name}")
    assert seen == set(expected)


def test_row_count_assertion_is_what_fails():
    """The messageless AssertionError above is the row-count one: with
    transform made row-preserving the same check passes."""
    from sklearn.utils.estimator_checks import check_transformer_general

    class _AllRows(BiLAFSampler):
        def fit(self, X, y=None):
            super().fit(X, y)
            self.selected_indices_ = np.arange(self.n_samples_fit_)
            self.selected_embeddings_ = np.asarray(X)
            return self

    check_transformer_general("_AllRows", _AllRows(budget=5,
                              core_selector=core.RandomSelector(2),
                              random_state=0))


@pytest.mark.parametrize(
    "estimator",
    [e for e in _estimators() if isinstance(e, SubsetSamplerMixin)],
    ids=_estimator_id,
)
def test_fit_is_idempotent_on_the_pool(estimator):
    """What the xfailed check_fit_idempotent tests, on the pool itself
    (transform accepts no other data): a refit on the same pool, after a fit
    on another one, gives the same selection, support and rows."""
    from sklearn.base import clone

    rng = np.random.RandomState(0)
    X, other = rng.normal(size=(60, 4)) + 0.1, rng.normal(size=(50, 4)) + 0.1
    sampler = clone(estimator)
    if sampler.get_params().get("random_state", 0) is None:
        # Seeded as check_fit_idempotent seeds it: unseeded, each fit draws
        # its own stages' seeds.
        sampler.set_params(random_state=0)
    sampler.fit(X)
    first = (sampler.selected_indices_.copy(), sampler.get_support(),
             sampler.transform(X))
    sampler.fit(other).fit(X)
    np.testing.assert_array_equal(sampler.selected_indices_, first[0])
    np.testing.assert_array_equal(sampler.get_support(), first[1])
    np.testing.assert_array_equal(sampler.transform(X), first[2])


@pytest.mark.parametrize(
    "estimator",
    [e for e in _estimators() if isinstance(e, SubsetSamplerMixin)],
    ids=_estimator_id,
)
def test_samplers_declare_that_transform_keeps_float32(estimator):
    """transform returns rows of its input, float32 staying float32; the
    preserves_dtype tag says so (check_transformer_preserve_dtypes tests
    only the dtypes listed, so dropping float32 from it went unnoticed)."""
    from sklearn.utils import get_tags

    assert get_tags(estimator).transformer_tags.preserves_dtype == [
        "float64", "float32"]
    X = np.random.RandomState(0).normal(size=(60, 4)).astype(np.float32) + 0.1
    assert estimator.fit_transform(X).dtype == np.float32


#: scikit-learn's checks that ``parametrize_with_checks`` does not yield
#: (neither 1.6 nor 1.9: scikit-learn's own test_common.py calls them one by
#: one), on DataFrame input, feature names and ``set_output``, each with the
#: method an estimator needs for it to apply (None: every estimator), as
#: test_common.py selects them (a tuple: every method in it).
#: check_n_features_in_after_fitting is yielded (above).  The polars ones
#: raise SkipTest where polars is not installed.
EXPLICIT_CHECKS = {
    "check_dataframe_column_names_consistency": None,
    # An informative error for every bad parameter, and constraints that do
    # not overlap (an int budget is a count, never a fraction as well).
    "check_param_validation": None,
    # These two call fit_transform: SubsetResampler, which has
    # get_feature_names_out but is no transformer, is tested in
    # test_integration.py instead.
    "check_transformer_get_feature_names_out": ("transform",
                                                "get_feature_names_out"),
    "check_transformer_get_feature_names_out_pandas": (
        "transform", "get_feature_names_out"),
    "check_get_feature_names_out_error": "get_feature_names_out",
    "check_set_output_transform": "set_output",
    "check_set_output_transform_pandas": "set_output",
    "check_global_output_transform_pandas": "set_output",
    "check_set_output_transform_polars": "set_output",
    "check_global_set_output_transform_polars": "set_output",
}

#: The pandas set_output checks build the DataFrame they expect from the
#: default output with the input's index of 20 labels; a sampler's output has
#: only the selected rows (indexed by their labels, tested below).
PANDAS_OUTPUT_FAILURES = {
    name: (
        "builds the expected DataFrame from transform's default output with "
        "all 20 index labels of the input; a sampler returns only the "
        "selected rows (pandas: 'Shape of passed values is (n_selected, 5), "
        "indices imply (20, 5)')"
    )
    for name in ("check_set_output_transform_pandas",
                 "check_global_output_transform_pandas")
}


def _explicit_expected_failures(estimator):
    if isinstance(estimator, SubsetSamplerMixin):
        return dict(PANDAS_OUTPUT_FAILURES)
    return {}


def _explicit_cases():
    for estimator in _estimators():
        expected = _explicit_expected_failures(estimator)
        for name, needs in EXPLICIT_CHECKS.items():
            if needs is not None and not all(
                    hasattr(estimator, method)
                    for method in ((needs,) if isinstance(needs, str) else needs)):
                continue
            marks = ()
            if name in expected:
                # raises: the row-count error only (an AssertionError of the
                # frame comparison would be a real failure).
                marks = pytest.mark.xfail(strict=True, raises=ValueError,
                                          reason=expected[name])
            yield pytest.param(estimator, name, marks=marks,
                               id=f"{_estimator_id(estimator)}-{name}")


@pytest.mark.parametrize("estimator, name", list(_explicit_cases()))
def test_explicit_check(estimator, name):
    """The checks the generator leaves out; no "was fitted without feature
    names" warning either, outside the set_output checks (scikit-learn's
    test of the first check asserts that too: it means feature_names_in_ was
    lost on the way)."""
    check = getattr(estimator_checks, name)
    with warnings.catch_warnings(record=True) as record:
        # Each warning recorded, even one already shown from the same line.
        warnings.simplefilter("always", UserWarning)
        check(type(estimator).__name__, clone(estimator))
    messages = [str(w.message) for w in record]
    if EXPLICIT_CHECKS[name] == "set_output":
        # These checks fit on an array and transform a frame on purpose:
        # scikit-learn's own transformers (StandardScaler) warn there too.
        return
    assert not [m for m in messages if "was fitted without feature names" in m]


def test_every_estimator_gets_an_explicit_check():
    # The first two checks apply to all; the others to the samplers.
    names = {}
    for case in _explicit_cases():
        estimator, name = case.values
        names.setdefault(_estimator_id(estimator), set()).add(name)
    assert len(names) == len(_estimators())
    for estimator in _estimators():
        got = names[_estimator_id(estimator)]
        assert "check_dataframe_column_names_consistency" in got
        assert "check_param_validation" in got
        if isinstance(estimator, SubsetSamplerMixin):
            assert got == set(EXPLICIT_CHECKS)
        if isinstance(estimator, SubsetResampler):
            assert "check_get_feature_names_out_error" in got


# The checks fit on a DataFrame and transform an array, and the reverse.
@pytest.mark.filterwarnings("ignore:X (does not have valid|has) feature names")
@pytest.mark.parametrize(
    "estimator",
    [e for e in _estimators() if _explicit_expected_failures(e)],
    ids=_estimator_id,
)
def test_explicit_expected_failures_really_fail(estimator):
    """The xfailed pandas checks fail on the row count, nothing else: the
    frame pandas refuses to build has the selected rows and the input's 20
    labels."""
    n_selected = clone(estimator).fit(
        np.random.RandomState(0).uniform(size=(20, 5))).selected_indices_.size
    for name in _explicit_expected_failures(estimator):
        with pytest.raises(ValueError, match=(
                rf"^Shape of passed values is \({n_selected}, 5\), indices "
                r"imply \(20, 5\)$")):
            getattr(estimator_checks, name)(type(estimator).__name__,
                                             clone(estimator))


@pytest.mark.parametrize("context", ["local", "global"])
@pytest.mark.parametrize(
    "estimator",
    [e for e in _estimators() if _explicit_expected_failures(e)],
    ids=_estimator_id,
)
def test_pandas_output_is_the_default_output_of_the_selected_rows(estimator,
                                                                  context):
    """What the xfailed pandas checks test, with the sampler's index: for
    each way in (fit then transform, fit_transform, on an array or a
    DataFrame), the pandas output is the default output with
    get_feature_names_out as columns and the selected rows' labels (their
    row numbers for an array) as index."""
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(20, 5))
    df = pd.DataFrame(X, columns=[f"col{i}" for i in range(5)],
                      index=[f"index{i}" for i in range(20)])

    def outputs(est):
        # Keyed as in scikit-learn's check: the last part names the data
        # transformed.
        out = {}
        data = {"df": df, "array": X}
        for fit_on in data:
            for on in data:
                est.fit(data[fit_on])
                out[f"fit.transform/{fit_on}/{on}"] = (
                    est.transform(data[on]), est.get_feature_names_out(),
                    est.selected_indices_.copy())
        for on in data:
            out[f"fit_transform/{on}"] = (est.fit_transform(data[on]),
                                          est.get_feature_names_out(),
                                          est.selected_indices_.copy())
        return out

    with warnings.catch_warnings():
        # Fitted on a DataFrame, transforming an array (and the reverse).
        warnings.filterwarnings("ignore", message=".*feature names")
        default = outputs(clone(estimator).set_output(transform="default"))
        if context == "local":
            frames = outputs(clone(estimator).set_output(transform="pandas"))
        else:
            with config_context(transform_output="pandas"):
                frames = outputs(clone(estimator))
    for case, (rows, columns, selected) in default.items():
        frame, frame_columns, frame_selected = frames[case]
        np.testing.assert_array_equal(frame_selected, selected)
        np.testing.assert_array_equal(frame_columns, columns)
        index = df.index[selected] if case.endswith("df") else selected
        pd.testing.assert_frame_equal(
            frame, pd.DataFrame(rows, columns=frame_columns, index=index))
