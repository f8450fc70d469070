"""pandas and polars DataFrames as the pool: how many copies of it a fit
makes, the dtype the public functions compute in, the hints of the errors,
and missing ids in written selections."""

import re

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.datasets import make_blobs

from sklearn_bilaf.base import validate_pool
from sklearn_bilaf.core import ActiveFTSelector

pd = pytest.importorskip("pandas")


def _blobs(n=300, d=6, seed=0):
    return make_blobs(n, n_features=d, centers=4, random_state=seed)[0]


def _polars():
    return pytest.importorskip(
        "polars", reason="polars is optional: this case is a polars frame")


def _frames_to_convert(X=None):
    """Frames whose values numpy cannot hand over without a copy: float16
    (computed in float32), columns of two dtypes, two blocks of one dtype
    (pandas), nullable and pyarrow columns, and polars frames (one buffer
    per column); of the values X (by default, blobs)."""
    X = _blobs() if X is None else X
    half = X.shape[1] // 2
    mixed = pd.DataFrame(X).astype({0: np.float32})
    blocks = pd.concat([pd.DataFrame(X[:, :half]),
                        pd.DataFrame(X[:, half:],
                                     columns=range(half, X.shape[1]))], axis=1)
    frames = {"pandas float16": pd.DataFrame(X.astype(np.float16)),
              "pandas mixed": mixed, "pandas two blocks": blocks,
              "pandas Float32": pd.DataFrame(X).astype("Float32"),
              "pandas Float64": pd.DataFrame(X).astype("Float64"),
              "pandas Float32 and float64": mixed.astype({0: "Float32"})}
    frames.update(_pyarrow_frames(X))
    try:
        import polars as pl
    except ImportError:
        return frames
    frames["polars float32"] = pl.DataFrame(X.astype(np.float32))
    frames["polars float64"] = pl.DataFrame(X)
    return frames


def _pyarrow_frames(X):
    """pandas frames of pyarrow float columns ({} without pyarrow, or with a
    pandas that has no pyarrow dtypes)."""
    try:
        import pyarrow  # noqa: F401

        return {"pandas float[pyarrow]": pd.DataFrame(X).astype("float[pyarrow]"),
                "pandas double[pyarrow]": pd.DataFrame(X).astype("double[pyarrow]")}
    except (ImportError, TypeError):
        return {}


@pytest.mark.parametrize("name", list(_frames_to_convert()))
def test_frame_converted_once_in_c_order(name, monkeypatch):
    """A frame that had to be converted gave a Fortran-ordered array, which
    the core selection copied again to C order: two copies of the pool."""
    frame = _frames_to_convert()[name]
    X = validate_pool(ActiveFTSelector(5), frame)
    assert X.flags.c_contiguous
    # The same values as numpy's conversion of the whole frame.
    np.testing.assert_array_equal(X, np.asarray(frame, dtype=X.dtype))
    seen = []
    original = ActiveFTSelector._optimise

    def optimise(self, X, *args):
        seen.append(X.flags.c_contiguous)
        return original(self, X, *args)

    monkeypatch.setattr(ActiveFTSelector, "_optimise", optimise)
    ActiveFTSelector(5, max_iter=5, random_state=0).fit(frame)
    # The core selection works on the validated array, not a copy of it.
    assert seen == [True]


def _fitted_on(frame):
    from sklearn_bilaf import BiLAFSampler
    from sklearn_bilaf.core import RandomSelector

    return BiLAFSampler(30, core_selector=RandomSelector(6, random_state=0),
                        random_state=0).fit(frame)


def _pool_array_peak(frame):
    """``pool_array(frame)``, checked to be C-ordered float64, and the peak
    memory (bytes) of the call."""
    import tracemalloc

    from sklearn_bilaf.base import pool_array

    tracemalloc.start()
    try:
        values = pool_array(frame)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert values.dtype == np.float64 and values.flags.c_contiguous
    return values, peak


def _transform_peak(sampler, frame):
    """Peak memory (bytes) of ``sampler.transform(frame)``, after checking
    that it returns the selected rows in the frame's own dtype (float16
    too), or the validated floats for the columns numpy reads as objects
    (nullable, pyarrow)."""
    import tracemalloc

    selected = sampler.selected_indices_
    expected = (frame.iloc[selected] if hasattr(frame, "iloc")
                else frame[selected]).to_numpy()
    if expected.dtype == object:
        expected = validate_pool(sampler, frame, reset=False)[selected]
    sampler.transform(frame)  # imports and caches out of the measure
    tracemalloc.start()
    try:
        out = sampler.transform(frame)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == expected.dtype
    return peak


@pytest.mark.parametrize("name", list(_frames_to_convert()))
def test_transform_of_a_frame_does_not_convert_it_whole(name):
    """transform validated such a frame with fit's conversion, a copy of
    the pool on every call, to return a few of its rows."""

    X = np.random.RandomState(0).normal(size=(20_000, 32))
    frame = _frames_to_convert(X)[name]
    sampler = _fitted_on(frame)
    # Blocks of rows, not the whole pool (5 MiB in float64).
    assert _transform_peak(sampler, frame) < 0.4 * X.nbytes


@pytest.mark.parametrize("name", list(_frames_to_convert()))
def test_transform_of_a_frame_refuses_what_it_refused(name):
    """Checking the frame a block of rows at a time still refuses NaN, inf,
    values whose squared distances overflow, another number of rows and
    another pool, with the same errors."""
    X = _blobs()
    sampler = _fitted_on(_frames_to_convert(X)[name])
    dtype = validate_pool(sampler, _frames_to_convert(X)[name], reset=False).dtype

    def changed(value, at=(7, 2)):
        values = X.copy()
        values[at] = value
        with np.errstate(over="ignore"):  # 1e300 in the float32 frames
            return _frames_to_convert(values)[name]

    with pytest.raises(ValueError, match=r"^X contains NaN in 1 row \(row 7\)"):
        sampler.transform(changed(np.nan))
    with pytest.raises(ValueError,
                       match=r"^X contains infinite values in 1 row \(row 7\)"):
        sampler.transform(changed(np.inf))
    if dtype == np.float64:
        with pytest.raises(ValueError, match=r"^X has values as large as 1e\+300"):
            sampler.transform(changed(1e300))
    with pytest.raises(ValueError, match="differ from those seen in fit"):
        sampler.transform(changed(1e3, at=(int(sampler.selected_indices_[0]), 0)))
    with pytest.raises(ValueError, match=r"X has 299 rows but BiLAFSampler "
                                         r"was fitted on 300"):
        sampler.transform(_frames_to_convert(X[:299])[name])
    # (polars columns have names: scikit-learn's check of them comes first)
    with pytest.raises(ValueError, match="X has 5 features, but BiLAFSampler "
                                         "is expecting 6 features|yet now "
                                         "missing:\n- column_5"):
        sampler.transform(_frames_to_convert(X[:, :5])[name])


@pytest.mark.parametrize("kind", ["float64", "Float64", "float16"])
@pytest.mark.parametrize("column", ["could not convert string to float",
                                    "float() argument", "got 1D array"])
