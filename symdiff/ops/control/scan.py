"""``scan``: a loop over a leading axis as one graph node, and its derivative rules, written as loops.

The node ``scan(*init, *xs, *consts; body, n_carry, n_xs, length, reverse,
checkpoint)`` runs ``body`` ``length`` times. The body's arguments are the
carry, one slice of each ``xs`` and the captured constants; its outputs are
the next carry and one slice of each stacked output ``ys``. The node's value
is the tuple ``(*final_carry, *ys)``.

Derivatives are new scans over derived bodies, so every order comes free:

* forward mode (``jvp``) scans the body's JVP: the tangents of the carry ride
  along as extra carries (with the batch axes of a Jacobian), the tangents of
  ``xs`` as extra ``xs``;
* reverse mode (``vjp``) is the adjoint method made into a loop: one scan
  stores the carry at the start of every step, then a scan in the opposite
  direction carries the carry's cotangent and the sum of the constants'
  cotangents, recomputing each step's body from its stored carry and pulling
  the cotangents back through it;
* with ``checkpoint=k`` the loop is first regrouped as a scan over segments of
  ``k`` steps whose body is a scan over one segment: reverse mode then stores
  only the carry at each segment's start and, one segment at a time, the ``k``
  carries inside it (``k = sqrt(length)`` gives O(sqrt(length)) memory).
"""

from __future__ import annotations

import math

import numpy as np

from ...dims import shape_eval, shape_str
from ...errors import ShapeError
from ...graph import OPS, Node
from .body import Body, body_tangents, fresh_args, is_float, next_index, seed
from .tuples import TUPLE, MultiOutput, tuple_get


