"""A pane's HTML: smoothing, the y-limit ladder, shared scales, and what the browser is told to draw.

The page sends each pane as HTML and SVG (bposim.app.plots): these tests read that markup back
(the polylines' points, the network's edges and nodes, the monitors' numbers) and check it
against the model's series, so what the room sees is the model's run, on the right scale.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.colors import to_hex

from bposim.app.model import WorkshopModel
from bposim.app.plots import (FLOWS, PANELS, SMOOTHED, SMOOTHING, TRUST_COLOURS, Y_SCALE, colour, monitor_value,
                              nice_ceiling, number, pane_html, shared_limits, smooth)

pytestmark = pytest.mark.slow

# nice_ceiling's ladder and headroom, as its docstring states them.
LADDER = (1.0, 2.0, 5.0, 10.0)
HEADROOM = 1.25
WIDEST_STEP = 2.5  # the largest ratio between neighbours on the ladder (2 -> 5)
DATA_SCALED = [(series[0][0], [metric for metric, _, _ in series]) for _, series, ylim, _ in PANELS if ylim is None]
# Seed 0 with per-volume pay and reviews: the shared limits move in weeks 3, 12 and 26 (the
# last below zero: a switch's cost), vendors switch from week 26 (rings in the network),
# and B runs shared_outcome.
SCENARIO = dict(scheme="per_volume", quarterly_reviews=True, compare=True, scheme_b="shared_outcome")
WEEKS = 30
MONITORS = ("trust_in_vendor", "gaming", "escalations", "client_net_value")


def stepped(model: WorkshopModel, weeks: int) -> WorkshopModel:
    for _ in range(weeks):
        model.step()
    return model


@pytest.fixture(scope="module")
def model() -> WorkshopModel:
    """A/B at week 30, after the first switches (read only: do not step it)."""
    return stepped(WorkshopModel(**SCENARIO, rng=0), WEEKS)


def limits_of(model: WorkshopModel) -> dict:
    return shared_limits([model.series(pane) for pane in model.contracts])


def html_of(model: WorkshopModel, pane: str = "A") -> str:
    return pane_html(model.describe(pane), model.series(pane), model.network(pane), limits_of(model),
                     model.steps_total, MONITORS, pane=pane)


def polylines(html: str) -> list[np.ndarray]:
    """Each line's points (week, y in SVG units) in the order of PANELS."""
    return [np.array([[float(v) for v in point.split(",")] for point in points.split()])
            for points in re.findall(r'<polyline points="([^"]*)"', html)]


# --- smooth ------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 3, SMOOTHING, 10, 156])
def test_smooth_is_a_trailing_moving_average(n):
    values = np.random.default_rng(n).normal(3.0, 2.0, n)
    expected = pd.Series(values, dtype=float).rolling(SMOOTHING, min_periods=1).mean().to_numpy()
    np.testing.assert_allclose(smooth(values), expected, rtol=1e-12, atol=1e-9)


def test_smooth_keeps_a_constant_series():
    np.testing.assert_allclose(smooth(np.full(20, 2.5)), 2.5)


def test_smooth_looks_only_backwards():
    """A week's smoothed value does not move when later weeks change (the plot grows week by week)."""
    values = np.arange(12, dtype=float)
    changed = values.copy()
    changed[8:] = 100.0
    np.testing.assert_array_equal(smooth(values)[:8], smooth(changed)[:8])


def test_the_jumpy_panels_are_smoothed():
    """Counts and the net value (a switch's one-off cost) are drawn as moving averages."""
    assert {"escalations", "breaks_missed", "client_net_value", "vendor_margin"} <= SMOOTHED


# --- nice_ceiling ------------------------------------------------------------------------------


def on_ladder(value: float) -> bool:
    mantissa = value / 10.0 ** np.floor(np.log10(value))
    return any(np.isclose(mantissa, step) for step in LADDER)


values = st.floats(min_value=-1e6, max_value=1e9, allow_nan=False, allow_infinity=False)


