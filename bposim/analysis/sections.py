"""The report's sections: each built once from typed data, rendered to HTML and Markdown by the
Jinja2 templates in bposim/analysis/templates/ (SECTION.html and SECTION.md, from the same object).

A section is a small dataclass with `id` (its anchor), `title` (its heading and its entry in the
page's navigation) and `kind` (the name of its templates). `build_sections` makes the report's
list in reading order; `render_html` and `render_markdown` turn a list into a page.
"""

from __future__ import annotations

import base64
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar

import pandas as pd

from ..metrics import HEADLINE
from .formats import md_table, number, number_format, signed
from .money import PL_LINES, Money
from .labels import is_total, kpi_unit, kpi_unit_short, label, short
from .scorecard import KPIS
from .tables import ResultTables

MONEY_UNITS = ("MU", "hours")  # units spelled out after a number in a sentence
MODEL_MONEY = Money()


def direction(k: str) -> str:
    return "more is better" if KPIS.get(k, True) else "less is better"


def kpi_header(k: str, money: Money = MODEL_MONEY) -> str:
    """A KPI's column header in the wide tables: short label and unit."""
    return f"{short(k)} ({money.unit(kpi_unit_short(k))})"


def _in(money: Money, k: str, *values: float) -> tuple[float, ...]:
    """Values of KPI k as the report shows them (money in the report's currency)."""
    unit = kpi_unit_short(k)
    return tuple(money.amount(v, unit) for v in values)


# --- the sections -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    headline: list[str]
    notes: list[str] = field(default_factory=list)
    id: ClassVar[str] = "summary"
    title: ClassVar[str] = "Summary"
    kind: ClassVar[str] = "summary"


@dataclass(frozen=True)
class Column:
    """A KPI column: its key, header, unit and which way is better."""

    key: str
    header: str
    unit: str
    higher_is_better: bool

    @property
    def direction(self) -> str:
        return direction(self.key)


@dataclass(frozen=True)
class Cell:
    value: str
    low: str
    high: str
    mark: str = ""  # "best" on the scorecard; "win" or "lose" in the paired table
    p_better: str = ""


@dataclass(frozen=True)
class Row:
    name: str
    cells: list[Cell]


@dataclass(frozen=True)
class Table(ABC):
    """A section that is a table: one row per configuration, one cell per KPI column."""

    by: str
    columns: list[Column]
    rows: list[Row]

    @abstractmethod
    def frame(self) -> pd.DataFrame:
        """The table as a DataFrame of numbers (what the CSV files hold); each kind builds its own."""

    @property
    def markdown_table(self) -> str:
        return md_table(self.frame())


@dataclass(frozen=True)
class Scorecard(Table):
    weeks: str  # "156 weeks" or "the run"
    currency: str = MODEL_MONEY.currency
    id: ClassVar[str] = "scorecard"
    title: ClassVar[str] = "Scorecard"
    kind: ClassVar[str] = "scorecard"

    def frame(self, kpis=None) -> pd.DataFrame:
        """One row per configuration, one 'mean [low, high]' column per KPI (all, or `kpis`)."""
        keep = [i for i, c in enumerate(self.columns) if kpis is None or c.key in kpis]
        rows = [{self.by: r.name, **{f"{self.columns[i].header} ({self.columns[i].unit})": f"{r.cells[i].value} [{r.cells[i].low}, "
                                     f"{r.cells[i].high}]" for i in keep}} for r in self.rows]
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class PairRow(Row):
    against: str = ""  # the configuration subtracted


@dataclass(frozen=True)
class Paired(Table):
    baseline: str  # the status quo every row is against; "" when every pair is shown
    match: str  # what pairs are matched on
    id: ClassVar[str] = "paired"
    title: ClassVar[str] = "Paired comparison"
    kind: ClassVar[str] = "paired"

    @property
    def heading(self) -> str:
        if not self.rows:
            return "Paired comparison"
        return f"Paired comparison against {self.baseline}" if self.baseline else "Paired comparison, every pair"

    def frame(self) -> pd.DataFrame:
        """One row per pair and KPI: difference [95% CI], P(better), which way is better."""
        rows = [{self.by: r.name, "baseline": r.against, "kpi": c.key,
                 "difference [95% CI]": f"{cell.value} [{cell.low}, {cell.high}]", "P(better)": cell.p_better,
                 "better is": "more" if c.higher_is_better else "less"}
                for r in self.rows for c, cell in zip(self.columns, r.cells)]
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class Setup:
    """What was run, in plain words: the market, the mechanisms that are on, what differs from the defaults."""

    market: str
    mechanisms: list[str]
    changed: list[str]  # "client.audit_rate = 0.2 (default 0.1): chance per week of an audit ..."
    id: ClassVar[str] = "setup"
    title: ClassVar[str] = "What was run"
    kind: ClassVar[str] = "setup"