def test_feature_names_error_is_left_as_scikit_learn_s(kind, column):
    """scikit-learn's error for other column names lists them; one named
    like a conversion error made it "X must be a 2-D array of numbers ...
    converting it to floats failed" (or "X is 1-D"), in transform (frames
    checked in blocks or whole) and score."""
    names = [f"c{j}" for j in range(6)]
    frame = pd.DataFrame(_blobs(), columns=names).astype(kind)
    sampler = _fitted_on(frame)
    other = frame.rename(columns={"c2": column})
    for method in (sampler.transform, sampler.score):
        with pytest.raises(ValueError, match=r"^The feature names should match "
                                             r"those that were passed during "
                                             r"fit\.\nFeature names unseen at "
                                             rf"fit time:\n- {re.escape(column)}"):
            method(other)


def test_only_nullable_and_pyarrow_float_columns_count_as_float_extensions():
    """The conversions of frames take these columns' values as the floats
    they hold; a pyarrow column of another kind (ints, bools, text, dates)
    is an ArrowDtype too, and is left to numpy's and scikit-learn's
    conversions and their errors."""
    from sklearn_bilaf.base import _is_float_extension

    pa = pytest.importorskip("pyarrow")
    assert _is_float_extension(pd.Float32Dtype())
    assert _is_float_extension(pd.Float64Dtype())
    for kind in (pa.float16(), pa.float32(), pa.float64()):
        assert _is_float_extension(pd.ArrowDtype(kind)), kind
    for kind in (pa.int64(), pa.uint8(), pa.bool_(), pa.string(),
                 pa.timestamp("ns"), pa.duration("s"), pa.decimal128(10, 2)):
        assert not _is_float_extension(pd.ArrowDtype(kind)), kind
    for dtype in (pd.Int64Dtype(), pd.BooleanDtype(), pd.StringDtype(),
                  np.dtype(np.float32), np.dtype(np.float64)):
        assert not _is_float_extension(dtype), dtype


def test_only_nullable_and_pyarrow_int_columns_count_as_int_extensions():
    from sklearn_bilaf.base import _is_int_extension

    for name in ("Int8", "Int16", "Int32", "Int64", "UInt8", "UInt64"):
        assert _is_int_extension(pd.api.types.pandas_dtype(name)), name
    for dtype in (pd.Float32Dtype(), pd.BooleanDtype(), pd.StringDtype(),
                  np.dtype(np.int16), np.dtype(np.float32)):
        assert not _is_int_extension(dtype), dtype
    pa = pytest.importorskip("pyarrow")
    for kind in (pa.int8(), pa.int64(), pa.uint16()):
        assert _is_int_extension(pd.ArrowDtype(kind)), kind
    for kind in (pa.float32(), pa.bool_(), pa.string(), pa.duration("s")):
        assert not _is_int_extension(pd.ArrowDtype(kind)), kind


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_frame_of_one_block_is_not_copied(dtype):
    """A pandas frame of one dtype that numpy reads in place stays uncopied
    (a pool larger than working_memory is not copied by the core either)."""
    frame = pd.DataFrame(_blobs().astype(dtype))
    X = validate_pool(ActiveFTSelector(5), frame)
    assert X.dtype == dtype
    assert np.shares_memory(X, frame.to_numpy())


def _nullable_frames(X):
    frames = {"Float32": pd.DataFrame(X.astype(np.float32)).astype("Float32"),
              "Float64": pd.DataFrame(X).astype("Float64")}
    frames.update(_pyarrow_frames(X))
    return frames


@pytest.mark.parametrize("dtype", ["Float32", "Float64"])
def test_nullable_frame_selects_as_its_array(dtype):
    """A nullable frame is converted in blocks of rows, not by scikit-learn:
    the same values, hence the same selection, as its numpy array."""
    from sklearn.datasets import load_digits

    from sklearn_bilaf import BiLAFSampler

    X = load_digits().data.astype(np.float32 if dtype == "Float32" else np.float64)
    frame = pd.DataFrame(X).astype(dtype)
    expected = BiLAFSampler(40, random_state=0).fit(X)
    got = BiLAFSampler(40, random_state=0).fit(frame)
    np.testing.assert_array_equal(got.selected_indices_, expected.selected_indices_)
    np.testing.assert_array_equal(got.selected_embeddings_,
                                  expected.selected_embeddings_)
    assert got.selected_embeddings_.dtype == X.dtype


@pytest.mark.parametrize("name", list(_nullable_frames(np.zeros((1, 1)))))
def test_missing_value_in_nullable_frame_is_named(name):
    """pd.NA in a nullable or pyarrow column is a NaN in that row, for the
    estimators and the public functions alike (not numpy's "float()
    argument must be ... not 'NAType'")."""
    from sklearn_bilaf import BiLAFSampler
    from sklearn_bilaf.core import isolation_radii

    frame = _nullable_frames(_blobs(40))[name]
    frame.iloc[3, 4] = pd.NA
    message = (r"^X contains NaN in 1 row \(row 3\): embeddings must be finite "
               r"numbers\. Drop that row")
    with pytest.raises(ValueError, match=message):
        BiLAFSampler(5).fit(frame)
    with pytest.raises(ValueError, match=message):
        isolation_radii(frame)


def _int_and_bool_frames(X):
    """pandas frames of integer and bool columns that numpy cannot hand over
    without a copy, of the integers X (bool: X > 0): numpy int64 and bool
    columns (converted to float64), nullable Int64, Int32 and boolean
    columns, pyarrow ones ({} of those without pyarrow), bool beside float64
    columns, and an Int64 column beside float64 ones."""
    B = X > 0
    half = X.shape[1] // 2
    frames = {"int64": pd.DataFrame(X), "Int64": pd.DataFrame(X).astype("Int64"),
              "Int32": pd.DataFrame(X).astype("Int32"),
              "bool": pd.DataFrame(B), "boolean": pd.DataFrame(B).astype("boolean"),
              "bool and float64": pd.concat(
                  [pd.DataFrame(B[:, :half]),
                   pd.DataFrame(X[:, half:].astype(np.float64),
                                columns=range(half, X.shape[1]))], axis=1),
              "Int64 and float64": pd.DataFrame(X.astype(np.float64)).astype(
                  {0: "Int64"})}
    try:
        import pyarrow  # noqa: F401

        frames["int64[pyarrow]"] = pd.DataFrame(X).astype("int64[pyarrow]")
        frames["bool[pyarrow]"] = pd.DataFrame(B).astype("bool[pyarrow]")
    except (ImportError, TypeError):
        pass
    return frames


_INT_AND_BOOL_FRAMES = ["int64", "Int64", "Int32", "bool", "boolean",
                        "bool and float64", "Int64 and float64",
                        "int64[pyarrow]", "bool[pyarrow]"]


def _int_and_bool_frame(X, name):
    frames = _int_and_bool_frames(X)
    if name not in frames:
        pytest.skip("pyarrow (or pandas' pyarrow dtypes) is optional: this "
                    "case is a pyarrow frame")
    return frames[name]