@given(values)
def test_nice_ceiling_is_at_least_the_value_and_at_least_one(value):
    ceiling = nice_ceiling(value)
    assert ceiling >= value and ceiling >= 1.0


@given(values)
def test_nice_ceiling_is_on_the_ladder(value):
    assert on_ladder(nice_ceiling(value))


@given(values, values)
def test_nice_ceiling_is_monotone(a, b):
    low, high = sorted((a, b))
    assert nice_ceiling(low) <= nice_ceiling(high)


@given(st.floats(min_value=1e-3, max_value=1e9))
def test_nice_ceiling_leaves_headroom_but_not_much(value):
    """Room above the data (a line never runs along the top), but at most one ladder step more."""
    ceiling = nice_ceiling(value)
    assert ceiling >= HEADROOM * value * (1 - 1e-12)
    assert ceiling <= max(1.0, WIDEST_STEP * HEADROOM * value * (1 + 1e-12))


@pytest.mark.parametrize("value, expected", [(-3.0, 1.0), (0.0, 1.0), (0.5, 1.0), (1.0, 2.0), (1.7, 5.0),
                                             (8.0, 10.0), (9.0, 20.0), (140.0, 200.0), (1900.0, 5000.0)])
def test_nice_ceiling_examples(value, expected):
    assert nice_ceiling(value) == pytest.approx(expected)


# --- shared_limits -----------------------------------------------------------------------------


def test_shared_limits_cover_the_data_scaled_panels_only():
    assert DATA_SCALED, "PANELS has no data-scaled panel"
    limits = shared_limits([{m: np.ones(3) for _, metrics in DATA_SCALED for m in metrics}])
    assert set(limits) == {key for key, _ in DATA_SCALED}


def test_shared_limits_do_not_depend_on_the_order_of_the_panes(model):
    a, b = model.series("A"), model.series("B")
    assert shared_limits([a, b]) == shared_limits([b, a])


def test_shared_limits_contain_every_panes_data(model):
    """Both panes read on one scale, and no line leaves its panel (as drawn: smoothed or not)."""
    limits = limits_of(model)
    for pane in model.contracts:
        series = model.series(pane)
        for key, metrics in DATA_SCALED:
            low, high = limits[key]
            for metric in metrics:
                shown = smooth(series[metric]) if metric in SMOOTHED else series[metric]
                assert low <= shown.min() and shown.max() <= high, (pane, metric, (low, high))


def test_shared_limits_contain_each_panes_own_limits(model):
    shared = limits_of(model)
    for pane in model.contracts:
        own = shared_limits([model.series(pane)])
        for key, (low, high) in own.items():
            assert shared[key][0] <= low and high <= shared[key][1], key


def test_shared_limits_start_at_zero_unless_a_value_is_negative(model):
    limits = limits_of(model)
    assert limits["escalations"][0] == 0.0  # a count is never negative
    # Per-volume A pays a switch's cost in week 26: its (smoothed) net value goes below zero.
    assert min(smooth(model.series(p)["client_net_value"]).min() for p in model.contracts) < 0
    assert limits["client_net_value"][0] < 0


def test_shared_limits_of_empty_series_run_from_zero():
    """Week 0: nothing drawn yet, the page still needs limits."""
    for low, high in shared_limits([WorkshopModel(rng=0).series("A")]).values():
        assert low == 0.0 and high >= 1.0


# --- what the browser draws ----------------------------------------------------------------------


def test_each_line_is_its_series_on_its_panels_scale(model):
    """Read back from the SVG: one point a week, and the value at each point is the series'
    (smoothed where the panel says so) on the panel's y-range, to the SVG's rounding."""
    lines = polylines(html_of(model))
    expected = [(metric, ylim or limits_of(model)[panel[0][0]]) for _, panel, ylim, _ in PANELS for metric, _, _ in panel]
    assert len(lines) == len(expected)
    series = model.series("A")
    for points, (metric, (low, high)) in zip(lines, expected):
        assert points[:, 0].tolist() == list(range(1, WEEKS + 1)), metric
        values = smooth(series[metric]) if metric in SMOOTHED else series[metric]
        read = low + (1.0 - points[:, 1] / Y_SCALE) * (high - low)
        assert np.allclose(read, np.clip(values, low, high), atol=(high - low) / Y_SCALE), metric