@dataclass(frozen=True)
class Verdict:
    """The answer first: the contract the client should sign, how sure, ties, and the vendor's view."""

    lead: str
    sentences: list[str]
    best: str = ""
    ties: list[str] = field(default_factory=list)
    id: ClassVar[str] = "verdict"
    title: ClassVar[str] = "Verdict"
    kind: ClassVar[str] = "verdict"

    @property
    def text(self) -> str:
        return " ".join([self.lead, *self.sentences])


@dataclass(frozen=True)
class ClientPL(Table):
    """The client's P&L per configuration: value, payments, oversight, damage, switching, net."""

    currency: str = MODEL_MONEY.currency
    note: str = ""
    numbers: list[dict] = field(default_factory=list)  # by, line, mean, ci_low, ci_high, currency (client_pl.csv)
    id: ClassVar[str] = "client-pl"
    title: ClassVar[str] = "Client P&L"
    kind: ClassVar[str] = "client_pl"

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([{self.by: r.name, **{f"{c.header} ({c.unit})": f"{cell.value} [{cell.low}, {cell.high}]"
                                                   for c, cell in zip(self.columns, r.cells)}} for r in self.rows])


@dataclass(frozen=True)
class Figure:
    name: str
    alt: str
    reading: str
    help: str
    png: bytes = field(repr=False)

    @property
    def anchor(self) -> str:
        return "fig-" + self.name.replace("_", "-")

    @property
    def src(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


@dataclass(frozen=True)
class Figures:
    """A section of figures (over time, the two-party view, the heatmap)."""

    id: str
    title: str
    heading: str
    intro: str
    figures: list[Figure]
    empty: str = ""  # said instead when there are no figures
    kind: ClassVar[str] = "figures"


@dataclass(frozen=True)
class Assumptions:
    rows: list[dict]  # name, value, range, unit, meaning, varies, heading
    id: ClassVar[str] = "assumptions"
    title: ClassVar[str] = "Assumptions"
    kind: ClassVar[str] = "assumptions"

    @property
    def markdown_table(self) -> str:
        return md_table(pd.DataFrame(self.rows)[["name", "value", "range", "unit", "meaning"]])


@dataclass(frozen=True)
class Provenance:
    items: dict
    id: ClassVar[str] = "provenance"
    title: ClassVar[str] = "Provenance"
    kind: ClassVar[str] = "provenance"


# --- building them ------------------------------------------------------------------------------


def context_line(t: ResultTables, market: tuple[int, int] | None) -> str:
    """The lead under the title: what was compared (in the words of the factors), on which market,
    how many runs."""
    names = "; ".join(t.name(g) for g in t.groups) if t.by == "configuration" else ", ".join(
        str(g) if isinstance(g, str) else f"{g:g}" if isinstance(g, float) else str(g) for g in t.groups)
    where = f" on the same market ({market[0]} clients, {market[1]} vendors)" if market else ""
    weeks = f", {t.weeks} weeks" if t.weeks else ""
    pooled = ""
    if t.others:
        pooled = (f" Results pool the other swept settings ({', '.join(t.others)}); paired comparisons "
                  f"match on them as well as on the replication.")
    reps = t.reps()
    runs = f"{reps} replication{'' if reps == '1' else 's'}"
    if len(t.groups) == 1:
        return f"One configuration ({t.name(t.groups[0])}){where.replace(' the same', ' a')}{weeks}, {runs}.{pooled}"
    return (f"{len(t.groups)} {t.whats} compared ({names}){where}{weeks}, {runs} each on common "
            f"random numbers: replication r of every configuration sees the same demand, shocks, process "
            f"breaks and audit dice, so differences are paired within replications.{pooled}")


def headline(t: ResultTables, spec: dict, money: Money = MODEL_MONEY) -> list[str]:
    """One sentence per headline KPI: which configuration is best, and by how much against the baseline."""
    lines = []
    for k in HEADLINE:
        if k not in t.kpis:
            continue
        g = t.best(k)
        if g is None:
            continue
        m, lo, hi = _in(money, k, *t.mean(g, k))
        s = spec[k]
        unit = kpi_unit_short(k)
        unit = f" {money.unit(unit)}" if unit in MONEY_UNITS else ""
        over = f"over {t.weeks} weeks" if t.weeks else "over the run"
        over = ("total " if is_total(k) else "mean ") + over
        name = label(k)
        where = (f"{'highest' if KPIS.get(k, True) else 'lowest'} under {t.name(g)}, "
                 if len(t.groups) > 1 else "")
        text = f"{name[:1].upper()}{name[1:]}: {where}{number(m, s)}{unit} [{number(lo, s)}, {number(hi, s)}] ({over})"
        # Against the status quo when one was named (the runner-up when it is the best), else the runner-up.
        sq = t.status_quo
        other = sq if sq is not None and g != sq else t.runner_up(k, than=g)
        p = t.versus(g, other, k) if other is not None else None
        if p is not None:
            diff, lo_d, hi_d = _in(money, k, p["difference"], p["ci_low"], p["ci_high"])
            pb = p["p_better"]
            more = "more" if diff >= 0 else "less"
            text += (f"; {number(abs(diff), s)}{unit} {more} than {t.name(other)} "
                     f"[{signed(lo_d, s)}, {signed(hi_d, s)}], better in {pb:.0%} of paired replications")
        lines.append(text + ".")
    if {"client_net_value", "vendor_margin"} <= set(t.kpis) and len(t.groups) > 1:
        c, v = t.best("client_net_value"), t.best("vendor_margin")
        if c != v:
            lines.append(f"The two parties prefer different {t.whats}: the client does best under {t.name(c)}, "
                         f"the vendor under {t.name(v)} (see the two-party view).")
        else:
            lines.append(f"Both parties do best under {t.name(c)}: the client's net value and the vendor's "
                         f"margin are both highest there.")
    return lines


def _columns(t: ResultTables, money: Money) -> list[Column]:
    return [Column(k, short(k), money.unit(kpi_unit_short(k)), KPIS.get(k, True)) for k in t.kpis]


def scorecard_section(t: ResultTables, spec: dict, money: Money = MODEL_MONEY) -> Scorecard:
    best = {k: t.best(k) for k in t.kpis} if len(t.groups) > 1 else {}
    rows = []
    for g in t.groups:
        cells = []
        for k in t.kpis:
            m, lo, hi = _in(money, k, *t.mean(g, k))
            s = spec[k]
            top = best.get(k)
            tie = top is not None and number(_in(money, k, t.mean(top, k)[0])[0], s) == number(m, s)  # ties as shown
            cells.append(Cell(number(m, s), number(lo, s), number(hi, s), "best" if tie else ""))
        rows.append(Row(t.name(g), cells))
    return Scorecard(t.by, _columns(t, money), rows, weeks=f"{t.weeks} weeks" if t.weeks else "the run",
                     currency=money.currency)


def _verdict(lo: float, hi: float, higher_is_better: bool) -> str:
    """"win" when the CI excludes zero on the better side, "lose" on the worse, else ""."""
    if math.isnan(lo) or math.isnan(hi):
        return ""
    if (lo > 0 and higher_is_better) or (hi < 0 and not higher_is_better):
        return "win"
    if (hi < 0 and higher_is_better) or (lo > 0 and not higher_is_better):
        return "lose"
    return ""


def paired_section(t: ResultTables, spec: dict, money: Money = MODEL_MONEY) -> Paired:
    rows = []
    for g, against in t.pair_list():
        cells = []
        for k in t.kpis:
            p = t.versus(g, against, k)
            s = spec[k]
            d, lo, hi = _in(money, k, p["difference"], p["ci_low"], p["ci_high"])
            cells.append(Cell(signed(d, s), signed(lo, s), signed(hi, s),
                              _verdict(p["ci_low"], p["ci_high"], KPIS.get(k, True)), f"{p['p_better']:.0%}"))
        rows.append(PairRow(t.name(g), cells, against=t.name(against)))
    match = "replication" + (f" and the same {', '.join(t.others)}" if t.others else "")
    baseline = t.name(t.status_quo) if t.status_quo is not None else ""
    return Paired(t.by, _columns(t, money), rows, baseline=baseline, match=match)


FIGURE_HELP = {
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
    "heatmap": "Each cell: the mean over replications for that pair of settings. Brighter (yellow) is better, "
               "darker (blue) is worse; the number in the cell is the mean itself.",
    "response": "Each marker: the mean over replications at that value, bars: its 95% confidence interval.",
}
FAN_ALT = (("fan_trust_in_vendor", "client's trust in vendor over time"),
           ("fan_trust_in_client", "vendor's trust in client over time"),
           ("fan_gaming", "gaming over time"), ("fan_quality", "true and measured quality over time"))


def _figures(pngs: dict, readings: dict, names_alts) -> list[Figure]:
    return [Figure(n, alt, readings.get(n, ""), FIGURE_HELP.get(n, ""), pngs[n]) for n, alt in names_alts if n in pngs]


def figure_sections(t: ResultTables, pngs: dict, readings: dict, ts_ok: bool, heat: tuple | None,
                    kpi: str) -> list[Figures]:
    out = [Figures("fan-charts", "Over time", "Over time", f"Week by week, one colour per {t.by}.",
                   _figures(pngs, readings, FAN_ALT) if ts_ok else [],
                   empty="" if ts_ok else "No weekly series was kept for this run (in a sweep, set "
                                          "record.timeseries_every > 0)."),
           Figures("two-party", "Two-party view", "Two-party view: who gets the surplus", "",
                   _figures(pngs, readings, [("two_party", "client net value against vendor margin")]))]
    if heat and heat[1] is not None:
        x, y, facet = heat
        pooled = [c for c in t.others + list(t.parts or [t.by]) if c not in (x, y, facet) and c not in (t.parts if facet else ())]
        note = f" Pooled over {', '.join(pooled)}." if pooled else ""
        split = f" One panel per {_facet_words(t, facet)}." if facet else ""
        out.append(Figures("heatmap", "Heatmap", f"Heatmap: {label(kpi)} over {x} and {y}",
                           f"A phase diagram of the mean {label(kpi)} ({kpi_unit(kpi, t.weeks)}) over the grid "
                           f"of swept values.{split}{note}", _figures(pngs, readings, [("heatmap", "heatmap")])))
    elif heat:
        x, _, line = heat
        pooled = [c for c in t.others if c != x]
        note = f" Pooled over {', '.join(pooled)}." if pooled else ""
        split = f" One line per {_facet_words(t, line)}." if line else ""
        out.append(Figures("response", "Response", f"{label(kpi)[:1].upper()}{label(kpi)[1:]} against {x}",
                           f"The mean {label(kpi)} ({kpi_unit(kpi, t.weeks)}) at each swept value of {x}, with its "
                           f"95% confidence interval.{split}{note}",
                           _figures(pngs, readings, [("response", f"{label(kpi)} against {x}")])))
    return out


def _facet_words(t: ResultTables, facet: str) -> str:
    if facet != "configuration":
        return facet
    rest = [p for p in (t.parts or [t.by]) if p != facet]
    return "combination of " + ", ".join(rest)


def section_spec(t: ResultTables, money: Money = MODEL_MONEY) -> dict:
    """One number format per KPI, from the size of its means as shown, shared by every section."""
    return {k: number_format(_in(money, k, *t.card.loc[t.card.kpi == k, "mean"])) for k in t.kpis}


# --- rendering ----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(loader=PackageLoader("bposim.analysis", "templates"), undefined=StrictUndefined,
                       autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True,
                       keep_trailing_newline=False)


