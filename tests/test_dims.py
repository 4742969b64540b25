"""Dimension arithmetic: the fast path for linear sizes prints exactly what SymPy prints.

Derived sizes are compared as strings, so the SymPy-free path taken for
``c*n + k`` operands (it saves SymPy's one-second import on most compiles)
must give SymPy's canonical string in every case it takes.
"""

from __future__ import annotations

import itertools

import pytest
import sympy

from symdiff import dims

OPERANDS = [0, 1, 2, 3, -1, 7, "n", "T", "2*n", "n + 1", "n - 1", "3*n + 2", "5 - n", "-n", "-n - 1",
            "3 - 2*n", "2*T - 4", "m", "m*n", "n**2", "T + m"]


def _sympy_binary(op, a, b):
    x, y = dims._expr(a), dims._expr(b)
    return dims._from_sympy(sympy.expand({"+": x + y, "-": x - y, "*": x * y}[op]))


@pytest.mark.parametrize("op", ["+", "-", "*"])
def test_the_fast_path_agrees_with_sympy(op):
    taken = 0
    for a, b in itertools.product(OPERANDS, OPERANDS):
        if isinstance(a, int) and isinstance(b, int):
            continue
        got = dims._fast(op, a, b)
        if got is not None:
            taken += 1
            assert got == _sympy_binary(op, a, b), (a, op, b)
        assert dims._binary(op, a, b) == _sympy_binary(op, a, b), (a, op, b)
    assert taken > 100


def test_linear_sizes_need_no_sympy():
    assert dims._fast("*", 3, "T") == "3*T" and dims._fast("+", "3*T", "2*T") == "5*T"
    assert dims._fast("-", 4, "n") == "4 - n" and dims._fast("*", "m", "n") is None
