"""Folder names that depend only on what was asked for, so a re-run lands in the same place, and
that stay inside the sweep's folder whatever the values hold."""

from __future__ import annotations

import hashlib
import re

from omegaconf import OmegaConf

from ..config.safety import safe_name

_UNSAFE = re.compile(r"[^A-Za-z0-9_.,=+-]+")
_SEPARATORS = str.maketrans({'=': '-', ',': '+'})


def sweep_name(task_overrides) -> str:
    """A readable, stable name for a sweep: its overrides (shortened) plus a hash of all of them."""
    items = [str(o) for o in task_overrides]
    digest = hashlib.sha256("\n".join(sorted(items)).encode()).hexdigest()[:8]
    readable = _UNSAFE.sub("_", "__".join(sorted(items))).translate(_SEPARATORS)[:80] or "defaults"
    return f"{readable}-{digest}"


def job_dir(override_dirname: str) -> str:
    """A job's folder inside the sweep's: Hydra's name of its overrides when that is one safe
    path component (the usual case), else made safe (no separator, no `..`, no control
    character, bounded length) and kept unique by a hash of the whole name."""
    return safe_name(override_dirname) if override_dirname else ""


# configs/config.yaml names job folders ${bposim_job_dir:${hydra.job.override_dirname}}; every
# process that runs a job imports bposim.sweep (the task function lives in bposim.cli).
if not OmegaConf.has_resolver("bposim_job_dir"):
    OmegaConf.register_new_resolver("bposim_job_dir", job_dir)
