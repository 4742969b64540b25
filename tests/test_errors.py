"""Every error path of the public contract: type, message, and recovery.

Each check asserts the exception *type* and that the message *names what is
wrong* (the operation the user called, the shapes involved, or the input's
name), then that the library keeps working: building continues after a
``ShapeError``, and the same compiled function gives correct results after a
failed call.

Sources: ``shared/api-contract.md`` and ``docs/semantics.md``.
"""

from __future__ import annotations

import copy
import re
import sys

import numpy as np
import pytest

import symdiff as sd

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _shape_str(shape) -> str:
    return str(tuple(shape))


def assert_message_names(exc: BaseException, *parts: str) -> None:
    msg = str(exc)
    missing = [p for p in parts if p not in msg]
    assert not missing, f"message {msg!r} does not name {missing}"


def assert_still_builds() -> None:
    """After an error, new graphs build, differentiate and evaluate normally."""
    x = sd.vector("x", 3)
    y = sd.vector("y", 3)
    out = sd.sum(sd.sin(x) * y)
    g = sd.grad(out, x)
    xv = np.array([0.1, 0.2, 0.3])
    yv = np.array([1.0, -2.0, 0.5])
    val, gv = sd.evaluate([out, g], {x: xv, y: yv})
    np.testing.assert_allclose(val, np.sum(np.sin(xv) * yv), rtol=1e-13)
    np.testing.assert_allclose(gv, np.cos(xv) * yv, rtol=1e-13)
    # hash-consing is intact: the same expression is the same node
    assert sd.sum(sd.sin(x) * y) is out


# ---------------------------------------------------------------------------
# build time: sd.ShapeError
# ---------------------------------------------------------------------------

x3 = sd.vector("x3", 3)
y4 = sd.vector("y4", 4)
A23 = sd.matrix("A23", (2, 3))
B23 = sd.matrix("B23", (2, 3))
C33 = sd.matrix("C33", (3, 3))
vn = sd.vector("vn", "n")
vm = sd.vector("vm", "m")
v5 = sd.vector("v5", 5)
b3 = sd.vector("b3", 3, dtype="bool")
Z03 = sd.tensor("Z03", (0, 3))
IDX_F = sd.constant(np.array([0.0, 1.0]))

