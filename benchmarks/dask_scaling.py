"""Data-parallel evaluation through ``symdiff.dask.over_chunks``: time per loss-and-gradient on 1 and 2 workers.

    python -m benchmarks.dask_scaling

Two models over the same kind of chunked data (8 chunks of rows, persisted on
the workers of a ``dask.distributed.LocalCluster``, one thread per worker):

* logistic regression, 32 features: two matrix-vector products per chunk,
  memory-bound (each byte of data is read twice and used for two flops);
* a one-hidden-layer network, 32-64-1 with tanh: compute-bound (about 130
  flops and a tanh per byte of data).

For each: the median time of one evaluation in this process on the whole
dataset (no Dask), on a cluster of 1 worker and on 2 workers, the speed-up,
and the largest relative difference between the distributed and the
single-process results. The issue's targets: results equal to 1e-12; a
compute-bound evaluation at least 1.6x faster on 2 workers than on 1.
"""

from __future__ import annotations

from benchmarks import _env

_env.apply_thread_env()

import time  # noqa: E402

import numpy as np  # noqa: E402

import symdiff as sd  # noqa: E402

ROWS, FEATURES, HIDDEN, CHUNKS, REPEAT = 400_000, 32, 64, 8, 7


def logistic():
    w = sd.vector("w", FEATURES)
    X, y = sd.matrix("X", ("rows", FEATURES)), sd.vector("y", "rows")
    z = X @ w
    loss = sd.sum(sd.softplus(z) - y * z)
    return sd.function([w, X, y], [loss, sd.grad(loss, w)], wait=True), [np.linspace(-1, 1, FEATURES)]


def network():
    W = sd.matrix("W", (FEATURES, HIDDEN))
    v = sd.vector("v", HIDDEN)
    X, y = sd.matrix("X", ("rows", FEATURES)), sd.vector("y", "rows")
    pred = sd.tanh(X @ W) @ v
    loss = sd.sum((pred - y) ** 2)
    rng = np.random.default_rng(0)
    return (sd.function([W, v, X, y], [loss, sd.grad(loss, W), sd.grad(loss, v)], wait=True),
            [0.2 * rng.normal(size=(FEATURES, HIDDEN)), 0.2 * rng.normal(size=HIDDEN)])


def _median(f) -> float:
    f()
    ts = []
    for _ in range(REPEAT):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts))


def main() -> None:
    import dask.array as da
    from distributed import Client, LocalCluster

    from symdiff.dask import over_chunks

    rs = da.random.RandomState(1)   # the data are made chunk by chunk on the workers
    X = rs.normal(size=(ROWS, FEATURES), chunks=(ROWS // CHUNKS, FEATURES))
    y = (rs.random_sample(ROWS, chunks=ROWS // CHUNKS) < 0.5).astype(np.float64)
    Xn, yn = X.compute(), y.compute()   # the same data in this process, for the single-process column
    print(f"{ROWS:,} rows x {FEATURES} features in {CHUNKS} chunks; median of {REPEAT} evaluations")
    print(f"{'model':<22}{'one process':>13}{'1 worker':>11}{'2 workers':>11}{'speed-up':>10}{'max rel diff':>14}")
    for name, make in (("logistic regression", logistic), ("network 32-64-1", network)):
        fn, params = make()
        local = fn(*params, Xn, yn)
        t_local = _median(lambda: fn(*params, Xn, yn))
        times, diff = {}, 0.0
        for workers in (1, 2):
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                              silence_logs=40) as cluster, Client(cluster):
                total = over_chunks(fn, X=X, y=y)
                got = total(*params)
                diff = max([diff] + [float(np.abs(g - w).max() / max(np.abs(w).max(), 1e-300))
                                     for g, w in zip(got, local)])
                times[workers] = _median(lambda: total(*params))
        print(f"{name:<22}{1e3 * t_local:>10.1f} ms{1e3 * times[1]:>8.1f} ms{1e3 * times[2]:>8.1f} ms"
              f"{times[1] / times[2]:>9.2f}x{diff:>14.1e}")


if __name__ == "__main__":
    main()
