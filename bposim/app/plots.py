"""A contract's pane as HTML the browser draws: big-number monitors, five charts and the network.

The charts are SVG lines stretched over their panel (`preserveAspectRatio="none"` with
non-scaling strokes) under plain HTML text: titles, legends, tick labels and axis titles are
CSS text, so they keep their size in pixels (page.CSS sets 14 px or more) whatever the
projector or phone shrinks the panel to. The server only formats strings each week (no
matplotlib raster per session and step), and the page needs nothing from the internet.
"""

from __future__ import annotations

from html import escape

import numpy as np
from matplotlib.colors import to_hex

from ..metrics import ALL
from .palette import GAMING_COLOUR, LINE_COLOURS, SHOCK_SHADE, SWITCH_COLOUR, TRUST_COLOURS

RECENT_SWITCH = 13  # weeks a switch stays marked in the network view
SHOCK_WEEKS = (52, 60)  # the pressure shock's weeks (53-60), shaded when the shock is on

# (axes title, [(metric, legend label, dashed)], y-limits or None to follow the data, y-axis title)
PANELS = (
    ("Trust both ways", [("trust_in_vendor", "client's trust", False),
                         ("trust_in_client", "vendor's trust", True)], (0.0, 1.0), "index 0-1"),
    ("Quality: true vs measured", [("true_quality", "true (audits see it)", False),
                                   ("measured_quality", "measured (score)", True)], (0.0, 1.0), "quality 0-1"),
    ("Corner-cutting", [("gaming", "share of work gamed", False)], (0.0, 1.0), "share 0-1"),
    ("Escalations and breaks", [("escalations", "escalations", False),
                                ("breaks_missed", "breaks client found", True)], None, "per week, 4-wk avg"),
    ("Client value vs vendor margin", [("client_net_value", "client net value", False),
                                       ("vendor_margin", "vendor margin", True)], None, "MU/week, 4-wk avg"),
)
SMOOTHING = 4  # weeks in the moving average of the panels whose values jump week to week
SMOOTHED = {"escalations", "breaks_missed", "client_net_value", "vendor_margin"}
Y_SCALE = 1000  # SVG user units of a panel's height

# Big-number monitors: short labels (a monitor is about 130 px wide).
MONITOR_LABELS = {m.name: m.tile for m in ALL}  # captions declared with each Metric
FREE_PLAY_MONITORS = ("trust_in_vendor", "true_quality", "gaming", "escalations", "client_net_value")
FLOWS = {m.name for m in ALL if m.total}


def smooth(values: np.ndarray) -> np.ndarray:
    """Trailing moving average over SMOOTHING weeks (counts, and a switch's one-off cost)."""
    if len(values) == 0:
        return values
    c = np.cumsum(np.insert(values, 0, 0.0))
    k = np.minimum(np.arange(1, len(values) + 1), SMOOTHING)
    return (c[1:] - c[np.arange(1, len(values) + 1) - k]) / k


# The colour map's own 256 colours as hex, looked up as the map looks them up (a float x in
# [0, 1] picks entry int(x * N), 1.0 the last): a matplotlib call per node and edge was a third
# of a pane's formatting time.
_TRUST_HEX = tuple(to_hex(TRUST_COLOURS(k)) for k in range(TRUST_COLOURS.N))


def colour(value: float) -> str:
    """Trust on the network's colour key (viridis: dark purple low, yellow-green high)."""
    return _TRUST_HEX[min(int(float(np.clip(value, 0.0, 1.0)) * TRUST_COLOURS.N), TRUST_COLOURS.N - 1)]


def number(value: float) -> str:
    """A tick or monitor value in at most four characters or so: 0.42, 12, 1.5k."""
    if abs(value) >= 10_000:
        return f"{value / 1000:,.0f}k"
    if abs(value) >= 1000:
        return f"{value / 1000:.1f}k"
    if abs(value) >= 10 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.2f}"


def tick_label(value: float) -> str:
    """An axis tick: 0, 0.5, 1, 2.5, 500, 1.5k."""
    return number(value) if abs(value) >= 10 else f"{value:g}"


def monitor_value(metric: str, values: np.ndarray) -> tuple[str, str]:
    """(the number, what it is): this week's value of a rate, the weekly mean so far of a flow."""
    if len(values) == 0:
        return "–", "per week" if metric in FLOWS else "now"
    if metric in FLOWS:
        return number(float(values.mean())), "per week"
    return number(float(values[-1])), "now"


def monitors_html(series: dict[str, np.ndarray], metrics: tuple[str, ...]) -> str:
    boxes = []
    for metric in metrics:
        value, what = monitor_value(metric, series[metric])
        boxes.append(f'<div class="bp-monitor" data-metric="{metric}"><span class="bp-mlabel">'
                     f'{escape(MONITOR_LABELS.get(metric, metric.replace("_", " ")))}</span>'
                     f'<span class="bp-mvalue">{value}</span><span class="bp-mwhat">{what}</span></div>')
    return f'<div class="bp-monitors">{"".join(boxes)}</div>'


