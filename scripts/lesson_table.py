"""Compute, write or check the generated tables of docs/workshop.md.

The controls table and the workshop market table come from bposim.app.levers (LEVERS,
model_overrides, WORKSHOP_MARKET) and the configuration's declarations; the lessons' "What the
model shows" tables from simulations:

For every workshop lesson (bposim.app.lessons.LESSONS) contract A and contract B run over
REPLICATIONS replications from the page's seed on common random numbers (the same seed, so the
same demand, shocks, breaks and audit dice in each replication). Each metric is averaged per
replication over the weeks of the lesson's window (the whole run when it has none), and the
table gives A's mean, B's mean and the paired difference B - A with its 95% t-interval
(bposim.analysis.stats.mean_ci over the replications' differences). These are the runs
tests/app/test_lessons.py checks the lessons' claims on (with 20 replications there).

Usage (from the repository root):
  .venv/bin/python scripts/lesson_table.py                  # print every lesson's table
  .venv/bin/python scripts/lesson_table.py --write          # rewrite the tables in docs/workshop.md
  .venv/bin/python scripts/lesson_table.py --check          # exit 1 if a table there is stale
  .venv/bin/python scripts/lesson_table.py --check --lesson corners   # one lesson only

Each table sits between its marker lines in the document:
  <!-- lever-table --> ... <!-- /lever-table -->
  <!-- market-table --> ... <!-- /market-table -->
  <!-- lesson-table: KEY --> ... <!-- /lesson-table -->    (one per lesson, KEY = Lesson.key)
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import bposim  # noqa: E402
from bposim.analysis.stats import mean_ci  # noqa: E402
from bposim.app.lessons import BY_KEY, LESSONS, Lesson  # noqa: E402
from bposim.app.levers import LEVERS, WORKSHOP_MARKET, Lever, checked, model_overrides  # noqa: E402
from bposim.config import ClientConfig, Config, MarketConfig, VendorConfig  # noqa: E402
from bposim.config import keyword_overrides  # noqa: E402
from bposim.metrics import METRICS  # noqa: E402
from bposim.config import describe  # noqa: E402

DOC = ROOT / "docs" / "workshop.md"
REPLICATIONS = 30
SEED = 0  # the page's seed (bposim.app.page.SEED): replication 0 is the run the room sees

# --- what each lesson's table shows -------------------------------------------------------------

# Per lesson: the metrics of its `expect` claims come first (in that order), then these: the ones
# its `watch` text names, and where its question rests on a number, that number.
EXTRA_METRICS = {
    "trust_saves": ("escalations", "vendor_margin"),
    "stakeholders": ("measured_quality", "client_net_value", "vendor_margin", "payments", "switches"),
    "corners": ("true_quality", "measured_quality", "vendor_margin"),
    "reviews": ("true_quality", "measured_quality", "client_net_value", "vendor_margin", "detected_gaming",
                "switches"),
    "feedback": ("engagement", "trust_in_client", "breaks_missed"),
    "playbook": ("trust_in_vendor", "client_net_value"),
    "pressure": ("trust_in_vendor", "volume", "breaks_missed"),
}
# Facts a lesson's question states (B against A), shown and checked like its `expect` claims.
# (The stakeholders question's facts are its `expect` claims; reviews' "the client's net value
# does not rise" is a CI that includes 0, checked in tests/app/test_lessons.py.)
QUESTION_CLAIMS: dict[str, dict[str, str]] = {}
# A second table over another window where the whole-run mean hides a turn: (window, metrics).
LATER_WINDOWS: dict[str, tuple] = {}

# Readable labels, and decimals to show, by metric (units come from bposim.metrics.METRICS).
LABELS = {
    "demand": ("Work sent", 0),
    "volume": ("Work delivered", 0),
    "true_quality": ("True quality", 3),
    "measured_quality": ("Measured quality (the score)", 3),
    "quality_gap": ("Quality gap (measured − true)", 3),
    "gaming": ("Corner-cutting (gaming)", 3),
    "detected_gaming": ("Gaming caught by audits", 3),
    "trust_in_vendor": ("Client's trust in the vendor", 3),
    "trust_in_client": ("Vendor's trust in the client", 3),
    "engagement": ("Vendor engagement", 3),
    "context": ("Vendor's context knowledge", 3),
    "breaks_flagged": ("Breaks flagged by the vendor", 3),
    "breaks_missed": ("Breaks the client found", 3),
    "escalations": ("Escalations", 3),
    "feedback_given": ("Feedback items given", 3),
    "feedback_actioned": ("Feedback items acted on", 3),
    "feedback_repeated": ("Feedback items repeated", 3),
    "vendor_feedback": ("Feedback from the vendor", 3),
    "oversight_hours": ("Oversight hours", 1),
    "payments": ("Payments to the vendors", 0),
    "vendor_margin": ("Vendor margin", 0),
    "client_net_value": ("Client net value", 0),
    "switches": ("Vendor switches", 3),
}
UNITS = {m.name: m.unit for m in METRICS}
TOTALS = {m.name: m.total for m in METRICS}

# --- the document's blocks ----------------------------------------------------------------------

BLOCK = re.compile(r"<!-- (?P<tag>lever-table|market-table|lesson-table)(?:: (?P<key>[\w-]+))? -->\n"
                   r"(?P<body>.*?)<!-- /(?P=tag) -->", re.S)
NOTE = ("<!-- Generated by scripts/lesson_table.py; do not edit by hand: "
        "run `.venv/bin/python scripts/lesson_table.py --write`. -->")


def block_id(tag: str, key: str | None = None) -> str:
    return f"{tag}: {key}" if key else tag


def start_marker(block: str) -> str:
    return f"<!-- {block} -->"


def end_marker(block: str) -> str:
    return f"<!-- /{block.split(':')[0]} -->"


# --- the controls and the market ----------------------------------------------------------------

# Levers that set no configuration value of contract A (model_overrides): what they do instead.
PAGE_ONLY = {
    "compare": "none: adds contract B, built from the same seed (common random numbers)",
    "scheme_b": "`scheme` of contract B (B's other values are A's, plus the lesson's changes)",
}


def _value(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def lever_sets(lever: Lever) -> str:
    """The configuration value(s) a lever sets, read off model_overrides."""
    trials = {"slider": [lever.low, lever.default, lever.high], "check": [True, False],
              "select": list(lever.values)}[lever.kind]
    outs = {v: model_overrides(checked({lever.name: v})) for v in trials}
    keys = [k for k in outs[trials[0]] if len({repr(o[k]) for o in outs.values()}) > 1]
    if not keys:
        if lever.name not in PAGE_ONLY:
            raise SystemExit(f"lever {lever.name!r} sets no configuration value: say what it does in PAGE_ONLY")
        return PAGE_ONLY[lever.name]
    parts = []
    for k in keys:
        if all(o[k] == v for v, o in outs.items()):
            parts.append(f"`{k}` = the {'choice' if lever.kind == 'select' else 'value'}")
        else:
            parts.append(f"`{k}` = " + ", ".join(f"`{_value(o[k])}` ({_value(v)})" for v, o in outs.items()))
    return "; ".join(parts)


def lever_range(lever: Lever) -> str:
    if lever.kind == "slider":
        return f"slider {lever.low:g} to {lever.high:g}, step {lever.step:g}"
    if lever.kind == "check":
        return "checkbox"
    return "choice: " + ", ".join(f"`{v}`" for v in lever.values)


def lever_table() -> str:
    lines = [NOTE, "", "| control | range or choices | default | what it changes | configuration it sets |",
             "| --- | --- | --- | --- | --- |"]
    for lever in LEVERS:
        default = f"`{lever.default}`" if lever.kind == "select" else _value(lever.default)
        lines.append(f"| {lever.label} | {lever_range(lever)} | {default} | {lever.meaning} | {lever_sets(lever)} |")
    return "\n".join(lines) + "\n"


def market_table() -> str:
    declared = {r["name"]: r for cls, prefix in ((Config, ""), (MarketConfig, "market"),
                                                 (VendorConfig, "vendor"), (ClientConfig, "client"))
                for r in describe(cls, prefix)}
    lines = [NOTE, "", "| setting | on the page | model default | unit | meaning |", "| --- | --- | --- | --- | --- |"]
    for name, value in WORKSHOP_MARKET.items():
        row = declared[name]
        lines.append(f"| `{name}` | {_value(value)} | {_value(row['value'])} | {row['unit'] or '—'} "
                     f"| {row['meaning']} |")
    return "\n".join(lines) + "\n"


# --- the lessons' runs --------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    metric: str
    a: float
    b: float
    diff: float
    low: float
    high: float
    claim: str = ""   # "higher" / "lower": what the lesson says of B against A, or ""
    source: str = ""  # "" (its expect claims) or "the question"

    @property
    def shown(self) -> bool | None:
        """Whether the interval bears the claim out (None: no claim)."""
        if not self.claim:
            return None
        sign = 1.0 if self.claim == "higher" else -1.0
        return sign * self.low > 0 and sign * self.high > 0


def metrics_of(lesson: Lesson) -> tuple[str, ...]:
    claimed = tuple(metric for metric, _ in lesson.expect)
    return claimed + tuple(m for m in EXTRA_METRICS.get(lesson.key, ()) if m not in claimed)


def timeseries(lesson: Lesson, pane: str):
    """Weekly market values of one contract of a lesson over REPLICATIONS replications."""
    overrides = keyword_overrides(dict(model_overrides(lesson.pane_levers(pane))))
    # Per-relationship rows are not needed here (leaving them out does not change the numbers).
    return bposim.simulate([*overrides, f"seed={SEED}", "record.relationships=none"],
                           replications=REPLICATIONS, progress=False).timeseries


def window_means(frame, metrics, window: tuple[int, int] | None) -> dict[str, np.ndarray]:
    """Per metric, one mean per replication over weeks (first, last] (steps count from 1)."""
    if window is not None:
        first, last = window
        frame = frame[(frame.step > first) & (frame.step <= last)]
    means = frame.groupby("replication")[list(metrics)].mean().sort_index()
    assert list(means.index) == list(range(REPLICATIONS))
    return {m: means[m].to_numpy() for m in metrics}


def rows_for(lesson: Lesson, a_frame, b_frame, metrics, window) -> list[Row]:
    a = window_means(a_frame, metrics, window)
    b = window_means(b_frame, metrics, window)
    claims = {m: (d, "") for m, d in lesson.expect}
    for m, d in QUESTION_CLAIMS.get(lesson.key, {}).items():
        claims.setdefault(m, (d, "the question"))
    rows = []
    for m in metrics:
        diff, low, high, _ = mean_ci(b[m] - a[m])  # paired: replication r of A with replication r of B
        claim, source = claims.get(m, ("", ""))
        rows.append(Row(m, float(a[m].mean()), float(b[m].mean()), diff, low, high, claim, source))
    return rows


def _fmt(value: float, decimals: int, signed: bool = False) -> str:
    text = f"{value:+,.{decimals}f}" if signed else f"{value:,.{decimals}f}"
    if float(text.replace(",", "")) == 0:  # no "-0.000" or "+0.000"
        text = f"{0:.{decimals}f}"
    return text.replace("-", "−")


def _unit(metric: str) -> str:
    unit = UNITS[metric]
    return f"{unit}, market total" if TOTALS[metric] and "/week" in unit else unit


def _weeks(window: tuple[int, int] | None) -> str:
    return f"weeks {window[0] + 1}–{window[1]}" if window else f"all {WORKSHOP_MARKET['steps']} weeks"


def _table(rows: list[Row], claims: bool = True) -> list[str]:
    lines = ["| metric | unit | A | B | B − A | 95% CI of B − A |" + (" the lesson says |" if claims else ""),
             "| --- | --- | ---: | ---: | ---: | --- |" + (" --- |" if claims else "")]
    for r in rows:
        label, dec = LABELS.get(r.metric, (r.metric, 3))
        says = ""
        if r.claim:
            says = f"B {r.claim}" + (f" ({r.source})" if r.source else "") + ("" if r.shown else " — NOT SHOWN")
        lines.append(f"| {label} | {_unit(r.metric)} | {_fmt(r.a, dec)} | {_fmt(r.b, dec)} | "
                     f"{_fmt(r.diff, dec, signed=True)} | [{_fmt(r.low, dec)}, {_fmt(r.high, dec)}] |"
                     + (f" {says} |" if claims else ""))
    return lines


def lesson_table(key: str) -> tuple[str, list[Row]]:
    """The block of one lesson, and the rows of its own window."""
    lesson = BY_KEY[key]
    a_frame, b_frame = timeseries(lesson, "A"), timeseries(lesson, "B")
    rows = rows_for(lesson, a_frame, b_frame, metrics_of(lesson), lesson.window)
    lines = [NOTE, "",
             f"Mean per week over {_weeks(lesson.window)}, {REPLICATIONS} replications from seed {SEED} "
             "(replication 0 is the run on the page). B − A is the paired difference, replication by "
             "replication, with its 95% t-interval.", ""]
    lines += _table(rows)
    if key in LATER_WINDOWS:  # no claims here: the lesson's claims are about its own window
        window, metrics = LATER_WINDOWS[key]
        lines += ["", f"The same runs over {_weeks(window)} only:", ""]
        lines += _table(rows_for(lesson, a_frame, b_frame, metrics, window), claims=False)
    return "\n".join(lines) + "\n", rows


# --- writing and checking -----------------------------------------------------------------------


def blocks(doc: str) -> dict[str, str]:
    """The body of each generated block in the document, by block id."""
    return {block_id(m.group("tag"), m.group("key")): m.group("body") for m in BLOCK.finditer(doc)}


def fresh_blocks(keys: list[str], report: bool = False) -> dict[str, str]:
    """Every block to (re)generate: the controls, the market, and the lessons in `keys`."""
    out = {"lever-table": lever_table(), "market-table": market_table()}
    for key in keys:
        text, rows = lesson_table(key)
        out[block_id("lesson-table", key)] = text
        for r in rows:
            if report and r.shown is False:
                print(f"warning: {key}: the lesson says B's {r.metric} is {r.claim}, but B − A = "
                      f"{r.diff:.4g}, 95% CI [{r.low:.4g}, {r.high:.4g}]", file=sys.stderr)
    return out


def replace(doc: str, new: dict[str, str]) -> str:
    def sub(match: re.Match) -> str:
        block = block_id(match.group("tag"), match.group("key"))
        return f"{start_marker(block)}\n{new.get(block, match.group('body'))}{end_marker(block)}"
    return BLOCK.sub(sub, doc)


def stale(doc: str, keys: list[str]) -> list[str]:
    """Ids of the blocks (controls, market, lessons in `keys`) missing from `doc` or out of date,
    and of any lesson table in `doc` whose lesson no longer exists."""
    found = blocks(doc)
    fresh = fresh_blocks(keys)
    orphans = [block for block in found  # tables of lessons that no longer exist
               if block.startswith("lesson-table: ") and block.split(": ", 1)[1] not in BY_KEY]
    return [block for block, text in fresh.items() if found.get(block) != text] + orphans


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite the tables in the document")
    mode.add_argument("--check", action="store_true", help="exit 1 if a table in the document is stale")
    parser.add_argument("--doc", type=Path, default=DOC, help="the document (default docs/workshop.md)")
    parser.add_argument("--lesson", action="append", choices=[lesson.key for lesson in LESSONS],
                        help="only this lesson's table (repeatable; default every lesson)")
    args = parser.parse_args(argv)
    keys = args.lesson or [lesson.key for lesson in LESSONS]
    started = time.perf_counter()

    if args.check:
        bad = stale(args.doc.read_text(encoding="utf-8"), keys)
        if bad:
            print(f"{args.doc}: stale or missing tables: {', '.join(bad)}; "
                  "run `.venv/bin/python scripts/lesson_table.py --write`", file=sys.stderr)
            return 1
        print(f"{args.doc}: tables up to date (controls, market, {len(keys)} lessons; "
              f"{time.perf_counter() - started:.1f} s)")
        return 0

    fresh = fresh_blocks(keys, report=True)
    if args.write:
        doc = args.doc.read_text(encoding="utf-8")
        missing = [block for block in fresh if block not in blocks(doc)]
        if missing:
            print(f"{args.doc}: no place for {', '.join(missing)}: add the lines "
                  f"'{start_marker(missing[0])}' and '{end_marker(missing[0])}'", file=sys.stderr)
            return 1
        args.doc.write_text(replace(doc, fresh), encoding="utf-8")
        print(f"{args.doc}: wrote {len(fresh)} tables ({time.perf_counter() - started:.1f} s)")
        return 0
    for block, text in fresh.items():
        print(f"{start_marker(block)}\n{text}{end_marker(block)}\n")
    print(f"({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
