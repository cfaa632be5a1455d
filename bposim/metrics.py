"""What is recorded each week, with units and meanings, and how it becomes DataFrames.

Weekly market aggregates are always kept: one (metrics x replications) row a week, summed over
relationships for flows and counts, averaged for rates and indices. Per-relationship weekly
rows are kept when asked (record.relationships), every record.every weeks, so memory grows with
what is asked for, not with relationships x weeks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Metric:
    """A recorded metric, declared once with everything the outputs need.

    The scorecard, the paired comparisons, the report, the console summaries, the workshop
    footers and monitors and docs/ODD.md all read these fields; adding a KPI is one declaration here (with
    `kpi=` its place on the scorecard) plus its computation in the weekly phases.
    """

    name: str
    unit: str
    meaning: str
    total: bool  # True: summed over relationships (a flow); False: averaged (a rate or index)
    source: str = ""  # state attribute, when it differs from the name
    label: str = ""  # plain-language name in figures and reports (default: the name, spaced)
    short: str = ""  # table header and footer text (default: the label)
    tile: str = ""  # a workshop monitor's caption, short enough for a phone (default: the short label)
    higher_is_better: bool = True  # for the client-vendor partnership: fewer escalations are better
    fmt: str = ",.3g"  # format of a value in a console summary
    kpi: int = 0  # place on the scorecard (1 first; 0: not a KPI)
    headline: bool = False  # in the report's summary and the console's tables
    count: bool = False  # counts events: a run total's unit reads "count"
    footer: bool = False  # a running total under each workshop pane

    def __post_init__(self):
        if not self.label:
            object.__setattr__(self, "label", self.name.replace("_", " "))
        if not self.short:
            object.__setattr__(self, "short", self.label)
        if not self.tile:
            object.__setattr__(self, "tile", self.short)

    @property
    def attribute(self) -> str:
        return self.source or self.name


METRICS: tuple[Metric, ...] = (
    Metric("demand", "units/week", "work the clients sent this week", True),
    Metric("volume", "units/week", "work delivered this week", True),
    Metric("true_quality", "quality points [0, 1]", "share of delivered work done right (seen only through audits)", False,
           fmt=".3f", kpi=2, headline=True),
    Metric("measured_quality", "score points [0, 1]", "the quality score as measured: truth plus noise plus what corner-cutting inflates", False),
    Metric("quality_gap", "score points", "measured minus true quality: how far the metric has drifted from the truth", False,
           label="quality gap (measured - true)", short="quality gap", tile="score above truth", higher_is_better=False, fmt=".3f", kpi=3),
    Metric("gaming", "share [0, 1]", "share of work where corners were cut (hidden unless audited)", False,
           higher_is_better=False, fmt=".3f", kpi=4, headline=True),
    Metric("detected_gaming", "audits/week", "audits that found corner-cutting", True,
           label="audits that found gaming", short="gaming caught by audits", tile="gaming caught", count=True, footer=True),
    Metric("trust_in_vendor", "index [0, 1]", "the client's trust in its vendor", False,
           label="client's trust in vendor", short="trust in vendor", tile="client's trust", fmt=".2f", kpi=5, headline=True),
    Metric("trust_in_client", "index [0, 1]", "the vendor's trust in its client", False,
           label="vendor's trust in client", short="trust in client", tile="vendor's trust", fmt=".2f", kpi=6),
    Metric("engagement", "index [0, 1]", "the vendor team's engagement with the client", False),
    Metric("context", "index [0, 1]", "the vendor's knowledge of the client's business", False),
    Metric("breaks_flagged", "breaks/week", "process breaks the vendor flagged with a fix before the client noticed", True,
           label="breaks flagged by the vendor", tile="breaks flagged", count=True, footer=True),
    Metric("breaks_missed", "breaks/week", "process breaks the client found itself, later and dearer", True,
           label="breaks missed (found by the client)", short="breaks the client found", tile="breaks client found", count=True, footer=True),
    Metric("escalations", "escalations/week", "problems that reached the client's own stakeholders", True,
           higher_is_better=False, fmt=",.1f", kpi=8, headline=True, count=True, footer=True),
    Metric("feedback_given", "items/week", "new feedback items from the client", True, count=True),
    Metric("feedback_actioned", "items/week", "feedback items the vendor acted on", True, count=True),
    Metric("feedback_repeated", "items/week", "open feedback items the client had to repeat (the complaint loop)", True,
           label="feedback items repeated", tile="items repeated", count=True, footer=True),
    Metric("vendor_feedback", "items/week", "feedback the vendor gave the client on its processes (none: silence)", True,
           short="feedback from the vendor", tile="vendor feedback", count=True, footer=True),
    Metric("oversight_hours", "hours/week", "client management hours spent supervising, auditing and fixing", True,
           label="client oversight hours", short="oversight hours", higher_is_better=False, fmt=",.0f", kpi=9,
           footer=True),
    Metric("payments", "MU/week", "paid by clients to vendors, net of clawbacks (= vendor revenue)", True,
           label="payments to the vendor"),
    Metric("vendor_margin", "MU/week", "vendor revenue less the cost of effort, corner-cutting and operations", True,
           fmt=",.0f", kpi=7, headline=True),
    Metric("client_net_value", "MU/week", "value of true output less payments, oversight time, damage and switching costs", True,
           tile="client value", fmt=",.0f", kpi=1, headline=True),
    Metric("inhouse_cost", "MU/week", "the client's cost of work it does itself, when no vendor was eligible at its tender", True,
           label="in-house work cost", higher_is_better=False, fmt=",.0f"),
    Metric("switches", "switches/week", "contracts ended and moved to another vendor", True,
           label="vendor switches", short="switches", higher_is_better=False, fmt=".1f", kpi=10, count=True,
           footer=True),
)

# Recorded per relationship as well, to look inside the market.
EXTRA: tuple[Metric, ...] = (
    Metric("attention", "share [0, 1]", "share of this week's demand the vendor's allotted capacity can serve", False),
    Metric("effort_volume", "effort units", "vendor effort on throughput", False),
    Metric("effort_quality", "effort units", "vendor effort on quality", False),
    Metric("audits", "audits/week", "audits the client ran", True, "audited"),
    Metric("tenure", "weeks", "weeks since the current contract started", False),
    Metric("client_value", "MU/week", "value to the client of the week's true output, before any cost", True),
    Metric("effort_cost", "MU/week", "vendor's cost of this week's volume and quality effort", True),
    Metric("vendor_id", "", "the vendor serving the relationship (market.n_vendors: the client's own in-house work)", False),
    Metric("in_house", "share [0, 1]", "share of relationships whose client does the work itself (no vendor was eligible at its last tender)", False),
)

# Columns of the summary table that are ratios of run totals (see summary_table).
RATIOS: tuple[Metric, ...] = (
    Metric("flagged_share", "share [0, 1]", "share of the run's process breaks the vendor flagged before the client found them", False,
           label="share of breaks the vendor flagged"),
    Metric("actioned_share", "share [0, 1]", "share of the run's feedback items the vendor acted on", False,
           label="share of feedback acted on"),
)

METRIC_NAMES = tuple(m.name for m in METRICS)
ALL = METRICS + EXTRA
BY_NAME: dict[str, Metric] = {m.name: m for m in ALL + RATIOS}
SCORECARD: tuple[Metric, ...] = tuple(sorted((m for m in METRICS if m.kpi), key=lambda m: m.kpi))  # the KPIs, in order
HEADLINE: tuple[str, ...] = tuple(m.name for m in SCORECARD if m.headline)
FOOTER: tuple[str, ...] = tuple(m.name for m in METRICS if m.footer)
ATTRIBUTES = tuple(m.attribute for m in ALL)
_TOTAL = np.array([m.total for m in ALL])


class Recorder:
    """Keeps weekly aggregates (weeks x metrics x replications) and optional per-relationship frames."""

    KPIS = [i for i, m in enumerate(ALL) if m.name in METRIC_NAMES]  # positions in ALL of the summary's metrics

    def __init__(self, steps: int, replications: int, n_relationships: int, per_relationship: bool, every: int):
        self.aggregates = np.zeros((steps, len(ALL), replications))
        self.n = n_relationships
        self.per_relationship = per_relationship
        self.every = every
        self.frames: list[np.ndarray] = []
        self.frame_weeks: list[int] = []
        self.weeks = 0
        self.latest = None

    def record(self, engine, week: int) -> None:
        """This week's values of ALL from the engine's state: sums only, unless this week's
        per-relationship frame is kept (then the frame, and the sums from it)."""
        if self.per_relationship and week % self.every == 0:
            frame = engine.frame(ATTRIBUTES)  # (metrics of ALL, R, N)
            self.frames.append(frame)
            self.frame_weeks.append(week)
            sums = frame.sum(axis=2)
        else:
            sums = engine.sums(ATTRIBUTES)
        self.aggregates[week] = sums
        self.latest = sums
        self.weeks = week + 1

    @staticmethod
    def _metrics_first(aggregates: np.ndarray, index: list[int]) -> np.ndarray:
        """aggregates[:, index] with the memory layout that gather gives (metric-major: each
        metric's weeks x replications together), which is the order the summary's sums were pinned
        with (tests/test_pinned.py); copied as whole slabs when the metrics are a run, which is
        several times faster than the gather."""
        if index != list(range(index[0], index[-1] + 1)):
            return aggregates[:, index]
        block = aggregates[:, index[0]:index[-1] + 1].transpose(1, 0, 2)
        return np.ascontiguousarray(block).transpose(1, 0, 2)

    def weekly(self, index=None) -> np.ndarray:
        """(weeks, metrics, replications), averaged over relationships where a metric is a rate;
        the metrics of ALL at `index` only, when given (one copy of those, not of all)."""
        if index is None:
            agg, rates = self.aggregates[: self.weeks].copy(), ~_TOTAL
        else:
            agg, rates = self._metrics_first(self.aggregates[: self.weeks], index), ~_TOTAL[index]
        agg[:, rates, :] /= self.n
        return agg

    def summary(self, replication_ids) -> pd.DataFrame:
        return summary_table(self.weekly(self.KPIS), replication_ids)

    def timeseries(self, replication_ids) -> pd.DataFrame:
        agg = self.weekly()
        weeks, n_metrics, reps = agg.shape
        data = agg.transpose(2, 0, 1).reshape(reps * weeks, n_metrics)
        df = pd.DataFrame(data, columns=[m.name for m in ALL])
        df.insert(0, "step", np.tile(np.arange(1, weeks + 1), reps))
        df.insert(0, "replication", np.repeat(np.asarray(replication_ids), weeks))
        return df[["replication", "step", *METRIC_NAMES]]

    def relationships(self, replication_ids, client_of) -> pd.DataFrame:
        columns = [m.name for m in ALL]
        if not self.frames:
            return pd.DataFrame(columns=["replication", "step", "relationship", "client_id", *columns])
        stack = np.stack(self.frames)  # (T, M, R, N)
        t, n_metrics, reps, n = stack.shape
        data = stack.transpose(2, 0, 3, 1).reshape(reps * t * n, n_metrics)
        df = pd.DataFrame(data, columns=columns)
        df.insert(0, "client_id", np.tile(np.asarray(client_of), reps * t))
        df.insert(0, "relationship", np.tile(np.arange(n), reps * t))
        df.insert(0, "step", np.tile(np.repeat(np.asarray(self.frame_weeks) + 1, n), reps))
        df.insert(0, "replication", np.repeat(np.asarray(replication_ids), t * n))
        df["vendor_id"] = df["vendor_id"].astype(int)
        df["tenure"] = df["tenure"].astype(int)
        return df


FINALS = ("trust_in_vendor", "trust_in_client", "engagement", "context")


def summary_table(weekly: np.ndarray, replication_ids) -> pd.DataFrame:
    """One row per replication from weekly values (weeks, METRICS, replications).

    Flow metrics (payments, escalations, ...) are summed over the weeks; rate and index metrics
    (quality, gaming, trust, ...) are averaged over the weeks; *_final columns hold the last
    week; flagged_share and actioned_share are ratios of run totals (nan when nothing happened).
    """
    total = np.array([m.total for m in METRICS])
    over_run = np.where(total[:, None], weekly.sum(axis=0), weekly.mean(axis=0))  # (M, R)
    out = pd.DataFrame(over_run.T, columns=list(METRIC_NAMES))
    for name in FINALS:
        out[f"{name}_final"] = weekly[-1, METRIC_NAMES.index(name)]
    with np.errstate(invalid="ignore", divide="ignore"):
        breaks = out["breaks_flagged"] + out["breaks_missed"]
        out["flagged_share"] = np.where(breaks > 0, out["breaks_flagged"] / breaks, np.nan)
        given = out["feedback_given"]
        out["actioned_share"] = np.where(given > 0, out["feedback_actioned"] / given, np.nan)
    out["weeks"] = weekly.shape[0]
    out.insert(0, "replication", np.asarray(replication_ids))
    return out


def summarise(timeseries: pd.DataFrame) -> pd.DataFrame:
    """summary_table for a timeseries table (replication, step, metrics)."""
    ts = timeseries.sort_values(["replication", "step"])
    reps = ts["replication"].unique()
    weeks = len(ts) // len(reps)
    weekly = ts[list(METRIC_NAMES)].to_numpy().reshape(len(reps), weeks, len(METRIC_NAMES)).transpose(1, 2, 0)
    return summary_table(weekly, reps)
