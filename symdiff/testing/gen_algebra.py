"""Fuzz moves: contractions (einsum, matmul, dot, outer, tensordot), matrix helpers, ``sd.linalg``
on matrices built well conditioned, and ``scan`` loops with random bodies.

Matrices for ``sd.linalg`` come from a square value ``M`` (or an outer product) through
``T = tanh(M)`` (entries in (-1, 1), sizes at most 5): ``T T^T + 6 I`` is positive definite with
condition number below 2, ``0.2 T + 2 I`` is a general matrix with condition number below 3,
and ``0.02 (T + T^T) + diag(0, 1, ..., k-1)`` is symmetric with eigenvalues at least 0.6 apart.
"""

from __future__ import annotations

import numpy as np

from .generator import Move, Scope, Var
from .program import broadcastable


def einsum(g):
    a = g.pick("fi", lo=1, hi=3)
    if a is None:
        return None
    letters = iter("ijklmnopqr")
    la = [next(letters) for _ in a.shape]
    for p in range(a.ndim):                        # a repeated letter: a diagonal or a trace
        for q in range(p):
            if a.shape[p] == a.shape[q] and a.shape[p] != 1 and g.rng.random() < 0.15:
                la[p] = la[q]
    specs, ops = ["".join(la)], [a]
    b = g.pick("fi", lo=1, hi=3, pred=lambda v: bool(set(v.shape) & set(a.shape) - {1}))
    if b is not None and g.rng.random() < 0.8:
        lb = []
        for d in b.shape:
            shared = [la[k] for k, e in enumerate(a.shape) if e == d and d != 1 and la[k] not in lb]
            lb.append(g.choice(shared) if shared and g.rng.random() < 0.7 else next(letters))
        specs.append("".join(lb))
        ops.append(b)
    used = sorted(set("".join(specs)))
    out = [c for c in g.rng.permutation(used) if g.rng.random() < 0.5]
    return g.emit(f"L.einsum({','.join(specs) + '->' + ''.join(out)!r}, {', '.join(v.name for v in ops)})")


def product(g):
    """``@``, matmul, dot, outer, tensordot."""
    a = g.pick("fi", lo=1, hi=3)
    if a is None:
        return None
    fn = g.choice(["@", "matmul", "dot", "outer", "tensordot"])
    if fn == "outer":
        b = g.pick("fi", hi=2)
        return b and g.emit(f"L.outer({a}, {b})")
    k = a.shape[-1]
    if fn == "tensordot":
        b = g.pick("fi", lo=1, hi=3, pred=lambda v: v.shape[0] == k)
        return b and g.emit(f"L.tensordot({a}, {b}, axes=1)")
    b = g.pick("fi", lo=1, hi=2, pred=lambda v: v.shape[-2 if v.ndim == 2 else 0] == k)
    if b is None or (fn == "dot" and a.ndim > 2):
        return None
    return g.emit(f"{a} @ {b}" if fn == "@" else f"L.{fn}({a}, {b})")


def matrix(g):
    """trace, diagonal, diag, tril, triu on planes where the diagonal is not empty."""
    x = g.pick("fi", lo=1, hi=3)
    if x is None:
        return None
    fn = g.choice(["trace", "diagonal", "diag", "tril", "triu"])
    if fn in ("tril", "triu"):   # (NumPy's 1-d form is not JAX's)
        return None if x.ndim < 2 else g.emit(f"L.{fn}({x}, {int(g.rng.integers(-2, 3))})")
    if x.ndim == 1:
        return g.emit(f"L.diag({x}, {int(g.rng.integers(-2, 3))})") if fn == "diag" else None
    r, c = x.shape[-2:]
    if not (r == c or (isinstance(r, int) and isinstance(c, int))):
        return None
    k = int(g.rng.integers(-g.dim_min(r) + 1, g.dim_min(c)))
    if fn == "diag":
        return g.emit(f"L.diag({x}, {k})") if x.ndim == 2 else None
    return g.emit(f"L.{fn}({x}, {k}, axis1={x.ndim - 2}, axis2={x.ndim - 1})")


