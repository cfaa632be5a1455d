"""Figures of a comparison or a sweep, drawn from its tidy tables.

    from bposim.analysis import figures
    fig = figures.fan_chart(timeseries, "trust_in_vendor")   # timeseries needs a `scheme` column
    fig.reading          # "By week 156, the median client's trust in vendor is highest under ..."
    fig.savefig("trust.png", bbox_inches="tight")

Every function returns a matplotlib Figure built without pyplot (no global state, works with
any backend, shows itself in a notebook) with a title, axis labels with units and a legend.
Its `reading` attribute holds a one-line reading computed from the data; the same line is
printed under the figure unless caption=False (save with bbox_inches="tight" to keep it).

Tables:
  timeseries: one row per replication and week (`replication`, `step`, metric columns, as
      SimulationResult.timeseries) plus the column that names each configuration (`by`).
  results: one row per replication (`replication`, KPI columns, as SimulationResult.summary)
      plus the column(s) naming each configuration.
Rows sharing a value of `by` are pooled: with other settings varying too, a fan shows the
spread over all of them.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..schemes import COLOURS
from .formats import group_name, number, number_format
from .labels import kpi_unit, label, parameter_label, parameter_meaning, weekly_unit
from .money import MODEL_UNIT
from .scorecard import KPIS
from .tables import group_order
from .stats import mean_ci

# One colour per scheme, declared with the scheme (Scheme.colour, Okabe-Ito for the packaged
# schemes); any other category takes the Okabe-Ito colours in turn: told apart with the common
# colour-vision deficiencies (Okabe & Ito 2008, "Color Universal Design").
SCHEME_COLORS = COLOURS
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
# Sequential maps for numbers (heatmaps, ordered groups): perceptually uniform, no red-green axis.
SEQUENTIAL = "viridis"

STYLE = {
    "figure.dpi": 100, "savefig.dpi": 110, "font.size": 10, "axes.titlesize": 11,
    "axes.labelsize": 10, "legend.fontsize": 9, "xtick.labelsize": 9, "ytick.labelsize": 9,
    "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
    "figure.titlesize": 13, "figure.titleweight": "bold",
}
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
# Lines and markers that tell groups apart without colour (in grey print, for colour-blind readers).
LINESTYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


# --- helpers ----------------------------------------------------------------------------------


def fmt(value: float) -> str:
    """A number at a precision that suits its size (1,234 / 12.3 / 0.123)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    a = abs(value)
    if a >= 1000:
        return f"{value:,.0f}"
    if a >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def colors(groups: list) -> dict:
    """One colour per group: fixed per scheme name; an ordered colour scale for numbers."""
    if groups and all(isinstance(g, (int, float, np.integer, np.floating)) for g in groups):
        from matplotlib import colormaps

        cmap = colormaps[SEQUENTIAL]
        n = len(groups)
        return {g: cmap(0.05 + 0.7 * (i / max(n - 1, 1))) for i, g in enumerate(groups)}
    if all(str(g) in SCHEME_COLORS for g in groups):
        return {g: SCHEME_COLORS[str(g)] for g in groups}
    # Labels that are not all schemes (combinations, say): Okabe-Ito in turn, so no two share a
    # colour while there are at most eight (beyond, line styles and markers tell them apart).
    return {g: OKABE_ITO[i % len(OKABE_ITO)] for i, g in enumerate(groups)}


def reading(fig: Figure) -> str:
    """The one-line reading of a figure made here."""
    return getattr(fig, "reading", "")


def _finish(fig: Figure, title: str, text: str, caption: bool) -> Figure:
    fig.suptitle(title, fontsize=STYLE["figure.titlesize"], fontweight="bold")
    fig.reading = text
    if caption and text:
        width = int(fig.get_figwidth() * 12)
        fig.text(0.01, -0.01, "\n".join(textwrap.wrap(text, width)), ha="left", va="top",
                 fontsize=10, style="italic", color="#333333")
    return fig


