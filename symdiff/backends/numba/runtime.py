"""Small helpers the generated code calls (inlined into it by Numba)."""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(inline="always", cache=True)
def _wrap(k, d):
    """A gather index with NumPy's rules: negative counts from the end, out of range raises."""
    if k < 0:
        k += d
    if k < 0 or k >= d:
        raise IndexError("index out of bounds in take / take_along_axis")
    return k


@nb.njit(cache=True)
def _true():
    """True, opaque to Numba's branch pruning: ``if _true(): pass`` ends a basic block.

    The generated code cuts long runs of statements into blocks this way, because
    Numba's lowering is quadratic in the size of a block (LLVM inlines the call).
    """
    return True


@nb.njit(inline="always", cache=True)
def _ipow(a, b):
    """Integer power by squaring (NumPy refuses negative exponents)."""
    if b < 0:
        raise ValueError("Integers to negative integer powers are not allowed.")
    r = a - a + 1
    while b:
        if b & 1:
            r *= a
        a *= a
        b >>= 1
    return r


@nb.njit(cache=True, nogil=True)
def _gemm(a, b, out):
    """``out = a @ b`` through BLAS (matrix-matrix or matrix-vector); cached once per layout."""
    np.dot(a, b, out)


@nb.njit(cache=True, nogil=True)
def _vdot(a, b):
    """Inner product of two contiguous vectors through BLAS."""
    return np.dot(a, b)


# Without SciPy Numba has no BLAS (it takes BLAS from SciPy): a module exported by
# ``fn.export`` then uses these loops for ``_gemm`` and ``_vdot`` instead.

@nb.njit(cache=True, nogil=True)
def _gemm_loops(a, b, out):
    """``out = a @ b`` (matrix-matrix or matrix-vector) in plain loops."""
    if b.ndim == 1:
        for i in range(a.shape[0]):
            s = out.dtype.type(0)
            for k in range(a.shape[1]):
                s += a[i, k] * b[k]
            out[i] = s
    else:
        out[:] = 0
        for i in range(a.shape[0]):
            for k in range(a.shape[1]):
                aik = a[i, k]
                for j in range(b.shape[1]):
                    out[i, j] += aik * b[k, j]


@nb.njit(cache=True, nogil=True)
def _vdot_loops(a, b):
    """Inner product of two vectors in a plain loop."""
    s = a.dtype.type(0)
    for i in range(a.shape[0]):
        s += a[i] * b[i]
    return s
