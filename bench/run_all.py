"""Every benchmark, one after the other, at sizes that fit in 15 minutes on a quiet 2-core host (`make bench`).

    make bench                                        # all of them; writes bench/results/latest.{json,md}
    uv run python bench/run_all.py --only flows,memory

Each benchmark runs as its own process (each starts its own Kafka and PostgreSQL from empty data, so none
weighs on the next), prints what it prints when run alone (its `make bench-<name>` runs it at full size), and
appends its figures as JSON lines to a file this driver names (bench/results.py). The driver records the
host's load average and single-core speed before it starts and the load average after each benchmark, then
writes bench/results/latest.json (everything) and bench/results/latest.md (a table: figure, baseline of the
same run, ratio, goal, met or not), and the output of each benchmark in bench/results/<name>.log. The results
folder is not committed: the README keeps the figures worth keeping, with the command and the date.
"""

import argparse
import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flow import machine_speed
from results import ENV

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"


@dataclass(frozen=True)
class Bench:
    name: str
    script: str
    args: tuple[str, ...]
    what: str
    timeout_s: float = 300


# Sizes scaled to the budget (the planned scale where the goal is stated for it: fan-out to 200,000, the
# publication of 1,000 organisations x 200 KPIs); seconds and repetitions fewer than their make targets'.
BENCHES = (
    Bench("flows", "flows.py", ("--rate", "100", "--seconds", "10", "--warmup", "300"),
          "end to end meeting -> notification and cycle -> reminder at 100/s"),
    Bench("latency", "admission_latency.py", ("--rate", "100", "--seconds", "10", "--warmup", "500"),
          "end to end admission -> welcome at 100/s"),
    Bench("http", "http_write_read.py", ("--concurrency", "8", "--seconds", "5", "--meetings", "5000",
                                         "--people", "20000"),
          "HTTP write and read against bare asyncpg / a bare endpoint"),
    Bench("consumer", "consumer_throughput.py", ("--events", "20000"), "idempotent consumer vs plain aiokafka"),
    Bench("relay", "relay_throughput.py", ("--events", "20000", "--rounds", "2"), "outbox relay vs plain producer"),
    Bench("memory", "idle_memory.py", ("--settle", "5", "--load", "10"), "RSS of each service idle and loaded"),
    Bench("cpu", "admission_cpu.py", ("--rate", "100", "--admissions", "1000", "--warmup", "500",
                                      "--warm-max-s", "15"),
          "CPU per admission across processes at 100/s"),
    Bench("throughput", "admission_throughput.py", ("--concurrency", "32", "--seconds", "10", "--warmup", "5"),
          "saturation throughput of the admission flow"),
    Bench("kafka-hop", "kafka_hop.py", ("--messages", "300",), "the broker alone: produce and hop latency"),
    Bench("fanout", "fanout.py", ("--recipients", "200000", "--rounds", "1", "--send", "1000"),
          "an announcement to 200,000 recipients vs COPY; mail sending vs bare"),
    Bench("benchmark", "benchmark_publication.py", ("--runs", "3"),
          "publishing 1,000 organisations x 200 KPIs vs a plain SQL aggregate"),
    Bench("directory", "directory.py", ("--people", "100000", "--requests", "100"),
          "directory at 100,000 people vs its SQL"),
    Bench("events", "registration.py", ("--meetings", "5000", "--people", "50000", "--requests", "300"),
          "registration one at a time vs its SQL"),
    Bench("calendar", "calendar_feed.py", ("--meetings", "5000", "--people", "50000", "--requests", "100"),
          "calendar feed vs its SQL"),
)  # fmt: skip


