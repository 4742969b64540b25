"""Table rows for linear algebra (``sd.linalg``, trace/diagonal/diag/tril/triu, axis moves).

Imported at the end of ``tests/optable.py``: the generic harness checks values
on both backends against NumPy/SciPy and first and second derivatives against
finite differences of the same NumPy/SciPy expressions. Symmetric inputs are
built as ``M M^T + 3 I`` (or ``M + M^T``) in both the row and its oracle, so
a perturbation of ``M`` is a symmetric perturbation and the derivative
convention for symmetric matrices does not matter.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

import symdiff as sd
from tests.optable import A, case, sym_case


def _spd(m, lib):
    """``M M^T + 3 I`` over the last two axes, in symdiff or NumPy."""
    n = m.shape[-1]
    mt = lib.swapaxes(m, -1, -2)
    return lib.matmul(m, mt) + 3.0 * lib.eye(n, dtype=m.dtype)


def _shifted(m, lib):
    """``M + 3 I``: a well-conditioned general matrix."""
    return m + 3.0 * lib.eye(m.shape[-1], dtype=m.dtype)


def _sym(m, lib):
    return m + lib.swapaxes(m, -1, -2)


def _gauge_free(v):
    """A function of eigenvectors that does not depend on their signs."""
    return v * v


def _np_tri_solve(a, b, **kw):
    """SciPy's solve, letting NaN and inf through as numpy.linalg does (docs/semantics.md)."""
    kw.setdefault("check_finite", False)
    if a.ndim == 2:
        return scipy.linalg.solve_triangular(a, b, **kw)
    return np.stack([scipy.linalg.solve_triangular(a[k], b[k], **kw) for k in range(a.shape[0])])


# -- factorisations and solves ---------------------------------------------------------------
case("cholesky", lambda m: sd.linalg.cholesky(_spd(m, sd)), lambda m: np.linalg.cholesky(_spd(m, np)), A((3, 3)))
case("cholesky_batched", lambda m: sd.linalg.cholesky(_spd(m, sd)), lambda m: np.linalg.cholesky(_spd(m, np)),
     A((2, 3, 3)))
case("cholesky_upper", lambda m: sd.linalg.cholesky(_spd(m, sd), upper=True),
     lambda m: np.linalg.cholesky(_spd(m, np), upper=True), A((3, 3)))
case("cholesky_float32", lambda m: sd.linalg.cholesky(_spd(m, sd)), lambda m: np.linalg.cholesky(_spd(m, np)),
     A((3, 3), "float32"))
case("solve_vector", lambda m, b: sd.linalg.solve(_shifted(m, sd), b),
     lambda m, b: np.linalg.solve(_shifted(m, np), b), A((3, 3)), A((3,)))
case("solve_matrix", lambda m, b: sd.linalg.solve(_shifted(m, sd), b),
     lambda m, b: np.linalg.solve(_shifted(m, np), b), A((3, 3)), A((3, 2)))
case("solve_batch_broadcast", lambda m, b: sd.linalg.solve(_shifted(m, sd), b),
     lambda m, b: np.linalg.solve(_shifted(m, np), b), A((2, 3, 3)), A((3, 2)))
case("solve_int_matrix", lambda m, b: sd.linalg.solve(m, b), lambda m, b: np.linalg.solve(m, b),
     A((2, 2), "int64", lambda rng, s: np.array([[3, 1], [1, 2]])), A((2,)))
for _lower in (True, False):
    for _trans in (0, 1):
        case(f"solve_triangular_lower{int(_lower)}_trans{_trans}",
             lambda m, b, lo=_lower, tr=_trans: sd.linalg.solve_triangular(_shifted(m, sd), b, trans=tr, lower=lo),
             lambda m, b, lo=_lower, tr=_trans: _np_tri_solve(_shifted(m, np), b, trans=tr, lower=lo),
             A((3, 3)), A((3, 2)))
case("solve_triangular_unit_vector", lambda m, b: sd.linalg.solve_triangular(m, b, lower=True, unit_diagonal=True),
     lambda m, b: _np_tri_solve(m, b, lower=True, unit_diagonal=True), A((3, 3)), A((3,)))