# (id, builder, substrings the message must contain)
SHAPE_ERRORS = [
    # broadcasting
    ("add", lambda: x3 + y4, ["add", "(3,)", "(4,)"]),
    ("add-fn", lambda: sd.add(A23, y4), ["add", "(2, 3)", "(4,)"]),
    ("subtract", lambda: x3 - y4, ["subtract", "(3,)", "(4,)"]),
    ("multiply", lambda: sd.multiply(x3, y4), ["multiply", "(3,)", "(4,)"]),
    ("divide", lambda: x3 / y4, ["divide", "(3,)", "(4,)"]),
    ("power", lambda: x3 ** y4, ["power", "(3,)", "(4,)"]),
    ("maximum", lambda: sd.maximum(x3, y4), ["maximum", "(3,)", "(4,)"]),
    ("minimum", lambda: sd.minimum(A23, y4), ["minimum", "(2, 3)", "(4,)"]),
    ("where", lambda: sd.where(b3, x3, y4), ["where", "(3,)", "(4,)"]),
    ("where-cond", lambda: sd.where(sd.vector("c4", 4, dtype="bool"), x3, 1.0),
     ["where", "(4,)", "(3,)"]),
    ("clip", lambda: sd.clip(x3, y4, 1.0), ["clip", "(3,)", "(4,)"]),
    ("equal", lambda: sd.equal(x3, y4), ["equal", "(3,)", "(4,)"]),
    ("less", lambda: x3 < y4, ["less", "(3,)", "(4,)"]),
    # symbolic dimensions
    # ('n' meeting one fixed size is unified and checked at call time: tests/test_unify.py)
    ("sym-n-vs-5-and-4", lambda: sd.add_n(vn, v5, y4), ["add_n", "'n'", "5"]),
    ("sym-n-vs-m", lambda: vn * vm, ["multiply", "'n'", "'m'"]),
    ("sym-n-vs-3-matmul", lambda: sd.dot(vn, x3), ["dot", "n", "3"]),
    # linear algebra
    ("matmul", lambda: A23 @ B23, ["matmul", "(2, 3)"]),
    ("matmul-vec", lambda: A23 @ y4, ["matmul", "(2, 3)", "(4,)"]),
    ("matmul-0d", lambda: sd.scalar("s0") @ x3, ["matmul", "()", "(3,)"]),
    ("dot", lambda: sd.dot(x3, y4), ["dot", "(3,)", "(4,)"]),
    ("tensordot", lambda: sd.tensordot(A23, B23, axes=([1], [0])), ["tensordot", "(2, 3)"]),
    ("tensordot-int-axes", lambda: sd.tensordot(A23, B23, axes=3), ["tensordot", "(2, 3)"]),
    ("tensordot-axes-len", lambda: sd.tensordot(A23, B23, axes=([0, 1], [0])), ["tensordot"]),
    # the message must speak of the subscripts the user wrote, not a renamed copy
    ("einsum", lambda: sd.einsum("ij,jk->ik", A23, B23), ["einsum", "ij,jk->ik", "(2, 3)"]),
    ("einsum-rank", lambda: sd.einsum("ijk->i", A23), ["einsum", "ijk", "(2, 3)"]),
    ("einsum-nops", lambda: sd.einsum("ij,jk->ik", A23), ["einsum", "2", "1"]),
    ("outer-n-vs-m", lambda: sd.outer(vn, vm) + sd.outer(vm, vn), ["add", "'n'", "'m'"]),
    # reshape
    ("reshape", lambda: sd.reshape(A23, (4,)), ["reshape", "(2, 3)", "(4,)"]),
    ("reshape-method", lambda: A23.reshape((4, 2)), ["reshape", "(2, 3)", "(4, 2)"]),
    ("reshape-infer", lambda: A23.reshape((5, -1)), ["reshape", "(2, 3)", "(5, -1)"]),
    ("reshape-two-unknown", lambda: A23.reshape((-1, -1)), ["reshape", "(-1, -1)"]),
    # bad axes
    ("sum-axis", lambda: sd.sum(A23, axis=2), ["sum", "axis 2", "2"]),
    ("sum-axis-neg", lambda: sd.sum(A23, axis=-3), ["sum", "-3"]),
    ("sum-axis-repeated", lambda: sd.sum(A23, axis=(0, 0)), ["sum", "repeated"]),
    ("sum-axis-repeated-neg", lambda: sd.sum(A23, axis=(0, -2)), ["sum", "repeated"]),
    ("sum-method-axis", lambda: A23.sum(axis=3), ["sum", "3"]),
    ("mean-axis", lambda: sd.mean(A23, axis=5), ["mean", "5"]),
    ("mean-axis-repeated", lambda: sd.mean(A23, axis=(1, 1)), ["mean", "repeated"]),
    ("max-axis", lambda: sd.max(A23, axis=2), ["max", "2"]),
    ("min-axis", lambda: sd.min(x3, axis=1), ["min", "1"]),
    ("prod-axis", lambda: sd.prod(A23, axis=2), ["prod", "2"]),
    ("logsumexp-axis", lambda: sd.logsumexp(A23, axis=3), ["logsumexp", "3"]),
    ("softmax-axis", lambda: sd.softmax(A23, axis=2), ["softmax", "2"]),
    ("log_softmax-axis", lambda: sd.log_softmax(x3, axis=1), ["log_softmax", "1"]),
    ("concatenate-axis", lambda: sd.concatenate([A23, B23], axis=2), ["concatenate", "2"]),
    ("stack-axis", lambda: sd.stack([A23, B23], axis=4), ["stack", "4"]),
    ("expand_dims-axis", lambda: sd.expand_dims(x3, axis=3), ["expand_dims", "3"]),
    ("squeeze-axis", lambda: sd.squeeze(A23, axis=5), ["squeeze", "5"]),
    ("squeeze-non-1", lambda: sd.squeeze(A23, axis=0), ["squeeze", "(2, 3)"]),
    ("squeeze-symbolic", lambda: sd.squeeze(vn, axis=0), ["squeeze", "n"]),
    ("take-axis", lambda: sd.take(A23, [0], axis=3), ["take", "3"]),
    ("take_along_axis-axis",
     lambda: sd.take_along_axis(A23, sd.constant(np.zeros((2, 3), dtype=np.int64)), axis=3),
     ["take_along_axis", "3"]),
    # concatenate / stack shapes
    ("concatenate-shapes", lambda: sd.concatenate([A23, C33], axis=1),
     ["concatenate", "(2, 3)", "(3, 3)"]),
    ("concatenate-ndim", lambda: sd.concatenate([x3, A23]), ["concatenate", "(3,)", "(2, 3)"]),
    ("concatenate-0d", lambda: sd.concatenate([sd.scalar("s1"), sd.scalar("s2")]),
     ["concatenate", "zero-dimensional"]),
    ("stack-shapes", lambda: sd.stack([x3, y4]), ["stack", "(3,)", "(4,)"]),
    ("stack-symbolic", lambda: sd.stack([vn, x3]), ["stack", "'n'", "(3,)"]),
    # transpose / broadcast_to
    ("transpose-repeated", lambda: sd.transpose(A23, (0, 0)), ["transpose", "(0, 0)"]),
    ("transpose-length", lambda: sd.transpose(A23, (0, 1, 2)), ["transpose", "(0, 1, 2)", "(2, 3)"]),
    ("broadcast_to", lambda: sd.broadcast_to(x3, (4,)), ["broadcast_to", "(3,)", "(4,)"]),
    ("broadcast_to-fewer", lambda: sd.broadcast_to(A23, (3,)), ["broadcast_to", "(2, 3)", "(3,)"]),
    ("broadcast_to-symbolic", lambda: sd.broadcast_to(x3, ("n",)), ["broadcast_to", "(3,)", "'n'"]),
    # take / take_along_axis
    ("take-float-indices", lambda: sd.take(x3, IDX_F), ["take", "float64"]),
    ("take-float-list", lambda: sd.take(x3, [0.5]), ["take", "float64"]),
    ("take-bool-indices", lambda: sd.take(x3, sd.constant(np.array([True, False]))), ["take", "bool"]),
    ("index-float-node", lambda: x3[sd.scalar("fi")], ["take", "float64"]),
    ("take_along_axis-ndim",
     lambda: sd.take_along_axis(A23, sd.constant(np.array([0, 1])), axis=1),
     ["take_along_axis", "(2,)", "(2, 3)"]),
    ("take_along_axis-float",
     lambda: sd.take_along_axis(A23, sd.constant(np.zeros((2, 3))), axis=1),
     ["take_along_axis", "float64"]),
    # reductions without an identity over a zero-size axis
    ("max-zero-size", lambda: sd.max(Z03, axis=0), ["max", "(0, 3)"]),
    ("min-zero-size", lambda: sd.min(Z03), ["min", "(0, 3)"]),
    # dtype mistakes
    ("subtract-bool", lambda: b3 - b3, ["subtract", "bool"]),
    ("negative-bool", lambda: -b3, ["negative", "bool"]),
    ("negative-bool-fn", lambda: sd.negative(b3), ["negative", "bool"]),
]


