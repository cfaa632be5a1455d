"""Room mode's screens: the facilitator's (projector) and each participant's (phone).

Addresses (the query string of the page's one URL):
  ?room=new                       the facilitator picks a room size and contract and opens it
  ?room=CODE&host=TOKEN           the projector: join link and QR code, seats, the market's
                                  charts, Advance week and the timer, debrief
  ?room=CODE                      a phone: pick a seat, or be given one
  ?room=CODE&seat=ID&token=TOKEN  a phone at its seat (a reload comes back here)

Every screen of a room re-renders when the room changes (a week advanced, a seat taken, a
choice made): the room calls each screen's listener, which sets a reactive value inside that
screen's own session (Solara keeps state per browser session).
"""

from __future__ import annotations

import os
import socket
from functools import lru_cache
from html import escape
from urllib.parse import urlencode

import segno
import solara
from solara.server.kernel_context import get_current_context

from .plots import number, pane_html, shared_limits
from .room import REVIEW_CHOICES, ROOMS, SIZES, TIMER_SECONDS, Room, Seat, open_room
from .levers import WORKSHOP_SCHEMES
from .palette import BLUE, BLUISH_GREEN, HUMAN_SHADE, ORANGE, READY_SHADE, READY_TEXT, WAITING_SHADE
from .style import CSS

ROOM_MONITORS = ("trust_in_vendor", "trust_in_client", "gaming", "client_net_value", "vendor_margin")

ROOM_CSS = """
.bp-room { padding: 8px 12px; font-size: 17px; line-height: 1.3; max-width: 1366px; margin: 0 auto; }
.bp-room h1 { font-size: 24px; margin: 4px 0; }
.bp-room h2 { font-size: 19px; margin: 6px 0 2px; }
.bp-room .v-btn { text-transform: none; letter-spacing: 0; font-size: 17px; }
.bp-host { display: flex; flex-direction: column; gap: 8px; max-width: none; }
.bp-host-side, .bp-host-main { display: flex; flex-direction: column; gap: 6px; min-width: 0; min-height: 0; }
.bp-host-main h1 { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.bp-join { border: 1px solid #cfd6df; border-radius: 6px; padding: 6px; text-align: center; flex: 0 0 auto; }
.bp-join svg { width: 200px; height: 200px; display: block; margin: 0 auto; }
.bp-code { font-size: 40px; font-weight: 800; letter-spacing: 4px; line-height: 1.1; }
.bp-link { font-size: 15px; overflow-wrap: anywhere; }
.bp-seat-count { font-size: 15px; }
.bp-seats { display: flex; flex-wrap: wrap; gap: 4px; }
.bp-seat { border: 1px solid #c9d2dc; border-radius: 4px; padding: 1px 5px; font-size: 14px; white-space: nowrap;
  color: #666; }
.bp-controls { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
.bp-timer-select { width: 150px; }
.bp-timer-select .v-input { margin: 0; padding: 0; font-size: 17px; }
.bp-timer-select .v-text-field__details { display: none; }
.bp-timer-on { border-radius: 4px; padding: 2px 8px; font-size: 16px; white-space: nowrap; }
.bp-market .bp-panels { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 6px 12px; }
.bp-market .bp-panel { height: 230px; }
.bp-market .bp-network { height: 470px; grid-row: span 2; }
.bp-big .v-btn { height: 56px !important; font-size: 19px !important; min-width: 150px; }
.bp-phone { width: 100%; max-width: 480px; margin: 0 auto; display: flex; flex-direction: column; gap: 8px; }
.bp-phone .v-btn { height: 52px !important; font-size: 18px !important; }
.bp-pair { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.bp-quad { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.bp-told { border-radius: 4px; padding: 4px 8px; }
.bp-told p { margin: 2px 0; }
.bp-saved { font-weight: 700; }
.bp-debrief { overflow-x: auto; }
.bp-debrief table { border-collapse: collapse; font-size: 15px; }
.bp-debrief td, .bp-debrief th { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
.bp-debrief th:first-child, .bp-debrief td:first-child { text-align: left; }
/* Projector: the join panel and the seats in a column on the left, the market's charts filling
   the rest of the screen beside them (in view without scrolling, unless the debrief is open). */
@media (min-width: 700px) {
  .bp-host { display: grid; grid-template-columns: 264px minmax(0, 1fr); gap: 8px 14px; }
  .bp-host.bp-fit { height: 100vh; height: 100dvh; overflow: hidden; }
  .bp-host.bp-fit .bp-host-side { overflow-y: auto; }
  .bp-host.bp-fit .bp-market { flex: 1 1 auto; min-height: 0; display: flex; flex-direction: column; }
  .bp-host.bp-fit .bp-market .bp-pane { flex: 1 1 auto; min-height: 0; }
  .bp-host.bp-fit .bp-market .bp-panels { flex: 1 1 auto; grid-template-rows: repeat(3, minmax(0, 1fr)); }
  .bp-host.bp-fit .bp-market .bp-panel { height: auto; }
  /* Charts two abreast, the fifth across both; the network down the third column, tall
     enough for a label per client of the largest room. */
  .bp-host .bp-market .bp-panel:nth-child(5) { grid-column: 1 / 3; }
  .bp-host .bp-market .bp-network { grid-column: 3; grid-row: 1 / 4; }
  .bp-host:not(.bp-fit) .bp-market .bp-panel { height: 200px; }
  .bp-host:not(.bp-fit) .bp-market .bp-network { height: auto; min-height: 600px; }
}
"""
# What carries a colour (bposim.app.palette): a seat a person took (blue, ●) and one whose person
# decided this week (bluish green, ✓), the choice a phone made, what it was told, the timer.
ROOM_CSS += f"""
.bp-seat.bp-human {{ background: {HUMAN_SHADE}; border-color: {BLUE}; color: #111; }}
.bp-seat.bp-ready {{ background: {READY_SHADE}; border-color: {BLUISH_GREEN}; }}
.bp-chosen.v-btn {{ background: {BLUE} !important; color: #fff !important; }}
.bp-told, .bp-timer-on {{ background: {WAITING_SHADE}; border: 1px solid {ORANGE}; }}
.bp-saved {{ color: {READY_TEXT}; }}
"""


