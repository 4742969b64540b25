"""Checks one fuzz program against its oracles.

symdiff builds the program's outputs, the cost, its gradient by every float input of the
cost's dtype and a Hessian-vector product by the first of them, and compiles them with the
NumPy reference interpreter (also unsimplified, ``simplify=False``) and, when asked, with Numba.
The oracles:

* values: the same text run on NumPy/SciPy, at two bindings of the symbolic sizes (one
  compiled function serves both);
* every output: Numba and the unsimplified graph against the reference;
* derivatives: central differences of the reference's cost along two random directions, and
  of its gradient along the HVP's direction, Richardson-extrapolated (steps h, h/2, h/4; when
  the two extrapolations disagree the point is not smooth enough and the check is skipped);
* JAX, when asked: values at both bindings, ``jax.grad`` and ``jax.jvp`` of ``jax.grad``.

Errors are normalised, ``max|got - want| / max(max|want|, 1)`` (ints and bools: exact), and
compared with ``TOLERANCES``; a float32 program gets the looser ones and no finite differences.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from .libraries import jax_namespace, numpy_namespace, symdiff_namespace
from .program import Program

TOLERANCES = {  # check -> (float64, float32)
    "value numpy": (1e-9, 2e-4), "value jax": (1e-9, 2e-4), "numba": (1e-8, 1e-3), "unsimplified": (1e-8, 1e-3),
    "grad jax": (1e-8, 1e-3), "hvp jax": (1e-7, 5e-2), "grad fd": (1e-6, None), "hvp fd": (1e-5, None),
}   # (a float32 HVP is a difference of large terms: JAX's jit and symdiff round it differently)
FD_STEP = 1e-3


def nerr(got, want) -> float:
    """The normalised error: inf when shapes differ; 0 or 1 for ints and bools."""
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape:
        return float("inf")
    if want.size == 0:
        return 0.0
    if want.dtype.kind in "biu":
        return 0.0 if np.array_equal(got, want) else 1.0
    g, w = got.astype(np.float64), want.astype(np.float64)
    if not np.array_equal(np.isnan(g), np.isnan(w)) or not np.array_equal(np.isinf(g), np.isinf(w)):
        return float("inf")
    ok = np.isfinite(w)
    if not ok.any():
        return 0.0 if np.array_equal(g, w) else float("inf")
    return float(np.max(np.abs(g[ok] - w[ok])) / max(float(np.max(np.abs(w[ok]))), 1.0))


@dataclass
class Result:
    """One program's checks: mismatches (text), worst error per (check, 0 for float64 / 1 for float32
    tolerances), skipped checks, operations."""

    seed: int
    mismatches: list = field(default_factory=list)
    errors: dict = field(default_factory=dict)
    skipped: list = field(default_factory=list)
    ops: set = field(default_factory=set)
    f32: bool = False

    def compare(self, check: str, what: str, got, want, dtype_too: bool = False, loose: bool = False) -> None:
        col = 1 if self.f32 or loose else 0
        tol = TOLERANCES[check][col]
        e = nerr(got, want)
        if dtype_too and np.asarray(got).dtype != np.asarray(want).dtype:
            e = float("inf")
            what += f" (dtype {np.asarray(got).dtype}, expected {np.asarray(want).dtype})"
        self.errors[check, col] = max(self.errors.get((check, col), 0.0), e)
        if not e <= tol:
            self.mismatches.append(f"{check}: {what}: error {e:.3g} > {tol:g}")

    def failed(self, stage: str, exc: BaseException) -> None:
        self.mismatches.append(f"{stage} raised {type(exc).__name__}: {str(exc)[:300]}")


def check(prog: Program, backend: str = "numpy", use_jax: bool = False) -> Result:
    import symdiff as sd
    from symdiff.traversal import all_nodes

    res = Result(prog.seed, f32=prog.mode == "float32")
    syms, fn = prog.symbols(), prog.function()
    try:
        outs, cost = fn(symdiff_namespace(), *syms)
        outs, extra, v = list(outs), [], None
        if cost is not None:
            wrt = [syms[i] for i in prog.wrt]
            v = sd.tensor("v_dir", wrt[0].shape, wrt[0].dtype)
            extra = [cost, *sd.grad(cost, wrt), sd.hvp(cost, wrt[0], v)]
        outputs, inputs = outs + extra, syms + ([v] if v is not None else [])
        res.ops = {n.op.name for n in all_nodes(outputs)}
        ref = sd.function(inputs, outputs, backend="numpy")
    except Exception as e:  # noqa: BLE001  (symdiff failing on a program NumPy runs is a finding)
        res.failed("building the graph", e)
        return res
    args = [list(a) + ([prog.direction[b]] if v is not None else []) for b, a in enumerate(prog.arrays)]
    try:
        want = [ref(*a) for a in args]
    except Exception as e:  # noqa: BLE001
        res.failed("the reference interpreter", e)
        return res
    npn = numpy_namespace()
    for b, a in enumerate(prog.arrays):
        try:
            with np.errstate(all="ignore"):
                got, _ = fn(npn, *a)
        except Exception as e:  # noqa: BLE001  (the generator ran these statements: should not happen)
            res.failed("the program on NumPy", e)
            continue
        for k, o in enumerate(got):
            res.compare("value numpy", f"output {prog.outputs[k]} at sizes {prog.bindings[b]} (symdiff vs NumPy)",
                        want[b][k], np.asarray(o), dtype_too=True, loose=prog.loose[k])
    names = prog.outputs + ([] if v is None else ["cost"] + [f"grad {syms[i].name}" for i in prog.wrt] + ["hvp"])
    others = [("unsimplified", {"backend": "numpy", "simplify": False})]
    if backend == "numba":
        others.append(("numba", {"backend": "numba", "wait": True}))
    for check_name, kw in others:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", RuntimeWarning)
                other = sd.function(inputs, outputs, **kw)
            for b, a in enumerate(args):
                for k, (g, w) in enumerate(zip(other(*a), want[b])):
                    res.compare(check_name, f"{names[k]} at sizes {prog.bindings[b]}", g, w, dtype_too=True,
                                loose=k < len(outs) and prog.loose[k])
        except Exception as e:  # noqa: BLE001
            res.failed(check_name, e)
    if v is not None and not res.f32:
        _finite_differences(res, prog, ref, args[0], want[0], len(outs))
    if use_jax:
        _jax(res, prog, fn, want, len(outs), v is not None)
    return res


def _richardson(f, h):
    """Central differences at h, h/2, h/4, extrapolated twice: (estimate, disagreement)."""
    d = [(f(s) - f(-s)) / (2 * s) for s in (h, h / 2, h / 4)]
    r1, r2 = (4 * d[1] - d[0]) / 3, (4 * d[2] - d[1]) / 3
    return r2, np.max(np.abs(np.asarray(r1) - r2))


def _finite_differences(res: Result, prog: Program, ref, args: list, want: tuple, n_out: int) -> None:
    rng = np.random.default_rng(prog.seed + 1)
    grads = [np.asarray(g) for g in want[n_out + 1: n_out + 1 + len(prog.wrt)]]

    def shifted(dirs, s):
        a = list(args)
        for i, d in zip(prog.wrt, dirs):
            a[i] = args[i] + s * d
        return a

    for trial in range(2):
        dirs = [rng.standard_normal(g.shape) for g in grads]
        top = max([float(np.max(np.abs(d), initial=0.0)) for d in dirs] + [1e-300])
        dirs = [d / top for d in dirs]
        est, spread = _richardson(lambda s, dirs=dirs: float(ref(*shifted(dirs, s))[n_out]), FD_STEP)
        gd = sum(float(np.sum(g * d)) for g, d in zip(grads, dirs))
        scale = max(np.sqrt(sum(float(np.sum(g * g)) for g in grads) * sum(float(np.sum(d * d)) for d in dirs)),
                    abs(est), 1e-2)
        _fd_compare(res, "grad fd", f"directional derivative {trial} ({gd!r}, differences {est!r})",
                    abs(est - gd) / scale, spread / scale)
    if any(why.startswith("grad fd") for why in res.skipped):
        # the cost is not smooth at the step's scale here (a kink or jump of remainder, floor ...):
        # differences of its gradient are no oracle either (seed 21836: JAX's HVP agrees to 2e-15)
        res.skipped.append("hvp fd: the gradient's differences did not settle")
        return
    v = args[-1]
    hv = np.asarray(want[-1])
    est, spread = _richardson(lambda s: np.asarray(ref(*shifted([v], s))[n_out + 1], dtype=np.float64), FD_STEP)
    scale = max(float(np.max(np.abs(hv), initial=0.0)), float(np.max(np.abs(est), initial=0.0)), 1e-2)
    _fd_compare(res, "hvp fd", "Hessian-vector product", float(np.max(np.abs(est - hv), initial=0.0)) / scale,
                spread / scale)


def _fd_compare(res: Result, check: str, what: str, err: float, spread: float) -> None:
    tol = TOLERANCES[check][0]
    if spread > tol / 4:
        res.skipped.append(f"{check}: {what}: the differences do not settle ({spread:.2g})")
        return
    res.errors[check, 0] = max(res.errors.get((check, 0), 0.0), err)
    if not err <= tol:
        res.mismatches.append(f"{check}: {what}: error {err:.3g} > {tol:g}")


def _jax(res: Result, prog: Program, fn, want: list, n_out: int, has_cost: bool) -> None:
    """Values, gradients and the HVP at the first binding, from one ``jax.jit`` of everything."""
    try:
        import jax
        import jax.numpy as jnp

        jx = jax_namespace()

        def everything(a, v):
            outs, _ = fn(jx, *a)
            if not has_cost:
                return outs, (), None

            def cost(*ws):
                full = list(a)
                for i, w in zip(prog.wrt, ws):
                    full[i] = w
                return fn(jx, *full)[1]

            ws = [a[i] for i in prog.wrt]
            grads = jax.grad(cost, argnums=tuple(range(len(ws))))(*ws)
            _, hv = jax.jvp(lambda w0: jax.grad(cost, argnums=0)(w0, *ws[1:]), (ws[0],), (v,))
            return outs, grads, hv

        direction = jnp.asarray(prog.direction[0]) if has_cost else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outs, grads, hv = jax.jit(everything)([jnp.asarray(x) for x in prog.arrays[0]], direction)
        for k, o in enumerate(outs):
            res.compare("value jax", f"output {prog.outputs[k]} at sizes {prog.bindings[0]} (symdiff vs JAX)",
                        want[0][k], np.asarray(o), loose=prog.loose[k])
        for k, (g, i) in enumerate(zip(grads, prog.wrt)):
            res.compare("grad jax", f"gradient by {prog.inputs[i].name}", want[0][n_out + 1 + k], np.asarray(g))
        if has_cost:
            res.compare("hvp jax", "Hessian-vector product", want[0][-1], np.asarray(hv))
    except Exception as e:  # noqa: BLE001  (JAX refusing a program is noted, not a symdiff mismatch)
        res.skipped.append(f"jax raised {type(e).__name__}: {str(e)[:200]}")
