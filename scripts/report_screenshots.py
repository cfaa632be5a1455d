"""Screenshots of the first screen (1366x768) of two `bposim-compare` reports, for the docs:
the default comparison and a two-scheme what-if, taken with headless chromium (Debian's, through
Playwright: scripts/install-browser.sh installs it).

    .venv/bin/python scripts/report_screenshots.py            # -> docs/screenshots/report-*.png
    .venv/bin/python scripts/report_screenshots.py --out DIR

Each report is made by the command itself (robustness section included) in a temporary folder.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCREEN = {"width": 1366, "height": 768}
REPORTS = {
    "report-default": [],
    "report-what-if": ["scheme=quality_weighted,shared_outcome", "vendor.metric_gameability=0.4"],
}


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise SystemExit("chromium is not installed: run scripts/install-browser.sh (as root)")
    return path


def first_screen(html: Path, png: Path, browser) -> None:
    page = browser.new_page(viewport=SCREEN)
    page.goto(html.as_uri())
    page.screenshot(path=str(png))  # the viewport only: what a reader sees before scrolling
    page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=["--disable-gpu", "--no-first-run"])
        for name, overrides in REPORTS.items():
            folder = Path(tmp) / name
            subprocess.run([sys.executable, "-c", "from bposim.compare import bposim_compare; bposim_compare()", *overrides, "--out", str(folder)], check=True,
                           stdout=subprocess.DEVNULL)
            first_screen(folder / "report.html", out / f"{name}.png", browser)
            print(f"{out / f'{name}.png'}: bposim-compare {' '.join(overrides)}".rstrip())
        browser.close()


if __name__ == "__main__":
    main()
