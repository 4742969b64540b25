"""Temporaries in arenas: one caller-allocated array per dtype holds every temporary buffer.

A kernel writes its outputs into fresh arrays and everything else (stored
intermediate values, accumulators, operands copied for BLAS) into
temporaries. Packed into one flat array per dtype, at offsets the call path
computes from the symbolic sizes, the temporaries cost one allocation (and
one entry in the free list) instead of one each, and a compiled part takes
the arena and a few integer offsets instead of one array argument per
temporary: Numba's compile time grows with the number of array arguments,
and a long unrolled computation stores hundreds of small values.

``x[i, j]`` of a temporary ``x`` of shape ``(m, n)`` becomes
``arena[o_x + i * n + j]``; a whole-array use (a BLAS operand, a reshape)
becomes the view ``arena[o_x:o_x + m * n].reshape((m, n))``, and a reshape of
it the one view ``arena[o_x:o_x + m * n].reshape(new)`` (no reshape at all
when ``new`` is flat).

Views are what Numba compiles slowly: each slice and each reshape in a part
costs it tens of milliseconds (bounds, strides, the error paths of reshape),
so a helper that can index flat storage takes ``flat_base(x)`` and
``flat_offset(x)`` instead: the flat array ``x`` is stored in and where it
starts (``arena`` and ``o_x`` for a temporary; ``x``, flattened, and 0 for
any other array).
"""

from __future__ import annotations

from ...dims import dim_add, dims_product
from .. import loops as ir


def _flat(index: tuple, dims: tuple) -> ir.Expr:
    out = ir.Const(0)
    for e, d in zip(index, dims):
        out = ir.binop("+", ir.binop("*", out, ir.dim_expr(d)), e)
    return out


def pack(kernel: ir.Kernel, outputs: set, groups: dict) -> ir.Kernel:
    """``kernel`` with its non-output buffers moved into one arena per dtype.

    Buffers made by the same block with the same dtype and shape form a
    *group*: one offset variable for the group (``o_b12``, passed to the
    parts that touch it) and constant slots after it, so a part that stores
    a hundred values takes one offset, and alike parts stay alike.
    """
    temps = [b for b in kernel.buffers if b.name not in outputs]
    if not temps:
        kernel.offsets = {}
        storage = _flat_storage({}, kernel.types)
        kernel.blocks = [map_statements(b, lambda e: map_expression(e, storage)) for b in kernel.blocks]
        return kernel
    arenas: dict[str, ir.Buffer] = {}
    ends: dict[str, object] = {}
    slot: dict[str, tuple] = {}     # buffer -> (arena name, offset expression, dims)
    offsets: dict[str, object] = {}
    bases: dict[tuple, list] = {}   # group -> [offset variable, slots so far]
    for b in temps:
        key = (groups.get(b.name, b.name), b.dtype.name, b.dims)
        if key not in bases:
            var = f"o_{b.name}"
            kernel.types[var] = ("int64", 0)
            bases[key] = [var, 0]
        var, j = bases[key]
        bases[key][1] += 1
        size = ir.dim_expr(dims_product(b.dims))
        slot[b.name] = (f"arena_{b.dtype.name}", ir.binop("+", ir.Var(var), ir.binop("*", j, size)), b.dims)
    # each group's slots are contiguous (buffers of different groups may come interleaved)
    for (_, dt, dims), (var, count) in bases.items():
        offsets[var] = ends.get(dt, 0)
        ends[dt] = dim_add(ends.get(dt, 0), dims_product((count,) + tuple(dims)))
    for dt, end in ends.items():
        a = ir.Buffer(f"arena_{dt}", (end,), next(b.dtype for b in temps if b.dtype.name == dt), None,
                      " (temporaries)")
        arenas[dt] = a
        kernel.types[a.name] = (dt, 1)

    storage = _flat_storage(slot, kernel.types)

    def expr(e: ir.Expr) -> ir.Expr:
        if isinstance(e, ir.Load) and e.array in slot:
            arena, at, dims = slot[e.array]
            index = tuple(expr(x) for x in e.index)
            return ir.Load(arena, (ir.binop("+", at, _flat(index, dims)),))
        got = storage(e)
        if got is not None:
            return got
        if isinstance(e, ir.Call) and e.fn == "reshape" and isinstance(e.args[0], ir.Var) and e.args[0].name in slot:
            # a reshape of a temporary: one view of the arena in the new shape (none when flat)
            arena, at, dims = slot[e.args[0].name]
            size = ir.dim_expr(dims_product(dims))
            view = ir.Call("slice", (ir.Var(arena), at, ir.binop("+", at, size)))
            shape = tuple(expr(x) for x in e.args[1:])
            return ir.Call("reshape", (view,) + shape) if len(shape) > 1 else view
        if isinstance(e, ir.Var) and e.name in slot:
            arena, at, dims = slot[e.name]
            size = ir.dim_expr(dims_product(dims))
            view = ir.Call("slice", (ir.Var(arena), at, ir.binop("+", at, size)))
            return ir.Call("reshape", (view,) + ir.shape_exprs(dims)) if len(dims) > 1 else view
        if isinstance(e, ir.Load):
            return ir.Load(e.array, tuple(expr(x) for x in e.index))
        kids = ir.children(e)
        if not kids:
            return e
        return _rebuild(e, [expr(k) for k in kids])

    kernel.blocks = [map_statements(b, expr) for b in kernel.blocks]
    kernel.buffers = [b for b in kernel.buffers if b.name in outputs] + list(arenas.values())
    kernel.offsets = offsets
    return kernel


