"""bposim: agent-based simulation of outsourcing (BPO) contracts.

    import bposim
    cfg = bposim.compose(["scheme=per_volume", "seed=7"])
    result = bposim.simulate(cfg, replications=30)
    result.summary          # one row per replication of scalar KPIs
    bposim.simulate_design(design_dataframe, base=cfg, replications=30)   # many points, one batch
"""

from .config import Config, ConfigError
from .config import compose
from .metrics import METRICS
from .model import BPOModel
from .schemes import SCHEMES
from .simulate import SimulationResult, simulate
from .explore import DesignResult, simulate_design

__all__ = ["BPOModel", "Config", "ConfigError", "DesignResult", "METRICS", "SCHEMES", "SimulationResult", "compose",
           "simulate", "simulate_design"]
__version__ = "0.1.0"
