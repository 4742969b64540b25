"""Sparse Jacobians and Hessians: symdiff against CasADi on a minimal surface and a hanging chain.

    python -m benchmarks.sparse [--quick] [--only setup,eval,memory,ipopt,trust] [--json out.json]
                                [--surface 32,100,316] [--chain 100,400] [--casadi SX,MX]

The problems are in ``benchmarks/sparse_problems.py`` (symdiff graph, CasADi
model, NumPy reference with analytic derivatives). Every sparse result is first
checked against the NumPy reference (values, rtol 1e-9) and, for symdiff,
against the structure of ``sd.jacobian_sparsity`` / ``sd.hessian_sparsity``.
Sections:

* ``setup``: sparsity pattern and colouring. symdiff: ``sd.jacobian_sparsity`` /
  ``sd.hessian_sparsity`` on a freshly built graph (best of 3), then
  ``sd.function`` with the sparse output on the reference backend (the colouring,
  the compressed derivative graph and the recovery indices; the Numba compile is
  apart, ``compile``, with an empty cache directory). CasADi: ``ca.jacobian`` /
  ``ca.hessian`` (pattern, colouring and derivative expression) plus
  ``ca.Function`` (SX and MX).
* ``eval``: time per call (median; timeit-style autorange, implementations
  interleaved) of the constraint Jacobian and of the Lagrangian's Hessian
  ``sigma * f + lam . c``: symdiff sparse (Numba), symdiff dense ``sd.jacobian`` /
  ``sd.hessian`` (Numba, small sizes), CasADi SX and MX Functions called on NumPy
  arrays (their result is a ``DM``, not converted).
* ``memory``: peak RSS of a fresh process that builds, compiles (or loads from
  the cache) and evaluates the minimal surface's sparse Hessian at the largest
  size, above the same process after its imports.
* ``ipopt``: IPOPT through cyipopt with symdiff's callbacks (sparse constraint
  Jacobian, lower triangle of the Lagrangian's Hessian), through cyipopt with
  CasADi Functions as callbacks (same IPOPT), and CasADi's own
  ``nlpsol("ipopt")`` (CasADi's bundled IPOPT, which is another version:
  iteration counts may differ). Iterations and wall time of the solve.
* ``trust``: ``scipy.optimize.minimize(method="trust-constr")`` with symdiff's
  sparse Jacobian and Hessian on the hanging chain.

One process, one thread, pinned to one CPU (``benchmarks/_env.py``). Not part of
the test suite. Compare ratios within one run; absolute times depend on the
machine and its load.
"""

from __future__ import annotations

import os
import tempfile

from benchmarks import _env

_env.apply_thread_env()
if "SYMDIFF_CACHE_DIR" not in os.environ:  # compile times below are cold: an empty cache
    os.environ["SYMDIFF_CACHE_DIR"] = tempfile.mkdtemp(prefix="sd-sparse-bench-")

from benchmarks.run import Timing, fmt_time, measure_interleaved  # noqa: E402  (before NumPy: it sets the env too)

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

from benchmarks.sparse_problems import HangingChain, MinimalSurface  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DENSE_MAX = 1100        # symdiff's dense Jacobian/Hessian only up to this many unknowns
SX_MAX = 20_000         # CasADi SX above this many unknowns only with --sx-all (its Hessian takes ~1 min at 1e5)


def best_of(fn, k: int = 3, budget: float = 5.0):
    """Best wall time of ``fn()`` over up to ``k`` runs (one run when it takes more than ``budget``)."""
    times, result = [], None
    for _ in range(k):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        if sum(times) > budget:
            break
    return min(times), result


def lag_args(P, lam, sigma):
    return ([lam] if P.m else []) + [sigma]


# --------------------------------------------------------------------------
# symdiff


