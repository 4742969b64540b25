"""The rules for a compiled function's arguments, shared by every backend and by exported modules.

An input is described by a spec ``(name, dtype, shape)`` whose shape holds
ints, symbolic names (``"n"``) and derived sizes (``"2*n"``, Python
expressions of the names). :func:`bind` checks arguments against the specs
and raises TypeError for a wrong count, ValueError naming the input for a
wrong dtype, rank, size or sizes that disagree; :func:`by_name` turns keyword
arguments into positional ones.

This module imports nothing but NumPy on purpose: ``fn.export`` copies its
code into the exported file, so a function exported from symdiff checks its
arguments with the same rules and messages without symdiff.

>>> import numpy as np
>>> arrays, sizes = bind([("x", np.dtype("float64"), ("n",))], [[1.0, 2.0]])
>>> sizes
{'n': 2}
"""

import keyword
import re

import numpy as np

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MISSING = object()


def _is_name(d) -> bool:
    return isinstance(d, str) and _NAME.fullmatch(d) is not None and not keyword.iskeyword(d)


def _shape_text(shape) -> str:
    inner = ", ".join(str(d) if isinstance(d, int) else repr(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def _derived_size(d: str, sizes: dict) -> int:
    # a derived size is arithmetic on names (``2*n``, ``n - 1``) written by symdiff itself
    return int(eval(d, {"__builtins__": {}}, dict(sizes)))


def _fits_python_number(dtype, v) -> bool:
    try:
        return np.result_type(dtype, v) == dtype and (
            not isinstance(v, int) or isinstance(v, bool) or -2**63 <= v < 2**63)
    except OverflowError:
        return False


def bind(specs, args):
    """Check ``args`` against ``specs``; return (arrays, sizes of the symbolic names)."""
    if len(args) != len(specs):
        names = ", ".join(s[0] for s in specs)
        raise TypeError(f"the function takes {len(specs)} argument(s) ({names}), got {len(args)}")
    arrays = []
    sizes: dict = {}
    origin: dict = {}
    derived = []
    for (name, dtype, shape), v in zip(specs, args):
        if isinstance(v, (bool, int, float)) and not isinstance(v, np.generic):
            if not _fits_python_number(dtype, v):
                raise ValueError(f"input {name!r}: expected {dtype}, got the {type(v).__name__} {v!r}")
            arr = np.asarray(v, dtype=dtype)
        else:
            arr = v if isinstance(v, np.ndarray) else np.asarray(v)
            if arr.dtype != dtype:
                if arr.dtype == object or not np.can_cast(arr.dtype, dtype, "safe"):
                    raise ValueError(f"input {name!r}: expected dtype {dtype}, got {arr.dtype}")
                arr = arr.astype(dtype)
        if arr.ndim != len(shape):
            raise ValueError(f"input {name!r}: expected shape {_shape_text(shape)}, got {arr.shape}")
        for axis, (want, got) in enumerate(zip(shape, arr.shape)):
            if isinstance(want, int):
                if want != got:
                    raise ValueError(f"input {name!r}: expected shape {_shape_text(shape)}, got {arr.shape}")
            elif _is_name(want):
                if want in sizes and sizes[want] != got:
                    raise ValueError(
                        f"input {name!r}: dimension {want!r} (axis {axis}) is {got}, "
                        f"but input {origin[want]!r} gave {want!r} = {sizes[want]}"
                    )
                sizes[want] = got
                origin[want] = name
            else:
                derived.append((name, axis, want, got))
        arrays.append(arr)
    for name, axis, want, got in derived:
        try:
            should = _derived_size(want, sizes)
        except NameError:
            raise ValueError(f"input {name!r}: symbolic dimension {want!r} is not bound by any input") from None
        if should != got:
            raise ValueError(f"input {name!r}: dimension {want!r} (axis {axis}) should be {should}, got {got}")
    return arrays, sizes


def prepare(specs, args) -> list:
    """:func:`bind`, then what compiled code takes: C-contiguous writable arrays, 0-d inputs as NumPy scalars."""
    arrays, _ = bind(specs, args)
    out = []
    for (_, _, shape), a in zip(specs, arrays):
        if not shape:
            out.append(a[()])
        elif not a.flags.c_contiguous or not a.flags.writeable:
            out.append(np.array(a, order="C", copy=True))
        else:
            out.append(a)
    return out


def by_name(names, args: tuple, kwargs: dict) -> tuple:
    """Positional arguments from ``fn(x, W=...)``: keywords are the inputs' names."""
    if len(args) > len(names):
        return args   # the count error comes from the usual checks
    values = list(args) + [_MISSING] * (len(names) - len(args))
    for k, v in kwargs.items():
        if names.count(k) != 1:
            known = ", ".join(names)
            raise TypeError(f"the function has no input named {k!r} (inputs: {known})" if k not in names else
                            f"the function has several inputs named {k!r}; pass them by position")
        i = names.index(k)
        if values[i] is not _MISSING:
            raise TypeError(f"the function got two values for input {k!r}")
        values[i] = v
    missing = [n for n, v in zip(names, values) if v is _MISSING]
    if missing:
        raise TypeError(f"the function is missing the input(s) {', '.join(map(repr, missing))}")
    return tuple(values)
