"""``fn.export(path)``: a compiled function as one plain Python module that needs only NumPy and Numba.

The module holds what the Numba backend generates for the graph, made
self-contained:

* the parts' ``@njit`` functions (parts with the same code once), with their
  constant arrays in the file (small ones as literals, large ones compressed
  and base64-encoded);
* the runtime helpers they call (``runtime.py``'s functions, copied);
* the argument rules (``argcheck.py``, copied) and the generated call path,
  so the exported ``call`` takes the same arguments, positional or by name,
  and raises the same errors as the symdiff function;
* no vector-math intrinsics: those bind to this machine's libmvec, so the
  export calls NumPy's scalar functions instead (portable, and as exact).

Numba compiles the module when it is imported (``cache=True``: once per
machine, in ``__pycache__`` beside the file).

>>> import symdiff as sd, numpy as np, tempfile, os, importlib.util
>>> x = sd.vector("x", "n")
>>> fn = sd.function([x], [sd.sum(x ** 2), 2 * x], backend="numpy")
>>> path = fn.export(os.path.join(tempfile.mkdtemp(), "sumsq.py"))
>>> "import symdiff" in open(path).read()
False
"""

from __future__ import annotations

import ast
import base64
import dataclasses
import hashlib
import os
import zlib

import numpy as np

from ... import __version__
from .. import loops as ir
from .callpath import caller_source
from .cache import _numba_version
from .emitter import build_kernel, plan_checks
from .partition import partition
from .printer import _NP, part_function

_HERE = os.path.dirname(os.path.abspath(__file__))
#: a constant array this large or larger is stored compressed rather than as a literal list
_LITERAL_MAX = 64


