"""Waiting for an observable state with a deadline, instead of a fixed sleep: a loaded machine
(two cores shared by everything) may take much longer than an idle one, and an idle one should
not wait longer than it needs."""

from __future__ import annotations

import time


def until(condition, seconds: float = 60.0, every: float = 0.01) -> bool:
    """Poll `condition` until it holds (True) or `seconds` pass (False)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True
