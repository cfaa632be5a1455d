"""The Mesa model: clients, vendors and the relationships between them, stepping weekly.

BPOModel builds the state arrays of every relationship in every replication (in time linear in
relationships: no Python loop per client or vendor), gives Client and Vendor agents over them
on demand, and `step` runs one week as a short sequence of named phases (docs/ODD.md, "Process
overview and scheduling", lists the same phases in the same order). The set-up and the week
are bposim.weekly.WeeklyModel's, which `simulate` and `simulate_design` step without Mesa where
the array engine runs; this class adds Mesa's framework: the agents, the DataCollector, the
clock and the per-agent engine.
"""

from __future__ import annotations

from typing import Any

import mesa

from .agents import Client, Roster, Vendor
from .config import seed_keyword, settings_from
from .engines import AgentEngine
from .metrics import METRIC_NAMES
from .weekly import WeeklyModel, auto_engine


class BPOModel(WeeklyModel, mesa.Model):
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
        seed = seed_keyword(rng, settings.config.seed)
        mesa.Model.__init__(self, rng=seed)
        if engine == "auto":
            engine = auto_engine(settings, replications, points)
        if engine not in ("array", "agents"):
            raise ValueError(f"engine = {engine!r} is not allowed: use array, agents or auto")
        WeeklyModel.__init__(self, settings, seed, replications, points, engine)
        self.collect = collect
        self.datacollector = mesa.DataCollector(
            model_reporters={name: (lambda m, k=k: m.week_value(k)) for k, name in enumerate(METRIC_NAMES)})

    def _build(self, p) -> None:
        super()._build(p)
        self.clients = Roster(self._make_client, p.market.n_clients)
        self.vendors = Roster(self._make_vendor, p.market.n_vendors)

    def _agent_engine(self):
        return AgentEngine(self)

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

    # --- the week ---------------------------------------------------------------------------

    def step(self) -> None:
        """One week (Mesa's entry point: its clock and `steps` counter advance too)."""
        self.advance_week()
