"""Bridges between symdiff graphs and other symbolic systems (SymPy)."""

from .sympy import from_sympy, to_sympy

__all__ = ["from_sympy", "to_sympy"]
