"""A hanging chain solved by SciPy's trust-constr with symdiff's sparse Jacobian and Hessian.

The problem of ``examples/ipopt_hanging_chain.py`` (100 rigid links of equal
length between (0, 1) and (1, 3), total length 4; minimise the potential
energy subject to one equality per link), solved by
``scipy.optimize.minimize(method="trust-constr")``, which takes sparse
matrices: the constraint Jacobian from ``sd.sparse_jacobian`` and the
Hessian of ``lam . c`` from ``sd.sparse_hessian`` (the energy is linear, its
Hessian zero), both ``scipy.sparse.csr_array``. The graph is the same as in
the IPOPT example, with the number of joints a symbolic size: compiled once
(and cached on disk), it serves any chain.

The answer is checked against the exact equilibrium ``tan(theta_i) = alpha + beta * i``.

Run:  python examples/trust_constr_hanging_chain.py
"""

import time

import numpy as np
import scipy.sparse as sp
from scipy.optimize import NonlinearConstraint, brentq, fsolve, minimize

import symdiff as sd

LINKS, LENGTH, START, END = 100, 4.0, (0.0, 1.0), (1.0, 3.0)

# ---- the model: one array of joints, vectorised operations, symbolic size "m" (joints) -------------
x = sd.matrix("x", (2, "m"))          # row 0: X_1 .. X_m, row 1: Y_1 .. Y_m
ell = sd.scalar("ell")                # the length of one link
lam = sd.vector("lam", "m + 1")       # one multiplier per link
sigma = sd.scalar("sigma")            # the objective's factor in the Lagrangian
X = sd.concatenate([[START[0]], x[0], [END[0]]])
Y = sd.concatenate([[START[1]], x[1], [END[1]]])
energy = ell * sd.sum(Y[1:] + Y[:-1]) / 2
link_eq = (X[1:] - X[:-1]) ** 2 + (Y[1:] - Y[:-1]) ** 2 - ell ** 2   # = 0 for every link
lagrangian = sigma * energy + sd.sum(lam * link_eq)

t0 = time.perf_counter()
model = sd.function([x, ell], [energy, sd.grad(energy, x), link_eq, sd.sparse_jacobian(link_eq, x)], wait=True)
hessian = sd.function([x, lam, sigma, ell], sd.sparse_hessian(lagrangian, x), wait=True)
print(f"compiled the objective, gradient, constraints, sparse Jacobian and sparse Lagrangian Hessian "
      f"in {time.perf_counter() - t0:.1f} s")

m, L = LINKS - 1, LENGTH / LINKS
n = 2 * m
cache = {}


def evaluate(v):
    """The model at v (SciPy asks for the value, gradient, constraints and Jacobian at the same point apart)."""
    key = v.tobytes()
    if key not in cache:
        cache.clear()
        cache[key] = model(v.reshape(2, m), L)
    return cache[key]


zero_hessian = sp.csr_array((n, n))                 # the energy is linear in the joints
links = NonlinearConstraint(
    lambda v: evaluate(v)[2], 0.0, 0.0,
    jac=lambda v: evaluate(v)[3],                                   # csr_array, (links, 2 m)
    hess=lambda v, multipliers: hessian(v.reshape(2, m), multipliers, 0.0, L),   # Hessian of multipliers . c
)


def parabola_start():
    """Joints evenly spaced in X on a parabola through the ends, as long as the chain (not feasible)."""
    t = np.linspace(0.0, 1.0, LINKS + 1)
    Xs = START[0] + (END[0] - START[0]) * t

    def Ys(c):
        return START[1] + (END[1] - START[1]) * t + c * t * (t - 1.0)

    c = brentq(lambda c: np.hypot(np.diff(Xs), np.diff(Ys(c))).sum() - LENGTH, 0.0, 100.0)
    return np.concatenate([Xs[1:-1], Ys(c)[1:-1]])


def exact_equilibrium():
    """tan(theta_i) = alpha + beta * i, with alpha, beta such that the chain ends at END."""
    i = np.arange(LINKS)

    def miss(p):
        th = np.arctan(p[0] + p[1] * i)
        return [L * np.cos(th).sum() - (END[0] - START[0]), L * np.sin(th).sum() - (END[1] - START[1])]

    alpha, beta = fsolve(miss, [-2.0, 4.0 / LINKS], xtol=1e-14)
    th = np.arctan(alpha + beta * i)
    joints = np.array(START)[:, None] + L * np.cumsum([np.cos(th), np.sin(th)], axis=1)
    return joints[:, :-1].ravel()


J0 = evaluate(parabola_start())[3]
print(f"{LINKS} links: {n} unknowns, {LINKS} constraints; sparse Jacobian {J0.shape} with {J0.nnz} nonzeros")
t0 = time.perf_counter()
result = minimize(lambda v: float(evaluate(v)[0]), parabola_start(), jac=lambda v: evaluate(v)[1].ravel(),
                  hess=lambda v: zero_hessian, constraints=[links], method="trust-constr",
                  options={"gtol": 1e-8, "xtol": 1e-12, "maxiter": 2000})
elapsed = time.perf_counter() - t0

violation = np.abs(evaluate(result.x)[2]).max()
error = np.abs(result.x - exact_equilibrium()).max()
print(f"trust-constr: {result.message}")
print(f"  {result.nit} iterations in {elapsed:.2f} s")
print(f"  potential energy {result.fun:.10f} (COPS, continuous chain: 5.06852)")
print(f"  largest constraint violation {violation:.1e}")
print(f"  largest distance of a joint from the exact equilibrium {error:.1e}")
assert result.status in (1, 2) and violation < 1e-8 and error < 1e-6
print("trust-constr solved the hanging chain with symdiff's sparse derivatives: the exact equilibrium")
