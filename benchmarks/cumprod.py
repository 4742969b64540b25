"""cumprod two ways: the primitive (derivatives through ``linear_recurrence``) against a ``sd.scan``.

    python -m benchmarks.cumprod [--n 100000] [--json out.json]

For each way and each quantity (the value, the gradient of ``sum(w * cumprod(x))``, a
Hessian-vector product), in a new process with an empty ``SYMDIFF_CACHE_DIR``: seconds from
building the graph to the first native result (``wait=True``), the best time per call of the
Numba backend and of the reference interpreter (the tier that serves calls while Numba
compiles in the background), and the number of graph nodes. Imports are not timed.
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

_CHILD = r"""
import json, sys, time
import numpy as np
import symdiff as sd

way, what, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
x, w, v = sd.vector("x", "n"), sd.vector("w", "n"), sd.vector("v", "n")
if way == "primitive":
    y = sd.cumprod(x)
else:
    _, y = sd.scan(lambda c, e: (c * e, c * e), sd.constant(1.0), x)
loss = sd.sum(w * y)
out = {"value": y, "grad": sd.grad(loss, x), "hvp": sd.hvp(loss, x, v)}[what]
rng = np.random.default_rng(0)
args = [rng.uniform(0.9, 1.1, n), rng.normal(size=n), rng.normal(size=n)]
args[0][n // 3] = 0.0
t0 = time.perf_counter()
fn = sd.function([x, w, v], out, backend="numba", wait=True)
fn(*args)
first = time.perf_counter() - t0

def best(f, budget=1.0):
    times, start = [], time.perf_counter()
    while len(times) < 3 or (time.perf_counter() - start < budget and len(times) < 50):
        t = time.perf_counter(); f(*args); times.append(time.perf_counter() - t)
    return min(times)

ref = sd.function([x, w, v], out, backend="numpy")
ok = bool(np.allclose(fn(*args), ref(*args), rtol=1e-9, atol=1e-12))
print(json.dumps({"first_native_s": first, "numba_call_s": best(fn), "numpy_call_s": best(ref, 0.2),
                  "nodes": sd.count_nodes(out), "agree": ok}))
"""


def measure(way: str, what: str, n: int) -> dict:
    env = dict(os.environ, SYMDIFF_CACHE_DIR=tempfile.mkdtemp(prefix="sd-cumprod-"), PYTHONPATH=REPO)
    res = subprocess.run([sys.executable, "-c", _CHILD, way, what, str(n)], env=env, capture_output=True,
                         text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    rows = []
    print(f"n = {a.n}")
    print(f"{'way':10} {'what':6} {'first native':>13} {'numba call':>11} {'reference call':>15} {'nodes':>6}  agree")
    for what in ("value", "grad", "hvp"):
        for way in ("primitive", "scan"):
            r = measure(way, what, a.n)
            rows.append({"way": way, "what": what, **r})
            print(f"{way:10} {what:6} {r['first_native_s']:12.2f}s {r['numba_call_s'] * 1e3:9.3f}ms "
                  f"{r['numpy_call_s'] * 1e3:13.1f}ms {r['nodes']:6d}  {r['agree']}", flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"n": a.n, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
