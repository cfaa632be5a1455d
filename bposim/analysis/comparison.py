"""`Comparison`: what a scheme comparison produced, read by the report, the CLI and notebooks.

    from bposim.compare import run_comparison
    comparison = run_comparison(["scheme=per_volume,shared_outcome"], baseline="per_volume")
    comparison.scorecard       # mean and 95% CI per scheme and KPI
    comparison.paired          # each scheme minus the baseline, paired on common random numbers
    comparison.headline()      # the headline KPIs as 'mean [low, high]' cells, one row per scheme
    comparison.write("reports/mine", command="...")   # the report folder; returns its Report

Like Axelrod's ResultSet, it holds the raw results once and derives every table from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import OmegaConf

from ..io import write_parquet, write_text
from ..metrics import HEADLINE
from .money import Money
from .tables import ResultTables, TablesView, result_tables


def config_file_name(name: str) -> str:
    """A contract's name as one safe file name ("per_volume__client.audit_rate-0.2")."""
    from ..config.safety import safe_name

    return safe_name(name.replace(", ", "__").replace(" = ", "-").replace(" ", "_"))


@dataclass(frozen=True)
class Comparison(TablesView):
    """Contracts (schemes, or every combination of schemes and settings) run on the same market
    and random streams, with their results."""

    schemes: list[str]  # the schemes that ran, in the order given
    baseline: Any  # the contract the others are paired against (a value of `by`)
    configs: dict[Any, Any]  # contract -> its composed configuration
    results: pd.DataFrame  # one row per contract and replication
    timeseries: pd.DataFrame | None  # the weekly columns of the fan charts
    settings: dict[Any, Any] = field(default_factory=dict)  # contract -> validated Settings
    overrides: list[str] = field(default_factory=list)  # the overrides shared by every contract
    status_quo: bool = False  # the baseline is the contract the client has today (named by the user)
    by: str = "scheme"  # the column naming each contract: scheme, a setting, or "configuration" (a combination)
    contracts: list = field(default_factory=list)  # the values of `by` compared, in order (default: schemes)
    parts: list = field(default_factory=list)  # the factors that vary (default: [by])
    orders: dict = field(default_factory=dict)  # each factor's values in the order given

    @property
    def compared(self) -> list:
        """The contracts compared, in order (the values of `by`)."""
        return self.contracts or self.schemes

    @property
    def replications(self) -> int:
        return len(self.results) // len(self.compared)

    @property
    def money(self) -> Money:
        """How the report shows money (report.currency, report.money_scale of the first scheme)."""
        return Money.of(list(self.settings.values()))

    @cached_property
    def tables(self) -> ResultTables:
        parts = self.parts or [self.by]
        return result_tables(self.results, by=parts if len(parts) > 1 else parts[0], baseline=self.baseline,
                             order=self.compared, orders=self.orders, status_quo=self.status_quo)

    def robustness(self, **options):
        """The section "What could change this answer": a Morris screening of the uncertain
        parameters around this point and the verdict on independent seeds (it simulates again;
        options: trajectories, seeds; see bposim.analysis.robustness)."""
        from .robustness import robustness_section

        return robustness_section(self.tables, self.settings, self.money, self.replications, **options)

    def start_figures(self, background: str = "half"):
        """Build the report's figures and start drawing them ("half" or "all" of them in a forked
        child where the machine allows it): pass the result to `report` or `write` after other
        work (robustness())."""
        from .report import start_figures

        return start_figures(self.tables, self.timeseries, background=background, money=self.money)

    def report(self, command: str = "", robustness=None, drawn=None):
        """The report (bposim.analysis.report.Report) of this comparison, with the robustness
        section when one is given (see `robustness()`) and the figures of `start_figures` if started."""
        from .report import report_from_tables

        return report_from_tables(self.tables, self.timeseries, settings=self.settings, command=command,
                                  title="Contract comparison", robustness=robustness, drawn=drawn)

    def headline(self, report=None) -> pd.DataFrame:
        """The headline KPIs (Metric.headline), one row per contract, as the report's scorecard shows them."""
        section = (report or self.report()).section("scorecard")
        return section.frame(HEADLINE).set_index(section.by)

    def write(self, folder: str | Path, command: str = "", robustness=None, drawn=None):
        """Write the report folder (report, tables, results.parquet, timeseries.parquet,
        configs/SCHEME.yaml), each file atomically; return the Report (its html path: folder/report.html)."""
        folder = Path(folder)
        report = self.report(command, robustness, drawn)
        write_parquet(self.results, folder / "results.parquet")
        if self.timeseries is not None:
            write_parquet(self.timeseries, folder / "timeseries.parquet")
        for s, cfg in self.configs.items():
            write_text(OmegaConf.to_yaml(cfg), folder / "configs" / f"{config_file_name(self.tables.name(s))}.yaml")
        report.write(folder)
        return report
