"""From a plan to a kernel in the loop IR: steps in order, every output in a buffer or a scalar.

:class:`KernelBuilder` owns what one compiled function shares (names, the
buffers its caller allocates, module-level constants). :class:`PlanEmitter`
emits one plan into it and is re-entrant: an operation whose lowering holds a
sub-graph (a loop body) emits that sub-plan with a new ``PlanEmitter`` on the
same builder, its inputs bound to the variables it chooses, and places the
statements where it wants (inside its own loop).

The interface lowering entries use: ``fresh``, ``buffer``, ``out``,
``var_of``, ``bind``, ``label``, ``materialized``, and in loop nests ``let``.
"""

from __future__ import annotations

import re

import numpy as np

from ...dims import is_name, shape_str
from ...graph import Node
from .. import loops as ir
from .arena import pack
from .lowering import label, lowering_of
from .nest import NestEmitter
from .planner import Nest, Plan, plan_graph


class KernelBuilder:
    """Names, caller-allocated buffers and constants of one kernel."""

    def __init__(self):
        self.buffers: list[ir.Buffer] = []
        self.constants: list[tuple[str, np.ndarray]] = []
        self.types: dict[str, tuple[str, int]] = {}   # variable -> (dtype name, ndim)
        self.groups: dict[str, object] = {}          # buffer -> the block that made it (arena grouping)
        self._constant_names: dict[int, str] = {}
        self._n = 0

    def fresh(self, prefix: str = "t") -> str:
        self._n += 1
        return f"{prefix}{self._n}"

    def buffer(self, dims, dtype, init=None, note: str = "") -> str:
        """A C-contiguous array the caller allocates and passes in; returns its name."""
        b = ir.Buffer(self.fresh("b"), tuple(dims), np.dtype(dtype), init, note)
        self.buffers.append(b)
        self.types[b.name] = (b.dtype.name, len(b.dims))
        return b.name

    def constant(self, node: Node, array) -> str:
        """The module-level variable holding a constant array."""
        name = self._constant_names.get(id(node))
        if name is None:
            name = self._constant_names[id(node)] = f"_k{len(self.constants)}"
            self.constants.append((name, array))
            self.types[name] = (node.dtype.name, node.ndim)
        return name


class PlanEmitter:
    """Emit the steps of one plan; ``bindings`` gives variables of nodes already computed (inputs)."""

    def __init__(self, kb: KernelBuilder, plan: Plan, bindings: dict[int, str]):
        self.kb = kb
        self.plan = plan
        self.vars: dict[int, str] = dict(bindings)
        self.materialized = plan.materialized
        self.body: list = []       # the block being emitted
        self.blocks: list = [self.body]

    # -- the interface of lowering entries ---------------------------------------------
    def fresh(self, prefix: str = "t") -> str:
        return self.kb.fresh(prefix)

    def buffer(self, dims, dtype, init=None, note: str = "") -> str:
        """A caller-allocated array; one that starts at a value is set here (buffers are reused across calls)."""
        name = self.kb.buffer(dims, dtype, init, note)
        self.kb.groups[name] = id(self.body)
        how = "uninitialised" if init is None else f"starting at {init!r}"
        self.body.append(ir.Comment(f"{name}: {how} {shape_str(tuple(dims))} {np.dtype(dtype)} from the caller{note}"))
        if init is not None:
            idx = tuple(ir.Var(self.fresh("z")) for _ in dims)
            self.body.append(ir.loop_nest(idx, dims, [ir.Assign(ir.Load(name, idx), ir.const(init, dtype))]))
        return name

    def out(self, stmt) -> None:
        self.body.append(stmt)

    def bind(self, node: Node, name: str) -> None:
        self.vars[id(node)] = name
        self.kb.types.setdefault(name, (node.dtype.name, node.ndim))

    def var_of(self, node: Node) -> ir.Var:
        return ir.Var(self.vars[id(node)])

    def read(self, node: Node, index: tuple) -> ir.Expr:
        v = self.vars[id(node)]
        return ir.Var(v) if node.ndim == 0 else ir.Load(v, tuple(index))

    label = staticmethod(label)

    # -- the plan -------------------------------------------------------------------------
    def emit(self) -> list:
        """The plan's statements (also kept as ``blocks``, one per step); re-entrant, no global state.

        Array nodes must be bound (inputs, by the caller) or be constants (their
        lowering's ``value``); every other node gets its variable from the
        lowering of its step.
        """
        for n in self.plan.order:
            if self.plan.kinds[id(n)] == "array" and id(n) not in self.vars:
                value = lowering_of(n).value(n)
                if value is None:
                    raise AssertionError(f"{label(n)} is not bound")
                self.vars[id(n)] = self.kb.constant(n, value)
        for k, step in enumerate(self.plan.steps):
            if self.body:
                self.body = []
                self.blocks.append(self.body)
            if isinstance(step, Nest):
                self.body += NestEmitter(self, step, k).emit()
            else:
                self.body.append(ir.Comment(label(step.node)))
                lowering_of(step.node).emit(self, step.node)
        return [s for b in self.blocks for s in b]


