"""The workshop's colours: told apart by colour-blind viewers, on a projector and on a phone.

Categories (a chart's two lines, the network's marks, a seat's state) take Okabe and Ito's
eight colours, the report's categorical palette too (bposim.analysis.figures.OKABE_ITO);
trust, a number on [0, 1], takes viridis, which has no red-green axis and
darkens steadily from high to low, so it reads in grey too. Every other colour on the page is
a neutral grey, or one of the eight mixed with white (a background) or black (text on white):
tests/app/test_palette.py holds every colour in bposim/app to that.
"""

from __future__ import annotations

from matplotlib import colormaps
from matplotlib.colors import ListedColormap, to_hex, to_rgb

from ..analysis.figures import OKABE_ITO, SEQUENTIAL

ORANGE, SKY_BLUE, BLUISH_GREEN, YELLOW, BLUE, VERMILLION, REDDISH_PURPLE, BLACK = OKABE_ITO

# Trust, low to high. Viridis without its last tenth: its palest yellows are nearly invisible as
# a thin edge on the page's white, and an edge is what shows a relationship's trust.
TRUST_TOP = 0.9
TRUST_COLOURS = ListedColormap(colormaps[SEQUENTIAL](
    [TRUST_TOP * k / 255 for k in range(256)]), name=f"{SEQUENTIAL}_to_{TRUST_TOP:g}")

LINE_COLOURS = (BLUE, VERMILLION)  # a chart's first and second series (solid, dashed)
GAMING_COLOUR = VERMILLION  # the network's ✕ on a relationship whose vendor cuts corners
SWITCH_COLOUR = REDDISH_PURPLE  # the ring round a client that switched vendor lately


def tint(colour: str, share: float) -> str:
    """`colour` mixed with white, `share` of it: a background that keeps its hue."""
    return to_hex([1 - share * (1 - c) for c in to_rgb(colour)])


def shade(colour: str, share: float) -> str:
    """`colour` mixed with black, `share` of it: text of that hue readable on white."""
    return to_hex([share * c for c in to_rgb(colour)])


SHOCK_SHADE = tint(ORANGE, 0.3)  # the pressure shock's weeks in every chart
WAITING_SHADE, WAITING_TEXT = tint(ORANGE, 0.2), shade(ORANGE, 0.5)  # "changes waiting", a timer on
HUMAN_SHADE = tint(BLUE, 0.15)  # a seat a person took
READY_SHADE, READY_TEXT = tint(BLUISH_GREEN, 0.15), shade(BLUISH_GREEN, 0.7)  # its person decided this week


def gradient_css(stops: int = 11) -> str:
    """The colour key's gradient: the trust map itself, at `stops` evenly spaced values."""
    return "linear-gradient(to right, " + ", ".join(
        to_hex(TRUST_COLOURS(k / (stops - 1))) for k in range(stops)) + ")"
