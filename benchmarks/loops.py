"""Loops as graph nodes: compile time, run time and checkpoint memory, symdiff against JAX's lax.scan.

    python -m benchmarks.loops [--impl symdiff,jax,pytensor] [--steps 1000] [--json out.json]

Every measurement runs in a new Python process with empty caches (a fresh
``SYMDIFF_CACHE_DIR`` and PyTensor compiledir; JAX keeps no persistent cache
by default); imports are not timed. PyTensor (its ``scan``, default mode) is
optional: run it where it is installed.

* ``lv_grad``: explicit-Euler Lotka-Volterra over T steps (a scan), the squared
  error of the whole trajectory against data and its gradient with respect
  to the 4 parameters: seconds from building the graph to the first native
  result (symdiff ``wait=True``; JAX ``jit`` + first call), then the best
  time per call over repeated calls;
* ``lv_hessian``: the same with the 4x4 Hessian added;
* ``memory``: peak memory allocated (``tracemalloc``: NumPy's allocations,
  which include every buffer symdiff's call path allocates) by the first
  native gradient call, without and with ``checkpoint=True`` (segments of
  about sqrt(T) steps), for T = 1,000 ... 100,000, the loss summed in the
  carry so that only what reverse mode stores grows with T. symdiff only:
  XLA's allocations are invisible to ``tracemalloc``.
"""

from __future__ import annotations

from benchmarks import _env

_env.apply_thread_env()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DT = 0.01


def lv_step(p, c, dt=DT):
    """One explicit-Euler step of Lotka-Volterra (any library with NumPy-like arithmetic)."""
    x, y = c
    return (x + dt * (p[0] * x - p[1] * x * y), y + dt * (p[3] * x * y - p[2] * y))


def data(steps):
    import numpy as np

    t = np.arange(1, steps + 1) * DT
    return np.stack([1.0 + 0.5 * np.sin(t), 1.0 + 0.5 * np.cos(t)], axis=1)


P0 = [1.1, 0.4, 0.4, 0.1]


def _symdiff(steps, what, checkpoint=None):
    import numpy as np

    import symdiff as sd

    p = sd.vector("p", 4)
    if what == "memory":   # the loss summed in the carry: nothing is stacked but what reverse mode stores
        obs = sd.matrix("obs", (steps, 2))

        def body(c, o):
            x, y, total = c
            x2, y2 = lv_step(p, (x, y))
            return (x2, y2, total + (x2 - o[0]) ** 2 + (y2 - o[1]) ** 2), None

        one = sd.constant(1.0)
        (_, _, loss), _ = sd.scan(body, (one, one, 0.0 * one), obs, checkpoint=checkpoint)
        return sd.function([p, obs], [loss, sd.grad(loss, p)], wait=True), (np.array(P0), data(steps))
    obs = sd.matrix("obs", ("T", 2))

    def body(c, o):
        c2 = lv_step(p, c)
        return c2, (c2[0] - o[0]) ** 2 + (c2[1] - o[1]) ** 2

    _, err = sd.scan(body, (sd.constant(1.0), sd.constant(1.0)), obs, checkpoint=checkpoint)
    loss = sd.sum(err)
    outs = [loss, sd.grad(loss, p)] + ([sd.hessian(loss, p)] if what == "lv_hessian" else [])
    return sd.function([p, obs], outs, wait=True), (np.array(P0), data(steps))


def _jax(steps, what, checkpoint=None):
    import jax
    import jax.numpy as jnp
    import numpy as np

    jax.config.update("jax_enable_x64", True)

    def loss(p, obs):
        def body(c, o):
            c2 = lv_step(p, c)
            return c2, (c2[0] - o[0]) ** 2 + (c2[1] - o[1]) ** 2
        step = jax.checkpoint(body) if checkpoint else body
        _, err = jax.lax.scan(step, (jnp.float64(1.0), jnp.float64(1.0)), obs)
        return jnp.sum(err)

    vg = jax.value_and_grad(loss)
    if what == "lv_hessian":
        h = jax.hessian(loss)
        f = jax.jit(lambda p, o: (*vg(p, o), h(p, o)))
    else:
        f = jax.jit(vg)
    return (lambda *a: jax.block_until_ready(f(*a))), (np.array(P0), data(steps))


