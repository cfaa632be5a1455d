"""The private API of OmegaConf and Mesa that the tests use (tests/private_api.py) is still there
and means what it meant. Fails loudly, naming what moved, on an upgrade that changes it: then
adapt tests/private_api.py to the new version."""

from __future__ import annotations

import mesa
import omegaconf
from omegaconf import OmegaConf

from private_api import config_nodes, registered_agents


def test_omegaconf_node_flags_and_metadata_are_read_as_before():
    cfg = OmegaConf.create({"a": {"b": 1}, "c": [1, 2]})
    OmegaConf.set_struct(cfg.a, True)
    OmegaConf.set_readonly(cfg.c, True)
    try:
        nodes = config_nodes(cfg)
    except AttributeError as err:
        raise AssertionError(f"omegaconf {omegaconf.__version__} moved a private name tests/private_api.py "
                             f"reads ({err}): adapt config_nodes") from err
    assert nodes[".a"][:3] == ("DictConfig", True, None), f"omegaconf {omegaconf.__version__}: {nodes['.a']}"
    assert nodes[".c"][:3] == ("ListConfig", None, True), f"omegaconf {omegaconf.__version__}: {nodes['.c']}"
    assert nodes[".a.b"] == ("AnyNode", None) and nodes[".c.0"][0] == "AnyNode"
    # The flags are a node's own (None: inherited), which OmegaConf's public readers resolve.
    assert OmegaConf.is_readonly(cfg.c) and not OmegaConf.is_readonly(cfg.a)


def test_mesa_counts_registered_agents_as_before():
    model = mesa.Model()
    try:
        before = registered_agents(model)
    except AttributeError as err:
        raise AssertionError(f"mesa {mesa.__version__} moved the agent registry tests/private_api.py "
                             f"reads ({err}): adapt registered_agents") from err
    mesa.Agent(model)
    assert (before, registered_agents(model)) == (0, 1) and len(model.agents) == 1, \
        f"mesa {mesa.__version__}: the registry no longer counts the agents made"
