"""Market-wide phases on whole arrays: pressure shocks, weekly demand, and vendor capacity split.

A vendor serves several clients from one pool of capacity. When the week's demand on it is
more than it can serve, it rations: relationship i is served a share min(1, lambda * pull_i)
of its demand, with lambda set so the vendor's whole capacity is used (water-filling: what a
fully served client does not need goes to the others). The pull, exp of a weighted sum, grows
with the margin earned there, the vendor's trust in the client, the client's recognition of
good work and the client's size: a trusted client keeps the vendor's attention when capacity
is short; a bigger client pulls it away from the others. Only differences of pull between a
vendor's relationships move the split, so recognition pulls capacity where clients differ in
it (market.recognition_spread); recognition common to all clients cancels out.
"""

from __future__ import annotations

import math

import numpy as np


def advance_shocks(shock_left: np.ndarray, week: int, p, u: np.ndarray) -> np.ndarray:
    """Weeks of shock left per replication (R, 1): a scheduled shock, or a random one (u: R x 1)."""
    s = p.shock
    left = np.maximum(shock_left - 1, 0)
    if s.week >= 0 and week == s.week:
        left = np.maximum(left, s.duration)
    if np.any(s.random_rate > 0):  # an array when design points differ in it
        left = np.where((left == 0) & (u < s.random_rate), s.duration, left)
    return left


def demand_level(week: int, shocked, p):
    """Market-wide demand multiplier this week: the yearly season times any shock's surge."""
    level = 1.0 + p.market.seasonality * math.sin(2.0 * math.pi * week / 52.0)
    return level * (1.0 + p.shock.demand_surge * shocked)


def weekly_demand(base, level, eps, p, ops):
    """Units demanded on a relationship this week; eps is its client's standard normal draw.

    Lognormal noise with mean one around baseline demand times the market level; the slots of
    a multi-sourcing client share its draw, since they split one client's demand.
    """
    sigma = p.market.demand_noise
    return base * level * ops.exp(sigma * eps - 0.5 * sigma * sigma)


def attention_pull(st, p):
    """How much a vendor wants to serve each relationship when capacity is short (log weight)."""
    v = p.vendor
    return (v.attention_margin * st.margin_rate_expected + v.attention_trust * st.trust_in_client
            + v.attention_recognition * st.recognition + v.attention_size * st.size_log)


def allocate_capacity(st, p, vendor_index, capacity, n_cells):
    """Share of this week's demand each relationship can be served (R, N), in [0, 1].

    vendor_index: flat index r * V + vendor of each relationship; capacity: (R * V,) units.
    """
    flat = vendor_index.ravel()
    demand = st.demand.ravel()
    load = np.bincount(flat, weights=demand, minlength=n_cells)
    short = (load > capacity)[vendor_index]
    if not short.any():
        return np.ones_like(st.demand)
    pull = np.exp(attention_pull(st, p)).ravel()
    weighted = demand * pull
    full = np.zeros(flat.shape, dtype=bool)          # relationships served in full
    # Each round serves in full every relationship the level now reaches, or stops: the set only
    # grows, so the rounds end within one more than the relationships, at the exact level (a
    # fixed number of rounds left capacity unused when a vendor's pulls filled one a round).
    while True:
        left = capacity - np.bincount(flat, weights=np.where(full, demand, 0.0), minlength=n_cells)
        weight = np.bincount(flat, weights=np.where(full, 0.0, weighted), minlength=n_cells)
        lam = (left / np.maximum(weight, 1e-300))[flat]
        now_full = full | (lam * pull >= 1.0)
        if np.array_equal(now_full, full):
            break
        full = now_full
    share = np.where(full, 1.0, np.minimum(lam * pull, 1.0)).reshape(st.demand.shape)
    return np.where(short, share, 1.0)
