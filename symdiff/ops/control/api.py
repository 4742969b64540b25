"""The public loop functions: ``scan``, ``fori_loop`` and ``while_loop`` (JAX's semantics).

Carries and ``xs`` may be nodes, numbers, or tuples, lists, named tuples and
dicts (nested) of them, as JAX's pytrees.
The Python function is called once, on symbolic arguments, to build the
loop's body; the result is one loop node however many steps run.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ... import dtypes as _dt
from ...dims import check_dim, dim_sub, shape_str
from ...errors import ShapeError
from ...graph import Node, as_node, constant
from .body import slice_specs, specs_of, trace
from .scan import make_scan, segment_length
from .tuples import tuple_get
from .while_loop import make_while

# -- structures of nodes ------------------------------------------------------------------------

def _flatten(tree, what: str) -> tuple[list[Node], Any]:
    """Leaves (as nodes) and a description to rebuild ``tree``: a node, a number, or a tuple, list,
    named tuple or dict (sorted by key, as JAX does) of them, nested."""
    if tree is None:
        return [], None
    if isinstance(tree, (tuple, list, dict)):
        keys = sorted(tree) if isinstance(tree, dict) else list(range(len(tree)))
        leaves, kids = [], []
        for k in keys:
            sub, spec = _flatten(tree[k], f"{what}[{k!r}]")
            leaves += sub
            kids.append(spec)
        return leaves, (type(tree), tuple(keys) if isinstance(tree, dict) else len(keys), kids)
    try:
        return [as_node(tree)], "leaf"
    except TypeError:
        raise TypeError(f"{what}: expected a node, a number, or a tuple, list or dict of them; "
                        f"got {type(tree).__name__}") from None


def _unflatten(spec, leaves: list[Node]):
    it = iter(leaves)

    def build(s):
        if s is None:
            return None
        if s == "leaf":
            return next(it)
        kind, keys, kids = s
        values = [build(k) for k in kids]
        if isinstance(keys, tuple):
            return kind(zip(keys, values))
        return kind(*values) if hasattr(kind, "_fields") else kind(values)

    return build(spec)


def _paths(spec, prefix: str) -> list[str]:
    """A readable path for each leaf (``carry[1][0]``, ``carry['w']``)."""
    if spec is None:
        return []
    if spec == "leaf":
        return [prefix]
    _, keys, kids = spec
    out = []
    for k, kid in zip(keys if isinstance(keys, tuple) else range(keys), kids):
        out += _paths(kid, f"{prefix}[{k!r}]")
    return out


def _same_structure(a, b) -> bool:
    if a == "leaf" or b == "leaf" or a is None or b is None:
        return a == b
    return (a[0] == b[0] and a[1] == b[1] and len(a[2]) == len(b[2])
            and all(_same_structure(x, y) for x, y in zip(a[2], b[2])))


def _describe(spec) -> str:
    """A structure in words: ``tuple of 2``, ``dict with keys 'a', 'b'``, ``a node``."""
    if spec is None:
        return "None"
    if spec == "leaf":
        return "a node"
    kind, keys, _ = spec
    if isinstance(keys, tuple):
        return f"{kind.__name__} with keys {', '.join(map(repr, keys))}"
    return f"{kind.__name__} of {keys}"


def _check_structure(loop: str, got, want, n_got: int) -> None:
    if not _same_structure(got, want):
        raise TypeError(f"{loop}: the body returns a carry of another structure than init: "
                        f"{_describe(got)} ({n_got} values) where init is {_describe(want)}")


def _callable(loop: str, name: str, f) -> None:
    if not callable(f):
        raise TypeError(f"{loop}: {name} must be a function, got {type(f).__name__}")


def _check_carry(loop: str, init: list[Node], new: list[Node], paths: list[str]) -> list[Node]:
    out = []
    for x, y, p in zip(init, new, paths):
        if y.shape != x.shape:
            raise ShapeError(f"{loop}: the body changes the shape of {p} from {shape_str(x.shape)} to {shape_str(y.shape)}; "
                             "a carry keeps its shape and dtype")
        if y.dtype != x.dtype:
            if _dt.is_float(x.dtype) and _dt.is_float(y.dtype) and y.op.is_constant:
                y = y.astype(x.dtype)
            else:
                raise ShapeError(f"{loop}: the body changes the dtype of {p} from {x.dtype} to {y.dtype}; "
                                 f"a carry keeps its shape and dtype (cast with .astype({str(x.dtype)!r}))")
        out.append(y)
    return out


# -- scan -----------------------------------------------------------------------------------------

def scan(f: Callable, init, xs=None, length=None, reverse: bool = False, checkpoint=None):
    """Loop ``f(carry, x) -> (carry, y)`` over the leading axis of ``xs``; returns ``(final_carry, stacked_ys)``.

    JAX's ``lax.scan`` semantics. ``init`` and ``xs`` may be nodes or nested
    tuples, lists, named tuples and dicts of nodes; ``y`` may be ``None``. ``length`` (an int or a
    symbolic dimension) is needed when ``xs`` is ``None``. ``reverse=True``
    runs from the last slice to the first. ``checkpoint``: reverse mode
    stores the carry only every ``checkpoint`` steps and recomputes the steps
    in between (``True`` or ``"sqrt"``: segments of about ``sqrt(length)``
    steps, memory O(sqrt(length))).

    >>> import symdiff as sd
    >>> xs = sd.vector("xs", "T")
    >>> total, partial = sd.scan(lambda c, x: (c + x, c + x), 0.0, xs)
    >>> [v.tolist() for v in sd.evaluate([total, partial], {xs: [1.0, 2.0, 3.0]})]
    [6.0, [1.0, 3.0, 6.0]]
    """
    _callable("scan", "f", f)
    if not isinstance(reverse, (bool, np.bool_)):
        raise TypeError(f"scan: reverse must be True or False, got {reverse!r}")
    init_leaves, init_spec = _flatten(init, "scan: init")
    xs_leaves, xs_spec = _flatten(xs, "scan: xs")
    for p, x in zip(_paths(xs_spec, "xs"), xs_leaves):
        if x.ndim == 0:
            raise ShapeError(f"scan: {p} is a scalar; each xs needs a leading axis to scan over")
    lengths = {x.shape[0] for x in xs_leaves}
    if length is not None:
        length = check_dim(length, "scan: length")
    if len(lengths) > 1:
        desc = ", ".join(f"{p} {shape_str(x.shape)}" for p, x in zip(_paths(xs_spec, "xs"), xs_leaves))
        raise ShapeError(f"scan: the xs have different lengths: {desc}")
    if lengths:
        (n,) = lengths
        if length is not None and length != n:
            raise ShapeError(f"scan: length={length!r} but the xs have length {n!r}")
        length = n
    elif length is None:
        raise ValueError("scan: give xs or length (the number of steps)")
    nc, nx = len(init_leaves), len(xs_leaves)
    carry_paths = _paths(init_spec, "carry")
    y_spec: list = []

    def body(*args):
        carry = _unflatten(init_spec, list(args[:nc]))
        x = _unflatten(xs_spec, list(args[nc:]))
        result = f(carry, x)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise TypeError(f"scan: the body must return a pair (carry, y), got {type(result).__name__}")
        new_leaves, new_spec = _flatten(result[0], "scan: the body's carry")
        _check_structure("scan", new_spec, init_spec, len(new_leaves))
        new_leaves = _check_carry("scan", init_leaves, new_leaves, carry_paths)
        y_leaves, spec = _flatten(result[1], "scan: the body's y")
        y_spec.append(spec)
        return new_leaves + y_leaves

    body_graph, captured = trace(body, specs_of(init_leaves) + slice_specs(xs_leaves))
    node = make_scan(body_graph, init_leaves + xs_leaves + captured, nc, nx, length, reverse,
                     segment_length(length, checkpoint))
    outs = [tuple_get(node, k) for k in range(len(body_graph.outputs))]
    return _unflatten(init_spec, outs[:nc]), _unflatten(y_spec[0], outs[nc:])


# -- fori_loop ------------------------------------------------------------------------------------

def fori_loop(lower, upper, body: Callable, init):
    """``body(i, carry) -> carry`` for ``i`` from ``lower`` to ``upper - 1``; returns the final carry.

    With int (or symbolic-dimension) bounds this is a ``scan`` and has
    derivatives of every kind; with node bounds it is a ``while_loop``
    (forward mode only), as in JAX. ``i`` is an int64 scalar node.

    >>> import symdiff as sd
    >>> x = sd.scalar("x")
    >>> float(sd.evaluate(sd.fori_loop(0, 3, lambda i, c: c * x + i, 1.0), {x: 2.0}))
    12.0
    """
    _callable("fori_loop", "body", body)
    static = all(isinstance(b, (int, np.integer, str)) and not isinstance(b, bool) for b in (lower, upper))
    if static:
        if isinstance(lower, str):
            raise ValueError("fori_loop: a symbolic lower bound is not supported; shift the index in the body")
        lower = int(lower)
        if isinstance(upper, str):   # a symbolic upper bound: the loop runs upper - lower times
            if lower < 0:
                raise ValueError(f"fori_loop: with a symbolic upper bound {upper!r} the lower bound must be >= 0, "
                                 f"got {lower}")
            length = dim_sub(check_dim(upper, "fori_loop: upper"), lower)
        else:                        # ints, negative ones too (Python's range)
            length = max(0, int(upper) - lower)

        def step(carry, _):
            i, c = carry
            return (i + 1, body(i, c)), None

        (_, final), _ = scan(step, (constant(lower, "int64"), init), length=length)
        return final
    lo, hi = as_node(lower), as_node(upper)
    for b, what in ((lo, "lower"), (hi, "upper")):
        if b.ndim != 0 or b.dtype.kind not in "iu":
            raise TypeError(f"fori_loop: {what} must be an int or an integer scalar node, got {b!r}")
    _, final = while_loop(lambda c: c[0] < hi, lambda c: (c[0] + 1, body(c[0], c[1])), (lo.astype("int64"), init))
    return final


# -- while_loop -----------------------------------------------------------------------------------

def while_loop(cond: Callable, body: Callable, init):
    """``carry = body(carry)`` while ``cond(carry)`` is true; returns the final carry.

    ``cond`` must return a boolean scalar. Forward-mode derivatives (``jvp``,
    ``jacobian``) work; reverse mode raises an error pointing to ``scan``.

    >>> import symdiff as sd
    >>> x = sd.scalar("x")
    >>> float(sd.evaluate(sd.while_loop(lambda c: c < 100.0, lambda c: c * x, 1.0), {x: 3.0}))
    243.0
    """
    _callable("while_loop", "cond", cond)
    _callable("while_loop", "body", body)
    leaves, spec = _flatten(init, "while_loop: init")
    nc = len(leaves)
    paths = _paths(spec, "carry")

    def both(*args):
        carry = _unflatten(spec, list(args[:nc]))
        pred = as_node(cond(carry))
        if pred.ndim != 0 or pred.dtype != _dt.BOOL:
            raise TypeError(f"while_loop: cond must return a boolean scalar, got {shape_str(pred.shape)} {pred.dtype}")
        new_leaves, new_spec = _flatten(body(carry), "while_loop: the body's carry")
        _check_structure("while_loop", new_spec, spec, len(new_leaves))
        return [pred] + _check_carry("while_loop", leaves, new_leaves, paths)

    joint, captured = trace(both, specs_of(leaves), loop="while_loop")
    from .body import Body

    node = make_while(Body(joint.args, joint.outputs[:1]), Body(joint.args, joint.outputs[1:]),
                      leaves + captured, nc)
    return _unflatten(spec, [tuple_get(node, k) for k in range(nc)])


__all__ = ["scan", "fori_loop", "while_loop"]
