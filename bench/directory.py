"""Directory latency at the planned scale: 1,000 organisations and 500,000 people. Not a test: it prints
figures to compare.

    make bench-directory                                  # 300 requests of each kind
    uv run python bench/directory.py --requests 500 --explain

Starts its own Kafka and PostgreSQL (empty), migrates and starts membership as its own process (as `make
run` does), fills its database with COPY (bench/directory_data.py), then times four calls over HTTP, one
request at a time, as a plain member of a mid-sized organisation would make them: a name search, the
first page of an organisation's people, a page deep in the alphabet (keyset), one person's card.
Baseline in the same run, request by request: the very statement the endpoint runs (compiled from
`npd_membership.directory.service`), with the same parameters, through a bare asyncpg connection.
"""

import argparse
import json
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import asyncpg
import uvloop
from directory_data import Network, build
from fresh import fresh_infra
from lean_http import LeanHttp
from npd_devstack.platform import Platform
from npd_membership.directory import service
from npd_membership.directory.schemas import encode_cursor
from results import figure, record
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

DIALECT = PGDialect_asyncpg()
QUERIES = ("bakker", "de vr", "jansen", "visser", "smit", "van den b", "anna", "dijkstra", "kaya", "meijer")
Case = tuple[str, list[Any]]  # the HTTP path, and the SQLAlchemy statements the endpoint runs for it


def bare(stmt: Any) -> tuple[str, list[Any]]:
    """The SQL and positional arguments SQLAlchemy sends to asyncpg for `stmt`."""
    compiled = stmt.compile(dialect=DIALECT)
    params = compiled.construct_params()
    return compiled.string, [params[name] for name in compiled.positiontup or ()]