def _panel_grid(fig: Figure, n: int, share: bool = True):
    ncols = min(n, 3)
    nrows = math.ceil(n / ncols)
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=share, squeeze=False).ravel()
    return axes, nrows, ncols


def _use_panels(layout: str, n: int) -> bool:
    if layout not in ("auto", "overlay", "panels"):
        raise ValueError(f"layout = {layout!r}: use auto, overlay or panels")
    return layout == "panels" or (layout == "auto" and n > 1)


def _title_colour(colour) -> str:
    """A panel title in its group's colour, or black where that colour is too light to read
    on white (Okabe-Ito yellow)."""
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return "#000000" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.7 else colour


def _quantiles(ts: pd.DataFrame, by: str, metric: str) -> pd.DataFrame:
    q = ts.groupby([by, "step"], sort=True)[metric].quantile(list(QUANTILES)).unstack()
    q.columns = [f"q{int(round(c * 100)):02d}" for c in q.columns]
    return q


def _check_columns(df: pd.DataFrame, cols, what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"the {what} table has no column {', '.join(map(repr, missing))}: "
                         f"columns are {', '.join(map(str, df.columns))}")


_BAND_KEY = [Line2D([], [], color="#444444", lw=2, label="median"),
             Patch(color="#444444", alpha=0.35, label="middle 50% of replications"),
             Patch(color="#444444", alpha=0.13, label="90% of replications")]
# With several groups on one axis, translucent bands would mix into grey where they overlap:
# the 50% band is hatched in the group's colour and the 90% band outlined, so each stays its own.
_OUTLINE_KEY = [Line2D([], [], color="#444444", lw=2, label="median"),
                Patch(facecolor="none", edgecolor="#444444", hatch="////", lw=0, label="middle 50% of replications"),
                Line2D([], [], color="#444444", lw=0.9, ls=":", label="90% of replications (edges)")]
HATCHES = ("////", "\\\\", "||||", "----", "xxxx", "++++")


def _band(ax, steps, d, colour, overlay: bool, i: int) -> None:
    """A group's 50% and 90% bands: filled when alone on its axis, hatched and outlined in overlay."""
    if not overlay:
        ax.fill_between(steps, d["q05"], d["q95"], color=colour, alpha=0.13, lw=0)
        ax.fill_between(steps, d["q25"], d["q75"], color=colour, alpha=0.35, lw=0)
        return
    ax.fill_between(steps, d["q25"], d["q75"], facecolor="none", edgecolor=colour, hatch=HATCHES[i % len(HATCHES)],
                    lw=0)
    ax.plot(steps, d["q05"], color=colour, lw=0.9, ls=":")
    ax.plot(steps, d["q95"], color=colour, lw=0.9, ls=":")


# --- fan charts -------------------------------------------------------------------------------


WEEK_AXIS = "time (weeks since the start)"


def _weekly_figure(n_groups: int, panels: bool):
    """A figure for a week-by-week chart: a grid of panels, one per group (placed by
    _pin_panels once drawn on), or one axis."""
    if panels:
        fig = Figure(figsize=(12, 3.2 * math.ceil(n_groups / 3) + 0.6))
        return fig, _panel_grid(fig, n_groups)[0]
    fig = Figure(figsize=(9, 5.2), layout="constrained")
    return fig, [fig.subplots()]


