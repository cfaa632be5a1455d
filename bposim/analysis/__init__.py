"""Analysis of results tables: scorecards with confidence intervals and paired comparisons."""

from .scorecard import KPIS, paired, scorecard, wide
from .stats import mean_ci, t975

__all__ = ["KPIS", "mean_ci", "paired", "scorecard", "t975", "wide"]
