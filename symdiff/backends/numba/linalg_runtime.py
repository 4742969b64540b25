"""Linear-algebra helpers the generated code calls: LAPACK through Numba's ``np.linalg``.

Each helper takes C-contiguous stacks (the batch axes flattened into the
first) and writes its result into a caller-allocated output. Numba's
``np.linalg`` calls SciPy's LAPACK (potrf, getrf/getrs, syevd), raising
``numpy.linalg.LinAlgError`` on singular or indefinite input as NumPy does.
Triangular solves are loops (forward or back substitution): Numba has no
``trtrs``, and for the sizes a compiled graph meets they are as fast.
"""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True, nogil=True)
def _la_cholesky(a, out):
    """``out[q] = cholesky(a[q])`` (lower factor; reads the lower triangle)."""
    for q in range(a.shape[0]):
        out[q] = np.linalg.cholesky(a[q])


@nb.njit(cache=True, nogil=True)
def _la_solve(a, b, out):
    """``out[q] = solve(a[q], b[q])`` by LU with partial pivoting."""
    for q in range(a.shape[0]):
        out[q] = np.linalg.solve(a[q], b[q])


@nb.njit(cache=True, nogil=True)
def _la_det(a, out):
    """``out[q] = det(a[q])``."""
    for q in range(a.shape[0]):
        out[q] = np.linalg.det(a[q])


@nb.njit(cache=True, nogil=True)
def _la_slogdet(a, out):
    """``out[q] = (sign, log|det|)`` of ``a[q]``."""
    for q in range(a.shape[0]):
        s, logdet = np.linalg.slogdet(a[q])
        out[q, 0] = s
        out[q, 1] = logdet


@nb.njit(cache=True, nogil=True)
def _la_eigh(a, out):
    """``out[q, 0] = eigenvalues``, ``out[q, 1:] = eigenvectors`` (columns; largest entry positive)."""
    n = a.shape[1]
    for q in range(a.shape[0]):
        w, v = np.linalg.eigh(a[q])
        out[q, 0, :] = w
        for j in range(n):
            big = 0
            for i in range(1, n):
                if abs(v[i, j]) > abs(v[big, j]):
                    big = i
            s = -1.0 if v[big, j] < 0 else 1.0
            for i in range(n):
                out[q, 1 + i, j] = s * v[i, j]


@nb.njit(cache=True, nogil=True)
def _la_solve_triangular(a, b, out, lower, trans, unit):
    """``op(a[q]) out[q] = b[q]`` for triangular ``a[q]`` (``op``: transpose when ``trans``)."""
    n = a.shape[1]
    m = b.shape[2]
    forward = (lower != 0) != (trans == 1)   # op(a) is lower triangular
    for q in range(a.shape[0]):
        for c in range(m):
            for step in range(n):
                i = step if forward else n - 1 - step
                s = b[q, i, c]
                for t in range(step):
                    j = t if forward else n - 1 - t
                    s -= (a[q, i, j] if trans == 0 else a[q, j, i]) * out[q, j, c]
                if not unit:
                    d = a[q, i, i]
                    if d == 0:
                        raise np.linalg.LinAlgError("solve_triangular: singular matrix (a zero on the diagonal)")
                    s /= d
                out[q, i, c] = s