def render(section: Any, fmt: str) -> str:
    """One section as HTML (fmt "html") or Markdown ("md")."""
    return _environment().get_template(f"{section.kind}.{fmt}").render(section=section).strip()


def report_css() -> str:
    """The reports' stylesheet (templates/report.css), for other HTML reports to share."""
    return _environment().loader.get_source(_environment(), "report.css")[0]


def render_html(title: str, lead: str, sections: list) -> str:
    return _environment().get_template("report.html").render(
        title=title, lead=lead, sections=sections, bodies=[render(s, "html") for s in sections])


def render_markdown(title: str, lead: str, sections: list) -> str:
    parts = [f"# {title}", lead, *(text for s in sections if (text := render(s, "md")))]
    return "\n\n".join(parts) + "\n"


def pl_section(t: ResultTables, settings_of: dict, money: Money) -> ClientPL | None:
    """The client's P&L per configuration (means over replications with 95% CIs), in the report's
    money; None when the settings of a configuration are unknown (a pooled sweep, say)."""
    from .money import client_pl
    from .stats import mean_ci

    pl = client_pl(t.results, settings_of, t.by)
    if pl is None:
        return None
    means = {g: {line: mean_ci(money.amount(pl.loc[pl[t.by] == g, line]))[:3] for line, _, _ in PL_LINES}
             for g in t.groups}
    spec = number_format([v[0] for row in means.values() for v in row.values()])
    columns = [Column(line, text, money.currency, sign > 0) for line, text, sign in PL_LINES]
    rows = [Row(t.name(g), [Cell(number(m, spec), number(lo, spec), number(hi, spec)) for m, lo, hi in means[g].values()])
            for g in t.groups]
    hourly = {s.client.hourly_cost for s in settings_of.values()}
    rate = ", ".join(number(money.amount(h), ",.2f") for h in sorted(hourly))
    note = (f"Oversight hours are priced at the client's hourly cost ({rate} {money.currency} an hour, "
            f"client.hourly_cost); damage is the cost of process breaks and stakeholder escalations; value "
            f"is the worth of the true output delivered.")
    numbers = [{t.by: g, "line": line, "mean": m, "ci_low": lo, "ci_high": hi, "currency": money.currency}
               for g in t.groups for line, (m, lo, hi) in means[g].items()]
    return ClientPL(t.by, columns, rows, currency=money.currency, note=note, numbers=numbers)
