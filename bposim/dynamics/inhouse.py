"""Work the client does itself, when a tender found no eligible vendor (bposim.dynamics.tender).

For client.inhouse_weeks weeks the client's own team serves all of the relationship's demand at
client.inhouse_quality and client.inhouse_cost per unit delivered. There is no vendor, so no
pay, margin, corner-cutting, audits, breaks, escalations, feedback or review: the team's
management and its mishaps are in its cost. The week's vendor phases still run on the
relationship's arrays (array code runs every relationship alike); this phase then puts the
in-house week in their place, and what those phases moved on the vendor's side is put back:
a vendor that later signs the work inherits nothing from weeks it did not work.
"""

from __future__ import annotations

from ..state import CLIENT_TERMS, CONTRACT_START, PERIOD, expected_outcome_start
from .contract import client_value

# What a week without a vendor has none of.
NO_VENDOR_FLOWS = (
    "effort_volume", "effort_quality", "gaming", "detected_gaming", "audited", "breaks_flagged", "breaks_missed",
    "escalations", "feedback_given", "feedback_actioned", "feedback_repeated", "vendor_feedback", "oversight_hours",
    "payments", "vendor_cost", "effort_cost", "vendor_margin", "damage", "risk_premium", "unfair_penalty",
    "seen_audits", "seen_detected", "seen_quality", *PERIOD,
)

# What the vendor phases learn and a contract carries from week to week: the contract's state
# (trust both ways, engagement, context, audit belief, deviance, expectations, tenure...) and the
# client terms a vendor's feedback and reviews move (process improvement, verification, audit
# boost, price). An in-house week leaves them as the spell found them.
VENDOR_SIDE = (*CONTRACT_START, *CLIENT_TERMS)


def any_in_house(st, ops) -> bool:
    return not ops.all(ops.not_(st.in_house > 0.0))


def vendor_side(st) -> dict:
    """The vendor-side state before the week's phases (the phases rebind, never mutate, it)."""
    return {name: getattr(st, name) for name in VENDOR_SIDE}


def keep_vendor_side(st, before: dict, ops) -> None:
    """Where the week was worked in-house, the vendor-side state is what it was before the week."""
    inside = st.in_house > 0.0
    for name, value in before.items():
        setattr(st, name, ops.where(inside, value, getattr(st, name)))


def work_in_house(st, p, ops):
    c, m = p.client, p.market
    inside = st.in_house > 0.0
    quality = ops.minimum(c.inhouse_quality, m.quality_ceiling) + 0.0 * st.base
    for name in NO_VENDOR_FLOWS:
        setattr(st, name, ops.where(inside, 0.0, getattr(st, name)))
    # The team is the client's own, sized to its demand: no vendor's capacity is rationed to it.
    st.attention = ops.where(inside, 1.0, st.attention)
    st.served = ops.where(inside, 1.0, st.served)
    st.volume = ops.where(inside, st.demand, st.volume)
    st.volume_measured = ops.where(inside, st.demand / st.base, st.volume_measured)
    for name in ("true_quality", "measured_quality", "score"):
        setattr(st, name, ops.where(inside, quality, getattr(st, name)))
    value = client_value(c, st.demand, quality, st.demand, st.base)
    st.client_value = ops.where(inside, value, st.client_value)
    st.inhouse_cost = ops.where(inside, c.inhouse_cost * st.demand, 0.0)
    st.client_net_value = ops.where(inside, value - st.inhouse_cost, st.client_net_value)
    st.inhouse_left = ops.where(inside, st.inhouse_left - 1.0, st.inhouse_left)
    # The lag line is what an outcome share pays on: a week with no contract enters it as the
    # outcome assumed before any is reported (as at set-up), so the vendor that signs next is
    # not paid for the in-house team's work. With no lag the slot is read this week, unpaid.
    ring = st.outcome_ring
    written = (st.outcome_pos - 1) % len(ring)
    ring[written] = ops.where(inside, expected_outcome_start(p), ring[written])
