"""Quarterly contract reviews: keep, re-weight, re-price, warn, or end the contract and switch.

Run every client.review_period weeks, on what the period showed. In order:
  1. the vendor walks away after exit_patience loss-making reviews in a row;
  2. the client ends the contract when trust is very low, or (with a set chance) when an
     audit found corner-cutting this period; either way it switches vendor, pays the
     switching cost, and the new team starts with no context and default trust;
  3. otherwise it warns a vendor with low trust or detected gaming (the vendor then fears
     termination more, and an unfounded warning costs the client some of its trust);
  4. re-weights pay toward audited quality and audits more when the score and the truth
     drift apart, and relaxes both after a clean period (client.relax_step, audit_relax_step);
  5. re-prices when one side is losing money (a cut costs trust).
"""

from __future__ import annotations

from ..state import PERIOD, restart_contracts
from .contract import audit_chance, renewal_chance


def review(st, p, u, n_vendors, ops):
    """u: two uniforms (termination after detected gaming, choice of the next vendor)."""
    c, v = p.client, p.vendor
    period = c.review_period
    # The vendor weighs the period's margin net of the risk it carried (its certainty equivalent)
    # against its outside option; the earlier model, risk not in money, used the margin alone.
    kept = st.period_margin - st.period_risk if v.risk_in_money else st.period_margin
    losing = kept < v.outside_option * st.base * period
    st.loss_reviews = ops.where(losing, st.loss_reviews + 1.0, 0.0)
    walks = (v.exit_patience > 0) & (st.loss_reviews >= max(v.exit_patience, 1))
    caught = st.period_detected > 0.0
    ends = c.review_terminate & ((st.trust_in_vendor < c.terminate_below_trust)
                                 | (caught & (u[0] < c.termination_on_detection + st.warning_risk)))
    outsourced = st.in_house <= 0.0  # work done in-house has no contract to review
    switch = (walks | ends) & outsourced
    keep = ops.not_(switch) & outsourced
    st.ended_for_cause = (ends & outsourced) * 1.0  # a terminated vendor is barred (tender.py)

    warn = keep & c.review_warn & ((st.trust_in_vendor < c.warn_below_trust) | caught)
    st.unfounded_warning = (warn & ops.not_(caught)) * 1.0
    st.warning_risk = ops.where(warn, c.warning_weight, c.warning_memory * st.warning_risk)
    st.deviance = ops.where(warn, 0.0, st.deviance)

    audits = ops.maximum(st.period_audits, 1.0)
    drifting = caught | ((st.period_audits > 0.0) & (st.period_gap / audits > c.misalignment_tolerance))
    reweight = keep & c.review_reweight & drifting
    # A clean period relaxes what drift tightened, at its own rates: its audits showed no drift and
    # trust is not low. A period without audits is unseen, not clean: it relaxes nothing.
    clean = (st.period_audits > 0.0) & ops.not_(drifting)
    relax = keep & c.review_reweight & clean & (st.trust_in_vendor >= c.warn_below_trust)
    step, back = c.reweight_step, c.relax_step
    st.verification = ops.where(reweight, st.verification + step * (1.0 - st.verification),
                                ops.where(relax, st.verification * (1.0 - back), st.verification))
    st.quality_tilt = ops.where(reweight, st.quality_tilt + step * (1.0 - st.quality_tilt),
                                ops.where(relax, st.quality_tilt * (1.0 - back), st.quality_tilt))
    most_boost = 1.0 / ops.maximum(c.audit_rate, 1e-6)
    st.audit_boost = ops.where(reweight, ops.minimum(st.audit_boost * c.audit_boost_step, most_boost),
                               ops.where(relax, ops.maximum(st.audit_boost / c.audit_relax_step, 1.0), st.audit_boost))

    vendor_loses = st.period_margin < 0.0
    client_loses = st.period_net < 0.0
    raise_price = keep & c.review_reprice & vendor_loses & ops.not_(client_loses)
    cut_price = keep & c.review_reprice & client_loses & ops.not_(vendor_loses)
    st.price_factor = st.price_factor * (1.0 + c.reprice_step * raise_price - c.reprice_step * cut_price)
    st.price_cut = cut_price * 1.0

    st.switches = switch * 1.0
    st.switch_cost = switch * c.switching_cost
    switch_vendor(st, p, switch, u[1], n_vendors, ops)
    for name in PERIOD:
        setattr(st, name, 0.0 * st.base)


def switch_vendor(st, p, switch, u, n_vendors, ops):
    """Where switch is true, a new vendor (uniform over the others) takes over with a new team.

    The week's tender (bposim.dynamics.tender) may then put another vendor in its place, or take
    the work in-house; it knows which vendor was just left from last_vendor."""
    c = p.client
    st.last_vendor = ops.where(switch, st.vendor_id, st.last_vendor)
    if n_vendors > 1:
        pick = (u * (n_vendors - 1)) // 1.0
        st.vendor_id = ops.where(switch, pick + (pick >= st.vendor_id), st.vendor_id)
    restart_contracts(st, p, switch, ops)
    # A new team expects the audits it will really meet: the client's audit intensity, raised
    # by earlier reviews, stays with the client.
    expected_audits = audit_chance(c, st.audit_boost, c.trust_init, ops)
    st.audit_belief = ops.where(switch, expected_audits, st.audit_belief)


def end_of_term(st, p, u, n_vendors, ops):
    """At the end of a contract's term the client renews it, with a chance rising with its trust,
    or ends it and switches vendor. Without periodic reviews, corner-cutting found during the
    term is a cause to end it, with the chance a review would apply.

    u: two uniforms (renewal, choice of the next vendor). Returns the switching cost (MU).
    """
    c = p.client
    term = c.contract_term
    due = (st.tenure >= term) & (st.tenure % term == 0.0)
    renew_chance = renewal_chance(c, st.trust_in_vendor, ops)
    if c.review_period <= 0 and c.review_terminate:
        cause = ops.minimum(c.termination_on_detection + st.warning_risk, 1.0) * (st.term_detected > 0.0)
        renew_chance = renew_chance * (1.0 - cause)
    renewed = u[0] < renew_chance
    switch = due & ops.not_(renewed) & (st.in_house <= 0.0)
    if c.review_period <= 0 and c.review_terminate:  # ended for what the term's audits found
        st.ended_for_cause = ops.where(switch, (st.term_detected > 0.0) * 1.0, st.ended_for_cause)
    st.term_detected = ops.where(due, 0.0, st.term_detected)
    st.switches = st.switches + switch
    cost = switch * c.switching_cost
    st.switch_cost = st.switch_cost + cost
    if not ops.all(ops.not_(switch)):  # most weeks no term ends: the restart would change nothing
        switch_vendor(st, p, switch, u[1], n_vendors, ops)
    return cost


def quiet_week(st):
    """Weeks without a review: no review events."""
    zero = 0.0 * st.base
    st.unfounded_warning = zero
    st.price_cut = zero
    st.switches = zero
    st.switch_cost = zero
