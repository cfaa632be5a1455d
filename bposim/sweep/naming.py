"""Folder names that depend only on what was asked for, so a re-run lands in the same place."""

from __future__ import annotations

import hashlib
import re

from omegaconf import OmegaConf

_UNSAFE = re.compile(r"[^A-Za-z0-9_.,=+-]+")
_SEPARATORS = str.maketrans({'=': '-', ',': '+'})


def sweep_name(task_overrides) -> str:
    """A readable, stable name for a sweep: its overrides (shortened) plus a hash of all of them."""
    items = [str(o) for o in task_overrides]
    digest = hashlib.sha256("\n".join(sorted(items)).encode()).hexdigest()[:8]
    readable = _UNSAFE.sub("_", "__".join(sorted(items))).translate(_SEPARATORS)[:80] or "defaults"
    return f"{readable}-{digest}"


def register_resolvers() -> None:
    if not OmegaConf.has_resolver("bposim_sweep_name"):
        OmegaConf.register_new_resolver("bposim_sweep_name", lambda overrides: sweep_name(overrides))
