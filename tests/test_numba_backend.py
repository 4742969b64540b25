"""The Numba backend against the reference interpreter (and NumPy), plus its own machinery.

Compiling costs ~0.1-1 s per function, so the table checks batch many rows into
one compiled function (one output per row). Every row of the table runs here:
its value against the row's NumPy oracle at the row's sizes and, from the same
compiled function, at its other sizes (``test_ops_values.py`` runs the rows one
by one on the reference backend).
"""

from __future__ import annotations

import numpy as np
import pytest

import symdiff as sd
import symdiff.graph as g
from symdiff.backends.numba import CompileError, compile_graph
from symdiff.backends import loops as ir
from symdiff.backends.numba import lowering as L
from symdiff.traversal import all_nodes, toposort
from tests.optable import CASES
from tests.registry_graphs import covering as _covering, internal_ops_graph, row_gradients
from tests.test_ops_values import _check_value
from tests.test_special_values import _run, _same, _special_inputs

pytestmark = [pytest.mark.numba, pytest.mark.usefixtures("isolated_cache_dir")]


# ----------------------------------------------------------------- every op, batched

#: rows to a compiled function: Numba's compile time grows faster than linearly with a function's size, and
#: a function per row costs more again (about 15 is the least in all)
CHUNK = 15
#: rows that together reach every (operation, dtype) as built: their special values are compared too
_SPECIAL_CASES = {c.id for c in _covering(CASES, lambda n: (n.op.name, n.dtype.name))}
_GRAD_CASES = _covering(CASES, lambda n: n.op.name)


def _raises_on_special(case) -> bool:
    """NumPy itself raises on the row's special values (eigh of a matrix holding NaN: LinAlgError)."""
    return _run(case.oracle, *_special_inputs(case))[1] is not None


def _chunks(cases, by_sizes=False) -> list:
    """Chunks of rows; a row that raises on special values gets a chunk of its own (one error stops a batch).

    ``by_sizes``: rows are grouped by their sizes (``case.sizes``, ``case.alt_sizes``) too, for chunks
    called at the rows' other sizes (the rows of a chunk share their symbolic sizes' names).
    """
    groups: dict = {}
    for c in cases:
        groups.setdefault((_raises_on_special(c),) + ((c.sizes, c.alt_sizes) if by_sizes else ()), []).append(c)
    return [grp[i:i + (1 if key[0] else CHUNK)] for key, grp in sorted(groups.items(), key=lambda kv: kv[0][0])
            for i in range(0, len(grp), 1 if key[0] else CHUNK)]


_CHUNKS = _chunks(CASES, by_sizes=True)
_GRAD_CHUNKS = _chunks(_GRAD_CASES)


def _check_special_errors(cases, got_err, want_err) -> bool:
    """For a chunk of rows that raise on special values: both backends raise the same kind; True if so."""
    if not _raises_on_special(cases[0]):
        return False
    assert got_err is not None and want_err is not None and type(got_err) is type(want_err), (got_err, want_err)
    return True
SEEN_OPS: set = set()


def _batched(cases, build):
    syms, outs, slices = [], [], []
    for case in cases:
        s = case.symbols()
        y = build(case, s)
        slices.append((len(syms), len(syms) + len(s), len(outs), len(y)))
        syms += s
        outs += y
    return syms, outs, slices


def _as_built_and_simplified(case, s) -> list:
    """The row's output as ``sd.function`` compiles it (simplified) and, where that differs, as built."""
    y = case.fn(*s)
    simple = sd.simplify([y])[0]
    return [simple] if simple is y else [simple, y]


