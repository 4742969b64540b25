"""Linear-algebra helpers the generated code calls: SciPy's LAPACK, called directly.

Each helper takes its operands and its output as C-contiguous stacks ``(p,
rows, cols)`` (the batch axes flattened into the first), each given as the
flat array it is stored in and the offset where it starts (the arena of
temporaries and an offset, or an array of its own, flattened, and 0), and
indexes them flat. The result is written into the caller-allocated output.

Why so plain: Numba links a helper's code into every part that calls it and
optimises and compiles it again there, so a helper's size is paid once per
part, and views are expensive in Numba's code (slices, reshapes with their
bounds, strides and error messages). Numba's own ``np.linalg`` functions are
large, so the helpers call LAPACK's routines (``potrf``, ``gesv``,
``getrf``, ``syevd``) themselves, through the addresses SciPy exports
(``scipy.linalg.cython_lapack``), on the same copies and with the same
arguments as Numba's ``np.linalg``: the same results, and the same errors
(``numpy.linalg.LinAlgError`` on singular or indefinite input). Like NumPy, solve,
det and slogdet let inf and NaN through LAPACK (Numba's ``np.linalg`` refuses them);
eigh refuses them, as NumPy's raises "Eigenvalues did not converge".
Triangular solves call ``trtrs``.

``fastmath=False`` is spelled out: a helper compiled for a part would
otherwise take the part's fast-math flags (Numba passes them on to callees
that set none), and, since Numba's cache does not key on them, its rounding
would depend on which caller compiled it first.

``fn.export`` copies the helpers a module calls and the names in
``EXPORT_SUPPORT`` (the routines they call).
"""

from __future__ import annotations

import numba as nb
import numpy as np


def _lapack(name, nargs):
    """SciPy's LAPACK routine ``name`` as a function the helpers call (Fortran style: every argument a pointer)."""
    import llvmlite.binding
    from numba.extending import get_cython_function_address

    symbol = "symdiff_" + name   # resolved by name: code calling it stays cacheable
    llvmlite.binding.add_symbol(symbol, get_cython_function_address("scipy.linalg.cython_lapack", name))
    return nb.types.ExternalFunction(symbol, nb.types.void(*([nb.types.voidptr] * nargs)))


_spotrf, _dpotrf = _lapack("spotrf", 5), _lapack("dpotrf", 5)
_sgesv, _dgesv = _lapack("sgesv", 8), _lapack("dgesv", 8)
_sgetrf, _dgetrf = _lapack("sgetrf", 6), _lapack("dgetrf", 6)
_ssyevd, _dsyevd = _lapack("ssyevd", 11), _lapack("dsyevd", 11)
_strtrs, _dtrtrs = _lapack("strtrs", 10), _lapack("dtrtrs", 10)


@nb.njit(cache=True, nogil=True, fastmath=False)
def _la_cholesky(a, ia, out, io, p, n):
    """``out[q] = cholesky(a[q])`` (lower factor; reads the lower triangle)."""
    w = np.empty(n * n, a.dtype)          # a copy in C order, factored in place (as Numba's np.linalg)
    uplo = np.empty(1, np.uint8)
    uplo[0] = 85                          # 'U' of the column-major view: the lower factor in C order
    size = np.empty(1, np.int32)
    size[0] = n
    info = np.zeros(1, np.int32)
    for q in range(p):
        at = ia + q * n * n
        o = io + q * n * n
        for k in range(n * n):
            w[k] = a[at + k]
        if n > 0:
            if w.itemsize == 8:
                _dpotrf(uplo.ctypes, size.ctypes, w.ctypes, size.ctypes, info.ctypes)
            else:
                _spotrf(uplo.ctypes, size.ctypes, w.ctypes, size.ctypes, info.ctypes)
            if info[0] != 0:
                raise np.linalg.LinAlgError("Matrix is not positive definite.")
        for i in range(n):
            for j in range(n):
                out[o + i * n + j] = w[i * n + j] if j <= i else 0.0


