"""Every operation, imported once so the registry ``graph.OPS`` is complete."""

from . import composite, creation, elementwise, indexing, contraction, decompositions, matrix, linalg_functions, nn, reduction, shape, special  # noqa: F401
from . import control  # noqa: F401  (loops; imports the modules above)
from . import cumulative, sorting, updates  # noqa: F401  (everyday NumPy functions)
