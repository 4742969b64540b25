"""The functions of ``sd.linalg``: numpy.linalg's names and semantics, scipy.linalg's triangular forms.

Integer and boolean matrices are converted to float64 (as NumPy does);
float32 stays float32. Batch axes (all but the last two) broadcast between
a matrix and a right-hand side, as ``numpy.linalg.solve``. Derivatives of
every order come from the primitives in ``ops/decompositions.py``.

>>> import numpy as np, symdiff as sd
>>> A = sd.matrix("A", (2, 2))
>>> f = sd.linalg.logdet(A)                      # log det of a positive-definite matrix
>>> g = sd.grad(f, A)                            # = inv(A)
>>> sd.evaluate(g, {A: np.array([[2.0, 0.0], [0.0, 4.0]])}).round(12).tolist()
[[0.5, 0.0], [0.0, 0.25]]
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import dtypes as dt
from ..dims import shape_str
from ..errors import shape_error
from ..graph import OPS, Node, as_node
from . import matrix
from .contraction import matmul, outer, tensordot
from .decompositions import _inv, mT, solve_raw, solve_triangular_raw
from .matrix import matrix_transpose, moveaxis


class SlogdetResult(NamedTuple):
    sign: Node
    logabsdet: Node


class EighResult(NamedTuple):
    eigenvalues: Node
    eigenvectors: Node


def _float(name: str, *xs):
    """The operands as nodes of one float dtype (ints and bools become float64)."""
    nodes = [as_node(x) for x in xs]
    for x in nodes:
        if x.dtype.kind not in "fiub":
            raise shape_error(name, f"unsupported dtype {x.dtype}")
    target = dt.float_result(*(x.dtype for x in nodes))
    from .elementwise import cast

    return [cast(x, target) for x in nodes]


def _square(name: str, a: Node) -> None:
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise shape_error(name, f"expected a square matrix (or a stack of them) in the last two axes, "
                                f"got shape {shape_str(a.shape)}")


def _rhs(name: str, a: Node, b: Node):
    """``b`` as a stack of matrices, and how to undo that (NumPy 2: a 1-d ``b`` is one vector)."""
    from .shape import expand_dims, squeeze

    _square(name, a)
    vector = b.ndim == 1
    bm = expand_dims(b, -1) if vector else b
    if bm.ndim < 2 or bm.shape[-2] != a.shape[-1]:
        raise shape_error(name, f"right-hand side of shape {shape_str(b.shape)} does not match "
                                f"the matrix of shape {shape_str(a.shape)}")
    return bm, (lambda x: squeeze(x, -1)) if vector else (lambda x: x)


def cholesky(a, upper: bool = False) -> Node:
    """``numpy.linalg.cholesky``: ``L`` with ``a = L L^T`` (lower; ``upper=True`` gives ``L^T`` from the upper triangle).

    Reads one triangle; derivatives treat ``a`` as symmetric (gradients come out
    symmetric, as JAX). Raises ``LinAlgError`` when ``a`` is not positive definite.
    """
    (a,) = _float("cholesky", a)
    _square("cholesky", a)
    if upper:
        return mT(OPS["cholesky"].make(mT(a)))
    return OPS["cholesky"].make(a)


def solve(a, b) -> Node:
    """``numpy.linalg.solve``: ``x`` with ``a @ x = b`` (``b`` a vector when 1-d, else a stack of matrices)."""
    a, b = _float("solve", a, b)
    bm, back = _rhs("solve", a, b)
    return back(solve_raw(a, bm))


def solve_triangular(a, b, trans=0, lower: bool = False, unit_diagonal: bool = False) -> Node:
    """``scipy.linalg.solve_triangular``: ``x`` with ``op(a) x = b`` for triangular ``a``.

    ``trans``: 0/'N' (``a``), 1/'T' or 2/'C' (``a^T``, real data). Reads only the
    triangle named by ``lower`` (SciPy's default is upper) and not the diagonal
    when ``unit_diagonal``. Batch axes broadcast as in ``solve``.
    """
    codes = {0: 0, 1: 1, 2: 1, "N": 0, "T": 1, "C": 1}
    if trans not in codes:
        raise ValueError(f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', got {trans!r}")
    a, b = _float("solve_triangular", a, b)
    bm, back = _rhs("solve_triangular", a, b)
    return back(solve_triangular_raw(a, bm, bool(lower), codes[trans], bool(unit_diagonal)))


def cho_solve(c_and_lower, b) -> Node:
    """``scipy.linalg.cho_solve``: ``x`` with ``A x = b`` from ``(c, lower)``, ``c`` a Cholesky factor of ``A``."""
    c, lower = c_and_lower
    if lower:
        return solve_triangular(c, solve_triangular(c, b, lower=True), trans=1, lower=True)
    return solve_triangular(c, solve_triangular(c, b, trans=1, lower=False), lower=False)


def inv(a) -> Node:
    """``numpy.linalg.inv`` (a solve with the identity). Prefer ``solve`` where you can."""
    (a,) = _float("inv", a)
    _square("inv", a)
    return _inv(a)


def det(a) -> Node:
    """``numpy.linalg.det``. Its derivative ``det(a) inv(a)^T`` raises ``LinAlgError`` at a singular ``a``."""
    (a,) = _float("det", a)
    return OPS["det"].make(a)


def slogdet(a) -> SlogdetResult:
    """``numpy.linalg.slogdet``: ``(sign, logabsdet)``; ``(0, -inf)`` for a singular matrix."""
    (a,) = _float("slogdet", a)
    packed = OPS["slogdet"].make(a)
    return SlogdetResult(packed[..., 0], packed[..., 1])


def logdet(a) -> Node:
    """``log det(a)`` of a symmetric positive-definite ``a``: ``2 sum(log(diag(cholesky(a))))``.

    Cheaper and more stable than ``slogdet`` for covariance matrices; raises
    ``LinAlgError`` when ``a`` is not positive definite. Its gradient is ``inv(a)``.
    """
    from .contraction import einsum
    from .elementwise import log, multiply
    from .reduction import sum as reduce_sum

    low = cholesky(a)
    return multiply(reduce_sum(log(einsum("...ii->...i", low)), axis=-1), 2.0)


def eigh(a, UPLO: str = "L") -> EighResult:
    """``numpy.linalg.eigh``: ascending eigenvalues and orthonormal eigenvectors (columns) of a symmetric matrix.

    Each eigenvector's entry of largest magnitude is positive (NumPy leaves the
    sign to LAPACK). Derivatives: see ``ops/decompositions.Eigh`` (repeated
    eigenvalues leave their pairs out).
    """
    if UPLO not in ("L", "U"):
        raise ValueError(f"eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    (a,) = _float("eigh", a)
    _square("eigh", a)
    packed = OPS["eigh"].make(a if UPLO == "L" else mT(a))
    return EighResult(packed[..., 0, :], packed[..., 1:, :])


def eigvalsh(a, UPLO: str = "L") -> Node:
    """``numpy.linalg.eigvalsh``: the eigenvalues of ``eigh``."""
    return eigh(a, UPLO).eigenvalues


def _singular_values(x: Node) -> Node:
    """Singular values over the last two axes: square roots of the Gram matrix's eigenvalues.

    Accurate to about ``eps * max(sv)**2 / sv`` (fine for the 2-norm and the
    nuclear norm; the smallest singular value of an ill-conditioned matrix loses digits).
    """
    from .elementwise import maximum, sqrt

    m, n = x.shape[-2:]
    if isinstance(m, int) and isinstance(n, int):
        gram = matmul(mT(x), x) if m >= n else matmul(x, mT(x))   # the smaller Gram matrix: min(m, n) values
    elif m == n:
        gram = matmul(mT(x), x)
    else:
        raise shape_error("norm", f"singular values of a matrix of shape {shape_str(x.shape)} need "
                                  "fixed sizes or a square matrix")
    return sqrt(maximum(eigvalsh(gram), 0.0))


def vector_norm(x, axis=None, keepdims: bool = False, ord=2) -> Node:
    """``numpy.linalg.vector_norm``: ``sum(|x|**ord)**(1/ord)`` over ``axis`` (all axes by default).

    ``ord``: any number, ``inf`` (max |x|), ``-inf`` (min |x|), 0 (count of nonzeros).
    """
    from .elementwise import abs as absolute, cast, not_equal, power, sqrt, square
    from .reduction import max as reduce_max, min as reduce_min, sum as reduce_sum

    (x,) = _float("norm", x)
    if isinstance(ord, str):
        raise ValueError(f"norm: ord {ord!r} is a matrix norm; vector norms take numbers")
    ord = 2 if ord is None else ord
    if ord == 2:
        return sqrt(reduce_sum(square(x), axis=axis, keepdims=keepdims))
    if ord == np.inf:
        return reduce_max(absolute(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return reduce_min(absolute(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return reduce_sum(cast(not_equal(x, 0.0), x.dtype), axis=axis, keepdims=keepdims)
    if ord == 1:
        return reduce_sum(absolute(x), axis=axis, keepdims=keepdims)
    p = float(ord)
    return power(reduce_sum(power(absolute(x), p), axis=axis, keepdims=keepdims), 1.0 / p)


def matrix_norm(x, keepdims: bool = False, ord="fro") -> Node:
    """``numpy.linalg.matrix_norm`` over the last two axes: 'fro', 'nuc', 1, -1, 2, -2, inf, -inf."""
    from .elementwise import abs as absolute
    from .reduction import max as reduce_max, min as reduce_min, sum as reduce_sum
    from .shape import expand_dims

    (x,) = _float("norm", x)
    if x.ndim < 2:
        raise shape_error("norm", f"a matrix norm needs at least 2 dimensions, got shape {shape_str(x.shape)}")
    ord = "fro" if ord is None else ord
    if ord == "fro":
        out = vector_norm(x, axis=(-2, -1))
    elif ord == "nuc":
        out = reduce_sum(_singular_values(x), axis=-1)
    elif ord in (2, -2):
        out = (reduce_max if ord == 2 else reduce_min)(_singular_values(x), axis=-1)
    elif ord in (1, -1, np.inf, -np.inf):
        summed = reduce_sum(absolute(x), axis=-2 if ord in (1, -1) else -1)
        out = (reduce_max if ord in (1, np.inf) else reduce_min)(summed, axis=-1)
    else:
        raise ValueError(f"norm: invalid order {ord!r} for a matrix norm")
    return expand_dims(out, (-2, -1)) if keepdims else out


def norm(x, ord=None, axis=None, keepdims: bool = False) -> Node:
    """``numpy.linalg.norm``: a vector norm over one axis, a matrix norm over two, as NumPy chooses.

    With ``axis=None``: the 2-norm of all entries when ``ord`` is None, else ``x``
    must be 1-d (vector norm) or 2-d (matrix norm). The 2-norm of a zero vector
    has an undefined derivative (NaN), as in JAX.
    """
    x = as_node(x)
    if axis is None:
        if ord is None:
            return vector_norm(x, axis=None, keepdims=keepdims)
        if x.ndim not in (1, 2):
            raise shape_error("norm", f"ord={ord!r} with axis=None needs a 1-d or 2-d array, got shape {shape_str(x.shape)}")
        axis = tuple(range(x.ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    if len(axes) == 1:
        return vector_norm(x, axis=axes, keepdims=keepdims, ord=ord)
    if len(axes) != 2:
        raise shape_error("norm", f"axis must name 1 or 2 axes, got {axis!r}")
    from ..shapes import normalize_axis

    a, b = (normalize_axis("norm", k, x.ndim) for k in axes)
    if a == b:
        raise ValueError(f"norm: duplicate axes {axis!r}")
    out = matrix_norm(moveaxis(x, (a, b), (-2, -1)), ord=ord)
    if keepdims:
        from .shape import expand_dims

        out = expand_dims(out, tuple(sorted((a, b))))
    return out


def trace(x, offset: int = 0) -> Node:
    """``numpy.linalg.trace``: the trace over the last two axes (``numpy.trace`` uses the first two)."""
    return matrix.trace(x, offset, -2, -1)


def diagonal(x, offset: int = 0) -> Node:
    """``numpy.linalg.diagonal``: the diagonal of the last two axes."""
    return matrix.diagonal(x, offset, -2, -1)


__all__ = ["EighResult", "SlogdetResult", "cho_solve", "cholesky", "det", "diagonal", "eigh", "eigvalsh", "inv",
           "logdet", "matmul", "matrix_norm", "matrix_transpose", "norm", "outer", "slogdet", "solve",
           "solve_triangular", "tensordot", "trace", "vector_norm"]