@nb.njit(cache=True, nogil=True, fastmath=False)
def _la_solve(a, ia, b, ib, out, io, p, n, k):
    """``out[q] = solve(a[q], b[q])`` (``b[q]``: ``n`` x ``k``) by LU with partial pivoting (``gesv``)."""
    af = np.empty(n * n, a.dtype)         # column-major copies, as Numba's np.linalg.solve makes
    bf = np.empty(n * k, a.dtype)
    ipiv = np.empty(max(n, 1), np.int32)
    size = np.empty(1, np.int32)
    size[0] = n
    nrhs = np.empty(1, np.int32)
    nrhs[0] = k
    info = np.zeros(1, np.int32)
    for q in range(p):
        at = ia + q * n * n
        bt = ib + q * n * k
        o = io + q * n * k
        if n == 0:
            continue
        for i in range(n):
            for j in range(n):
                af[i + j * n] = a[at + i * n + j]
            for c in range(k):
                bf[i + c * n] = b[bt + i * k + c]
        if af.itemsize == 8:
            _dgesv(size.ctypes, nrhs.ctypes, af.ctypes, size.ctypes, ipiv.ctypes, bf.ctypes, size.ctypes,
                   info.ctypes)
        else:
            _sgesv(size.ctypes, nrhs.ctypes, af.ctypes, size.ctypes, ipiv.ctypes, bf.ctypes, size.ctypes,
                   info.ctypes)
        if info[0] != 0:
            raise np.linalg.LinAlgError("Matrix is singular to machine precision.")
        for i in range(n):
            for c in range(k):
                out[o + i * k + c] = bf[i + c * n]


@nb.njit(cache=True, nogil=True, fastmath=False)
def _slogdet_lu(a, at, n, af, ipiv, size, info):
    """``(sign, log|det|)`` of the ``n`` x ``n`` matrix stored from ``a[at]``, as Numba's np.linalg.slogdet.

    ``af``, ``ipiv``: work space (``n * n`` entries, ``n`` pivots); ``size``
    holds ``n``, ``info`` receives LAPACK's status.
    """
    if n == 0:
        return 1.0, 0.0
    for i in range(n):
        for j in range(n):
            af[i + j * n] = a[at + i * n + j]
    if af.itemsize == 8:
        _dgetrf(size.ctypes, size.ctypes, af.ctypes, size.ctypes, ipiv.ctypes, info.ctypes)
    else:
        _sgetrf(size.ctypes, size.ctypes, af.ctypes, size.ctypes, ipiv.ctypes, info.ctypes)
    if info[0] > 0:          # exactly singular: NumPy's values
        return 0.0, -np.inf
    sgn = 1
    for t in range(n):       # the sign of the row permutation
        sgn = sgn + (ipiv[t] != (t + 1))
    sgn = sgn & 1
    if sgn == 0:
        sgn = -1
    acc = 0.0
    for t in range(n):
        v = af[t + t * n]
        if v < 0.0:
            sgn = -sgn
            v = -v
        acc = acc + np.log(v)
    return sgn + 0.0, acc


@nb.njit(cache=True, nogil=True, fastmath=False)
def _la_det(a, ia, out, io, p, n):
    """``out[q] = det(a[q])`` (``sign * exp(log|det|)``, as Numba's np.linalg.det)."""
    af = np.empty(n * n, a.dtype)
    ipiv = np.empty(max(n, 1), np.int32)
    size = np.empty(1, np.int32)
    size[0] = n
    info = np.zeros(1, np.int32)
    for q in range(p):
        s, logdet = _slogdet_lu(a, ia + q * n * n, n, af, ipiv, size, info)
        out[io + q] = s * np.exp(logdet)


@nb.njit(cache=True, nogil=True, fastmath=False)
def _la_slogdet(a, ia, out, io, p, n):
    """``out[q] = (sign, log|det|)`` of ``a[q]``."""
    af = np.empty(n * n, a.dtype)
    ipiv = np.empty(max(n, 1), np.int32)
    size = np.empty(1, np.int32)
    size[0] = n
    info = np.zeros(1, np.int32)
    for q in range(p):
        s, logdet = _slogdet_lu(a, ia + q * n * n, n, af, ipiv, size, info)
        out[io + 2 * q] = s
        out[io + 2 * q + 1] = logdet


