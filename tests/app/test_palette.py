"""The workshop's colours are told apart by colour-blind viewers (#14 item 6, #15).

Every colour the page and room mode send (their style sheets, and a pane's HTML with the
network, the shock's shading and A/B) is a neutral grey, one of Okabe and Ito's eight, one of
those mixed with white or black, or a colour of the trust map; the trust map is viridis, whose
lightness rises with trust (it reads without hue, in grey too), and the network's key shows
that same map.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from matplotlib.colors import to_rgb

from bposim.app.model import WorkshopModel
from bposim.app.palette import TRUST_COLOURS
from bposim.app.plots import colour, pane_html, shared_limits
from bposim.app.room_page import ROOM_CSS
from bposim.app.style import CSS

# Okabe & Ito (2008), "Color Universal Design": the eight colours, as published.
OKABE_ITO = ("#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7", "#000000")
HEX = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")
NEUTRAL = 24 / 255  # a grey may lean this far to one hue (the UI's blue-grey borders)
ROUNDING = 1.5 / 255  # a mix written as hex is off by up to half a step per channel


def rgb(code: str) -> np.ndarray:
    return np.array(to_rgb(code))


def neutral(code: str) -> bool:
    return np.ptp(rgb(code)) <= NEUTRAL


def mixed_from_okabe_ito(code: str) -> bool:
    """Whether `code` is an Okabe-Ito colour mixed with white or with black (or pure)."""
    c = rgb(code)
    for base in map(rgb, OKABE_ITO):
        for end in (np.ones(3), np.zeros(3)):
            # c = end + t (base - end) for one t in [0, 1], channel by channel.
            span = base - end
            t = np.dot(c - end, span) / max(np.dot(span, span), 1e-12)
            if 0 <= t <= 1 + 1e-9 and np.abs(end + t * span - c).max() <= ROUNDING:
                return True
    return False


def trust_map_colour(code: str) -> bool:
    return code.lower() in {colour(k / 255) for k in range(256)}


def pane(shock: bool) -> str:
    model = WorkshopModel(rng=0, compare=True, pressure_shock=shock)
    for _ in range(60):
        model.step()
    limits = shared_limits([model.series(p) for p in model.contracts], model.plot_ranges())
    return "".join(pane_html(model.describe(p), model.series(p), model.network(p), limits, model.steps_total,
                             ("trust_in_vendor", "gaming"), shock, p) for p in model.contracts)


@pytest.fixture(scope="module")
def html() -> str:
    return pane(shock=True)


def test_every_colour_of_the_style_sheets_is_neutral_or_okabe_ito():
    colours = set(HEX.findall(CSS + ROOM_CSS)) - set(re.findall(r"#[0-9a-f]{6}", gradient_rule()))
    odd = {c for c in colours if not neutral(c) and not mixed_from_okabe_ito(c)}
    assert odd == set()


def test_every_colour_of_a_pane_is_neutral_okabe_ito_or_on_the_trust_map(html):
    odd = {c for c in HEX.findall(html) if not neutral(c) and not mixed_from_okabe_ito(c) and not trust_map_colour(c)}
    assert odd == set()
    # The trust map colours the network only: nodes and edges.
    outside = re.sub(r'<(line|span) [^>]*class="bp-(edge|node)[^>]*>', "", html)
    assert {c for c in HEX.findall(outside) if trust_map_colour(c) and not mixed_from_okabe_ito(c)} == set()


def test_no_red_green_scale_or_named_colours():
    for text in (CSS, ROOM_CSS, pane(shock=False)):
        assert not re.search(r"RdYlGn|RdYlBu|\b(red|green|lime)\b\s*[;}\"]", text)


def test_trust_is_viridis_getting_lighter_as_trust_rises():
    assert TRUST_COLOURS.name.startswith("viridis")
    # Relative luminance (sRGB, ITU-R BT.709): rising from low to high trust, so a colour-blind
    # viewer (or a grey print) still reads more trust as lighter. A red-yellow-green map peaks
    # at its yellow middle.
    linear = lambda c: np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)  # noqa: E731
    luminance = [float(linear(rgb(colour(k / 255))) @ [0.2126, 0.7152, 0.0722]) for k in range(256)]
    assert np.all(np.diff(luminance) > -0.001)  # neighbours may round to one hex colour, or a hair below
    assert np.all(np.diff(luminance[::25]) > 0)
    # Its lightest is still seen as a thin edge on the page's white (viridis' last tenth is left out).
    assert max(luminance) < 0.75


def gradient_rule() -> str:
    return re.search(r"\.bp-gradient \{ background: ([^;]*);", CSS).group(1)


def test_the_networks_key_shows_the_map_the_network_is_drawn_in(html):
    stops = re.findall(r"#[0-9a-f]{6}", gradient_rule())
    assert stops == [colour(k / (len(stops) - 1)) for k in range(len(stops))]
    assert len(stops) >= 5
    assert 'class="bp-gradient"' in html and "trust: low" in html
