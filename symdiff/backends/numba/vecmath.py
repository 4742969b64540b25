"""Vectorised transcendental functions in generated loops, through glibc's libmvec.

LLVM's loop vectoriser can widen a call ``exp(x[i])`` into one call of a
vector function (``_ZGVdN4v_exp``: glibc's 4-wide AVX2 ``exp``) when the call
carries the standard *vector function ABI* attribute
``"vector-function-abi-variant"`` naming its vector variants. That is how
OpenMP's ``declare simd`` works, and it needs no vector-library option: the
mapping travels with the call, so only symdiff's generated code is affected.
(Numba's own SVML route needs an llvmlite built with Intel's patch, which the
PyPI wheels are not; setting LLVM's ``-vector-library`` option is
process-wide and LLVM 22 no longer reads it.)

For every function libmvec has on this machine, this module defines a Numba
intrinsic (``v_exp``, ``v_log1p``, ``v_pow`` ...) for float64 and float32. It
emits a call to an alias of libm's scalar function carrying the attribute,
declares the vector variants the compile target supports (SSE2, AVX2,
AVX-512), and registers their addresses with LLVM's JIT linker. The
generated code calls ``v_<name>`` where available and NumPy's function
otherwise; :func:`signature` (part of the disk-cache key) records which.

Process-wide effects: libmvec and libm are loaded with ``ctypes`` and their
symbols registered under ``symdiff_vm_*`` and ``_ZGV*`` names in llvmlite's
symbol table; nothing else. ``SYMDIFF_VECTOR_MATH=0`` turns the whole route
off (generated code then calls NumPy's scalar functions).

>>> sorted(set(FUNCTIONS) & {"exp", "log", "sin"})
['exp', 'log', 'sin']
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys
import threading

from llvmlite import ir

ENV = "SYMDIFF_VECTOR_MATH"

#: symdiff's name -> (libm name, number of arguments)
FUNCTIONS = {
    "exp": ("exp", 1), "log": ("log", 1), "log1p": ("log1p", 1), "expm1": ("expm1", 1),
    "sin": ("sin", 1), "cos": ("cos", 1), "tan": ("tan", 1),
    "arcsin": ("asin", 1), "arccos": ("acos", 1), "arctan": ("atan", 1),
    "sinh": ("sinh", 1), "cosh": ("cosh", 1), "tanh": ("tanh", 1),
    "power": ("pow", 2),
}

#: x86 ISA letters of the vector ABI -> (register bits, CPU feature the target needs)
_ISAS = (("b", 128, "sse2"), ("d", 256, "avx2"), ("e", 512, "avx512f"))

_lock = threading.RLock()
_state: dict | None = None   # name -> {dtype: intrinsic}; {} when off
_reason = ""
_libs: list = []             # keeps the loaded libraries alive


def _disabled_by_env() -> bool:
    return os.environ.get(ENV, "1").strip().lower() in ("0", "off", "false", "no")


def _target_isas() -> list[str]:
    """ISA letters the Numba compile target supports (host CPU unless NUMBA_CPU_NAME is set).

    Read from Numba's environment variables rather than ``numba.config``: generating
    code must not import Numba (only compiling and loading it does).
    """
    import llvmlite.binding as llb

    name = os.environ.get("NUMBA_CPU_NAME")
    if name:
        feats = os.environ.get("NUMBA_CPU_FEATURES", "")
        have = {f[1:] for f in feats.split(",") if f.startswith("+")}
        if name == "host":
            have |= {k for k, v in llb.get_host_cpu_features().items() if v}
    else:
        have = {k for k, v in llb.get_host_cpu_features().items() if v}
    have.add("sse2")  # x86-64 baseline
    return [isa for isa, _, feat in _ISAS if feat in have]


def _setup() -> dict:
    global _reason
    if _disabled_by_env():
        _reason = f"disabled by {ENV}={os.environ.get(ENV)}"
        return {}
    if not sys.platform.startswith("linux") or platform.machine().lower() not in ("x86_64", "amd64"):
        _reason = "libmvec is only used on x86-64 Linux"
        return {}
    try:
        mvec = ctypes.CDLL("libmvec.so.1")
        libm = ctypes.CDLL("libm.so.6")
        isas = _target_isas()
    except Exception as e:  # musl, old glibc
        _reason = f"libmvec unavailable: {type(e).__name__}: {e}"
        return {}
    _libs.extend([mvec, libm])
    out: dict = {}
    for name, (cname, nargs) in FUNCTIONS.items():
        for dtype, suffix, width in (("float64", "", 64), ("float32", "f", 32)):
            scalar = cname + suffix
            variants = []
            for isa, bits, _ in _ISAS:
                if isa not in isas:
                    continue
                lanes = bits // width
                vname = f"_ZGV{isa}N{lanes}{'v' * nargs}_{scalar}"
                if hasattr(mvec, vname):
                    variants.append((vname, lanes))
            if not variants or not hasattr(libm, scalar):
                continue
            out.setdefault(name, {})[dtype] = (scalar, nargs, variants)
    if not out:
        _reason = "libmvec has none of the functions"
        return {}
    _register(out, mvec, libm)
    _reason = "glibc libmvec through vector-function-abi-variant call attributes (" + ", ".join(isas) + ")"
    return out


def _register(table: dict, mvec, libm) -> None:
    import llvmlite.binding as llb

    def addr(lib, sym):
        return ctypes.cast(getattr(lib, sym), ctypes.c_void_p).value

    for name, per_dtype in table.items():
        for dtype, (scalar, nargs, variants) in per_dtype.items():
            llb.add_symbol(_alias(scalar), addr(libm, scalar))
            for vname, _ in variants:
                llb.add_symbol(vname, addr(mvec, vname))


def _alias(scalar: str) -> str:
    return f"symdiff_vm_{scalar}"


def table() -> dict:
    """symdiff function name -> {dtype name: (libm name, arity, [(vector symbol, lanes)])}."""
    global _state
    with _lock:
        if _state is None:
            _state = _setup()
        return _state


def available(name: str, dtype) -> bool:
    """True when the generated code calls the vector-mapped ``v_<name>`` for ``dtype``."""
    import numpy as np

    return np.dtype(dtype).name in table().get(name, {})


def signature() -> str:
    """Which functions are vector-mapped, and to what (part of the cache key)."""
    t = table()
    if not t:
        return "none"
    parts = []
    for name in sorted(t):
        for dtype in sorted(t[name]):
            parts.append(f"{name}/{dtype}:" + "+".join(v for v, _ in t[name][dtype][2]))
    return ",".join(parts)


def enabled() -> bool:
    return bool(table())


def status() -> str:
    """One line: what is vectorised, or why nothing is."""
    t = table()
    if not t:
        return f"none ({_reason})"
    return f"{len(t)} functions ({_reason})"


# ------------------------------------------------------------------ the intrinsics

def _make_intrinsic(name: str):
    """``v_<name>``: the scalar libm call, with its libmvec variants attached for the vectoriser."""
    from numba import types
    from numba.core import cgutils
    from numba.extending import intrinsic

    per_dtype = table()[name]
    nargs = next(iter(per_dtype.values()))[1]

    def typer(typingctx, *args):
        if len(args) != nargs or len({a for a in args}) != 1:
            return None
        t = args[0]
        if t not in (types.float64, types.float32) or str(t) not in per_dtype:
            return None
        return t(*args), lambda context, builder, sig, llargs: _emit(builder, per_dtype[str(t)], llargs, t)

    def _emit(builder, spec, llargs, t):
        scalar, n, variants = spec
        mod = builder.module
        fp = ir.DoubleType() if t == types.float64 else ir.FloatType()
        fn = cgutils.get_or_insert_function(mod, ir.FunctionType(fp, [fp] * n), _alias(scalar))
        abi = ",".join(f"_ZGV_LLVM_N{lanes}{'v' * n}_{_alias(scalar)}({vname})" for vname, lanes in variants)
        mapping = f'"vector-function-abi-variant"="{abi}"'
        if not isinstance(fn.attributes, _RawFunctionAttributes):
            fn.attributes = _RawFunctionAttributes([mapping], ("nounwind", "readnone"))
            decls = []
            for vname, lanes in variants:
                vt = ir.VectorType(fp, lanes)
                decls.append(cgutils.get_or_insert_function(mod, ir.FunctionType(vt, [vt] * n), vname))
            _keep_alive(mod, decls)
        call = builder.call(fn, llargs)
        # on the call too: LLVM before 15 reads the mapping from the call site only
        call.attributes = _RawCallAttributes([mapping], ("nounwind", "readnone"))
        return call

    if nargs == 1:
        def stub(typingctx, x):
            return typer(typingctx, x)
    else:
        def stub(typingctx, x, y):
            return typer(typingctx, x, y)
    stub.__name__ = f"v_{name}"
    return intrinsic(stub)


class _Raw:
    """Attributes plus string key-value pairs, which llvmlite's own sets refuse."""

    def __init__(self, raw, known=()):
        super().__init__(known)
        self.raw = list(raw)

    def _to_list(self, ret_type):
        return super()._to_list(ret_type) + self.raw


