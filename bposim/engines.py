"""Two ways to run the same week: array code over all relationships, or one Mesa agent each.

ArrayEngine evaluates the relationship phases (bposim.dynamics.week) once on arrays of shape
(replications, relationships). AgentEngine makes each relationship a Mesa agent
(bposim.agents.RelationshipAgent) whose step() evaluates the very same functions on its own
floats: the plain per-agent loop. Both draw the same random numbers, so they give the same results; the benchmark times one against the other
and the tests check they agree. For a handful of relationships the per-agent loop is the
faster of the two (numpy's cost per call outweighs the work), so BPOModel picks it there.
"""

from __future__ import annotations

import math
import operator
from typing import TYPE_CHECKING

import numpy as np

from .dynamics.market import allocate_capacity, attention_pull, weekly_demand
from .dynamics.week import Draws, relationship_week
from .ops import ARRAY, SCALAR
from .state import CONTRACT_START, MARKET_START, RelationshipState

if TYPE_CHECKING:
    from .agents import RelationshipAgent

# What a tender reads and writes: the per-agent engine gathers these from its agents and back.
TENDER_ATTRIBUTES = ("base", "vendor_id", "staff", "switches", "switch_cost", "client_net_value", "audit_boost",
                     *MARKET_START, *CONTRACT_START)

# Above this many relationship-replications the array engine is faster (benchmarks/README.md).
AGENT_ENGINE_MAX = 4

# Larger markets run the relationship phases on column blocks of about this many cells
# (replications x relationships): each phase makes dozens of temporary arrays, which then stay
# in the CPU cache instead of streaming through memory (a million relationships stepped in
# one piece ran at half the speed of ten thousand). The phases are elementwise per
# relationship, so the numbers are the same either way.
BLOCK_CELLS = 1 << 14

# Up to this many cells (attributes x replications x relationships) the recorder's weekly sums
# stack the attributes and reduce once; above it, one attribute at a time (no stacked copy).
STACK_CELLS = 1 << 20
SEQUENTIAL_BELOW = 8  # numpy's pairwise summation adds blocks of fewer items in order


