"""Benchmark problems, each written once per implementation.

A problem is a class with

* ``name`` / ``title`` / ``kinds``: the timed computations. ``"vg"`` is value
  and gradient, ``"value"`` the value alone, ``"hess"`` a Hessian. The first
  kind is the headline one.
* ``data(rng)``: the NumPy float64 input arrays, in argument order.
* one builder per implementation: ``numpy`` (hand-written, analytic
  derivatives; the reference every other implementation is checked
  against), ``symdiff``, ``jax``, ``pytensor`` and, where the task names
  them, ``numba`` (hand-written loops) and ``sympy`` (lambdify).

A builder takes the NumPy arguments and returns ``Built(fns, args)``:
``fns`` maps each kind to a callable and ``args`` are the arguments in the
form that implementation is called with (JAX gets device arrays made once,
outside the timing, as a JAX user would hold them). Outputs may be nested
tuples/lists of arrays or scalars; ``flatten`` normalises them for checks.

Only symdiff's public API (``import symdiff as sd``) is used here.

Importing this module does not import JAX, PyTensor, Numba or symdiff; the
builders do, so the runner can report "n/a" for whatever is missing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

# --------------------------------------------------------------------------
# helpers


@dataclass
class Built:
    fns: dict[str, Callable]
    args: tuple
    note: str = ""
    extra: dict = field(default_factory=dict)


def flatten(out: Any) -> list[np.ndarray]:
    """Nested tuples/lists of arrays/scalars -> flat list of NumPy arrays."""
    if isinstance(out, (tuple, list)):
        res: list[np.ndarray] = []
        for o in out:
            res.extend(flatten(o))
        return res
    return [np.asarray(out, dtype=np.float64)]


def check_close(actual: Any, expected: Any, rtol: float = 1e-6) -> tuple[bool, str]:
    """Compare outputs with rtol (float64), plus a tiny atol scaled to each output.

    The atol (1e-12 * max|expected|) only matters for entries that are
    rounding noise next to the largest entry of the same output.
    """
    a, e = flatten(actual), flatten(expected)
    if len(a) != len(e):
        return False, f"{len(a)} outputs, expected {len(e)}"
    worst = 0.0
    for i, (x, y) in enumerate(zip(a, e)):
        if x.shape != y.shape:
            return False, f"output {i}: shape {x.shape}, expected {y.shape}"
        if not np.all(np.isfinite(x)):
            return False, f"output {i}: non-finite values"
        atol = 1e-12 * float(np.max(np.abs(y))) if y.size else 0.0
        err = np.abs(x - y)
        tol = atol + rtol * np.abs(y)
        if np.any(err > tol):
            j = int(np.argmax(err - tol))
            return False, (f"output {i}: |diff|={err.flat[j]:.3g} at flat index {j} "
                           f"(expected {y.flat[j]:.6g}, got {x.flat[j]:.6g})")
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.max(np.where(np.abs(y) > atol, err / np.abs(y), 0.0)) if y.size else 0.0
        worst = max(worst, float(rel))
    return True, f"max rel err {worst:.1e}"


def _jax():
    import jax
    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")
    import jax.numpy as jnp
    return jax, jnp


def _jax_call(jf):
    import jax

    def call(*a):
        return jax.block_until_ready(jf(*a))
    return call


def _jax_args(args):
    _, jnp = _jax()
    return tuple(jnp.asarray(a) for a in args)


def _pt():
    import pytensor
    import pytensor.tensor as pt
    return pytensor, pt


def _pt_input(pt, name, arr):
    arr = np.asarray(arr)
    return pt.tensor(name, shape=arr.shape, dtype="float64")


def pytensor_modes() -> list[tuple[str, Any]]:
    """(label, mode) pairs to benchmark: the default mode, plus NUMBA and the
    C backend (CVM) when they differ from the default."""
    import pytensor
    from pytensor.compile.mode import get_default_mode
    from pytensor.link.numba.linker import NumbaLinker

    modes: list[tuple[str, Any]] = [("pytensor", None)]
    default_is_numba = isinstance(get_default_mode().linker, NumbaLinker)
    if not default_is_numba:
        modes.append(("pytensor-numba", "NUMBA"))
    if pytensor.config.cxx:
        modes.append(("pytensor-cvm", "CVM"))
    return modes


def pytensor_default_linker() -> str:
    from pytensor.compile.mode import get_default_mode
    return type(get_default_mode().linker).__name__


_NUMBA_CACHE: dict[tuple[str, bool], Callable] = {}


def _njit(fn: Callable, fastmath: bool) -> Callable:
    key = (fn.__qualname__, fastmath)
    if key not in _NUMBA_CACHE:
        import numba
        _NUMBA_CACHE[key] = numba.njit(fastmath=fastmath, cache=False)(fn)
    return _NUMBA_CACHE[key]


# --------------------------------------------------------------------------
# Rosenbrock


def _rosen_value_loop(x):
    f = 0.0
    for i in range(x.shape[0] - 1):
        t = x[i + 1] - x[i] * x[i]
        u = 1.0 - x[i]
        f += 100.0 * t * t + u * u
    return f


def _rosen_vg_loop(x):
    n = x.shape[0]
    g = np.zeros(n)
    f = 0.0
    for i in range(n - 1):
        xi = x[i]
        t = x[i + 1] - xi * xi
        u = 1.0 - xi
        f += 100.0 * t * t + u * u
        g[i] += -400.0 * xi * t - 2.0 * u
        g[i + 1] += 200.0 * t
    return f, g


class Rosenbrock:
    """f(x) = sum_i 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2, gradient w.r.t. x."""

    kinds = ("vg", "value")

    def __init__(self, n: int):
        self.n = n
        self.name = f"rosenbrock_{n}"
        self.title = f"Rosenbrock, n = {n:,}: value+gradient"

    def data(self, rng):
        return (rng.uniform(-2.0, 2.0, self.n),)

    # hand-written NumPy
    def numpy(self, args):
        def value(x):
            a, b = x[:-1], x[1:]
            return np.sum(100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2)

        def vg(x):
            a, b = x[:-1], x[1:]
            t = b - a * a
            u = 1.0 - a
            f = np.sum(100.0 * t * t + u * u)
            g = np.zeros_like(x)
            g[:-1] = -400.0 * a * t - 2.0 * u
            g[1:] += 200.0 * t
            return f, g

        return Built({"vg": vg, "value": value}, args)

    def symdiff(self, args, backend):
        import symdiff as sd
        x = sd.vector("x", self.n)
        a, b = x[:-1], x[1:]
        f = sd.sum(100.0 * (b - a ** 2) ** 2 + (1.0 - a) ** 2)
        g = sd.grad(f, x)
        return Built({"vg": sd.function([x], [f, g], backend=backend),
                      "value": sd.function([x], f, backend=backend)}, args)

    def jax(self, args):
        jax, jnp = _jax()

        def f(x):
            a, b = x[:-1], x[1:]
            return jnp.sum(100.0 * (b - a ** 2) ** 2 + (1.0 - a) ** 2)

        return Built({"vg": _jax_call(jax.jit(jax.value_and_grad(f))),
                      "value": _jax_call(jax.jit(f))}, _jax_args(args))

    def pytensor(self, args, mode):
        pytensor, pt = _pt()
        x = _pt_input(pt, "x", args[0])
        a, b = x[:-1], x[1:]
        f = pt.sum(100.0 * (b - a ** 2) ** 2 + (1.0 - a) ** 2)
        g = pytensor.grad(f, x)
        return Built({"vg": pytensor.function([x], [f, g], mode=mode),
                      "value": pytensor.function([x], f, mode=mode)}, args)

    def numba(self, args, fastmath=False):
        return Built({"vg": _njit(_rosen_vg_loop, fastmath),
                      "value": _njit(_rosen_value_loop, fastmath)}, args)


def _rosen_hvp_loop(x, v):
    n = x.shape[0]
    hv = np.zeros(n)
    for i in range(n - 1):
        xi, vi = x[i], v[i]
        t = x[i + 1] - xi * xi
        dt = v[i + 1] - 2.0 * xi * vi
        hv[i] += -400.0 * (vi * t + xi * dt) + 2.0 * vi
        hv[i + 1] += 200.0 * dt
    return hv


class RosenbrockHVP:
    """Hessian-vector product of Rosenbrock's function: H(x) v, without forming H."""

    kinds = ("hvp",)

    def __init__(self, n: int):
        self.n = n
        self.name = f"rosenbrock_hvp_{n}"
        self.title = f"Rosenbrock, n = {n:,}: Hessian-vector product"

    def data(self, rng):
        return (rng.uniform(-2.0, 2.0, self.n), rng.uniform(-1.0, 1.0, self.n))

    def numpy(self, args):
        def hvp(x, v):
            a, b, va, vb = x[:-1], x[1:], v[:-1], v[1:]
            t = b - a * a
            dt = vb - 2.0 * a * va
            hv = np.zeros_like(x)
            hv[:-1] = -400.0 * (va * t + a * dt) + 2.0 * va
            hv[1:] += 200.0 * dt
            return hv

        return Built({"hvp": hvp}, args)

    def symdiff(self, args, backend):
        import symdiff as sd
        x, v = sd.vector("x", self.n), sd.vector("v", self.n)
        a, b = x[:-1], x[1:]
        f = sd.sum(100.0 * (b - a ** 2) ** 2 + (1.0 - a) ** 2)
        return Built({"hvp": sd.function([x, v], sd.hvp(f, x, v), backend=backend)}, args)

    def jax(self, args):
        jax, jnp = _jax()

        def f(x):
            a, b = x[:-1], x[1:]
            return jnp.sum(100.0 * (b - a ** 2) ** 2 + (1.0 - a) ** 2)

        hvp = jax.jit(lambda x, v: jax.jvp(jax.grad(f), (x,), (v,))[1])
        return Built({"hvp": _jax_call(hvp)}, _jax_args(args))

    def pytensor(self, args, mode):
        pytensor, pt = _pt()
        x, v = _pt_input(pt, "x", args[0]), _pt_input(pt, "v", args[1])
        a, b = x[:-1], x[1:]
        f = pt.sum(100.0 * (b - a ** 2) ** 2 + (1.0 - a) ** 2)
        hv = pytensor.grad(pt.sum(pytensor.grad(f, x) * v), x)
        return Built({"hvp": pytensor.function([x, v], hv, mode=mode)}, args)

    def numba(self, args, fastmath=False):
        return Built({"hvp": _njit(_rosen_hvp_loop, fastmath)}, args)


