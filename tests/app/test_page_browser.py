"""The workshop page in a real headless browser (Debian's chromium, driven by Playwright).

Each test opens its own browser session, acts as a facilitator would (pick a lesson, step,
compare A/B) and checks what the room would see. A screenshot of each state is kept in
artifacts/dashboard/.
"""

from __future__ import annotations

import json
import time
import urllib.request

import pytest

pytestmark = pytest.mark.slow


def pane(page, name: str):
    """The card of contract `name` ("A" or "B")."""
    return page.locator(".v-card", has_text=f"Contract {name}:").last


def image_src(page, name: str) -> str:
    return pane(page, name).locator("img").first.get_attribute("src")


def wait_for_new_image(page, name: str, old: str) -> str:
    page.wait_for_function(
        """([title, old]) => {
            const cards = [...document.querySelectorAll('.v-card')].filter(c => c.innerText.includes(title));
            const img = cards.length ? cards[cards.length - 1].querySelector('img') : null;
            return img && img.src && img.src !== old;
        }""", arg=[f"Contract {name}:", old], timeout=30_000)
    return image_src(page, name)


def choose(page, label: str, option: str) -> None:
    page.get_by_role("button", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_page_loads_offline_with_controls_and_plots(page, server, artifacts):
    page.get_by_text("bposim workshop").first.wait_for()
    for button in ("Reset", "Step", "▶"):
        assert page.get_by_role("button", name=button).count() >= 1, button
    for slider in ("Audit intensity", "Metric gameability", "Feedback clarity", "Two-way feedback",
                   "Context sharing", "Recognition"):
        assert page.get_by_role("slider", name=slider).count() == 1, slider
    for box in ("Quarterly reviews", "Pressure shock (weeks 53-60)", "Compare A/B"):
        assert page.get_by_role("checkbox", name=box).count() == 1, box
    assert pane(page, "A").locator("img").count() == 1
    assert pane(page, "B").count() == 0
    page.screenshot(path=str(artifacts / "01-loaded.png"), full_page=True)
    # Offline: the browser asked only the server for anything, and the server fetched nothing
    # from a CDN on its behalf.
    outside = [u for u in page.requested if not u.startswith(server["url"].rstrip("/")) and
               not u.startswith(("blob:", "data:", server["url"].replace("http", "ws")))]
    assert outside == []
    assert "Could not load URL" not in server["log"].read_text()


def test_choosing_a_lesson_sets_the_controls(page, artifacts):
    choose(page, "Lesson", "Share your playbook")
    page.get_by_text("Ask the room:").wait_for()
    page.get_by_text("Contract B: hybrid + context sharing 0.9").wait_for()
    assert page.get_by_role("slider", name="Context sharing").get_attribute("aria-valuenow") == "0.1"
    assert page.get_by_role("checkbox", name="Compare A/B").is_checked()
    page.screenshot(path=str(artifacts / "02-lesson-playbook.png"), full_page=True)

    choose(page, "Lesson", "Pay per volume and watch the corners get cut")
    page.get_by_text("Contract B: shared outcome").wait_for()
    assert not page.get_by_role("checkbox", name="Quarterly reviews").is_checked()
    assert page.get_by_role("slider", name="Context sharing").get_attribute("aria-valuenow") == "0.5"
    assert page.get_by_text("Time: 0").count() == 1  # a lesson starts from week 0
    page.screenshot(path=str(artifacts / "03-lesson-corners.png"), full_page=True)


def test_a_step_moves_the_plots(page, artifacts):
    before = image_src(page, "A")
    page.get_by_role("button", name="Step").click()
    page.get_by_text("Time: 1").wait_for()
    after = wait_for_new_image(page, "A", before)
    assert after != before
    pane(page, "A").get_by_text("week 1 of 156").wait_for()
    for week in range(2, 6):
        page.get_by_role("button", name="Step").click()
        page.get_by_text(f"Time: {week}").wait_for()
    pane(page, "A").get_by_text("week 5 of 156").wait_for()
    page.screenshot(path=str(artifacts / "04-after-5-steps.png"), full_page=True)


def test_play_runs_weeks_until_paused(page):
    page.get_by_role("button", name="▶").click()
    page.get_by_text("Time: 3").wait_for(timeout=30_000)
    page.get_by_role("button", name="❚❚").click()
    page.get_by_role("button", name="▶").wait_for()


def test_ab_mode_shows_both_panes_on_one_run(page, artifacts):
    page.locator("label", has_text="Compare A/B").click()  # Vuetify's ripple covers the input itself
    assert page.get_by_role("checkbox", name="Compare A/B").is_checked()
    choose(page, "Contract (B)", "quality_weighted")
    page.get_by_role("button", name="Reset").click()
    page.get_by_text("Contract B: quality weighted").wait_for()
    page.get_by_text("Contract A: per volume").wait_for()
    before_a, before_b = image_src(page, "A"), image_src(page, "B")
    for week in range(1, 4):
        page.get_by_role("button", name="Step").click()
        page.get_by_text(f"Time: {week}").wait_for()
    wait_for_new_image(page, "A", before_a)
    wait_for_new_image(page, "B", before_b)
    pane(page, "B").get_by_text("week 3 of 156").wait_for()
    page.screenshot(path=str(artifacts / "05-ab-mode.png"), full_page=True)


def test_each_browser_session_has_its_own_model(browser, server, page):
    other = browser.new_context().new_page()
    other.goto(server["url"])
    other.get_by_text("Time: 0").wait_for(timeout=90_000)
    page.get_by_role("button", name="Step").click()
    page.get_by_text("Time: 1").wait_for()
    other.wait_for_timeout(1000)
    assert other.get_by_text("Time: 0").count() == 1
    assert other.get_by_text("Time: 1").count() == 0
    other.context.close()


def test_closed_sessions_are_released(browser, launch):
    """A browser that leaves gives its model back: Solara keeps a closed session 24 h by default,
    bposim-dashboard sets the cull timeout (here 3 s) so a workshop's memory does not pile up."""
    url = launch("cull", {"SOLARA_KERNEL_CULL_TIMEOUT": "3s"})

    def kernels() -> int:
        with urllib.request.urlopen(url + "resourcez") as response:
            return json.load(response)["kernels"]["total"]

    context = browser.new_context()
    pg = context.new_page()
    pg.goto(url)
    pg.get_by_text("Time: 0").wait_for(timeout=90_000)
    assert kernels() == 1
    context.close()
    deadline = time.time() + 30
    while kernels() and time.time() < deadline:
        time.sleep(0.5)
    assert kernels() == 0