def export_source(inputs: list, outputs: list, single: bool, title: str) -> str:
    """The text of a standalone module computing ``outputs`` from ``inputs`` (see the module docstring)."""
    kernel, specs, plan = build_kernel(list(inputs), list(outputs))
    parts = partition(kernel)
    functions: list[str] = []            # text of each distinct part function
    names_by_code: dict[str, str] = {}   # code digest -> function name
    part_names: list[str] = []
    runtime: set = set()
    constants: list[str] = []
    for part in parts:
        lines, printer = part_function(part, "FUNCTION", vector_math=False)
        digest = hashlib.sha256("\n".join(ln for ln in lines if not ln.lstrip().startswith("#")).encode())
        for _, arr in part.constants:
            digest.update(f"{arr.dtype.str}{arr.shape}".encode() + np.ascontiguousarray(arr).tobytes())
        key = digest.hexdigest()
        if key not in names_by_code:
            j = len(names_by_code)
            names_by_code[key] = f"_part{j}"
            # constants are K0, K1 ... in every part: give each function its own
            renames = {n: f"_K{j}_{n[1:]}" for n, _ in part.constants}
            renamed = dataclasses.replace(part, body=ir.rename(part.body, renames, {}))
            lines, printer = part_function(renamed, f"_part{j}", vector_math=False)
            functions.append("\n".join(lines))
            runtime |= printer.runtime
            constants += [_constant_text(renames[n], a) for n, a in part.constants]
        part_names.append(names_by_code[key])
    caller, ns = caller_source(kernel, parts, specs, plan_checks(plan), single, name="_call")

    ins = [(x.name, np.dtype(x.dtype).name, tuple(x.shape)) for x in inputs]
    outs = [f"{_shape_text(o.shape)} {np.dtype(o.dtype).name}" for o in outputs]
    names = [x.name for x in inputs]
    usage = ", ".join(names)
    out = [
        f'"""{title}: exported from symdiff {__version__}; needs only NumPy and Numba (no symdiff).',
        "",
        f"    call({usage})" + (f"  or  call({', '.join(f'{n}=...' for n in names)})" if names else ""),
        "",
        "returns " + (f"one array, {outs[0]}" if single else f"a tuple of {len(outs)} arrays: " + "; ".join(outs)) + ".",
        "Inputs: " + ("; ".join(f"{n} {d} {_shape_text(s)}" for n, d, s in ins) or "none") + ".",
        "Arguments are checked as symdiff checks them (count, dtype, shape, symbolic sizes) and",
        "converted where NumPy converts safely (lists, Python numbers, int to float).",
        "",
        f"Generated with numba {_numba_version()} and numpy {np.__version__}. Numba compiles it on",
        "first import and caches the machine code in __pycache__ beside this file.",
        '"""',
        "import base64",
        "import math",
        "import sys",
        "import zlib",
        "",
        "import numba as nb",
        "import numpy as np",
        "from numpy import inf, nan  # in constant arrays",
        "",
        "__all__ = ['call', 'INPUTS']",
        "",
        "# Numba's cache finds a module's globals by its name: a module loaded by path without a",
        "# sys.modules entry would write entries no other process can load, so it compiles uncached",
        "_CACHE = __name__ in sys.modules",
        "",
        f"INPUTS = {tuple(names)!r}",
        "",
        "",
        "# ---- argument rules (symdiff's argcheck module) " + "-" * 40,
        _module_code(os.path.join(os.path.dirname(_HERE), "argcheck.py")),
        "",
        f"_SPECS = [{', '.join(f'({n!r}, np.dtype({d!r}), {s!r})' for n, d, s in ins)}]",
        "",
        "",
        "def _prepare(args):",
        "    return prepare(_SPECS, args)",
        "",
        "",
        "def _constant(data, dtype, shape):",
        "    return np.frombuffer(zlib.decompress(base64.b64decode(data)), dtype=dtype).reshape(shape)",
        "",
        "",
    ]
    if runtime:
        out += ["# ---- helpers (symdiff's numba runtime) " + "-" * 48] + _helpers_code(runtime) + [""]
    if constants:
        out += ["# ---- constant arrays " + "-" * 66] + constants + [""]
    out += ["# ---- compiled code " + "-" * 68] + [f + "\n\n" for f in functions]
    out += ["# ---- call path " + "-" * 72]
    out += [f"_p{k} = {name}" for k, name in enumerate(part_names)]
    out += _namespace_code(ns)
    out += ["", "", caller, "",
            "def call(*args, **kwargs):",
            '    """The exported function: arguments by position or by input name."""',
            "    if kwargs:",
            "        args = by_name(list(INPUTS), args, kwargs)",
            "    return _call(*args)",
            ""]
    # every @njit of the module caches only when the module can be found again by name
    return "\n".join(out).replace("cache=True", "cache=_CACHE")


def write_export(path: str, text: str) -> str:
    """Write ``text`` to ``path`` (a ``.py`` file) through a temporary file; the absolute path."""
    path = os.fspath(path)
    if not path.endswith(".py"):
        raise ValueError(f"export: the path must name a .py file, got {path!r}")
    path = os.path.abspath(path)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
    return path


def _shape_text(shape) -> str:
    inner = ", ".join(str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def _constant_text(name: str, arr: np.ndarray) -> str:
    arr = np.ascontiguousarray(arr)
    np_type = _NP[arr.dtype.name]
    if arr.size < _LITERAL_MAX:
        return f"{name} = np.array({arr.ravel().tolist()!r}, dtype={np_type}).reshape({arr.shape!r})"
    data = base64.b64encode(zlib.compress(arr.astype(arr.dtype.newbyteorder("<")).tobytes(), 6)).decode()
    lines = [data[k:k + 96] for k in range(0, len(data), 96)]
    body = "\n".join(f"    {ln!r}" for ln in lines)
    return f"{name} = _constant(\n{body},\n    {arr.dtype.newbyteorder('<').str!r}, {arr.shape!r})"


def _module_code(path: str) -> str:
    """A module's code without its docstring and ``from __future__`` line."""
    with open(path) as f:
        text = f.read()
    tree = ast.parse(text)
    body = [s for s in tree.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                                         and s is tree.body[0])
            and not (isinstance(s, ast.ImportFrom) and s.module == "__future__")]
    lines = text.split("\n")
    return "\n".join(lines[body[0].lineno - 1:]).rstrip() + "\n"