class Scan(MultiOutput):
    """A loop over the leading axis of ``xs`` carrying a state: JAX's ``lax.scan`` as one node.

    Value: ``(*final_carry, *ys)``. Derivatives: a scan over the body's JVP
    (forward), a reverse scan over the stored carries (reverse), optionally
    with checkpointed segments. See the module docstring.
    """

    name = "scan"
    sparsity = "dense"
    dim_params = ("length",)
    body_params = ("body",)

    def infer(self, *inputs, body, n_carry, n_xs, length, reverse, checkpoint):
        if len(inputs) != len(body.args):
            raise ShapeError(f"scan: {len(inputs)} inputs for a body of {len(body.args)} arguments")
        for k, (x, a) in enumerate(zip(inputs, body.args)):
            shape = x.shape[1:] if n_carry <= k < n_carry + n_xs else x.shape
            if shape != a.shape or x.dtype != a.dtype:
                raise ShapeError(f"scan: input {k} is {shape_str(x.shape)} {x.dtype}, "
                                 f"its body argument {shape_str(a.shape)} {a.dtype}")
            if n_carry <= k < n_carry + n_xs and x.shape[0] != length:
                raise ShapeError(f"scan: xs {k - n_carry} has length {x.shape[0]}, the loop {length}")
        return (), TUPLE

    def output_types(self, node: Node) -> list[tuple]:
        body, nc, length = node.kw["body"], node.kw["n_carry"], node.kw["length"]
        outs = body.outputs
        return [(o.shape, o.dtype) for o in outs[:nc]] + [((length,) + o.shape, o.dtype) for o in outs[nc:]]

    def label(self, node):
        kw = node.kw
        extra = ", reverse" if kw["reverse"] else ""
        extra += f", checkpoint={kw['checkpoint']}" if kw["checkpoint"] else ""
        return f"scan{{length={kw['length']}, carry={kw['n_carry']}, xs={kw['n_xs']}{extra}}}"

    def impl(self, *values, body, n_carry, n_xs, length, reverse, checkpoint, env, plan_of):
        plan = plan_of(body)
        carry = list(values[:n_carry])
        xs = values[n_carry:n_carry + n_xs]
        consts = list(values[n_carry + n_xs:])
        ys = [np.empty((length,) + shape_eval(y.shape, env), y.dtype) for y in body.outputs[n_carry:]]
        for t in (range(length - 1, -1, -1) if reverse else range(length)):
            outs = plan.run(carry + [x[t] for x in xs] + consts, env)
            carry = outs[:n_carry]
            for y, v in zip(ys, outs[n_carry:]):
                y[t] = v
        return tuple(carry) + tuple(ys)

    # -- forward mode -----------------------------------------------------------------------
    def jvp(self, tangents, out, *inputs, nb=0, body, n_carry, n_xs, length, reverse, checkpoint):
        args, outs = body.args, body.outputs
        on, t_args, t_outs, dep, batch = body_tangents(body, inputs, tangents, n_carry, nb, next_index(body))
        ty = [j for j in range(n_carry, len(outs)) if is_float(outs[j]) and id(outs[j]) in dep]
        tc = [k for k in on if k < n_carry]
        xs_on = [i for i in on if n_carry <= i < n_carry + n_xs]
        k_on = [i for i in on if i >= n_carry + n_xs]

        new_args = (list(args[:n_carry]) + [t_args[k] for k in tc]
                    + list(args[n_carry:n_carry + n_xs]) + [t_args[i] for i in xs_on]
                    + list(args[n_carry + n_xs:]) + [t_args[i] for i in k_on])
        new_outs = list(outs[:n_carry]) + [t_outs[k] for k in tc] + list(outs[n_carry:]) + [t_outs[j] for j in ty]
        new_inputs = (list(inputs[:n_carry]) + [seed(tangents, inputs, k, batch) for k in tc]
                      + list(inputs[n_carry:n_carry + n_xs])
                      + [_batch_inside(seed(tangents, inputs, i, batch), nb) for i in xs_on]
                      + list(inputs[n_carry + n_xs:]) + [seed(tangents, inputs, i, batch) for i in k_on])
        nc2 = n_carry + len(tc)
        s2 = make_scan(Body(new_args, new_outs), new_inputs, nc2, n_xs + len(xs_on), length, reverse, checkpoint)
        result: list = [None] * len(outs)
        for p, k in enumerate(tc):
            result[k] = tuple_get(s2, n_carry + p)
        n_y = len(outs) - n_carry
        for p, j in enumerate(ty):
            result[j] = _batch_outside(tuple_get(s2, nc2 + n_y + p), nb)
        return tuple(result)

    # -- reverse mode -----------------------------------------------------------------------
    def vjp(self, cts, out, *inputs, body, n_carry, n_xs, length, reverse, checkpoint):
        if checkpoint and isinstance(length, int) and length > checkpoint:
            return _checkpointed_vjp(cts, inputs, body, n_carry, n_xs, length, reverse, checkpoint)
        from ...autodiff.reverse import backward
        from ..creation import zeros, zeros_like
        from ..elementwise import add

        args, outs = body.args, body.outputs
        c_args, x_args, k_args = args[:n_carry], args[n_carry:n_carry + n_xs], args[n_carry + n_xs:]
        init, xs, consts = inputs[:n_carry], inputs[n_carry:n_carry + n_xs], inputs[n_carry + n_xs:]
        fc = [k for k in range(n_carry) if is_float(outs[k])]
        fx = [i for i in range(n_xs) if is_float(x_args[i])]
        fk = [i for i in range(len(k_args)) if is_float(k_args[i])]
        yc = [j for j in range(n_carry, len(outs)) if cts[j] is not None and is_float(outs[j])]
        # the forward sweep again, also stacking the carry at the start of every step
        res = make_scan(Body(args, list(outs) + list(c_args)), list(inputs), n_carry, n_xs, length, reverse, None)
        stacked = [tuple_get(res, len(outs) + k) for k in range(n_carry)]
        start = next_index(body)
        ct_c = fresh_args(body.level, start, [(c_args[k].shape, c_args[k].dtype) for k in fc])
        acc = fresh_args(body.level, start + len(fc), [(k_args[i].shape, k_args[i].dtype) for i in fk])
        ct_y = fresh_args(body.level, start + len(fc) + len(fk), [(outs[j].shape, outs[j].dtype) for j in yc])
        seeds = [(outs[k], a) for k, a in zip(fc, ct_c)] + [(outs[j], a) for j, a in zip(yc, ct_y)]
        wrt = [c_args[k] for k in fc] + [x_args[i] for i in fx] + [k_args[i] for i in fk]
        g = backward(seeds, wrt)
        g_c, g_x, g_k = g[:len(fc)], g[len(fc):len(fc) + len(fx)], g[len(fc) + len(fx):]
        rev_args = ct_c + acc + list(c_args) + list(x_args) + ct_y + list(k_args)
        rev_outs = g_c + [add(a, gk) for a, gk in zip(acc, g_k)] + g_x
        rev_init = ([cts[k] if cts[k] is not None else zeros_like(init[k]) for k in fc]
                    + [zeros(consts[i].shape, consts[i].dtype) for i in fk])
        rev_xs = stacked + list(xs) + [cts[j] for j in yc]
        rev = make_scan(Body(rev_args, rev_outs), rev_init + rev_xs + list(consts), len(fc) + len(fk),
                        len(rev_xs), length, not reverse, None)
        result: list = [None] * len(inputs)
        for p, k in enumerate(fc):
            result[k] = tuple_get(rev, p)
        for p, i in enumerate(fx):
            result[n_carry + i] = tuple_get(rev, len(fc) + len(fk) + p)
        for p, i in enumerate(fk):
            result[n_carry + n_xs + i] = tuple_get(rev, len(fc) + p)
        return result


def make_scan(body: Body, inputs, n_carry: int, n_xs: int, length, reverse: bool, checkpoint) -> Node:
    return OPS["scan"].make(*inputs, body=body, n_carry=n_carry, n_xs=n_xs, length=length,
                            reverse=bool(reverse), checkpoint=checkpoint)


