"""Python source for a planned graph: one ``@njit`` function computing every output.

Layout of the generated module (``fn.source``)::

    import ...                                  # numpy, numba, runtime helpers
    _k0 = np.array(...)                         # constant arrays (module globals)
    @nb.njit(<signature>, cache=True, fastmath=..., error_model="numpy")
    def graph(in_x, in_y):
        d_n = in_x.shape[0]                     # symbolic dims read at run time
        # nest 0: loops over (d_n,)             # one fused loop nest per step
        v2 = np.empty((d_n,), np.float64)
        acc3 = 0.0
        for i0 in range(d_n):
            t0 = np.exp(in_x[i0])  # exp ('n',) float64
            ...
        return (acc3, v2)

Every node that produces code gets one line ending in a comment with its label,
shape and dtype. 0-d values are plain scalars (0-d inputs are passed as
scalars and 0-d outputs returned as scalars; the caller wraps them).
"""

from __future__ import annotations

import re

import numpy as np

from ... import dtypes as dt
from ...dims import shape_str
from ...graph import Node
from ...ops.linalg import parse_spec
from .fusion import (Nest, Opaque, Plan, ZERO, dimx, elementwise_input_amaps, level,
                     read_virtual_inputs, remap_input_amap, resolve_index, root_amap,
                     slice_start)
from .lowering import LOWERINGS, cast, compute_dtype, literal, np_type

#: statements per basic block of generated code (Numba's lowering is quadratic in a block's size)
BLOCK_LIMIT = 200
FASTMATH = ("nsz", "arcp", "contract", "afn", "reassoc")
_NB = {"float64": "nb.float64", "float32": "nb.float32", "int64": "nb.int64", "bool": "nb.boolean"}


def label(n: Node) -> str:
    text = f"{n.op.label(n)} {shape_str(n.shape)} {n.dtype}"
    return " ".join(text.split())  # one line, whatever the label holds


def nb_type(n: Node) -> str:
    t = _NB[n.dtype.name]
    if n.ndim == 0:
        return t
    return t + "[" + ", ".join([":"] * (n.ndim - 1) + ["::1"]) + "]"


