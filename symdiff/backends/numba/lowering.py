"""The lowering protocol: how each operation becomes loop code.

Every operation in ``symdiff.graph.OPS`` has exactly one entry in
:data:`LOWERINGS`, an instance of one of the kinds below, registered by
:func:`register` in the ``lowerings/`` modules. The planner (``planner.py``)
and the emitter (``emitter.py``) only call the methods of these kinds; they
never look at an operation's name.

=============== ===========================================================
kind            what the entry supplies
=============== ===========================================================
``array``       nothing: input symbols and constant arrays are variables
``source``      :meth:`Source.expr`: the value at an index, from params only
``inline``      :meth:`Inline.inputs_at` (which input is read where) and
                :meth:`Inline.expr`; elementwise operations, index remaps
                (transpose, slices) and gathers (take)
``piecewise``   :meth:`Piecewise.pieces`: the value is one of several inputs
                at shifted indices, or zero, depending on guards on the index
                (pad_axis, scatter_index, concatenate); guarded inputs are
                evaluated only where they exist
``reduction``   accumulators updated in the loop nest of the input
                (sum, prod, max, min, logsumexp)
``scatter``     ``out[target] += value`` in the loop nest of the input
                (take_add, put_along_axis_add)
``step``        :meth:`Step.emit`: statements of its own between loop nests
                (einsum via BLAS or loops, reshapes that are not remaps)
=============== ===========================================================

Indices are tuples of :mod:`..loops` expressions, one per axis of the node.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ... import dtypes as dt
from ...dims import shape_str
from ...graph import OPS, Node
from .. import loops as ir

KINDS = ("array", "source", "inline", "piecewise", "reduction", "scatter", "step")

LOWERINGS: dict[str, "Lowering"] = {}


class Lowering:
    """Base of all entries. ``cost``: a relative price of one evaluation (recompute or store)."""

    kind: str = ""
    cost: int = 1

    def kind_of(self, node: Node) -> str:
        """The kind for this node (an entry may be a remap for some params and a step for others)."""
        return self.kind

    def call_checks(self, node: Node) -> list["Check"]:
        """Run-time conditions on sizes the caller checks before running the kernel."""
        return []


@dataclass(frozen=True)
class Check:
    """``if not cond: raise <error>(message + str(size) + suffix)`` in the call path."""

    cond: ir.Expr
    message: str
    size: ir.Expr
    suffix: str = ""
    error: str = "IndexError"


def register(name: str, entry: Lowering) -> Lowering:
    """Make ``entry`` the lowering of operation ``name`` (once)."""
    if name in LOWERINGS:
        raise TypeError(f"numba lowering for {name} registered twice")
    if entry.kind not in KINDS:
        raise TypeError(f"lowering of {name}: unknown kind {entry.kind!r}")
    entry.name = name
    LOWERINGS[name] = entry
    return entry


def missing_lowerings() -> list[str]:
    """Operations without a lowering (the registry test asserts this is empty)."""
    return sorted(set(OPS) - set(LOWERINGS))


def lowering_of(node: Node) -> Lowering:
    """The lowering entry of ``node``'s operation (NotImplementedError naming it when there is none)."""
    low = LOWERINGS.get(node.op.name)
    if low is None:
        raise NotImplementedError(f"the numba backend has no lowering for operation {node.op.name!r}")
    return low


# ------------------------------------------------------------------ the kinds

class Array(Lowering):
    """Input symbols and constants: variables of the kernel (0-d constants are literals)."""

    kind = "array"
    cost = 0

    def value(self, node: Node):
        """The array of a constant (a module-level variable of the generated code); None for an input."""
        return None


class Source(Lowering):
    """No inputs: the value at an index comes from the params (fill, eye, size_of)."""

    kind = "source"
    cost = 0

    def expr(self, em, node: Node, index: tuple) -> ir.Expr:
        """The value at ``index`` (a tuple of loop-IR expressions, one per axis of the node)."""
        raise NotImplementedError


class Inline(Lowering):
    """Computed inside the loop nest that reads it.

    :meth:`inputs_at` says where each input is read for one output index (or
    ``None``: the input is needed whole, as an array variable); :meth:`expr`
    combines the inputs' expressions (``Var`` of the array for whole inputs).
    """

    kind = "inline"

    def inputs_at(self, node: Node, index: tuple) -> list:
        """``[(input node, index or None), ...]``: where each input is read for the node at ``index``."""
        raise NotImplementedError

    def expr(self, em, node: Node, index: tuple, args: list) -> ir.Expr:
        """The value at ``index`` from the inputs' values ``args`` (in the order of ``inputs_at``)."""
        raise NotImplementedError


