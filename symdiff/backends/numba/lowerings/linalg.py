"""Factorisations and solves: one call each into ``linalg_runtime.py`` (SciPy's LAPACK).

Every operand is a stack ``(batch, rows, cols)`` (the batch axes flattened),
passed as the flat array it is stored in and where it starts there
(``flat_base``, ``flat_offset``: the arena and an offset for a temporary),
with the sizes; the helper indexes it. Views made in the generated code
would cost Numba a slice and a reshape to compile at every call. The result
goes into a caller-allocated buffer, or, for a 0-d result (the determinant
of one matrix), a one-entry buffer read back as a scalar.
"""

from __future__ import annotations

from ....dims import dims_product
from ... import loops as ir
from ..arena import flat_args
from ..lowering import Step, register


def _int64(e: ir.Expr) -> ir.Expr:
    # int64 values, not literals: Numba would compile the helper once per literal value
    return ir.const(e.value, "int64") if isinstance(e, ir.Const) else e


class _Lapack(Step):
    """``helper(a, ia, [b, ib,] out, io, batch, n, [k,] *flags)``; ``flags`` names boolean/int params passed on.

    ``n`` is the order of the (square) first operand, ``k`` the number of
    columns of the second one, when there is one.
    """

    cost = 50

    def __init__(self, helper: str, flags: tuple = ()):
        self.helper = helper
        self.flags = flags

    def emit(self, em, node):
        a = node.inputs[0]
        args = [x for v in node.inputs for x in flat_args(em.var_of(v))]
        r = em.buffer(node.shape if node.ndim else (1,), node.dtype)
        args += flat_args(ir.Var(r))
        args += [_int64(ir.dim_expr(dims_product(a.shape[:-2]))), _int64(ir.dim_expr(a.shape[-1]))]
        args += [_int64(ir.dim_expr(b.shape[-1])) for b in node.inputs[1:2]]
        args += [ir.const(int(node.kw[f]), "int64") for f in self.flags]
        em.out(ir.Eval(ir.Call(self.helper, tuple(args)), note=em.label(node)))
        if node.ndim:
            em.bind(node, r)
        else:
            v = em.fresh("v")
            em.out(ir.Assign(ir.Var(v), ir.Load(r, (ir.Const(0),))))
            em.bind(node, v)


register("cholesky", _Lapack("la_cholesky"))
register("solve", _Lapack("la_solve"))
register("solve_triangular", _Lapack("la_solve_triangular", ("lower", "trans", "unit_diagonal")))
register("det", _Lapack("la_det"))
register("slogdet", _Lapack("la_slogdet"))
register("eigh", _Lapack("la_eigh"))
