"""The report's figures drawn to PNG, some of them in a forked child while this process goes on
(#14 item 9): drawing is most of a report's time (matplotlib lays out and rasterises every tick
label of every panel), and it needs nothing but the figures already built, so a second core can
draw them while the first simulates the robustness section or draws the others.

    drawing = draw_pngs(figures, background=["fan_gaming", ...])   # the child starts drawing
    ...                                                             # other work here
    pngs = drawing.result()       # name -> PNG bytes; this process draws the rest meanwhile

The child is a fork (bposim.forked: it shares the built figures without pickling them) and sends
back only the bytes; the bytes are those this process would have drawn. Where there is no fork,
one core, or the child fails, this process draws everything itself: same bytes, only slower.
"""

from __future__ import annotations

import io

from ..forked import Forked, can_fork  # can_fork is looked up here, where tests replace it


def png(fig) -> bytes:
    buf = io.BytesIO()
    # The figures lay themselves out (fixed or constrained layout): a tight bounding box would draw each twice.
    fig.savefig(buf, format="png", dpi=100, facecolor="white", metadata={"Software": None})
    return buf.getvalue()


class Drawing:
    """PNGs being drawn: `result()` gives them all (name -> bytes), in the figures' order."""

    def __init__(self, figures: dict, background: list[str]):
        self.figures = figures
        self.background = [n for n in background if n in figures] if can_fork() else []
        self._done: dict[str, bytes] | None = None
        self._child = Forked(lambda: {n: png(self.figures[n]) for n in self.background}, enabled=bool(self.background))
        if not self._child.running:
            self.background = []

    def result(self) -> dict[str, bytes]:
        if self._done is None:
            here = {n: png(f) for n, f in self.figures.items() if n not in self.background}
            there = self._child.result() or {}
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
