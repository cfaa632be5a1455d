"""Figures (and the numbers behind them) for the named experiments in configs/experiment/.

    python experiments/plot.py STUDY [SWEEP_DIR] [--out PNG]

reads the collated output of `bposim-run -m +experiment=STUDY` (SWEEP_DIR, default
multirun/STUDY: sweep_summary.parquet, sweep_timeseries.parquet and, for pressure_shock, each
job's relationships.parquet), draws the study's figure (means with 95% Student-t confidence
intervals over replications, as error bars or bands) into PNG (default
experiments/STUDY/figure.png) and prints the key numbers as a table.

Every job of a sweep runs with the same seed, so replication r of every configuration sees the
same random streams; where a figure shows a difference between configurations it is paired
within replications.

From Python: `plot(study, sweep_dir, out)` returns the printed table as a DataFrame.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402

from bposim.analysis.stats import t975  # noqa: E402
from bposim.schemes import BUSINESS, COLOURS  # noqa: E402
from bposim.sweep.collate import finished_jobs, job_overrides  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCHEMES = BUSINESS  # the registry's order and colours, as in bposim's own reports
COLORS = plt.rcParams["axes.prop_cycle"].by_key()["color"]

plt.rcParams.update({"figure.dpi": 110, "savefig.dpi": 110, "axes.grid": True, "grid.alpha": 0.3,
                     "axes.titlesize": 11, "axes.labelsize": 10, "legend.fontsize": 8.5,
                     "xtick.labelsize": 9, "ytick.labelsize": 9})


# --- statistics -------------------------------------------------------------------------------


def ci(values) -> tuple[float, float, int]:
    """(mean, 95% half-width, n) over replications; half-width nan when n < 2."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    if n == 0:
        return math.nan, math.nan, 0
    if n < 2:
        return float(x.mean()), math.nan, 1
    return float(x.mean()), t975(n - 1) * float(x.std(ddof=1)) / math.sqrt(n), n


def stats(df: pd.DataFrame, by: list[str], metrics: list[str]) -> pd.DataFrame:
    """Mean and half-width of each metric per configuration (`by`): columns m, m_ci."""
    rows = []
    for key, g in df.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(by, key))
        for m in metrics:
            row[m], row[f"{m}_ci"], row["n"] = ci(g[m])
        rows.append(row)
    return pd.DataFrame(rows)


def paired(df: pd.DataFrame, key: str, base, metric: str, match: list[str] = ()) -> pd.DataFrame:
    """metric of each value of `key` minus its value at key == base, within each replication
    (and each combination of the `match` columns): mean, half-width, n."""
    rows = []
    for mkey, g in (df.groupby(list(match), sort=True) if match else [((), df)]):
        mkey = mkey if isinstance(mkey, tuple) else (mkey,)
        b = g[g[key] == base].set_index("replication")[metric]
        for value, h in g.groupby(key, sort=True):
            d = h.set_index("replication")[metric]
            common = d.index.intersection(b.index)
            mean, half, n = ci(d.loc[common] - b.loc[common])
            rows.append({**dict(zip(match, mkey)), key: value, "diff": mean, "diff_ci": half, "n": n})
    return pd.DataFrame(rows)


def band(ts: pd.DataFrame, metric: str, smooth: int = 1) -> pd.DataFrame:
    """Weekly mean and half-width over replications of a metric (optionally a rolling mean over
    `smooth` weeks within each replication first)."""
    ts = ts.sort_values(["replication", "step"])
    values = ts[metric]
    if smooth > 1:
        values = values.groupby(ts["replication"]).transform(lambda s: s.rolling(smooth, min_periods=1).mean())
    g = values.groupby(ts["step"])
    n = g.count()
    half = g.std(ddof=1) / np.sqrt(n) * np.array([t975(int(k) - 1) if k > 1 else np.nan for k in n])
    return pd.DataFrame({"step": n.index, "mean": g.mean().to_numpy(), "ci": half.to_numpy()})


# --- reading a sweep --------------------------------------------------------------------------


def load(sweep_dir, name: str = "sweep_summary.parquet") -> pd.DataFrame:
    path = Path(sweep_dir) / name
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run the sweep first (see experiments/README.md)")
    return pd.read_parquet(path)


def load_relationships(sweep_dir) -> pd.DataFrame:
    """Every finished job's relationships.parquet, with one column per override of the job."""
    frames = []
    for job in finished_jobs(Path(sweep_dir)):
        path = job / "relationships.parquet"
        if not path.exists():
            continue
        df = pd.read_parquet(path)
        for k, v in job_overrides(job).items():
            num = pd.to_numeric(pd.Series([v]), errors="coerce").iloc[0]
            df[k] = v if pd.isna(num) else num
        frames.append(df)
    if not frames:
        raise FileNotFoundError(f"no relationships.parquet in the jobs of {sweep_dir}")
    return pd.concat(frames, ignore_index=True)


