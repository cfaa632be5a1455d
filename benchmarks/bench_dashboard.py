"""Workshop load check: many browser sessions against one `bposim-dashboard` server.

A room of 30 laptops cannot be simulated with 30 headless Chromium pages on a 2-core machine:
ten pages already take most of both cores, so the figures would measure the browsers. Each
session here is a light client instead: one websocket speaking the same Jupyter widget
protocol the page's JavaScript speaks (open the Solara app, then send the Step button's
click event), in one thread, parsing only what it needs. It does not draw anything, so the
figures measure the server: its step latency (click sent -> the new week's counter and the
panes' new HTML received; the browser draws the charts from it) and its memory per session.

Run from the repository root (about 3 minutes):

    .venv/bin/python benchmarks/bench_dashboard.py            # 1, 10 and 30 sessions
    .venv/bin/python benchmarks/bench_dashboard.py --sessions 30 --steps 10

Phases, for each room size N:
  1. N sessions open the page one after another (time to the first full render each);
     server memory (RSS) after they all have their page = baseline + N x per-session cost.
  2. Free play: every session clicks Step, waits for the new week to arrive, pauses
     `--think` seconds, and again, `--steps` times, all sessions at once.
  3. A/B: every session picks a lesson (two panes: the time until both arrived is the lesson's
     "applies at once" figure, target under 1 s), then the same stepping.
  4. Play: every session presses ▶ (A/B) at once for `--play` seconds: weeks advanced per second.
  5. The sessions close; after the cull timeout the server should hold none of them.
Then room mode (--room): a projector and 30 phones, the time for a week's advance to reach
every phone. Each phase also reports the machine's load: the load average, and the cores that
processes other than this server and this client kept busy meanwhile (the machine is shared).
The targets of #15 are checked at the end (exit status 1 if one is missed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from datetime import datetime, timezone
from pathlib import Path

import psutil
import websocket

from bposim.app.room import SIZES

ROOT = Path(__file__).resolve().parents[1]
LESSON = "Share your playbook"  # an A/B lesson: two panes per step
WEEK = "Week "  # the bar's counter: "Week N<span ...> of 156</span>"
COUNTER = re.compile(r"Week (\d+)<span")


class LightSession:
    """One browser session without a browser: the page's widget messages over one websocket."""

    def __init__(self, base: str):
        self.base = base
        self.session_id = str(uuid.uuid4())
        with urllib.request.urlopen(base) as response:  # the page itself, and its session cookie
            cookie = response.headers.get("Set-Cookie", "").split(";")[0]
        url = base.replace("http", "ws") + f"jupyter/api/kernels/{uuid.uuid4()}/channels?session_id={self.session_id}"
        self.ws = websocket.create_connection(url, header=[f"Cookie: {cookie}"] if cookie else [], timeout=120)
        self.step_button = None
        self.play_button = None
        self.week = 0
        self.select = {}
        self.texts: list[str] = []
        self.binary = 0
        self.charts = 0  # pane updates received
        self.buttons: dict[str, str] = {}  # comm id of the newest button with each label
        self.room_texts: list[tuple[float, str]] = []  # (arrival, message) of room mode's screens
        self.lock = threading.Condition()
        self.closed = False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    # --- the protocol ------------------------------------------------------------------------

    def _send(self, msg_type: str, content: dict) -> None:
        msg = {"buffers": [], "channel": "shell", "content": content, "metadata": {}, "parent_header": {},
               "header": {"date": datetime.now(timezone.utc).isoformat(), "msg_id": str(uuid.uuid4()),
                          "msg_type": msg_type, "session": self.session_id, "username": "", "version": "5.2"}}
        self.ws.send(json.dumps(msg))

    def _comm(self, comm_id: str, data: dict) -> None:
        self._send("comm_msg", {"comm_id": comm_id, "data": data})

    def _read(self) -> None:
        while not self.closed:
            try:
                opcode, data = self.ws.recv_data()
            except Exception:
                return
            if self.closed:
                return
            with self.lock:
                if opcode == websocket.ABNF.OPCODE_BINARY:
                    self.binary += 1
                elif opcode == websocket.ABNF.OPCODE_TEXT:
                    self._on_text(data.decode("utf-8", errors="replace"))
                self.lock.notify_all()

    def _on_text(self, text: str) -> None:
        if "bp-code" in text or "You are " in text or "Room " in text:
            self.room_texts.append((time.perf_counter(), text))
        if "bp-week" in text or "Week " in text or "bp-panes" in text:
            self.texts.append(text)
            counter = COUNTER.search(text)
            if counter:
                self.week = int(counter.group(1))
            if "bp-panes" in text:
                self.charts += 1
        if '"comm_open"' not in text:
            return
        msg = json.loads(text)
        state = msg["content"].get("data", {}).get("state", {})
        if state.get("_model_name") == "BtnModel" and state.get("children") == ["Step"]:
            self.step_button = msg["content"]["comm_id"]  # the newest one: a lesson rebuilds the controls
        if state.get("_model_name") == "BtnModel" and state.get("children") == ["▶ Play"]:
            self.play_button = msg["content"]["comm_id"]
        if state.get("_model_name") == "BtnModel" and state.get("children"):
            self.buttons[str(state["children"][0])] = msg["content"]["comm_id"]
        if state.get("_model_name") == "SelectModel" and "label" in state:
            self.select[state["label"]] = msg["content"]["comm_id"]

    def _wait(self, condition, timeout: float = 120.0) -> None:
        deadline = time.perf_counter() + timeout
        with self.lock:
            while not condition():
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise TimeoutError("the server did not answer in time")
                self.lock.wait(left)

    # --- what a facilitator does -------------------------------------------------------------

    def open(self, path: str = "/", ready=None) -> float:
        """Open the app at `path`; seconds until it is drawn (the lessons' page: week 0's counter
        and the first panes; another screen: when `ready()` holds)."""
        start = time.perf_counter()
        comm_id = str(uuid.uuid4())
        self._send("kernel_info_request", {})
        self._send("comm_open", {"comm_id": comm_id, "target_name": "solara.control", "data": {}})
        self._comm(comm_id, {"method": "run", "args": {"path": path, "dark": False,
                                                       "themes": {"light": {}, "dark": {}}, "appName": None}})
        self._wait(ready or (lambda: self.step_button and any(f"{WEEK}0<" in t for t in self.texts)
                                and self.charts >= 1))
        return time.perf_counter() - start

    def step(self, week: int, panes: int) -> float:
        """Click Step; seconds until week `week`'s counter and the panes' new HTML (all `panes`
        of them, in one message) arrived."""
        with self.lock:
            self.texts.clear()
            seen = self.charts
        start = time.perf_counter()
        self._comm(self.step_button, {"method": "custom", "content": {"event": "click", "data": {}}})
        marker = f"{WEEK}{week}<"
        self._wait(lambda: any(marker in t for t in self.texts) and self.charts > seen
                   and any(t.count('bp-pane\\" data-pane') >= panes for t in self.texts))
        return time.perf_counter() - start

    def play(self, seconds: float) -> int:
        """Press ▶, wait, press ❚❚ (the same button); weeks the page advanced meanwhile."""
        start = self.week
        click = {"method": "custom", "content": {"event": "click", "data": {}}}
        self._comm(self.play_button, click)
        time.sleep(seconds)
        advanced = self.week - start
        self._comm(self.play_button, click)
        return advanced

    def choose_lesson(self, title: str) -> float:
        """Pick a lesson (A/B: two panes); seconds until both panes' first HTML arrived."""
        with self.lock:
            self.texts.clear()
            seen = self.charts
        start = time.perf_counter()
        self._comm(self.select["Lesson"], {"method": "update", "state": {"v_model": title}, "buffer_paths": []})
        self._wait(lambda: self.charts > seen and any("Contract B: " in t for t in self.texts))
        return time.perf_counter() - start

    def click(self, label: str) -> None:
        self._comm(self.buttons[label], {"method": "custom", "content": {"event": "click", "data": {}}})

    def room_text_after(self, since: float, needle: str) -> float | None:
        """Arrival time of the first room message after `since` containing `needle`."""
        with self.lock:
            return next((t for t, text in self.room_texts if t >= since and needle in text), None)

    def close(self) -> None:
        self.closed = True
        self.ws.close()


