"""Which parameters move a KPI: Sobol and Morris indices (SALib), tornado and index charts.

    sobol_indices(run, "client_net_value")   # parameter, S1, S1_low, S1_high, ST, ST_low, ST_high
    morris_indices(run, "client_net_value")  # parameter, mu_star, mu_star_conf, sigma (KPI units)
    tornado(run, "client_net_value")         # the KPI in the low and high fifth of each parameter

With a compared pair (design.compare: [A, B]) every function reads A minus B within each
replication (common random numbers), so an index says which parameter decides the gap.
Indices need the sampler's own design (sobol for Sobol, morris for Morris); a tornado works on
any sample.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..analysis.figures import fmt
from ..analysis.labels import kpi_unit, label
from .charts import BLUE, ORANGE, bar_height, styled
from .run import DesignRun


def _what(run: DesignRun, kpi: str) -> str:
    if run.design.compare:
        a, b = run.design.compare
        return f"{label(kpi)}, {a} minus {b}"
    return label(kpi)


def _unit_matrix(run: DesignRun) -> np.ndarray:
    """The design's points back in the unit cube (what SALib's analyses take as X)."""
    cols = []
    for p in run.design.parameters:
        x = run.points[p.name].to_numpy()
        if p.levels is not None:
            index = {v: i for i, v in enumerate(p.levels)}
            cols.append((np.array([index[v] for v in x]) + 0.5) / len(p.levels))
        else:
            lo, hi = p.bounds
            cols.append((x.astype(float) - lo) / (hi - lo) if hi > lo else np.zeros(len(x)))
    return np.column_stack(cols)


def _require(run: DesignRun, sampler: str, what: str) -> None:
    if run.design.sampler != sampler:
        raise ValueError(f"{what} needs a design sampled with sampler: {sampler} (this one used "
                         f"{run.design.sampler})")


def sobol_indices(run: DesignRun, kpi: str, resamples: int = 200, seed: int = 0) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices of the KPI with 95% bootstrap intervals."""
    from SALib.analyze import sobol

    _require(run, "sobol", "Sobol indices")
    y = run.outcome(kpi)
    if np.ptp(y) == 0:
        s1 = st = np.zeros(len(run.design.parameters))
        c1 = ct = s1
    else:
        res = sobol.analyze(run.design.problem(), y, calc_second_order=run.design.second_order,
                            num_resamples=resamples, conf_level=0.95, seed=seed)
        s1, st, c1, ct = res["S1"], res["ST"], res["S1_conf"], res["ST_conf"]
    out = pd.DataFrame({"kpi": kpi, "parameter": run.design.names, "S1": s1, "S1_low": s1 - c1,
                        "S1_high": s1 + c1, "ST": st, "ST_low": st - ct, "ST_high": st + ct})
    out["sd"] = float(np.std(y))  # the KPI's spread over the design, to read indices in KPI terms
    return out.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)


def morris_indices(run: DesignRun, kpi: str, resamples: int = 200, seed: int = 0) -> pd.DataFrame:
    """Morris elementary effects: mu* (mean absolute effect of moving a parameter across its
    whole range, in KPI units), its 95% bootstrap half-width, and sigma (their spread:
    interactions or non-linearity)."""
    from SALib.analyze import morris

    _require(run, "morris", "Morris indices")
    y = run.outcome(kpi)
    res = morris.analyze(run.design.problem(), _unit_matrix(run), y, num_resamples=resamples,
                         conf_level=0.95, num_levels=run.design.morris_levels, seed=seed)
    out = pd.DataFrame({"kpi": kpi, "parameter": run.design.names, "mu_star": np.asarray(res["mu_star"]),
                        "mu_star_conf": np.asarray(res["mu_star_conf"]), "mu": np.asarray(res["mu"]),
                        "sigma": np.asarray(res["sigma"])})
    return out.sort_values("mu_star", ascending=False, kind="stable").reset_index(drop=True)


