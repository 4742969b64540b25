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

import weakref

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


_PLANS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _plan(body):
    """The body's plan, made once (the call checks and each emission of the body read it)."""
    from ..planner import plan_graph

    plan = _PLANS.get(body)
    if plan is None:
        plan = _PLANS[body] = plan_graph(list(body.args), list(body.outputs))
    return plan


def _checks(*bodies):
    from ..emitter import plan_checks

    out = []
    for body in bodies:
        out += [c for c in plan_checks(_plan(body)) if c not in out]
    return out


def _start(em, args, init, consts, n_consts) -> tuple[list, dict]:
    """Carries (a local scalar or a buffer of the loop's own, set to ``init``) and the captured values' bindings."""
    bindings: dict[int, str] = {}
    carry: list[str] = []
    for a, x in zip(args[:len(init)], init):
        if a.ndim == 0:
            v = em.fresh("c")
            em.out(ir.Assign(ir.Var(v), _value(em, x), note="carry"))
            em.kb.types[v] = (a.dtype.name, 0)
        else:
            v = em.buffer(a.shape, a.dtype, note=" (carry)")
            em.out(_copy(v, em.vars[id(x)], a.shape, em))
        carry.append(v)
        bindings[id(a)] = v
    for a, k in zip(args[len(args) - n_consts:], consts):
        if a.ndim == 0 and id(k) not in em.vars:
            v = em.fresh("k")
            em.out(ir.Assign(ir.Var(v), _value(em, k)))
            em.kb.types[v] = (a.dtype.name, 0)
            bindings[id(a)] = v
        else:
            bindings[id(a)] = em.vars[id(k)]
    return carry, bindings


def _emit_body(em, body, bindings):
    """The body's plan emitted with ``bindings``: (statements, the sub-emitter, buffers it made)."""
    from ..emitter import PlanEmitter

    before = len(em.kb.buffers)
    sub = PlanEmitter(em.kb, _plan(body), bindings)
    stmts = sub.emit()
    return stmts, sub, {b.name for b in em.kb.buffers[before:]}


def _update(em, sub, own, args, carry, outs) -> list:
    """The carries set to the body's results; a result living in another carry's variable is staged first."""
    staged, updates = [], []
    carries = set(carry)
    for a, v, o in zip(args, carry, outs):
        r = sub.vars.get(id(o))
        if r == v:
            continue
        if a.ndim == 0 and r not in carries:   # a value of this pass: no carry update can change it
            updates.append(ir.Assign(ir.Var(v), _value(sub, o)))
        elif a.ndim == 0:
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
    return staged + updates


class _Scan(Step):
    def call_checks(self, node):
        return _checks(node.kw["body"])

    def emit(self, em, node):
        kw = node.kw
        body, nc, nx, length = kw["body"], kw["n_carry"], kw["n_xs"], kw["length"]
        args, outs = body.args, body.outputs
        init, xs, consts = node.inputs[:nc], node.inputs[nc:nc + nx], node.inputs[nc + nx:]
        carry, bindings = _start(em, args, init, consts, len(consts))
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
            row = ir.Load(em.vars[id(x)], (step,)) if a.ndim == 0 else ir.Call("row", (em.var_of(x), step))
            loop.append(ir.Assign(ir.Var(v), row))
            em.kb.types[v] = (a.dtype.name, a.ndim)
            bindings[id(a)] = v
        stmts, sub, own = _emit_body(em, body, bindings)
        loop += stmts
        for buf, o in zip(ys, outs[nc:]):
            if o.ndim == 0:
                loop.append(ir.Assign(ir.Load(buf, (step,)), _value(sub, o)))
            else:
                loop.append(_copy(buf, sub.vars[id(o)], o.shape, em, lead=(step,)))
        loop += _update(em, sub, own, args[:nc], carry, outs[:nc])
        em.out(ir.For(t, ir.Const(0), stop, loop))
        em.vars[id(node)] = tuple(carry + ys)


class _WhileLoop(Step):
    def call_checks(self, node):
        return _checks(node.kw["cond"], node.kw["body"])

    def emit(self, em, node):
        cond, body, nc = node.kw["cond"], node.kw["body"], node.kw["n_carry"]
        args = body.args
        carry, bindings = _start(em, args, node.inputs[:nc], node.inputs[nc:], len(node.inputs) - nc)
        go = em.fresh("w")
        em.kb.types[go] = ("bool", 0)

        def test():
            stmts, sub, _ = _emit_body(em, cond, dict(bindings))
            return stmts + [ir.Assign(ir.Var(go), _value(sub, cond.outputs[0]))]

        for s in test():
            em.out(s)
        stmts, sub, own = _emit_body(em, body, dict(bindings))
        loop = stmts + _update(em, sub, own, args[:nc], carry, body.outputs) + test()
        em.out(ir.While(ir.Var(go), loop))
        em.vars[id(node)] = tuple(carry)


class _TupleGet(Step):
    def step_inputs(self, node, materialized):
        return [node.inputs[0]]

    def emit(self, em, node):
        em.bind(node, em.vars[id(node.inputs[0])][node.kw["index"]])


register("loop_arg", Array())
register("scan", _Scan())
register("tuple_get", _TupleGet())
register("while_loop", _WhileLoop())
