"""How the relationship itself changes: context knowledge, trust both ways, engagement.

Trust moves with experience and falls faster on betrayal than it rises on good work: each
week trust gains a share of the way to 1 from good signs and loses a share of itself on bad
ones, with the loss shares set larger than the gains. Engagement follows margin,
recognition and fair treatment (the vendor's trust in the client).
"""

from __future__ import annotations


def learn_context(st, p):
    """Context grows with what the client shares, early planning and tenure; it decays unshared."""
    c = p.client
    growth = (c.context_learning_shared * c.context_sharing + c.context_learning_planning * c.early_planning
              + c.context_learning_tenure)
    st.context = st.context + growth * (1.0 - st.context) - c.context_decay * (1.0 - c.context_sharing) * st.context


def update_trust(st, p, ops):
    c, v = p.client, p.vendor
    good_week = st.score >= c.quality_target  # in an audited week the score is the audited truth
    if c.trust_model == "belief":
        st.trust_in_vendor = believed_trust(st, c, good_week, ops)
    else:
        adapt_trust(st, c, good_week, ops)

    fair = 0.5 * (st.recognition + c.expectation_clarity) * (1.0 - st.unfair_penalty)
    v_gain = v.trust_gain * fair
    v_loss = ops.minimum(v.trust_loss_unfair * st.unfair_penalty + v.trust_loss_price_cut * st.price_cut
                         + v.trust_loss_warning * st.unfounded_warning, 1.0)
    st.trust_in_client = st.trust_in_client + v_gain * (1.0 - st.trust_in_client) - v_loss * st.trust_in_client


def adapt_trust(st, c, good_week, ops):
    """Trust gains a share of the way to 1 on good signs and loses a share of itself on bad ones."""
    gain = ops.minimum(c.trust_gain * good_week + c.trust_gain_flag * st.breaks_flagged
                       + c.trust_gain_action * st.feedback_actioned
                       + c.trust_gain_vendor_feedback * st.vendor_feedback, 1.0)
    loss = ops.minimum(c.trust_loss_gaming * st.detected_gaming + c.trust_loss_missed_break * st.breaks_missed
                       + c.trust_loss_escalation * st.escalations + c.trust_loss_repeat * st.feedback_repeated, 1.0)
    st.trust_in_vendor = st.trust_in_vendor + gain * (1.0 - st.trust_in_vendor) - loss * st.trust_in_vendor


def believed_trust(st, c, good_week, ops):
    """Trust as a belief updated by evidence: the geometric mean of two beta posteriors' means, the
    vendor's honesty (share of this contract's audits that found nothing) and its quality (share
    of the contract's weeks whose score met the target), each with a prior of mean
    client.trust_init weighing client.belief_weight_honesty audits and client.belief_weight_quality
    weeks, so a new vendor starts at client.trust_init."""
    st.belief_audits = st.belief_audits + st.audited
    st.belief_detected = st.belief_detected + st.detected_gaming
    st.belief_good = st.belief_good + good_week
    weeks = st.tenure + 1.0  # this week included (tenure counts the weeks before it)
    a, q, t0 = c.belief_weight_honesty, c.belief_weight_quality, c.trust_init
    honest = (a * t0 + st.belief_audits - st.belief_detected) / (a + st.belief_audits)
    good = (q * t0 + st.belief_good) / (q + weeks)
    return ops.sqrt(honest * good)


def update_engagement(st, p, ops):
    v = p.vendor
    rate = st.vendor_margin / ops.maximum(st.payments, 1e-9 * st.base)
    rate = ops.clip(rate, -1.0, 1.0)
    st.margin_rate_expected = st.margin_rate_expected + v.margin_learning * (rate - st.margin_rate_expected)
    margin_score = ops.clip(0.5 + st.margin_rate_expected / (2.0 * v.margin_reference), 0.0, 1.0)
    w_m, w_r, w_t = v.engagement_weight_margin, v.engagement_weight_recognition, v.engagement_weight_trust
    target = (w_m * margin_score + w_r * st.recognition + w_t * st.trust_in_client) / ops.maximum(w_m + w_r + w_t, 1e-12)
    st.engagement = st.engagement + v.engagement_speed * (target - st.engagement)


def update_expectations(st, p):
    """The point around which the vendor reads the contract's marginal incentives next week."""
    w = p.vendor.expectation_learning
    st.volume_expected = st.volume_expected + w * (st.volume_measured - st.volume_expected)
    st.score_expected = st.score_expected + w * (st.score - st.score_expected)
    st.tenure = st.tenure + 1.0