@pytest.mark.parametrize("name", ["int64", "Int64", "int64[pyarrow]", "bool"])
def test_int_and_bool_frames_select_as_their_array(name):
    """Integer and bool frames, nullable and pyarrow ones too, are converted
    in blocks of rows: the same values, hence the same selection, bit for
    bit, as their numpy arrays."""
    from sklearn.datasets import load_digits

    from sklearn_bilaf import BiLAFSampler

    X = load_digits().data.astype(np.int64)
    frame = _int_and_bool_frame(X, name)
    array = X > 0 if name == "bool" else X
    expected = BiLAFSampler(40, random_state=0).fit(array)
    got = BiLAFSampler(40, random_state=0).fit(frame)
    np.testing.assert_array_equal(got.selected_indices_, expected.selected_indices_)
    np.testing.assert_array_equal(got.selected_embeddings_,
                                  expected.selected_embeddings_)
    assert got.selected_embeddings_.dtype == np.float64


def _fit_peak(X):
    """Peak bytes traced while a short ActiveFT run is fitted on X."""
    import tracemalloc

    kw = dict(init="random", max_iter=2, random_state=0)
    ActiveFTSelector(5, **kw).fit(X[:300] if isinstance(X, np.ndarray)
                                  else X.iloc[:300])  # compiled out of the peak
    tracemalloc.start()
    try:
        ActiveFTSelector(5, **kw).fit(X)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("name", [name for name in _INT_AND_BOOL_FRAMES
                                  if name != "int64"])
def test_int_and_bool_frames_are_converted_once(name):
    """Nullable and pyarrow integer and boolean columns, and numpy bool ones,
    went through scikit-learn's conversion (Fortran-ordered), which the core
    selection copied again to C order: two float64 copies of the pool where
    an integer array takes one."""
    X = np.random.RandomState(0).randint(-50, 50, size=(20_000, 32))
    frame = _int_and_bool_frame(X, name)
    pool = X.astype(np.float64)  # the one copy an int64 array takes
    extra = _fit_peak(frame) - _fit_peak(X)
    assert extra < 0.5 * pool.nbytes, extra / pool.nbytes
    array = validate_pool(ActiveFTSelector(5), frame)
    assert array.flags.c_contiguous and array.dtype == np.float64
    np.testing.assert_array_equal(array, np.asarray(frame, dtype=np.float64))


@pytest.mark.parametrize("name", ["Int64", "boolean", "Float64", "int64[pyarrow]"])
def test_frame_holding_pd_na_is_converted_once(name):
    """A nullable or pyarrow frame holding pd.NA went through
    scikit-learn's conversion (two float64 copies of the pool at its peak,
    Fortran-ordered), then was converted whole again for its error to name
    the rows: 2.1 pools at the peak of the fit that refuses it.  It is
    converted once, in C order (pd.NA as NaN, as before), and its rows are
    named a block at a time."""
    import tracemalloc

    from sklearn_bilaf import BiLAFSampler

    X = np.random.RandomState(0).randint(-50, 50, size=(40_000, 64))
    frames = {**_int_and_bool_frames(X),
              "Float64": pd.DataFrame(X.astype(np.float64)).astype("Float64")}
    if name not in frames:
        pytest.skip("pyarrow (or pandas' pyarrow dtypes) is optional: this "
                    "case is a pyarrow frame")
    frame = frames[name]
    frame.iloc[7, 3] = pd.NA
    message = (r"^X contains NaN in 1 row \(row 7\): embeddings must be finite "
               r"numbers\. Drop that row")
    with pytest.raises(ValueError, match=message):
        BiLAFSampler(5).fit(frame.iloc[:300])  # imports out of the measure
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=message):
            BiLAFSampler(5).fit(frame)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    pool = X.size * 8  # float64
    # The pool, and the blocks of rows converted at a time.
    assert peak < 1.7 * pool, peak / pool
    # Unchecked (assume_finite), the NaN reaches the selection as before.
    with sklearn.config_context(assume_finite=True):
        values = validate_pool(ActiveFTSelector(5), frame)
    assert values.flags.c_contiguous and values.dtype == np.float64
    np.testing.assert_array_equal(
        values, frame.to_numpy(dtype=np.float64, na_value=np.nan))
    assert np.isnan(values[7, 3]) and np.isnan(values).sum() == 1


@pytest.mark.parametrize("name", _INT_AND_BOOL_FRAMES)
def test_transform_of_an_int_or_bool_frame_converts_its_selected_rows(name):
    """transform converted a nullable, pyarrow or bool frame whole (a
    float64 copy of the pool, twice that for nullable columns) to return a
    few of its rows."""

    X = np.random.RandomState(0).randint(-50, 50, size=(20_000, 32))
    frame = _int_and_bool_frame(X, name)
    sampler = _fitted_on(frame)
    # Blocks of rows, not the whole pool (5 MiB in float64).
    assert _transform_peak(sampler, frame) < 0.4 * X.astype(np.float64).nbytes


@pytest.mark.parametrize("name", _INT_AND_BOOL_FRAMES)
def test_transform_of_an_int_or_bool_frame_refuses_what_it_refused(name):
    """Checked a block of rows at a time, such a frame is still refused for
    pd.NA, another number of rows or columns, and another pool, with the
    same errors."""
    X = np.random.RandomState(0).randint(-50, 50, size=(300, 6))
    frame = _int_and_bool_frame(X, name)
    sampler = _fitted_on(frame)
    if not isinstance(frame.dtypes.iloc[4], np.dtype):  # a nullable column
        missing = frame.copy()
        missing.iloc[7, 4] = pd.NA
        with pytest.raises(ValueError,
                           match=r"^X contains NaN in 1 row \(row 7\)"):
            sampler.transform(missing)
    other = frame.copy()
    row = int(sampler.selected_indices_[0])
    if other.dtypes.iloc[-1].kind == "b":
        # Every value of the row flipped: one bool is within the spread
        # transform tolerates.
        other.iloc[row] = ~other.iloc[row].astype(bool)
    else:
        other.iloc[row, -1] = other.iloc[row, -1] + 1000
    with pytest.raises(ValueError, match="differ from those seen in fit"):
        sampler.transform(other)
    with pytest.raises(ValueError, match=r"X has 299 rows but BiLAFSampler "
                                         r"was fitted on 300"):
        sampler.transform(frame.iloc[:299])
    with pytest.raises(ValueError, match="X has 5 features, but BiLAFSampler "
                                         "is expecting 6 features"):
        sampler.transform(frame.iloc[:, :5])


@pytest.mark.parametrize("name", ["Float64", "pandas double[pyarrow]"])
def test_public_functions_read_a_float64_nullable_frame_without_objects(name):
    """The public functions' conversion of a Float64 or double[pyarrow]
    frame went through numpy's, an array of Python floats: five times the
    pool at its peak."""
    X = np.random.RandomState(0).normal(size=(20_000, 32))
    frames = _nullable_frames(X)
    if name not in frames:
        pytest.skip("pyarrow is optional: this case is a pyarrow frame")
    frame = frames[name]
    values, peak = _pool_array_peak(frame)
    np.testing.assert_array_equal(values, X)
    # The array, and a block of rows converted at a time.
    assert peak < 2.5 * X.nbytes, peak / X.nbytes


@pytest.mark.parametrize("name", ["Int64", "Int32", "int64[pyarrow]", "boolean",
                                  "bool[pyarrow]", "bool and float64",
                                  "Int64 and float64"])
