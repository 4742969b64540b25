"""Every differentiable OpCase: derivatives against central finite differences.

For each differentiable input ``x_i`` of each row (float64 inputs, sampled away
from kinks by the row's domain), with random directions ``u`` (output-shaped)
and ``v`` (input-shaped):

* reverse mode: ``sd.vjp(y, x_i, u)`` equals the FD gradient of ``<u, f(x)>``;
* forward mode: ``sd.jvp(y, x_i, v)`` equals ``(f(x + eps v) - f(x - eps v)) / 2 eps``
  (hence also ``<u, J v>`` equals the FD of ``<u, f(x + eps v)>``);
* ``sd.grad(sum(u * y), x_i)`` equals the same FD gradient;
* second order: ``sd.jvp(sd.vjp(y, x_i, u), x_j, w)`` for every differentiable
  ``x_j`` equals the FD of the (compiled) VJP along ``w``, and ``<z, .>`` of it
  equals the mixed second difference of the NumPy oracle;
* ``sd.hvp`` and ``sd.hessian`` of ``sum(u * y)`` against the same oracles;
* ``sd.jacobian(y, x_i)`` equals the FD Jacobian (shape ``y.shape + x.shape``);
* ``sd.check_grad`` passes on correct gradients and raises, naming the worst
  entry, at a kink where the JAX convention and central differences disagree.

All finite differences are taken on the NumPy oracle ``case.ref``, except the
"FD of the compiled VJP/gradient" checks, whose first-order inputs are
themselves checked against the oracle by the first-order tests above.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import symdiff as sd
from tests.optable import CASE_BY_ID, CASES, NAMES, assert_close

EPS = 1e-6    # first-order central differences
EPS2 = 1e-4   # mixed second differences of the oracle
EPS_D = 1e-5  # central differences of compiled first derivatives
MACH = np.finfo(np.float64).eps

#: forward mode (jvp, jacobian) on every differentiable row ...
FWD = [(c, i) for c in CASES for i in c.diff_args()]
FWD_IDS = [f"{c.id}-{NAMES[i]}" for c, i in FWD]
#: ... reverse mode and second order on every row that has it (not while_loop)
DIFF = [(c, i) for c, i in FWD if not c.forward_only]
DIFF_IDS = [f"{c.id}-{NAMES[i]}" for c, i in DIFF]
#: rows whose Hessian is checked entry by entry (small inputs)
HESS = [(c, i) for c, i in DIFF if c.sample()[i].size <= 24]
HESS_IDS = [f"{c.id}-{NAMES[i]}" for c, i in HESS]
JAC = [(c, i) for c, i in FWD if c.sample()[i].size <= 24]


# ---------------------------------------------------------------------------
# Finite differences on the NumPy oracle
# ---------------------------------------------------------------------------


def _f(case, xs):
    return np.asarray(case.ref(*xs), dtype=np.float64)


def _shift(xs, *moves):
    """``xs`` with ``delta`` added to input ``i`` for each ``(i, delta)``."""
    out = [np.array(x, copy=True) for x in xs]
    for i, delta in moves:
        out[i] = out[i] + delta
    return out


def _F(case, xs, u):
    return float(np.sum(u * _f(case, xs)))


def fd_gradient(case, xs, i, u, eps=EPS):
    """Central-difference gradient of ``<u, f(x)>`` by input ``i``, and a noise bound."""
    g = np.zeros(xs[i].shape)
    fmax = abs(_F(case, xs, u))
    for k in range(g.size):
        e = np.zeros(xs[i].shape)
        e.flat[k] = eps
        fp, fm = _F(case, _shift(xs, (i, e)), u), _F(case, _shift(xs, (i, -e)), u)
        g.flat[k] = (fp - fm) / (2 * eps)
        fmax = max(fmax, abs(fp), abs(fm))
    return g, 50 * MACH * max(fmax, 1.0) / eps


def fd_directional(case, xs, i, v, eps=EPS):
    """``(f(x_i + eps v) - f(x_i - eps v)) / 2 eps`` and a noise bound."""
    fp, fm = _f(case, _shift(xs, (i, eps * v))), _f(case, _shift(xs, (i, -eps * v)))
    fmax = max(np.max(np.abs(fp), initial=1.0), np.max(np.abs(fm), initial=1.0))
    return (fp - fm) / (2 * eps), 50 * MACH * fmax * max(np.max(np.abs(v), initial=1.0), 1) / eps


def fd_mixed(case, xs, u, i, z, j, w, eps=EPS2):
    """``d^2/ds dt <u, f(x_i + s z, x_j + t w)>`` at 0 (same input allowed), and a noise bound."""
    vals = {}
    for s in (1, -1):
        for t in (1, -1):
            vals[s, t] = _F(case, _shift(xs, (i, s * eps * z), (j, t * eps * w)), u)
    d = (vals[1, 1] - vals[1, -1] - vals[-1, 1] + vals[-1, -1]) / (4 * eps * eps)
    fmax = max(1.0, *map(abs, vals.values()))
    return d, 50 * MACH * fmax / (eps * eps)


def fd_jacobian(case, xs, i, eps=EPS):
    y = _f(case, xs)
    J = np.zeros(y.shape + xs[i].shape)
    Jf = J.reshape(y.shape + (xs[i].size,))
    fmax = np.max(np.abs(y), initial=1.0)
    for k in range(xs[i].size):
        e = np.zeros(xs[i].shape)
        e.flat[k] = eps
        fp, fm = _f(case, _shift(xs, (i, e))), _f(case, _shift(xs, (i, -e)))
        Jf[..., k] = (fp - fm) / (2 * eps)
        fmax = max(fmax, np.max(np.abs(fp), initial=1.0), np.max(np.abs(fm), initial=1.0))
    return J, 50 * MACH * fmax / eps


def fd_hessian(case, xs, u, i, eps=EPS2):
    n = xs[i].size
    shape = xs[i].shape
    H = np.zeros((n, n))
    noise = 0.0
    for a in range(n):
        ea = np.zeros(shape)
        ea.flat[a] = 1.0
        for b in range(a, n):
            eb = np.zeros(shape)
            eb.flat[b] = 1.0
            H[a, b], nz = fd_mixed(case, xs, u, i, ea, i, eb, eps)
            H[b, a] = H[a, b]
            noise = max(noise, nz)
    return H.reshape(shape + shape), noise


def fd_of_compiled(fn, xs, j, w, eps=EPS_D):
    """Central difference of a compiled function along ``w`` in input ``j``."""
    gp = np.asarray(fn(*_shift(xs, (j, eps * w))), dtype=np.float64)
    gm = np.asarray(fn(*_shift(xs, (j, -eps * w))), dtype=np.float64)
    scale = max(np.max(np.abs(gp), initial=1.0), np.max(np.abs(gm), initial=1.0))
    return (gp - gm) / (2 * eps), 50 * MACH * scale / eps


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _setup(case, i):
    syms = case.symbols()
    y = case.fn(*syms)
    xs = case.sample()
    rng = case.rng("directions", i)
    y_shape = np.shape(case.oracle(*xs))
    u = rng.standard_normal(y_shape)
    v = rng.standard_normal(xs[i].shape)
    return syms, y, xs, u, v, rng


class Dirs:
    """Direction values as graph nodes.

    Constants (``sd.constant``) normally; for rows with symbolic dimensions a
    constant of fixed shape would unify ``'n'`` with its size (docs/semantics.md)
    and the derivative would lose its symbolic shape, so there the directions
    become extra input symbols of the node's symbolic shape, fed at call time.
    """

    def __init__(self, case, syms):
        self.symbolic = bool(case.sizes)
        self.syms = list(syms)
        self.n = len(syms)
        self.values = []

    def __call__(self, value, shape):
        if not self.symbolic:
            return sd.constant(value)
        sym = sd.tensor(f"dir{len(self.values)}", tuple(shape))
        self.syms.append(sym)
        self.values.append(value)
        return sym

    def compile(self, outputs, backend):
        """``sd.function`` over the inputs (and direction symbols); call it with the inputs only."""
        fn = sd.function(self.syms, outputs, backend=backend)
        extra = list(self.values)
        return lambda *xs: fn(*xs, *extra)


def _check(case, got, want, noise, what, rtol=None, atol=None):
    rtol = case.grad_rtol if rtol is None else rtol
    atol = case.grad_atol if atol is None else atol
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    assert_close(got, want, rtol, atol * scale + noise, what=f"{case.id} {what}")


def _check_derivative_node(case, node, symbolic_shape, shape, what):
    """``node.shape`` is the contract's shape (symbolic dims kept) and resolves to ``shape``."""
    assert tuple(node.shape) == tuple(symbolic_shape), (
        f"{what}: node.shape {node.shape}, expected {tuple(symbolic_shape)}")
    assert case.resolve(node.shape) == tuple(shape), f"{what}: node.shape {node.shape}, expected {shape}"
    assert node.dtype == np.float64, f"{what}: node.dtype {node.dtype}"


