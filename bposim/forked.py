"""Work done in a forked child on a second core while this process goes on (#14 item 9): the
report's figures drawn while the robustness section simulates, half of a comparison's contracts
simulated while this process runs the other half.

    job = Forked(lambda: expensive(), enabled=can_fork())   # the child starts at once
    ...                                                       # other work here
    value = job.result()          # what the child returned, or None if it could not run or failed

The child is a fork (it shares this process's memory as it was, nothing is pickled on the way in)
and sends back only its result, pickled. Where there is no fork (Windows, macOS, where forking a
process that has touched system frameworks is unsafe), one core, other threads running, or the
child fails, `result()` is None and the caller does the work itself: the same numbers, only slower.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
from typing import Any, Callable


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Linux, a second core, and no other thread of ours (a notebook's kernel, a server): a fork
    copies only the forking thread, and a lock another one held would stay held in the child."""
    return (sys.platform.startswith("linux") and hasattr(os, "fork") and cores() > 1
            and threading.active_count() == 1)


class Forked:
    """`work()` running in a forked child (when enabled); `result()` waits for its return value."""

    def __init__(self, work: Callable[[], Any], enabled: bool = True):
        self.pid = None
        self.read_fd = None
        self._value: Any = None
        self._done = not enabled
        if enabled:
            self._start(work)

    @property
    def running(self) -> bool:
        return self.pid is not None

    def _start(self, work: Callable[[], Any]) -> None:
        read_fd, write_fd = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_fd)
            os.close(write_fd)
            self._done = True
            return
        if pid == 0:  # the child: work, send, and leave without running the parent's exit handlers
            code = 1
            try:
                os.close(read_fd)
                data = pickle.dumps(work())
                with os.fdopen(write_fd, "wb") as out:
                    out.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write_fd)
        self.pid, self.read_fd = pid, read_fd

    def result(self) -> Any:
        if self._done:
            return self._value
        self._done = True
        with os.fdopen(self.read_fd, "rb") as inp:
            data = inp.read()
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        if status != 0 or not data:
            return None
        try:
            self._value = pickle.loads(data)
        except Exception:  # noqa: BLE001 - a child that died half-way: the caller does the work
            self._value = None
        return self._value
