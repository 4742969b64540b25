"""symdiff: a symbol-to-symbol differentiation compiler for Python.

Build graphs with NumPy-named operations, differentiate them into more graph
(to any order), and compile them to fused native code with Numba.

>>> import symdiff as sd
>>> x = sd.vector("x", "n")
>>> f = sd.sum(sd.sin(x) ** 2)
>>> g = sd.grad(f, x)
>>> fn = sd.function([x], [f, g], backend="numpy")
>>> [v.round(3).tolist() for v in fn([0.0, 1.0])]
[0.708, [0.0, 0.909]]
"""

from __future__ import annotations

from . import linalg  # noqa: F401  (sd.linalg: numpy.linalg's names)
from . import ops as _ops  # noqa: F401  (fills the operation registry)
from .autodiff.check import check_grad
from .autodiff.derived import grad, hessian, hvp, jacobian, jvp, vjp
from .backends.function import Function, function
from .backends.reference import evaluate
from .errors import ShapeError
from .graph import Node
from .graphio import GraphFormatError, load, save
from .interop.sympy import from_sympy, to_sympy
from .numpy_api import *  # noqa: F401,F403
from .numpy_api import __all__ as _numpy_names
from .printing import count_nodes, debugprint, to_dot
from .rewrite.pipeline import simplify
from .sparsity import hessian_sparsity, jacobian_sparsity, sparse_hessian, sparse_jacobian

__version__ = "0.1.0"

__all__ = sorted(set(_numpy_names) | {
    "Function", "Node", "ShapeError", "check_grad", "count_nodes", "debugprint", "evaluate",
    "function", "grad", "simplify", "hessian", "hvp", "jacobian", "jvp", "to_dot", "vjp",
    "from_sympy", "to_sympy", "save", "load", "GraphFormatError",
    "jacobian_sparsity", "hessian_sparsity", "sparse_jacobian", "sparse_hessian",
})
