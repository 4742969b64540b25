"""The rewrite rules, one per identity, each saying when it holds.

Three groups, run together by the pipeline:

* ALGEBRA — identities that hold exactly in IEEE arithmetic (``x + 0``,
  ``x * 1``, ``--x`` ...), plus a few (``x * 0``, ``x - x``) that fail for inf
  or nan and so run only with ``fast_math=True``;
* STABILITY — textbook formulas replaced by forms that do not overflow or
  lose precision (``log(sigmoid(x)) -> -softplus(-x)`` ...);
* FOLD — constant folding through the reference interpreter.
"""

from __future__ import annotations

import numpy as np

from ..graph import Node, constant
from ..ops import creation, elementwise as ew, nn, reduction, shape as shp
from .patterns import Const, P, Rule, X, Y

R = Rule

# ---------------------------------------------------------------- algebra


def _nonnegative(node: Node) -> bool:
    """Cheap proof that every entry of ``node`` is >= 0 (or nan)."""
    op = node.op.name
    if op in ("exp", "sqrt", "square", "abs", "sigmoid", "softplus", "relu"):
        return True
    if op == "multiply" and node.inputs[0] is node.inputs[1]:
        return True
    if op in ("constant", "fill"):
        if op == "constant":
            return bool(np.all(node.kw["value"].array >= 0))
        return node.kw["value"] >= 0
    return False


def _zeros(node: Node) -> Node:
    return creation.zeros(node.shape, node.dtype)


ALGEBRA = [
    R("add_zero", P("add", X, Const(0)), lambda b, n: b["x"],
      "x + 0 -> x. Exact for every x (including inf, nan; -0.0 + 0.0 is 0.0, the only sign change)."),
    R("subtract_zero", P("subtract", X, Const(0)), lambda b, n: b["x"], "x - 0 -> x. Exact."),
    R("zero_minus_x", P("subtract", Const(0), X), lambda b, n: ew.negative(b["x"]),
      "0 - x -> -x. Exact up to the sign of zero."),
    R("multiply_one", P("multiply", X, Const(1)), lambda b, n: b["x"], "x * 1 -> x. Exact."),
    R("multiply_minus_one", P("multiply", X, Const(-1)), lambda b, n: ew.negative(b["x"]), "x * -1 -> -x. Exact."),
    R("multiply_zero", P("multiply", X, Const(0)), lambda b, n: _zeros(n),
      "x * 0 -> 0. False for x = inf or nan (gives nan), so fast-math only.", fast_math=True),
    R("subtract_self", P("subtract", X, X), lambda b, n: _zeros(n),
      "x - x -> 0. False for x = inf or nan, so fast-math only.", fast_math=True),
    R("divide_one", P("divide", X, Const(1)), lambda b, n: b["x"], "x / 1 -> x. Exact."),
    R("power_one", P("power", X, Const(1)), lambda b, n: b["x"], "x ** 1 -> x. Exact."),
    R("power_zero", P("power", X, Const(0)), lambda b, n: creation.ones(n.shape, n.dtype),
      "x ** 0 -> 1. Exact: IEEE pow(x, 0) is 1 even for nan and inf."),
    R("power_two", P("power", X, Const(2)), lambda b, n: ew.multiply(b["x"], b["x"]),
      "x ** 2 -> x * x. Exact (pow is correctly rounded for 2 in practice; x*x is one rounding)."),
    R("power_half", P("power", X, Const(0.5)), lambda b, n: ew.sqrt(b["x"]),
      "x ** 0.5 -> sqrt(x). Same values, including nan for x < 0 (but sqrt(-0.0) is -0.0)."),
    R("power_minus_one", P("power", X, Const(-1)), lambda b, n: ew.divide(1.0, b["x"]),
      "x ** -1 -> 1 / x. Exact for floats; integers keep the power, which raises as NumPy does.",
      when=lambda b, n: n.dtype.kind == "f"),
    R("negative_negative", P("negative", P("negative", X)), lambda b, n: b["x"], "-(-x) -> x. Exact."),
    R("add_negative", P("add", X, P("negative", Y)), lambda b, n: ew.subtract(b["x"], b["y"]),
      "x + (-y) -> x - y. Exact."),
    R("subtract_negative", P("subtract", X, P("negative", Y)), lambda b, n: ew.add(b["x"], b["y"]),
      "x - (-y) -> x + y. Exact."),
    R("negative_times_negative", P("multiply", P("negative", X), P("negative", Y)),
      lambda b, n: ew.multiply(b["x"], b["y"]), "(-x) * (-y) -> x * y. Exact."),
    R("multiply_reciprocal", P("multiply", X, P("reciprocal", Y)), lambda b, n: ew.divide(b["x"], b["y"]),
      "x * (1/y) -> x / y. One rounding instead of two; equal in exact arithmetic."),
    R("transpose_of_transpose", P("transpose", P("transpose", X)),
      lambda b, n: shp.transpose(b["x"], tuple(n.inputs[0].kw["axes"][a] for a in n.kw["axes"])),
      "transpose(transpose(x, p), q) -> transpose(x, p[q]). Exact (the identity when p[q] is)."),
    R("reshape_of_reshape", P("reshape", P("reshape", X)), lambda b, n: shp.reshape(b["x"], n.shape),
      "reshape(reshape(x, s), t) -> reshape(x, t). Exact."),
    R("where_same_branches", P("where", Y, X, X), lambda b, n: b["x"], "where(c, x, x) -> x. Exact."),
    R("exp_of_log", P("exp", P("log", X)), lambda b, n: b["x"],
      "exp(log(x)) -> x. Holds for x >= 0 (log of a negative is nan): applied when x is provably "
      "non-negative (an exp, square, abs, sigmoid ...).",
      when=lambda b, n: _nonnegative(b["x"])),
]