class SymdiffNLP:
    """Compiled symdiff callbacks for one problem: value/gradient, constraints/Jacobian, Lagrangian Hessian."""

    def __init__(self, P, backend: str = "numba", symbolic: bool = False):
        import symdiff as sd

        self.P = P
        self.M = M = P.symdiff(symbolic)
        ins = [M.x] + M.params
        t0 = time.perf_counter()
        self.fg = sd.function(ins, [M.f, sd.grad(M.f, M.x)], backend=backend, wait=True)
        self.cj = (sd.function(ins, [M.c, sd.sparse_jacobian(M.c, M.x)], backend=backend, wait=True)
                   if P.m else None)
        lag_ins = [M.x] + ([M.lam] if P.m else []) + [M.sigma] + M.params
        self.h = sd.function(lag_ins, sd.sparse_hessian(M.lagrangian, M.x), backend=backend, wait=True)
        self.build_s = time.perf_counter() - t0
        Hp = sd.hessian_sparsity(M.lagrangian, M.x, sizes=M.sizes).tocoo()
        self.hmask = Hp.row >= Hp.col
        self.hrows, self.hcols = Hp.row[self.hmask], Hp.col[self.hmask]
        if P.m:
            Jp = sd.jacobian_sparsity(M.c, M.x, sizes=M.sizes).tocoo()
            self.jrows, self.jcols = Jp.row, Jp.col
        else:
            self.jrows = self.jcols = np.zeros(0, dtype=np.int64)
        self._fg_x = self._cj_x = None
        self.callback_s = 0.0
        self.iterations = 0

    # cyipopt's problem interface; values at the last x are reused (IPOPT asks f and grad f apart)
    def _fg_at(self, x):
        if self._fg_x is None or not np.array_equal(x, self._fg_x):
            t0 = time.perf_counter()
            self._fg = self.fg(self.M.to_x(x), *self.M.param_values)
            self.callback_s += time.perf_counter() - t0
            self._fg_x = x.copy()
        return self._fg

    def _cj_at(self, x):
        if self._cj_x is None or not np.array_equal(x, self._cj_x):
            t0 = time.perf_counter()
            self._cj = self.cj(self.M.to_x(x), *self.M.param_values)
            self.callback_s += time.perf_counter() - t0
            self._cj_x = x.copy()
        return self._cj

    def objective(self, x):
        return float(self._fg_at(x)[0])

    def gradient(self, x):
        return np.ravel(self._fg_at(x)[1])

    def constraints(self, x):
        return self._cj_at(x)[0] if self.P.m else np.zeros(0)

    def jacobianstructure(self):
        return self.jrows, self.jcols

    def jacobian(self, x):
        return self._cj_at(x)[1].data if self.P.m else np.zeros(0)

    def hessianstructure(self):
        return self.hrows, self.hcols

    def hessian(self, x, lagrange, obj_factor):
        t0 = time.perf_counter()
        H = self.h(self.M.to_x(x), *lag_args(self.P, lagrange, obj_factor), *self.M.param_values)
        self.callback_s += time.perf_counter() - t0
        return H.data[self.hmask]

    def intermediate(self, alg_mod, iter_count, *rest):
        self.iterations = iter_count
        return True


# --------------------------------------------------------------------------
# CasADi


class CasadiNLP:
    """CasADi Functions as cyipopt callbacks (the same IPOPT as symdiff's), with their build time."""

    def __init__(self, P, kind: str):
        import casadi as ca

        self.P = P
        t0 = time.perf_counter()
        C = self.C = P.casadi(kind)
        self.fg = ca.Function("fg", [C.x], [C.f, ca.gradient(C.f, C.x)])
        if P.m:
            J = ca.jacobian(C.g, C.x)
            self.cj = ca.Function("cj", [C.x], [C.g, J])
            self.jrows, self.jcols = (np.asarray(v, dtype=np.int64) for v in J.sparsity().get_triplet())
        else:
            self.jrows = self.jcols = np.zeros(0, dtype=np.int64)
        H = ca.tril(ca.hessian(C.lagrangian, C.x)[0])
        ins = [C.x] + ([C.lam] if P.m else []) + [C.sigma]
        self.h = ca.Function("h", ins, [H])
        self.hrows, self.hcols = (np.asarray(v, dtype=np.int64) for v in H.sparsity().get_triplet())
        self.build_s = time.perf_counter() - t0
        self._fg_x = self._cj_x = None
        self.callback_s = 0.0
        self.iterations = 0

    def _fg_at(self, x):
        if self._fg_x is None or not np.array_equal(x, self._fg_x):
            t0 = time.perf_counter()
            f, g = self.fg(x)
            self._fg = (float(f), np.asarray(g).ravel())
            self.callback_s += time.perf_counter() - t0
            self._fg_x = x.copy()
        return self._fg

    def _cj_at(self, x):
        if self._cj_x is None or not np.array_equal(x, self._cj_x):
            t0 = time.perf_counter()
            c, J = self.cj(x)
            self._cj = (np.asarray(c).ravel(), np.asarray(J.nonzeros()))
            self.callback_s += time.perf_counter() - t0
            self._cj_x = x.copy()
        return self._cj

    def objective(self, x):
        return self._fg_at(x)[0]

    def gradient(self, x):
        return self._fg_at(x)[1]

    def constraints(self, x):
        return self._cj_at(x)[0] if self.P.m else np.zeros(0)

    def jacobianstructure(self):
        return self.jrows, self.jcols

    def jacobian(self, x):
        return self._cj_at(x)[1] if self.P.m else np.zeros(0)

    def hessianstructure(self):
        return self.hrows, self.hcols

    def hessian(self, x, lagrange, obj_factor):
        t0 = time.perf_counter()
        H = self.h(x, *lag_args(self.P, lagrange, obj_factor))
        self.callback_s += time.perf_counter() - t0
        return np.asarray(H.nonzeros())

    def intermediate(self, alg_mod, iter_count, *rest):
        self.iterations = iter_count
        return True