def test_public_functions_read_an_int_or_bool_frame_without_objects(name):
    """pool_array read nullable and pyarrow int and bool frames (and bool
    beside float columns) through numpy's array of Python objects: 3.8
    float64 pools at its peak, and a Fortran-ordered result.  They are
    converted once, in C order, to the same values; pd.NA is refused with
    the same error."""

    from sklearn_bilaf.base import pool_array

    # Several blocks of rows (of 2**20 values each).
    X = np.random.RandomState(0).randint(-50, 50, size=(40_000, 64))
    frame = _int_and_bool_frame(X, name)
    expected = np.asarray(frame, dtype=np.float64)  # numpy's conversion
    pool_array(frame.iloc[:10])  # imports out of the measure
    values, peak = _pool_array_peak(frame)
    np.testing.assert_array_equal(values, expected)
    # The array, and a block of rows converted at a time.
    assert peak < 1.6 * expected.nbytes, peak / expected.nbytes
    column = next((j for j, dtype in enumerate(frame.dtypes)
                   if not isinstance(dtype, np.dtype)), None)
    if column is not None:  # a nullable or pyarrow column
        missing = frame.iloc[:40].copy()
        missing.iloc[7, column] = pd.NA
        with pytest.raises(ValueError, match=r"^X contains NaN in 1 row "
                                             r"\(row 7\): embeddings must be finite"):
            pool_array(missing)


@pytest.mark.parametrize("dtype", ["Int64", "UInt64", "int64[pyarrow]",
                                   "uint64[pyarrow]"])
def test_public_functions_round_large_ints_as_numpy_does(dtype):
    """Integers beyond 2**53 are rounded to the floats numpy's conversion
    gives them, bit for bit, when converted a block of rows at a time."""
    from sklearn_bilaf.base import pool_array

    if "pyarrow" in dtype:
        pytest.importorskip("pyarrow")
    values = ([[2**64 - 1, 2**63 + 1], [2**53 + 1, 3]] if dtype[0] in "Uu"
              else [[2**53 + 1, -(2**63)], [2**63 - 1, 2**60 + 12345]])
    frame = pd.DataFrame(np.array(values, dtype=np.uint64 if dtype[0] in "Uu"
                                  else np.int64)).astype(dtype)
    expected = np.asarray(frame, dtype=np.float64)
    got = pool_array(frame)
    assert got.flags.c_contiguous
    np.testing.assert_array_equal(got.view(np.int64), expected.view(np.int64))


@pytest.mark.parametrize("dtype", ["Float64", "Float32"])
def test_nearest_unused_reads_a_nullable_frame_without_objects(dtype):
    """nearest_unused looked for complex numbers with np.iscomplexobj, which
    converted the whole frame through an array of Python floats (4 float64
    pools at the peak for a Float64 frame) before its conversion to
    floats; the columns' dtypes say it."""
    import tracemalloc

    from sklearn_bilaf.core import nearest_unused

    X = np.random.RandomState(0).normal(size=(40_000, 64))
    frame = pd.DataFrame(X).astype(dtype)
    array = frame.to_numpy(dtype=dtype.lower())
    centres = X[:5] + 0.01
    peaks = {}
    for pool in (array, frame):
        nearest_unused(pool[:100] if pool is array else pool.iloc[:100],
                       centres)  # imports out of the measure
        tracemalloc.start()
        try:
            got = nearest_unused(pool, centres)
            peaks[type(pool)] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        np.testing.assert_array_equal(got, nearest_unused(array, centres))
    # The frame's values, converted a block of rows at a time.
    extra = peaks[pd.DataFrame] - peaks[np.ndarray]
    assert extra < 1.2 * array.nbytes, extra / array.nbytes
    # A complex column is still refused, as before.
    with pytest.raises(ValueError, match=r"^Complex data not supported in "
                                         r"column 3: embeddings must be real"):
        nearest_unused(frame.iloc[:20].astype({3: np.complex128}), centres)
    with pytest.raises(ValueError, match=r"^X must hold real numbers; got dtype "
                                         r"complex128"):
        nearest_unused(pd.DataFrame(X[:20]).astype({3: np.complex128}), centres)


def test_outside_distances_reads_a_nullable_frame_as_floats():
    """outside_distances read a frame of nullable rows through arrays of
    Python floats (twice: to look for complex numbers, then to convert):
    18 times a float32 pool at its peak."""
    import tracemalloc

    from sklearn_bilaf.pseudo_classes import outside_distances

    X = np.random.RandomState(0).normal(size=(20_000, 32)).astype(np.float32)
    labels = np.arange(X.shape[0]) % 3
    cores = X[:3].astype(np.float64)
    peaks = {}
    for rows in (X, pd.DataFrame(X).astype("Float32")):
        outside_distances(rows, labels, cores, "euclidean")
        tracemalloc.start()
        try:
            got = outside_distances(rows, labels, cores, "euclidean")
            peaks[type(rows)] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        if rows is X:
            expected = got
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_array_equal(a, b)
    # One float32 copy of the rows more than for the array.
    extra = peaks[pd.DataFrame] - peaks[np.ndarray]
    assert extra < 1.3 * X.nbytes, extra / X.nbytes


@pytest.mark.parametrize("name, dtype", [
    ("Float32", np.float32), ("Float64", np.float64),
    ("pandas float[pyarrow]", np.float32), ("pandas double[pyarrow]", np.float64),
])
def test_pseudo_class_reads_a_nullable_frame_without_objects(name, dtype):
    """PseudoClass converted a nullable or pyarrow frame of rows through
    numpy's array of Python floats, then checked it one object at a time:
    seconds for 20,000 rows of 64 columns, 5 times the float64 rows at the
    peak.  Its rows are the frame's values in its own float dtype, as for
    its numpy array (float32 ones were made float64, twice the size)."""
    import tracemalloc

    from sklearn_bilaf.pseudo_classes import PseudoClass

    X = np.random.RandomState(0).normal(size=(4_000, 32))
    frames = _nullable_frames(X)
    if name not in frames:
        pytest.skip("pyarrow is optional: this case is a pyarrow frame")
    frame = frames[name]
    expected = frame.to_numpy(dtype=dtype)
    tracemalloc.start()
    try:
        member = PseudoClass(0, np.arange(X.shape[0]), 0, frame, "euclidean")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(member.X, expected)
    assert member.X.dtype == dtype and member.X.flags.c_contiguous
    assert peak < 2.5 * expected.nbytes, peak / expected.nbytes


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_pseudo_class_of_a_float32_nullable_frame_is_that_of_its_array(metric):
    """A Float32 frame of rows gives the pseudo-class of its float32 array:
    float32 rows (they were float64), the same distances and the same
    denoising; a frame of Float32 and float64 columns is float64, as
    numpy's array of a frame of float32 and float64 columns is, and one of
    Float32 and bool columns float32, as numpy's bool and float32."""
    from sklearn.datasets import load_digits

    from sklearn_bilaf.denoise import IDCDenoiser
    from sklearn_bilaf.pseudo_classes import PseudoClass

    X = (load_digits().data[:80] / 16).astype(np.float32)
    if metric == "cosine":
        X /= np.linalg.norm(X, axis=1, keepdims=True)
    frames = _nullable_frames(X)
    frames.pop("Float64")
    frames.pop("pandas double[pyarrow]", None)
    expected = PseudoClass(0, np.arange(80), 3, X, metric)
    for name, frame in frames.items():
        member = PseudoClass(0, np.arange(80), 3, frame, metric)
        assert member.X.dtype == np.float32, name
        np.testing.assert_array_equal(member.X, X)
        np.testing.assert_array_equal(member.distance_matrix(),
                                      expected.distance_matrix())
        np.testing.assert_array_equal(member.mean_distances(),
                                      expected.mean_distances())
        for a, b in zip(IDCDenoiser().denoise_class(member),
                        IDCDenoiser().denoise_class(expected), strict=True):
            np.testing.assert_array_equal(a, b)
    mixed = pd.DataFrame(X).astype({0: "Float32"}).astype({1: np.float64})
    assert PseudoClass(0, np.arange(80), 3, mixed, metric).X.dtype == np.float64
    # Beside a bool column float32 too, numpy's (and the estimators') dtype
    # for bool and float32; dates are refused, as before.
    flags = pd.DataFrame(X).astype("Float32").assign(flag=X[:, 0] > 0)
    assert PseudoClass(0, np.arange(80), 3, flags, metric).X.dtype == np.float32
    assert validate_pool(ActiveFTSelector(5), flags.set_axis(
        [str(column) for column in flags.columns], axis=1)).dtype == np.float32
    dates = pd.DataFrame(X).astype("Float32").assign(
        day=pd.date_range("2020-01-01", periods=80, tz="UTC"))
    with pytest.raises(TypeError, match="^X must be a 2-D array of numbers"):
        PseudoClass(0, np.arange(80), 3, dates, metric)


