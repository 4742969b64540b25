"""``sd.linalg``: linear algebra with numpy.linalg's names (and scipy.linalg's triangular solves).

>>> import numpy as np, symdiff as sd
>>> A = sd.matrix("A", (2, 2))
>>> sd.evaluate(sd.linalg.det(A), {A: np.array([[2.0, 1.0], [1.0, 3.0]])}).round(12)
np.float64(5.0)
"""

from .ops.linalg_functions import *  # noqa: F401,F403
from .ops.linalg_functions import __all__  # noqa: F401
