"""What the week's work turns into: volume, true quality, the quality score, the business outcome.

The volume count and the score are what contracts can pay on; true quality is what the client
gets and sees only through audits; the business outcome is the client's value of that output,
reported outcome_lag weeks later with noise. Corner-cutting inflates the count and the score
while it lowers true quality; a vendor stretched beyond its capacity loses quality too.
"""

from __future__ import annotations

from .contract import client_value
from .decisions import quality_productivity


def produce(st, p, eps, ops):
    """eps: four standard normals (volume measure, score, true quality, outcome report)."""
    v, m, c = p.vendor, p.market, p.client
    d = st.demand / st.base
    st.served = ops.clip(st.effort_volume, 0.0, v.max_throughput * st.attention)
    y = d * st.served                        # delivered, per unit of baseline demand
    st.volume = st.base * y                  # units delivered
    # The volume count the contract pays on: exact but cheap to game upward (units counted
    # that were not really done); with volume_noise it is the textbook x = e + noise,
    # unclipped, as a measure may be.
    st.volume_measured = y + d * v.gaming_throughput * st.gaming + m.volume_noise * eps[0]
    kappa = quality_productivity(st, p)
    q = (v.base_quality + kappa * st.effort_quality - v.gaming_quality_loss * st.gaming
         - m.pressure_quality_loss * (1.0 - st.attention) + m.true_quality_noise * eps[2])
    top = m.quality_ceiling
    st.true_quality = ops.clip(q, 0.0, top)
    rho = m.noise_correlation
    score_noise = rho * eps[0] + (1.0 - rho * rho) ** 0.5 * eps[1]
    st.measured_quality = ops.clip(st.true_quality + v.metric_gameability * st.gaming
                                   + m.quality_noise * score_noise, 0.0, top)
    # The score the contract pays on: re-weighted reviews blend in the latest audited quality.
    st.score = (1.0 - st.verification) * st.measured_quality + st.verification * st.audited_quality
    # Business outcome: the client's value of this week's output, reported outcome_lag weeks on.
    ring, lag = st.outcome_ring, m.outcome_lag
    ring[st.outcome_pos] = client_value(c, y, st.true_quality, d, 1.0)
    st.outcome_pos = (st.outcome_pos + 1) % (lag + 1)
    st.outcome_reported = ring[st.outcome_pos] + m.outcome_noise * eps[3]