def linalg(g):
    m = g.pick("f", lo=2, hi=3, pred=lambda v: v.shape[-1] == v.shape[-2])
    if m is None or g.rng.random() < 0.3:
        u = g.pick("f", lo=1, hi=1)
        m = u and g.emit(f"L.outer({u}, L.cos({u}))")
    t = m and g.emit(f"L.tanh({m})")
    if t is None:
        return None
    k, eye = t.shape[-1], f"L.eye({t}.shape[-1])"
    fn = g.choice(["cholesky", "solve", "solve_triangular", "cho_solve", "inv", "det", "slogdet", "logdet",
                   "eigvalsh", "eigh", "norm"])
    if fn in ("cholesky", "cho_solve", "logdet", "solve_triangular"):
        s = g.emit(f"{t} @ L.matrix_transpose({t}) + 6.0 * {eye}")
    elif fn in ("eigvalsh", "eigh"):
        s = g.emit(f"(({t} + L.matrix_transpose({t})) * 0.02 + L.diag(L.arange({t}.shape[-1]) * 1.0))")
    else:
        s = g.emit(f"{t} * 0.2 + 2.0 * {eye}")
    if s is None:
        return None
    b = None
    if fn in ("solve", "solve_triangular", "cho_solve"):
        if s.ndim != 2:
            return None
        b = g.pick("f", lo=1, hi=2, pred=lambda v: v.shape[0] == k)
        b = b.name if b is not None else f"{t}[:, {int(g.rng.integers(g.dim_min(k)))}]"
    if fn == "cholesky":
        return g.emit(f"L.linalg.cholesky({s}{', upper=True' if g.rng.random() < 0.3 else ''})")
    if fn == "solve":
        return g.emit(f"L.linalg.solve({s}, {b})")
    if fn in ("solve_triangular", "cho_solve"):
        c = g.emit(f"L.linalg.cholesky({s})")
        if c is None:
            return None
        if fn == "cho_solve":
            return g.emit(f"L.linalg.cho_solve(({c}, True), {b})")
        return g.emit(f"L.linalg.solve_triangular({c}, {b}, lower=True, trans={int(g.rng.integers(0, 2))})")
    if fn in ("inv", "det", "logdet", "eigvalsh"):
        return g.emit(f"L.linalg.{fn}({s})")
    if fn == "slogdet":
        return g.emit(f"L.linalg.slogdet({s}).logabsdet")
    if fn == "eigh":
        part = g.choice([".eigenvalues", ".eigenvectors ** 2"])   # eigenvector signs are a convention
        return g.emit(f"L.linalg.eigh({s}){part}")
    if s.ndim != 2:
        return None
    order = g.choice(["'fro'", "'nuc'", "None"] + (["2"] if g.dim_min(k) >= 2 else []))
    return g.emit(f"L.linalg.norm({s}, {order})")


def vector_norm(g):
    x = g.pick("f", lo=1, hi=2)
    if x is None or not g.scope.exact or min(float(np.sqrt(np.sum(v * v))) for v in x.vals) < 0.2:
        return None
    return g.emit(f"L.linalg.norm({x})")


def coerce(g, v: Var, c: Var) -> str:
    """Text of ``v`` with ``c``'s shape and dtype, bounded: the next carry of a loop."""
    t = v.name
    if v.shape != c.shape:
        if not (broadcastable(v.shape, c.shape) and len(v.shape) <= len(c.shape)
                and all(a == b or a == 1 for a, b in zip(reversed(v.shape), reversed(c.shape)))):
            t = f"L.mean({t})"
        t = f"L.broadcast_to({t}, {c}.shape)"
    t = f"L.tanh({t})" if g.rng.random() < 0.5 else f"{c} * 0.5 + L.sin({t}) * 0.5"
    return f"L.astype({t}, {c}.dtype)" if v.dtype != c.dtype else t


