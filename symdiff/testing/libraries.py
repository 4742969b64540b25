"""The namespaces a fuzz program runs on: symdiff, NumPy with SciPy, and JAX.

A program is Python text over one name, ``L``: ``L.exp(a)``, ``L.linalg.solve(m, b)``,
``L.scan(body, init, xs)``, ``L.at(x)[1:].add(v)``. Each namespace gives every name NumPy's
meaning: most are looked up on the library itself (``numpy``, ``jax.numpy``, ``symdiff``), the
rest (special functions, neural-network helpers, loops, functional updates) are adapted here.
"""

from __future__ import annotations

import functools
import operator

import numpy as np
import scipy.linalg
import scipy.special as sc


class Namespace:
    """``base``'s names, overridden by ``extra`` (a dict); ``linalg`` likewise."""

    def __init__(self, name: str, base, extra: dict, linalg_base=None, linalg_extra: dict | None = None):
        self.name = name
        self._base = base
        self.__dict__.update(extra)
        if linalg_base is not None:
            self.linalg = Namespace(name + ".linalg", linalg_base, linalg_extra or {})

    def __getattr__(self, attr):
        return getattr(self._base, attr)

    def __repr__(self):
        return f"<namespace {self.name}>"


def _float_dtype(x):
    d = np.asarray(x).dtype if not hasattr(x, "dtype") else x.dtype
    return d if np.issubdtype(d, np.floating) else np.dtype("float64")


# -- symdiff ----------------------------------------------------------------------------------

def symdiff_namespace():
    import symdiff as sd

    def scan(f, init, xs=None, length=None, reverse=False, checkpoint=None):
        return sd.scan(f, init, xs, length=length, reverse=reverse, checkpoint=checkpoint)

    return Namespace("symdiff", sd, {"at": lambda x: x.at, "scan": scan}, sd.linalg, {})


# -- NumPy and SciPy --------------------------------------------------------------------------

class _NumpyAt:
    """``x.at[index].set(v)`` ... for NumPy arrays: a copy, updated (``np.add.at`` for repeats)."""

    def __init__(self, x, index=None):
        self.x, self.index = np.asarray(x), index

    def __getitem__(self, index):
        return _NumpyAt(self.x, index)

    def _apply(self, ufunc, v):
        out = self.x.copy()
        v = np.asarray(v).astype(out.dtype)
        if ufunc is None:
            out[self.index] = v
        else:
            ufunc.at(out, self.index, v)
        return out

    def set(self, v, **_):
        return self._apply(None, v)

    def add(self, v, **_):
        return self._apply(np.add, v)

    def multiply(self, v, **_):
        return self._apply(np.multiply, v)

    def min(self, v, **_):
        return self._apply(np.minimum, v)

    def max(self, v, **_):
        return self._apply(np.maximum, v)

    def get(self):
        return self.x[self.index]


def _add_n(*xs):
    return functools.reduce(operator.add, xs)


def _np_fori(lower, upper, body, init):
    c = init
    for i in range(lower, upper):
        c = body(np.int64(i), c)
    return c


def _np_while(cond, body, init):
    c = init
    while cond(c):
        c = body(c)
    return c


def _np_scan(f, init, xs=None, length=None, reverse=False, checkpoint=None):
    n = length if xs is None else len(xs)
    c, ys = init, [None] * n
    for t in (range(n - 1, -1, -1) if reverse else range(n)):
        c, ys[t] = f(c, None if xs is None else xs[t])
    return c, np.stack([np.asarray(y) for y in ys])


def _floating(fn, skip: int = 0):
    """``fn`` with symdiff's dtype rule for float functions: bool and int arguments compute in float64
    (NumPy would give float16 for bool), float32 stays float32, whatever SciPy's loops give."""

    def call(*args, **kw):
        args = [a if k < skip or np.result_type(a).kind != "b" else np.asarray(a, np.float64)
                for k, a in enumerate(args)]
        dt = np.result_type(*args[skip:])
        return np.asarray(fn(*args, **kw)).astype(dt if dt.kind == "f" else np.float64)

    return call


FLOAT_FUNCTIONS = ["exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh",
                   "cosh", "tanh", "log2", "log10", "exp2", "cbrt", "logaddexp", "logaddexp2", "arctan2", "hypot"]


