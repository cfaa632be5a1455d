"""The report's first screen in a real browser (#14, done when): at 1366x768 the verdict paragraph
is in view without scrolling, names the contract to sign and, when there is one, the tie.

The `browser` fixture is the workshop tests' (tests/app/conftest.py: Debian's chromium through
Playwright; skipped without it, except under CI). Screenshots go to artifacts/report/.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from bposim import simulate
from bposim.analysis.report import build_report
from bposim.compare import run_comparison

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("BPOSIM_ARTIFACTS", ROOT / "artifacts")) / "report"
SCREEN = {"width": 1366, "height": 768}


def first_screen(browser, html: Path, name: str) -> dict:
    """The verdict paragraph's text and box on a 1366x768 screen, opened from the file."""
    page = browser.new_page(viewport=SCREEN)
    page.goto(html.as_uri())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    verdict = page.locator("#verdict p.verdict")
    out = {"text": verdict.inner_text(), "box": verdict.bounding_box(), "scroll": page.evaluate("window.scrollY")}
    page.close()
    return out


def in_view(seen: dict) -> bool:
    box = seen["box"]
    return seen["scroll"] == 0 and box is not None and box["y"] >= 0 and box["y"] + box["height"] <= SCREEN["height"]


def test_the_verdict_is_on_the_first_screen_and_names_the_winner(browser, tmp_path):
    comparison = run_comparison(["scheme=per_volume,shared_outcome,fixed_fee", "replications=4", "steps=26"])
    report = comparison.write(tmp_path / "rep", "bposim-compare test")
    verdict = report.section("verdict")
    seen = first_screen(browser, tmp_path / "rep" / "report.html", "first-screen-comparison")
    assert in_view(seen), f"the verdict paragraph ends below the first screen: {seen['box']}"
    assert seen["text"].startswith(f"Sign {verdict.best}")
    for tie in verdict.ties:
        assert tie in seen["text"].split(".")[0]


def test_a_tie_is_named_on_the_first_screen(browser, tmp_path):
    # A constructed tie: the same contract offered twice (the renewal of the contract the client has
    # and a new signature of it) gives the same numbers on common random numbers: difference 0.
    runs = {name: simulate([f"scheme={name}", "steps=26"], replications=4) for name in ("per_volume", "shared_outcome")}
    results = pd.concat([runs["per_volume"].summary, runs["shared_outcome"].summary,
                         runs["shared_outcome"].summary.assign(scheme="shared_outcome renewed")], ignore_index=True)
    settings = {"per_volume": runs["per_volume"].settings, "shared_outcome": runs["shared_outcome"].settings,
                "shared_outcome renewed": runs["shared_outcome"].settings}
    report = build_report(results, settings=settings)
    verdict = report.section("verdict")
    assert verdict.ties, "the same contract twice ties with itself"
    report.write(tmp_path / "tie")
    seen = first_screen(browser, tmp_path / "tie" / "report.html", "first-screen-tie")
    assert in_view(seen), f"the verdict paragraph ends below the first screen: {seen['box']}"
    lead = seen["text"].split(":")[0]
    assert lead == f"Sign {verdict.best} or {verdict.ties[0]}" and "they tie on client net value" in seen["text"]