def loop(g):
    """A loop with a random body over its carry (and a slice of xs, or the index) and captured values:
    ``c, ys = L.scan(body, init, xs)``, ``c = L.fori_loop(lo, hi, body, init)`` or a counted
    ``L.while_loop`` (forward mode only: its values are checked, it stays out of the cost)."""
    import symdiff as sd

    if g.depth >= 2:   # a loop in a loop's body, not deeper
        return None
    kind = g.choice(["scan", "scan", "fori", "while"])
    init = g.pick("f", hi=2)
    xs = g.pick("f", lo=1, hi=3) if kind == "scan" and g.rng.random() < 0.8 else None
    if init is None:
        return None
    outer = g.scope
    name, cn, xn, sn = g.fresh("body"), g.fresh("c"), g.fresh("x"), g.fresh("s")
    sd_env, np_envs = dict(outer.sd_env), [dict(env) for env in outer.np_envs]
    pool = [v for v in outer.pool if g.rng.random() < 0.3 and v is not init and v is not xs]
    args = [Var(cn, sd.tensor(cn, init.shape, init.dtype), init.vals, init.fl, init.f32)]
    if xs is not None:
        args.append(Var(xn, sd.tensor(xn, xs.shape[1:], xs.dtype), [v[0] for v in xs.vals], xs.fl, xs.f32))
    if kind == "fori":
        args.append(Var(xn, sd.scalar(xn, "int64"), [np.int64(0)] * 2, False, False))
    for a in args:
        sd_env[a.name] = a.node
        for k, env in enumerate(np_envs):
            env[a.name] = a.vals[k]
    g.scope, g.depth = Scope([], args + pool, sd_env, np_envs, exact=False), g.depth + 1
    try:
        for _ in range(int(g.rng.integers(1, 5))):
            g.step()
        made = [v for v in g.scope.pool if v not in pool and v.kind == "f"]
        nc = g.emit(coerce(g, g.choice(made[-3:]), args[0]))
        y = g.choice([v for v in g.scope.pool if v not in pool and v.kind == "f"][-3:] + [None])
        inner = [v for v in g.scope.pool if v not in pool]
        lines, f32, fwd = g.scope.lines, any(v.f32 for v in inner), any(v.fwd for v in inner)
    finally:
        g.scope, g.depth = outer, g.depth - 1
    if nc is None:
        return None
    head = {"scan": f"def {name}({cn}, {xn}):", "fori": f"def {name}({xn}, {cn}):",
            "while": f"def {name}({sn}):\n    {cn} = {sn}[0]"}[kind]
    tail = {"scan": f"return {nc}, {y or nc}", "fori": f"return {nc}", "while": f"return ({nc}, {sn}[1] + 1)"}[kind]
    body = "\n".join([head, *("    " + s.replace("\n", "\n    ") for s in lines), "    " + tail])
    outs = [g.fresh(), g.fresh()] if kind == "scan" else [g.fresh()]
    if kind == "fori":
        lo = int(g.rng.integers(0, 2))
        call = f"L.fori_loop({lo}, {lo + int(g.rng.integers(1, 4))}, {name}, {init})"
    elif kind == "while":
        call = f"L.while_loop(lambda s: s[1] < {int(g.rng.integers(1, 4))}, {name}, ({init}, 0))[0]"
    else:
        length = xs.shape[0] if xs is not None else int(g.rng.integers(1, 5))
        call = f"L.scan({name}, {init}, {xs}" if xs is not None else f"L.scan({name}, {init}, None, length={length}"
        call += ", reverse=True" if g.rng.random() < 0.3 else ""
        if isinstance(length, int) and length >= 2 and g.rng.random() < 0.3:
            call += f", checkpoint={int(g.rng.integers(1, length + 1))}"
        call += ")"
    made = g.run(f"{body}\n{', '.join(outs)} = {call}", outs, f32=f32, fwd=kind == "while" or fwd)
    return made and made[-1]


MOVES = [
    Move(einsum, 1.5), Move(product, 1.5), Move(matrix, 1.0), Move(linalg, 1.5), Move(vector_norm, 0.3, exact=True),
    Move(loop, 1.2),
]
