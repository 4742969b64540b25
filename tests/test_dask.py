"""``symdiff.dask.over_chunks`` on a ``dask.distributed.LocalCluster`` with two worker processes.

The oracle is the same compiled function evaluated once on the whole (concatenated) dataset in
this process; the targets are the issue's: the reduced loss and gradient over 8 chunks equal it
to 1e-12, a killed worker never produces a wrong result.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest

import symdiff as sd

da = pytest.importorskip("dask.array", reason="dask is an optional extra: pip install 'symdiff[dask]'")
distributed = pytest.importorskip("distributed", reason="dask.distributed is an optional extra: "
                                                       "pip install 'symdiff[dask]'")
from symdiff.dask import over_chunks  # noqa: E402

D = 6


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=40)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def _logistic(backend="numba"):
    X, y, w = sd.matrix("X", ("b", D)), sd.vector("y", "b"), sd.vector("w", D)
    margin = y * (X @ w)
    loss = sd.sum(sd.log1p(sd.exp(-margin)))
    fn = sd.function([w, X, y], [loss, sd.grad(loss, w)], backend=backend, wait=True)
    mean_fn = sd.function([X, w, y], [sd.mean(sd.log1p(sd.exp(-margin))), sd.sum(w * w)], backend=backend,
                          wait=True)
    return fn, mean_fn


def _data(rows=4000, chunk=500, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, D))
    w_true = rng.normal(size=D)
    y = np.where(X @ w_true + 0.5 * rng.normal(size=rows) > 0, 1.0, -1.0)
    return X, y, da.from_array(X, chunks=(chunk, 3)), da.from_array(y, chunks=chunk)


def _close(got, want, tol=1e-12):
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol * max(1.0, float(np.abs(w).max())))


@pytest.mark.numba
def test_sum_over_eight_chunks_equals_one_process(client):
    fn, _ = _logistic()
    X, y, Xd, yd = _data()
    total = over_chunks(fn, X=Xd, y=yd)
    assert total.nchunks == 8 and total.client is client
    w = np.linspace(-1.0, 1.0, D)
    _close(total(w), fn(w, X, y))
    _close(total(w=w), fn(w, X, y))
    # again with other parameters: the chunks stay on the workers, the function is not sent again
    _close(total(2 * w), fn(2 * w, X, y))


@pytest.mark.numba
def test_mean_weights_chunks_by_their_rows(client):
    _, mean_fn = _logistic()
    X, y, Xd, yd = _data(rows=3700, chunk=1000)   # uneven chunks: 1000, 1000, 1000, 700
    total = over_chunks(mean_fn, reduce="mean", X=Xd, y=yd)
    assert total.rows == (1000, 1000, 1000, 700)
    w = np.full(D, 0.3)
    loss, ww = total(w)
    want_loss, want_ww = mean_fn(X, w, y)
    np.testing.assert_allclose(loss, want_loss, rtol=1e-12)
    np.testing.assert_allclose(ww, want_ww, rtol=1e-12)   # a parameter-only output: its own mean


def test_local_scheduler_without_a_client():
    """No distributed client in this process: Dask's threads run the chunks."""
    fn, _ = _logistic(backend="numpy")
    X, y, Xd, yd = _data(rows=900, chunk=200)
    total = over_chunks(fn, client=False, persist=False, X=Xd, y=yd)
    assert total.client is None
    w = np.linspace(0.5, -0.5, D)
    _close(total(w), fn(w, X, y))


@pytest.mark.numba
def test_lbfgs_fits_through_the_cluster(client):
    scipy_optimize = pytest.importorskip("scipy.optimize")
    fn, _ = _logistic()
    X, y, Xd, yd = _data(rows=6000, chunk=750, seed=3)
    total = over_chunks(fn, X=Xd, y=yd, persist=False)   # chunks recomputed at each call

    def fun(w):
        v, g = total(w)
        return float(v), g

    got = scipy_optimize.minimize(fun, np.zeros(D), jac=True, method="L-BFGS-B")
    want = scipy_optimize.minimize(lambda w: (float(fn(w, X, y)[0]), fn(w, X, y)[1]), np.zeros(D),
                                   jac=True, method="L-BFGS-B")
    assert got.success and want.success
    np.testing.assert_allclose(got.x, want.x, rtol=1e-6, atol=1e-8)
    assert got.nit == want.nit


@pytest.mark.numba
def test_a_killed_worker_never_gives_a_wrong_result(client):
    fn, _ = _logistic()
    X, y, Xd, yd = _data(rows=8000, chunk=500)
    total = over_chunks(fn, X=Xd, y=yd)
    w = np.linspace(-0.2, 0.4, D)
    want = fn(w, X, y)
    _close(total(w), want)
    pids = client.run(os.getpid)
    victim = sorted(pids.values())[0]
    results, errors = [], []

    def run():
        try:
            for k in range(5):
                results.append(total(w * (1 + k)))
        except Exception as e:   # Dask's own error is acceptable; a wrong number is not
            errors.append(e)

    t = threading.Thread(target=run)
    t.start()
    time.sleep(0.05)
    os.kill(victim, signal.SIGKILL)
    t.join(120)
    assert not t.is_alive()
    print(f"killed worker {victim}: {len(results)} results, errors: {errors!r}")
    for k, r in enumerate(results):
        _close(r, fn(w * (1 + k), X, y))
    if errors:
        assert "symdiff" not in type(errors[0]).__module__, errors[0]
    client.wait_for_workers(2, timeout=60)
    _close(total(w), want)   # usable afterwards


def test_bad_input_is_named():
    fn, _ = _logistic(backend="numpy")
    X, y, Xd, yd = _data(rows=100, chunk=50)
    with pytest.raises(TypeError, match="no input named 'Z'"):
        over_chunks(fn, Z=Xd)
    with pytest.raises(TypeError, match="dask array"):
        over_chunks(fn, X=X, y=yd)
    with pytest.raises(ValueError, match="rows"):
        over_chunks(fn, X=Xd, y=yd[:60])
    with pytest.raises(ValueError, match="reduce"):
        over_chunks(fn, reduce="max", X=Xd, y=yd)
    with pytest.raises(TypeError, match="by keyword"):
        over_chunks(fn)
    total = over_chunks(fn, client=False, X=Xd, y=yd)
    with pytest.raises(TypeError, match="takes 1 argument"):
        total()
    with pytest.raises(ValueError, match="input 'w'"):
        total(np.zeros(D + 1))
