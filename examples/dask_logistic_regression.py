"""Logistic regression on a chunked dataset, fitted with L-BFGS through Dask.

The data are a dask array split into 8 chunks of rows, made on the workers and
kept there: the client never holds them. symdiff compiles the loss of one
chunk (a sum over its rows) and its gradient; ``symdiff.dask.over_chunks``
evaluates that function next to every chunk on a ``dask.distributed`` cluster
and adds the results up, which is what scipy's L-BFGS needs at each step.

The same fit runs on a cluster of 1 worker, then of 2 workers, and the
script reports the time per loss-and-gradient evaluation on each and the
speed-up. Both fits must agree with each other and with a fit of the whole
dataset in this process (computed here only because the demo data are small
enough to gather).

Needs the optional extra:  pip install "symdiff[dask]"
Run:  python examples/dask_logistic_regression.py  [rows]   (default 800,000)
"""

import sys
import time

import dask.array as da
import numpy as np
from distributed import Client, LocalCluster
from scipy.optimize import minimize

import symdiff as sd
from symdiff.dask import over_chunks

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 800_000
FEATURES, CHUNKS, LAM = 32, 8, 1e-2


def model():
    """Loss of one chunk of rows (a sum, so chunks add up) and its gradient, compiled once."""
    w = sd.vector("w", FEATURES)
    X = sd.matrix("X", ("rows", FEATURES))
    y = sd.vector("y", "rows")          # labels in {0, 1}
    z = X @ w
    loss = sd.sum(sd.softplus(z) - y * z)   # binary cross-entropy, written stably
    return sd.function([w, X, y], [loss, sd.grad(loss, w)], wait=True)


def dataset():
    """Features and labels, generated chunk by chunk wherever Dask runs them."""
    rs = da.random.RandomState(0)
    X = rs.normal(size=(ROWS, FEATURES), chunks=(ROWS // CHUNKS, FEATURES))
    w_true = np.linspace(-1.0, 1.0, FEATURES)
    noise = rs.logistic(size=ROWS, chunks=ROWS // CHUNKS)
    y = (X @ w_true + noise > 0).astype(np.float64)
    return X, y, w_true


def fit(total):
    """L-BFGS on the mean loss plus an L2 penalty; the chunked function gives the data term."""
    calls = []

    def objective(w):
        t = time.perf_counter()
        value, grad = total(w)
        calls.append(time.perf_counter() - t)
        return value / ROWS + 0.5 * LAM * w @ w, grad / ROWS + LAM * w

    result = minimize(objective, np.zeros(FEATURES), jac=True, method="L-BFGS-B", options={"gtol": 1e-9})
    return result, float(np.median(calls))


def main():
    fn = model()
    X, y, w_true = dataset()
    fits = {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            total = over_chunks(fn, X=X, y=y)    # the chunks are computed once and kept on the workers
            total(np.zeros(FEATURES))            # warm up: every worker loads the compiled function
            result, per_call = fit(total)
            fits[workers] = (result, per_call)
            print(f"{workers} worker{'s' if workers > 1 else ' '}: {result.nit} L-BFGS iterations, "
                  f"{result.nfev} evaluations, {1e3 * per_call:.1f} ms per loss-and-gradient "
                  f"over {total.nchunks} chunks of {total.rows[0]:,} rows")
            if workers == 2:
                Xn, yn = client.compute([X, y], sync=True)   # only to check the demo
    (r1, t1), (r2, t2) = fits[1], fits[2]
    print(f"speed-up with 2 workers: {t1 / t2:.2f}x per evaluation")

    # the whole dataset in one process, as a check
    value, grad = fn(r2.x, Xn, yn)
    local = minimize(lambda w: (fn(w, Xn, yn)[0] / ROWS + 0.5 * LAM * w @ w,
                                fn(w, Xn, yn)[1] / ROWS + LAM * w),
                     np.zeros(FEATURES), jac=True, method="L-BFGS-B", options={"gtol": 1e-9})
    gap = max(np.abs(r1.x - local.x).max(), np.abs(r2.x - local.x).max())
    print(f"largest difference from the single-process fit: {gap:.1e}; "
          f"correlation with the true weights: {np.corrcoef(r2.x, w_true)[0, 1]:.4f}")
    assert r1.success and r2.success and local.success and gap < 1e-6
    print("the distributed fits match the single-process fit")


if __name__ == "__main__":
    main()
