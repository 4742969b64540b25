"""One loop nest: its roots stored or accumulated, the virtual nodes they read as statements.

``expand(node, index)`` returns the expression of a node at an index and
emits, iteratively, the statements it needs. Each statement goes to the loop
level its index needs (loop-invariant code is hoisted) and is shared by
every later reader of the same (node, index) (common subexpressions).

Guarded data (a piece of a pad, a concatenation or a scatter; a root whose
domain is smaller than the nest's) is computed inside ``If`` blocks whose
conditions are :class:`~symdiff.backends.loops.Guard` expressions, so an
input is only read where it exists. A statement leaves such a block when it
does not depend on the guarded loop axes. ``split.py`` then cuts the loop so
the common range runs with the guards resolved.
"""

from __future__ import annotations

from ...graph import Node
from .. import loops as ir
from .lowering import label, lowering_of
from .planner import Nest, loop_shape, root_index
from .split import render_nest


class Scope:
    """Where statements go: the nest's levels (root scope) or the body of an ``If`` block."""

    def __init__(self, parent: "Scope | None", guard_axes: frozenset = frozenset(), levels: int = 0,
                 sealed: bool = False):
        self.parent = parent
        self.guard_axes = guard_axes
        self.sealed = sealed or (parent is not None and parent.sealed)   # nothing may leave it
        self.body: list = []
        self.pre = [[] for _ in range(levels + 1)] if parent is None else None
        self.post = [[] for _ in range(levels + 1)] if parent is None else None

    def place(self, axes: frozenset) -> "Scope":
        """The outermost enclosing scope a statement over ``axes`` may go to (it must stay under
        every guard on those axes)."""
        s = self
        while s.parent is not None and not s.sealed and not (s.guard_axes & axes):
            s = s.parent
        return s

    def add(self, stmt, level: int) -> None:
        if self.parent is None:
            self.pre[level].append(stmt)
        else:
            self.body.append(stmt)

    def visible(self, other: "Scope") -> bool:
        """True when values computed in ``other`` can be used here (``other`` encloses this scope)."""
        s = self
        while s is not None:
            if s is other:
                return True
            s = s.parent
        return False


