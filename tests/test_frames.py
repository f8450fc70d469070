"""pandas and polars DataFrames as the pool: how many copies of it a fit
makes, the dtype the public functions compute in, the hints of the errors,
and missing ids in written selections."""

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from sklearn_bilaf.base import validate_pool
from sklearn_bilaf.core import ActiveFTSelector

pd = pytest.importorskip("pandas")


def _blobs(n=300, d=6, seed=0):
    return make_blobs(n, n_features=d, centers=4, random_state=seed)[0]


def _polars():
    return pytest.importorskip(
        "polars", reason="polars is optional: this case is a polars frame")


def _frames_to_convert():
    """Frames whose values numpy cannot hand over without a copy: float16
    (computed in float32), columns of two dtypes, two blocks of one dtype
    (pandas), and polars frames (one buffer per column)."""
    X = _blobs()
    mixed = pd.DataFrame(X).astype({0: np.float32})
    blocks = pd.concat([pd.DataFrame(X[:, :3]),
                        pd.DataFrame(X[:, 3:], columns=[3, 4, 5])], axis=1)
    frames = {"pandas float16": pd.DataFrame(X.astype(np.float16)),
              "pandas mixed": mixed, "pandas two blocks": blocks}
    try:
        import polars as pl
    except ImportError:
        return frames
    frames["polars float32"] = pl.DataFrame(X.astype(np.float32))
    frames["polars float64"] = pl.DataFrame(X)
    return frames


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


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_frame_of_one_block_is_not_copied(dtype):
    """A pandas frame of one dtype that numpy reads in place stays uncopied
    (a pool larger than working_memory is not copied by the core either)."""
    frame = pd.DataFrame(_blobs().astype(dtype))
    X = validate_pool(ActiveFTSelector(5), frame)
    assert X.dtype == dtype
    assert np.shares_memory(X, frame.to_numpy())