# --------------------------------------------------------------------------
# sections


def problems(args):
    return [MinimalSurface(N) for N in args.surface] + [HangingChain(n) for n in args.chain]


def label(P) -> str:
    return f"surface N={P.N}" if P.name == "minimal_surface" else f"chain {P.links} links"


def casadi_kinds(P, args):
    return [k for k in args.casadi if k != "SX" or P.n <= SX_MAX or args.sx_all]


def point(P, rng):
    """A point near the start and multipliers, where every implementation is checked and timed."""
    return P.x0 + 0.01 * rng.normal(size=P.n), rng.normal(size=P.m), 1.0


def section_setup(args, out):
    import casadi as ca
    import symdiff as sd

    # the colouring kernels are compiled by Numba on first use (cached in the cache folder): apart
    x = sd.vector("x", 8)
    t0 = time.perf_counter()
    sd.function([x], sd.sparse_hessian(sd.sum(x[1:] * x[:-1] ** 2), x), backend="numpy")
    warm = time.perf_counter() - t0
    print("\n== setup: sparsity pattern, colouring, derivative graph (best of 3; compile: once, empty cache)")
    print(f"(first sparse function of the process: {fmt_time(warm)}, the colouring kernels' compile or load)")
    print(f"{'problem':22} {'what':4} {'n':>7} {'nnz':>8} {'col':>4} | {'sd pattern':>10} {'sd colour+graph':>15} "
          f"{'sd compile':>10} | {'CasADi SX':>10} {'CasADi MX':>10}")
    for P in problems(args):
        whats = (["J"] if P.m else []) + ["H"]
        for what in whats:
            row = {"problem": label(P), "what": what, "n": P.n}

            best_pattern = best_colour = np.inf
            for rep in range(3):
                M = P.symdiff()      # new symbols: a new graph, nothing cached
                t0 = time.perf_counter()
                pat = (sd.jacobian_sparsity(M.c, M.x) if what == "J"
                       else sd.hessian_sparsity(M.lagrangian, M.x))
                t1 = time.perf_counter()
                spec = sd.sparse_jacobian(M.c, M.x) if what == "J" else sd.sparse_hessian(M.lagrangian, M.x)
                ins = [M.x] if what == "J" else [M.x] + ([M.lam] if P.m else []) + [M.sigma]
                colours = sd.function(ins, [spec], backend="numpy").colouring(0)
                t2 = time.perf_counter()
                best_pattern, best_colour = min(best_pattern, t1 - t0), min(best_colour, t2 - t1)
                if t2 - t0 > 5.0:
                    break
            row.update(sd_pattern_s=best_pattern, sd_colour_s=best_colour, nnz=int(pat.nnz),
                       colours=int(colours.max()) + 1)
            t0 = time.perf_counter()
            sd.function(ins, [spec], backend="numba", wait=True)
            row["sd_compile_s"] = time.perf_counter() - t0
            for kind in args.casadi:
                if kind not in casadi_kinds(P, args):
                    row[f"casadi_{kind}_s"] = None
                    continue

                def build():
                    C = P.casadi(kind)
                    if what == "J":
                        return ca.Function("J", [C.x], [ca.jacobian(C.g, C.x)])
                    lag_ins = [C.x] + ([C.lam] if P.m else []) + [C.sigma]
                    return ca.Function("H", lag_ins, [ca.hessian(C.lagrangian, C.x)[0]])

                row[f"casadi_{kind}_s"], F = best_of(build)
                assert F.sparsity_out(0).nnz() == row["nnz"], (kind, F.sparsity_out(0).nnz(), row["nnz"])
            out.append(row)
            cas = [fmt_time(row.get(f"casadi_{k}_s")) if f"casadi_{k}_s" in row else "-" for k in ("SX", "MX")]
            print(f"{label(P):22} {what:4} {P.n:7d} {row['nnz']:8d} {row['colours']:4d} | "
                  f"{fmt_time(row['sd_pattern_s']):>10} {fmt_time(row['sd_colour_s']):>15} "
                  f"{fmt_time(row['sd_compile_s']):>10} | {cas[0]:>10} {cas[1]:>10}", flush=True)


