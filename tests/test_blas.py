"""The GIL-free ``dsyrk`` behind the within-class Gram products."""

import ctypes

import numpy as np
import pytest

from sklearn_bilaf import _blas, _distances


def _rows(n, d, seed=0):
    return np.random.default_rng(seed).standard_normal((n, d))


def test_dsyrk_found_and_called_without_the_gil():
    # scipy always exports dsyrk for Cython; a CFUNCTYPE (not PYFUNCTYPE)
    # call releases the GIL, which lets per-class threads run side by side.
    assert _blas._DSYRK is not None
    assert not _blas._DSYRK._flags_ & ctypes._FUNCFLAG_PYTHONAPI


@pytest.mark.parametrize("start, stop", [(0, 37), (5, 37), (36, 37), (12, 30)])
def test_syrk_lower_fills_only_the_lower_triangle_of_its_block(start, stop):
    rows = _rows(37, 23)
    out = np.full((37, 37), np.nan)  # beta = 0 must not read these
    _blas.syrk_lower(rows, out, start, stop)
    block = rows[start:stop]
    expected = block @ block.T
    got = out[start:stop, start:stop]
    lower = np.tril_indices(stop - start)
    np.testing.assert_allclose(got[lower], expected[lower], rtol=1e-13, atol=1e-13)
    assert np.isnan(got[np.triu_indices(stop - start, 1)]).all()
    outside = np.ones(out.shape, dtype=bool)
    outside[start:stop, start:stop] = False
    assert np.isnan(out[outside]).all()


def test_syrk_lower_uses_dsyrk_for_blocks_of_any_size():
    """Where dsyrk is available, the upper triangle of even a large block is
    left as it was (only the fallback overwrites it): the product is the
    triangle's, about 12-14 % cheaper than a full one."""
    rows = _rows(300, 70, seed=1)
    out = np.full((300, 300), np.nan)
    _blas.syrk_lower(rows, out, 100, 300)
    block = rows[100:]
    lower = np.tril_indices(200)
    np.testing.assert_allclose(out[100:, 100:][lower], (block @ block.T)[lower],
                               rtol=1e-12, atol=1e-12)
    assert np.isnan(out[100:, 100:][np.triu_indices(200, 1)]).all()


def test_syrk_lower_without_dsyrk_falls_back_to_the_product(monkeypatch):
    monkeypatch.setattr(_blas, "_DSYRK", None)
    rows = _rows(20, 7)
    out = np.zeros((20, 20))
    _blas.syrk_lower(rows, out, 4, 20)
    block = rows[4:]
    np.testing.assert_allclose(out[4:, 4:], block @ block.T, rtol=1e-13)


def test_syrk_lower_refuses_arrays_it_cannot_address():
    rows = _rows(10, 4)
    with pytest.raises(ValueError, match="C-ordered float64"):
        _blas.syrk_lower(np.asfortranarray(rows), np.zeros((10, 10)), 0, 10)
    with pytest.raises(ValueError, match="C-ordered float64"):
        _blas.syrk_lower(rows.astype(np.float32), np.zeros((10, 10)), 0, 10)
    with pytest.raises(ValueError, match="C-ordered float64"):
        _blas.syrk_lower(rows, np.zeros((10, 10))[:, ::1].T, 0, 10)


def test_syrk_lower_refuses_a_read_only_output():
    """dsyrk writes through a raw pointer: a read-only ``out`` (a memory
    map opened read-only, say) would be overwritten without numpy's
    error, so it is refused before the call, and left as it was."""
    rows = _rows(10, 4)
    out = np.zeros((10, 10))
    out.setflags(write=False)
    with pytest.raises(ValueError, match="writeable output") as info:
        _blas.syrk_lower(rows, out, 0, 10)
    # The array is C-ordered float64: the message must not claim otherwise.
    assert "C-ordered" not in str(info.value)
    assert not out.any()


def test_within_distances_across_panels_match_a_direct_evaluation(monkeypatch):
    # Three panels (one partial): the products of each panel against the
    # earlier ones and its own triangle must tile the whole matrix.
    from scipy.spatial.distance import cdist

    monkeypatch.setattr(_distances, "GRAM_PANEL_ROWS", 16)
    Y = _rows(40, 30, seed=2) + 3.0
    D = _distances.within_distances(Y, Y[0], "euclidean")
    np.testing.assert_allclose(D, cdist(Y, Y), rtol=1e-12, atol=1e-12)
    assert np.array_equal(D, D.T) and np.all(np.diag(D) == 0)