def _weekly_legends(fig: Figure, axes, groups: list, by: str, col: dict, ylabel: str, key: list,
                    panels: bool) -> None:
    """Axis labels and legends of a week-by-week chart: one panel per group (the key in a spare
    panel or below), or all groups on one axis (groups and key beside it)."""
    if panels:
        for ax in axes[len(groups):]:
            ax.set_visible(False)
        fig.supylabel(ylabel, fontsize=STYLE["axes.labelsize"] + 1)
        for ax in axes[:len(groups)]:
            ax.set_xlabel(WEEK_AXIS)
            ax.tick_params(labelbottom=True)
        below = len(groups) == len(axes)
        if not below:
            spare = axes[len(groups)]
            spare.set_visible(True)
            spare.axis("off")
            spare.legend(handles=key, loc="center", frameon=False, fontsize=10)
        else:
            fig.legend(handles=key, loc="lower center", ncols=4, frameon=False)
        _pin_panels(fig, axes, below)
        return
    ax = axes[0]
    ax.set_xlabel(WEEK_AXIS)
    ax.set_ylabel(ylabel)
    handles = [Line2D([], [], color=col[g], lw=2, ls=LINESTYLES[i % len(LINESTYLES)], label=group_name(by, g))
               for i, g in enumerate(groups)]
    first = ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, title=by)
    ax.add_artist(first)
    ax.legend(handles=key, loc="lower left", bbox_to_anchor=(1.01, 0), frameon=False)


# A grid of weekly panels at fixed margins, in inches: what constrained layout found for these
# charts, at none of its cost (it was a third of each chart's drawing, #14 item 9). The one text
# whose size varies, the y tick labels, is measured.
SUPTITLE_SPACE = 0.34        # the figure's title, from the top edge
PANEL_TITLE_SPACE = 0.32     # a panel's title above its axes
X_AXIS_SPACE = 0.50          # x tick labels and the x label below a panel
LEGEND_SPACE = 0.40          # a key of one row under the grid
SUPYLABEL_SPACE = 0.45       # the shared y label at the left edge
Y_TICK_PAD = 0.12            # tick mark and padding before the y tick labels
PANEL_GAP = 0.30             # between the columns (they share the y axis: no labels between)


def _pin_panels(fig: Figure, axes, legend_below: bool) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    ticks = [t.get_window_extent(renderer).width for t in axes[0].get_yticklabels() if t.get_text()]
    w, h = fig.get_size_inches()
    rows, cols = axes[0].get_subplotspec().get_gridspec().get_geometry()
    left = SUPYLABEL_SPACE + max(ticks, default=0.0) / fig.dpi + Y_TICK_PAD
    bottom = X_AXIS_SPACE + (LEGEND_SPACE if legend_below else 0.0)
    top = SUPTITLE_SPACE + PANEL_TITLE_SPACE
    row_gap = X_AXIS_SPACE + PANEL_TITLE_SPACE
    panel_h = (h - top - bottom - (rows - 1) * row_gap) / rows
    panel_w = (w - left - 0.15 - (cols - 1) * PANEL_GAP) / cols
    fig.subplots_adjust(left=left / w, right=1 - 0.15 / w, bottom=bottom / h, top=1 - top / h,
                        hspace=row_gap / panel_h, wspace=PANEL_GAP / panel_w)
    fig.supylabel(fig.get_supylabel(), x=0.12 / w, y=(bottom + (h - top - bottom) / 2) / h,
                  fontsize=STYLE["axes.labelsize"] + 1)