@pytest.mark.parametrize("ints", ["int16", "Int16", "int16[pyarrow]", "Int64"])
@pytest.mark.parametrize("floats", ["float32", "Float32", "float[pyarrow]"])
def test_pseudo_class_of_nullable_int_and_float_columns_follows_numpy(ints, floats):
    """A frame of nullable (or pyarrow) int and float columns gives the rows
    numpy gives the frame of their numpy dtypes: int16 and float32 columns
    are float32 rows (they were float64, numpy reading the nullable int
    column as Python objects), int64 and float32 ones float64."""
    from sklearn_bilaf.pseudo_classes import PseudoClass

    if "pyarrow" in ints + floats:
        pytest.importorskip("pyarrow")
    X = _blobs(30, d=3).astype(np.float32)
    wide = ints == "Int64"
    numpy_frame = pd.DataFrame({
        "n": (np.arange(30) - 15).astype(np.int64 if wide else np.int16),
        "a": X[:, 0], "b": X[:, 1]})
    frame = numpy_frame.astype({"n": ints, "a": floats})
    expected = PseudoClass(0, np.arange(30), 3, np.asarray(numpy_frame), "euclidean")
    member = PseudoClass(0, np.arange(30), 3, frame, "euclidean")
    assert member.X.dtype == expected.X.dtype == (np.float64 if wide else np.float32)
    np.testing.assert_array_equal(member.X, expected.X)
    np.testing.assert_array_equal(member.distance_matrix(),
                                  expected.distance_matrix())
    # A missing value in a nullable or pyarrow column is still refused, by
    # its row, as the other public functions refuse it.
    column = 0 if ints != "int16" else 1 if floats != "float32" else None
    if column is not None:
        frame.iloc[2, column] = pd.NA
        with pytest.raises(ValueError, match=r"^X contains NaN in 1 row "
                                             r"\(row 2\)"):
            PseudoClass(0, np.arange(30), 3, frame, "euclidean")


def _int_and_float_frame(ints, floats, n=120):
    """A frame of an int (or bool) column of dtype ``ints`` beside float
    columns, one of dtype ``floats`` (the others float32, or float16 with
    ``floats="float16"``), and the same frame in the columns' numpy dtypes."""
    X = _blobs(n, d=3).astype(np.float16 if floats == "float16" else np.float32)
    numpy_int = np.dtype(ints.replace("[pyarrow]", "").lower()
                         .replace("boolean", "bool"))
    steps = np.arange(n) % 5 if numpy_int.kind != "b" else np.arange(n) % 2 == 0
    numpy_frame = pd.DataFrame({"n": steps.astype(numpy_int), "a": X[:, 0],
                                "b": X[:, 1], "c": X[:, 2]})
    if "pyarrow" in ints + floats:
        pytest.importorskip("pyarrow")
    return numpy_frame.astype({"n": ints, "a": floats}), numpy_frame


@pytest.mark.parametrize("ints", ["int8", "int16", "uint16", "bool", "Int8", "Int16",
                                  "UInt16", "boolean", "int16[pyarrow]",
                                  "bool[pyarrow]", "int32", "Int32", "Int64"])
@pytest.mark.parametrize("floats", ["float32", "Float32", "float[pyarrow]",
                                    "float16"])
def test_int_and_float32_frames_follow_numpy_s_promotion(ints, floats):
    """A frame of small int (or bool) columns beside float32 ones is float32
    for numpy (int32 and int64 beside them float64): the estimators made
    it float64 when the int column was nullable or pyarrow (float32 for
    numpy's int16), and the public functions always.  The estimators'
    validation, transform, pool_array, frame_pool and PseudoClass now give
    the frame numpy's dtype (float16 computed in float32 by the estimators),
    and the selection is that of the numpy array of its values."""
    from sklearn_bilaf import BiLAFSampler
    from sklearn_bilaf.base import frame_pool, pool_array
    from sklearn_bilaf.core import RandomSelector
    from sklearn_bilaf.pseudo_classes import PseudoClass

    if floats == "float16" and "[" in ints:
        pytest.skip("one pyarrow case is enough")
    frame, numpy_frame = _int_and_float_frame(ints, floats)
    numpy_dtype = np.result_type(*numpy_frame.dtypes)
    small = numpy_dtype.itemsize <= 4
    assert small == (np.dtype(numpy_frame.dtypes.iloc[0]).itemsize <= 2)
    work = np.dtype(np.float32 if small else np.float64)
    array = numpy_frame.to_numpy(dtype=work)
    values = validate_pool(ActiveFTSelector(5), frame)
    assert values.dtype == work and values.flags.c_contiguous
    np.testing.assert_array_equal(values, array)
    assert frame_pool(frame).dtype == work
    got = pool_array(frame)
    assert got.dtype == (numpy_dtype if small else np.float64), got.dtype
    np.testing.assert_array_equal(got, numpy_frame.to_numpy(dtype=got.dtype))
    member = PseudoClass(0, np.arange(len(frame)), 3, frame, "euclidean")
    expected = PseudoClass(0, np.arange(len(frame)), 3, array, "euclidean")
    # PseudoClass holds float16 as float32, as for a float16 array (and as
    # the estimators convert it).
    assert member.X.dtype == (numpy_dtype if numpy_dtype.itemsize >= 4
                              else np.float32)
    np.testing.assert_array_equal(member.distance_matrix(),
                                  PseudoClass(0, np.arange(len(frame)), 3,
                                              member.X, "euclidean").distance_matrix())
    np.testing.assert_array_equal(member.X, expected.X)
    kw = dict(core_selector=RandomSelector(6, random_state=0), random_state=0)
    sampler = BiLAFSampler(20, **kw).fit(frame)
    reference = BiLAFSampler(20, **kw).fit(array)
    np.testing.assert_array_equal(sampler.selected_indices_,
                                  reference.selected_indices_)
    assert sampler.selected_embeddings_.dtype == work
    out = sampler.transform(frame)
    np.testing.assert_array_equal(out, array[sampler.selected_indices_])
    if any(not isinstance(dtype, np.dtype) for dtype in frame.dtypes):
        assert out.dtype == work  # the validated rows, not the frame's own


