"""A backend-neutral description of generated code: expressions, statements, buffers.

Lowering turns a planned graph into this small loop language; a printer turns
it into source for one target (``backends/numba/printer.py`` writes Numba).
Nothing here knows Numba: math functions are abstract names (``"exp"``),
loop indices are :class:`Idx`, symbolic sizes :class:`Dim`.

* ``expr.py``: the expressions (immutable, compared by value, so an index
  tuple can key a cache) and their constructors;
* ``analysis.py``: walks, loop axes and levels, affine forms, substitution;
* ``stmt.py``: :class:`Assign` (``x = e``, ``x += e``, ``a[i] = e``),
  :class:`For`, :class:`While`, :class:`If`, :class:`Eval` (a call for its effect),
  :class:`Comment`; a :class:`Buffer` is an array the caller allocates and
  passes in, a :class:`Kernel` one compiled function;
* ``names.py``: the names a block defines and reads, renaming, sizes;
* ``cse.py``: common subexpressions and repeated array reads in straight code;
* ``text.py``: the Python-syntax printer targets extend.

>>> from symdiff.backends import loops as ir
>>> str(ir.Load("x", (ir.Idx(0) + 1,)))
'x[i0 + 1]'
"""

from .analysis import affine_in, children, level_of, loop_axes, substitute, walk
from .cse import share_common, share_loads
from .expr import (Bin, Call, Cast, Const, Dim, Expr, Guard, Idx, Load, Select, Un, Var, as_expr, binop,
                   cast, cmp, const, dim_expr, is_index, shape_exprs)
from .names import count, names_of, rename, rename_expr, weight
from .stmt import Assign, Buffer, Comment, Eval, For, If, Kernel, Stmt, While, loop_nest
from .text import ExprPrinter

__all__ = [
    "Expr", "Const", "Var", "Idx", "Dim", "Bin", "Un", "Call", "Select", "Load", "Cast", "Guard",
    "Stmt", "Assign", "For", "While", "If", "Eval", "Comment", "Buffer", "Kernel",
    "as_expr", "binop", "cmp", "const", "cast", "dim_expr", "shape_exprs", "walk", "children", "loop_axes",
    "level_of", "affine_in", "substitute", "is_index", "ExprPrinter", "loop_nest",
    "names_of", "rename", "rename_expr", "count", "weight", "share_common", "share_loads",
]
