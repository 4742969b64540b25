"""``while_loop``: iterate while a condition holds, as one node (forward-mode derivatives only).

The node ``while_loop(*init, *consts; cond, body, n_carry)`` holds two bodies
over the same arguments (the carry, then the captured constants): ``cond``
returns a boolean scalar, ``body`` the next carry. Its value is the tuple of
final carries.

Forward mode is a while loop over the body's JVP under the same condition.
Reverse mode would need the trip count and every carry before the loop ends,
which a graph cannot size in advance: it raises and points to ``scan``.
"""

from __future__ import annotations

from ...errors import ShapeError
from ...graph import OPS, Node
from .body import Body, body_tangents, next_index, seed
from .tuples import TUPLE, MultiOutput, tuple_get


class WhileLoop(MultiOutput):
    """Repeat ``body`` on the carry while ``cond`` holds; the value is the final carry.

    Derivative: forward mode only (a while loop over the body's JVP). Reverse
    mode raises ``TypeError``: use ``scan`` or ``fori_loop`` with static bounds.
    """

    name = "while_loop"
    sparsity = "dense"
    body_params = ("cond", "body")

    def infer(self, *inputs, cond, body, n_carry):
        if len(inputs) != len(body.args) or cond.args != body.args:
            raise ShapeError("while_loop: the condition and the body must share the loop's arguments")
        for k, (x, a) in enumerate(zip(inputs, body.args)):
            if x.shape != a.shape or x.dtype != a.dtype:
                raise ShapeError(f"while_loop: input {k} does not match its body argument")
        return (), TUPLE

    def output_types(self, node: Node) -> list[tuple]:
        return [(o.shape, o.dtype) for o in node.kw["body"].outputs]

    def label(self, node):
        return f"while_loop{{carry={node.kw['n_carry']}}}"

    def impl(self, *values, cond, body, n_carry, env, plan_of):
        test, step = plan_of(cond), plan_of(body)
        carry, consts = list(values[:n_carry]), list(values[n_carry:])
        while bool(test.run(carry + consts, env)[0]):
            carry = step.run(carry + consts, env)
        return tuple(carry)

    def jvp(self, tangents, out, *inputs, nb=0, cond, body, n_carry):
        args, outs = body.args, body.outputs
        on, t_args, t_outs, _, batch = body_tangents(body, inputs, tangents, n_carry, nb, next_index(body, cond))
        tc = [k for k in on if k < n_carry]
        k_on = [i for i in on if i >= n_carry]
        new_args = list(args[:n_carry]) + [t_args[k] for k in tc] + list(args[n_carry:]) + [t_args[i] for i in k_on]
        new_inputs = (list(inputs[:n_carry]) + [seed(tangents, inputs, k, batch) for k in tc]
                      + list(inputs[n_carry:]) + [seed(tangents, inputs, i, batch) for i in k_on])
        w = make_while(Body(new_args, cond.outputs), Body(new_args, list(outs) + [t_outs[k] for k in tc]),
                       new_inputs, n_carry + len(tc))
        result: list = [None] * n_carry
        for p, k in enumerate(tc):
            result[k] = tuple_get(w, n_carry + p)
        return tuple(result)

    def vjp(self, cts, out, *inputs, cond, body, n_carry):
        raise TypeError(
            "reverse-mode differentiation through sd.while_loop is not supported: its trip count is known only "
            "at run time, so the carries to store cannot be sized. Use sd.scan (or sd.fori_loop with static "
            "bounds, which is a scan), or forward mode (sd.jvp, sd.jacobian of a small input)"
        )


def make_while(cond: Body, body: Body, inputs, n_carry: int) -> Node:
    return OPS["while_loop"].make(*inputs, cond=cond, body=body, n_carry=n_carry)