# --------------------------------------------------------------------------
# Logistic regression


class LogReg:
    """Mean logistic loss L(w) = mean(softplus(X w) - y * (X w)), X: 20,000 x 100."""

    def __init__(self, hessian: bool, m: int = 20_000, d: int = 100):
        self.m, self.d, self.hessian = m, d, hessian
        if hessian:
            self.name = "logreg_hessian"
            self.title = f"logistic regression {m:,} x {d}: {d} x {d} Hessian"
            self.kinds = ("hess",)
        else:
            self.name = "logreg"
            self.title = f"logistic regression {m:,} x {d}: value+gradient"
            self.kinds = ("vg", "value")

    def data(self, rng):
        X = rng.standard_normal((self.m, self.d)) / math.sqrt(self.d)
        w_true = rng.standard_normal(self.d)
        y = (rng.uniform(size=self.m) < 1.0 / (1.0 + np.exp(-X @ w_true))).astype(np.float64)
        w = 0.1 * rng.standard_normal(self.d)
        return (w, X, y)

    def numpy(self, args):
        m = self.m

        def value(w, X, y):
            z = X @ w
            return np.mean(np.logaddexp(0.0, z) - y * z)

        def vg(w, X, y):
            z = X @ w
            f = np.mean(np.logaddexp(0.0, z) - y * z)
            s = 0.5 * (1.0 + np.tanh(0.5 * z))  # sigmoid, overflow-free
            return f, X.T @ (s - y) * (1.0 / m)

        def hess(w, X, y):
            z = X @ w
            s = 0.5 * (1.0 + np.tanh(0.5 * z))
            d = s * (1.0 - s) * (1.0 / m)
            return (X.T * d) @ X

        fns = {"hess": hess} if self.hessian else {"vg": vg, "value": value}
        return Built(fns, args)

    def symdiff(self, args, backend):
        import symdiff as sd
        w = sd.vector("w", self.d)
        X = sd.matrix("X", (self.m, self.d))
        y = sd.vector("y", self.m)
        z = X @ w
        L = sd.mean(sd.softplus(z) - y * z)
        ins = [w, X, y]
        if self.hessian:
            fns = {"hess": sd.function(ins, sd.hessian(L, w), backend=backend)}
        else:
            fns = {"vg": sd.function(ins, [L, sd.grad(L, w)], backend=backend),
                   "value": sd.function(ins, L, backend=backend)}
        return Built(fns, args)

    def jax(self, args):
        jax, jnp = _jax()

        def L(w, X, y):
            z = X @ w
            return jnp.mean(jax.nn.softplus(z) - y * z)

        if self.hessian:
            fns = {"hess": _jax_call(jax.jit(jax.hessian(L)))}
        else:
            fns = {"vg": _jax_call(jax.jit(jax.value_and_grad(L))),
                   "value": _jax_call(jax.jit(L))}
        return Built(fns, _jax_args(args))

    def pytensor(self, args, mode):
        pytensor, pt = _pt()
        from pytensor.gradient import jacobian
        w, X, y = (_pt_input(pt, n, a) for n, a in zip("wXy", args))
        z = X @ w
        L = pt.mean(pt.softplus(z) - y * z)
        g = pytensor.grad(L, w)
        ins = [w, X, y]
        if self.hessian:
            # vectorize=True builds the Hessian without a Scan loop (PyTensor's
            # fastest option; pytensor.gradient.hessian loops over entries).
            H = jacobian(g, w, vectorize=True)
            fns = {"hess": pytensor.function(ins, H, mode=mode)}
        else:
            fns = {"vg": pytensor.function(ins, [L, g], mode=mode),
                   "value": pytensor.function(ins, L, mode=mode)}
        return Built(fns, args)