def plan_checks(plan: Plan) -> list:
    """The run-time size checks of a plan's operations (a lowering that emits a sub-plan returns these)."""
    seen, out = set(), []
    for n in plan.order:
        for c in lowering_of(n).call_checks(n):
            if c not in seen:
                seen.add(c)
                out.append(c)
    return out


def _param_name(name: str, k: int, used: set) -> str:
    base = name if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name or "") else f"arg{k}"
    v = f"in_{base}"
    while v in used:
        v += "_"
    used.add(v)
    return v


def build_kernel(inputs, outputs) -> tuple[ir.Kernel, list, Plan]:
    """The kernel computing ``outputs`` from ``inputs``, how each output comes back, and the plan.

    The second result has one entry per output: ``("scalar", k, dtype)`` for the
    k-th returned scalar, or ``("buffer", name)`` for a caller-allocated array.
    """
    plan = plan_graph(inputs, outputs)
    kb = KernelBuilder()
    used: set = set()
    params = [_param_name(x.name, k, used) for k, x in enumerate(inputs)]
    bound = []
    for x, v in zip(inputs, params):
        kb.types[v] = (x.dtype.name, x.ndim)
        bound += [d for d in x.shape if is_name(d) and d not in bound]
    for n in plan.order:   # sizes in shapes, and in params such as a loop's length
        dims = list(n.shape) + [n.kw[p] for p in n.op.dim_params if isinstance(n.kw.get(p), str)]
        for d in dims:
            if isinstance(d, str):
                for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", d):
                    if name not in bound:
                        raise ValueError(f"symbolic dimension {name!r} (in {label(n)}) is not bound by any input")
    pe = PlanEmitter(kb, plan, {id(x): v for x, v in zip(inputs, params)})
    pe.emit()
    returns, specs, claimed = [], [], set()
    fresh = {b.name for b in kb.buffers}
    copies: list = []
    for y in outputs:
        if y.ndim == 0:
            specs.append(("scalar", len(returns), y.dtype))
            returns.append(pe.read(y, ()))
            continue
        v = pe.vars[id(y)]
        if v in fresh and v not in claimed:
            claimed.add(v)
            specs.append(("buffer", v))
            continue
        b = kb.buffer(y.shape, y.dtype)
        claimed.add(b)
        idx = tuple(ir.Var(kb.fresh("j")) for _ in y.shape)
        copies += [ir.Comment(f"output {label(y)}: a fresh copy in {b}"),
                   ir.loop_nest(idx, y.shape, [ir.Assign(ir.Load(b, idx), ir.Load(v, idx))])]
        specs.append(("buffer", b))
    blocks = [b for b in pe.blocks if b] + ([copies] if copies else [])
    kernel = ir.Kernel(inputs=list(zip(params, inputs)), buffers=kb.buffers, constants=kb.constants,
                       blocks=blocks, returns=returns, dims=bound, types=kb.types)
    return pack(kernel, claimed, kb.groups), specs, plan
