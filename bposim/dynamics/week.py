"""The relationship phases of one week, in order: the single sequence both engines run.

The array engine calls it once on (replications x relationships) arrays; the per-agent engine
calls it from each RelationshipAgent.step on that relationship's floats. The market phases
(shocks, demand, capacity split) come before it, recording after it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .audits import audit, oversight_hours
from .breaks import process_breaks
from .decisions import decide
from .feedback import exchange_feedback
from .inhouse import any_in_house, keep_vendor_side, vendor_side, work_in_house
from .learning import learn_context, update_engagement, update_expectations, update_trust
from .payments import settle
from .production import produce
from .reviews import end_of_term, quiet_week, review


class Draws(NamedTuple):
    """This week's random numbers for a set of relationships, one entry per named stream."""

    decisions: Any
    production: Any
    breaks: Any
    audits: Any
    feedback: Any
    reviews: Any
    renewals: Any


def relationship_week(st, p, draws: Draws, review_now: bool, n_vendors: int, ops, seats=None) -> None:
    """seats: people playing some relationships' client or vendor (bposim.app.room.Seats), or
    None. The hook has two calls: `seats.decided(st)` right after the best response (their
    efforts and corner-cutting replace the model's), and `seats.review(st, run)` in review
    weeks, given the model's review as `run()` (it records the model's choice, then makes its
    people's). Their audit, feedback and flagging choices are set in the week's draws before
    this runs (ArrayEngine.week).

    Work done in-house (3.14c) runs the same phases, then its own week replaces their flows and
    the vendor-side state they moved is put back at the week's end."""
    in_house = any_in_house(st, ops)
    before = vendor_side(st) if in_house else None
    decide(st, p, draws.decisions, ops)
    if seats is not None:
        seats.decided(st)
    produce(st, p, draws.production, ops)
    process_breaks(st, p, draws.breaks, ops)
    audit(st, p, draws.audits, ops)
    settle(st, p, ops)
    exchange_feedback(st, p, draws.feedback, ops)
    st.oversight_hours = oversight_hours(st, p)
    st.client_net_value = (st.client_value - st.payments - p.client.hourly_cost * st.oversight_hours
                           - st.damage)
    st.period_net = st.period_net + st.client_net_value
    if in_house:
        work_in_house(st, p, ops)
    else:
        st.inhouse_cost = 0.0 * st.base
    learn_context(st, p)
    update_trust(st, p, ops)
    update_engagement(st, p, ops)
    update_expectations(st, p)
    if review_now:
        if seats is None:
            review(st, p, draws.reviews, n_vendors, ops)
        else:
            seats.review(st, lambda: review(st, p, draws.reviews, n_vendors, ops))
        st.client_net_value = st.client_net_value - st.switch_cost
    else:
        quiet_week(st)
    if p.client.contract_term > 0:
        st.client_net_value = st.client_net_value - end_of_term(st, p, draws.renewals, n_vendors, ops)
    st.quality_gap = st.measured_quality - st.true_quality
    if in_house:
        keep_vendor_side(st, before, ops)
