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
from .schemes import SCHEMES
from .simulate import SimulationResult, simulate
from .explore import DesignResult, simulate_design

__all__ = ["BPOModel", "Config", "ConfigError", "DesignResult", "METRICS", "SCHEMES", "SimulationResult", "compose",
           "simulate", "simulate_design"]
__version__ = "0.1.0"


def __getattr__(name: str):
    # BPOModel is Mesa's model: Mesa is imported when it is first asked for, not by every run
    # (simulate and simulate_design step bposim.weekly.WeeklyModel, without Mesa).
    if name == "BPOModel":
        from .model import BPOModel

        return BPOModel
    raise AttributeError(f"module 'bposim' has no attribute {name!r}")