@nb.njit(cache=True, nogil=True, fastmath=False)
def _la_eigh(a, ia, out, io, p, n):
    """``out[q, 0] = eigenvalues``, ``out[q, 1:] = eigenvectors`` (columns; largest entry positive).

    ``syevd`` on the lower triangle, with the work space it asks for, as Numba's np.linalg.eigh.
    """
    af = np.empty(n * n, a.dtype)         # column-major copy; the eigenvectors on return
    w = np.empty(max(n, 1), a.dtype)
    jobz = np.empty(1, np.uint8)
    jobz[0] = 86                          # 'V': the vectors too
    uplo = np.empty(1, np.uint8)
    uplo[0] = 76                          # 'L'
    size = np.empty(1, np.int32)
    size[0] = n
    lwork = np.empty(1, np.int32)
    liwork = np.empty(1, np.int32)
    info = np.zeros(1, np.int32)
    wq = np.empty(1, a.dtype)
    iq = np.empty(1, np.int32)
    for q in range(p):
        at = ia + q * n * n
        o = io + q * (n + 1) * n
        for t in range(n * n):
            if not np.isfinite(a[at + t]):
                raise np.linalg.LinAlgError("Array must not contain infs or NaNs.")
        if n == 0:
            continue
        for i in range(n):
            for j in range(n):
                af[i + j * n] = a[at + i * n + j]
        lwork[0] = -1                     # first ask for the work space
        liwork[0] = -1
        for step in range(2):
            if step == 1:
                lwork[0] = int(wq[0])
                liwork[0] = iq[0]
                work = np.empty(lwork[0], a.dtype)
                iwork = np.empty(liwork[0], np.int32)
            else:
                work = wq
                iwork = iq
            if af.itemsize == 8:
                _dsyevd(jobz.ctypes, uplo.ctypes, size.ctypes, af.ctypes, size.ctypes, w.ctypes,
                        work.ctypes, lwork.ctypes, iwork.ctypes, liwork.ctypes, info.ctypes)
            else:
                _ssyevd(jobz.ctypes, uplo.ctypes, size.ctypes, af.ctypes, size.ctypes, w.ctypes,
                        work.ctypes, lwork.ctypes, iwork.ctypes, liwork.ctypes, info.ctypes)
            if info[0] != 0:
                raise ValueError("Internal algorithm failed to converge.")
        for j in range(n):
            out[o + j] = w[j]
        for j in range(n):
            big = 0
            for i in range(1, n):
                if abs(af[i + j * n]) > abs(af[big + j * n]):
                    big = i
            s = -1.0 if af[big + j * n] < 0 else 1.0
            for i in range(n):
                out[o + (1 + i) * n + j] = s * af[i + j * n]


@nb.njit(cache=True, nogil=True, fastmath=False)
def _la_solve_triangular(a, ia, b, ib, out, io, p, n, m, lower, trans, unit):
    """``op(a[q]) out[q] = b[q]`` for triangular ``a[q]`` (``op``: transpose when ``trans``; ``b[q]``: ``n`` x ``m``).

    LAPACK's ``trtrs`` (blocked, BLAS 3; loops were 15-25x slower at n = 800). A matrix in C order
    is its transpose in LAPACK's column order, so the triangle and the transpose flag swap.
    """
    bf = np.empty(n * m, a.dtype)          # the right-hand sides in column order; the solution on return
    uplo = np.empty(1, np.uint8)
    uplo[0] = 85 if lower != 0 else 76     # 'U' / 'L' of the column-order view
    tr = np.empty(1, np.uint8)
    tr[0] = 84 if trans == 0 else 78       # 'T' / 'N'
    diag = np.empty(1, np.uint8)
    diag[0] = 85 if unit != 0 else 78      # 'U' / 'N'
    size = np.empty(1, np.int32)
    size[0] = n
    nrhs = np.empty(1, np.int32)
    nrhs[0] = m
    info = np.zeros(1, np.int32)
    wa = np.empty(n * n, a.dtype)
    for q in range(p):
        at = ia + q * n * n
        bt = ib + q * n * m
        o = io + q * n * m
        if n == 0 or m == 0:
            continue
        for k in range(n * n):
            wa[k] = a[at + k]
        for i in range(n):
            for c in range(m):
                bf[i + c * n] = b[bt + i * m + c]
        if wa.itemsize == 8:
            _dtrtrs(uplo.ctypes, tr.ctypes, diag.ctypes, size.ctypes, nrhs.ctypes, wa.ctypes, size.ctypes,
                    bf.ctypes, size.ctypes, info.ctypes)
        else:
            _strtrs(uplo.ctypes, tr.ctypes, diag.ctypes, size.ctypes, nrhs.ctypes, wa.ctypes, size.ctypes,
                    bf.ctypes, size.ctypes, info.ctypes)
        if info[0] > 0:
            raise np.linalg.LinAlgError("solve_triangular: singular matrix (a zero on the diagonal)")
        for i in range(n):
            for c in range(m):
                out[o + i * m + c] = bf[i + c * n]


#: what ``fn.export`` copies with the helpers: the LAPACK routines and the shared LU step
EXPORT_SUPPORT = ("_lapack", "_spotrf", "_dpotrf", "_sgesv", "_dgesv", "_sgetrf", "_dgetrf", "_ssyevd", "_dsyevd",
                  "_strtrs", "_dtrtrs", "_slogdet_lu")