# --------------------------------------------------------------------------
# MLP 784-512-10, softmax cross-entropy


class MLP:
    """relu MLP 784-512-10, mean softmax cross-entropy over a batch of 256;
    value and gradient w.r.t. W1, b1, W2, b2."""

    name = "mlp"
    kinds = ("vg", "value")

    def __init__(self, batch=256, d_in=784, d_hid=512, d_out=10):
        self.B, self.i, self.h, self.o = batch, d_in, d_hid, d_out
        self.title = f"MLP {d_in}-{d_hid}-{d_out} softmax x-entropy, batch {batch}: value+gradient"

    def data(self, rng):
        W1 = rng.standard_normal((self.i, self.h)) * math.sqrt(2.0 / self.i)
        b1 = 0.01 * rng.standard_normal(self.h)
        W2 = rng.standard_normal((self.h, self.o)) * math.sqrt(1.0 / self.h)
        b2 = 0.01 * rng.standard_normal(self.o)
        X = rng.uniform(0.0, 1.0, (self.B, self.i))
        Y = np.eye(self.o)[rng.integers(0, self.o, self.B)]
        return (W1, b1, W2, b2, X, Y)

    def numpy(self, args):
        B = self.B

        def forward(W1, b1, W2, b2, X, Y):
            z1 = X @ W1 + b1
            h = np.maximum(z1, 0.0)
            z2 = h @ W2 + b2
            mx = z2.max(axis=1, keepdims=True)
            lse = mx + np.log(np.exp(z2 - mx).sum(axis=1, keepdims=True))
            logp = z2 - lse
            return z1, h, logp, -np.sum(Y * logp) / B

        def value(*a):
            return forward(*a)[3]

        def vg(W1, b1, W2, b2, X, Y):
            z1, h, logp, f = forward(W1, b1, W2, b2, X, Y)
            dz2 = (np.exp(logp) * Y.sum(axis=1, keepdims=True) - Y) / B
            dW2 = h.T @ dz2
            db2 = dz2.sum(axis=0)
            dz1 = (dz2 @ W2.T) * (z1 > 0.0)
            dW1 = X.T @ dz1
            db1 = dz1.sum(axis=0)
            return f, dW1, db1, dW2, db2

        return Built({"vg": vg, "value": value}, args)

    # ``kinds`` lets benchmarks/compile_time.py build the value+gradient only.
    def symdiff(self, args, backend, kinds=kinds):
        import symdiff as sd
        W1 = sd.matrix("W1", (self.i, self.h))
        b1 = sd.vector("b1", self.h)
        W2 = sd.matrix("W2", (self.h, self.o))
        b2 = sd.vector("b2", self.o)
        X = sd.matrix("X", (self.B, self.i))
        Y = sd.matrix("Y", (self.B, self.o))
        h = sd.relu(X @ W1 + b1)
        logp = sd.log_softmax(h @ W2 + b2, axis=-1)
        L = -sd.mean(sd.sum(Y * logp, axis=1))
        params = [W1, b1, W2, b2]
        ins = params + [X, Y]
        grads = sd.grad(L, params)
        fns = {"vg": lambda: sd.function(ins, [L, *grads], backend=backend),
               "value": lambda: sd.function(ins, L, backend=backend)}
        return Built({k: fns[k]() for k in kinds}, args)

    def jax(self, args, kinds=kinds):
        jax, jnp = _jax()

        def L(W1, b1, W2, b2, X, Y):
            h = jax.nn.relu(X @ W1 + b1)
            logp = jax.nn.log_softmax(h @ W2 + b2, axis=-1)
            return -jnp.mean(jnp.sum(Y * logp, axis=1))

        fns = {"vg": lambda: _jax_call(jax.jit(jax.value_and_grad(L, argnums=(0, 1, 2, 3)))),
               "value": lambda: _jax_call(jax.jit(L))}
        return Built({k: fns[k]() for k in kinds}, _jax_args(args))

    def pytensor(self, args, mode, kinds=kinds):
        pytensor, pt = _pt()
        from pytensor.tensor.special import log_softmax
        W1, b1, W2, b2, X, Y = (_pt_input(pt, n, a) for n, a in
                                zip(["W1", "b1", "W2", "b2", "X", "Y"], args))
        h = pt.maximum(X @ W1 + b1, 0.0)
        logp = log_softmax(h @ W2 + b2, axis=-1)
        L = -pt.mean(pt.sum(Y * logp, axis=1))
        params = [W1, b1, W2, b2]
        grads = pytensor.grad(L, params)
        ins = params + [X, Y]
        fns = {"vg": lambda: pytensor.function(ins, [L, *grads], mode=mode),
               "value": lambda: pytensor.function(ins, L, mode=mode)}
        return Built({k: fns[k]() for k in kinds}, args)