case("solve_triangular_batched", lambda m, b: sd.linalg.solve_triangular(_shifted(m, sd), b, lower=True),
     lambda m, b: _np_tri_solve(_shifted(m, np), b, lower=True), A((2, 3, 3)), A((2, 3, 1)))
case("cho_solve", lambda m, b: sd.linalg.cho_solve((sd.linalg.cholesky(_spd(m, sd)), True), b),
     lambda m, b: scipy.linalg.cho_solve((np.linalg.cholesky(_spd(m, np)), True), b, check_finite=False),
     A((3, 3)), A((3,)))
case("inv", lambda m: sd.linalg.inv(_shifted(m, sd)), lambda m: np.linalg.inv(_shifted(m, np)), A((3, 3)))
case("inv_batched", lambda m: sd.linalg.inv(_shifted(m, sd)), lambda m: np.linalg.inv(_shifted(m, np)),
     A((2, 2, 2)))

# -- determinants ------------------------------------------------------------------------------
case("det", lambda m: sd.linalg.det(_shifted(m, sd)), lambda m: np.linalg.det(_shifted(m, np)), A((3, 3)))
case("det_batched", lambda m: sd.linalg.det(m), lambda m: np.linalg.det(m), A((2, 3, 3)))
case("slogdet_logabsdet", lambda m: sd.linalg.slogdet(m).logabsdet, lambda m: np.linalg.slogdet(m)[1],
     A((2, 3, 3)))
case("slogdet_sign", lambda m: sd.linalg.slogdet(m).sign * m[..., 0, 0],
     lambda m: np.linalg.slogdet(m)[0] * m[..., 0, 0], A((2, 3, 3)))
case("logdet_spd", lambda m: sd.linalg.logdet(_spd(m, sd)), lambda m: np.linalg.slogdet(_spd(m, np))[1],
     A((3, 3)))

# -- symmetric eigenproblems -------------------------------------------------------------------
case("eigvalsh", lambda m: sd.linalg.eigvalsh(_sym(m, sd)), lambda m: np.linalg.eigvalsh(_sym(m, np)), A((3, 3)))
case("eigh_vectors", lambda m: _gauge_free(sd.linalg.eigh(_sym(m, sd)).eigenvectors),
     lambda m: _gauge_free(np.linalg.eigh(_sym(m, np))[1]), A((3, 3)))
case("eigh_reconstruct_batched",
     lambda m: (lambda r: (r.eigenvectors * sd.expand_dims(sd.exp(r.eigenvalues), -2)) @
                sd.matrix_transpose(r.eigenvectors))(sd.linalg.eigh(_sym(m, sd))),
     lambda m: (lambda w, v: (v * np.exp(w)[..., None, :]) @ np.swapaxes(v, -1, -2))(*np.linalg.eigh(_sym(m, np))),
     A((2, 3, 3)))
case("eigh_upper", lambda m: sd.linalg.eigvalsh(m, UPLO="U"), lambda m: np.linalg.eigvalsh(m, UPLO="U"),
     A((3, 3)), differentiable=())

# -- norms ---------------------------------------------------------------------------------------
for _ord in (None, 1, 3, np.inf, -np.inf):
    case(f"norm_vector_{_ord}", lambda x, o=_ord: sd.linalg.norm(x, o), lambda x, o=_ord: np.linalg.norm(x, o),
         A((4,)))
case("norm_vector_0", lambda x: sd.linalg.norm(x, 0), lambda x: np.linalg.norm(x, 0), A((4,)), differentiable=())
case("norm_axis_keepdims", lambda x: sd.linalg.norm(x, axis=1, keepdims=True),
     lambda x: np.linalg.norm(x, axis=1, keepdims=True), A((2, 3)))