class _RawFunctionAttributes(_Raw, ir.values.FunctionAttributes):
    pass


class _RawCallAttributes(_Raw, ir.instructions.CallInstrAttributes):
    pass


def _keep_alive(mod, decls) -> None:
    """List the vector declarations in ``llvm.compiler.used`` so no pass drops them.

    The vectoriser only uses a variant that is declared in the module; like
    LLVM's own InjectTLIMappings pass, keep the declarations alive this way.
    """
    ptr = ir.IntType(8).as_pointer()
    gv = mod.globals.get("llvm.compiler.used")
    items = list(gv.initializer.constant) if gv is not None else []
    items += [d.bitcast(ptr) for d in decls]
    arr = ir.ArrayType(ptr, len(items))
    if gv is None:
        gv = ir.GlobalVariable(mod, arr, "llvm.compiler.used")
        gv.linkage = "appending"
        gv.section = "llvm.metadata"
    else:  # grow the existing array in place (one global of that name per module)
        gv.value_type = arr
        gv.type = arr.as_pointer(gv.type.addrspace)
    gv.initializer = ir.Constant(arr, items)


_INTRINSICS: dict = {}


def __getattr__(attr: str):
    """``v_exp`` & co, made on first use (the generated modules import them by name)."""
    if attr.startswith("v_") and attr[2:] in table():
        with _lock:
            if attr not in _INTRINSICS:
                _INTRINSICS[attr] = _make_intrinsic(attr[2:])
        return _INTRINSICS[attr]
    raise AttributeError(attr)