def _sum_of_broadcast(b, node):
    """sum(broadcast_to(x, s), axes): sum x over its own axes, times the broadcast sizes."""
    bc = node.inputs[0]
    x = bc.inputs[0]
    shape = bc.kw["shape"]
    lead = len(shape) - x.ndim
    axes = node.kw["axes"]
    keepdims = node.kw["keepdims"]
    stretched = [a for a in axes if a < lead or x.shape[a - lead] == 1]
    own = tuple(a - lead for a in axes if a >= lead and x.shape[a - lead] != 1)
    if not stretched:
        return None
    factor = creation.size_of([shape[a] for a in stretched], node.dtype)
    inner = reduction.sum(x, axis=own, keepdims=True) if own else x
    inner = ew.multiply(inner, factor)
    # inner has x's rank; broadcast what remains, then drop the reduced axes
    inner = shp.reshape(inner, (1,) * lead + inner.shape)
    full = tuple(1 if i in axes else d for i, d in enumerate(shape))
    inner = shp.broadcast_to(inner, full)
    return inner if keepdims else shp.reshape(inner, node.shape)


ALGEBRA.append(R(
    "sum_of_broadcast", P("sum", P("broadcast_to", X)), _sum_of_broadcast,
    "sum(broadcast_to(x), axes) -> sum(x, own axes) * size of the broadcast axes. "
    "Equal in exact arithmetic; avoids materialising the broadcast.",
    when=lambda b, n: n.dtype.kind == "f"))



class EinsumIdentityRule(Rule):
    """Drop an identity-matrix operand of a contraction by renaming its letters."""

    def apply(self, node, protect=frozenset()):
        from ..ops.contraction import einsum_raw, parse_spec

        in_subs, out = parse_spec(node.kw["spec"])
        for k, e in enumerate(node.inputs):
            if id(e) in protect or e.op.name != "eye" or e.kw["k"] != 0 or e.kw["n"] != e.kw["m"]:
                continue
            a, b = in_subs[k]
            if a == b or (a in out and b in out):
                continue
            keep, drop = (b, a) if b in out else (a, b)
            subs = [s.replace(drop, keep) for j, s in enumerate(in_subs) if j != k]
            if not any(keep in s for s in subs):
                continue
            rest = [x for j, x in enumerate(node.inputs) if j != k]
            return einsum_raw(subs, out.replace(drop, keep), rest)
        return None


ALGEBRA.append(EinsumIdentityRule(
    "einsum_with_identity", P("einsum"), None,
    "einsum(..., eye(n) as 'ij', ...) -> the same contraction with j renamed i and the identity "
    "dropped (e.g. eye @ A -> A). Exact: multiplying by exact ones and adding exact zeros. "
    "Seeded Jacobians and Hessians contain such products."))

# ---------------------------------------------------------------- stability

