"""sd.from_sympy / sd.to_sympy: round trips, sharing, vector symbols, CSE, errors, derivatives."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import symdiff as sd
from symdiff.interop.sympy import UnsupportedConstruct
from symdiff.traversal import toposort

x, y, z = sp.symbols("x y z")


def op_names(node) -> list[str]:
    return [n.op.name for n in toposort([node]) if not (n.op.is_input or n.op.is_constant)]


def eval_graph(node, env, values):
    """Evaluate a from_sympy graph with the reference interpreter; env maps SymPy symbols to inputs."""
    return sd.evaluate(node, {env[s]: v for s, v in values.items() if s in env})


def eval_sympy(expr, values):
    syms = sorted(values, key=str)
    f = sp.lambdify(syms, expr, modules="numpy")
    with np.errstate(all="ignore"):
        return np.asarray(f(*[values[s] for s in syms]), dtype=float)


# Expressions with positive-domain points: (expression, points drawn in (lo, hi))
EXPRESSIONS = [
    x + y,
    x - y,
    -x - y + 3,
    x * y * z,
    x / y,
    2 / x,
    x ** -2,
    x ** -3 + y ** sp.Rational(-1, 2),
    sp.sqrt(x) + 1 / sp.sqrt(y),
    x ** sp.Rational(3, 2),
    x ** 2.5,
    x ** y,
    2 ** x,
    sp.Rational(1, 3) * x - sp.Rational(2, 7) * y,
    -2.5 * x * y + 0.125,
    sp.pi * x + sp.E,
    sp.exp(-x) * sp.sin(y),
    sp.log(x ** 2 + 1) + sp.log(y, 2),
    sp.sin(x) + sp.cos(y) + sp.tan(z / 4),
    sp.asin(x / 3) + sp.acos(y / 4) + sp.atan(z),
    sp.sinh(x) - sp.cosh(y) * sp.tanh(z),
    sp.sec(x / 3) + sp.csc(y + 1) + sp.cot(z + 1),
    sp.sech(x) + sp.csch(y) + sp.coth(z),
    sp.Abs(x - y) + sp.sign(y - z),
    sp.Max(x, y, z) - sp.Min(x, 1),
    sp.exp(sp.sin(x * y)) / (1 + sp.cos(x * y) ** 2),
    (x + y) ** 3 * sp.exp(-(x + y) ** 2),
    sp.Piecewise((x, x > y), (y ** 2, sp.And(x < 1, y > 0.5)), (z, True)),
    sp.Piecewise((x ** 2, x >= 1), (sp.sin(x), sp.Or(y <= 0.5, sp.Not(z < 1))), (0, True)),
    sp.Piecewise((1, sp.Eq(x, y)), (2, sp.Ne(x, z)), (3, True)),
]


def _points(rng, syms, n=7):
    return {s: rng.uniform(0.2, 1.8, size=n) for s in syms}


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=[str(e)[:40] for e in EXPRESSIONS])
def test_from_sympy_agrees_with_lambdify_on_vectors(expr, rng):
    syms = sorted(expr.free_symbols, key=str)
    n = 7
    env = {s: sd.vector(s.name, n) for s in syms}
    node = sd.from_sympy(expr, env)
    assert node.shape == (n,)
    values = _points(rng, syms, n)
    np.testing.assert_allclose(eval_graph(node, env, values), eval_sympy(expr, values), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=[str(e)[:40] for e in EXPRESSIONS])
def test_round_trip_sympy_graph_sympy(expr, rng):
    env: dict = {}
    node = sd.from_sympy(expr, env)
    back = sd.to_sympy(node)
    assert back.free_symbols <= expr.free_symbols
    values = _points(rng, sorted(expr.free_symbols, key=str))
    np.testing.assert_allclose(eval_sympy(back, values), eval_sympy(expr, values), rtol=1e-12, atol=1e-12)
    # and once more through a graph: the second graph computes the same values
    env2: dict = {}
    node2 = sd.from_sympy(back, env2)
    np.testing.assert_allclose(
        [float(eval_graph(node2, env2, {s: v[i] for s, v in values.items()})) for i in range(7)],
        eval_sympy(expr, values), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("expr", [e for e in EXPRESSIONS if not e.has(sp.Piecewise, sp.sign)],
                         ids=lambda e: str(e)[:40])
def test_grad_of_from_sympy_matches_sympy_diff(expr, rng):
    env: dict = {}
    node = sd.from_sympy(expr, env)
    syms = sorted(expr.free_symbols, key=str)
    grads = sd.grad(node, [env[s] for s in syms])
    fn = sd.function([env[s] for s in syms], grads, backend="numpy")
    for _ in range(3):
        point = {s: float(v) for s, v in zip(syms, rng.uniform(0.2, 1.8, size=len(syms)))}
        got = fn(*[point[s] for s in syms])
        want = [float(sp.diff(expr, s).evalf(subs=point)) for s in syms]
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10)


def test_second_derivatives_and_hessian_match_sympy():
    expr = sp.exp(x * y) * sp.sin(x) / (1 + y ** 2)
    env: dict = {}
    node = sd.from_sympy(expr, env)
    v = sd.vector("v", 2)
    vec = sd.from_sympy(expr, {x: v[0], y: v[1]})
    H = sd.evaluate(sd.hessian(vec, v), {v: np.array([0.3, -0.8])})
    point = {x: 0.3, y: -0.8}
    want = np.array([[float(sp.diff(expr, a, b).evalf(subs=point)) for b in (x, y)] for a in (x, y)])
    np.testing.assert_allclose(H, want, rtol=1e-10)
    d3 = sd.grad(sd.grad(sd.grad(node, env[x]), env[x]), env[y])
    got = sd.evaluate(d3, {env[x]: 0.3, env[y]: -0.8})
    np.testing.assert_allclose(got, float(sp.diff(expr, x, x, y).evalf(subs=point)), rtol=1e-10)


# -------------------------------------------------------------------- forms and sharing


def test_sensible_forms():
    env = {x: sd.scalar("x"), y: sd.scalar("y")}
    assert op_names(sd.from_sympy(x ** 2, env)) == ["square"]
    assert op_names(sd.from_sympy(sp.sqrt(x), env)) == ["sqrt"]
    assert op_names(sd.from_sympy(1 / x, env)) == ["divide"]
    assert op_names(sd.from_sympy(x - y, env)) == ["subtract"]
    assert op_names(sd.from_sympy(-x, env)) == ["negative"]
    assert op_names(sd.from_sympy(x / y, env)) == ["divide"]
    assert op_names(sd.from_sympy(sp.exp(x), env)) == ["exp"]
    assert op_names(sd.from_sympy(sp.E ** x, env)) == ["exp"]
    assert sorted(op_names(sd.from_sympy(x ** -2, env))) == ["divide", "square"]
    assert sorted(op_names(sd.from_sympy(1 / sp.sqrt(x), env))) == ["divide", "sqrt"]
    # numbers are folded to one constant, not a multiply of constants
    assert op_names(sd.from_sympy(2 * sp.pi * x, env)) == ["multiply"]


def test_repeated_subtrees_are_one_node():
    s = sp.sin(x * y + z)
    expr = s ** 2 + sp.cos(s) * sp.exp(s) + s
    node = sd.from_sympy(expr)
    names = op_names(node)
    assert names.count("sin") == 1
    assert names.count("multiply") == 2  # x*y and cos(s)*exp(s)


def test_deep_expression_does_not_recurse():
    # deeper than Python's recursion limit; built unevaluated (SymPy's own evaluation recurses)
    e = x
    for k in range(1500):
        e = sp.Add(sp.sin(e, evaluate=False), sp.Integer(k + 1), evaluate=False)
    env: dict = {}
    node = sd.from_sympy(e, env)
    assert sd.count_nodes(node) == 3000
    want = 0.5
    for k in range(1500):
        want = np.sin(want) + k + 1
    assert float(sd.evaluate(node, {env[x]: 0.5})) == pytest.approx(want, rel=1e-12)


def test_to_sympy_walks_long_chains_without_recursion():
    a = sd.scalar("a")
    node = a
    for k in range(1500):
        node = node * 0.5 + a  # SymPy flattens this, so its own evaluation does not recurse
    e = sd.to_sympy(node)
    assert e.free_symbols == {sp.Symbol("a")}
    reps, out = sd.to_sympy(node, cse=True)
    assert len(reps) == 0


def test_numbers_and_constants():
    c = sd.from_sympy(sp.Rational(1, 3) + sp.pi)
    assert c.op.is_constant and c.dtype == np.float64
    assert float(sd.evaluate(c, {})) == pytest.approx(1 / 3 + np.pi, rel=1e-15)
    big = sd.from_sympy(sp.Integer(10) ** 30 * x, {x: 1.0})
    assert float(sd.evaluate(big, {})) == 1e30
    assert sd.from_sympy(sp.Float("0.1") * x, {x: sd.scalar("t")}).op.name == "multiply"
    t = sd.from_sympy(sp.true)
    assert t.dtype == np.bool_
    assert np.isnan(sd.evaluate(sd.from_sympy(sp.nan), {}))
    assert sd.evaluate(sd.from_sympy(-sp.oo), {}) == -np.inf


# -------------------------------------------------------------------- symbols


def test_default_symbols_are_new_scalars_added_to_the_dict():
    env: dict = {}
    f = sd.from_sympy(x * y, env)
    g = sd.from_sympy(x + y, env)  # the same dict: the same inputs
    assert set(env) == {x, y}
    assert env[x].shape == () and env[x].name == "x"
    assert sd.evaluate([f, g], {env[x]: 2.0, env[y]: 3.0}) == [6.0, 5.0]
    # None: fresh scalars found by walking the graph
    h = sd.from_sympy(x * y)
    ins = {n.name for n in toposort([h]) if n.op.is_input}
    assert ins == {"x", "y"}


def test_symbols_by_name_numbers_and_float32():
    t = sd.scalar("t", dtype="float32")
    f = sd.from_sympy(x * y + 0.5, {"x": t, y: 2})
    assert f.dtype == np.float32
    assert float(sd.evaluate(f, {t: np.float32(1.5)})) == 3.5


def test_vector_and_matrix_symbols_broadcast():
    a, b = sd.vector("a", "n"), sd.matrix("B", (2, "n"))
    f = sd.from_sympy(sp.exp(x) * y + sp.Max(x, 0), {x: a, y: b})
    assert f.shape == (2, "n")
    av, bv = np.array([-1.0, 0.5, 2.0]), np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(sd.evaluate(f, {a: av, b: bv}), np.exp(av) * bv + np.maximum(av, 0))


def test_list_of_expressions_share_nodes():
    env: dict = {}
    f, g = sd.from_sympy([sp.sin(x) ** 2, sp.sin(x) * y], env)
    assert sd.count_nodes([f, g]) == 3
    assert sd.from_sympy((x,), env) == [env[x]]


# -------------------------------------------------------------------- Piecewise


def test_piecewise_where_and_otherwise():
    xs = sd.vector("xs", 5)
    f = sd.from_sympy(sp.Piecewise((-x, x < 0), (x ** 2, x <= 1), (2 * x - 1, True)), {x: xs})
    assert "where" in op_names(f)
    v = np.array([-2.0, 0.0, 0.5, 1.0, 3.0])
    np.testing.assert_allclose(sd.evaluate(f, {xs: v}), [2.0, 0.0, 0.25, 1.0, 5.0])
    # derivative follows the branch
    g = sd.grad(sd.sum(f), xs)
    np.testing.assert_allclose(sd.evaluate(g, {xs: v}), [-1.0, 0.0, 1.0, 2.0, 2.0])


def test_piecewise_without_otherwise_is_nan_like_sympy():
    xs = sd.vector("xs", 2)
    f = sd.from_sympy(sp.Piecewise((x, x > 0)), {x: xs})
    out = sd.evaluate(f, {xs: np.array([-1.0, 1.0])})
    assert np.isnan(out[0]) and out[1] == 1.0


def test_piecewise_to_sympy_is_flat():
    a, b = sd.scalar("x"), sd.scalar("y")
    e = sd.to_sympy(sd.where(a > b, a, sd.where(a < 0.0, b, 1.0)))
    assert isinstance(e, sp.Piecewise) and len(e.args) == 3


# -------------------------------------------------------------------- to_sympy


def _sd_cases():
    a, b = sd.scalar("a"), sd.scalar("b")
    c32 = sd.scalar("c", dtype="float32")
    return (a, b, c32), [
        sd.sigmoid(a * b),
        sd.softplus(a - b),
        sd.relu(a - 1.0) + sd.relu(b),
        sd.log1p(a) + sd.expm1(b),
        sd.reciprocal(a + 2.0) + sd.square(b),
        sd.add_n(a, b, a * b, 1.5),
        sd.where(sd.logical_or(a > b, sd.logical_not(b >= 0.5)), a, -b),
        sd.where(sd.logical_and(sd.equal(a, a), sd.not_equal(a, b)), a <= b, a < b).astype("float64"),
        sd.maximum(a, b) * sd.minimum(a, 0.7) + sd.abs(a - b) + sd.sign(a - 1.0),
        sd.power(a, b) + sd.power(a, 3) + a ** 0.5 + sd.sqrt(b),
        sd.arcsin(a / 4.0) + sd.arccos(b / 4.0) + sd.arctan(a) + sd.tan(b / 3.0),
        sd.sinh(a) + sd.cosh(b) + sd.tanh(a * b) + sd.sin(a) * sd.cos(b),
        sd.exp(-a) / sd.log(b + 1.0),
        c32.astype("float64") * a,
        sd.sum(a * b) + sd.mean(a),
        sd.grad(sd.sigmoid(a * b) * sd.softplus(a) + sd.maximum(a, b) ** 3, a),
        sd.hessian(sd.exp(a * b) / (1.0 + a ** 2), a),
    ]


def test_to_sympy_agrees_numerically(rng):
    (a, b, c), cases = _sd_cases()
    syms = sp.symbols("a b c")
    for node in cases:
        e = sd.to_sympy(node)
        f = sp.lambdify(syms, e, modules="numpy")
        for _ in range(4):
            va, vb, vc = rng.uniform(0.1, 1.9, size=3)
            want = sd.evaluate(node, {a: va, b: vb, c: np.float32(vc)})
            np.testing.assert_allclose(float(f(va, vb, np.float32(vc))), want, rtol=1e-6, err_msg=str(e))


def test_to_sympy_list_and_names():
    a = sd.scalar("a")
    e1, e2 = sd.to_sympy([sd.exp(a), a * 2.0])
    A = sp.Symbol("a")
    assert e1 == sp.exp(A) and e2 == 2 * A
    assert sd.to_sympy(a * 0.5) == A / 2
    assert sd.to_sympy(a * 0.1) == A / 10
    assert isinstance(sd.to_sympy(a * 0.123456789), sp.Mul)


def test_to_sympy_grad_matches_sympy_diff():
    a, b = sd.scalar("a"), sd.scalar("b")
    f = sd.sin(a * b) * sd.exp(a) / (1.0 + a ** 2)
    A, B = sp.symbols("a b")
    fs = sd.to_sympy(f)
    for k in range(1, 4):
        d = f
        for _ in range(k):
            d = sd.grad(d, a)
        ours = sp.lambdify((A, B), sd.to_sympy(d))
        theirs = sp.lambdify((A, B), sp.diff(fs, A, k))
        for point in [(0.3, -0.7), (1.4, 0.2)]:
            assert ours(*point) == pytest.approx(theirs(*point), rel=1e-10)


def test_cse_form_is_compact_and_correct():
    a, b = sd.scalar("a"), sd.scalar("b")
    f = sd.sin(a * b) * sd.exp(a) / (1.0 + a ** 2)
    d = f
    for _ in range(4):
        d = sd.grad(d, a)
    plain = sd.to_sympy(d)
    reps, reduced = sd.to_sympy(d, cse=True)
    size = sp.count_ops(reduced) + sum(sp.count_ops(e) for _, e in reps)
    assert size <= 2 * sd.count_nodes(d)
    assert sp.count_ops(plain) > 3 * size  # the tree form swells, the CSE form does not
    # every replacement uses only earlier symbols and the inputs
    known = {sp.Symbol("a"), sp.Symbol("b")}
    for s, e in reps:
        assert e.free_symbols <= known
        known.add(s)
    values = {sp.Symbol("a"): 0.3, sp.Symbol("b"): -0.7}
    for s, e in reps:  # evaluate the replacements in order, as generated code would
        values[s] = float(e.xreplace(values))
    want = float(sd.evaluate(d, {a: 0.3, b: -0.7}))
    assert float(reduced.xreplace(values)) == pytest.approx(want, rel=1e-10)
    assert float(sp.lambdify(sp.symbols("a b"), plain)(0.3, -0.7)) == pytest.approx(want, rel=1e-10)


def test_cse_matches_sympy_cse_shape_and_avoids_input_names():
    x0, x1 = sd.scalar("x0"), sd.scalar("x1")
    s = sd.exp(x0 + x1)
    reps, out = sd.to_sympy(s * s + s, cse=True)
    assert len(reps) == 1 and reps[0][0].name not in ("x0", "x1")
    assert reps[0][1] == sp.exp(sp.Symbol("x0") + sp.Symbol("x1"))
    reps2, outs = sd.to_sympy([s, s * 2.0], cse=True)
    assert isinstance(outs, list) and outs[0] == reps2[0][0]
    # no sharing: no replacements
    assert sd.to_sympy(sd.exp(x0), cse=True) == ([], sp.exp(sp.Symbol("x0")))


def test_round_trip_graph_sympy_graph_keeps_values(rng):
    (a, b, c), cases = _sd_cases()
    for node in cases[:13]:
        env = {sp.Symbol("a"): a, sp.Symbol("b"): b, sp.Symbol("c"): c}
        again = sd.from_sympy(sd.to_sympy(node), env)
        va, vb, vc = rng.uniform(0.1, 1.9, size=3)
        vals = {a: va, b: vb, c: np.float32(vc)}
        np.testing.assert_allclose(sd.evaluate(again, vals), sd.evaluate(node, vals), rtol=1e-6)


# -------------------------------------------------------------------- errors


def test_from_sympy_unsupported_construct_is_named():
    with pytest.raises(NotImplementedError, match=r"from_sympy: unsupported SymPy construct besselj\(0, x\)"):
        sd.from_sympy(sp.besselj(0, x) + 1)
    with pytest.raises(TypeError, match="besselj"):
        sd.from_sympy(sp.besselj(0, x))
    with pytest.raises(UnsupportedConstruct, match=r"asinh"):
        sd.from_sympy(sp.asinh(x))
    t = sp.Symbol("t")
    with pytest.raises(NotImplementedError, match=r"undefined function"):
        sd.from_sympy(sp.Function("q")(t) ** 2)
    with pytest.raises(NotImplementedError, match=r"Derivative.*doit"):
        sd.from_sympy(sp.Derivative(sp.sin(t) * t, t) + 1)
    with pytest.raises(NotImplementedError, match="not real"):
        sd.from_sympy(x + sp.I)
    with pytest.raises(NotImplementedError, match="zeta"):
        sd.from_sympy(sp.zeta(x))   # (floor converts since symdiff has sd.floor)


def test_from_sympy_bad_symbols_argument():
    with pytest.raises(TypeError, match="mapping"):
        sd.from_sympy(x, [x])
    with pytest.raises(TypeError, match="keys"):
        sd.from_sympy(x, {3: sd.scalar("x")})


def test_to_sympy_errors_name_the_op():
    v = sd.vector("v", 3)
    with pytest.raises(sd.ShapeError, match=r"sum node takes input 'v' of shape \(3,\)"):
        sd.to_sympy(sd.sum(v))
    with pytest.raises(ValueError, match=r"output \(multiply node\) has shape \(3,\)"):
        sd.to_sympy(v * 2.0)
    with pytest.raises(ValueError, match=r"getitem node takes input 'v'"):
        sd.to_sympy(v[0] + 1.0)
    a = sd.scalar("a")
    with pytest.raises(NotImplementedError, match=r"cast from float64 to int64"):
        sd.to_sympy(a.astype("int64"))
    with pytest.raises(ValueError, match="both named 'a'"):
        sd.to_sympy(a + sd.scalar("a"))