def lan_address() -> str:
    """This machine's address on the room's network (no packet is sent: a UDP socket's route)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            return s.getsockname()[0]
    except OSError:
        return "127.0.0.1"


def join_url(code: str) -> str:
    """The link phones open: the server's address as bposim-dashboard was told it."""
    host = os.environ.get("BPOSIM_HOST", "127.0.0.1")
    port = os.environ.get("BPOSIM_PORT", "8765")
    if host in ("0.0.0.0", "::", ""):
        host = lan_address()
    return f"http://{host}:{port}/?{urlencode({'room': code})}"


@lru_cache(maxsize=64)
def qr_svg(url: str) -> str:
    """The join link's QR code (made once per link, not at every re-render of the projector)."""
    return segno.make(url, error="m").svg_inline(scale=6, border=2)


def use_room_version(room: Room) -> int:
    """This screen's copy of the room's version, kept up to date from any other session."""
    version = solara.use_reactive(room.version)

    def subscribe():
        context = get_current_context()
        key = object()  # this subscription's own: a screen that unmounts must not drop its successor's

        def changed(new: int) -> None:
            try:
                with context:
                    version.set(new)
            except Exception:  # the browser has gone: stop telling it
                room.forget(key)

        room.listen(key, changed)
        if room.version != version.value:  # it changed between this screen's render and now
            version.set(room.version)
        return lambda: room.forget(key)

    solara.use_effect(subscribe, [room.code])
    return version.value


def go(router, **query: str) -> None:
    router.push("/?" + urlencode(query))


