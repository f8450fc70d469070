"""polars DataFrames and Series as input: the same selections, dtypes,
errors and outputs as the numpy arrays and pandas frames they hold."""

import datetime

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import make_blobs

from sklearn_bilaf import BiLAFSampler
from sklearn_bilaf.base import validate_pool
from sklearn_bilaf.core import RandomSelector

pl = pytest.importorskip(
    "polars", reason="polars is optional: these tests check its frames as input")


def _blobs(n=200, d=5, seed=0):
    return make_blobs(n, n_features=d, centers=4, random_state=seed)[0]


def _frame(X, prefix="f"):
    return pl.DataFrame(X, schema=[f"{prefix}{j}" for j in range(X.shape[1])])


def _fit(X, budget=3):
    return BiLAFSampler(budget, core_selector=RandomSelector(2),
                        random_state=0).fit(X)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_frame_of_floats_computes_in_their_precision(dtype):
    """A float32 frame was converted to a float64 copy, twice its size:
    its selection, score and selected rows were those of the float64 array,
    not of the float32 array it holds."""
    X = _blobs(300, 8).astype(dtype)
    frame = _frame(X)
    assert validate_pool(BiLAFSampler(10), frame).dtype == dtype
    sampler = BiLAFSampler(30, random_state=0).fit(frame)
    reference = BiLAFSampler(30, random_state=0).fit(X)
    assert_array_equal(sampler.selected_indices_, reference.selected_indices_)
    assert sampler.selected_embeddings_.dtype == dtype
    assert sampler.score(frame) == reference.score(X)
    out = sampler.transform(frame)
    assert out.dtype == dtype
    assert_array_equal(out, X[reference.selected_indices_])
    assert_array_equal(sampler.feature_names_in_, frame.columns)
    # One double column is enough for float64.
    mixed = frame.with_columns(pl.col("f0").cast(pl.Float64))
    assert validate_pool(BiLAFSampler(10), mixed).dtype == np.float64


def test_frame_with_a_date_column_is_refused():
    """A Date column was read as numbers of days and selected from."""
    X = _frame(_blobs(20, 2))
    days = pl.date_range(datetime.date(2020, 1, 1), datetime.date(2020, 1, 20),
                         eager=True)
    with pytest.raises(ValueError, match=r"dates or times in column 'when'.*"
                                         r"drop that column"):
        _fit(X.with_columns(when=days))
    with pytest.raises(ValueError, match=r"dates or times in column 'lag'"):
        _fit(X.with_columns(lag=pl.duration(seconds=pl.int_range(20))))


@pytest.mark.parametrize("dtype", [pl.String, pl.Categorical])
def test_frame_with_a_text_column_names_it(dtype):
    """As for a pandas frame: the column of ids or file names is named, with
    the polars call that leaves it out."""
    X = _frame(_blobs(20, 2)).with_columns(
        path=pl.Series([f"img{i}.png" for i in range(20)]).cast(dtype))
    with pytest.raises(ValueError, match=r"could not convert.*The column "
                                         r"\['path'\] of X holds values that are "
                                         r"not numbers.*X\.drop\(\['path'\]\).*"
                                         r"Embed raw inputs"):
        _fit(X)
    _fit(X.drop(["path"]))  # and that works


def test_enum_of_text_that_spells_numbers_is_refused_without_its_categories():
    """An Enum column's dtype holds its categories: the refusal of its text
    quoted them all (of a column of 10,000 codes, some 200,000 characters)."""
    codes = [str(i) for i in range(10_000)]
    X = _frame(_blobs(20, 2)).with_columns(
        code=pl.Series(codes[:20], dtype=pl.Enum(codes)))
    with pytest.raises(ValueError, match=r"^X holds text in column 'code' "
                                         r"\(dtype Enum\), not embeddings.*"
                                         r"drop that column\. The text spells "
                                         r"numbers \('0'\)") as info:
        _fit(X)
    assert len(str(info.value)) < 600


