"""One compiled function called from many threads at once: every result right.

The kernel releases the GIL (``nogil=True``) and each call takes its own
temporaries from the function's free list, so concurrent calls neither wait
for each other inside the kernel nor share scratch memory.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

import symdiff as sd


@pytest.mark.numba
def test_eight_threads_calling_one_function_get_their_own_results():
    x = sd.vector("x", "n")
    A = sd.matrix("A", ("n", "n"))
    f = sd.sum(sd.sin(x) ** 2 * sd.cos(x[::-1])) + sd.dot(x, A @ x)
    outs = [f, sd.grad(f, x), sd.grad(f, A)]
    fn = sd.function([x, A], outs, backend="numba", wait=True)
    ref = sd.function([x, A], outs, backend="numpy")
    rng = np.random.default_rng(5)
    data = [(rng.normal(size=n), rng.normal(size=(n, n))) for n in (3, 50, 200, 7, 120, 64, 1, 33)]
    want = [ref(*d) for d in data]
    errors: list = []
    start = threading.Barrier(len(data))

    def work(k: int) -> None:
        start.wait()
        for _ in range(200):
            got = fn(*data[k])
            for g, w in zip(got, want[k]):
                if g.shape != w.shape or not np.allclose(g, w, rtol=1e-11, atol=1e-12):
                    errors.append((k, g, w))
                    return

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(data))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, f"{len(errors)} threads got wrong results, first: thread {errors[0][0]}"
