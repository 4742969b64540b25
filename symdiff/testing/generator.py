"""Random programs over symdiff's public functions, built one statement at a time.

Each statement is Python text over ``L`` (see ``program.py``). It is run at once on symdiff,
which gives the node's shape and dtype (so the next statement can be chosen to fit), and on
NumPy at each binding of the symbolic sizes, which gives the values. The values decide domains
and distances: ``log`` of a value that is not well above zero becomes ``log(x * x + c)``, a kink
(``abs``, ``floor``, ``maximum``, ``max``, ``sort``, a comparison) is used only where every entry
is at least ``MARGIN`` away from it (an offset or a tie-breaking term is added otherwise), and a
statement whose values pass ``LIMIT`` is withdrawn and its operand scaled down. So a mismatch
means a bug, not a domain error or a finite difference across a kink. A statement symdiff and
NumPy give different shapes or dtypes for is a finding (``Generator.findings``).

Inside a loop body the values are those of the first step only, so bodies use the moves that
need no distance (``Move.exact = True`` marks the others) and end in a bounded carry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .libraries import numpy_namespace, symdiff_namespace
from .program import InputSpec, Program, concrete, dim_value, sample_input

LIMIT = 1e3       # largest |value| a statement may produce
MARGIN = 0.05     # distance kept from kinks, jumps and ties
SIZES = (2, 5)    # symbolic sizes are drawn from [2, 5]
SD, NP = symdiff_namespace(), numpy_namespace()


@dataclass(eq=False)
class Var:
    """A value of the program: its name, its symdiff node, its NumPy values (one per binding)."""

    name: str
    node: object
    vals: list
    fl: bool          # depends on a float input
    f32: bool         # computed through float32
    fwd: bool = False  # computed through a while_loop: forward-mode derivatives only (not in the cost)
    uses: int = 0

    @property
    def shape(self):
        return self.node.shape

    @property
    def ndim(self):
        return len(self.node.shape)

    @property
    def dtype(self):
        return self.node.dtype

    @property
    def kind(self):
        return self.dtype.kind if self.dtype.kind in "fb" else "i"

    @property
    def bound(self):
        return max(float(np.max(np.abs(v), initial=0.0)) for v in self.vals)

    def __str__(self):
        return self.name


@dataclass
class Scope:
    """Where statements go: the program, or a loop body (its own pool; outer names visible)."""

    lines: list
    pool: list
    sd_env: dict
    np_envs: list
    exact: bool       # values are exact (False in a loop body: first step only)


@dataclass(frozen=True)
class Move:
    fn: object            # fn(generator) -> the new Var, or None when nothing fits
    weight: float = 1.0
    exact: bool = False   # needs exact values (distances to kinks): not inside loop bodies


def fmt(c) -> str:
    """A float constant as exact Python text."""
    return repr(float(c))


class Generator:
    """``Generator(seed).program()``: one random program (see the module docstring)."""

    def __init__(self, seed: int, statements: tuple = (4, 12)):
        from . import gen_algebra, gen_arrays, gen_elementwise, gen_shapes

        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.moves = gen_elementwise.MOVES + gen_arrays.MOVES + gen_shapes.MOVES + gen_algebra.MOVES
        self.count = 0
        self.depth = 0     # loop bodies being generated
        self.n_statements = int(self.rng.integers(*statements, endpoint=True))
        self.findings: list[str] = []    # symdiff and NumPy disagree on a statement's shape or dtype
        self.rejected: list[str] = []    # statements withdrawn (an error or values out of range)
        self.mode = "float32" if self.rng.random() < 0.2 else "float64"
        names = ["n", "m"][: int(self.rng.integers(1, 3))]
        b0 = {k: int(self.rng.integers(SIZES[0], SIZES[1] + 1)) for k in names}
        b1 = {k: int(self.rng.integers(SIZES[0], SIZES[1] + 1)) for k in names}
        if self.rng.random() < 0.3:   # a size the same at both bindings may meet its fixed value
            b1[names[-1]] = b0[names[-1]]
        self.same = {k: b0[k] for k in names if b0[k] == b1[k]}
        self.bindings = [b0, b1]
        self.scope = Scope([], [], {"L": SD, "np": np}, [{"L": NP, "np": np} for _ in range(2)], True)
        self.inputs = [self._input(k) for k in range(int(self.rng.integers(1, 5)))]

    # -- inputs --------------------------------------------------------------------------------
    def _input(self, k: int) -> InputSpec:
        r = self.rng
        ndim = int(r.choice([0, 1, 1, 2, 2, 3]))
        syms = list(self.bindings[0])
        fixed = [1, 2, 3, 4] + list(self.same.values()) * 2   # (a fixed size equal to a symbolic one: unified)
        shape = tuple(str(r.choice(syms)) if r.random() < 0.4 else int(r.choice(fixed)) for _ in range(ndim))
        u = r.random()
        dtype = self.mode if (u < 0.7 or k == 0) else ("int64" if u < 0.85 else "bool")
        spec = InputSpec("abcdefgh"[k], shape, dtype)
        vals = [sample_input(r, concrete(shape, b), dtype) for b in self.bindings]
        for env, v in zip(self.scope.np_envs, vals):
            env[spec.name] = v
        import symdiff as sd

        node = sd.tensor(spec.name, shape, dtype)
        self.scope.sd_env[spec.name] = node
        self.scope.pool.append(Var(spec.name, node, vals, fl=dtype.startswith("float"), f32=dtype == "float32"))
        return spec

    # -- statements ----------------------------------------------------------------------------
    def fresh(self, prefix: str = "v") -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def run(self, code: str, names: list, fl=None, f32: bool = False, fwd: bool = False) -> list | None:
        """Run ``code`` (which assigns ``names``) on symdiff and NumPy; the new Vars, or None.
        ``fl``, ``f32``, ``fwd``: see Var (taken from the operands; ``fl`` overrides, the others add)."""
        s = self.scope
        refs = [v for v in s.pool if re.search(rf"\b{v.name}\b", code)]
        if fl is None:
            fl = any(v.fl for v in refs)
        added = list(names)
        try:
            exec(code, s.sd_env)  # noqa: S102  (the program is text, run on each library)
            with np.errstate(all="ignore"):
                for env in s.np_envs:
                    exec(code, env)  # noqa: S102
        except Exception as e:  # noqa: BLE001  (a statement the libraries refuse: withdrawn)
            self.rejected.append(f"{code}  # {type(e).__name__}: {e}")
            self._undo(code, added)
            return None
        out = []
        for name in names:
            node, vals = s.sd_env[name], [np.asarray(env[name]) for env in s.np_envs]
            for b, v in zip(self.bindings, vals):
                want = concrete(node.shape, b)
                if want != v.shape or node.dtype != v.dtype:
                    self.findings.append(f"{code}: symdiff gives {want} {node.dtype}, NumPy {v.shape} {v.dtype}"
                                         f" at sizes {b}")
                    self._undo(code, added)
                    return None
            var = Var(name, node, vals, fl=fl, f32=f32 or any(v.f32 for v in refs) or node.dtype == np.float32,
                      fwd=fwd or any(v.fwd for v in refs))
            if var.kind == "f" and not all(np.all(np.isfinite(v)) for v in vals) or var.bound > LIMIT:
                self.rejected.append(f"{code}  # values out of range")
                self._undo(code, added)
                return None
            out.append(var)
        for v in refs:
            v.uses += 1
        s.lines.append(code)
        s.pool.extend(out)
        return out

    def _undo(self, code, names):
        extra = re.findall(r"^def (\w+)", code, re.MULTILINE)
        for env in [self.scope.sd_env, *self.scope.np_envs]:
            for k in list(names) + extra:
                env.pop(k, None)

    def emit(self, expr: str, fl=None) -> Var | None:
        name = self.fresh()
        out = self.run(f"{name} = {expr}", [name], fl)
        return out[0] if out else None

    # -- choosing operands ---------------------------------------------------------------------
    def pick(self, kinds: str = "f", lo: int = 0, hi: int = 9, pred=None, arith: bool = True) -> Var | None:
        """A Var of one of ``kinds`` ('f', 'i', 'b') with lo <= ndim <= hi; recent and unused ones
        more likely. ``arith``: it enters float arithmetic, so no int/bool computed from floats."""
        pool = self.scope.pool
        cands = [v for v in pool if v.kind in kinds and lo <= v.ndim <= hi and (pred is None or pred(v))
                 and not (arith and v.kind != "f" and v.fl)]
        if not cands:
            return None
        w = np.array([1.0 + 2.0 * pool.index(v) / len(pool) + (1.5 if v.uses == 0 else 0.0) for v in cands])
        return cands[int(self.rng.choice(len(cands), p=w / w.sum()))]

    def partner(self, a: Var, kinds: str = "f", arith: bool = True) -> Var | None:
        """A Var whose shape broadcasts with ``a``'s (equal dims or 1, or a symbolic size whose value is
        the same fixed size at every binding: symdiff unifies it), or None."""
        return self.pick(kinds, pred=lambda v: v is not a and all(
            x == y or x == 1 or y == 1 or self.same.get(x) == y or self.same.get(y) == x
            for x, y in zip(reversed(v.shape), reversed(a.shape))), arith=arith)

    def scalar_or_partner(self, a: Var, kinds: str = "f") -> str:
        """Text of a second operand: a broadcasting Var, a Python float, or a NumPy constant."""
        u = self.rng.random()
        b = self.partner(a, kinds) if u < 0.7 else None
        if b is not None:
            return b.name
        if u < 0.85 or not a.ndim:
            return fmt(self.rng.uniform(-2, 2))
        tail = tuple(d if isinstance(d, int) else 1 for d in a.shape[-int(self.rng.integers(1, a.ndim + 1)):])
        return self.const(tail, a.dtype if a.kind == "f" else "float64")

    def const(self, shape, dtype="float64") -> str:
        arr = self.rng.uniform(-1.5, 1.5, size=shape)
        dt = "" if str(dtype) == "float64" else f", dtype={str(dtype)!r}"
        return f"np.array({arr.tolist()!r}{dt})"

    def squash(self, v: Var, top: float) -> Var | None:
        """``v`` scaled (or tanh'd) into [-top, top]: operands of exp, powers, products."""
        if v.bound <= top:
            return v
        if v.kind != "f" or self.rng.random() < 0.3:
            return self.emit(f"L.tanh({v}) * {fmt(top)}")
        return self.emit(f"{v} * {fmt(top / v.bound)}")

    def dim_min(self, d) -> int:
        return min(dim_value(d, b) for b in self.bindings)

    def dim_text(self, d) -> str:
        """A dimension as text: an int, or ``x.shape[k]`` of a value having that dimension."""
        if isinstance(d, int):
            return str(d)
        for v in self.scope.pool:
            if d in v.shape:
                return f"{v}.shape[{v.shape.index(d)}]"
        raise LookupError(d)

    def shape_text(self, shape) -> str:
        return "(" + "".join(self.dim_text(d) + ", " for d in shape) + ")"

    def rand_axis(self, ndim: int) -> int:
        k = int(self.rng.integers(ndim))
        return k - ndim if self.rng.random() < 0.3 else k

    def choice(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    # -- the program ---------------------------------------------------------------------------
    def step(self, moves=None) -> Var | None:
        moves = [m for m in (moves or self.moves) if self.scope.exact or not m.exact]
        w = np.array([m.weight for m in moves])
        for _ in range(8):
            m = moves[int(self.rng.choice(len(moves), p=w / w.sum()))]
            try:
                out = m.fn(self)
            except Exception as e:  # noqa: BLE001  (a bug of the generator: noted, the program goes on)
                self.rejected.append(f"generator: {m.fn.__name__}: {type(e).__name__}: {e}")
                out = None
            if out is not None:
                return out
        return None

    def program(self) -> Program:
        for _ in range(self.n_statements):
            self.step()
        pool = self.scope.pool
        sinks = [v for v in pool if v.uses == 0 and v.name not in {i.name for i in self.inputs}]
        if not sinks:
            sinks = [pool[-1]]
        sinks = sinks[-5:]
        fl = [v for v in sinks if v.kind == "f" and v.fl and not v.fwd]
        wants = [v for v in fl if not v.f32] or fl
        f32 = bool(wants) and all(v.f32 for v in wants)
        wrt = [k for k, i in enumerate(self.inputs) if i.dtype == ("float32" if f32 else "float64")]
        terms = [f"L.sum(L.sin({v} * {fmt(self.rng.uniform(0.5, 1.5))} + {fmt(self.rng.uniform(-1, 1))}))"
                 if v in wants and wrt else None for v in sinks]
        arrays = [[env[i.name] for i in self.inputs] for env in self.scope.np_envs]
        prog = Program(self.seed, self.inputs, list(self.scope.lines), [v.name for v in sinks], terms, wrt,
                       self.bindings, arrays, mode=self.mode, loose=[v.f32 for v in sinks])
        if wrt:
            x = self.inputs[wrt[0]]
            prog.direction = [sample_input(self.rng, concrete(x.shape, b), x.dtype) for b in self.bindings]
        return prog


def generate(seed: int, statements: tuple = (4, 12)) -> tuple[Program, Generator]:
    """Program ``seed`` (with ``statements[0]`` to ``statements[1]`` top-level statements) and its generator."""
    g = Generator(seed, statements)
    return g.program(), g