def _batch_inside(t: Node, nb: int) -> Node:
    """A tangent of ``xs`` with its batch axes moved after the scanned axis: ``(T, *batch, ...)``."""
    if nb == 0:
        return t
    from ..shape import transpose

    return transpose(t, (nb,) + tuple(range(nb)) + tuple(range(nb + 1, t.ndim)))


def _batch_outside(t: Node, nb: int) -> Node:
    """A stacked tangent ``(T, *batch, ...)`` with the batch axes first again."""
    if nb == 0:
        return t
    from ..shape import transpose

    return transpose(t, tuple(range(1, nb + 1)) + (0,) + tuple(range(nb + 1, t.ndim)))


def segment_length(length, checkpoint) -> int | None:
    """The checkpoint segment for ``checkpoint`` (an int, or True/"sqrt" for ceil(sqrt(length)))."""
    if checkpoint is None or checkpoint is False:
        return None
    if checkpoint is True or checkpoint == "sqrt":
        if not isinstance(length, int):
            raise ValueError(f"scan: checkpoint={checkpoint!r} needs a known length, got the symbolic length {length!r}; "
                             "give the segment length as an int")
        root = max(1, math.isqrt(max(length - 1, 0)) + 1)
        # a divisor of the length near its square root leaves no tail: the xs are regrouped as a
        # view, where a tail would make the scan read a copy of the head
        near = [k for k in range(max(1, root // 2), 2 * root + 1) if length % k == 0]
        return min(near, key=lambda k: abs(k - root)) if near else root
    if isinstance(checkpoint, (int, np.integer)) and not isinstance(checkpoint, bool) and checkpoint >= 1:
        return int(checkpoint)
    raise ValueError(f"scan: checkpoint must be None, True, 'sqrt' or a positive int, got {checkpoint!r}")


def _checkpointed_vjp(cts, inputs, body, n_carry, n_xs, length, reverse, k):
    """Reverse mode through the same loop regrouped as segments of ``k`` steps (see the module docstring)."""
    from ...autodiff.reverse import backward
    from ..shape import concatenate, reshape, slice_axis

    from ...graph import make_input
    from .body import substitute

    nseg, rest = divmod(length, k)
    # the regrouped loop is built over stand-ins for the inputs, so that the cotangent of each input is
    # its own (an input computed from another one, init = 2*p with p captured, is not a leaf)
    stand_ins = [make_input(f"scan_input_{i}", x.shape, x.dtype) for i, x in enumerate(inputs)]
    init, xs = list(stand_ins[:n_carry]), list(stand_ins[n_carry:n_carry + n_xs])
    consts = list(stand_ins[n_carry + n_xs:])
    outs = body.outputs
    n_y = len(outs) - n_carry
    head = nseg * k

    def part(x, lo, hi):
        return x if (lo, hi) == (0, length) else slice_axis(x, axis=0, start=lo, stop=hi)

    def run_head(carry):
        start = next_index(body)
        oc = fresh_args(body.level, start, [(a.shape, a.dtype) for a in body.args[:n_carry]])
        ox = fresh_args(body.level, start + n_carry, [((k,) + x.shape[1:], x.dtype) for x in xs])
        ok = fresh_args(body.level, start + n_carry + n_xs, [(c.shape, c.dtype) for c in consts])
        inner = make_scan(body, oc + ox + ok, n_carry, n_xs, k, reverse, None)
        seg = Body(oc + ox + ok, [tuple_get(inner, i) for i in range(n_carry + n_y)])
        seg_xs = [reshape(part(x, 0, head), (nseg, k) + x.shape[1:]) for x in xs]
        outer = make_scan(seg, carry + seg_xs + consts, n_carry, n_xs, nseg, reverse, None)
        ys = [tuple_get(outer, n_carry + j) for j in range(n_y)]
        ys = [reshape(y, (head,) + y.shape[2:]) for y in ys]
        return [tuple_get(outer, i) for i in range(n_carry)], ys

    def run_tail(carry):
        if not rest:
            return carry, [None] * n_y
        s = make_scan(body, carry + [part(x, head, length) for x in xs] + consts, n_carry, n_xs, rest, reverse, None)
        return [tuple_get(s, i) for i in range(n_carry)], [tuple_get(s, n_carry + j) for j in range(n_y)]

    if reverse:
        carry, ys_tail = run_tail(init)
        carry, ys_head = run_head(carry)
    else:
        carry, ys_head = run_head(init)
        carry, ys_tail = run_tail(carry)
    ys = [h if t is None else concatenate([h, t], axis=0) for h, t in zip(ys_head, ys_tail)]
    same = carry + ys
    seeds = [(y, ct) for y, ct in zip(same, cts) if ct is not None]
    wrt = [i for i, x in enumerate(inputs) if is_float(x)]
    grads = backward(seeds, [stand_ins[i] for i in wrt])
    grads = substitute(grads, {id(a): x for a, x in zip(stand_ins, inputs)})
    result: list = [None] * len(inputs)
    for i, g in zip(wrt, grads):
        result[i] = g
    return result


