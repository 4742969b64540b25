"""Functions that travel: time until an unpickled compiled function runs native code in a fresh process.

    python -m benchmarks.travel

Three fresh processes share one cache folder. The first builds the MLP loss
and gradient (784-512-10), compiles it and pickles the function. The second
unpickles it and waits for native code. The third builds the same graph
again and calls ``sd.function`` on it, the warm-cache route. Both report the
seconds from just after ``import symdiff`` and NumPy to the first native
result, and the seconds until the first result on any tier. The issue's
target: the unpickled function is call-ready as fast as the warm-cache
``sd.function``.
"""

from __future__ import annotations

from benchmarks import _env

_env.apply_thread_env()

import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = r"""
import json, pickle, sys, time
import numpy as np
import symdiff as sd
mode, path = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(0)
args = (0.05 * rng.standard_normal((784, 512)), np.zeros(512), 0.05 * rng.standard_normal((512, 10)), np.zeros(10),
        rng.standard_normal((256, 784)), np.eye(10)[rng.integers(0, 10, 256)])
t0 = time.perf_counter()
if mode == "unpickle":
    with open(path, "rb") as f:
        fn = pickle.load(f)
else:
    W1, b1, W2, b2 = sd.matrix("W1", (784, 512)), sd.vector("b1", 512), sd.matrix("W2", (512, 10)), sd.vector("b2", 10)
    X, Y = sd.matrix("X", ("n", 784)), sd.matrix("Y", ("n", 10))
    z = sd.tanh(X @ W1 + b1) @ W2 + b2
    loss = -sd.mean(sd.sum(Y * sd.log_softmax(z, axis=-1), axis=-1))
    fn = sd.function([W1, b1, W2, b2, X, Y], [loss, *sd.grad(loss, [W1, b1, W2, b2])],
                     wait=(mode == "compile"))
fn(*args)
first_any = time.perf_counter() - t0
fn.wait()
fn(*args)
native = time.perf_counter() - t0
if mode == "compile":
    with open(path, "wb") as f:
        pickle.dump(fn, f)
print(json.dumps({"first_result_s": first_any, "native_s": native, "tier": fn.tier}))
"""


def main():
    cache = tempfile.mkdtemp(prefix="sd-travel-")
    blob = os.path.join(cache, "fn.pkl")
    env = dict(os.environ, SYMDIFF_CACHE_DIR=cache, PYTHONPATH=REPO, SYMDIFF_WAIT="0")
    print("\n".join(_env.describe_env()))
    for mode in ("compile", "unpickle", "rebuild", "unpickle", "rebuild"):
        out = subprocess.run([sys.executable, "-c", CHILD, mode, blob], capture_output=True, text=True,
                             env=env, cwd=REPO, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{mode:9s} first result {r['first_result_s']:.3f} s, native result {r['native_s']:.3f} s ({r['tier']})",
              flush=True)


if __name__ == "__main__":
    main()
