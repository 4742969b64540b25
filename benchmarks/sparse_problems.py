"""Sparse benchmark problems, each written three ways: a symdiff graph, a CasADi model, a NumPy reference.

Two problems (``MinimalSurface``, ``HangingChain``), in the form a nonlinear
programming solver takes them::

    minimise f(x)   subject to   cl <= c(x) <= cu,   lb <= x <= ub

with the Lagrangian ``sigma * f(x) + lam . c(x)`` (IPOPT's convention: its
Hessian callback gets ``obj_factor`` and ``lagrange``).

* ``problem.symdiff(symbolic=False)`` -> ``SymdiffModel``: the variable symbol,
  objective, constraints, multiplier and objective-factor symbols, the
  Lagrangian, all built with vectorised NumPy-style operations on one symbol
  (slices, reshape, pad, concatenate, ``sd.sqrt``, ``sd.sum``); no Python loop
  over elements. ``symbolic=True`` (the chain) uses symbolic sizes, bound by
  ``model.sizes``.
* ``problem.casadi(kind="SX" | "MX")`` -> ``CasadiModel``: the same expressions
  in CasADi, built from index arrays (no Python loop over elements either).
* NumPy reference: ``f``, ``grad``, ``cons``, ``jac`` and ``lag_hess`` written by
  hand (analytic derivatives; ``dense=True`` gives dense arrays for checks at small
  sizes, otherwise scipy.sparse), and a known solution (``exact_solution``).

Importing this module imports NumPy and SciPy only; symdiff and CasADi are
imported by the builders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

# --------------------------------------------------------------------------
# containers


@dataclass
class SymdiffModel:
    """A problem as symdiff nodes.

    Compiled functions take ``[x, *params]`` (``[x, lam, sigma, *params]`` for the
    Lagrangian); ``to_x(v)`` turns IPOPT's flat vector into the array ``x`` takes
    (a reshape when ``x`` is not a vector; no copy).
    """

    x: Any
    f: Any
    c: Any | None
    lam: Any | None
    sigma: Any
    lagrangian: Any
    sizes: dict
    params: list = field(default_factory=list)       # extra input symbols (data) ...
    param_values: list = field(default_factory=list)  # ... and their values
    x_shape: tuple = ()

    def to_x(self, v: np.ndarray) -> np.ndarray:
        return v.reshape(self.x_shape)


@dataclass
class CasadiModel:
    """A problem as CasADi expressions of ``x`` (SX or MX); ``lam``/``sigma`` symbols for the Lagrangian."""

    x: Any
    f: Any
    g: Any | None
    lam: Any | None
    sigma: Any
    lagrangian: Any
    kind: str


# --------------------------------------------------------------------------
# minimal surface


class MinimalSurface:
    """The surface of least area over [-1, 1]^2 with Scherk's boundary values, heights on an N x N grid.

    Unknowns: the heights ``u`` at the ``N x N`` interior nodes of a uniform grid
    with ``N + 2`` nodes per side (spacing ``h = 2 / (N + 1)``), in C order; the
    boundary heights are fixed at Scherk's surface ``u = log(cos y / cos x)``, a
    minimal surface, so the continuous solution is known. The area is that of
    the piecewise-linear surface on two triangles per cell (MINPACK-2's
    ``dmsa`` discretisation)::

        f(u) = h^2 / 2 * sum_cells [ sqrt(1 + a_l^2 + b_l^2) + sqrt(1 + a_u^2 + b_u^2) ]

    with forward differences ``a_l = (u[i+1,j] - u[i,j]) / h``, ``b_l = (u[i,j+1] - u[i,j]) / h``
    on the lower triangle and backward ones from ``u[i+1,j+1]`` on the upper. No
    constraints, no bounds. Convex; its Hessian has 7 nonzeros per row (the node,
    its four neighbours and two diagonal ones). N = 316 gives 99,856 unknowns.
    """

    name = "minimal_surface"

    def __init__(self, N: int):
        self.N = N
        self.h = 2.0 / (N + 1)
        self.n = N * N
        self.m = 0
        t = np.linspace(-1.0, 1.0, N + 2)
        self.grid = t
        full = self.scherk(t[:, None], t[None, :])          # (N + 2, N + 2), rows = first coordinate
        self.boundary = full.copy()
        self.boundary[1:-1, 1:-1] = 0.0                      # boundary values, zero inside
        self.x0 = np.zeros(self.n)
        self.lb = np.full(self.n, -np.inf)
        self.ub = np.full(self.n, np.inf)
        self.cl = self.cu = np.zeros(0)
        self._maps = None

    @staticmethod
    def scherk(x, y):
        return np.log(np.cos(y) / np.cos(x))

    def exact_solution(self) -> np.ndarray:
        """Scherk's surface at the interior nodes: the continuous solution (the discrete one is O(h^2) away)."""
        t = self.grid[1:-1]
        return self.scherk(t[:, None], t[None, :]).ravel()

    # ---- symdiff

    def symdiff(self, symbolic: bool = False) -> SymdiffModel:
        import symdiff as sd

        if symbolic:
            raise NotImplementedError("minimal surface: the boundary data fix the grid; fixed sizes only")
        N, h = self.N, self.h
        x = sd.vector("x", self.n)
        U = sd.pad(sd.reshape(x, (N, N)), 1) + self.boundary   # heights on the whole grid
        U00, U10, U01, U11 = U[:-1, :-1], U[1:, :-1], U[:-1, 1:], U[1:, 1:]
        inv_h = 1.0 / h
        lower = sd.sqrt(1.0 + ((U10 - U00) * inv_h) ** 2 + ((U01 - U00) * inv_h) ** 2)
        upper = sd.sqrt(1.0 + ((U11 - U01) * inv_h) ** 2 + ((U11 - U10) * inv_h) ** 2)
        f = 0.5 * h * h * (sd.sum(lower) + sd.sum(upper))
        sigma = sd.scalar("sigma")
        return SymdiffModel(x=x, f=f, c=None, lam=None, sigma=sigma, lagrangian=sigma * f, sizes={},
                            x_shape=(self.n,))

    # ---- CasADi

    def _corner_indices(self):
        """Indices into ``vertcat(x, boundary values)`` of the four corners of every cell."""
        N = self.N
        pos = np.full((N + 2, N + 2), -1, dtype=np.int64)
        pos[1:-1, 1:-1] = np.arange(self.n).reshape(N, N)
        edge = pos < 0
        pos[edge] = self.n + np.arange(int(edge.sum()))
        bvals = self.boundary[edge]
        return (pos[:-1, :-1].ravel(), pos[1:, :-1].ravel(), pos[:-1, 1:].ravel(), pos[1:, 1:].ravel()), bvals

    def casadi(self, kind: str = "SX") -> CasadiModel:
        import casadi as ca

        S = getattr(ca, kind)
        x = S.sym("x", self.n)
        (i00, i10, i01, i11), bvals = self._corner_indices()
        v = ca.vertcat(x, ca.DM(bvals))
        u00, u10, u01, u11 = (v[ix.tolist()] for ix in (i00, i10, i01, i11))
        inv_h = 1.0 / self.h
        lower = ca.sqrt(1.0 + ((u10 - u00) * inv_h) ** 2 + ((u01 - u00) * inv_h) ** 2)
        upper = ca.sqrt(1.0 + ((u11 - u01) * inv_h) ** 2 + ((u11 - u10) * inv_h) ** 2)
        f = 0.5 * self.h ** 2 * (ca.sum1(lower) + ca.sum1(upper))
        sigma = S.sym("sigma")
        return CasadiModel(x=x, f=f, g=None, lam=None, sigma=sigma, lagrangian=sigma * f, kind=kind)

    # ---- NumPy reference (analytic derivatives)

    def _difference_maps(self):
        """Sparse maps from the unknowns to the four slopes, and the slopes' constant parts (boundary)."""
        if self._maps is None:
            (i00, i10, i01, i11), bvals = self._corner_indices()
            cells = len(i00)
            full = np.concatenate([np.zeros(self.n), bvals])

            def diff(plus, minus):
                rows = np.arange(cells)
                D = sp.csr_array((np.r_[np.ones(cells), -np.ones(cells)] / self.h,
                                  (np.r_[rows, rows], np.r_[plus, minus])), shape=(cells, len(full)))
                return D[:, :self.n].tocsr(), D @ full

            self._maps = [diff(i10, i00), diff(i01, i00), diff(i11, i01), diff(i11, i10)]
        return self._maps

    def _slopes(self, u):
        return [D @ u + d0 for D, d0 in self._difference_maps()]

    def f(self, u):
        al, bl, au, bu = self._slopes(u)
        return 0.5 * self.h ** 2 * (np.sqrt(1 + al ** 2 + bl ** 2).sum() + np.sqrt(1 + au ** 2 + bu ** 2).sum())

    def grad(self, u):
        (Dal, _), (Dbl, _), (Dau, _), (Dbu, _) = self._difference_maps()
        al, bl, au, bu = self._slopes(u)
        tl, tu = np.sqrt(1 + al ** 2 + bl ** 2), np.sqrt(1 + au ** 2 + bu ** 2)
        return 0.5 * self.h ** 2 * (Dal.T @ (al / tl) + Dbl.T @ (bl / tl) + Dau.T @ (au / tu) + Dbu.T @ (bu / tu))

    def cons(self, u):
        return np.zeros(0)

    def jac(self, u, dense: bool = True):
        J = sp.csr_array((0, self.n))
        return J.toarray() if dense else J

    def lag_hess(self, u, lam=None, sigma: float = 1.0, dense: bool = True):
        """sigma * Hessian of the area: sum over triangles of D^T (d^2 sqrt(1 + a^2 + b^2)) D."""
        (Dal, _), (Dbl, _), (Dau, _), (Dbu, _) = self._difference_maps()
        al, bl, au, bu = self._slopes(u)
        H = sp.csr_array((self.n, self.n))
        for Da, Db, a, b in ((Dal, Dbl, al, bl), (Dau, Dbu, au, bu)):
            t3 = np.sqrt(1 + a ** 2 + b ** 2) ** 3
            haa, hab, hbb = (1 + b ** 2) / t3, -a * b / t3, (1 + a ** 2) / t3
            DaT, DbT = Da.T.tocsr(), Db.T.tocsr()
            H = H + DaT @ (Da * haa[:, None]) + DaT @ (Db * hab[:, None]) + DbT @ (Da * hab[:, None]) \
                + DbT @ (Db * hbb[:, None])
        H = (0.5 * self.h ** 2 * sigma) * H
        return H.toarray() if dense else H.tocsr()


