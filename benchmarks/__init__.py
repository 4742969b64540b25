"""symdiff benchmark suite (not part of the test suite).

Run with ``python -m benchmarks.run`` and ``python -m benchmarks.compile_time``
from the repository root; see benchmarks/README.md and docs/performance.md.
This package must not import NumPy or any peer framework at import time:
``benchmarks._env`` has to run before them so that thread limits apply.
"""
