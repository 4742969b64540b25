"""Backends every backend-parametrized test runs on.

All backend parametrization goes through this list (see ``conftest.backend``).
"""

BACKENDS = ["numpy"]
