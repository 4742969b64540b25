"""Small helpers the generated code calls (inlined into it by Numba)."""

from __future__ import annotations

import math

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


# Matrix products: SciPy's BLAS (where Numba's np.dot takes it from), called with the routine and
# the arguments np.dot would use, on operands passed as the flat array holding them and an offset.
# Views of the arena (a slice and a reshape per operand) would cost Numba far more to compile in
# every part than the product itself; and a helper's code is compiled again into each part that
# calls it, so it stays small.

def _blas(name, nargs, restype=None):
    """SciPy's BLAS routine ``name`` for the helpers below (Fortran style: every argument an address)."""
    import llvmlite.binding
    from numba.extending import get_cython_function_address

    symbol = "symdiff_" + name   # resolved by name: code calling it stays cacheable
    llvmlite.binding.add_symbol(symbol, get_cython_function_address("scipy.linalg.cython_blas", name))
    return nb.types.ExternalFunction(symbol, (restype or nb.types.void)(*([nb.types.uintp] * nargs)))


_sgemm, _dgemm = _blas("sgemm", 13), _blas("dgemm", 13)
_sgemv, _dgemv = _blas("sgemv", 11), _blas("dgemv", 11)
_sdot, _ddot = _blas("sdot", 5, nb.types.float32), _blas("ddot", 5, nb.types.float64)

#: what ``fn.export`` copies with ``_gemm`` and ``_vdot``
BLAS_SUPPORT = ("_blas", "_sgemm", "_dgemm", "_sgemv", "_dgemv", "_sdot", "_ddot")


@nb.njit(cache=True, nogil=True)
def _gemm(a, ia, b, ib, out, io, m, k, n, ta, tb, vec):
    """``out = op(a) @ op(b)``: ``m`` x ``k`` times ``k`` x ``n``, each stored C-contiguous from its offset.

    ``op(a)`` is stored transposed (``k`` x ``m``) when ``ta``, ``op(b)`` when
    ``tb``; ``vec`` 1: ``b`` is a vector (``n`` = 1), 2: ``a`` is one (``m`` =
    1), 0: both are matrices. BLAS's ``gemm``, ``gemv`` or ``dot`` is picked and
    called as Numba's ``np.dot(a, b, out)`` does for such views (the same
    results, bit for bit).
    """
    if m == 0 or n == 0 or k == 0:
        for t in range(m * n):
            out[io + t] = 0
        return
    size = np.uint64(out.itemsize)
    pa = a.ctypes.data + np.uint64(ia) * size
    pb = b.ctypes.data + np.uint64(ib) * size
    pc = out.ctypes.data + np.uint64(io) * size
    # every argument by address: one scratch array holds the integers, the flag characters and
    # alpha = 1, beta = 0 (the float's bits), each in the low bytes of a slot (little-endian, as
    # every platform Numba runs on)
    w = np.zeros(10, np.int64)
    p = w.ctypes.data
    w[6] = 1                                                    # increments
    w[8] = 4607182418800017408 if size == 8 else 1065353216     # alpha; w[9]: beta
    if vec == 0 and m == 1 and n == 1:
        w[0] = k
        if size == 8:
            out[io] = _ddot(p, pa, p + 48, pb, p + 48)
        else:
            out[io] = _sdot(p, pa, p + 48, pb, p + 48)
    elif vec == 1 or (vec == 0 and n == 1):     # matrix times vector
        w[7] = 116 if ta == 0 else 110          # 't', 'n'
        w[0] = k if ta == 0 else m
        w[1] = m if ta == 0 else k
        if size == 8:
            _dgemv(p + 56, p, p + 8, p + 64, pa, p, pb, p + 48, p + 72, pc, p + 48)
        else:
            _sgemv(p + 56, p, p + 8, p + 64, pa, p, pb, p + 48, p + 72, pc, p + 48)
    elif vec == 2 or m == 1:                    # vector times matrix
        w[7] = 116 if tb == 1 else 110
        w[0] = k if tb == 1 else n
        w[1] = n if tb == 1 else k
        if size == 8:
            _dgemv(p + 56, p, p + 8, p + 64, pb, p, pa, p + 48, p + 72, pc, p + 48)
        else:
            _sgemv(p + 56, p, p + 8, p + 64, pb, p, pa, p + 48, p + 72, pc, p + 48)
    else:                                       # C = A B in C order is C^T = B^T A^T in Fortran's
        w[7] = 116 if tb else 110
        w[5] = 116 if ta else 110
        w[0] = n
        w[1] = m
        w[2] = k
        w[3] = k if tb else n
        w[4] = m if ta else k
        if size == 8:
            _dgemm(p + 56, p + 40, p, p + 8, p + 16, p + 64, pb, p + 24, pa, p + 32, p + 72, pc, p)
        else:
            _sgemm(p + 56, p + 40, p, p + 8, p + 16, p + 64, pb, p + 24, pa, p + 32, p + 72, pc, p)
    w[0] = 0    # w stays alive until BLAS has returned (Numba frees an array after its last use)


