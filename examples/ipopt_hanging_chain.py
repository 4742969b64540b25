"""A hanging chain solved by IPOPT (through cyipopt) with symdiff's sparse Jacobian and Hessian.

A chain of 200 rigid links of equal length hangs between (0, 1) and (1, 3); its
length is 4 (the data of the COPS "hanging chain"). The unknowns are the 199
free joints (X_k, Y_k); the chain minimises its potential energy, the sum of
the links' mid-point heights times their length, subject to one equality
per link::

    (X_{i+1} - X_i)^2 + (Y_{i+1} - Y_i)^2 = L^2

symdiff compiles the objective and its gradient, the constraints and their
sparse Jacobian (``sd.sparse_jacobian``: 4 nonzeros a row), and the sparse
Hessian of the Lagrangian ``sigma * f + lam . c`` (``sd.sparse_hessian``), all
as functions of a ``(2, "m")`` array of joints: the number of joints is a
symbolic size, so the same compiled code serves any chain. The structures that
IPOPT asks for once come from ``sd.jacobian_sparsity`` / ``sd.hessian_sparsity``;
each compiled call returns a ``scipy.sparse.csr_array`` with exactly that
structure, so the callbacks hand over ``J.data`` and the lower triangle of
``H.data``.

The answer is checked against the exact equilibrium: all the weight sits at
the joints, so the horizontal tension is constant and the vertical one drops by
the same amount at each joint: ``tan(theta_i) = alpha + beta * i`` along the links.

Run:  python examples/ipopt_hanging_chain.py
Needs cyipopt, which builds against a system IPOPT found by pkg-config::

    apt-get install coinor-libipopt-dev liblapack-dev libblas-dev pkg-config   # Debian/Ubuntu
    pip install cyipopt                                                      # or: pip install -e ".[ipopt]"
"""

import sys
import time

try:
    import cyipopt
except ImportError as exc:  # the test suite skips this example with this line as the reason
    print(f"SKIPPED: this example needs cyipopt, which is not importable ({exc}). Install IPOPT and cyipopt: "
          "apt-get install coinor-libipopt-dev liblapack-dev libblas-dev pkg-config, then pip install cyipopt "
          "(or pip install -e '.[ipopt]')")
    sys.exit(0)

import numpy as np
from scipy.optimize import brentq, fsolve

import symdiff as sd

LINKS, LENGTH, START, END = 200, 4.0, (0.0, 1.0), (1.0, 3.0)

# ---- the model: one array of joints, vectorised operations, symbolic size "m" (joints) -------------
x = sd.matrix("x", (2, "m"))          # row 0: X_1 .. X_m, row 1: Y_1 .. Y_m
ell = sd.scalar("ell")                # the length of one link
lam = sd.vector("lam", "m + 1")       # one multiplier per link
sigma = sd.scalar("sigma")            # IPOPT's objective factor
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


class HangingChain:
    """cyipopt's problem interface over the compiled functions (IPOPT's variables: x flattened)."""

    def __init__(self, links):
        self.m, self.L = links - 1, LENGTH / links
        sizes = {"m": self.m}
        J = sd.jacobian_sparsity(link_eq, x, sizes=sizes).tocoo()
        H = sd.hessian_sparsity(lagrangian, x, sizes=sizes).tocoo()
        self.jac_structure = (J.row, J.col)
        self.lower = H.row >= H.col                 # IPOPT wants the lower triangle of the Hessian
        self.hess_structure = (H.row[self.lower], H.col[self.lower])
        self.nnz_jac, self.nnz_hess = J.nnz, int(self.lower.sum())
        self._at = None

    def _eval(self, v):
        if self._at is None or not np.array_equal(v, self._at):
            self._values = model(v.reshape(2, self.m), self.L)
            self._at = v.copy()
        return self._values

    def objective(self, v):
        return float(self._eval(v)[0])

    def gradient(self, v):
        return self._eval(v)[1].ravel()

    def constraints(self, v):
        return self._eval(v)[2]

    def jacobianstructure(self):
        return self.jac_structure

    def jacobian(self, v):
        return self._eval(v)[3].data              # the pattern's order, explicit zeros kept

    def hessianstructure(self):
        return self.hess_structure

    def hessian(self, v, lagrange, obj_factor):
        return hessian(v.reshape(2, self.m), lagrange, obj_factor, self.L).data[self.lower]

    def intermediate(self, alg_mod, iter_count, *rest):
        self.iterations = iter_count



def parabola_start(links):
    """Joints evenly spaced in X on a parabola through the ends, as long as the chain (not feasible)."""
    t = np.linspace(0.0, 1.0, links + 1)
    Xs = START[0] + (END[0] - START[0]) * t

    def Ys(c):
        return START[1] + (END[1] - START[1]) * t + c * t * (t - 1.0)

    c = brentq(lambda c: np.hypot(np.diff(Xs), np.diff(Ys(c))).sum() - LENGTH, 0.0, 100.0)
    return np.concatenate([Xs[1:-1], Ys(c)[1:-1]])


def exact_equilibrium(links):
    """tan(theta_i) = alpha + beta * i, with alpha, beta such that the chain ends at END."""
    L, i = LENGTH / links, np.arange(links)

    def miss(p):
        th = np.arctan(p[0] + p[1] * i)
        return [L * np.cos(th).sum() - (END[0] - START[0]), L * np.sin(th).sum() - (END[1] - START[1])]

    alpha, beta = fsolve(miss, [-2.0, 4.0 / links], xtol=1e-14)
    th = np.arctan(alpha + beta * i)
    joints = np.array(START)[:, None] + L * np.cumsum([np.cos(th), np.sin(th)], axis=1)
    return joints[:, :-1].ravel()


problem = HangingChain(LINKS)
n, m = 2 * problem.m, LINKS
nlp = cyipopt.Problem(n=n, m=m, problem_obj=problem, cl=np.zeros(m), cu=np.zeros(m))
nlp.add_option("print_level", 0)
nlp.add_option("sb", "yes")
nlp.add_option("tol", 1e-10)
print(f"{LINKS} links: {n} unknowns, {m} constraints; Jacobian {problem.nnz_jac} nonzeros, "
      f"Hessian lower triangle {problem.nnz_hess} nonzeros (IPOPT {'.'.join(map(str, cyipopt.IPOPT_VERSION))})")
t0 = time.perf_counter()
solution, info = nlp.solve(parabola_start(LINKS))
elapsed = time.perf_counter() - t0

energy_value = problem.objective(solution)
violation = np.abs(problem.constraints(solution)).max()
error = np.abs(solution - exact_equilibrium(LINKS)).max()
print(f"IPOPT: {info['status_msg'].decode()}")
print(f"  {problem.iterations} iterations in {elapsed * 1e3:.0f} ms")
print(f"  potential energy {energy_value:.10f} (COPS, continuous chain: 5.06852)")
print(f"  largest constraint violation {violation:.1e}")
print(f"  largest distance of a joint from the exact equilibrium {error:.1e}")
assert info["status"] == 0 and violation < 1e-9 and error < 1e-6
print("IPOPT solved the hanging chain with symdiff's sparse derivatives: the exact equilibrium")
