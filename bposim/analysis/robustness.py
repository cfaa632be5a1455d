"""What could change this answer (#14 item 4): a quick Morris screening around the user's point
and the verdict on independent seeds, for the report section of the same name.

The screening moves the parameters a client cannot know for sure (UNCERTAIN, declared once
here) within a band around the values that ran, for the best contract and each runner-up on
the same points and random streams, as one batch (bposim.explore.simulate_design), and reads
the paired difference in client net value best minus runner-up at every point: Morris mu* and
sigma (SALib) say how much each parameter moves that difference, and the steps of the Morris
trajectories along which it changes sign say where a parameter reverses the ranking (the flip
point is read off the step, linearly between its two ends). Because every point runs on the
same random numbers, a parameter that does not act leaves the difference exactly unchanged: a
sign change along its step is the parameter's doing, not noise.

The seed check runs the whole comparison again on a few independent seeds (no random number
shared with the reported run) and counts how often the same contract comes out best.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar

import numpy as np
import pandas as pd

from ..config import describe
from ..forked import Forked, can_fork
from ..config.params import _RANGE, _bound
from .formats import number, number_format, signed, value_text
from .money import Money
from .tables import ResultTables, result_tables
from .verdict import CLIENT_KPI, NOT_CHECKED, indistinguishable

TRAJECTORIES = 30        # Morris trajectories: (parameters + 1) points each, per compared contract
LEVELS = 4               # Morris grid levels: a step moves one parameter 2/3 of its band
SCREEN_REPLICATIONS = 5  # replications per screened point (at most those of the comparison)
SEEDS = 4                # independent seeds of the seed check
RUNNERS_UP = 2           # contracts screened against the best: ties first, then the closest


@dataclass(frozen=True)
class Uncertain:
    """A parameter the answer may hinge on, and the band screened around the value that ran.

    spread "ratio": [v / amount, v * amount] (a zero value: [0, zero]); "shift": [v - amount,
    v + amount]; "horizon": a weekly discount factor whose horizon 1 / (1 - v) is divided and
    multiplied by amount. Every band is cut to the parameter's declared range.
    """

    name: str
    what: str
    spread: str
    amount: float
    zero: float = 0.0
    applies: Callable[[dict], bool] = field(default=lambda values: True, compare=False)

    def band(self, value: float, declared: str | None) -> tuple[float, float]:
        if self.spread == "ratio":
            lo, hi = (value / self.amount, value * self.amount) if value else (0.0, self.zero)
            lo, hi = min(lo, hi), max(lo, hi)
        elif self.spread == "shift":
            lo, hi = value - self.amount, value + self.amount
        else:  # horizon
            gap = 1.0 - value
            lo, hi = 1.0 - gap * self.amount, 1.0 - gap / self.amount
        return _inside(lo, hi, declared)


def _derived_rate(values: dict) -> bool:
    return values.get("vendor.discount_factor", -1.0) < 0  # -1: the weekly factor comes from the annual rate


UNCERTAIN: tuple[Uncertain, ...] = (
    Uncertain("vendor.annual_discount_rate", "the vendor's annual discount rate", "ratio", 2.0, zero=0.2,
              applies=_derived_rate),
    Uncertain("vendor.discount_factor", "the vendor's weekly discount factor (its horizon halved to doubled)",
              "horizon", 2.0, applies=lambda values: not _derived_rate(values)),
    Uncertain("vendor.risk_aversion", "the vendor's risk aversion", "ratio", 2.0, zero=1.0),
    Uncertain("vendor.metric_gameability", "how far corner-cutting inflates the quality score", "ratio", 1.5,
              zero=0.3),
    Uncertain("client.hours_per_audit", "what an audit costs the client (hours per audit)", "ratio", 2.0, zero=4.0),
    Uncertain("vendor.outside_option", "the vendor's outside option", "shift", 0.3),
    Uncertain("market.outcome_noise", "noise of the business outcome measure", "ratio", 2.0, zero=0.5),
    Uncertain("scheme.premium", "the premium over the vendor's outside option at participation pricing",
              "ratio", 2.0, zero=0.5, applies=lambda values: values.get("scheme.pricing") == "participation"),
)


def _inside(lo: float, hi: float, declared: str | None) -> tuple[float, float]:
    """[lo, hi] cut to a declared range such as "[0, 100]" or "(0, inf)"."""
    m = _RANGE.match(declared or "")
    if not m:
        return lo, hi
    lo_br, low, high, hi_br = m.groups()
    low, high = float(_bound(low)), float(_bound(high))
    nudge = 1e-9 * max(1.0, abs(low), abs(high) if math.isfinite(high) else 1.0)
    lo = max(lo, low if lo_br == "[" else low + nudge)
    hi = min(hi, high if hi_br == "]" else high - nudge)
    return lo, max(lo, hi)


# --- the section --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Effect:
    """One screened parameter against one runner-up: how much it moves the difference, and
    whether (and where) it reverses the ranking."""

    parameter: str
    what: str
    value: str        # at the point that ran
    band: str         # screened range
    mu_star: str      # in the report's money
    sigma: str
    flips: int        # Morris steps of this parameter along which the difference changes sign
    steps: int
    flip_at: str      # "0.52" or "0.48 to 0.55"
    direction: str    # "above" or "below": where the runner-up comes ahead
    size: float = field(default=0.0, repr=False)  # mu* as a number, for ordering

    @property
    def flips_text(self) -> str:
        return f"{self.flips} of {self.steps}"


@dataclass(frozen=True)
class Screen:
    """The best contract against one runner-up over the screened points."""

    best: str
    other: str
    tie: bool          # already not distinguishable in the verdict
    lead: str
    effects: list[Effect]

    @property
    def flipping(self) -> list[Effect]:
        return [e for e in self.effects if e.flips]


@dataclass(frozen=True)
class Robustness:
    """What could change this answer: the screening of each runner-up and the seed check."""

    summary: str
    size: str          # what ran and how long it took
    screens: list[Screen] = field(default_factory=list)
    seeds: str = ""
    money: str = "MU"
    skipped: bool = False
    seed_check: "SeedCheck | None" = None
    screened_any: bool = False  # some uncertain parameter could be screened
    id: ClassVar[str] = "robustness"
    title: ClassVar[str] = "What could change this answer"
    kind: ClassVar[str] = "robustness"

    @property
    def text(self) -> str:
        return " ".join(x for x in (self.summary, self.seeds) if x)

    def in_a_sentence(self) -> str:
        """The section in one sentence, for the verdict: what could flip it (the parameter, the
        side and the flip point of each runner-up the best beats here), or that nothing screened
        does, and how often the best comes out best on the other seeds."""
        if self.skipped:
            return NOT_CHECKED.format(how=" (--no-robustness)")
        seeds = self.seed_check.sentence() if self.seed_check else ""
        beaten = [s for s in self.screens if not s.tie]
        flipped = [s for s in beaten if s.flipping]
        if flipped:
            head = "What could flip it (see What could change this answer): " + "; ".join(
                f"{s.other} comes ahead when {' or '.join(_when(e) for e in s.flipping[:NAMED_FLIPS])}"
                + (f" (or {len(s.flipping) - NAMED_FLIPS} other parameter{'s' * (len(s.flipping) > NAMED_FLIPS + 1)})"
                   if len(s.flipping) > NAMED_FLIPS else "") for s in flipped)
        elif not self.screened_any:
            head = "No uncertain parameter could be screened for these contracts"
        elif beaten:
            head = (f"Nothing screened flips it: no uncertain parameter, moved one at a time within its screened "
                    f"range, puts {' or '.join(s.other for s in beaten)} ahead of {beaten[0].best}")
        else:
            head = (f"Nothing screened separates more than the tie: the screening compared {self.screens[0].best} "
                    f"only with the contracts it ties with" if self.screens else "Nothing was screened")
        return head + (f"; {seeds}" if seeds else "") + "."


NAMED_FLIPS = 2  # flipping parameters the verdict names per runner-up, the largest first (the section has them all)


def _when(e: Effect) -> str:
    return f"{e.parameter} is {e.direction} {e.flip_at}"


@dataclass(frozen=True)
class SeedCheck:
    """The verdict on independent seeds: how often the same contract comes out best."""

    best: str
    seeds: int
    wins: int
    best_or_tied: int
    tied: bool  # the best ties with another at the reported point

    def sentence(self) -> str:
        out = f"on {self.seeds} independent seeds {self.best} comes out best on {self.wins} of {self.seeds}"
        if self.tied or self.best_or_tied != self.wins:
            out += f" (best or tied with the best on {self.best_or_tied})"
        return out


def skipped_section() -> Robustness:
    return Robustness("Not checked: the report was made with --no-robustness, so nothing here says how far the "
                      "verdict would survive other values of the uncertain parameters or other seeds.", "",
                      skipped=True)


# --- the screening ------------------------------------------------------------------------------


def _values(s) -> dict[str, Any]:
    """Every setting of a configuration by dotted name (scheme.* from its scheme section)."""
    out = {r["name"]: r["value"] for r in describe(s.config) if r["name"] != "scheme"}
    out.update({f"scheme.{k}": v for k, v in s.config.scheme.items()})
    return out


def _declared(s) -> dict[str, str]:
    rows = describe(s.config) + describe(s.scheme.params, "scheme")
    return {r["name"]: r["range"] for r in rows}


def _point_columns(configs: list) -> list[str]:
    """The settings a point of each configuration must carry when the design starts from the
    first one: those that differ between them, and the scheme keys they all have (pricing, ...)."""
    values = [_values(s) for s in configs]
    common = set.intersection(*(set(v) for v in values))
    differ = [k for k in values[0] if k in common and k != "replications"
              and any(v[k] != values[0][k] for v in values) and not k.startswith("scheme.")]
    scheme_keys = sorted(k for k in common if k.startswith("scheme.") and k != "scheme.name")
    return [*differ, *scheme_keys]


def _rows(configs: list, columns: list[str]) -> list[dict]:
    return [{"scheme": s.scheme.name, **{c: _values(s)[c] for c in columns}} for s in configs]


def _batches(s) -> bool:
    from ..explore.batch import _takes_arrays

    return _takes_arrays(s.scheme)


def screened(configs: list) -> list[tuple[Uncertain, float, tuple[float, float]]]:
    """The uncertain parameters this comparison can screen, with the value that ran and the band:
    set in every compared configuration, to the same value (a parameter that differs between
    them is what is compared), and that applies to it."""
    values = [_values(s) for s in configs]
    declared = _declared(configs[0])
    # A scheme whose terms cannot be arrays (hybrid) runs one batch per value of them: varying
    # its terms would run every point on its own, so they are screened only where all batch.
    terms = all(_batches(s) for s in configs)
    out = []
    for u in UNCERTAIN:
        if u.name.startswith("scheme.") and not terms:
            continue
        vals = [v.get(u.name) for v in values]
        if any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in vals) or len(set(vals)) > 1:
            continue
        if not u.applies(values[0]):
            continue
        lo, hi = u.band(float(vals[0]), declared.get(u.name))
        if hi > lo:
            out.append((u, float(vals[0]), (lo, hi)))
    return out


def _runners_up(t: ResultTables, best) -> list:
    others = [g for g in t.groups if g != best]
    means = {g: t.mean(g, CLIENT_KPI)[0] for g in others}
    tied = [g for g in others if indistinguishable(t.versus(best, g, CLIENT_KPI))]
    ranked = sorted(others, key=lambda g: (g not in tied, -means[g]))
    return ranked[:max(RUNNERS_UP, 1)]


def _changed(a: np.ndarray, b: np.ndarray) -> int:
    return int(np.argmax(np.abs(b - a)))


def _flips(X: np.ndarray, y: np.ndarray, d: int) -> tuple[list[list[float]], list[list[int]], list[int]]:
    """Along each Morris step (one parameter moved), where the difference y changes sign.

    Returns, per parameter, the flip values (linear between the step's ends), the side on which
    the difference is negative (+1 above the flip value, -1 below), and the number of steps."""
    at: list[list[float]] = [[] for _ in range(d)]
    side: list[list[int]] = [[] for _ in range(d)]
    steps = [0] * d
    for start in range(0, len(X), d + 1):
        for j in range(start, start + d):
            i = _changed(X[j], X[j + 1])
            steps[i] += 1
            ya, yb = y[j], y[j + 1]
            if ya * yb < 0:
                xa, xb = X[j, i], X[j + 1, i]
                at[i].append(float(xa + (xb - xa) * ya / (ya - yb)))
                side[i].append(1 if (yb < 0) == (xb > xa) else -1)
    return at, side, steps


def _fmt(v: float) -> str:
    return number(v, number_format([v]) if abs(v) < 100 else ",.0f")


def _effects(X, y, plan, spec: str) -> list[Effect]:
    """Each parameter's Morris mu* and sigma (SALib) and flips; those that flip first, then by mu*."""
    from SALib.analyze import morris

    problem = {"num_vars": len(plan), "names": [u.name for u, _, _ in plan], "bounds": [list(b) for _, _, b in plan]}
    res = morris.analyze(problem, X, y, num_resamples=100, conf_level=0.95, num_levels=LEVELS, seed=0)
    at, side, steps = _flips(X, y, len(plan))
    out = []
    for i, (u, value, (lo, hi)) in enumerate(plan):
        flips = at[i]
        where = direction = ""
        if flips:
            low, high = _fmt(min(flips)), _fmt(max(flips))
            where = low if low == high else f"{low} to {high}"
            direction = "above" if sum(side[i]) >= 0 else "below"
        mu = float(res["mu_star"][i])
        out.append(Effect(u.name, u.what, value_text(value), f"{_fmt(lo)} to {_fmt(hi)}", number(mu, spec),
                          number(float(res["sigma"][i]), spec), len(flips), steps[i], where, direction, mu))
    return sorted(out, key=lambda e: (e.flips == 0, -e.size))


def _conditions(other: str, effects: list[Effect]) -> str:
    """"when P is below 0.42 to 0.67 (10 of 30 steps); when ...": where `other` comes ahead."""
    return "; ".join(f"when {e.parameter} ({e.what}) is {e.direction} a flip point of {e.flip_at} ({e.flips_text} "
                     f"of its steps)" for e in effects if e.flips)


def _screen_lead(best: str, other: str, tie: bool, y: np.ndarray, effects: list[Effect], cur: str, spec: str) -> str:
    ahead = float(np.mean(y < 0))
    span = f"{signed(float(y.min()), spec)} to {signed(float(y.max()), spec)} {cur}"
    text = (f"{'Already a tie at this point. ' if tie else ''}Over the screened points, {best} minus {other} runs "
            f"from {span}; {other} comes ahead at {ahead:.0%} of them.")
    if not any(e.flips for e in effects):
        return text + " No parameter reverses the ranking along its steps."
    return text + f" {other} comes ahead " + _conditions(other, effects) + "."


def _verdict_of(results: pd.DataFrame, by: str, order: list) -> tuple[Any, list]:
    t = result_tables(results, by=by, order=order)
    best = t.best(CLIENT_KPI)
    ties = [g for g in t.groups if g != best and indistinguishable(t.versus(best, g, CLIENT_KPI))]
    return best, ties


def seed_check(t: ResultTables, settings_of: dict, replications: int,
               seeds: int = SEEDS) -> tuple[str, int, SeedCheck]:
    """The verdict on `seeds` independent seeds: (a sentence, simulated rows, the counts)."""
    from ..explore.batch import simulate_design

    groups = list(t.groups)
    configs = [settings_of[g] for g in groups]
    base_seed = int(configs[0].config.seed)
    columns = _point_columns(configs)
    rows = _rows(configs, columns)
    chosen = [base_seed + k for k in range(1, seeds + 1)]
    design = pd.DataFrame([{**r, "seed": s} for s in chosen for r in rows])
    res = simulate_design(design, base=configs[0], replications=replications)
    summary = res.summary
    summary[t.by] = summary["point"].map(lambda p: groups[p % len(groups)])
    best = t.best(CLIENT_KPI)
    ties = {g for g in groups if g != best and indistinguishable(t.versus(best, g, CLIENT_KPI))}
    top = {best, *ties}
    wins = best_or_tied = same_top = 0
    winners = []
    for seed in chosen:
        part = summary[summary["seed"] == seed].drop(columns=["point"])
        b, tie = _verdict_of(part, t.by, groups)
        winners.append(b)
        wins += int(b == best)
        best_or_tied += int(best in {b, *tie})
        same_top += int({b, *tie} == top)
    others = [f"{t.name(w)} {winners.count(w)}" for w in dict.fromkeys(winners) if w != best]
    text = (f"On {seeds} independent seeds ({', '.join(str(s) for s in chosen)}: no random number shared with the "
            f"run above), {t.name(best)} comes out best {wins} time{'s' * (wins != 1)} of {seeds}"
            + (f" ({', '.join(others)})" if others else ""))
    if ties:
        text += (f"; it is best or tied with the best on {best_or_tied} of {seeds}, and the same contracts tie for "
                 f"best ({', '.join(t.name(g) for g in groups if g in top)}) on {same_top} of {seeds}.")
    else:
        text += f"; it is best or tied with the best on {best_or_tied} of {seeds}."
    return text, len(design) * replications, SeedCheck(t.name(best), seeds, wins, best_or_tied, bool(ties))


def robustness_section(t: ResultTables, settings_of: dict, money: Money, replications: int, *,
                       trajectories: int = TRAJECTORIES, seeds: int = SEEDS) -> Robustness | None:
    """The section for a comparison that ran `replications` replications per configuration;
    None when there is nothing to screen (one configuration, or no client net value)."""
    from SALib.sample import morris

    from ..explore.batch import simulate_design

    if CLIENT_KPI not in t.kpis or len(t.groups) < 2 or not settings_of:
        return None
    started = time.perf_counter()
    # The seed check needs nothing from the screening: a second core runs it meanwhile.
    checking = Forked(lambda: seed_check(t, settings_of, replications, seeds), enabled=bool(seeds) and can_fork())
    best = t.best(CLIENT_KPI)
    runners = _runners_up(t, best)
    compared = [best, *runners]
    configs = [settings_of[g] for g in compared]
    plan = screened(configs)
    cur = money.unit("MU")
    screens: list[Screen] = []
    size = ""
    reps = max(1, min(SCREEN_REPLICATIONS, int(replications)))
    if plan:
        problem = {"num_vars": len(plan), "names": [u.name for u, _, _ in plan],
                   "bounds": [list(b) for _, _, b in plan]}
        X = morris.sample(problem, trajectories, num_levels=LEVELS, seed=0)
        columns = [c for c in _point_columns(configs) if c not in problem["names"]]
        points = pd.DataFrame(X, columns=problem["names"])
        design = pd.concat([points.assign(**r) for r in _rows(configs, columns)], ignore_index=True)
        res = simulate_design(design, base=configs[0], replications=reps)
        y = res.summary.groupby("point")[CLIENT_KPI].mean().to_numpy().reshape(len(compared), len(X))
        n = len(X)
        for k, other in enumerate(runners, start=1):
            diff = np.asarray([money.amount(v) for v in y[0] - y[k]])
            spec = number_format([np.max(np.abs(diff))])
            effects = _effects(X, diff, plan, spec)
            tie = indistinguishable(t.versus(best, other, CLIENT_KPI))
            screens.append(Screen(t.name(best), t.name(other), tie,
                                  _screen_lead(t.name(best), t.name(other), tie, diff, effects, cur, spec), effects))
        size = (f"{len(plan)} uncertain parameters screened (Morris, {trajectories} trajectories of {len(plan) + 1} "
                f"points: {n} points) for {len(compared)} contracts, {reps} replication{'s' * (reps != 1)} each on "
                f"common random numbers: {len(design) * reps:,} runs of {configs[0].config.steps} weeks")
    left = [u.name for u in UNCERTAIN if u.name.startswith("scheme.") and u.name not in {v.name for v, _, _ in plan}
            and all(u.name in _values(c) for c in configs) and u.applies(_values(configs[0]))]
    if left:
        size += (f" ({', '.join(left)} not screened: "
                 f"{', '.join(sorted({c.scheme.name for c in configs if not _batches(c)}))} cannot run its terms "
                 f"as arrays, so every point would run alone)")
    checked = checking.result() if seeds else ("", 0, None)
    seeds_text, seed_runs, counts = checked if checked is not None else seed_check(t, settings_of, replications, seeds)
    if seed_runs:
        size += (("; " if size else "") + f"the comparison again on {seeds} seeds: {seed_runs:,} runs")
    size += f"; {time.perf_counter() - started:.1f} s in all."
    beaten = [s for s in screens if not s.tie and s.flipping]
    if not plan:
        summary = "No uncertain parameter could be screened for these contracts."
    elif beaten:
        summary = "The verdict can change within the screened ranges: " + "; ".join(
            f"{s.other}, which {s.best} beats here, comes ahead " + _conditions(s.other, s.flipping) for s in beaten) + "."
    elif all(s.tie for s in screens):
        summary = ("The best contract already ties with its runner-up (see the verdict); below, what moves the "
                   "difference between them.")
    else:
        summary = ("No screened parameter reverses the ranking of the best contract and the runners-up it beats, "
                   "one at a time, within the ranges below.")
    return Robustness(summary, size[:1].upper() + size[1:], screens, seeds_text, cur, seed_check=counts,
                      screened_any=bool(plan))
