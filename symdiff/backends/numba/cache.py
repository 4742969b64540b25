"""Disk cache of generated modules; Numba's own cache (``cache=True``) lives beside them.

A compiled graph is a Python module ``sd_<key>.py`` in the cache folder
(``$SYMDIFF_CACHE_DIR``, default ``~/.cache/symdiff``), where ``key`` hashes the
generated source (which spells out the graph's structure, shapes and dtypes),
the constant arrays, the versions of symdiff, Numba, NumPy and Python and the
functions mapped to libmvec's vector variants (``vecmath.signature()``).
Importing it runs ``@njit(signature, cache=True)``, which loads the machine
code Numba cached in ``__pycache__`` next to it, or compiles and saves it.

Files are written to a temporary name and moved into place with
``os.replace``, so a concurrent reader sees either nothing or a whole file;
two processes compiling the same graph at once both succeed. A module whose
text does not match what we would write (truncated, edited) is rewritten, and
a Numba cache entry that fails to load is deleted and recompiled.
"""

from __future__ import annotations

import functools
import glob
import hashlib
import importlib.util
import os
import sys
import tempfile
import threading

import numpy as np

CODEGEN_VERSION = "2"
_LOCK = threading.Lock()
_MEMO: dict[str, object] = {}


def cache_dir() -> str:
    """``$SYMDIFF_CACHE_DIR``, or the user's cache folder (``$XDG_CACHE_HOME/symdiff``, ``~/.cache/symdiff``)."""
    d = os.environ.get("SYMDIFF_CACHE_DIR")
    if not d:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        d = os.path.join(base, "symdiff")
    return d


def versions() -> str:
    """What the generated code depends on besides its own text: written into every module (and its key)."""
    from ... import __version__
    from .vecmath import signature

    # which functions are vector-mapped is part of the key: code calling libmvec's
    # _ZGV* symbols must never be loaded where they are not registered
    return (f"symdiff={__version__} codegen={CODEGEN_VERSION} helpers={_helpers_digest()} "
            f"numba={_numba_version()} numpy={np.__version__} python={sys.version.split()[0]} "
            f"vector math={signature()}")


@functools.lru_cache(maxsize=1)
def _numba_version() -> str:
    """Numba's version without importing it (generating code does not need Numba; loading it does)."""
    import sys as _sys

    if "numba" in _sys.modules:
        return _sys.modules["numba"].__version__
    from importlib.metadata import version

    return version("numba")


@functools.lru_cache(maxsize=1)
def _helpers_digest() -> str:
    """A digest of the helper modules compiled into the generated code (runtime, vecmath)."""
    h = hashlib.sha256()
    here = os.path.dirname(os.path.abspath(__file__))
    for name in ("runtime.py", "vecmath.py"):
        with open(os.path.join(here, name), "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:12]


def graph_key(source: str, constants) -> str:
    """The cache key of a generated module: its code, its constant arrays and ``versions()``.

    Whole-line comments are left out: they name the graph's own buffers, and
    two parts whose code is the same (the alike steps of an unrolled loop, a
    piece two graphs share) must share one compiled module.
    """
    h = hashlib.sha256()
    h.update(versions().encode())
    h.update(code_only(source).encode())
    for name, arr in constants:
        h.update(name.encode())
        h.update(f"{arr.dtype.str}{arr.shape}".encode())
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()[:40]


def code_only(source: str) -> str:
    """``source`` without its whole-line comments."""
    return "\n".join(ln for ln in source.split("\n") if not ln.lstrip().startswith("#"))


def _atomic_write(path: str, data: bytes) -> None:
    d = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def module_dir() -> str:
    """The folder generated modules are written to: ``cache_dir()`` when writable, else a fallback."""
    return _writable_dir()


def _writable_dir() -> str:
    d = cache_dir()
    try:
        os.makedirs(d, exist_ok=True)
        if os.access(d, os.W_OK):
            return d
    except OSError:
        pass
    d = os.path.join(tempfile.gettempdir(), f"symdiff-{os.getuid() if hasattr(os, 'getuid') else 'user'}")
    os.makedirs(d, exist_ok=True)
    return d


def clear_numba_cache(module_path: str) -> None:
    """Delete Numba's cache files of one generated module (after a failed load)."""
    stem = os.path.splitext(os.path.basename(module_path))[0]
    pats = [os.path.join(os.path.dirname(module_path), "__pycache__", stem + "*")]
    ncd = os.environ.get("NUMBA_CACHE_DIR")
    if ncd:
        pats.append(os.path.join(ncd, "**", stem + "*"))
    for pat in pats:
        for f in glob.glob(pat, recursive=True):
            try:
                os.unlink(f)
            except OSError:
                pass


def write_module(key: str, text: str, const_data: dict | None) -> str:
    """Write the module ``sd_<key>`` (and its constant arrays) unless it is there already; its path."""
    d = _writable_dir()
    path = os.path.join(d, f"sd_{key}.py")
    if const_data:
        npz = os.path.join(d, f"sd_{key}.npz")
        if not _npz_ok(npz, const_data):
            import io

            buf = io.BytesIO()
            np.savez(buf, **const_data)
            _atomic_write(npz, buf.getvalue())
    data = text.encode()
    if _read(path) != data:
        _atomic_write(path, data)
    return path


def is_compiled(key: str) -> bool:
    """True when the module and Numba's machine code for it are on disk (loading will not compile)."""
    d = module_dir()
    stem = f"sd_{key}"
    if not os.path.exists(os.path.join(d, stem + ".py")):
        return False
    return bool(glob.glob(os.path.join(d, "__pycache__", stem + ".*.nbi")))


def loaded(key: str):
    """The module if this process has imported it already, else None."""
    return _MEMO.get(key)


def load_module(key: str, text: str, const_data: dict | None):
    """Write (if needed) and import the module ``sd_<key>``, compiling it unless cached; the module."""
    with _LOCK:
        mod = _MEMO.get(key)
        if mod is not None:
            return mod
        path = write_module(key, text, const_data)
        try:
            mod = _import(key, path)
        except numba_errors():
            raise
        except Exception:
            # a damaged Numba cache entry (truncated index or data): start again
            clear_numba_cache(path)
            write_module(key, text, const_data)
            mod = _import(key, path)
        _MEMO[key] = mod
        return mod


def _npz_ok(path, const_data) -> bool:
    try:
        with np.load(path) as z:
            return all(k in z and np.array_equal(z[k], v) and z[k].dtype == v.dtype for k, v in const_data.items())
    except Exception:
        return False


def _import(key: str, path: str):
    # registered in sys.modules before it runs: Numba's cached code refers to
    # the module's globals by module name when it is loaded back
    name = f"symdiff_sd_{key}"
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return mod


def numba_errors() -> tuple:
    """The exceptions of a Numba compile failure (imported on demand)."""
    from numba.core.errors import NumbaError

    return (NumbaError,)