# ---------------------------------------------------------------------------
# First order
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("case,i", DIFF, ids=DIFF_IDS)
def test_vjp(case, i, backend):
    syms, y, xs, u, v, _ = _setup(case, i)
    d = Dirs(case, syms)
    g = sd.vjp(y, syms[i], d(u, y.shape))
    _check_derivative_node(case, g, syms[i].shape, xs[i].shape, "vjp")
    got = np.asarray(d.compile(g, backend)(*xs))
    want, noise = fd_gradient(case, xs, i, u)
    _check(case, got, want, noise, f"vjp by {NAMES[i]}")


@pytest.mark.parametrize("case,i", FWD, ids=FWD_IDS)
def test_jvp(case, i, backend):
    syms, y, xs, u, v, _ = _setup(case, i)
    d = Dirs(case, syms)
    jv = sd.jvp(y, syms[i], d(v, syms[i].shape))
    _check_derivative_node(case, jv, y.shape, np.shape(u), "jvp")
    got = np.asarray(d.compile(jv, backend)(*xs))
    want, noise = fd_directional(case, xs, i, v)
    _check(case, got, want, noise, f"jvp by {NAMES[i]}")
    # <u, J v> against the FD of <u, f(x + eps v)> (implied by the above, stated as a scalar)
    fp = _F(case, _shift(xs, (i, EPS * v)), u)
    fm = _F(case, _shift(xs, (i, -EPS * v)), u)
    want_s = (fp - fm) / (2 * EPS)
    noise_s = 50 * MACH * max(1.0, abs(fp), abs(fm)) / EPS
    _check(case, np.sum(u * got), want_s, noise_s, f"<u, J v> by {NAMES[i]}",
           atol=case.grad_atol * max(1, u.size))


