"""Client oversight: audits that reveal true quality and corner-cutting, and the hours it takes.

Low trust means more checking (the babysitting cost); high trust and a clear decision scope
let the client step back. An audit samples the work: it finds corner-cutting with chance equal
to the share of work where corners were cut, so the expected penalty is linear in gaming; and
it reveals true quality, which the contract then pays on that week instead of the score.
"""

from __future__ import annotations

from .contract import audit_chance


def audit(st, p, u, ops):
    """u: two uniforms (audit happens, audit finds corner-cutting)."""
    c, v = p.client, p.vendor
    rate = audit_chance(c, st.audit_boost, st.trust_in_vendor, ops)
    audited = u[0] < rate
    detected = audited & (u[1] < st.gaming)
    st.audited = audited * 1.0
    st.detected_gaming = detected * 1.0
    st.audited_quality = ops.where(audited, st.true_quality, st.audited_quality)
    # An audited week is paid on what the audit found: inflating the score earns nothing then.
    st.score = ops.where(audited, st.true_quality, st.score)
    # The vendor learns how often audits really come; finding nothing reassures, so corners
    # cut unseen slowly stop feeling wrong (normalised deviance) until an audit finds them.
    st.audit_belief = st.audit_belief + v.audit_learning * (st.audited - st.audit_belief)
    st.deviance = ops.where(detected, 0.0, st.deviance + v.gaming_drift * st.gaming * (1.0 - st.deviance))
    st.period_detected = st.period_detected + st.detected_gaming
    st.term_detected = st.term_detected + st.detected_gaming
    st.period_audits = st.period_audits + st.audited
    st.period_gap = st.period_gap + st.audited * (st.measured_quality - st.true_quality)
    # What the client sees of the vendor in this contract: its reputation when the contract ends.
    st.seen_audits = st.seen_audits + st.audited
    st.seen_detected = st.seen_detected + st.detected_gaming
    st.seen_quality = st.seen_quality + st.audited * st.true_quality


def oversight_hours(st, p):
    """Client management hours this week on the relationship."""
    c = p.client
    supervision = (c.oversight_base_hours * (1.0 - c.oversight_trust_relief * st.trust_in_vendor)
                   * (1.0 - c.oversight_scope_relief * c.expectation_clarity))
    return (supervision + c.hours_per_audit * st.audited
            + c.hours_per_missed_break * st.breaks_missed + c.hours_per_flagged_break * st.breaks_flagged
            + c.hours_per_feedback_item * (st.feedback_given + st.feedback_repeated))
