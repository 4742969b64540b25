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


# ------------------------------------------------------------------ vectorisable math
# With libmvec on (vecmath.py), LLVM vectorises loops that call exp, log, sin,
# cos, tan, pow, but not log1p, expm1, tanh, sinh or cosh (Numba calls libm for
# those and LLVM's libmvec table does not list them): one such call keeps a
# whole fused loop scalar. These helpers compute them from exp and log with
# branch-free (select) formulas, accurate to a few ulp, with libm's results at
# 0, +-inf and nan. The generated code calls them only when libmvec is on.
#
# They are compiled *without* fast-math (explicitly: Numba lets a callee inherit
# the caller's fastmath flags unless it sets its own), and not inlined at the Numba level
# (inline="never"): LLVM inlines them into the caller's loop later, keeping
# their own instruction flags. Under the caller's flags ('reassoc', 'afn')
# LLVM would fold (1 + x) - 1 to x and log(exp(x)) to x, which is exactly the
# cancellation the formulas rely on.

_EXACT = dict(cache=True, nogil=True, error_model="numpy", fastmath=False)  # explicit: not inherited


@nb.njit(**_EXACT)
def _log1p(x):
    """log1p(x) = x * log(u) / (u - 1), u = 1 + x (Goldberg 1991): the rounding of u cancels."""
    u = 1.0 + x
    d = u - 1.0
    lu = np.log(u)
    r = lu * (x / d)
    r = lu if d == np.inf else r      # x = inf
    return x if u == 1.0 else r       # |x| < eps/2 (and x = 0, keeping its sign)


@nb.njit(**_EXACT)
def _expm1(x):
    """expm1(x) = (u - 1) * x / log(u), u = exp(x) (Kahan); u - 1 itself where it does not cancel."""
    u = np.exp(x)
    um1 = u - 1.0
    r = um1 * (x / np.log(u))
    r = x if u == 1.0 else r
    return um1 if abs(x) > 2.0 else r  # also x = +-inf (u = inf or 0)


@nb.njit(**_EXACT)
def _tanh(x):
    """tanh(x) = sign(x) e / (e + 2), e = expm1(2 |x|); 1 beyond |x| = 22 (e would overflow)."""
    a = abs(x)
    e = _expm1(2.0 * a)
    t = e / (e + 2.0)
    t = 1.0 if a > 22.0 else t
    return np.copysign(t, x)


@nb.njit(**_EXACT)
def _sinh(x):
    """sinh(x) = sign(x) (e + e / (e + 1)) / 2, e = expm1(|x|); exp(|x|/2)^2 / 2 beyond |x| = 709."""
    a = abs(x)
    e = _expm1(a)
    s = 0.5 * (e + e / (e + 1.0))
    h = np.exp(0.5 * a)
    s = (0.5 * h) * h if a > 709.0 else s   # exp(|x|) overflows before sinh does
    return np.copysign(s, x)


@nb.njit(**_EXACT)
def _cosh(x):
    """cosh(x) = (e + 1/e) / 2, e = exp(|x|); exp(|x|/2)^2 / 2 beyond |x| = 709."""
    a = abs(x)
    e = np.exp(a)
    c = 0.5 * e + 0.5 / e
    h = np.exp(0.5 * a)
    return (0.5 * h) * h if a > 709.0 else c   # exp(|x|) overflows before cosh does
