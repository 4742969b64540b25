"""Where compiled code is kept: a folder private to the user, or a private temporary one.

The cache holds Python modules and Numba's pickled indexes, so whoever can
write it can make a process run their code. symdiff therefore uses the
configured folder (``$SYMDIFF_CACHE_DIR``, else ``$XDG_CACHE_HOME/symdiff`` or
``~/.cache/symdiff``) only when it is *trusted*: a folder (created with mode
0700) that this user owns and that neither group nor others may write. Any
other case (another owner, a shared writable folder, an unwritable HOME, a
read-only file system, a folder that cannot be created) gives one warning and
a fresh folder from ``tempfile.mkdtemp`` (private, unpredictable name,
removed at exit), so compiled code still works for this process.

The Numba cache of symdiff's own helper modules (``runtime.py``, ``vecmath.py``,
``linalg_runtime.py``, the sparsity kernels: any module of the package compiled
with ``cache=True``) lives in the ``helpers/<installation>`` subfolder of the
folder in use, never beside the package, so a read-only or shared installation
works and every file is sealed: the first use of the folder in a process checks
each file against the digests of ``SEAL.sha256`` and deletes what does not match
(a damaged or unsealed file is compiled again), and the digests are written
again after each compile and at exit.

>>> from symdiff.backends.numba.cachedir import untrusted_reason
>>> import tempfile
>>> untrusted_reason(tempfile.mkdtemp()) is None
True
"""

from __future__ import annotations

import atexit
import os
import shutil
import stat
import tempfile
import threading
import warnings

_LOCK = threading.Lock()
_CHOSEN: dict[str, str] = {}      # configured folder -> folder in use
_TEMP: list[str] = []
#: the folder of the symdiff package (its modules' Numba caches go to helpers_dir)
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_WARNED: set = set()


def configured_dir() -> str:
    """``$SYMDIFF_CACHE_DIR``, or the user's cache folder (``$XDG_CACHE_HOME/symdiff``, ``~/.cache/symdiff``)."""
    d = os.environ.get("SYMDIFF_CACHE_DIR")
    if not d:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        d = os.path.join(base, "symdiff")
    return d


def untrusted_reason(path: str, create: bool = True) -> str | None:
    """Why ``path`` may not hold compiled code (None: it may), creating it private (0700) when missing."""
    if create:
        try:
            os.makedirs(path, mode=0o700, exist_ok=True)
        except OSError as e:
            return f"it cannot be created ({e.strerror or e})"
    try:
        st = os.stat(path)
    except OSError as e:
        return f"it cannot be read ({e.strerror or e})"
    if not stat.S_ISDIR(st.st_mode):
        return "it is not a folder"
    why = untrusted_owner_or_mode(st)
    if why:
        return why
    if not os.access(path, os.W_OK | os.X_OK):
        return "it is not writable"
    return None


def untrusted_owner_or_mode(st: os.stat_result) -> str | None:
    """Why a file or folder with status ``st`` is not this user's alone (None on platforms without owners)."""
    if not hasattr(os, "getuid"):
        return None
    if st.st_uid != os.getuid():
        return f"it belongs to another user (uid {st.st_uid})"
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"group or others may write it (mode {stat.S_IMODE(st.st_mode):04o})"
    return None


def module_dir() -> str:
    """The folder compiled code goes to in this process: the configured one when trusted, else a private temporary one."""
    want = configured_dir()
    with _LOCK:
        got = _CHOSEN.get(want)
        if got is not None and os.path.isdir(got):
            return got
        why = untrusted_reason(want)
        if why is None:
            got = want
        else:
            got = _private_temp_dir()
            warn_once(("dir", want), f"symdiff: not using the cache folder {want!r} because {why}; compiled code "
                                     f"is kept in the private temporary folder {got!r} for this process only "
                                     "(set SYMDIFF_CACHE_DIR to a folder only you can write)")
        _CHOSEN[want] = got
        return got


def fall_back(reason: str) -> str:
    """Give up the folder in use (a write failed: full disk, size limit, vanished): a private temporary one."""
    want = configured_dir()
    with _LOCK:
        current = _CHOSEN.get(want)
        if current is not None and current in _TEMP:
            raise OSError(f"the private temporary cache folder {current!r} failed too: {reason}")
        got = _private_temp_dir(fresh=True)
        _CHOSEN[want] = got
    warn_once(("write", want), f"symdiff: writing to the cache folder {current or want!r} failed ({reason}); "
                               f"compiled code is kept in the private temporary folder {got!r} for this process only")
    return got


def helpers_dir() -> str:
    """The folder of Numba's cache for symdiff's own helper modules (inside the folder in use), checked."""
    d = os.path.join(module_dir(), "helpers", _installation_tag())
    if untrusted_reason(os.path.dirname(d)) is not None or untrusted_reason(d) is not None:
        d = _private_temp_dir()
    with _LOCK:
        first = d not in _HELPERS
        _HELPERS.add(d)
    if first:
        _check_helpers(d)
    return d


