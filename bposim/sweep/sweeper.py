"""bposim's Hydra sweeper (hydra/sweeper=bposim): Hydra's basic sweeper, less its repeated work.

Hydra composes every job's configuration twice: its basic sweeper composes each job in the
launching process, one after the other (~0.1-0.2 s a job), only to see that it composes, and
the launcher composes it again where the job runs. This sweeper

- checks each batch with bposim's own up-front validation instead (bposim.sweep.validate: one
  Hydra composition per combination of config-group choices, then per job a dictionary update
  as Hydra would apply it and bposim's field/value/range checks; anything it cannot apply for
  sure is composed with Hydra). Jobs that `bposim-run` already validated when the sweep started
  are not checked again;
- hands the launcher a config loader that reuses one composition per combination of
  config-group choices (made when bposim-run checked the sweep, and sent along to the processes
  that run the jobs) and applies each job's value overrides to a copy of it, with the same
  result as Hydra's composition (bposim.sweep.jobconfig).

Everything else (the sweep syntax, hydra.sweeper.params, max_batch_size, the order and the
launching of jobs, every launcher) is the basic sweeper's.

Hydra instantiates only plugin classes it has registered under a `hydra_plugins.` name, and
finds those by scanning the `hydra_plugins` namespace package, which an editable install
(pip install -e) hides. So `register()` (run when bposim.sweep is imported, before Hydra composes
anything) registers the class and its config node `hydra/sweeper=bposim` in this process. Only
the launching process instantiates a sweeper; job processes need the config node only, which
importing bposim.sweep registers there too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Sequence

from hydra.core.config_store import ConfigStore
from hydra.errors import CompactHydraException
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig

from ..config import ConfigError
from .hydra_private import BasicSweeper, BasicSweeperConf, init_basic_sweeper, register_sweeper_plugin
from .jobconfig import SweepConfigLoader
from .validate import validate_jobs

PLUGIN = "hydra_plugins.bposim_sweeper.BposimSweeper"  # the name Hydra knows the class by


class BposimSweeper(BasicSweeper):
    """Hydra's basic sweeper, checking each batch with bposim's validation instead of a full
    Hydra composition of every job in the launching process."""

    def __init__(self, max_batch_size: Optional[int] = None, params: Optional[Dict[str, str]] = None) -> None:
        init_basic_sweeper(self, max_batch_size, params)

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        # The launcher composes each job where it runs: with this loader, once per combination
        # of config-group choices in each process (bposim.sweep.jobconfig).
        if not isinstance(hydra_context.config_loader, SweepConfigLoader):
            hydra_context = HydraContext(config_loader=SweepConfigLoader(hydra_context.config_loader),
                                         callbacks=hydra_context.callbacks)
        super().setup(hydra_context=hydra_context, task_function=task_function, config=config)

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        try:
            validate_jobs(batch)
        except ConfigError as err:
            raise InvalidSweep(err.problems) from None


class InvalidSweep(ConfigError, CompactHydraException):
    """A bad value in a sweep job: a ConfigError that Hydra reports by its message alone."""


@dataclass
class BposimSweeperConf(BasicSweeperConf):
    _target_: str = PLUGIN


def register() -> None:
    """Make hydra/sweeper=bposim known to Hydra in this process (safe to call again)."""
    ConfigStore.instance().store(group="hydra/sweeper", name="bposim", node=BposimSweeperConf, provider="bposim")
    register_sweeper_plugin(PLUGIN, BposimSweeper)
