"""Hydra's private API that bposim uses (bposim/sweep/hydra_private.py) is still there, as it was.

Fails loudly, naming what moved, when a Hydra upgrade changes any of it: then adapt
hydra_private.py (and widen hydra-core's range in pyproject.toml) to the new version."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import hydra

from bposim.sweep import hydra_private

ROOT = Path(__file__).resolve().parents[1]


def test_hydra_is_the_minor_version_bposim_was_written_against():
    minor, spec = hydra_private.TESTED
    assert hydra.__version__.startswith(minor + "."), (
        f"hydra-core {hydra.__version__} is installed; bposim/sweep/hydra_private.py was written against "
        f"{minor}.x: check its private uses against the new version, then update TESTED and pyproject.toml")
    assert f'"{spec}"' in (ROOT / "pyproject.toml").read_text().replace("'", '"'), \
        f"pyproject.toml must bound hydra-core as tested: {spec}"


def _params(fn) -> list[str]:
    return list(inspect.signature(fn).parameters)


def test_the_private_names_bposim_uses_are_there_with_the_same_signatures():
    impl = hydra_private.ConfigLoaderImpl
    assert _params(impl.load_configuration)[:4] == ["self", "config_name", "overrides", "run_mode"]
    assert _params(impl._parse_overrides_and_create_caching_repo) == ["self", "config_name", "overrides"]
    assert _params(impl._apply_overrides_to_config) == ["overrides", "cfg"]
    assert _params(hydra_private.get_overrides_dirname) == ["overrides", "exclude_keys", "item_sep", "kv_sep"]
    assert _params(hydra_private.BasicSweeper.split_arguments) == ["overrides", "max_batch_size"]
    assert {"max_batch_size", "params"} <= set(_params(hydra_private.BasicSweeper.__init__))


def test_the_basic_sweepers_constructor_sets_what_bposim_sets():
    # bposim's sweeper sets these attributes itself instead of calling BasicSweeper.__init__.
    source = inspect.getsource(hydra_private.BasicSweeper.__init__)
    assigned = set(re.findall(r"self\.(\w+)\s*(?::[^=]+)?=", source))
    mine = set(re.findall(r"sweeper\.(\w+)\s*=", inspect.getsource(hydra_private.init_basic_sweeper)))
    assert assigned == mine, f"BasicSweeper.__init__ now sets {sorted(assigned)}; bposim sets {sorted(mine)}"


def test_the_plugin_registry_has_the_tables_bposim_fills():
    from hydra.core.plugins import Plugins

    plugins = Plugins.instance()
    assert isinstance(plugins.class_name_to_class, dict)
    assert isinstance(plugins.plugin_type_to_subclass_list, dict)


def test_every_composition_still_passes_through_load_configuration():
    # The door of bposim-run: Hydra's run, multirun and each job compose through it.
    from hydra._internal import hydra as hydra_app

    source = inspect.getsource(hydra_app.Hydra.compose_config)
    assert "self.config_loader.load_configuration(" in source
    loader_source = inspect.getsource(hydra_private.ConfigLoaderImpl.load_sweep_config)
    assert "self.load_configuration(" in loader_source