def job_config(sweep_dir, **overrides) -> dict:
    """The resolved config.yaml of the sweep's first finished job (whose overrides include
    `overrides`, if given), for the settings a study holds fixed."""
    for job in finished_jobs(Path(sweep_dir)):
        given = job_overrides(job)
        if all(given.get(k) == v for k, v in overrides.items()):
            return yaml.safe_load((job / "config.yaml").read_text())
    return {}


# --- drawing helpers --------------------------------------------------------------------------


def errorlines(ax, table: pd.DataFrame, x: str, y: str, group: str | None, label_fmt: str = "{}",
               styles=None, xoffset: float = 0.0, **kw):
    """One line per value of `group` (or one line), y mean +/- 95% CI against x."""
    groups = table.groupby(group, sort=True) if group else [(None, table)]
    for i, (value, g) in enumerate(groups):
        g = g.sort_values(x)
        style = dict(color=COLORS[i % len(COLORS)], marker="o", ms=4, capsize=3, lw=1.5)
        if styles:
            style.update(styles(i, value))
        style.update(kw)
        shift = xoffset * (i - (len(groups) - 1) / 2) if xoffset else 0.0
        ax.errorbar(g[x] + shift, g[y], yerr=g[f"{y}_ci"], label=None if group is None else label_fmt.format(value),
                    **style)


def bandline(ax, b: pd.DataFrame, label: str, color, ls="-"):
    ax.plot(b["step"], b["mean"], color=color, ls=ls, lw=1.5, label=label)
    ax.fill_between(b["step"], b["mean"] - b["ci"], b["mean"] + b["ci"], color=color, alpha=0.2, lw=0)


def finish(fig, out, title: str, note: str | None = None):
    fig.suptitle(title, fontsize=13, fontweight="bold")
    if note:
        fig.text(0.5, 0.005, note, ha="center", va="bottom", fontsize=8.5, color="0.3", wrap=True)
    fig.tight_layout(rect=(0, 0.035 if note else 0, 1, 0.96))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out


def _n(df) -> int:
    return int(df.groupby("job")["replication"].nunique().min())


def _weeks(df) -> int:
    return int(df["weeks"].iloc[0])


# --- 1. scheme comparison ---------------------------------------------------------------------


def scheme_comparison(sweep_dir, out):
    s = load(sweep_dir)
    s = s.assign(cnv_k=s.client_net_value / 1e3, margin_k=s.vendor_margin / 1e3)
    order = [x for x in SCHEMES if x in set(s.scheme)]
    metrics = ["cnv_k", "margin_k", "gaming", "trust_in_vendor_final", "trust_in_client_final", "true_quality",
               "quality_gap", "escalations", "oversight_hours", "switches"]
    t = stats(s, ["scheme"], metrics).set_index("scheme").loc[order].reset_index()
    best = t.loc[t.cnv_k.idxmax(), "scheme"]
    d = paired(s, "scheme", best, "cnv_k").set_index("scheme").loc[order].reset_index()

    fig, axes = plt.subplots(2, 3, figsize=(14, 8))
    x = np.arange(len(order))
    colors = [COLOURS[x] for x in order]
    panels = [("cnv_k", "Client net value, 3-year total", "kMU"),
              ("margin_k", "Vendor margin, 3-year total", "kMU"),
              ("gaming", "Corner-cutting (share of work, run mean)", "share of work"),
              ("true_quality", "True quality (run mean)", "quality points [0, 1]")]
    for ax, (col, title, unit) in zip(axes.flat, panels):
        ax.bar(x, t[col], yerr=t[f"{col}_ci"], color=colors, capsize=4, alpha=0.85)
        ax.set_title(title)
        ax.set_ylabel(unit)
    ax = axes.flat[4]
    w = 0.38
    ax.bar(x - w / 2, t.trust_in_vendor_final, w, yerr=t.trust_in_vendor_final_ci, capsize=3, color="0.35",
           label="client's trust in vendor")
    ax.bar(x + w / 2, t.trust_in_client_final, w, yerr=t.trust_in_client_final_ci, capsize=3, color="0.7",
           label="vendor's trust in client")
    ax.set_title("Trust at the end of week %d" % _weeks(s))
    ax.set_ylabel("index [0, 1]")
    ax.set_ylim(0, 1.05)
    ax.legend(loc="lower right")
    ax = axes.flat[5]
    ax.bar(x, d["diff"], yerr=d["diff_ci"], color=colors, capsize=4, alpha=0.85)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_title(f"Client net value minus {best}'s\n(paired within replication)")
    ax.set_ylabel("kMU over 3 years")
    for ax in axes.flat:
        ax.set_xticks(x, [o.replace("_", "\n") for o in order])
    finish(fig, out, f"Payment schemes compared: {s.scheme.nunique()} schemes, default market, "
           f"{_weeks(s)} weeks, {_n(s)} replications",
           "Bars: mean over replications; error bars: 95% CI. Same random streams for every scheme.")
    t = t.merge(d[["scheme", "diff", "diff_ci"]].rename(columns={"diff": f"cnv_k_minus_{best}",
                                                                 "diff_ci": f"cnv_k_minus_{best}_ci"}), on="scheme")
    return t