@nb.njit(cache=True, nogil=True)
def _vdot(a, ia, b, ib, n):
    """Inner product of the ``n``-vectors stored from ``a[ia]`` and ``b[ib]`` (BLAS ``dot``, as np.dot)."""
    size = np.uint64(a.itemsize)
    w = np.zeros(2, np.int64)
    w[0] = n
    w[1] = 1
    p = w.ctypes.data
    if size == 8:
        r = _ddot(p, a.ctypes.data + np.uint64(ia) * size, p + 8, b.ctypes.data + np.uint64(ib) * size, p + 8)
    else:
        r = _sdot(p, a.ctypes.data + np.uint64(ia) * size, p + 8, b.ctypes.data + np.uint64(ib) * size, p + 8)
    w[0] = 0
    return r


# Without SciPy Numba has no BLAS (it takes BLAS from SciPy): a module exported by
# ``fn.export`` then uses these loops for ``_gemm`` and ``_vdot`` instead.

@nb.njit(cache=True, nogil=True)
def _gemm_loops(a, ia, b, ib, out, io, m, k, n, ta, tb, vec):
    """``_gemm`` in plain loops."""
    for i in range(m):
        for j in range(n):
            s = out.dtype.type(0)
            for t in range(k):
                x = a[ia + t * m + i] if ta else a[ia + i * k + t]
                y = b[ib + j * k + t] if tb else b[ib + t * n + j]
                s += x * y
            out[io + i * n + j] = s


@nb.njit(cache=True, nogil=True)
def _vdot_loops(a, ia, b, ib, n):
    """``_vdot`` in a plain loop."""
    s = a.dtype.type(0)
    for i in range(n):
        s += a[ia + i] * b[ib + i]
    return s


# digamma and polygamma: Numba has neither. Shift the argument up with the recurrence
# psi^(n)(x) = psi^(n)(x + 1) - (-1)^n n! / x^(n+1), then the asymptotic (Euler-Maclaurin)
# series, whose coefficients B_2k / (2k)! are below; relative error about 1e-15 against mpmath.
_B2K_FACT = np.array([1.0 / 12.0, -1.0 / 720.0, 1.0 / 30240.0, -1.0 / 1209600.0, 1.0 / 47900160.0,
                      -691.0 / 1307674368000.0, 1.0 / 74724249600.0, -3617.0 / 10670622842880000.0])
_B2K_OVER_2K = np.array([1.0 / 12.0, -1.0 / 120.0, 1.0 / 252.0, -1.0 / 240.0, 1.0 / 132.0,
                         -691.0 / 32760.0, 1.0 / 12.0, -3617.0 / 8160.0])


@nb.njit(cache=True, nogil=True, error_model="numpy")   # x / 0 is inf, as in NumPy
def _digamma(x):
    """``scipy.special.digamma(x)``, with SciPy's values at the poles, ±0 and ±inf."""
    if x != x or x == -np.inf:
        return np.nan
    if x == np.inf:
        return np.inf
    if x == 0.0:
        return -np.inf if math.copysign(1.0, x) > 0 else np.inf
    if x < 0.0:
        if x == math.floor(x):
            return np.nan
        # reflection: psi(x) = psi(1 - x) - pi / tan(pi x)
        return _digamma(1.0 - x) - math.pi / math.tan(math.pi * x)
    acc = 0.0
    while x < 10.0:
        acc -= 1.0 / x
        x += 1.0
    inv2 = 1.0 / (x * x)
    series = 0.0
    power = inv2
    for k in range(_B2K_OVER_2K.shape[0]):
        series += _B2K_OVER_2K[k] * power
        power *= inv2
    return acc + math.log(x) - 0.5 / x - series


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _polygamma(n, x):
    """``scipy.special.polygamma(n, x)`` for an order n >= 0 (0: digamma)."""
    if n == 0:
        return _digamma(x)
    if x != x:
        return np.nan
    sign = 1.0 if n % 2 == 1 else -1.0          # (-1)^(n+1)
    if x == -np.inf or (x <= 0.0 and x == math.floor(x)):
        return sign * np.inf
    if x == np.inf:
        return sign * 0.0
    s = float(n + 1)   # a float exponent: Numba's integer power raises when x ** s underflows
    factorial = 1.0
    for k in range(2, n + 1):
        factorial *= k
    # n! * zeta(s, x): the first terms summed, the rest by Euler-Maclaurin
    acc = 0.0
    while x < 12.0 + n:
        acc += math.pow(x, -s)
        x += 1.0
    tail = math.pow(x, 1 - s) / (s - 1) + 0.5 * math.pow(x, -s)
    term = s * math.pow(x, -s - 1)
    inv2 = 1.0 / (x * x)
    for k in range(_B2K_FACT.shape[0]):
        tail += _B2K_FACT[k] * term
        term *= (s + 2.0 * k + 1.0) * (s + 2.0 * k + 2.0) * inv2
    return sign * factorial * (acc + tail)


@nb.njit(inline="always", cache=True)
def _gammaln(x):
    """``scipy.special.gammaln``: C's lgamma, but -inf at -inf as SciPy gives."""
    if x == -np.inf:
        return -np.inf
    return math.lgamma(x)


