"""Node counts of the benchmark problems' derivative graphs, before and after sd.simplify.

    python -m benchmarks.graph_sizes

Counts, not times: they are exact and machine-independent.
"""

from __future__ import annotations

import symdiff as sd


def rosenbrock():
    x = sd.vector("x", "n")
    f = sd.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    return f, x


def logistic_regression():
    X = sd.matrix("X", ("m", "d"))
    y = sd.vector("y", "m")
    w = sd.vector("w", "d")
    z = X @ w
    f = sd.mean(-y * sd.log(sd.sigmoid(z)) - (1.0 - y) * sd.log(1.0 - sd.sigmoid(z))) + 1e-3 * sd.sum(w * w)
    return f, w


def mlp():
    X = sd.matrix("X", ("b", 784))
    Y = sd.matrix("Y", ("b", 10))
    W1, b1 = sd.matrix("W1", (784, 512)), sd.vector("b1", 512)
    W2, b2 = sd.matrix("W2", (512, 10)), sd.vector("b2", 10)
    h = sd.relu(X @ W1 + b1)
    logits = h @ W2 + b2
    f = -sd.mean(sd.sum(Y * sd.log(sd.softmax(logits, axis=1)), axis=1)) + 1e-4 * (sd.sum(W1 * W1) + sd.sum(W2 * W2))
    return f, [W1, b1, W2, b2]


def table() -> list[tuple[str, int, int]]:
    rows = []
    for name, make in (("rosenbrock", rosenbrock), ("logistic regression", logistic_regression), ("mlp", mlp)):
        f, wrt = make()
        rows.append((f"{name}: value", sd.count_nodes(f), sd.count_nodes(sd.simplify(f))))
        g = sd.grad(f, wrt)
        rows.append((f"{name}: gradient", sd.count_nodes(g), sd.count_nodes(sd.simplify(g))))
        both = [f] + (g if isinstance(g, list) else [g])
        rows.append((f"{name}: value + gradient", sd.count_nodes(both), sd.count_nodes(sd.simplify(both))))
        if not isinstance(wrt, list):
            h = sd.hessian(f, wrt)
            rows.append((f"{name}: Hessian", sd.count_nodes(h), sd.count_nodes(sd.simplify(h))))
    return rows


def main():
    print(f"{'graph':38s} {'as built':>9s} {'simplified':>11s} {'change':>8s}")
    for name, before, after in table():
        print(f"{name:38s} {before:9d} {after:11d} {100.0 * (after - before) / before:7.1f}%")


if __name__ == "__main__":
    main()
