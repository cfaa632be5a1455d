"""Named, independent random streams from one seed (common random numbers).

Stream `name` of replication `r` is seeded by SeedSequence(seed, spawn_key=(r, crc32(name))):
it depends on nothing but the seed, the replication and its name. Every stream draws the same
count of numbers every week whatever the state (an audit draw is taken whether or not the
client audits), so two schemes run with one seed meet the same demand, shocks, breaks and audit
dice, and a replication gives the same numbers alone or in a batch, in any process.
"""

from __future__ import annotations

import zlib

import numpy as np

# name -> (kind, draws per unit); the unit (client, relationship, market) is set by the model.
STREAMS = {
    "structure": ("normal", 1),   # client sizes at set-up
    "demand": ("normal", 1),      # weekly demand noise per client
    "shocks": ("uniform", 1),     # random market-wide pressure shocks
    "decisions": ("normal", 3),   # bounded-rationality noise: volume effort, quality effort, gaming
    "production": ("normal", 4),  # volume measure, quality measure, true quality, business outcome
    "breaks": ("uniform", 4),     # break occurs, vendor flags it, missed break escalates, quality escalation
    "audits": ("uniform", 2),     # audit happens, audit finds corner-cutting
    "feedback": ("uniform", 4),   # item raised, item acted on, open items repeated, vendor feedback
    "reviews": ("uniform", 2),    # termination after detected gaming, choice of the next vendor
    "renewals": ("uniform", 2),   # renewal at the end of a contract's term, choice of the next vendor
    "vendor_types": ("normal", 4),  # vendor types at set-up: ability, cost, integrity, capacity
    "tenders": ("uniform", 1),    # a tender's pick among equally good (or, at random, all eligible) vendors
    "recognition": ("normal", 1),  # each client's recognition of good work at set-up (market.recognition_spread)
    "shortlists": ("uniform", 1),  # where a tender's shortlist starts (only in markets of more vendors than invited)
}


def stream_seed(seed: int, replication: int, name: str) -> np.random.SeedSequence:
    return np.random.SeedSequence(int(seed), spawn_key=(int(replication), zlib.crc32(name.encode())))


def generator(seed: int, replication: int, name: str) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(stream_seed(seed, replication, name)))


class Stream:
    """One named stream for all replications, handing out one (k, R, width) block per week.

    Weeks are drawn ahead in chunks per replication; numpy fills arrays in order, so the
    numbers a replication sees do not depend on the chunk size or on how many replications
    share the batch.
    """

    def __init__(self, seed: int, replications: int, name: str, width: int, chunk_cells: int = 1 << 17,
                 copies: int = 1):
        self.kind, self.k = STREAMS[name]
        self.width = width
        self.copies = copies
        self.gens = [generator(seed, r, name) for r in range(replications)]
        per_week = replications * copies * self.k * width
        self.chunk = int(max(1, min(52, chunk_cells // max(per_week, 1))))
        self._buf = None
        self._lists = None
        self._pos = self.chunk

    def _refill(self):
        shape = (self.chunk, self.k, self.width)
        draw = (lambda g: g.random(shape)) if self.kind == "uniform" else (lambda g: g.standard_normal(shape))
        self._buf = self._lists = None  # the old block goes before the new one is drawn
        if len(self.gens) == 1:
            self._buf = draw(self.gens[0])[:, :, None, :]  # (chunk, k, 1, width): a view, no copy
        else:
            # One replication's block at a time: no list of R blocks alongside the result.
            self._buf = np.empty((self.chunk, self.k, len(self.gens), self.width))
            for r, g in enumerate(self.gens):
                self._buf[:, :, r, :] = draw(g)
        if self.copies > 1:
            self._buf = np.tile(self._buf, (1, 1, self.copies, 1))
        self._pos = 0

    def next(self) -> np.ndarray:
        """This week's draws, shape (k, R, width): row j is the j-th draw for every unit."""
        if self._pos >= self.chunk:
            self._refill()
        out = self._buf[self._pos]
        self._pos += 1
        return out

    def skip(self) -> None:
        """Pass over this week's draws unused, as if drawn (a uniform stream's unused week).

        A uniform double takes exactly one 64-bit output of the generator, so a week past the
        drawn block advances each generator by its count instead of drawing it: the weeks after
        see the same numbers either way.
        """
        if self._pos < self.chunk:
            self._pos += 1
            return None
        if self.kind != "uniform":
            raise ValueError(f"stream of kind {self.kind!r} cannot skip: its draws take a varying count of outputs")
        for g in self.gens:
            g.bit_generator.advance(self.k * self.width)
        return None

    def next_lists(self) -> list:
        """This week's draws as nested lists [k][R][width] (for the per-agent engine).

        The whole chunk is converted at once: one call instead of one per week.
        """
        if self._pos >= self.chunk:
            self._refill()
        if self._lists is None:
            self._lists = self._buf.tolist()
        out = self._lists[self._pos]
        self._pos += 1
        return out


class Streams:
    """All named streams of one model; `widths` gives each stream's unit count.

    copies > 1 repeats the replications' blocks that many times along the replication axis
    (design points side by side: replication r of every point sees the same numbers).
    """

    def __init__(self, seed: int, replications: int, widths: dict[str, int], copies: int = 1):
        self.seed = int(seed)
        self.replications = replications
        self.copies = copies
        self._streams = {name: Stream(seed, replications, name, w, copies=copies) for name, w in widths.items()}

    def __getitem__(self, name: str) -> Stream:
        return self._streams[name]

    def once(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A one-off draw (set-up), shape (R, *shape), from the named stream's own generators."""
        s = self._streams[name]
        if s.kind == "uniform":
            out = np.stack([g.random(shape) for g in s.gens])
        else:
            out = np.stack([g.standard_normal(shape) for g in s.gens])
        return np.tile(out, (self.copies,) + (1,) * len(shape)) if self.copies > 1 else out
