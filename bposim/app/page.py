"""The workshop page: a control bar, the lesson's one-line header, the levers, one pane per contract.

Laid out for a room: on a projector (1366x768 and up) every chart is in view without
scrolling under a one-line lesson header, with text of 14 px or more; on a phone (below 700
px) everything stacks in one column, A above B, under a control bar that scrolls nothing away.
Everything is built per browser session: `Page` is rendered once per visitor, and its model,
lesson and lever values live in that session's hooks (a model built at module level would be
shared by every visitor). The page steps the model itself (Step, or ▶ at a chosen speed); a
moved lever waits, shown as "changes waiting", until Reset rebuilds the model with it.
"""

from __future__ import annotations

import os
import time
from html import escape
from typing import Any
from urllib.parse import parse_qs

import solara
import solara.lab

from .lessons import BY_KEY, FREE_PLAY, LESSONS
from .levers import BY_NAME, DEFAULTS, LEVERS
from .model import WorkshopModel
from .plots import FREE_PLAY_MONITORS, pane_html, shared_limits
from .room_page import RoomScreen
from .style import CSS

TITLE = "bposim workshop"
SEED = 0
FREE_PLAY_TEXT = ("Free play: set the contract and the practices under Levers, press Reset, then ▶ or Step. "
                  "Tick Compare A/B for a second contract on the same luck.")
SPEEDS = {"1 week/s": 1.0, "2 weeks/s": 2.0, "5 weeks/s": 5.0, "10 weeks/s": 10.0}
DEFAULT_SPEED = "5 weeks/s"
SEED_LABEL = "Seed (same seed, same luck)"



def lesson_settings(key: str) -> dict[str, Any]:
    """Lever values (and B's changes) for a lesson key, or free play."""
    if key == FREE_PLAY:
        return {**DEFAULTS, "b_changes": {}}
    return BY_KEY[key].settings()


def lever_values(settings: dict[str, Any]) -> dict[str, Any]:
    """The controls' values for a lesson's settings: every lever, and the seed."""
    return {**{name: settings[name] for name in DEFAULTS}, "rng": SEED}


def build(key: str, values: dict[str, Any]) -> WorkshopModel:
    """The model for the controls' values under a lesson (its B changes) or free play."""
    return WorkshopModel(**values, b_changes=lesson_settings(key)["b_changes"])


def waiting(model: WorkshopModel, values: dict[str, Any]) -> list[str]:
    """Labels of the controls whose value differs from what the running model was built with."""
    moved = [BY_NAME[name].label for name in DEFAULTS if values[name] != model.levers[name]]
    return moved + ([SEED_LABEL] if values["rng"] != model.seed else [])


def monitors_for(key: str) -> tuple[str, ...]:
    """The big numbers: the KPIs a lesson makes its claims on (and its extra monitors), or free play's five."""
    if key == FREE_PLAY:
        return FREE_PLAY_MONITORS
    return (*(metric for metric, _ in BY_KEY[key].expect), *BY_KEY[key].monitors)


def panes_html(model: WorkshopModel, key: str) -> str:
    """Every pane of the running model, on one shared scale."""
    series = {pane: model.series(pane) for pane in model.contracts}  # read once a step
    limits = shared_limits(list(series.values()), model.plot_ranges())
    shock = bool(model.levers["pressure_shock"])
    monitors = monitors_for(key)
    panes = "".join(pane_html(model.describe(pane), series[pane], model.network(pane), limits,
                              model.steps_total, monitors, shock, pane) for pane in series)
    layout = "bp-two" if len(series) > 1 else "bp-one"
    return f'<div class="bp-panes {layout}">{panes}</div>'


def lesson_line(key: str) -> str:
    if key == FREE_PLAY:
        return escape(FREE_PLAY_TEXT)
    lesson = BY_KEY[key]
    return f"<b>{escape(lesson.title)}</b> · <i>{escape(lesson.point)}</i> · <b>Ask:</b> {escape(lesson.question)}"


def script_html(key: str) -> str:
    if key == FREE_PLAY:
        return f"<p>{escape(FREE_PLAY_TEXT)}</p>"
    lesson = BY_KEY[key]
    return (f"<p><b>{escape(lesson.point)}</b> | <i>{escape(lesson.title)}</i></p>"
            f"<p>{escape(lesson.script)}</p><p><b>Ask the room:</b> {escape(lesson.question)}</p>"
            f"<p><i>Watch:</i> {escape(lesson.watch)}</p>")