@pytest.mark.parametrize("dtype", ["Float32", "Float64", "Int64", "object",
                                   "float64[pyarrow]"])
def test_pseudo_class_names_the_row_of_a_missing_value_in_a_frame(dtype):
    """PseudoClass said "X[1, 2] is <NA>, not a number ... Embed raw inputs"
    (text to embed) of pd.NA, where the estimators and the other public
    functions say "X contains NaN in 1 row (row 1)"."""
    from sklearn_bilaf.pseudo_classes import PseudoClass

    if "pyarrow" in dtype:
        pytest.importorskip("pyarrow")
    frame = pd.DataFrame(np.round(_blobs(5))).astype(dtype)
    frame.iloc[1, 2] = pd.NA
    with pytest.raises(ValueError, match=r"^X contains NaN in 1 row \(row 1\): "
                                         r"embeddings must be finite numbers"):
        PseudoClass(0, np.arange(5), 0, frame, "euclidean")


def test_outside_distances_names_rows_for_a_missing_value_in_a_nullable_frame():
    """The rows of a nullable frame are converted as ``rows``, not ``X``."""
    from sklearn_bilaf.pseudo_classes import outside_distances

    frame = pd.DataFrame(_blobs(20)).astype("Float64")
    frame.iloc[4, 1] = pd.NA
    with pytest.raises(ValueError, match=r"^rows contains NaN in 1 row \(row 4\)"):
        outside_distances(frame, np.arange(20) % 2, _blobs(2), "euclidean")


def test_outside_distances_refuses_a_complex_frame_as_before():
    from sklearn_bilaf.pseudo_classes import outside_distances

    frame = pd.DataFrame(_blobs(20)).astype({1: np.complex128})
    with pytest.raises(ValueError, match=r"^rows must hold real numbers; got "
                                         r"dtype complex128"):
        outside_distances(frame, np.zeros(20, dtype=int), _blobs(2), "euclidean")


def _float32_frames():
    X = _blobs().astype(np.float32)
    frames = [pd.DataFrame(X), pd.DataFrame(X).astype("Float32")]
    try:
        import polars as pl
    except ImportError:
        return X, frames
    return X, frames + [pl.DataFrame(X)]


def test_isolation_radii_of_a_float32_frame_are_those_of_its_array():
    """A frame was converted to float64 (twice the size of its float32
    values, and searched in float64), an array of the same values not."""
    from sklearn_bilaf.core import isolation_radii

    X, frames = _float32_frames()
    expected = isolation_radii(X)
    for frame in frames:
        np.testing.assert_array_equal(isolation_radii(frame), expected)
    # float16 too: computed as the float16 array it holds.
    half = X.astype(np.float16)
    np.testing.assert_array_equal(isolation_radii(pd.DataFrame(half)),
                                  isolation_radii(half))


@pytest.mark.parametrize("function", ["nearest_unused", "assign_pseudo_classes"])
def test_public_functions_compute_in_a_float32_frame_s_dtype(function,
                                                              monkeypatch):
    """A float32 frame reached the computation as a float64 copy of it."""
    from sklearn_bilaf import core, pseudo_classes

    module = core if function == "nearest_unused" else pseudo_classes
    seen = []
    work_dtype = module._work_dtype

    def spy(X):
        seen.append(X.dtype)
        return work_dtype(X)

    monkeypatch.setattr(module, "_work_dtype", spy)
    X, frames = _float32_frames()
    def run(pool):
        if function == "nearest_unused":
            return (core.nearest_unused(pool, X[:20] + 0.01),)
        return pseudo_classes.assign_pseudo_classes(
            pool, [0, 5, 9, 100], return_outside=True)

    expected = run(X)
    for frame in frames:
        for got, want in zip(run(frame), expected, strict=True):
            np.testing.assert_array_equal(got, want)
    assert seen and all(dtype == np.float32 for dtype in seen)


@pytest.mark.parametrize("kind", ["pandas", "polars"])
@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_non_finite_float16_frame_error_points_at_float16(kind, dtype):
    """The float16 hint read X.dtype, which a DataFrame does not have: a
    float16 frame holding inf got no hint; other dtypes get none."""
    from sklearn_bilaf import BiLAFSampler
    from sklearn_bilaf.core import RandomSelector

    X = np.random.RandomState(0).normal(size=(20, 5)).astype(dtype)
    X[4, 1] = np.inf
    if kind == "pandas":
        frame, cast = pd.DataFrame(X), "X.astype(np.float32)"
    else:
        pl = _polars()
        frame = pl.DataFrame(X)
        if dtype == np.float16 and frame.dtypes[0] != getattr(pl, "Float16", None):
            pytest.skip("this polars has no Float16 columns")
        cast = "X.cast(pl.Float32)"
    with pytest.raises(ValueError, match=r"infinite values in 1 row") as info:
        BiLAFSampler(3, core_selector=RandomSelector(2)).fit(frame)
    assert ("float16" in str(info.value)) == (dtype == np.float16)
    assert (cast in str(info.value)) == (dtype == np.float16)


def _missing_ids():
    ids = {"pandas Int64": pd.Series([10, pd.NA, 12, 13], dtype="Int64"),
           "pandas string": pd.Series(["a", pd.NA, "c", "d"], dtype="string"),
           "pandas float": pd.Series([1.5, np.nan, 2.5, 3.5]),
           "pandas dates": pd.Series(pd.to_datetime(
               ["2020-01-01", None, "2020-01-03", "2020-01-04"])),
           "float32 array": np.array([1.5, np.nan, 2.5, 3.5], dtype=np.float32),
           "list": ["a", None, "c", "d"]}
    try:
        import polars as pl
    except ImportError:
        return ids
    ids["polars Int64"] = pl.Series([10, None, 12, 13])
    ids["polars str"] = pl.Series(["a", None, "c", "d"])
    ids["polars float NaN"] = pl.Series([1.5, float("nan"), 2.5, 3.5])
    return ids


@pytest.mark.parametrize("name", list(_missing_ids()))
def test_missing_ids_are_empty_cells_in_csv(name, tmp_path):
    """A missing id (pandas' NA, a polars null, NaN, NaT) was written as
    the text "<NA>", "nan" or "NaT" in .csv: it is the empty cell, as
    pandas' to_csv writes it and read_csv reads it back as missing."""
    import csv

    from sklearn_bilaf.io import write_selection

    path = tmp_path / "picks.csv"
    write_selection(path, [2, 1, 0], roles=["core", "boundary", "boundary"],
                    pseudo_classes=[0, 0, 0], ids=_missing_ids()[name])
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["row"] for row in rows] == ["2", "1", "0"]
    assert rows[1]["id"] == ""
    assert "" not in (rows[0]["id"], rows[2]["id"])
    read = pd.read_csv(path)
    assert read["id"].isna().tolist() == [False, True, False]


