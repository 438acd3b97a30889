"""Publishing a benchmark cycle at the planned scale: 1,000 organisations x 200 KPIs, every figure of every
standard peer group (all, 6 kinds, 5 size classes, 17 policy domains: 5,800 figures) decided by disclosure
control (threshold, dominance, differencing against the ledger, the audit of released means) and written
as version 1 of the results with its event. Not a test: it prints figures to compare.

    make bench-benchmark                                    # 7 runs
    uv run python bench/benchmark_publication.py --runs 15 --orgs 1000 --kpis 200

Starts its own PostgreSQL (empty, fsync on as in production), migrates the benchmark database as operators
do, fills it with COPY (organisations with realistic kinds, sizes and domains; one final submission each;
one value per KPI), then times, run by run, `publish_results` in a transaction that is rolled back
afterwards (so each run publishes the same closed cycle afresh), and as the baseline in the same run the
plain SQL aggregate of the same data: count, mean and the same eleven percentiles (percentile_cont) per KPI
and peer group, in one statement, through a bare asyncpg connection.
"""

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from npd_benchmark.main import PUBLISHES
from npd_benchmark.results.publication import publish_results
from npd_devstack.cache import free_ports
from npd_devstack.postgres import PostgresCluster
from npd_runtime.outbox import Publisher
from results import figure, record
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

ROOT = Path(__file__).resolve().parents[1]
KINDS = ["municipality"] * 6 + ["executive_agency"] * 2 + ["province", "water_board", "independent_body", "other"]
SIZES = ["under_250", "250_to_999", "1000_to_4999", "5000_to_19999", "20000_or_more"]
DOMAINS = [
    "justice",
    "security",
    "economic_affairs",
    "education",
    "health",
    "social_security",
    "taxes",
    "finance",
    "housing",
    "infrastructure",
    "environment",
    "agriculture",
    "labour_market",
    "culture",
    "digital_government",
    "interior",
    "other",
]
BASELINE = """
WITH v AS (
  SELECT sv.kpi_id, sv.value, p.kind, p.size_class, p.domains FROM submission_values sv
  JOIN submissions s ON s.id = sv.submission_id JOIN peers p ON p.id = s.organisation_id
  WHERE s.cycle_id = $1 AND s.status = 'final'
), q AS (SELECT ARRAY[0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9]::float8[] AS levels)
SELECT kpi_id, 'all', count(*), avg(value), percentile_cont((SELECT levels FROM q)) WITHIN GROUP (ORDER BY value)
  FROM v GROUP BY kpi_id
UNION ALL SELECT kpi_id, 'kind:' || kind, count(*), avg(value),
  percentile_cont((SELECT levels FROM q)) WITHIN GROUP (ORDER BY value) FROM v GROUP BY kpi_id, kind
UNION ALL SELECT kpi_id, 'size:' || size_class, count(*), avg(value),
  percentile_cont((SELECT levels FROM q)) WITHIN GROUP (ORDER BY value) FROM v GROUP BY kpi_id, size_class
UNION ALL SELECT kpi_id, 'domain:' || d, count(*), avg(value),
  percentile_cont((SELECT levels FROM q)) WITHIN GROUP (ORDER BY value) FROM v, unnest(domains) AS d GROUP BY kpi_id, d
"""


def migrate(url: str) -> None:
    env = os.environ | {"BENCHMARK_DATABASE_URL": url}
    config = str(ROOT / "services" / "benchmark" / "alembic.ini")
    subprocess.run([sys.executable, "-m", "alembic", "-c", config, "upgrade", "head"], env=env, check=True)


