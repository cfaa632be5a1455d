"""Every use bposim makes of Hydra's private API, in one place.

Hydra's public API (hydra.main, hydra.compose, Callback, ConfigStore, the override parser)
covers running and composing. Four things it does not offer, and bposim needs:

- reusing one composition for many sweep jobs (jobconfig.py): the caching repository Hydra
  builds from the overrides, its way of applying value overrides to a composed config, and its
  name of a job's overrides (`override_dirname`);
- the basic sweeper's expansion of a sweep into jobs and its class, which bposim's sweeper
  extends (validate.py, sweeper.py), and registering that sweeper as a plugin in this process
  (an editable install hides the `hydra_plugins` namespace package Hydra scans);
- one point every composition passes through before Hydra instantiates anything (the
  callbacks, the launcher, the sweeper, the logging handlers): `checked_compositions`, the
  door of bposim-run (bposim.config.safety).

pyproject.toml bounds hydra-core to the minor version this was written against (TESTED), and
tests/test_hydra_private.py fails loudly, naming what moved, when an upgrade changes any of it.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator, List

import hydra
from hydra._internal.config_loader_impl import ConfigLoaderImpl, get_overrides_dirname
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper, BasicSweeperConf
from omegaconf import DictConfig

TESTED = ("1.3", "hydra-core>=1.3.2,<1.4")  # the minor version, and pyproject.toml's range

__all__ = ["BasicSweeper", "BasicSweeperConf", "ConfigLoaderImpl", "TESTED", "apply_value_overrides",
           "caching_repo", "checked_compositions", "hydra_version", "is_hydras_loader",
           "overrides_dirname", "register_sweeper_plugin", "split_sweep"]


def hydra_version() -> str:
    return hydra.__version__


def is_hydras_loader(loader: Any) -> bool:
    return isinstance(loader, ConfigLoaderImpl)


def caching_repo(loader: ConfigLoaderImpl, config_name: str, hydra_overrides: List[str]) -> Any:
    """The config repository Hydra composes from (it answers `group_exists`)."""
    return loader._parse_overrides_and_create_caching_repo(config_name, hydra_overrides)[1]


def apply_value_overrides(values: list, cfg: DictConfig) -> None:
    """Apply parsed value overrides to a composed config exactly as Hydra's composition does."""
    ConfigLoaderImpl._apply_overrides_to_config(values, cfg)


def overrides_dirname(task: list, dirname_config: DictConfig) -> str:
    return get_overrides_dirname(overrides=task, kv_sep=dirname_config.kv_sep,
                                 item_sep=dirname_config.item_sep, exclude_keys=dirname_config.exclude_keys)


def split_sweep(parsed: list) -> list[list[str]]:
    """A sweep's jobs (override lists) in the order Hydra's basic sweeper runs them."""
    return BasicSweeper.split_arguments(parsed, None)[0]


def init_basic_sweeper(sweeper: BasicSweeper, max_batch_size: Any, params: Any) -> None:
    """What BasicSweeper.__init__ sets. Its own __init__ calls super(BasicSweeper, self) through
    its module's global name, which Hydra's plugin scan rebinds to a new class (it re-executes
    plugin modules), so a subclass cannot call it."""
    sweeper.overrides = None
    sweeper.batch_index = 0
    sweeper.max_batch_size = max_batch_size
    sweeper.params = {} if params is None else params
    sweeper.hydra_context = None
    sweeper.config = None
    sweeper.launcher = None


def register_sweeper_plugin(name: str, cls: type) -> None:
    """Make `cls` a sweeper plugin Hydra can instantiate under `name` in this process."""
    from hydra.core.plugins import Plugins
    from hydra.plugins.plugin import Plugin
    from hydra.plugins.sweeper import Sweeper

    plugins = Plugins.instance()
    plugins.class_name_to_class[name] = cls
    for kind in (Plugin, Sweeper):
        if cls not in plugins.plugin_type_to_subclass_list[kind]:
            plugins.plugin_type_to_subclass_list[kind].append(cls)


@contextmanager
def checked_compositions(before: Callable[[Any, List[str]], None], after: Callable[[DictConfig], None],
                         failed: Callable[[BaseException], None]) -> Iterator[None]:
    """Within the block, every configuration Hydra composes in this process passes through
    `before(loader, overrides)` and then `after(config)`, before Hydra returns it to anything
    that could instantiate from it (Hydra composes, then instantiates the callbacks, configures
    logging, instantiates the sweeper and launcher, creates folders). Hydra's own composition
    errors go to `failed(error)` (which may stop the program or raise)."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    original = ConfigLoaderImpl.load_configuration

    def load_configuration(self: ConfigLoaderImpl, config_name: Any, overrides: List[str],
                           *args: Any, **kwargs: Any) -> DictConfig:
        before(self, list(overrides))
        try:
            cfg = original(self, config_name, overrides, *args, **kwargs)
        except (HydraException, OmegaConfBaseException) as err:
            failed(err)
            raise
        after(cfg)
        return cfg

    ConfigLoaderImpl.load_configuration = load_configuration
    try:
        yield
    finally:
        ConfigLoaderImpl.load_configuration = original