def test_lines_stay_inside_their_panels(model):
    for points in polylines(html_of(model)) + polylines(html_of(model, "B")):
        assert points[:, 1].min() >= 0 and points[:, 1].max() <= Y_SCALE


def test_week_zero_draws_no_lines_but_every_panel():
    html = html_of(WorkshopModel(rng=0))
    assert polylines(html) == []
    assert len(re.findall(r"class=\"bp-panel[\" ]", html)) == len(PANELS) + 1  # and the network


def test_the_network_has_an_edge_per_relationship_and_a_node_per_agent(model):
    html, net = html_of(model), model.network("A")
    assert html.count('class="bp-edge"') == len(net["client_of"])
    assert html.count('class="bp-node') == len(net["client_trust"]) + len(net["vendor_trust"])
    assert html.count("bp-ring") == len(net["recent_switch"]) > 0  # the scenario has switched
    assert html.count('class="bp-gmark"') == int((net["gaming"] > 0.02).sum())


def test_every_chart_has_axis_titles_and_the_network_a_colour_key(model):
    html = html_of(model)
    assert html.count('class="bp-ytitle"') == html.count('class="bp-xtitle">week<') == len(PANELS)
    titles = [re.sub(r"<[^>]+>", "", t) for t in re.findall(r'class="bp-ytitle">(.*?)</div>', html)]
    assert titles == [ytitle for _, _, _, ytitle in PANELS]
    assert "bp-gradient" in html and "corners cut" in html and "switched" in html


def test_monitors_show_rates_now_and_flows_per_week(model):
    series = model.series("A")
    for metric in MONITORS:
        value, what = monitor_value(metric, series[metric])
        if metric in FLOWS:
            assert (value, what) == (number(series[metric].mean()), "per week")
        else:
            assert (value, what) == (number(series[metric][-1]), "now")
        assert f'data-metric="{metric}"' in html_of(model)


def test_titles_are_escaped():
    model = WorkshopModel(rng=0)
    html = pane_html("<b>x</b>", model.series("A"), model.network("A"), limits_of(model), 156, ())
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


@pytest.mark.parametrize(("value", "shown"), [(0, "0"), (0.5, "0.50"), (0.423, "0.42"), (12.4, "12"),
                                              (1500, "1.5k"), (-2000, "-2.0k"), (25_000, "25k")])
def test_numbers_fit_a_monitor(value, shown):
    assert number(value) == shown


def test_the_network_colours_are_the_colour_maps_own():
    for value in [*np.linspace(-0.2, 1.2, 2001), 0.0, 1.0, 1 / 256, 255 / 256]:
        assert colour(value) == to_hex(TRUST_COLOURS(float(np.clip(value, 0.0, 1.0)))), value


def test_work_a_client_does_itself_is_no_vendors_node_or_edge():
    # In-house work has vendor index n_vendors (bposim.dynamics.tender): the network draws no
    # edge for it and no phantom vendor, and the vendors' trust is over the work they hold.
    model = stepped(WorkshopModel(rng=0), 3)
    st = model.contracts["A"].state
    n_vendors = len(model.contracts["A"].vendors)
    st.vendor_id[0, 0] = n_vendors
    st.trust_in_client[0, 0] = 0.0  # an in-house row's trust would pull its vendor's node down
    net = model.network("A")
    held = st.vendor_id[0] < n_vendors
    assert len(net["vendor_trust"]) == n_vendors
    expected = [st.trust_in_client[0][held & (st.vendor_id[0] == v)].mean() for v in range(n_vendors)]
    np.testing.assert_allclose(net["vendor_trust"], expected)
    html = html_of(model)
    assert html.count('class="bp-edge"') == len(net["client_of"]) - 1
    assert html.count('class="bp-node') == len(net["client_trust"]) + n_vendors
