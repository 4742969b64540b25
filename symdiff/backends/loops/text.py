"""Python-syntax text of loop-IR expressions; a target's printer overrides the hooks."""

from __future__ import annotations

from .analysis import children
from .expr import Bin, Call, Cast, Const, Dim, Expr, Guard, Idx, Load, Select, Un, Var


class ExprPrinter:
    """Python-syntax text of expressions; a target's printer overrides the hooks.

    Hooks: :meth:`literal`, :meth:`call` (abstract function names to the
    target's), :meth:`cast`, :meth:`dim`, :meth:`idx`.
    """

    def expr(self, e: Expr, top: bool = True) -> str:
        # iterative post-order: generated expressions can nest deeply
        out: dict[int, str] = {}
        stack = [(e, False)]
        while stack:
            x, done = stack.pop()
            if id(x) in out:
                continue
            kids = children(x)
            if not done and kids:
                stack.append((x, True))
                stack.extend((k, False) for k in kids if id(k) not in out)
                continue
            out[id(x)] = self.one(x, [out[id(k)] for k in kids])
        text = out[id(e)]
        if top and text.startswith("(") and _balanced_outer(text):
            text = text[1:-1]
        return text

    def one(self, e: Expr, a: list) -> str:
        if isinstance(e, Const):
            return self.literal(e)
        if isinstance(e, Var):
            return e.name
        if isinstance(e, Idx):
            return self.idx(e.axis)
        if isinstance(e, Dim):
            return self.dim(e.name)
        if isinstance(e, Bin):
            return f"({a[0]} {e.op} {a[1]})"
        if isinstance(e, Un):
            return f"(-{a[0]})" if e.op == "-" else f"(not {a[0]})"
        if isinstance(e, Call):
            it = iter(a)
            args = [next(it) if isinstance(x, Expr) else repr(x) for x in e.args]
            return self.call(e, args)
        if isinstance(e, Select):
            return f"({a[1]} if {a[0]} else {a[2]})"
        if isinstance(e, Load):
            return f"{e.array}[{', '.join(_strip(x) for x in a)}]" if a else e.array
        if isinstance(e, Cast):
            return self.cast(a[0], e.src, e.dst)
        if isinstance(e, Guard):
            return f"({_strip(a[1])} <= {_strip(a[0])} < {_strip(a[2])})"
        raise TypeError(e)

    def literal(self, c: Const) -> str:
        return repr(c.value)

    def call(self, e: Call, args: list) -> str:
        return f"{e.fn}({', '.join(args)})"

    def cast(self, text: str, src: str, dst: str) -> str:
        return f"{dst}({text})"

    def dim(self, name: str) -> str:
        return f"d_{name}"

    def idx(self, axis: int) -> str:
        return f"i{axis}"


def _balanced_outer(text: str) -> bool:
    depth = 0
    for k, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and k < len(text) - 1:
            return False
    return True


def _strip(text: str) -> str:
    return text[1:-1] if text.startswith("(") and _balanced_outer(text) else text