def test_frame_with_a_text_column_names_it_in_public_functions():
    from sklearn_bilaf.core import nearest_unused
    from sklearn_bilaf.pseudo_classes import assign_pseudo_classes

    X = _frame(_blobs(20, 2)).with_columns(path=pl.lit("img.png"))
    for call in (lambda: nearest_unused(X, [[0.0, 0.0]]),
                 lambda: assign_pseudo_classes(X, [0, 5])):
        with pytest.raises(ValueError, match=r"The column \['path'\] of X holds "
                                             r".*X\.drop\(\['path'\]\)"):
            call()


@pytest.mark.parametrize("kind", ["list", "array"])
def test_embeddings_held_one_list_per_cell_are_told_to_be_stacked(kind):
    pool = _blobs(20, 3)
    cells = pl.Series("embedding", pool) if kind == "array" else pl.Series(
        "embedding", pool.tolist())
    frame = pl.DataFrame({"path": [f"img{i}.png" for i in range(20)]}).with_columns(
        cells)
    with pytest.raises(ValueError) as info:
        _fit(frame)
    message = str(info.value)
    assert "The column ['path'] of X holds values that are not numbers" in message
    assert ("The column 'embedding' of X holds a sequence of numbers in each "
            "cell: pass them as one column per feature, "
            "np.stack(X['embedding'].to_numpy())") in message
    _fit(np.stack(frame["embedding"].to_numpy()))  # and that works


@pytest.mark.parametrize("dtype", [pl.Float32, pl.Float64, pl.Int64])
def test_nulls_are_refused_as_nan_naming_the_rows(dtype):
    """As pandas' NA: a missing value, named by its row, not text to embed."""
    X = _frame(_blobs(40, 3)).cast(dtype)
    X = X.with_columns(pl.when(pl.int_range(pl.len()) == 7).then(None)
                       .otherwise(pl.col("f1")).alias("f1"))
    message = (r"^X contains NaN in 1 row \(row 7\): embeddings must be finite "
               r"numbers\. Drop that row \(")
    with pytest.raises(ValueError, match=message):
        _fit(X)
    with pytest.raises(ValueError, match=message):
        RandomSelector(3).fit(X)
    from sklearn_bilaf.pseudo_classes import assign_pseudo_classes

    # The message of the same NaN in an array, or in a pandas frame.
    with pytest.raises(ValueError, match=message):
        assign_pseudo_classes(X, [0, 5])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_polars_output_is_the_default_output(dtype):
    X = _blobs(200, 4).astype(dtype)
    for given in (X, _frame(X)):
        sampler = BiLAFSampler(20, random_state=0).fit(given)
        default = sampler.transform(given)
        out = sampler.set_output(transform="polars").transform(given)
        assert isinstance(out, pl.DataFrame)
        assert out.columns == list(sampler.get_feature_names_out())
        assert_array_equal(out.to_numpy(), default)
        assert out.to_numpy().dtype == default.dtype == dtype
        assert sampler.fit_transform(given).equals(out)


@pytest.mark.parametrize("suffix", [".json", ".csv"])
@pytest.mark.parametrize("values", [[f"img{i}" for i in range(6)], list(range(6)),
                                    [0.5 * i for i in range(6)]])
def test_polars_series_of_ids_is_taken_by_position(tmp_path, suffix, values):
    """polars' Series refused numpy's integers as positions: every selection
    written with polars ids failed with "cannot select elements using key of
    type 'numpy.int64'"."""
    from sklearn_bilaf.io import format_selection, write_selection

    rows = np.array([4, 1, 3])
    given = dict(roles=["core", "boundary", "boundary"], pseudo_classes=[0, 1, 0])
    expected = format_selection(suffix, rows, ids=values, **given)
    assert format_selection(suffix, rows, ids=pl.Series(values), **given) == expected
    path = tmp_path / f"selection{suffix}"
    write_selection(path, rows, ids=pl.Series("id", values), **given)
    assert path.read_bytes() == expected


def test_null_polars_ids_are_missing_ids():
    """A null is polars' missing value, as pandas' NA: refused in .json
    (which would write null as if it were the sample's id), written as an
    empty cell in .csv; an integer id stays an integer beside it."""
    from sklearn_bilaf.io import format_selection

    ids = pl.Series([10, None, 12])
    given = dict(roles=["core", "core"], pseudo_classes=[0, 1])
    with pytest.raises(ValueError, match=r"row 1 is selected and its id is "
                                         r"missing \(null\)"):
        format_selection(".json", [0, 1], ids=ids, **given)
    assert format_selection(".json", [2, 0], ids=ids, **given) == b"[12, 10]\n"
    assert format_selection(".csv", [1, 2], ids=ids, **given) == (
        b"row,role,pseudo_class,id\n1,core,0,\n2,core,1,12\n")