@pytest.mark.parametrize("build, parts", [c[1:] for c in SHAPE_ERRORS], ids=[c[0] for c in SHAPE_ERRORS])
def test_build_time_shape_error(build, parts):
    with pytest.raises(sd.ShapeError) as info:
        build()
    assert isinstance(info.value, ValueError)
    assert_message_names(info.value, *parts)
    assert_still_builds()


def test_shape_error_is_a_value_error():
    assert issubclass(sd.ShapeError, ValueError)
    with pytest.raises(ValueError):
        x3 + y4


def test_building_continues_after_a_shape_error_with_the_same_symbols():
    x = sd.vector("x", 3)
    y = sd.vector("y", 4)
    before = sd.outer(x, y)
    with pytest.raises(sd.ShapeError):
        x * y
    with pytest.raises(sd.ShapeError):
        sd.concatenate([sd.expand_dims(x, 0), sd.expand_dims(y, 0)], axis=0)
    # the failed builds left nothing behind: the same graph is rebuilt identically
    after = sd.outer(x, y)
    assert after is before
    assert sd.count_nodes(after) == 1
    xv, yv = np.arange(3.0), np.arange(4.0) - 1.5
    got = sd.function([x, y], [after, sd.sum(x) * y], backend="numpy")(xv, yv)
    np.testing.assert_allclose(got[0], np.outer(xv, yv))
    np.testing.assert_allclose(got[1], np.sum(xv) * yv)


# ---- indexing: IndexError and ShapeError at once ---------------------------------

INDEX_ERRORS = [
    ("out-of-range", lambda: x3[5], ["5", "3"]),
    ("negative-out-of-range", lambda: x3[-4], ["-4", "3"]),
    ("matrix-second-axis", lambda: A23[0, 3], ["3", "axis 1"]),
    ("too-many", lambda: x3[0, 0], ["too many indices", "(3,)"]),
    ("scalar", lambda: sd.scalar("si0")[0], ["too many indices", "()"]),
]


@pytest.mark.parametrize("build, parts", [c[1:] for c in INDEX_ERRORS], ids=[c[0] for c in INDEX_ERRORS])
def test_index_errors_are_index_and_shape_errors(build, parts):
    with pytest.raises(IndexError) as info:
        build()
    assert isinstance(info.value, sd.ShapeError)
    assert_message_names(info.value, *parts)
    assert_still_builds()


def test_bad_index_types_are_type_errors_naming_the_index():
    with pytest.raises(TypeError, match=r"1\.5"):
        x3[1.5]
    with pytest.raises(TypeError, match="'a'"):
        x3["a"]
    with pytest.raises(ValueError, match="step"):
        x3[::0]
    with pytest.raises(IndexError, match="ellipsis"):
        A23[..., ...]


def test_symbolic_index_out_of_range_fails_at_call_time_and_function_survives():
    v = sd.vector("v", "n")
    fn = sd.function([v], v[2], backend="numpy")
    with pytest.raises(IndexError):
        fn(np.ones(2))
    assert fn(np.array([1.0, 2.0, 7.0])) == 7.0


# ---- dtypes ------------------------------------------------------------------------


def test_where_converts_a_non_bool_condition_with_not_equal_zero():
    c = sd.vector("c", 4)
    ci = sd.vector("ci", 4, dtype="int64")
    cv = np.array([0.0, 0.5, -0.0, np.nan])
    civ = np.array([0, 2, -1, 0])
    got_f, got_i = sd.evaluate([sd.where(c, 1.0, 2.0), sd.where(ci, c, -c)], {c: cv, ci: civ})
    np.testing.assert_array_equal(got_f, np.where(cv != 0, 1.0, 2.0))
    np.testing.assert_array_equal(got_i, np.where(civ != 0, cv, -cv))


def test_bool_minus_number_promotes_like_numpy():
    """NumPy forbids only bool - bool and -bool; bool - 1 is int64, bool - 1.5 float64."""
    b = sd.vector("b", 2, dtype="bool")
    bv = np.array([True, False])
    for build, ref in [
        (lambda: b - 1, bv - 1),
        (lambda: 1 - b, 1 - bv),
        (lambda: b - 1.5, bv - 1.5),
        (lambda: sd.subtract(b, sd.constant(np.array([1, 1]))), bv - np.array([1, 1])),
    ]:
        node = build()
        assert node.dtype == ref.dtype
        np.testing.assert_array_equal(sd.evaluate(node, {b: bv}), ref)


