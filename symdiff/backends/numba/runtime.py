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