def flat_args(v: ir.Var) -> list:
    """``v`` as two arguments of a helper: the flat array it is stored in and its offset there."""
    return [ir.Call("flat_base", (v,)), ir.Call("flat_offset", (v,))]


def _flat_storage(slot: dict, types: dict):
    """``flat_base(x)`` and ``flat_offset(x)`` resolved: the arena and ``x``'s offset in it, else ``x`` and 0.

    An array of its own with several axes (an input, an output) is passed
    flattened (C-contiguous: a reshape, no copy).
    """
    def resolve(e: ir.Expr):
        if not (isinstance(e, ir.Call) and e.fn in ("flat_base", "flat_offset")):
            return None
        x = e.args[0]
        if not isinstance(x, ir.Var):
            raise TypeError(f"{e.fn} of {x}: an array variable expected")
        if x.name in slot:
            arena, at, _ = slot[x.name]
            return ir.Var(arena) if e.fn == "flat_base" else at
        if e.fn == "flat_offset":
            return ir.const(0, "int64")
        return x if types.get(x.name, (None, 1))[1] <= 1 else ir.Call("reshape", (x, ir.Const(-1)))
    return resolve


def map_statements(block: list, expr) -> list:
    """``block`` with every expression ``e`` in it replaced by ``expr(e)`` (targets included)."""
    out = []
    for s in block:
        if isinstance(s, ir.Assign):
            out.append(ir.Assign(expr(s.target), expr(s.value), s.op, s.note))
        elif isinstance(s, ir.Eval):
            out.append(ir.Eval(expr(s.expr), s.note))
        elif isinstance(s, ir.For):
            out.append(ir.For(s.var, expr(s.start), expr(s.stop), map_statements(s.body, expr)))
        elif isinstance(s, ir.While):
            out.append(ir.While(expr(s.cond), map_statements(s.body, expr)))
        elif isinstance(s, ir.If):
            out.append(ir.If(expr(s.cond), map_statements(s.body, expr), map_statements(s.orelse, expr)))
        else:
            out.append(s)
    return out


def map_expression(e: ir.Expr, fn) -> ir.Expr:
    """``e`` rebuilt bottom-up, each node ``x`` replaced by ``fn(x)`` when that is not None."""
    got = fn(e)
    if got is not None:
        return got
    kids = ir.children(e)
    if isinstance(e, ir.Load):
        return ir.Load(e.array, tuple(map_expression(x, fn) for x in e.index))
    if not kids:
        return e
    return _rebuild(e, [map_expression(k, fn) for k in kids])


def rebase_offsets(block: list, offset_vars, types: dict) -> tuple[list, dict]:
    """``block`` with ``o + c`` (``o`` an arena offset, ``c`` a constant) read from a new offset ``o + c0``.

    ``c0`` is the smallest constant the block adds to ``o``, so two blocks
    that do the same work on different slots (the alike steps of an unrolled
    loop) print the same code and share one compiled part. Returns the block
    and ``{new name: its value as Python text}``; the new names are added to
    ``types``.
    """
    def term(x: ir.Expr):
        """``(o, c)`` when ``x`` is ``o + c`` with ``o`` an offset, ``(o, 0)`` for ``o`` alone, else None."""
        if isinstance(x, ir.Var) and x.name in offset_vars:
            return x.name, 0
        if isinstance(x, ir.Bin) and x.op == "+" and isinstance(x.a, ir.Var) and x.a.name in offset_vars \
                and isinstance(x.b, ir.Const) and x.b.dtype is None and isinstance(x.b.value, int):
            return x.a.name, x.b.value
        return None

    least: dict[str, int] = {}

    def seen(x: ir.Expr):
        t = term(x)
        if t is not None:
            least[t[0]] = min(least.get(t[0], t[1]), t[1])
            return x    # do not look inside: the ``o`` of ``o + c`` is not a use of ``o`` alone
        return None

    map_statements(block, lambda e: map_expression(e, seen))
    moved = {o: c for o, c in least.items() if c > 0}
    if not moved:
        return block, {}
    new = {o: f"{o}_{c}" for o, c in moved.items()}
    for name in new.values():
        types[name] = ("int64", 0)

    def shift(x: ir.Expr):
        t = term(x)
        if t is not None and t[0] in moved:
            return ir.binop("+", ir.Var(new[t[0]]), t[1] - moved[t[0]])
        return None

    out = map_statements(block, lambda e: map_expression(e, shift))
    return out, {new[o]: f"({o} + {c})" for o, c in moved.items()}


def _rebuild(e: ir.Expr, kids: list) -> ir.Expr:
    """``e`` with its children replaced (in the order ``loops.children`` gives them)."""
    if isinstance(e, ir.Bin):
        return ir.Bin(e.op, *kids)
    if isinstance(e, ir.Un):
        return ir.Un(e.op, kids[0])
    if isinstance(e, ir.Cast):
        return ir.Cast(kids[0], e.src, e.dst)
    if isinstance(e, ir.Call):
        it = iter(kids)
        return ir.Call(e.fn, tuple(next(it) if isinstance(a, ir.Expr) else a for a in e.args), e.dtype)
    if isinstance(e, ir.Select):
        return ir.Select(*kids)
    if isinstance(e, ir.Guard):
        return ir.Guard(*kids)
    raise TypeError(e)
