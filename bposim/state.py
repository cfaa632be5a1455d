"""The state of every relationship, as attributes holding (replications x relationships) arrays.

One attribute per quantity, named as the domain names it. The array model holds numpy arrays
of shape (R, N); the per-agent reference loop holds one float per attribute in an object of
the same class, so the phase functions in bposim.dynamics read and write both the same way.
"""

from __future__ import annotations

import numpy as np

from .dynamics.contract import audit_chance, client_value
from .ops import ARRAY

# This week's choices at set-up. A switch does not reset them: they are what the week just
# recorded shows, and a new team sets up at its best response in its first week anyway.
CHOICES_START = {
    "effort_volume": lambda p: 0.0,
    "effort_quality": lambda p: 0.0,
    "gaming": lambda p: 0.0,
}

# Quantities a new contract starts from (after set-up or a switch of vendor). Values are
# (attribute, how to get the start value from the settings).
CONTRACT_START = {
    "context": lambda p: 0.0,
    "improvement": lambda p: 0.0,
    "trust_in_vendor": lambda p: p.client.trust_init,
    "trust_in_client": lambda p: p.vendor.trust_init,
    "engagement": lambda p: p.vendor.engagement_init,
    "audit_belief": lambda p: one_or_many(audit_chance(p.client, 1.0, p.client.trust_init, ARRAY)),
    "deviance": lambda p: 0.0,
    "warning_risk": lambda p: 0.0,
    "open_items": lambda p: 0.0,
    "tenure": lambda p: 0.0,
    "loss_reviews": lambda p: 0.0,
    "volume_expected": lambda p: 1.0,
    "score_expected": lambda p: p.client.quality_target,
    "margin_rate_expected": lambda p: 0.0,
    "audited_quality": lambda p: p.client.quality_target,
    "fixed_pay": lambda p: 0.0,
    "term_detected": lambda p: 0.0,
}

# Quantities that belong to the client's side of the contract and survive a switch of vendor:
# what the client learnt about pricing, verification and audits stays with the client.
CLIENT_TERMS = {
    "price_factor": lambda p: 1.0,
    "verification": lambda p: 0.0,
    "quality_tilt": lambda p: 0.0,
    "audit_boost": lambda p: 1.0,
    "process_improvement": lambda p: 0.0,
}

# A client remembers the last BARRED vendors whose contract with it ended (a known
# simplification, docs/ODD.md 3.20): with more ends inside one cool-off the oldest is forgotten.
BARRED = 4
NO_VENDOR = -1.0

# The relationship's place in the market (bposim.dynamics.tender): its vendor's type (neutral
# when vendors are all alike), what the client's tenders remember, and the audits seen of the
# vendor in the running contract, which go into the vendor's reputation when it ends.
MARKET_START = {
    "vendor_ability": 1.0, "vendor_cost_factor": 1.0, "vendor_integrity": 0.0,
    "in_house": 0.0, "inhouse_left": 0.0, "last_vendor": NO_VENDOR, "ended_for_cause": 0.0,
    **{f"barred_{i}": NO_VENDOR for i in range(BARRED)}, **{f"barred_{i}_until": 0.0 for i in range(BARRED)},
    "seen_audits": 0.0, "seen_detected": 0.0, "seen_quality": 0.0,
}

# Sums over the current review period, cleared at each review.
PERIOD = ("period_detected", "period_audits", "period_gap", "period_margin", "period_net", "period_risk")

# This week's events and flows, written by the phases and read by the recorder.
WEEKLY = (
    "demand", "attention", "served", "volume", "volume_measured", "true_quality", "measured_quality", "score",
    "outcome_reported", "detected_gaming", "audited", "breaks_flagged", "breaks_missed",
    "escalations", "feedback_given", "feedback_actioned", "feedback_repeated", "vendor_feedback",
    "oversight_hours", "payments", "vendor_cost", "effort_cost", "vendor_margin", "client_value", "damage",
    "client_net_value", "switches", "switch_cost", "unfair_penalty", "price_cut",
    "unfounded_warning", "quality_gap", "risk_premium", "inhouse_cost",
)


class RelationshipState:
    """Attributes are arrays (R, N) in the array model, floats in the per-agent loop."""

    def __init__(self, **values):
        self.__dict__.update(values)


def new_array_state(settings, base: np.ndarray) -> RelationshipState:
    """Start state for relationships with baseline demand `base` (R, N)."""
    shape = base.shape
    st = RelationshipState(base=base)
    for name, start in {**CHOICES_START, **CONTRACT_START, **CLIENT_TERMS}.items():
        setattr(st, name, filled(shape, start(settings)))
    for name in PERIOD + WEEKLY:
        setattr(st, name, np.zeros(shape))
    for name, value in MARKET_START.items():
        setattr(st, name, np.full(shape, value))
    # Every client recognises good work alike unless the market spreads it (WeeklyModel._build).
    st.recognition = filled(shape, settings.client.recognition)
    st.outcome_ring = [filled(shape, expected_outcome_start(settings))
                       for _ in range(settings.market.outcome_lag + 1)]
    st.outcome_pos = 0
    return st


def one_or_many(value):
    """A float for one set of settings; the (rows, 1) array as it is when design points run side
    by side, each with its own parameters (bposim.explore)."""
    return float(value) if np.ndim(value) == 0 else value


def filled(shape, value) -> np.ndarray:
    """A new float array of `shape` holding value: a number, or one per row (rows, 1)."""
    if np.ndim(value) == 0:
        return np.full(shape, float(value))
    return np.broadcast_to(value, shape).astype(float)


def expected_outcome_start(settings) -> float:
    """Business outcome assumed reported before the first real one arrives (MU per unit of demand)."""
    c, v = settings.client, settings.vendor
    return client_value(c, 1.0, v.base_quality, 1.0, 1.0)


def restart_contracts(st: RelationshipState, settings, mask, ops) -> None:
    """New vendor team on the relationships where mask is true: no context, default trust."""
    for name, start in CONTRACT_START.items():
        setattr(st, name, ops.where(mask, start(settings), getattr(st, name)))
