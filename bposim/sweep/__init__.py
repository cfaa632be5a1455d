"""Sweeps as Hydra multiruns: up-front validation, resumable jobs, collation into one table.

    bposim-run -m scheme=per_volume,quality_weighted client.audit_rate=0.05,0.2 replications=30

Each job runs one configuration for all its replications at once and writes its results
atomically into a folder named by its overrides (so a re-run finds it and skips it); the
sweep folder is named by the sweep's overrides, so re-running the same command resumes it.
When the sweep ends its jobs are gathered into sweep_summary.parquet/.csv (bposim-collect
does the same for any sweep folder).

`bposim-run -m` runs sweeps with bposim's sweeper (hydra/sweeper=bposim, sweeper.py): Hydra's
basic sweeper, checking jobs with this package's validation rather than composing each one in
the launching process, and composing each combination of config groups once for all the jobs
(jobconfig.py); hydra/sweeper=basic gives Hydra's own.
"""

from .collate import collate
from .naming import sweep_name
from .sweeper import register as _register_sweeper
from .validate import validate_sweep

_register_sweeper()  # before Hydra composes anything: hydra/sweeper=bposim

__all__ = ["collate", "sweep_name", "validate_sweep"]