# --- 2. gaming of a quality-weighted contract -------------------------------------------------


def gaming_quality_weighted(sweep_dir, out):
    s = load(sweep_dir)
    g_key, a_key = "vendor.metric_gameability", "client.audit_rate"
    s = s.assign(cnv_k=s.client_net_value / 1e3)
    t = stats(s, [g_key, a_key], ["gaming", "quality_gap", "true_quality", "cnv_k", "detected_gaming", "oversight_hours"])
    gs = sorted(t[g_key].unique())
    aud = sorted(t[a_key].unique())

    fig, axes = plt.subplots(1, 3, figsize=(16, 5.4), gridspec_kw={"width_ratios": [1, 1, 1.15]})
    for ax, col, title, cmap, vmax in [(axes[0], "gaming", "Corner-cutting (share of work, run mean)", "Reds", 1.0),
                                       (axes[1], "quality_gap", "Quality gap: measured - true score\n(score points, run mean)", "Purples", None)]:
        grid = t.pivot(index=g_key, columns=a_key, values=col).loc[gs, aud]
        im = ax.imshow(grid.to_numpy(), origin="lower", cmap=cmap, aspect="auto", vmin=0,
                       vmax=vmax or max(float(grid.to_numpy().max()), 1e-9))
        for i in range(len(gs)):
            for j in range(len(aud)):
                v = grid.iloc[i, j]
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8.5,
                        color="white" if v > 0.55 * (vmax or grid.to_numpy().max()) else "black")
        ax.set_xticks(range(len(aud)), [f"{a:g}" for a in aud])
        ax.set_yticks(range(len(gs)), [f"{g:g}" for g in gs])
        ax.set_xlabel("audit rate at full trust (audits/week)")
        ax.set_ylabel("metric gameability (score points at full corner-cutting)")
        ax.set_title(title)
        ax.grid(False)
        fig.colorbar(im, ax=ax, shrink=0.85)
    ax = axes[2]
    sub = t.copy()
    sub["pos"] = sub[a_key].map({a: i for i, a in enumerate(aud)})
    errorlines(ax, sub, "pos", "cnv_k", g_key, "gameability {:g}", xoffset=0.06)
    ax.set_xticks(range(len(aud)), [f"{a:g}" for a in aud])
    ax.set_xlabel("audit rate at full trust (audits/week)")
    ax.set_ylabel("client net value, 3-year total (kMU)")
    ax.set_title("Client net value")
    ax.legend(loc="lower right")
    finish(fig, out, f"When a quality-weighted contract gets gamed ({_weeks(s)} weeks, {_n(s)} replications per cell)",
           "Cells: mean over replications. Right: mean +/- 95% CI. Audit rate is the rate at full trust; "
           "low trust adds up to as many again.")
    return t


# --- 3. quarterly reviews and drift -----------------------------------------------------------


