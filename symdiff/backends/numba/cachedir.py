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
``linalg_runtime.py``) lives next to them in the package's ``__pycache__`` when
that is the user's own and writable, else in the ``helpers`` subfolder of the
folder in use, so a read-only or shared installation works.

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
_PACKAGE_OK: list[bool] = []
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
    """The folder of Numba's cache for symdiff's own helper modules (inside the folder in use)."""
    d = os.path.join(module_dir(), "helpers")
    if untrusted_reason(d) is None:
        return d
    return _private_temp_dir()


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


def package_cache_ok() -> bool:
    """True when the ``__pycache__`` next to symdiff's helper modules is this user's alone and writable."""
    if not _PACKAGE_OK:
        pycache = os.path.join(os.path.dirname(os.path.abspath(__file__)), "__pycache__")
        _PACKAGE_OK.append(untrusted_reason(pycache) is None)
    return _PACKAGE_OK[0]


def install_helper_locator() -> None:
    """Make Numba keep the cache of symdiff's helper modules in :func:`helpers_dir` (once, before they compile)."""
    from numba.core import caching

    # the names lost their underscore in Numba 0.60
    impl = getattr(caching, "CacheImpl", None) or caching._CacheImpl
    base = getattr(caching, "UserProvidedCacheLocator", None) or caching._UserProvidedCacheLocator
    if any(getattr(c, "_symdiff", False) for c in impl._locator_classes):
        return
    here = os.path.dirname(os.path.abspath(__file__))

    class _SymdiffLocator(base):
        """Generated modules: ``__pycache__`` beside them (even with NUMBA_CACHE_DIR set, so their seal
        covers what Numba loads); helper modules: see :func:`package_cache_ok`."""

        _symdiff = True

        def __init__(self, py_func, py_file, path):
            self._py_file = py_file
            self._lineno = py_func.__code__.co_firstlineno
            self._cache_path = path

        @classmethod
        def from_function(cls, py_func, py_file):
            folder = os.path.dirname(os.path.abspath(py_file))
            if folder == here:
                # Numba's usual place next to the package when it is the user's own, else ours
                return None if package_cache_ok() else cls(py_func, py_file, helpers_dir())
            if os.path.basename(py_file).startswith("sd_") and folder in _CHOSEN.values():
                return cls(py_func, py_file, os.path.join(folder, "__pycache__"))
            return None

    impl._locator_classes.insert(0, _SymdiffLocator)