def fan_chart(timeseries: pd.DataFrame, metric: str, by: str = "scheme", order=None,
              layout: str = "auto", title: str | None = None, caption: bool = True) -> Figure:
    """The weekly `metric` per value of `by`: median over replications with 50% and 90% bands.

    layout: overlay (all groups on one axis: bands hatched and outlined, medians in line styles
    of their own), panels (one small panel per group, the other groups' medians in grey behind),
    or auto (panels for more than one group, so bands never overlap).
    """
    _check_columns(timeseries, [by, "step", metric], "timeseries")
    groups = group_order(timeseries[by], order)
    col = colors(groups)
    q = _quantiles(timeseries, by, metric)
    name, unit = label(metric), weekly_unit(metric)
    ylabel = f"{name} ({unit})" if unit else name
    said = label(metric)
    panels = _use_panels(layout, len(groups))
    with rc_context(STYLE):
        fig, axes = _weekly_figure(len(groups), panels)
        for i, g in enumerate(groups):
            ax = axes[i] if panels else axes[0]
            d = q.loc[g]
            steps = d.index.to_numpy()
            if panels:
                for h in groups:
                    if h != g:
                        ax.plot(q.loc[h].index, q.loc[h]["q50"], color="#9a9a9a", lw=0.9, alpha=0.8)
            overlay = not panels and len(groups) > 1
            _band(ax, steps, d, col[g], overlay, i)
            ax.plot(steps, d["q50"], color=col[g], lw=2, ls=LINESTYLES[i % len(LINESTYLES)] if overlay else "-",
                    label=group_name(by, g))
            if panels:
                ax.set_title(group_name(by, g), color=_title_colour(col[g]), fontweight="bold")
        key = (_BAND_KEY + [Line2D([], [], color="#9a9a9a", lw=0.9, label="other groups' medians")] if panels
               else _OUTLINE_KEY if len(groups) > 1 else _BAND_KEY)
        _weekly_legends(fig, axes, groups, by, col, ylabel, key, panels)
    last = int(q.index.get_level_values("step").max())
    final = {g: float(q.loc[(g, last), "q50"]) for g in groups}
    if len(groups) > 1:
        hi = max(final, key=final.get)
        lo = min(final, key=final.get)
        text = (f"By week {last}, the median {said} is highest under {group_name(by, hi)} "
                f"({fmt(final[hi])}) and lowest under {group_name(by, lo)} ({fmt(final[lo])}).")
    else:
        g = groups[0]
        d = q.loc[g]
        text = (f"The median {said} goes from {fmt(float(d['q50'].iloc[0]))} in week {int(d.index[0])} to "
                f"{fmt(final[g])} in week {last}; 90% of replications end between "
                f"{fmt(float(d['q05'].iloc[-1]))} and {fmt(float(d['q95'].iloc[-1]))}.")
    return _finish(fig, title or f"{name[:1].upper()}{name[1:]}, week by week", text, caption)


