"""The report's figures drawn to PNG, some of them in a forked child while this process goes on
(#14 item 9): drawing is most of a report's time (matplotlib lays out and rasterises every tick
label of every panel), and it needs nothing but the figures already built, so a second core can
draw them while the first simulates the robustness section or draws the others.

    drawing = draw_pngs(figures, background=["fan_gaming", ...])   # the child starts drawing
    ...                                                             # other work here
    pngs = drawing.result()       # name -> PNG bytes; this process draws the rest meanwhile

The child is a fork (it shares the built figures without pickling them) and sends back only the
bytes; the bytes are those this process would have drawn. Where there is no fork (Windows, macOS
where forking a process that has touched system frameworks is unsafe), one core, or the child
fails, this process draws everything itself: same bytes, only slower.
"""

from __future__ import annotations

import io
import os
import pickle
import sys


def png(fig) -> bytes:
    buf = io.BytesIO()
    # The figures lay themselves out (constrained layout): a tight bounding box would draw each twice.
    fig.savefig(buf, format="png", dpi=100, facecolor="white", metadata={"Software": None})
    return buf.getvalue()


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "fork") and _cores() > 1


class Drawing:
    """PNGs being drawn: `result()` gives them all (name -> bytes), in the figures' order."""

    def __init__(self, figures: dict, background: list[str]):
        self.figures = figures
        self.background = [n for n in background if n in figures] if can_fork() else []
        self.pid = None
        self.read_fd = None
        self._done: dict[str, bytes] | None = None
        if self.background:
            self._start()

    def _start(self) -> None:
        read_fd, write_fd = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_fd)
            os.close(write_fd)
            self.background = []
            return
        if pid == 0:  # the child: draw, send, and leave without running the parent's exit handlers
            code = 1
            try:
                os.close(read_fd)
                data = pickle.dumps({n: png(self.figures[n]) for n in self.background})
                with os.fdopen(write_fd, "wb") as out:
                    out.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write_fd)
        self.pid, self.read_fd = pid, read_fd

    def _collect(self) -> dict[str, bytes]:
        if self.pid is None:
            return {}
        with os.fdopen(self.read_fd, "rb") as inp:
            data = inp.read()
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        if status != 0 or not data:
            return {}
        try:
            return pickle.loads(data)
        except Exception:  # noqa: BLE001 - a child that died half-way: drawn here instead
            return {}

    def result(self) -> dict[str, bytes]:
        if self._done is None:
            here = {n: png(f) for n, f in self.figures.items() if n not in self.background}
            there = self._collect()
            self._done = {n: here[n] if n in here else there.get(n) or png(f) for n, f in self.figures.items()}
        return self._done


def draw_pngs(figures: dict, background: list[str] = ()) -> Drawing:
    """Start drawing `figures` (name -> matplotlib Figure): those named in `background` in a
    forked child when this machine allows it, the others when `result()` is called."""
    return Drawing(figures, list(background))


def half(figures: dict) -> list[str]:
    """About half the drawing, for a child while this process draws the rest: every other week-by-week
    chart (they cost about the same; the two-party view and a heatmap stay here)."""
    weekly = [n for n in figures if n.startswith("fan_")]
    return weekly[::2]
