"""Fit a Gaussian process's hyperparameters with SciPy using symdiff's gradient and Hessian.

The negative log marginal likelihood of GP regression with a squared-exponential
kernel needs a Cholesky factorisation, two triangular solves and a
log-determinant:

    K = sf**2 exp(-|x_i - x_j|**2 / (2 ell**2)) + sn**2 I,   K = L L^T
    nll = y^T K^-1 y / 2 + log det K / 2 + n log(2 pi) / 2

symdiff differentiates through ``cholesky`` and ``cho_solve`` (their rules are
written in its own operations), so the Hessian by the three log-hyperparameters
is one more call to ``sd.hessian``. The number of points is a symbolic size:
one compiled function serves any data set. The fit runs twice: with the
gradient (L-BFGS-B) and with the exact Hessian (trust-region Newton), and is
checked against L-BFGS-B on a NumPy-only objective with finite differences.
"""

import time

import numpy as np
import scipy.optimize

import symdiff as sd

x = sd.vector("x", "n")
y = sd.vector("y", "n")
log_theta = sd.vector("log_theta", 3)          # log(ell), log(sf), log(sn): positive by construction
ell, sf, sn = sd.exp(log_theta[0]), sd.exp(log_theta[1]), sd.exp(log_theta[2])

sqdist = (x[:, None] - x[None, :]) ** 2
K = sf ** 2 * sd.exp(-0.5 * sqdist / ell ** 2) + sn ** 2 * sd.eye("n")
L = sd.linalg.cholesky(K)
alpha = sd.linalg.cho_solve((L, True), y)
nll = 0.5 * sd.dot(y, alpha) + 0.5 * sd.linalg.logdet(K) + 0.5 * sd.size(y) * np.log(2 * np.pi)

t0 = time.perf_counter()
fn = sd.function([log_theta, x, y], [nll, sd.grad(nll, log_theta), sd.hessian(nll, log_theta)], wait=True)
print(f"compiled the likelihood, its gradient and its 3x3 Hessian in {time.perf_counter() - t0:.1f} s")

# data: a noisy sine at 80 random points
rng = np.random.default_rng(0)
xs = np.sort(rng.uniform(0.0, 6.0, 80))
ys = np.sin(1.5 * xs) + 0.1 * rng.normal(size=xs.size)
start = np.log([1.0, 1.0, 0.5])


def value_and_grad(t):
    value, grad, _ = fn(t, xs, ys)
    return float(value), grad


t0 = time.perf_counter()
fit_grad = scipy.optimize.minimize(value_and_grad, start, jac=True, method="L-BFGS-B")
t_grad = time.perf_counter() - t0
t0 = time.perf_counter()
fit_newton = scipy.optimize.minimize(value_and_grad, start, jac=True, hess=lambda t: fn(t, xs, ys)[2],
                                     method="trust-exact")
t_newton = time.perf_counter() - t0


def numpy_nll(t):
    """The same likelihood in NumPy alone (the oracle)."""
    e, f, s = np.exp(t)
    k = f ** 2 * np.exp(-0.5 * (xs[:, None] - xs[None, :]) ** 2 / e ** 2) + s ** 2 * np.eye(xs.size)
    c = np.linalg.cholesky(k)
    a = np.linalg.solve(k, ys)
    return 0.5 * ys @ a + np.sum(np.log(np.diag(c))) + 0.5 * xs.size * np.log(2 * np.pi)


fit_fd = scipy.optimize.minimize(numpy_nll, start, method="L-BFGS-B")
for name, fit, secs in (("L-BFGS-B, symdiff gradient", fit_grad, t_grad),
                        ("trust-exact, symdiff Hessian", fit_newton, t_newton),
                        ("L-BFGS-B, finite differences", fit_fd, None)):
    ell_, sf_, sn_ = np.exp(fit.x)
    took = f" in {secs * 1e3:.0f} ms" if secs is not None else ""
    print(f"{name:30s}: ell = {ell_:.4f}, sf = {sf_:.4f}, sn = {sn_:.4f}, nll = {fit.fun:.6f}, "
          f"{fit.nit} iterations{took}")

assert abs(fit_grad.fun - numpy_nll(fit_grad.x)) < 1e-9
assert np.allclose(fit_grad.x, fit_newton.x, atol=1e-4) and np.allclose(fit_grad.x, fit_fd.x, atol=1e-3)
assert np.all(np.linalg.eigvalsh(fn(fit_newton.x, xs, ys)[2]) > 0)   # a minimum: the Hessian is positive definite
assert 0.05 < np.exp(fit_newton.x[2]) < 0.2                             # the noise level was 0.1

# the posterior mean at new points, from the fitted hyperparameters (same graph pieces)
x_new = sd.vector("x_new", "m")
k_new = sf ** 2 * sd.exp(-0.5 * (x_new[:, None] - x[None, :]) ** 2 / ell ** 2)
predict = sd.function([log_theta, x, y, x_new], [k_new @ alpha], wait=True)
grid = np.linspace(0.5, 5.5, 5)
mean = predict(fit_newton.x, xs, ys, grid)[0]
print("posterior mean at", np.round(grid, 2), ":", np.round(mean, 3), "vs sin(1.5 x):", np.round(np.sin(1.5 * grid), 3))
assert np.max(np.abs(mean - np.sin(1.5 * grid))) < 0.15
print("the Gaussian-process fit agrees with the finite-difference fit")