def _float(x, n):
    """``x`` in the dtype of the node it replaces (log(exp(k)) of an int k is a float; -True is refused)."""
    return x if x.dtype == n.dtype else ew.cast(x, n.dtype)


STABILITY = [
    R("log_of_exp", P("log", P("exp", X)), lambda b, n: _float(b["x"], n),
      "log(exp(x)) -> x. Holds for every real x, and is better where exp overflows (x > 709) "
      "or underflows; it turns log(softmax(x)) into log_softmax(x)."),
    R("log_of_sigmoid", P("log", P("sigmoid", X)), lambda b, n: ew.negative(nn.softplus(ew.negative(_float(b["x"], n)))),
      "log(sigmoid(x)) -> -softplus(-x). Exact; finite for x = -800 where sigmoid underflows to 0."),
    R("one_minus_sigmoid", P("subtract", Const(1), P("sigmoid", X)),
      lambda b, n: nn.sigmoid(ew.negative(_float(b["x"], n))),
      "1 - sigmoid(x) -> sigmoid(-x). Exact; no cancellation for large x. With log_of_sigmoid "
      "this also turns log(1 - sigmoid(x)) into -softplus(x)."),
    R("log_of_softplus_form", P("log", P("add", Const(1), P("exp", X))), lambda b, n: nn.softplus(b["x"]),
      "log(1 + exp(x)) -> softplus(x). Exact; no overflow for large x."),
    R("log1p_of_exp", P("log1p", P("exp", X)), lambda b, n: nn.softplus(b["x"]),
      "log1p(exp(x)) -> softplus(x). Exact; no overflow for large x."),
    R("log_of_one_plus", P("log", P("add", Const(1), X)), lambda b, n: ew.log1p(b["x"]),
      "log(1 + x) -> log1p(x). Exact; accurate for |x| << 1."),
    R("exp_minus_one", P("subtract", P("exp", X), Const(1)), lambda b, n: ew.expm1(b["x"]),
      "exp(x) - 1 -> expm1(x). Exact; accurate for |x| << 1."),
    R("log_of_sum_of_exp", P("log", P("sum", P("exp", X))),
      lambda b, n: nn.logsumexp(b["x"], axis=n.inputs[0].kw["axes"], keepdims=n.inputs[0].kw["keepdims"]),
      "log(sum(exp(x), axes)) -> logsumexp(x, axes). Exact; no overflow for large x."),
    R("naive_sigmoid", P("divide", Const(1), P("add", Const(1), P("exp", P("negative", X)))),
      lambda b, n: nn.sigmoid(b["x"]), "1 / (1 + exp(-x)) -> sigmoid(x). Exact; no overflow for x << 0."),
]
# log(softmax(x)) = log(exp(x - logsumexp(x))) is caught by log_of_exp: it becomes log_softmax's form.

# ---------------------------------------------------------------- folding

FOLD_LIMIT = 4096  # entries; larger results stay as graph to keep constants (and cache keys) small


class _AnyOp(P):
    """Pattern matching a node of any operation whose inputs are all constants."""

    def __init__(self):
        super().__init__("*")


def _all_constant_inputs(node: Node) -> bool:
    # a loop is not folded: its value is a tuple, and its run time is not bounded by its result's size
    return bool(node.inputs) and not node.op.multi_output and all(i.op.is_constant for i in node.inputs) and all(
        isinstance(d, int) for d in node.shape) and not any(
        isinstance(node.kw.get(k), str) for k in node.op.dim_params)


class FoldRule(Rule):
    def apply(self, node, protect=frozenset()):
        if not _all_constant_inputs(node):
            return None
        size = int(np.prod([d for d in node.shape], dtype=np.int64))
        biggest = max(int(np.prod(i.shape, dtype=np.int64)) for i in node.inputs)
        if size > FOLD_LIMIT or size > max(1, biggest):
            return None  # folding a broadcast would turn a scalar into a stored array
        from ..backends.reference import Plan

        value = Plan([], [node]).run([], {})[0]
        return constant(np.asarray(value, dtype=node.dtype))


FOLD = [FoldRule("fold_constants", _AnyOp(), None,
                 "op(constants...) -> constant, evaluated by the reference interpreter (results up to "
                 f"{FOLD_LIMIT} entries; larger ones stay as graph).")]