def _y(values: np.ndarray, low: float, high: float) -> np.ndarray:
    return np.round(Y_SCALE * (1.0 - (np.clip(values, low, high) - low) / (high - low))).astype(int)


def ticks(low: float, high: float) -> list[float]:
    """Tick values of a y-axis: its ends, its middle, and zero when it runs below zero."""
    values = {low, high, (low + high) / 2}
    if low < 0 < high:
        values = {low, 0.0, high}
    return sorted(values)


def axis_title(text: str) -> str:
    """A y-axis title whose parts ("per week", "4-wk avg") wrap as wholes where the chart is short."""
    parts = text.split(", ")
    return " ".join(f"<span>{escape(part)}{',' if k < len(parts) - 1 else ''}</span>" for k, part in enumerate(parts))


def chart_html(title: str, lines: list[tuple[str, str, bool, np.ndarray]], ylim: tuple[float, float],
               ytitle: str, weeks: int, shock: bool) -> str:
    """One panel: title, legend, y ticks and title, the lines, the week axis."""
    low, high = ylim
    legend = "".join(f'<span class="bp-key"><i class="bp-swatch{" bp-dashed" if dashed else ""}" '
                     f'style="border-color:{LINE_COLOURS[k]}"></i>{escape(label)}</span>'
                     for k, (_, label, dashed, _) in enumerate(lines))
    svg = [f'<svg class="bp-svg" viewBox="0 0 {weeks} {Y_SCALE}" preserveAspectRatio="none" aria-hidden="true">']
    if shock:
        svg.append(f'<rect x="{SHOCK_WEEKS[0]}" y="0" width="{SHOCK_WEEKS[1] - SHOCK_WEEKS[0]}" '
                   f'height="{Y_SCALE}" fill="{SHOCK_SHADE}"/>')
    for tick in ticks(low, high):
        y = int(_y(np.array([tick]), low, high)[0])
        svg.append(f'<line x1="0" x2="{weeks}" y1="{y}" y2="{y}" class="bp-grid{" bp-zero" if tick == 0 else ""}"/>')
    for k, (_, _, dashed, values) in enumerate(lines):
        if len(values):
            # Python ints (tolist), not numpy scalars: formatting those was most of a chart's time.
            points = " ".join([f"{x},{y}" for x, y in zip(range(1, len(values) + 1), _y(values, low, high).tolist())])
            svg.append(f'<polyline points="{points}" stroke="{LINE_COLOURS[k]}" class="bp-line'
                       f'{" bp-dashed" if dashed else ""}"/>')
    svg.append("</svg>")
    yticks = "".join(f'<span style="bottom:{100 * (t - low) / (high - low):.1f}%">{tick_label(t)}</span>'
                     for t in ticks(low, high))
    xticks = "".join(f'<span style="left:{100 * w / weeks:.1f}%">{w}</span>' for w in range(0, weeks + 1, 52))
    return (f'<div class="bp-panel"><div class="bp-ptitle">{escape(title)}</div>'
            f'<div class="bp-legend">{legend}</div>'
            f'<div class="bp-plot"><div class="bp-ytitle">{axis_title(ytitle)}</div>'
            f'<div class="bp-yticks">{yticks}</div><div class="bp-area">{"".join(svg)}</div>'
            f'<div class="bp-xticks">{xticks}</div><div class="bp-xtitle">week</div></div></div>')


