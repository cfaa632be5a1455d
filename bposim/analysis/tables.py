"""Results tables: which columns name configurations, and the scorecard and paired tables of a
comparison, built once and read by the report's sections, the CLI and notebooks.

A results table has one row per configuration and replication (KPI columns as
SimulationResult.summary gives, plus the column(s) naming each configuration). Replication r of
every configuration ran on the same random streams, so comparisons with the baseline are paired
within replications (and within every other swept setting).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..metrics import METRIC_NAMES
from .formats import group_name
from .scorecard import KPIS, all_pairs, scorecard

# Columns of a results table that are outcomes or bookkeeping, never configuration settings.
NOT_FACTORS = set(METRIC_NAMES) | {f"{m}_final" for m in METRIC_NAMES} | {
    "flagged_share", "actioned_share", "weeks", "replication", "step", "job", "_pair", "configuration"}
CONFIGURATION = "configuration"  # the column naming a combination of several factors ("per_volume, client.audit_rate = 0.2")
PAIRED_COLUMNS = ["baseline", "kpi", "difference", "ci_low", "ci_high", "p_better", "n_pairs"]


def factors(results: pd.DataFrame) -> list[str]:
    """The columns naming configurations that take more than one value, in table order."""
    return [c for c in results.columns if c not in NOT_FACTORS and results[c].nunique(dropna=False) > 1]


def default_by(results: pd.DataFrame) -> str:
    """`scheme` when it varies, else the first varying setting (else `scheme`)."""
    varying = factors(results)
    if "scheme" in varying or not varying:
        return "scheme"
    return varying[0]


def breakdown(results: pd.DataFrame, by=None) -> list[str]:
    """The factors whose every combination is compared: those named in `by` (a column or a list),
    plus `scheme` whenever it varies, so schemes are never pooled into one group; without `by`,
    every swept factor but the seed."""
    varying = factors(results)
    if by is None:
        parts = [c for c in varying if c != "seed"] or ["scheme"]
    else:
        parts = [by] if isinstance(by, str) else list(by)
    unknown = [p for p in parts if p not in results.columns]
    if unknown:
        raise ValueError(f"--by {unknown[0]!r} is not a column of the results: varying columns are "
                         f"{', '.join(varying) or 'none'}")
    if "scheme" in varying and (by is None or "scheme" not in parts):  # first, unless named in another place
        parts = ["scheme", *(p for p in parts if p != "scheme")]
    return parts


def part_text(factor: str, value) -> str:
    """One factor's value in a configuration's name: a scheme by its name, a setting as "name = value"."""
    return str(value) if factor == "scheme" else group_name(factor, value)


def combine(results: pd.DataFrame, parts: list[str], orders: dict | None = None) -> tuple[pd.DataFrame, list[str]]:
    """`results` with a CONFIGURATION column naming each row's combination of `parts`, and the
    combinations in order (each factor in `orders[factor]` when given, sorted when numeric, else
    as it appears; the first factor varies slowest)."""
    orders = orders or {}
    levels = [group_order(results[p], orders.get(p)) for p in parts]
    names = {}
    for combo in itertools.product(*levels):
        names[combo] = ", ".join(part_text(p, v) for p, v in zip(parts, combo))
    keys = list(zip(*(results[p] for p in parts)))
    labelled = results.assign(**{CONFIGURATION: [names[k] for k in keys]})
    present = set(labelled[CONFIGURATION])
    return labelled, [n for n in names.values() if n in present]


def coerce_value(results: pd.DataFrame, by: str, value: Any) -> Any:
    """A value typed on the command line as it appears in column `by` (0.05 for '0.05')."""
    present = list(pd.unique(results[by]))
    if value in present:
        return value
    if isinstance(value, str):
        for p in present:
            if str(p) == value:
                return p
            try:
                if isinstance(p, (int, float)) and not isinstance(p, bool) and math.isclose(float(value), p):
                    return p
            except ValueError:
                pass
    raise ValueError(f"{by} = {value!r} is not among the compared values: "
                     f"{', '.join(str(p) for p in present)}")


def replications_text(results: pd.DataFrame, keys: list[str]) -> str:
    """How many replications each configuration ran ("30", or "3 to 5")."""
    n = results.groupby(keys).size()
    return str(int(n.iloc[0])) if n.nunique() == 1 else f"{int(n.min())} to {int(n.max())}"


def group_order(values: pd.Series, order=None) -> list:
    """The groups in `order` when given, sorted when numeric, else in order of appearance."""
    present = list(pd.unique(values))
    if order is not None:
        return [g for g in order if g in present] + [g for g in present if g not in order]
    if pd.api.types.is_numeric_dtype(values):
        return sorted(present)
    return present


def ordered(df: pd.DataFrame, by: str, groups: list) -> pd.DataFrame:
    """Rows in the order of `groups` (stable within a group)."""
    rank = {g: i for i, g in enumerate(groups)}
    return (df.assign(_o=df[by].map(rank)).sort_values("_o", kind="stable").drop(columns="_o")
            .reset_index(drop=True))


@dataclass(frozen=True)
class ResultTables:
    """The scorecard and the paired table of one comparison, with the lookups sections need."""

    results: pd.DataFrame
    by: str
    groups: list
    baseline: Any
    kpis: list
    others: list  # other varying settings: pooled, and matched on when pairing
    card: pd.DataFrame
    pairs: pd.DataFrame  # the paired table: against the status quo when named, else every pair once (pair_list)
    weeks: int | None
    every_pair: pd.DataFrame  # each configuration minus each other one (the verdict's table)
    status_quo: Any = None  # the configuration the client has today, when named (--baseline)
    parts: tuple = ()  # the factors `by` combines (by itself when it is one column)

    def name(self, g) -> str:
        return g if self.by == CONFIGURATION else group_name(self.by, g)

    @property
    def contracts(self) -> bool:
        """The configurations compared differ in their scheme: they are contracts."""
        return "scheme" in (self.parts or (self.by,))

    @property
    def what(self) -> str:
        """What one configuration is, in the words of the factors: "contract", "value of
        client.audit_rate", "combination of client.audit_rate and vendor.metric_gameability"."""
        if self.contracts:
            return "contract"
        parts = list(self.parts or (self.by,))
        if len(parts) == 1:
            return f"value of {parts[0]}"
        return f"combination of {', '.join(parts[:-1])} and {parts[-1]}"

    @property
    def whats(self) -> str:
        """`what` in the plural."""
        return "contracts" if self.contracts else self.what.replace("value of", "values of", 1).replace(
            "combination of", "combinations of", 1)

    def mean(self, g, k) -> tuple[float, float, float]:
        r = self.card[(self.card[self.by] == g) & (self.card.kpi == k)].iloc[0]
        return r["mean"], r["ci_low"], r["ci_high"]

    def pair_list(self) -> list[tuple]:
        """(a, b) for each row of the paired table, a minus b: every configuration against the
        status quo when one was named; else every pair once, the one with more client net value
        first (a comparison with whichever came first on the command line would say nothing)."""
        if self.status_quo is not None:
            return [(g, self.status_quo) for g in self.groups if g != self.status_quo]
        return ranked_pairs(self.card, self.by, self.groups)

    def _best_of(self, sub: pd.DataFrame, k):
        i = sub["mean"].idxmax() if KPIS.get(k, True) else sub["mean"].idxmin()
        return sub.loc[i, self.by]

    def best(self, k):
        sub = self.card[self.card.kpi == k]
        return None if sub["mean"].isna().all() else self._best_of(sub, k)

    def runner_up(self, k, than=None):
        """The best configuration other than `than` (default: the baseline)."""
        than = self.baseline if than is None else than
        sub = self.card[(self.card.kpi == k) & (self.card[self.by] != than)].dropna(subset=["mean"])
        return None if sub.empty else self._best_of(sub, k)

    def versus(self, a, b, k):
        """The paired difference a minus b on KPI k (a row of every_pair), or None."""
        d = self.every_pair[(self.every_pair[self.by] == a) & (self.every_pair.baseline == b)
                            & (self.every_pair.kpi == k)]
        return None if d.empty else d.iloc[0]

    def reps(self) -> str:
        return replications_text(self.results, [self.by, *self.others])


