"""The Mesa model: clients, vendors and the relationships between them, stepping weekly.

BPOModel builds the state arrays of every relationship in every replication (in time linear in
relationships: no Python loop per client or vendor), gives Client and Vendor agents over them
on demand, and `step` runs one week as a short sequence of named phases (docs/ODD.md, "Process
overview and scheduling", lists the same phases in the same order).
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from .agents import Client, Roster, Vendor
from .config import replications_keyword, seed_keyword, settings_from
from .dynamics.market import advance_shocks, demand_level
from .dynamics.tender import VendorMarket
from .engines import AGENT_ENGINE_MAX, AgentEngine, ArrayEngine
from .metrics import ALL, METRIC_NAMES, Recorder
from .rng import Streams
from .state import new_array_state

_REPORTED = [(i, m.total) for i, m in enumerate(ALL) if m.name in METRIC_NAMES]


class BPOModel(mesa.Model):
    """Clients and vendors under a payment scheme, one week per step.

    Args:
        config: a composed configuration (from `bposim.compose`), a Config, a dict, or None for
            the packaged defaults.
        rng: seed of every random stream (an int, or a numpy Generator to draw one from);
            defaults to the configuration's `seed`.
        replications: independent replications run side by side in the same arrays
            (replication r uses streams seeded by (seed, r), as it would alone).
        collect: fill `datacollector` every week (Mesa's tools read it); `simulate` turns it
            off and reads the faster recorder instead.
        points: design points run side by side (bposim.explore): the settings' parameters that
            differ between points are (points x replications, 1) arrays, point-major (row
            p * replications + r), and replication r of every point draws the same numbers.
            `replications` then counts the rows of all points together.
        engine: "array" (numpy over all relationships at once), "agents" (each relationship a
            Mesa agent stepping its own floats: the same equations, one at a time) or "auto"
            (agents for a handful of relationships, where they are faster, array otherwise).
        **params: configuration values as keywords: a group choice (`scheme="per_volume"`),
            a dotted or double-underscore path (`**{"client.audit_rate": 0.2}`,
            `client__audit_rate=0.2`), or a field name that is unique (`audit_rate=0.2`,
            `n_clients=5`). Values are range-checked like any configuration.
    """

    def __init__(self, config: Any = None, *, rng: Any = None, replications: int | None = None,
                 collect: bool = True, engine: str = "auto", points: int = 1, **params: Any):
        settings = settings_from(config, params)
        cfg = settings.config
        seed = seed_keyword(rng, cfg.seed)
        super().__init__(rng=seed)
        self.settings = settings
        self.seed = seed
        self.points = int(points)
        self.replications = replications_keyword(replications, cfg.replications) * self.points
        self.n_steps = cfg.steps
        self._build(settings)
        if engine == "auto":
            engine = "agents" if self.n_relationships * self.replications <= AGENT_ENGINE_MAX else "array"
        if engine not in ("array", "agents"):
            raise ValueError(f"engine = {engine!r} is not allowed: use array, agents or auto")
        self.engine = ArrayEngine(self) if engine == "array" else AgentEngine(self)
        self.recorder = Recorder(cfg.steps, self.replications, self.n_relationships,
                                 self._records_relationships(cfg), cfg.record.every)
        self.collect = collect
        self.week = 0  # weeks simulated so far
        self.datacollector = mesa.DataCollector(
            model_reporters={name: (lambda m, k=k: m.week_value(k)) for k, name in enumerate(METRIC_NAMES)})

    # --- set-up -----------------------------------------------------------------------------

    def _build(self, p) -> None:
        m = p.market
        R, C, V, k = self.replications, m.n_clients, m.n_vendors, m.vendors_per_client
        N = C * k
        self.n_relationships = N
        self.streams = Streams(self.seed, R // self.points, {
            "structure": C, "demand": C, "shocks": 1, "decisions": N, "production": N,
            "breaks": N, "audits": N, "feedback": N, "reviews": N, "renewals": N,
            "vendor_types": V, "tenders": N}, copies=self.points)
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
        self.clients = Roster(self._make_client, C)
        self.vendors = Roster(self._make_vendor, V)

    def _records_relationships(self, cfg) -> bool:
        mode = cfg.record.relationships
        if mode == "auto":
            return self.n_relationships * self.replications <= cfg.record.auto_limit
        return mode == "all"

    def refresh_vendor_index(self) -> None:
        self.vendor_index = self._row_offset + self.array_state.vendor_id.astype(np.intp)

    # Mesa's views of the agents make every client and vendor first (the rosters make them lazily).

    @property
    def agents(self):
        self._make_agents()
        return super().agents

    @property
    def agents_by_type(self):
        self._make_agents()
        return super().agents_by_type

    @property
    def agent_types(self):
        self._make_agents()
        return super().agent_types

    def _make_client(self, c: int) -> Client:
        return Client(self, c, self._by_client[self._client_starts[c]:self._client_starts[c + 1]])

    def _make_vendor(self, v: int) -> Vendor:
        return Vendor(self, v)

    def _make_agents(self) -> None:
        if "vendors" in self.__dict__:  # not while mesa.Model.__init__ runs, before the build
            self.clients.make_all()
            self.vendors.make_all()

    @property
    def state(self):
        """The relationships' state as (replications, relationships) arrays, by attribute."""
        return self.engine.state

    # --- the week ---------------------------------------------------------------------------

    def step(self) -> None:
        """One week (Mesa's entry point: its clock and `steps` counter advance too)."""
        self.advance_week()

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
