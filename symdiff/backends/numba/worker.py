"""A compile worker: ``python -m symdiff.backends.numba.worker CACHE_DIR [KEY ...]``.

Imports the generated modules ``sd_<KEY>.py`` the parent wrote into the cache
folder (the keys given, else one per line of standard input until it closes:
the parent hands out the next part when the worker reports the last), which makes Numba compile them and save the machine code beside
them; the parent then loads that code without compiling. Prints
``ok KEY SECONDS`` per module (the parent counts them for its progress), or
``error KEY MESSAGE`` and exits with status 1 at the first failure.
"""

from __future__ import annotations

import os
import sys
import time


def main(argv: list[str]) -> int:
    cache_dir, keys = argv[0], argv[1:]
    os.environ["SYMDIFF_CACHE_DIR"] = cache_dir
    from . import cache

    cache.module_dir()   # the parent's choice of folder (trusted: the parent checked it) is ours too
    for key in keys or (line.strip() for line in sys.stdin):
        if not key:
            continue
        t = time.perf_counter()
        path = os.path.join(cache_dir, f"sd_{key}.py")
        try:
            with cache.entry_lock(path):
                cache._check_entry(path)
                cache._import(key, path)
                cache.seal(path)
        except BaseException as e:  # report and stop: the parent warns and keeps its reference tier
            msg = " ".join(f"{type(e).__name__}: {e}".split())[:500]
            print(f"error {key} {msg}", flush=True)
            return 1
        print(f"ok {key} {time.perf_counter() - t:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
