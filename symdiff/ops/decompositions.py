"""Matrix factorisations and solves: the linear-algebra primitives and their rules.

Every operation works on the last two axes and is batched over the leading
ones (their batch shapes must be equal: the public functions in ``ops/matrix.py``
broadcast them first). Derivative rules are written with these same operations
(``solve``'s VJP is a ``solve`` with the transposed matrix, ``cholesky``'s is two
triangular solves), so every derivative order closes.

Symmetric inputs (``cholesky``, ``eigh``) read the lower triangle, as NumPy does,
and their derivatives follow JAX's convention: a perturbation ``dA`` acts through
its symmetric part ``(dA + dA^T) / 2``, so gradients by a symmetric matrix are
symmetric.

Two operations pack several results into one array: ``slogdet`` gives
``(..., 2)`` (sign, log|det|) and ``eigh`` gives ``(..., n + 1, n)`` (the
eigenvalues in row 0, the eigenvectors as the columns of rows 1..n). The public
functions slice them apart; a cotangent of the packed array carries both parts.

>>> import numpy as np, symdiff as sd
>>> A = sd.matrix("A", (2, 2))
>>> x = sd.linalg.solve(A, np.array([1.0, 2.0]))
>>> sd.evaluate(x, {A: np.array([[2.0, 0.0], [0.0, 4.0]])}).tolist()
[0.5, 0.5]
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as dt
from ..dims import dim_add, shape_str
from ..errors import shape_error
from ..graph import OPS, Node, Op


def _square(op: str, a: Node) -> None:
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise shape_error(op, f"expected a square matrix (or a stack of them) in the last two axes, "
                              f"got shape {shape_str(a.shape)}")
    if not dt.is_float(a.dtype):
        raise shape_error(op, f"expected a float matrix, got {a.dtype}")


def _rhs(op: str, a: Node, b: Node) -> None:
    _square(op, a)
    if b.ndim != a.ndim or b.shape[:-2] != a.shape[:-2] or b.shape[-2] != a.shape[-1]:
        raise shape_error(op, f"right-hand side of shape {shape_str(b.shape)} does not match "
                              f"the matrix of shape {shape_str(a.shape)}")
    if b.dtype != a.dtype:
        raise shape_error(op, f"matrix and right-hand side have dtypes {a.dtype} and {b.dtype}")


# -- graph helpers the rules share ------------------------------------------------------

def mT(x: Node) -> Node:
    """The last two axes swapped."""
    from .shape import transpose

    axes = list(range(x.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return transpose(x, tuple(axes))


def sym(x: Node) -> Node:
    """``(x + x^T) / 2`` over the last two axes."""
    from .elementwise import add, multiply

    return multiply(add(x, mT(x)), 0.5)


def tri_mask(rows, cols, k: int = 0, lower: bool = True) -> Node:
    """Boolean ``(rows, cols)``: True on and below diagonal ``k`` (lower) or on and above it.

    A constant for fixed sizes; for symbolic sizes a comparison of two ramps.
    """
    from ..graph import constant
    from .elementwise import greater_equal, less_equal
    from .shape import reshape

    if isinstance(rows, int) and isinstance(cols, int):
        below = np.tri(rows, cols, k, dtype=bool)
        return constant(below if lower else ~np.tri(rows, cols, k - 1, dtype=bool))
    i = reshape(OPS["iota"].make(n=rows, dtype=dt.INT64), (rows, 1))
    j = reshape(OPS["iota"].make(n=cols, dtype=dt.INT64), (1, cols))
    return greater_equal(i + k, j) if lower else less_equal(i + k, j)


def _phi(x: Node) -> Node:
    """The strictly lower triangle of ``x`` plus half its diagonal."""
    from .elementwise import multiply, where

    from .creation import eye

    n = x.shape[-1]
    return where(tri_mask(n, n, -1), x, multiply(x, eye(n, dtype=x.dtype) * 0.5))


def _mask_triangle(x: Node, lower: bool, unit: bool) -> Node:
    from .elementwise import where

    n = x.shape[-1]
    return where(tri_mask(n, n, -1 if unit else 0, lower=lower) if lower
                 else tri_mask(n, n, 1 if unit else 0, lower=False), x, 0.0)


def _times_inverse_transpose(scale: Node, a: Node) -> Node:
    """``scale[..., None, None] * inv(a)^T``: the cotangent of ``a`` for det and log|det|."""
    from .elementwise import multiply
    from .shape import expand_dims

    return multiply(expand_dims(scale, (-1, -2)), mT(_inv(a)))


def _trace(x: Node) -> Node:
    from .contraction import einsum

    return einsum("...ii->...", x)


def _inv(a: Node) -> Node:
    from .creation import eye
    from .shape import broadcast_to

    return solve_raw(a, broadcast_to(eye(a.shape[-1], dtype=a.dtype), a.shape))


def solve_raw(a: Node, b: Node) -> Node:
    """``solve`` of matrix right-hand sides, broadcasting the batch axes of ``a`` and ``b``."""
    a, b = _common_batch(a, b)
    return OPS["solve"].make(a, b)


def solve_triangular_raw(a: Node, b: Node, lower: bool, trans: int, unit_diagonal: bool) -> Node:
    a, b = _common_batch(a, b)
    return OPS["solve_triangular"].make(a, b, lower=lower, trans=trans, unit_diagonal=unit_diagonal)


def _common_batch(a: Node, b: Node) -> tuple[Node, Node]:
    from ..shapes import broadcast_shapes
    from .shape import broadcast_to

    batch = broadcast_shapes("linalg", a.shape[:-2], b.shape[:-2])
    if a.shape[:-2] != batch:
        a = broadcast_to(a, batch + a.shape[-2:])
    if b.shape[:-2] != batch:
        b = broadcast_to(b, batch + b.shape[-2:])
    return a, b


def _matmul(a: Node, b: Node) -> Node:
    from .contraction import matmul

    return matmul(a, b)


# -- the operations ---------------------------------------------------------------------

class Cholesky(Op):
    """Lower Cholesky factor ``L`` of a positive-definite ``A = L L^T`` (reads the lower triangle).

    JVP: ``dL = L phi(L^-1 sym(dA) L^-T)`` with ``phi`` the strict lower triangle
    plus half the diagonal; VJP: ``sym(L^-T phi(L^T Lbar) L^-1)``. A matrix that
    is not positive definite raises ``LinAlgError``, as NumPy.
    """

    name = "cholesky"
    sparsity = "batched"

    def infer(self, a):
        _square("cholesky", a)
        return a.shape, a.dtype

    def impl(self, a):
        return np.linalg.cholesky(a)

    def vjp(self, ct, out, a):
        p = _phi(_matmul(mT(out), ct))
        y = solve_triangular_raw(out, p, True, 1, False)            # L^-T P
        st = solve_triangular_raw(out, mT(y), True, 1, False)        # (L^-T P L^-1)^T
        return [sym(st)]

    def jvp(self, ts, out, a, nb=0):
        if ts[0] is None:
            return None
        z = solve_triangular_raw(out, sym(ts[0]), True, 0, False)          # L^-1 dA
        x = mT(solve_triangular_raw(out, mT(z), True, 0, False))            # L^-1 dA L^-T
        return _matmul(out, _phi(x))


class SolveTriangular(Op):
    """``x`` with ``op(A) x = b`` for triangular ``A`` (``op`` = identity, or transpose when ``trans=1``).

    Reads only the triangle named by ``lower`` (and not the diagonal when
    ``unit_diagonal``), as ``scipy.linalg.solve_triangular``. VJP:
    ``bbar = op(A)^-T xbar``, ``Abar = -bbar x^T`` (transposed for ``trans=1``) on the
    triangle read. A zero on the diagonal raises ``LinAlgError``.
    """

    name = "solve_triangular"
    sparsity = "batched"

    def infer(self, a, b, *, lower, trans, unit_diagonal):
        _rhs("solve_triangular", a, b)
        return b.shape, a.dtype

    def impl(self, a, b, *, lower, trans, unit_diagonal):
        import scipy.linalg   # here, not at the top: ``import symdiff`` stays light (SciPy's linalg costs ~0.4 s)

        out = np.empty(b.shape, dtype=np.result_type(a, b))
        batch = int(np.prod(b.shape[:-2], dtype=np.int64))
        aa = a.reshape((batch,) + a.shape[-2:])
        bb = b.reshape((batch,) + b.shape[-2:])
        oo = out.reshape(bb.shape)
        for k in range(aa.shape[0]):
            oo[k] = scipy.linalg.solve_triangular(aa[k], bb[k], trans=trans, lower=lower,
                                                  unit_diagonal=unit_diagonal, check_finite=False)
        return out

    def vjp(self, ct, out, a, b, *, lower, trans, unit_diagonal):
        from .elementwise import negative

        bbar = solve_triangular_raw(a, ct, lower, 1 - trans, unit_diagonal)
        abar = _matmul(bbar, mT(out)) if trans == 0 else _matmul(out, mT(bbar))
        return [_mask_triangle(negative(abar), lower, unit_diagonal), bbar]

    def jvp(self, ts, out, a, b, *, lower, trans, unit_diagonal, nb=0):
        from .elementwise import negative, subtract

        ta, tb = ts
        if ta is None and tb is None:
            return None
        if ta is None:
            rhs = tb
        else:
            ta = _mask_triangle(ta, lower, unit_diagonal)
            prod = _matmul(ta if trans == 0 else mT(ta), out)
            rhs = negative(prod) if tb is None else subtract(tb, prod)
        return solve_triangular_raw(a, rhs, lower, trans, unit_diagonal)


class Solve(Op):
    """``x = A^-1 b`` for a square ``A`` and matrix right-hand sides (LU with partial pivoting).

    VJP: ``bbar = A^-T xbar``, ``Abar = -bbar x^T``. JVP: ``A^-1 (db - dA x)``.
    A singular matrix raises ``LinAlgError``, as NumPy.
    """

    name = "solve"
    sparsity = "batched"

    def infer(self, a, b):
        _rhs("solve", a, b)
        return b.shape, a.dtype

    def impl(self, a, b):
        return np.linalg.solve(a, b)

    def vjp(self, ct, out, a, b):
        from .elementwise import negative

        bbar = solve_raw(mT(a), ct)
        return [negative(_matmul(bbar, mT(out))), bbar]

    def jvp(self, ts, out, a, b, nb=0):
        from .elementwise import negative, subtract

        ta, tb = ts
        if ta is None and tb is None:
            return None
        if ta is None:
            rhs = tb
        else:
            prod = _matmul(ta, out)
            rhs = negative(prod) if tb is None else subtract(tb, prod)
        return solve_raw(a, rhs)


class Det(Op):
    """Determinant (LU). VJP: ``det(A) A^-T dbar``; JVP: ``det(A) trace(A^-1 dA)``.

    The rules divide by A, so a derivative at an exactly singular matrix raises
    ``LinAlgError`` (the value itself is 0).
    """

    name = "det"
    sparsity = "batched"
    curvature = "cofactor"   # entries in different rows and columns meet to second order

    def infer(self, a):
        _square("det", a)
        return a.shape[:-2], a.dtype

    def impl(self, a):
        return np.asarray(np.linalg.det(a), dtype=a.dtype)

    def vjp(self, ct, out, a):
        from .elementwise import multiply

        return [_times_inverse_transpose(multiply(ct, out), a)]

    def jvp(self, ts, out, a, nb=0):
        from .elementwise import multiply

        if ts[0] is None:
            return None
        return multiply(out, _trace(solve_raw(a, ts[0])))


class Slogdet(Op):
    """``(sign, log|det A|)`` packed in the last axis of length 2.

    The sign has derivative 0; the log-determinant has VJP ``A^-T lbar`` and
    JVP ``trace(A^-1 dA)``. A singular matrix gives ``(0, -inf)``, as NumPy.
    """

    name = "slogdet"
    sparsity = "batched"

    def infer(self, a):
        _square("slogdet", a)
        return a.shape[:-2] + (2,), a.dtype

    def impl(self, a):
        sign, logdet = np.linalg.slogdet(a)
        return np.stack([sign, logdet], axis=-1).astype(a.dtype)

    def vjp(self, ct, out, a):
        return [_times_inverse_transpose(ct[..., 1], a)]

    def jvp(self, ts, out, a, nb=0):
        from .creation import zeros_like
        from .shape import stack

        if ts[0] is None:
            return None
        t = _trace(solve_raw(a, ts[0]))
        return stack([zeros_like(t), t], axis=-1)


class Eigh(Op):
    """Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric matrix (lower triangle).

    Packed as ``(..., n + 1, n)``: row 0 holds the eigenvalues, rows 1..n the
    eigenvectors as columns. Each eigenvector's sign is fixed so that its entry
    of largest magnitude (the first such) is positive, so both backends agree.

    With ``M = V^T sym(dA) V``: ``dw = diag(M)``, ``dV = V (F * M)`` where
    ``F[i, j] = 1 / (w[j] - w[i])`` for ``w[i] != w[j]`` and 0 otherwise. At repeated
    eigenvalues the eigenvectors are not differentiable; pairs whose eigenvalues agree
    to within ``n * eps * max|w|`` (the accuracy of eigh) are left out of ``F``. That
    keeps the eigenvalues' derivatives right and is exact for any function of the
    eigenvectors that does not depend on the choice of basis inside a repeated eigenspace.
    """

    name = "eigh"
    sparsity = "batched"

    def infer(self, a):
        _square("eigh", a)
        return a.shape[:-2] + (dim_add(a.shape[-1], 1), a.shape[-1]), a.dtype

    def impl(self, a):
        w, v = np.linalg.eigh(a)
        v = fix_signs(v)
        return np.concatenate([w[..., None, :], v], axis=-2).astype(a.dtype)

    def vjp(self, ct, out, a):
        from .creation import eye
        from .elementwise import add, multiply

        w, v = out[..., 0, :], out[..., 1:, :]
        wbar, vbar = ct[..., 0, :], ct[..., 1:, :]
        n = a.shape[-1]
        inner = add(multiply(_expand_last(wbar), eye(n, dtype=a.dtype)),
                    multiply(_gaps(w), _matmul(mT(v), vbar)))
        return [sym(_matmul(_matmul(v, inner), mT(v)))]

    def jvp(self, ts, out, a, nb=0):
        from .contraction import einsum
        from .elementwise import multiply
        from .shape import concatenate, expand_dims

        if ts[0] is None:
            return None
        w, v = out[..., 0, :], out[..., 1:, :]
        m = _matmul(_matmul(mT(v), sym(ts[0])), v)
        dw = einsum("...ii->...i", m)
        dv = _matmul(v, multiply(_gaps(w), m))
        return concatenate([expand_dims(dw, -2), dv], axis=-2)


def _expand_last(w: Node) -> Node:
    from .shape import expand_dims

    return expand_dims(w, -1)


def _gaps(w: Node) -> Node:
    """``F[..., i, j] = 1 / (w[j] - w[i])`` for eigenvalues that differ, else 0 (safe for higher derivatives).

    Eigenvalues closer than ``n * eps * max|w|`` count as equal: ``eigh`` computes them only to
    about that accuracy, so a smaller gap is rounding, and ``1 / gap`` would be noise of size
    ``1 / eps`` multiplying a term that is zero in exact arithmetic for basis-free functions.
    """
    from .elementwise import abs as absolute, divide, greater, multiply, subtract, where
    from .reduction import max as reduce_max
    from .shape import expand_dims

    n = w.shape[-1]
    d = subtract(expand_dims(w, -2), expand_dims(w, -1))
    scale = reduce_max(absolute(w), axis=-1, keepdims=True)
    tol = multiply(expand_dims(scale, -1), float(np.finfo(w.dtype).eps) * (n if isinstance(n, int) else 1.0))
    if not isinstance(n, int):
        from .creation import size_of

        tol = multiply(tol, size_of((n,), dtype=w.dtype))
    apart = greater(absolute(d), tol)
    return where(apart, divide(1.0, where(apart, d, 1.0)), 0.0)


def fix_signs(v: np.ndarray) -> np.ndarray:
    """Eigenvectors (columns) with the first entry of largest magnitude made positive."""
    if v.size == 0:
        return v
    big = np.argmax(np.abs(v), axis=-2)[..., None, :]
    s = np.sign(np.take_along_axis(v, big, axis=-2))
    return v * np.where(s == 0, 1.0, s)


__all__: list[str] = []