@pytest.mark.parametrize("case,i", DIFF, ids=DIFF_IDS)
def test_grad(case, i, backend):
    syms, y, xs, u, v, _ = _setup(case, i)
    d = Dirs(case, syms)
    cost = sd.sum(d(u, y.shape) * y)
    g = sd.grad(cost, syms[i])
    _check_derivative_node(case, g, syms[i].shape, xs[i].shape, "grad")
    got = np.asarray(d.compile(g, backend)(*xs))
    want, noise = fd_gradient(case, xs, i, u)
    _check(case, got, want, noise, f"grad by {NAMES[i]}")


MULTI = [c for c in CASES if len(c.diff_args()) > 1 and not c.forward_only]


@pytest.mark.parametrize("case", MULTI, ids=[c.id for c in MULTI])
def test_grad_list_of_inputs(case, backend):
    """``sd.grad(cost, [x_i, x_j, ...])`` gives one gradient per input, in order."""
    idx = case.diff_args()
    syms, y, xs, u, v, _ = _setup(case, idx[0])
    d = Dirs(case, syms)
    cost = sd.sum(d(u, y.shape) * y)
    gs = sd.grad(cost, [syms[i] for i in idx])
    assert isinstance(gs, list) and len(gs) == len(idx)
    got = d.compile(gs, backend)(*xs)
    assert isinstance(got, tuple) and len(got) == len(idx)
    for g, i in zip(got, idx):
        want, noise = fd_gradient(case, xs, i, u)
        _check(case, np.asarray(g), want, noise, f"grad list entry {NAMES[i]}")


SYMBOLIC = [(c, i) for c, i in DIFF if c.sizes and c.alt_sizes]


