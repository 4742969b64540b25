"""Loops as graph nodes: semantics, errors, graph tools, derivatives against JAX and unrolled loops.

The operation table (``tests/optable_loops.py``) checks values on both
backends and derivatives against finite differences of NumPy loops; here
is the same loop unrolled in Python on the reference interpreter (JAX's
``lax.scan`` is the oracle of ``test_loops_jax.py``), the bad inputs, the graph tools, and the Numba
backend's one-loop lowering.
"""

from __future__ import annotations

import numpy as np
import pytest

import symdiff as sd
from symdiff.rewrite.loops import merge_loops
from symdiff.traversal import all_nodes, toposort


def _lv(p, c, dt=0.05):
    x, y = c
    return (x + dt * (p[0] * x - p[1] * x * y), y + dt * (p[3] * x * y - p[2] * y))


P = np.array([1.1, 0.4, 0.4, 0.1])
OBS = np.stack([1 + 0.3 * np.sin(np.arange(12) / 3), 1 + 0.3 * np.cos(np.arange(12) / 3)], axis=1)


def _lv_loss_sd(p, obs, **kw):
    def body(c, o):
        c2 = _lv(p, c)
        return c2, (c2[0] - o[0]) ** 2 + (c2[1] - o[1]) ** 2
    _, err = sd.scan(body, (sd.constant(1.0), sd.constant(1.0)), obs, **kw)
    return sd.sum(err)


def _lv_loss_unrolled(p, obs_rows):
    c, total = (sd.constant(1.0), sd.constant(1.0)), 0.0
    for o in obs_rows:
        c = _lv(p, c)
        total = total + (c[0] - o[0]) ** 2 + (c[1] - o[1]) ** 2
    return total


# ------------------------------------------------------------------ semantics (JAX's lax.scan)

def test_scan_returns_final_carry_and_stacked_ys_with_structures():
    xs = sd.matrix("xs", ("T", 2))
    a = sd.scalar("a")
    (s, (m, k)), ys = sd.scan(lambda c, x: ((c[0] + x[0], [c[1][0] * x[1], c[1][1] + 1]), {"no": None} and (x * a, None)),
                              (0.0, [1.0, sd.constant(0)]), xs)
    assert isinstance(ys, tuple) and ys[1] is None
    v = np.arange(6.0).reshape(3, 2) + 1
    got = sd.evaluate([s, m, k, ys[0]], {xs: v, a: 2.0})
    assert got[0] == 9.0 and got[1] == 2 * 4 * 6 and got[2] == 3 and got[2].dtype == np.int64
    np.testing.assert_array_equal(got[3], 2 * v)


def test_one_compiled_function_serves_every_length_including_zero_and_one(backend):
    xs = sd.vector("xs", "T")
    c0 = sd.scalar("c0")
    c, ys = sd.scan(lambda c, x: (c * 0.5 + x, c), c0, xs, reverse=True)
    fn = sd.function([c0, xs], [c, ys, sd.grad(c + sd.sum(ys), c0)], backend=backend)
    for T in (0, 1, 5):
        v = np.linspace(-1, 1, T)
        want_ys, cc = [], 3.0
        for x in v[::-1]:
            want_ys.append(cc)
            cc = cc * 0.5 + x
        got = fn(3.0, v)
        np.testing.assert_allclose(got[0], cc)
        np.testing.assert_allclose(got[1], want_ys[::-1])
        # d/dc0 of c_T + sum of the carries before each step: sum of 0.5^k, k = 0..T
        np.testing.assert_allclose(got[2], sum(0.5 ** k for k in range(T + 1)))