def network_html(net: dict[str, np.ndarray]) -> str:
    """Who serves whom: edges coloured by the client's trust, nodes by their trust, with a key."""
    n_clients, n_vendors = len(net["client_trust"]), len(net["vendor_trust"])
    client_y = 100 * (np.arange(n_clients) + 0.5) / n_clients
    spread = (n_clients - 1) / max(n_vendors - 1, 1)
    vendor_rows = (np.arange(n_vendors) * spread if n_vendors > 1 else np.array([(n_clients - 1) / 2]))
    vendor_y = 100 * (vendor_rows + 0.5) / n_clients
    cx, vx = 32.0, 70.0
    svg = ['<svg class="bp-svg" viewBox="0 0 100 100" preserveAspectRatio="none" aria-hidden="true">']
    marks = []
    for r, (c, v) in enumerate(zip(net["client_of"], net["vendor_id"])):
        if v >= n_vendors:  # the client does the work itself: no edge to a vendor
            continue
        y1, y2 = client_y[c], vendor_y[v]
        width = 1.5 + 6.0 * float(net["volume_share"][r])
        svg.append(f'<line x1="{cx}" y1="{y1:.1f}" x2="{vx}" y2="{y2:.1f}" stroke="{colour(net["trust_in_vendor"][r])}" '
                   f'stroke-width="{width:.1f}" class="bp-edge"/>')
        gaming = float(np.clip(net["gaming"][r], 0, 1))
        if gaming > 0.02:
            size = 14 + 20 * gaming ** 0.75  # a marker, but text: never under 14 px
            marks.append(f'<span class="bp-gmark" style="left:{(cx + vx) / 2:.1f}%;top:{(y1 + y2) / 2:.1f}%;'
                         f'font-size:{size:.0f}px">✕</span>')
    svg.append("</svg>")
    nodes = []
    for c in range(n_clients):
        d = 12 + 16 * float(net["client_size"][c])
        ring = " bp-ring" if c in set(net["recent_switch"].tolist()) else ""
        nodes.append(f'<span class="bp-node{ring}" style="left:{cx}%;top:{client_y[c]:.1f}%;width:{d:.0f}px;'
                     f'height:{d:.0f}px;background:{colour(net["client_trust"][c])}"></span>'
                     f'<span class="bp-nlabel bp-left" style="right:{100 - cx + 5:.0f}%;top:{client_y[c]:.1f}%">'
                     f'client {c}</span>')
    for v in range(n_vendors):
        nodes.append(f'<span class="bp-node bp-vendor" style="left:{vx}%;top:{vendor_y[v]:.1f}%;'
                     f'background:{colour(net["vendor_trust"][v])}"></span>'
                     f'<span class="bp-nlabel" style="left:{vx + 6:.0f}%;top:{vendor_y[v]:.1f}%">vendor {v}</span>')
    key = ('<div class="bp-netkey"><span class="bp-key">trust: low <i class="bp-gradient"></i> high</span>'
           f'<span class="bp-key"><b style="color:{GAMING_COLOUR}">✕</b> corners cut</span>'
           f'<span class="bp-key"><b style="color:{SWITCH_COLOUR}">◯</b> switched</span></div>')
    return (f'<div class="bp-panel bp-network"><div class="bp-ptitle">Relationships (colour: trust)</div>'
            f'<div class="bp-net">{"".join(svg)}{"".join(nodes)}{"".join(marks)}</div>{key}</div>')


def pane_html(title: str, series: dict[str, np.ndarray], network: dict[str, np.ndarray],
              limits: dict[str, tuple[float, float]], weeks: int, monitors: tuple[str, ...],
              shock: bool = False, pane: str = "A") -> str:
    """A contract's pane: its title, its monitors, five charts and the network."""
    charts = []
    for panel_title, panel_series, ylim, ytitle in PANELS:
        lines = [(metric, label, dashed, smooth(series[metric]) if metric in SMOOTHED else series[metric])
                 for metric, label, dashed in panel_series]
        charts.append(chart_html(panel_title, lines, ylim or limits[panel_series[0][0]], ytitle, weeks, shock))
    charts.append(network_html(network))
    return (f'<section class="bp-pane" data-pane="{pane}"><div class="bp-pane-head">'
            f'<span class="bp-pane-title">Contract {escape(title)}</span>{monitors_html(series, monitors)}</div>'
            f'<div class="bp-panels">{"".join(charts)}</div></section>')


def shared_limits(all_series: list[dict[str, np.ndarray]],
                  start: dict[str, tuple[float, float]] | None = None) -> dict[str, tuple[float, float]]:
    """Y-limits of the data-scaled panels, common to every pane so A and B read on one scale.

    start: a range each panel shows at least (by its first metric), from the market's scale:
    without it the axes would rescale in most of the first weeks, and the lines jump about."""
    limits = {}
    for _, series, ylim, _ in PANELS:
        if ylim is not None:
            continue
        key = series[0][0]
        values = [smooth(s[m]) if m in SMOOTHED else s[m] for s in all_series for m, _, _ in series]
        values = np.concatenate([*values, np.asarray((start or {}).get(key, (0.0, 0.0)), dtype=float)])
        low, high = float(values.min()), float(values.max())
        limits[key] = (-nice_ceiling(-low) if low < 0 else 0.0, nice_ceiling(high))
    return limits


def nice_ceiling(value: float) -> float:
    """A round value at least 1.25 x `value` on a 1-2-5-10 ladder (at least 1).

    Limits move in coarse steps with headroom, so an axis rescales a few times in the first
    weeks and rarely after, and its ticks are round numbers."""
    target = max(value * 1.25, 1.0)
    exponent = 10.0 ** np.floor(np.log10(target))
    for step in (1.0, 2.0, 5.0, 10.0):
        if step * exponent >= target:
            return float(step * exponent)
    return float(10.0 * exponent)
