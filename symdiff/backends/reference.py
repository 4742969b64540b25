"""The reference interpreter: evaluate a graph with each operation's NumPy ``impl``.

One loop over the topological order with an environment of values; every
node is evaluated once however many users it has, and a value is dropped
after its last use. It is the oracle other backends are tested against.
"""

from __future__ import annotations

import weakref
from typing import Mapping, Sequence

import numpy as np

from ..dims import dim_eval
from ..graph import Node
from ..traversal import toposort


def _resolve(value, env):
    if isinstance(value, str):
        v = dim_eval(value, env)
        if v < 0:   # a derived size such as 'n - 1' below zero: a slice past a symbolic axis' end
            from ..ops.indexing import SYMBOLIC_SLICE_RULE

            raise IndexError(f"the size {value!r} is {v} at this call: a slice falls outside its axis"
                             + SYMBOLIC_SLICE_RULE)
        return v
    if isinstance(value, tuple):
        return tuple(_resolve(v, env) for v in value)
    return value


def _has_symbolic(value) -> bool:
    if isinstance(value, str):
        return True
    if isinstance(value, tuple):
        return any(_has_symbolic(v) for v in value)
    return False


def unbound_input_message(n: Node) -> str:
    """Why a graph cannot run: it reads an input symbol the function does not take (or a loop's argument)."""
    if n.op.name == "loop_arg":
        return (f"the outputs depend on {n.op.label(n)}, a value of a loop body used outside its loop; "
                "a value computed inside a loop body exists only there: return it as a carry or a y")
    return f"the outputs depend on the input {n.name!r}, which is not among the function's inputs"


class Plan:
    """A graph prepared for repeated evaluation: slots, steps and last uses."""

    def __init__(self, inputs: Sequence[Node], outputs: Sequence[Node]):
        order = toposort(outputs)
        slot = {id(x): i for i, x in enumerate(inputs)}
        for n in order:
            if n.op.is_input and id(n) not in slot:
                raise ValueError(unbound_input_message(n))
        self.n_inputs = len(inputs)
        self.steps = []  # (op, arg slots, kw, symbolic param names, out slot, out dtype)
        self.constants = {}
        next_slot = len(inputs)
        for n in order:
            if id(n) in slot:
                continue
            if n.op.is_constant:
                slot[id(n)] = next_slot
                self.constants[next_slot] = n.kw["value"].array
                next_slot += 1
                continue
            sym = tuple(k for k in n.op.dim_params if _has_symbolic(n.kw.get(k)))
            slot[id(n)] = next_slot
            self.steps.append((n.op, tuple(slot[id(i)] for i in n.inputs), n.kw, sym, next_slot, n.dtype, n))
            next_slot += 1
        self.n_slots = next_slot
        self.out_slots = [slot[id(y)] for y in outputs]
        # free a slot right after its last reader, unless it is an output
        keep = set(self.out_slots)
        last = {}
        for k, step in enumerate(self.steps):
            for s in step[1]:
                last[s] = k
        self.frees = [[] for _ in self.steps]
        for s, k in last.items():
            if s not in keep and s >= self.n_inputs and s not in self.constants:
                self.frees[k].append(s)

    def run(self, args: Sequence[np.ndarray], env: Mapping[str, int]) -> list[np.ndarray]:
        vals: list = [None] * self.n_slots
        vals[: self.n_inputs] = args
        for s, a in self.constants.items():
            vals[s] = a
        with np.errstate(all="ignore"):
            for (op, ins, kw, sym, out, dtype, node), frees in zip(self.steps, self.frees):
                if sym:
                    kw = dict(kw)
                    for k in sym:
                        kw[k] = _resolve(kw[k], env)
                if op.body_params:   # a loop: it runs its bodies' plans
                    v = op.impl(*[vals[i] for i in ins], env=env, plan_of=body_plan, **kw)
                else:
                    v = op.impl(*[vals[i] for i in ins], **kw)
                if op.multi_output:
                    pass
                elif not isinstance(v, np.ndarray) or v.dtype != dtype:
                    v = np.asarray(v, dtype=dtype)
                vals[out] = v
                for s in frees:
                    vals[s] = None
        return [vals[s] for s in self.out_slots]


_BODY_PLANS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def body_plan(body) -> Plan:
    """The plan of a loop body (made once per body)."""
    plan = _BODY_PLANS.get(body)
    if plan is None:
        plan = _BODY_PLANS[body] = Plan(body.args, body.outputs)
    return plan


def evaluate(outputs, values: Mapping[Node, object]):
    """Evaluate ``outputs`` once with the reference interpreter.

    ``values`` maps input symbols to arrays or numbers. Returns one array for a
    single node, a list for a list (a tuple for a tuple).

    >>> import symdiff as sd
    >>> x = sd.vector("x", 3)
    >>> sd.evaluate(sd.sum(x * x), {x: [1.0, 2.0, 3.0]})
    array(14.)
    """
    from .function import function

    symbols = list(values.keys())
    fn = function(symbols, outputs, backend="numpy")
    result = fn(*[values[s] for s in symbols])
    return list(result) if isinstance(outputs, list) else result
