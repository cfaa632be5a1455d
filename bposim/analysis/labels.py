"""Plain-language names and units of metrics, KPIs and parameters, for figures and reports.

Weekly metrics carry the units of bposim.METRICS (e.g. MU/week). In a results table (one row
per replication) flows are run totals and rates are run means, so their units change:
`kpi_unit("client_net_value")` is "MU, total over the run", `kpi_unit("gaming")` is
"share [0, 1], mean over the run".
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

from ..metrics import BY_NAME, METRICS

_METRIC = {m.name: m for m in METRICS}


def label(name: str) -> str:
    """A readable name for a metric, KPI or parameter column."""
    if name.endswith("_final") and name[:-6] in _METRIC:
        return f"{label(name[:-6])}, final week"
    if name in BY_NAME:
        return BY_NAME[name].label
    if "." in name:  # a parameter column of a sweep, e.g. client.audit_rate
        return name
    return name.replace("_", " ")


def short(name: str) -> str:
    """The table header of a column (Metric.short; the label for anything else)."""
    return BY_NAME[name].short if name in BY_NAME else label(name)


def weekly_unit(name: str) -> str:
    """Unit of a weekly metric (a row of a timeseries table)."""
    m = _METRIC.get(name)
    return m.unit if m else ""


def _per_run(unit: str) -> str:
    return unit[: -len("/week")] if unit.endswith("/week") else unit


def kpi_unit(name: str, weeks: int | None = None) -> str:
    """Unit of a column of a results table (one row per replication)."""
    if name.endswith("_final") and name[:-6] in _METRIC:
        return f"{_METRIC[name[:-6]].unit}, last week"
    m = _METRIC.get(name)
    if m is None:
        return "share [0, 1]" if name.endswith("_share") else ""
    over = f"{weeks} weeks" if weeks else "the run"
    if m.total:
        return f"{_per_run(m.unit)}, total over {over}"
    return f"{m.unit}, mean over {over}"


def kpi_unit_short(name: str) -> str:
    """Unit without the 'over the run' part, for table headers ("MU", "index [0, 1]", "count")."""
    if name.endswith("_final") and name[:-6] in _METRIC:
        return _METRIC[name[:-6]].unit
    m = _METRIC.get(name)
    if m is None:
        return ""
    if m.count:
        return "count"
    return _per_run(m.unit) if m.total else m.unit


def is_total(name: str) -> bool:
    m = _METRIC.get(name)
    return bool(m and m.total)


@lru_cache(maxsize=1)
def parameter_rows() -> dict[str, dict]:
    """Every declared configuration parameter by dotted name: its range, unit and meaning."""
    from ..config import Config
    from ..config import describe

    rows = {r["name"]: r for r in describe(Config) if r["name"] != "scheme"}
    from ..schemes import SCHEMES

    for cls in SCHEMES.values():
        for f in dataclasses.fields(cls.Params):
            rows.setdefault(f"scheme.{f.name}", {
                "name": f"scheme.{f.name}", "value": f.default, "range": f.metadata.get("range") or "",
                "unit": f.metadata.get("unit", ""), "meaning": f.metadata.get("doc", "")})
    return rows


def parameter_label(name: str) -> str:
    """'client.audit_rate (probability)' for a swept parameter column; the column as given otherwise."""
    row = parameter_rows().get(name)
    if row is None:
        return name
    return f"{name} ({row['unit']})" if row["unit"] else name


def parameter_meaning(name: str) -> str:
    row = parameter_rows().get(name)
    return row["meaning"] if row else ""