# --------------------------------------------------------------------------
# tiny scalar function: per-call overhead


def _tiny_value_loop(x, y):
    return math.sin(x) * math.exp(y) + x * y * y


def _tiny_vg_loop(x, y):
    s = math.sin(x)
    e = math.exp(y)
    return s * e + x * y * y, math.cos(x) * e + y * y, s * e + 2.0 * x * y


class TinyScalar:
    """f(x, y) = sin(x) exp(y) + x y^2 on two Python floats: per-call time."""

    name = "tiny_scalar"
    title = "tiny scalar f(x,y) = sin(x) exp(y) + x y^2: value+gradient per call"
    kinds = ("vg", "value")

    def data(self, rng):
        return (0.7, -0.3)

    def numpy(self, args):
        def value(x, y):
            return np.sin(x) * np.exp(y) + x * y * y

        def vg(x, y):
            s, e = np.sin(x), np.exp(y)
            return s * e + x * y * y, np.cos(x) * e + y * y, s * e + 2.0 * x * y

        return Built({"vg": vg, "value": value}, args)

    def symdiff(self, args, backend):
        import symdiff as sd
        x, y = sd.scalar("x"), sd.scalar("y")
        f = sd.sin(x) * sd.exp(y) + x * y ** 2
        gx, gy = sd.grad(f, [x, y])
        return Built({"vg": sd.function([x, y], [f, gx, gy], backend=backend),
                      "value": sd.function([x, y], f, backend=backend)}, args)

    def jax(self, args):
        jax, jnp = _jax()

        def f(x, y):
            return jnp.sin(x) * jnp.exp(y) + x * y ** 2

        return Built({"vg": _jax_call(jax.jit(jax.value_and_grad(f, argnums=(0, 1)))),
                      "value": _jax_call(jax.jit(f))}, _jax_args(args))

    def pytensor(self, args, mode):
        pytensor, pt = _pt()
        x, y = pt.dscalar("x"), pt.dscalar("y")
        f = pt.sin(x) * pt.exp(y) + x * y ** 2
        gx, gy = pytensor.grad(f, [x, y])
        return Built({"vg": pytensor.function([x, y], [f, gx, gy], mode=mode),
                      "value": pytensor.function([x, y], f, mode=mode)}, args)

    def numba(self, args, fastmath=False):
        return Built({"vg": _njit(_tiny_vg_loop, fastmath),
                      "value": _njit(_tiny_value_loop, fastmath)}, args)

    def sympy(self, args):
        import sympy
        x, y = sympy.symbols("x y")
        f = sympy.sin(x) * sympy.exp(y) + x * y ** 2
        vg = sympy.lambdify((x, y), [f, sympy.diff(f, x), sympy.diff(f, y)], modules="math")
        value = sympy.lambdify((x, y), f, modules="math")
        return Built({"vg": vg, "value": value}, args, note='lambdify(modules="math")')


