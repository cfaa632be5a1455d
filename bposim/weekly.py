"""The model's set-up and weeks without Mesa's framework: what `simulate` and `simulate_design`
step when the array engine runs the market. bposim.model.BPOModel is this model as a Mesa model
(its agents, DataCollector, clock and the per-agent engine); the numbers are the same. Mesa's
import (its spaces pull in SciPy and NetworkX) was a third of `bposim-compare`'s start-up
(#14 item 9), so a run that needs none of it does not import it.
"""

from __future__ import annotations

import numpy as np

from .config import replications_keyword
from .dynamics.market import advance_shocks, demand_level
from .dynamics.tender import VendorMarket
from .engines import AGENT_ENGINE_MAX, ArrayEngine
from .metrics import ALL, METRIC_NAMES, Recorder
from .rng import Streams
from .state import new_array_state

_REPORTED = [(i, m.total) for i, m in enumerate(ALL) if m.name in METRIC_NAMES]


def auto_engine(settings, replications: int | None = None, points: int = 1) -> str:
    """The engine "auto" picks: the per-agent loop for a handful of relationship-replications
    (where it is the faster), the arrays otherwise."""
    m = settings.market
    rows = replications_keyword(replications, settings.config.replications) * int(points)
    return "agents" if m.n_clients * m.vendors_per_client * rows <= AGENT_ENGINE_MAX else "array"


def stepping_model(settings, replications: int | None = None, points: int = 1):
    """The model a run steps, recording no DataCollector: this one on arrays, or Mesa's BPOModel
    where one point's handful of relationships runs faster as agents (as BPOModel would pick)."""
    if points == 1 and auto_engine(settings, replications) == "agents":
        from .model import BPOModel

        return BPOModel(settings, replications=replications, collect=False)
    return WeeklyModel(settings, settings.config.seed, replications, points)


class WeeklyModel:
    """Clients and vendors under a payment scheme, one week per `advance_week`, on arrays
    (see bposim.model.BPOModel for the arguments; settings are validated Settings)."""

    collect = False  # no Mesa DataCollector here

    def __init__(self, settings, seed: int, replications: int | None = None, points: int = 1,
                 engine: str = "array"):
        cfg = settings.config
        self.settings = settings
        self.seed = seed
        self.points = int(points)
        self.replications = replications_keyword(replications, cfg.replications) * self.points
        self.n_steps = cfg.steps
        self.running = True
        self._build(settings)
        self.engine = ArrayEngine(self) if engine == "array" else self._agent_engine()
        self.recorder = Recorder(cfg.steps, self.replications, self.n_relationships,
                                 self._records_relationships(cfg), cfg.record.every)
        self.week = 0  # weeks simulated so far

    def _agent_engine(self):
        raise ValueError("engine = 'agents' needs Mesa's agents: use bposim.BPOModel")

    # --- set-up -----------------------------------------------------------------------------

    def _build(self, p) -> None:
        m = p.market
        R, C, V, k = self.replications, m.n_clients, m.n_vendors, m.vendors_per_client
        N = C * k
        self.n_relationships = N
        self.streams = Streams(self.seed, R // self.points, {
            "structure": C, "demand": C, "shocks": 1, "decisions": N, "production": N,
            "breaks": N, "audits": N, "feedback": N, "reviews": N, "renewals": N,
            "vendor_types": V, "recognition": C, **VendorMarket.stream_widths(p, N, V)}, copies=self.points)
        # Client sizes: lognormal around base_demand, client 0 scaled to be the big one.
        z = self.streams.once("structure", (C,))
        size = m.base_demand * np.exp(m.client_size_spread * z - 0.5 * m.client_size_spread ** 2)
        size[:, :1] *= m.big_client_multiplier
        self.client_size = size                                   # (R, C)
        self.client_of = np.repeat(np.arange(C), k)               # (N,)
        slot = np.tile(np.arange(k), C)
        first_vendor = (self.client_of * k + slot) % V            # spread clients over vendors
        base = size[:, self.client_of] / k                        # (R, N)
        # The fancy index leaves base in Fortran order; the mean is taken on it as it was when
        # the recorded numbers were pinned, then the state is kept in C order: elementwise
        # phases over many replications of a small market run several times faster when no
        # operand needs a strided walk (tests/test_pinned.py holds the numbers).
        mean = base.mean(axis=1, keepdims=True)
        base = np.ascontiguousarray(base)
        st = new_array_state(p, base)
        st.vendor_id = np.broadcast_to(first_vendor.astype(float), (R, N)).copy()
        st.size_log = np.log(base / mean)
        # Clients that differ in how they recognise good work: drawn only when they do, from
        # the stream's own generators, so every other number is what it is without the spread.
        if np.any(m.recognition_spread > 0):
            z = self.streams.once("recognition", (C,))[:, self.client_of]
            st.recognition = np.clip(st.recognition + m.recognition_spread * z, 0.0, 1.0)
        self.array_state = st
        # Vendors staff each contract they hold with capacity_slack x its baseline demand and
        # pool that staff across their clients; the staff moves with a contract that switches.
        st.staff = p.vendor.capacity_slack * base
        # Vendor types, and the market's memory for tenders; index V is the clients' own
        # in-house work, a capacity cell of its own.
        self.market = VendorMarket(p, self.streams, R, V)
        self.market.start(st, p)
        self._row_offset = (np.arange(R) * (V + 1))[:, None]
        self.refresh_vendor_index()
        self.shock_left = np.zeros((R, 1))
        self.shocks_possible = bool(p.shock.week >= 0 or np.any(p.shock.random_rate > 0))
        # Relationships by client, indexed once: client c holds by_client[starts[c]:starts[c + 1]].
        self._by_client = np.argsort(self.client_of, kind="stable")
        self._client_starts = np.concatenate(([0], np.cumsum(np.bincount(self.client_of, minlength=C))))

    def _records_relationships(self, cfg) -> bool:
        mode = cfg.record.relationships
        if mode == "auto":
            return self.n_relationships * self.replications <= cfg.record.auto_limit
        return mode == "all"

    def refresh_vendor_index(self) -> None:
        self.vendor_index = self._row_offset + self.array_state.vendor_id.astype(np.intp)

    @property
    def state(self):
        """The relationships' state as (replications, relationships) arrays, by attribute."""
        return self.engine.state

    # --- the week ---------------------------------------------------------------------------

    def advance_week(self) -> None:
        """One week: market (shocks, demand, capacity split), then every relationship's week.

        `simulate` calls this directly: a batch run needs no event clock, and Mesa's costs
        more per week than a one-relationship market's whole week.
        """
        p, draw = self.settings, self.streams
        week = self.week
        self.week += 1
        if self.shocks_possible:
            self.shock_left = advance_shocks(self.shock_left, week, p, draw["shocks"].next()[0])
            shocked = self.shock_left > 0
            staffed = 1.0 - p.shock.capacity_cut * shocked   # share of staff at work, (R, 1)
        else:
            shocked, staffed = 0.0, 1.0
        level = demand_level(week, shocked, p)
        period = p.client.review_period
        review_now = period > 0 and (week + 1) % period == 0
        self.engine.week(level, staffed, review_now)
        self.recorder.record(self.engine, week)
        if self.collect:
            self.datacollector.collect(self)
        if self.week >= self.n_steps:
            self.running = False

    # --- reading results --------------------------------------------------------------------

    def week_value(self, k: int) -> float:
        """This week's market value of metric METRIC_NAMES[k] (mean over replications)."""
        i, total = _REPORTED[k]
        value = self.recorder.latest[i].mean()
        return float(value if total else value / self.n_relationships)
