"""The ``symdiff`` logger: each stage of ``sd.function`` with its time, and a progress line.

Standard :mod:`logging`: nothing is printed unless the application configures
logging, e.g. ``logging.basicConfig(level=logging.INFO)`` or
``logging.getLogger("symdiff").setLevel(logging.DEBUG)``. INFO reports one line
per compile (parts, cache hits, seconds); DEBUG each stage and part.

Independently of logging, a compile that is still running after
``PROGRESS_AFTER`` seconds in an interactive session (a terminal or a
notebook) prints a short progress line to stderr, so a long wait is never
silent. ``SYMDIFF_PROGRESS=0`` turns it off, ``=1`` forces it on.

>>> with timed("plan", parts=2) as t:
...     pass
>>> t.seconds >= 0.0
True
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time

logger = logging.getLogger("symdiff")

#: seconds a compile may run before the progress line appears
PROGRESS_AFTER = 2.0


class timed:
    """Context manager: time a stage and log it at DEBUG (``seconds`` holds the duration)."""

    def __init__(self, stage: str, level: int = logging.DEBUG, **fields):
        self.stage, self.level, self.fields = stage, level, fields
        self.seconds = 0.0

    def __enter__(self):
        self._t = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._t
        if logger.isEnabledFor(self.level):
            extra = "".join(f" {k}={v}" for k, v in self.fields.items())
            logger.log(self.level, "%s: %.3f s%s", self.stage, self.seconds, extra)
        return False


def _interactive() -> bool:
    flag = os.environ.get("SYMDIFF_PROGRESS", "").strip().lower()
    if flag in ("0", "off", "false", "no"):
        return False
    if flag in ("1", "on", "true", "yes"):
        return True
    if "ipykernel" in sys.modules:
        return True
    try:
        return sys.stderr.isatty()
    except Exception:
        return False


class Progress:
    """A line on stderr, after ``PROGRESS_AFTER`` seconds, refreshed until ``close()``.

    ``update(done, total)`` records how far the compile is; the line says it.
    """

    def __init__(self, what: str, total: int):
        self.what, self.total, self.done = what, total, 0
        self._start = time.perf_counter()
        self._stop = threading.Event()
        self._shown = False
        self._thread = None
        if _interactive():
            self._thread = threading.Thread(target=self._run, name="symdiff-progress", daemon=True)
            self._thread.start()

    def update(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total

    def _line(self) -> str:
        t = time.perf_counter() - self._start
        return f"symdiff: compiling {self.what}: {self.done} of {self.total} parts done, {t:.0f} s"

    def _run(self) -> None:
        if self._stop.wait(PROGRESS_AFTER):
            return
        while not self._stop.is_set():
            sys.stderr.write("\r" + self._line())
            sys.stderr.flush()
            self._shown = True
            self._stop.wait(1.0)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        if self._shown:
            sys.stderr.write("\r" + self._line() + " - finished\n")
            sys.stderr.flush()