def numpy_namespace():
    extra = {name: _floating(getattr(np, name)) for name in FLOAT_FUNCTIONS}
    extra.update({
        "at": _NumpyAt, "scan": _np_scan, "add_n": _add_n, "constant": np.asarray,
        "cast": lambda x, dtype: np.asarray(x).astype(dtype), "fori_loop": _np_fori, "while_loop": _np_while,
        "sigmoid": _floating(sc.expit),
        "relu": lambda x: np.maximum(x, 0),
        "softplus": _floating(lambda x: np.logaddexp(0, x)),
        "log_sigmoid": _floating(lambda x: -np.logaddexp(0, -x)),
        "logsumexp": lambda x, axis=None, keepdims=False: _floating(
            lambda y: sc.logsumexp(y, axis=axis, keepdims=keepdims))(x),
        "softmax": lambda x, axis=-1: sc.softmax(x, axis=axis),
        "log_softmax": lambda x, axis=-1: sc.log_softmax(x, axis=axis),
        "erf": _floating(sc.erf), "erfc": _floating(sc.erfc), "gammaln": _floating(sc.gammaln),
        "digamma": _floating(sc.digamma), "polygamma": _floating(sc.polygamma, skip=1), "xlogy": _floating(sc.xlogy),
        "argsort": lambda x, axis=-1: np.argsort(x, axis=axis, kind="stable"),
    })
    linalg_extra = {"solve_triangular": scipy.linalg.solve_triangular, "cho_solve": scipy.linalg.cho_solve,
                    "logdet": lambda a: np.linalg.slogdet(a).logabsdet}
    return Namespace("numpy", np, extra, np.linalg, linalg_extra)


# -- JAX ----------------------------------------------------------------------------------------

def _as_float64(fn, xp):
    """``fn`` computing on bool and int arguments as float64 (symdiff's rule; JAX would use float32 for
    bools, and its ``nn`` and ``scipy.special`` functions refuse ints)."""
    def call(*args, **kw):
        return fn(*[a if isinstance(a, int) else xp.asarray(a, dtype="float64") if xp.asarray(a).dtype.kind in "biu"
                    else a for a in args], **kw)

    return call


def jax_namespace():
    """JAX with 64-bit types on (a process-wide JAX setting); ImportError without JAX."""
    import jax
    import jax.numpy as jnp
    import jax.scipy.linalg as jsl
    import jax.scipy.special as jsp

    jax.config.update("jax_enable_x64", True)

    def scan(f, init, xs=None, length=None, reverse=False, checkpoint=None):
        return jax.lax.scan(f, init, xs, length=length, reverse=reverse)

    extra = {
        "at": lambda x: jnp.asarray(x).at, "scan": scan, "add_n": _add_n, "constant": jnp.asarray,
        "cast": lambda x, dtype: jnp.asarray(x).astype(dtype), "fori_loop": jax.lax.fori_loop,
        "while_loop": jax.lax.while_loop,
        "sigmoid": jax.nn.sigmoid, "relu": jax.nn.relu, "softplus": jax.nn.softplus,
        "log_sigmoid": jax.nn.log_sigmoid, "softmax": jax.nn.softmax, "log_softmax": jax.nn.log_softmax,
        "logsumexp": jsp.logsumexp, "erf": jsp.erf, "erfc": jsp.erfc, "gammaln": jsp.gammaln,
        "digamma": jsp.digamma, "polygamma": lambda n, x: jsp.polygamma(n, x), "xlogy": jsp.xlogy,
    }
    for name in FLOAT_FUNCTIONS + ["sigmoid", "softplus", "log_sigmoid", "erf", "erfc", "gammaln", "digamma",
                                   "xlogy", "polygamma", "logsumexp", "softmax", "log_softmax"]:
        extra[name] = _as_float64(extra.get(name) or getattr(jnp, name), jnp)
    linalg_extra = {"solve_triangular": jsl.solve_triangular, "cho_solve": jsl.cho_solve,
                    "logdet": lambda a: jnp.linalg.slogdet(a).logabsdet}
    return Namespace("jax", jnp, extra, jnp.linalg, linalg_extra)


def jax_available() -> bool:
    try:
        import jax  # noqa: F401
    except ImportError:
        return False
    return True

