"""Reused temporaries of the Numba backend: fresh outputs, re-initialised accumulators, threads, sizes."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import symdiff as sd

pytestmark = pytest.mark.numba


def _mlp_like():
    W = sd.matrix("W", ("i", "h"))
    X = sd.matrix("X", ("b", "i"))
    h = sd.relu(X @ W)
    L = sd.sum(sd.logsumexp(h, axis=1)) + sd.sum(sd.max(h, axis=0))
    fn = sd.function([W, X], [L, sd.grad(L, W)], backend="numba")

    def ref(Wv, Xv):
        return sd.function([W, X], [L, sd.grad(L, W)], backend="numpy")(Wv, Xv)

    return fn, ref


def _data(rng, b, i, h):
    return rng.standard_normal((i, h)), rng.standard_normal((b, i))


def test_temporaries_are_reused_and_outputs_are_fresh(rng):
    fn, ref = _mlp_like()
    assert "_pool_pop()" in fn.source
    Wv, Xv = _data(rng, 7, 5, 6)
    first = fn(Wv, Xv)
    second = fn(Wv, Xv)
    assert first[1] is not second[1] and not np.shares_memory(first[1], second[1])
    for got in (first, second, fn(Wv, Xv)):  # accumulators start from their initial value every call
        for a, b in zip(got, ref(Wv, Xv)):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_symbolic_sizes_change_between_calls(rng):
    fn, ref = _mlp_like()
    for b, i, h in [(7, 5, 6), (3, 5, 6), (9, 4, 2), (7, 5, 6)]:
        Wv, Xv = _data(rng, b, i, h)
        for a, r in zip(fn(Wv, Xv), ref(Wv, Xv)):
            np.testing.assert_allclose(a, r, rtol=1e-12, atol=1e-12)


def test_concurrent_calls_use_their_own_temporaries(rng):
    fn, ref = _mlp_like()
    cases = [_data(np.random.default_rng(k), 64, 40, 30) for k in range(4)]
    want = [ref(*c) for c in cases]
    errors = []

    def work(k):
        try:
            for _ in range(30):
                got = fn(*cases[k])
                for a, r in zip(got, want[k]):
                    np.testing.assert_allclose(a, r, rtol=1e-12, atol=1e-12)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]
