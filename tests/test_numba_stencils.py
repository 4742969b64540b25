"""Stencils on the Numba backend: shifted slices, pads, concatenations and their adjoints.

Their adjoints are piecewise reads whose inputs stay virtual, nests over
domains that differ by constants are merged, and loops are split so the common
range runs without guards. All of that must give the reference interpreter's
answer at every size, the edge sizes (0, 1, 2 entries) above all.
"""

from __future__ import annotations

import numpy as np
import pytest

import symdiff as sd

pytestmark = [pytest.mark.numba, pytest.mark.usefixtures("isolated_cache_dir")]


def _check(ins, outs, shapes_list, seed=0, rtol=1e-11):
    fn = sd.function(ins, outs, backend="numba")
    ref = sd.function(ins, outs, backend="numpy")
    rng = np.random.default_rng(seed)
    for shapes in shapes_list:
        vals = [rng.uniform(-1.5, 1.5, s) for s in shapes]
        got, want = fn(*vals), ref(*vals)
        for a, b in zip(got, want):
            assert a.shape == b.shape and a.dtype == b.dtype, shapes
            np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-11, err_msg=f"shapes {shapes}")
    return fn


def _kernel(fn) -> str:
    return fn.source.split("# ---- call path")[0]


def _rosenbrock(x):
    return sd.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def test_rosenbrock_value_gradient_hvp_hessian_at_every_small_size():
    x, v = sd.vector("x", "n"), sd.vector("v", "n")
    f = _rosenbrock(x)
    outs = [f, sd.grad(f, x), sd.hvp(f, x, v), sd.hessian(f, x)]
    _check([x, v], outs, [((n,), (n,)) for n in (1, 2, 3, 4, 5, 17, 40)])


def test_rosenbrock_gradient_is_one_pass_without_temporaries():
    x = sd.vector("x", "n")
    f = _rosenbrock(x)
    fn = _check([x], [f, sd.grad(f, x)], [((n,),) for n in (1, 2, 6)])
    src = _kernel(fn)
    assert src.count("--- loop nest") == 1          # value and gradient in one pass
    assert src.count("from the caller") == 1        # the gradient's own buffer, no temporaries
    assert "guards resolved" in src                 # the common range runs without tests


def test_second_differences_and_fixed_size():
    for n in ("n", 9):
        x = sd.vector("x", n)
        d = x[2:] - 2.0 * x[1:-1] + x[:-2]
        f = sd.sum(sd.exp(0.3 * d) * sd.cos(x[1:-1])) + sd.sum(x[2:] * x[:-2])
        sizes = [(2,), (3,), (4,), (7,)] if n == "n" else [(9,)]
        _check([x], [f, sd.grad(f, x), d * 2.0, x[1:] * 3.0], [(s,) for s in sizes])


def test_laplacian_stencil_in_two_dimensions():
    U = sd.matrix("U", ("m", "n"))
    lap = U[2:, 1:-1] + U[:-2, 1:-1] + U[1:-1, 2:] + U[1:-1, :-2] - 4.0 * U[1:-1, 1:-1]
    f = sd.sum(lap ** 2) + sd.sum(sd.sin(U[:, 1:] - U[:, :-1]))
    _check([U], [f, sd.grad(f, U), lap], [((m, n),) for m, n in [(2, 2), (3, 3), (4, 6), (7, 3), (2, 9)]])


def test_pads_concatenations_and_reversals():
    x, z = sd.vector("x", "n"), sd.vector("z", "2*n + 3")
    y = sd.concatenate([x, sd.sin(x[::-1]), x[:3]])
    f = sd.sum(y * z) + sd.sum(sd.exp(x[::-1]) * x)
    _check([x, z], [f, sd.grad(f, x), sd.grad(f, z), y], [((n,), (2 * n + 3,)) for n in (3, 4, 8)])


def test_concatenation_of_two_symbolic_sizes_including_empty_parts():
    x, y = sd.vector("x", "n"), sd.vector("y", "m")
    w = sd.vector("w", "m + n")
    c = sd.concatenate([sd.tanh(x), y * 2.0])
    f = sd.sum(c * w)
    _check([x, y, w], [f, sd.grad(f, x), sd.grad(f, y), c],
           [((n,), (m,), (n + m,)) for n, m in [(0, 3), (3, 0), (2, 5), (6, 1), (1, 1)]])


def test_strided_slices_of_fixed_sizes():
    x = sd.vector("x", 11)
    f = sd.sum(x[::2] ** 2) + sd.sum(x[1::3][:3] * x[::3][:3]) + sd.sum(x[9:3:-2] * sd.sin(x[::4]))
    _check([x], [f, sd.grad(f, x), sd.hessian(f, x)], [((11,),)])


def test_roots_of_different_lengths_share_a_nest():
    x = sd.vector("x", "n")
    a = x[2:] * x[:-2]          # n - 2
    b = x[1:] * x[1:] - 0.5 * x[:-1]  # n - 1 (cheap: recomputed where shifted)
    f = sd.sum(a) + sd.sum(b * b)
    fn = _check([x], [f, sd.grad(f, x)], [((n,),) for n in (2, 3, 4, 9)])
    nests = [ln for ln in _kernel(fn).split("\n") if "--- loop nest" in ln and "over ()" not in ln]
    assert len(nests) == 1, nests   # n - 2, n - 1 and n entries in one pass
    # stored as outputs, a and b are read at shifted indices: a second pass
    _check([x], [f, sd.grad(f, x), a, b], [((n,),) for n in (2, 3, 4, 9)])


