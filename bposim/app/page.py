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

import time
from html import escape
from typing import Any

import solara
import solara.lab

from .lessons import BY_KEY, FREE_PLAY, LESSONS
from .levers import BY_NAME, DEFAULTS, LEVERS
from .model import WorkshopModel
from .plots import FREE_PLAY_MONITORS, pane_html, shared_limits

TITLE = "bposim workshop"
SEED = 0
FREE_PLAY_TEXT = ("Free play: set the contract and the practices under Levers, press Reset, then ▶ or Step. "
                  "Tick Compare A/B for a second contract on the same luck.")
SPEEDS = {"1 week/s": 1.0, "2 weeks/s": 2.0, "5 weeks/s": 5.0, "10 weeks/s": 10.0}
DEFAULT_SPEED = "5 weeks/s"
SEED_LABEL = "Seed (same seed, same luck)"

CSS = """
html, body { margin: 0; }
.v-application, .v-application .body-1 { font-size: 16px; }
.v-content, .v-main { padding: 0 !important; }
.bp-root { box-sizing: border-box; display: flex; flex-direction: column; gap: 4px; padding: 4px 8px;
  font-size: 16px; line-height: 1.25; word-break: normal; overflow-wrap: normal; hyphens: none; }
.bp-root * { box-sizing: border-box; }
.bp-bar { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 8px; background: #f3f5f8;
  border-bottom: 1px solid #cfd6df; padding: 4px 8px; margin: -4px -8px 0; z-index: 5; }
.bp-brand { font-weight: 700; font-size: 18px; white-space: nowrap; }
.bp-bar .v-btn { text-transform: none; font-size: 16px; letter-spacing: 0; min-width: 64px; height: 40px; }
.bp-lesson-select { flex: 1 1 280px; max-width: 560px; min-width: 220px; }
.bp-lesson-select .v-input { margin: 0; padding: 0; font-size: 16px; }
.bp-lesson-select .v-text-field__details { display: none; }
.bp-week { font-size: 18px; font-weight: 700; white-space: nowrap; }
.bp-waiting { background: #fff3cd; color: #7a4d00; border: 1px solid #e0b000; border-radius: 4px;
  padding: 2px 8px; font-size: 15px; white-space: nowrap; }
.bp-reset-waiting.v-btn { background: #e67e22 !important; color: #fff !important; }
.bp-lesson { display: flex; align-items: center; gap: 8px; min-height: 32px; }
.bp-lesson-line { flex: 1 1 auto; min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
  font-size: 17px; }
.bp-lesson .v-btn { text-transform: none; font-size: 15px; letter-spacing: 0; }
.bp-script { font-size: 17px; background: #fafbfc; border: 1px solid #dde3ea; border-radius: 4px; padding: 4px 10px; }
.bp-script p { margin: 4px 0; }
.bp-levers { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 6px 14px;
  border: 1px solid #dde3ea; border-radius: 4px; padding: 6px 10px; }
.bp-lever { min-width: 0; }
.bp-lever-head { display: flex; justify-content: space-between; gap: 8px; font-size: 16px; }
.bp-lever-value { font-weight: 700; white-space: nowrap; }
.bp-lever-meaning { font-size: 14px; color: #555; }
.bp-lever .v-input { margin: 0; padding: 0; }
.bp-lever .v-messages, .bp-lever .v-text-field__details { display: none; }
.bp-hidden-label .v-label { position: absolute !important; width: 1px; height: 1px;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.bp-running { font-size: 14px; color: #555; }
.bp-panes { display: grid; gap: 10px; }
.bp-pane { display: flex; flex-direction: column; min-height: 0; min-width: 0; }
.bp-pane-head { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
.bp-pane-title { font-weight: 700; font-size: 18px; flex: 1 0 100%; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.bp-monitors { display: flex; gap: 6px; flex: 1 1 auto; flex-wrap: wrap; }
.bp-monitor { flex: 1 1 0; min-width: 100px; border: 1px solid #c9d2dc; border-radius: 4px; padding: 1px 6px;
  display: grid; grid-template-columns: 1fr auto; grid-template-rows: auto auto; background: #fbfcfd; }
.bp-mlabel { font-size: 14px; color: #333; grid-column: 1 / 3; white-space: nowrap; }
.bp-mvalue { font-size: 24px; font-weight: 700; line-height: 1.1; }
.bp-mwhat { font-size: 14px; color: #666; align-self: end; padding-left: 4px; white-space: nowrap; }
.bp-panels { display: grid; gap: 6px 12px; min-height: 0; }
.bp-panel { display: flex; flex-direction: column; min-height: 0; min-width: 0; }
.bp-ptitle { font-size: 15px; font-weight: 700; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.bp-legend, .bp-netkey { display: flex; flex-wrap: wrap; gap: 0 12px; font-size: 14px; color: #333; }
.bp-key { white-space: nowrap; }
.bp-swatch { display: inline-block; width: 22px; height: 0; border-top: 3px solid; vertical-align: middle;
  margin-right: 4px; }
.bp-swatch.bp-dashed { border-top-style: dashed; }
.bp-gradient { display: inline-block; width: 44px; height: 10px; vertical-align: middle; border-radius: 2px;
  background: linear-gradient(to right, #a50026, #f46d43, #fee08b, #d9ef8b, #66bd63, #006837); }
.bp-plot { flex: 1 1 auto; min-height: 70px; display: grid; grid-template-columns: 18px 38px 1fr;
  grid-template-rows: 1fr 18px; }
.bp-ytitle { grid-row: 1; grid-column: 1; writing-mode: vertical-rl; transform: rotate(180deg); font-size: 14px;
  color: #444; white-space: nowrap; text-align: center; overflow: hidden; }
.bp-yticks { grid-row: 1; grid-column: 2; position: relative; font-size: 14px; color: #333; }
.bp-yticks span { position: absolute; right: 4px; transform: translateY(50%); line-height: 1; white-space: nowrap; }
.bp-yticks span:first-child { transform: none; }
.bp-yticks span:last-child { transform: translateY(100%); }
.bp-area { grid-row: 1; grid-column: 3; position: relative; border-left: 1px solid #888; border-bottom: 1px solid #888;
  min-width: 0; }
.bp-svg { position: absolute; inset: 0; width: 100%; height: 100%; overflow: visible; }
.bp-grid { stroke: #e3e3e3; stroke-width: 1; vector-effect: non-scaling-stroke; }
.bp-zero { stroke: #999; }
.bp-line { fill: none; stroke-width: 2.5; vector-effect: non-scaling-stroke; stroke-linejoin: round; }
.bp-line.bp-dashed { stroke-dasharray: 7 4; }
.bp-xticks { grid-row: 2; grid-column: 3; position: relative; font-size: 14px; color: #333; }
.bp-xticks span { position: absolute; transform: translateX(-50%); line-height: 18px; }
.bp-xticks span:first-child { transform: none; }
.bp-xticks span:last-child { transform: translateX(-100%); }
.bp-xtitle { grid-row: 2; grid-column: 1 / 3; font-size: 14px; color: #444; line-height: 18px; }
.bp-net { flex: 1 1 auto; position: relative; min-height: 70px; }
.bp-edge { vector-effect: non-scaling-stroke; stroke-linecap: round; }
.bp-node { position: absolute; transform: translate(-50%, -50%); border-radius: 50%; border: 1.5px solid #333; }
.bp-node.bp-vendor { width: 26px; height: 26px; border-radius: 3px; }
.bp-node.bp-ring { box-shadow: 0 0 0 3px #fff, 0 0 0 6px #e67e22; }
.bp-nlabel { position: absolute; transform: translateY(-50%); font-size: 14px; white-space: nowrap; line-height: 1; }
.bp-gmark { position: absolute; transform: translate(-50%, -50%); color: #c0392b; line-height: 1; font-weight: 700; }
/* The bar on top, the rest below it in its own scrolling box: nothing ever passes under the bar. */
.bp-root { height: 100vh; height: 100dvh; overflow: hidden; }
.bp-bar { flex: 0 0 auto; }
.bp-body { flex: 1 1 auto; min-height: 0; overflow-y: auto; display: flex; flex-direction: column; gap: 4px; }
.bp-body > * { flex-shrink: 0; }
/* Projector and laptop: the panes share what the header leaves (all of it, unless levers or the
   script are open: then the body scrolls). */
@media (min-width: 700px) {
  .bp-root.bp-fit .bp-charts { flex: 1 1 auto; min-height: 0; display: flex; flex-direction: column; }
  .bp-root.bp-fit .bp-panes { flex: 1 1 auto; min-height: 0; grid-template-rows: minmax(0, 1fr); }
  .bp-panes.bp-two { grid-template-columns: 1fr 1fr; }
  .bp-panes.bp-two .bp-panels { flex: 1 1 auto; grid-template-columns: 1fr 1fr;
    grid-template-rows: repeat(3, minmax(0, 1fr)); }
  .bp-panes.bp-one .bp-panels { flex: 1 1 auto; grid-template-columns: repeat(3, minmax(0, 1fr));
    grid-template-rows: repeat(2, minmax(0, 1fr)); }
  .bp-root:not(.bp-fit) .bp-panel { height: 190px; }
}
/* Phone: one column, A above B. */
@media (max-width: 699.98px) {
  .bp-brand { display: none; }
  .bp-lesson-select { flex: 1 1 100%; max-width: none; }
  .bp-panes { grid-template-columns: 1fr; }
  .bp-panels { grid-template-columns: 1fr; }
  .bp-panel { height: 210px; }
  .bp-monitor { flex: 1 1 40%; }
  .bp-bar { gap: 6px; }
  .bp-bar .v-btn { min-width: 0; padding: 0 8px !important; }
  .bp-of { display: none; }
}
"""


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
    """The page a facilitator opens; every browser session gets its own."""
    lesson_key = solara.use_reactive(FREE_PLAY)
    first = solara.use_memo(lambda: build(FREE_PLAY, lever_values(lesson_settings(FREE_PLAY))), [])
    model = solara.use_reactive(first)
    values = solara.use_reactive(lever_values(lesson_settings(FREE_PLAY)))
    week = solara.use_reactive(0)  # bumped after every step: the panes re-draw
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(DEFAULT_SPEED)
    show_levers = solara.use_reactive(False)
    show_script = solara.use_reactive(False)

    def restart(new: WorkshopModel) -> None:
        playing.set(False)
        model.set(new)
        week.set(0)

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

    def play() -> None:
        # One thread per playing session; a step is a fraction of a millisecond of model time.
        while playing.value:
            time.sleep(1.0 / SPEEDS[speed.value])
            current = model.value
            if not playing.value or not current.running:
                break
            current.step()
            week.set(current.week)
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
            solara.Button("Step", on_click=step, disabled=playing.value or not current.running, color="primary")
            solara.Button("❚❚ Pause" if playing.value else "▶ Play", on_click=lambda: playing.set(not playing.value),
                          disabled=not current.running and not playing.value, color="primary", outlined=True)
            solara.Button("Reset", on_click=lambda: restart(build(key, values.value)),
                          classes=["bp-reset-waiting"] if moved else [], outlined=not moved)
            solara.HTML(tag="span", classes=["bp-week"], unsafe_innerHTML=(
                f'Week {week.value}<span class="bp-of"> of {current.steps_total}</span>'))
            if moved:
                solara.HTML(tag="span", classes=["bp-waiting"], unsafe_innerHTML="changes waiting: press Reset")
            solara.Button("Levers ▴" if show_levers.value else "Levers ▾",
                          on_click=lambda: show_levers.set(not show_levers.value), text=True)
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
            solara.HTML(tag="div", classes=["bp-charts"], unsafe_innerHTML=panes_html(current, key))


@solara.component
def Layout(children=[]):
    """No app bar or sidebar: the page lays out its own bar (Solara's would cover a phone)."""
    with solara.Div(children=children):
        pass