@pytest.mark.parametrize("label_dtype", [pl.Int64, pl.Float64, pl.String])
def test_label_budget_classifier_takes_polars_frames_and_labels(label_dtype):
    """fit read y.dtype.kind, which a polars dtype does not have: every fit
    with a polars Series of labels failed with an AttributeError."""
    from sklearn.linear_model import LogisticRegression

    from sklearn_bilaf import LabelBudgetClassifier, SubsetResampler

    X, y = make_blobs(300, n_features=4, centers=4, random_state=0)
    X = X.astype(np.float32)
    frame, labels = _frame(X), pl.Series("y", y).cast(label_dtype)
    reference = LabelBudgetClassifier(BiLAFSampler(30, random_state=0),
                                      LogisticRegression()).fit(X, y)
    model = LabelBudgetClassifier(BiLAFSampler(30, random_state=0),
                                  LogisticRegression()).fit(frame, labels)
    assert_array_equal(model.sampler_.selected_indices_,
                       reference.sampler_.selected_indices_)
    assert_array_equal(np.asarray(model.predict(frame)).astype(float),
                       reference.predict(X))
    X_selected, y_selected = SubsetResampler(
        BiLAFSampler(30, random_state=0)).fit_resample(frame, labels)
    assert isinstance(X_selected, pl.DataFrame)
    assert isinstance(y_selected, pl.Series)
    assert_array_equal(X_selected.to_numpy(), X[reference.sampler_.selected_indices_])


def test_label_budget_classifier_refuses_missing_polars_labels():
    from sklearn.linear_model import LogisticRegression

    from sklearn_bilaf import LabelBudgetClassifier

    X, y = make_blobs(60, n_features=3, centers=2, random_state=0)
    labels = pl.Series("y", y.astype(float)).scatter(4, float("nan"))
    with pytest.raises(ValueError, match=r"^y contains NaN in 1 row \(row 4\): "):
        LabelBudgetClassifier(BiLAFSampler(10), LogisticRegression()).fit(
            _frame(X), labels)
    # A null, polars' missing value, is told as NaN or None.
    with pytest.raises(ValueError, match=r"^y contains (NaN|None) in 1 row "):
        LabelBudgetClassifier(BiLAFSampler(10), LogisticRegression()).fit(
            _frame(X), pl.Series("y", y.astype(str)).scatter(4, None))


@pytest.mark.parametrize("dtype", ["UInt8", "Int64", "Float16"])
def test_frame_of_numbers_transforms_to_its_own_dtype(dtype):
    """As an array's or a pandas frame's: uint8 pixels stay uint8 and
    float16 stays float16 (transform returned the validated float rows), and
    polars output is the frame's own selected rows, columns and dtypes."""
    if not hasattr(pl, dtype):
        pytest.skip(f"polars {pl.__version__} has no {dtype}")
    X = np.round(_blobs(200, 4) - _blobs(200, 4).min())
    frame = _frame(X).cast(getattr(pl, dtype))
    expected = frame.to_numpy()
    sampler = BiLAFSampler(20, random_state=0).fit(frame)
    assert_array_equal(sampler.selected_indices_,
                       BiLAFSampler(20, random_state=0).fit(expected)
                       .selected_indices_)
    for out in (sampler.transform(frame), sampler.fit_transform(frame)):
        assert type(out) is np.ndarray and out.dtype == expected.dtype
        assert_array_equal(out, expected[sampler.selected_indices_])
    out = sampler.set_output(transform="polars").transform(frame)
    assert out.equals(frame[sampler.selected_indices_])
    assert out.schema == frame.schema
    pytest.importorskip("pandas")
    out = sampler.set_output(transform="pandas").transform(frame)
    assert out.to_numpy().dtype == expected.dtype
    assert_array_equal(out.to_numpy(), expected[sampler.selected_indices_])
    assert_array_equal(out.index, sampler.selected_indices_)