# --------------------------------------------------------------------------
# elementwise-heavy


def _ew_value_loop(x, y):
    f = 0.0
    for i in range(x.shape[0]):
        f += math.log1p(math.exp(math.sin(x[i]) * math.cos(y[i])))
    return f


def _ew_vg_loop(x, y):
    n = x.shape[0]
    gx = np.empty(n)
    gy = np.empty(n)
    f = 0.0
    for i in range(n):
        sx, cx = math.sin(x[i]), math.cos(x[i])
        sy, cy = math.sin(y[i]), math.cos(y[i])
        e = math.exp(sx * cy)
        f += math.log1p(e)
        s = e / (1.0 + e)
        gx[i] = s * cx * cy
        gy[i] = -s * sx * sy
    return f, gx, gy


class Elementwise:
    """f(x, y) = sum(log1p(exp(sin(x) * cos(y)))), gradient w.r.t. x and y."""

    kinds = ("vg", "value")

    def __init__(self, n: int = 1_000_000):
        self.n = n
        self.name = "elementwise"
        self.title = f"sum(log1p(exp(sin(x) * cos(y)))), n = {n:,}: value+gradient"

    def data(self, rng):
        return (rng.uniform(-3.0, 3.0, self.n), rng.uniform(-3.0, 3.0, self.n))

    def numpy(self, args):
        def value(x, y):
            return np.sum(np.log1p(np.exp(np.sin(x) * np.cos(y))))

        def vg(x, y):
            sx, cx, sy, cy = np.sin(x), np.cos(x), np.sin(y), np.cos(y)
            e = np.exp(sx * cy)
            f = np.sum(np.log1p(e))
            s = e / (1.0 + e)
            return f, s * cx * cy, -s * sx * sy

        return Built({"vg": vg, "value": value}, args)

    def symdiff(self, args, backend):
        import symdiff as sd
        x, y = sd.vector("x", self.n), sd.vector("y", self.n)
        f = sd.sum(sd.log1p(sd.exp(sd.sin(x) * sd.cos(y))))
        gx, gy = sd.grad(f, [x, y])
        return Built({"vg": sd.function([x, y], [f, gx, gy], backend=backend),
                      "value": sd.function([x, y], f, backend=backend)}, args)

    def jax(self, args):
        jax, jnp = _jax()

        def f(x, y):
            return jnp.sum(jnp.log1p(jnp.exp(jnp.sin(x) * jnp.cos(y))))

        return Built({"vg": _jax_call(jax.jit(jax.value_and_grad(f, argnums=(0, 1)))),
                      "value": _jax_call(jax.jit(f))}, _jax_args(args))

    def pytensor(self, args, mode):
        pytensor, pt = _pt()
        x, y = _pt_input(pt, "x", args[0]), _pt_input(pt, "y", args[1])
        f = pt.sum(pt.log1p(pt.exp(pt.sin(x) * pt.cos(y))))
        gx, gy = pytensor.grad(f, [x, y])
        return Built({"vg": pytensor.function([x, y], [f, gx, gy], mode=mode),
                      "value": pytensor.function([x, y], f, mode=mode)}, args)

    def numba(self, args, fastmath=False):
        return Built({"vg": _njit(_ew_vg_loop, fastmath),
                      "value": _njit(_ew_value_loop, fastmath)}, args)


# --------------------------------------------------------------------------

def all_problems() -> list:
    return [
        Rosenbrock(1_000),
        Rosenbrock(1_000_000),
        RosenbrockHVP(1_000_000),
        LogReg(hessian=False),
        LogReg(hessian=True),
        MLP(),
        TinyScalar(),
        Elementwise(),
    ]
