"""Room mode in a real browser: a projector and several phones in one room.

The facilitator opens a room; phones join (one picks a seat, one is given one), decide, and see
each advanced week; a phone that reloads comes back to its seat; the same seat link opened on
another phone is refused; the debrief downloads as CSV with each person's choices beside the
model's. Screenshots of each screen are kept in artifacts/dashboard/.
"""

from __future__ import annotations

import csv
import io
import re
import time

import pytest
from conftest import VIEWPORTS  # tests/app is on sys.path (pytest puts a conftest's folder there)
from test_page_browser import layout_problems

pytestmark = pytest.mark.slow


def phone(browser):
    context = browser.new_context(viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True)
    return context.new_page()


def at_week(pg, week: int, timeout: float = 10_000) -> None:
    pg.locator("h1", has_text=re.compile(rf"· week {week}( |$)")).wait_for(timeout=timeout)


@pytest.fixture
def room(browser, server, artifacts):
    """A room opened on a projector: (host page, code, base URL)."""
    context = browser.new_context(viewport=VIEWPORTS["projector"], accept_downloads=True)
    host = context.new_page()
    host.goto(server["url"])
    host.get_by_role("button", name="Room ▸").click()
    host.get_by_role("button", name="Open the room").click()
    host.get_by_role("button", name="Advance week").wait_for(timeout=30_000)
    code = re.search(r"room=([A-Z0-9]{4})&host=", host.url).group(1)
    yield host, code, server["url"]
    context.close()


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
    host.locator("[data-seat='vendor-0']", has_text="person ✓").wait_for()
    host.locator("[data-seat='client-0']", has_text="person ✓").wait_for()
    one.screenshot(path=str(artifacts / "room-phone-vendor.png"))
    two.screenshot(path=str(artifacts / "room-phone-client.png"))
    for pg in (one, two):
        problems = layout_problems(pg, charts_in_view=False, need_charts=False)
        assert problems == [], "\n".join(problems)

    started = time.perf_counter()
    host.get_by_role("button", name="Advance week").click()
    at_week(one, 1)
    at_week(two, 1)
    assert time.perf_counter() - started < 5.0  # every phone hears of it (the load check times it)

    # A reload comes back to the seat, with its choices.
    one.reload()
    one.get_by_text("You are Vendor 0").wait_for(timeout=30_000)
    one.get_by_role("button", name="✓ Cut corners").wait_for()

    # Up to the first review: the client's switch happens there.
    for week in range(2, 14):
        host.get_by_role("button", name="Advance week").click()
        host.locator("h1", has_text=f"week {week} of 156").wait_for()
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