_HELPERS: set = set()   # helper folders this process checked (and seals at exit)
_SEAL = "SEAL.sha256"


def _installation_tag() -> str:
    """One folder per installed copy of symdiff, so two environments never overwrite each other's files."""
    import hashlib

    return hashlib.sha256(_PACKAGE_ROOT.encode()).hexdigest()[:12]


def _helper_files(d: str) -> list[str]:
    try:
        return sorted(f for f in os.listdir(d) if f.endswith((".nbi", ".nbc")))
    except OSError:
        return []


def _digest(path: str) -> str | None:
    import hashlib

    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def _read_seal(d: str) -> dict:
    try:
        with open(os.path.join(d, _SEAL)) as fh:
            pairs = (line.split("  ", 1) for line in fh.read().splitlines() if "  " in line)
            return {name: digest for digest, name in pairs}
    except (OSError, UnicodeDecodeError):
        return {}


def _check_helpers(d: str) -> None:
    """Delete helper cache files that are foreign, unsealed or do not match their digest (warning once if damaged)."""
    sealed = _read_seal(d)
    for name in _helper_files(d):
        path = os.path.join(d, name)
        try:
            foreign = untrusted_owner_or_mode(os.stat(path))
        except OSError:
            continue
        if not foreign and sealed.get(name) == _digest(path):
            continue
        if foreign or name in sealed:
            warn_once(("helper", d), f"symdiff: the cached machine code of symdiff's helpers in {d!r} is "
                                     f"{'foreign (' + foreign + ')' if foreign else 'damaged'}; it was deleted "
                                     "and is compiled again")
        try:
            os.unlink(path)
        except OSError:
            pass


def seal_helpers() -> None:
    """Record the digests of the helper cache files in each folder this process used (best effort)."""
    for d in list(_HELPERS):
        lines = []
        for name in _helper_files(d):
            path = os.path.join(d, name)
            try:
                if untrusted_owner_or_mode(os.stat(path)):
                    continue
            except OSError:
                continue
            digest = _digest(path)
            if digest is not None:
                lines.append(f"{digest}  {name}")
        text = "\n".join(lines) + "\n"
        try:
            tmp = os.path.join(d, f".{_SEAL}.{os.getpid()}.tmp")
            with open(tmp, "w") as fh:
                fh.write(text)
            os.replace(tmp, os.path.join(d, _SEAL))
        except OSError:
            pass   # unsealed: the next process compiles the helpers again rather than trusting them


atexit.register(seal_helpers)


def _private_temp_dir(fresh: bool = False) -> str:
    if _TEMP and not fresh and os.path.isdir(_TEMP[-1]):
        return _TEMP[-1]
    d = tempfile.mkdtemp(prefix="symdiff-cache-")
    _TEMP.append(d)
    return d


def warn_once(key, message: str) -> None:
    if key in _WARNED:
        return
    _WARNED.add(key)
    warnings.warn(message, RuntimeWarning, stacklevel=3)


@atexit.register
def _remove_temp_dirs() -> None:
    for d in _TEMP:
        shutil.rmtree(d, ignore_errors=True)


def install_helper_locator() -> None:
    """Make Numba keep the cache of symdiff's helper modules in :func:`helpers_dir` (once, before they compile)."""
    from numba.core import caching

    # the names lost their underscore in Numba 0.60
    impl = getattr(caching, "CacheImpl", None) or caching._CacheImpl
    base = getattr(caching, "UserProvidedCacheLocator", None) or caching._UserProvidedCacheLocator
    if any(getattr(c, "_symdiff", False) for c in impl._locator_classes):
        return

    class _SymdiffLocator(base):
        """Generated modules: ``__pycache__`` beside them (even with NUMBA_CACHE_DIR set, so their seal
        covers what Numba loads); modules of the package: :func:`helpers_dir`, checked and sealed."""

        _symdiff = True

        def __init__(self, py_func, py_file, path):
            self._py_file = py_file
            self._lineno = py_func.__code__.co_firstlineno
            self._cache_path = path

        @classmethod
        def from_function(cls, py_func, py_file):
            folder = os.path.dirname(os.path.abspath(py_file))
            if folder == _PACKAGE_ROOT or folder.startswith(_PACKAGE_ROOT + os.sep):
                return cls(py_func, py_file, helpers_dir())
            if os.path.basename(py_file).startswith("sd_") and folder in _CHOSEN.values():
                return cls(py_func, py_file, os.path.join(folder, "__pycache__"))
            return None

    impl._locator_classes.insert(0, _SymdiffLocator)