def quality_fan(timeseries: pd.DataFrame, by: str = "scheme", order=None, layout: str = "auto",
                title: str | None = None, caption: bool = True) -> Figure:
    """True quality (solid, with its 50% band) against measured quality (dashed), per `by` value:
    where the dashed line runs above the solid one, the metric overstates the work."""
    _check_columns(timeseries, [by, "step", "true_quality", "measured_quality"], "timeseries")
    groups = group_order(timeseries[by], order)
    col = colors(groups)
    qt = _quantiles(timeseries, by, "true_quality")
    qm = _quantiles(timeseries, by, "measured_quality")
    gap_col = "quality_gap" if "quality_gap" in timeseries.columns else None
    ts = timeseries if gap_col else timeseries.assign(
        quality_gap=timeseries["measured_quality"] - timeseries["true_quality"])
    panels = _use_panels(layout, len(groups))
    ylabel = "quality (points [0, 1])"
    with rc_context(STYLE):
        fig, axes = _weekly_figure(len(groups), panels)
        for i, g in enumerate(groups):
            ax = axes[i] if panels else axes[0]
            t, m = qt.loc[g], qm.loc[g]
            steps = t.index.to_numpy()
            overlay = not panels and len(groups) > 1
            if overlay:  # hatched, so that overlapping bands keep their colours
                ax.fill_between(steps, t["q25"], t["q75"], facecolor="none", edgecolor=col[g],
                                hatch=HATCHES[i % len(HATCHES)], lw=0)
            else:
                ax.fill_between(steps, t["q25"], t["q75"], color=col[g], alpha=0.25, lw=0)
            ax.plot(steps, t["q50"], color=col[g], lw=2, ls="-", marker=MARKERS[i % len(MARKERS)] if overlay else None,
                    markevery=max(len(steps) // 8, 1))
            ax.plot(steps, m["q50"], color=col[g], lw=2, ls="--")
            if panels:
                ax.fill_between(steps, t["q50"], m["q50"], facecolor="none", edgecolor="#777777", lw=0, hatch="..")
                ax.set_title(group_name(by, g), color=_title_colour(col[g]), fontweight="bold")
        band = (Patch(facecolor="none", edgecolor="#444444", hatch="////", lw=0, label="true quality, middle 50%")
                if not panels and len(groups) > 1 else Patch(color="#444444", alpha=0.25, label="true quality, middle 50%"))
        key = [Line2D([], [], color="#444444", lw=2, ls="-", label="true quality (median)"), band,
               Line2D([], [], color="#444444", lw=2, ls="--", label="measured quality (median)")]
        if panels:
            key.append(Patch(facecolor="none", edgecolor="#777777", hatch="..", label="gap: what the score overstates"))
        _weekly_legends(fig, axes, groups, by, col, ylabel, key, panels)
    last = int(qt.index.get_level_values("step").max())
    gap = ts.groupby(by)["quality_gap"].mean().to_dict()  # over weeks and replications
    if len(groups) > 1:
        hi = max(gap, key=gap.get)
        lo = min(gap, key=gap.get)
        text = (f"Averaged over the {last} weeks, the measured score runs {fmt(gap[hi])} points above true "
                f"quality under {group_name(by, hi)}, the most, and {fmt(gap[lo])} under "
                f"{group_name(by, lo)}, the least.")
    else:
        g = groups[0]
        text = (f"Averaged over the {last} weeks, the measured score runs {fmt(gap[g])} points above true "
                f"quality; in week {last} the medians are {fmt(float(qm.loc[(g, last), 'q50']))} measured "
                f"and {fmt(float(qt.loc[(g, last), 'q50']))} true.")
    return _finish(fig, title or "True quality against measured quality, week by week", text, caption)


# --- the two-party view -----------------------------------------------------------------------


def two_party(results: pd.DataFrame, by: str = "scheme", order=None, title: str | None = None,
              caption: bool = True, money=None) -> Figure:
    """Client net value against vendor margin: one dot per replication, a cross per `by` value
    at the means with their 95% confidence intervals. Who gets the surplus. money: the report's
    currency and scale (bposim.analysis.money.Money; default: model units, MU)."""
    scale, cur = (money.scale, money.currency) if money is not None else (1.0, "MU")
    _check_columns(results, [by, "client_net_value", "vendor_margin"], "results")
    groups = group_order(results[by], order)
    col = colors(groups)
    weeks = int(results["weeks"].iloc[0]) if "weeks" in results.columns else None
    means = {}
    with rc_context(STYLE):
        fig = Figure(figsize=(9, 6.2), layout="constrained")
        ax = fig.subplots()
        for i, g in enumerate(groups):
            d = results[results[by] == g]
            x, y = d["vendor_margin"].to_numpy(float) * scale, d["client_net_value"].to_numpy(float) * scale
            # Hollow markers of a shape per group: overlapping dots keep their colours (no blending).
            ax.scatter(x, y, s=18, facecolors="none", edgecolors=col[g], marker=MARKERS[i % len(MARKERS)], lw=0.8)
            mx, xlo, xhi, _ = mean_ci(x)
            my, ylo, yhi, _ = mean_ci(y)
            means[g] = (mx, my)
            xerr = [[mx - xlo], [xhi - mx]] if not math.isnan(xlo) else None
            yerr = [[my - ylo], [yhi - my]] if not math.isnan(ylo) else None
            ax.errorbar([mx], [my], xerr=xerr, yerr=yerr, color=col[g], lw=2.2, capsize=5, capthick=2,
                        marker=MARKERS[i % len(MARKERS)], ms=8, mec="white", mew=1.2, label=group_name(by, g), zorder=5)
        xlim, ylim = ax.get_xlim(), ax.get_ylim()
        if xlim[0] < 0 < xlim[1]:
            ax.axvline(0, color="#777777", lw=0.8)
        if ylim[0] < 0 < ylim[1]:
            ax.axhline(0, color="#777777", lw=0.8)
        _thousands(ax.xaxis)
        _thousands(ax.yaxis)
        if max(len(group_name(by, g)) for g in groups) <= LONG_LABEL:  # long names: the legend alone
            _place_labels(fig, ax, {group_name(by, g): (means[g], col[g]) for g in groups})
        over = f"total over {weeks} weeks" if weeks else "total over the run"
        ax.set_xlabel(f"vendor margin: what the vendor keeps ({cur}, {over})")
        ax.set_ylabel(f"client net value: what the client keeps ({cur}, {over})")
        handles = [Line2D([], [], color=col[g], marker=MARKERS[i % len(MARKERS)], lw=2, label=group_name(by, g))
                   for i, g in enumerate(groups)]
        handles += [Line2D([], [], color="#777777", marker="o", lw=0, ms=4, mfc="none", label="one replication"),
                    Line2D([], [], color="#444444", marker="o", lw=2, label="mean, bars: 95% CI")]
        _legend(fig, ax, handles)
    client_best = max(means, key=lambda g: means[g][1])
    vendor_best = max(means, key=lambda g: means[g][0])
    joint_best = max(means, key=lambda g: means[g][0] + means[g][1])
    if len(groups) > 1:
        text = (f"The client keeps the most under {group_name(by, client_best)} "
                f"({fmt(means[client_best][1])} {cur}), the vendor under {group_name(by, vendor_best)} "
                f"({fmt(means[vendor_best][0])} {cur}); together they keep the most under "
                f"{group_name(by, joint_best)} ({fmt(sum(means[joint_best]))} {cur}).")
    else:
        g = groups[0]
        text = (f"The client keeps {fmt(means[g][1])} {cur} and the vendor {fmt(means[g][0])} {cur} on average "
                f"over the run.")
    return _finish(fig, title or "Who gets the surplus: client net value against vendor margin", text, caption)


LONG_LABEL = 28  # characters: longer group names (combinations) go in a legend under the plot


def _legend(fig: Figure, ax, handles: list, title: str | None = None) -> None:
    """The legend beside the axis, or under the figure when the names are long (a combination of
    several settings), so that the plot keeps its width."""
    if max((len(h.get_label()) for h in handles), default=0) > LONG_LABEL:
        wide = max(len(h.get_label()) for h in handles) > 2 * LONG_LABEL
        rows = len(handles) if wide else math.ceil(len(handles) / 2)
        w, h = fig.get_size_inches()
        fig.set_size_inches(w, h + 0.22 * rows)  # room for the legend, the plot keeps its height
        fig.legend(handles=handles, loc="outside lower center", ncols=1 if wide else 2, frameon=False, title=title)
    else:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, title=title)


def _thousands(axis) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 1000 else f"{v:g}"))


