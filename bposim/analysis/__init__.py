"""Analysis of results tables: scorecards with confidence intervals, paired comparisons, figures
and the HTML report, each usable on its own (e.g. in a notebook).

    from bposim.analysis import scorecard, paired, fan_chart, two_party, build_report
    card = scorecard(results)                       # mean and 95% CI per scheme and KPI
    pairs = paired(results, baseline="per_volume")  # differences on common random numbers
    fig = fan_chart(timeseries, "trust_in_vendor")  # fig.reading: its one-line reading

The figure and report functions load matplotlib on first use.
"""

from .comparison import Comparison
from .scorecard import KPIS, paired, scorecard, wide
from .stats import mean_ci, t975
from .tables import ResultTables, factors, result_tables

_FIGURES = ("fan_chart", "quality_fan", "two_party", "heatmap")
_REPORT = ("build_report", "assumptions_table", "provenance", "Report")

__all__ = ["KPIS", "Comparison", "ResultTables", "factors", "mean_ci", "paired", "result_tables", "scorecard", "t975",
           "wide", *_FIGURES, *_REPORT]


def __getattr__(name: str):
    if name in _FIGURES:
        from . import figures

        return getattr(figures, name)
    if name in _REPORT:
        from . import report

        return getattr(report, name)
    raise AttributeError(f"module 'bposim.analysis' has no attribute {name!r}")
