"""Fixtures for the workshop page: a real server and Debian's chromium driven by Playwright.

The browser tests need `chromium` on PATH (scripts/install-browser.sh installs it) and the
dashboard and test extras (scripts/setup.sh). Where chromium is missing they skip, saying so,
except under CI (CI=true), where a missing browser is a failure: the page must be tested there.
Screenshots of each state are kept in artifacts/dashboard/ (BPOSIM_ARTIFACTS overrides it).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("BPOSIM_ARTIFACTS", ROOT / "artifacts")) / "dashboard"
BROWSER_ARGS = ["--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]


def wait_week(pg, week: int, timeout: float = 30_000) -> None:
    """Poll until the bar shows week `week` (its " of 156" is hidden on a phone, so read textContent)."""
    pg.wait_for_function("w => { const el = document.querySelector('.bp-week');"
                         " return el && el.textContent === `Week ${w} of 156`; }", arg=week, timeout=timeout)


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, log: Path, env: dict | None = None, args: tuple[str, ...] = ()) -> subprocess.Popen:
    """bposim-dashboard on `port` (with `args`), answering HTTP 200, its output in `log`."""
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "bposim.app.server", "--port", str(port), *args],
                                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"bposim-dashboard exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                if response.status == 200:
                    return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"bposim-dashboard did not answer in 90 s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def server(artifacts):
    pytest.importorskip("solara", reason="the dashboard extra is not installed (scripts/setup.sh test,dashboard)")
    port = free_port()
    log = artifacts / f"server-{port}.log"
    proc = start_server(port, log)
    yield {"url": f"http://127.0.0.1:{port}/", "log": log}
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def launch(artifacts):
    """Start another bposim-dashboard with extra environment or options: launch(name, env, args) -> base URL."""
    started = []

    def start(name: str, env: dict, args: tuple[str, ...] = ()) -> str:
        port = free_port()
        started.append(start_server(port, artifacts / f"server-{name}.log", env, args))
        return f"http://127.0.0.1:{port}/"

    yield start
    for proc in started:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None:
        message = "chromium is not installed: run scripts/install-browser.sh (as root)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (test extra)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=BROWSER_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    """A fresh browser session on the page, loaded; records every URL it requested."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    pg = context.new_page()
    pg.requested = []
    pg.on("request", lambda request: pg.requested.append(request.url))
    pg.goto(server["url"])
    wait_week(pg, 0, timeout=90_000)
    yield pg
    context.close()


# The room's screens: two common projectors (the smallest, 1280x720, too) and a phone.
VIEWPORTS = {"projector": {"width": 1366, "height": 768}, "projector-720": {"width": 1280, "height": 720},
             "phone": {"width": 390, "height": 844}}
PROJECTORS = [name for name in VIEWPORTS if name.startswith("projector")]


@pytest.fixture(params=list(VIEWPORTS))
def screen(request, browser, server):
    """A fresh session on a projector or a phone (pg.screen names which viewport), loaded."""
    context = browser.new_context(viewport=VIEWPORTS[request.param], is_mobile=request.param == "phone",
                                  has_touch=request.param == "phone")
    pg = context.new_page()
    pg.screen = request.param
    pg.goto(server["url"])
    wait_week(pg, 0, timeout=90_000)
    yield pg
    context.close()
