"""report.pdf from report.html, printed by headless Chromium (or Chrome) with the report's print
stylesheet: no navigation, no figure or table row cut across pages, headings kept with what follows.

    from bposim.analysis.pdf import find_browser, print_pdf
    print_pdf(Path("reports/mine/report.html"))      # -> reports/mine/report.pdf

Chromium is driven directly (`--headless --print-to-pdf`): the PDF needs no Python package, only
the browser (Debian: `apt-get install chromium`, or `make browser`). BPOSIM_BROWSER names another
executable. Playwright stays a test-only dependency.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..config import ConfigError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
TIMEOUT_S = 120
INSTALL_HINT = ("install Chromium (Debian/Ubuntu: apt-get install chromium, or `make browser`; macOS: "
                "brew install --cask chromium) or set BPOSIM_BROWSER to a Chromium or Chrome executable")


def find_browser() -> str:
    """The Chromium or Chrome executable to print with; ConfigError (one line, how to install one) if none."""
    named = os.environ.get("BPOSIM_BROWSER")
    if named:
        found = shutil.which(named)
        if not found:
            raise ConfigError([f"--pdf: BPOSIM_BROWSER = {named!r} is not an executable: {INSTALL_HINT}"])
        return found
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise ConfigError([f"--pdf: no Chromium or Chrome found (looked for {', '.join(BROWSERS)}): {INSTALL_HINT}"])


def print_pdf(html: Path, browser: str | None = None) -> Path:
    """Print `html` to report.pdf beside it (written atomically: a failed print leaves no file)."""
    html = Path(html).resolve()
    browser = browser or find_browser()
    out = html.with_suffix(".pdf")
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".pdf", dir=html.parent)
    os.close(fd)
    with tempfile.TemporaryDirectory(prefix="bposim-chromium-") as profile:
        cmd = [browser, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-extensions",
               f"--user-data-dir={profile}", "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw",
               f"--print-to-pdf={tmp}", html.as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.unlink(tmp)
            raise ConfigError([f"--pdf: {browser} did not finish printing {html} in {TIMEOUT_S} s"]) from None
    if done.returncode != 0 or os.path.getsize(tmp) == 0:
        os.unlink(tmp)
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise ConfigError([f"--pdf: {browser} could not print {html} (exit {done.returncode}: {last})"])
    os.replace(tmp, out)
    return out