@pytest.mark.parametrize("value, dtype_name", [
    (np.array([1 + 2j]), "complex128"),
    (np.array([1 + 2j], dtype=np.complex64), "complex64"),
    (np.array(["abc"]), "<U3"),
    (1j, "complex"),
])
def test_unsupported_constant_dtypes_are_type_errors(value, dtype_name):
    with pytest.raises(TypeError) as info:
        sd.constant(value)
    assert_message_names(info.value, dtype_name, "float64")
    # and as an operand of an operator
    with pytest.raises(TypeError):
        x3 + value
    assert_still_builds()


@pytest.mark.parametrize("dtype", ["float16", "complex128", "int32", "uint8", "object"])
def test_unsupported_symbol_dtypes_are_type_errors(dtype):
    with pytest.raises(TypeError) as info:
        sd.vector("q", 3, dtype=dtype)
    assert_message_names(info.value, "unsupported dtype", "float64")


def test_non_numeric_operand_is_a_type_error():
    with pytest.raises(TypeError, match="object"):
        x3 + object()
    with pytest.raises(TypeError, match="not a dtype"):
        sd.vector("q", 3, dtype="not-a-dtype")


def test_float16_and_small_int_constants_widen_losslessly():
    """The library's choice for narrower NumPy dtypes: widened, never truncated."""
    h = np.array([0.1, 65504.0], dtype=np.float16)
    c = sd.constant(h)
    assert c.dtype == np.float32
    np.testing.assert_array_equal(sd.evaluate(c, {}), h.astype(np.float32))
    for arr in (np.array([-3, 7], dtype=np.int32), np.array([255, 0], dtype=np.uint8)):
        c = sd.constant(arr)
        assert c.dtype == np.int64
        np.testing.assert_array_equal(sd.evaluate(c, {}), arr.astype(np.int64))


def test_uint64_beyond_int64_is_rejected_not_wrapped():
    big = np.array([2 ** 64 - 1], dtype=np.uint64)
    try:
        c = sd.constant(big)
    except (TypeError, ValueError, OverflowError) as e:
        assert "uint64" in str(e) or str(2 ** 64 - 1) in str(e), str(e)
    else:
        got = sd.evaluate(c, {})
        assert got[0] == 2 ** 64 - 1, f"uint64 {2 ** 64 - 1} became {got[0]!r} ({got.dtype})"


def test_python_int_too_large_for_int64_names_the_number():
    i = sd.vector("i", 2, dtype="int64")
    with pytest.raises(sd.ShapeError) as info:
        i + 2 ** 70
    assert_message_names(info.value, str(2 ** 70))
    assert_still_builds()


def test_symbol_construction_errors_name_the_symbol():
    with pytest.raises(ValueError, match="'v'.*-1"):
        sd.vector("v", -1)
    with pytest.raises(TypeError, match=r"'v'.*2\.5"):
        sd.vector("v", 2.5)
    with pytest.raises(ValueError, match="'M'.*2 dimensions"):
        sd.matrix("M", (2,))
    with pytest.raises(TypeError, match="name"):
        sd.vector(3, 3)
    with pytest.raises(ValueError, match="'n m'"):
        sd.vector("v", "n m")
    with pytest.raises(ValueError, match="concatenate"):
        sd.concatenate([])
    with pytest.raises(ValueError, match="stack"):
        sd.stack([])
    with pytest.raises(ValueError, match="eye.*-1"):
        sd.eye(-1)


# ---------------------------------------------------------------------------
# call time
# ---------------------------------------------------------------------------


@pytest.fixture
def fn3():
    x = sd.vector("x", 3)
    k = sd.vector("k", 3, dtype="int64")
    f = sd.vector("f", 3, dtype="float32")
    fn = sd.function([x, k, f], [x * 2.0, k + 1, f * 2.0], backend="numpy")
    return fn


GOOD = (np.array([1.0, 2.0, 3.0]), np.array([1, 2, 3]), np.array([0.5, 1.5, 2.5], dtype=np.float32))


def assert_fn3_works(fn):
    a, b, c = fn(*GOOD)
    np.testing.assert_array_equal(a, GOOD[0] * 2)
    np.testing.assert_array_equal(b, GOOD[1] + 1)
    assert b.dtype == np.int64
    np.testing.assert_array_equal(c, GOOD[2] * 2)
    assert c.dtype == np.float32


@pytest.mark.parametrize("args", [(), GOOD[:1], GOOD[:2], GOOD + (1.0,)], ids=["0", "1", "2", "4"])
def test_wrong_argument_count_is_a_type_error_naming_the_count(fn3, args):
    with pytest.raises(TypeError) as info:
        fn3(*args)
    assert_message_names(info.value, "3", str(len(args)))
    assert_fn3_works(fn3)