@solara.component
def WeekCounter(week: solara.Reactive[int], total: int):
    """The bar's week; it alone (with the charts) re-renders each step, not the whole page."""
    solara.HTML(tag="span", classes=["bp-week"], unsafe_innerHTML=(
        f'Week {week.value}<span class="bp-of"> of {total}</span>'))


@solara.component
def Charts(model: WorkshopModel, key: str, week: solara.Reactive[int]):
    """Every pane, redrawn when `week` moves (reading it subscribes this component alone)."""
    week.value  # noqa: B018 - the subscription
    solara.HTML(tag="div", classes=["bp-charts"], unsafe_innerHTML=panes_html(model, key))


@solara.component
def LeverControl(name: str, values: solara.Reactive[dict]):
    """One lever: its label and value (always shown), its control, and what it means."""
    lever = BY_NAME[name]
    value = values.value[name]

    def set_value(new: Any) -> None:
        values.set({**values.value, name: new})

    shown = ("on" if value else "off") if lever.kind == "check" else (
        str(value).replace("_", " ") if lever.kind == "select" else f"{value:g}")
    with solara.Column(classes=["bp-lever"], gap="0px"):
        solara.HTML(tag="div", classes=["bp-lever-head"], unsafe_innerHTML=(
            f'<span>{escape(lever.label)}</span><span class="bp-lever-value">{escape(shown)}</span>'))
        if lever.kind == "slider":
            with solara.Div(classes=["bp-hidden-label"]):  # the head shows label and value
                solara.SliderFloat(lever.label, value=float(value), min=lever.low, max=lever.high, step=lever.step,
                                   on_value=set_value, thumb_label=False)
        elif lever.kind == "check":
            with solara.Div(classes=["bp-hidden-label"]):
                solara.Checkbox(label=lever.label, value=bool(value), on_value=set_value)
        else:
            with solara.Div(classes=["bp-hidden-label"]):
                solara.Select(label=lever.label, value=value, values=list(lever.values), on_value=set_value, dense=True)
        solara.HTML(tag="div", classes=["bp-lever-meaning"], unsafe_innerHTML=escape(lever.meaning))


@solara.component
def SeedControl(values: solara.Reactive[dict]):
    with solara.Column(classes=["bp-lever"], gap="0px"):
        solara.HTML(tag="div", classes=["bp-lever-head"], unsafe_innerHTML=(
            f'<span>{SEED_LABEL}</span><span class="bp-lever-value">{values.value["rng"]}</span>'))
        with solara.Div(classes=["bp-hidden-label"]):
            solara.SliderInt(SEED_LABEL, value=int(values.value["rng"]), min=0, max=99,
                             on_value=lambda seed: values.set({**values.value, "rng": int(seed)}), thumb_label=False)
        solara.HTML(tag="div", classes=["bp-lever-meaning"], unsafe_innerHTML=(
            "fixes every random draw (demand, sizes, breaks, audits): same seed and levers, same run"))


@solara.component
def Page():
    """The page a facilitator opens (the lessons), or one of room mode's screens (?room=...);
    served with `bposim-dashboard --room`, a bare address opens a room (the lessons: ?lessons)."""
    router = solara.use_router()
    query = {name: values[-1] for name, values in parse_qs(router.search or "", keep_blank_values=True).items()}
    if "room" in query:
        RoomScreen(query)
    elif os.environ.get("BPOSIM_START") == "room" and "lessons" not in query:
        RoomScreen({"room": "new"})
    else:
        Workshop()


