"""Cold and warm compile time of several graphs, each in fresh processes (symdiff only).

    python -m benchmarks.compile_graphs [--reps 3] [--only rosen_vg,mlp_vg]

For each graph and repetition: a new empty ``SYMDIFF_CACHE_DIR``, one child
process that builds and compiles (cold), then a second child with the same
cache directory (warm). Each child prints the seconds spent in
``sd.function`` (graph, derivatives, simplify, plan, code generation, Numba
or the cache). The report is the minimum over repetitions (the machine is
shared; the minimum is the least disturbed run). Run it once per symdiff or
Numba version to compare them.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

GRAPHS = ("rosen_vg", "rosen_hess", "logreg_vg", "mlp_vg", "chain100_vg", "laplace_vg")


def build(which: str):
    import numpy as np

    import symdiff as sd

    if which in ("rosen_vg", "rosen_hess"):
        x = sd.vector("x", "n")
        f = sd.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
        outs = [f, sd.grad(f, x)] + ([sd.hessian(f, x)] if which == "rosen_hess" else [])
        return [x], outs, [np.linspace(-1, 1, 50)]
    if which == "logreg_vg":
        X, y, w = sd.matrix("X", ("N", "d")), sd.vector("y", "N"), sd.vector("w", "d")
        z = X @ w
        L = sd.mean(sd.softplus(z) - y * z)
        return [w, X, y], [L, sd.grad(L, w)], [np.ones(4), np.ones((10, 4)), np.ones(10)]
    if which == "mlp_vg":
        X, Y = sd.matrix("X", ("B", 784)), sd.matrix("Y", ("B", 10))
        W1, b1 = sd.matrix("W1", (784, 512)), sd.vector("b1", 512)
        W2, b2 = sd.matrix("W2", (512, 10)), sd.vector("b2", 10)
        logits = sd.tanh(X @ W1 + b1) @ W2 + b2
        L = -sd.mean(sd.sum(Y * sd.log_softmax(logits, axis=-1), axis=-1))
        ps = [W1, b1, W2, b2]
        vals = [np.zeros((784, 512)), np.zeros(512), np.zeros((512, 10)), np.zeros(10),
                np.zeros((4, 784)), np.zeros((4, 10))]
        return ps + [X, Y], [L] + sd.grad(L, ps), vals
    if which == "chain100_vg":
        x = sd.vector("x", 3)
        y = x
        for _ in range(100):
            y = sd.sin(y) * 0.5 + x
        f = sd.sum(y)
        return [x], [f, sd.grad(f, x)], [np.ones(3)]
    if which == "laplace_vg":
        U = sd.matrix("U", ("m", "n"))
        lap = U[2:, 1:-1] + U[:-2, 1:-1] + U[1:-1, 2:] + U[1:-1, :-2] - 4.0 * U[1:-1, 1:-1]
        f = sd.sum(lap ** 2)
        return [U], [f, sd.grad(f, U)], [np.ones((5, 6))]
    raise SystemExit(f"unknown graph {which!r}; choose from {', '.join(GRAPHS)}")


def child(which: str) -> None:
    import symdiff as sd

    t = time.perf_counter()
    ins, outs, vals = build(which)
    fn = sd.function(ins, outs, backend="numba")
    seconds = time.perf_counter() - t
    fn(*vals)
    print(f"{seconds:.3f}")


def run(which: str, cache: str) -> float:
    env = dict(os.environ, SYMDIFF_CACHE_DIR=cache)
    r = subprocess.run([sys.executable, "-m", "benchmarks.compile_graphs", "--child", which],
                       env=env, capture_output=True, text=True, check=True)
    return float(r.stdout.split()[-1])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", help="comma-separated graphs: " + ", ".join(GRAPHS))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child)
        return
    import numba
    import symdiff

    print(f"symdiff {symdiff.__version__} from {os.path.dirname(symdiff.__file__)}, numba {numba.__version__}")
    print(f"{'graph':<14} {'cold s':>8} {'warm s':>8}   (min of {args.reps})")
    for which in (args.only.split(",") if args.only else GRAPHS):
        cold, warm = [], []
        for _ in range(args.reps):
            with tempfile.TemporaryDirectory() as cache:
                cold.append(run(which, cache))
                warm.append(run(which, cache))
        print(f"{which:<14} {min(cold):8.2f} {min(warm):8.2f}", flush=True)


if __name__ == "__main__":
    main()
