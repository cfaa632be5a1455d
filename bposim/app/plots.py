"""The figure of one contract's pane: five live plots and the relationships' network.

A pane's figure is built once per browser session and redrawn by blitting: axes, ticks, titles
and legends are drawn once into a background (a data-scaled panel is repainted into it alone
when its y-limit moves to the next step of a coarse ladder), and each week only the lines and
the network's markers are drawn over it. A full matplotlib draw of six panels costs ~0.25 s on this kind of
machine, the blitted frame a fraction of that, and a workshop server draws every session's
panes on every step (benchmarks/bench_dashboard.py measures it).
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.transforms import Bbox
from PIL import Image

TRUST_COLOURS = colormaps["RdYlGn"]
GAMING_COLOUR = "#c0392b"
SWITCH_COLOUR = "#e67e22"
RECENT_SWITCH = 13  # weeks a switch stays marked in the network view

# (axes title, [(metric, label, style)], y-limits or None to follow the data)
PANELS = (
    ("Trust both ways", [("trust_in_vendor", "client trusts vendor", "-"),
                         ("trust_in_client", "vendor trusts client", "--")], (0.0, 1.0)),
    ("Quality: true vs measured", [("true_quality", "true (audits see it)", "-"),
                                   ("measured_quality", "measured (the score)", "--")], (0.0, 1.0)),
    ("Corner-cutting (gaming)", [("gaming", "share of work gamed", "-")], (0.0, 1.0)),
    ("Escalations and breaks (4-wk avg)", [("escalations", "escalations / week", "-"),
                                ("breaks_missed", "breaks the client found", "--")], None),
    ("Client value vs vendor margin (4-wk avg)", [("client_net_value", "client net value", "-"),
                                           ("vendor_margin", "vendor margin", "--")], None),
)
SMOOTHING = 4  # weeks in the moving average of the panels whose values jump week to week
SMOOTHED = {"escalations", "breaks_missed", "client_net_value", "vendor_margin"}


def smooth(values: np.ndarray) -> np.ndarray:
    """Trailing moving average over SMOOTHING weeks (counts, and a switch's one-off cost)."""
    if len(values) == 0:
        return values
    c = np.cumsum(np.insert(values, 0, 0.0))
    k = np.minimum(np.arange(1, len(values) + 1), SMOOTHING)
    return (c[1:] - c[np.arange(1, len(values) + 1) - k]) / k


class PaneFigure:
    """One contract's figure: built once, updated each week, encoded as PNG."""

    def __init__(self, weeks: int, n_clients: int, n_vendors: int, wide: bool = True):
        """wide: two rows of three panels (a pane alone); else three rows of two (A/B side by side)."""
        self.weeks = weeks
        if wide:
            self.figure = Figure(figsize=(9.6, 5.6), dpi=72)
            self.figure.subplots_adjust(left=0.06, right=0.985, bottom=0.07, top=0.93, wspace=0.28, hspace=0.42)
            axes = self.figure.subplots(2, 3)
        else:
            self.figure = Figure(figsize=(6.6, 8.0), dpi=72)
            self.figure.subplots_adjust(left=0.09, right=0.98, bottom=0.05, top=0.96, wspace=0.3, hspace=0.38)
            axes = self.figure.subplots(3, 2)
        self.lines: dict[str, Line2D] = {}
        # Drawn over the data every frame, as a full draw would: spines, legends, labels.
        self.overlay: list = []
        self.data_axes = []
        for ax, (title, series, ylim) in zip(axes.flat, PANELS):
            ax.set_title(title, fontsize=10)
            ax.set_xlim(0, weeks)
            ax.tick_params(labelsize=8)
            ax.grid(alpha=0.3)
            if ylim:
                ax.set_ylim(*ylim)
            for metric, label, style in series:
                (self.lines[metric],) = ax.plot([], [], style, lw=1.6, label=label, animated=True)
            self.overlay.extend([*ax.spines.values(), ax.legend(fontsize=7, loc="upper left", frameon=False)])
            self.data_axes.append((ax, [m for m, _, _ in series], ylim))
        self.overlay.append(axes.flat[4].axhline(0.0, color="0.6", lw=0.8))
        self._network(axes.flat[5], n_clients, n_vendors)
        self.canvas = FigureCanvasAgg(self.figure)
        self.dynamic = [*self.lines.values(), self.edges, self.switch_marks, self.clients, self.vendors,
                        self.gaming_marks]
        self.overlay.sort(key=lambda artist: artist.get_zorder())  # stable: a full draw's order
        for artist in self.overlay:
            artist.set_animated(True)
        self.background = None
        self.panel_metric = {ax: metrics[0] for ax, metrics, _ in self.data_axes}

    def _network(self, ax, n_clients: int, n_vendors: int) -> None:
        ax.set_title("Relationships (colour: trust)", fontsize=10)
        ax.set_xlim(-0.35, 1.35)
        ax.set_ylim(-1.4, max(n_clients, n_vendors) - 0.2)
        ax.axis("off")
        self.client_xy = np.column_stack([np.zeros(n_clients), np.arange(n_clients)[::-1].astype(float)])
        spread = (n_clients - 1) / max(n_vendors - 1, 1)
        self.vendor_xy = np.column_stack([np.ones(n_vendors),
                                          (n_clients - 1) - np.arange(n_vendors) * spread
                                          if n_vendors > 1 else [(n_clients - 1) / 2]])
        self.edges = LineCollection([], linewidths=2.0, zorder=1, animated=True)
        ax.add_collection(self.edges)
        self.switch_marks = ax.scatter([], [], s=360, facecolors="none", edgecolors=SWITCH_COLOUR,
                                       linewidths=2.5, zorder=2, animated=True)
        self.clients = ax.scatter(*self.client_xy.T, s=120, marker="o", edgecolors="0.2", zorder=3, animated=True)
        self.vendors = ax.scatter(*self.vendor_xy.T, s=420, marker="s", edgecolors="0.2", zorder=3, animated=True)
        self.gaming_marks = ax.scatter([], [], marker="X", color=GAMING_COLOUR, zorder=4, animated=True)
        for c, (x, y) in enumerate(self.client_xy):
            self.overlay.append(ax.annotate(f"client {c}", (x, y), xytext=(-16, 0), textcoords="offset points",
                                            ha="right", va="center", fontsize=7))
        for v, (x, y) in enumerate(self.vendor_xy):
            self.overlay.append(ax.annotate(f"vendor {v}", (x, y), xytext=(12, 0), textcoords="offset points",
                                            ha="left", va="center", fontsize=7))
        ax.text(0.5, -1.35, "X: corner-cutting   orange ring: switched vendor lately",
                ha="center", va="bottom", fontsize=7, color="0.3")

    def update(self, series: dict[str, np.ndarray], network: dict[str, np.ndarray],
               limits: dict[str, tuple[float, float]]) -> None:
        """Redraw with the weeks so far; `limits` gives shared y-limits of data-scaled panels."""
        weeks = np.arange(1, len(series["trust_in_vendor"]) + 1)
        for metric, line in self.lines.items():
            values = series[metric]
            line.set_data(weeks, smooth(values) if metric in SMOOTHED else values)
        if self.background is None:
            for ax, metrics, ylim in self.data_axes:
                if ylim is None:
                    ax.set_ylim(*limits[metrics[0]])
            self.canvas.draw()  # animated artists are left out: this is the background
            self.background = self.canvas.copy_from_bbox(self.figure.bbox)
            self._build_overlay()
        else:
            changed = [ax for ax, metrics, ylim in self.data_axes
                       if ylim is None and ax.get_ylim() != tuple(limits[metrics[0]])]
            for ax in changed:
                self._redraw_panel(ax, limits[self.panel_metric[ax]])
            if changed:
                self._build_overlay()  # the zero line moves with its panel's limits
        self._update_network(network)

    def _build_overlay(self) -> None:
        """Render the overlay (spines, legends, labels) once onto a clear layer and keep its
        painted pixels: a frame lays them over the data by alpha blending, far cheaper than
        drawing text every week."""
        renderer = self.canvas.get_renderer()
        renderer.clear()  # transparent
        for artist in self.overlay:
            artist.draw(renderer)
        layer = np.asarray(self.canvas.buffer_rgba())
        self.overlay_at = np.nonzero(layer[..., 3])
        painted = layer[self.overlay_at].astype(np.float32)
        self.overlay_alpha = painted[:, 3:] / 255.0
        self.overlay_colour = painted[:, :3] * self.overlay_alpha
        self.canvas.restore_region(self.background)

    def _redraw_panel(self, ax, ylim: tuple[float, float]) -> None:
        """New y-limits on one panel: repaint just that panel into the background (a sixth of a
        full draw). Its area, tick labels and title included, is painted over in the figure's
        colour first; the other panels' pixels stay as they were."""
        renderer = self.canvas.get_renderer()
        self.canvas.restore_region(self.background)
        old = ax.get_tightbbox(renderer)
        ax.set_ylim(*ylim)
        area = Bbox.union([old, ax.get_tightbbox(renderer)]).padded(2)
        Rectangle((area.x0, area.y0), area.width, area.height, transform=None,
                  facecolor=self.figure.get_facecolor(), edgecolor="none").draw(renderer)
        ax.draw(renderer)  # animated artists are left out here too
        self.background = self.canvas.copy_from_bbox(self.figure.bbox)

    def _update_network(self, net: dict[str, np.ndarray]) -> None:
        client_xy = self.client_xy[net["client_of"]]
        vendor_xy = self.vendor_xy[net["vendor_id"]]
        self.edges.set_segments(np.stack([client_xy, vendor_xy], axis=1))
        self.edges.set_color(TRUST_COLOURS(net["trust_in_vendor"]))
        self.edges.set_linewidths(1.0 + 5.0 * net["volume_share"])
        self.clients.set_facecolor(TRUST_COLOURS(net["client_trust"]))
        self.clients.set_sizes(60 + 200 * net["client_size"])
        self.vendors.set_facecolor(TRUST_COLOURS(net["vendor_trust"]))
        middle = 0.5 * (client_xy + vendor_xy)
        self.gaming_marks.set_offsets(middle)
        self.gaming_marks.set_sizes(400 * np.clip(net["gaming"], 0, 1) ** 0.75)
        switched = self.client_xy[net["recent_switch"]]
        self.switch_marks.set_offsets(switched if len(switched) else np.empty((0, 2)))

    def png(self) -> bytes:
        """The frame: the background, this week's lines and markers, the overlay on top."""
        self.canvas.restore_region(self.background)
        renderer = self.canvas.get_renderer()
        for artist in self.dynamic:
            artist.draw(renderer)
        frame = np.asarray(self.canvas.buffer_rgba())
        under = frame[self.overlay_at][:, :3].astype(np.float32)
        frame[self.overlay_at[0], self.overlay_at[1], :3] = (
            self.overlay_colour + under * (1.0 - self.overlay_alpha) + 0.5).astype(np.uint8)
        height, width = frame.shape[:2]
        image = Image.frombuffer("RGBA", (width, height), frame, "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", compress_level=1)  # speed over bytes: it goes to a browser nearby
        return buffer.getvalue()


def shared_limits(all_series: list[dict[str, np.ndarray]],
                  start: dict[str, tuple[float, float]] | None = None) -> dict[str, tuple[float, float]]:
    """Y-limits of the data-scaled panels, common to every pane so A and B read on one scale.

    start: a range each panel shows at least (by its first metric), from the market's scale:
    without it the limits would grow, and the panels be repainted, in most of the first weeks,
    in every session at once when a room steps together."""
    limits = {}
    for _, series, ylim in PANELS:
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

    Limits move in coarse steps with headroom, so the blitted background is redrawn a few times
    in the first weeks and rarely after (each redraw costs a full draw of the figure)."""
    target = max(value * 1.25, 1.0)
    exponent = 10.0 ** np.floor(np.log10(target))
    for step in (1.0, 2.0, 5.0, 10.0):
        if step * exponent >= target:
            return float(step * exponent)
    return float(10.0 * exponent)
