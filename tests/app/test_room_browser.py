"""Room mode in a real browser: a projector and several phones in one room.

The facilitator opens a room; phones join (one picks a seat, one is given one), decide, and see
each advanced week; a phone that reloads, or drops and opens its link again, comes back to its
seat; the same seat link opened on another phone is refused; the debrief downloads as CSV with
each person's choices beside the model's; the timer advances the weeks until stopped, and a
phone that does not decide keeps its last choice. On a projector (1366x768, and 1280x720) the
join link, the QR code and the market's charts are all in view without scrolling, with text of
14 px or more, none cut off (axis titles included), and nothing covering anything.
Screenshots of each screen are kept in artifacts/dashboard/.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from conftest import PROJECTORS, VIEWPORTS  # tests/app is on sys.path (pytest puts a conftest's folder there)
from test_page_browser import choose, layout_problems, reachable_from_the_network

from bposim.app.room import SIZES

pytestmark = pytest.mark.slow


def phone(browser):
    context = browser.new_context(viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True)
    return context.new_page()


def at_week(pg, week: int, timeout: float = 30_000) -> None:
    """Poll until the screen's title shows week `week` (generous: the machine may be busy)."""
    pg.locator("h1", has_text=re.compile(rf"· week {week}( |$)")).wait_for(timeout=timeout)


def open_room(browser, server, size: str | None = None, projector: str = "projector"):
    """A room opened on a projector (a VIEWPORTS name) from the lessons' page: (host page, code)."""
    context = browser.new_context(viewport=VIEWPORTS[projector], accept_downloads=True)
    host = context.new_page()
    host.goto(server["url"])
    host.get_by_role("button", name="Room ▸").click()
    if size is not None:
        choose(host, "Room size", size)
    host.get_by_role("button", name="Open the room").click()
    host.get_by_role("button", name="Advance week").wait_for(timeout=30_000)
    code = re.search(r"room=([A-Z0-9]{4})&host=", host.url).group(1)
    return host, code


@pytest.fixture
def room(browser, server, artifacts):
    """A room opened on a projector: (host page, code, base URL)."""
    host, code = open_room(browser, server)
    yield host, code, server["url"]
    host.context.close()


def seated(browser, url: str, code: str, seat: str | None = None):
    """A phone at a seat of room `code`: the named one, or the one it is given."""
    pg = phone(browser)
    pg.goto(f"{url}?room={code}")
    pg.get_by_role("button", name=seat or "Give me a seat").click()
    pg.get_by_text("You are ").wait_for(timeout=30_000)
    return pg