# Sequential loops along one axis (cumsum, cumprod, linear_recurrence, argsort, argmax/argmin).
# Arrays come flat (C order) with (p, n, q): the product of the axes before the one worked along,
# its length, and the product of the axes after; entry (i, t, j) is at (i * n + t) * q + j.
# Flat arrays compile several times faster than 3-d views (and run faster: no per-axis index
# arithmetic). Each helper is self-contained (``fn.export`` copies them one by one).

@nb.njit(cache=True, nogil=True)
def _cumsum(x, out, p, n, q, reverse):
    """Running sums along the middle axis (from the end when ``reverse``), in ``out``'s dtype as NumPy's."""
    step = -q if reverse else q
    for i in range(p):
        if n == 0:
            break
        first = (i * n + (n - 1 if reverse else 0)) * q
        if q == 1:   # one line: the running value stays in a register
            out[first] = x[first]
            acc = out[first]
            for k in range(1, n):
                e = first + k * step
                acc = acc + x[e]
                out[e] = acc
            continue
        for j in range(first, first + q):
            out[j] = x[j]
        for k in range(1, n):
            o = first + k * step
            for j in range(o, o + q):
                out[j] = out[j - step] + x[j]


@nb.njit(cache=True, nogil=True)
def _cumprod(x, out, p, n, q):
    """Running products along the middle axis, in ``out``'s dtype as NumPy's."""
    for i in range(p):
        if n == 0:
            break
        first = i * n * q
        if q == 1:
            out[first] = x[first]
            acc = out[first]
            for e in range(first + 1, first + n):
                acc = acc * x[e]
                out[e] = acc
            continue
        for j in range(first, first + q):
            out[j] = x[j]
        for t in range(1, n):
            o = first + t * q
            for j in range(o, o + q):
                out[j] = out[j - q] * x[j]


@nb.njit(cache=True, nogil=True)
def _linear_recurrence(a, b, out, p, n, q, reverse):
    """``h_t = a_t h_{t-1} + b_t`` along the middle axis, ``h_first = b_first`` (from the end when ``reverse``)."""
    step = -q if reverse else q
    for i in range(p):
        if n == 0:
            break
        first = (i * n + (n - 1 if reverse else 0)) * q
        if q == 1:
            h = b[first]
            out[first] = h
            for k in range(1, n):
                e = first + k * step
                h = a[e] * h + b[e]
                out[e] = h
            continue
        for j in range(first, first + q):
            out[j] = b[j]
        for k in range(1, n):
            o = first + k * step
            for j in range(o, o + q):
                out[j] = a[j] * out[j - step] + b[j]


@nb.njit(cache=True, nogil=True)
def _argsort(x, out, p, n, q):
    """Stable argsort along the middle axis (NumPy's kind="stable"): ties keep their order, NaN sorts last.

    A bottom-up merge sort of the indices of each line, on a contiguous copy of its keys.
    """
    key = np.empty(n, dtype=x.dtype)
    idx = np.empty(n, dtype=np.int64)
    tmp = np.empty(n, dtype=np.int64)
    for i in range(p):
        for j in range(q):
            for t in range(n):
                key[t] = x[(i * n + t) * q + j]
                idx[t] = t
            width = 1
            while width < n:
                lo = 0
                while lo < n - width:
                    mid = lo + width
                    hi = min(lo + 2 * width, n)
                    a, b, k = lo, mid, lo
                    while a < mid and b < hi:
                        u, v = key[idx[b]], key[idx[a]]
                        # the right run goes first only when strictly smaller (stability); NaN is largest
                        if u < v or (v != v and u == u):  # noqa: PLR0124  (NaN tests)
                            tmp[k] = idx[b]
                            b += 1
                        else:
                            tmp[k] = idx[a]
                            a += 1
                        k += 1
                    while a < mid:
                        tmp[k] = idx[a]
                        a += 1
                        k += 1
                    while b < hi:
                        tmp[k] = idx[b]
                        b += 1
                        k += 1
                    for t in range(lo, hi):
                        idx[t] = tmp[t]
                    lo += 2 * width
                width *= 2
            for t in range(n):
                out[(i * n + t) * q + j] = idx[t]


@nb.njit(cache=True, nogil=True)
def _argmax(x, out, p, n, q, largest):
    """Index of the first largest (``largest``) or smallest entry along the middle axis into ``out``
    (p * q entries); a NaN counts as the extreme and the first NaN wins (NumPy's rules)."""
    if n == 0:
        if largest:
            raise ValueError("argmax: attempt to get argmax of an empty sequence")
        raise ValueError("argmin: attempt to get argmin of an empty sequence")
    for i in range(p):
        for j in range(q):
            e = i * n * q + j
            best = x[e]
            k = 0
            if best == best:  # noqa: PLR0124  (NaN test)
                for t in range(1, n):
                    v = x[e + t * q]
                    if v != v:  # noqa: PLR0124  (NaN test)
                        k = t
                        break
                    if (v > best) if largest else (v < best):
                        best = v
                        k = t
            out[i * q + j] = k