def shape_code(shape) -> str:
    if not shape:
        return "()"
    inner = ", ".join(dimx(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def prod_code(dims) -> str:
    parts = [dimx(d) for d in dims if d != 1]
    return " * ".join(parts) if parts else "1"


def _indent(text: str, ind: str) -> list[str]:
    return [ind + ln for ln in text.split("\n")]


def _sanitize(name: str, k: int, used: set) -> str:
    base = name if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name or "") else f"arg{k}"
    v = f"in_{base}"
    while v in used:
        v += "_"
    used.add(v)
    return v


class Codegen:
    def __init__(self, plan: Plan):
        self.plan = plan
        self.kinds = plan.kinds
        self.mat = plan.materialized
        self.vars: dict[int, str] = {}
        self.layout: dict[str, str] = {}   # array var -> "C" | "F"
        self.base: dict[str, str] = {}     # array var -> the var owning its memory
        self.fresh: set[str] = set()       # buffers (allocated by the caller)
        self.buffers: list[tuple] = []     # (var, shape, dtype, init) allocated by the caller
        self.constants: list[tuple[str, np.ndarray]] = []
        self.body: list[str] = []
        self.params: list[str] = []
        self.out_specs: list[tuple] = []
        self._n = 0

    # -- names ------------------------------------------------------------------
    def temp(self, prefix: str = "t") -> str:
        self._n += 1
        return f"{prefix}{self._n}"

    def buffer(self, shape, dtype, init="empty", note: str = "") -> str:
        """A C-contiguous array the caller allocates (NumPy's allocator) and passes in."""
        v = self.temp("b")
        self.buffers.append((v, tuple(shape), np.dtype(dtype), init))
        self.layout[v] = "C"
        self.base[v] = v
        self.fresh.add(v)
        how = "zeros" if init == "zeros" else ("empty" if init == "empty" else f"full {init!r}")
        self.body.append(f"# {v}: {how} {shape_str(tuple(shape))} {np.dtype(dtype)} from the caller{note}")
        return v

    def read(self, n: Node, amap) -> str:
        v = self.vars[id(n)]
        if n.ndim == 0:
            return v
        return f"{v}[{', '.join(e for e, _ in amap)}]"

    def source_expr(self, n: Node, amap) -> str:
        name = n.op.name
        if name == "constant":
            return literal(n.kw["value"].array.item(), n.dtype)
        if name == "fill":
            return literal(n.kw["value"], n.dtype)
        if name == "size_of":
            return cast(dimx(n.kw["size"]), dt.INT64, n.dtype)
        if name == "eye":
            (e0, _), (e1, _) = amap
            one, zero = literal(1, n.dtype), literal(0, n.dtype)
            return f"({one} if ({e1}) - ({e0}) == {n.kw['k']} else {zero})"
        raise AssertionError(name)

    def loops(self, dims, names=None) -> tuple[list[str], str, list[str]]:
        names = names or [self.temp("j") for _ in dims]
        lines, ind = [], ""
        for d, i in zip(dims, names):
            lines.append(f"{ind}for {i} in range({dimx(d)}):")
            ind += "    "
        return lines, ind, names

    def copy_into(self, dst: str, src: str, shape, conv=None):
        """``dst[...] = src[...]`` as loops (``conv`` wraps each value)."""
        lines, ind, names = self.loops(shape)
        idx = ", ".join(names)
        val = f"{src}[{idx}]"
        self.body.extend(lines)
        self.body.append(f"{ind}{dst}[{idx}] = {conv(val) if conv else val}")

    # -- whole function -------------------------------------------------------------
    def generate(self):
        plan = self.plan
        used: set = set()
        for k, x in enumerate(plan.inputs):
            v = _sanitize(x.name, k, used)
            self.params.append(v)
            self.vars[id(x)] = v
            if x.ndim:
                self.layout[v] = "C"
                self.base[v] = v
        bound = set()
        for x, v in zip(plan.inputs, self.params):
            for ax, d in enumerate(x.shape):
                if isinstance(d, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", d) and d not in bound:
                    bound.add(d)
                    self.body.append(f"d_{d} = {v}.shape[{ax}]")
        for n in plan.order:
            for d in n.shape:
                if isinstance(d, str):
                    for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", d):
                        if name not in bound:
                            raise ValueError(f"symbolic dimension {name!r} (in {label(n)}) is not bound by any input")
        for n in plan.order:
            if n.op.is_constant and n.ndim > 0:
                name = f"_k{len(self.constants)}"
                self.constants.append((name, n.kw["value"].array))
                self.vars[id(n)] = name
                self.layout[name] = "C"
                self.base[name] = name
        for k, step in enumerate(plan.steps):
            if isinstance(step, Nest):
                NestEmitter(self, step, k).emit()
            else:
                self.emit_opaque(step.node)
        rets = self.returns()
        return rets

    def returns(self) -> list[str]:
        """Scalars returned by the compiled function; fills ``out_specs``."""
        claimed: set = set()
        scalars = []
        for y in self.plan.outputs:
            if y.ndim == 0:
                val = self.vars[id(y)] if id(y) in self.vars else self.source_expr(y, ())
                self.out_specs.append(("scalar", len(scalars), y.dtype))
                scalars.append(val)
                continue
            v = self.vars[id(y)]
            if v in self.fresh and v not in claimed and any(b[0] == v for b in self.buffers):
                claimed.add(v)
                self.out_specs.append(("buffer", v))
                continue
            self.body.append(f"# output {label(y)}: a fresh copy")
            b = self.buffer(y.shape, y.dtype)
            claimed.add(b)
            self.copy_into(b, v, y.shape)
            self.out_specs.append(("buffer", b))
        return scalars

    # -- opaque steps -------------------------------------------------------------
    def emit_opaque(self, n: Node):
        name = n.op.name
        self.body.append(f"# {label(n)}")
        if name == "einsum":
            self.emit_einsum(n)
        elif name == "reshape":
            x = self.vars[id(n.inputs[0])]
            v = self.temp("v")
            self.body.append(f"{v} = {x}.reshape({shape_code(n.shape)})")
            self.vars[id(n)] = v
            self.layout[v] = "C"
            self.base[v] = self.base.get(x, x)
        elif name == "take_add":
            self.emit_take_add(n)
        elif name == "put_along_axis_add":
            self.emit_put_along_axis_add(n)
        else:
            raise AssertionError(name)

    def emit_take_add(self, n: Node):
        x, idx = n.inputs
        axis, shape = n.kw["axis"], n.kw["shape"]
        out = self.buffer(n.shape, n.dtype, "zeros")
        self.vars[id(n)] = out
        lines, ind, names = self.loops(x.shape)
        q = idx.ndim
        k = self.read(idx, [(nm, None) for nm in names[axis:axis + q]])
        tgt = names[:axis] + [f"_wrap({k}, {dimx(shape[axis])})"] + names[axis + q:]
        xv = self.read(x, [(nm, None) for nm in names])
        lines.append(f"{ind}{out}[{', '.join(tgt)}] += {xv}")
        self.body.extend(lines)

    def emit_put_along_axis_add(self, n: Node):
        x, idx = n.inputs
        axis, shape = n.kw["axis"], n.kw["shape"]
        out = self.buffer(n.shape, n.dtype, "zeros")
        self.vars[id(n)] = out
        lines, ind, names = self.loops(x.shape)
        off = x.ndim - idx.ndim
        ientries = [("0" if d == 1 else names[k + off], None) for k, d in enumerate(idx.shape)]
        k = self.read(idx, ientries)
        tgt = []
        for j in range(x.ndim):
            if j == axis:
                tgt.append(f"_wrap({k}, {dimx(shape[axis])})")
            elif shape[j] == 1 and x.shape[j] != 1:
                tgt.append("0")
            else:
                tgt.append(names[j])
        xv = self.read(x, [(nm, None) for nm in names])
        lines.append(f"{ind}{out}[{', '.join(tgt)}] += {xv}")
        self.body.extend(lines)

    # -- einsum -------------------------------------------------------------------
    def emit_einsum(self, n: Node):
        ops = self.plan.einsum_operands[id(n)]
        _, out_sub = parse_spec(n.kw["spec"])
        if not self._einsum_blas(n, ops, out_sub):
            self._einsum_loops(n, ops, out_sub)

    def _einsum_blas(self, n, ops, so) -> bool:
        if n.dtype.kind != "f" or len(ops) != 2:
            return False
        (a, sa), (b, sb) = ops
        if not sa or not sb or len(set(sa)) != len(sa) or len(set(sb)) != len(sb):
            return False
        if any(c in sa and c in sb and c in so for c in so):
            return False  # batch letters: loops
        if any(c not in so and not (c in sa and c in sb) for c in sa + sb):
            return False  # a letter summed inside one operand only
        K = [c for c in sa if c in sb]
        if not K:
            return False  # outer products: loops (memory-bound anyway)
        FA = [c for c in sa if c not in sb]
        FB = [c for c in sb if c not in sa]
        if list(so) != FA + FB and list(so) == FB + FA:
            (a, sa), (b, sb) = (b, sb), (a, sa)
            FA, FB = FB, FA
            K = [c for c in sa if c in sb]
        if list(so) != FA + FB:
            return False  # interleaved output letters: loops
        size = {}
        for s, x in ((sa, a), (sb, b)):
            for c, d in zip(s, x.shape):
                size[c] = d
        A = self._as_dtype(a, n.dtype)
        B = self._as_dtype(b, n.dtype)
        Ks = prod_code(size[c] for c in K)
        Ms = prod_code(size[c] for c in FA)
        Ns = prod_code(size[c] for c in FB)
        sK, sFA, sFB = "".join(K), "".join(FA), "".join(FB)

        def operand(var, sub, first, second, first_s, second_s, vector):
            """A 2-d (first, second) view of ``var``, or a vector when one group is empty."""
            want = first + second
            if sub != want and not (not vector and sub == second + first):
                perm = tuple(sub.index(c) for c in want)
                dims = [size[c] for c in want]
                t = self.buffer(dims, n.dtype, note=" (operand transposed for BLAS)")
                lines, ind, names = self.loops(dims)
                src = [""] * len(perm)
                for j, p in enumerate(perm):
                    src[p] = names[j]
                self.body.extend(lines)
                self.body.append(f"{ind}{t}[{', '.join(names)}] = {var}[{', '.join(src)}]")
                var, sub = t, want
            if vector:
                return f"{var}.reshape(({first_s if first else second_s},))"
            if sub == want:
                return f"{var}.reshape(({first_s}, {second_s}))"
            return f"{var}.reshape(({second_s}, {first_s})).T"

        am = operand(A, sa, sFA, sK, Ms, Ks, not FA)
        bm = operand(B, sb, sK, sFB, Ks, Ns, not FB)
        if not FA and not FB:
            r = self.temp("v")
            self.body.append(f"{r} = _vdot({am}, {bm})  # {label(n)}")
            self.vars[id(n)] = r
            return True
        r = self.buffer(n.shape, n.dtype)
        self.vars[id(n)] = r
        if FA and FB:
            out = f"{r}.reshape(({Ms}, {Ns}))"
        else:
            out = f"{r}.reshape(({Ms if FA else Ns},))"
        self.body.append(f"_gemm({am}, {bm}, {out})  # {label(n)}")
        return True

    def _as_dtype(self, x: Node, dst) -> str:
        var = self.vars[id(x)]
        if x.dtype == np.dtype(dst):
            return var
        t = self.buffer(x.shape, dst, note=" (cast for BLAS)")
        self.copy_into(t, var, x.shape, lambda v: cast(v, x.dtype, dst))
        return t

    def _einsum_loops(self, n, ops, so):
        size = {}
        for x, s in ops:
            for c, d in zip(s, x.shape):
                size[c] = d
        summed = []
        for _, s in ops:
            for c in s:
                if c not in so and c not in summed:
                    summed.append(c)
        if n.ndim:
            out = self.buffer(n.shape, n.dtype)
        else:
            out = self.temp("v")
        self.vars[id(n)] = out
        idx = {c: f"j_{c}" for c in list(so) + summed}
        lines, ind, _ = self.loops([size[c] for c in so], [idx[c] for c in so])
        acc = self.temp("acc")
        zero = literal(0, n.dtype)
        lines.append(f"{ind}{acc} = {zero}")
        inner, ind2, _ = self.loops([size[c] for c in summed], [idx[c] for c in summed])
        lines += [ind + ln for ln in inner]
        ind2 = ind + ind2
        factors = [cast(self.read(x, [(idx[c], None) for c in s]), x.dtype, n.dtype) for x, s in ops]
        if n.dtype == dt.BOOL:
            lines.append(f"{ind2}{acc} = {acc} | ({' & '.join(factors)})")
        else:
            lines.append(f"{ind2}{acc} += {' * '.join(factors) if factors else literal(1, n.dtype)}")
        if n.ndim == 0:
            lines.append(f"{ind}{out} = {acc}")
        else:
            lines.append(f"{ind}{out}[{', '.join(idx[c] for c in so)}] = {acc}")
        self.body.extend(lines)


# ---------------------------------------------------------------------- loop nests

_ACC_INIT = {
    "sum": lambda d: literal(0, d),
    "prod": lambda d: literal(1, d),
    "max": lambda d: ("False" if d == dt.BOOL else literal(np.iinfo(np.int64).min, d) if d == dt.INT64 else literal(-np.inf, d)),
    "min": lambda d: ("True" if d == dt.BOOL else literal(np.iinfo(np.int64).max, d) if d == dt.INT64 else literal(np.inf, d)),
}


_PY_INIT = {
    "max": lambda d: False if d == dt.BOOL else (int(np.iinfo(np.int64).min) if d == dt.INT64 else float("-inf")),
    "min": lambda d: True if d == dt.BOOL else (int(np.iinfo(np.int64).max) if d == dt.INT64 else float("inf")),
}


class NestEmitter:
    """Emit one loop nest: its roots stored or accumulated, virtual nodes as statements."""

    def __init__(self, cg: Codegen, nest: Nest, k: int):
        self.cg = cg
        self.nest = nest
        self.k = k
        self.dom = nest.domain
        self.r = len(self.dom)
        self.pre = [[] for _ in range(self.r + 1)]
        self.post = [[] for _ in range(self.r + 1)]
        self.cse: dict = {}

    def temp(self, prefix: str = "t") -> str:
        return self.cg.temp(prefix)

    # -- expressions ---------------------------------------------------------------
    def expand(self, n: Node, amap, as_root: bool = False) -> str:
        """The expression of ``n`` read at ``amap``, emitting the statements it needs.

        Iterative (an explicit stack, inputs before the nodes that use them), so
        chains of virtual nodes of any depth are fine.
        """
        key = (id(n), amap)
        if key in self.cse:
            return self.cse[key]
        cg = self.cg
        if id(n) in cg.vars and not as_root:
            return cg.read(n, amap)
        stack = [(n, amap, False)]
        while stack:
            m, a, ready = stack.pop()
            k = (id(m), a)
            if k in self.cse:
                continue
            if not ready:
                todo = [(c, ca) for c, ca in self._inputs_at(m, a)
                        if (id(c), ca) not in self.cse and id(c) not in cg.vars]
                if todo:
                    stack.append((m, a, True))
                    stack.extend((c, ca, False) for c, ca in reversed(todo))
                    continue
            self.cse[k] = self._expand_one(m, a)
        return self.cse[key]

    def _inputs_at(self, n: Node, amap) -> list:
        """The (input, index map) pairs that ``_expand_one(n, amap)`` expands."""
        kind = self.cg.kinds[id(n)]
        if kind == "remap":
            return [(n.inputs[0], remap_input_amap(n, amap))]
        if kind == "elementwise":
            return list(zip(n.inputs, elementwise_input_amaps(n, amap)))
        if kind == "read":
            return read_virtual_inputs(n, amap)
        return []

    def _expand_one(self, n: Node, amap) -> str:
        """One node, its inputs already expanded (their ``expand`` calls return at once)."""
        cg = self.cg
        kind = cg.kinds[id(n)]
        if kind == "source":
            expr = cg.source_expr(n, amap)
        elif kind == "remap":
            expr = self.expand(n.inputs[0], remap_input_amap(n, amap))
        elif kind == "elementwise":
            args = []
            for i, (x, a) in enumerate(zip(n.inputs, elementwise_input_amaps(n, amap))):
                args.append(cast(self.expand(x, a), x.dtype, compute_dtype(n, i)))
            res = LOWERINGS[n.op.name].template(self, n, args, [x.dtype for x in n.inputs])
            lvl = level(amap)
            if isinstance(res, tuple):
                lines, res = res
                self.pre[lvl].extend(lines)
            if n.dtype == dt.FLOAT32:
                res = f"np.float32({res})"
            expr = self.temp()
            self.pre[lvl].append(f"{expr} = {res}  # {label(n)}")
        elif kind == "read":
            res = self.read_expr(n, amap)
            expr = self.temp()
            self.pre[level(amap)].append(f"{expr} = {res}  # {label(n)}")
        else:
            raise AssertionError(f"{n.op.name} ({kind}) cannot be computed inside a loop nest")
        return expr

    def read_expr(self, n: Node, amap) -> str:
        cg = self.cg
        name = n.op.name
        zero = literal(0, n.dtype)
        if name == "take":
            x, idx = n.inputs
            a = n.kw["axis"]
            (ix, ia), = read_virtual_inputs(n, amap)
            k = self.expand(ix, ia)
            entries = list(amap[:a]) + [(f"_wrap({k}, {dimx(x.shape[a])})", None)] + list(amap[a + idx.ndim:])
            return cg.read(x, entries)
        if name == "take_along_axis":
            x, idx = n.inputs
            a = n.kw["axis"]
            (ix, ia), = read_virtual_inputs(n, amap)
            k = self.expand(ix, ia)
            entries = []
            for j, d in enumerate(x.shape):
                if j == a:
                    entries.append((f"_wrap({k}, {dimx(d)})", None))
                else:
                    entries.append(ZERO if d == 1 else amap[j])
            return cg.read(x, entries)
        if name == "pad_axis":
            x = n.inputs[0]
            a = n.kw["axis"]
            before = dimx(n.kw["before"])
            e = amap[a][0]
            entries = list(amap)
            entries[a] = (f"{e} - {before}", None)
            cond = f"{before} <= {e} < {before} + {dimx(x.shape[a])}"
            return f"({cast(cg.read(x, entries), x.dtype, n.dtype)} if {cond} else {zero})"
        if name == "concatenate":
            a = n.kw["axis"]
            e = amap[a][0]
            offset = "0"
            parts = []
            for j, x in enumerate(n.inputs):
                entries = list(amap)
                entries[a] = (e if offset == "0" else f"{e} - ({offset})", None)
                val = cast(cg.read(x, entries), x.dtype, n.dtype)
                offset = dimx(x.shape[a]) if offset == "0" else f"{offset} + {dimx(x.shape[a])}"
                parts.append((val, f"{e} < {offset}"))
            expr = parts[-1][0]
            for val, cond in reversed(parts[:-1]):
                expr = f"({val} if {cond} else {expr})"
            return expr
        if name == "scatter_index":
            x = n.inputs[0]
            shape = n.kw["shape"]
            conds, entries = [], []
            p = 0
            for ent in n.kw["index"]:
                if ent[0] == "n":
                    entries.append(ZERO)
                    continue
                e = amap[p][0]
                if ent[0] == "i":
                    conds.append(f"{e} == {resolve_index(ent[1], shape[p])}")
                else:
                    _, start, stop, step = ent
                    step = step or 1
                    st = slice_start(start, step, shape[p])
                    length = dimx(x.shape[len(entries)])
                    rel = e if st == "0" else f"({e} - ({st}))"
                    if step == 1:
                        conds.append(f"0 <= {rel} < {length}")
                        entries.append((rel, None))
                    else:
                        conds.append(f"{rel} % {step} == 0 and 0 <= {rel} // {step} < {length}")
                        entries.append((f"{rel} // {step}", None))
                p += 1
            val = cg.read(x, entries)
            if not conds:
                return val
            return f"({val} if {' and '.join(conds)} else {zero})"
        raise AssertionError(name)

    # -- roots ----------------------------------------------------------------------
    def emit(self):
        cg = self.cg
        dims = ", ".join(dimx(d) for d in self.dom)
        names = ", ".join(n.op.name for n in self.nest.roots)
        cg.body.append(f"# --- loop nest {self.k} over ({dims}): {names}")
        self.finalize = []
        for n in self.nest.roots:
            if cg.kinds[id(n)] == "reduction":
                self.reduce(n)
            else:
                self.store(n)
        out: list[str] = []

        def run(stmts, ind):
            if len(stmts) <= BLOCK_LIMIT:
                for s in stmts:
                    out.extend(_indent(s, ind))
                return
            # Numba's lowering is quadratic in the size of a basic block: cut long
            # runs of statements into blocks with a branch Numba cannot prune (no
            # variable is defined under it, so no phi nodes either)
            for k in range(0, len(stmts), BLOCK_LIMIT):
                if k:
                    out.append(f"{ind}if _true():  # a new basic block: Numba's lowering is quadratic in a block's size")
                    out.append(f"{ind}    pass")
                for s in stmts[k:k + BLOCK_LIMIT]:
                    out.extend(_indent(s, ind))

        def rec(L, ind):  # depth: the rank of the nest
            run(self.pre[L], ind)
            if L < self.r:
                out.append(f"{ind}for i{L} in range({dimx(self.dom[L])}):")
                mark = len(out)
                rec(L + 1, ind + "    ")
                if len(out) == mark:
                    out.append(ind + "    pass")
            run(self.post[L], ind)

        rec(0, "")
        cg.body.extend(out)
        for f in self.finalize:
            f()

    def store(self, n: Node):
        cg = self.cg
        amap = root_amap(n.shape)
        expr = self.expand(n, amap, as_root=True)
        if n.ndim == 0:
            v = self.temp("v")
            self.pre[0].append(f"{v} = {expr}")
            cg.vars[id(n)] = v
            self.cse[(id(n), amap)] = v
            return
        v = cg.buffer(n.shape, n.dtype, note=f": {label(n)}")
        cg.vars[id(n)] = v
        idx = ", ".join(e for e, _ in amap)
        self.pre[self.r].append(f"{v}[{idx}] = {expr}")

    def reduce(self, n: Node):
        cg = self.cg
        x = n.inputs[0]
        name = n.op.name
        axes, keepdims = n.kw["axes"], n.kw["keepdims"]
        xmap = root_amap(x.shape)
        v = self.expand(x, xmap)
        red = {next(iter(ax)) for k, (e, ax) in enumerate(xmap) if k in axes and ax}
        kept = {next(iter(ax)) for k, (e, ax) in enumerate(xmap) if k not in axes and ax}
        out_entries = [ZERO if k in axes else xmap[k] for k in range(x.ndim) if keepdims or k not in axes]
        idx = ", ".join(e for e, _ in out_entries)
        if name in ("logsumexp", "sum", "prod"):
            accdt = dt.FLOAT64 if n.dtype == dt.FLOAT32 else n.dtype
        else:
            accdt = n.dtype
        val = cast(v, x.dtype, accdt)
        prefix = not kept or not red or max(kept) < min(red)
        if prefix:
            L = len(kept)
            if name == "logsumexp":
                m, s = self.temp("m"), self.temp("s")
                self.pre[L].append(f"{m} = {literal(-np.inf, accdt)}\n{s} = {literal(0, accdt)}  # {label(n)}")
                self.pre[self.r].append(self._lse_step(m, s, val, accdt))
                final = f"np.log({s}) + {m}"
            else:
                acc = self.temp("acc")
                self.pre[L].append(f"{acc} = {_ACC_INIT[name](accdt)}  # {label(n)}")
                self.pre[self.r].append(self._acc_step(name, acc, val, accdt))
                final = acc
            final = cast(final, accdt, n.dtype)
            if n.ndim == 0:
                res = self.temp("v")
                self.post[L].append(f"{res} = {final}")
            else:
                res = cg.buffer(n.shape, n.dtype, note=f": {label(n)}")
                self.post[L].append(f"{res}[{idx}] = {final}")
            cg.vars[id(n)] = res
            return
        # kept axes inside reduced ones: accumulate into arrays
        if name == "logsumexp":
            m = cg.buffer(n.shape, accdt, float("-inf"), note=f": running max of {label(n)}")
            s = cg.buffer(n.shape, accdt, "zeros", note=": running sum")
            self.pre[self.r].append(self._lse_step(f"{m}[{idx}]", f"{s}[{idx}]", val, accdt))
            res = cg.buffer(n.shape, n.dtype, note=f": {label(n)}")
            cg.vars[id(n)] = res
            def fin():
                lines, ind, names = cg.loops(n.shape)
                ix = ", ".join(names)
                cg.body.extend(lines)
                cg.body.append(f"{ind}{res}[{ix}] = {cast(f'np.log({s}[{ix}]) + {m}[{ix}]', accdt, n.dtype)}")

            self.finalize.append(fin)
            return
        init = {"sum": "zeros", "prod": 1, "max": _PY_INIT["max"](accdt), "min": _PY_INIT["min"](accdt)}[name]
        acc = cg.buffer(n.shape, accdt, init, note=f": {label(n)}")
        self.pre[self.r].append(self._acc_step(name, f"{acc}[{idx}]", val, accdt))
        if accdt != n.dtype:
            res = cg.buffer(n.shape, n.dtype)
            self.finalize.append(lambda: cg.copy_into(res, acc, n.shape, lambda e: cast(e, accdt, n.dtype)))
        else:
            res = acc
        cg.vars[id(n)] = res

    @staticmethod
    def _acc_step(name, acc, val, d) -> str:
        if name == "sum":
            return f"{acc} = {acc} | {val}" if d == dt.BOOL else f"{acc} += {val}"
        if name == "prod":
            return f"{acc} = {acc} & {val}" if d == dt.BOOL else f"{acc} *= {val}"
        if d == dt.BOOL:
            return f"{acc} = {acc} | {val}" if name == "max" else f"{acc} = {acc} & {val}"
        if d == dt.INT64:
            return f"{acc} = {name}({acc}, {val})"
        cmp = ">" if name == "max" else "<"
        return f"{acc} = {val} if ({val} {cmp} {acc} or {val} != {val}) else {acc}"

    @staticmethod
    def _lse_step(m, s, val, d) -> str:
        one = literal(1, d)
        return (f"if {val} > {m}:\n    {s} = {s} * np.exp({m} - {val}) + {one}\n    {m} = {val}\n"
                f"elif {val} == {m}:\n    {s} += {one}\nelse:\n    {s} += np.exp({val} - {m})")


def generate(plan: Plan) -> Codegen:
    """Generate the code of ``plan``; the result holds the text pieces and call metadata."""
    cg = Codegen(plan)
    cg.scalars = cg.generate()
    return cg


def temporary_buffers(cg: Codegen) -> list[tuple]:
    """The caller-allocated buffers that are not outputs: the caller reuses them across calls."""
    outs = {spec[1] for spec in cg.out_specs if spec[0] == "buffer"}
    return [b for b in cg.buffers if b[0] not in outs]


def _init_lines(v: str, shape, dtype, init) -> list[str]:
    """Loops setting a reused buffer to its initial value (zeros or a constant)."""
    value = literal(0 if init == "zeros" else init, dtype)
    lines, ind = [], "    "
    names = [f"z{k}" for k in range(len(shape))]
    for d, i in zip(shape, names):
        lines.append(f"{ind}for {i} in range({dimx(d)}):")
        ind += "    "
    lines.append(f"{ind}{v}[{', '.join(names)}] = {value}")
    return lines


def function_text(cg: Codegen) -> str:
    """The ``@njit`` function: inputs then caller-allocated buffers; returns the 0-d outputs."""
    plan = cg.plan
    sig = [nb_type(x) for x in plan.inputs]
    for _, shape, dtype, _ in cg.buffers:
        sig.append(_NB[dtype.name] + "[" + ", ".join([":"] * (len(shape) - 1) + ["::1"]) + "]")
    params = cg.params + [b[0] for b in cg.buffers]
    lines = [
        "@nb.njit((" + ", ".join(sig) + ("," if len(sig) == 1 else "") + "), cache=True, nogil=True,",
        "        fastmath={" + ", ".join(repr(f) for f in FASTMATH) + "}, error_model=\"numpy\")",
        f"def graph({', '.join(params)}):",
    ]
    if plan.inputs:
        lines.append("    # inputs: " + ", ".join(f"{v} = {x.name} {shape_str(x.shape)} {x.dtype}"
                                           for v, x in zip(cg.params, plan.inputs)))
    # temporaries come from the caller's free list (uninitialised): set those that start at a value
    body = list(cg.body)
    start = next((k for k, ln in enumerate(body) if not ln.startswith("d_")), len(body))
    init = []
    for v, shape, dtype, how in temporary_buffers(cg):
        if how != "empty":
            init += [ln[4:] for ln in _init_lines(v, shape, dtype, how)]
    if init:
        body[start:start] = ["# reused temporaries that start at a value"] + init
    lines += ["    " + ln for ln in body]
    lines.append("    return (" + "".join(r + ", " for r in cg.scalars).rstrip() + ")")
    return "\n".join(lines) + "\n"


def index_checks(plan: Plan) -> list[str]:
    """Python lines checking, once per call, basic indices into symbolic axes.

    Integer indices and slice bounds into an axis of symbolic size are only known
    to be in range at run time: the compiled loops read without bounds checks, so
    the caller raises NumPy's IndexError first. A slice on a symbolic axis has the
    length ``stop - start`` in the graph; NumPy clips instead, so bounds outside
    the axis raise too (rather than give an array of another length).
    """
    lines: list[str] = []
    seen: set = set()

    def add(text):
        if text not in seen:
            seen.add(text)
            lines.append(text)

    for n in plan.order:
        name = n.op.name
        if name == "getitem":
            sizes = n.inputs[0].shape
        elif name == "scatter_index":
            sizes = n.kw["shape"]
        else:
            continue
        q = 0
        for e in n.kw["index"]:
            if e[0] == "n":
                continue
            d = sizes[q]
            if isinstance(d, str):
                D = dimx(d)
                if e[0] == "i":
                    k = e[1]
                    add(f"if not -{D} <= {k} < {D}:\n"
                        f"    raise IndexError('index {k} is out of bounds for axis {q} with size ' + str({D}))")
                elif e[3] in (None, 1):
                    _, start, stop, _ = e
                    lo = "0" if start is None else (str(start) if start >= 0 else f"{D} - {-start}")
                    hi = D if stop is None else (str(stop) if stop >= 0 else f"{D} - {-stop}")
                    text = ("" if start is None else str(start)) + ":" + ("" if stop is None else str(stop))
                    add(f"if not 0 <= {lo} <= {hi} <= {D}:\n"
                        f"    raise IndexError('the slice {text} is out of bounds for axis {q} with size ' + str({D})"
                        f" + ' (the graph gives slices of symbolic axes the length stop - start; NumPy would clip)')")
            q += 1
    return [ln for text in lines for ln in text.split("\n")]