def check_sparse(name, A, ref, pattern=None, rtol=1e-9):
    A_ref = sp.csr_array(ref)
    err = abs(sp.csr_array(A) - A_ref).max() if A_ref.nnz else 0.0
    scale = abs(A_ref).max() if A_ref.nnz else 1.0
    if not err <= rtol * max(scale, 1e-300):
        raise AssertionError(f"{name}: max |error| {err:.3g} (largest entry {scale:.3g})")
    if pattern is not None and not (np.array_equal(A.indptr, pattern.indptr)
                                    and np.array_equal(A.indices, pattern.indices)):
        raise AssertionError(f"{name}: the CSR structure is not that of the sparsity pattern")


def section_eval(args, out):
    import casadi as ca
    import symdiff as sd

    rng = np.random.default_rng(0)
    print("\n== eval: time per call (median, interleaved); vs sd = time / symdiff sparse time")
    print(f"{'problem':22} {'what':4} {'n':>7} | {'sd sparse':>10} {'sd dense':>10} {'CasADi SX':>10} "
          f"{'CasADi MX':>10} | {'dense/sd':>8} {'SX/sd':>6} {'MX/sd':>6}")
    for P in problems(args):
        x, lam, sigma = point(P, rng)
        M = P.symdiff()
        for what in (["J"] if P.m else []) + ["H"]:
            if what == "J":
                ins, call_args = [M.x], (x,)
                sparse_out, dense_out = sd.sparse_jacobian(M.c, M.x), sd.jacobian(M.c, M.x)
                ref = P.jac(x, dense=False)
                pattern = sd.jacobian_sparsity(M.c, M.x)
            else:
                ins = [M.x] + ([M.lam] if P.m else []) + [M.sigma]
                call_args = (x, *lag_args(P, lam, sigma))
                sparse_out, dense_out = sd.sparse_hessian(M.lagrangian, M.x), sd.hessian(M.lagrangian, M.x)
                ref = P.lag_hess(x, lam, sigma, dense=False)
                pattern = sd.hessian_sparsity(M.lagrangian, M.x)
            impls = {}
            f = sd.function(ins, sparse_out, wait=True)
            check_sparse(f"symdiff sparse {what}", f(*call_args), ref, pattern)
            impls["sd"] = (f, call_args)
            if P.n <= DENSE_MAX:
                fd = sd.function(ins, dense_out, wait=True)
                check_sparse(f"symdiff dense {what}", fd(*call_args), ref)
                impls["dense"] = (fd, call_args)
            for kind in casadi_kinds(P, args):
                C = P.casadi(kind)
                if what == "J":
                    F = ca.Function("J", [C.x], [ca.jacobian(C.g, C.x)])
                else:
                    F = ca.Function("H", [C.x] + ([C.lam] if P.m else []) + [C.sigma],
                                    [ca.hessian(C.lagrangian, C.x)[0]])
                check_sparse(f"CasADi {kind} {what}", F(*call_args).sparse(), ref)
                impls[kind] = (F, call_args)
            timings = {k: Timing(fn, a, args.min_time, args.repeats, args.budget) for k, (fn, a) in impls.items()}
            measure_interleaved(list(timings.values()))
            med = {k: t.stats()["median"] for k, t in timings.items()}
            row = {"problem": label(P), "what": what, "n": P.n, **{f"{k}_s": v for k, v in med.items()}}
            out.append(row)

            def ratio(k):
                return f"{med[k] / med['sd']:.2f}" if k in med else "-"

            print(f"{label(P):22} {what:4} {P.n:7d} | {fmt_time(med['sd']):>10} {fmt_time(med.get('dense')):>10} "
                  f"{fmt_time(med.get('SX')):>10} {fmt_time(med.get('MX')):>10} | {ratio('dense'):>8} "
                  f"{ratio('SX'):>6} {ratio('MX'):>6}", flush=True)