RANKING_KPI = "client_net_value"  # the all-pairs table puts the one with more of it first


def ranked_pairs(card: pd.DataFrame, by: str, groups: list) -> list[tuple]:
    """Every pair of groups once, (a, b) with a ranked above b on RANKING_KPI (ties and a missing
    KPI: in the order of `groups`), listed by a's rank then b's."""
    means = card[card.kpi == RANKING_KPI].set_index(by)["mean"] if RANKING_KPI in set(card.kpi) else None
    rank = list(groups)
    if means is not None:
        rank = sorted(groups, key=lambda g: (-(means.get(g) if pd.notna(means.get(g)) else -math.inf), groups.index(g)))
    return [(a, b) for i, a in enumerate(rank) for b in rank[i + 1:]]


def result_tables(results: pd.DataFrame, by=None, baseline: Any = None, order=None,
                  status_quo: bool = False, orders: dict | None = None) -> ResultTables:
    """Scorecard and paired comparisons of `results` by column `by` against `baseline`.

    by: the column naming what is compared (default: scheme when it varies, else the first
        varying setting); other varying settings are pooled, and paired comparisons match on
        them as well as on the replication.
    baseline: the value of `by` the others are compared with (default: the first of `order`).
    status_quo: the baseline was named by the user (the contract the client has today), not
        just the first one listed; the verdict then compares the best with it.
    by may also be a list of columns: every combination of their values is compared, named in
    a CONFIGURATION column ("per_volume, client.audit_rate = 0.2"); `orders` gives each
    column's order of values.
    """
    results = results.reset_index(drop=True)
    by = by or default_by(results)
    parts = [by] if isinstance(by, str) else list(by)
    if len(parts) > 1:
        missing = [p for p in parts if p not in results.columns]
        if missing:
            raise ValueError(f"--by {missing[0]!r} is not a column of the results: varying columns are "
                             f"{', '.join(factors(results)) or 'none'}")
        results, combos = combine(results, parts, orders)
        by, order = CONFIGURATION, order or combos
    else:
        by = parts[0]
    if by not in results.columns:
        raise ValueError(f"--by {by!r} is not a column of the results: varying columns are "
                         f"{', '.join(factors(results)) or 'none'}")
    groups = group_order(results[by], order if order is not None else (orders or {}).get(by))
    baseline = groups[0] if baseline is None else coerce_value(results, by, baseline)
    kpis = [k for k in KPIS if k in results.columns]
    # A setting that varies only between configurations (one value within each) is part of what is
    # compared, not pooled: pairing on it would match nothing.
    others = [c for c in factors(results) if c != by and c not in parts
              and results.groupby(by, sort=False)[c].nunique(dropna=False).max() > 1]
    pair_on = "replication"
    if others:
        results = results.assign(_pair=results[["replication", *others]].astype(str).agg("|".join, axis=1))
        pair_on = "_pair"
    card = ordered(scorecard(results, by=by, kpis=kpis), by, groups)
    every = all_pairs(results, by=by, pair_on=pair_on, kpis=kpis, order=groups) if len(groups) > 1 else pd.DataFrame()
    if every.empty:  # one configuration: nothing to pair
        every = pd.DataFrame(columns=[by, *PAIRED_COLUMNS])
    if status_quo:
        pairs = ordered(every[every.baseline == baseline], by, groups)
    else:
        index = {pair: i for i, pair in enumerate(ranked_pairs(card, by, groups))}
        keep = every[np.array([(a, b) in index for a, b in zip(every[by], every.baseline)], dtype=bool)]
        pairs = (keep.assign(_o=[index[(a, b)] for a, b in zip(keep[by], keep.baseline)])
                 .sort_values("_o", kind="stable").drop(columns="_o"))
    pairs = pairs.reset_index(drop=True)
    if len(parts) > 1:  # the CSV tables also name each combination's factors in their own columns
        card, pairs, every = (_with_parts(x, results, parts) for x in (card, pairs, every))
    weeks = int(results["weeks"].iloc[0]) if "weeks" in results.columns else None
    return ResultTables(results=results, by=by, groups=groups, baseline=baseline, kpis=kpis, others=others,
                        card=card, pairs=pairs, weeks=weeks, every_pair=every,
                        status_quo=baseline if status_quo else None, parts=tuple(parts))


def _with_parts(table: pd.DataFrame, results: pd.DataFrame, parts: list[str]) -> pd.DataFrame:
    """`table` (keyed by CONFIGURATION) with each factor's value in a column after the name."""
    values = results.drop_duplicates(CONFIGURATION).set_index(CONFIGURATION)[parts]
    out = table.copy()
    for i, p in enumerate(parts):
        out.insert(1 + i, p, out[CONFIGURATION].map(values[p]))
    return out


class TablesView:
    """The scorecard and paired tables of an object holding ResultTables as `tables`."""

    tables: ResultTables

    @property
    def scorecard(self) -> pd.DataFrame:
        """Mean, 95% CI and n per configuration and KPI (scorecard.csv)."""
        return self.tables.card

    @property
    def paired(self) -> pd.DataFrame:
        """The paired table per KPI, with CI and P(better) (paired.csv): each configuration minus
        the status quo when one was named, else every pair once (ResultTables.pair_list)."""
        return self.tables.pairs
