"""Console commands. `bposim-run` is a Hydra app: one configuration, its replications, its files.

    bposim-run scheme=quality_weighted seed=3 replications=10

writes timeseries.parquet, summary.parquet (and relationships.parquet when recorded) and the
resolved config.yaml into the run's output folder, and prints a short summary. A bad value
stops the run before Hydra creates any folder, naming the field, the value and the range.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
import numpy as np
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from .config import ConfigError, validate
from .io import write_parquet, write_text
from .simulate import SimulationResult, simulate

HEADLINE = (
    ("client_net_value", "client net value", "MU", ",.0f"),
    ("vendor_margin", "vendor margin", "MU", ",.0f"),
    ("true_quality", "true quality", "", ".3f"),
    ("quality_gap", "quality gap (measured - true)", "", ".3f"),
    ("gaming", "corner-cutting share", "", ".3f"),
    ("trust_in_vendor_final", "client's trust in vendor, end", "", ".2f"),
    ("trust_in_client_final", "vendor's trust in client, end", "", ".2f"),
    ("escalations", "escalations", "", ",.1f"),
    ("oversight_hours", "oversight hours", "h", ",.0f"),
    ("switches", "vendor switches", "", ".1f"),
)


class ValidateConfig(Callback):
    """Checks the configuration before Hydra creates the run folder, so bad input writes nothing."""

    def on_run_start(self, config: DictConfig, **kwargs) -> None:
        _validate_or_exit(config)

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        _validate_or_exit(config)


def _validate_or_exit(config: DictConfig) -> None:
    cfg = OmegaConf.masked_copy(config, [k for k in config if k != "hydra"])
    try:
        validate(cfg)
    except ConfigError as err:
        print(f"bposim: {err}", file=sys.stderr)
        sys.exit(2)


def format_summary(result: SimulationResult) -> str:
    s = result.summary
    n = len(s)
    cfg = result.config
    lines = [f"bposim: scheme {cfg.scheme['name']}, {cfg.market.n_clients} clients x "
             f"{cfg.market.n_vendors} vendors, {cfg.steps} weeks, {n} replication(s), seed {cfg.seed}"]
    for col, label, unit, fmt in HEADLINE:
        x = s[col].to_numpy(dtype=float)
        mean = np.nanmean(x)
        text = format(mean, fmt)
        if n > 1:
            half = 1.96 * np.nanstd(x, ddof=1) / np.sqrt(n)
            text += f" +/- {format(half, fmt)}"
        lines.append(f"  {label:<32} {text} {unit}".rstrip())
    if n > 1:
        lines.append("  (mean +/- 95% confidence half-width over replications; totals over the run)")
    return "\n".join(lines)


def write_run(result: SimulationResult, folder: Path) -> list[Path]:
    """The run's tables as Parquet and its resolved config, each written atomically."""
    out = [write_parquet(result.timeseries, folder / "timeseries.parquet"),
           write_parquet(result.summary, folder / "summary.parquet")]
    if len(result.relationships):
        out.append(write_parquet(result.relationships, folder / "relationships.parquet"))
    out.append(write_text(OmegaConf.to_yaml(result.config), folder / "config.yaml"))
    return out


@hydra.main(config_path="pkg://bposim.configs", config_name="config", version_base="1.3")
def _run(cfg: DictConfig) -> None:
    # Hydra sets the root logger to INFO; Mesa logs every step at INFO, which is noise here.
    logging.getLogger("MESA").setLevel(logging.WARNING)
    folder = Path(HydraConfig.get().runtime.output_dir)
    plain = OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"])
    result = simulate(plain)
    write_run(result, folder)
    print(format_summary(result))
    print(f"  results: {folder}")


def run() -> None:
    """Entry point of `bposim-run`."""
    _run()
