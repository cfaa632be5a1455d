"""An SLA cliff as the vendor sees it: a step in pay, smoothed by the noise of the measure.

A credit that falls due when a measure lands below a threshold is a step in pay; through the
measure's normal noise the vendor sees the chance of falling below it and the density of
landing just there, which is a smooth marginal incentive (quality_weighted's score threshold).
"""

_SQRT_2PI = 2.5066282746310002
# 2/pi: the normal CDF has no closed form, so the share of weeks below the SLA threshold uses
# Polya's approximation Phi(z) ~ (1 + sign(z) sqrt(1 - exp(-2 z^2 / pi))) / 2 (error < 0.003),
# which needs only exp and works on arrays and scalars alike (ops.exp, no SciPy).
_POLYA_2_OVER_PI = 0.6366197723675814


def below_threshold(threshold, x, noise, ops):
    """(P(x + noise < threshold), density of x + noise at the threshold) for normal noise of sd noise."""
    z = (threshold - x) / noise
    density = ops.exp(-0.5 * z * z) / (_SQRT_2PI * noise)
    below = 0.5 * (1.0 + ops.where(z > 0, 1.0, -1.0) * (1.0 - ops.exp(-_POLYA_2_OVER_PI * z * z)) ** 0.5)
    return below, density
