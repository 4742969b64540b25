"""The Numba printer: each part of a loop-IR kernel as a Python module with one ``@njit`` function.

Layout of a part's module (``fn.source`` starts with them)::

    import ...                                  # numpy, numba, the helpers used
    K0 = np.array(...)                          # constant arrays (module globals)
    @nb.njit(<signature>, cache=True, fastmath=..., error_model="numpy")
    def part(A0, A1, S0, d_0):                  # arrays, scalars, symbolic sizes
        ...                                     # loop nests, BLAS calls
        return (v3,)                            # scalars later parts or the outputs need

Every node that produces code has one statement ending in a comment with its
label, shape and dtype. Literals carry their exact type (``np.float32(0.5)``)
so Numba's typing never widens silently. Math functions go to the vector-mapped
intrinsics of ``vecmath.py`` where libmvec has them (long loops), else to the
math module's (float64, quicker for Numba to type) or NumPy's.
"""

from __future__ import annotations

import numpy as np

from .. import loops as ir
from . import vecmath

#: statements (``loops.weight``) per basic block (Numba's lowering is quadratic in a block's size)
BLOCK_LIMIT = 200
#: a loop of fewer iterations than this calls scalar math (vector math would not pay)
SHORT_LOOP = 8
FASTMATH = ("nsz", "arcp", "contract", "afn", "reassoc")
_NB = {"float64": "nb.float64", "float32": "nb.float32", "int64": "nb.int64", "bool": "nb.boolean"}
_NP = {"float64": "np.float64", "float32": "np.float32", "int64": "np.int64", "bool": "np.bool_"}
#: abstract helper name -> runtime.py function
_RUNTIME = {"ipow": "_ipow", "wrap_index": "_wrap", "gemm": "_gemm", "vdot": "_vdot",
            "cumsum": "_cumsum", "cumprod": "_cumprod", "linear_recurrence": "_linear_recurrence",  # along_axis.py
            "argsort": "_argsort", "argmax": "_argmax",
            "polygamma": "_polygamma", "gammaln": "_gammaln"}
#: linear-algebra helpers (``linalg_runtime.py``): ``la_cholesky`` -> ``_la_cholesky`` ...
LINALG_PREFIX = "la_"
#: scalar functions of Python's math module (NumPy has no scalar erf)
_MATH = {"erf", "erfc"}
#: float64 functions printed as the math module's: Numba types ``math.sin(x)`` faster than the ufunc
#: ``np.sin(x)`` (a 100-step chain's parts compile ~12% faster) and lowers both to the same call, so
#: results are bitwise equal (tests/test_numba_backend.py checks every one on special values)
MATH_FLOAT64 = {"exp": "exp", "log": "log", "log1p": "log1p", "expm1": "expm1", "sqrt": "sqrt",
                "sin": "sin", "cos": "cos", "tan": "tan", "arcsin": "asin", "arccos": "acos", "arctan": "atan",
                "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "arcsinh": "asinh", "arccosh": "acosh",
                "arctanh": "atanh", "log2": "log2", "log10": "log10"}


