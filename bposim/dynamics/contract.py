"""The contract's terms as formulas used in more than one phase, each written once.

What the contract pays (`contract_pay`) and its marginal rates (`contract_rates`) after the
client's re-weighting and re-pricing; the week's chance of an audit (`audit_chance`), which the
client applies, a new vendor team expects and the reviews move; and the vendor's weekly
discount factor (`weekly_discount`).
"""

from __future__ import annotations


def weekly_discount(v) -> float:
    """The vendor's weekly discount factor: vendor.discount_factor when set (>= 0), else derived
    from the annual cost of capital, (1 + vendor.annual_discount_rate) ** (-1/52)."""
    if v.discount_factor >= 0.0:
        return v.discount_factor
    return (1.0 + v.annual_discount_rate) ** (-1.0 / 52.0)


def audit_chance(c, audit_boost, trust, ops):
    """Chance of an audit this week: the client's rate, raised by reviews and by low trust."""
    return ops.minimum(c.audit_rate * audit_boost * (1.0 + c.audit_trust_sensitivity * (1.0 - trust)), 1.0)


def contract_rates(st, p, ops):
    """Marginal pay per unit of volume, score and outcome, after the client's re-weighting and re-pricing."""
    r = p.scheme.rates(st.volume_expected, st.score_expected, max(p.market.quality_noise, 0.01), ops)
    bonus = st.quality_tilt * p.client.quality_bonus_rate
    return st.price_factor * r.volume, st.price_factor * (r.quality + bonus), st.price_factor * r.outcome


def contract_pay(st, p, y, s, o, ops):
    """Pay per unit of baseline demand for measures (y, s, o), after re-weighting and re-pricing."""
    bonus = st.quality_tilt * p.client.quality_bonus_rate * (s - p.client.quality_target)
    return st.price_factor * (p.scheme.pay(y, s, o, ops) + bonus)
