"""Vector math in the Numba backend: libmvec through vector-function-ABI call attributes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytestmark = pytest.mark.numba

nb = pytest.importorskip("numba")

import symdiff as sd  # noqa: E402
from symdiff.backends.numba import vecmath  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}  # the generated code's flags

SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, 1e-300, 1e-17, 0.5, 1.0, -1.0, 2.0, 19.0, 22.5,
           30.0, 88.7, 89.5, 708.0, 709.79, 710.0, 745.0, 1e5, 1e22, 1e300, 1.5707963267948966]
ON = pytest.mark.skipif(not vecmath.enabled(), reason=f"no vector math: {vecmath.status()}")


def _sample(dtype):
    rng = np.random.default_rng(20261201)
    mag = np.exp(rng.uniform(-745.0, 709.0, 50_000))
    x = np.concatenate([mag, -mag, rng.uniform(-30.0, 30.0, 50_000), rng.uniform(-1.0, 1.0, 20_000),
                        SPECIAL, -np.array(SPECIAL)])
    with np.errstate(over="ignore"):
        return x.astype(dtype)


def _loop(f, nargs):
    if nargs == 1:
        @nb.njit(fastmath=FASTMATH, error_model="numpy")
        def loop(x, y, out):
            for i in range(x.shape[0]):
                out[i] = f(x[i])
    else:
        @nb.njit(fastmath=FASTMATH, error_model="numpy")
        def loop(x, y, out):
            for i in range(x.shape[0]):
                out[i] = f(x[i], y[i])
    return loop


def _ulp_check(got, want, max_ulp, dtype):
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(got[np.isinf(want)], want[np.isinf(want)])
    fin = np.isfinite(want)
    assert np.all(np.isfinite(got[fin]))
    zero = want == 0
    np.testing.assert_array_equal(np.signbit(got[zero]), np.signbit(want[zero]))
    with np.errstate(over="ignore"):
        spacing = np.spacing(np.abs(want[fin]).astype(dtype)).astype(np.float64)
    ulp = np.abs(got[fin].astype(np.float64) - want[fin].astype(np.float64)) / spacing
    k = int(np.argmax(ulp))
    assert ulp[k] <= max_ulp, f"{ulp[k]} ulp at {want[fin][k]!r}: got {got[fin][k]!r}"


CASES = [(name, dtype) for name in sorted(vecmath.FUNCTIONS) for dtype in ("float64", "float32")]


@ON
@pytest.mark.parametrize("name,dtype", CASES, ids=[f"{n}-{d}" for n, d in CASES])
def test_vector_functions_agree_with_numpy_in_a_vectorised_loop(name, dtype):
    if not vecmath.available(name, dtype):
        pytest.skip(f"libmvec has no {name} for {dtype} here")
    nargs = vecmath.FUNCTIONS[name][1]
    loop = _loop(getattr(vecmath, f"v_{name}"), nargs)
    x = _sample(dtype)
    y = np.random.default_rng(3).uniform(-40.0, 40.0, x.size).astype(dtype)
    if nargs == 2:
        x = np.abs(x)
        y[:12] = [0.0, -0.0, 1.0, 2.0, 0.5, -1.0, np.inf, -np.inf, np.nan, 3.0, 1e30, -1e30]
    out = np.empty_like(x)
    loop(x, y, out)
    with np.errstate(all="ignore"):
        want = getattr(np, name)(x, y) if nargs == 2 else getattr(np, name)(x)
    _ulp_check(out, want, max_ulp=8, dtype=dtype)
    asm = loop.inspect_asm(loop.signatures[0])
    assert re.search(r"_ZGV\w+", asm), f"{name} was not vectorised"


@pytest.mark.parametrize("op", ["log1p", "expm1", "tanh", "sinh", "cosh", "softplus", "sigmoid", "exp", "sin"])
def test_compiled_ops_at_special_values(op):
    x = sd.vector("x", "n")
    fn = sd.function([x], getattr(sd, op)(x), backend="numba")
    v = np.array([s for s in SPECIAL + [-s for s in SPECIAL] if op != "log1p" or not s < -1.0])
    refs = {"softplus": lambda a: np.logaddexp(0.0, a), "sigmoid": lambda a: np.exp(-np.logaddexp(0.0, -a))}
    ref = refs[op] if op in refs else getattr(np, op)
    with np.errstate(all="ignore"):
        want = ref(v)
        got = fn(v)
    _ulp_check(got, want, max_ulp=16 if op == "sigmoid" else 8, dtype=np.float64)


def test_generated_code_calls_the_vector_intrinsics_only_where_available():
    x = sd.vector("x", "n")
    src = sd.function([x], sd.sum(sd.log1p(x) + sd.tanh(x)), backend="numba").source
    if vecmath.available("log1p", "float64"):
        assert "v_log1p(" in src and "np.log1p" not in src
        assert "vector math=" in src and "log1p/float64:_ZGV" in src
    else:
        assert "math.log1p(" in src and "v_log1p(" not in src


@ON
def test_fused_loops_vectorise(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMDIFF_CACHE_DIR", str(tmp_path))  # compile afresh: cached code cannot be inspected
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    x, y = sd.vector("x", 1000), sd.vector("y", 1000)
    f = sd.sum(sd.log1p(sd.exp(sd.sin(x) * sd.cos(y))) + sd.tanh(x) + sd.expm1(y) * sd.cosh(y) - sd.sinh(x))
    for outs in ([f], [f, *sd.grad(f, [x, y])]):
        fn = sd.function([x, y], outs, backend="numba")
        jit = fn._compiled.jit
        asm = jit.inspect_asm(jit.signatures[0])
        vec = {re.sub(r"_ZGV[a-z]N\d+v+_", "", s) for s in re.findall(r"_ZGV\w+", asm)}
        used = {"sin", "cos", "exp", "log1p", "tanh", "expm1", "cosh", "sinh"}
        assert used <= vec, f"not vectorised: {used - vec}"


def test_vector_math_can_be_switched_off():
    code = textwrap.dedent("""
        import numpy as np, symdiff as sd
        from symdiff.backends.numba import vecmath
        x = sd.vector("x", "n")
        fn = sd.function([x], sd.sum(sd.log1p(x)), backend="numba")
        assert not vecmath.enabled(), vecmath.status()
        assert "v_log1p(" not in fn.source and "math.log1p(" in fn.source and "vector math=none" in fn.source
        v = np.linspace(0, 1, 7)
        assert abs(float(fn(v)) - float(np.sum(np.log1p(v)))) < 1e-12
        print("OK")
    """)
    env = dict(os.environ, SYMDIFF_VECTOR_MATH="0", PYTHONPATH=REPO)
    r = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0 and r.stdout.strip().endswith("OK"), r.stderr


def test_cache_key_depends_on_the_vector_functions(monkeypatch):
    from symdiff.backends.numba import cache

    on = cache.graph_key("text", [])
    monkeypatch.setattr(vecmath, "_state", {} if vecmath.enabled() else {"exp": {}})
    assert cache.graph_key("text", []) != on


def test_status_says_what_is_used():
    text = vecmath.status()
    assert ("functions" in text) if vecmath.enabled() else text.startswith("none")
