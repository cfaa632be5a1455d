"""Work the client does itself, when a tender found no eligible vendor (bposim.dynamics.tender).

For client.inhouse_weeks weeks the client's own team serves all of the relationship's demand at
client.inhouse_quality and client.inhouse_cost per unit delivered. There is no vendor, so no
pay, margin, corner-cutting, audits, breaks, escalations, feedback or review: the team's
management and its mishaps are in its cost. The week's vendor phases still run on the
relationship's arrays (array code runs every relationship alike); this phase then puts the
in-house week in their place.
"""

from __future__ import annotations

from ..state import PERIOD
from .contract import client_value

# What a week without a vendor has none of.
NO_VENDOR_FLOWS = (
    "effort_volume", "effort_quality", "gaming", "detected_gaming", "audited", "breaks_flagged", "breaks_missed",
    "escalations", "feedback_given", "feedback_actioned", "feedback_repeated", "vendor_feedback", "oversight_hours",
    "payments", "vendor_cost", "effort_cost", "vendor_margin", "damage", "risk_premium", "unfair_penalty",
    "seen_audits", "seen_detected", "seen_quality", *PERIOD,
)


def work_in_house(st, p, ops):
    c, m = p.client, p.market
    inside = st.in_house > 0.0
    quality = ops.minimum(c.inhouse_quality, m.quality_ceiling) + 0.0 * st.base
    for name in NO_VENDOR_FLOWS:
        setattr(st, name, ops.where(inside, 0.0, getattr(st, name)))
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