def test_stencil_on_float32_keeps_its_dtype():
    x = sd.vector("x", "n", dtype="float32")
    f = _rosenbrock(x)
    fn = sd.function([x], [f, sd.grad(f, x)], backend="numba")
    ref = sd.function([x], [f, sd.grad(f, x)], backend="numpy")
    xv = np.linspace(-1, 1, 9, dtype=np.float32)
    for a, b in zip(fn(xv), ref(xv)):
        assert a.dtype == b.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-4)


# ------------------------------------------------------------ cases an outside review found

def test_concatenations_of_two_sizes_read_back_in_the_other_order():
    # the split ordered n and m as equal and skipped the range between them
    x, y = sd.vector("x", "n"), sd.vector("y", "m")
    f = sd.sum(sd.concatenate([x, y]) * sd.concatenate([y, x]))
    _check([x, y], [f, sd.grad(f, x)], [((n,), (m,)) for n, m in [(3, 2), (2, 3), (0, 4), (4, 0), (3, 3)]])


def test_piece_statements_moved_out_of_their_block_come_before_it():
    a = sd.vector("a", "n")
    _check([a], [sd.stack([sd.exp(a), sd.sin(a)])[1], sd.concatenate([sd.exp(a), a * 2.0])[1:]],
           [((n,),) for n in (1, 3)])
    A, B, c = sd.matrix("A", ("n", "m")), sd.matrix("B", ("k", "m")), sd.vector("c", "m")
    _check([A, B, c], [sd.concatenate([A, B * (c * 2.0 + 1.0)], axis=0)], [((2, 3), (4, 3), (3,))])


def test_a_piece_read_at_a_constant_index_is_only_evaluated_where_it_exists():
    a, b = sd.vector("a", "n"), sd.vector("b", 7)
    y = sd.concatenate([sd.exp(a), b])[5]
    fn = _check([a, b], [y], [((2,), (7,)), ((7,), (7,))])
    src = fn.source
    exp = min(src.index(call) for call in ("v_exp(", "math.exp(", "np.exp(") if call in src)
    assert exp > src.index("if 0 <= 5 < d_0:")  # a[5] is read under its guard only


def test_logsumexp_next_to_a_concatenation_keeps_its_running_maximum():
    x, y = sd.vector("x", 40), sd.vector("y", 3)
    _check([x, y], [sd.concatenate([x, y]), sd.logsumexp(x), sd.max(x) * sd.sum(y)], [((40,), (3,))])


def test_row_sums_over_fewer_rows_than_the_nest_store_only_their_rows():
    X = sd.matrix("X", ("n", "m"))
    _check([X], [sd.sin(X), sd.sum(sd.exp(X[1:, :]), axis=1), sd.max(X[:-1, :], axis=1)],
           [((4, 3),), ((2, 5),), ((1, 2),)])


def test_deeply_nested_concatenations_compile():
    # 30 levels: nested far deeper than the planner's PIECEWISE_DEPTH (8), and code enough for several parts
    x = sd.vector("x", 2)
    y = x
    for k in range(30):
        y = sd.concatenate([y[1:], sd.sin(y[:1]) + float(k)])
    _check([x], [y, sd.grad(sd.sum(y * y), x)], [((2,),)])


# ------------------------------------------------------------ cases an outside fuzzer found

def test_a_keepdims_sum_inside_a_longer_nest_writes_only_its_entries():
    x = sd.vector("x", "n")
    cost = sd.sum(sd.concatenate([x, x[:1]])) + sd.sum(sd.broadcast_to(x, (1, "n")) ** 2)
    _check([x], [cost, sd.grad(cost, x)], [((n,),) for n in (1, 2, 5)])


def test_the_derivative_of_max_finds_the_maximum_it_computed():
    # the maximum is compared with its input: recomputed, the input could differ in the last bit
    x = sd.vector("x", "n")
    g = sd.grad(sd.max(1 / (1 + x ** 2)) + sd.mean(sd.minimum(x ** 2, x) ** 2), x)
    fn = sd.function([x], g, backend="numba")
    ref = sd.function([x], g, backend="numpy")
    rng = np.random.default_rng(5155)
    for _ in range(200):
        v = rng.uniform(-2.0, 2.0, rng.integers(1, 9))
        np.testing.assert_allclose(fn(v), ref(v), rtol=1e-9, atol=1e-12)


def test_concatenated_pieces_read_back_reversed_with_an_hvp():
    x, y, v = sd.vector("x", "n"), sd.vector("y", "m"), sd.vector("v", "n")
    c = sd.concatenate([x * x, y[1:]])
    f = sd.sum(c[:-1]) ** 2 + sd.sum(c[::-1][:-1] * c[1:])
    _check([x, y, v], [sd.grad(f, y), sd.hvp(f, x, v)],
           [((n,), (m,), (n,)) for n, m in [(2, 4), (4, 2), (1, 6), (3, 3)]])
