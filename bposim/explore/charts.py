"""The frame every exploration chart shares: the project's figure style, a title, a tight layout."""

from __future__ import annotations

from contextlib import contextmanager

from matplotlib import rc_context
from matplotlib.figure import Figure

from ..analysis.figures import STYLE

# Okabe-Ito colours (distinguishable with the common colour-vision deficiencies).
BLUE, ORANGE, VERMILION, GREEN = "#0072B2", "#E69F00", "#D55E00", "#009E73"


@contextmanager
def styled(title: str, size: tuple[float, float]):
    """Yield (figure, axes) drawn in the project's style; title and layout are set on exit."""
    with rc_context(dict(STYLE)):
        fig = Figure(figsize=size)
        ax = fig.add_subplot()
        yield fig, ax
        fig.suptitle(title, fontsize=STYLE["figure.titlesize"], fontweight="bold")
        fig.tight_layout()


def bar_height(rows: int) -> tuple[float, float]:
    """The size of a horizontal bar chart with this many rows."""
    return (8.5, 0.45 * rows + 1.8)