@pytest.mark.parametrize("pos, value, name, parts", [
    (0, np.ones(4), "x", ["(3,)", "(4,)"]),
    (0, np.ones((3, 1)), "x", ["(3,)", "(3, 1)"]),
    (0, 1.0, "x", ["(3,)", "()"]),
    (1, np.ones((1, 3), dtype=np.int64), "k", ["(3,)", "(1, 3)"]),
    (2, np.ones(2, dtype=np.float32), "f", ["(3,)", "(2,)"]),
], ids=["len", "ndim", "scalar-for-vector", "int-ndim", "f32-len"])
def test_wrong_shape_is_a_value_error_naming_the_input(fn3, pos, value, name, parts):
    args = list(GOOD)
    args[pos] = value
    with pytest.raises(ValueError) as info:
        fn3(*args)
    assert_message_names(info.value, f"'{name}'", *parts)
    assert_fn3_works(fn3)


@pytest.mark.parametrize("pos, value, name, parts", [
    (1, np.ones(3), "k", ["int64", "float64"]),
    (1, np.ones(3, dtype=np.float32), "k", ["int64", "float32"]),
    (2, np.ones(3), "f", ["float32", "float64"]),
    (2, np.ones(3, dtype=np.int64), "f", ["float32", "int64"]),
    (0, np.ones(3) + 1j, "x", ["float64", "complex128"]),
    (0, np.array(["a", "b", "c"]), "x", ["float64"]),
], ids=["float-into-int", "f32-into-int", "f64-into-f32", "i64-into-f32", "complex", "str"])
def test_wrong_dtype_is_a_value_error_naming_the_input(fn3, pos, value, name, parts):
    args = list(GOOD)
    args[pos] = value
    with pytest.raises(ValueError) as info:
        fn3(*args)
    assert_message_names(info.value, f"'{name}'", *parts)
    assert_fn3_works(fn3)


def test_safe_casts_and_python_numbers_are_accepted(fn3):
    # int -> float64, bool -> float64, int16 -> float32, int32 -> int64, lists of ints
    a, b, c = fn3(np.array([1, 2, 3]), np.array([1, 2, 3], dtype=np.int32),
                  np.array([1, 2, 3], dtype=np.int16))
    np.testing.assert_array_equal(a, [2.0, 4.0, 6.0])
    assert a.dtype == np.float64 and b.dtype == np.int64 and c.dtype == np.float32
    a, b, c = fn3([True, False, True], [1, 2, 3], np.array([1.0, 2.0, 3.0], dtype=np.float32))
    np.testing.assert_array_equal(a, [2.0, 0.0, 2.0])
    np.testing.assert_array_equal(b, [2, 3, 4])

    s = sd.scalar("s")
    si = sd.scalar("si", dtype="int64")
    sb = sd.scalar("sb", dtype="bool")
    s32 = sd.scalar("s32", dtype="float32")
    g = sd.function([s, si, sb, s32], [s + 1, si + 1, sb, s32 + 1], backend="numpy")
    r = g(1, 2, True, 3.5)       # Python numbers are weakly typed
    assert [float(v) for v in r] == [2.0, 3.0, 1.0, 4.5]
    assert r[3].dtype == np.float32 and r[1].dtype == np.int64
    r = g(True, np.int32(2), np.bool_(False), np.float32(0.5))
    assert [float(v) for v in r] == [2.0, 3.0, 0.0, 1.5]


@pytest.mark.parametrize("pos, value, name", [
    (1, 2.5, "si"), (1, 2.0, "si"), (2, 1, "sb"), (3, np.float64(0.5), "s32"),
    (1, 2 ** 70, "si"),
], ids=["float-into-int", "integral-float-into-int", "int-into-bool", "np-f64-into-f32", "huge-int"])
def test_unsafe_python_numbers_are_value_errors_naming_the_input(pos, value, name):
    s = sd.scalar("s")
    si = sd.scalar("si", dtype="int64")
    sb = sd.scalar("sb", dtype="bool")
    s32 = sd.scalar("s32", dtype="float32")
    g = sd.function([s, si, sb, s32], [s + 1, si + 1, sb, s32 + 1], backend="numpy")
    args = [1.0, 2, True, 3.0]
    args[pos] = value
    with pytest.raises(ValueError) as info:
        g(*args)
    assert_message_names(info.value, f"'{name}'")
    assert [float(v) for v in g(1.0, 2, True, 3.0)] == [2.0, 3.0, 1.0, 4.0]


def test_disagreeing_symbolic_dims_name_the_input_and_the_dimension():
    a = sd.vector("a", "n")
    b = sd.vector("b", "n")
    c = sd.matrix("c", ("n", "m"))
    fn = sd.function([a, b, c], [a + b, sd.sum(c, axis=1) * a], backend="numpy")
    with pytest.raises(ValueError) as info:
        fn(np.ones(2), np.ones(3), np.ones((2, 5)))
    assert_message_names(info.value, "'b'", "'n'", "3", "2")
    with pytest.raises(ValueError) as info:
        fn(np.ones(2), np.ones(2), np.ones((4, 5)))
    assert_message_names(info.value, "'c'", "'n'", "4")
    # the same function then serves two different sizes
    for n, m in [(2, 5), (4, 1)]:
        av, bv, cv = np.arange(n) + 1.0, np.ones(n), np.arange(n * m, dtype=float).reshape(n, m)
        s, t = fn(av, bv, cv)
        np.testing.assert_allclose(s, av + bv)
        np.testing.assert_allclose(t, cv.sum(axis=1) * av)


