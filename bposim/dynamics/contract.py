"""The contract's terms as formulas used in more than one phase, each written once.

What the contract pays (`contract_pay`) and its marginal rates (`contract_rates`) after the
client's re-weighting and re-pricing; the week's chance of an audit (`audit_chance`), which the
client applies, a new vendor team expects and the reviews move; and the vendor's weekly
discount factor (`weekly_discount`).
"""

from __future__ import annotations

import numpy as np


def weekly_discount(v) -> float:
    """The vendor's weekly discount factor: vendor.discount_factor when set (>= 0), else derived
    from the annual cost of capital, (1 + vendor.annual_discount_rate) ** (-1/52)."""
    if np.ndim(v.discount_factor) > 0:  # design points side by side, each with its own
        return np.where(v.discount_factor >= 0.0, v.discount_factor, (1.0 + v.annual_discount_rate) ** (-1.0 / 52.0))
    if v.discount_factor >= 0.0:
        return v.discount_factor
    return (1.0 + v.annual_discount_rate) ** (-1.0 / 52.0)


def audit_chance(c, audit_boost, trust, ops):
    """Chance of an audit this week: the client's rate, raised by reviews and by low trust."""
    return ops.minimum(c.audit_rate * audit_boost * (1.0 + c.audit_trust_sensitivity * (1.0 - trust)), 1.0)


def contract_rates(st, p, ops):
    """Marginal pay per unit of volume, score and outcome, after the client's re-weighting and re-pricing."""
    r = p.scheme.rates(st.volume_expected, st.score_expected, ops.maximum(p.market.quality_noise, 0.01), ops)
    bonus = st.quality_tilt * p.client.quality_bonus_rate
    return st.price_factor * r.volume, st.price_factor * (r.quality + bonus), st.price_factor * r.outcome


def contract_pay(st, p, y, s, o, ops):
    """Pay per unit of baseline demand for measures (y, s, o), after re-weighting and re-pricing.

    fixed_pay is the fixed part that participation pricing adds at signing (0 as written).
    """
    bonus = st.quality_tilt * p.client.quality_bonus_rate * (s - p.client.quality_target)
    return st.price_factor * (p.scheme.pay(y, s, o, ops) + bonus + st.fixed_pay)


def renewal_chance(c, trust, ops):
    """Chance the client renews the contract at the end of its term: it rises with its trust."""
    return ops.minimum(c.renewal_base + c.renewal_trust * trust, 1.0)


def contract_starts(st, c, ops):
    """True where this week opens a term: a new contract, or the first week after a renewal."""
    first = st.tenure < 1.0
    if c.contract_term <= 0:
        return first
    return first | (st.tenure % c.contract_term == 0.0)


def relationship_weeks(st, c, delta, ops):
    """Discounted weeks of the relationship still to come after this one (the value of 1 MU a week).

    Open-ended contracts (client.contract_term = 0) go on for ever: delta / (1 - delta). With a
    term T, the rest of this term, then each renewal with the chance of renewal at today's trust:
    A(n) + delta^n rho A(T) / (1 - rho delta^T), with A(n) = delta (1 - delta^n) / (1 - delta) the
    discounted value of n weeks and n the weeks left in this term.
    """
    if c.contract_term <= 0:
        return delta / (1.0 - delta)
    term = c.contract_term
    left = term - 1.0 - st.tenure % term
    rho = renewal_chance(c, st.trust_in_vendor, ops)
    annuity = delta / (1.0 - delta)
    rest = annuity * (1.0 - delta ** left)
    renewed = annuity * (1.0 - delta ** term) / (1.0 - rho * delta ** term)
    return rest + delta ** left * rho * renewed


def client_value(c, volume, quality, demand, seat):
    """What the work is worth to the client, in the units of volume, demand and seat (one seat
    is the baseline demand: per unit of it, seat = 1; in MU, seat = base).

    Delivered volume at client.value_volume; quality at client.value_quality per seat, or per
    unit delivered with client.quality_per_unit; less client.rework_cost per defective unit
    delivered (a unit at quality q is defective with chance 1 - q) and client.unserved_cost per
    unit of demand not delivered (backlog or lost business).
    """
    per = volume if c.quality_per_unit else seat
    value = c.value_volume * volume + per * c.value_quality * quality
    if c.rework_cost:
        value = value - c.rework_cost * volume * (1.0 - quality)
    if c.unserved_cost:
        value = value - c.unserved_cost * (demand - volume)
    return value


def client_value_slopes(c, y, q):
    """Marginal client value, per unit of baseline demand, of delivered volume y and of quality q
    (linearised at (y, q); per unit of demand, so the seat is 1)."""
    if not (c.quality_per_unit or c.rework_cost or c.unserved_cost):
        return c.value_volume, c.value_quality
    per = y if c.quality_per_unit else 1.0
    d_volume = (c.value_volume + c.value_quality * q * c.quality_per_unit
                - c.rework_cost * (1.0 - q) + c.unserved_cost)
    d_quality = c.value_quality * per + c.rework_cost * y
    return d_volume, d_quality