def _small_row_blocks(monkeypatch, rows=7):
    """Blocks of ``rows`` rows in the frame conversions and transform's
    checks, so that a small pool spans several (their sizes are a few
    MiB and 64 KiB of values)."""
    from sklearn_bilaf import base

    original = base._frame_row_blocks
    monkeypatch.setattr(base, "_frame_row_blocks",
                        lambda X, size: original(X, rows * X.shape[1]))


@pytest.mark.parametrize("name", list(_frames_to_convert()))
def test_frame_converted_in_several_blocks_holds_all_its_rows(name, monkeypatch):
    """The blocks of rows of the conversion cover every row once, the last
    alone in its block too (50 rows in blocks of 7: 49 is the last block)."""
    from sklearn_bilaf.base import pool_array

    frame = _frames_to_convert(_blobs(50))[name]
    # In one block (50 rows of 6 values).
    expected = [validate_pool(ActiveFTSelector(5), frame), pool_array(frame)]
    _small_row_blocks(monkeypatch)
    for got, want in zip([validate_pool(ActiveFTSelector(5), frame),
                          pool_array(frame)], expected, strict=True):
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype


@pytest.mark.parametrize("name", list(_frames_to_convert()))
def test_transform_refuses_values_in_any_block_as_fit_s_validation(name,
                                                                   monkeypatch):
    """transform's checks, a block of rows at a time, refuse what the whole
    frame's validation refuses, wherever the value lies: first and last rows
    of the blocks, the first block's largest value, a negative one; the
    largest value squared distances allow is accepted, as it is there; a
    pool too small for euclidean distances is refused."""
    from sklearn_bilaf import BiLAFSampler
    from sklearn_bilaf.core import RandomSelector

    X = _blobs(50)
    sampler = BiLAFSampler(4, core_selector=RandomSelector(2, random_state=0),
                           random_state=0).fit(_frames_to_convert(X)[name])
    expected = sampler.transform(_frames_to_convert(X)[name])
    _small_row_blocks(monkeypatch)
    dtype = validate_pool(sampler, _frames_to_convert(X)[name], reset=False).dtype
    limit = float(np.sqrt(np.finfo(dtype).max / (4.0 * X.shape[1])).astype(dtype))
    unselected = np.setdiff1d(np.arange(50), sampler.selected_indices_)
    rows = [row for row in (0, 6, 7, 13, 48, 49) if row in unselected]
    cases = [(value, row) for row in rows
             for value in (np.nan, np.inf, -np.inf, 1e300, -1e300, limit,
                           1.2 * limit)]
    for value, row in cases + [(1e300, rows[0])]:
        values = X.copy()
        values[row, 3] = value
        if value == 1e300 and row == rows[0]:
            values[rows[-1], 3] = 1e3  # the first block's peak is the pool's
        with np.errstate(over="ignore"):  # 1e300 in the float32 frames
            frame = _frames_to_convert(values)[name]
        try:
            validate_pool(sampler, frame, reset=False)
        except ValueError as exc:
            with pytest.raises(ValueError, match=re.escape(str(exc))):
                sampler.transform(frame)
        else:
            np.testing.assert_array_equal(sampler.transform(frame), expected)
    if dtype == np.float64:
        # Refused by transform's checks as by fit's; fit refuses it even
        # where the values are not checked (assume_finite vouches for
        # finite values, not for squared distances that underflow).
        tiny = _frames_to_convert(X * 1e-170)[name]
        with sklearn.config_context(assume_finite=True), pytest.raises(
                ValueError, match="^X has no value larger than"):
            clone(sampler).fit(tiny)
        with pytest.raises(ValueError, match="^X has no value larger than"):
            validate_pool(sampler, tiny, reset=False)
        with pytest.raises(ValueError, match="^X has no value larger than"):
            sampler.transform(tiny)


def test_pd_na_in_object_columns_is_unchecked_under_assume_finite():
    """Under assume_finite the values are not checked: pd.NA in a nullable
    column passed as NaN, yet pd.NA in a column of objects was still
    refused (its conversion by numpy fails, and the error named it as a
    NaN).  Both are now given as NaN there, and refused alike without it."""
    from sklearn_bilaf import BiLAFSampler
    from sklearn_bilaf.core import RandomSelector

    X = _blobs(60, d=4)
    names = ["a", "b", "c", "d"]
    nullable = pd.DataFrame(X, columns=names).astype("Float64")
    objects = pd.DataFrame(X, columns=names).astype(object)
    one_column = pd.DataFrame(X, columns=names).astype({"c": object})
    frames = [nullable, objects, one_column]
    for frame in frames:
        frame.iloc[7, 2] = pd.NA
    expected = X.copy()
    expected[7, 2] = np.nan
    message = r"^X contains NaN in 1 row \(row 7\)"
    for frame in frames:
        with pytest.raises(ValueError, match=message):
            validate_pool(RandomSelector(5), frame)
        with sklearn.config_context(assume_finite=True):
            values = validate_pool(RandomSelector(5), frame)
            np.testing.assert_array_equal(values, expected)
            assert values.dtype == np.float64
            # The stages that still name NaN rows do so for either frame.
            with pytest.raises(ValueError, match=r"row 7"):
                BiLAFSampler(10, random_state=0).fit(frame)
            selector = RandomSelector(5, random_state=0).fit(frame)
        assert list(selector.feature_names_in_) == names
        assert selector.n_features_in_ == 4