@solara.component
def Workshop():
    """The lessons' page; every browser session gets its own."""
    router = solara.use_router()
    lesson_key = solara.use_reactive(FREE_PLAY)
    first = solara.use_memo(lambda: build(FREE_PLAY, lever_values(lesson_settings(FREE_PLAY))), [])
    model = solara.use_reactive(first)
    values = solara.use_reactive(lever_values(lesson_settings(FREE_PLAY)))
    week = solara.use_reactive(0)  # bumped after every step: the counter and the panes re-draw
    finished = solara.use_reactive(False)  # week 156 reached: Step and ▶ greyed out
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(DEFAULT_SPEED)
    show_levers = solara.use_reactive(False)
    show_script = solara.use_reactive(False)

    def restart(new: WorkshopModel) -> None:
        playing.set(False)
        model.set(new)
        week.set(0)
        finished.set(False)

    def choose(title: str) -> None:
        key = FREE_PLAY if title == FREE_PLAY else next(lesson.key for lesson in LESSONS if lesson.title == title)
        settings = lever_values(lesson_settings(key))
        restart(build(key, settings))
        values.set(settings)
        lesson_key.set(key)

    def step() -> None:
        current = model.value
        if current.running:
            current.step()
        week.set(current.week)
        finished.set(not current.running)

    def play() -> None:
        # One thread per playing session. Weeks come at the chosen speed: the time a step and its
        # redraw take comes out of the wait, not on top of it (on a busy server that was most of
        # the period); a server that falls behind is not asked to catch up in a burst.
        due = time.monotonic()
        while playing.value:
            due += 1.0 / SPEEDS[speed.value]
            time.sleep(max(0.0, due - time.monotonic()))
            current = model.value
            if not playing.value or not current.running:
                break
            current.step()
            week.set(current.week)
            due = max(due, time.monotonic() - 1.0 / SPEEDS[speed.value])
        finished.set(not model.value.running)
        playing.set(False)

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)

    current = model.value
    key = lesson_key.value
    moved = waiting(current, values.value)
    solara.Style(CSS)
    titles = [FREE_PLAY, *(lesson.title for lesson in LESSONS)]
    chosen = FREE_PLAY if key == FREE_PLAY else BY_KEY[key].title
    fit = "bp-fit" if not show_levers.value and not show_script.value else "bp-scroll"
    with solara.Div(classes=["bp-root", fit]):
        with solara.Div(classes=["bp-bar"]):
            solara.HTML(tag="span", classes=["bp-brand"], unsafe_innerHTML=TITLE)
            with solara.Div(classes=["bp-lesson-select", "bp-hidden-label"]):
                solara.Select(label="Lesson", value=chosen, values=titles, on_value=choose, dense=True)
            solara.Button("Step", on_click=step, disabled=playing.value or finished.value, color="primary")
            solara.Button("❚❚ Pause" if playing.value else "▶ Play", on_click=lambda: playing.set(not playing.value),
                          disabled=finished.value and not playing.value, color="primary", outlined=True)
            solara.Button("Reset", on_click=lambda: restart(build(key, values.value)),
                          classes=["bp-reset-waiting"] if moved else [], outlined=not moved)
            WeekCounter(week, current.steps_total)
            if moved:
                solara.HTML(tag="span", classes=["bp-waiting"], unsafe_innerHTML="changes waiting: press Reset")
            solara.Button("Levers ▴" if show_levers.value else "Levers ▾",
                          on_click=lambda: show_levers.set(not show_levers.value), text=True)
            solara.Button("Room ▸", on_click=lambda: router.push("/?room=new"), text=True, classes=["bp-room-button"])
        with solara.Div(classes=["bp-body"]):  # scrolls under the bar, never behind it
            with solara.Div(classes=["bp-lesson"]):
                solara.HTML(tag="div", classes=["bp-lesson-line"], unsafe_innerHTML=lesson_line(key))
                solara.Button("Script ▴" if show_script.value else "Script ▾",
                              on_click=lambda: show_script.set(not show_script.value), text=True)
            if show_script.value:
                solara.HTML(tag="div", classes=["bp-script"], unsafe_innerHTML=script_html(key))
            if show_levers.value:
                with solara.Div(classes=["bp-levers"]):
                    for lever in LEVERS:
                        LeverControl(lever.name, values).key(f"lever-{lever.name}")
                    SeedControl(values)
                    with solara.Column(classes=["bp-lever"], gap="0px"):
                        solara.HTML(tag="div", classes=["bp-lever-head"], unsafe_innerHTML=(
                            f'<span>Play speed</span><span class="bp-lever-value">{speed.value}</span>'))
                        with solara.Div(classes=["bp-hidden-label"]):
                            solara.Select(label="Play speed", value=speed.value, values=list(SPEEDS),
                                          on_value=speed.set, dense=True)
                        solara.HTML(tag="div", classes=["bp-lever-meaning"],
                                    unsafe_innerHTML="how fast ▶ plays; takes effect at once")
                solara.HTML(tag="div", classes=["bp-running"], unsafe_innerHTML=escape(
                    f"Running: {current.running_with()}." + (f" Changes waiting: {', '.join(moved)}. Press Reset."
                                                             if moved else "")))
            Charts(current, key, week)


@solara.component
def Layout(children=[]):
    """No app bar or sidebar: the page lays out its own bar (Solara's would cover a phone)."""
    with solara.Div(children=children):
        pass