@solara.component
def OpenRoom():
    """The facilitator's first step: a room size and a contract."""
    router = solara.use_router()
    size = solara.use_reactive(next(iter(SIZES)))
    scheme = solara.use_reactive("hybrid")

    def start() -> None:
        room = open_room(size.value, scheme.value)
        room.is_host(room.host_token, solara.get_session_id())
        go(router, room=room.code, host=room.host_token)

    with solara.Div(classes=["bp-room"]):
        solara.HTML(tag="h1", unsafe_innerHTML="Open a room")
        solara.HTML(tag="p", unsafe_innerHTML=(
            "People in the room play the clients and vendors of one market from their phones; the "
            "model plays every seat nobody takes. You advance the weeks, or set a timer. "
            '(Or go to <a href="/?lessons">the lessons</a>.)'))
        solara.Select(label="Room size", value=size.value, values=list(SIZES), on_value=size.set)
        solara.Select(label="Contract", value=scheme.value, values=list(WORKSHOP_SCHEMES), on_value=scheme.set)
        with solara.Div(classes=["bp-big"]):
            solara.Button("Open the room", on_click=start, color="primary")


def seat_chip(room: Room, seat: Seat) -> str:
    """A seat on the projector: grey if the model plays it, blue with ● if a person, bluish green with ✓
    once that person decided this week (short, so that a 30-seat room fits beside the charts)."""
    state = "model" if not seat.taken else ("ready" if seat.decided_week == room.week else "person")
    cls = {"model": "", "person": " bp-human", "ready": " bp-human bp-ready"}[state]
    mark = {"model": "", "person": " ●", "ready": " ✓"}[state]
    return (f'<span class="bp-seat{cls}" data-seat="{seat.id}" data-state="{state}">'
            f'{escape(seat.label)}{mark}</span>')


def summary_table(rows: list[dict]) -> str:
    if not rows:
        return "<p>No one has played a week yet.</p>"
    columns = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(show(row.get(c, '')))}</td>" for c in columns) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def show(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    return number(float(value))


@solara.component
def HostScreen(room: Room):
    """The projector: how to join and who is seated, beside the market's charts; Advance week,
    the timer, and the debrief."""
    use_room_version(room)
    debrief = solara.use_reactive(False)
    period = solara.use_reactive(timer_label(TIMER_SECONDS[1]))
    url = join_url(room.code)
    qr = qr_svg(url)
    series = room.model.series("A")
    limits = shared_limits([series], room.model.plot_ranges())
    review = room.next_review()
    people = room.humans()
    ready = sum(s.decided_week == room.week for s in people)
    running = room.model.running

    def start_timer() -> None:
        room.start_timer(next(t for t in TIMER_SECONDS if timer_label(t) == period.value))

    with solara.Div(classes=["bp-room", "bp-host", "bp-scroll" if debrief.value else "bp-fit"]):
        with solara.Div(classes=["bp-host-side"]):
            solara.HTML(tag="div", classes=["bp-join"], unsafe_innerHTML=(
                f'<div>Join room</div><div class="bp-code">{room.code}</div>{qr}'
                f'<div class="bp-link">{escape(url)}</div>'))
            solara.HTML(tag="div", classes=["bp-seat-count"], unsafe_innerHTML=(
                f"<b>{len(people)} of {len(room.seats)} seats</b> taken (●), {ready} decided this week (✓); "
                f"the model plays the rest."))
            solara.HTML(tag="div", classes=["bp-seats"],
                        unsafe_innerHTML="".join(seat_chip(room, s) for s in room.seats.values()))
        with solara.Div(classes=["bp-host-main"]):
            solara.HTML(tag="h1", unsafe_innerHTML=(
                f"Room {room.code} · week {room.week} of {room.model.steps_total}"
                + (f" · next review: week {review}" if review else "")))
            with solara.Div(classes=["bp-controls", "bp-big"]):
                solara.Button("Advance week", on_click=room.advance, color="primary", disabled=not running)
                if room.timer_seconds is None:
                    with solara.Div(classes=["bp-timer-select", "bp-hidden-label"]):
                        solara.Select(label="Timer period", value=period.value, dense=True,
                                      values=[timer_label(t) for t in TIMER_SECONDS], on_value=period.set)
                    solara.Button("Start timer", on_click=start_timer, outlined=True, disabled=not running)
                else:
                    solara.HTML(tag="span", classes=["bp-timer-on"], unsafe_innerHTML=(
                        f"timer: a week {timer_label(room.timer_seconds)}"))
                    solara.Button("Stop timer", on_click=room.stop_timer, outlined=True)
                solara.Button("Hide debrief" if debrief.value else "Debrief",
                              on_click=lambda: debrief.set(not debrief.value), outlined=True)
            if debrief.value:
                with solara.Div(classes=["bp-debrief"]):
                    solara.HTML(tag="h2", unsafe_innerHTML="Debrief: each person against the model's choice")
                    solara.HTML(tag="div", unsafe_innerHTML=summary_table(room.summary()))
                    solara.FileDownload(room.debrief_csv(), filename=f"room-{room.code}-debrief.csv",
                                        label="Download the debrief (CSV)")
            solara.HTML(tag="div", classes=["bp-market"], unsafe_innerHTML=pane_html(
                f"{room.model.describe('A')}, the whole market", series, room.model.network("A"), limits,
                room.model.steps_total, ROOM_MONITORS))