_OFFSETS = ((8, 7, "left", "bottom"), (8, -7, "left", "top"), (-8, 7, "right", "bottom"),
            (-8, -7, "right", "top"), (0, 16, "center", "bottom"), (0, -16, "center", "top"),
            (14, 0, "left", "center"), (-14, 0, "right", "center"), (8, 24, "left", "bottom"),
            (8, -24, "left", "top"), (-8, 24, "right", "bottom"), (-8, -24, "right", "top"))


def _place_labels(fig: Figure, ax, points: dict) -> None:
    """Name each mean next to its marker, choosing for each the first nearby spot that overlaps
    neither an earlier label nor another mean."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = (fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)).get_renderer()
    if fig.get_layout_engine() is not None:
        fig.get_layout_engine().execute(fig)  # the axes where they are drawn; no whole drawing needed
    markers = [ax.transData.transform(xy) for xy, _ in points.values()]
    taken = []

    def label_at(text, xy, color, offset):
        dx, dy, ha, va = offset
        ann = ax.annotate(text, xy, xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                          color=color, fontweight="bold", fontsize=10, zorder=6)
        ann.set_in_layout(False)  # a long name near the edge must not squeeze the plot away
        return ann

    for text, (xy, color) in points.items():
        chosen = None
        for offset in _OFFSETS:
            ann = label_at(text, xy, _title_colour(color), offset)
            box = ann.get_window_extent(renderer).expanded(1.05, 1.15)
            clash = any(box.overlaps(t) for t in taken) or any(
                box.contains(*m) for m in markers if not np.allclose(m, ax.transData.transform(xy)))
            if not clash:
                chosen = ann
                break
            ann.remove()
        if chosen is None:  # every place clashes: the first, on its white box
            chosen = label_at(text, xy, color, _OFFSETS[0])
        chosen.set_bbox({"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75})
        taken.append(chosen.get_window_extent(renderer).expanded(1.05, 1.15))


# --- phase diagram ----------------------------------------------------------------------------


def _in_money(results: pd.DataFrame, kpi: str, unit: str, money) -> tuple[pd.DataFrame, str]:
    """The results with a money KPI in the report's currency and scale, and its unit so named
    (other KPIs, or no money given: as they are, in model units)."""
    if money is None or not unit.startswith(MODEL_UNIT):
        return results, unit
    out = results.copy()
    out[kpi] = out[kpi] * money.scale
    return out, money.currency + unit[len(MODEL_UNIT):]


def heatmap(results: pd.DataFrame, x: str, y: str, kpi: str = "client_net_value", facet: str | None = None,
            title: str | None = None, caption: bool = True, order=None, money=None) -> Figure:
    """Mean `kpi` over a grid of two numeric swept parameters (a phase diagram), one panel per
    value of `facet` when given. Viridis, brighter where better (when the KPI has a better direction).
    money: the report's currency and scale for a KPI in money (bposim.analysis.money.Money)."""
    cols = [x, y, kpi] + ([facet] if facet else [])
    _check_columns(results, cols, "results")
    weeks = int(results["weeks"].iloc[0]) if "weeks" in results.columns else None
    results, unit = _in_money(results, kpi, kpi_unit(kpi, weeks), money)
    facets = group_order(results[facet], order) if facet else [None]
    xs = sorted(pd.unique(results[x]))
    ys = sorted(pd.unique(results[y]))
    grids = {}
    for f in facets:
        d = results if f is None else results[results[facet] == f]
        grids[f] = d.groupby([y, x])[kpi].mean().unstack(x).reindex(index=ys, columns=xs)
    values = np.concatenate([g.to_numpy(float).ravel() for g in grids.values()])
    vmin, vmax = np.nanmin(values), np.nanmax(values)
    higher_better = KPIS.get(kpi)
    # Viridis (no red-green axis), reversed where less is better so that bright is always better.
    cmap = SEQUENTIAL + ("_r" if higher_better is False else "")
    name = label(kpi)
    n = len(facets)
    with rc_context(STYLE):
        fig = Figure(figsize=(min(5.2 * n, 15) + 1.2, 5.2), layout="constrained")
        axes = fig.subplots(1, n, sharey=True, squeeze=False).ravel()
        for ax, f in zip(axes, facets):
            grid = grids[f].to_numpy(float)
            mesh = ax.imshow(grid, origin="lower", cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
            ax.grid(False)
            ax.set_xticks(range(len(xs)), [f"{v:g}" for v in xs])
            ax.set_yticks(range(len(ys)), [f"{v:g}" for v in ys])
            span = (vmax - vmin) or 1.0
            spec = number_format(values)
            for i in range(len(ys)):
                for j in range(len(xs)):
                    v = grid[i, j]
                    if math.isnan(v):
                        continue
                    r, gr, b, _ = mesh.cmap((v - vmin) / span)
                    dark = 0.2126 * r + 0.7152 * gr + 0.0722 * b < 0.45
                    ax.text(j, i, number(v, spec), ha="center", va="center", fontsize=10,
                            color="white" if dark else "black")
            ax.set_xlabel(_param_axis(x))
            if f is not None:
                ax.set_title(group_name(facet, f), fontweight="bold")
        axes[0].set_ylabel(_param_axis(y))
        bar = fig.colorbar(mesh, ax=list(axes), shrink=0.9)
        bar.set_label(f"mean {name} ({unit})")
        _thousands(bar.ax.yaxis)
    best_fn = (max if higher_better is not False else min)
    cells = [(f, yv, xv, float(grids[f].loc[yv, xv])) for f in facets for yv in ys for xv in xs
             if not math.isnan(grids[f].loc[yv, xv])]
    best = best_fn(cells, key=lambda c: c[3])
    worst = (min if best_fn is max else max)(cells, key=lambda c: c[3])

    def where(c):
        place = f"{x} = {c[2]:g}, {y} = {c[1]:g}"
        return place + (f", {group_name(facet, c[0])}" if facet else "")

    word = "best" if higher_better is not None else "highest"
    other = "worst" if higher_better is not None else "lowest"
    text = f"Mean {name} is {word} at {where(best)} ({fmt(best[3])}) and {other} at {where(worst)} ({fmt(worst[3])})."
    return _finish(fig, title or f"Mean {name} across {x} and {y}", text, caption)


# --- one swept setting ---------------------------------------------------------------------------


def response(results: pd.DataFrame, x: str, kpi: str = "client_net_value", by: str | None = None, order=None,
             title: str | None = None, caption: bool = True, money=None) -> Figure:
    """Mean `kpi` with its 95% CI at each value of one numeric swept setting `x`, one line per
    value of `by` (a scheme, say) when given: how the KPI responds to the setting. money: as in
    `heatmap`."""
    _check_columns(results, [x, kpi] + ([by] if by else []), "results")
    weeks = int(results["weeks"].iloc[0]) if "weeks" in results.columns else None
    results, unit = _in_money(results, kpi, kpi_unit(kpi, weeks), money)
    groups = group_order(results[by], order) if by else [None]
    col = colors(groups) if by else {None: "#000000"}
    xs = sorted(pd.unique(results[x]))
    name = label(kpi)
    means: dict = {}
    with rc_context(STYLE):
        fig = Figure(figsize=(9, 5.2), layout="constrained")
        ax = fig.subplots()
        for i, g in enumerate(groups):
            d = results if g is None else results[results[by] == g]
            stats = [mean_ci(d.loc[d[x] == v, kpi].to_numpy(float)) for v in xs]
            m = np.array([s[0] for s in stats])
            lo = np.array([s[1] for s in stats])
            hi = np.array([s[2] for s in stats])
            err = None if np.isnan(lo).all() else [m - lo, hi - m]
            ax.errorbar(xs, m, yerr=err, color=col[g], lw=2, capsize=4, marker=MARKERS[i % len(MARKERS)],
                        ms=7, ls=LINESTYLES[i % len(LINESTYLES)], label=None if g is None else group_name(by, g))
            means[g] = dict(zip(xs, m))
        ax.set_xticks(xs, [f"{v:g}" for v in xs])
        ax.set_xlabel(_param_axis(x))
        ax.set_ylabel(f"mean {name} ({unit})")
        _thousands(ax.yaxis)
        if by:
            _legend(fig, ax, ax.get_legend_handles_labels()[0], title=by)
    best_fn = max if KPIS.get(kpi, True) else min
    cells = [(g, v, means[g][v]) for g in groups for v in xs if not math.isnan(means[g][v])]
    top = best_fn(cells, key=lambda c: c[2])
    where = f"{x} = {top[1]:g}" + (f" under {group_name(by, top[0])}" if by else "")
    word = "highest" if best_fn is max else "lowest"
    text = f"Mean {name} is {word} at {where} ({fmt(top[2])})."
    return _finish(fig, title or f"Mean {name} against {x}", text, caption)


def _param_axis(name: str) -> str:
    meaning = parameter_meaning(name)
    text = parameter_label(name)
    if meaning:
        text += "\n" + "\n".join(textwrap.wrap(meaning, 55))
    return text
