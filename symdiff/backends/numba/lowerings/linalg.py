"""Factorisations and solves: one call each into ``linalg_runtime.py`` (LAPACK through Numba).

Every operand is viewed as a stack ``(batch, rows, cols)`` (the batch axes
flattened); the result goes into a caller-allocated buffer, or, for a 0-d
result (the determinant of one matrix), a one-entry buffer read back as a scalar.
"""

from __future__ import annotations

from ....dims import dims_product
from ... import loops as ir
from ..lowering import Step, register


class _Lapack(Step):
    """``helper(*operand stacks, out stack, *flags)``; ``flags`` names boolean/int params passed on."""

    cost = 50

    def __init__(self, helper: str, flags: tuple = ()):
        self.helper = helper
        self.flags = flags

    def emit(self, em, node):
        batch = ir.dim_expr(dims_product(node.inputs[0].shape[:-2]))
        args = [ir.Call("reshape", (em.var_of(x), batch, ir.dim_expr(x.shape[-2]), ir.dim_expr(x.shape[-1])))
                for x in node.inputs]
        inner = node.shape[node.inputs[0].ndim - 2:]
        r = em.buffer(node.shape if node.ndim else (1,), node.dtype)
        args.append(ir.Call("reshape", (ir.Var(r), batch) + tuple(ir.dim_expr(d) for d in inner)))
        # int64 values, not literals: Numba would compile the helper once per literal value
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