class NumbaPrinter(ir.ExprPrinter):
    """Expressions and statements as Numba-compatible Python; records the helpers it uses."""

    def __init__(self, vector_math: bool = True):
        self.runtime: set[str] = set()
        self.vector_math = vector_math  # False: NumPy's scalar functions only (portable code)
        self.vector: set[str] = set()
        # calls go to the vector-mapped intrinsics only inside a loop long enough to vectorise:
        # elsewhere NumPy's scalar function is as fast and cheaper for Numba to compile
        self.in_long_loop = False

    # -- expressions ------------------------------------------------------------------
    def literal(self, c):
        if c.dtype is None:
            return str(int(c.value))
        if c.dtype == "bool":
            return "True" if c.value else "False"
        if c.dtype == "int64":
            return f"np.int64({int(c.value)})"
        v = float(c.value)
        text = "np.nan" if np.isnan(v) else ("np.inf" if v > 0 else "-np.inf") if np.isinf(v) else repr(v)
        return f"np.float32({text})" if c.dtype == "float32" else text

    def cast(self, text, src, dst):
        return f"({text} != 0)" if dst == "bool" else f"{_NP[dst]}({text})"

    def call(self, e, args):
        fn = e.fn
        if self.vector_math and self.in_long_loop and fn in vecmath.FUNCTIONS and e.dtype in ("float64", "float32") \
                and vecmath.available(fn, e.dtype):
            self.vector.add(f"v_{fn}")
            return f"v_{fn}({', '.join(args)})"
        if fn == "power":
            return f"({args[0]} ** {args[1]})"
        if fn in _RUNTIME or fn.startswith(LINALG_PREFIX):
            name = _RUNTIME.get(fn, "_" + fn)
            self.runtime.add(name)
            return f"{name}({', '.join(args)})"
        if fn in _MATH:
            return f"math.{fn}({', '.join(args)})"
        if fn in ("abs", "min", "max"):
            return f"{fn}({', '.join(args)})"
        if fn == "typed":
            return f"{_NP[e.dtype]}({args[0]})"
        if fn == "reshape":
            dims = args[1:]
            return f"{args[0]}.reshape(({', '.join(dims)}{',' if len(dims) == 1 else ''}))"
        if fn == "T":
            return f"{args[0]}.T"
        if fn == "slice":
            return f"{args[0]}[{args[1]}:{args[2]}]"
        if fn == "row":   # a view of one row of an array (a loop's slice of its xs)
            return f"{args[0]}[{args[1]}]"
        if fn == "all_le":
            return "(" + " <= ".join(args) + ")"
        if fn == "true":
            self.runtime.add("_true")
            return "_true()"
        if e.dtype == "float64" and fn in MATH_FLOAT64:
            return f"math.{MATH_FLOAT64[fn]}({', '.join(args)})"
        if e.dtype is not None:  # any other scalar function: NumPy's of the same name (np.log2, np.sign ...)
            return f"np.{fn}({', '.join(args)})"
        raise NotImplementedError(f"numba printer: no function {fn!r}")

    # -- statements -------------------------------------------------------------------
    def block(self, stmts: list, ind: str, out: list) -> None:
        if not stmts:
            out.append(ind + "pass")
            return
        run = 0
        for s in stmts:
            if run >= BLOCK_LIMIT and not isinstance(s, ir.Comment):
                # a new basic block: Numba's lowering is quadratic in a block's size
                self.runtime.add("_true")
                out.append(f"{ind}if _true():  # a new basic block")
                out.append(f"{ind}    pass")
                run = 0
            run += ir.weight(s)
            self.stmt(s, ind, out)

    def stmt(self, s, ind: str, out: list) -> None:
        if isinstance(s, ir.Comment):
            out.append(f"{ind}# {s.text}")
        elif isinstance(s, ir.Assign):
            target = self.expr(s.target)
            op = f" {s.op}= " if s.op else " = "
            note = f"  # {s.note}" if s.note else ""
            out.append(f"{ind}{target}{op}{self.expr(s.value)}{note}")
        elif isinstance(s, ir.Eval):
            note = f"  # {s.note}" if s.note else ""
            out.append(f"{ind}{self.expr(s.expr)}{note}")
        elif isinstance(s, ir.For):
            start = "" if s.start == ir.Const(0) else self.expr(s.start) + ", "
            out.append(f"{ind}for {self.expr(s.var)} in range({start}{self.expr(s.stop)}):")
            outer = self.in_long_loop
            trips = ir.binop("-", s.stop, s.start)
            self.in_long_loop = not (isinstance(trips, ir.Const) and trips.value < SHORT_LOOP)
            self.block(s.body, ind + "    ", out)
            self.in_long_loop = outer
        elif isinstance(s, ir.While):
            out.append(f"{ind}while {self.expr(s.cond)}:")
            outer, self.in_long_loop = self.in_long_loop, True
            self.block(s.body, ind + "    ", out)
            self.in_long_loop = outer
        elif isinstance(s, ir.If):
            out.append(f"{ind}if {self.expr(s.cond)}:")
            self.block(s.body, ind + "    ", out)
            orelse = s.orelse
            while len(orelse) == 1 and isinstance(orelse[0], ir.If):
                out.append(f"{ind}elif {self.expr(orelse[0].cond)}:")
                self.block(orelse[0].body, ind + "    ", out)
                orelse = orelse[0].orelse
            if orelse:
                out.append(f"{ind}else:")
                self.block(orelse, ind + "    ", out)
        else:
            raise TypeError(s)


def helper_modules(names) -> dict[str, list[str]]:
    """The runtime helpers ``names`` grouped by the module defining them."""
    out: dict[str, list[str]] = {}
    for n in sorted(names):
        out.setdefault("linalg_runtime" if n.startswith("_" + LINALG_PREFIX) else "runtime", []).append(n)
    return out


def nb_array_type(dtype, ndim: int) -> str:
    """The Numba type of an argument: a scalar, or a C-contiguous array of ``ndim`` axes."""
    t = _NB[np.dtype(dtype).name]
    return t if ndim == 0 else t + "[" + ", ".join([":"] * (ndim - 1) + ["::1"]) + "]"


def _const_text(name: str, arr: np.ndarray, big: list) -> str:
    if arr.size <= 64:
        items = repr(arr.ravel().tolist())
        return f"{name} = np.array({items}, dtype={_NP[arr.dtype.name]}).reshape({arr.shape!r})"
    big.append(name)
    return f"{name} = _K[{name!r}]  # {arr.dtype} array of shape {arr.shape}"


def part_function(part, name: str, vector_math: bool = True) -> tuple[list, NumbaPrinter]:
    """The lines of one part's ``@njit`` function called ``name``, and the printer (helpers it used)."""
    p = NumbaPrinter(vector_math)
    sig = [nb_array_type(dtype, ndim) for dtype, ndim in part.types]
    fn = ["@nb.njit((" + ", ".join(sig) + ("," if len(sig) == 1 else "") + "), cache=True, nogil=True,",
          "        fastmath={" + ", ".join(repr(f) for f in FASTMATH) + "}, error_model=\"numpy\")",
          f"def {name}({', '.join(part.params)}):"]
    p.block(part.body, "    ", fn)
    fn.append("    return (" + "".join(r + ", " for r in part.canonical_returns).rstrip() + ")")
    return fn, p


def part_module(part, versions: str) -> tuple[str, dict]:
    """The module text of one compiled part and the constant arrays stored beside it (``.npz``)."""
    fn, p = part_function(part, "part")
    big: list = []
    consts = [_const_text(n, a, big) for n, a in part.constants]
    lines = ['"""symdiff: generated by the numba backend; do not edit.', "", versions, '"""',
             "import math", "import numpy as np", "import numba as nb", "from numpy import inf, nan  # in constant arrays"]
    for module, names in helper_modules(p.runtime).items():
        lines.append(f"from symdiff.backends.numba.{module} import {', '.join(names)}")
    if p.vector:
        lines.append(f"from symdiff.backends.numba.vecmath import {', '.join(sorted(p.vector))}")
    if big:
        lines.append('_K = np.load(__file__[:-3] + ".npz")')
    lines += consts + ["", ""] + fn
    return "\n".join(lines) + "\n", {n: a for n, a in part.constants if n in big}