def _pytensor(steps, what, checkpoint=None):
    import numpy as np
    import pytensor
    import pytensor.tensor as pt

    p, obs = pt.dvector("p"), pt.dmatrix("obs")

    def step(o, x, y, p):   # PyTensor's scan: sequences, then carries, then non-sequences
        x2, y2 = lv_step(p, (x, y))
        return x2, y2, (x2 - o[0]) ** 2 + (y2 - o[1]) ** 2

    one = pt.constant(np.float64(1.0))
    (_, _, err), _ = pytensor.scan(step, sequences=[obs], outputs_info=[one, one, None], non_sequences=[p])
    loss = err.sum()
    outs = [loss, pytensor.grad(loss, p)]
    if what == "lv_hessian":
        outs.append(pytensor.gradient.hessian(loss, p))
    f = pytensor.function([p, obs], outs)
    return f, (np.array(P0), data(steps))


def child(impl, what, steps, checkpoint):
    """One measurement in this (fresh) process; prints one JSON line. Imports are not timed."""
    import time
    import tracemalloc

    if impl == "symdiff":
        import numba  # noqa: F401  (symdiff imports Numba when it first compiles)

        import symdiff  # noqa: F401
    elif impl == "jax":
        import jax  # noqa: F401
    else:
        import pytensor  # noqa: F401
    t0 = time.perf_counter()
    fn, args = {"symdiff": _symdiff, "jax": _jax, "pytensor": _pytensor}[impl](steps, what, checkpoint)
    if what == "memory":   # the compiled function is ready (wait=True): trace its first call
        tracemalloc.start()
        fn(*args)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(json.dumps({"peak_bytes": peak}))
        return
    first = fn(*args)
    compile_s = time.perf_counter() - t0
    best = float("inf")
    for _ in range(7):
        t = time.perf_counter()
        n = 0
        while True:
            fn(*args)
            n += 1
            if time.perf_counter() - t > 0.2:
                break
        best = min(best, (time.perf_counter() - t) / n)
    print(json.dumps({"compile_s": compile_s, "call_s": best, "loss": float(first[0])}))


def run_child(impl, what, steps, checkpoint=None, timeout=600):
    env = dict(os.environ, SYMDIFF_CACHE_DIR=tempfile.mkdtemp(prefix="sd-loops-"), PYTHONPATH=REPO,
               PYTENSOR_FLAGS=f"base_compiledir={tempfile.mkdtemp(prefix='pt-loops-')}")
    cmd = [sys.executable, "-m", "benchmarks.loops", "--child", impl, what, str(steps), str(checkpoint)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout} s"}
    if out.returncode:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", nargs=4)
    ap.add_argument("--impl", default="symdiff,jax")
    ap.add_argument("--steps", default="1000")
    ap.add_argument("--memory", default="1000,10000,100000")
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    if a.child:
        impl, what, steps, cp = a.child
        _env.pin_cpu()
        child(impl, what, int(steps), None if cp == "None" else True)
        return
    impls = a.impl.split(",")
    results = {"machine": _env.machine_info(), "rows": []}
    print("\n".join(_env.describe_env()))
    for what in ("lv_grad", "lv_hessian"):
        for steps in map(int, a.steps.split(",")):
            for impl in impls:
                r = run_child(impl, what, steps)
                results["rows"].append({"what": what, "steps": steps, "impl": impl, **r})
                print(f"{what:11s} T={steps:<7d} {impl:8s} " + (
                    r.get("error") or f"first result {r['compile_s']:.2f} s, call {r['call_s'] * 1e6:.1f} us"),
                    flush=True)
    for steps in map(int, a.memory.split(",")) if a.memory else ():
        for impl in ["symdiff"]:   # XLA's allocations are not visible to tracemalloc
            for cp in (None, True):
                r = run_child(impl, "memory", steps, cp)
                results["rows"].append({"what": "memory", "steps": steps, "impl": impl, "checkpoint": cp, **r})
                print(f"memory      T={steps:<7d} {impl:8s} checkpoint={str(cp):5s} " + (
                    r.get("error") or f"peak {r['peak_bytes'] / 1e3:.1f} kB"), flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
