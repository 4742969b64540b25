"""Table rows for everyday NumPy functions: cumsum, cumprod, sort, argsort, argmax, argmin,
iteration, asarray and ``x.at[...]`` updates. Each oracle is NumPy.

Imported from ``tests/optable.py`` (after the loop rows), so the generic harness checks values on
both backends and first and second derivatives against finite differences of these oracles.
Rows with ties (sort, argsort, argmax) or NaN check values only (``differentiable=()``): at a
tie the finite differences of a sort average the two orders while the gradient follows the
stable one.
"""

from __future__ import annotations

import numpy as np

import symdiff as sd
from tests.optable import (
    DISTINCT,
    LAT_A,
    LAT_B,
    REAL,
    A,
    case,
    integers,
    sym_case,
    with_zeros,
)

TIES = integers(-2, 3)   # as float64: many equal values


def with_nans(base, *positions):
    """``base`` with NaN at ``positions``."""

    def sample(rng, shape):
        a = np.array(base(rng, shape), dtype=np.float64)
        for p in positions:
            a[p] = np.nan
        return a

    return sample


def signed_zeros(rng, shape):
    """Ties, NaN, and both zeros: what a stable sort must order as NumPy does."""
    a = np.array(TIES(rng, shape), dtype=np.float64)
    flat = a.reshape(-1)
    flat[: flat.size // 4] = np.nan
    flat[flat.size // 4: flat.size // 2] = -0.0
    rng.shuffle(flat)
    return a


def _stable(fn):
    return lambda x, **kw: fn(x, kind="stable", **kw)


# -- cumsum --------------------------------------------------------------------------------------

case("cumsum_flat", lambda x: sd.cumsum(x), np.cumsum, A((2, 3)))
case("cumsum_axis0", lambda x: sd.cumsum(x, axis=0), lambda x: np.cumsum(x, axis=0), A((3, 4)))
case("cumsum_axis_neg1_3d", lambda x: sd.cumsum(x, axis=-1), lambda x: np.cumsum(x, axis=-1), A((2, 3, 4)))
case("cumsum_axis1_3d", lambda x: sd.cumsum(x, axis=1), lambda x: np.cumsum(x, axis=1), A((2, 3, 2)))
case("cumsum_0d", lambda x: sd.cumsum(x), np.cumsum, A(()))
case("cumsum_int64", lambda x: sd.cumsum(x, axis=1), lambda x: np.cumsum(x, axis=1), A((2, 4), "int64"))
case("cumsum_bool", lambda x: sd.cumsum(x), np.cumsum, A((5,), "bool"))
case("cumsum_float32", lambda x: sd.cumsum(x, axis=0), lambda x: np.cumsum(x, axis=0), A((4, 3), "float32"))
case("cumsum_dtype_float64", lambda x: sd.cumsum(x, dtype="float64"), lambda x: np.cumsum(x, dtype=np.float64),
     A((4,), "int64"))
case("cumsum_then_square", lambda x: sd.cumsum(x * x, axis=1) ** 2, lambda x: np.cumsum(x * x, axis=1) ** 2,
     A((2, 3)))
case("cumsum_length_zero", lambda x: sd.cumsum(x, axis=0), lambda x: np.cumsum(x, axis=0), A((0, 3)))
sym_case("cumsum_axis1", lambda x: sd.cumsum(x, axis=1), lambda x: np.cumsum(x, axis=1), A(("m", "n")))
sym_case("cumsum_flat", lambda x: sd.cumsum(x), np.cumsum, A(("m", "n")))

# -- cumprod: zeros inside, the derivative without division ---------------------------------------

case("cumprod_flat", lambda x: sd.cumprod(x), np.cumprod, A((2, 3)))
case("cumprod_axis1", lambda x: sd.cumprod(x, axis=1), lambda x: np.cumprod(x, axis=1), A((3, 4)))
case("cumprod_axis0_3d", lambda x: sd.cumprod(x, axis=0), lambda x: np.cumprod(x, axis=0), A((3, 2, 2)))
case("cumprod_zeros", lambda x: sd.cumprod(x), np.cumprod, A((6,), sample=with_zeros(REAL, (1,), (4,))))
case("cumprod_zero_first", lambda x: sd.cumprod(x), np.cumprod, A((4,), sample=with_zeros(REAL, (0,))))
case("cumprod_zeros_axis0", lambda x: sd.cumprod(x, axis=0), lambda x: np.cumprod(x, axis=0),
     A((4, 3), sample=with_zeros(REAL, (1, 0), (2, 0), (0, 2))))
case("cumprod_times_input", lambda x, w: sd.cumprod(x, axis=-1) * w, lambda x, w: np.cumprod(x, axis=-1) * w,
     A((2, 4), sample=with_zeros(REAL, (0, 1))), A((4,)))
case("cumprod_int64", lambda x: sd.cumprod(x, axis=0), lambda x: np.cumprod(x, axis=0), A((3, 2), "int64"))
case("cumprod_float32", lambda x: sd.cumprod(x), np.cumprod, A((5,), "float32"))
sym_case("cumprod_axis0_zeros", lambda x: sd.cumprod(x, axis=0), lambda x: np.cumprod(x, axis=0),
         A(("m", "n"), sample=with_zeros(REAL, (1, 0))))
sym_case("cumprod_flat", lambda x: sd.cumprod(x), np.cumprod, A(("k",), sample=with_zeros(REAL, (1,))))

# -- sort and argsort: stable, NaN last --------------------------------------------------------------

case("sort_last_axis", lambda x: sd.sort(x), np.sort, A((3, 4), sample=DISTINCT))
case("sort_axis0", lambda x: sd.sort(x, axis=0), lambda x: np.sort(x, axis=0), A((4, 3), sample=DISTINCT))
case("sort_flat", lambda x: sd.sort(x, axis=None), lambda x: np.sort(x, axis=None), A((2, 3), sample=DISTINCT))
case("sort_times_weights", lambda x, w: sd.sort(x * w), lambda x, w: np.sort(x * w),
     A((5,), sample=DISTINCT), A((5,), sample=lambda rng, s: rng.uniform(0.9, 1.1, s)))
case("sort_ties_values", lambda x: sd.sort(x), np.sort, A((3, 6), sample=TIES), differentiable=())
case("sort_nan_last", lambda x: sd.sort(x, axis=0), lambda x: np.sort(x, axis=0),
     A((5, 2), sample=with_nans(DISTINCT, (1, 0), (3, 1), (4, 1))), differentiable=())
case("sort_int64", lambda x: sd.sort(x), np.sort, A((2, 5), "int64"))
case("sort_bool", lambda x: sd.sort(x), np.sort, A((6,), "bool"))
sym_case("sort_axis1", lambda x: sd.sort(x, axis=1), lambda x: np.sort(x, axis=1), A(("m", "n"), sample=DISTINCT))
case("argsort_ties", lambda x: sd.argsort(x), _stable(np.argsort), A((3, 7), sample=TIES))
case("argsort_axis0", lambda x: sd.argsort(x, axis=0), lambda x: np.argsort(x, axis=0, kind="stable"),
     A((5, 3), sample=TIES))
case("argsort_flat", lambda x: sd.argsort(x, axis=None), lambda x: np.argsort(x, axis=None, kind="stable"),
     A((3, 4), sample=TIES))
case("argsort_nan_signed_zeros", lambda x: sd.argsort(x), _stable(np.argsort), A((16,), sample=signed_zeros))
case("argsort_int64", lambda x: sd.argsort(x), _stable(np.argsort), A((2, 6), "int64"))
case("argsort_float32", lambda x: sd.argsort(x), _stable(np.argsort), A((9,), "float32", TIES))
case("argsort_then_take", lambda x: sd.take(x, sd.argsort(x)[::-1]), lambda x: x[np.argsort(x, kind="stable")[::-1]],
     A((5,), sample=DISTINCT))
sym_case("argsort_axis0", lambda x: sd.argsort(x, axis=0), lambda x: np.argsort(x, axis=0, kind="stable"),
         A(("k", "n"), sample=TIES))

# -- argmax and argmin: the first extreme; a NaN is the extreme ------------------------------------

case("argmax_flat", lambda x: sd.argmax(x), np.argmax, A((3, 4), sample=TIES))
case("argmax_axis1", lambda x: sd.argmax(x, axis=1), lambda x: np.argmax(x, axis=1), A((4, 5), sample=TIES))
case("argmax_axis0_keepdims", lambda x: sd.argmax(x, axis=0, keepdims=True),
     lambda x: np.argmax(x, axis=0, keepdims=True), A((4, 3), sample=TIES))
case("argmax_flat_keepdims", lambda x: sd.argmax(x, keepdims=True), lambda x: np.argmax(x, keepdims=True),
     A((2, 3), sample=TIES))
case("argmax_nan", lambda x: sd.argmax(x, axis=1), lambda x: np.argmax(x, axis=1),
     A((3, 5), sample=with_nans(TIES, (0, 3), (1, 0), (1, 4))))
case("argmax_int64", lambda x: sd.argmax(x, axis=-1), lambda x: np.argmax(x, axis=-1), A((3, 4), "int64"))
case("argmax_bool", lambda x: sd.argmax(x), np.argmax, A((7,), "bool"))
case("argmax_0d", lambda x: sd.argmax(x), np.argmax, A(()))
case("argmin_flat", lambda x: sd.argmin(x), np.argmin, A((3, 4), sample=TIES))
case("argmin_axis0", lambda x: sd.argmin(x, axis=0), lambda x: np.argmin(x, axis=0), A((5, 3), sample=TIES))
case("argmin_nan", lambda x: sd.argmin(x), np.argmin, A((6,), sample=with_nans(TIES, (2,), (4,))))
case("argmin_float32_3d", lambda x: sd.argmin(x, axis=1), lambda x: np.argmin(x, axis=1),
     A((2, 3, 2), "float32", TIES))
sym_case("argmax_axis0", lambda x: sd.argmax(x, axis=0), lambda x: np.argmax(x, axis=0), A(("m", "n"), sample=TIES))
sym_case("argmin_flat", lambda x: sd.argmin(x), np.argmin, A(("m", "n"), sample=TIES))

# -- iteration, asarray ------------------------------------------------------------------------------

case("iterate_rows", lambda x: sd.stack([r * r * i for i, r in enumerate(x)]),
     lambda x: np.stack([r * r * i for i, r in enumerate(x)]), A((3, 2)))
case("asarray_nested_nodes", lambda a, b: sd.asarray([[a, 2.0 * b], [1.0, a * b]]),
     lambda a, b: np.array([[a, 2.0 * b], [1.0, a * b]]), A(()), A(()))
case("asarray_rows", lambda a, b: sd.array([a, sd.sin(b), a * b]), lambda a, b: np.array([a, np.sin(b), a * b]),
     A((3,)), A((3,)))

# -- x.at[...]: functional updates -------------------------------------------------------------------

_IDX = np.array([3, 0, -1, 3, 1])   # 3 (and -1 == 4... of 5 rows) repeats: add accumulates, set keeps the last


def _np_at(method, x, idx, v):
    out = np.array(x, copy=True)
    if method == "add":
        np.add.at(out, idx, v)
        return out
    v = np.broadcast_to(v, np.asarray(out[idx]).shape)
    if isinstance(idx, np.ndarray):   # a Python loop of assignments: the last occurrence wins
        for k in range(len(idx)):
            out[idx[k]] = v[k] if method == "set" else {"multiply": np.multiply, "min": np.minimum,
                                                         "max": np.maximum}[method](out[idx[k]], v[k])
        return out
    out[idx] = {"set": lambda a, b: b, "multiply": np.multiply, "min": np.minimum, "max": np.maximum}[method](out[idx], v)
    return out


case("at_set_slice", lambda x, v: x.at[1:3].set(v), lambda x, v: _np_at("set", x, slice(1, 3), v), A((4, 2)), A((2,)))
case("at_set_int_scalar", lambda x, v: x.at[2, 1].set(v), lambda x, v: _np_at("set", x, (2, 1), v), A((3, 2)), A(()))
case("at_add_strided", lambda x, v: x.at[::2].add(v), lambda x, v: _np_at("add", x, slice(None, None, 2), v),
     A((5,)), A((3,)))
case("at_multiply_row", lambda x, v: x.at[0].multiply(v), lambda x, v: _np_at("multiply", x, 0, v),
     A((2, 3)), A((3,)))
case("at_min_column", lambda x, v: x.at[:, 1].min(v), lambda x, v: _np_at("min", x, (slice(None), 1), v),
     A((3, 2), sample=LAT_A), A((3,), sample=LAT_B))
case("at_max_ellipsis", lambda x, v: x.at[..., -1].max(v), lambda x, v: _np_at("max", x, (Ellipsis, -1), v),
     A((2, 3), sample=LAT_A), A((), sample=LAT_B))
case("at_get", lambda x: x.at[1:, 0].get() * 2.0, lambda x: x[1:, 0] * 2.0, A((3, 2)))
case("at_add_repeated_indices", lambda x, v: x.at[_IDX].add(v), lambda x, v: _np_at("add", x, _IDX, v),
     A((5, 2)), A((5, 2)))
case("at_set_repeated_indices_last_wins", lambda x, v: x.at[_IDX].set(v), lambda x, v: _np_at("set", x, _IDX, v),
     A((5, 2)), A((5, 2)))
case("at_set_index_node", lambda x, v: x.at[sd.argsort(v)[:2]].set(v[:2] * 3.0),
     lambda x, v: _np_at("set", x, np.argsort(v, kind="stable")[:2], v[:2] * 3.0),
     A((4,)), A((4,), sample=DISTINCT))
case("at_multiply_unique_array", lambda x, v: x.at[np.array([2, 0])].multiply(v, unique_indices=True),
     lambda x, v: _np_at("multiply", x, np.array([2, 0]), v), A((3, 2)), A((2, 1)))
case("at_max_unique_array", lambda x, v: x.at[[1, -1]].max(v, unique_indices=True),
     lambda x, v: _np_at("max", x, np.array([1, -1]), v), A((4,), sample=LAT_A), A((2,), sample=LAT_B))
sym_case("at_set_slice", lambda x, v: x.at[1:].set(v), lambda x, v: _np_at("set", x, slice(1, None), v),
         A(("k",)), A(()))
sym_case("at_add_repeated", lambda x, v: x.at[np.array([0, 1, 0])].add(v),
         lambda x, v: _np_at("add", x, np.array([0, 1, 0]), v), A(("k", 2)), A((3, 2)))
sym_case("at_set_repeated_last_wins", lambda x, v: x.at[np.array([1, 0, 1, -1])].set(v),
         lambda x, v: _np_at("set", x, np.array([1, 0, 1, -1]), v), A(("k",)), A((4,)))
