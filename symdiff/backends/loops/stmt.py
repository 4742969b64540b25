"""Statements, buffers and kernels of the loop IR."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .expr import Const, Expr, dim_expr


# ------------------------------------------------------------------ statements

class Stmt:
    __slots__ = ()


@dataclass(eq=False)
class Assign(Stmt):
    """``target = value`` or, with ``op``, ``target op= value``; the target a Var or a Load."""

    target: Expr
    value: Expr
    op: str | None = None
    note: str = ""


@dataclass(eq=False)
class For(Stmt):
    var: Expr          # Idx or Var
    start: Expr
    stop: Expr
    body: list = field(default_factory=list)


@dataclass(eq=False)
class While(Stmt):
    """``while cond: body`` (a loop whose trip count is known only at run time)."""

    cond: Expr
    body: list = field(default_factory=list)


@dataclass(eq=False)
class If(Stmt):
    cond: Expr
    body: list = field(default_factory=list)
    orelse: list = field(default_factory=list)


@dataclass(eq=False)
class Eval(Stmt):
    """An expression evaluated for its effect (a BLAS call writing into an output)."""

    expr: Expr
    note: str = ""


@dataclass(eq=False)
class Comment(Stmt):
    text: str


def loop_nest(index_vars, dims, body: list) -> Stmt:
    """``for v0 in range(d0): for v1 in range(d1): ... body`` over symdiff dimensions."""
    for v, d in reversed(list(zip(index_vars, dims))):
        body = [For(v, Const(0), dim_expr(d), body)]
    return body[0] if len(body) == 1 else body


# ------------------------------------------------------------------ buffers and kernels

@dataclass(eq=False)
class Buffer:
    """A C-contiguous array the caller allocates and passes to the kernel.

    ``init``: ``None`` (uninitialised), ``0`` or another number the kernel
    starts from. ``dims`` are symdiff dimensions (ints and names).
    """

    name: str
    dims: tuple
    dtype: np.dtype
    init: object = None
    note: str = ""


@dataclass(eq=False)
class Kernel:
    """The code of one graph: inputs, caller buffers, blocks of statements, the 0-d outputs.

    ``blocks`` are consecutive pieces (one per plan step) that may be compiled
    as separate parts; ``types`` gives ``(dtype name, ndim)`` of every array
    and scalar variable that blocks share; ``dims`` the symbolic size names
    the code reads (the caller passes them).
    """

    inputs: list             # (variable, input node)
    buffers: list
    constants: list          # (name, array) module-level arrays
    blocks: list
    returns: list            # expressions of the 0-d outputs
    dims: list
    types: dict
    offsets: dict = field(default_factory=dict)   # offset variable -> its value (a dimension)

    @property
    def body(self) -> list:
        return [s for b in self.blocks for s in b]
