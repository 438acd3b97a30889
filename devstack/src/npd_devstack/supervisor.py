"""Keeps development processes running: one that exits is started again after a pause that grows.

`npd-dev run` supervises the four services with it, so a service that crashes while someone develops
costs a restart of that service, not of the whole platform with Kafka and PostgreSQL.
"""

import logging
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    """The pause before a restart: `first_s`, doubling after each quick exit up to `max_s`.

    A process that stayed up `reset_after_s` or longer was healthy; its next pause is `first_s` again.
    """

    first_s: float = 1.0
    max_s: float = 30.0
    reset_after_s: float = 60.0

    def next_pause(self, previous_s: float | None, uptime_s: float) -> float:
        if previous_s is None or uptime_s >= self.reset_after_s:
            return self.first_s
        return min(previous_s * 2, self.max_s)


def describe_exit(code: int) -> str:
    """`code 3`, or `signal SIGKILL` for a process a signal ended (Popen reports those as -signum)."""
    if code >= 0:
        return f"code {code}"
    try:
        return f"signal {signal.Signals(-code).name}"
    except ValueError:
        return f"signal {-code}"


@dataclass(eq=False)
class Child:
    """One supervised command; `process` is its current run and changes on every restart."""

    name: str
    command: Sequence[str]
    env: Mapping[str, str] | None = None
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    pause_s: float | None = None  # the pause before the latest restart; None until it first exits
    restart_at: float | None = None  # set while it waits out its pause

    def spawn(self) -> subprocess.Popen[bytes]:
        """Start the command; its output goes where ours goes, so its logs stay in the terminal."""
        env = dict(self.env) if self.env is not None else None
        self.process = subprocess.Popen(list(self.command), env=env)
        self.started_at = time.monotonic()
        self.restart_at = None
        return self.process


def stop_children(children: Sequence[Child], timeout_s: float = 15.0) -> None:
    """SIGTERM to each that runs, then wait; SIGKILL to any still running after `timeout_s`."""
    running = [child.process for child in children if child.process is not None and child.process.poll() is None]
    for process in running:
        process.terminate()
    deadline = time.monotonic() + timeout_s
    for process in running:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Supervisor:
    """Restarts children that exit, after their backoff pause, until asked to stop.

    `request_stop()` only sets a flag, so a signal handler may call it at any point: it never takes a
    lock, and `supervise()` returns within one poll interval. `stop()` ends the children afterwards.
    """

    def __init__(self, children: Sequence[Child], backoff: Backoff | None = None) -> None:
        self.children = list(children)
        self.backoff = backoff or Backoff()
        self._stop_requested = False
        self._supervising = False
        self._lock = threading.Lock()  # check() and stop() may run on different threads (tests do that)

    def supervise(self, poll_s: float = 0.2) -> None:
        """Block, restarting children as they exit, until `request_stop()` or `stop()`."""
        self._supervising = True
        try:
            while not self._stop_requested:
                time.sleep(poll_s)
                self.check()
        finally:
            self._supervising = False

    def request_stop(self) -> bool:
        """Make `supervise()` return; False if it is not running (then the caller must interrupt itself)."""
        self._stop_requested = True
        return self._supervising

    def check(self) -> None:
        """Notice exits and schedule their restarts; restart those whose pause is over."""
        with self._lock:
            now = time.monotonic()
            for child in self.children:
                if self._stop_requested:
                    return  # a Ctrl-C also reaches the children; their exits now are no crash
                self._check(child, now)

    def stop(self, timeout_s: float = 15.0) -> None:
        """No more restarts; end every child (SIGTERM, then SIGKILL after `timeout_s`)."""
        self._stop_requested = True
        with self._lock:
            stop_children(self.children, timeout_s)

    def _check(self, child: Child, now: float) -> None:
        if child.restart_at is not None:
            if now >= child.restart_at:
                process = child.spawn()
                child.restarts += 1
                log.info("%s restarted (pid %d, restart %d)", child.name, process.pid, child.restarts)
            return
        code = child.process.poll() if child.process is not None else None
        if code is None:
            return
        uptime_s = now - child.started_at
        child.pause_s = self.backoff.next_pause(child.pause_s, uptime_s)
        child.restart_at = now + child.pause_s
        log.warning(
            "%s exited with %s after %.1f s; restarting in %g s",
            child.name,
            describe_exit(code),
            uptime_s,
            child.pause_s,
        )