def test_fori_loop_and_while_loop_follow_jax():
    x = sd.scalar("x")
    assert float(sd.evaluate(sd.fori_loop(0, 0, lambda i, c: c * x, 2.0), {x: 3.0})) == 2.0
    assert float(sd.evaluate(sd.fori_loop(5, 2, lambda i, c: c * x, 2.0), {x: 3.0})) == 2.0
    assert int(sd.evaluate(sd.fori_loop(-2, 4, lambda i, c: c + i, sd.constant(0)), {})) == -2 - 1 + 0 + 1 + 2 + 3
    total = sd.fori_loop(2, 6, lambda i, c: c + i, sd.constant(0))
    assert int(sd.evaluate(total, {})) == 2 + 3 + 4 + 5
    w = sd.while_loop(lambda c: c[0] < 10.0, lambda c: (c[0] * x, c[1] + 1), (1.0, sd.constant(0)))
    assert [float(v) for v in sd.evaluate(list(w), {x: 2.0})] == [16.0, 4.0]


def test_same_function_traced_twice_is_one_node_and_bodies_are_printed_and_counted():
    xs, a = sd.vector("xs", 4), sd.scalar("a")

    def f(c, x):
        return sd.sin(c) * a + x, c * c
    c1, y1 = sd.scan(f, 0.5, xs)
    c2, y2 = sd.scan(f, 0.5, xs)
    assert c1 is c2 and y1 is y2
    node = c1.inputs[0]
    assert node.op.make(*node.inputs, **node.kw) is node
    assert sd.count_nodes(c1) == 2 + 4   # scan, tuple_get; sin, multiply, add, multiply inside
    text = sd.debugprint([c1, y1])
    assert "body of scan" in text and "sin" in text
    assert "cluster" in sd.to_dot(c1)
    assert {"loop_arg", "sin"} <= {n.op.name for n in all_nodes([c1])}


def test_simplify_rewrites_inside_bodies():
    xs = sd.vector("xs", 3)
    c, _ = sd.scan(lambda c, x: (sd.log(sd.sigmoid(c)) + x * 1.0, None), 0.1, xs)
    inner = {n.op.name for n in all_nodes([sd.simplify(c)])}
    assert "softplus" in inner and "sigmoid" not in inner


def test_value_and_gradient_share_one_forward_sweep():
    p, obs = sd.vector("p", 4), sd.matrix("obs", (12, 2))
    loss = _lv_loss_sd(p, obs)
    outs = merge_loops([loss, sd.grad(loss, p)])
    scans = [n for n in toposort(outs) if n.op.name == "scan"]
    assert len(scans) == 2 and sorted(n.kw["reverse"] for n in scans) == [False, True]
    # the data's cotangent is not asked for: the reverse sweep does not stack it
    rev = next(n for n in scans if n.kw["reverse"])
    assert len(rev.kw["body"].outputs) == rev.kw["n_carry"]


# ------------------------------------------------------------------ bad input

