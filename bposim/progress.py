"""Progress bars that appear on a terminal and stay quiet otherwise (logs, CI, pipes).

A design's bar counts the points of its finished chunks, resumed ones included. A sweep's bar counts finished jobs by watching the sweep folder for their result files, so it
works on every launcher, whichever process or machine runs the jobs.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

# A run shows a bar by itself when it is expected to take more than a few seconds.
AUTO_REL_STEPS = 3_000_000


def _tqdm(auto: bool = True):
    """tqdm's bar (the notebook widget where `auto`), imported when a bar is shown: most runs show
    none, and a command's start-up need not pay for it."""
    if auto:
        from tqdm.auto import tqdm
    else:
        from tqdm import tqdm
    return tqdm


def on_terminal() -> bool:
    return sys.stderr.isatty()


def week_bar(weeks: int, work: int, progress: bool | None):
    """A bar over weeks, or None. progress: True/False forces it; None shows it on a terminal
    for runs of more than AUTO_REL_STEPS relationship-weeks."""
    show = progress if progress is not None else (on_terminal() and work >= AUTO_REL_STEPS)
    return _tqdm()(total=weeks, unit="week", desc="bposim", leave=False, file=sys.stderr) if show else None


def design_bar(points: int, done: int, progress: Any):
    """Points done and time left of a design, or None. progress: False (none), True (on stderr),
    None (on stderr when it is a terminal) or a stream to write the bar to. done: points already
    finished (resumed chunks), counted from the start; the time left is estimated from the rest."""
    if progress is None:
        progress = on_terminal()
    if progress is False:
        return None
    bar = _tqdm(auto=progress is True)  # a notebook's widget only for the default stream
    return bar(total=points, initial=done, unit="point", desc="design", dynamic_ncols=True,
               file=sys.stderr if progress is True else progress)


class SweepProgress:
    """Jobs done, runs done and time left of a sweep, from the result files in its folder."""

    def __init__(self, folder: str | Path, n_jobs: int, runs_per_job: int, done_file: str,
                 interval: float = 0.5, force: bool | None = None):
        self.folder, self.done_file, self.interval = Path(folder), done_file, interval
        self.runs_per_job = runs_per_job
        self.bar = None
        if force if force is not None else on_terminal():
            self.bar = _tqdm()(total=n_jobs, unit="job", desc="sweep", file=sys.stderr, dynamic_ncols=True)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def count(self) -> int:
        return len(list(self.folder.glob(f"*/{self.done_file}")))

    def _update(self) -> None:
        done = self.count()
        self.bar.update(done - self.bar.n)
        self.bar.set_postfix(runs=done * self.runs_per_job, refresh=False)

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            self._update()

    def start(self) -> "SweepProgress":
        if self.bar is not None:
            self._update()
            self._thread.start()
        return self

    def stop(self) -> None:
        if self.bar is not None:
            self._stop.set()
            self._thread.join()
            self._update()
            self.bar.close()
