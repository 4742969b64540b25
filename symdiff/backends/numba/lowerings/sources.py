"""Sources: input symbols and constant arrays (kernel variables), fills, eye, sizes."""

from __future__ import annotations

from .... import dtypes as dt
from ...loops import Const, Select, binop, cast, cmp, const, dim_expr
from ..lowering import Array, Source, register


class _Constant(Array):
    """Array constants are module-level arrays; 0-d constants are literals."""

    def kind_of(self, node):
        return "array" if node.ndim else "source"

    def value(self, node):
        return node.kw["value"].array

    def expr(self, em, node, index):
        return const(node.kw["value"].array.item(), node.dtype)


class _Fill(Source):
    def expr(self, em, node, index):
        return const(node.kw["value"], node.dtype)


class _SizeOf(Source):
    def expr(self, em, node, index):
        return cast(dim_expr(node.kw["size"]), dt.INT64, node.dtype)


class _Eye(Source):
    def expr(self, em, node, index):
        diagonal = cmp("==", binop("-", index[1], index[0]), Const(node.kw["k"]))
        return Select(diagonal, const(1, node.dtype), const(0, node.dtype))


class _Iota(Source):
    def expr(self, em, node, index):
        return cast(index[0], dt.INT64, node.dtype)


register("input", Array())
register("constant", _Constant())
register("fill", _Fill())
register("size_of", _SizeOf())
register("eye", _Eye())
register("iota", _Iota())
