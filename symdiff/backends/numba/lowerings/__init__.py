"""The lowering entries of every operation, one module per kind of operation.

Importing this package fills ``lowering.LOWERINGS``; ``tests/test_numba_backend.py``
checks that every registered operation has an entry.
"""

from . import contraction, control, elementwise, gather, linalg, movement, reduction, sources, special  # noqa: F401
from . import along_axis  # noqa: F401  (cumsum, cumprod, sorting: steps calling runtime helpers)
