"""The supervisor over real processes: tiny shell and Python commands instead of services, short pauses."""

import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from npd_devstack.supervisor import Backoff, Child, Supervisor, describe_exit

QUICK = Backoff(first_s=0.1, max_s=0.4, reset_after_s=10.0)


def wait_until(condition: Callable[[], bool], timeout_s: float = 8.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s} s")
        time.sleep(0.02)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@contextmanager
def supervising(supervisor: Supervisor) -> Iterator[Supervisor]:
    """supervise() on a thread of its own, as `npd-dev run` does on its main thread; stopped at the end."""
    thread = threading.Thread(target=supervisor.supervise, kwargs={"poll_s": 0.02}, daemon=True)
    thread.start()
    try:
        yield supervisor
    finally:
        supervisor.stop(timeout_s=2)
        thread.join(timeout=5)
    assert not thread.is_alive()


def started(name: str, command: list[str]) -> Child:
    child = Child(name, command)
    child.spawn()
    return child


def test_the_pause_doubles_after_each_quick_exit_up_to_the_cap() -> None:
    backoff = Backoff(first_s=1, max_s=30, reset_after_s=60)
    pauses = [backoff.next_pause(None, 0.5)]
    for _ in range(6):
        pauses.append(backoff.next_pause(pauses[-1], 0.5))
    assert pauses == [1, 2, 4, 8, 16, 30, 30]


def test_a_process_that_stayed_up_a_while_is_paused_for_the_first_pause_again() -> None:
    backoff = Backoff(first_s=1, max_s=30, reset_after_s=60)
    assert backoff.next_pause(16, uptime_s=60) == 1
    assert backoff.next_pause(16, uptime_s=59) == 30


def test_an_exit_reads_as_its_code_or_its_signal() -> None:
    assert (describe_exit(3), describe_exit(-9), describe_exit(-15)) == ("code 3", "signal SIGKILL", "signal SIGTERM")


def test_a_command_that_exits_is_restarted_after_pauses_that_double_up_to_the_cap(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="npd_devstack.supervisor")
    child = started("crasher", ["sh", "-c", "exit 3"])

    with supervising(Supervisor([child], QUICK)):
        wait_until(lambda: child.restarts >= 4)

    exits = [r.getMessage() for r in caplog.records if "exited" in r.getMessage()]
    restarts = [r for r in caplog.records if "restarted" in r.getMessage()]
    assert all(message.startswith("crasher exited with code 3 after ") for message in exits)
    assert [message.rsplit(" in ", 1)[1] for message in exits[:4]] == ["0.1 s", "0.2 s", "0.4 s", "0.4 s"]
    assert [r.getMessage().split("restart ")[1] for r in restarts[:4]] == ["1)", "2)", "3)", "4)"]
    # Each restart really waited its pause after the exit it follows.
    exit_times = [r.created for r in caplog.records if "exited" in r.getMessage()]
    waited = [restart.created - exited for restart, exited in zip(restarts[:4], exit_times, strict=False)]
    assert all(w >= p - 0.01 for w, p in zip(waited, [0.1, 0.2, 0.4, 0.4], strict=True)), waited


def test_a_command_that_ran_longer_than_the_reset_time_restarts_after_the_first_pause(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="npd_devstack.supervisor")
    child = started("slow-crasher", ["sh", "-c", "sleep 0.3; exit 1"])

    with supervising(Supervisor([child], Backoff(first_s=0.05, max_s=5, reset_after_s=0.25))):
        wait_until(lambda: child.restarts >= 3)

    assert child.pause_s == 0.05
    exits = [r.getMessage() for r in caplog.records if "exited" in r.getMessage()]
    assert all(message.endswith("restarting in 0.05 s") for message in exits)


def test_stop_ends_running_commands_stubborn_ones_too_and_restarts_none_that_wait(tmp_path: Path) -> None:
    marker = tmp_path / "ignoring-sigterm"
    stubborn = textwrap.dedent(f"""
        import pathlib, signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        pathlib.Path({str(marker)!r}).touch()
        time.sleep(60)
    """)
    steady = started("steady", ["sleep", "60"])
    waiting = started("waiting", ["sh", "-c", "exit 1"])
    stubborn_child = started("stubborn", [sys.executable, "-c", stubborn])
    supervisor = Supervisor([steady, waiting, stubborn_child], Backoff(first_s=30, max_s=30))
    thread = threading.Thread(target=supervisor.supervise, kwargs={"poll_s": 0.02}, daemon=True)
    thread.start()
    wait_until(lambda: waiting.restart_at is not None and marker.exists())

    began = time.monotonic()
    supervisor.stop(timeout_s=0.5)
    thread.join(timeout=5)

    assert time.monotonic() - began < 3
    assert not thread.is_alive()
    assert steady.process is not None and steady.process.returncode == -signal.SIGTERM
    assert stubborn_child.process is not None and stubborn_child.process.returncode == -signal.SIGKILL
    assert waiting.restarts == 0
    supervisor.check()  # even past the pause, nothing comes back after a stop
    assert all(c.process is not None and c.process.poll() is not None for c in supervisor.children)


# What `npd-dev run` does once the platform is up, over a plain command instead of the services.
_SUPERVISED_PROGRAM = """
import sys
from npd_devstack.cli import _stop_on_signals
from npd_devstack.supervisor import Child, Supervisor

child = Child("sleeper", ["sleep", "60"])
supervisor = Supervisor([child])
_stop_on_signals(supervisor.request_stop)
try:
    print(child.spawn().pid, flush=True)
    supervisor.supervise(poll_s=0.05)
except KeyboardInterrupt:  # a signal before supervise() began interrupts instead
    pass
finally:
    supervisor.stop(timeout_s=5)
print("stopped", flush=True)
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_signal_ends_supervision_and_every_supervised_process(signum: int) -> None:
    program = subprocess.Popen(
        [sys.executable, "-c", _SUPERVISED_PROGRAM], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert program.stdout is not None
    try:
        child_pid = int(program.stdout.readline())
        time.sleep(0.3)  # so the signal finds supervise() running, the usual case

        program.send_signal(signum)

        assert program.wait(timeout=10) == 0
        assert program.stdout.read().strip() == "stopped"
        wait_until(lambda: gone(child_pid), timeout_s=2)
    finally:
        if program.poll() is None:
            os.killpg(program.pid, signal.SIGKILL)
            program.wait()