@pytest.mark.parametrize("chunk", range(len(_CHUNKS)))
def test_optable_values(chunk):
    """Every row: the value, shape and dtype of the row's NumPy oracle, also at the row's other sizes, inputs
    not modified. One compiled function per chunk holds each row as ``sd.function`` compiles it (simplified)
    and, where simplifying changes it, as built. On NaN, ±inf and ±0: the reference interpreter's values, for
    the rows (as built) that together reach every operation and dtype."""
    cases = _CHUNKS[chunk]
    syms, outs, slices = _batched(cases, _as_built_and_simplified)
    SEEN_OPS.update(n.op.name for n in all_nodes(outs))
    fn = sd.function(syms, outs, backend="numba", simplify=False)  # simplified above, per row
    # a compiled function serves repeated calls with new values and, with symbolic sizes, new sizes
    for trial, sizes in enumerate([dict(cases[0].sizes), dict(cases[0].alt_sizes or cases[0].sizes)]):
        xs = []
        for case in cases:
            xs += case.sample(trial, sizes=sizes)
        before = [x.copy() for x in xs]
        got = fn(*xs)
        for case, (a, b, o, k) in zip(cases, slices):
            want = case.oracle(*xs[a:b])
            for j in range(o, o + k):
                _check_value(case, got[j], want)
        for x, x0 in zip(xs, before):
            assert x.dtype == x0.dtype and x.shape == x0.shape
            np.testing.assert_array_equal(x, x0)  # inputs not modified
    # NaN, ±inf and ±0 in every float input: the same values as the reference interpreter
    ref = sd.function(syms, outs, backend="numpy", simplify=False)
    xs = [x for case in cases for x in _special_inputs(case)]
    got, got_err = _run(fn, *xs)
    want, want_err = _run(ref, *xs)
    if _check_special_errors(cases, got_err, want_err):
        return
    assert got_err is None and want_err is None, (got_err, want_err)
    for case, (a, b, o, k) in zip(cases, slices):
        if case.id in _SPECIAL_CASES:
            j = o + k - 1   # the row as built
            _same(got[j], want[j], f"{case.id} on special values")


@pytest.mark.parametrize("chunk", range(len(_GRAD_CHUNKS)))
def test_optable_gradients_match_reference(chunk):
    cases = _GRAD_CHUNKS[chunk]
    syms, outs, slices = _batched(cases, row_gradients)
    SEEN_OPS.update(n.op.name for n in all_nodes(outs))
    fn = sd.function(syms, outs, backend="numba", simplify=False)
    ref = sd.function(syms, outs, backend="numpy", simplify=False)
    xs = []
    for case in cases:
        xs += case.sample(0)
    for a, b in zip(fn(*xs), ref(*xs)):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    # and on NaN, ±inf and ±0: the same NaNs, infinities and values as the reference
    xs = [x for case in cases for x in _special_inputs(case)]
    (got, got_err), (want, want_err) = _run(fn, *xs), _run(ref, *xs)
    if _check_special_errors(cases, got_err, want_err):
        return
    assert got_err is None and want_err is None, (got_err, want_err)
    for k, (a, b) in enumerate(zip(got, want)):
        _same(a, b, f"gradient output {k} on special values")


def test_all_ops_were_exercised():
    if len(SEEN_OPS) < 10:
        pytest.skip("run with the batched tests")
    extra = internal_ops_graph()[1]
    seen = SEEN_OPS | {n.op.name for n in toposort(extra)}
    assert sorted(set(g.OPS) - seen) == []


def test_extra_ops_match_reference():
    ins, outs = internal_ops_graph()
    fn = sd.function(ins, outs, backend="numba", simplify=False)
    ref = sd.function(ins, outs, backend="numpy", simplify=False)
    for n in (3, 5):
        vals = [np.linspace(-1, 1, n), np.arange(12.0).reshape(3, 4), np.array([2, -1])]
        for a, b in zip(fn(*vals), ref(*vals)):
            assert a.dtype == b.dtype and a.shape == b.shape
            if a.dtype.kind == "f":
                np.testing.assert_allclose(a, b, rtol=1e-12)
            else:
                np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------- model graphs

def _compare(ins, outs, vals, rtol=1e-9, atol=1e-12):
    fn = sd.function(ins, outs, backend="numba")
    ref = sd.function(ins, outs, backend="numpy")
    for a, b in zip(fn(*vals), ref(*vals)):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
    return fn


def test_rosenbrock_value_grad_hessian_two_sizes():
    x = sd.vector("x", "n")
    f = sd.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    fn = sd.function([x], [f, sd.grad(f, x), sd.hessian(f, x)], backend="numba")
    ref = sd.function([x], [f, sd.grad(f, x), sd.hessian(f, x)], backend="numpy")
    for n in (2, 7):  # one compiled function, two sizes
        xv = np.linspace(-1.2, 1.3, n)
        for a, b in zip(fn(xv), ref(xv)):
            assert a.shape == b.shape
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


