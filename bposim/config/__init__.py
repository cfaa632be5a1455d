"""Configuration: parameters declared once, the schema, validation and composition.

    params.py    `param()` (default, range, unit, meaning), the type and range checks, ConfigError
    schema.py    the dataclasses behind configs/ (market, vendor, client, shock, record)
    settings.py  `validate`: a configuration checked field by field -> Settings
    load.py      `compose` (Hydra overrides -> validated config), `settings_from` (what the API accepts)
    overlay.py   value overrides applied to a composed base as Hydra applies them (fast composition)
    safety.py    the door: allowlisted targets, overrides of declared types, safe folder names

Everything else in bposim imports configuration names from this package, never from its modules.
"""

from .load import (CONFIG_MODULE, GROUPS, compose, compose_schemes, compose_unvalidated, full_composition,
                   keyword_overrides, replications_keyword, seed_keyword, settings_from)
from .params import ConfigError, check_fields, default_of, describe, in_range, param
from .schema import (ClientConfig, Config, MarketConfig, RecordConfig, ReportConfig, ShockConfig, VendorConfig,
                     register_configs, register_scheme_config)
from .settings import Settings, as_dictconfig, to_config, validate, without_hydra

__all__ = [
    "compose_schemes", "CONFIG_MODULE", "GROUPS", "ClientConfig", "Config", "ConfigError", "MarketConfig", "RecordConfig", "ReportConfig",
    "Settings", "ShockConfig", "VendorConfig", "as_dictconfig", "check_fields", "compose",
    "compose_unvalidated", "default_of", "describe", "full_composition", "in_range", "keyword_overrides",
    "param", "register_configs", "register_scheme_config", "replications_keyword", "seed_keyword",
    "settings_from", "to_config", "validate", "without_hydra",
]

# configs/config.yaml extends the schema and picks a scheme from the generated group: Hydra must
# know both in every process that composes (this one, and each launcher worker, which imports
# bposim before composing its job). Last, because the schemes import `param` from this package.
register_configs()
