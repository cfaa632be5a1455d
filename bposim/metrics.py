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
    name: str
    unit: str
    meaning: str
    total: bool  # True: summed over relationships (a flow); False: averaged (a rate or index)
    source: str = ""  # state attribute, when it differs from the name

    @property
    def attribute(self) -> str:
        return self.source or self.name


METRICS: tuple[Metric, ...] = (
    Metric("demand", "units/week", "work the clients sent this week", True),
    Metric("volume", "units/week", "work delivered this week", True),
    Metric("true_quality", "quality points [0, 1]", "share of delivered work done right (seen only through audits)", False),
    Metric("measured_quality", "score points [0, 1]", "the quality score as measured: truth plus noise plus what corner-cutting inflates", False),
    Metric("quality_gap", "score points", "measured minus true quality: how far the metric has drifted from the truth", False),
    Metric("gaming", "share [0, 1]", "share of work where corners were cut (hidden unless audited)", False),
    Metric("detected_gaming", "audits/week", "audits that found corner-cutting", True),
    Metric("trust_in_vendor", "index [0, 1]", "the client's trust in its vendor", False),
    Metric("trust_in_client", "index [0, 1]", "the vendor's trust in its client", False),
    Metric("engagement", "index [0, 1]", "the vendor team's engagement with the client", False),
    Metric("context", "index [0, 1]", "the vendor's knowledge of the client's business", False),
    Metric("breaks_flagged", "breaks/week", "process breaks the vendor flagged with a fix before the client noticed", True),
    Metric("breaks_missed", "breaks/week", "process breaks the client found itself, later and dearer", True),
    Metric("escalations", "escalations/week", "problems that reached the client's own stakeholders", True),
    Metric("feedback_given", "items/week", "new feedback items from the client", True),
    Metric("feedback_actioned", "items/week", "feedback items the vendor acted on", True),
    Metric("feedback_repeated", "items/week", "open feedback items the client had to repeat (the complaint loop)", True),
    Metric("vendor_feedback", "items/week", "feedback the vendor gave the client on its processes (none: silence)", True),
    Metric("oversight_hours", "hours/week", "client management hours spent supervising, auditing and fixing", True),
    Metric("payments", "MU/week", "paid by clients to vendors, net of clawbacks (= vendor revenue)", True),
    Metric("vendor_margin", "MU/week", "vendor revenue less the cost of effort, corner-cutting and operations", True),
    Metric("client_net_value", "MU/week", "value of true output less payments, oversight time, damage and switching costs", True),
    Metric("switches", "switches/week", "contracts ended and moved to another vendor", True),
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
    Metric("vendor_id", "", "the vendor serving the relationship", False),
)

METRIC_NAMES = tuple(m.name for m in METRICS)
ALL = METRICS + EXTRA
ATTRIBUTES = tuple(m.attribute for m in ALL)
_TOTAL = np.array([m.total for m in ALL])


class Recorder:
    """Keeps weekly aggregates (weeks x metrics x replications) and optional per-relationship frames."""

    def __init__(self, steps: int, replications: int, n_relationships: int, per_relationship: bool, every: int):
        self.aggregates = np.zeros((steps, len(ALL), replications))
        self.n = n_relationships
        self.per_relationship = per_relationship
        self.every = every
        self.frames: list[np.ndarray] = []
        self.frame_weeks: list[int] = []
        self.weeks = 0
        self.latest = None

    def record(self, frame: np.ndarray, week: int) -> None:
        """frame: (metrics of ALL, R, N) for this week."""
        sums = frame.sum(axis=2)
        self.aggregates[week] = sums
        self.latest = sums
        self.weeks = week + 1
        if self.per_relationship and week % self.every == 0:
            self.frames.append(frame)
            self.frame_weeks.append(week)

    def weekly(self) -> np.ndarray:
        """(weeks, metrics, replications), averaged over relationships where a metric is a rate."""
        agg = self.aggregates[: self.weeks].copy()
        agg[:, ~_TOTAL, :] /= self.n
        return agg

    def summary(self, replication_ids) -> pd.DataFrame:
        index = [i for i, m in enumerate(ALL) if m.name in METRIC_NAMES]
        return summary_table(self.weekly()[:, index, :], replication_ids)

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