@dataclass
class Piece:
    """One source of a piecewise value: ``convert(input at index)`` where all ``conds`` hold."""

    input: Node
    index: tuple
    conds: tuple
    convert: Callable = field(default=lambda e: e)


class Piecewise(Lowering):
    """The value is the first piece whose conditions hold, else zero of the node's dtype."""

    kind = "piecewise"

    def pieces(self, node: Node, index: tuple) -> list[Piece]:
        """The pieces of the value at ``index``, tried in order (each input at its shifted index)."""
        raise NotImplementedError


class Reduction(Lowering):
    """Accumulators updated once per entry of the input, in the input's loop nest.

    ``accumulators(dtype)``: initial values of the accumulator variables;
    ``update(accs, value, dtype)``: statements updating them (``accs`` are
    assignable expressions); ``finish(accs, dtype)``: the result.

    ``exact_input``: the result is compared for equality with its input
    elsewhere (the derivative of ``max`` marks the entries equal to the
    maximum), so an input used elsewhere is stored once and read by both:
    recomputed, it may differ in the last bit (vector math in the vectorised
    loop, scalar math in its remainder; fused multiply-adds).
    """

    kind = "reduction"
    exact_input = False

    def inputs_at(self, node: Node, index: tuple) -> list:
        """The reduced input, read at each index of its own loop nest."""
        return [(node.inputs[0], index)]

    def reduced_axes(self, node: Node) -> tuple[tuple, bool]:
        """``(axes, keepdims)``."""
        return node.kw["axes"], node.kw["keepdims"]

    def acc_dtype(self, node: Node) -> np.dtype:
        """The dtype accumulated in (float64 for float32 sums: NumPy's pairwise sums are about that accurate)."""
        return dt.FLOAT64 if node.dtype == dt.FLOAT32 else node.dtype

    def accumulators(self, dtype) -> list:
        """The initial values of the accumulator variables."""
        raise NotImplementedError

    def update(self, accs: list, value: ir.Expr, dtype) -> list:
        """Statements combining one input value into the accumulators (assignable expressions)."""
        raise NotImplementedError

    def finish(self, accs: list, dtype) -> ir.Expr:
        """The result from the final accumulators."""
        return accs[0]


class Scatter(Lowering):
    """``out[target(index)] += value(index)`` over the loop nest of input 0; ``out`` starts at zero."""

    kind = "scatter"

    def inputs_at(self, node: Node, index: tuple) -> list:
        raise NotImplementedError

    def target(self, node: Node, index: tuple, args: list) -> tuple:
        """The output index receiving the value read at ``index`` (args as in Inline.expr)."""
        raise NotImplementedError


class Step(Lowering):
    """Statements of its own between loop nests, reading materialised inputs."""

    kind = "step"

    def step_inputs(self, node: Node, materialized: set) -> list[Node]:
        """Inputs (or nodes behind them) that must be arrays before the step runs."""
        return list(node.inputs)

    def emit(self, em, node: Node) -> None:
        """Emit the step's statements through ``em`` (``out``, ``buffer``, ``var_of``, ``bind`` ...)."""
        raise NotImplementedError


# ------------------------------------------------------------------ shared helpers

def identity_value(value, dtype):
    """``value`` for dtype: -inf/inf become the int64 extremes or False/True."""
    d = np.dtype(dtype)
    if isinstance(value, float) and np.isinf(value):
        if d == dt.BOOL:
            return value > 0
        if d == dt.INT64:
            info = np.iinfo(np.int64)
            return int(info.max if value > 0 else info.min)
    return value


def label(n: Node) -> str:
    """One line naming a node: its operation's label, shape and dtype (the comment on generated code)."""
    text = f"{n.op.label(n)} {shape_str(n.shape)} {n.dtype}"
    return " ".join(text.split())


__all__ = ["LOWERINGS", "KINDS", "Lowering", "Array", "Source", "Inline", "Piece", "Piecewise",
           "Reduction", "Scatter", "Step", "Check", "register", "missing_lowerings", "lowering_of",
           "identity_value", "label"]