class ArrayEngine:
    name = "array"

    def __init__(self, model):
        self.model = model
        self.state = model.array_state
        R, N = self.state.base.shape
        self.block = max(1, BLOCK_CELLS // R)  # relationships per block

    def week(self, level, staffed, review_now: bool) -> None:
        m, st = self.model, self.state
        draw = m.streams
        eps_demand = draw["demand"].next()[0]
        # Review draws matter only in review weeks, renewal draws only when contracts have a
        # term; otherwise the streams skip them without drawing.
        needed = {"reviews": review_now, "renewals": m.settings.client.contract_term > 0}
        draws = Draws(*(draw[name].next() if needed.get(name, True) else draw[name].skip()
                        for name in Draws._fields))
        st.demand = weekly_demand(st.base, level, eps_demand.take(m.client_of, axis=1), m.settings, ARRAY)
        cells = m.replications * (m.settings.market.n_vendors + 1)  # the last: in-house work
        capacity = np.bincount(m.vendor_index.ravel(), weights=st.staff.ravel(), minlength=cells)
        if not isinstance(staffed, float):
            capacity = (capacity.reshape(m.replications, -1) * staffed).ravel()
        st.attention = allocate_capacity(st, m.settings, m.vendor_index, capacity, cells)
        n = st.base.shape[1]
        seats = getattr(m, "seats", None)  # people at some seats (bposim.app.room); None in every study
        if seats is not None:
            assert n <= self.block, "people play seats in small markets only"
            seats.draws(draws, review_now)
        if n <= self.block:
            relationship_week(st, m.settings, draws, review_now, m.settings.market.n_vendors, ARRAY, seats)
        else:
            scalars = {name: v for name, v in vars(st).items() if not isinstance(v, (np.ndarray, list))}
            for start in range(0, n, self.block):
                block = self._block_week(slice(start, start + self.block), scalars, draws, review_now)
            for name in scalars:
                setattr(st, name, getattr(block, name))
        tendered = market_phase(m, st)
        if review_now or m.settings.client.contract_term > 0 or tendered:  # a term can end in any week
            m.refresh_vendor_index()

    def _block_week(self, columns: slice, scalars: dict, draws: Draws, review_now: bool) -> RelationshipState:
        """The relationship phases on one block of columns, written back into the state in place.

        Every block starts from the week's scalars (the outcome ring's position), not from
        what an earlier block left in them.
        """
        st, p = self.state, self.model.settings
        cells = (slice(None), columns)
        views = {name: v[cells] for name, v in vars(st).items() if isinstance(v, np.ndarray)}
        ring = [a[cells] for a in st.outcome_ring]
        block = RelationshipState(**views, **scalars, outcome_ring=list(ring))
        relationship_week(block, p, Draws(*(None if d is None else d[:, :, columns] for d in draws)),
                          review_now, p.market.n_vendors, ARRAY)
        for name, value in vars(block).items():
            if name == "outcome_ring":
                for full, new, old in zip(st.outcome_ring, value, ring):
                    if new is not old:
                        full[cells] = new
            elif name in views:
                if value is not views[name]:
                    getattr(st, name)[cells] = value
            elif name not in scalars:
                raise AttributeError(f"the week set {name}, which the state does not hold: add it to bposim.state")
        return block

    def frame(self, attributes) -> np.ndarray:
        """(attributes, R, N) array of the named state attributes."""
        return np.stack([getattr(self.state, a) for a in attributes])

    def sums(self, attributes) -> np.ndarray:
        """(attributes, R): the named attributes summed over relationships, with no (attributes,
        R, N) copy of the state (at a million relationships that copy is a quarter of a GB).

        Each is summed in C order, as the stacked frame is (a fancy-indexed attribute can be in
        Fortran order, where numpy would add up the rows in another order)."""
        n = self.state.base.shape[1]
        if n < SEQUENTIAL_BELOW:
            # numpy adds fewer than 8 items strictly left to right, so the same sums come from
            # adding whole columns, fast where a reduction over 1-7 items per row is not (many
            # replications of a small market: design points side by side).
            columns = [getattr(self.state, a) for a in attributes]
            total = np.stack([c[:, 0] for c in columns])
            for i in range(1, n):
                total += np.stack([c[:, i] for c in columns])
            return total
        if self.state.base.size * len(attributes) <= STACK_CELLS:  # one reduction call, not one each
            return self.frame(attributes).sum(axis=2)
        return np.stack([np.ascontiguousarray(getattr(self.state, a)).sum(axis=1) for a in attributes])


def market_phase(m, st) -> bool:
    """The week's tenders (bposim.dynamics.tender) on the relationships' arrays, when any is due
    (returns whether one was); the tenders stream skips the weeks without one."""
    market = m.market
    if (market.active or market.types is not None) and market.needed(st):
        shortlists = m.streams["shortlists"].next()[0] if market.shortlist is not None else None
        market.tender(st, m.settings, m.week, m.streams["tenders"].next()[0], shortlists)
        return True
    skip_tenders(m)
    return False


def skip_tenders(m) -> None:
    """A week without a tender: its streams pass over the week's draws."""
    m.streams["tenders"].skip()
    if m.market.shortlist is not None:
        m.streams["shortlists"].skip()


class AssembledState:
    """Array view of the agents' floats, built on demand (agents, recorder and tests read it)."""

    def __init__(self, grid: list[list[RelationshipAgent]]):
        self._grid = grid

    def __getattr__(self, name: str) -> np.ndarray:
        if name.startswith("_"):
            raise AttributeError(name)
        return np.array([[getattr(a.st, name) for a in row] for row in self._grid], dtype=float)


def _split(array_state: RelationshipState, r: int, i: int) -> RelationshipState:
    values = {}
    for name, value in vars(array_state).items():
        if isinstance(value, np.ndarray):
            values[name] = float(value[r, i])
        elif name == "outcome_ring":
            values[name] = [float(a[r, i]) for a in value]
        else:
            values[name] = value
    return RelationshipState(**values)


class AgentEngine:
    name = "agents"

    def __init__(self, model):
        from mesa.agentset import AgentSet  # Mesa only where its agents step (bposim.weekly)

        from .agents import RelationshipAgent

        self.model = model
        src = model.array_state
        R, N = src.base.shape
        self.grid = [[RelationshipAgent(model, r, i, _split(src, r, i)) for i in range(N)] for r in range(R)]
        self.agents = AgentSet([a for row in self.grid for a in row], random=model.random)
        self.state = AssembledState(self.grid)
        self.client_of = model.client_of.tolist()

    def week(self, level, staffed, review_now: bool) -> None:
        m, p = self.model, self.model.settings
        client_of = self.client_of
        eps_demand = m.streams["demand"].next_lists()[0]
        # each: [k][R][N]; renewal draws matter only when contracts have a term (skipped otherwise)
        terms = p.client.contract_term > 0
        per_stream = [m.streams[name].next_lists() if name != "renewals" or terms else m.streams[name].skip()
                      for name in Draws._fields]
        n_vendors = p.market.n_vendors + 1  # the last: in-house work
        for r, row in enumerate(self.grid):
            level_r = level if isinstance(level, float) else float(level[r, 0])
            staffed_r = staffed if isinstance(staffed, float) else float(staffed[r, 0])
            load = [0.0] * n_vendors
            staff = [0.0] * n_vendors
            for a in row:
                st = a.st
                st.demand = weekly_demand(st.base, level_r, eps_demand[r][client_of[a.index]], p, SCALAR)
                load[int(st.vendor_id)] += st.demand
                staff[int(st.vendor_id)] += st.staff
                a.draws = Draws(*[None if s is None else [k_rows[r][a.index] for k_rows in s] for s in per_stream])
                a.review_now = review_now
            capacity = [s * staffed_r for s in staff]
            short = [load[v] > capacity[v] for v in range(n_vendors)]
            if not any(short):
                for a in row:
                    a.st.attention = 1.0
                continue
            # Vendors short of capacity ration it by pull, water-filling (as the array code does).
            for a in row:
                a.pull = math.exp(attention_pull(a.st, p))
                a.full = False
            while True:  # until no relationship is newly served in full (allocate_capacity)
                left = list(capacity)
                weight = [0.0] * n_vendors
                for a in row:
                    v = int(a.st.vendor_id)
                    if a.full:
                        left[v] -= a.st.demand
                    else:
                        weight[v] += a.st.demand * a.pull
                changed = False
                for a in row:
                    v = int(a.st.vendor_id)
                    a.lam = left[v] / max(weight[v], 1e-300)
                    if not a.full and a.lam * a.pull >= 1.0:
                        a.full = changed = True
                if not changed:
                    break
            for a in row:
                v = int(a.st.vendor_id)
                a.st.attention = (1.0 if a.full else min(a.lam * a.pull, 1.0)) if short[v] else 1.0
        self.agents.do("step")
        market = m.market
        if (market.active or market.types is not None) and any(
                a.st.switches > 0.0 or (a.st.in_house > 0.0 and a.st.inhouse_left <= 0.0) for row in self.grid for a in row):
            gathered = RelationshipState(**{name: getattr(self.state, name) for name in TENDER_ATTRIBUTES})
            market_phase(m, gathered)
            for name in TENDER_ATTRIBUTES:
                values = getattr(gathered, name)
                for r, row in enumerate(self.grid):
                    for a in row:
                        setattr(a.st, name, float(values[r, a.index]))
        else:
            skip_tenders(m)

    def frame(self, attributes) -> np.ndarray:
        """(attributes, R, N) array of the named state attributes, in one pass over the agents."""
        get = operator.attrgetter(*attributes)
        return np.array([[get(a.st) for a in row] for row in self.grid]).transpose(2, 0, 1)

    def sums(self, attributes) -> np.ndarray:
        """(attributes, R): the named attributes summed over relationships."""
        return self.frame(attributes).sum(axis=2)
