"""Two-way feedback: the client's items, the vendor acting on them, the complaint loop.

The client raises an item when the score falls short of its target (or after an incident);
the vendor acts on one open item a week with a chance that rises with the item's clarity and
the team's engagement; items left open are repeated, which wears trust down (a complaint
loop, not a feedback culture). Items acted on improve the work for good. Asked for feedback,
an engaged and trusting vendor gives it, which improves the client's own processes (clearer
feedback, fewer breaks); a vendor that never speaks up is tracked too.
"""

from __future__ import annotations


def exchange_feedback(st, p, u, ops):
    """u: four uniforms (item raised, item acted on, open items repeated, vendor feedback)."""
    c, v = p.client, p.vendor
    shortfall = ops.maximum(c.quality_target - st.score, 0.0)
    incident = (st.breaks_missed + st.escalations) > 0.0
    raise_chance = ops.minimum(c.feedback_base + c.feedback_rate * shortfall * 10.0
                               + c.feedback_on_incident * incident, 1.0)
    given = u[0] < raise_chance
    clarity = c.feedback_clarity + (1.0 - c.feedback_clarity) * st.process_improvement
    act_chance = ops.minimum(clarity * (v.action_base + v.action_engagement * st.engagement), 1.0)
    actioned = (st.open_items >= 1.0) & (u[1] < act_chance)
    still_open = st.open_items - actioned
    repeated = still_open * (u[2] < c.repeat_rate)
    st.open_items = ops.minimum(still_open + given, float(c.max_open_items))
    st.feedback_given = given * 1.0
    st.feedback_actioned = actioned * 1.0
    st.feedback_repeated = repeated * 1.0
    st.improvement = st.improvement + v.improvement_step * st.feedback_actioned * (1.0 - st.improvement)
    speak_chance = v.vendor_feedback_rate * c.two_way_feedback * st.engagement * st.trust_in_client
    st.vendor_feedback = (u[3] < speak_chance) * 1.0
    st.process_improvement = st.process_improvement + c.process_learning * st.vendor_feedback * (1.0 - st.process_improvement)
