"""Linear algebra: a Gaussian-process likelihood with its gradient (and Hessian), symdiff against JAX.

    python -m benchmarks.linalg [--sizes 50,200,800] [--repeat 200]

The negative log marginal likelihood of GP regression (squared-exponential
kernel, three log-hyperparameters): Cholesky, two triangular solves, a
log-determinant. Measured per library, one thread each:

* ``first``: seconds from building the graph to the first result of value +
  gradient, in a fresh process with empty caches (symdiff ``wait=True``:
  native code; JAX ``jit``);
* ``call``: the median time of one call of value + gradient at each size (and of
  value + gradient + 3x3 Hessian), after warm-up.
"""

from __future__ import annotations

from benchmarks import _env

_env.apply_thread_env()

import argparse  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def symdiff_gp(hessian: bool):
    import symdiff as sd

    x, y, t = sd.vector("x", "n"), sd.vector("y", "n"), sd.vector("t", 3)
    ell, sf, sn = sd.exp(t[0]), sd.exp(t[1]), sd.exp(t[2])
    K = sf ** 2 * sd.exp(-0.5 * (x[:, None] - x[None, :]) ** 2 / ell ** 2) + sn ** 2 * sd.eye("n")
    L = sd.linalg.cholesky(K)
    nll = 0.5 * sd.dot(y, sd.linalg.cho_solve((L, True), y)) + 0.5 * sd.linalg.logdet(K)
    outs = [nll, sd.grad(nll, t)] + ([sd.hessian(nll, t)] if hessian else [])
    return sd.function([t, x, y], outs, wait=True)


def jax_gp(hessian: bool):
    import jax
    import jax.numpy as jnp
    import jax.scipy.linalg as jsl

    jax.config.update("jax_enable_x64", True)

    def nll(t, x, y):
        ell, sf, sn = jnp.exp(t[0]), jnp.exp(t[1]), jnp.exp(t[2])
        K = sf ** 2 * jnp.exp(-0.5 * (x[:, None] - x[None, :]) ** 2 / ell ** 2) + sn ** 2 * jnp.eye(x.shape[0])
        L = jnp.linalg.cholesky(K)
        return 0.5 * y @ jsl.cho_solve((L, True), y) + jnp.sum(jnp.log(jnp.diag(L)))

    vg = jax.value_and_grad(nll)
    if hessian:
        h = jax.hessian(nll)
        return jax.jit(lambda t, x, y: (*vg(t, x, y), h(t, x, y)))
    return jax.jit(vg)


def _data(n):
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(0, 6, n))
    return np.log([1.0, 1.0, 0.3]), x, np.sin(1.5 * x) + 0.1 * rng.normal(size=n)


def _first(impl: str) -> float:
    """Build + first result in this process (called in a fresh process by ``first``)."""
    t0 = time.perf_counter()
    fn = symdiff_gp(False) if impl == "symdiff" else jax_gp(False)
    out = fn(*_data(100))
    np.asarray(out[0])
    return time.perf_counter() - t0


def first(impl: str) -> float:
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, SYMDIFF_CACHE_DIR=cache, JAX_ENABLE_COMPILATION_CACHE="false")
        code = f"import symdiff, jax; from benchmarks.linalg import _first; print(_first({impl!r}))"
        r = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True)
        if r.returncode:
            raise RuntimeError(r.stderr[-2000:])
        return float(r.stdout.strip().splitlines()[-1])


def call_time(fn, args, repeat: int) -> float:
    for _ in range(3):
        out = fn(*args)
    np.asarray(out[0])
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args)
        np.asarray(out[-1])
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="50,200,800")
    ap.add_argument("--repeat", type=int, default=200)
    a = ap.parse_args()
    print("\n".join(_env.describe_env()))
    print("\nfirst result (value + gradient, n = 100, fresh process, empty caches):")
    for impl in ("symdiff", "jax"):
        print(f"  {impl:8s} {first(impl):7.2f} s")
    for hess in (False, True):
        what = "value + gradient + Hessian" if hess else "value + gradient"
        print(f"\nper call, {what} (median, ms):")
        fns = {"symdiff": symdiff_gp(hess), "jax": jax_gp(hess)}
        print("  n      " + "".join(f"{k:>10s}" for k in fns) + "   symdiff / jax")
        for n in map(int, a.sizes.split(",")):
            args = _data(n)
            ts = {k: call_time(f, args, a.repeat if n <= 200 else max(10, a.repeat // 10)) for k, f in fns.items()}
            ref = fns["jax"](*args)
            got = fns["symdiff"](*args)
            assert np.allclose(np.asarray(got[1]), np.asarray(ref[1]), rtol=1e-8), "gradients disagree"
            print(f"  {n:<6d} " + "".join(f"{ts[k] * 1e3:10.3f}" for k in fns) + f"   {ts['symdiff'] / ts['jax']:.2f}")


if __name__ == "__main__":
    main()
