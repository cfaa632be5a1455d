"""`bposim-dashboard`: serve the workshop page with Solara.

Listens on 127.0.0.1 unless told otherwise: a workshop page is shared with a room on purpose
(`--host 0.0.0.0`), never by accident; `--room` does not change that. Closed browser sessions
are released after `--cull-timeout` (Solara's own default keeps them a day, and a workshop
opens many). `--room` opens straight into room mode: the page's address shows "Open a room"
(the lessons are then at /?lessons).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
import sys

PAGE = "bposim.app.page"


def command(host: str, port: int, open_browser: bool) -> list[str]:
    """The `solara run` command line that serves the page."""
    return [sys.executable, "-m", "solara", "run", PAGE, "--host", host, "--port", str(port),
            "--production", "--open" if open_browser else "--no-open", "--log-level-uvicorn", "warning"]


_DURATION = re.compile(r"^\d+(\.\d+)?[smhd]?$")  # Solara's cull timeout: 30s, 5m, 24h, 1d, 10
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")


def loopback(host: str) -> bool:
    return host == "localhost" or (_is_address(host) and ipaddress.ip_address(host).is_loopback)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bposim-dashboard",
        description="Serve the bposim workshop page: lessons, A/B contracts, live charts, for a projector and phones.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1, this machine only; "
                             "0.0.0.0 shares the page with the room's network)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    parser.add_argument("--cull-timeout", default=os.environ.get("SOLARA_KERNEL_CULL_TIMEOUT", "5m"),
                        help="how long a closed browser session is kept before its model is released "
                             "(default 5m; Solara's own default is 24h)")
    parser.add_argument("--open", action="store_true", help="open a browser tab on this machine")
    parser.add_argument("--room", action="store_true",
                        help="open straight into room mode (people play from their phones; the lessons "
                             "stay at /?lessons); phones reach the page only with --host 0.0.0.0")
    args = parser.parse_args(argv)
    if not 1 <= args.port <= 65535:
        parser.error(f"--port = {args.port} is out of range: allowed [1, 65535]")
    # An empty host listens on every interface: never by accident.
    if not (_is_address(args.host) or (_HOSTNAME.match(args.host) and not args.host.replace(".", "").isdigit())):
        parser.error(f"--host = {args.host!r} is not an address: allowed an IP address (127.0.0.1, 0.0.0.0, "
                     f"::1) or a host name")
    if not _DURATION.match(args.cull_timeout):
        parser.error(f"--cull-timeout = {args.cull_timeout!r} is not a duration: allowed a number with s, m, h "
                     f"or d (30s, 5m, 24h, 1d)")
    return args


def serve(argv: list[str] | None = None) -> None:
    args = parse(argv)
    # No "This website runs on Solara" badge: it sat over a chart's corner.
    env = {**os.environ, "SOLARA_KERNEL_CULL_TIMEOUT": args.cull_timeout, "SOLARA_THEME_SHOW_BANNER": "False",
           "SOLARA_THEME_TITLE": "bposim workshop",
           "BPOSIM_HOST": args.host, "BPOSIM_PORT": str(args.port),  # room mode's join link
           "BPOSIM_START": "room" if args.room else "lessons"}
    shown = "this machine only" if loopback(args.host) else "shared with the network"
    if not loopback(args.host):
        print(f"bposim-dashboard: warning: --host {args.host} shares the page with the network: anyone who "
              f"can reach this machine can open it", file=sys.stderr, flush=True)
    print(f"bposim-dashboard: http://{args.host}:{args.port}/ ({shown}"
          f"{', room mode' if args.room else ''}); Ctrl+C stops it", flush=True)
    if args.room and loopback(args.host):
        print(f"bposim-dashboard: phones cannot reach {args.host}: to let the room join, run with "
              f"--host 0.0.0.0", file=sys.stderr, flush=True)
    os.execve(sys.executable, command(args.host, args.port, args.open), env)


if __name__ == "__main__":
    serve()