def flat(stmt: Any) -> list[Any]:
    sql, values = bare(stmt)
    return [sql, *values]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def cases(
    connection: asyncpg.Connection, network: Network, viewer: service.Viewer, n: int
) -> dict[str, list[Case]]:
    rng = random.Random(11)
    page = 20

    async def listing(filters: service.Filters, after: tuple[str, str] | None = None) -> Case:
        params: dict[str, Any] = {k: v for k, v in vars(filters).items() if v is not None} | {"limit": page}
        if after is not None:
            params["after"] = encode_cursor(*after)
        first, within = [], None
        if filters.q:  # a name search asks the trigram index for its candidates first, as the service does
            first = [service.candidates_statement(filters.q)]
            within = service.among([row[0] for row in await connection.fetch(*flat(first[0]))])
        stmt = service.search_statement(viewer, filters, after=after, limit=page, within=within)
        return f"/v1/people?{urlencode(params)}", [*first, stmt]

    ordered = await connection.fetch("SELECT name, id FROM people WHERE status = 'active' ORDER BY name, id")
    visible = await connection.fetch("SELECT id FROM people WHERE status = 'active' AND visibility = 'network'")
    deep = [ordered[rng.randrange(len(ordered) * 6 // 10, len(ordered) - page)] for _ in range(n)]
    return {
        "name search (q, first page)": [await listing(service.Filters(q=QUERIES[i % len(QUERIES)])) for i in range(n)],
        "organisation's first page": [
            await listing(service.Filters(organisation_id=rng.choice(network.organisations))) for _ in range(n)
        ],
        "deep keyset page (after 60-100 %)": [await listing(service.Filters(), (r["name"], r["id"])) for r in deep],
        "one person's card": [
            (f"/v1/people/{pid}", [service.card_statement(viewer, pid)])
            for pid in (rng.choice(visible)["id"] for _ in range(n))
        ],
    }


async def timed(call: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await call()
    return (time.perf_counter() - start) * 1000


async def measure(platform: Platform, args: argparse.Namespace) -> None:
    dsn = platform.infra.postgres.dsn("membership")
    print(f"building {args.organisations:,} organisations and {args.people:,} people with COPY ...", flush=True)
    t0 = time.monotonic()
    network = await build(dsn, args.organisations, args.people, args.groups)
    print(f"  built and analysed in {time.monotonic() - t0:.0f} s", flush=True)
    token = platform.infra.issuer.mint(network.member, ["member"], org_id=str(network.member_org))
    headers = {"Authorization": f"Bearer {token}"}
    viewer = service.Viewer(network.member, network.member_org, network_admin=False, org_admin=False)

    connection = await asyncpg.connect(dsn)
    try:
        kinds = await cases(connection, network, viewer, args.requests)
        async with LeanHttp(platform.url("membership"), connections=1) as client:
            print()
            print(f"{args.requests} requests of each, one at a time; latency in ms; baseline: its SQL on asyncpg")
            print(f"{'':<36} {'HTTP p50':>9} {'p99':>7} {'SQL p50':>8} {'p99':>7} {'ratio p50':>10} {'p99':>6}")
            for kind, items in kinds.items():
                await report(kind, items, client, connection, headers, args)
    finally:
        await connection.close()


async def report(
    kind: str,
    items: list[Case],
    client: LeanHttp,
    connection: asyncpg.Connection,
    headers: dict[str, str],
    args: argparse.Namespace,
) -> None:
    statements = [[bare(stmt) for stmt in stmts] for _, stmts in items]

    async def run_sql(steps: list[tuple[str, list[Any]]]) -> int:
        rows = 0
        for sql, values in steps:
            rows = len(await connection.fetch(sql, *values))
        return rows

    for (path, _), steps in zip(items[:20], statements[:20], strict=True):  # warm both up
        status, body = await client.get(path, headers)
        assert status == 200, (path, status, body[:300])
        await run_sql(steps)
    http, sql_ms, rows = [], [], 0
    # Interleaved, request by request, so both see the same machine at the same moment.
    for (path, _), steps in zip(items, statements, strict=True):
        http.append(await timed(lambda path=path: client.get(path, headers)))  # type: ignore[misc]
        start = time.perf_counter()
        rows += await run_sql(steps)
        sql_ms.append((time.perf_counter() - start) * 1000)
    h50, h99, s50, s99 = (percentile(v, p) for v in (http, sql_ms) for p in (50, 99))
    print(f"{kind:<36} {h50:9.2f} {h99:7.2f} {s50:8.2f} {s99:7.2f} {h50 / s50:9.1f}x {h99 / s99:5.1f}x"
          f"   ({rows / len(items):.1f} rows, mean HTTP {statistics.mean(http):.2f})")  # fmt: skip
    base = "its SQL alone on asyncpg"
    record(
        figure("directory", f"directory at {args.people:,} people: {kind}, HTTP p50", h50, "ms", baseline=s50,
               baseline_name=base),
        figure("directory", f"directory at {args.people:,} people: {kind}, HTTP p99", h99, "ms", baseline=s99,
               baseline_name=base),
    )  # fmt: skip
    if args.explain:
        for steps in statements[: len(QUERIES)]:
            await explain(connection, *steps[-1])


async def explain(connection: asyncpg.Connection, sql: str, values: list[Any]) -> None:
    """One line per query: its execution time, the access paths its plan took, and the parameters."""
    plan = json.loads(await connection.fetchval("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, *values))[0]

    def nodes(node: dict[str, Any]) -> list[str]:
        name = f"{node['Node Type']}({node['Index Name']})" if "Index Name" in node else node["Node Type"]
        return [name] + [n for child in node.get("Plans", []) for n in nodes(child)]

    shown = [v for v in values if isinstance(v, str)][:2]
    print(f"      {plan['Execution Time']:8.2f} ms  {' > '.join(nodes(plan['Plan']))}  {shown}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--organisations", type=int, default=1_000)
    parser.add_argument("--people", type=int, default=500_000)
    parser.add_argument("--groups", type=int, default=300)
    parser.add_argument("--requests", type=int, default=300, help="requests of each kind")
    parser.add_argument("--explain", action="store_true", help="print the plan of each kind's first query")
    args = parser.parse_args()
    with (
        fresh_infra() as infra,
        Platform(infra, services=("membership",), base_port=8301, log_level="WARNING") as platform,
    ):
        uvloop.run(measure(platform, args))


if __name__ == "__main__":
    main()
