"""Threads: does one compiled function, called from several threads at once, run in parallel?

    python -m benchmarks.threads [--n 2000000] [--calls 16]

The compiled kernel releases the GIL (``nogil=True``), so calls on large arrays
from several threads should overlap. Measured: the wall time of ``--calls``
calls of value + gradient of a smooth cost over ``n`` elements, made one after
the other, then spread over 2, 4 and 8 threads (a ``ThreadPoolExecutor``),
with NumPy's own evaluation of the same value (the reference backend) beside
it. Speedup = sequential time / threaded time; on a machine with ``c`` free
cores the ceiling is ``min(c, threads)``.
"""

from __future__ import annotations

from benchmarks import _env

_env.apply_thread_env()

import argparse  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

import numpy as np  # noqa: E402


def _wall(fn, args, calls: int, threads: int) -> float:
    t = time.perf_counter()
    if threads == 1:
        for _ in range(calls):
            fn(*args)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda _: fn(*args), range(calls)))
    return time.perf_counter() - t


def main() -> None:
    import symdiff as sd

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=2_000_000)
    p.add_argument("--calls", type=int, default=16)
    a = p.parse_args()
    x = sd.vector("x", "n")
    f = sd.sum(sd.log1p(sd.exp(sd.sin(x) * x)) + sd.tanh(x) ** 2)
    native = sd.function([x], [f, sd.grad(f, x)], wait=True)
    reference = sd.function([x], [f, sd.grad(f, x)], backend="numpy")
    xv = np.random.default_rng(0).normal(size=a.n)
    want = reference(xv)
    for fn in (native, reference):
        got = fn(xv)
        assert abs(float(got[0]) - float(want[0])) <= 1e-9 * abs(float(want[0]))
        fn(xv)   # warm
    print(f"cores available: {len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()}; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"{a.calls} calls of value + gradient, n = {a.n:,}")
    print("| backend | threads | wall (s) | speedup |")
    print("| --- | --- | --- | --- |")
    for name, fn in (("numba", native), ("numpy (reference)", reference)):
        base = min(_wall(fn, (xv,), a.calls, 1) for _ in range(2))
        print(f"| {name} | 1 | {base:.3f} | 1.00 |")
        for threads in (2, 4, 8):
            w = min(_wall(fn, (xv,), a.calls, threads) for _ in range(2))
            print(f"| {name} | {threads} | {w:.3f} | {base / w:.2f} |")


if __name__ == "__main__":
    main()
