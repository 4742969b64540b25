"""The four supported dtypes and NumPy's promotion rules restricted to them.

Python numbers are *weakly typed*, as in NumPy 2 (NEP 50): they take the dtype
of the array they meet when the kinds allow (``float32_node * 2.0`` stays
float32), and default to int64 / float64 / bool otherwise.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .errors import ShapeError

FLOAT64 = np.dtype("float64")
FLOAT32 = np.dtype("float32")
INT64 = np.dtype("int64")
BOOL = np.dtype("bool")
SUPPORTED = (FLOAT64, FLOAT32, INT64, BOOL)


def as_dtype(dtype: Any) -> np.dtype:
    """The supported ``numpy.dtype`` for ``dtype`` (a name, type or dtype)."""
    try:
        dt = np.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"not a dtype: {dtype!r}") from e
    if dt not in SUPPORTED:
        raise TypeError(
            f"unsupported dtype {dt}; symdiff supports float64, float32, int64 and bool"
        )
    return dt


def normalize_array_dtype(dt: np.dtype) -> np.dtype:
    """The supported dtype an array of dtype ``dt`` is stored as (int32 -> int64 ...)."""
    if dt in SUPPORTED:
        return dt
    if dt.kind in "iu":
        return INT64
    if dt.kind == "f":
        return FLOAT32 if dt.itemsize <= 4 else FLOAT64
    raise TypeError(f"unsupported array dtype {dt}; symdiff supports float64, float32, int64 and bool")


def is_float(dt: np.dtype) -> bool:
    return dt.kind == "f"


@functools.lru_cache(maxsize=256)
def promote(*dtypes: np.dtype) -> np.dtype:
    """NumPy's result type for strongly typed operands."""
    return np.result_type(*dtypes)


def float_result(*dtypes: np.dtype) -> np.dtype:
    """Result dtype of a floating-point function (exp, divide, sigmoid ...).

    Integers and booleans go to float64; NumPy would give float16 for bool,
    which symdiff does not support.
    """
    dt = promote(*dtypes)
    return dt if is_float(dt) else FLOAT64


def weak_scalar_dtype(value: Any, strong: np.dtype | None) -> np.dtype:
    """dtype a Python number takes when it meets operands of dtype ``strong``."""
    if isinstance(value, int) and not isinstance(value, bool) and not -2**63 <= value < 2**63:
        raise ShapeError(f"the integer {value!r} does not fit in int64")
    if strong is None:
        if isinstance(value, (bool, np.bool_)):
            return BOOL
        if isinstance(value, (int, np.integer)):
            return INT64
        return FLOAT64
    try:
        result = np.result_type(strong, value)
    except OverflowError:
        raise ShapeError(f"cannot combine the number {value!r} with a {strong} array: it does not fit") from None
    if result not in SUPPORTED:  # e.g. an int too large for int64
        raise ShapeError(f"cannot combine the number {value!r} with a {strong} array")
    if isinstance(value, (bool, np.bool_)) and result == INT64 and strong == BOOL:
        return BOOL
    return result