_MEMORY_CHILD = r"""
import json, resource, sys, time
import numpy as np


def hwm_kb():  # this process's peak RSS (VmHWM is reset by exec; ru_maxrss is not, after a fork)
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))

which, N = sys.argv[1], int(sys.argv[2])
sys.path.insert(0, sys.argv[3])
from benchmarks.sparse_problems import MinimalSurface
import scipy.sparse
if which == "symdiff":
    import numba  # imported by symdiff's backend when it compiles: counted with the imports
    import symdiff as sd
else:
    import casadi as ca
P = MinimalSurface(N)
x = P.x0 + 0.01 * np.random.default_rng(0).normal(size=P.n)
base = hwm_kb()
t0 = time.perf_counter()
stages = {}
if which == "symdiff":
    M = P.symdiff()
    sd.hessian_sparsity(M.lagrangian, M.x)
    stages["pattern_kb"] = hwm_kb()
    f = sd.function([M.x, M.sigma], sd.sparse_hessian(M.lagrangian, M.x), wait=True)
    stages["function_kb"] = hwm_kb()
    H = f(x, 1.0)
    nnz, nbytes = H.nnz, H.data.nbytes + H.indices.nbytes + H.indptr.nbytes
else:
    C = P.casadi(which)
    F = ca.Function("H", [C.x, C.sigma], [ca.hessian(C.lagrangian, C.x)[0]])
    H = F(x, 1.0)
    nnz, nbytes = H.nnz(), 8 * H.nnz() + 8 * (H.nnz() + P.n + 1)
print(json.dumps({**stages, "base_kb": base, "peak_kb": hwm_kb(),
                  "children_peak_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "seconds": time.perf_counter() - t0, "nnz": nnz, "result_bytes": nbytes}))
"""


def section_memory(args, out):
    N = max(args.surface)
    P = MinimalSurface(N)
    print(f"\n== memory: minimal surface N={N} ({P.n} unknowns), sparse Hessian: build + compile/load + one call,"
          " peak RSS of a fresh process above its RSS after imports")
    print(f"{'implementation':28} {'peak RSS':>10} {'above imports':>14} {'compiler procs':>14} {'nnz':>8} "
          f"{'CSR bytes':>10} {'seconds':>8}")
    cache = tempfile.mkdtemp(prefix="sd-sparse-mem-")     # empty, then holding what the first run compiled
    runs = [("symdiff (empty cache)", "symdiff", cache), ("symdiff (cached code)", "symdiff", cache)]
    runs += [(f"CasADi {k}", k, None) for k in args.casadi if k != "SX" or P.n <= SX_MAX or args.sx_all]
    for name, which, cache in runs:
        env = dict(os.environ)
        if cache:
            env["SYMDIFF_CACHE_DIR"] = cache
        try:
            res = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, which, str(N), REPO], env=env,
                                 capture_output=True, text=True, check=True, timeout=1800)
            r = json.loads(res.stdout.strip().splitlines()[-1])
        except Exception as exc:
            print(f"{name:28} failed: {exc}")
            continue
        out.append({"implementation": name, **r})
        print(f"{name:28} {r['peak_kb'] / 1024:8.0f}MB {(r['peak_kb'] - r['base_kb']) / 1024:12.0f}MB "
              f"{r['children_peak_kb'] / 1024:12.0f}MB {r['nnz']:8d} {r['result_bytes'] / 2**20:8.1f}MB "
              f"{r['seconds']:8.1f}", flush=True)
    for r in out:
        if "pattern_kb" in r:
            print(f"  {r['implementation']}: peak above imports after the pattern "
                  f"{(r['pattern_kb'] - r['base_kb']) / 1024:.0f}MB, after sd.function "
                  f"{(r['function_kb'] - r['base_kb']) / 1024:.0f}MB, after the call "
                  f"{(r['peak_kb'] - r['base_kb']) / 1024:.0f}MB")
    print(f"(dense Hessian at this size: {P.n ** 2 * 8 / 2**30:.0f} GiB)")


