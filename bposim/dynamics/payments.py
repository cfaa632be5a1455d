"""Money: what the client pays, what the vendor keeps, what the client nets.

Payments are the vendor's whole revenue: the scheme's pay on this week's measures (after
re-pricing and re-weighting), less any clawback for corner-cutting an audit found, never below
zero. The client nets the value of true output less payments, management time, damage from
breaks and escalations, and switching costs (added by reviews).
"""

from __future__ import annotations

from .contract import client_value, contract_pay
from .decisions import effort_cost


def settle(st, p, ops):
    c, v = p.client, p.vendor
    y = st.volume_measured
    gross = st.base * ops.maximum(contract_pay(st, p, y, st.score, st.outcome_reported, ops), 0.0)
    clawback = ops.minimum(st.base * c.gaming_sanction * st.detected_gaming, gross)
    st.payments = gross - clawback
    per_unit = effort_cost(v, st.effort_volume, st.effort_quality)
    st.effort_cost = st.base * per_unit
    gaming_cost = 0.5 * v.gaming_cost * st.gaming ** 2 - v.gaming_saving * st.gaming
    st.vendor_cost = st.base * ops.maximum(v.operating_cost * st.vendor_cost_factor + per_unit + gaming_cost, 0.0)
    st.vendor_margin = st.payments - st.vendor_cost
    # Unfair penalty, as the vendor sees it: quality truly met the target, yet the score paid
    # less than the truth would have (measurement noise, SLA credits, a stale audit).
    fair_pay = st.base * ops.maximum(contract_pay(st, p, y, st.true_quality, st.outcome_reported, ops), 0.0)
    st.unfair_penalty = ((st.true_quality >= c.quality_target) & (gross < (1.0 - v.unfair_tolerance) * fair_pay)) * 1.0
    st.client_value = client_value(c, st.volume, st.true_quality, st.demand, st.base)
    st.damage = (c.flagged_break_cost * st.breaks_flagged + c.missed_break_cost * st.breaks_missed
                 + c.escalation_cost * st.escalations)
    st.period_margin = st.period_margin + st.vendor_margin
