"""Console commands. `bposim-run` is a Hydra app: one configuration, its replications, its files.

    bposim-run scheme=quality_weighted seed=3 replications=10

writes timeseries.parquet, summary.parquet (and relationships.parquet when recorded) and the
resolved config.yaml into the run's output folder, and prints a short summary. A bad value
stops the run before Hydra creates any folder, naming the field, the value and the range.

A sweep (`bposim-run -m ...`) uses bposim's sweeper (hydra/sweeper=bposim, see
bposim.sweep.sweeper) unless the command line names one (hydra/sweeper=basic for Hydra's own).
Every configuration Hydra composes for the command passes bposim.config.safety first: no code
from configs, no folder outside the run's, every value of its declared type.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from .analysis.labels import kpi_unit_short
from .analysis.stats import mean_ci
from .config import ConfigError, validate, without_hydra
from .config.safety import check_composed, check_overrides
from .entry import guarded
from .io import write_parquet, write_text
from .metrics import SCORECARD
from .simulate import SimulationResult, simulate
from .sweep import collate
from .sweep.callback import refuse
from .sweep.collate import DONE
from .sweep.hydra_private import checked_compositions

_UNIT_SUFFIX = {"MU": "MU", "hours": "h"}  # units printed after a summary's numbers

# Hydra's flags that bposim-run refuses: a pickled configuration is code.
_REFUSED_FLAGS = ("--experimental-rerun",)


def format_summary(result: SimulationResult) -> str:
    s = result.summary
    n = len(s)
    cfg = result.config
    lines = [f"bposim: scheme {cfg.scheme['name']}, {cfg.market.n_clients} clients x "
             f"{cfg.market.n_vendors} vendors, {cfg.steps} weeks, {n} replication(s), seed {cfg.seed}"]
    for m in SCORECARD:
        mean, low, high, count = mean_ci(s[m.name])
        text = format(mean, m.fmt)
        if count > 1:
            text += f" +/- {format((high - low) / 2, m.fmt)}"
        lines.append(f"  {m.label:<32} {text} {_UNIT_SUFFIX.get(kpi_unit_short(m.name), '')}".rstrip())
    if n > 1:
        lines.append("  (mean +/- 95% confidence half-width (Student t) over replications; totals over the run)")
    return "\n".join(lines)


def write_run(result: SimulationResult, folder: Path, timeseries_every: int = 1) -> list[Path]:
    """The run's tables as Parquet and its resolved config, each written atomically.

    summary.parquet comes last: its presence marks the run as finished (a resumed sweep skips it).
    """
    out = [write_text(OmegaConf.to_yaml(result.config), folder / "config.yaml")]
    if timeseries_every > 0:
        ts = result.timeseries
        out.append(write_parquet(ts[(ts.step - 1) % timeseries_every == 0], folder / "timeseries.parquet"))
    if len(result.relationships):
        out.append(write_parquet(result.relationships, folder / "relationships.parquet"))
    out.append(write_parquet(result.summary, folder / DONE))
    return out


@hydra.main(config_path="pkg://bposim.configs", config_name="config", version_base="1.3")
def _run(cfg: DictConfig) -> None:
    # Hydra sets the root logger to INFO; Mesa logs every step at INFO, which is noise here.
    logging.getLogger("MESA").setLevel(logging.WARNING)
    hc = HydraConfig.get()
    folder = Path(hc.runtime.output_dir)
    sweeping = hc.mode == RunMode.MULTIRUN
    if sweeping and (folder / DONE).exists():
        print(f"bposim: {_job_name(folder, hc)}: already done, skipped")
        return
    # Hydra hands the job its configuration without the hydra node: validated as it is, no copy.
    settings = validate(without_hydra(cfg))
    if sweeping and settings.record.relationships == "auto":
        # Collation never reads per-relationship rows; a sweep keeps them only when asked (all).
        settings.record.relationships = "none"
    result = simulate(settings)
    write_run(result, folder, timeseries_every=cfg.record.timeseries_every if sweeping else 1)
    if sweeping:
        print(f"bposim: {_job_name(folder, hc)}: done")
        return
    print(format_summary(result))
    print(f"  results: {folder}")


def _job_name(folder: Path, hc) -> str:
    # The folder's (safe) name, not the raw overrides: a value could hold control characters.
    return folder.name if hc.job.override_dirname else "defaults"


def _default_sweeper(argv: list[str]) -> list[str]:
    """A sweep uses bposim's sweeper unless the command line names one (hydra/sweeper=basic)."""
    sweeping = any(a in ("-m", "--multirun") or a.replace(" ", "") == "hydra.mode=MULTIRUN" for a in argv)
    named = any(a.lstrip("+~").startswith("hydra/sweeper") for a in argv)
    return [*argv, "hydra/sweeper=bposim"] if sweeping and not named else argv


def _check_overrides(loader, overrides: list[str]) -> None:
    try:
        check_overrides(overrides, group_options_of(loader, overrides))
    except ConfigError as err:
        refuse(err)


def group_options_of(loader, overrides: list[str]):
    """group -> its options, on the search path these overrides give (hydra.searchpath)."""
    searchpath = [o for o in overrides if o.lstrip("+~").startswith("hydra.searchpath")]

    def options(group: str) -> list[str]:
        try:
            return list(loader.get_group_options(group, overrides=searchpath))
        except Exception:  # noqa: BLE001 - not a config group
            return []
    return options


def _check_composed(cfg: DictConfig) -> None:
    try:
        check_composed(cfg)
    except ConfigError as err:
        refuse(err)


def bposim_run() -> None:
    """Entry point of `bposim-run`. Every configuration Hydra composes for it is checked
    (bposim.config.safety) before Hydra instantiates anything or creates any folder."""
    argv = sys.argv[1:]
    refused = [a for a in argv if a.split("=")[0] in _REFUSED_FLAGS]
    if refused:
        refuse(ConfigError([f"{refused[0]}: not accepted by bposim-run (it loads a pickled "
                            f"configuration, which can run code)"]))
    sys.argv[1:] = _default_sweeper(argv)
    with checked_compositions(_check_overrides, _check_composed, refuse):
        _run()


def collect() -> None:
    """Entry point of `bposim-collect SWEEP_DIR`: gather a sweep's finished jobs into one table."""
    sys.exit(collect_main(sys.argv[1:]))


@guarded("bposim-collect")
def collect_main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        print("usage: bposim-collect SWEEP_DIR", file=sys.stderr)
        return 2
    folder = Path(argv[0])
    if not folder.is_dir():
        raise ConfigError([f"SWEEP_DIR = '{folder}' is not a folder"])
    written = collate(folder)
    if not written:
        raise ConfigError([f"SWEEP_DIR = '{folder}' holds no finished job (a finished job's folder has {DONE})"])
    for kind, path in written.items():
        print(f"{kind}: {path}")
    return 0