for _ord in ("fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf):
    case(f"norm_matrix_{_ord}", lambda x, o=_ord: sd.linalg.norm(x, o), lambda x, o=_ord: np.linalg.norm(x, o),
         A((3, 4)), rtol=1e-9, atol=1e-10, hess_rtol=1e-3, hess_atol=1e-4)
case("norm_matrix_axes", lambda x: sd.linalg.norm(x, "fro", axis=(2, 0), keepdims=True),
     lambda x: np.linalg.norm(x, "fro", axis=(2, 0), keepdims=True), A((2, 3, 4)))
case("vector_norm_all", lambda x: sd.linalg.vector_norm(x, ord=3), lambda x: np.linalg.vector_norm(x, ord=3),
     A((2, 3)))
case("matrix_norm_batched", lambda x: sd.linalg.matrix_norm(x, ord=np.inf),
     lambda x: np.linalg.matrix_norm(x, ord=np.inf), A((2, 3, 3)))

# -- trace, diagonals, triangles, axes -------------------------------------------------------
case("trace", lambda x: sd.trace(x), np.trace, A((3, 4)))
case("trace_offset_axes", lambda x: sd.trace(x, -1, axis1=2, axis2=0), lambda x: np.trace(x, -1, axis1=2, axis2=0),
     A((3, 2, 4)))
case("linalg_trace", lambda x: sd.linalg.trace(x, 1), lambda x: np.linalg.trace(x, offset=1), A((2, 3, 3)))
case("diagonal_offset", lambda x: sd.diagonal(x, 2), lambda x: np.diagonal(x, 2), A((3, 4)))
case("diagonal_past_corner", lambda x: sd.diagonal(x, 5) + 1.0, lambda x: np.diagonal(x, 5) + 1.0, A((3, 4)))
case("diag_vector_k", lambda v: sd.diag(v, -2), lambda v: np.diag(v, -2), A((3,)))
case("diag_matrix", lambda x: sd.diag(x, 1), lambda x: np.diag(x, 1), A((3, 3)))
case("tril_k", lambda x: sd.tril(x, -1), lambda x: np.tril(x, -1), A((2, 3, 4)))
case("triu_k", lambda x: sd.triu(x, 2), lambda x: np.triu(x, 2), A((3, 4)))
case("tril_vector", lambda x: sd.tril(x), lambda x: np.tril(x), A((3,)))
case("swapaxes", lambda x: sd.swapaxes(x, 0, 2), lambda x: np.swapaxes(x, 0, 2), A((2, 3, 4)))
case("moveaxis", lambda x: sd.moveaxis(x, (0, 1), (2, 0)), lambda x: np.moveaxis(x, (0, 1), (2, 0)), A((2, 3, 4)))
case("matrix_transpose", lambda x: sd.matrix_transpose(x), lambda x: np.matrix_transpose(x), A((2, 3, 4)))

# -- symbolic sizes ---------------------------------------------------------------------------
sym_case("cholesky", lambda m: sd.linalg.cholesky(_spd(m, sd)), lambda m: np.linalg.cholesky(_spd(m, np)),
         A(("n", "n")))
sym_case("solve", lambda m, b: sd.linalg.solve(_shifted(m, sd), b),
         lambda m, b: np.linalg.solve(_shifted(m, np), b), A(("n", "n")), A(("n",)))
sym_case("solve_triangular", lambda m, b: sd.linalg.solve_triangular(_shifted(m, sd), b, trans=1),
         lambda m, b: _np_tri_solve(_shifted(m, np), b, trans=1), A(("n", "n")), A(("n", "m")))
sym_case("slogdet", lambda m: sd.linalg.slogdet(_shifted(m, sd)).logabsdet,
         lambda m: np.linalg.slogdet(_shifted(m, np))[1], A(("n", "n")))
sym_case("eigh", lambda m: _gauge_free(sd.linalg.eigh(_sym(m, sd)).eigenvectors) + sd.linalg.eigvalsh(_sym(m, sd)),
         lambda m: _gauge_free(np.linalg.eigh(_sym(m, np))[1]) + np.linalg.eigvalsh(_sym(m, np)), A(("n", "n")))
sym_case("trace_tril", lambda x: sd.trace(sd.tril(x, 1)) * sd.triu(x), lambda x: np.trace(np.tril(x, 1)) * np.triu(x),
         A(("n", "n")))
sym_case("diagonal_offset", lambda x: sd.diagonal(x, -1), lambda x: np.diagonal(x, -1), A(("n", "n")))
