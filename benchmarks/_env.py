"""Single-threaded, reproducible environment for the benchmarks.

Import this module *before* NumPy, JAX, PyTensor or Numba. It sets the
thread-count environment variables every library reads at import time and,
optionally, pins the process to one CPU. Pinning is on by default because
JAX >= 0.4.3x (the XLA CPU "thunk" runtime) ignores
``--xla_cpu_multi_thread_eigen=false`` and still runs some work on a second
thread; with the affinity mask restricted to one CPU every library really is
single-core.
"""
from __future__ import annotations

import os
import platform
import subprocess
import sys

THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    # Keep JAX off accelerators and quiet about it.
    "JAX_PLATFORMS": "cpu",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    # symdiff: block until native code is ready (the default serves first calls from the
    # reference interpreter while compiling, which would time the wrong tier)
    "SYMDIFF_WAIT": "1",
}

_pinned_cpu: int | None = None


def apply_thread_env() -> None:
    if "numpy" in sys.modules or "jax" in sys.modules:
        # Too late for the variables to take effect in already-imported
        # libraries; say so instead of silently benchmarking multi-threaded.
        print("warning: benchmarks._env imported after numpy/jax; "
              "thread limits may not apply", file=sys.stderr)
    os.environ.update(THREAD_ENV)


def pin_cpu(cpu: int | None = None) -> int | None:
    """Restrict this process (and threads it starts later) to one CPU."""
    global _pinned_cpu
    if not hasattr(os, "sched_setaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    if cpu is None:
        cpu = allowed[-1]
    os.sched_setaffinity(0, {cpu})
    _pinned_cpu = cpu
    return cpu


def pinned_cpu() -> int | None:
    return _pinned_cpu


def describe_env() -> list[str]:
    lines = ["thread settings (set before any numeric import):"]
    for k in THREAD_ENV:
        lines.append(f"  {k}={os.environ.get(k, '')}")
    if _pinned_cpu is not None:
        lines.append(f"  CPU affinity: pinned to CPU {_pinned_cpu} "
                     f"(os.sched_setaffinity) -- single core for every library")
    else:
        lines.append("  CPU affinity: not pinned")
    return lines


def machine_info() -> dict:
    info: dict = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        for line in out.splitlines():
            key, _, val = line.partition(":")
            key, val = key.strip(), val.strip()
            if key in ("Model name", "CPU(s)", "Thread(s) per core", "Core(s) per socket",
                       "Socket(s)", "L2 cache", "L3 cache", "Hypervisor vendor"):
                info[key] = val
    except Exception as exc:  # pragma: no cover - lscpu missing
        info["lscpu"] = f"unavailable ({exc})"
    info["os.cpu_count"] = os.cpu_count()
    try:
        import psutil  # optional
        info["physical cores"] = psutil.cpu_count(logical=False)
    except Exception:
        pass
    return info


def versions() -> dict:
    from importlib import metadata
    out = {}
    for dist in ("numpy", "scipy", "numba", "llvmlite", "jax", "jaxlib", "pytensor",
                 "sympy", "symdiff"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    # symdiff is usually run from the checkout without being installed.
    if out["symdiff"] == "not installed":
        try:
            import symdiff  # noqa: F401
            out["symdiff"] = getattr(symdiff, "__version__", "importable from checkout")
        except Exception as exc:
            out["symdiff"] = f"not importable ({type(exc).__name__})"
    return out
