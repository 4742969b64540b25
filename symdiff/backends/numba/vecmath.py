"""Vectorised transcendental functions for the generated loops: glibc's libmvec.

LLVM's loop vectoriser turns ``exp``, ``log``, ``sin``, ``cos``, ``tan`` (and a
few more) into calls to a *vector library* when one is configured. Numba
configures Intel's SVML when ``icc_rt`` is installed and nothing otherwise, so
a fused loop such as ``out[i] = np.sin(x[i])`` stays a scalar libm call per
element (10x slower than NumPy's own SIMD loops). glibc (2.22+, x86-64) ships
``libmvec.so.1`` with the same functions in SSE/AVX2/AVX-512 form
(``_ZGVdN4v_exp`` is the 4-wide AVX2 ``exp``), and LLVM knows their names
(``-vector-library=LIBMVEC-X86``).

``enable()`` (called when the Numba backend is imported, before it compiles
anything) loads libmvec with ``RTLD_GLOBAL`` (so the JIT linker resolves the
``_ZGV*`` symbols) and sets the LLVM option. It does so only

* on x86-64 Linux, where ``libmvec.so.1`` loads;
* when Numba is not already using SVML (its own vector library);
* unless ``SYMDIFF_VECTOR_MATH=0`` (or ``off`` / ``false`` / ``no``).

The LLVM option is process-global: every Numba function compiled afterwards
in this process (including user code and PyTensor's Numba backend) may call
libmvec, exactly as with Numba's SVML support. ``vector_library()`` names the
library in use (``""`` when off); it is part of symdiff's disk-cache key and,
through ``_key_numba_caches``, of Numba's own cache key in this process, so
code that calls ``_ZGV*`` symbols is never loaded into a process without
libmvec (where it would crash).
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys
import threading

ENV = "SYMDIFF_VECTOR_MATH"
LIBMVEC = "LIBMVEC-X86"

_lock = threading.Lock()
_state: str | None = None   # None: not decided yet; "" off; else the library name
_reason = ""


def _disabled_by_env() -> bool:
    return os.environ.get(ENV, "1").strip().lower() in ("0", "off", "false", "no")


def enable() -> str:
    """Turn libmvec on if possible (once per process); returns ``vector_library()``."""
    global _state, _reason
    with _lock:
        if _state is not None:
            return _state
        _state = ""
        if _disabled_by_env():
            _reason = f"disabled by {ENV}={os.environ.get(ENV)}"
            return _state
        if not sys.platform.startswith("linux") or platform.machine().lower() not in ("x86_64", "amd64"):
            _reason = "libmvec is only used on x86-64 Linux"
            return _state
        try:
            import numba

            if getattr(numba.config, "USING_SVML", False):
                _reason = "Numba already uses Intel SVML as its vector library"
                return _state
            ctypes.CDLL("libmvec.so.1", mode=ctypes.RTLD_GLOBAL)
            import llvmlite.binding as llb

            llb.set_option("symdiff", f"-vector-library={LIBMVEC}")
            _key_numba_caches(LIBMVEC)
        except Exception as e:  # no libmvec (musl, old glibc), or LLVM refused the option
            _reason = f"libmvec unavailable: {type(e).__name__}: {e}"
            return _state
        _state = LIBMVEC
        _reason = "glibc libmvec loaded, LLVM -vector-library=LIBMVEC-X86"
        return _state


def _key_numba_caches(lib: str) -> None:
    """Make the vector library part of every Numba cache key in this process.

    Numba keys its on-disk cache (``cache=True``) by signature, bytecode and
    ``codegen.magic_tuple()`` ("a tuple unambiguously describing the codegen
    behaviour": triple, CPU, features). The vector library changes that
    behaviour: code compiled here calls ``_ZGV*`` symbols, and its cached LLVM
    IR carries ``vector-function-abi-variant`` attributes that make a caller
    compiled in another process vectorise into libmvec calls. Loaded into a
    process without libmvec, such code crashes. Appending the library to the
    tuple keeps the caches of the two kinds of process apart (this covers
    symdiff's runtime helpers and any user ``cache=True`` function).
    """
    from numba.core.codegen import CPUCodegen

    orig = CPUCodegen.magic_tuple
    if getattr(orig, "_symdiff_veclib", None):
        return

    def magic_tuple(self):
        return orig(self) + (f"vector-library={lib}",)

    magic_tuple._symdiff_veclib = lib
    CPUCodegen.magic_tuple = magic_tuple


def vector_library() -> str:
    """The vector library LLVM uses for generated code: ``"LIBMVEC-X86"`` or ``""``."""
    return enable()


def enabled() -> bool:
    return bool(enable())


def status() -> str:
    """One line: which vector library is in use, or why none is."""
    lib = enable()
    return f"{lib or 'none'} ({_reason})"
