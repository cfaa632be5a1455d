"""Console commands. `bposim-run` is a Hydra app: one configuration, its replications, its files.

    bposim-run scheme=quality_weighted seed=3 replications=10

writes timeseries.parquet, summary.parquet (and relationships.parquet when recorded) and the
resolved config.yaml into the run's output folder, and prints a short summary. A bad value
stops the run before Hydra creates any folder, naming the field, the value and the range.

A sweep (`bposim-run -m ...`) uses bposim's sweeper (hydra/sweeper=bposim, see
bposim.sweep.sweeper) unless the command line names one (hydra/sweeper=basic for Hydra's own).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, open_dict

from .analysis.labels import kpi_unit_short
from .analysis.stats import mean_ci
from .config import ConfigError, validate
from .io import write_parquet, write_text
from .metrics import SCORECARD
from .simulate import SimulationResult, simulate
from .progress import SweepProgress
from .sweep import collate, sweep_name, validate_sweep
from .sweep.collate import DONE
from .sweep.jobconfig import SweepConfigLoader
from .sweep.sweeper import register as register_sweeper

register_sweeper()  # before Hydra composes anything: hydra/sweeper=bposim

_UNIT_SUFFIX = {"MU": "MU", "hours": "h"}  # units printed after a summary's numbers


_SWEEPS: dict[str, SweepProgress] = {}  # progress of the sweeps this process launched


class ValidateConfig(Callback):
    """Checks every configuration before Hydra creates any folder, so bad input writes nothing;
    names a sweep's folder by its overrides, and gathers its jobs when it ends."""

    def on_run_start(self, config: DictConfig, **kwargs) -> None:
        _validate_or_exit(config)

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        task = list(config.hydra.overrides.task)
        # An experiment config may define its sweep in hydra.sweeper.params; the command line
        # wins for a key given in both (as in Hydra's basic sweeper).
        given = {o.lstrip("+~").partition("=")[0] for o in task}
        params = [f"{k}={v}" for k, v in (config.hydra.sweeper.get("params") or {}).items()]
        hydra_overrides = list(config.hydra.overrides.hydra)
        if not any(o.startswith("hydra.sweep.dir=") for o in hydra_overrides):
            # Pinned as an override so that every job, whose config Hydra composes anew,
            # lands in the same folder; named by the sweep, so a re-run resumes it.
            named = task + [p for p in params if p.partition("=")[0] not in given]
            folder = f"multirun/{sweep_name(named)}"
            with open_dict(config):
                config.hydra.sweep.dir = folder
                config.hydra.overrides.hydra.append(f"hydra.sweep.dir='{folder}'")
        try:
            # Expanded into jobs as the basic sweeper does (params first, the command line
            # after, a later value of a key replacing an earlier one), so the bposim sweeper
            # finds each job already validated; composed as the launcher will compose them.
            n_jobs = validate_sweep(params + task, compose=_job_composer(config))
        except ConfigError as err:
            print(f"bposim: {err}", file=sys.stderr)
            sys.exit(2)
        print(f"bposim: sweep of {n_jobs} job(s) into {config.hydra.sweep.dir}")
        # Kept off the callback object: launchers pickle callbacks into their workers.
        _SWEEPS[str(config.hydra.sweep.dir)] = SweepProgress(
            config.hydra.sweep.dir, n_jobs, int(config.get("replications", 1)), DONE).start()

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        progress = _SWEEPS.pop(str(config.hydra.sweep.dir), None)
        if progress is not None:
            progress.stop()
        written = collate(config.hydra.sweep.dir)
        for kind, path in written.items():
            print(f"bposim: {kind}: {path}")


def _job_composer(config: DictConfig):
    """Overrides -> the job's configuration as this sweep's launcher will compose it (Hydra's
    loader of this run, through the bposim sweeper's, which keeps each composition for the
    jobs); None outside a running Hydra app (bposim's own composition is used then)."""
    hydra_app = GlobalHydra.instance().hydra if GlobalHydra.instance().is_initialized() else None
    if hydra_app is None:
        return None
    loader = SweepConfigLoader(hydra_app.config_loader)
    return lambda overrides: loader.load_sweep_config(config, list(overrides))


def _without_hydra(config: DictConfig) -> DictConfig:
    return OmegaConf.masked_copy(config, [k for k in config if k != "hydra"])


def _validate_or_exit(config: DictConfig) -> None:
    try:
        validate(_without_hydra(config))
    except ConfigError as err:
        print(f"bposim: {err}", file=sys.stderr)
        sys.exit(2)


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
        print(f"bposim: {hc.job.override_dirname or 'defaults'}: already done, skipped")
        return
    # Hydra hands the job its configuration without the hydra node: validated as it is, no copy.
    settings = validate(_without_hydra(cfg) if "hydra" in cfg else cfg)
    if sweeping and settings.record.relationships == "auto":
        # Collation never reads per-relationship rows; a sweep keeps them only when asked (all).
        settings.record.relationships = "none"
    result = simulate(settings)
    write_run(result, folder, timeseries_every=cfg.record.timeseries_every if sweeping else 1)
    if sweeping:
        print(f"bposim: {hc.job.override_dirname or 'defaults'}: done")
        return
    print(format_summary(result))
    print(f"  results: {folder}")


def _default_sweeper(argv: list[str]) -> list[str]:
    """A sweep uses bposim's sweeper unless the command line names one (hydra/sweeper=basic)."""
    sweeping = any(a in ("-m", "--multirun") or a.replace(" ", "") == "hydra.mode=MULTIRUN" for a in argv)
    named = any(a.lstrip("+~").startswith("hydra/sweeper") for a in argv)
    return [*argv, "hydra/sweeper=bposim"] if sweeping and not named else argv


def bposim_run() -> None:
    """Entry point of `bposim-run`."""
    sys.argv[1:] = _default_sweeper(sys.argv[1:])
    _run()


def collect() -> None:
    """Entry point of `bposim-collect SWEEP_DIR`: gather a sweep's finished jobs into one table."""
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print("usage: bposim-collect SWEEP_DIR", file=sys.stderr)
        sys.exit(2)
    written = collate(sys.argv[1])
    if not written:
        print(f"bposim-collect: no finished job in {sys.argv[1]}", file=sys.stderr)
        sys.exit(1)
    for kind, path in written.items():
        print(f"{kind}: {path}")
