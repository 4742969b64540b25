"""Sparse Jacobians and Hessians: patterns found on the graph, colourings, compressed evaluation.

``jacobian_sparsity`` / ``hessian_sparsity`` give a pattern as a boolean
``scipy.sparse.csr_array``; ``sparse_jacobian`` / ``sparse_hessian`` stand
among the outputs of ``sd.function``, which then evaluates the derivative
compressed (one forward pass seeded with a colouring of the pattern) and
returns it as a ``csr_array``. docs/sparse.md explains the method.

>>> import symdiff as sd
>>> x = sd.vector("x", "n")
>>> f = sd.sum((x[1:] - x[:-1] ** 2) ** 2)
>>> sd.hessian_sparsity(f, x, sizes={"n": 4}).toarray().astype(int)
array([[1, 1, 0, 0],
       [1, 1, 1, 0],
       [0, 1, 1, 1],
       [0, 0, 1, 1]])
"""

from __future__ import annotations

import re
import weakref
from typing import TYPE_CHECKING, Mapping

from ..dims import shape_str
from ..errors import shape_error
from ..graph import Node, as_node
from ..traversal import toposort

if TYPE_CHECKING:   # scipy.sparse is imported when a pattern is first computed
    import scipy.sparse as sp

__all__ = ["jacobian_sparsity", "hessian_sparsity", "sparse_jacobian", "sparse_hessian",
           "SparseJacobian", "SparseHessian"]

#: y -> {(kind, x, sizes): pattern}: patterns are computed once per bound size
_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def jacobian_sparsity(y, x: Node, sizes: Mapping[str, int] | None = None) -> sp.csr_array:
    """Which entries of ``sd.jacobian(y, x)`` can be nonzero: a boolean ``(y.size, x.size)`` CSR array.

    Rows and columns number the elements of ``y`` and ``x`` in C order.
    ``sizes`` binds the symbolic sizes of the graph (``{"n": 100}``).

    >>> import symdiff as sd
    >>> x = sd.vector("x", 3)
    >>> sd.jacobian_sparsity(sd.exp(x) * x[0], x).toarray().astype(int)
    array([[1, 0, 0],
           [1, 1, 0],
           [1, 0, 1]])
    """
    y = as_node(y)
    check_request(y, x)
    return _cached("jacobian", y, x, sizes).astype(bool)   # a copy: the cached pattern stays as it is


def hessian_sparsity(cost, x: Node, sizes: Mapping[str, int] | None = None) -> sp.csr_array:
    """Which entries of ``sd.hessian(cost, x)`` can be nonzero: a symmetric boolean ``(x.size, x.size)`` CSR array.

    >>> import symdiff as sd
    >>> x = sd.vector("x", 3)
    >>> sd.hessian_sparsity(sd.sum(sd.exp(x)) + x[0] * x[2], x).toarray().astype(int)
    array([[1, 0, 1],
           [0, 1, 0],
           [1, 0, 1]])
    """
    cost = as_node(cost)
    check_cost("hessian_sparsity", cost, x)
    return _cached("hessian", cost, x, sizes).astype(bool)


def _cached(kind: str, y: Node, x: Node, sizes) -> sp.csr_array:
    env = bind_sizes(kind + "_sparsity", [y, x], sizes)
    per_y = _CACHE.setdefault(y, {})
    key = (kind, x, tuple(sorted(env.items())))
    found = per_y.get(key)
    if found is None:
        from .detect import hessian_pattern, jacobian_pattern

        found = per_y[key] = (jacobian_pattern if kind == "jacobian" else hessian_pattern)(y, x, env)
    return found


def check_request(y: Node, x) -> None:
    """The errors of ``sd.jacobian`` for the same request."""
    from ..autodiff.reverse import check_differentiable

    if not isinstance(x, Node):
        raise TypeError(f"can only differentiate with respect to symdiff nodes, got {type(x).__name__}")
    check_differentiable(y, "the output")
    check_differentiable(x, "with respect to")


def check_cost(what: str, cost: Node, x) -> None:
    """The errors of ``sd.hessian`` for the same request."""
    if cost.ndim != 0:
        raise shape_error(what, f"the cost must be a scalar (0-d), got shape {shape_str(cost.shape)}; "
                                "use sd.jacobian_sparsity or sd.sparse_jacobian")
    check_request(cost, x)