class Load:
    """What else ran on the machine during a phase: cores kept busy by processes other than the
    server and this client (system CPU time minus theirs, over the wall time), and the 1-minute
    load average at its end."""

    def __init__(self, server: psutil.Process):
        self.server, self.me = server, psutil.Process()
        self.start = time.perf_counter()
        self.cpu = self._cpu()

    def _cpu(self) -> tuple[float, float, float]:
        total = psutil.cpu_times()
        server, me = self.server.cpu_times(), self.me.cpu_times()
        return (total.user + total.system + total.nice, server.user + server.system, me.user + me.system)

    def done(self) -> dict:
        wall = time.perf_counter() - self.start
        (t0, s0, m0), (t1, s1, m1) = self.cpu, self._cpu()
        return {"other_cores": max(0.0, (t1 - t0) - (s1 - s0) - (m1 - m0)) / wall, "server_cores": (s1 - s0) / wall,
                "loadavg": os.getloadavg()[0]}


def start_server(port: int, cull: str) -> subprocess.Popen:
    env = {**os.environ, "SOLARA_KERNEL_CULL_TIMEOUT": cull}
    proc = subprocess.Popen([sys.executable, "-m", "bposim.app.server", "--port", str(port),
                             "--cull-timeout", cull], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(180):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return proc
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("server did not start")


def server_process(proc: subprocess.Popen) -> psutil.Process:
    # bposim-dashboard execs `python -m solara run`: the same pid.
    return psutil.Process(proc.pid)


def rss_mb(p: psutil.Process) -> float:
    return p.memory_info().rss / 2 ** 20


def in_parallel(sessions, work) -> list:
    results: list = [None] * len(sessions)
    errors: list = []

    def run(i, s):
        try:
            results[i] = work(s)
        except Exception as exc:  # report, do not hang the benchmark
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def stepping(sessions, steps: int, think: float, panes: int, first_week: int) -> tuple[list[float], float]:
    def work(s):
        out = []
        for k in range(steps):
            out.append(s.step(first_week + k, panes))
            time.sleep(think)
        return out
    start = time.perf_counter()
    latencies = [x for per in in_parallel(sessions, work) for x in per]
    return latencies, time.perf_counter() - start


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def kernels(port: int) -> int:
    """Browser sessions the server holds (Solara's /resourcez)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/resourcez") as response:
        return json.load(response)["kernels"]["total"]


def room(port: int, n: int, steps: int, think: float, play: float, server: psutil.Process) -> dict:
    base = f"http://127.0.0.1:{port}/"
    before = rss_mb(server)
    cpu_before = server.cpu_times()
    sessions, opens = [], []
    for _ in range(n):
        s = LightSession(base)
        opens.append(s.open())
        sessions.append(s)
    time.sleep(1.0)
    loaded = rss_mb(server)
    load = Load(server)
    single, wall_single = stepping(sessions, steps, think, panes=1, first_week=1)
    load_single = load.done()
    lessons = in_parallel(sessions, lambda s: s.choose_lesson(LESSON))
    load = Load(server)
    ab, wall_ab = stepping(sessions, steps, think, panes=2, first_week=1)
    load_ab = load.done()
    after = rss_mb(server)
    load = Load(server)
    played = in_parallel(sessions, lambda s: s.play(play))
    load_play = load.done()
    time.sleep(3.0)  # let the last frames drain
    cpu = server.cpu_times()
    for s in sessions:
        s.close()
    return {
        "sessions": n, "rss_before_mb": before, "rss_loaded_mb": loaded, "rss_after_steps_mb": after,
        "per_session_mb": (after - before) / n,
        "open_median_s": statistics.median(opens), "open_max_s": max(opens),
        "single_median_s": statistics.median(single), "single_p95_s": pct(single, 0.95), "single_max_s": max(single),
        "ab_median_s": statistics.median(ab), "ab_p95_s": pct(ab, 0.95), "ab_max_s": max(ab),
        "lesson_median_s": statistics.median(lessons), "lesson_max_s": max(lessons),
        "steps_per_s": n * steps / wall_single, "ab_steps_per_s": n * steps / wall_ab,
        "server_cpu_s": (cpu.user + cpu.system) - (cpu_before.user + cpu_before.system),
        "play_weeks_per_s_median": statistics.median(played) / play, "play_weeks_per_s_min": min(played) / play,
        # Stalled: a session whose page visibly stopped (under one week a second while playing).
        "play_stalled": sum(weeks < play for weeks in played),
        "kernels_open": kernels(port),
        **{f"{phase}_{k}": v for phase, phase_load in (("single", load_single), ("ab", load_ab), ("play", load_play))
           for k, v in phase_load.items()},
    }


def room_mode(port: int, phones: int, weeks: int, server: psutil.Process) -> dict:
    """A room: a projector opens it, `phones` phones take seats, the projector advances
    `weeks` weeks; for each week and phone, seconds from the click to that phone's new week."""
    base = f"http://127.0.0.1:{port}/"
    host = LightSession(base)
    host.open("/?room=new", ready=lambda: "Open the room" in host.buttons and "Room size" in host.select)
    size = next(label for label, (c, v) in SIZES.items() if c + v >= phones)  # a seat for every phone
    host._comm(host.select["Room size"], {"method": "update", "state": {"v_model": size}, "buffer_paths": []})
    time.sleep(0.5)
    host.click("Open the room")
    code_in = re.compile(r'class=\\?"bp-code\\?">([A-Z0-9]{4})<')  # the projector's room code
    host._wait(lambda: "Advance week" in host.buttons and any(code_in.search(t) for _, t in host.room_texts))
    code = next(m.group(1) for m in (code_in.search(t) for _, t in host.room_texts) if m)
    seated = []
    for _ in range(phones):
        p = LightSession(base)
        p.open(f"/?room={code}", ready=lambda p=p: "Give me a seat" in p.buttons)
        p.click("Give me a seat")
        p._wait(lambda p=p: any("You are " in t for _, t in p.room_texts))
        seated.append(p)
    cpu_before = server.cpu_times()
    load = Load(server)
    latencies = []
    for week in range(1, weeks + 1):
        start = time.perf_counter()
        host.click("Advance week")
        needle = f' week {week}"'  # the end of the phone's "You are Client 3 · week N" title
        for p in seated:
            p._wait(lambda p=p: p.room_text_after(start, needle) is not None, timeout=60)
            latencies.append(p.room_text_after(start, needle) - start)
        time.sleep(0.5)
    cpu = server.cpu_times()
    phase_load = load.done()
    for p in [host, *seated]:
        p.close()
    return {"phones": phones, "weeks": weeks, "advance_median_s": statistics.median(latencies),
            "advance_p95_s": pct(latencies, 0.95), "advance_max_s": max(latencies),
            "server_cpu_s": (cpu.user + cpu.system) - (cpu_before.user + cpu_before.system),
            **{f"room_{k}": v for k, v in phase_load.items()}}


# The targets of #15 (seconds), and where each is read: (row filter, key, limit).
TARGETS = {
    "30 sessions stepping, one pane: p95 < 300 ms": (30, "single_p95_s", 0.3),
    "30 sessions stepping, A/B: p95 < 300 ms": (30, "ab_p95_s", 0.3),
    "a lesson applies (one session): under 1 s": (1, "lesson_max_s", 1.0),
    "30 sessions on Play at once: none stalled": (30, "play_stalled", 0),
}
ROOM_TARGET = ("room of 30 phones + projector, a week's advance on every phone: p95 < 500 ms", 0.5)


def check_targets(rows: list[dict], room_result: dict | None) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for every target whose phase ran."""
    out = []
    for target, (sessions, key, limit) in TARGETS.items():
        row = next((r for r in rows if r["sessions"] == sessions), None)
        if row is None:
            continue
        value = row[key]
        load = row[f"{key.split('_')[0]}_other_cores"] if not key.startswith("lesson") else None
        shown = (f"{value}" if key == "play_stalled" else f"{value * 1000:.0f} ms") + (
            f" (other work: {load:.1f} cores)" if load is not None else "")
        out.append((target, shown, value <= limit if key == "play_stalled" else value < limit))
    if room_result is not None and room_result["phones"] >= 30:
        value = room_result["advance_p95_s"]
        out.append((ROOM_TARGET[0], f"{value * 1000:.0f} ms (other work: {room_result['room_other_cores']:.1f} cores)",
                    value < ROOM_TARGET[1]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 30])
    parser.add_argument("--steps", type=int, default=10, help="Step clicks per session per phase")
    parser.add_argument("--think", type=float, default=1.0, help="seconds a session waits between clicks")
    parser.add_argument("--play", type=float, default=15.0, help="seconds every session plays (A/B) at once")
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--room", type=int, default=30, help="phones in the room-mode phase (0: skip it)")
    parser.add_argument("--room-weeks", type=int, default=10, help="weeks the projector advances")
    parser.add_argument("--cull", default="20s", help="SOLARA_KERNEL_CULL_TIMEOUT for the release check")
    args = parser.parse_args()
    print(f"date {datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, "
          f"Python {platform.python_version()}, {platform.platform()}")
    print(f"light clients (websocket, no browser); {args.steps} Step clicks per session per phase, "
          f"{args.think:g} s think time; A/B phase: lesson '{LESSON}' (two panes)")
    proc = start_server(args.port, args.cull)
    try:
        server = server_process(proc)
        time.sleep(2.0)
        idle = rss_mb(server)
        print(f"server idle: {idle:.0f} MB RSS")
        rows, result = [], None
        for n in args.sessions:
            row = room(args.port, n, args.steps, args.think, args.play, server)
            rows.append(row)
            print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}), flush=True)
            # Release check: closed sessions are culled after the timeout.
            time.sleep(float(args.cull.rstrip("s")) + 10 if args.cull.endswith("s") else 30)
            print(f"  {args.cull} + 10 s after closing: {kernels(args.port)} sessions held "
                  f"(of {row['kernels_open']}), {rss_mb(server):.0f} MB RSS", flush=True)
        if args.room:
            result = room_mode(args.port, args.room, args.room_weeks, server)
            print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()}), flush=True)
            print(f"room of {result['phones']} phones + projector, {result['weeks']} weeks advanced: new week on "
                  f"every phone median {result['advance_median_s'] * 1000:.0f} ms, p95 "
                  f"{result['advance_p95_s'] * 1000:.0f} ms, max {result['advance_max_s'] * 1000:.0f} ms")
        print()
        print("| sessions | open page (median / max) | step, one pane (median / p95) | step, A/B (median / p95) "
              "| lesson applies (median / max) | steps served per s (one pane / A/B) "
              "| server CPU per Step (one pane / A/B) | all playing A/B: weeks/s per session (median / min), stalled "
              "| server RSS loaded | per session | other work, cores (one pane / A/B / play) | load avg |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            print(f"| {r['sessions']} | {r['open_median_s']:.2f} / {r['open_max_s']:.2f} s "
                  f"| {r['single_median_s'] * 1000:.0f} / {r['single_p95_s'] * 1000:.0f} ms "
                  f"| {r['ab_median_s'] * 1000:.0f} / {r['ab_p95_s'] * 1000:.0f} ms "
                  f"| {r['lesson_median_s'] * 1000:.0f} / {r['lesson_max_s'] * 1000:.0f} ms "
                  f"| {r['steps_per_s']:.1f} / {r['ab_steps_per_s']:.1f} "
                  # server cores busy over the phase / steps served per second = CPU per step
                  f"| {1000 * r['single_server_cores'] / r['steps_per_s']:.1f} / "
                  f"{1000 * r['ab_server_cores'] / r['ab_steps_per_s']:.1f} ms "
                  f"| {r['play_weeks_per_s_median']:.1f} / {r['play_weeks_per_s_min']:.1f}, {r['play_stalled']} "
                  f"| {r['rss_loaded_mb']:.0f} MB | {r['per_session_mb']:.1f} MB "
                  f"| {r['single_other_cores']:.1f} / {r['ab_other_cores']:.1f} / {r['play_other_cores']:.1f} "
                  f"| {r['ab_loadavg']:.1f} |")
        print()
        results = check_targets(rows, result)
        for target, shown, met in results:
            print(f"{'PASS' if met else 'MISS'}  {target}: {shown}")
        missed = [t for t, _, met in results if not met]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    if missed:
        sys.exit(1)


if __name__ == "__main__":
    main()
