"""Every use the tests make of a library's private API, in one place (bposim's own uses of
Hydra's are in bposim/sweep/hydra_private.py).

What no public API shows, and a test needs:
- OmegaConf: a node's own flags and metadata (struct, readonly, object and reference type),
  which `OmegaConf.is_readonly` and friends report only as inherited from the parents, and the
  raw child node (`cfg[key]` gives its value): to check that two configs are the same tree, not
  just the same YAML (tests/test_sweeper.py);
- Mesa: the agents a model has registered, without making them (`Model.agents` of bposim's
  model makes every client and vendor first): to check that agents are made lazily
  (tests/test_agents.py).

tests/test_private_api.py fails loudly, naming what moved, when an upgrade changes any of it.
"""

from __future__ import annotations

from omegaconf import DictConfig, ListConfig


def config_nodes(cfg, path: str = "") -> dict:
    """Every node of an OmegaConf config with its kind and own flags: what the YAML does not show."""
    out = {path: (type(cfg).__name__, cfg._get_flag("struct"), cfg._get_flag("readonly"),
                  cfg._metadata.object_type, cfg._metadata.ref_type)}
    for key in (cfg.keys() if isinstance(cfg, DictConfig) else range(len(cfg))):
        node = cfg._get_node(key)
        if isinstance(node, (DictConfig, ListConfig)):
            out.update(config_nodes(node, f"{path}.{key}"))
        else:
            out[f"{path}.{key}"] = (type(node).__name__, node._get_flag("readonly"))
    return out


def registered_agents(model) -> int:
    """How many agents a Mesa model has registered (made), without making any."""
    return len(model._all_agents)
