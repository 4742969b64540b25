"""Fit the parameters of an ODE integrated with RK4 over 1,000 steps: gradient and Hessian through a loop.

The Lotka-Volterra predator-prey model (its two populations are two scalar
carries), integrated by a fourth-order
Runge-Kutta scheme written as one ``sd.scan`` (the graph has one loop node,
whatever the number of steps), is fitted to noisy observations of both
populations with SciPy's trust-region Newton method, using symdiff's compiled
loss, gradient and 4x4 Hessian. The observation count is a symbolic size,
so the same compiled function would serve any horizon.
"""

import time

import numpy as np
import scipy.optimize

import symdiff as sd

DT, STEPS = 0.01, 1000


def vector_field(theta, u):
    a, b, c, d = theta[0], theta[1], theta[2], theta[3]
    prey, pred = u
    return (a * prey - b * prey * pred, d * prey * pred - c * pred)


def axpy(u, k, h):
    return tuple(ui + h * ki for ui, ki in zip(u, k))


def rk4_step(theta, u):
    """One Runge-Kutta step of the state ``u`` (a tuple of two scalar nodes: one carry each)."""
    k1 = vector_field(theta, u)
    k2 = vector_field(theta, axpy(u, k1, 0.5 * DT))
    k3 = vector_field(theta, axpy(u, k2, 0.5 * DT))
    k4 = vector_field(theta, axpy(u, k3, DT))
    return tuple(ui + DT / 6.0 * (p + 2.0 * q + 2.0 * r + s) for ui, p, q, r, s in zip(u, k1, k2, k3, k4))


log_theta = sd.vector("log_theta", 4)     # the fit runs on logarithms: the rates stay positive
theta = sd.exp(log_theta)
u0 = sd.vector("u0", 2)
observed = sd.matrix("observed", ("T", 2))   # one row per step


def body(u, obs):
    u_next = rk4_step(theta, u)
    return u_next, (u_next[0] - obs[0]) ** 2 + (u_next[1] - obs[1]) ** 2


_, errors = sd.scan(body, (u0[0], u0[1]), observed)
loss = 0.5 * sd.sum(errors)
t0 = time.perf_counter()
fn = sd.function([log_theta, u0, observed], [loss, sd.grad(loss, log_theta), sd.hessian(loss, log_theta)],
                 wait=True)
print(f"compiled loss, gradient and Hessian through {STEPS} RK4 steps in {time.perf_counter() - t0:.1f} s "
      f"({sd.count_nodes([loss])} nodes in the loss graph)")

# synthetic data: the true model, simulated once (a symdiff function of its own), plus noise
true_theta, start = np.array([1.0, 0.5, 0.8, 0.3]), np.array([2.0, 1.0])
trajectory = sd.stack(sd.scan(lambda u, _: (rk4_step(theta, u), rk4_step(theta, u)), (u0[0], u0[1]),
                              length=STEPS)[1], axis=1)
simulate = sd.function([log_theta, u0], trajectory, backend="numpy")
rng = np.random.default_rng(0)
data = simulate(np.log(true_theta), start) + 0.05 * rng.standard_normal((STEPS, 2))

guess = np.array([0.7, 0.7, 0.6, 0.5])
result = scipy.optimize.minimize(lambda t: fn(t, start, data)[0], np.log(guess), method="trust-exact",
                                 jac=lambda t: fn(t, start, data)[1], hess=lambda t: fn(t, start, data)[2])
print(f"scipy trust-exact: {result.nit} iterations, loss {result.fun:.4f}, status: {result.message}")
print("true theta:     ", np.round(true_theta, 3))
fitted = np.exp(result.x)
print("fitted theta:   ", np.round(fitted, 3))
g = fn(result.x, start, data)[1]
print(f"gradient at the fit: {np.max(np.abs(g)):.1e} (largest entry)")
assert result.success and np.max(np.abs(fitted - true_theta)) < 0.05 and np.max(np.abs(g)) < 1e-4 * max(1.0, result.fun)
print("recovered the ODE's parameters from noisy observations")
