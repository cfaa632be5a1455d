"""The pane's figure: smoothing, the y-limit ladder, shared scales, and blitting.

The page draws each week's frame by blitting: a background of axes, ticks, titles and legends,
drawn in full once and repainted a panel at a time when a data-scaled panel's limit moves, with
the lines and the network's markers drawn over it. The key tests compare that background and
that frame, built week by week as the page builds them, with a full matplotlib draw of the same
figure, pixel by pixel, in both layouts (a pane alone, and A/B side by side).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from bposim.app.model import WorkshopModel
from bposim.app.plots import PANELS, SMOOTHED, SMOOTHING, PaneFigure, nice_ceiling, shared_limits, smooth

pytestmark = pytest.mark.slow

# nice_ceiling's ladder and headroom, as its docstring states them.
LADDER = (1.0, 2.0, 5.0, 10.0)
HEADROOM = 1.25
WIDEST_STEP = 2.5  # the largest ratio between neighbours on the ladder (2 -> 5)
DATA_SCALED = [(series[0][0], [metric for metric, _, _ in series]) for _, series, ylim in PANELS if ylim is None]
# Seed 0 with per-volume pay and reviews: the shared limits move in weeks 3, 12 and 26 (the
# last below zero: a switch's cost), vendors switch from week 26 (orange rings in the network),
# and B runs shared_outcome.
SCENARIO = dict(scheme="per_volume", quarterly_reviews=True, compare=True, scheme_b="shared_outcome")
WEEKS = 30
LAYOUTS = pytest.mark.parametrize("wide", [True, False], ids=["wide", "side-by-side"])


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


def new_figure(model: WorkshopModel, wide: bool = True) -> PaneFigure:
    contract = model.contracts["A"]
    return PaneFigure(model.steps_total, len(contract.clients), len(contract.vendors), wide)


def decode(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def pixels(figure: PaneFigure) -> np.ndarray:
    return np.asarray(figure.canvas.buffer_rgba()).copy()


def full_redraw(figure: PaneFigure) -> np.ndarray:
    """The same figure drawn the ordinary way: every artist in z-order, nothing blitted."""
    for artist in [*figure.dynamic, *figure.overlay]:
        artist.set_animated(False)
    figure.canvas.draw()
    return pixels(figure)


def hide_what_covers_the_data(figure: PaneFigure) -> None:
    """Hide the static artists a full draw puts over the lines and markers (legends, spines,
    the zero line, the network's labels): a blitted frame draws the lines over them instead."""
    dynamic = {id(artist) for artist in figure.dynamic}
    for ax in figure.figure.axes:
        if ax.get_legend() is not None:
            ax.get_legend().set_visible(False)
        for spine in ax.spines.values():
            spine.set_visible(False)
        for text in ax.texts:
            text.set_visible(False)
        for line in ax.lines:
            if id(line) not in dynamic:
                line.set_visible(False)


def play(figure: PaneFigure, weeks: int = WEEKS) -> bytes:
    """Pane A's frames week by week, as the page draws them; the last frame's PNG."""
    run = WorkshopModel(**SCENARIO, rng=0)
    png = b""
    for _ in range(weeks):
        run.step()
        figure.update(run.series("A"), run.network("A"), limits_of(run))
        png = figure.png()
    return png


def differing(one: np.ndarray, other: np.ndarray, tolerance: int = 0) -> np.ndarray:
    assert one.shape == other.shape
    return np.any(np.abs(one.astype(int) - other.astype(int)) > tolerance, axis=2)


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


# --- the blitted frame -------------------------------------------------------------------------


def test_the_scenario_covers_every_animated_artist_and_moving_limits(model):
    """The frame tests below draw switch rings and gaming marks, and repaint panels for new limits."""
    net = model.network("A")
    assert len(net["recent_switch"]) > 0 and net["gaming"].max() > 0
    run = WorkshopModel(**SCENARIO, rng=0)
    seen = set()
    for _ in range(WEEKS):
        run.step()
        seen.add(tuple(sorted(limits_of(run).items())))
    assert len(seen) >= 3


@LAYOUTS
def test_background_after_weeks_of_blitting_is_a_fresh_draw(model, wide):
    """The background the frames are blitted on, after 30 weeks of limit changes and panel
    repaints, is pixel for pixel what a full draw of the figure (without the animated
    artists) gives: nothing stale, nothing painted over a neighbouring panel."""
    figure = new_figure(model, wide)
    play(figure)
    figure.canvas.restore_region(figure.background)
    background = pixels(figure)
    figure.canvas.draw()  # animated artists are left out
    differ = differing(background, pixels(figure))
    assert not differ.any(), f"{differ.sum()} pixels differ ({differ.mean():.3%})"


@LAYOUTS
def test_blitted_frame_is_a_full_redraw_where_nothing_covers_the_data(model, wide):
    """With the artists a full draw puts over the data hidden, the blitted frame is pixel for
    pixel the figure matplotlib draws: every animated artist is in `dynamic` (one left out would
    be missing from the frame) and drawn with this week's data."""
    figure = new_figure(model, wide)
    hide_what_covers_the_data(figure)
    blitted = decode(play(figure))
    differ = differing(blitted, full_redraw(figure))
    assert not differ.any(), f"{differ.sum()} pixels differ ({differ.mean():.3%})"


@LAYOUTS
def test_blitted_frame_is_a_full_redraw(model, wide):
    """The frame a session sees is the figure matplotlib would draw from scratch: spines,
    legends and labels stay on top of the data (blended in from the overlay layer)."""
    figure = new_figure(model, wide)
    blitted = decode(play(figure))
    differ = differing(blitted, full_redraw(figure), tolerance=2)
    assert not differ.any(), f"{differ.sum()} pixels differ ({differ.mean():.3%})"


@LAYOUTS
def test_png_is_the_figure_at_its_pixel_size(model, wide):
    figure = new_figure(model, wide)
    figure.update(model.series("A"), model.network("A"), limits_of(model))
    image = Image.open(io.BytesIO(figure.png()))
    assert image.format == "PNG"
    assert image.size == figure.canvas.get_width_height()


def test_wide_layout_is_wider_than_tall_and_side_by_side_taller_than_wide(model):
    wide = new_figure(model, wide=True).canvas.get_width_height()
    narrow = new_figure(model, wide=False).canvas.get_width_height()
    assert wide[0] > wide[1] and narrow[1] > narrow[0]


# --- when the background is redrawn --------------------------------------------------------------


def count_axes_draws(figure: PaneFigure, monkeypatch) -> dict:
    """Calls of each axes' draw (a full draw calls every one, a panel repaint its own)."""
    calls = {ax: 0 for ax in figure.figure.axes}
    for ax in figure.figure.axes:
        def counted(*args, _ax=ax, _draw=ax.draw, **kwargs):
            calls[_ax] += 1
            return _draw(*args, **kwargs)
        monkeypatch.setattr(ax, "draw", counted)
    return calls


@LAYOUTS
def test_background_is_redrawn_only_when_the_limits_move(model, wide, monkeypatch):
    """Every panel is drawn on the first frame; after that a panel is drawn again only in a
    week its shared limit moved, and then it is (a stale scale would misread every line)."""
    figure = new_figure(model, wide)
    calls = count_axes_draws(figure, monkeypatch)
    key_of = {ax: metrics[0] for ax, metrics, ylim in figure.data_axes if ylim is None}
    run = WorkshopModel(**SCENARIO, rng=0)
    previous = None
    moves = 0
    while run.week < WEEKS:
        run.step()
        limits = limits_of(run)
        before = dict(calls)
        figure.update(run.series("A"), run.network("A"), limits)
        figure.png()
        drawn = {ax for ax in calls if calls[ax] > before[ax]}
        if previous is None:
            assert drawn == set(calls), "the first frame draws every panel"
        else:
            moved = {ax for ax, key in key_of.items() if limits[key] != previous[key]}
            assert moved <= drawn, f"week {run.week}: a panel whose limit moved was not redrawn"
            if not moved:
                assert not drawn, f"week {run.week}: redrawn with no limit moving"
            moves += bool(moved)
        previous = limits
    assert moves >= 2


def test_a_limit_change_repaints_only_its_panel(model, monkeypatch):
    """A new limit on one panel costs a sixth of a full draw, not a full draw."""
    figure = new_figure(model)
    limits = limits_of(model)
    figure.update(model.series("A"), model.network("A"), limits)
    calls = count_axes_draws(figure, monkeypatch)
    full_draws = []
    monkeypatch.setattr(figure.canvas, "draw", lambda *a, **k: full_draws.append(1))
    moved = {**limits, "escalations": (0.0, limits["escalations"][1] * 2)}
    figure.update(model.series("A"), model.network("A"), moved)
    escalations_ax = next(ax for ax, metrics, _ in figure.data_axes if metrics[0] == "escalations")
    assert full_draws == []
    assert {ax for ax, n in calls.items() if n} == {escalations_ax}
    assert escalations_ax.get_ylim() == moved["escalations"]


def test_same_limits_reuse_the_background(model, monkeypatch):
    figure = new_figure(model)
    limits = limits_of(model)
    figure.update(model.series("A"), model.network("A"), limits)
    background = figure.background
    calls = count_axes_draws(figure, monkeypatch)
    figure.update(model.series("A"), model.network("A"), dict(limits))
    assert not any(calls.values()) and figure.background is background
