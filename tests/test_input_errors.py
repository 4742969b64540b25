"""Bad inputs an outside probe found silently accepted: each now a clear error, as NumPy or JAX give."""

from __future__ import annotations

import numpy as np
import pytest

import symdiff as sd


@pytest.mark.parametrize("build, error, message", [
    (lambda x: sd.take(x, np.array([0, 5])), IndexError, "take: index 5 is out of bounds for axis 0 with size 3"),
    (lambda x: sd.take(x, np.array([-4])), IndexError, "take: index -4 is out of bounds"),
    (lambda x: sd.take_along_axis(x, np.array([3]), 0), IndexError, "take_along_axis: index 3 is out of bounds"),
    (lambda x: sd.grad(sd.sum(sd.astype(x, "int64") * 0 + 2), x), TypeError, "grad: the cost must be float32 or float64"),
    (lambda x: sd.hessian(sd.sum(sd.astype(x, "int64")), x), TypeError, "cost must be float32 or float64|cannot differentiate"),
])
def test_build_time_errors(build, error, message):
    x = sd.vector("x", 3)
    with pytest.raises(error, match=message):
        build(x)
    assert sd.take(x, np.array([-3, 2])).shape == (2,)   # in-range negative indices stay valid


def test_integer_to_a_negative_power_raises_as_numpy(backend):
    i = sd.vector("i", 3, dtype="int64")
    fn = sd.function([i], [i ** -1], backend=backend)
    with pytest.raises(ValueError, match="Integers to negative integer powers are not allowed"):
        fn(np.array([1, 2, 3]))
    np.testing.assert_array_equal(sd.function([i], [i ** 2], backend=backend)(np.array([1, 2, 3]))[0], [1, 4, 9])
