"""bposim's Hydra callback (hydra.callbacks.validate, which bposim.config.safety requires):
every configuration checked before Hydra creates any folder, a sweep named, checked whole and
collated.
"""

from __future__ import annotations

import sys

from hydra.core.global_hydra import GlobalHydra
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, open_dict

from ..config import ConfigError, validate, without_hydra
from ..config.safety import one_line, probe_writable
from ..progress import SweepProgress
from .collate import DONE, collate
from .jobconfig import SweepConfigLoader
from .naming import sweep_name
from .validate import validate_sweep

_SWEEPS: dict[str, SweepProgress] = {}  # progress of the sweeps this process launched


def refuse(err: BaseException) -> None:
    """Stop the command: one line naming what is wrong, exit status 2."""
    print(f"bposim: {one_line(err)}", file=sys.stderr)
    sys.exit(2)


class ValidateConfig(Callback):
    """Checks every configuration before Hydra creates any folder, so bad input writes nothing;
    names a sweep's folder by its overrides, and gathers its jobs when it ends.

    Hydra turns a callback's exceptions into warnings and goes on: every failure here exits."""

    def on_run_start(self, config: DictConfig, **kwargs) -> None:
        try:
            validate(without_hydra(config))
            probe_writable(config.hydra.run.dir, "hydra.run.dir")
        except Exception as err:  # noqa: BLE001 - any failure stops the run, named
            refuse(err)

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        try:
            n_jobs = self._check_sweep(config)
        except Exception as err:  # noqa: BLE001 - any failure stops the sweep, named
            refuse(err)
        print(f"bposim: sweep of {n_jobs} job(s) into {config.hydra.sweep.dir}")
        # Kept off the callback object: launchers pickle callbacks into their workers.
        _SWEEPS[str(config.hydra.sweep.dir)] = SweepProgress(
            config.hydra.sweep.dir, n_jobs, int(config.get("replications", 1)), DONE).start()

    @staticmethod
    def _check_sweep(config: DictConfig) -> int:
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
        probe_writable(config.hydra.sweep.dir, "hydra.sweep.dir")
        # Expanded into jobs as the basic sweeper does (params first, the command line after, a
        # later value of a key replacing an earlier one), so the bposim sweeper finds each job
        # already validated; composed as the launcher will compose them.
        return validate_sweep(params + task, compose=_job_composer(config))

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        progress = _SWEEPS.pop(str(config.hydra.sweep.dir), None)
        if progress is not None:
            progress.stop()
        try:
            written = collate(config.hydra.sweep.dir)
        except ConfigError as err:
            refuse(err)
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


__all__ = ["ValidateConfig", "refuse"]
