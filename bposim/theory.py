"""Closed-form results of contract theory that bposim reproduces in reduced settings.

Each function states its source and symbols. The scenario presets in configs/scenario/ put the
model into each setting, and bposim.validation runs the simulation (not these formulas) and
compares. Money is per unit of demand per week; efforts are shares of demand (volume) or
quality points.

Symbols and the config fields that carry them:
  b, beta   pay rate on a measure           scheme.volume_rate / scheme.quality_rate (linear),
                                            scheme.rate (kpi_index)
  c, K      effort cost curvature            vendor.cost_volume (K11), vendor.cost_quality (K22),
                                            vendor.cost_substitution (K12)
  k         linear effort benefit            vendor.intrinsic_volume, vendor.intrinsic_quality
  r         CARA risk aversion               vendor.risk_aversion
  s2, S     noise variance / covariance      market.volume_noise**2, market.quality_noise**2,
                                            market.noise_correlation
  p, b1, b2 client's value of each task      client.value_volume, client.value_quality
  f, g      value and measure directions     (client.value_volume, client.value_quality),
                                            (scheme.volume_weight, scheme.quality_weight)
  fee p, cH, cL, vbar, q, d (relational)     scheme.fee, vendor.operating_cost,
                                            vendor.operating_cost - vendor.gaming_saving,
                                            vendor.outside_option, client.audit_rate,
                                            vendor.discount_factor
"""

from __future__ import annotations

import numpy as np

# --- 1. Single-task linear contract: Holmstrom and Milgrom (1987) ---------------------------


def hm87_effort(b: float, c: float) -> float:
    """Best response e = b / c to pay w = a + b x, x = e + noise, cost c e^2 / 2."""
    return b / c


def hm87_client_profit(b: float, p: float, c: float, r: float, s2: float, outside: float = 0.0) -> float:
    """Client's expected profit with the fixed part set so the vendor just accepts:
    p b/c - b^2/(2c) - r b^2 s2 / 2 - outside."""
    return p * b / c - b * b / (2 * c) - r * b * b * s2 / 2 - outside


def hm87_optimal_rate(p: float, c: float, r: float, s2: float) -> float:
    """b* = p / (1 + r c s2): less powerful incentives the noisier the measure and the more
    risk-averse the vendor."""
    return p / (1 + r * c * s2)


# --- 2. Multitask: Holmstrom and Milgrom (1991) -------------------------------------------------


def cost_matrix(c11: float, c12: float, c22: float) -> np.ndarray:
    return np.array([[c11, c12], [c12, c22]], dtype=float)


def multitask_effort(K: np.ndarray, rates, k=(0.0, 0.0)) -> np.ndarray:
    """Best response t = inverse(K) (rates + k) to linear pay, cost C(t) = t'Kt/2 - k't."""
    return np.linalg.solve(K, np.asarray(rates, float) + np.asarray(k, float))


def multitask_quality_slope(K: np.ndarray) -> float:
    """d(quality effort) / d(volume rate) = -c12 / det(K): with substitute tasks (c12 > 0),
    paying more for volume buys less quality."""
    return -K[0, 1] / np.linalg.det(K)


def multitask_client_profit(rates, values, K, k, r: float, S) -> float:
    """Expected surplus the client keeps when the fixed part meets the vendor's participation:
    b.t - (t'Kt/2 - k't) - r rates'S rates / 2."""
    rates = np.asarray(rates, float)
    t = multitask_effort(K, rates, k)
    cost = 0.5 * t @ K @ t - np.asarray(k, float) @ t
    return float(np.asarray(values, float) @ t - cost - 0.5 * r * rates @ np.asarray(S, float) @ rates)


def multitask_optimal_volume_rate(b1: float, b2: float, K: np.ndarray, r: float, s1: float) -> float:
    """Optimal volume rate when quality (task 2) is not measured:
    (b1 - b2 c12/c22) / (1 + r s1 (c11 - c12^2/c22)), and zero once b1 c22 <= b2 c12
    (paying for volume would cost more quality than the volume is worth)."""
    c11, c12, c22 = K[0, 0], K[0, 1], K[1, 1]
    return max(0.0, (b1 - b2 * c12 / c22) / (1 + r * s1 * (c11 - c12 * c12 / c22)))


def multitask_optimal_rates(values, K: np.ndarray, r: float, S) -> np.ndarray:
    """Optimal rates when both tasks are measured with noise covariance S: inverse(I + r K S) b."""
    return np.linalg.solve(np.eye(2) + r * K @ np.asarray(S, float), np.asarray(values, float))


# --- 3. Distortion: Baker (1992, 2002) ------------------------------------------------------------


def baker_action(b: float, g) -> np.ndarray:
    """Best response a = b g to pay b (g.a + noise) with cost |a|^2 / 2."""
    return b * np.asarray(g, float)


def baker_client_profit(b: float, f, g, r: float, s2: float) -> float:
    """f.a - |a|^2/2 - r b^2 s2 / 2 at a = b g (fixed part at participation)."""
    a = baker_action(b, g)
    return float(np.asarray(f, float) @ a - 0.5 * a @ a - 0.5 * r * b * b * s2)


def baker_optimal_rate(f, g, r: float, s2: float) -> float:
    """b* = f.g / (|g|^2 + r s2)."""
    f, g = np.asarray(f, float), np.asarray(g, float)
    return float(f @ g / (g @ g + r * s2))


def baker_efficiency(f, g) -> float:
    """Without noise, the share of first-best surplus reached: cos^2 of the angle between f and g.
    A metric that points away from what the client values (Goodhart) loses the rest."""
    f, g = np.asarray(f, float), np.asarray(g, float)
    return float((f @ g) ** 2 / ((f @ f) * (g @ g)))


# --- 4. Honest quality in a repeated relationship: Klein and Leffler (1981) ------------------------


def relational_honest(d: float, q: float, fee: float, c_high: float, c_low: float, outside: float) -> bool:
    """Grim trigger: the vendor stays honest iff d q (fee - cH - vbar) >= (1 - d)(cH - cL)."""
    return d * q * (fee - c_high - outside) >= (1 - d) * (c_high - c_low)


def relational_threshold(q: float, fee: float, c_high: float, c_low: float, outside: float) -> float:
    """Discount factor at which honesty starts to pay: (cH - cL) / (q (fee - cH - vbar) + cH - cL)."""
    gain = c_high - c_low
    return gain / (q * (fee - c_high - outside) + gain)
