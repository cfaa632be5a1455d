"""The comparison report: one self-contained HTML file, plus the same tables as CSV and Markdown.

    from bposim.analysis.report import build_report
    rep = build_report(results, timeseries, by="scheme", baseline="per_volume", settings=settings)
    rep.write("reports/mine")     # report.html, report.md, scorecard.csv/.md, paired.csv/.md, figures/

`results`: one row per configuration and replication (KPI columns as SimulationResult.summary,
plus the column(s) naming each configuration); `timeseries`: one row per configuration,
replication and week (optional: without it there are no fan charts). Replication r of every
configuration ran on the same random streams, so comparisons with the baseline are paired
within replications (and within every other swept setting).

Sections of the HTML, each with an id: summary, scorecard, paired, fan-charts, two-party,
heatmap (only when two numeric settings vary), assumptions, provenance. Figures are embedded
as base64 PNG, the CSS is inline, nothing is fetched: the file opens offline.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import io
import math
import platform
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import OmegaConf

from ..io import write_text
from ..metrics import HEADLINE, METRIC_NAMES
from ..config import describe
from . import figures as F
from .figures import number_format
from .labels import is_total, kpi_unit, kpi_unit_short, label, short
from .scorecard import KPIS, paired, scorecard

DEPENDENCIES = ("mesa", "numpy", "pandas", "hydra-core", "omegaconf", "matplotlib", "pyarrow")
# Columns of a results table that are outcomes or bookkeeping, never configuration settings.
_NOT_FACTORS = set(METRIC_NAMES) | {f"{m}_final" for m in METRIC_NAMES} | {
    "flagged_share", "actioned_share", "weeks", "replication", "step", "job", "_pair"}


def factors(results: pd.DataFrame) -> list[str]:
    """The columns naming configurations that take more than one value, in table order."""
    return [c for c in results.columns if c not in _NOT_FACTORS and results[c].nunique(dropna=False) > 1]


def default_by(results: pd.DataFrame) -> str:
    """`scheme` when it varies, else the first varying setting (else `scheme`)."""
    varying = factors(results)
    if "scheme" in varying or not varying:
        return "scheme"
    return varying[0]


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


# --- formatting -------------------------------------------------------------------------------


def _f(v: float, spec: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    text = format(v, spec)
    if text.strip("-0.,") == "":  # no "-0.00"
        return text.lstrip("-")
    return text.replace("-", "\u2212")


def _signed(v: float, spec: str) -> str:
    text = _f(v, spec)
    return text if text.startswith("\u2212") or text == "n/a" or text.strip("0.,") == "" else "+" + text


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _md_table(df: pd.DataFrame) -> str:
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(str(v).replace("|", "\\|").replace("\n", " ") for v in row) + " |")
    return "\n".join(lines)


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


# --- the report -------------------------------------------------------------------------------


@dataclass
class Report:
    """A built report: its HTML and Markdown text, tables, figures and their readings."""

    html: str
    markdown: str
    scorecard: pd.DataFrame
    paired: pd.DataFrame
    scorecard_wide: pd.DataFrame
    paired_wide: pd.DataFrame
    figures: dict = field(default_factory=dict)  # name -> matplotlib Figure
    readings: dict = field(default_factory=dict)  # name -> one-line reading
    assumptions: pd.DataFrame | None = None
    provenance: dict = field(default_factory=dict)

    def write(self, folder: str | Path, figures: bool = True) -> Path:
        """Write report.html, report.md, scorecard.csv/.md, paired.csv/.md and figures/*.png
        (each atomically) into folder; return the path of report.html."""
        folder = Path(folder)
        write_text(self.scorecard.to_csv(index=False), folder / "scorecard.csv")
        write_text(self.paired.to_csv(index=False), folder / "paired.csv")
        write_text(_md_table(self.scorecard_wide) + "\n", folder / "scorecard.md")
        write_text(_md_table(self.paired_wide) + "\n", folder / "paired.md")
        if self.assumptions is not None:
            write_text(self.assumptions.to_csv(index=False), folder / "assumptions.csv")
        if figures:
            for name, png in self._pngs.items():
                _atomic_bytes(png, folder / "figures" / f"{name}.png")
        write_text(self.markdown, folder / "report.md")
        return write_text(self.html, folder / "report.html")

    _pngs: dict = field(default_factory=dict, repr=False)


def _atomic_bytes(data: bytes, path: Path) -> Path:
    from ..io import _atomic

    return _atomic(path, lambda tmp: Path(tmp).write_bytes(data))


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight", facecolor="white", metadata={"Software": None})
    return buf.getvalue()


def build_report(results: pd.DataFrame, timeseries: pd.DataFrame | None = None, *, by: str | None = None,
                 baseline: Any = None, kpi: str = "client_net_value", settings=None, command: str = "",
                 title: str = "Contract comparison", order=None, notes=(), extra_provenance=None) -> Report:
    """Build the report from a results table (and optionally its timeseries).

    by: the column naming what is compared (default: scheme when it varies, else the first
        varying setting); other varying settings are pooled, and paired comparisons match on
        them as well as on the replication.
    baseline: the value of `by` the others are compared with (default: the first).
    kpi: the KPI of the heatmap, drawn when two numeric settings vary.
    settings: bposim Settings of the configurations that ran (a list, or a dict label ->
        Settings), for the assumptions table and the config hash.
    command: the command that reproduces the report.
    """
    results = results.reset_index(drop=True)
    by = by or default_by(results)
    if by not in results.columns:
        raise ValueError(f"--by {by!r} is not a column of the results: varying columns are "
                         f"{', '.join(factors(results)) or 'none'}")
    groups = F.group_order(results[by], order)
    baseline = groups[0] if baseline is None else coerce_value(results, by, baseline)
    kpis = [k for k in KPIS if k in results.columns]
    varying = factors(results)
    others = [c for c in varying if c != by]
    pair_on = "replication"
    if others:
        results = results.assign(_pair=results[["replication", *others]].astype(str).agg("|".join, axis=1))
        pair_on = "_pair"
    card = _ordered(scorecard(results, by=by, kpis=kpis), by, groups)
    pairs = paired(results, baseline, by=by, pair_on=pair_on, kpis=kpis)
    if pairs.empty:  # one configuration: nothing to pair
        pairs = pd.DataFrame(columns=[by, "baseline", "kpi", "difference", "ci_low", "ci_high", "p_better", "n_pairs"])
    pairs = _ordered(pairs, by, groups)
    weeks = int(results["weeks"].iloc[0]) if "weeks" in results.columns else None
    spec = {k: number_format(card.loc[card.kpi == k, "mean"]) for k in kpis}

    # Figures.
    figs, readings = {}, {}
    fan_metrics = (("trust_in_vendor", "Client's trust in its vendor"), ("trust_in_client", "Vendor's trust in its client"),
                   ("gaming", "Gaming: share of work where corners were cut"))
    ts_ok = timeseries is not None and len(timeseries) and by in timeseries.columns
    if ts_ok:
        for metric, fig_title in fan_metrics:
            if metric in timeseries.columns:
                figs[f"fan_{metric}"] = F.fan_chart(timeseries, metric, by=by, order=groups,
                                                   title=f"{fig_title}, week by week", caption=False)
        if {"true_quality", "measured_quality"} <= set(timeseries.columns):
            figs["fan_quality"] = F.quality_fan(timeseries, by=by, order=groups, caption=False)
    figs["two_party"] = F.two_party(results, by=by, order=groups, caption=False)
    numeric = [c for c in varying if pd.api.types.is_numeric_dtype(results[c]) and c != "seed"]
    heat = None
    if len(numeric) >= 2 and kpi in results.columns:
        x, y = numeric[0], numeric[1]
        facet = by if by not in (x, y) and results[by].nunique() <= 6 else None
        heat = (x, y, facet)
        figs["heatmap"] = F.heatmap(results, x, y, kpi=kpi, facet=facet, caption=False)
    for name, fig in figs.items():
        readings[name] = F.reading(fig)
    pngs = {name: _png(fig) for name, fig in figs.items()}

    assumptions = assumptions_table(settings) if settings else None
    prov = provenance(results, by, settings, command, extra_provenance)
    ctx = _Context(results=results, by=by, groups=groups, baseline=baseline, kpis=kpis, card=card,
                   pairs=pairs, spec=spec, weeks=weeks, settings=settings, others=others,
                   heat=heat, kpi=kpi, title=title, notes=list(notes), ts_ok=bool(ts_ok))
    card_wide, pair_wide = _wide_tables(ctx)
    rep = Report(
        html=_html(ctx, pngs, readings, assumptions, prov),
        markdown=_markdown(ctx, readings, assumptions, prov, card_wide, pair_wide),
        scorecard=card, paired=pairs, scorecard_wide=card_wide, paired_wide=pair_wide,
        figures=figs, readings=readings, assumptions=assumptions, provenance=prov)
    rep._pngs = pngs
    return rep


def replications_text(results: pd.DataFrame, keys: list[str]) -> str:
    """How many replications each configuration ran ("30", or "3 to 5")."""
    n = results.groupby(keys).size()
    return str(int(n.iloc[0])) if n.nunique() == 1 else f"{int(n.min())} to {int(n.max())}"


def _ordered(df: pd.DataFrame, by: str, groups: list) -> pd.DataFrame:
    rank = {g: i for i, g in enumerate(groups)}
    return (df.assign(_o=df[by].map(rank)).sort_values("_o", kind="stable").drop(columns="_o")
            .reset_index(drop=True))


@dataclass
class _Context:
    results: pd.DataFrame
    by: str
    groups: list
    baseline: Any
    kpis: list
    card: pd.DataFrame
    pairs: pd.DataFrame
    spec: dict
    weeks: int | None
    settings: Any
    others: list
    heat: tuple | None
    kpi: str
    title: str
    notes: list
    ts_ok: bool

    def name(self, g) -> str:
        return F.group_name(self.by, g)

    def mean(self, g, k) -> tuple[float, float, float]:
        r = self.card[(self.card[self.by] == g) & (self.card.kpi == k)].iloc[0]
        return r["mean"], r["ci_low"], r["ci_high"]

    def pair(self, g, k):
        d = self.pairs[(self.pairs[self.by] == g) & (self.pairs.kpi == k)]
        return None if d.empty else d.iloc[0]

    def best(self, k):
        sub = self.card[self.card.kpi == k]
        if sub["mean"].isna().all():
            return None
        i = sub["mean"].idxmax() if KPIS.get(k, True) else sub["mean"].idxmin()
        return sub.loc[i, self.by]

    def runner_up(self, k):
        sub = self.card[(self.card.kpi == k) & (self.card[self.by] != self.baseline)].dropna(subset=["mean"])
        if sub.empty:
            return None
        i = sub["mean"].idxmax() if KPIS.get(k, True) else sub["mean"].idxmin()
        return sub.loc[i, self.by]

    def reps(self) -> str:
        return replications_text(self.results, [self.by, *self.others])


# --- summary ----------------------------------------------------------------------------------


def _context_line(ctx: _Context) -> str:
    names = ", ".join(str(g) if isinstance(g, str) else f"{g:g}" if isinstance(g, float) else str(g)
                      for g in ctx.groups)
    market = ""
    first = _settings_list(ctx.settings)
    if first:
        m = first[0][1].market
        market = f" on the same market ({m.n_clients} clients, {m.n_vendors} vendors)"
    weeks = f", {ctx.weeks} weeks" if ctx.weeks else ""
    pooled = ""
    if ctx.others:
        pooled = (f" Results pool the other swept settings ({', '.join(ctx.others)}); paired comparisons "
                  f"match on them as well as on the replication.")
    reps = ctx.reps()
    runs = f"{reps} replication{'' if reps == '1' else 's'}"
    if len(ctx.groups) == 1:
        return f"One configuration ({ctx.by} = {names}){market.replace(' the same', ' a')}{weeks}, {runs}.{pooled}"
    return (f"{len(ctx.groups)} values of {ctx.by} compared ({names}){market}{weeks}, {runs} each on common "
            f"random numbers: replication r of every configuration sees the same demand, shocks, process "
            f"breaks and audit dice, so differences are paired within replications.{pooled}")


def headline(ctx: _Context) -> list[str]:
    """One sentence per headline KPI: which configuration is best, and by how much against the baseline."""
    lines = []
    for k in HEADLINE:
        if k not in ctx.kpis:
            continue
        g = ctx.best(k)
        if g is None:
            continue
        m, lo, hi = ctx.mean(g, k)
        spec = ctx.spec[k]
        unit = kpi_unit_short(k)
        unit = f" {unit}" if unit in ("MU", "hours") else ""
        over = f"over {ctx.weeks} weeks" if ctx.weeks else "over the run"
        over = ("total " if is_total(k) else "mean ") + over
        name = label(k)
        where = (f"{'highest' if KPIS.get(k, True) else 'lowest'} under {ctx.name(g)}, "
                 if len(ctx.groups) > 1 else "")
        text = (f"{name[:1].upper()}{name[1:]}: {where}{_f(m, spec)}{unit} "
                f"[{_f(lo, spec)}, {_f(hi, spec)}] ({over})")
        if g != ctx.baseline:
            p = ctx.pair(g, k)
            other = ctx.baseline
            diff, lo_d, hi_d, pb = p["difference"], p["ci_low"], p["ci_high"], p["p_better"]
        else:  # the baseline is best: against the runner-up, the pair read the other way
            other = ctx.runner_up(k)
            p = ctx.pair(other, k) if other is not None else None
            if p is not None:
                diff, lo_d, hi_d, pb = -p["difference"], -p["ci_high"], -p["ci_low"], 1 - p["p_better"]
        if p is not None:
            more = "more" if diff >= 0 else "less"
            text += (f"; {_f(abs(diff), spec)}{unit} {more} than {ctx.name(other)} "
                     f"[{_signed(lo_d, spec)}, {_signed(hi_d, spec)}], better in {pb:.0%} of paired replications")
        lines.append(text + ".")
    if {"client_net_value", "vendor_margin"} <= set(ctx.kpis) and len(ctx.groups) > 1:
        c, v = ctx.best("client_net_value"), ctx.best("vendor_margin")
        if c != v:
            lines.append(f"The two parties prefer different contracts: the client does best under {ctx.name(c)}, "
                         f"the vendor under {ctx.name(v)} (see the two-party view).")
        else:
            lines.append(f"Both parties do best under {ctx.name(c)}: the client's net value and the vendor's "
                         f"margin are both highest there.")
    return lines


# --- tables -----------------------------------------------------------------------------------


def _direction(k: str) -> str:
    return "more is better" if KPIS.get(k, True) else "less is better"


def kpi_header(k: str) -> str:
    """A KPI's column header in the wide tables: short label and unit."""
    return f"{short(k)} ({kpi_unit_short(k)})"


def _wide_tables(ctx: _Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    for g in ctx.groups:
        row = {ctx.by: ctx.name(g)}
        for k in ctx.kpis:
            m, lo, hi = ctx.mean(g, k)
            s = ctx.spec[k]
            row[kpi_header(k)] = f"{_f(m, s)} [{_f(lo, s)}, {_f(hi, s)}]"
        rows.append(row)
    prow = []
    for g in ctx.groups:
        if g == ctx.baseline:
            continue
        for k in ctx.kpis:
            p = ctx.pair(g, k)
            s = ctx.spec[k]
            prow.append({ctx.by: ctx.name(g), "baseline": ctx.name(ctx.baseline), "kpi": k,
                         "difference [95% CI]": f"{_signed(p['difference'], s)} [{_signed(p['ci_low'], s)}, "
                                                f"{_signed(p['ci_high'], s)}]",
                         "P(better)": f"{p['p_better']:.0%}", "better is": "more" if KPIS.get(k, True) else "less"})
    return pd.DataFrame(rows), pd.DataFrame(prow)


def _settings_list(settings) -> list[tuple[str, Any]]:
    if not settings:
        return []
    if isinstance(settings, dict):
        return list(settings.items())
    return [(str(i), s) for i, s in enumerate(settings)]


def assumptions_table(settings) -> pd.DataFrame:
    """Every parameter of the configurations that ran: name, value, range, unit, meaning.

    A parameter that differs between configurations lists its values (varies = True); scheme
    parameters come per scheme, after the scheme's one-line summary.
    """
    items = _settings_list(settings)
    if not items:
        return pd.DataFrame(columns=["name", "value", "range", "unit", "meaning", "varies"])
    values: dict[str, list] = {}
    meta: dict[str, dict] = {}
    for _, s in items:
        for r in describe(s.config):
            if r["name"] in ("scheme", "label"):
                continue
            meta.setdefault(r["name"], r)
            values.setdefault(r["name"], [])
            if r["value"] not in values[r["name"]]:
                values[r["name"]].append(r["value"])
    rows = []
    order = [n for n in meta if "." not in n] + [n for n in meta if "." in n]  # seed, steps, ... first
    for name in order:
        r = meta[name]
        vals = values[name]
        rows.append({"name": name, "value": ", ".join(_value(v) for v in vals), "range": r["range"],
                     "unit": r["unit"], "meaning": r["meaning"], "varies": len(vals) > 1})
    schemes: dict[str, list] = {}
    for _, s in items:
        schemes.setdefault(s.scheme.name, [])
        if s.scheme not in schemes[s.scheme.name]:
            schemes[s.scheme.name].append(s.scheme)
    for name, objs in schemes.items():
        rows.append({"name": f"scheme {name}", "value": "", "range": "", "unit": "",
                     "meaning": type(objs[0]).summary, "varies": False, "heading": True})
        sv: dict[str, list] = {}
        sm: dict[str, dict] = {}
        for obj in objs:
            for r in describe(obj.params, "scheme"):
                sm.setdefault(r["name"], r)
                sv.setdefault(r["name"], [])
                if r["value"] not in sv[r["name"]]:
                    sv[r["name"]].append(r["value"])
        for pname, r in sm.items():
            vals = sv[pname]
            rows.append({"name": f"{pname} ({name})", "value": ", ".join(_value(v) for v in vals),
                         "range": r["range"], "unit": r["unit"], "meaning": r["meaning"], "varies": len(vals) > 1})
    table = pd.DataFrame(rows)
    if "heading" not in table.columns:
        table["heading"] = False
    table["heading"] = table["heading"].fillna(False).astype(bool)
    return table


def config_hash(settings) -> str:
    """sha256 (first 16 hex digits) of the resolved configurations, in a stable order."""
    from ..config import as_dictconfig

    texts = sorted(OmegaConf.to_yaml(as_dictconfig(s.config)) for _, s in _settings_list(settings))
    return hashlib.sha256("\n---\n".join(texts).encode()).hexdigest()[:16]


def provenance(results: pd.DataFrame, by: str, settings=None, command: str = "", extra=None) -> dict:
    """What it takes to reproduce the numbers: command, seeds, versions, config hash, date."""
    from .. import __version__

    out: dict[str, str] = {}
    if command:
        out["command"] = command
    seeds = sorted(pd.unique(results["seed"])) if "seed" in results.columns else sorted(
        {s.config.seed for _, s in _settings_list(settings)})
    out["seeds"] = ", ".join(str(int(s)) for s in seeds) or "n/a"
    keys = [by, *[c for c in factors(results) if c != by]]
    out["replications"] = (f"{replications_text(results, keys)} per configuration (replication ids "
                           f"{int(results['replication'].min())} to {int(results['replication'].max())}), "
                           f"common random numbers across configurations")
    if "weeks" in results.columns:
        out["weeks simulated"] = ", ".join(str(int(w)) for w in sorted(pd.unique(results["weeks"])))
    if settings:
        out["configurations"] = str(len(_settings_list(settings)))
        out["config hash"] = f"{config_hash(settings)} (sha256 of the resolved configurations)"
    versions = [f"bposim {__version__}"]
    for p in DEPENDENCIES:
        try:
            versions.append(f"{p} {metadata.version(p)}")
        except metadata.PackageNotFoundError:
            pass
    out["versions"] = ", ".join(versions)
    out["python"] = f"{platform.python_version()} ({platform.platform(terse=True)})"
    out["date"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    for k, v in (extra or {}).items():
        out[k] = str(v)
    return out


# --- HTML -------------------------------------------------------------------------------------

_CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1d1d1d;
max-width:1250px;margin:0 auto;padding:24px 28px 60px;line-height:1.45;font-size:15px;background:#fff}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:36px 0 8px;padding-top:10px;border-top:2px solid #e4e4e4}
h3{font-size:16px;margin:22px 0 6px}p.lead{color:#444;margin-top:2px}
nav{font-size:14px;margin:10px 0 18px;color:#555}nav a{color:#0b5cad;margin-right:14px;text-decoration:none}
ul.headline li{margin:5px 0}
table{border-collapse:collapse;font-size:13px;margin:8px 0 4px}
th,td{border:1px solid #d9d9d9;padding:5px 8px;vertical-align:top}
th{background:#f3f4f6;text-align:center;font-weight:600}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.num small{color:#666;display:block}
td.best{background:#d9f2df;font-weight:700}
td.win{background:#d9f2df}td.lose{background:#f9dcdc}
th small{font-weight:400;color:#555;display:block}
td.group{font-weight:600;white-space:nowrap}
.note{color:#555;font-size:13.5px}
figure{margin:18px 0 26px}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:14px;color:#333;margin-top:4px}
figcaption b{color:#000}
table.assume td:nth-child(2){white-space:nowrap}table.assume tr.varies td{background:#fff6d6}
table.assume tr.heading td{background:#eef2f7;font-weight:600}
dl.prov{display:grid;grid-template-columns:max-content auto;gap:4px 16px;font-size:14px}
dl.prov dt{font-weight:600}dl.prov dd{margin:0;font-family:ui-monospace,Menlo,Consolas,monospace;
font-size:13px;word-break:break-word}
.key span{display:inline-block;padding:1px 8px;margin-right:8px;border:1px solid #ccc}
"""

_FIG_HELP = {
    "fan_trust_in_vendor": "How far the client trusts its vendor (0: not at all, 1: fully). Line: median over "
                           "replications; darker band: the middle 50% of replications; lighter band: 90%.",
    "fan_trust_in_client": "How far the vendor trusts its client (0: not at all, 1: fully). Median with 50% and "
                           "90% bands over replications.",
    "fan_gaming": "Share of the work where the vendor cut corners (hidden from the client unless an audit finds "
                  "it). Median with 50% and 90% bands over replications; lower is better.",
    "fan_quality": "Solid line: true quality, the share of work really done right (the client sees it only "
                   "through audits). Dashed line: the quality score as measured, which corner-cutting "
                   "inflates. Where dashed runs above solid, the metric flatters the vendor.",
    "two_party": "Each faint dot is one replication; the cross marks the mean with its 95% confidence "
                 "interval in both directions. Up is better for the client, right is better for the vendor.",
    "heatmap": "Each cell: the mean over replications for that pair of settings. Green is better, red is worse.",
}


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{_e(alt)}">'


def _figure(name: str, pngs: dict, readings: dict, alt: str) -> str:
    if name not in pngs:
        return ""
    help_text = _FIG_HELP.get(name, "")
    return (f'<figure id="fig-{name.replace("_", "-")}">{_img(pngs[name], alt)}<figcaption><b>{_e(readings.get(name, ""))}'
            f'</b> {_e(help_text)}</figcaption></figure>')


def _html(ctx: _Context, pngs: dict, readings: dict, assumptions: pd.DataFrame | None, prov: dict) -> str:
    by = ctx.by
    parts = [f"<h1>{_e(ctx.title)}</h1>", f'<p class="lead">{_e(_context_line(ctx))}</p>']
    nav = [("summary", "Summary"), ("scorecard", "Scorecard"), ("paired", "Paired comparison"),
           ("fan-charts", "Over time"), ("two-party", "Two-party view")]
    if ctx.heat:
        nav.append(("heatmap", "Heatmap"))
    nav += [("assumptions", "Assumptions"), ("provenance", "Provenance")]
    parts.append("<nav>" + "".join(f'<a href="#{i}">{_e(t)}</a>' for i, t in nav) + "</nav>")

    # Summary.
    items = "".join(f"<li>{_e(t)}</li>" for t in headline(ctx))
    notes = "".join(f'<p class="note">{_e(n)}</p>' for n in ctx.notes)
    parts.append(f'<section id="summary"><h2>Summary</h2><ul class="headline">{items}</ul>{notes}'
                 f'<p class="note">Numbers are means over replications with their 95% confidence interval in '
                 f'brackets (Student t). Money is in model units (MU).</p></section>')

    # Scorecard.
    head = "".join(
        f"<th>{_e(short(k))}<small>{_e(kpi_unit_short(k))}</small><small>{'&#8593;' if KPIS.get(k, True) else '&#8595;'} "
        f"{_e(_direction(k))}</small></th>" for k in ctx.kpis)
    best = {k: ctx.best(k) for k in ctx.kpis} if len(ctx.groups) > 1 else {}
    body = []
    for g in ctx.groups:
        cells = []
        for k in ctx.kpis:
            m, lo, hi = ctx.mean(g, k)
            s = ctx.spec[k]
            top = best.get(k)
            tie = top is not None and _f(ctx.mean(top, k)[0], s) == _f(m, s)
            cls = "num best" if tie else "num"
            cells.append(f'<td class="{cls}">{_f(m, s)}<small>[{_f(lo, s)}, {_f(hi, s)}]</small></td>')
        body.append(f'<tr><td class="group">{_e(ctx.name(g))}</td>{"".join(cells)}</tr>')
    weeks = f"{ctx.weeks} weeks" if ctx.weeks else "the run"
    parts.append(
        f'<section id="scorecard"><h2>Scorecard</h2><p>Mean over replications with its 95% confidence interval, '
        f'for each {_e(by)}. Money, escalations, oversight hours and switches are totals over {_e(weeks)}; '
        f'quality, gaming and trust are averages over the weeks, in [0, 1]. The best mean of each column is '
        f'highlighted (ties at the precision shown too).</p><table class="scorecard"><thead><tr><th>{_e(by)}</th>{head}</tr></thead>'
        f'<tbody>{"".join(body)}</tbody></table>'
        f'<p class="note">Also in scorecard.csv and scorecard.md.</p></section>')

    # Paired comparison.
    base = ctx.name(ctx.baseline)
    if len(ctx.groups) > 1:
        prow = []
        for g in ctx.groups:
            if g == ctx.baseline:
                continue
            cells = []
            for k in ctx.kpis:
                p = ctx.pair(g, k)
                s = ctx.spec[k]
                lo, hi = p["ci_low"], p["ci_high"]
                good = KPIS.get(k, True)
                cls = "num"
                if not (math.isnan(lo) or math.isnan(hi)):
                    if (lo > 0 and good) or (hi < 0 and not good):
                        cls += " win"
                    elif (hi < 0 and good) or (lo > 0 and not good):
                        cls += " lose"
                cells.append(f'<td class="{cls}">{_signed(p["difference"], s)}<small>[{_signed(lo, s)}, '
                             f'{_signed(hi, s)}]</small><small>P(better) {p["p_better"]:.0%}</small></td>')
            prow.append(f'<tr><td class="group">{_e(ctx.name(g))}</td>{"".join(cells)}</tr>')
        phead = "".join(f"<th>{_e(short(k))}<small>{_e(kpi_unit_short(k))}</small></th>" for k in ctx.kpis)
        match = "replication" + (f" and the same {', '.join(ctx.others)}" if ctx.others else "")
        ptable = (f'<table class="paired"><thead><tr><th>{_e(by)} minus {_e(base)}</th>{phead}</tr></thead>'
                  f'<tbody>{"".join(prow)}</tbody></table>')
        parts.append(
            f'<section id="paired"><h2>Paired comparison against {_e(base)}</h2><p>Each {_e(by)} minus {_e(base)} '
            f'within the same {_e(match)} (same demand, shocks, breaks and audit dice): the mean difference with '
            f'its 95% confidence interval, and P(better), the share of replications in which it does better '
            f'than {_e(base)} (ties count half).</p>'
            f'<p class="key"><span style="background:#d9f2df">better, CI excludes 0</span>'
            f'<span style="background:#f9dcdc">worse, CI excludes 0</span><span>no clear difference</span></p>'
            f'{ptable}<p class="note">Also in paired.csv and paired.md.</p></section>')
    else:
        parts.append('<section id="paired"><h2>Paired comparison</h2><p>Only one configuration: nothing to '
                     'compare with.</p></section>')

    # Fan charts.
    if ctx.ts_ok:
        figs = "".join(_figure(n, pngs, readings, alt) for n, alt in (
            ("fan_trust_in_vendor", "client's trust in vendor over time"),
            ("fan_trust_in_client", "vendor's trust in client over time"),
            ("fan_gaming", "gaming over time"), ("fan_quality", "true and measured quality over time")))
        parts.append(f'<section id="fan-charts"><h2>Over time</h2><p>Week by week, one colour per {_e(by)}.</p>'
                     f'{figs}</section>')
    else:
        parts.append('<section id="fan-charts"><h2>Over time</h2><p>No weekly series was kept for this run '
                     '(in a sweep, set record.timeseries_every &gt; 0).</p></section>')

    parts.append(f'<section id="two-party"><h2>Two-party view: who gets the surplus</h2>'
                 f'{_figure("two_party", pngs, readings, "client net value against vendor margin")}</section>')
    if ctx.heat:
        x, y, facet = ctx.heat
        pooled = [c for c in ctx.others + [by] if c not in (x, y, facet)]
        note = (f" Pooled over {', '.join(pooled)}." if pooled else "")
        parts.append(f'<section id="heatmap"><h2>Heatmap: {_e(label(ctx.kpi))} over {_e(x)} and {_e(y)}</h2>'
                     f'<p>A phase diagram of the mean {_e(label(ctx.kpi))} ({_e(kpi_unit(ctx.kpi, ctx.weeks))}) '
                     f'over the grid of swept values.{_e(note)}</p>'
                     f'{_figure("heatmap", pngs, readings, "heatmap")}</section>')

    # Assumptions.
    if assumptions is not None and len(assumptions):
        rows = []
        for r in assumptions.itertuples(index=False):
            cls = "heading" if r.heading else ("varies" if r.varies else "")
            rows.append(f'<tr class="{cls}"><td>{_e(r.name)}</td><td>{_e(r.value)}</td><td>{_e(r.range)}</td>'
                        f'<td>{_e(r.unit)}</td><td>{_e(r.meaning)}</td></tr>')
        parts.append('<section id="assumptions"><h2>Assumptions</h2><p>Every parameter of the configurations '
                     'that ran, with its value, allowed range, unit and meaning. Rows in yellow differ between '
                     'configurations (their values are listed). Also in assumptions.csv.</p>'
                     '<table class="assume"><thead><tr><th>parameter</th><th>value</th><th>range</th><th>unit</th>'
                     f'<th>meaning</th></tr></thead><tbody>{"".join(rows)}</tbody></table></section>')
    else:
        parts.append('<section id="assumptions"><h2>Assumptions</h2><p>Not available: the configurations that '
                     'ran were not given.</p></section>')

    dl = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in prov.items())
    parts.append(f'<section id="provenance"><h2>Provenance</h2><dl class="prov">{dl}</dl></section>')
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{_e(ctx.title)}</title>"
            f"<style>{_CSS}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n")


# --- Markdown ---------------------------------------------------------------------------------


def _markdown(ctx: _Context, readings: dict, assumptions, prov: dict, card_wide, pair_wide) -> str:
    base = ctx.name(ctx.baseline)
    weeks = f"{ctx.weeks} weeks" if ctx.weeks else "the run"
    out = [f"# {ctx.title}", _context_line(ctx), "## Summary", "\n".join(f"- {t}" for t in headline(ctx)),
           "## Scorecard", f"Mean over replications with its 95% confidence interval. Money in MU, escalations, "
           f"oversight hours and switches are totals over {weeks}; quality, gaming and trust are averages over "
           f"the weeks, in [0, 1].", _md_table(card_wide)]
    if len(ctx.groups) > 1:
        out += [f"## Paired comparison against {base}",
                f"Each {ctx.by} minus {base} within the same replication (same demand, shocks, breaks and audit "
                f"dice), with its 95% confidence interval, and the share of replications in which it does better "
                f"than {base}.", _md_table(pair_wide)]
    if readings:
        out += ["## Figures", "In report.html (embedded) and figures/:",
                "\n".join(f"- `figures/{n}.png`: {r}" for n, r in readings.items())]
    if assumptions is not None and len(assumptions):
        out += ["## Assumptions", _md_table(assumptions[["name", "value", "range", "unit", "meaning"]])]
    out += ["## Provenance", "\n".join(f"- {k}: `{v}`" if k == "command" else f"- {k}: {v}" for k, v in prov.items())]
    return "\n\n".join(out) + "\n"
