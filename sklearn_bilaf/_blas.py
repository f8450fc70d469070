"""BLAS's symmetric rank-k product (``dsyrk``), callable without the GIL.

A pseudo-class's Gram matrix is symmetric, so only its lower triangle is
needed.  Row blocks of ``np.matmul`` waste the part of each diagonal block
above the diagonal (a whole square for a class smaller than one block);
``dsyrk`` computes just the triangle, at the speed of the matrix product:
about 12-14 % less time for all of a pool's classes.  scipy's own wrapper
(``scipy.linalg.blas.dsyrk``) holds the GIL for the whole product, which
would serialise the per-class tasks, so the routine is called through
``ctypes`` (which releases the GIL) at the address scipy exports for
Cython, ``scipy.linalg.cython_blas``.  That BLAS is scipy's, limited to one
thread by the same ``threadpoolctl`` calls as numpy's.
"""

import ctypes

import numpy as np


def _cython_blas_function(name, restype, *argtypes):
    """The BLAS routine ``name`` of ``scipy.linalg.cython_blas`` as a
    ``ctypes`` function, or None where it cannot be found."""
    try:
        from scipy.linalg import cython_blas

        capsule = cython_blas.__pyx_capi__[name]
        api = ctypes.pythonapi
        api.PyCapsule_GetName.restype = ctypes.c_char_p
        api.PyCapsule_GetName.argtypes = [ctypes.py_object]
        api.PyCapsule_GetPointer.restype = ctypes.c_void_p
        api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
        address = api.PyCapsule_GetPointer(capsule, api.PyCapsule_GetName(capsule))
    except Exception:  # an unusual scipy build: fall back to numpy's product
        return None
    if not address:
        return None
    return ctypes.CFUNCTYPE(restype, *argtypes)(address)


_int_p = ctypes.POINTER(ctypes.c_int)
_double_p = ctypes.POINTER(ctypes.c_double)

# Fortran calling convention: every argument by reference.
# dsyrk(uplo, trans, n, k, alpha, a, lda, beta, c, ldc)
_DSYRK = _cython_blas_function(
    "dsyrk", None, ctypes.c_char_p, ctypes.c_char_p, _int_p, _int_p, _double_p,
    ctypes.c_void_p, _int_p, _double_p, ctypes.c_void_p, _int_p,
)

# scipy's BLAS takes 32-bit integers.
_INT_MAX = np.iinfo(np.int32).max


def syrk_lower(rows, out, start, stop):
    """``out[start:stop, start:stop]`` gets the lower triangle (diagonal
    included) of ``rows[start:stop] @ rows[start:stop].T``.

    ``rows`` (``n x d``) and ``out`` (``n x n``, writeable) are C-ordered
    float64; the entries above the diagonal of that block are left as they
    were (or, where ``dsyrk`` is unavailable, overwritten with the other
    triangle's values).  Releases the GIL.
    """
    if not (rows.dtype == out.dtype == np.float64 and rows.flags.c_contiguous
            and out.flags.c_contiguous):
        raise ValueError("syrk_lower needs C-ordered float64 arrays")
    # dsyrk writes through a raw pointer, past numpy's own read-only check.
    if not out.flags.writeable:
        raise ValueError("syrk_lower needs a writeable output array")
    m = stop - start
    n_out = out.shape[1]
    d = rows.shape[1]
    if m <= 0:
        return
    if _DSYRK is None or max(n_out, d) > _INT_MAX:
        block = rows[start:stop]
        np.matmul(block, block.T, out=out[start:stop, start:stop])
        return
    # A C-ordered n x d array is the Fortran-ordered d x n array A^T, so
    # trans="T" gives (A^T)^T A^T = rows rows^T; the C-ordered lower
    # triangle of the result is the Fortran-ordered upper one.
    itemsize = rows.itemsize
    _DSYRK(
        b"U", b"T", ctypes.byref(ctypes.c_int(m)), ctypes.byref(ctypes.c_int(d)),
        ctypes.byref(ctypes.c_double(1.0)),
        rows.ctypes.data + start * d * itemsize, ctypes.byref(ctypes.c_int(d)),
        ctypes.byref(ctypes.c_double(0.0)),
        out.ctypes.data + (start * n_out + start) * itemsize,
        ctypes.byref(ctypes.c_int(n_out)),
    )
