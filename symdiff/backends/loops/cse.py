"""Common subexpressions in straight code: reuse the first of equal assignments.

Index-set splitting leaves copies of a loop body in which guarded blocks were
inlined, so the same value (``x[i]**2`` for the value and for the gradient)
may be computed twice. LLVM would merge the arithmetic but must reload
arrays after each store, so the copies are cleaned here first.
"""

from __future__ import annotations

import re

from .analysis import substitute, walk
from .expr import Load, Var
from .names import names_of
from .stmt import Assign, Eval, For, If, While

#: prefixes of the emitter's single-assignment temporaries: only these are merged
TEMPORARIES = ("t", "p", "s")


def share_common(stmts: list) -> list:
    """``stmts`` with later assignments of an already computed expression replaced by the first one.

    Merged: variables named like temporaries, assigned once in ``stmts`` and
    not read before that assignment (accumulators are), whose expressions
    read no array that ``stmts`` writes.
    """
    assigned: dict = {}
    written: set = set()
    stack = list(stmts)
    while stack:
        s = stack.pop()
        if isinstance(s, Assign):
            if isinstance(s.target, Var):
                assigned[s.target.name] = assigned.get(s.target.name, 0) + 1
            else:
                written.add(s.target.array)
        elif isinstance(s, Eval):
            written.update(e.name for e in walk(s.expr) if isinstance(e, Var))
        elif isinstance(s, (For, While, If)):
            stack.extend(s.body)
            stack.extend(getattr(s, "orelse", []))
    mergeable = {n for n, k in assigned.items() if k == 1 and re.sub(r"\d+$", "", n) in TEMPORARIES}
    mergeable -= _read_before_assigned(stmts)
    return _share(stmts, {}, {}, mergeable, written)


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
