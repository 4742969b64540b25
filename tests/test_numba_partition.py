"""Compile time at scale: parts shared by alike steps, gradient sums as trees, 0-d chains not recomputed."""

from __future__ import annotations

import collections
import importlib
import re

import numpy as np
import pytest

import symdiff as sd
from symdiff.backends import loops as ir
from symdiff.backends.numba import PreparedGraph, planner
from symdiff.traversal import toposort

partition = importlib.import_module("symdiff.backends.numba.partition")  # the module, not the function

pytestmark = [pytest.mark.numba, pytest.mark.usefixtures("isolated_cache_dir")]


def _small_parts(monkeypatch, statements):
    monkeypatch.setattr(planner, "NEST_BUDGET", statements)
    monkeypatch.setattr(planner, "SCALAR_NEST_BUDGET", statements)
    monkeypatch.setattr(partition, "PART_BUDGET", statements)


def _agree(fn, ins, outs, vals, rtol=1e-12):
    ref = sd.function(ins, outs, backend="numpy")
    for a, b in zip(fn(*vals), ref(*vals)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-12)


def _euler(p, steps, dt=0.01):
    a, b, c, d = p[0], p[1], p[2], p[3]
    x, y = 1.0 + 0.0 * a, 1.0 + 0.0 * a
    for _ in range(steps):
        x, y = x + dt * (a * x - b * x * y), y + dt * (d * x * y - c * y)
    return (x - 2.0) ** 2 + (y - 1.0) ** 2


def _chain(steps):
    x = sd.vector("x", 3)
    y = x
    for _ in range(steps):
        y = sd.sin(y) * 0.5 + x
    f = sd.sum(y * y)
    return x, [f, sd.grad(f, x)]


def test_the_alike_steps_of_a_long_chain_share_compiled_parts(monkeypatch):
    _small_parts(monkeypatch, 60)
    monkeypatch.setenv("SYMDIFF_COMPILE_WORKERS", "0")
    sizes = []
    for steps in (120, 240):
        x, outs = _chain(steps)
        keys = PreparedGraph([x], sd.simplify(outs), False).keys
        sizes.append((len(keys), len(set(keys))))
    (parts1, distinct1), (parts2, distinct2) = sizes
    assert parts2 >= parts1 + 10
    # the forward pieces read and write the arena at offsets rebased per part, so twice the steps
    # add far fewer distinct parts (new code to compile) than parts
    assert distinct2 - distinct1 <= (parts2 - parts1) // 2
    x, outs = _chain(120)
    fn = sd.function([x], outs, backend="numba", wait=True)
    assert fn.tier == "numba" and len(set(fn._compiled.jits)) < len(fn._compiled.jits)
    _agree(fn, [x], outs, [np.array([0.3, -0.2, 1.1])])


def test_equal_code_with_different_comments_has_one_key():
    from symdiff.backends.numba import cache

    a = "def part(A0):\n    # b12: from the caller\n    A0[0] = 1.0\n"
    b = "def part(A0):\n    # b97: from the caller\n    A0[0] = 1.0\n"
    c = "def part(A0):\n    # b12: from the caller\n    A0[0] = 2.0\n"
    assert cache.graph_key(a, []) == cache.graph_key(b, [])
    assert cache.graph_key(a, []) != cache.graph_key(c, [])


def test_a_long_sum_is_a_tree_of_add_n_nodes_and_the_gradient_is_right():
    x = sd.vector("x", 3)
    terms = [sd.sin(x * (0.01 * k)) for k in range(300)]
    s = sd.add_n(*terms)
    widest = max(len(n.inputs) for n in toposort([s]) if n.op.name == "add_n")
    assert widest <= 64
    v = np.array([0.5, -1.0, 2.0])
    want = sum(np.sin(v * (0.01 * k)) for k in range(300))
    np.testing.assert_allclose(sd.evaluate(s, {x: v}), want, rtol=1e-12)
    # a parameter used in every step: its adjoint sums one term per step
    y = x
    for _ in range(200):
        y = sd.sin(y) * 0.5 + x
    f = sd.sum(y)
    g = sd.grad(f, x)
    assert max(len(n.inputs) for n in toposort([g]) if n.op.name == "add_n") <= 64
    eps = 1e-6
    fd = [(sd.evaluate(f, {x: v + eps * e}) - sd.evaluate(f, {x: v - eps * e})) / (2 * eps) for e in np.eye(3)]
    np.testing.assert_allclose(sd.evaluate(g, {x: v}), fd, rtol=1e-6)
    # the same chain, twice as long, compiled by Numba and compared with the reference interpreter:
    # test_numba_deep_and_bounds.py::test_deep_chain_value_and_gradient_match_numpy


def test_a_cut_scalar_integrator_is_not_recomputed(monkeypatch):
    # the whole value and gradient of an unrolled integrator are 0-d; cutting them into parts
    # must not evaluate any node more than once
    _small_parts(monkeypatch, 120)
    p = sd.vector("p", 4)
    f = _euler(p, 40)
    outs = sd.simplify([f, sd.grad(f, p)])
    prepared = PreparedGraph([p], outs, False)
    assert len(prepared.keys) >= 4
    nodes = collections.Counter(n.op.name for n in toposort(outs))
    printed = collections.Counter(m.group(1) for m in re.finditer(r"# (multiply|negative|add_n|subtract) ",
                                                                   prepared.text))
    for op in ("multiply", "negative", "subtract"):
        assert printed[op] == nodes[op], op
    fn = sd.function([p], outs, backend="numba", wait=True)
    _agree(fn, [p], outs, [np.array([1.1, 0.4, 0.4, 0.1])])