def test_errors_name_the_loop_and_the_carry():
    xs = sd.vector("xs", 3)
    with pytest.raises(sd.ShapeError, match=r"scan: the body changes the shape of carry\[1\] from \(\) to \(3,\)"):
        sd.scan(lambda c, x: ((c[0], c[1] * xs), None), (0.0, 1.0), xs)
    with pytest.raises(sd.ShapeError, match=r"scan: the body changes the dtype of carry from int64 to float64"):
        sd.scan(lambda c, x: (c * x, None), sd.constant(1), xs)
    with pytest.raises(sd.ShapeError, match=r"scan: the xs have different lengths: xs\[0\] \(3,\), xs\[1\] \(4,\)"):
        sd.scan(lambda c, x: (c, None), 0.0, (xs, sd.vector("ys", 4)))
    with pytest.raises(sd.ShapeError, match="scalar"):
        sd.scan(lambda c, x: (c, None), 0.0, sd.scalar("s"))
    with pytest.raises(ValueError, match="give xs or length"):
        sd.scan(lambda c, x: (c, None), 0.0)
    with pytest.raises(TypeError, match=r"must return a pair \(carry, y\)"):
        sd.scan(lambda c, x: c, 0.0, xs)
    with pytest.raises(TypeError, match="structure"):
        sd.scan(lambda c, x: ((c, c), None), 0.0, xs)
    with pytest.raises(TypeError, match="while_loop: cond must return a boolean scalar"):
        sd.while_loop(lambda c: c, lambda c: c, 1.0)
    with pytest.raises(ValueError, match="needs a known length"):
        sd.scan(lambda c, x: (c, None), 0.0, sd.vector("v", "T"), checkpoint=True)
    v = sd.vector("v", 2)
    w = sd.while_loop(lambda c: sd.sum(c) < 5.0, lambda c: c * v, v)
    with pytest.raises(TypeError, match="reverse-mode differentiation through sd.while_loop.*sd.scan"):
        sd.grad(sd.sum(w), v)
    with pytest.raises(TypeError, match="list of 2 .* where init is tuple of 2"):
        sd.scan(lambda c, x: ([c[0] + x, c[1]], None), (0.0, 1.0), xs)
    with pytest.raises(TypeError, match="dict with keys 'b' .* where init is dict with keys 'a'"):
        sd.scan(lambda c, x: ({"b": c["a"]}, None), {"a": 1.0}, xs)
    with pytest.raises(TypeError, match="scan: f must be a function, got int"):
        sd.scan(3, 0.0, xs)
    with pytest.raises(TypeError, match="reverse must be True or False"):
        sd.scan(lambda c, x: (c, None), 0.0, xs, reverse="yes")
    leaked = []
    sd.scan(lambda c, x: (leaked.append(c) or c * x, None), 1.0, xs)
    with pytest.raises(ValueError, match="a value of another loop's body whose tracing has ended"):
        sd.scan(lambda c, x: (c * leaked[0], None), 1.0, xs)
    outside = sd.scan(lambda c, x: (c * x, None), leaked[0], xs)[0]   # a body's value used outside its loop
    with pytest.raises(ValueError, match="a value of a loop body used outside its loop"):
        sd.function([xs], outside, backend="numpy")
    k = sd.scalar("k")
    with pytest.raises(ValueError, match="symbolic dimension 'T' .* is not bound by any input"):
        sd.function([k], sd.scan(lambda c, _: (c * k, None), 1.0, length="T")[0], backend="numba", wait=True)
    # and everything stays usable afterwards
    c, _ = sd.scan(lambda c, v: (c + v, None), 0.0, xs)
    assert float(sd.evaluate(c, {xs: [1.0, 2.0, 3.0]})) == 6.0


# ------------------------------------------------------------------ oracle: the same loop unrolled

def test_scan_equals_the_same_loop_unrolled_value_gradient_hessian():
    p, obs = sd.vector("p", 4), sd.matrix("obs", (12, 2))
    scanned = _lv_loss_sd(p, obs, checkpoint=5)
    unrolled = _lv_loss_unrolled(p, [obs[t] for t in range(12)])
    got = sd.function([p, obs], [scanned, sd.grad(scanned, p), sd.hessian(scanned, p)], backend="numpy")(P, OBS)
    want = sd.function([p, obs], [unrolled, sd.grad(unrolled, p), sd.hessian(unrolled, p)], backend="numpy")(P, OBS)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-14)


# ------------------------------------------------------------------ the Numba lowering

