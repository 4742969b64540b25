"""Loops: a ``scan`` is one ``for`` loop with its body's plan emitted inside.

The body is planned like any graph (``plan_graph``) and emitted by a nested
:class:`~symdiff.backends.numba.emitter.PlanEmitter` inside the loop, its
arguments bound to the loop's variables: a 0-d carry is a local variable, an
array carry a caller-allocated buffer, a slice of ``xs`` a view of row ``t``,
a captured value the variable it already has. So compile time does not
depend on the number of steps. After the body, each step's ``y`` is stored
in row ``t`` of its stacked buffer and the carries are updated; a carry whose
next value is another carry's variable (a swap) is staged through a
temporary first.

The tuple node binds a tuple of variables; ``tuple_get`` binds one of them.
"""

from __future__ import annotations

from ... import loops as ir
from ..lowering import Array, Step, lowering_of, register


def _value(em, node) -> ir.Expr:
    """A 0-d node's value: its variable, or the literal of a constant."""
    if id(node) in em.vars:
        return em.read(node, ())
    return lowering_of(node).expr(em, node, ())


def _copy(dst: str, src: str, shape, em, lead: tuple = ()) -> ir.Stmt:
    idx = tuple(ir.Var(em.fresh("j")) for _ in shape)
    return ir.loop_nest(idx, shape, [ir.Assign(ir.Load(dst, lead + idx), ir.Load(src, idx))])


class _Scan(Step):
    def call_checks(self, node):
        from ..emitter import plan_checks
        from ..planner import plan_graph

        body = node.kw["body"]
        return plan_checks(plan_graph(body.args, body.outputs))

    def emit(self, em, node):
        from ..emitter import PlanEmitter
        from ..planner import plan_graph

        kw = node.kw
        body, nc, nx, length = kw["body"], kw["n_carry"], kw["n_xs"], kw["length"]
        args, outs = body.args, body.outputs
        init, xs, consts = node.inputs[:nc], node.inputs[nc:nc + nx], node.inputs[nc + nx:]
        bindings: dict[int, str] = {}
        carry: list[str] = []
        for a, x in zip(args[:nc], init):        # carries: a local scalar or a buffer of our own
            if a.ndim == 0:
                v = em.fresh("c")
                em.out(ir.Assign(ir.Var(v), _value(em, x), note="carry"))
                em.kb.types[v] = (a.dtype.name, 0)
            else:
                v = em.buffer(a.shape, a.dtype, note=" (carry)")
                em.out(_copy(v, em.vars[id(x)], a.shape, em))
            carry.append(v)
            bindings[id(a)] = v
        for a, k in zip(args[nc + nx:], consts):  # captured values: their own variables
            if a.ndim == 0 and id(k) not in em.vars:
                v = em.fresh("k")
                em.out(ir.Assign(ir.Var(v), _value(em, k)))
                em.kb.types[v] = (a.dtype.name, 0)
                bindings[id(a)] = v
            else:
                bindings[id(a)] = em.vars[id(k)]
        ys = [em.buffer((length,) + y.shape, y.dtype, note=" (stacked ys)") for y in outs[nc:]]
        t = ir.Var(em.fresh("t"))
        stop = ir.dim_expr(length)
        step = ir.Var(em.fresh("s")) if kw["reverse"] else t
        loop: list = []
        if kw["reverse"]:
            loop.append(ir.Assign(step, ir.binop("-", ir.binop("-", stop, ir.Const(1)), t)))
            em.kb.types[step.name] = ("int64", 0)
        for a, x in zip(args[nc:nc + nx], xs):   # this step's slice of each xs (a view for arrays)
            v = em.fresh("x")
            loop.append(ir.Assign(ir.Var(v), ir.Load(em.vars[id(x)], (step,))))
            em.kb.types[v] = (a.dtype.name, a.ndim)
            bindings[id(a)] = v
        before = len(em.kb.buffers)
        sub = PlanEmitter(em.kb, plan_graph(list(args), list(outs)), bindings)
        loop += sub.emit()
        own = {b.name for b in em.kb.buffers[before:]}
        result = [sub.vars[id(o)] if id(o) in sub.vars else None for o in outs]
        for y, buf, r, o in zip(outs[nc:], ys, result[nc:], outs[nc:]):
            if o.ndim == 0:
                loop.append(ir.Assign(ir.Load(buf, (step,)), _value(sub, o)))
            else:
                loop.append(_copy(buf, r, o.shape, em, lead=(step,)))
        # carries: stage values that live in another carry's variable, then update them all
        staged, updates = [], []
        for a, v, r, o in zip(args[:nc], carry, result[:nc], outs[:nc]):
            if r == v:
                continue
            if a.ndim == 0:
                tmp = em.fresh("n")
                em.kb.types[tmp] = (a.dtype.name, 0)
                staged.append(ir.Assign(ir.Var(tmp), _value(sub, o)))
                updates.append(ir.Assign(ir.Var(v), ir.Var(tmp)))
            elif r in own:
                updates.append(_copy(v, r, a.shape, em))
            else:
                tmp = em.buffer(a.shape, a.dtype, note=" (next carry)")
                staged.append(_copy(tmp, r, a.shape, em))
                updates.append(_copy(v, tmp, a.shape, em))
        loop += staged + updates
        em.out(ir.For(t, ir.Const(0), stop, loop))
        em.vars[id(node)] = tuple(carry + ys)


class _TupleGet(Step):
    def step_inputs(self, node, materialized):
        return [node.inputs[0]]

    def emit(self, em, node):
        em.bind(node, em.vars[id(node.inputs[0])][node.kw["index"]])


register("loop_arg", Array())
register("scan", _Scan())
register("tuple_get", _TupleGet())