def test_statement_weight_grows_with_expression_size():
    small = ir.Assign(ir.Var("t0"), ir.Bin("+", ir.Var("a"), ir.Var("b")))
    terms = ir.Var("x0")
    for k in range(1, 60):
        terms = ir.Bin("+", terms, ir.Load("A0", (ir.binop("+", ir.Var("S0"), k),)))
    big = ir.Assign(ir.Var("t1"), terms)
    assert ir.weight(small) == 1
    assert ir.weight(big) >= 30
    assert ir.count([small, big]) == ir.weight(small) + ir.weight(big)


def test_arena_groups_do_not_overlap_when_their_buffers_come_interleaved():
    from symdiff.backends.numba import arena

    def buf(name, n):
        return ir.Buffer(name, (n,), np.dtype("float64"), None, "")

    kernel = ir.Kernel(inputs=[], buffers=[buf("a1", 4), buf("b1", 2), buf("a2", 4), buf("b2", 2), buf("c", 3)],
                       constants=[], blocks=[], returns=[], dims=[], types={})
    arena.pack(kernel, outputs=set(), groups={"a1": "A", "a2": "A", "b1": "B", "b2": "B"})
    start = {var: at for var, at in kernel.offsets.items()}
    spans = sorted([(start["o_a1"], start["o_a1"] + 8), (start["o_b1"], start["o_b1"] + 4),
                    (start["o_c"], start["o_c"] + 3)])
    for (lo1, hi1), (lo2, hi2) in zip(spans, spans[1:]):
        assert hi1 <= lo2
    assert kernel.buffers[-1].dims == (15,)


def test_repeated_reads_of_an_element_are_read_once_per_block_and_never_out_of_their_guard():
    i = ir.Idx(0)
    x_i, y_i = ir.Load("x", (i,)), ir.Load("y", (i,))
    guarded = ir.If(ir.cmp("<", i, ir.Const(2)), [ir.Assign(ir.Var("t2"), x_i * x_i),
                                                   ir.Assign(ir.Var("t3"), ir.Var("t2") + x_i)], [])
    body = [ir.Assign(ir.Var("t0"), ir.Load("x", (i + 1,))),
            ir.Assign(ir.Var("t1"), ir.Load("x", (i + 1,)) * ir.Var("t0")),
            guarded,
            ir.Assign(y_i, ir.Var("t1")), ir.Assign(ir.Var("t4"), y_i + y_i), ir.Assign(ir.Var("t5"), y_i)]
    out = ir.share_loads([ir.For(i, ir.Const(0), ir.Const(3), body)])[0].body
    text = [str(s.value) if isinstance(s, ir.Assign) else s for s in out]
    assert text[:3] == ["x[i0 + 1]", "r0", "r0 * t0"]         # read once, just before its first use
    inner = [str(s.value) for s in out[3].body]
    assert inner == ["x[i0]", "r1 * r1", "t2 + r1"]          # the guarded reads stay under their guard
    assert "y[i0]" in str(out[-1].value)                     # y is written in the block: never shared


def test_a_chain_reads_its_input_once_per_iteration():
    x, outs = _chain(50)
    first = PreparedGraph([x], outs, False).modules[0][1]
    assert len(re.findall(r"A0\[i0\]", first)) == 1
    fn = sd.function([x], outs, backend="numba", wait=True)
    ref = sd.function([x], outs, backend="numpy")
    v = np.array([0.3, -0.2, 1.1])
    for a, b in zip(fn(v), ref(v)):
        np.testing.assert_allclose(a, b, rtol=1e-13)


def test_a_read_whose_index_reads_an_array_is_not_shared():
    # x[k[0]] before and after k[0] changes are two different elements (found in review: a while_loop's
    # condition re-read a gather of the carry after the body had updated it)
    z = ir.Const(0)
    kx = ir.Load("x", (ir.Load("k", (z,)),))
    body = [ir.Assign(ir.Var("t0"), kx), ir.Assign(ir.Load("k", (z,)), ir.Const(1)), ir.Assign(ir.Var("t1"), kx)]
    assert [str(s.value) for s in ir.share_loads(body)] == ["x[k[0]]", "1", "x[k[0]]"]
    x = sd.vector("x", 5)
    k, s = sd.while_loop(lambda c: sd.take(x, c[0])[0] < 3.0,
                         lambda c: (c[0] + 1, c[1] + sd.take(x, c[0])[0]),
                         (sd.constant(np.array([0])), 0.0))
    v = np.arange(5.0)
    got = sd.function([x], [k, s], backend="numba", wait=True)(v)
    want = sd.function([x], [k, s], backend="numpy")(v)
    assert got[0].tolist() == want[0].tolist() == [3] and float(got[1]) == float(want[1]) == 3.0


def test_a_read_through_a_view_of_a_written_array_is_not_shared():
    i = ir.Idx(0)
    body = [ir.Assign(ir.Var("w"), ir.Call("reshape", (ir.Var("a"), ir.Const(-1)), None)),
            ir.Assign(ir.Var("t0"), ir.Load("a", (i,))),
            ir.Assign(ir.Load("w", (i,)), ir.Var("t0") * ir.Var("t0")),
            ir.Assign(ir.Var("t1"), ir.Load("a", (i,)))]
    out = ir.share_loads([ir.For(i, ir.Const(0), ir.Const(3), body)])[0].body
    assert [str(s.value) for s in out][1::2] == ["a[i0]", "a[i0]"]
