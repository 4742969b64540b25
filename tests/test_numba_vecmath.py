"""Vector math in the Numba backend: libmvec, the exp/log forms of log1p & co, vectorised loops."""

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
from symdiff.backends.numba import runtime as R  # noqa: E402
from symdiff.backends.numba import vecmath  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}  # the generated code's flags

HELPERS = [("log1p", R._log1p, np.log1p), ("expm1", R._expm1, np.expm1), ("tanh", R._tanh, np.tanh),
           ("sinh", R._sinh, np.sinh), ("cosh", R._cosh, np.cosh)]

SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 1e-300, -1e-300, 1e-17, -5.551888719369266e-17,
           0.5, 2.0, 2.0000000000000004, 1.9999999999999998, 19.0, 20.0, 22.0, 22.5, 30.0, 708.0, 709.0,
           709.5, 709.79, 710.0, 710.4, 710.5, 711.0, 1e300, -1e300, 1.7976931348623157e308,
           -0.999999, -1.0, -1.0000001, -2.0]


def _sample():
    rng = np.random.default_rng(20261122)
    mag = np.exp(rng.uniform(-745.0, 709.0, 100_000))
    small = np.exp(rng.uniform(-40.0, 3.0, 100_000))
    x = np.concatenate([mag, -mag, small, -small, rng.uniform(-30.0, 30.0, 100_000), SPECIAL, -np.array(SPECIAL)])
    return x


def _in_fastmath_loop(h):
    """The helper called from a loop compiled with the generated code's flags (as in a graph)."""
    @nb.njit(fastmath=FASTMATH, error_model="numpy")
    def f(x, out):
        for i in range(x.shape[0]):
            out[i] = h(x[i])

    return f


def _ulp_check(got, want, max_ulp):
    both_nan = np.isnan(got) & np.isnan(want)
    fin = np.isfinite(want)
    # inf, -inf and nan exactly where libm has them
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(got[np.isinf(want)], want[np.isinf(want)])
    assert np.all(np.isfinite(got[fin]))
    with np.errstate(over="ignore"):  # spacing(max float) is inf
        ulp = np.abs(got[fin] - want[fin]) / np.spacing(np.abs(want[fin]))
    k = int(np.argmax(ulp))
    assert ulp[k] <= max_ulp, f"{ulp[k]} ulp at {want[fin][k]!r}: got {got[fin][k]!r}"
    assert not np.any(both_nan & ~np.isnan(want))


@pytest.mark.parametrize("name,helper,ref", HELPERS, ids=[h[0] for h in HELPERS])
def test_vector_forms_are_accurate_and_keep_special_values(name, helper, ref):
    x = _sample()
    if name == "log1p":
        x = x[x >= -2.0]
    with np.errstate(all="ignore"):
        want = ref(x)
    out = np.empty_like(x)
    _in_fastmath_loop(helper)(x, out)   # the caller's fast-math must not leak into the helper
    _ulp_check(out, want, max_ulp=8)
    scalar = np.array([helper(v) for v in x[-2 * len(SPECIAL):]])
    _ulp_check(scalar, want[-2 * len(SPECIAL):], max_ulp=8)


@pytest.mark.parametrize("op", ["log1p", "expm1", "tanh", "sinh", "cosh", "softplus", "sigmoid"])
def test_compiled_ops_at_special_values(op):
    x = sd.vector("x", "n")
    fn = sd.function([x], getattr(sd, op)(x), backend="numba")
    v = np.array([s for s in SPECIAL + [-s for s in SPECIAL] if op != "log1p" or not s < -1.0])
    refs = {"softplus": lambda a: np.logaddexp(0.0, a), "sigmoid": lambda a: np.exp(-np.logaddexp(0.0, -a))}
    ref = refs[op] if op in refs else getattr(np, op)
    with np.errstate(all="ignore"):
        want = ref(v)
        got = fn(v)
    _ulp_check(got, want, max_ulp=16 if op == "sigmoid" else 8)  # sigmoid: under fast-math


def test_generated_code_uses_the_vector_forms_only_with_libmvec():
    x = sd.vector("x", "n")
    src = sd.function([x], sd.sum(sd.log1p(x) + sd.tanh(x)), backend="numba").source
    if vecmath.enabled():
        assert "_log1p(" in src and "_tanh(" in src and "np.log1p" not in src
        assert "veclib=LIBMVEC-X86" in src
    else:
        assert "np.log1p(" in src and "np.tanh(" in src
        assert "veclib=none" in src


@pytest.mark.skipif(not vecmath.enabled(), reason=f"no vector library: {vecmath.status()}")
def test_fused_loops_vectorise(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMDIFF_CACHE_DIR", str(tmp_path))  # compile afresh: cached code cannot be inspected
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    x, y = sd.vector("x", 1000), sd.vector("y", 1000)
    f = sd.sum(sd.log1p(sd.exp(sd.sin(x) * sd.cos(y))) + sd.tanh(x) + sd.expm1(y) * sd.cosh(y) - sd.sinh(x))
    for outs in ([f], [f, *sd.grad(f, [x, y])]):
        fn = sd.function([x, y], outs, backend="numba")
        jit = fn._compiled.jit
        asm = jit.inspect_asm(jit.signatures[0])
        body = asm.split(".Lfunc_end0")[0]
        vec = set(re.findall(r"_ZGV\w+", body))
        assert {"_ZGVdN4v_sin", "_ZGVdN4v_cos", "_ZGVdN4v_exp", "_ZGVdN4v_log"} <= vec or \
            {"_ZGVbN2v_sin", "_ZGVbN2v_exp"} <= vec, vec
        scalar = set(re.findall(r"\$(log1p|expm1|tanh|sinh|cosh)\b", body))
        assert not scalar, f"scalar libm calls left in the loop: {scalar}"


def test_vector_math_can_be_switched_off():
    # this process compiles (and caches) a runtime helper inside a loop first: with
    # libmvec on, its cached IR asks callers to vectorise into libmvec, which must
    # not reach the child, where libmvec is off (Numba's cache key tells them apart)
    v = np.linspace(0.0, 1.0, 7)
    out = np.empty_like(v)
    _in_fastmath_loop(R._log1p)(v, out)
    code = textwrap.dedent("""
        import numpy as np, numba as nb, symdiff as sd
        from symdiff.backends.numba import vecmath, runtime as R
        @nb.njit(fastmath=True, error_model="numpy")
        def loop(x, out):
            for i in range(x.shape[0]):
                out[i] = R._log1p(x[i])
        v = np.linspace(0.0, 1.0, 7)
        out = np.empty_like(v)
        loop(v, out)
        assert np.allclose(out, np.log1p(v), rtol=1e-15, atol=0)
        x = sd.vector("x", "n")
        fn = sd.function([x], sd.sum(sd.log1p(x)), backend="numba")
        assert vecmath.vector_library() == "", vecmath.status()
        assert "np.log1p(" in fn.source and "veclib=none" in fn.source
        v = np.linspace(0, 1, 7)
        assert abs(float(fn(v)) - float(np.sum(np.log1p(v)))) < 1e-12
        print("OK")
    """)
    env = dict(os.environ, SYMDIFF_VECTOR_MATH="0", PYTHONPATH=REPO)
    r = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0 and r.stdout.strip().endswith("OK"), r.stderr


def test_cache_key_depends_on_the_vector_library(monkeypatch):
    from symdiff.backends.numba import cache

    on = cache.graph_key("text", [])
    monkeypatch.setattr(vecmath, "_state", "" if vecmath.enabled() else vecmath.LIBMVEC)
    assert cache.graph_key("text", []) != on