def _helpers_code(names: set) -> list[str]:
    """The runtime helpers ``names``; BLAS calls guarded by a plain-loop version for machines without SciPy.

    Linear-algebra helpers (``linalg_runtime.py``) need SciPy where the module runs (they call its LAPACK);
    they come with the definitions ``linalg_runtime.EXPORT_SUPPORT`` names.
    """
    from .printer import helper_modules

    groups = helper_modules(names)
    names = set(groups.get("runtime", []))
    runtime = os.path.join(_HERE, "runtime.py")
    blas = sorted(names & {"_gemm", "_vdot"})
    out = [_functions_code(runtime, names - set(blas))] if names - set(blas) else []
    if groups.get("linalg_runtime"):
        from .linalg_runtime import EXPORT_SUPPORT

        wanted = set(groups["linalg_runtime"]) | set(EXPORT_SUPPORT)
        out.append(_functions_code(os.path.join(_HERE, "linalg_runtime.py"), wanted))
    if blas:
        from .runtime import BLAS_SUPPORT

        def indented(text: str) -> str:
            return "\n".join("    " + ln if ln else ln for ln in text.split("\n"))

        loops = _functions_code(runtime, {f"{n}_loops" for n in blas})
        for n in blas:
            loops = loops.replace(f"def {n}_loops(", f"def {n}(")
        out += ["try:   # Numba's BLAS comes from SciPy",
                "    import scipy.linalg.cython_blas  # noqa: F401",
                "except ImportError:   # no SciPy here: matrix products in plain loops",
                indented(loops),
                "else:",
                indented(_functions_code(runtime, set(blas) | set(BLAS_SUPPORT)))]
    return out


def _functions_code(path: str, names: set) -> str:
    """The named top-level functions of a module, with their decorators, in the module's order.

    A top-level assignment is copied too when every name it binds is in ``names``.
    """
    with open(path) as f:
        text = f.read()
    lines = text.split("\n")
    out = []
    found = set()
    for s in ast.parse(text).body:
        if isinstance(s, ast.FunctionDef) and s.name in names:
            first = min([d.lineno for d in s.decorator_list] + [s.lineno])
            out.append("\n".join(lines[first - 1:s.end_lineno]))
            found.add(s.name)
        elif isinstance(s, ast.Assign):
            bound = {n.id for t in s.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            if bound and bound <= names:
                out.append("\n".join(lines[s.lineno - 1:s.end_lineno]))
                found |= bound
    missing = names - found
    if missing:
        raise AssertionError(f"export: runtime helpers {sorted(missing)} not found in {path}")
    return "\n\n\n".join(out) + "\n"


def _namespace_code(ns: dict) -> list[str]:
    """Module-level definitions of the names the generated call path uses."""
    fixed = {"_nd": "np.ndarray", "_arr": "np.array", "_empty": "np.empty", "_TypeError": "TypeError",
             "np": None}
    out = []
    for k, v in ns.items():
        if k in fixed:
            if fixed[k]:
                out.append(f"{k} = {fixed[k]}")
        elif k == "_Slow":
            out += ["", "", "class _Slow(Exception):", '    """An argument the fast checks do not accept."""', ""]
        elif k == "_pool_pop":
            out += ["_pool = []", "_pool_pop, _pool_push = _pool.pop, _pool.append"]
        elif k == "_pool_push":
            continue
        elif isinstance(v, np.dtype):
            out.append(f"{k} = np.dtype({v.name!r})")
        elif isinstance(v, type) and issubclass(v, np.generic):
            out.append(f"{k} = np.dtype({np.dtype(v).name!r}).type")
        else:
            raise AssertionError(f"export: no module-level form for the call path's name {k!r} ({v!r})")
    return out