@pytest.mark.numba
@pytest.mark.usefixtures("isolated_cache_dir")
def test_numba_emits_one_loop_whatever_the_length():
    sources = []
    for T in (10, 1000):
        p, obs = sd.vector("p", 4), sd.matrix("obs", (T, 2))
        loss = _lv_loss_sd(p, obs)
        fn = sd.function([p, obs], [loss, sd.grad(loss, p)], backend="numba")
        assert fn.tier == "numba"
        kernel = fn.source.split("# ---- call path")[0]
        sources.append(kernel.count("\n"))
        assert kernel.count("for t") == 2   # one forward sweep, one reverse sweep
        obs_v = np.tile(OBS, (T // 12 + 1, 1))[:T]
        ref = sd.function([p, obs], [loss, sd.grad(loss, p)], backend="numpy")
        for a, b in zip(fn(P, obs_v), ref(P, obs_v)):
            np.testing.assert_allclose(a, b, rtol=1e-11)
    assert sources[0] == sources[1]


def test_swapped_carries_array_carries_a_while_inside_a_scan_and_a_derived_length(backend):
    x, p, q = sd.vector("x", "n"), sd.scalar("p"), sd.scalar("q")
    swapped = sd.scan(lambda c, v: ((c[1], c[0] + v), None), (p, q), x)[0]

    def body(c, xi):   # array carries exchanged, a while loop per step, a constant output
        a, b = c
        w = sd.while_loop(lambda z: z < 10.0, lambda z: z * 2.0, 1.0 + xi * xi)
        return (b, a + w), sd.constant(2.0)
    (a, b), ys = sd.scan(body, (sd.zeros(3), sd.ones(3)), x[1:])
    fn = sd.function([x, p, q], [*swapped, a, b, ys], backend=backend)
    got = fn(np.array([0.5, 1.0, 2.0, 3.0]), 1.0, 2.0)
    c = (1.0, 2.0)
    for v in [0.5, 1.0, 2.0, 3.0]:
        c = (c[1], c[0] + v)
    want_a, want_b = np.zeros(3), np.ones(3)
    for xi in [1.0, 2.0, 3.0]:
        z = 1 + xi * xi
        while z < 10:
            z *= 2
        want_a, want_b = want_b, want_a + z
    for g, w in zip(got, [*c, want_a, want_b, [2.0, 2.0, 2.0]]):
        np.testing.assert_allclose(g, w)


@pytest.mark.numba
@pytest.mark.usefixtures("isolated_cache_dir")
def test_every_loop_row_of_the_table_differentiates_alike_on_numba_and_the_reference():
    """First and second derivatives of each loop row (forward mode only for while_loop), one compiled function."""
    from tests.optable import CASES
    from tests.registry_graphs import row_gradients

    rows = [c for c in CASES if c.id.startswith(("scan_", "fori_", "while_"))]
    syms, outs = [], []
    for case in rows:
        s = case.symbols()
        y = case.fn(*s)
        i = case.diff_args()[0]
        u = sd.constant(np.linspace(0.5, 1.5, max(1, int(np.prod(case.resolve(y.shape))))).reshape(case.resolve(y.shape))) \
            if not case.sizes else sd.cos(y)
        second = (sd.jacobian(sd.jvp(y, s[i], sd.ones_like(s[i])), s[i]) if case.forward_only
                  else sd.hessian(sd.sum(u * y), s[i]))
        syms += s
        outs += [y, *row_gradients(case, s), second]
    fn = sd.function(syms, outs, backend="numba")
    ref = sd.function(syms, outs, backend="numpy")
    assert fn.tier == "numba"
    xs = [x for case in rows for x in case.sample(0)]
    for a, b in zip(fn(*xs), ref(*xs)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_dicts_and_named_tuples_as_carries_and_outputs():
    import collections

    Pair = collections.namedtuple("Pair", "a b")
    xs = sd.vector("xs", 3)
    c, ys = sd.scan(lambda c, x: ({"w": c["w"] * x, "n": Pair(c["n"].a + 1.0, c["n"].b)}, {"y": x * 2.0}),
                    {"w": 1.0, "n": Pair(0.0, 2.0)}, xs)
    assert isinstance(c["n"], Pair) and set(c) == {"w", "n"} and set(ys) == {"y"}
    got = sd.evaluate([c["w"], c["n"].a, c["n"].b, ys["y"]], {xs: np.array([2.0, 3.0, 4.0])})
    assert [float(v) for v in got[:3]] == [24.0, 3.0, 2.0] and got[3].tolist() == [4.0, 6.0, 8.0]
    with pytest.raises(sd.ShapeError, match=r"carry\['w'\]"):
        sd.scan(lambda c, x: ({"w": c["w"] * xs}, None), {"w": 1.0}, xs)