@pytest.mark.parametrize("case,i", SYMBOLIC, ids=[f"{c.id}-{NAMES[i]}" for c, i in SYMBOLIC])
def test_symbolic_dims_one_compiled_derivative_serves_every_size(case, i, backend):
    """The gradient and the HVP, compiled once, are right at two different sizes."""
    syms = case.symbols()
    y = case.fn(*syms)
    u_sym = sd.tensor("u", tuple(y.shape))
    v_sym = sd.tensor("v", tuple(syms[i].shape))
    cost = sd.sum(u_sym * y)
    fn = sd.function([*syms, u_sym, v_sym],
                     [sd.grad(cost, syms[i]), sd.hvp(cost, syms[i], v_sym)], backend=backend)
    for trial, sizes in enumerate([dict(case.sizes), dict(case.alt_sizes)]):
        xs = case.sample("sizes", trial, sizes=sizes)
        rng = case.rng("sizes", trial, i)
        u = rng.standard_normal(np.shape(case.oracle(*xs)))
        v = rng.standard_normal(xs[i].shape)
        g, hv = fn(*xs, u, v)
        want, noise = fd_gradient(case, xs, i, u)
        _check(case, np.asarray(g), want, noise, f"grad by {NAMES[i]} at sizes {sizes}")
        want_s, noise_s = fd_mixed(case, xs, u, i, v, i, v)
        _check(case, np.sum(v * np.asarray(hv)), want_s, noise_s,
               f"<v, hvp> by {NAMES[i]} at sizes {sizes}",
               rtol=case.hess_rtol, atol=case.hess_atol * max(1, v.size))


# ---------------------------------------------------------------------------
# Second order
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("case,i", DIFF, ids=DIFF_IDS)
def test_jvp_of_vjp(case, i, backend):
    syms, y, xs, u, v, rng = _setup(case, i)
    d = Dirs(case, syms)
    g = sd.vjp(y, syms[i], d(u, y.shape))
    js = case.diff_args()
    ws = [rng.standard_normal(xs[j].shape) for j in js]
    hs = [sd.jvp(g, syms[j], d(w, syms[j].shape)) for j, w in zip(js, ws)]
    for h in hs:
        _check_derivative_node(case, h, syms[i].shape, xs[i].shape, "jvp(vjp)")
    # one compiled function per test (keeps compiling backends fast): [g, h_j...]
    fn = d.compile([g, *hs], backend)
    got_all = fn(*xs)

    def g_fn(*vals):
        return fn(*vals)[0]

    for j, w, got in zip(js, ws, got_all[1:]):
        got = np.asarray(got)
        z = rng.standard_normal(xs[i].shape)
        what = f"jvp(vjp by {NAMES[i]}) along {NAMES[j]}"
        want, noise = fd_of_compiled(g_fn, xs, j, w)
        _check(case, got, want, noise, what + " vs FD of the VJP")
        want_s, noise_s = fd_mixed(case, xs, u, i, z, j, w)
        _check(case, np.sum(z * got), want_s, noise_s, what + " vs oracle 2nd difference",
               rtol=case.hess_rtol, atol=case.hess_atol * max(1, z.size))


@pytest.mark.parametrize("case,i", DIFF, ids=DIFF_IDS)
def test_hvp(case, i, backend):
    syms, y, xs, u, v, rng = _setup(case, i)
    d = Dirs(case, syms)
    cost = sd.sum(d(u, y.shape) * y)
    hv = sd.hvp(cost, syms[i], d(v, syms[i].shape))
    _check_derivative_node(case, hv, syms[i].shape, xs[i].shape, "hvp")
    fn = d.compile([hv, sd.grad(cost, syms[i])], backend)
    got = np.asarray(fn(*xs)[0])

    def g_fn(*vals):
        return fn(*vals)[1]

    want, noise = fd_of_compiled(g_fn, xs, i, v)
    _check(case, got, want, noise, f"hvp by {NAMES[i]} vs FD of the gradient")
    z = rng.standard_normal(xs[i].shape)
    want_s, noise_s = fd_mixed(case, xs, u, i, z, i, v)
    _check(case, np.sum(z * got), want_s, noise_s, f"hvp by {NAMES[i]} vs oracle 2nd difference",
           rtol=case.hess_rtol, atol=case.hess_atol * max(1, z.size))


