"""Draw the pictures of docs/sparse.md: patterns found by symdiff and their colourings.

    python docs/make_sparse_figures.py      # needs matplotlib (pip install matplotlib)

Each nonzero of a pattern is drawn in the colour of its column (Jacobians) or
of the column that recovers it (Hessians); the compressed matrix beside it
shows where the entries land: one column per colour.
"""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import symdiff as sd  # noqa: E402
from symdiff.sparsity import colouring  # noqa: E402

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "images")
PALETTE = plt.get_cmap("tab10").colors


def _draw(ax, pattern, colour_of_entry, title):
    coo = pattern.tocoo()
    ax.scatter(coo.col, coo.row, s=max(4, 2400 / pattern.shape[0] ** 1.2), marker="s",
               c=[PALETTE[c % 10] for c in colour_of_entry], linewidths=0)
    ax.set_xlim(-0.5, pattern.shape[1] - 0.5)
    ax.set_ylim(pattern.shape[0] - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])


def _compressed(ax, pattern, colours, gather_rows_cols, title):
    rows, cols = gather_rows_cols
    c = colours.max() + 1
    ax.scatter(cols, rows, s=max(4, 2400 / pattern.shape[0] ** 1.2), marker="s",
               c=[PALETTE[k % 10] for k in cols], linewidths=0)
    ax.set_xlim(-0.5, c - 0.5)
    ax.set_ylim(pattern.shape[0] - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=10)
    ax.set_xticks(range(c))
    ax.set_yticks([])


def hessian_figure(name, cost, x, sizes=None):
    H = sd.hessian_sparsity(cost, x, sizes=sizes)
    colours = colouring.star_colouring(H)
    gather = colouring.hessian_recovery(H, colours)
    n = H.shape[0]
    k, i = np.divmod(gather, n)          # B[k, i]: row i of the compressed matrix, colour k
    fig, (a, b) = plt.subplots(1, 2, figsize=(7.5, 4), gridspec_kw={"width_ratios": [n, max(3 * (colours.max() + 1), 8)]})
    _draw(a, H, k, f"Hessian pattern: {n} x {n}, {H.nnz} nonzeros")
    _compressed(b, H, colours, (i, k), f"{colours.max() + 1} colours")
    fig.tight_layout()
    fig.savefig(os.path.join(HERE, name), dpi=110)
    plt.close(fig)


def jacobian_figure(name, y, x):
    J = sd.jacobian_sparsity(y, x)
    colours = colouring.column_colouring(J)
    coo = J.tocoo()
    fig, (a, b) = plt.subplots(1, 2, figsize=(7.5, 3.2), gridspec_kw={"width_ratios": [J.shape[1], max(3 * (colours.max() + 1), 8)]})
    _draw(a, J, colours[coo.col], f"Jacobian pattern: {J.shape[0]} x {J.shape[1]}, {J.nnz} nonzeros")
    _compressed(b, J, colours, (coo.row, colours[coo.col]), f"{colours.max() + 1} colours")
    fig.tight_layout()
    fig.savefig(os.path.join(HERE, name), dpi=110)
    plt.close(fig)


def main():
    os.makedirs(HERE, exist_ok=True)
    x = sd.vector("x", "n")
    rosenbrock = sd.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    hessian_figure("sparse_rosenbrock.png", rosenbrock, x, sizes={"n": 24})

    k = 8
    u = sd.vector("u", k * k)
    U = u.reshape((k, k))
    ux, uy = U[1:, :-1] - U[:-1, :-1], U[:-1, 1:] - U[:-1, :-1]
    vx, vy = U[1:, 1:] - U[:-1, 1:], U[1:, 1:] - U[1:, :-1]
    area = sd.sum(sd.sqrt(1 + ux ** 2 + uy ** 2)) + sd.sum(sd.sqrt(1 + vx ** 2 + vy ** 2))
    hessian_figure("sparse_minimal_surface.png", area, u)

    links = 20
    z = sd.vector("z", 2 * links)
    p = z.reshape((links, 2))
    lengths = sd.sum((p[1:] - p[:-1]) ** 2, axis=1) - 0.01
    jacobian_figure("sparse_chain_jacobian.png", lengths, z)
    print("wrote", sorted(os.listdir(HERE)))


if __name__ == "__main__":
    main()