def timer_label(seconds: float) -> str:
    return f"every {seconds:g} s"


@solara.component
def JoinScreen(room: Room):
    """A phone without a seat: take a free one, or be given one."""
    router = solara.use_router()
    use_room_version(room)
    error = solara.use_reactive("")

    def take(seat_id: str | None) -> None:
        try:
            seat_id, token = room.join(solara.get_session_id(), seat_id)
        except (LookupError, PermissionError) as exc:
            error.set(str(exc))
            return
        go(router, room=room.code, seat=seat_id, token=token)

    with solara.Div(classes=["bp-room", "bp-phone"]):
        solara.HTML(tag="h1", unsafe_innerHTML=f"Room {room.code}: take a seat")
        if error.value:
            solara.HTML(tag="p", unsafe_innerHTML=escape(error.value))
        solara.Button("Give me a seat", on_click=lambda: take(None), color="primary")
        with solara.Div(classes=["bp-quad"]):
            for seat in room.seats.values():
                solara.Button(seat.label, on_click=lambda s=seat.id: take(s), disabled=seat.taken, outlined=True)


def choice_pair(options: list[tuple[str, object]], current, on_choose) -> None:
    with solara.Div(classes=["bp-pair"]):
        for label, value in options:
            chosen = current == value
            solara.Button(("✓ " if chosen else "") + label, on_click=lambda v=value: on_choose(v),
                          classes=["bp-chosen"] if chosen else [], outlined=not chosen)


