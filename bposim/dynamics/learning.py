"""How the relationship itself changes: context knowledge, trust both ways, engagement.

Trust moves with experience and falls faster on betrayal than it rises on good work. The
client's trust in its vendor is a belief updated by evidence (client.trust_model = belief):
the chance that the vendor is a trustworthy type, moved each week by how much likelier the
week's evidence is from such a vendor, so a rare and telling sign (corners found cut) weighs
more than a common one (a clean audit). The vendor's trust in the client gains a share of the
way to 1 on fair treatment and loses a share of itself on unfair treatment, with the loss
shares set larger. Engagement follows margin, recognition and fair treatment.
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
    if c.trust_model == "belief":
        st.trust_in_vendor = believed_trust(st, c, ops)
    elif c.trust_model == "adaptive":
        good_week = st.score >= c.quality_target  # in an audited week the score is the audited truth
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


# The belief is kept this far inside (0, 1): a start or a steered trust of exactly 0 or 1
# (allowed settings) is read as a very strong belief, not an infinite one, and no evidence
# makes the client more certain than that (so a belief at the bound cannot jump back off it).
CERTAINTY = 1e-9


def believed_trust(st, c, ops):
    """Trust as a belief updated by evidence: the client's posterior chance that the vendor is
    of a trustworthy type rather than an untrustworthy one. In log-odds, last week's belief
    first forgets client.belief_forgetting of its distance from the prior (client.trust_init:
    a type can drift), then adds the log likelihood ratio of each piece of this week's evidence."""
    prior = log_odds(c.trust_init, ops)
    belief = prior + (1.0 - c.belief_forgetting) * (log_odds(st.trust_in_vendor, ops) - prior)
    belief = belief + trust_evidence(st, c, ops)
    return ops.clip(1.0 / (1.0 + ops.exp(-belief)), CERTAINTY, 1.0 - CERTAINTY)


def trust_evidence(st, c, ops):
    """The log likelihood ratio, trustworthy against untrustworthy, of this week's evidence.

    An audit's outcome is read from the chance the client reckons either type has of being
    caught: since a trustworthy vendor is almost never caught, a detection is strong evidence
    against it and a clean audit weak evidence for it, which is why trust falls faster on
    betrayal than it rises on good work. The week's score is read against the mean quality the
    client expects of either type. The relationship's signs are events, each weighing its
    declared likelihood ratio."""
    caught, uncaught = c.belief_caught_if_trustworthy, c.belief_caught_if_untrustworthy
    high, low, spread = c.belief_quality_if_trustworthy, c.belief_quality_if_untrustworthy, c.belief_quality_spread
    clean = st.audited - st.detected_gaming
    audits = (st.detected_gaming * ops.log(caught / uncaught)
              + clean * ops.log((1.0 - caught) / (1.0 - uncaught)))
    # A normal likelihood of the score around each type's mean: linear in the score, zero midway.
    week = (high - low) / (spread * spread) * (st.score - 0.5 * (high + low))
    signs = (st.breaks_flagged * ops.log(c.belief_lr_flag) + st.feedback_actioned * ops.log(c.belief_lr_action)
             + st.vendor_feedback * ops.log(c.belief_lr_vendor_feedback)
             + st.breaks_missed * ops.log(c.belief_lr_missed_break) + st.escalations * ops.log(c.belief_lr_escalation)
             + st.feedback_repeated * ops.log(c.belief_lr_repeat))
    return audits + week + signs


def log_odds(trust, ops):
    trust = ops.clip(trust, CERTAINTY, 1.0 - CERTAINTY)
    return ops.log(trust / (1.0 - trust))


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