def test_logistic_regression_and_hessian(rng):
    X = sd.matrix("X", ("N", 3))
    y = sd.vector("y", "N")
    w = sd.vector("w", 3)
    z = X @ w
    loss = sd.mean(sd.softplus(z) - y * z)
    vals = [rng.standard_normal((9, 3)), (rng.random(9) < 0.5).astype(float), rng.standard_normal(3)]
    _compare([X, y, w], [loss, sd.grad(loss, w), sd.hessian(loss, w)], vals)


def test_mlp_value_and_grads(rng):
    X = sd.matrix("X", ("B", 5))
    Y = sd.matrix("Y", ("B", 3))
    W1, b1 = sd.matrix("W1", (5, 4)), sd.vector("b1", 4)
    W2, b2 = sd.matrix("W2", (4, 3)), sd.vector("b2", 3)
    h = sd.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    loss = -sd.mean(sd.sum(Y * sd.log_softmax(logits, axis=-1), axis=-1)) + 0.1 * sd.sum(sd.relu(h))
    params = [W1, b1, W2, b2]
    vals = [rng.standard_normal((6, 5)), np.eye(3)[rng.integers(0, 3, 6)], rng.standard_normal((5, 4)),
            rng.standard_normal(4), rng.standard_normal((4, 3)), rng.standard_normal(3)]
    _compare([X, Y] + params, [loss] + sd.grad(loss, params) + [sd.softmax(logits, axis=0)], vals)


def test_float32_and_int_graph(rng):
    x = sd.vector("x", "n", dtype="float32")
    k = sd.vector("k", "n", dtype="int64")
    y = sd.sum(sd.sigmoid(x) * k) + sd.max(sd.exp(x), axis=0)
    outs = [y, sd.grad(y, x), k * 2 - 1, sd.sum(k > 0), sd.where(k > 0, x, 0.5)]
    vals = [rng.standard_normal(6).astype(np.float32), rng.integers(-3, 3, 6)]
    fn = sd.function([x, k], outs, backend="numba")
    ref = sd.function([x, k], outs, backend="numpy")
    for a, b in zip(fn(*vals), ref(*vals)):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=2e-6, atol=1e-6)


# ----------------------------------------------------------------- generated code

def test_elementwise_chain_is_one_loop_without_temporaries():
    x, y = sd.vector("x", "n"), sd.vector("y", "n")
    f = sd.sum(sd.log1p(sd.exp(sd.sin(x) * sd.cos(y))))
    fn = sd.function([x, y], [f, sd.exp(x) * y + 1.0], backend="numba")
    src = fn.source.split("# ---- call path")[0]
    assert src.count("for i0 in range") == 1
    assert src.count("from the caller") == 1  # the second output's buffer only
    assert "# sin " in src and "# cos " in src  # one commented line per node


def test_matrix_products_use_blas():
    a, b = sd.matrix("a", ("n", 4)), sd.matrix("b", (4, 5))
    v = sd.vector("v", 4)
    fn = sd.function([a, b, v], [a @ b, a @ v, sd.grad(sd.sum(a @ b), a)], backend="numba")
    assert fn.source.count("_gemm(") >= 2


def test_source_is_readable_python():
    x = sd.vector("x", "n")
    fn = sd.function([x], sd.sum(x * x), backend="numba")
    compile(fn.source, "<source>", "exec")
    assert "def part(A0, d_0)" in fn.source and "d_n = in_x.shape[0]" in fn.source


# ----------------------------------------------------------------- call path

def test_call_errors_and_conversions():
    x = sd.vector("x", "n")
    m = sd.matrix("m", ("n", 2))
    s = sd.scalar("s")
    f = sd.function([x, m, s], [sd.sum(x) + sd.sum(m) * s, x * s], backend="numba")
    xv, mv = np.arange(3.0), np.ones((3, 2))
    v, w = f(xv, mv, 2.0)
    assert v.shape == () and float(v) == 15.0 and w.tolist() == [0.0, 2.0, 4.0]
    with pytest.raises(TypeError):
        f(xv, mv)
    with pytest.raises(TypeError):
        f(xv, mv, 1.0, 2.0)
    with pytest.raises(ValueError, match="'m'"):
        f(xv, np.ones((4, 2)), 1.0)  # symbolic dims disagree
    with pytest.raises(ValueError, match="'m'"):
        f(xv, np.ones((3, 3)), 1.0)
    with pytest.raises(ValueError, match="'x'"):
        f(np.ones((3, 1)), mv, 1.0)
    with pytest.raises(ValueError, match="'x'"):
        f(np.ones(3, dtype=np.float32) + 0j, mv, 1.0)
    # conversions and unusual layouts take the generic path and still work
    assert float(f([0.0, 1.0, 2.0], mv, np.array(2.0))[0]) == 15.0
    assert float(f(np.arange(3), mv, 2)[0]) == 15.0
    assert float(f(np.arange(6.0)[::2] / 2, np.asfortranarray(mv), 2.0)[0]) == 15.0
    ro = np.arange(3.0)
    ro.setflags(write=False)
    assert float(f(ro, mv, 2.0)[0]) == 15.0


