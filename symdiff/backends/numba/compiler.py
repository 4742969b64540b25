"""Compiling the parts of a graph: in this process, or in worker processes in parallel.

Each part is a module in the disk cache, named by its content. A part that is
cached (its module and Numba's machine code are on disk, or this process has
loaded it) is not compiled again, so graphs that share parts share the work.
The others are compiled

* in this process, when there is one part or one core;
* in worker processes (``worker.py``), several at once, when there are
  several parts and several cores, or when the caller must not be blocked
  (a background compile keeps the Python thread that serves the first calls
  free of Numba's work). ``SYMDIFF_COMPILE_WORKERS`` caps the number of
  workers; ``0`` compiles everything in this process.

A worker that fails or is killed raises :class:`PartCompileError`, which names
the parts it did not compile; workers still running when the interpreter
exits are stopped.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading
import time

from ...reporting import logger
from . import cache

#: statements below which a graph is compiled in this process (a worker takes about a second to start)
PARALLEL_MIN_STATEMENTS = 800

_LIVE: set = set()
_LIVE_LOCK = threading.Lock()
_WARM = threading.Event()   # set once this process has loaded compiled code (Numba imported and ready)


def _fork_locks() -> list:
    """The locks a compile holds, in the order a compile takes them (ours, Numba's, vector math's).

    A fork while another thread holds one would copy it locked into the child (and LLVM's own
    state half-changed), so a fork first waits for them: see ``_before_fork``.
    """
    locks = [cache._LOCK]
    numba_lock = getattr(sys.modules.get("numba.core.compiler_lock"), "global_compiler_lock", None)
    if numba_lock is not None and hasattr(numba_lock, "_lock"):
        locks.append(numba_lock._lock)
    vecmath = sys.modules.get("symdiff.backends.numba.vecmath")
    if vecmath is not None:
        locks.append(vecmath._lock)
    return locks


_HELD: list = []


def _before_fork() -> None:
    # wait until no other thread is compiling or loading code: the child then starts with
    # consistent locks and LLVM state (a compile in progress finishes first)
    _HELD[:] = _fork_locks()
    for lock in _HELD:
        lock.acquire()


def _after_fork_in_parent() -> None:
    for lock in reversed(_HELD):
        lock.release()
    _HELD.clear()


def _after_fork_in_child() -> None:
    """A forked child starts with free locks and no workers of its own (the parent's are not its to stop)."""
    global _LIVE_LOCK
    for lock in reversed(_HELD):
        lock.release()
    _HELD.clear()
    _LIVE_LOCK = threading.Lock()
    _LIVE.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent,
                        after_in_child=_after_fork_in_child)


def warm() -> bool:
    """True when loading cached code is quick here (Numba already imported and its target set up)."""
    return _WARM.is_set()


class PartCompileError(RuntimeError):
    """Some parts of a graph could not be compiled (the message names them and why)."""


def max_workers() -> int:
    env = os.environ.get("SYMDIFF_COMPILE_WORKERS", "").strip()
    if env:
        try:
            return max(0, int(env))
        except ValueError:
            pass
    return os.cpu_count() or 1


def missing(keys: list) -> list:
    """The keys whose machine code is neither loaded here nor on disk (each once, in order)."""
    return [k for k in dict.fromkeys(keys) if cache.loaded(k) is None and not cache.is_compiled(k)]


def workers_for(todo: int, statements: int, background: bool) -> int:
    """How many worker processes to use for ``todo`` parts (0: compile in this process)."""
    cap = max_workers()
    if cap == 0 or todo == 0:
        return 0
    if background and (os.cpu_count() or 1) > 1:
        return min(cap, todo)
    if todo >= 2 and (os.cpu_count() or 1) > 1 and statements >= PARALLEL_MIN_STATEMENTS:
        return min(cap, todo)
    return 0


def compile_in_workers(keys: list, labels: dict, workers: int, on_done=None, sizes: dict | None = None) -> None:
    """Compile the (already written) modules ``keys`` in ``workers`` processes; raises PartCompileError.

    The parts wait in one queue, largest first (``sizes``: statements per key),
    and each worker is handed the next one when it reports the last, so the
    workers finish close together whatever the sizes.
    """
    directory = cache.module_dir()
    queue = sorted(dict.fromkeys(keys), key=lambda k: -(sizes or {}).get(k, 0))
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    done: set = set()
    errors: list = []
    lock = threading.Lock()

    def hand_out(p, mine: list) -> None:
        """Give ``p`` the next part (closing its input when none is left)."""
        with lock:
            key = queue.pop(0) if queue and not errors else None
            if key is not None:
                mine.append(key)
        try:
            if key is None:
                p.stdin.close()
            else:
                p.stdin.write(key + "\n")
                p.stdin.flush()
        except OSError:   # the worker is gone: its part is reported as not compiled below
            pass

    def watch(p) -> None:
        mine: list = []
        hand_out(p, mine)
        for line in p.stdout:
            word, _, rest = line.strip().partition(" ")
            key, _, detail = rest.partition(" ")
            with lock:
                if word == "ok":
                    done.add(key)
                    logger.debug("compiled %s in a worker (pid %d) in %s s", labels.get(key, key), p.pid, detail)
                    if on_done:
                        on_done(len(done))
                elif word == "error":
                    errors.append(f"{labels.get(key, key)}: {detail}")
            hand_out(p, mine)
        p.wait()
        with _LIVE_LOCK:
            _LIVE.discard(p)
        left = [k for k in mine if k not in done]
        if left and p.returncode != 0:
            why = (f"the worker process was killed (signal {-p.returncode})" if p.returncode < 0
                   else f"the worker process exited with status {p.returncode}")
            tail = (p.stderr.read() or "").strip().splitlines()[-1:] if p.stderr else []
            with lock:
                errors.append(f"{', '.join(labels.get(k, k) for k in left)}: {why}"
                              + (f" ({tail[0]})" if tail else ""))

    procs = []
    for _ in range(min(workers, len(queue))):
        p = subprocess.Popen([sys.executable, "-m", "symdiff.backends.numba.worker", directory],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env)
        with _LIVE_LOCK:
            _LIVE.add(p)
        procs.append(p)
    threads = [threading.Thread(target=watch, args=(p,), daemon=True) for p in procs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise PartCompileError("; ".join(errors))
    if queue:   # every worker stopped early without a word (cannot happen unless they all died)
        raise PartCompileError(f"{', '.join(labels.get(k, k) for k in queue)}: no worker process was left")


def load(modules: list, keys: list, on_done=None) -> list:
    """Import every part (compiling here what is not cached); their jitted functions, in order."""
    out = []
    for k, ((part, text, const_data), key) in enumerate(zip(modules, keys)):
        t = time.perf_counter()
        mod = cache.load_module(key, text, const_data)
        logger.debug("part %d of %d (%s) ready in %.3f s", k + 1, len(keys), key[:12], time.perf_counter() - t)
        out.append(mod.part)
        if on_done:
            on_done(k + 1)
    _WARM.set()
    return out


@atexit.register
def _stop_workers() -> None:
    with _LIVE_LOCK:
        live = list(_LIVE)
    for p in live:
        try:
            p.kill()
        except OSError:
            pass
