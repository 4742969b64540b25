"""Backends: the NumPy reference interpreter and the Numba compiler."""