def solve_cyipopt(P, nlp, tol):
    import cyipopt

    prob = cyipopt.Problem(n=P.n, m=P.m, problem_obj=nlp, lb=P.lb, ub=P.ub, cl=P.cl, cu=P.cu)
    for k, v in (("print_level", 0), ("sb", "yes"), ("tol", tol)):
        prob.add_option(k, v)
    nlp.callback_s, nlp._fg_x, nlp._cj_x = 0.0, None, None
    t0 = time.perf_counter()
    x, info = prob.solve(P.x0.copy())
    return x, info["status"], nlp.iterations, time.perf_counter() - t0, nlp.callback_s


def solve_nlpsol(P, kind, tol):
    import casadi as ca

    t0 = time.perf_counter()
    C = P.casadi(kind)
    nlp = {"x": C.x, "f": C.f} | ({"g": C.g} if P.m else {})
    S = ca.nlpsol("S", "ipopt", nlp, {"print_time": False, "ipopt.print_level": 0, "ipopt.sb": "yes",
                                      "ipopt.tol": tol})
    build = time.perf_counter() - t0
    kw = {"lbg": P.cl, "ubg": P.cu} if P.m else {}
    t0 = time.perf_counter()
    sol = S(x0=P.x0, **kw)
    wall = time.perf_counter() - t0
    st = S.stats()
    return np.asarray(sol["x"]).ravel(), st["return_status"], st["iter_count"], wall, build


def section_ipopt(args, out):
    try:
        import cyipopt
    except ImportError as exc:
        cyipopt = None
        print(f"\n(cyipopt not importable: {exc}; only CasADi's nlpsol runs. pip install cyipopt, "
              "with apt-get install coinor-libipopt-dev liblapack-dev libblas-dev)")
    print("\n== ipopt: tol 1e-8, MUMPS; cyipopt uses the system IPOPT "
          f"{'.'.join(map(str, cyipopt.IPOPT_VERSION)) if cyipopt else '-'}, nlpsol CasADi's own")
    print(f"{'problem':22} {'implementation':24} {'build':>8} {'iter':>5} {'solve':>9} {'callbacks':>9} "
          f"{'f*':>14} {'max|c|':>8} {'|x-x*|':>8}  status")
    for P in problems(args):
        exact = P.exact_solution()
        runs = []
        if cyipopt is not None:
            runs.append(("cyipopt + symdiff", lambda: SymdiffNLP(P)))
            runs += [(f"cyipopt + CasADi {k} fns", (lambda k: lambda: CasadiNLP(P, k))(k))
                     for k in casadi_kinds(P, args)]
        runs += [(f"CasADi nlpsol {k}", k) for k in casadi_kinds(P, args)]
        for name, make in runs:
            try:
                if isinstance(make, str):
                    x, status, iters, wall, build = solve_nlpsol(P, make, args.tol)
                    cb = None
                else:
                    nlp = make()
                    build = nlp.build_s
                    best = None
                    for _ in range(args.solves):
                        r = solve_cyipopt(P, nlp, args.tol)
                        best = r if best is None or r[3] < best[3] else best
                    x, status, iters, wall, cb = best
            except Exception as exc:
                print(f"{label(P):22} {name:24} failed: {type(exc).__name__}: {exc}")
                if args.verbose:
                    traceback.print_exc()
                continue
            viol = float(np.abs(P.cons(x)).max()) if P.m else 0.0
            row = {"problem": label(P), "implementation": name, "build_s": build, "iterations": int(iters),
                   "solve_s": wall, "callbacks_s": cb, "f": float(P.f(x)), "violation": viol,
                   "error": float(np.abs(x - exact).max()), "status": str(status)}
            out.append(row)
            print(f"{label(P):22} {name:24} {fmt_time(build):>8} {iters:5d} {fmt_time(wall):>9} "
                  f"{fmt_time(cb):>9} {row['f']:14.8f} {viol:8.1e} {row['error']:8.1e}  {status}", flush=True)