@pytest.mark.parametrize("case,i", HESS, ids=HESS_IDS)
def test_hessian(case, i, backend):
    syms, y, xs, u, v, _ = _setup(case, i)
    d = Dirs(case, syms)
    cost = sd.sum(d(u, y.shape) * y)
    H = sd.hessian(cost, syms[i])
    _check_derivative_node(case, H, syms[i].shape + syms[i].shape, xs[i].shape + xs[i].shape,
                           "hessian")
    got = np.asarray(d.compile(H, backend)(*xs))
    want, noise = fd_hessian(case, xs, u, i)
    _check(case, got, want, noise, f"hessian by {NAMES[i]}",
           rtol=case.hess_rtol, atol=case.hess_atol)


@pytest.mark.parametrize("case,i", JAC, ids=[f"{c.id}-{NAMES[i]}" for c, i in JAC])
def test_jacobian(case, i, backend):
    syms, y, xs, u, v, _ = _setup(case, i)
    J = sd.jacobian(y, syms[i])
    _check_derivative_node(case, J, y.shape + syms[i].shape, np.shape(u) + xs[i].shape,
                           "jacobian")
    got = np.asarray(sd.function(syms, J, backend=backend)(*xs))
    want, noise = fd_jacobian(case, xs, i)
    _check(case, got, want, noise, f"jacobian by {NAMES[i]}")


# ---------------------------------------------------------------------------
# NumPy arrays as directions (the contract: arrays mix in everywhere)
# ---------------------------------------------------------------------------

NDARRAY_DIRS = [CASE_BY_ID[k] for k in ("exp", "matmul_mm", "softmax", "sum_tuple_axis",
                                        "getitem_mixed", "power")]


@pytest.mark.parametrize("case", NDARRAY_DIRS, ids=[c.id for c in NDARRAY_DIRS])
def test_directions_as_ndarrays(case, backend):
    i = case.diff_args()[0]
    syms, y, xs, u, v, _ = _setup(case, i)
    fn = sd.function(syms, [sd.vjp(y, syms[i], u), sd.jvp(y, syms[i], v),
                            sd.hvp(sd.sum(u * y), syms[i], v)], backend=backend)
    g, jv, hv = fn(*xs)
    want, noise = fd_gradient(case, xs, i, u)
    _check(case, g, want, noise, "vjp with ndarray cotangent")
    want, noise = fd_directional(case, xs, i, v)
    _check(case, jv, want, noise, "jvp with ndarray tangent")
    want_s, noise_s = fd_mixed(case, xs, u, i, v, i, v)
    _check(case, np.sum(v * hv), want_s, noise_s, "hvp with ndarray tangent",
           rtol=case.hess_rtol, atol=case.hess_atol * max(1, v.size))


# ---------------------------------------------------------------------------
# sd.check_grad
# ---------------------------------------------------------------------------

CHECK_GRAD = [CASE_BY_ID[k] for k in ("exp", "matmul_mm", "softmax_axis0", "logsumexp_axis1",
                                      "prod_with_zero", "where", "einsum_trace", "take_flat")]


@pytest.mark.parametrize("case", CHECK_GRAD, ids=[c.id for c in CHECK_GRAD])
def test_check_grad_passes(case):
    """A correct gradient at a smooth point passes (check_grad raises on mismatch)."""
    for i in case.diff_args():
        syms, y, xs, u, v, _ = _setup(case, i)
        cost = sd.sum(sd.constant(u) * y)  # CHECK_GRAD rows have no symbolic dimensions
        sd.check_grad(cost, syms[i], dict(zip(syms, xs)))


def test_check_grad_reports_worst_entry_at_a_kink():
    """At ``x = 0`` the gradient of ``sum(abs(x))`` is 1 (JAX convention) while the
    central difference is 0: check_grad must raise and name that entry (index 5)."""
    x = sd.vector("x", 7)
    values = np.array([1.0, -2.0, 3.0, -1.0, 2.0, 0.0, -3.0])
    with pytest.raises(AssertionError) as info:
        sd.check_grad(sd.sum(sd.abs(x)), x, {x: values})
    assert re.search(r"(?<![\d.eE+-])5(?![\d.])", str(info.value)), str(info.value)
