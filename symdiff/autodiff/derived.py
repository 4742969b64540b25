"""The public differentiation API, built from the reverse and forward passes.

``jacobian`` and ``hessian`` run *one* forward pass whose tangent is seeded
with an identity tensor (a batch of all basis directions at once), so their
graphs have the same size for n = 10 and n = 10,000, and work for symbolic n.
``hessian`` is forward-over-reverse: the batched JVP of the gradient graph.
"""

from __future__ import annotations

from typing import Sequence

from ..dims import shape_str
from ..errors import shape_error
from ..graph import Node, as_node
from ..ops import creation, elementwise as ew, shape as shp
from .forward import forward
from .reverse import backward


def grad(cost: Node, wrt: Node | Sequence[Node]) -> Node | list[Node]:
    """Gradient of a scalar ``cost`` with respect to ``wrt`` (a node or a list of nodes).

    ``wrt`` may be any node of the cost's graph, including intermediates; one
    the cost does not depend on gets zeros.

    >>> import symdiff as sd
    >>> x, y, z = sd.scalar("x"), sd.scalar("y"), sd.scalar("z")
    >>> f = (x + y) * z
    >>> [float(v) for v in sd.evaluate(sd.grad(f, [x, y, z]), {x: -2.0, y: 5.0, z: -4.0})]
    [-4.0, -4.0, 3.0]
    """
    cost = as_node(cost)
    if cost.ndim != 0:
        raise shape_error("grad", f"the cost must be a scalar (0-d), got shape {shape_str(cost.shape)}; use sd.jacobian or sd.vjp")
    if cost.dtype.kind != "f":   # as JAX: a gradient needs a real-valued cost, even one that is constant in wrt
        raise TypeError(f"grad: the cost must be float32 or float64, got {cost.dtype} ({cost!r}); "
                        "cast it with sd.astype(cost, 'float64') if you mean it")
    many = isinstance(wrt, (list, tuple))
    ws = list(wrt) if many else [wrt]
    _check_nodes(ws)
    cost = _stable(cost, ws)
    if len(ws) == 1 and ws[0].ndim == 0:
        # One scalar variable: forward mode costs the same and, repeated, gives
        # k-th derivatives whose graphs grow polynomially in k (the tangent of
        # an existing derivative node is hash-consed onto the one built before).
        out = forward([cost], ws, [creation.ones((), ws[0].dtype)])
    else:
        out = backward([(cost, creation.ones_like(cost))], ws)
    return out if many else out[0]


def vjp(y: Node, x: Node, u) -> Node:
    """Vector-Jacobian product ``u @ J`` (reverse mode); ``u`` has ``y``'s shape, the result ``x``'s."""
    y = as_node(y)
    _check_nodes([x])
    u = ew.cast(as_node(u), y.dtype) if as_node(u).dtype != y.dtype else as_node(u)
    if u.shape != y.shape:
        u = _match("vjp", u, y.shape, "the output")
    return backward([(_stable(y, [x]), u)], [x])[0]


def jvp(y: Node, x: Node, v) -> Node:
    """Jacobian-vector product ``J @ v`` (forward mode); ``v`` has ``x``'s shape, the result ``y``'s."""
    y = as_node(y)
    _check_nodes([x])
    v = as_node(v)
    if v.shape != x.shape:
        v = _match("jvp", v, x.shape, "the variable")
    return forward([_stable(y, [x])], [x], [v])[0]


def jacobian(y: Node, x: Node) -> Node:
    """All partial derivatives: shape ``y.shape + x.shape``.

    One batched forward pass seeded with the identity, so the graph size does
    not depend on the size of ``x``.
    """
    y = as_node(y)
    _check_nodes([x])
    t = forward([_stable(y, [x])], [x], [identity_seed(x)], nb=x.ndim)[0]  # shape x.shape + y.shape
    k = x.ndim
    return shp.transpose(t, tuple(range(k, k + y.ndim)) + tuple(range(k)))


def hessian(cost: Node, x: Node) -> Node:
    """Second derivatives of a scalar ``cost``: shape ``x.shape + x.shape``.

    Forward-over-reverse: the batched JVP of the gradient graph. Entry
    ``[i, j]`` is d(grad_j)/dx_i, which is the Hessian (it is symmetric).
    """
    g = grad(cost, x)
    return forward([g], [x], [identity_seed(x)], nb=x.ndim)[0]


def hvp(cost: Node, x: Node, v) -> Node:
    """Hessian-vector product without forming the Hessian: ``jvp(grad(cost, x), x, v)``."""
    v = as_node(v)
    if v.shape != x.shape:
        v = _match("hvp", v, x.shape, "the variable")
    return jvp(grad(cost, x), x, v)


def identity_seed(x: Node) -> Node:
    """The identity tensor of shape ``x.shape + x.shape`` (dims may be symbolic)."""
    k = x.ndim
    if k == 0:
        return creation.ones((), x.dtype)
    seed = None
    for i, d in enumerate(x.shape):
        e = creation.eye(d, dtype=x.dtype)
        shape = [1] * (2 * k)
        shape[i], shape[k + i] = d, d
        e = shp.reshape(e, tuple(shape))
        seed = e if seed is None else ew.multiply(seed, e)
    return shp.broadcast_to(seed, x.shape + x.shape)


def _stable(y: Node, wrt) -> Node:
    """``y`` with textbook formulas replaced by stable forms before differentiating.

    The derivative of ``log(sigmoid(x))`` is then built from ``-softplus(-x)``
    and is finite where the textbook form gives nan. Nodes in ``wrt`` are kept.
    """
    from ..rewrite.pipeline import stabilize

    return stabilize([y], protect=wrt)[0]


def _check_nodes(ws):
    for w in ws:
        if not isinstance(w, Node):
            raise TypeError(f"can only differentiate with respect to symdiff nodes, got {type(w).__name__}")


def _match(op, v, shape, what):
    try:
        return shp.broadcast_to(v, shape)
    except ValueError:
        raise shape_error(op, f"the direction has shape {shape_str(v.shape)} but {what} has shape {shape_str(shape)}") from None
