"""The comparison report: one self-contained HTML file, plus the same tables as CSV and Markdown.

    from bposim.analysis.report import build_report
    rep = build_report(results, timeseries, by="scheme", baseline="per_volume", settings=settings)
    rep.write("reports/mine")     # report.html, report.md, scorecard.csv/.md, paired.csv/.md, figures/

`results`: one row per configuration and replication (KPI columns as SimulationResult.summary,
plus the column(s) naming each configuration); `timeseries`: one row per configuration,
replication and week (optional: without it there are no fan charts). The tables come from
bposim.analysis.tables, the sections from bposim.analysis.sections (each built once, rendered to
HTML and Markdown by the templates in bposim/analysis/templates/).

Sections of the HTML, each with an id: setup, verdict, summary, scorecard, client-pl, paired,
robustness (only when given: bposim.analysis.robustness), fan-charts, two-party, heatmap (only
when two numeric settings vary), assumptions, provenance. Figures are embedded
as base64 PNG, the CSS is inline, nothing is fetched: the file opens offline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import platform
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import OmegaConf

from ..config import describe
from ..io import write_bytes, write_text
from . import figures as F
from .drawing import Drawing, draw_pngs, half
from .formats import md_table, range_text, value_text
from .money import Money
from .sections import (Assumptions, Provenance, Summary, context_line, figure_sections, headline,
                       paired_section, pl_section, render_html, render_markdown, scorecard_section, section_spec)
from .verdict import verdict_section
from .what_ran import setup_section
from .tables import (CONFIGURATION, ResultTables, TablesView, breakdown, coerce_value, combine, default_by, factors,
                     replications_text, result_tables)

__all__ = ["Report", "assumptions_table", "build_report", "coerce_value", "config_hash", "default_by", "factors",
           "provenance", "report_from_tables"]

DEPENDENCIES = ("mesa", "numpy", "pandas", "hydra-core", "omegaconf", "matplotlib", "pyarrow", "jinja2")


@dataclass(frozen=True)
class Report(TablesView):
    """A built report: its sections, their HTML and Markdown, the tables and the figures."""

    tables: ResultTables
    sections: list
    html: str
    markdown: str
    figures: dict = field(default_factory=dict)  # name -> matplotlib Figure
    readings: dict = field(default_factory=dict)  # name -> one-line reading
    pngs: dict = field(default_factory=dict, repr=False)  # name -> PNG bytes
    assumptions: pd.DataFrame | None = None
    provenance: dict = field(default_factory=dict)

    def section(self, section_id: str):
        return next(s for s in self.sections if s.id == section_id)

    @property
    def scorecard_wide(self) -> pd.DataFrame:
        return self.section("scorecard").frame()

    @property
    def paired_wide(self) -> pd.DataFrame:
        return self.section("paired").frame()

    def write(self, folder: str | Path, figures: bool = True) -> Path:
        """Write report.html, report.md, scorecard.csv/.md, paired.csv/.md and figures/*.png
        (each atomically) into folder; return the path of report.html."""
        folder = Path(folder)
        write_text(self.scorecard.to_csv(index=False), folder / "scorecard.csv")
        write_text(self.paired.to_csv(index=False), folder / "paired.csv")
        write_text(md_table(self.scorecard_wide) + "\n", folder / "scorecard.md")
        write_text(md_table(self.paired_wide) + "\n", folder / "paired.md")
        write_text(self.tables.every_pair.to_csv(index=False), folder / "pairs_all.csv")
        pl = next((s for s in self.sections if s.id == "client-pl"), None)
        if pl is not None:
            write_text(pd.DataFrame(pl.numbers).to_csv(index=False), folder / "client_pl.csv")
        if self.assumptions is not None:
            write_text(self.assumptions.to_csv(index=False), folder / "assumptions.csv")
        if figures:
            for name, png in self.pngs.items():
                write_bytes(png, folder / "figures" / f"{name}.png")
        write_text(self.markdown, folder / "report.md")
        return write_text(self.html, folder / "report.html")


FAN_METRICS = (("trust_in_vendor", "Client's trust in its vendor"), ("trust_in_client", "Vendor's trust in its client"),
               ("gaming", "Gaming: share of work where corners were cut"))


def _figures(t: ResultTables, timeseries: pd.DataFrame | None, kpi: str,
             money: Money | None = None) -> tuple[dict, tuple | None, bool]:
    """The report's figures by name, the heatmap's axes (or None), and whether fan charts were drawn."""
    results, by, groups = t.results, t.by, t.groups
    figs = {}
    if (timeseries is not None and by == CONFIGURATION and by not in timeseries.columns
            and set(t.parts) <= set(timeseries.columns)):
        timeseries = combine(timeseries, list(t.parts))[0]
    ts_ok = bool(timeseries is not None and len(timeseries) and by in timeseries.columns)
    if ts_ok:
        for metric, fig_title in FAN_METRICS:
            if metric in timeseries.columns:
                figs[f"fan_{metric}"] = F.fan_chart(timeseries, metric, by=by, order=groups,
                                                   title=f"{fig_title}, week by week", caption=False)
        if {"true_quality", "measured_quality"} <= set(timeseries.columns):
            figs["fan_quality"] = F.quality_fan(timeseries, by=by, order=groups, caption=False)
    figs["two_party"] = F.two_party(results, by=by, order=groups, caption=False, money=money)
    numeric = [c for c in factors(results) if pd.api.types.is_numeric_dtype(results[c]) and c != "seed"]
    heat = None
    if len(numeric) >= 2 and kpi in results.columns:
        x, y = numeric[0], numeric[1]
        rest = [p for p in (t.parts or (by,)) if p not in (x, y)]
        facet, data = _facet(results, rest)
        heat = (x, y, facet)
        order = list(dict.fromkeys(data.loc[data[by] == g, facet].iloc[0] for g in groups)) if facet else None
        figs["heatmap"] = F.heatmap(data, x, y, kpi=kpi, facet=facet, order=order, caption=False,
                                    money=money)
    elif len(numeric) == 1 and kpi in results.columns:
        x = numeric[0]
        line, data = _facet(results, [p for p in (t.parts or (by,)) if p != x])
        heat = (x, None, line)
        order = list(dict.fromkeys(data.loc[data[by] == g, line].iloc[0] for g in groups)) if line else None
        figs["response"] = F.response(data, x, kpi=kpi, by=line, order=order, caption=False,
                                      money=money)
    return figs, heat, ts_ok


def _facet(results: pd.DataFrame, parts: list[str]) -> tuple[str | None, pd.DataFrame]:
    """The column that splits a figure by the other compared factors (their combination when
    several), and the results holding it; None when there are none (or too many to draw)."""
    if not parts:
        return None, results
    if len(parts) == 1:
        return (parts[0], results) if results[parts[0]].nunique() <= 8 else (None, results)
    data, combos = combine(results, parts)
    return (CONFIGURATION, data) if len(combos) <= 8 else (None, results)


@dataclass(frozen=True)
class DrawnFigures:
    """The report's figures, built, with their PNGs being drawn (bposim.analysis.drawing)."""

    figures: dict
    heat: tuple | None
    ts_ok: bool
    drawing: Drawing


def start_figures(t: ResultTables, timeseries: pd.DataFrame | None = None, kpi: str = "client_net_value",
                  background: str = "half", money: Money | None = None) -> DrawnFigures:
    """Build the report's figures and start drawing them, "half" or "all" of them in a forked
    child where the machine allows it, so that other work can go on meanwhile (money: the
    report's currency, for the two-party view)."""
    figs, heat, ts_ok = _figures(t, timeseries, kpi, money)
    return DrawnFigures(figs, heat, ts_ok, draw_pngs(figs, list(figs) if background == "all" else half(figs)))


def report_from_tables(t: ResultTables, timeseries: pd.DataFrame | None = None, *, kpi: str = "client_net_value",
                       settings=None, command: str = "", title: str = "Contract comparison", notes=(),
                       extra_provenance=None, robustness=None, drawn: DrawnFigures | None = None) -> Report:
    """The report of tables already built (see build_report for the arguments; robustness: the
    section "What could change this answer", bposim.analysis.robustness, when it was run; drawn:
    the figures from start_figures, when they were started earlier)."""
    drawn = drawn or start_figures(t, timeseries, kpi, money=Money.of([s for _, s in _settings_list(settings)]))
    figs, heat, ts_ok = drawn.figures, drawn.heat, drawn.ts_ok
    readings = {name: F.reading(fig) for name, fig in figs.items()}
    pngs = drawn.drawing.result()
    assumptions = assumptions_table(settings) if settings else None
    prov = provenance(t.results, t.by, settings, command, extra_provenance)
    sections = build_sections(t, pngs=pngs, readings=readings, ts_ok=ts_ok, heat=heat, kpi=kpi, settings=settings,
                              assumptions=assumptions, provenance=prov, notes=notes, robustness=robustness)
    lead = context_line(t, _market(settings))
    return Report(tables=t, sections=sections, html=render_html(title, lead, sections),
                  markdown=render_markdown(title, lead, sections), figures=figs, readings=readings, pngs=pngs,
                  assumptions=assumptions, provenance=prov)


def build_sections(t: ResultTables, *, pngs: dict, readings: dict, ts_ok: bool, heat: tuple | None, kpi: str,
                   settings, assumptions: pd.DataFrame | None, provenance: dict, notes=(), robustness=None) -> list:
    """The report's sections in reading order: what was run and the verdict first."""
    runs = [s for _, s in _settings_list(settings)]
    money = Money.of(runs)
    spec = section_spec(t, money)
    settings_of = dict(_settings_list(settings))
    optional = [setup_section(runs, t.reps()), verdict_section(t, spec, money, robustness),
                Summary(headline(t, spec, money), list(notes)), scorecard_section(t, spec, money),
                pl_section(t, settings_of, money), paired_section(t, spec, money), robustness]
    return [*(s for s in optional if s is not None), *figure_sections(t, pngs, readings, ts_ok, heat, kpi),
            Assumptions(assumptions.to_dict("records") if assumptions is not None and len(assumptions) else []),
            Provenance(provenance)]


def build_report(results: pd.DataFrame, timeseries: pd.DataFrame | None = None, *, by: str | None = None,
                 baseline: Any = None, kpi: str = "client_net_value", settings=None, command: str = "",
                 title: str = "Contract comparison", order=None, orders=None, notes=(),
                 extra_provenance=None) -> Report:
    """Build the report from a results table (and optionally its timeseries).

    by: the column (or columns) naming what is compared; every combination of their values is
        a configuration, and `scheme` is always among them when it varies (schemes are never
        pooled). Default: every varying setting but the seed. Other varying settings are pooled,
        and paired comparisons match on them as well as on the replication.
    baseline: the value of `by` the others are compared with (default: the first).
    kpi: the KPI of the heatmap (two numeric settings vary) or of the response figure (one does).
    orders: for each compared column, the order of its values (default: sorted when numeric).
    settings: bposim Settings of the configurations that ran (a list, or a dict label ->
        Settings), for the assumptions table and the config hash.
    command: the command that reproduces the report.
    """
    parts = breakdown(results, by)
    t = result_tables(results, by=parts if len(parts) > 1 else parts[0], baseline=baseline, order=order,
                      orders=orders, status_quo=baseline is not None)
    return report_from_tables(t, timeseries, kpi=kpi, settings=settings, command=command, title=title,
                              notes=notes, extra_provenance=extra_provenance)


def _market(settings) -> tuple[int, int] | None:
    first = _settings_list(settings)
    if not first:
        return None
    m = first[0][1].market
    return m.n_clients, m.n_vendors


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
        rows.append({"name": name, "value": ", ".join(value_text(v) for v in vals), "range": range_text(r["range"]),
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
            rows.append({"name": f"{pname} ({name})", "value": ", ".join(value_text(v) for v in vals),
                         "range": range_text(r["range"]), "unit": r["unit"], "meaning": r["meaning"],
                         "varies": len(vals) > 1})
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