class NestEmitter:
    """Emit one loop nest of a plan into the plan emitter ``pe``."""

    def __init__(self, pe, nest: Nest, k: int):
        self.pe = pe
        self.nest = nest
        self.k = k
        self.dom = nest.domain
        self.r = len(self.dom)
        self.root_scope = Scope(None, levels=self.r)
        self.scope = self.root_scope
        self.cse: dict = {}           # (id, index) -> (expr, scope)
        self._here = None             # (scope, level) of the node being expanded (for ``let``)

    # -- the API lowering entries see (besides the plan emitter's) ----------------------
    def let(self, expr: ir.Expr, prefix: str = "t") -> ir.Var:
        """Bind ``expr`` to a new variable where the node being expanded is computed."""
        v = ir.Var(self.pe.fresh(prefix))
        scope, level = self._here
        scope.add(ir.Assign(v, expr), level)
        return v

    def fresh(self, prefix="t"):
        return self.pe.fresh(prefix)

    # -- expressions ---------------------------------------------------------------------
    def _lookup(self, key):
        hit = self.cse.get(key)
        if hit is not None and self.scope.visible(hit[1]):
            return hit[0]
        return None

    def expand(self, n: Node, index: tuple) -> ir.Expr:
        """The expression of ``n`` read at ``index``, emitting the statements it needs (iterative)."""
        key = (id(n), index)
        got = self._lookup(key)  # a root of this nest computed earlier in the same iteration
        if got is not None:
            return got
        if id(n) in self.pe.vars:
            return self.pe.read(n, index)
        stack = [(n, index, False)]
        while stack:
            m, a, ready = stack.pop()
            k = (id(m), a)
            if self._lookup(k) is not None:
                continue
            kind = self.pe.plan.kinds[id(m)]
            if not ready and kind == "inline":
                todo = [(c, ca) for c, ca in lowering_of(m).inputs_at(m, a)
                        if ca is not None and id(c) not in self.pe.vars and self._lookup((id(c), ca)) is None]
                if todo:
                    stack.append((m, a, True))
                    stack.extend((c, ca, False) for c, ca in reversed(todo))
                    continue
            self._expand_one(m, a, kind)
        return self._lookup(key)

    def _expand_one(self, n: Node, index: tuple, kind: str) -> None:
        low = lowering_of(n)
        axes = frozenset(ax for e in index for ax in ir.loop_axes(e))
        level = ir.level_of(index)
        scope = self.scope.place(axes)
        if kind == "source":
            self.cse[(id(n), index)] = (low.expr(self, n, index), self.root_scope)
            return
        if kind == "piecewise":
            self.cse[(id(n), index)] = (self._piecewise(n, index, scope, level), scope)
            return
        args = []
        for x, xi in low.inputs_at(n, index):
            args.append(self.pe.var_of(x) if xi is None else self.expand(x, xi))
        saved, self._here = self._here, (scope, level)
        try:
            expr = low.expr(self, n, index, args)
        finally:
            self._here = saved
        cheap = isinstance(expr, (ir.Var, ir.Const)) or (
            isinstance(expr, ir.Load) and not any(isinstance(e, ir.Call) for x in expr.index for e in ir.walk(x)))
        if cheap:  # a remap or a plain read: no statement of its own
            self.cse[(id(n), index)] = (expr, scope)
            return
        v = ir.Var(self.pe.fresh())
        scope.add(ir.Assign(v, expr, note=label(n)), level)
        self.cse[(id(n), index)] = (v, scope)

    def _piecewise(self, n: Node, index: tuple, scope: Scope, level: int) -> ir.Var:
        """``v = piece value`` under each piece's guards (an if/elif chain), else zero.

        The chain goes into ``scope`` only once every piece is expanded, after
        the statements the pieces moved out of their blocks. A statement may
        leave a block only when it does not depend on the loop axes the block's
        conditions test; a condition on no loop axis at all (a constant index)
        keeps every statement inside.
        """
        v = ir.Var(self.pe.fresh("p"))
        outer, into, first = scope, None, None
        for piece in lowering_of(n).pieces(n, index):
            known = [_known(c) for c in piece.conds]
            if False in known:
                continue   # a piece never read at this (constant) index: not even expanded
            conds = [c for c, k in zip(piece.conds, known) if k is None]
            tested = [ir.loop_axes(c) for c in conds]
            gaxes = outer.guard_axes | frozenset().union(*tested)
            block = Scope(outer, gaxes, sealed=any(not t for t in tested))
            saved, self.scope = self.scope, block
            try:
                val = piece.convert(self.expand(piece.input, piece.index))
            finally:
                self.scope = saved
            block.body.append(ir.Assign(v, val, note=label(n)))
            test = ir.If(_conjunction(conds) if conds else ir.Const(True, "bool"), block.body, [])
            if first is None:
                first = test
            else:
                into.append(test)
            into = test.orelse
            if not conds:
                break      # this piece always holds here: the later ones and the zero are never reached
            outer = Scope(outer, gaxes, sealed=block.sealed)   # the else branch: under the same tests
            outer.body = into
        else:
            zero = ir.Assign(v, ir.const(0, n.dtype))
            if first is None:
                scope.add(zero, level)
                return v
            into.append(zero)
        scope.add(first, level)
        return v

    # -- roots ---------------------------------------------------------------------------------
    def emit(self) -> list:
        pe = self.pe
        names = ", ".join(n.op.name for n in self.nest.roots)
        dims = ", ".join(str(ir.dim_expr(d)) for d in self.dom)
        out = [ir.Comment(f"--- loop nest {self.k} over ({dims}): {names}")]
        self.finalize: list = []
        roots = sorted(self.nest.roots, key=lambda n: bool(self._root_guards(n)))  # unguarded first: more sharing
        for n in roots:
            kind = pe.plan.kinds[id(n)]
            if kind == "reduction":
                self._reduce(n)
            elif kind == "scatter":
                self._scatter(n)
            else:
                self._store(n)
        out += render_nest(self.root_scope, self.dom, self.pe)
        for f in self.finalize:
            out += f()
        return out

    def _root_guards(self, n: Node) -> list:
        """``i_a < size`` for each axis where the root's domain is smaller than the nest's."""
        dom = [d for d in loop_shape(n, self.pe.plan.kinds[id(n)]) if d != 1]
        return [ir.Guard(ir.Idx(a), ir.Const(0), ir.dim_expr(d)) for a, (d, big) in enumerate(zip(dom, self.dom))
                if d != big]

    def _guarded(self, n: Node, work) -> None:
        """Run ``work(scope)`` (which emits the root's update at the innermost level) under the root's guards."""
        guards = self._root_guards(n)
        if not guards:
            work(self.root_scope)
            return
        block = Scope(self.root_scope, frozenset(g.entry.axis for g in guards))
        self.scope = block
        try:
            work(block)
        finally:
            self.scope = self.root_scope
        self.root_scope.add(ir.If(_conjunction(guards), block.body, []), self.r)

    def _store(self, n: Node) -> None:
        pe = self.pe
        index = root_index(n.shape)
        if n.ndim == 0:
            if not self._root_guards(n):
                value = self.expand(n, index)
                if isinstance(value, ir.Var):   # already in a variable of this nest: no copy
                    pe.bind(n, value.name)
                    return
                v = pe.fresh("v")
                self.root_scope.add(ir.Assign(ir.Var(v), value), 0)
            else:
                v = pe.fresh("v")
                self._guarded(n, lambda scope: scope.add(ir.Assign(ir.Var(v), self.expand(n, index)), 0))
            pe.bind(n, v)
            return
        buf = pe.buffer(n.shape, n.dtype, note=f": {label(n)}")
        self._guarded(n, lambda scope: scope.add(ir.Assign(ir.Load(buf, index), self.expand(n, index)), self.r))
        pe.bind(n, buf)

    def _reduce(self, n: Node) -> None:
        pe = self.pe
        low = lowering_of(n)
        x = n.inputs[0]
        axes, keepdims = low.reduced_axes(n)
        xindex = root_index(x.shape)
        accdt = low.acc_dtype(n)
        red = {next(iter(ir.loop_axes(e))) for k, e in enumerate(xindex) if k in axes and ir.loop_axes(e)}
        kept = {next(iter(ir.loop_axes(e))) for k, e in enumerate(xindex) if k not in axes and ir.loop_axes(e)}
        out_index = tuple(ir.Const(0) if k in axes else xindex[k] for k in range(x.ndim) if keepdims or k not in axes)
        inits = low.accumulators(accdt)
        prefix = not kept or not red or max(kept) < min(red)

        def value():
            return ir.cast(self.expand(x, xindex), x.dtype, accdt)

        if prefix:  # the reduced axes are the innermost loops: scalar accumulators
            L = len(kept)
            accs = [ir.Var(pe.fresh("acc")) for _ in inits]
            for a, init in zip(accs, inits):
                self.root_scope.pre[L].append(ir.Assign(a, init, note=label(n)))
            self._guarded(n, lambda scope: [scope.add(s, self.r) for s in low.update(accs, value(), accdt)])
            final = ir.cast(low.finish(accs, accdt), accdt, n.dtype)
            if n.ndim == 0:
                res = pe.fresh("v")
                self.root_scope.post[L].append(ir.Assign(ir.Var(res), final))
            else:
                res = pe.buffer(n.shape, n.dtype, note=f": {label(n)}")
                store = ir.Assign(ir.Load(res, out_index), final)
                outer = [g for g in self._root_guards(n) if g.entry.axis < L]  # kept axes the root does not span
                self.root_scope.post[L].append(ir.If(_conjunction(outer), [store], []) if outer else store)
            pe.bind(n, res)
            return
        # kept axes inside reduced ones: accumulate into arrays, finish in a loop of their own
        bufs = [pe.buffer(n.shape, accdt, init=init.value, note=f": accumulator of {label(n)}") for init in inits]
        accs = [ir.Load(b, out_index) for b in bufs]
        self._guarded(n, lambda scope: [scope.add(s, self.r) for s in low.update(accs, value(), accdt)])
        probe = ir.Var("_acc")
        if len(bufs) == 1 and accdt == n.dtype and low.finish([probe], accdt) == probe:  # the accumulator is the result
            pe.bind(n, bufs[0])
            return
        res = pe.buffer(n.shape, n.dtype, note=f": {label(n)}")
        pe.bind(n, res)

        def fin():
            idx = tuple(ir.Var(pe.fresh("j")) for _ in n.shape)
            val = ir.cast(low.finish([ir.Load(b, idx) for b in bufs], accdt), accdt, n.dtype)
            return [ir.loop_nest(idx, n.shape, [ir.Assign(ir.Load(res, idx), val)])]

        self.finalize.append(fin)

    def _scatter(self, n: Node) -> None:
        pe = self.pe
        low = lowering_of(n)
        x = n.inputs[0]
        index = root_index(x.shape)
        out = pe.buffer(n.shape, n.dtype, init=0, note=f": {label(n)}")

        def work(scope):
            args = [pe.var_of(c) if ci is None else self.expand(c, ci) for c, ci in low.inputs_at(n, index)]
            scope.add(ir.Assign(ir.Load(out, low.target(n, index, args)), ir.cast(args[0], x.dtype, n.dtype), "+"),
                      self.r)
        self._guarded(n, work)
        pe.bind(n, out)


def _known(c: ir.Expr) -> bool | None:
    """The value of a guard on constants (a constant index), else None."""
    if isinstance(c, ir.Guard) and all(isinstance(e, ir.Const) and e.dtype is None for e in (c.entry, c.lo, c.hi)):
        return c.lo.value <= c.entry.value < c.hi.value
    return None


def _conjunction(conds) -> ir.Expr:
    out = conds[0]
    for c in conds[1:]:
        out = ir.Bin("and", out, c)
    return out