def section_trust(args, out):
    from scipy.optimize import NonlinearConstraint, minimize

    print("\n== trust-constr: scipy.optimize.minimize(method='trust-constr'), symdiff's sparse Jacobian and "
          "Hessian (hanging chain; gtol 1e-8, at most 3000 iterations)")
    print(f"{'problem':22} {'build':>8} {'iter':>5} {'solve':>9} {'callbacks':>9} {'f*':>14} {'max|c|':>8} "
          f"{'|x-x*|':>8}  status")
    for links in args.trust:
        P = HangingChain(links)
        nlp = SymdiffNLP(P)
        zero = sp.csr_array((P.n, P.n))

        def hess_c(x, v):
            nlp.callback_s -= time.perf_counter()
            H = nlp.h(x, v, 0.0)
            nlp.callback_s += time.perf_counter()
            return H

        con = NonlinearConstraint(lambda x: nlp._cj_at(x)[0], P.cl, P.cu, jac=lambda x: nlp._cj_at(x)[1],
                                  hess=hess_c)
        nlp.callback_s = 0.0
        t0 = time.perf_counter()
        res = minimize(nlp.objective, P.x0, jac=nlp.gradient, hess=lambda x: zero, constraints=[con],
                       method="trust-constr", options={"maxiter": 3000, "gtol": 1e-8, "xtol": 1e-12})
        wall = time.perf_counter() - t0
        viol = float(np.abs(P.cons(res.x)).max())
        err = float(np.abs(res.x - P.exact_solution()).max())
        out.append({"problem": label(P), "build_s": nlp.build_s, "iterations": res.nit, "solve_s": wall,
                    "callbacks_s": nlp.callback_s, "f": float(res.fun), "violation": viol, "error": err,
                    "status": res.message})
        print(f"{label(P):22} {fmt_time(nlp.build_s):>8} {res.nit:5d} {fmt_time(wall):>9} "
              f"{fmt_time(nlp.callback_s):>9} {res.fun:14.8f} {viol:8.1e} {err:8.1e}  {res.message}", flush=True)


SECTIONS = {"setup": section_setup, "eval": section_eval, "memory": section_memory, "ipopt": section_ipopt,
            "trust": section_trust}


def ints(s: str) -> list[int]:
    return [int(v) for v in s.split(",") if v]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, short timings")
    ap.add_argument("--only", default=",".join(SECTIONS), help="sections: " + ",".join(SECTIONS))
    ap.add_argument("--surface", type=ints, default=None, help="grid sides N (N^2 unknowns); default 32,100,316")
    ap.add_argument("--chain", type=ints, default=None, help="numbers of links; default 100,400")
    ap.add_argument("--trust", type=ints, default=None, help="trust-constr chain sizes; default 100,200,400")
    ap.add_argument("--casadi", default="SX,MX")
    ap.add_argument("--sx-all", action="store_true", help=f"CasADi SX above {SX_MAX} unknowns too (~1 min)")
    ap.add_argument("--tol", type=float, default=1e-8)
    ap.add_argument("--solves", type=int, default=3, help="cyipopt solves per implementation (best taken)")
    ap.add_argument("--min-time", type=float, default=None)
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--budget", type=float, default=3.0)
    ap.add_argument("--cpu", type=int, default=None)
    ap.add_argument("--no-pin", action="store_true")
    ap.add_argument("--json")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args(argv)
    a.surface = a.surface or ([16, 48] if a.quick else [32, 100, 316])
    a.chain = a.chain or ([50, 100] if a.quick else [100, 400])
    a.trust = a.trust or ([50, 100] if a.quick else [100, 200, 400])
    a.casadi = [k for k in a.casadi.split(",") if k]
    a.min_time = a.min_time or (0.01 if a.quick else 0.1)
    a.repeats = a.repeats or (7 if a.quick else 15)
    if not a.no_pin:
        _env.pin_cpu(a.cpu)
    info = _env.machine_info()
    print(f"python -m benchmarks.sparse {' '.join(argv if argv is not None else sys.argv[1:])}")
    print("\n".join(_env.describe_env()))
    print("machine: " + ", ".join(f"{k}={v}" for k, v in info.items()))
    vers = _env.versions()
    for dist in ("casadi", "cyipopt"):
        try:
            from importlib import metadata
            vers[dist] = metadata.version(dist)
        except Exception:
            vers[dist] = "not installed"
    print("versions: " + ", ".join(f"{k} {v}" for k, v in vers.items() if k not in ("jax", "jaxlib", "pytensor")))
    print(f"load average at start: {os.getloadavg()[0]:.2f} (other processes share this machine)")
    results: dict = {"machine": info, "versions": vers, "args": {k: v for k, v in vars(a).items()}}
    for name in a.only.split(","):
        rows: list = []
        results[name] = rows
        try:
            SECTIONS[name](a, rows)
        except Exception as exc:
            print(f"section {name} failed: {type(exc).__name__}: {exc}")
            traceback.print_exc()
        gc.collect()
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1, default=str)


if __name__ == "__main__":
    main()
