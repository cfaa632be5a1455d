"""Readable figures and numbers (#14 item 6), checked on what is produced: the figures' artists,
the rendered tables and Markdown, not the constants that made them."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex, to_rgba
from matplotlib.image import AxesImage

import bposim
from bposim.analysis import build_report, fan_chart, quality_fan, two_party, wide
from bposim.analysis.formats import md_table
from bposim.schemes import SCHEMES

# Okabe & Ito (2008), "Color Universal Design": the eight colours, as published.
OKABE_ITO = {"#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7", "#000000"}
SCI = re.compile(r"(?<![\w#.])\d+(\.\d+)?[eE][+-]?\d+(?![\w.])")  # a number in e-notation, standing alone


@pytest.fixture(scope="module")
def runs():
    results, series, settings = [], [], {}
    for s in SCHEMES:  # every packaged scheme
        r = bposim.simulate([f"scheme={s}", "steps=26", "seed=5"], replications=3)
        results.append(r.summary)
        series.append(r.timeseries.assign(scheme=s))
        settings[s] = r.settings
    return pd.concat(results, ignore_index=True), pd.concat(series, ignore_index=True), settings


def _drawn_colours(fig) -> set[str]:
    """The colours of every line and marker drawn on the figure's axes (greys of the grid,
    zero lines and 'other groups' excluded: they carry no category)."""
    out = set()
    for ax in fig.axes:
        for line in ax.get_lines():
            c = to_rgba(line.get_color())
            if not np.allclose(c[:3], c[0]):  # not a grey
                out.add(to_hex(c))
        for coll in ax.collections:
            for c in [*coll.get_edgecolors(), *coll.get_facecolors()]:
                if c[3] > 0 and not np.allclose(c[:3], c[0]):
                    out.add(to_hex(c))
    return out


def test_every_scheme_is_drawn_in_an_okabe_ito_colour_of_its_own(runs):
    results, series, _ = runs
    fig = two_party(results)
    drawn = _drawn_colours(fig)
    assert drawn <= OKABE_ITO, drawn - OKABE_ITO
    mean_colours = [to_hex(c.get_children()[0].get_color()) for c in fig.axes[0].containers]
    assert len(set(mean_colours)) == len(SCHEMES), "each scheme its own colour"


def test_combinations_that_are_not_schemes_take_okabe_ito_colours_in_turn(runs):
    _, series, _ = runs
    two = series[series.scheme.isin(["per_volume", "fixed_fee"])].assign(
        label=lambda d: d.scheme + ", client.audit_rate = 0.1")
    fig = fan_chart(two, "gaming", by="label", layout="overlay")
    drawn = _drawn_colours(fig)
    assert drawn <= OKABE_ITO and len(drawn) == 2


def test_heatmap_uses_a_colour_blind_safe_sequential_map_brighter_where_better():
    rows = [{"client.audit_rate": a, "vendor.metric_gameability": g, "replication": r, "weeks": 26,
             "client_net_value": 100000 * a - 5000 * g + r, "gaming": g - a}
            for a in (0.05, 0.2) for g in (0.2, 0.8) for r in range(3)]
    from bposim.analysis import heatmap

    df = pd.DataFrame(rows)
    for kpi in ("client_net_value", "gaming"):  # more is better, less is better
        fig = heatmap(df, "client.audit_rate", "vendor.metric_gameability", kpi=kpi)
        image = next(a for ax in fig.axes for a in ax.get_children() if isinstance(a, AxesImage))
        assert image.cmap.name.split("_")[0] in ("viridis", "cividis")
        grid = image.get_array()
        best = np.unravel_index(np.nanargmax(grid) if kpi == "client_net_value" else np.nanargmin(grid), grid.shape)
        rgba = image.to_rgba(grid)
        lum = 0.2126 * rgba[..., 0] + 0.7152 * rgba[..., 1] + 0.0722 * rgba[..., 2]
        assert lum[best] == lum.max(), "the best cell is the brightest"
        texts = [t.get_text() for ax in fig.axes for t in ax.texts]
        assert "19,001" in texts or kpi != "client_net_value", texts  # numbers with thousands separators


def _filled_colours(ax) -> list[tuple]:
    fills = [c for c in ax.collections if isinstance(c, PolyCollection)]
    return [tuple(np.round(c.get_facecolor()[0][:3], 3)) for c in fills if len(c.get_facecolor()) and c.get_facecolor()[0][3] > 0]


@pytest.mark.parametrize("draw", [lambda s: fan_chart(s, "trust_in_vendor", layout="overlay"),
                                  lambda s: quality_fan(s, layout="overlay")], ids=["fan", "quality"])
def test_bands_on_one_axis_never_mix_translucent_colours(runs, draw):
    _, series, _ = runs
    fig = draw(series[series.scheme.isin(["per_volume", "shared_outcome", "fixed_fee"])])
    ax = fig.axes[0]
    assert _filled_colours(ax) == [], "several groups on one axis: bands hatched or outlined, not filled"
    hatched = [c for c in ax.collections if isinstance(c, PolyCollection) and c.get_hatch()]
    assert len(hatched) == 3


def test_the_default_layout_gives_each_group_its_own_panel(runs):
    _, series, _ = runs
    fig = fan_chart(series[series.scheme.isin(["per_volume", "shared_outcome"])], "gaming")
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.collections]
    assert len(panels) == 2
    for ax in panels:
        assert len(set(_filled_colours(ax))) == 1, "one group's translucent bands per panel"


def _units(text: str) -> bool:
    return bool(re.search(r"\([^)]*\w[^)]*\)", text))


def test_every_axis_of_every_report_figure_has_its_unit(runs):
    results, series, settings = runs
    pick = results[results.scheme.isin(["per_volume", "shared_outcome"])]
    swept = pd.concat([pick.assign(**{"client.audit_rate": a}) for a in (0.05, 0.2)], ignore_index=True)
    for rep in (build_report(pick, series[series.scheme.isin(["per_volume", "shared_outcome"])], settings=None),
                build_report(swept, kpi="gaming")):
        for name, fig in rep.figures.items():
            sup = fig.get_supylabel()  # "" where the figure has none
            for ax in fig.axes:
                if not ax.get_visible() or not ax.axison:
                    continue
                if ax.get_label() == "<colorbar>":
                    assert _units(ax.get_ylabel()), (name, "colour bar")
                    continue
                assert _units(ax.get_xlabel()), (name, ax.get_xlabel())
                assert _units(ax.get_ylabel() or sup), (name, ax.get_ylabel(), sup)
        assert "response" in rep.figures or "fan_gaming" in rep.figures


def test_numbers_are_formatted_for_people_in_tables_and_markdown(runs, tmp_path):
    results, series, settings = runs
    table = md_table(pd.DataFrame({"kpi": ["a", "b"], "mean": [34000.0, -1234.5], "share": [0.047, 0.0000031],
                                   "n": [30, 1200]}))
    assert "34,000" in table and "\u22121,234" in table and "0.047" in table and "1,200" in table
    assert not SCI.search(table), table
    rep = build_report(results, series, settings=settings)
    rep.write(tmp_path / "r")
    for name in ("scorecard.md", "paired.md", "report.md"):
        text = (tmp_path / "r" / name).read_text()
        assert not SCI.search(re.sub(r"\(data:[^)]*\)|figures/\S+", "", text)), name
    text = re.sub(r"<style>.*?</style>|<[^>]+>", " ", rep.html, flags=re.S)
    assert not SCI.search(text), SCI.search(text)
    shown = wide(rep.scorecard).to_string()
    assert not SCI.search(shown) and re.search(r"\d,\d{3}", shown), shown


def test_long_combination_names_go_in_a_legend_under_the_plot_which_keeps_its_size(runs):
    import warnings

    results, _, _ = runs
    pick = results[results.scheme.isin(["per_volume", "fixed_fee"])]
    swept = pd.concat([pick.assign(**{"client.audit_rate": a, "vendor.metric_gameability": g})
                       for a in (0.05, 0.2) for g in (0.2, 0.8)], ignore_index=True)
    rep_fig = build_report(swept).figures["two_party"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # constrained layout warns when the axes collapse
        rep_fig.savefig(__import__("io").BytesIO(), format="png")
    assert rep_fig.legends and rep_fig.axes[0].get_legend() is None
    box = rep_fig.axes[0].get_position()
    assert box.width > 0.7 and box.height * rep_fig.get_figheight() > 4, "the plot keeps its size"


@pytest.mark.parametrize("groups", [2, 3, 5], ids=["key-in-spare-panel", "key-below", "two-rows"])
def test_weekly_panels_placed_without_a_layout_engine_keep_every_text_apart_and_inside(runs, groups):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    _, series, _ = runs
    names = list(SCHEMES)[:groups]
    for fig in (fan_chart(series[series.scheme.isin(names)], "trust_in_vendor", caption=False),
                quality_fan(series[series.scheme.isin(names)], caption=False)):
        assert fig.get_layout_engine() is None, "placed at fixed margins (constrained layout was a third of a chart)"
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        page = fig.bbox
        parts = [(ax.get_title() or "the key", ax.get_tightbbox(renderer)) for ax in fig.axes if ax.get_visible()]
        parts += [(t.get_text(), t.get_window_extent(renderer)) for t in fig.texts]
        parts += [("the key", legend.get_window_extent(renderer)) for legend in fig.legends]
        for text, box in parts:
            assert page.x0 - 1 <= box.x0 and box.x1 <= page.x1 + 1 and page.y0 - 1 <= box.y0 and box.y1 <= page.y1 + 1, \
                f"{text!r} is cut off"
        panels = [ax for ax in fig.axes if ax.get_visible() and ax.axison]
        frames = [ax.get_window_extent(renderer) for ax in panels]
        titles = [ax.title.get_window_extent(renderer) for ax in panels]
        labels = [ax.xaxis.label.get_window_extent(renderer) for ax in panels]
        for t in titles:
            assert not any(t.overlaps(b) for b in labels), "a panel's title runs into the x label of the row above"
            assert not any(t.overlaps(f) for f in frames), "a panel's title runs into an axes"
        text_of = {t.get_text(): t for t in fig.texts}  # the figure's title and y label, by their public texts
        sup = text_of[fig.get_suptitle()].get_window_extent(renderer)
        assert not any(sup.overlaps(t) for t in titles), "the figure's title runs into a panel's"
        ylabel = text_of[fig.get_supylabel()].get_window_extent(renderer)
        ticks = [t.get_window_extent(renderer) for ax in panels for t in ax.get_yticklabels() if t.get_text()]
        assert ticks and not any(ylabel.overlaps(t) for t in ticks), "the y label runs into the tick labels"
        for legend in fig.legends:  # the key under the grid
            key = legend.get_window_extent(renderer)
            assert not any(key.overlaps(b) for b in labels), "the key runs into an x label"


def test_tiny_and_zero_numbers_read_as_people_write_them():
    from bposim.analysis.formats import scientific, short_number

    assert scientific(0.0) == "0" and scientific(8.3e-17) == "8.3 \u00d7 10\u207b\u00b9\u2077"
    assert scientific(-1.4e-15) == "\u22121.4 \u00d7 10\u207b\u00b9\u2075" and scientific(0.25) == "0.25"
    assert scientific(1234.5) == "1,234" and scientific(2.5e12) == "2.5 \u00d7 10\u00b9\u00b2"
    assert short_number(3e-6) == "0.000003" and short_number(2e-13) != "0." and not SCI.search(short_number(2e-13))


def test_generated_pages_print_no_e_notation():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    pages = [root / "docs" / "validation.md", *sorted((root / "experiments").glob("*/README.md"))]
    for page in pages:
        text = re.sub(r"`[^`]*`", "", page.read_text(encoding="utf-8"))  # code and declared ranges stay as typed
        found = SCI.search(text)
        assert not found, f"{page.relative_to(root)}: {found.group()} (write 0 as 0, small numbers as 8.3 \u00d7 10\u207b\u00b9\u2077)"
