"""`bposim-dashboard`: its options, the `solara run` line it builds, and what it execs.

The server never listens beyond this machine unless told to, checks its port before Solara
does, and hands Solara the culling timeout through the environment. `run` replaces the process
(os.execve); here os.execve is replaced to capture what would run instead.
"""

from __future__ import annotations

import sys

import pytest

from bposim.app import server


@pytest.fixture
def execve(monkeypatch):
    """Capture os.execve's arguments instead of replacing the test process."""
    calls = []
    monkeypatch.setattr(server.os, "execve", lambda path, argv, env: calls.append((path, argv, env)))
    return calls


def option(argv: list[str], name: str) -> str:
    """The value following `name` on a command line."""
    assert argv.count(name) == 1, f"{name} given {argv.count(name)} times in {argv}"
    return argv[argv.index(name) + 1]


# --- parse ----------------------------------------------------------------------------------------


def test_default_host_is_this_machine_only():
    assert server.parse([]).host == "127.0.0.1"


def test_default_port_is_8765():
    assert server.parse([]).port == 8765


def test_host_0000_shares_the_page_with_the_network():
    assert server.parse(["--host", "0.0.0.0"]).host == "0.0.0.0"


def test_port_is_read_as_a_number():
    assert server.parse(["--port", "9000"]).port == 9000


def test_no_tab_is_opened_unless_asked():
    assert server.parse([]).open is False
    assert server.parse(["--open"]).open is True


@pytest.mark.parametrize("port", ["0", "65536", "-1", "100000"])
def test_a_port_out_of_range_exits_naming_port_and_range(port, capsys):
    with pytest.raises(SystemExit) as exit_:
        server.parse(["--port", port])
    assert exit_.value.code != 0
    err = capsys.readouterr().err
    assert "--port" in err and "[1, 65535]" in err and port in err


@pytest.mark.parametrize("port", ["1", "65535"])
def test_the_ends_of_the_port_range_are_accepted(port):
    assert server.parse(["--port", port]).port == int(port)


def test_a_port_that_is_not_a_number_exits_naming_port(capsys):
    with pytest.raises(SystemExit):
        server.parse(["--port", "http"])
    assert "--port" in capsys.readouterr().err


def test_default_cull_timeout_is_five_minutes(monkeypatch):
    monkeypatch.delenv("SOLARA_KERNEL_CULL_TIMEOUT", raising=False)
    assert server.parse([]).cull_timeout == "5m"


def test_default_cull_timeout_follows_the_environment(monkeypatch):
    monkeypatch.setenv("SOLARA_KERNEL_CULL_TIMEOUT", "90s")
    assert server.parse([]).cull_timeout == "90s"


# --- command --------------------------------------------------------------------------------------


def test_command_runs_solara_on_the_page_module_with_this_python():
    argv = server.command("127.0.0.1", 8765, False)
    assert argv[:5] == [sys.executable, "-m", "solara", "run", "bposim.app.page"]
    assert server.PAGE == "bposim.app.page"


def test_command_passes_host_and_port():
    argv = server.command("0.0.0.0", 9001, False)
    assert option(argv, "--host") == "0.0.0.0"
    assert option(argv, "--port") == "9001"


def test_command_serves_in_production_mode():
    assert "--production" in server.command("127.0.0.1", 8765, False)


def test_command_passes_no_open_by_default():
    args = server.parse([])
    argv = server.command(args.host, args.port, args.open)
    assert "--no-open" in argv and "--open" not in argv


def test_command_passes_open_when_asked():
    argv = server.command("127.0.0.1", 8765, True)
    assert "--open" in argv and "--no-open" not in argv


def test_command_is_all_strings():
    """os.execve takes strings only."""
    assert all(isinstance(part, str) for part in server.command("127.0.0.1", 8765, False))


# --- run ------------------------------------------------------------------------------------------


def test_run_execs_the_solara_command(execve):
    server.serve(["--host", "0.0.0.0", "--port", "9002"])
    [(path, argv, _)] = execve
    assert path == sys.executable
    assert argv == server.command("0.0.0.0", 9002, False)


def test_run_sets_the_cull_timeout_for_solara(execve):
    server.serve(["--cull-timeout", "2m"])
    [(_, _, env)] = execve
    assert env["SOLARA_KERNEL_CULL_TIMEOUT"] == "2m"


def test_run_sets_a_five_minute_cull_timeout_by_default(execve, monkeypatch):
    monkeypatch.delenv("SOLARA_KERNEL_CULL_TIMEOUT", raising=False)
    server.serve([])
    [(_, _, env)] = execve
    assert env["SOLARA_KERNEL_CULL_TIMEOUT"] == "5m"


def test_run_keeps_the_rest_of_the_environment(execve, monkeypatch):
    monkeypatch.setenv("BPOSIM_TEST_MARKER", "kept")
    server.serve([])
    [(_, _, env)] = execve
    assert env["BPOSIM_TEST_MARKER"] == "kept"


def test_run_does_not_change_its_own_environment(execve, monkeypatch):
    monkeypatch.delenv("SOLARA_KERNEL_CULL_TIMEOUT", raising=False)
    server.serve(["--cull-timeout", "1m"])
    assert "SOLARA_KERNEL_CULL_TIMEOUT" not in server.os.environ


@pytest.mark.parametrize("host, shown", [("127.0.0.1", "this machine only"), ("0.0.0.0", "shared with the network")])
def test_run_says_where_it_listens_and_who_can_see_it(execve, capsys, host, shown):
    server.serve(["--host", host, "--port", "8800"])
    out = capsys.readouterr().out
    assert f"http://{host}:8800/" in out and shown in out


def test_run_with_a_bad_port_never_execs(execve, capsys):
    with pytest.raises(SystemExit):
        server.serve(["--port", "70000"])
    assert execve == []
    assert "--port" in capsys.readouterr().err


def test_run_serves_the_lessons_at_the_bare_address_by_default(execve, monkeypatch):
    monkeypatch.setenv("BPOSIM_START", "room")  # not inherited from a shell that set it once
    server.serve([])
    [(_, _, env)] = execve
    assert env["BPOSIM_START"] == "lessons"


def test_room_opens_straight_into_room_mode_and_still_listens_on_this_machine_only(execve, capsys):
    server.serve(["--room"])
    [(_, argv, env)] = execve
    assert env["BPOSIM_START"] == "room"
    assert option(argv, "--host") == "127.0.0.1"
    captured = capsys.readouterr()
    assert "this machine only, room mode" in captured.out
    assert "phones cannot reach 127.0.0.1: to let the room join, run with --host 0.0.0.0" in captured.err


def test_room_shared_with_the_network_warns_once_and_gives_no_hint(execve, capsys):
    server.serve(["--room", "--host", "0.0.0.0"])
    err = capsys.readouterr().err
    assert "shares the page with the network" in err and "phones cannot reach" not in err