def test_evaluate_checks_values_like_function():
    a = sd.vector("a", "n")
    b = sd.vector("b", "n")
    with pytest.raises(ValueError, match="'b'"):
        sd.evaluate(a + b, {a: np.ones(2)})
    with pytest.raises(ValueError, match="'b'.*'n'"):
        sd.evaluate(a + b, {a: np.ones(2), b: np.ones(3)})
    np.testing.assert_array_equal(sd.evaluate(a + b, {a: np.ones(2), b: np.ones(2)}), [2.0, 2.0])


def test_output_depending_on_an_unlisted_input_fails_at_function_build():
    a = sd.vector("a", "n")
    b = sd.vector("b", "n")
    c = sd.matrix("c", (2, 2))
    with pytest.raises(ValueError) as info:
        sd.function([a], [a + b], backend="numpy")
    assert_message_names(info.value, "'b'")
    with pytest.raises(ValueError) as info:
        sd.function([], sd.sum(c), backend="numpy")
    assert_message_names(info.value, "'c'")
    # an unlisted input reached only through a gradient
    with pytest.raises(ValueError, match="'b'"):
        sd.function([a], sd.grad(sd.sum(a * b), a), backend="numpy")
    fn = sd.function([a, b], [a + b], backend="numpy")
    np.testing.assert_array_equal(fn(np.ones(2), np.ones(2))[0], [2.0, 2.0])


def test_bad_function_inputs():
    a = sd.vector("a", 3)
    with pytest.raises(ValueError, match="twice"):
        sd.function([a, a], a, backend="numpy")
    with pytest.raises(TypeError, match="input symbols"):
        sd.function([a * 2.0], a, backend="numpy")


# ---------------------------------------------------------------------------
# differentiation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("make, shape", [
    (lambda x: x * 2.0, (3,)),
    (lambda x: sd.outer(x, x), (3, 3)),
    (lambda x: sd.sum(sd.outer(x, x), axis=0, keepdims=True), (1, 3)),
], ids=["vector", "matrix", "keepdims"])
def test_grad_of_non_scalar_cost_names_grad_and_the_shape(make, shape):
    x = sd.vector("x", 3)
    with pytest.raises(sd.ShapeError) as info:
        sd.grad(make(x), x)
    assert_message_names(info.value, "grad", _shape_str(shape))
    for fn in (lambda c: sd.hessian(c, x), lambda c: sd.hvp(c, x, np.ones(3))):
        with pytest.raises(sd.ShapeError) as info:
            fn(make(x))
        assert_message_names(info.value, _shape_str(shape))
    assert_still_builds()


def test_grad_of_non_scalar_symbolic_cost():
    z = sd.vector("z", "n")
    with pytest.raises(sd.ShapeError) as info:
        sd.grad(z * 2.0, z)
    assert_message_names(info.value, "grad", "('n',)")


def test_grad_with_respect_to_int_or_bool_is_a_type_error():
    x = sd.vector("x", 3)
    i = sd.vector("i", 3, dtype="int64")
    b = sd.vector("b", 3, dtype="bool")
    cost = sd.sum(sd.where(b, x * i, x))
    for wrt, dt in [(i, "int64"), (b, "bool"), ([x, i], "int64"), (sd.sum(i), "int64")]:
        with pytest.raises(TypeError) as info:
            sd.grad(cost, wrt)
        assert_message_names(info.value, dt)
    with pytest.raises(TypeError, match="int64"):
        sd.jacobian(i * 2, i)
    with pytest.raises(TypeError, match="int64"):
        sd.jvp(x * i, i, np.ones(3))
    with pytest.raises(TypeError, match="bool"):
        sd.hessian(cost, b)
    with pytest.raises(TypeError):
        sd.grad(cost, 3.0)
    with pytest.raises(TypeError):
        sd.grad(cost, "x")
    # the same cost still differentiates by x
    xv, iv, bv = np.array([1.0, 2.0, 3.0]), np.array([2, 3, 4]), np.array([True, False, True])
    np.testing.assert_allclose(sd.evaluate(sd.grad(cost, x), {x: xv, i: iv, b: bv}),
                               np.where(bv, iv, 1.0))


THROUGH_INT = {
    "grad-vector": lambda x, s: sd.grad(sd.sum(x * sd.astype(sd.sum(x > 0), "float64")), x),
    "grad-vector-implicit": lambda x, s: sd.grad(sd.sum(x * sd.sum(x > 0)), x),
    "grad-scalar": lambda x, s: sd.grad(sd.astype(s > 0, "float64") * s, s),
    "grad-scalar-bool-times": lambda x, s: sd.grad((s > 0) * s, s),
    "jvp": lambda x, s: sd.jvp(x * sd.sum(x > 0), x, np.ones(3)),
    "vjp": lambda x, s: sd.vjp(x * sd.sum(x > 0), x, np.ones(3)),
    "jacobian": lambda x, s: sd.jacobian(x * sd.sum(x > 0), x),
    "hessian": lambda x, s: sd.hessian(sd.sum(x * sd.sum(x > 0)), x),
    "hvp": lambda x, s: sd.hvp(sd.sum(x * sd.sum(x > 0)), x, np.ones(3)),
}