@solara.component
def SeatScreen(room: Room, seat: Seat, token: str):
    """A phone at its seat: what happened, its own numbers, this week's choices."""
    use_room_version(room)
    browser = solara.get_session_id()

    def decide(**choice) -> None:
        room.decide(seat.id, token, browser, **choice)

    out = room.outcomes(seat) if room.week else {}
    review = room.next_review()
    with solara.Div(classes=["bp-room", "bp-phone"]):
        solara.HTML(tag="h1", unsafe_innerHTML=f"You are {seat.label} · week {room.week}")
        solara.HTML(tag="div", classes=["bp-told"],
                    unsafe_innerHTML="".join(f"<p>{escape(line)}</p>" for line in room.told(seat)))
        if seat.kind == "vendor":
            figures = [("your margin", out.get("vendor_margin")), ("you were paid", out.get("payments")),
                       ("clients' trust in you", out.get("client_trust_in_you")),
                       ("your trust in them", out.get("trust_in_client"))]
        else:
            figures = [("your value", out.get("client_net_value")), ("you paid", out.get("payments")),
                       ("your trust in the vendor", out.get("trust_in_vendor")),
                       ("its trust in you", out.get("vendor_trust_in_you"))]
        solara.HTML(tag="div", classes=["bp-monitors"], unsafe_innerHTML="".join(
            f'<div class="bp-monitor"><span class="bp-mlabel">{escape(label)}</span>'
            f'<span class="bp-mvalue">{"–" if value is None else number(value)}</span>'
            f'<span class="bp-mwhat">this week</span></div>' for label, value in figures))
        solara.HTML(tag="h2", unsafe_innerHTML=f"Your choices for week {room.week + 1}")
        choice = seat.choice
        if seat.kind == "vendor":
            share = int(round(100 * choice["quality_share"]))
            solara.HTML(tag="div", unsafe_innerHTML=(
                f"Effort on quality: <b>{share}%</b> (the rest on volume)"))
            with solara.Div(classes=["bp-hidden-label"]):  # the line above shows it with its value
                solara.SliderInt("Effort on quality (%)", value=share, min=0, max=100, step=10,
                                 on_value=lambda v: decide(quality_share=v / 100.0), thumb_label=False)
            choice_pair([("Work honestly", False), ("Cut corners", True)], choice["cut_corners"],
                        lambda v: decide(cut_corners=v))
            choice_pair([("Flag breaks", True), ("Keep quiet", False)], choice["flag_breaks"],
                        lambda v: decide(flag_breaks=v))
        else:
            choice_pair([("Audit", True), ("No audit", False)], choice["audit"], lambda v: decide(audit=v))
            choice_pair([("Give feedback", True), ("No feedback", False)], choice["feedback"],
                        lambda v: decide(feedback=v))
            solara.HTML(tag="div", unsafe_innerHTML=(
                f"At the review (week {review}):" if review else "No reviews in this contract."))
            with solara.Div(classes=["bp-quad"]):
                for option in REVIEW_CHOICES:
                    chosen = choice["review"] == option
                    solara.Button(("✓ " if chosen else "") + option.capitalize(),  # "Re-price" (title() gave "Re-Price")
                                  on_click=lambda o=option: decide(review=o),
                                  classes=["bp-chosen"] if chosen else [], outlined=not chosen)
        solara.HTML(tag="p", classes=["bp-saved"] if seat.decided_week == room.week else [], unsafe_innerHTML=(
            "Saved for the next week." if seat.decided_week == room.week else "Keeping your last choices.")
            + (f" The next week starts on a timer ({timer_label(room.timer_seconds)})."
               if room.timer_seconds is not None else ""))


@solara.component
def RoomScreen(query: dict[str, str]):
    """Which room screen this address asks for."""
    solara.Style(CSS + ROOM_CSS)
    code = query.get("room", "")
    if code == "new":
        OpenRoom()
        return
    room = ROOMS.get(code.upper())
    if room is None:
        solara.HTML(tag="div", classes=["bp-room"], unsafe_innerHTML=(
            f"<h1>No room {escape(code)}</h1><p>Check the code on the projector.</p>"))
        return
    browser = solara.get_session_id()
    if "host" in query:
        if room.is_host(query["host"], browser):
            HostScreen(room)
        else:
            solara.HTML(tag="div", classes=["bp-room"], unsafe_innerHTML="<h1>This is not the facilitator's browser</h1>")
        return
    if "seat" in query:
        try:
            seat = room.seat_for(query["seat"], query.get("token", ""), browser)
        except PermissionError as exc:
            solara.HTML(tag="div", classes=["bp-room", "bp-phone"],
                        unsafe_innerHTML=f"<h1>{escape(str(exc).capitalize())}</h1><p>Pick a free seat below.</p>")
            JoinScreen(room)
            return
        SeatScreen(room, seat, query.get("token", ""))
        return
    JoinScreen(room)
