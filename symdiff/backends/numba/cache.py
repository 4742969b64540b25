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
two processes compiling the same graph at once both succeed.

Integrity: nothing is loaded that symdiff did not check first. A module whose
text does not match what we would write (truncated, edited) is rewritten; the
constants must equal the graph's; Numba's index and code files are loaded only
when they match the digests in ``sd_<key>.sha256``, written after they were
made (and only when this user alone owns and may write them). Anything else is
deleted and compiled again, with one warning when it looked damaged.

Faults: the folder comes from ``cachedir.py`` (private, trusted, else a private
temporary one); a failed write (full disk, file-size limit, vanished folder)
moves to a private temporary folder, and if that fails too the part is
compiled in memory, uncached. Each case warns once.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import hashlib
import importlib.util
import os
import sys
import tempfile
import threading

import numpy as np

from . import cachedir

CODEGEN_VERSION = "3"   # 3: entries sealed by digests (older entries are not trusted)
_LOCK = threading.Lock()
_MEMO: dict[str, object] = {}


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
    for name in ("runtime.py", "vecmath.py", "linalg_runtime.py"):
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
    """The folder generated modules are written to (``cachedir.module_dir``: private and trusted)."""
    return cachedir.module_dir()


def _numba_files(path: str) -> list[str]:
    stem = os.path.splitext(os.path.basename(path))[0]
    return sorted(glob.glob(os.path.join(os.path.dirname(path), "__pycache__", stem + ".*.nb[ic]")))


def _manifest_path(path: str) -> str:
    return path[:-3] + ".sha256"


def _digests(path: str) -> str:
    """``digest  name`` lines of a module's Numba files (names relative to the module's folder)."""
    d = os.path.dirname(path)
    lines = []
    for f in _numba_files(path):
        data = _read(f)
        if data is None:
            raise OSError(f"cannot read {f}")
        lines.append(f"{hashlib.sha256(data).hexdigest()}  {os.path.relpath(f, d)}")
    return "\n".join(lines) + "\n"


def seal(path: str) -> None:
    """Record the digests of the Numba files a compile just left for module ``path`` (best effort)."""
    try:
        text = _digests(path)
        if _numba_files(path) and _read(_manifest_path(path)) != text.encode():
            _atomic_write(_manifest_path(path), text.encode())
    except OSError:
        pass   # unsealed: the next process compiles again rather than trusting the files


def _entry_problem(path: str) -> str | None:
    """Why the Numba files beside module ``path`` may not be loaded (None: they match their seal, or there are none)."""
    files = _numba_files(path)
    if not files:
        return None
    manifest = _manifest_path(path)
    for f in files + [manifest]:
        try:
            why = cachedir.untrusted_owner_or_mode(os.stat(f))
        except OSError:
            return "unsealed"   # no record of a finished compile (or a file vanished): compile again
        if why:
            return f"{os.path.basename(f)}: {why}"
    try:
        ok = _read(manifest) == _digests(path).encode()
    except OSError:
        ok = False
    return None if ok else "damaged"


def _check_entry(path: str) -> None:
    """Delete Numba files that fail :func:`_entry_problem` (warning once when they looked damaged or foreign)."""
    why = _entry_problem(path)
    if why is None:
        return
    if why != "unsealed":
        cachedir.warn_once(("entry", path), f"symdiff: the cached machine code of {os.path.basename(path)} is "
                                            f"{why}; it was deleted and is compiled again")
    clear_numba_cache(path)
    try:
        os.unlink(_manifest_path(path))
    except OSError:
        pass
    if _numba_files(path):
        raise OSError(f"cannot delete the cached machine code of {os.path.basename(path)}")


def clear_numba_cache(module_path: str) -> None:
    """Delete Numba's cache files of one generated module (after a failed load)."""
    stem = os.path.splitext(os.path.basename(module_path))[0]
    pats = [os.path.join(os.path.dirname(module_path), "__pycache__", stem + "*")]
    for pat in pats:
        for f in glob.glob(pat, recursive=True):
            try:
                os.unlink(f)
            except OSError:
                pass


def write_module(key: str, text: str, const_data: dict | None) -> str:
    """Write the module ``sd_<key>`` (and its constant arrays) unless it is there already; its path.

    Whoever imports it next checks Numba's files beside it first (``_check_entry``, under ``entry_lock``).
    """
    d = module_dir()
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
    path = os.path.join(module_dir(), f"sd_{key}.py")
    if not os.path.exists(path):
        return False
    return any(f.endswith(".nbi") for f in _numba_files(path)) and _entry_problem(path) is None


def loaded(key: str):
    """The module if this process has imported it already, else None."""
    return _MEMO.get(key)


def load_module(key: str, text: str, const_data: dict | None):
    """Write (if needed) and import the module ``sd_<key>``, compiling it unless cached; the module.

    A write that fails (full disk, size limit, vanished folder) moves to a private temporary
    folder; when that fails too, the module is compiled in memory without a cache. Each warns once.
    """
    with _LOCK:
        mod = _MEMO.get(key)
        if mod is not None:
            return mod
        for attempt in range(2):
            try:
                mod = _load_from_disk(key, text, const_data)
                break
            except OSError as e:
                if attempt == 0:
                    try:
                        cachedir.fall_back(e.strerror or str(e))
                        continue
                    except OSError:
                        pass
                cachedir.warn_once(("memory",), f"symdiff: compiled code cannot be cached on disk ({e}); "
                                                "compiling in memory for this process")
                mod = _import_in_memory(key, text, const_data)
                break
        _MEMO[key] = mod
        return mod


def _load_from_disk(key: str, text: str, const_data: dict | None):
    with entry_lock(os.path.join(module_dir(), f"sd_{key}.py")):
        path = write_module(key, text, const_data)
        _check_entry(path)
        try:
            mod = _import(key, path)
        except numba_errors():
            raise
        except OSError:
            raise
        except Exception:
            # a Numba cache entry that failed to load although it matched its seal: start again
            clear_numba_cache(path)
            write_module(key, text, const_data)
            mod = _import(key, path)
        seal(path)
        cachedir.seal_helpers()   # the compile may have added helper specialisations
        return mod


@contextlib.contextmanager
def entry_lock(path: str):
    """Hold ``sd_<key>.lock`` while an entry is checked, compiled and sealed, so processes take turns.

    Without it a second process compiling the same part at the same moment could replace
    Numba's files between the first one's compile and its seal; with it the second one waits
    and then loads what the first one made. (No lock where ``fcntl`` is missing.)
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    fd = os.open(path[:-3] + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _import_in_memory(key: str, text: str, const_data: dict | None):
    """The module made from ``text`` without files: Numba compiles it uncached."""
    import types

    cachedir.install_helper_locator()   # the helpers it imports may still be cached (in a usable place)
    mod = types.ModuleType(f"symdiff_sd_{key}_in_memory")
    mod.__dict__["_K"] = dict(const_data or {})
    code = text.replace("cache=True", "cache=False").replace('_K = np.load(__file__[:-3] + ".npz")', "")
    exec(compile(code, f"<symdiff part {key[:12]}>", "exec"), mod.__dict__)
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
    cachedir.install_helper_locator()   # Numba's files go to __pycache__ beside the module, where seal() looks
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