# NaN distances under assume_finite, the caller's responsibility there.
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_public_functions_read_pd_na_as_nan_under_assume_finite():
    """assign_pseudo_classes, outside_distances and PseudoClass leave NaN
    unchecked under assume_finite, as the estimators do, and say that
    pd.NA counts as NaN there; yet pd.NA was refused ("X contains NaN")
    whether or not it was set (by PseudoClass in a column of objects
    only).  It is given as NaN under assume_finite now, as the array
    holding NaN is: kept by PseudoClass, refused by the other two where
    their nearest-core search meets it; the functions that check NaN always
    (nearest_unused, isolation_radii, least_isolated_rows) refuse it
    still, as they refuse NaN."""
    from sklearn_bilaf.core import (
        isolation_radii,
        least_isolated_rows,
        nearest_unused,
    )
    from sklearn_bilaf.pseudo_classes import (
        PseudoClass,
        assign_pseudo_classes,
        outside_distances,
    )

    X = _blobs(40, d=4)
    names = ["a", "b", "c", "d"]
    frames = {
        "object": pd.DataFrame(X, columns=names).astype(object),
        "Float64": pd.DataFrame(X, columns=names).astype("Float64"),
        "Float32": pd.DataFrame(X.astype(np.float32), columns=names).astype(
            "Float32"),
        "Int64 beside Float64": pd.DataFrame(X, columns=names).astype(
            "Float64").astype({"a": "Int64"}),
    }
    frames["Int64 beside Float64"]["a"] = pd.array(
        np.arange(40), dtype="Int64")
    cores = np.zeros((2, 4))
    cores[1] = 1.0
    calls = {
        "assign_pseudo_classes": lambda values: assign_pseudo_classes(
            values, [0, 9], return_outside=True),
        "outside_distances rows": lambda values: outside_distances(
            values, 0, cores, "euclidean"),
        "outside_distances core_rows": lambda values: outside_distances(
            cores, 0, values, "euclidean"),
        "PseudoClass": lambda values: PseudoClass(
            0, np.arange(40), 0, values, "euclidean").X,
    }
    for kind, frame in frames.items():
        frame.iloc[7, 2] = pd.NA
        # The array of the frame with NaN for pd.NA, in its dtype.
        expected_X = np.column_stack([
            frame[column].to_numpy(dtype=np.float64, na_value=np.nan)
            for column in names]).astype(
                np.float32 if kind == "Float32" else np.float64)
        for name, call in calls.items():
            with pytest.raises(ValueError, match=r"contains NaN in 1 row "
                               r"\(row 7\)"):
                call(frame)
            with sklearn.config_context(assume_finite=True):
                if name != "PseudoClass":
                    # No pass of their own for NaN, but the nearest-core
                    # search meets it in the squared norms it computes.
                    for values in (frame, expected_X):
                        with pytest.raises(ValueError, match=r"contains NaN "
                                           r"in 1 row \(row 7\)"):
                            call(values)
                    continue
                got = call(frame)
                expected = call(expected_X)
            np.testing.assert_allclose(np.asarray(got, dtype=np.float64),
                                       np.asarray(expected, dtype=np.float64),
                                       err_msg=f"{kind}, {name}")
        with sklearn.config_context(assume_finite=True):
            for call in (lambda values: nearest_unused(values, cores),
                         lambda values: nearest_unused(X, values),
                         isolation_radii,
                         lambda values: least_isolated_rows(values, 0.1)):
                with pytest.raises(ValueError, match=r"contains NaN in 1 row "
                                   r"\(row 7\)"):
                    call(frame)


def test_frame_columns_named_as_ids_labels_or_a_read_back_index_are_warned(
        tmp_path):
    """A frame's numeric id or label column, or the row index pandas reads
    back from a CSV written with it (``Unnamed: 0``), joined the features
    without a word, where ``bilaf select`` warns of them: the selection
    followed the row numbers (rows 0 and 1 among three picks).  fit warns,
    naming the column and how to leave it out; the selection is that of the
    frame as given."""
    import warnings

    from sklearn_bilaf import BiLAFSampler

    X = _blobs(60, d=4)
    names = ["f0", "f1", "f2", "f3"]
    sampler = BiLAFSampler(5, random_state=0)
    for column, what in (("id", "ids"), ("Label", "labels"), ("index", "ids")):
        frame = pd.DataFrame(X, columns=names)
        frame[column] = np.arange(60)
        with pytest.warns(UserWarning) as record:
            picks = clone(sampler).fit(frame).selected_indices_
        messages = [str(w.message) for w in record
                    if "is used as a feature" in str(w.message)]
        assert messages == [
            f"X's column {column!r} is used as a feature, but its name says it "
            f"holds {what}; if it does, leave it out of X "
            f"(X.drop(columns=[{column!r}])) and keep it aside to look the "
            "selected rows up (if it is a feature, rename the column to "
            "silence this warning)."]
        np.testing.assert_array_equal(
            picks, clone(sampler).fit(frame.to_numpy()).selected_indices_)
    path = tmp_path / "pool.csv"
    pd.DataFrame(X, columns=names).to_csv(path)  # with its index
    with pytest.warns(UserWarning, match=r"X's column 'Unnamed: 0' is used as "
                      r"a feature, but its name is the one pandas gives the "
                      r"row index of a CSV written with it.*"
                      r"pd\.read_csv\(path, index_col=0\)"):
        clone(sampler).fit(pd.read_csv(path))
    # Ordinary names, x and y coordinates, and transform: no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fitted = clone(sampler).fit(pd.DataFrame(X, columns=names))
        fitted.transform(pd.DataFrame(X, columns=names))
        clone(sampler).fit(pd.DataFrame(X[:, :2], columns=["x", "y"]))


# ActiveFT's warning for a pool of one feature, which the advice for a 1-D
# pool makes.
_ONE_FEATURE_DIRECTIONS = (r"^ActiveFTSelector compares rows by their "
                           r"direction, and with a single feature")


@pytest.mark.parametrize("values", [np.arange(1.0, 31.0), np.arange(0.0)],
                         ids=["numbers", "empty"])
def test_a_series_is_told_to_be_made_a_frame(values):
    """A pandas Series of numbers (one column picked from a frame) got
    scikit-learn's "Pass a DataFrame containing a single row (i.e. single
    sample) or a single column", where a 1-D array is told what a pool is
    and how to make one of it; a single row is no pool."""
    from sklearn_bilaf import BiLAFSampler

    series = pd.Series(values, name="f0")
    if not len(values):
        with pytest.raises(ValueError, match=r"^X is empty \(shape \(0,\)\)"):
            BiLAFSampler(3).fit(series)
        return
    with pytest.raises(ValueError) as info:
        BiLAFSampler(3).fit(series)
    assert str(info.value) == (
        "X is 1-D (a pandas Series of shape (30,)); the selection needs a 2-D "
        "array, one row per sample and one column per feature. Reshape your "
        "data: if each value is a sample's only feature, pass X.to_frame().")
    # The advice works (a pool of one feature, whose rows ActiveFT, the
    # default core stage, tells apart only by their sign: it says so).
    X = series
    with pytest.warns(UserWarning, match=_ONE_FEATURE_DIRECTIONS):
        BiLAFSampler(3, random_state=0).fit(X.to_frame())


@pytest.mark.parametrize("kind", ["index", "range-index", "list", "array"])
def test_the_one_feature_hint_works_for_what_was_passed(kind):
    """A 1-D pool was told to pass X.reshape(-1, 1) whatever it was: a
    pandas Index (a frame's index or columns passed by mistake) and a list
    have no reshape method, so the advice failed with an AttributeError.
    The hint is one that works on the object passed, in the estimators'
    message and in isolation_radii's."""
    from sklearn_bilaf import BiLAFSampler
    from sklearn_bilaf.core import isolation_radii

    values = np.random.RandomState(0).rand(30)
    X = {"index": pd.Index(values), "range-index": pd.RangeIndex(1, 31),
         "list": values.tolist(), "array": values}[kind]
    with pytest.raises(ValueError) as info:
        BiLAFSampler(3).fit(X)
    hint = re.search(r"pass (.+)\.$", str(info.value)).group(1)
    with pytest.warns(UserWarning, match=_ONE_FEATURE_DIRECTIONS):
        BiLAFSampler(3, random_state=0).fit(eval(hint, {"np": np, "X": X}))
    with pytest.raises(ValueError) as info:
        isolation_radii(X)
    hint = re.search(r"Use (.+) for one sample, (.+) for one feature\.$",
                     str(info.value))
    assert eval(hint.group(1), {"np": np, "X": X}).shape == (1, 30)
    isolation_radii(eval(hint.group(2), {"np": np, "X": X}))