def run(bench: Bench, out: Path) -> dict[str, Any]:
    """Run one benchmark, its output to the terminal and to its log; its figures from the results file."""
    command = [sys.executable, str(BENCH / bench.script), *bench.args]
    shown = " ".join(["python", f"bench/{bench.script}", *bench.args])
    print(f"\n=== {bench.name}: {bench.what}\n$ {shown}", flush=True)
    log = RESULTS / f"{bench.name}.log"
    started = time.monotonic()
    timed_out = threading.Event()
    with log.open("w") as sink:
        process = subprocess.Popen(
            command, cwd=BENCH.parent, env=os.environ | {ENV: str(out)}, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, bufsize=1, start_new_session=True,
        )  # fmt: skip

        def stop() -> None:  # the benchmark and what it started (its services, Kafka, PostgreSQL)
            timed_out.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)

        watchdog = threading.Timer(bench.timeout_s, stop)
        watchdog.start()
        assert process.stdout is not None
        try:
            for line in process.stdout:
                sink.write(line)
                if '"level": "' not in line:  # the services' JSON logs stay in the log file
                    print(line, end="", flush=True)
            code = process.wait()
        except KeyboardInterrupt:  # Ctrl-C reaches this process only: its own session is stopped here
            stop()
            process.wait()
            raise
        finally:
            watchdog.cancel()
    status: int | str = "timed out" if timed_out.is_set() else code
    seconds = time.monotonic() - started
    figures = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    out.unlink(missing_ok=True)
    load = os.getloadavg()
    print(f"=== {bench.name}: {seconds:.0f} s, exit {status}; load average now {load[0]:.2f}", flush=True)
    return {
        "name": bench.name,
        "command": shown,
        "what": bench.what,
        "seconds": round(seconds, 1),
        "exit": status,
        "load_after": [round(x, 2) for x in load],
        "figures": figures,
    }


def _number(value: float | None) -> str:
    if value is None:
        return ""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def markdown(summary: dict[str, Any]) -> str:
    host = summary["host"]
    lines = [
        f"# `make bench`, {summary['started']}",
        "",
        f"{host['cores']} cores; load average at the start {' / '.join(map(str, host['load_before']))} "
        f"(1, 5, 15 min); single-core speed {host['speed_before']:.1f} M loop iterations/s; "
        f"wall time {summary['seconds'] / 60:.1f} min.",
        "",
        "| bench | figure | value | baseline, same run | ratio | goal | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for bench in summary["benches"]:
        if bench["exit"] != 0:
            lines.append(f"| {bench['name']} | **failed ({bench['exit']})**: see bench/results/{bench['name']}.log "
                         "| | | | | |")  # fmt: skip
        for f in bench["figures"]:
            baseline = f"{_number(f['baseline'])} ({f['baseline_name']})" if f["baseline"] is not None else ""
            met = {True: "met", False: "**not met**", None: ""}[f["met"]]
            ratio = "" if f["ratio"] is None else f"{f['ratio']:.2f}"
            lines.append(
                f"| {bench['name']} | {f['name']} | {_number(f['value'])} {f['unit']} | {baseline} | {ratio} | "
                f"{f['goal'] or ''} | {met} |"
            )
    lines += ["", "| bench | command | seconds | load average after |", "|---|---|---|---|"]
    for bench in summary["benches"]:
        lines.append(f"| {bench['name']} | `{bench['command']}` | {bench['seconds']:.0f} | {bench['load_after'][0]} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated names: " + ", ".join(b.name for b in BENCHES))
    args = parser.parse_args()
    chosen = [b for b in BENCHES if not args.only or b.name in args.only.split(",")]
    RESULTS.mkdir(exist_ok=True)
    load = os.getloadavg()
    speed = machine_speed()
    started = datetime.now(UTC)
    print(f"make bench: {len(chosen)} benchmarks; {os.cpu_count()} cores, load average {load[0]:.2f} / "
          f"{load[1]:.2f} / {load[2]:.2f}, single-core speed {speed:.1f} M loop iterations/s", flush=True)  # fmt: skip
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="npd-bench-results-") as folder:
        benches = [run(bench, Path(folder, f"{bench.name}.jsonl")) for bench in chosen]
    summary: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - t0, 1),
        "host": {
            "cores": os.cpu_count(),
            "load_before": [round(x, 2) for x in load],
            "speed_before": round(speed, 2),
            "python": platform.python_version(),
        },
        "benches": benches,
    }
    (RESULTS / "latest.json").write_text(json.dumps(summary, indent=2) + "\n")
    (RESULTS / "latest.md").write_text(markdown(summary))
    print()
    print((RESULTS / "latest.md").read_text())
    print(f"wrote {RESULTS / 'latest.json'} and latest.md in {summary['seconds'] / 60:.1f} min")
    return 0 if all(b["exit"] == 0 for b in benches) else 1


if __name__ == "__main__":
    sys.exit(main())
