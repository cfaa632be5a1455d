"""The scorecard and paired comparisons, on the tidy per-replication results table.

The table is one row per run (a configuration's replication) with KPI columns, as
`SimulationResult.summary` gives, plus a column naming each configuration (e.g. `scheme`).
Replication r of every configuration ran on the same random streams (common random numbers),
so differences are taken within a replication: paired, with much less noise than two
independent samples.
"""

from __future__ import annotations

import pandas as pd

from ..metrics import SCORECARD
from .stats import mean_ci

# KPIs of the scorecard in order, and whether more is better for the client-vendor partnership
# (declared with each Metric: bposim.metrics).
KPIS: dict[str, bool] = {m.name: m.higher_is_better for m in SCORECARD}


def scorecard(results: pd.DataFrame, by: str = "scheme", kpis=None) -> pd.DataFrame:
    """Mean and 95% confidence interval of each KPI for each value of `by`: one row per pair."""
    rows = []
    for key, group in results.groupby(by, sort=False):
        for kpi in kpis or KPIS:
            mean, lo, hi, n = mean_ci(group[kpi])
            rows.append({by: key, "kpi": kpi, "mean": mean, "ci_low": lo, "ci_high": hi, "n": n})
    return pd.DataFrame(rows)


def paired(results: pd.DataFrame, baseline: str, by: str = "scheme", pair_on: str = "replication",
           kpis=None) -> pd.DataFrame:
    """Each configuration minus the baseline within each replication, with a 95% CI and the
    share of replications in which it does better than the baseline (ties count half).

    "Better" follows KPIS: higher client net value is better, fewer escalations are better;
    KPIs not listed there count higher as better.
    """
    if baseline not in set(results[by]):
        raise ValueError(f"baseline {baseline!r} is not among the {by} values {sorted(set(results[by]))}")
    base = results[results[by] == baseline].set_index(pair_on)
    directions = {k: KPIS.get(k, True) for k in (kpis or KPIS)}
    rows = []
    for key, group in results.groupby(by, sort=False):
        if key == baseline:
            continue
        g = group.set_index(pair_on)
        common = g.index.intersection(base.index)
        for kpi, higher_better in directions.items():
            diff = g.loc[common, kpi] - base.loc[common, kpi]
            mean, lo, hi, n = mean_ci(diff)
            better = (diff > 0) if higher_better else (diff < 0)
            p_better = float((better.sum() + 0.5 * (diff == 0).sum()) / max(len(diff), 1))
            rows.append({by: key, "baseline": baseline, "kpi": kpi, "difference": mean,
                         "ci_low": lo, "ci_high": hi, "p_better": p_better, "n_pairs": n})
    return pd.DataFrame(rows)


def all_pairs(results: pd.DataFrame, by: str = "scheme", pair_on: str = "replication", kpis=None,
              order=None) -> pd.DataFrame:
    """`paired` against every configuration in turn: one row per ordered pair (a, b) and KPI, a minus b."""
    groups = list(order) if order is not None else list(pd.unique(results[by]))
    tables = [paired(results, b, by=by, pair_on=pair_on, kpis=kpis) for b in groups]
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()


def wide(card: pd.DataFrame, by: str = "scheme") -> pd.DataFrame:
    """Scorecard as a table: one row per configuration, one 'mean [low, high]' cell per KPI, each
    KPI in one format from the size of its means (34,000 [31,200, 36,800], not 3.4e+04)."""
    from .formats import number, number_format

    spec = {k: number_format(d["mean"]) for k, d in card.groupby("kpi", sort=False)}

    def cell(r):
        s = spec[r["kpi"]]
        return f"{number(r['mean'], s)} [{number(r['ci_low'], s)}, {number(r['ci_high'], s)}]"
    card = card.assign(cell=card.apply(cell, axis=1))
    return card.pivot(index=by, columns="kpi", values="cell")[list(dict.fromkeys(card["kpi"]))]