def test_frame_with_bool_columns_transforms_to_numbers():
    """Like pandas frames numpy gathers as objects: the validated floats."""
    X = np.round(_blobs(200, 4))
    frame = _frame(X).with_columns(flag=pl.col("f0") > 0)
    sampler = BiLAFSampler(20, random_state=0).fit(frame)
    out = sampler.transform(frame)
    assert type(out) is np.ndarray and out.dtype.kind in "f"
    assert_array_equal(out, frame.to_numpy().astype(np.float64)
                       [sampler.selected_indices_])


def test_lazy_frame_is_told_to_be_collected():
    """A LazyFrame failed numpy's conversion ("setting an array element
    with a sequence") and was told to embed raw inputs, after polars'
    warning that reading its dtypes resolves its schema."""
    import warnings

    from sklearn_bilaf.pseudo_classes import assign_pseudo_classes

    lazy = _frame(_blobs(20, 2)).lazy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for call in (_fit, lambda X: RandomSelector(2).fit(X),
                     lambda X: assign_pseudo_classes(X, [0, 5])):
            with pytest.raises(TypeError, match=r"X is a polars LazyFrame, a "
                                                r"query not run yet: pass "
                                                r"X\.collect\(\)"):
                call(lazy)


def test_series_of_lists_is_told_to_be_stacked():
    """As a pandas Series of arrays: each entry is one sample's embedding."""
    pool = _blobs(20, 3)
    with pytest.raises(ValueError, match=r"X holds a sequence of numbers in each "
                                         r"entry: pass them as one row each, "
                                         r"np\.stack\(X\.to_numpy\(\)\)"):
        _fit(pl.Series("embedding", pool.tolist()))
    _fit(np.stack(pl.Series("embedding", pool.tolist()).to_numpy()))


def test_series_of_numbers_is_told_to_be_made_a_frame():
    """A polars Series of numbers was told to pass X.reshape(-1, 1), which
    gives polars' Series of one-value arrays, 1-D still: it is told to
    pass X.to_frame(), as a pandas Series is."""
    series = pl.Series("f0", np.arange(1.0, 31.0))
    with pytest.raises(ValueError) as info:
        _fit(series)
    assert str(info.value) == (
        "X is 1-D (a polars Series of shape (30,)); the selection needs a 2-D "
        "array, one row per sample and one column per feature. Reshape your "
        "data: if each value is a sample's only feature, pass X.to_frame().")
    # The advice works.
    X = series
    _fit(X.to_frame())


def test_lazy_frame_in_transform_is_told_to_be_collected_without_warning():
    """transform refused a LazyFrame as fit does, but only after polars'
    warning that reading its dtypes resolves the query's schema."""
    import warnings

    frame = _frame(_blobs(20, 2))
    selector = RandomSelector(2, random_state=0).fit(frame)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TypeError, match=r"^X is a polars LazyFrame, a query "
                                            r"not run yet: pass X\.collect\(\)"):
            selector.transform(frame.lazy())


def test_lazy_frame_in_meta_estimators_is_told_to_be_collected():
    """LabelBudgetClassifier and SubsetResampler were told they "got a
    scalar as X" for a LazyFrame (numpy reads it as one object): they say
    to collect it, as the samplers do."""
    import warnings

    from sklearn.linear_model import LogisticRegression

    from sklearn_bilaf import LabelBudgetClassifier, SubsetResampler

    X, y = make_blobs(60, n_features=3, centers=2, random_state=0)
    frame = _frame(X)
    model = LabelBudgetClassifier(BiLAFSampler(10, random_state=0),
                                  LogisticRegression()).fit(frame, y)
    resampler = SubsetResampler(BiLAFSampler(10, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for call in (
                lambda X: LabelBudgetClassifier(
                    BiLAFSampler(10), LogisticRegression()).fit(X, y),
                model.predict, model.predict_proba,
                lambda X: resampler.fit(X, y),
                lambda X: resampler.fit_resample(X, y)):
            with pytest.raises(TypeError, match=r"^X is a polars LazyFrame, a "
                                                r"query not run yet: pass "
                                                r"X\.collect\(\), the "
                                                r"DataFrame it gives\.$"):
                call(frame.lazy())