async def fill(dsn: str, orgs: int, kpis: int) -> uuid.UUID:
    rng = random.Random(2026)
    now = datetime.now(UTC)
    cycle = uuid.uuid4()
    connection = await asyncpg.connect(dsn)
    try:
        ids = [uuid.uuid4() for _ in range(orgs)]
        peers = [
            (
                o,
                f"Organisation {i}",
                rng.choice(KINDS),
                rng.choice(SIZES),
                rng.sample(DOMAINS, rng.randint(1, 3)),
                "member",
                now,
            )
            for i, o in enumerate(ids)
        ]
        await connection.copy_records_to_table(
            "peers", records=peers, columns=["id", "name", "kind", "size_class", "domains", "status", "changed_at"]
        )
        names = [f"kpi_{i:03d}" for i in range(kpis)]
        await connection.copy_records_to_table(
            "kpis",
            records=[
                (
                    "bench",
                    n,
                    n,
                    "synthetic",
                    "EUR" if i % 4 == 0 else "%",
                    "amount" if i % 4 == 0 else "ratio",
                    "lower_is_better",
                    0.0,
                    1e12,
                    False,
                    "finance",
                    None,
                    None,
                    None,
                    True,
                )
                for i, n in enumerate(names)
            ],
            columns=[
                "catalogue_version",
                "kpi_id",
                "name",
                "definition",
                "unit",
                "type",
                "direction",
                "minimum",
                "maximum",
                "required",
                "group",
                "numerator",
                "denominator",
                "factor",
                "comparable",
            ],
        )
        await connection.execute(
            "INSERT INTO cycles (id, year, catalogue_version, deadline, status, k, opened_at, closed_at, version) "
            "VALUES ($1, 2026, 'bench', $2, 'closed', 5, $2, $2, 0)",
            cycle,
            now,
        )
        subs = [(uuid.uuid5(cycle, str(o)), cycle, o, "final", now, now, now) for o in ids]
        await connection.copy_records_to_table(
            "submissions",
            records=subs,
            columns=["id", "cycle_id", "organisation_id", "status", "invited_at", "submitted_at", "finalised_at"],
        )
        scale = {n: rng.lognormvariate(3, 2) for n in names}
        values = [(s[0], n, round(rng.lognormvariate(0, 0.35) * scale[n], 4), None, now) for s in subs for n in names]
        await connection.copy_records_to_table(
            "submission_values",
            records=values,
            columns=["submission_id", "kpi_id", "value", "explanation", "changed_at"],
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return cycle


async def measure(url: str, dsn: str, cycle: uuid.UUID, runs: int) -> None:
    engine = create_async_engine(url)
    info = Publisher("/npd/benchmark", frozenset(PUBLISHES)).session_info()
    bare = await asyncpg.connect(dsn)
    publish_s, baseline_s = [], []
    released = withheld = 0
    try:
        for _ in range(runs):
            async with engine.connect() as connection:
                transaction = await connection.begin()
                session = AsyncSession(bind=connection, join_transaction_mode="create_savepoint", info=info)
                start = time.perf_counter()
                async with session.begin():
                    _, released, withheld = await publish_results(session, cycle)
                publish_s.append(time.perf_counter() - start)
                await session.close()
                await transaction.rollback()
            start = time.perf_counter()
            rows = await bare.fetch(BASELINE, cycle)
            baseline_s.append(time.perf_counter() - start)
    finally:
        await bare.close()
        await engine.dispose()
    p50, base = statistics.median(publish_s), statistics.median(baseline_s)
    print(f"figures: {released} released statistics, {withheld} withheld; baseline rows: {len(rows)}")
    print(
        f"publish (disclosure control, results and event written): p50 {p50 * 1000:.0f} ms, "
        f"best {min(publish_s) * 1000:.0f} ms, worst {max(publish_s) * 1000:.0f} ms over {runs} runs"
    )
    print(
        f"plain SQL aggregate of the same groups (asyncpg):       p50 {base * 1000:.0f} ms, "
        f"best {min(baseline_s) * 1000:.0f} ms, worst {max(baseline_s) * 1000:.0f} ms"
    )
    load = os.getloadavg()[0]
    print(
        f"ratio publish / plain aggregate: {p50 / base:.2f}; goal < 2 s: p50 {'met' if p50 < 2 else 'NOT met'}, "
        f"every run {'met' if max(publish_s) < 2 else 'NOT met'} (host load average {load:.1f})"
    )
    record(
        figure("benchmark_publication", f"publishing results with disclosure control, p50 of {runs}", p50 * 1000,
               "ms", baseline=base * 1000, baseline_name="plain SQL aggregate of the same groups",
               goal="< 2 s (1,000 organisations x 200 KPIs)", met=p50 < 2, worst_ms=round(max(publish_s) * 1000)),
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--orgs", type=int, default=1000)
    parser.add_argument("--kpis", type=int, default=200)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="npd-bench-benchmark-"))
    (port,) = free_ports(1)
    cluster = PostgresCluster(root, port)
    cluster.start()
    try:
        url = cluster.create_database("benchmark")
        migrate(url)
        dsn = url.replace("postgresql+asyncpg://", "postgresql://")
        started = time.perf_counter()
        cycle = asyncio.run(fill(dsn, args.orgs, args.kpis))
        print(f"{args.orgs} organisations x {args.kpis} KPIs filled in {time.perf_counter() - started:.1f} s")
        asyncio.run(measure(url, dsn, cycle, args.runs))
    finally:
        cluster.stop()
        cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