def test_a_room_with_phones_join_decide_advance_reload_and_debrief(browser, room, artifacts):
    host, code, url = room
    join = host.locator(".bp-join")
    assert join.locator("svg").count() == 1  # the QR code
    assert f"?room={code}" in join.inner_text()
    one, two = phone(browser), phone(browser)
    one.goto(f"{url}?room={code}")
    one.get_by_role("button", name="Vendor 0").click()
    one.get_by_text("You are Vendor 0").wait_for()
    two.goto(f"{url}?room={code}")
    two.get_by_role("button", name="Give me a seat").click()
    two.get_by_text("You are Client 0").wait_for()
    one.get_by_role("button", name="Cut corners").click()
    one.get_by_role("button", name="✓ Cut corners").wait_for()
    two.get_by_role("button", name="Switch").click()
    two.get_by_role("button", name="✓ Switch").wait_for()
    host.locator("[data-seat='vendor-0'][data-state='ready']", has_text="✓").wait_for()
    host.locator("[data-seat='client-0'][data-state='ready']", has_text="✓").wait_for()
    one.screenshot(path=str(artifacts / "room-phone-vendor.png"))
    two.screenshot(path=str(artifacts / "room-phone-client.png"))
    for pg in (one, two):
        problems = layout_problems(pg, charts_in_view=False, need_charts=False)
        assert problems == [], "\n".join(problems)

    host.get_by_role("button", name="Advance week").click()
    at_week(one, 1)  # every phone hears of it (bench_dashboard.py times how fast)
    at_week(two, 1)

    # A reload comes back to the seat, with its choices.
    one.reload()
    one.get_by_text("You are Vendor 0").wait_for(timeout=30_000)
    one.get_by_role("button", name="✓ Cut corners").wait_for()
    # So does a phone that drops (its tab gone, a week played without it) and opens its link again.
    seat_url, context = one.url, one.context
    one.close()
    host.get_by_role("button", name="Advance week").click()
    host.locator("h1", has_text="week 2 of 156").wait_for(timeout=30_000)
    one = context.new_page()
    one.goto(seat_url)
    one.get_by_text("You are Vendor 0 · week 2").wait_for(timeout=30_000)
    one.get_by_role("button", name="✓ Cut corners").wait_for()

    # Up to the first review: the client's switch happens there.
    for week in range(3, 14):
        host.get_by_role("button", name="Advance week").click()
        host.locator("h1", has_text=f"week {week} of 156").wait_for(timeout=30_000)
    at_week(two, 13)
    two.get_by_text("You switched").wait_for()
    host.screenshot(path=str(artifacts / "room-projector.png"), full_page=True)

    host.get_by_role("button", name="Debrief").click()
    host.get_by_text("each person against the model's choice").wait_for()
    with host.expect_download() as download:
        host.get_by_role("button", name="Download the debrief (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    assert {row["seat"] for row in rows} == {"vendor-0", "client-0"}
    assert len(rows) == 2 * 13
    assert {row["your_cut_corners"] for row in rows if row["seat"] == "vendor-0"} == {"True"}
    review = [row for row in rows if row["seat"] == "client-0" and row["week"] == "13"][0]
    assert review["your_review"] == "switch" and review["model_review"]
    host.screenshot(path=str(artifacts / "room-debrief.png"), full_page=True)
    one.context.close()
    two.context.close()


def test_a_seat_link_does_not_work_on_another_phone(browser, room):
    host, code, url = room
    owner, thief = phone(browser), phone(browser)
    owner.goto(f"{url}?room={code}")
    owner.get_by_role("button", name="Client 1").click()
    owner.get_by_text("You are Client 1").wait_for()
    thief.goto(owner.url)  # the owner's whole address, token and all
    thief.get_by_text("This seat belongs to another phone").wait_for()
    assert thief.get_by_text("You are Client 1").count() == 0
    assert thief.get_by_role("button", name="Client 1").is_disabled()  # taken
    owner.context.close()
    thief.context.close()


LARGEST = list(SIZES)[-1]


def projector_in_view(host, projector: str) -> list[str]:
    """What is wrong with the projector's screen: the layout check with every chart in view,
    and the join panel (code, QR code, link) wholly in view, with no page to scroll."""
    problems = layout_problems(host, charts_in_view=True)
    view = VIEWPORTS[projector]
    for part in (".bp-join .bp-code", ".bp-join svg", ".bp-join .bp-link", ".bp-seats"):
        box = host.locator(part).bounding_box()
        if box is None or box["y"] < 0 or box["y"] + box["height"] > view["height"] + 1 \
                or box["x"] < 0 or box["x"] + box["width"] > view["width"] + 1:
            problems.append(f"{part} is not in view: {box}")
    if host.locator(".bp-join svg").bounding_box()["width"] < 150:
        problems.append("the QR code is too small to scan from the room")
    height = host.evaluate("document.documentElement.scrollHeight")
    if height > view["height"]:
        problems.append(f"the page scrolls: {height} px > {view['height']} px")
    return problems


@pytest.mark.parametrize("projector", PROJECTORS)
def test_the_projector_shows_the_join_link_the_qr_code_and_the_market_without_scrolling(
        browser, server, artifacts, projector):
    """The largest room on a projector (1366x768, 1280x720), in each state a session passes
    through: just opened, phones seated and deciding, weeks played, the timer on; the debrief
    (which scrolls) still covers nothing."""
    host, code = open_room(browser, server, LARGEST, projector)
    try:
        states = {}
        host.locator(".bp-panel").first.wait_for()
        states["open"] = projector_in_view(host, projector)
        host.screenshot(path=str(artifacts / f"room-{projector}-open.png"))

        joining = phone(browser)  # a phone's join screen: the largest room's 30 seat buttons
        joining.goto(f"{server['url']}?room={code}")
        joining.get_by_role("button", name="Vendor 5").wait_for(timeout=30_000)
        states["phone join"] = layout_problems(joining, charts_in_view=False, need_charts=False)
        if joining.locator(".bp-quad").bounding_box()["width"] < 0.9 * VIEWPORTS["phone"]["width"]:
            states["phone join"].append("the seat buttons leave the phone's width unused")
        joining.screenshot(path=str(artifacts / "room-phone-join.png"), full_page=True)
        joining.context.close()

        phones = [seated(browser, server["url"], code) for _ in range(3)]
        phones.append(seated(browser, server["url"], code, "Vendor 5"))
        phones[0].get_by_role("button", name="Audit", exact=True).click()
        phones[-1].get_by_role("button", name="Cut corners").click()
        host.locator("[data-state='ready']").nth(1).wait_for()
        host.locator(".bp-seat-count", has_text="4 of 30 seats").wait_for()
        states["seated"] = projector_in_view(host, projector)
        host.screenshot(path=str(artifacts / f"room-{projector}-seated.png"))

        for week in range(1, 16):  # past the first review
            host.get_by_role("button", name="Advance week").click()
            at_week(host, week)
        host.locator(".bp-panel polyline").first.wait_for()
        states["played"] = projector_in_view(host, projector)
        host.screenshot(path=str(artifacts / f"room-{projector}-played.png"))

        choose(host, "Timer period", "every 60 s")
        host.get_by_role("button", name="Start timer").click()
        host.locator(".bp-timer-on", has_text="a week every 60 s").wait_for()
        states["timer"] = projector_in_view(host, projector)
        host.screenshot(path=str(artifacts / f"room-{projector}-timer.png"))
        host.get_by_role("button", name="Stop timer").click()
        host.get_by_role("button", name="Start timer").wait_for()

        host.get_by_role("button", name="Debrief").click()
        host.get_by_text("each person against the model's choice").wait_for()
        states["debrief"] = layout_problems(host, charts_in_view=False)
        host.screenshot(path=str(artifacts / f"room-{projector}-debrief.png"), full_page=True)
        assert {state: p for state, p in states.items() if p} == {}
        for pg in phones:
            pg.context.close()
    finally:
        host.context.close()


def test_the_timer_advances_the_weeks_on_every_phone_until_stopped_and_an_undecided_seat_keeps_its_choice(
        browser, room):
    host, code, url = room
    vendor = seated(browser, url, code, "Vendor 1")
    vendor.get_by_role("button", name="Cut corners").click()  # decided once, in week 0, never again
    vendor.get_by_role("button", name="✓ Cut corners").wait_for()
    choose(host, "Timer period", "every 10 s")
    host.get_by_role("button", name="Start timer").click()
    host.locator(".bp-timer-on", has_text="every 10 s").wait_for()
    vendor.get_by_text("The next week starts on a timer (every 10 s)").wait_for()
    at_week(vendor, 2, timeout=90_000)  # nobody pressed Advance
    host.get_by_role("button", name="Stop timer").click()
    host.get_by_role("button", name="Start timer").wait_for()
    stopped = int(re.search(r"week (\d+) of", host.locator("h1").inner_text()).group(1))
    vendor.get_by_role("button", name="✓ Cut corners").wait_for()  # still its choice, undecided since
    vendor.get_by_text("Keeping your last choices.").wait_for()
    assert vendor.get_by_text("on a timer").count() == 0
    host.get_by_role("button", name="Advance week").click()  # by hand again: exactly one week on
    at_week(vendor, stopped + 1)
    host.get_by_role("button", name="Debrief").click()
    with host.expect_download() as download:
        host.get_by_role("button", name="Download the debrief (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    assert [int(row["week"]) for row in rows] == list(range(1, stopped + 2))
    assert {row["your_cut_corners"] for row in rows} == {"True"}
    assert [row["decided_this_week"] for row in rows] == ["True"] + ["False"] * stopped
    vendor.context.close()


def test_bposim_dashboard_room_opens_straight_into_room_mode(browser, launch, artifacts):
    url = launch("room-mode", {}, ("--room",))
    assert not reachable_from_the_network(int(url.rsplit(":", 1)[1].strip("/")))  # --room alone shares nothing
    context = browser.new_context(viewport=VIEWPORTS["projector"])
    pg = context.new_page()
    try:
        pg.goto(url)
        pg.get_by_role("button", name="Open the room").wait_for(timeout=90_000)
        pg.get_by_role("link", name="the lessons").click()
        pg.locator(".bp-week").wait_for(timeout=90_000)  # the lessons' page, one link away
        assert pg.get_by_role("button", name="Open the room").count() == 0
    finally:
        context.close()
