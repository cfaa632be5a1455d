"""The workshop page in a real headless browser (Debian's chromium, driven by Playwright).

Each test opens its own browser session, acts as a facilitator would (pick a lesson, step,
compare A/B, move a lever) and checks what the room would see. The layout tests measure the
page on two projectors (1366x768, and 1280x720, the smallest common one) and a phone (390x844):
every chart in view (on a projector) or within the screen's width (on the phone), text of 14 px
or more, none cut off by its box (axis titles included), no word broken across lines, nothing
covering anything else. A screenshot of each state is kept in
artifacts/dashboard/.
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import time
import urllib.request

import pytest

from bposim.app.lessons import LESSONS
from bposim.app.levers import LEVERS
from bposim.app.room_page import lan_address

from conftest import VIEWPORTS, wait_week  # tests/app is on sys.path (pytest puts a conftest's folder there)

pytestmark = pytest.mark.slow

MIN_TEXT_PX = 14

# Problems a person would see, measured in the page: [] when the layout is right.
LAYOUT_PROBLEMS = """(args) => {
  const [minPx, chartsInView, needCharts] = args;
  const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
  const problems = [];
  const box = el => el.getBoundingClientRect();
  const shown = el => { const r = box(el); const s = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && s.visibility !== 'hidden' && s.display !== 'none'; };
  // What can be seen of an element: the part in the view and in the scrolling body.
  const body = document.querySelector('.bp-body');
  const seen = el => { let r = box(el); const clips = [{left: 0, top: 0, right: vw, bottom: vh}];
    if (body && body.contains(el)) clips.push(box(body));
    for (const c of clips) r = {left: Math.max(r.left, c.left), top: Math.max(r.top, c.top),
                                right: Math.min(r.right, c.right), bottom: Math.min(r.bottom, c.bottom)};
    return r; };
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
                            Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  const inside = (a, b) => a.left >= b.left - 1 && a.right <= b.right + 1 && a.top >= b.top - 1 &&
                           a.bottom <= b.bottom + 1;
  const name = el => (el.className && el.className.baseVal === undefined ? '.' + String(el.className).split(' ')[0] : el.tagName)
                     + ' "' + (el.innerText || '').trim().slice(0, 30) + '"';
  // Text: size, and no word broken across two lines.
  const root = document.querySelector('.bp-root') || document.querySelector('.bp-room');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const texts = [];
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !el || !shown(el)) continue;
    if (el.closest('.bp-hidden-label .v-label')) continue;  // read by screen readers only
    const px = parseFloat(getComputedStyle(el).fontSize);
    if (px < minPx) problems.push(`text ${px}px < ${minPx}px: "${node.textContent.trim().slice(0, 40)}"`);
    for (const m of node.textContent.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
      const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (lines.size > 1) problems.push(`word broken across lines: "${m[0]}"`);
    }
    texts.push([node, el]);
  }
  // Text cut off by the box that holds it (an axis title longer than its chart is tall, a title
  // wider than its panel). The lesson's one-line header is cut on purpose: its whole text opens
  // under Script. Vuetify's own controls are left to Vuetify.
  for (const el of root.querySelectorAll('*')) {
    if (el.closest('.bp-lesson-line, .v-input, .v-btn') || !el.textContent.trim() || !shown(el)) continue;
    const s = getComputedStyle(el);
    if (![s.overflowX, s.overflowY].some(o => o === 'hidden' || o === 'clip')) continue;
    if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)
      problems.push(`text cut: ${name(el)} needs ${el.scrollWidth}x${el.scrollHeight} px, has ${el.clientWidth}x${el.clientHeight}`);
  }
  // Charts: in view (projector) or within the width (phone); their text stays inside them and
  // no two labels in a chart overlap.
  const panels = [...document.querySelectorAll('.bp-panel')];
  if (needCharts && !panels.length) problems.push('no charts');
  for (const p of panels) {
    const r = box(p);
    if (r.left < -1 || r.right > vw + 1) problems.push(`chart outside the width: ${name(p)}`);
    if (chartsInView && (r.top < -1 || r.bottom > vh + 1)) problems.push(`chart outside the view: ${name(p)} ${Math.round(r.top)}-${Math.round(r.bottom)}`);
    if (r.height < 120) problems.push(`chart too small: ${name(p)} ${Math.round(r.height)} px tall`);
    const rects = [];
    for (const [node, el] of texts) {
      if (!p.contains(el)) continue;
      // The network's ✕ marks sit on the edges they mark: where edges cross, so do their marks.
      const mark = el.closest('.bp-gmark');
      const range = document.createRange(); range.selectNodeContents(node);
      for (const t of range.getClientRects()) {
        if (t.width <= 0) continue;
        if (!inside(t, r)) problems.push(`text outside its chart: "${node.textContent.trim()}" in ${name(p)}`);
        if (mark) continue;
        for (const [u, other] of rects) if (overlap(t, u)) problems.push(`labels overlap: "${other}" and "${node.textContent.trim()}"`);
        rects.push([t, node.textContent.trim()]);
      }
    }
  }
  // Blocks a person reads or presses: none overlaps another, none is covered (by a badge, a
  // sidebar, a sticky bar) at its centre.
  const blocks = [...document.querySelectorAll('.bp-panel, .bp-monitor, .bp-bar .v-btn, .bp-week, .bp-waiting, ' +
                                               '.bp-lesson-line, .bp-lesson .v-btn, .bp-pane-title, .bp-lesson-select, .bp-lever, ' +
                                               '.bp-phone .v-btn, .bp-told, .bp-join, .bp-seat, .bp-seat-count, ' +
                                               '.bp-host h1, .bp-controls .v-btn, .bp-timer-select, .bp-timer-on')].filter(shown);
  for (let i = 0; i < blocks.length; i++) {
    for (let j = i + 1; j < blocks.length; j++) {
      const a = blocks[i], b = blocks[j];
      if (a.contains(b) || b.contains(a)) continue;
      if (overlap(seen(a), seen(b))) problems.push(`overlap: ${name(a)} and ${name(b)}`);
    }
    const r = seen(blocks[i]);
    if (r.right - r.left < 2 || r.bottom - r.top < 2) continue;  // scrolled out of view (phone)
    const x = (r.left + r.right) / 2, y = (r.top + r.bottom) / 2;
    const hit = document.elementFromPoint(x, y);
    if (hit && !blocks[i].contains(hit) && !hit.contains(blocks[i])) problems.push(`covered: ${name(blocks[i])} by ${name(hit)}`);
  }
  if (document.documentElement.scrollWidth > vw + 1) problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${vw}`);
  if (document.body.innerText.includes('runs on Solara')) problems.push('the Solara badge is shown');
  return problems;
}"""


LESSON_DEADLINE = 30_000  # ms: generous, for a busy machine; the benchmark times a lesson's arrival


def stays(page, expression: str, value, seconds: float) -> bool:
    """Whether `expression` keeps `value` for `seconds`, read every 100 ms (a change fails at once)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if page.evaluate(expression) != value:
            return False
        page.wait_for_timeout(100)
    return page.evaluate(expression) == value


def layout_problems(page, charts_in_view: bool, need_charts: bool = True) -> list[str]:
    return page.evaluate(LAYOUT_PROBLEMS, [MIN_TEXT_PX, charts_in_view, need_charts])


def pane(page, name: str):
    """The pane of contract `name` ("A" or "B")."""
    return page.locator(f".bp-pane[data-pane='{name}']")


def lines_of(page, name: str) -> list[str]:
    return pane(page, name).locator("polyline").evaluate_all("ls => ls.map(l => l.getAttribute('points'))")


def wait_lines(page, name: str, weeks: int) -> list[str]:
    """Poll until every line of pane `name` has `weeks` points (the counter and the charts are
    separate widgets, so they can arrive a moment apart); the lines' points."""
    page.wait_for_function("""([name, weeks]) => {
        const lines = [...document.querySelectorAll(`.bp-pane[data-pane='${name}'] polyline`)];
        return lines.length > 0 && lines.every(l => l.getAttribute('points').split(' ').length === weeks);
    }""", arg=[name, weeks], timeout=30_000)
    return lines_of(page, name)


def choose(page, label: str, option: str) -> None:
    page.get_by_role("button", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def step(page, weeks: int) -> None:
    start = int(page.locator(".bp-week").text_content().split()[1])
    for week in range(start + 1, start + weeks + 1):
        page.get_by_role("button", name="Step").click()
        wait_week(page, week)


def open_levers(page) -> None:
    page.get_by_role("button", name="Levers ▾").click()
    page.locator(".bp-levers").wait_for()


def reachable_from_the_network(port: int) -> bool:
    """Whether this machine's network address answers on `port` (skips without one)."""
    address = lan_address()
    if ipaddress.ip_address(address).is_loopback:
        pytest.skip("this machine has no network address to try")
    try:
        socket.create_connection((address, port), timeout=5).close()
        return True
    except OSError:
        return False


def test_the_page_serves_this_machine_only_by_default(server):
    port = int(server["url"].rsplit(":", 1)[1].strip("/"))
    socket.create_connection(("127.0.0.1", port), timeout=5).close()
    assert not reachable_from_the_network(port)


def test_page_loads_offline_with_controls_and_charts(page, server, artifacts):
    for button in ("Reset", "Step", "▶ Play", "Levers ▾", "Script ▾"):
        assert page.get_by_role("button", name=button).count() == 1, button
    assert pane(page, "A").locator(".bp-panel").count() == 6
    assert pane(page, "B").count() == 0
    open_levers(page)
    for slider in ("Audit intensity", "Metric gameability", "Feedback clarity", "Two-way feedback",
                   "Context sharing", "Recognition", "Seed (same seed, same luck)"):
        assert page.get_by_role("slider", name=slider).count() == 1, slider
    for box in ("Quarterly reviews", "Pressure shock (weeks 53-60)", "Compare A/B"):
        assert page.get_by_role("checkbox", name=box).count() == 1, box
    page.screenshot(path=str(artifacts / "01-loaded-levers.png"), full_page=True)
    # Offline: the browser asked only the server for anything, and the server fetched nothing
    # from a CDN on its behalf.
    outside = [u for u in page.requested if not u.startswith(server["url"].rstrip("/")) and
               not u.startswith(("blob:", "data:", server["url"].replace("http", "ws")))]
    assert outside == []
    assert "Could not load URL" not in server["log"].read_text()


def test_every_lever_shows_its_value_and_its_meaning(page):
    open_levers(page)
    for lever in LEVERS:
        card = page.locator(".bp-lever", has_text=lever.meaning)
        assert card.count() == 1, lever.name
        shown = card.locator(".bp-lever-value").inner_text()
        if lever.kind == "check":
            expected = "on" if lever.default else "off"
        else:
            expected = lever.default.replace("_", " ") if lever.kind == "select" else f"{lever.default:g}"
        assert shown == expected, (lever.name, shown)
    assert page.locator(".bp-lever", has_text="Play speed").count() == 1  # Mesa's internals are gone
    for internal in ("Play Interval", "Render Interval", "Use Threads"):
        assert page.get_by_text(internal).count() == 0, internal


def test_choosing_a_lesson_applies_its_text_and_levers(page, artifacts):
    """The lesson's line, its B pane and its lever values all arrive (how fast is measured by
    benchmarks/bench_dashboard.py, not here: a timed test fails on a busy machine)."""
    lesson = next(lesson for lesson in LESSONS if lesson.title == "Share your playbook")
    choose(page, "Lesson", lesson.title)
    page.locator(".bp-lesson-line", has_text=lesson.question).wait_for(timeout=LESSON_DEADLINE)
    page.locator(".bp-pane-title", has_text="Contract B: hybrid + context sharing 0.9").wait_for(
        timeout=LESSON_DEADLINE)
    open_levers(page)
    assert page.get_by_role("slider", name="Context sharing").get_attribute("aria-valuenow") == "0.1"
    assert page.get_by_role("checkbox", name="Compare A/B").is_checked()
    page.screenshot(path=str(artifacts / "02-lesson-playbook.png"), full_page=True)

    choose(page, "Lesson", "Pay per volume and watch the corners get cut")
    page.locator(".bp-pane-title", has_text="Contract B: shared outcome").wait_for()
    assert not page.get_by_role("checkbox", name="Quarterly reviews").is_checked()
    assert page.get_by_role("slider", name="Context sharing").get_attribute("aria-valuenow") == "0.5"
    assert page.locator(".bp-week").text_content() == "Week 0 of 156"  # a lesson starts from week 0
    assert page.get_by_text("changes waiting").count() == 0
    # The monitors are the lesson's claims.
    lesson = next(lesson for lesson in LESSONS if lesson.key == "corners")
    shown = pane(page, "A").locator(".bp-monitor").evaluate_all("ms => ms.map(m => m.dataset.metric)")
    assert shown == [metric for metric, _ in lesson.expect]


def test_the_script_opens_under_the_one_line_header(page):
    choose(page, "Lesson", "Feedback that lands")
    lesson = next(lesson for lesson in LESSONS if lesson.key == "feedback")
    assert page.get_by_text(lesson.script).count() == 0
    page.get_by_role("button", name="Script ▾").click()
    page.get_by_text(lesson.script).wait_for()
    page.get_by_text("Ask the room:").wait_for()
    page.get_by_role("button", name="Script ▴").click()
    page.get_by_text(lesson.script).wait_for(state="detached")


def test_a_step_moves_the_charts(page, artifacts):
    before = lines_of(page, "A")
    assert before == []  # week 0: nothing drawn yet
    step(page, 1)
    assert len(wait_lines(page, "A", 1)) == 9  # the five charts' nine lines
    step(page, 4)
    wait_lines(page, "A", 5)
    assert pane(page, "A").locator(".bp-monitor .bp-mvalue").first.inner_text() != "–"
    page.screenshot(path=str(artifacts / "04-after-5-steps.png"), full_page=True)


def test_play_runs_weeks_until_paused(page):
    page.get_by_role("button", name="▶ Play").click()
    wait_week(page, 3)
    page.get_by_role("button", name="❚❚ Pause").click()
    page.get_by_role("button", name="▶ Play").wait_for()
    paused_at = page.locator(".bp-week").text_content()
    # Playing at 5 weeks a second would move on within a second: watch the counter for two.
    assert stays(page, "document.querySelector('.bp-week').textContent", paused_at, seconds=2.0)
    page.get_by_role("button", name="Step").click()  # enabled again, and one step is one week
    wait_week(page, int(paused_at.split()[1]) + 1)


def test_a_moved_lever_waits_for_reset_and_says_so(page, artifacts):
    open_levers(page)
    slider = page.get_by_role("slider", name="Audit intensity")
    slider.focus()
    slider.press("ArrowRight")
    page.get_by_text("changes waiting: press Reset").wait_for()
    # Each part of the page is its own widget, updated by its own message: wait for each (on a
    # busy machine the badge arrived before the lever's value).
    page.locator(".bp-lever", has_text="Audit intensity").locator(
        ".bp-lever-value", has_text=re.compile(r"^0\.125$")).wait_for()
    page.locator(".bp-running", has_text="Changes waiting: Audit intensity").wait_for()
    assert "audit intensity 0.1," in page.locator(".bp-running").inner_text()  # still the old run
    page.screenshot(path=str(artifacts / "06-changes-waiting.png"), full_page=True)
    page.get_by_role("button", name="Reset").click()
    page.get_by_text("changes waiting: press Reset").wait_for(state="detached")
    page.locator(".bp-running", has_text="audit intensity 0.125,").wait_for()


def test_ab_mode_shows_both_panes_on_one_run(page, artifacts):
    open_levers(page)
    page.locator(".bp-lever", has_text="Compare A/B").locator("input").check(force=True)
    choose(page, "Contract (B)", "quality_weighted")
    page.get_by_role("button", name="Reset").click()
    pane(page, "B").locator(".bp-pane-title", has_text="Contract B: quality weighted").wait_for()
    assert pane(page, "A").locator(".bp-pane-title").inner_text() == "Contract A: per volume"
    step(page, 3)
    assert wait_lines(page, "B", 3) != wait_lines(page, "A", 3)
    page.screenshot(path=str(artifacts / "05-ab-mode.png"), full_page=True)


@pytest.mark.parametrize("lesson", ["Free play", "Share your playbook", "When the pressure hits: would they take your calls?"])
def test_layout_for_the_room(screen, artifacts, lesson):
    """Projector: every chart in view with nothing to scroll. Phone: one column, A above B.
    Both: text of 14 px or more, no broken words, nothing covering anything."""
    if lesson != "Free play":
        choose(screen, "Lesson", lesson)
        screen.locator(".bp-pane[data-pane='B']").wait_for()
    step(screen, 12)
    projector = screen.screen.startswith("projector")
    problems = layout_problems(screen, charts_in_view=projector)
    slug = lesson.split(":")[0].lower().replace(" ", "-")
    screen.screenshot(path=str(artifacts / f"layout-{screen.screen}-{slug}.png"), full_page=not projector)
    assert problems == [], "\n".join(problems)
    if lesson != "Free play":
        a, b = pane(screen, "A").bounding_box(), pane(screen, "B").bounding_box()
        if projector:
            assert a["x"] + a["width"] <= b["x"]  # side by side
        else:
            assert a["y"] + a["height"] <= b["y"]  # A above B
            charts = screen.locator(".bp-panel").evaluate_all("ps => ps.map(p => p.getBoundingClientRect().left)")
            assert len(set(round(x) for x in charts)) == 1  # one column
    if projector:
        assert screen.evaluate("document.documentElement.scrollHeight") <= VIEWPORTS[screen.screen]["height"]
        header = screen.locator(".bp-lesson-line").bounding_box()
        tops = screen.locator(".bp-panel").evaluate_all("ps => ps.map(p => p.getBoundingClientRect().top)")
        assert 0 <= header["y"] and header["y"] + header["height"] <= min(tops)  # the charts under the header


def test_phone_controls_stay_in_reach_and_cover_nothing(browser, server, artifacts):
    """On a phone the bar stays on top while the charts scroll in their own box below it: a
    chart scrolled to is never under the bar, and Step is still in reach."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.goto(server["url"])
    wait_week(pg, 0, timeout=90_000)
    choose(pg, "Lesson", "Share your playbook")
    pane(pg, "B").wait_for()
    last = pg.locator(".bp-panel").last
    last.scroll_into_view_if_needed()
    bar, chart = pg.locator(".bp-bar").bounding_box(), last.bounding_box()
    assert bar["y"] == 0  # still at the top
    assert chart["y"] >= bar["y"] + bar["height"]  # and not over the chart scrolled to
    pg.get_by_role("button", name="Step").click()
    wait_week(pg, 1)
    problems = layout_problems(pg, charts_in_view=False)
    pg.screenshot(path=str(artifacts / "layout-phone-scrolled.png"))
    assert problems == [], "\n".join(problems)
    context.close()


def test_each_browser_session_has_its_own_model(browser, server, page):
    other = browser.new_context().new_page()
    other.goto(server["url"])
    wait_week(other, 0, timeout=90_000)
    step(page, 3)
    step(other, 1)  # one model for both would have shown week 4
    assert other.locator(".bp-week").text_content() == "Week 1 of 156"
    assert page.locator(".bp-week").text_content() == "Week 3 of 156"
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
    wait_week(pg, 0, timeout=90_000)
    assert kernels() == 1
    context.close()
    deadline = time.time() + 30
    while kernels() and time.time() < deadline:
        time.sleep(0.5)
    assert kernels() == 0
