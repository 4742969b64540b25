"""Compile time at every scale, symdiff against JAX (and PyTensor when installed), fresh processes.

    python -m benchmarks.compile_scaling [--only chain,euler,first,warm] [--steps 100,400,1000,3000]
                                         [--impl symdiff,jax,pytensor] [--timeout 900] [--json out.json]

Four measurements, each in a new Python process with its own empty cache
folders (``SYMDIFF_CACHE_DIR``, JAX's persistent compilation cache,
``PYTENSOR_FLAGS=base_compiledir``); times exclude the interpreter start and
the library imports (reported separately, and added in the "import + first"
column: what a fresh process waits for):

* ``chain``: ``y = sin(y) * 0.5 + x`` unrolled over N steps for a 3-vector,
  value and gradient: seconds until native code has returned its first
  result (symdiff ``wait=True``: the time the compile takes);
* ``euler``: a Python-unrolled explicit-Euler Lotka-Volterra model, 100 steps,
  the squared error at the end and its gradient with respect to the 4
  parameters, same measure;
* ``first``: time to first result in process (build + first call) for
  Rosenbrock n = 1,000, logistic regression and the MLP value+gradient:
  symdiff as users call it (the first call may run on the reference tier
  while native code compiles), symdiff ``wait=True``, JAX ``jit`` + first call;
* ``warm``: the same in a second process with the caches the first one left.
"""

from __future__ import annotations

from benchmarks import _env

_env.apply_thread_env()

import argparse  # noqa: E402
import compileall  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ------------------------------------------------------------------ the graphs, per library

def _chain_numpy_like(lib, x, steps):
    y = x
    for _ in range(steps):
        y = lib.sin(y) * 0.5 + x
    return lib.sum(y * y)


def _euler(lib, p, steps=100, dt=0.01):
    a, b, c, d = p[0], p[1], p[2], p[3]
    x, y = 1.0 + 0.0 * a, 1.0 + 0.0 * a
    for _ in range(steps):
        x, y = x + dt * (a * x - b * x * y), y + dt * (d * x * y - c * y)
    return (x - 2.0) ** 2 + (y - 1.0) ** 2


def _data(problem):
    import numpy as np

    rng = np.random.default_rng(0)
    if problem == "rosenbrock":
        return (rng.uniform(-2.0, 2.0, 1000),)
    if problem == "logreg":
        X = rng.standard_normal((20_000, 100))
        return (0.01 * rng.standard_normal(100), X, (rng.random(20_000) < 0.5).astype(float))
    W1, W2 = 0.05 * rng.standard_normal((784, 512)), 0.05 * rng.standard_normal((512, 10))
    X, Y = rng.standard_normal((256, 784)), np.eye(10)[rng.integers(0, 10, 256)]
    return (W1, np.zeros(512), W2, np.zeros(10), X, Y)


def _losses(lib, problem):
    """The value of each first-result problem, written once for symdiff and JAX (NumPy names)."""
    if problem == "rosenbrock":
        def f(x):
            a, b = x[:-1], x[1:]
            return lib.sum(100.0 * (b - a ** 2) ** 2 + (1.0 - a) ** 2)
    elif problem == "logreg":
        softplus = getattr(lib, "softplus", None) or (lambda z: lib.logaddexp(0.0, z))

        def f(w, X, y):
            z = X @ w
            return lib.mean(softplus(z) - y * z)
    else:
        relu = getattr(lib, "relu", None) or (lambda z: lib.maximum(z, 0.0))

        def f(W1, b1, W2, b2, X, Y):
            h = relu(X @ W1 + b1)
            z = h @ W2 + b2
            m = lib.max(z, axis=1, keepdims=True)
            logp = z - m - lib.log(lib.sum(lib.exp(z - m), axis=1, keepdims=True))
            return -lib.mean(lib.sum(Y * logp, axis=1))
    return f


#: which arguments each problem differentiates by
WRT = {"rosenbrock": (0,), "logreg": (0,), "mlp": (0, 1, 2, 3)}


def build_symdiff(problem, arg, wait):
    import numpy as np

    import symdiff as sd

    if problem == "chain":
        x = sd.vector("x", 3)
        f = _chain_numpy_like(sd, x, int(arg))
        return sd.function([x], [f, sd.grad(f, x)], wait=wait), (np.array([0.3, -0.2, 1.1]),)
    if problem == "euler":
        p = sd.vector("p", 4)
        f = _euler(sd, p)
        return sd.function([p], [f, sd.grad(f, p)], wait=wait), (np.array([1.1, 0.4, 0.4, 0.1]),)
    data = _data(problem)
    names = "abcdefgh"
    syms = [sd.tensor(names[k], a.shape) for k, a in enumerate(data)]
    L = _losses(sd, problem)(*syms)
    return sd.function(syms, [L, *sd.grad(L, [syms[k] for k in WRT[problem]])], wait=wait), data


def build_jax(problem, arg):
    import numpy as np

    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    if problem == "chain":
        fn = jax.jit(jax.value_and_grad(lambda x: _chain_numpy_like(jnp, x, int(arg))))
        return fn, (jnp.asarray(np.array([0.3, -0.2, 1.1])),)
    if problem == "euler":
        fn = jax.jit(jax.value_and_grad(lambda p: _euler(jnp, p)))
        return fn, (jnp.asarray(np.array([1.1, 0.4, 0.4, 0.1])),)
    data = _data(problem)
    fn = jax.jit(jax.value_and_grad(_losses(jnp, problem), argnums=WRT[problem]))
    return fn, tuple(jnp.asarray(a) for a in data)


