"""The workshop page: a lesson picker, Mesa's SolaraViz controls, and one pane per contract.

Everything here is built per browser session: `Page` is rendered once per visitor, and its
model, lesson and figures live in that session's hooks (a model built at module level would be
shared by every visitor). SolaraViz gives the sidebar (play, step, reset, the levers, the week
counter) and steps the model; the panes re-draw when it signals a step (Mesa's update_counter).
"""

from __future__ import annotations

from html import escape
from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from ..metrics import BY_NAME, FOOTER
from .lessons import BY_KEY, FREE_PLAY, LESSONS
from .levers import DEFAULTS, LEVERS
from .model import WorkshopModel, running_totals
from .plots import PaneFigure, shared_limits

TITLE = "bposim workshop: what a contract does to a vendor"
SEED = 0
FREE_PLAY_TEXT = ("Pick a lesson above, or set the contract and the practices in the sidebar, press "
                  "Reset to start again with them, then ▶ (play) or Step (one week). Tick Compare A/B "
                  "to run a second contract on the same random streams.")
FOOTER_LABELS = tuple((name, BY_NAME[name].short) for name in FOOTER)  # declared with each Metric


def model_params(values: dict[str, Any], b_changes: dict[str, Any], seed: int) -> dict[str, Any]:
    """SolaraViz's model_params: one control per lever, at `values`; B's changes fixed."""
    params = {lever.name: lever.control(values[lever.name]) for lever in LEVERS}
    params["rng"] = {"type": "SliderInt", "label": "Seed (same seed, same luck)", "value": seed,
                     "min": 0, "max": 99, "step": 1}
    params["b_changes"] = dict(b_changes)
    return params


def lesson_settings(key: str) -> dict[str, Any]:
    """Lever values (and B's changes) for a lesson key, or free play."""
    if key == FREE_PLAY:
        return {**DEFAULTS, "b_changes": {}}
    return BY_KEY[key].settings()


@solara.component
def LessonCard(lesson_key: str, on_lesson):
    """The lesson picker and what the facilitator reads out."""
    titles = {FREE_PLAY: FREE_PLAY, **{lesson.title: lesson.key for lesson in LESSONS}}
    current = FREE_PLAY if lesson_key == FREE_PLAY else BY_KEY[lesson_key].title
    with solara.Card(style={"margin-bottom": "8px"}):
        solara.Select(label="Lesson", value=current, values=list(titles),
                      on_value=lambda title: on_lesson(titles[title]))
        # Plain HTML, not solara.Markdown: Markdown loads KaTeX from a CDN, and a workshop room
        # may have no internet.
        if lesson_key == FREE_PLAY:
            solara.HTML(tag="p", unsafe_innerHTML=escape(FREE_PLAY_TEXT))
            return
        lesson = BY_KEY[lesson_key]
        solara.HTML(tag="div", unsafe_innerHTML=(
            f"<p><b>{escape(lesson.point)}</b> | <i>{escape(lesson.title)}</i></p>"
            f"<p>{escape(lesson.script)}</p>"
            f"<p><b>Ask the room:</b> {escape(lesson.question)}</p>"
            f"<p><i>Watch:</i> {escape(lesson.watch)}</p>"), classes=["lesson"])


@solara.component
def ContractPane(model: WorkshopModel, pane: str, series: dict, limits: dict):
    """One contract: its name, the live figure and the running totals."""
    update_counter.get()
    first = model.contracts[pane]
    wide = len(model.contracts) == 1
    figure = solara.use_memo(lambda: PaneFigure(model.steps_total, len(first.clients), len(first.vendors), wide),
                             [id(model), pane])
    figure.update(series, model.network(pane), limits)
    totals = running_totals(series)
    with solara.Card(title=f"Contract {model.describe(pane)}", subtitle=f"week {model.week} of {model.steps_total}"):
        solara.Image(figure.png(), format="png", width="100%")
        solara.Text("So far: " + " · ".join(f"{totals[key]:,.0f} {label}" for key, label in FOOTER_LABELS),
                    style={"font-size": "0.85em"})


@solara.component
def Panes(model: WorkshopModel):
    """A alone, or A and B side by side on one scale."""
    update_counter.get()  # SolaraViz bumps it after every step: re-draw
    series = {pane: model.series(pane) for pane in model.contracts}  # read once a step
    limits = shared_limits(list(series.values()), model.plot_ranges())
    solara.Text(f"Running: {model.running_with()}. Moved a control? Press Reset to start again with it.",
                style={"font-size": "0.85em", "color": "#555"})
    with solara.Columns([1] * len(series)):
        for pane in series:
            ContractPane(model, pane, series[pane], limits).key(f"pane-{pane}")


@solara.component
def Page():
    """The page a facilitator opens; every browser session gets its own."""
    lesson_key = solara.use_reactive(FREE_PLAY)
    generation = solara.use_reactive(0)
    first = solara.use_memo(lambda: WorkshopModel(**lesson_settings(FREE_PLAY), rng=SEED), [])
    model = solara.use_reactive(first)

    def choose(key: str) -> None:
        settings = lesson_settings(key)
        lesson_key.set(key)
        model.set(WorkshopModel(**settings, rng=SEED))
        generation.set(generation.value + 1)  # rebuild the controls at the lesson's values

    settings = lesson_settings(lesson_key.value)
    values = {name: settings[name] for name in DEFAULTS}
    with solara.Column(style={"padding": "8px"}):
        LessonCard(lesson_key.value, choose)
        SolaraViz(model, components=[], model_params=model_params(values, settings["b_changes"], SEED),
                  name=TITLE, play_interval=150).key(f"viz-{generation.value}")
        Panes(model.value)