@pytest.mark.parametrize("name", list(THROUGH_INT))
def test_differentiating_through_an_int_node_that_depends_on_the_variable(name):
    x = sd.vector("x", 3)
    s = sd.scalar("s")
    with pytest.raises(TypeError) as info:
        THROUGH_INT[name](x, s)
    assert re.search(r"int64|bool", str(info.value)), str(info.value)
    assert_still_builds()


INT_OUTPUT = {
    "grad-int-cost": lambda x, s: sd.grad(sd.sum(x > 0), x),
    "grad-bool-cost-vector": lambda x, s: sd.grad(sd.sum(x) > 0, x),
    "grad-bool-cost-scalar": lambda x, s: sd.grad(s > 0, s),
    "grad-equal-scalar": lambda x, s: sd.grad(sd.equal(s, 1.0), s),
    "vjp-bool": lambda x, s: sd.vjp(x > 0, x, np.ones(3)),
    "jvp-bool": lambda x, s: sd.jvp(x > 0, x, np.ones(3)),
    "jacobian-bool": lambda x, s: sd.jacobian(x > 0, x),
    "jacobian-int": lambda x, s: sd.jacobian(sd.sum(x > 0), x),
}


@pytest.mark.parametrize("name", list(INT_OUTPUT))
def test_differentiating_an_int_or_bool_output_that_depends_on_the_variable(name):
    """The derivative would flow through the int/bool output node itself: TypeError
    in every mode (reverse mode does this; forward mode must agree)."""
    x = sd.vector("x", 3)
    s = sd.scalar("s")
    with pytest.raises(TypeError) as info:
        INT_OUTPUT[name](x, s)
    assert re.search(r"int64|bool", str(info.value)), str(info.value)


def test_where_condition_computed_from_the_variable_is_not_an_error():
    x = sd.vector("x", 3)
    g = sd.grad(sd.sum(sd.where(x > 0, x * x, -x)), x)
    xv = np.array([-1.0, 0.5, 2.0])
    np.testing.assert_allclose(sd.evaluate(g, {x: xv}), np.where(xv > 0, 2 * xv, -1.0))


def test_int_cost_that_does_not_depend_on_wrt_gives_zeros():
    x = sd.vector("x", 3)
    i = sd.vector("i", 3, dtype="int64")
    g = sd.grad(sd.sum(i) + sd.sum(x) * 0.0, x)
    np.testing.assert_array_equal(sd.evaluate(g, {x: np.ones(3), i: np.ones(3, dtype=int)}), 0.0)


@pytest.mark.parametrize("op, make, parts", [
    pytest.param(*p, id=p[0]) for p in [
    ("jvp", lambda x, A: sd.jvp(x * 2.0, x, sd.vector("v", 4)), ["jvp", "(4,)", "(3,)"]),
    ("jvp-array", lambda x, A: sd.jvp(x * 2.0, x, np.ones(4)), ["jvp", "(4,)", "(3,)"]),
    ("jvp-matrix", lambda x, A: sd.jvp(A @ x, x, np.ones((3, 1))), ["jvp", "(3, 1)", "(3,)"]),
    ("vjp", lambda x, A: sd.vjp(x * 2.0, x, sd.vector("u", 4)), ["vjp", "(4,)", "(3,)"]),
    ("vjp-output-shape", lambda x, A: sd.vjp(A @ x, x, np.ones(3)), ["vjp", "(3,)", "(2,)"]),
    ("hvp", lambda x, A: sd.hvp(sd.sum(x ** 2), x, np.ones(2)), ["hvp", "(2,)", "(3,)"]),
]])
def test_direction_with_the_wrong_shape(op, make, parts):
    x = sd.vector("x", 3)
    A = sd.matrix("A", (2, 3))
    with pytest.raises(sd.ShapeError) as info:
        make(x, A)
    assert_message_names(info.value, *parts)
    assert_still_builds()


def test_check_grad_fails_at_a_kink_naming_the_entry_and_passes_elsewhere():
    x = sd.vector("x", 4)
    cost = sd.sum(sd.abs(x))
    with pytest.raises(AssertionError) as info:
        sd.check_grad(cost, x, {x: np.array([0.7, -1.2, 0.0, 2.0])})
    assert_message_names(info.value, "'x'", "(2,)")
    # relu'(0) = 0 against a central difference of 0.5
    with pytest.raises(AssertionError, match=r"'x'.*\(1,\)"):
        sd.check_grad(sd.sum(sd.relu(x)), x, {x: np.array([0.7, 0.0, -1.0, 2.0])})
    # the same cost checks fine away from the kink
    sd.check_grad(cost, x, {x: np.array([0.7, -1.2, 0.3, 2.0])})


def test_check_grad_argument_errors():
    x = sd.vector("x", 3)
    with pytest.raises(ValueError, match="'x'"):
        sd.check_grad(sd.sum(x * x), x, {})
    with pytest.raises(sd.ShapeError, match=r"\(3,\)"):
        sd.check_grad(x * x, x, {x: np.ones(3)})


# ---------------------------------------------------------------------------
# nodes
# ---------------------------------------------------------------------------