def build_pytensor(problem, arg):
    import numpy as np
    import pytensor
    import pytensor.tensor as pt

    if problem == "chain":
        x = pt.vector("x", shape=(3,))
        f = _chain_numpy_like(pt, x, int(arg))
        return pytensor.function([x], [f, pytensor.grad(f, x)]), (np.array([0.3, -0.2, 1.1]),)
    p = pt.vector("p", shape=(4,))
    f = _euler(pt, p)
    return pytensor.function([p], [f, pytensor.grad(f, p)]), (np.array([1.1, 0.4, 0.4, 0.1]),)


def child(impl: str, problem: str, arg: str, mode: str) -> dict:
    t0 = time.perf_counter()
    if impl.startswith("symdiff"):
        import symdiff  # noqa: F401
    elif impl == "jax":
        import jax  # noqa: F401
    else:
        import pytensor  # noqa: F401
    t_import = time.perf_counter() - t0
    t1 = time.perf_counter()
    if impl.startswith("symdiff"):
        fn, args = build_symdiff(problem, arg, wait=(impl == "symdiff-wait"))
    elif impl == "jax":
        fn, args = build_jax(problem, arg)
    else:
        fn, args = build_pytensor(problem, arg)
    out = fn(*args)
    if impl == "jax":
        import jax

        jax.block_until_ready(out)
    t_first = time.perf_counter() - t1
    rec = {"impl": impl, "problem": problem, "arg": arg, "mode": mode, "import_s": t_import,
           "first_result_s": t_first}
    tier = getattr(fn, "tier", None)
    if tier is not None:
        rec["tier_at_first_call"] = tier
    return rec


# ------------------------------------------------------------------ the runner

def run_child(impl, problem, arg, mode, cache, timeout) -> dict:
    env = dict(os.environ, SYMDIFF_CACHE_DIR=os.path.join(cache, "symdiff"),
               NUMBA_CACHE_DIR=os.path.join(cache, "numba"),
               PYTENSOR_FLAGS=f"base_compiledir={os.path.join(cache, 'pytensor')}",
               JAX_COMPILATION_CACHE_DIR=os.path.join(cache, "jax"),
               JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0", JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="0",
               PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("SYMDIFF_WAIT", None)
    cmd = [sys.executable, "-m", "benchmarks.compile_scaling", "--child", impl, problem, arg, mode]
    t = time.perf_counter()
    try:
        r = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"impl": impl, "problem": problem, "arg": arg, "mode": mode, "status": f"timeout {timeout} s"}
    wall = time.perf_counter() - t
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    if r.returncode != 0 or not lines:
        tail = (r.stderr.strip().splitlines() or ["?"])[-1]
        return {"impl": impl, "problem": problem, "arg": arg, "mode": mode, "status": f"failed: {tail[:200]}"}
    rec = json.loads(lines[-1])
    rec["process_s"] = wall
    rec["status"] = "ok"
    return rec


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="chain,euler,first,warm")
    ap.add_argument("--steps", default="100,200,400,1000,3000")
    ap.add_argument("--impl", default="symdiff,jax,pytensor")
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument("--json")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(*args.child)), flush=True)
        return 0
    impls = args.impl.split(",")
    only = args.only.split(",")
    # as an installed copy has: a checkout run with PYTHONDONTWRITEBYTECODE would otherwise have
    # every child compile symdiff's sources while its imports are timed
    compileall.compile_dir(os.path.join(REPO, "symdiff"), quiet=1)
    available = []
    for impl in impls:
        mod = {"symdiff": "symdiff", "jax": "jax", "pytensor": "pytensor"}[impl]
        if subprocess.run([sys.executable, "-c", f"import {mod}"], capture_output=True).returncode == 0:
            available.append(impl)
        else:
            print(f"({impl} is not installed: skipped)")
    results = []

    def report(rec):
        results.append(rec)
        if rec.get("status") == "ok":
            extra = f"  (first call on the {rec['tier_at_first_call']} tier)" if "tier_at_first_call" in rec else ""
            print(f"  {rec['impl']:<14} {rec['problem']:<11} {rec['arg']:>6} {rec['mode']:<5} "
                  f"first result {rec['first_result_s']:8.2f} s  import {rec['import_s']:5.2f} s  "
                  f"import + first {rec['import_s'] + rec['first_result_s']:8.2f} s{extra}", flush=True)
        else:
            print(f"  {rec['impl']:<14} {rec['problem']:<11} {rec['arg']:>6} {rec['mode']:<5} {rec['status']}",
                  flush=True)

    natives = [{"symdiff": "symdiff-wait"}.get(i, i) for i in available]
    if "chain" in only:
        print("== chain with gradient, native code (seconds to the first native result)")
        for n in args.steps.split(","):
            for impl in natives:
                with tempfile.TemporaryDirectory() as cache:
                    report(run_child(impl, "chain", n, "cold", cache, args.timeout))
    if "euler" in only:
        print("== Euler Lotka-Volterra, 100 unrolled steps, gradient by 4 parameters")
        for impl in natives:
            with tempfile.TemporaryDirectory() as cache:
                report(run_child(impl, "euler", "100", "cold", cache, args.timeout))
    if "first" in only or "warm" in only:
        print("== time to first result (build + first call, in process), cold then warm caches")
        users = (["symdiff", "symdiff-wait"] if "symdiff" in available else []) + \
            (["jax"] if "jax" in available else [])
        for problem in ("rosenbrock", "logreg", "mlp"):
            for impl in users:
                with tempfile.TemporaryDirectory() as cache:
                    report(run_child(impl, problem, "-", "cold", cache, args.timeout))
                    if "warm" in only:
                        report(run_child(impl, problem, "-", "warm", cache, args.timeout))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
