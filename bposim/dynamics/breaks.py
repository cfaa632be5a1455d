"""Process breaks, and whether the vendor flags them first or the client finds them later.

A vendor that knows the business (context), cares (engagement) and knows what it may decide
(clear decision scope) flags a break and proposes a fix, which is cheap. Otherwise the break
surfaces later as damage the client finds itself, and may reach the client's own stakeholders
(an escalation). True quality below the client's target causes escalations of its own.
"""

from __future__ import annotations


def process_breaks(st, p, u, ops):
    """u: four uniforms (break occurs, flagged, escalated, quality escalation)."""
    c, v = p.client, p.vendor
    chance = (c.break_rate * (1.0 + c.break_gaming * st.gaming)
              * (1.0 + c.break_pressure * (1.0 - st.attention))
              * (1.0 - c.planning_break_relief * c.early_planning)
              * (1.0 - c.process_break_relief * st.process_improvement))
    broke = u[0] < ops.minimum(chance, 1.0)
    log_odds = (v.proactivity_base + v.proactivity_context * st.context
                + v.proactivity_engagement * st.engagement + v.proactivity_scope * c.expectation_clarity)
    # A team short of capacity has less eye for trouble: vigilance scales with attention.
    flag_chance = st.attention / (1.0 + ops.exp(-log_odds))
    flagged = broke & (u[1] < flag_chance)
    missed = broke & ops.not_(flagged)
    shortfall = ops.maximum(c.quality_target - st.true_quality, 0.0)
    quality_escalation = u[3] < ops.minimum(c.quality_escalation * shortfall * 10.0, 1.0)
    st.breaks_flagged = flagged * 1.0
    st.breaks_missed = missed * 1.0
    st.escalations = (missed & (u[2] < c.escalation_chance)) * 1.0 + quality_escalation * 1.0