def test_nodes_have_no_truth_value():
    x = sd.vector("x", 3)
    s = sd.scalar("s")
    with pytest.raises(TypeError, match="truth value"):
        bool(x)
    with pytest.raises(TypeError, match="truth value"):
        bool(s > 0)
    with pytest.raises(TypeError):
        if s:
            pass
    with pytest.raises(TypeError):
        _ = s > 0 and s < 1
    with pytest.raises(TypeError):
        _ = 0 < s < 1  # chained comparison calls bool()
    with pytest.raises(TypeError):
        float(s)
    with pytest.raises(TypeError):
        int(sd.scalar("k", dtype="int64"))


def test_nodes_iterate_only_over_a_fixed_leading_axis():
    """``for row in x`` gives ``x[0], x[1], ...`` when the leading length is known; otherwise a TypeError."""
    x = sd.vector("x", 3)
    _a, _b, c = x
    assert c is x[2] and len(x) == 3
    for y, what in ((sd.scalar("s"), "0-d node"), (sd.vector("v", "n"), "symbolic length 'n'")):
        with pytest.raises(TypeError, match=what):
            iter(y)
        with pytest.raises(TypeError, match=what):
            list(y)
        with pytest.raises(TypeError, match=what):
            len(y)
    with pytest.raises(TypeError, match="identity"):
        _ = 1.0 in x


def test_nodes_are_immutable():
    x = sd.vector("x", 3)
    y = sd.sin(x)
    name = y.name
    for attr, value in [("shape", (4,)), ("dtype", np.dtype("int64")), ("name", "z"), ("extra", 1)]:
        with pytest.raises(AttributeError):
            setattr(y, attr, value)
    with pytest.raises(TypeError):
        y[0] = 1.0
    with pytest.raises((AttributeError, TypeError)):
        del y.name
    z = y
    z += 1.0           # rebinds z; y is untouched
    assert z is not y
    assert y.shape == (3,) and y.dtype == np.float64 and y.name == name
    np.testing.assert_allclose(sd.evaluate(y, {x: np.zeros(3)}), 0.0)
    assert sd.sin(x) is y


def test_copying_an_immutable_node_gives_a_usable_node():
    """Like a tuple: copy/deepcopy of an immutable node work and keep the symbols."""
    x = sd.vector("x", 3)
    y = sd.sin(x) * 2.0
    for c in (copy.copy(y), copy.deepcopy(y), copy.deepcopy([y, x])[0]):
        assert c.shape == y.shape and c.dtype == y.dtype
        np.testing.assert_allclose(sd.evaluate(c, {x: np.ones(3)}), 2 * np.sin(np.ones(3)))


# ---------------------------------------------------------------------------
# no RecursionError: a 5,000-deep chain (five times Python's recursion limit: any recursive pass fails)
# ---------------------------------------------------------------------------

DEPTH = 5_000
assert DEPTH >= 5 * sys.getrecursionlimit()


def _chain(x):
    y = x
    for k in range(DEPTH):
        y = y + sd.tanh(y) * 0.001 if k % 50 == 0 else sd.sin(y)
    return y


def _chain_ref(xv):
    y = xv
    for k in range(DEPTH):
        y = y + np.tanh(y) * 0.001 if k % 50 == 0 else np.sin(y)
    return y


def test_deep_chain_differentiated_printed_compiled_without_recursion_error():
    x = sd.vector("x", 2)
    y = _chain(x)
    cost = sd.sum(y)
    g = sd.grad(cost, x)                      # reverse mode
    text = sd.debugprint(g)
    assert text.count("sin") >= DEPTH
    assert sd.to_dot(g).startswith("digraph")
    assert sd.count_nodes(y) == DEPTH + 2 * (DEPTH // 50)
    xv = np.array([0.3, -1.1])
    fn = sd.function([x], [y, g], backend="numpy")
    val, gv = fn(xv)
    np.testing.assert_allclose(val, _chain_ref(xv), rtol=1e-10)
    eps = 1e-6
    fd = (_chain_ref(xv + eps) - _chain_ref(xv - eps)) / (2 * eps)
    np.testing.assert_allclose(gv, fd, rtol=1e-4)
    assert isinstance(fn.source, str)
    assert sd.simplify(y) is not None


def test_deep_chain_forward_mode_and_copy_without_recursion_error():
    s = sd.scalar("s")
    y = _chain(s)
    d = sd.grad(y, s)                          # forward mode for a scalar variable
    t = sd.jvp(y, s, 1.0)
    v, dv, tv = sd.evaluate([y, d, t], {s: 0.3})
    np.testing.assert_allclose(v, _chain_ref(0.3), rtol=1e-10)
    np.testing.assert_allclose(dv, tv, rtol=1e-12)
    fd = (_chain_ref(0.3 + 1e-6) - _chain_ref(0.3 - 1e-6)) / 2e-6
    np.testing.assert_allclose(dv, fd, rtol=1e-4)
    assert len(sd.debugprint(d)) > 0
    assert hash(y) == hash(y) and y == y


def test_deep_chain_copy_and_deepcopy_without_recursion_error():
    s = sd.scalar("s")
    y = s
    for _ in range(DEPTH):
        y = sd.sin(y)
    for c in (copy.copy(y), copy.deepcopy(y)):
        assert c.shape == ()
        assert sd.count_nodes(c) == DEPTH
