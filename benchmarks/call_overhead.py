"""Per-call overhead of a compiled function's call path (argument checks, outputs), in microseconds.

    python -m benchmarks.call_overhead [path to a symdiff checkout]

A 3-input function (a float vector of 8, a float and an int scalar) is called 20,000 times,
best of 7. Run it on two checkouts, alternately, to compare call paths.
"""

from __future__ import annotations

import sys
import timeit

import numpy as np


def main() -> None:
    if len(sys.argv) > 1:
        sys.path.insert(0, sys.argv[1])
    import symdiff as sd

    x, s, k = sd.vector("x", "n"), sd.scalar("s"), sd.scalar("k", dtype="int64")
    fn = sd.function([x, s, k], sd.sum(x * s) + sd.cast(k, "float64"), wait=True)
    a = np.ones(8)
    fn(a, 2.0, 3)
    t = min(timeit.repeat(lambda: fn(a, 2.0, 3), number=20000, repeat=7)) / 20000
    print(f"{sd.__file__}: {t * 1e6:.2f} us per call")


if __name__ == "__main__":
    main()