def test_outputs_are_fresh_arrays():
    x = sd.vector("x", 3)
    f = sd.function([x], [x, x, sd.reshape(x, (3, 1)), x * 2.0], backend="numba")
    xv = np.arange(3.0)
    a, b, c, d = f(xv)
    assert a is not xv and b is not a and not np.shares_memory(a, xv)
    a[0] = 99.0
    assert xv[0] == 0.0 and b[0] == 0.0 and c[0, 0] == 0.0
    single = sd.function([x], sd.sum(x), backend="numba")
    assert isinstance(single(xv), np.ndarray) and single(xv).shape == ()


def test_compile_error_names_the_op(monkeypatch):
    low = L.LOWERINGS["cosh"]
    # a template whose code Numba cannot type: the error names the operation
    monkeypatch.setattr(low, "template", lambda em, node, a: ir.Bin("+", ir.Call("reshape", (a[0], ir.Const(2))), a[0]))
    x = sd.vector("x", "n")
    with pytest.raises(CompileError, match="cosh"):
        compile_graph([x], [sd.cosh(x) * 3.0])


def test_constant_arrays_with_inf_and_nan():
    x = sd.vector("x", 3)
    c = sd.constant(np.array([np.inf, 1.0, np.nan]))
    fn = sd.function([x], [sd.minimum(x, c), sd.maximum(x, -c)], backend="numba")
    got = fn(np.array([2.0, 3.0, 0.5]))
    np.testing.assert_array_equal(got[0], [2.0, 1.0, np.nan])
    np.testing.assert_array_equal(got[1], [2.0, 3.0, np.nan])


def test_a_gathered_value_used_three_times_is_read_once():
    x, k = sd.vector("x", "n"), sd.vector("k", "m", dtype="int64")
    t = sd.take(x, k)
    fn = sd.function([x, k], t * t + sd.sin(t), backend="numba")
    src = fn.source.split("# ---- call path")[0]
    assert src.count("_wrap(") == 1
    np.testing.assert_allclose(fn(np.arange(4.0), np.array([3, 0, -1])), [9 + np.sin(3), 0, 9 + np.sin(3)])


def test_float64_functions_printed_from_the_math_module_equal_numpys_bitwise():
    # the printer calls math.sin (quicker for Numba to type) where NumPy's np.sin was called: both must
    # compile to the same code, special values included, under the parts' flags
    import math

    import numba as nb

    from symdiff.backends.numba.printer import FASTMATH, MATH_FLOAT64

    names = sorted(MATH_FLOAT64)
    lines = ["def both(x, a, b):", "    for i in range(x.shape[0]):"]
    for k, name in enumerate(names):
        lines.append(f"        a[{k}, i] = np.{name}(x[i])")
        lines.append(f"        b[{k}, i] = math.{MATH_FLOAT64[name]}(x[i])")
    ns = {"np": np, "math": math}
    exec("\n".join(lines), ns)
    both = nb.njit(fastmath=set(FASTMATH), error_model="numpy")(ns["both"])
    rng = np.random.default_rng(7)
    x = np.concatenate([[np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 1e-310, -1e-310,
                         1e308, -1e308, 710.0, -745.0, 1e16, math.pi], rng.normal(size=100) * 10,
                        rng.uniform(-1.0, 1.0, 100)])
    a = np.empty((len(names), x.size))
    b = np.empty_like(a)
    both(x, a, b)
    for k, name in enumerate(names):
        assert np.array_equal(a[k].view(np.int64), b[k].view(np.int64)), name
        with np.errstate(all="ignore"):   # and the right function (NumPy's own SIMD code may differ by an ulp)
            np.testing.assert_allclose(a[k], getattr(np, name)(x), rtol=1e-14, atol=0, err_msg=name)
