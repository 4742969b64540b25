"""Common subexpressions in straight code: reuse the first of equal assignments.

Index-set splitting leaves copies of a loop body in which guarded blocks were
inlined, so the same value (``x[i]**2`` for the value and for the gradient)
may be computed twice. LLVM would merge the arithmetic but must reload
arrays after each store, so the copies are cleaned here first.
"""

from __future__ import annotations

import re

from .analysis import substitute, walk
from .expr import Call, Load, Var
from .names import names_of
from .stmt import Assign, Eval, For, If, While

#: prefixes of the emitter's single-assignment temporaries: only these are merged
TEMPORARIES = ("t", "p", "s")
#: calls whose result is a view of an array argument (writes through it change the argument)
VIEWS = ("reshape", "T", "slice", "row")


def share_common(stmts: list) -> list:
    """``stmts`` with later assignments of an already computed expression replaced by the first one.

    Merged: variables named like temporaries, assigned once in ``stmts`` and
    not read before that assignment (accumulators are), whose expressions
    read no array that ``stmts`` writes.
    """
    assigned, written, _ = _effects(stmts)
    mergeable = {n for n, k in assigned.items() if k == 1 and re.sub(r"\d+$", "", n) in TEMPORARIES}
    mergeable -= _read_before_assigned(stmts)
    return _share(stmts, {}, {}, mergeable, written)


def _effects(stmts: list) -> tuple[dict, set, set]:
    """``(assignments per variable, arrays written, loop variables)`` of ``stmts``, nested ones included.

    A helper call (``Eval``) may write any array it is given, so those count as written.
    """
    assigned: dict = {}
    written: set = set()
    loop_vars: set = set()
    stack = list(stmts)
    while stack:
        s = stack.pop()
        if isinstance(s, Assign):
            if isinstance(s.target, Var):
                assigned[s.target.name] = assigned.get(s.target.name, 0) + 1
                if isinstance(s.value, Call) and s.value.fn in VIEWS:   # a view aliases its base: both may change
                    written.add(s.target.name)
                    written.update(e.name for e in walk(s.value) if isinstance(e, Var))
            else:
                written.add(s.target.array)
        elif isinstance(s, Eval):
            written.update(e.name for e in walk(s.expr) if isinstance(e, Var))
            written.update(e.array for e in walk(s.expr) if isinstance(e, Load))
        elif isinstance(s, (For, While, If)):
            if isinstance(s, For) and isinstance(s.var, Var):
                loop_vars.add(s.var.name)
            stack.extend(s.body)
            stack.extend(getattr(s, "orelse", []))
    return assigned, written, loop_vars


def _read_before_assigned(stmts: list) -> set:
    out: set = set()
    assigned: set = set()
    for s in stmts:
        defined, used, _ = names_of([s])
        if isinstance(s, Assign) and isinstance(s.target, Var) and not s.op:
            out |= {n for n in used if n not in assigned}
        else:
            out |= {n for n in used if n not in assigned and n not in defined}
        assigned |= set(defined)
    return out


def _share(stmts, seen: dict, rename: dict, mergeable: set, written: set) -> list:
    out = []
    for s in stmts:
        if isinstance(s, Assign):
            value = substitute(s.value, rename) if rename else s.value
            target = substitute(s.target, rename) if rename and isinstance(s.target, Load) else s.target
            single = isinstance(target, Var) and s.op is None and target.name in mergeable
            if single and not any(isinstance(e, Load) and e.array in written for e in walk(value)):
                prev = seen.get(value)
                if prev is not None:
                    rename[target] = prev
                    continue
                seen[value] = target
            out.append(Assign(target, value, s.op, s.note))
        elif isinstance(s, For):
            out.append(For(s.var, s.start, s.stop, _share(s.body, dict(seen), dict(rename), mergeable, written)))
        elif isinstance(s, While):   # the condition is re-read after each pass: nothing shared across it
            out.append(While(s.cond, _share(s.body, {}, {}, set(), written)))
        elif isinstance(s, If):
            cond = substitute(s.cond, rename) if rename else s.cond
            out.append(If(cond, _share(s.body, dict(seen), dict(rename), mergeable, written),
                          _share(s.orelse, dict(seen), dict(rename), mergeable, written)))
        elif isinstance(s, Eval):
            out.append(Eval(substitute(s.expr, rename) if rename else s.expr, s.note))
        else:
            out.append(s)
    return out


def share_loads(stmts: list, prefix: str = "r") -> list:
    """``stmts`` with an array element that several statements of one block read, read once into a variable.

    Numba types and lowers every ``x[i]`` it meets, so the forward sweep of a
    chain that reads ``x[i0]`` at each of its 100 steps compiles about a
    quarter faster reading it once. Shared: reads of arrays the statements
    never write, at indices that read no variable the statements assign (loop
    indices, sizes and parameters only), by two or more statements of the
    same block. The variable (``r0``, ``r1`` ...) is assigned just before the
    first of them, in that block, so a read under a guard stays under it.

    >>> from symdiff.backends import loops as ir
    >>> i = ir.Idx(0)
    >>> body = [ir.Assign(ir.Var("t0"), ir.Load("x", (i,))), ir.Assign(ir.Load("y", (i,)), ir.Var("t0") * ir.Load("x", (i,)))]
    >>> [str(s.value) for s in share_loads([ir.For(i, ir.Const(0), ir.Const(3), body)])[0].body]
    ['x[i0]', 'r0', 't0 * r0']
    """
    counts, written, loop_vars = _effects(stmts)
    assigned = set(counts) | loop_vars

    def shareable(e) -> bool:
        # an index that reads an array (a gather's x[k[0]]) could change with that array: never shared
        return (isinstance(e, Load) and e.array not in written
                and not any(isinstance(x, Load) or (isinstance(x, Var) and x.name in assigned)
                            for i in e.index for x in walk(i)))

    count = [0]

    def block(body: list) -> list:
        uses: dict = {}
        for s in body:
            if isinstance(s, Assign):
                for e in dict.fromkeys(x for x in walk(s.value) if isinstance(x, Load)):
                    uses[e] = uses.get(e, 0) + 1
        shared = {e for e, k in uses.items() if k > 1 and shareable(e)}
        out: list = []
        names: dict = {}
        for s in body:
            if isinstance(s, Assign):
                if shared:
                    for e in dict.fromkeys(x for x in walk(s.value) if x in shared and x not in names):
                        names[e] = Var(f"{prefix}{count[0]}")
                        count[0] += 1
                        out.append(Assign(names[e], e))
                if names:
                    target = s.target if isinstance(s.target, Var) else \
                        Load(s.target.array, tuple(substitute(i, names) for i in s.target.index))
                    s = Assign(target, substitute(s.value, names), s.op, s.note)
                out.append(s)
            elif isinstance(s, For):
                out.append(For(s.var, s.start, s.stop, block(s.body)))
            elif isinstance(s, While):
                out.append(While(s.cond, block(s.body)))
            elif isinstance(s, If):
                out.append(If(s.cond, block(s.body), block(s.orelse)))
            else:
                out.append(s)
        return out

    return block(stmts)
