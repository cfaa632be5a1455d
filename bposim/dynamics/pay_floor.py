"""What a week's pay is worth to the vendor when it is floored at zero (settlement never bills it).

The week's pay is read as normal, X ~ N(m, s^2) (the linearised pay of decisions.pay_variance),
and the vendor is paid Y = max(X, 0): the floor is an option it holds. Its expected pay is
    E[Y] = m Phi(m/s) + s phi(m/s),
and, with constant absolute risk aversion R (1/MU on pay per unit of demand), its certainty
equivalent is the exact CARA value of Y,
    CE = -(1/R) ln E[exp(-R Y)],   E[exp(-R Y)] = Phi(-z) + exp(a^2/2 - a z) Phi(z - a),
with z = m/s and a = R s; for a risk-neutral vendor (a -> 0) it is E[Y] - (R/2) Var(Y), the
mean-variance reading to second order. Far from the floor both are m - (R/2) s^2, the
certainty equivalent of normal pay the model used before. The exact value is taken rather than
E[Y] - (R/2) Var(Y) at every R: that one falls as the fixed part rises where R s > 2.23 (more
pay in every state would be worth less), the exact one rises with it everywhere.

Participation pricing (`pay_for`) solves CE(m) = target for m by Newton's method. CE is convex
in m (E[exp(-R Y)] is log-concave, Prekopa) and rises with it, so Newton started to the right
of the root, at the unfloored solution m = target + (R/2) s^2, falls to it without overshooting.
"""

from __future__ import annotations

import math

# Beyond this many standard deviations above the floor (z - a) the floor's effect on the
# expected pay and the certainty equivalent is below 1e-15 of pay: they are the unfloored ones.
FAR = 8.0
# Below this a = R s the certainty equivalent is read to second order (mean less R/2 variance):
# the exact logarithm loses its digits as R goes to 0; the expansion is off by about a times the premium.
NEAR_NEUTRAL = 1e-4
NEWTON_STEPS = 100
_INV_ROOT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _normal_cdf():
    """Phi and ln Phi to machine precision, on floats and arrays alike (both engines), imported
    only where the floor is in reach: a run far from it never loads scipy.special."""
    from scipy.special import log_ndtr, ndtr
    return ndtr, log_ndtr


def beyond_floor(m, variance, risk, ops):
    """Where pay of mean m is far enough above the floor (z - a > FAR) to be valued unfloored."""
    s = ops.sqrt(ops.maximum(variance, 1e-24))
    return m / s - risk * s > FAR


def floored_pay(m, variance, risk, ops):
    """Expected pay, risk premium (expected pay less its certainty equivalent) and the certainty
    equivalent's slope in m, for pay max(X, 0) with X ~ N(m, variance) and CARA risk aversion
    `risk` (per unit of pay). Far from the floor: m, (risk/2) variance and 1, as they are."""
    linear_premium = 0.5 * risk * variance
    far = beyond_floor(m, variance, risk, ops)
    if ops.all(far):
        return m, linear_premium, 1.0 + 0.0 * m
    s = ops.sqrt(ops.maximum(variance, 1e-24))
    z = m / s
    a = risk * s
    ndtr, log_ndtr = _normal_cdf()
    cdf = ndtr(z)
    pdf = _INV_ROOT_2PI * ops.exp(-0.5 * z * z)
    mean = m * cdf + s * pdf
    spread = ops.maximum((m * m + s * s) * cdf + m * s * pdf - mean * mean, 0.0)
    # Exact CARA value in logarithms: ln E[exp(-R Y)] = logaddexp(ln Phi(-z), a^2/2 - a z + ln Phi(z - a)).
    a_ = ops.maximum(a, NEAR_NEUTRAL)
    up = 0.5 * a_ * a_ - a_ * z + log_ndtr(z - a_)
    down = log_ndtr(-z)
    log_mgf = ops.maximum(up, down) + ops.log(1.0 + ops.exp(-ops.maximum(up - down, down - up)))
    neutral = a <= NEAR_NEUTRAL
    ce = ops.where(neutral, mean - 0.5 * risk * spread, -log_mgf * s / a_)
    # d CE / dm: the exponentially tilted chance that the floor does not bind; to second order,
    # Phi(z) - R E[Y] (1 - Phi(z)) (d Var(Y) / dm = 2 E[Y] (1 - Phi(z))).
    slope = ops.where(neutral, cdf - risk * mean * (1.0 - cdf), ops.exp(up - log_mgf))
    return ops.where(far, m, mean), ops.where(far, linear_premium, mean - ce), ops.where(far, 1.0, slope)


def pay_for(target, variance, risk, ops):
    """The mean m of linearised pay whose floored pay has certainty equivalent `target` (per
    unit of pay, as `floored_pay`), and where the unfloored solution stands (beyond the floor's
    reach, the answer is it).

    Where target <= 0 no m reaches it (floored pay is worth more than 0 at any m): the unfloored
    solution is kept, which pays nothing in most weeks."""
    m = target + 0.5 * risk * variance
    unfloored = beyond_floor(m, variance, risk, ops)
    if ops.all(unfloored):
        return m, unfloored
    reachable = target > 0.0
    for _ in range(NEWTON_STEPS):
        mean, premium, slope = floored_pay(m, variance, risk, ops)
        step = ops.where(reachable, (mean - premium - target) / ops.maximum(slope, 1e-12), 0.0)
        m = m - step
        if ops.all(ops.maximum(step, -step) <= 1e-12 * (1.0 + ops.maximum(m, -m))):
            break
    return m, unfloored