_NAME = re.compile(r"[A-Za-z_]\w*")


def size_names(nodes) -> set[str]:
    """The symbolic size names that shapes in the graph of ``nodes`` use."""
    names: set[str] = set()
    for n in toposort(nodes):
        for d in n.shape:
            if isinstance(d, str):
                names.update(_NAME.findall(d))
    return names


def bind_sizes(what: str, nodes, sizes) -> dict:
    names = size_names(nodes)
    env = {k: int(v) for k, v in dict(sizes or {}).items()}
    missing = sorted(names - set(env))
    if missing:
        shown = ", ".join(repr(m) for m in missing)
        raise ValueError(f"{what}: the graph has symbolic sizes {shown}; give their values, "
                         f"e.g. sizes={{{missing[0]!r}: 100}}")
    bad = [k for k, v in env.items() if v < 0]
    if bad:
        raise ValueError(f"{what}: sizes must be >= 0, got {bad[0]!r} = {env[bad[0]]}")
    return env


class SparseJacobian:
    """``sd.sparse_jacobian(y, x)``: an output of ``sd.function`` returned as a ``(y.size, x.size)`` csr_array.

    ``mode``: ``"forward"`` compresses columns (one forward pass per colour of
    the columns), ``"reverse"`` compresses rows (one reverse pass per colour of
    the rows), ``"auto"`` takes the one with fewer colours (forward when sizes
    are symbolic: the choice is made when the function is built).
    """

    kind = "jacobian"

    def __init__(self, y, x: Node, mode: str = "auto"):
        self.y = as_node(y)
        check_request(self.y, x)
        if mode not in ("auto", "forward", "reverse"):
            raise ValueError(f"sparse_jacobian: mode must be 'auto', 'forward' or 'reverse', got {mode!r}")
        self.x, self.mode = x, mode

    def pattern(self, env) -> sp.csr_array:
        return _cached("jacobian", self.y, self.x, env)

    def __repr__(self):
        return f"<sparse_jacobian of {self.y!r} by {self.x!r}>"


class SparseHessian:
    """``sd.sparse_hessian(cost, x)``: an output of ``sd.function`` returned as a symmetric csr_array."""

    kind = "hessian"

    def __init__(self, cost, x: Node):
        self.y = as_node(cost)
        check_cost("sparse_hessian", self.y, x)
        self.x = x

    def pattern(self, env) -> sp.csr_array:
        return _cached("hessian", self.y, self.x, env)

    def __repr__(self):
        return f"<sparse_hessian of {self.y!r} by {self.x!r}>"


def sparse_jacobian(y, x: Node, mode: str = "auto") -> SparseJacobian:
    """The Jacobian of ``y`` by ``x`` as a sparse output of ``sd.function`` (a ``scipy.sparse.csr_array``).

    Its structure (``indptr``, ``indices``) is that of ``jacobian_sparsity(y, x)``
    at the call's sizes, explicit zeros included, on every call.

    >>> import numpy as np, symdiff as sd
    >>> x = sd.vector("x", "n")
    >>> f = sd.function([x], sd.sparse_jacobian(x[1:] * x[:-1], x), backend="numpy")
    >>> f(np.array([1.0, 2.0, 3.0])).toarray()
    array([[2., 1., 0.],
           [0., 3., 2.]])
    """
    return SparseJacobian(y, x, mode)


def sparse_hessian(cost, x: Node) -> SparseHessian:
    """The Hessian of a scalar ``cost`` by ``x`` as a sparse output of ``sd.function`` (symmetric csr_array).

    >>> import numpy as np, symdiff as sd
    >>> x = sd.vector("x", 3)
    >>> f = sd.function([x], sd.sparse_hessian(sd.sum(x ** 3), x), backend="numpy")
    >>> f(np.array([1.0, 2.0, 3.0])).toarray()
    array([[ 6.,  0.,  0.],
           [ 0., 12.,  0.],
           [ 0.,  0., 18.]])
    """
    return SparseHessian(cost, x)