def tornado(run: DesignRun, kpi: str, share: float = 0.2) -> pd.DataFrame:
    """For each parameter, the KPI's mean over the points in its lowest and highest `share` of
    values (other parameters as sampled): the swing moving that parameter alone tends to bring."""
    y = run.outcome(kpi)
    rows = []
    for p in run.design.parameters:
        x = run.points[p.name]
        if p.levels is not None:
            lo_mask, hi_mask = (x == p.levels[0]).to_numpy(), (x == p.levels[-1]).to_numpy()
            lo_v, hi_v = p.levels[0], p.levels[-1]
        else:
            q_lo, q_hi = np.quantile(x.astype(float), [share, 1 - share])
            lo_mask, hi_mask = (x <= q_lo).to_numpy(), (x >= q_hi).to_numpy()
            lo_v, hi_v = float(x[lo_mask].mean()), float(x[hi_mask].mean())
        low, high = float(np.mean(y[lo_mask])), float(np.mean(y[hi_mask]))
        rows.append({"kpi": kpi, "parameter": p.name, "low_value": lo_v, "high_value": hi_v,
                     "kpi_at_low": low, "kpi_at_high": high, "swing": high - low})
    out = pd.DataFrame(rows)
    if any(p.kind == "str" for p in run.design.parameters):  # scheme names beside numbers: one type a column
        for column in ("low_value", "high_value"):
            out[column] = out[column].map(_value_text)
    out["mean"] = float(np.mean(y))
    return out.reindex(out["swing"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def _value_text(v) -> str:
    return fmt(v) if isinstance(v, (int, float, np.floating)) and not isinstance(v, bool) else str(v)


def tornado_chart(table: pd.DataFrame, what: str, unit: str, top: int = 12) -> Figure:
    """Bars from the KPI's mean to its value in each parameter's low (orange) and high (blue) part."""
    t = table.head(top).iloc[::-1]
    mean = float(t["mean"].iloc[0]) if len(t) else 0.0
    with styled(f"Tornado: what moves {what}", bar_height(len(t))) as (fig, ax):
        ys = np.arange(len(t))
        # Side by side rather than overlaid: both ends can fall on the same side of the mean.
        ax.barh(ys + 0.2, t["kpi_at_high"] - mean, left=mean, height=0.38, color=BLUE, label="parameter in its highest fifth")
        ax.barh(ys - 0.2, t["kpi_at_low"] - mean, left=mean, height=0.38, color=ORANGE, label="parameter in its lowest fifth")
        ax.axvline(mean, color="#333333", lw=1)
        ax.set_yticks(ys, [f"{p}\n({_value_text(a)} to {_value_text(b)})" for p, a, b in
                           zip(t["parameter"], t["low_value"], t["high_value"])], fontsize=8)
        ax.set_xlabel(f"{what} ({unit})")
        ax.legend(loc="lower right", fontsize=8)
    r = table.iloc[0] if len(table) else None
    fig.reading = "" if r is None else (f"{r['parameter']} moves {what} most: {fmt(r['kpi_at_low'])} with it "
                                        f"low, {fmt(r['kpi_at_high'])} with it high (mean {fmt(mean)}).")
    return fig


def sobol_chart(table: pd.DataFrame, what: str, top: int = 12) -> Figure:
    """First-order and total Sobol indices with their 95% intervals, largest total first; the
    x axis also reads in KPI terms (share of the KPI's variance over the design)."""
    t = table.head(top).iloc[::-1]
    with styled(f"Sobol indices of {what}", bar_height(len(t))) as (fig, ax):
        ys = np.arange(len(t))
        for offset, key, color, name in ((0.2, "ST", BLUE, "total (ST): with all its interactions"),
                                         (-0.2, "S1", ORANGE, "first order (S1): alone")):
            err = np.vstack([(t[key] - t[f"{key}_low"]).clip(lower=0), (t[f"{key}_high"] - t[key]).clip(lower=0)])
            ax.barh(ys + offset, t[key], height=0.38, color=color, xerr=err, capsize=2, label=name)
        ax.set_yticks(ys, t["parameter"], fontsize=8)
        sd = float(table["sd"].iloc[0]) if len(table) else 0.0
        ax.set_xlabel(f"share of the variance of {what} over the design (sd {fmt(sd)})")
        ax.set_xlim(left=min(0.0, float(t[["S1_low"]].min().min()) if len(t) else 0.0))
        ax.legend(loc="lower right", fontsize=8)
    r = table.iloc[0] if len(table) else None
    fig.reading = "" if r is None else (f"{r['parameter']} explains the most of {what}: {r['ST']:.0%} of its "
                                        f"variance with interactions [{r['ST_low']:.0%}, {r['ST_high']:.0%}], "
                                        f"{r['S1']:.0%} alone.")
    return fig


def morris_chart(table: pd.DataFrame, what: str, unit: str) -> Figure:
    """mu* against sigma: right is influential, up is interacting or non-linear."""
    with styled(f"Morris screen of {what}", (8.0, 5.5)) as (fig, ax):
        ax.errorbar(table["mu_star"], table["sigma"], xerr=table["mu_star_conf"], fmt="o", color=BLUE,
                    ecolor="#999999", capsize=2)
        for r in table.head(8).itertuples():
            ax.annotate(r.parameter, (r.mu_star, r.sigma), fontsize=8, xytext=(4, 3), textcoords="offset points")
        top = float(max(table["mu_star"].max(), table["sigma"].max(), 1e-12))
        ax.plot([0, top], [0, top], ls=":", color="#777777", lw=1)
        ax.set_xlabel(f"mu*: mean absolute effect of a parameter across its range ({unit})")
        ax.set_ylabel(f"sigma: spread of the effects ({unit})")
    r = table.iloc[0]
    fig.reading = (f"{r['parameter']} moves {what} most: by {fmt(r['mu_star'])} on average across its range "
                   f"(+/- {fmt(r['mu_star_conf'])}), sigma {fmt(r['sigma'])}.")
    return fig


def kpi_terms(run: DesignRun, kpi: str) -> tuple[str, str]:
    """What the analyses of this KPI read (with the pair when compared) and its unit."""
    return _what(run, kpi), kpi_unit(kpi, _weeks(run))


def _weeks(run: DesignRun):
    if "weeks" in run.summary.columns and len(run.summary):
        return int(run.summary["weeks"].iloc[0])
    return None