# --------------------------------------------------------------------------
# hanging chain


class HangingChain:
    """A chain of ``n`` rigid links of equal length hanging between two fixed points (COPS data).

    Unknowns: the ``m = n - 1`` free joints, ``x = [X_1 .. X_m, Y_1 .. Y_m]`` (all
    abscissae, then all heights); the ends are ``(0, 1)`` and ``(1, 3)`` and the
    chain's length is 4, so each link has length ``L = 4 / n`` (the data of COPS's
    "hanging chain"). Minimise the potential energy of uniform links, ``L`` times
    the sum of the links' mid-point heights, subject to one equality per link::

        (X_{i+1} - X_i)^2 + (Y_{i+1} - Y_i)^2 - L^2 = 0,   i = 0 .. n - 1

    The constraint Jacobian has 4 nonzeros per row (2 in the first and last); the
    Lagrangian's Hessian is two tridiagonal blocks (the objective is linear).

    The discrete problem's solution is known: with all the weight at the joints
    the horizontal tension is constant and the vertical force drops by the same
    amount at each joint, so ``tan(theta_i) = alpha + beta * i`` along the links,
    with ``alpha, beta`` fixed by the end point (``exact_solution``).
    """

    name = "hanging_chain"
    A, B, LENGTH = (0.0, 1.0), (1.0, 3.0), 4.0

    def __init__(self, links: int):
        self.links = links
        self.mfree = links - 1
        self.n = 2 * self.mfree
        self.m = links
        self.L = self.LENGTH / links
        self.x0 = self.start()
        self.lb = np.full(self.n, -np.inf)
        self.ub = np.full(self.n, np.inf)
        self.cl = self.cu = np.zeros(self.m)

    def start(self) -> np.ndarray:
        """Joints evenly spaced in X on a parabola through the ends whose polygon is as long as the chain."""
        from scipy.optimize import brentq

        t = np.linspace(0.0, 1.0, self.links + 1)
        (xa, ya), (xb, yb) = self.A, self.B
        X = xa + (xb - xa) * t

        def Y(c):
            return ya + (yb - ya) * t + c * t * (t - 1.0)

        def excess(c):
            return np.hypot(np.diff(X), np.diff(Y(c))).sum() - self.LENGTH

        c = brentq(excess, 0.0, 100.0)
        return np.concatenate([X[1:-1], Y(c)[1:-1]])

    def exact_solution(self) -> np.ndarray:
        """The joints of the hanging (minimum-energy) equilibrium: tan(theta_i) = alpha + beta * i."""
        from scipy.optimize import fsolve

        (xa, ya), (xb, yb) = self.A, self.B
        i = np.arange(self.links)

        def ends(p):
            th = np.arctan(p[0] + p[1] * i)
            return [self.L * np.cos(th).sum() - (xb - xa), self.L * np.sin(th).sum() - (yb - ya)]

        p, _, ok, msg = fsolve(ends, [-2.0, 4.0 / self.links], full_output=True, xtol=1e-14)
        if ok != 1 or p[1] <= 0:
            raise RuntimeError(f"hanging chain: the equilibrium was not found ({msg})")
        th = np.arctan(p[0] + p[1] * i)
        X = xa + self.L * np.cumsum(np.cos(th))
        Y = ya + self.L * np.cumsum(np.sin(th))
        return np.concatenate([X[:-1], Y[:-1]])

    # ---- symdiff

    def symdiff(self, symbolic: bool = False) -> SymdiffModel:
        """``symbolic``: the joints are a ``(2, "m")`` matrix symbol (rows X and Y), the link length an input."""
        import symdiff as sd

        (xa, ya), (xb, yb) = self.A, self.B
        if symbolic:
            x = sd.matrix("x", (2, "m"))
            P = x
            ell = sd.scalar("L")
            params, values, sizes = [ell], [np.float64(self.L)], {"m": self.mfree}
            x_shape = (2, self.mfree)
        else:
            x = sd.vector("x", self.n)
            P = sd.reshape(x, (2, self.mfree))
            ell, params, values, sizes, x_shape = self.L, [], [], {}, (self.n,)
        X = sd.concatenate([sd.constant(np.array([xa])), P[0], sd.constant(np.array([xb]))])
        Y = sd.concatenate([sd.constant(np.array([ya])), P[1], sd.constant(np.array([yb]))])
        f = ell * 0.5 * sd.sum(Y[1:] + Y[:-1])
        c = (X[1:] - X[:-1]) ** 2 + (Y[1:] - Y[:-1]) ** 2 - ell ** 2
        lam = sd.vector("lam", c.shape[0])
        sigma = sd.scalar("sigma")
        lag = sigma * f + sd.sum(lam * c)
        return SymdiffModel(x=x, f=f, c=c, lam=lam, sigma=sigma, lagrangian=lag, sizes=sizes,
                            params=params, param_values=values, x_shape=x_shape)

    # ---- CasADi

    def casadi(self, kind: str = "SX") -> CasadiModel:
        import casadi as ca

        S = getattr(ca, kind)
        m, L = self.mfree, self.L
        (xa, ya), (xb, yb) = self.A, self.B
        x = S.sym("x", self.n)
        X = ca.vertcat(xa, x[:m], xb)
        Y = ca.vertcat(ya, x[m:], yb)
        f = L * 0.5 * ca.sum1(Y[1:] + Y[:-1])
        g = (X[1:] - X[:-1]) ** 2 + (Y[1:] - Y[:-1]) ** 2 - L ** 2
        lam, sigma = S.sym("lam", self.m), S.sym("sigma")
        return CasadiModel(x=x, f=f, g=g, lam=lam, sigma=sigma, lagrangian=sigma * f + ca.dot(lam, g), kind=kind)

    # ---- NumPy reference (analytic derivatives)

    def _XY(self, x):
        m = self.mfree
        (xa, ya), (xb, yb) = self.A, self.B
        return np.r_[xa, x[:m], xb], np.r_[ya, x[m:], yb]

    def f(self, x):
        _, Y = self._XY(x)
        return self.L * 0.5 * (Y[1:] + Y[:-1]).sum()

    def grad(self, x):
        return np.r_[np.zeros(self.mfree), np.full(self.mfree, self.L)]

    def cons(self, x):
        X, Y = self._XY(x)
        return np.diff(X) ** 2 + np.diff(Y) ** 2 - self.L ** 2

    def _difference(self):
        """D (links x free joints): row i is e_{i+1} - e_i restricted to the free joints."""
        m = self.mfree
        return sp.diags([-np.ones(m), np.ones(m)], [-1, 0], shape=(self.links, m), format="csr")

    def jac(self, x, dense: bool = True):
        X, Y = self._XY(x)
        D = self._difference()
        J = sp.hstack([D.multiply(2 * np.diff(X)[:, None]), D.multiply(2 * np.diff(Y)[:, None])]).tocsr()
        return J.toarray() if dense else J

    def lag_hess(self, x, lam, sigma: float = 1.0, dense: bool = True):
        """lam . c'' (f is linear): 2 D^T diag(lam) D for X and for Y."""
        D = self._difference()
        block = 2.0 * (D.T @ sp.diags(np.asarray(lam, dtype=float)) @ D)
        H = sp.block_diag([block, block], format="csr")
        return H.toarray() if dense else H


PROBLEMS = {"minimal_surface": MinimalSurface, "hanging_chain": HangingChain}