def quarterly_reviews(sweep_dir, out, smooth: int = 4):
    s = load(sweep_dir)
    ts = load(sweep_dir, "sweep_timeseries.parquet")
    r_key, d_key = "client.review_period", "vendor.gaming_drift"
    periods = sorted(s[r_key].unique())
    drifts = sorted(s[d_key].unique())
    s = s.assign(cnv_k=s.client_net_value / 1e3)
    # The last year's mean, per replication: where each setting ends up.
    weeks = int(ts.step.max())
    last = ts[ts.step > weeks - min(52, weeks // 2)].groupby(["job", "replication"])[["gaming", "quality_gap"]].mean()
    last.columns = ["gaming_last_year", "gap_last_year"]
    s = s.join(last, on=["job", "replication"])
    t = stats(s, [d_key, r_key], ["gaming", "gaming_last_year", "quality_gap", "gap_last_year", "cnv_k",
                                  "switches", "detected_gaming"])

    fig, axes = plt.subplots(2, len(drifts), figsize=(5 * len(drifts), 8), sharey="row", squeeze=False)
    labels = {0: "no reviews"}
    for j, d in enumerate(drifts):
        for i, p in enumerate(periods):
            sub = ts[(ts[d_key] == d) & (ts[r_key] == p)]
            lab = labels.get(p, f"review every {p} weeks")
            bandline(axes[0, j], band(sub, "gaming", smooth), lab, COLORS[i])
            bandline(axes[1, j], band(sub, "quality_gap", smooth), lab, COLORS[i])
        axes[0, j].set_title(f"gaming drift {d:g}/week" + (" (no drift)" if d == 0 else ""))
        axes[1, j].set_xlabel("week")
    axes[0, 0].set_ylabel("corner-cutting (share of work)")
    axes[1, 0].set_ylabel("measured - true quality (score points)")
    axes[0, 0].legend(loc="best")
    for ax in axes.flat:
        ax.grid(False, axis="x")
        ax.set_xticks(range(0, weeks + 1, 26))
        for w in range(13, weeks + 1, 13):
            ax.axvline(w, color="0.88", lw=0.7, zorder=0)
    cfg = job_config(sweep_dir)
    v, c = cfg.get("vendor", {}), cfg.get("client", {})
    finish(fig, out, f"Do contract reviews stop drift? Gaming aversion {v.get('gaming_aversion', '?'):g}, "
           f"metric gameability {v.get('metric_gameability', '?'):g}, audit rate {c.get('audit_rate', '?'):g}",
           f"Lines: mean over {_n(s)} replications of the market's weekly value ({smooth}-week rolling mean); "
           "bands: 95% CI. Grey verticals: quarters.")
    return t


# --- 4. feedback ------------------------------------------------------------------------------


def weeks_to(ts: pd.DataFrame, metric: str, level: float, smooth: int = 4) -> pd.DataFrame:
    """Per job and replication: first week the rolling mean of metric reaches level (nan: never)."""
    ts = ts.sort_values(["job", "replication", "step"])
    roll = ts.groupby(["job", "replication"])[metric].transform(lambda x: x.rolling(smooth, min_periods=smooth).mean())
    hit = ts[roll >= level].groupby(["job", "replication"])["step"].min()
    allreps = ts.groupby(["job", "replication"]).size().index
    return hit.reindex(allreps).rename(f"weeks_to_{metric}").reset_index()


def feedback(sweep_dir, out, level: float = 0.9, first_weeks: int = 52):
    s = load(sweep_dir)
    ts = load(sweep_dir, "sweep_timeseries.parquet")
    c_key, w_key = "client.feedback_clarity", "client.two_way_feedback"
    hit = weeks_to(ts, "true_quality", level)
    s = s.merge(hit, on=["job", "replication"], how="left")
    s["weeks_to_true_quality"] = s["weeks_to_true_quality"].fillna(s["weeks"])  # never: censored at the run length
    early = ts[ts.step <= first_weeks].groupby(["job", "replication"])["true_quality"].mean().rename("true_quality_early")
    s = s.join(early, on=["job", "replication"])
    s = s.assign(cnv_k=s.client_net_value / 1e3)
    base = (min(s[c_key]), min(s[w_key]))
    s["setting"] = list(zip(s[c_key], s[w_key]))
    gains = []
    for m in ("true_quality_early", "cnv_k", "weeks_to_true_quality"):
        d = paired(s, "setting", base, m).rename(columns={"diff": f"{m}_gain", "diff_ci": f"{m}_gain_ci"})
        gains.append(d.drop(columns="n").set_index("setting"))
    t = stats(s, [w_key, c_key], ["feedback_repeated", "actioned_share", "feedback_given", "feedback_actioned",
                                  "weeks_to_true_quality", "true_quality_early", "true_quality", "trust_in_vendor_final",
                                  "vendor_feedback", "breaks_missed", "escalations", "cnv_k"])
    g = pd.concat(gains, axis=1).reset_index()
    g[c_key] = [k[0] for k in g.setting]
    g[w_key] = [k[1] for k in g.setting]
    t = t.merge(g.drop(columns="setting"), on=[c_key, w_key])
    fig, axes = plt.subplots(2, 3, figsize=(17, 9.5))
    lab = "two-way feedback {:g}"
    base_txt = f"clarity {base[0]:g}, two-way {base[1]:g}"
    panels = [(axes[0, 0], "feedback_repeated", "The complaint loop: open items the client repeated",
               "items repeated, 3-year total (market)"),
              (axes[0, 1], "actioned_share", "Share of feedback items the vendor acted on", "items acted on / items raised"),
              (axes[0, 2], "trust_in_vendor_final", "Client's trust in vendor at the end", "index [0, 1]"),
              (axes[1, 0], "true_quality_early_gain",
               f"Speed of improvement: mean true quality over weeks 1-{first_weeks}\nminus that at {base_txt} (paired)",
               "quality points"),
              (axes[1, 2], "cnv_k_gain", f"Client net value minus that at {base_txt}\n(paired, 3-year total)", "kMU")]
    for ax, m, title, unit in panels:
        errorlines(ax, t, c_key, m, w_key, lab, xoffset=0.01)
        ax.set_xlabel("feedback clarity (index)")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.legend()
        if m.endswith("_gain"):
            ax.axhline(0, color="k", lw=0.8)
    ax = axes[1, 1]
    clar = sorted(s[c_key].unique())
    show = [clar[0], clar[len(clar) // 2], clar[-1]] if len(clar) >= 3 else clar
    ways = sorted(s[w_key].unique())
    horizon = min(int(ts.step.max()), 78)
    for i, c in enumerate(show):
        for w, ls in [(ways[0], "--"), (ways[-1], "-")]:
            sub = ts[(ts[c_key] == c) & (ts[w_key] == w) & (ts.step <= horizon)]
            bandline(ax, band(sub, "true_quality", 4), f"clarity {c:g}, two-way {w:g}", COLORS[i], ls)
    ax.set_xlabel("week")
    ax.set_ylabel("true quality (quality points, 4-week rolling mean)")
    ax.set_title(f"True quality over the first {horizon} weeks (market mean)")
    ax.legend(loc="lower right", ncol=1)
    finish(fig, out, f"Feedback clarity and two-way feedback ({_weeks(s)} weeks, {_n(s)} replications per setting)",
           "Mean +/- 95% CI over replications (points slightly offset); paired panels: differences within replication "
           "(same random streams); bands: 95% CI.")
    return t


# --- 5. context sharing -----------------------------------------------------------------------


def context_sharing(sweep_dir, out):
    s = load(sweep_dir)
    c_key, p_key = "client.context_sharing", "client.early_planning"
    s = s.assign(cnv_k=s.client_net_value / 1e3)
    t = stats(s, [p_key, c_key], ["escalations", "breaks_missed", "breaks_flagged", "flagged_share", "context",
                                  "cnv_k", "oversight_hours", "true_quality"])
    base_c = min(s[c_key])
    d = paired(s, c_key, base_c, "cnv_k", [p_key]).rename(columns={"diff": "cnv_gain", "diff_ci": "cnv_gain_ci"})
    for m in ("escalations", "breaks_missed"):
        dm = paired(s, c_key, base_c, m, [p_key]).rename(columns={"diff": f"{m}_change", "diff_ci": f"{m}_change_ci"})
        d = d.merge(dm.drop(columns="n"), on=[p_key, c_key])
    t = t.merge(d.drop(columns="n"), on=[p_key, c_key])
    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    lab = "early planning {:g}"
    errorlines(axes[0, 0], t, c_key, "escalations", p_key, lab, xoffset=0.012)
    axes[0, 0].set_ylabel("escalations, 3-year total (market)")
    axes[0, 0].set_title("Escalations to the client's stakeholders")
    errorlines(axes[0, 1], t, c_key, "breaks_missed", p_key, lab, xoffset=0.012)
    axes[0, 1].set_ylabel("missed breaks, 3-year total (market)")
    axes[0, 1].set_title("Process breaks the vendor missed (found by the client)")
    errorlines(axes[1, 0], t, c_key, "flagged_share", p_key, lab, xoffset=0.012)
    axes[1, 0].set_ylabel("flagged / (flagged + missed)")
    axes[1, 0].set_title("Share of breaks the vendor flagged first")
    errorlines(axes[1, 1], t, c_key, "cnv_gain", p_key, lab, xoffset=0.012)
    axes[1, 1].axhline(0, color="k", lw=0.8)
    axes[1, 1].set_ylabel("kMU over 3 years")
    axes[1, 1].set_title(f"Client net value gained over context sharing {base_c:g}\n(paired, same early planning)")
    for ax in axes.flat:
        ax.set_xlabel("context sharing (index)")
        ax.legend()
    finish(fig, out, f"Sharing context: breaks, escalations and value ({_weeks(s)} weeks, {_n(s)} replications per setting)",
           "Mean +/- 95% CI over replications (points slightly offset). Market: 3 clients, 2 vendors, quality_weighted.")
    return t


# --- 6. pressure shock ------------------------------------------------------------------------


def _shock_window(sweep_dir) -> tuple[int, int]:
    """(start week, duration) of the scheduled shock, from a job that ran with shock=surge."""
    shock = (job_config(sweep_dir, shock="surge") or job_config(sweep_dir)).get("shock", {})
    start = int(shock.get("week", -1))
    return (start if start >= 0 else 52), int(shock.get("duration", 8))


def pressure_shock(sweep_dir, out, after: int = 26):
    """Per relationship: attention, breaks and escalations during the shock, trust at its end,
    client net value and contracts ended from the shock's start to `after` weeks on, by the
    relationship's role at the shock's start."""
    s = load(sweep_dir)
    rel = load_relationships(sweep_dir)
    b_key, v_key = "market.big_client_multiplier", "market.n_vendors"
    steps = int(rel.step.max())
    start, duration = _shock_window(sweep_dir)
    first, last = start + 1, min(start + duration, steps)     # steps are 1-based; the shock's weeks are start+1..start+d
    horizon = min(start + after, steps)
    keys = ["shock", b_key, v_key, "replication", "relationship"]
    # Role at the shock's start: the big client, a small client on the big client's vendor, or on another.
    at = rel[rel.step == min(start, steps)].set_index(keys)
    big_vendor = rel[(rel.step == min(start, steps)) & (rel.client_id == 0)].set_index(keys[:-1])["vendor_id"]
    same = at["vendor_id"].to_numpy() == big_vendor.reindex(at.index.droplevel(-1)).to_numpy()
    role = pd.Series(np.where(at.index.get_level_values("relationship") == 0, "big client (0)",
                              np.where(same, "small, same vendor as big", "small, other vendor")),
                     index=at.index, name="role")
    win = rel[(rel.step >= first) & (rel.step <= last)]
    during = win.groupby(keys).agg(attention=("attention", "mean"), breaks_missed=("breaks_missed", "sum"),
                                   escalations=("escalations", "sum"))
    trust = rel[rel.step == last].set_index(keys)[["trust_in_vendor", "trust_in_client"]]
    later = rel[(rel.step >= first) & (rel.step <= horizon)].groupby(keys)
    ended = (later["switches"].sum() > 0).astype(float).rename("ended")
    value = (later["client_net_value"].sum() / 1e3).rename("cnv_k")
    per = during.join(trust).join(ended).join(value).join(role).reset_index()
    # A client doing the work itself at the shock's start (a tender found no eligible vendor) has
    # no vendor whose capacity the shock could split: it is not a relationship under pressure.
    outsourced = at["vendor_id"] < at.index.get_level_values(v_key)
    per = per[per.set_index(keys).index.isin(at.index[outsourced])]
    metrics = ["attention", "breaks_missed", "escalations", "trust_in_vendor", "trust_in_client", "ended", "cnv_k"]
    # Shock effect: surge minus none, paired on replication and relationship (same random streams,
    # identical histories up to the shock).
    pair = [b_key, v_key, "replication", "relationship"]
    none = per[per.shock == "none"].set_index(pair)
    surge = per[per.shock == "surge"].set_index(pair)
    common = surge.index.intersection(none.index)
    eff = surge.loc[common, metrics] - none.loc[common, metrics]
    eff["role"] = surge.loc[common, "role"]
    eff = eff.reset_index()
    # Replication-level means per role (relationships of one role in one replication averaged first).
    rep = per.groupby(["shock", b_key, v_key, "role", "replication"])[metrics].mean().reset_index()
    rep_eff = eff.groupby([b_key, v_key, "role", "replication"])[metrics].mean().reset_index()
    t = stats(rep, ["shock", v_key, "role", b_key], metrics)
    if len(rep_eff):
        te = stats(rep_eff, [v_key, "role", b_key], metrics).drop(columns="n")
        te = te.rename(columns={m: f"{m}_shock_effect" for m in metrics} | {f"{m}_ci": f"{m}_shock_effect_ci" for m in metrics})
        t = t.merge(te, on=[v_key, "role", b_key], how="left")

    roles = ["big client (0)", "small, same vendor as big", "small, other vendor"]
    fig, axes = plt.subplots(2, 3, figsize=(16, 9.5))
    panels = [("attention", rep, "Share of demand served during the shock", "share of demand"),
              ("escalations", rep, "Escalations during the shock (per relationship)", "escalations"),
              ("breaks_missed", rep, "Missed breaks during the shock (per relationship)", "breaks"),
              ("trust_in_vendor", rep, "Client's trust in vendor at the shock's end", "index [0, 1]"),
              ("cnv_k", rep_eff, f"Client net value lost to the shock, weeks {first}-{horizon}\n"
                                 "(surge minus no shock, paired, per relationship)", "kMU"),
              ("ended", rep, f"Contracts ended in weeks {first}-{horizon}", "share of relationships")]
    style_v = {1: dict(ls="-", marker="o"), 2: dict(ls="--", marker="s")}
    mult = sorted(per[b_key].unique())
    for ax, (m, data, title, unit) in zip(axes.flat, panels):
        for i, r in enumerate(roles):
            for v in sorted(per[v_key].unique()):
                sub = data[(data.role == r) & (data[v_key] == v)]
                if "shock" in sub:
                    sub = sub[sub.shock == "surge"]
                if sub.empty:
                    continue
                tt = stats(sub, [b_key], [m])
                ax.errorbar(tt[b_key] * (1 + 0.04 * (i - 1)), tt[m], yerr=tt[f"{m}_ci"], color=COLORS[i], capsize=3,
                            ms=4, lw=1.4, label=f"{r}, {v} vendor{'s' if v > 1 else ''}", **style_v.get(v, {}))
            base = data[(data.role == r) & (data.shock == "none")] if "shock" in data else data.iloc[:0]
            if not base.empty:
                ax.axhline(base[m].mean(), color=COLORS[i], lw=1.0, ls=":")
        if "shock" not in data:
            ax.axhline(0, color="k", lw=0.8)
        ax.set_xscale("log", base=2)
        ax.set_xticks(mult, [f"{x:g}x" for x in mult])
        ax.minorticks_off()
        ax.set_xlabel("size of the big client (x each other client's)")
        ax.set_ylabel(unit)
        ax.set_title(title)
    axes[0, 0].legend(loc="lower left", fontsize=7.5)
    finish(fig, out, f"A pressure shock (+60% demand, -20% capacity, weeks {first}-{last}) and a bigger competing client",
           f"Surge runs: mean +/- 95% CI over {_n(s)} replications. Dotted: the same role without the shock (mean). "
           "Role as at the shock's start. 3 clients; 1 vendor (solid) or 2 (dashed).")
    return t


# --- 7. outcome sharing -----------------------------------------------------------------------


def outcome_sharing_limits(sweep_dir, out):
    s = load(sweep_dir)
    n_key, r_key, g_key = "market.outcome_noise", "vendor.risk_aversion", "vendor.gaming_saving"
    cfg = job_config(sweep_dir)
    share = float(cfg.get("scheme", {}).get("share", 0.35))
    # The vendor's weekly risk premium on the outcome share (MU per unit of demand): 0.5 r (share sd)^2,
    # times the mean client's baseline demand when r is CARA in money (vendor.risk_in_money).
    in_money = bool(cfg.get("vendor", {}).get("risk_in_money", True))
    size = float(cfg.get("market", {}).get("base_demand", 100.0)) if in_money else 1.0
    s = s.assign(cnv_k=s.client_net_value / 1e3, margin_k=s.vendor_margin / 1e3, payments_k=s.payments / 1e3,
                 risk_premium=0.5 * s[r_key] * size * (share * s[n_key]) ** 2)
    t = stats(s, [g_key, r_key, n_key, "risk_premium"], ["cnv_k", "margin_k", "gaming", "true_quality", "switches",
                                                          "payments_k"])
    savings = sorted(s[g_key].unique())
    fig, axes = plt.subplots(len(savings), 4, figsize=(20, 4.8 * len(savings)), squeeze=False,
                             gridspec_kw={"width_ratios": [1, 1, 1, 1.1]})
    for j in range(3):  # one scale per column, so rows compare at a glance
        for i in range(1, len(savings)):
            axes[i, j].sharey(axes[0, j])
    cols = [("cnv_k", "Client net value, 3-year total", "kMU"),
            ("margin_k", "Vendor margin, 3-year total", "kMU"),
            ("gaming", "Corner-cutting (share of work, run mean)", "share of work")]
    for i, gsv in enumerate(savings):
        sub = t[t[g_key] == gsv]
        for j, (m, title, unit) in enumerate(cols):
            ax = axes[i, j]
            errorlines(ax, sub, n_key, m, r_key, "risk aversion {:g}", xoffset=0.05)
            ax.set_xlabel("outcome noise (sd of reported outcome, MU per unit of demand)")
            ax.set_ylabel(unit)
            ax.set_title(f"{title}\ngaming saving {gsv:g}" + (" (default)" if gsv == 0.5 else ""))
        axes[i, 0].legend(loc="lower left")
        # The same runs against the one number that carries risk into the model.
        ax = axes[i, 3]
        ax2 = ax.twinx()
        ax2.grid(False)
        sub = sub.sort_values("risk_premium")
        ax.errorbar(sub.risk_premium, sub.cnv_k, yerr=sub.cnv_k_ci, fmt="o", color=COLORS[0], ms=4, capsize=3,
                    label="client net value (left)")
        ax2.errorbar(sub.risk_premium, sub.gaming, yerr=sub.gaming_ci, fmt="s", color=COLORS[3], ms=4, capsize=3,
                     mfc="none", label="corner-cutting (right)")
        ax.set_xscale("symlog", linthresh=0.05)
        ticks = [0, 0.1, 0.3, 1, 3, 10]
        ax.set_xticks(ticks, [f"{x:g}" for x in ticks])
        ax.minorticks_off()
        ax.set_xlabel("risk premium 0.5 r base (share x noise)^2 (MU/unit/week)" if in_money
                      else "risk premium 0.5 r (share x noise)^2 (MU/unit/week)")
        ax.set_ylabel("client net value (kMU)", color=COLORS[0])
        ax2.set_ylabel("corner-cutting (share of work)", color=COLORS[3])
        ax2.set_ylim(-0.03, 1.0)
        ax.set_title(f"All {len(sub)} settings against the risk premium\ngaming saving {gsv:g}")
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, loc="center left")
    finish(fig, out, f"Where outcome sharing stops paying (shared_outcome, share {share:g}, {_weeks(s)} weeks, "
           f"{_n(s)} replications)",
           "Mean +/- 95% CI over replications (points slightly offset; identical results overlap). "
           "gaming saving: cost saved by cutting corners on all work (MU per unit of demand).")
    return t


# --- 8. trust savings -------------------------------------------------------------------------


def trust_savings(sweep_dir, out):
    s = load(sweep_dir)
    ts_path = Path(sweep_dir) / "sweep_timeseries.parquet"
    t_key, r_key, e_key = "client.trust_init", "client.recognition", "client.expectation_clarity"
    cfg = job_config(sweep_dir).get("client", {})
    base_hours = float(cfg.get("oversight_base_hours", 8.0))
    relief = float(cfg.get("oversight_trust_relief", 0.7))
    scope = float(cfg.get("oversight_scope_relief", 0.4))
    n_rel = int(job_config(sweep_dir).get("market", {}).get("n_clients", 3))
    # Supervision hours saved by trust (vs zero trust), from the weekly mean trust: the supervision
    # term is base * (1 - relief * trust) * (1 - scope * clarity) per relationship, linear in trust.
    s = s.assign(cnv_k=s.client_net_value / 1e3,
                 trust_hours_saved=base_hours * relief * (1 - scope * s[e_key]) * n_rel * s.trust_in_vendor * s.weeks)
    t = stats(s, [e_key, r_key, t_key], ["oversight_hours", "trust_hours_saved", "cnv_k", "trust_in_vendor",
                                         "trust_in_vendor_final", "gaming", "breaks_missed", "switches"])
    d = paired(s, t_key, min(s[t_key]), "oversight_hours", [e_key, r_key]).rename(
        columns={"diff": "hours_vs_lowest_trust", "diff_ci": "hours_vs_lowest_trust_ci"})
    dv = paired(s, t_key, min(s[t_key]), "cnv_k", [e_key, r_key]).rename(
        columns={"diff": "cnv_k_vs_lowest_trust", "diff_ci": "cnv_k_vs_lowest_trust_ci"})
    t = t.merge(d.drop(columns="n"), on=[e_key, r_key, t_key]).merge(dv.drop(columns="n"), on=[e_key, r_key, t_key])

    fig, axes = plt.subplots(2, 2, figsize=(13, 9.5))
    recs = sorted(s[r_key].unique())
    clar = sorted(s[e_key].unique())
    lss = ["--", "-", ":"]

    def styles(i, value):
        r, e = value
        return dict(color=COLORS[recs.index(r)], ls=lss[clar.index(e) % 3], marker="os^"[clar.index(e) % 3])

    tt = t.assign(grp=list(zip(t[r_key], t[e_key])))
    low = min(s[t_key])
    for ax, m, title, unit in [(axes[0, 0], "oversight_hours", "Client oversight hours, 3-year total (market)", "hours"),
                               (axes[0, 1], "cnv_k_vs_lowest_trust",
                                f"Client net value minus that at initial trust {low:g}\n(paired, same practices, 3-year total)",
                                "kMU"),
                               (axes[1, 1], "gaming", "Corner-cutting (share of work, run mean)", "share of work")]:
        for i, (grp, g) in enumerate(tt.groupby("grp", sort=True)):
            st = styles(i, grp)
            shift = 0.006 * (recs.index(grp[0]) - 1) + 0.003 * clar.index(grp[1])
            ax.errorbar(g[t_key] + shift, g[m], yerr=g[f"{m}_ci"], capsize=3, ms=4, lw=1.4,
                        label=f"recognition {grp[0]:g}, clarity {grp[1]:g}", **st)
        ax.set_xlabel("client's initial trust in a new vendor (index)")
        ax.set_ylabel(unit)
        ax.set_title(title)
    axes[0, 1].axhline(0, color="k", lw=0.8)
    axes[0, 0].legend(fontsize=7.5, ncol=2)
    ax = axes[1, 0]
    if ts_path.exists():
        ts = pd.read_parquet(ts_path)
        r_mid = recs[len(recs) // 2]
        e_mid = clar[0]
        tis = sorted(s[t_key].unique())
        for i, ti in enumerate(tis):
            sub = ts[(ts[t_key] == ti) & (ts[r_key] == r_mid) & (ts[e_key] == e_mid)]
            bandline(ax, band(sub, "trust_in_vendor", 4), f"initial trust {ti:g}", plt.cm.viridis(i / max(len(tis) - 1, 1)))
        ax.set_title(f"Client's trust in vendor over time (recognition {r_mid:g}, clarity {e_mid:g})")
        ax.set_xlabel("week")
        ax.set_ylabel("index [0, 1] (4-week rolling mean)")
        ax.legend(loc="lower right")
    finish(fig, out, f"What trust saves in oversight ({_weeks(s)} weeks, {_n(s)} replications per setting)",
           "Mean +/- 95% CI over replications (points slightly offset). Colour: recognition; line style: expectation clarity.")
    return t


STUDIES = {f.__name__: f for f in (scheme_comparison, gaming_quality_weighted, quarterly_reviews, feedback,
                                   context_sharing, pressure_shock, outcome_sharing_limits, trust_savings)}


def plot(study: str, sweep_dir=None, out=None) -> pd.DataFrame:
    """Draw `study`'s figure from its sweep folder; return the table of numbers behind it."""
    if study not in STUDIES:
        raise ValueError(f"unknown study {study!r}: choose from {', '.join(STUDIES)}")
    sweep_dir = Path(sweep_dir) if sweep_dir else ROOT / "multirun" / study
    out = Path(out) if out else HERE / study / "figure.png"
    return STUDIES[study](sweep_dir, out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("study", choices=list(STUDIES))
    ap.add_argument("sweep_dir", nargs="?", help="the sweep folder (default multirun/STUDY)")
    ap.add_argument("--out", help="the PNG to write (default experiments/STUDY/figure.png)")
    ap.add_argument("--quiet", action="store_true", help="do not print the table of numbers")
    args = ap.parse_args(argv)
    table = plot(args.study, args.sweep_dir, args.out)
    out = Path(args.out) if args.out else HERE / args.study / "figure.png"
    if not args.quiet:
        with pd.option_context("display.max_rows", 500, "display.max_columns", 60, "display.width", 250,
                               "display.float_format", "{:.4g}".format):
            print(table.to_string(index=False))
    print(f"figure: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
