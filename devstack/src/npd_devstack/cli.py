"""`npd-dev`: thin command-line entry points over npd_devstack."""

import argparse
import asyncio
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

from npd_devstack.cache import cache_dir
from npd_devstack.issuer import DevIssuer
from npd_devstack.postgres import PostgresCluster
from npd_devstack.stack import POSTGRES_PORT, SERVICE_DATABASES, Infra

Command = Callable[[argparse.Namespace], int]


def _platform_topics() -> list[tuple[str, int]] | None:
    # Imported here: contracts/ owns the topic list and may not provide it yet in every checkout.
    try:
        from npd_contracts.topics import topic_specs
    except ImportError:
        return None
    specs: list[tuple[str, int]] = topic_specs()
    return specs


def _raise_interrupt(_signum: int, _frame: FrameType | None) -> None:
    # Only once: a second signal (uv forwards the one it got, a terminal signals the whole group) must
    # not interrupt the clean stop that the first one started.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def _stop_on_signals(request_stop: Callable[[], bool]) -> None:
    """SIGINT and SIGTERM ask `request_stop` to end a supervision loop; where none runs yet, they interrupt.

    A supervision loop is never interrupted mid-step, so a service it is just restarting cannot escape
    the clean stop that follows.
    """

    def handler(_signum: int, _frame: FrameType | None) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if not request_stop():
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _log_to_stderr() -> None:
    """The supervisor's lines (exits, restarts) among the services' JSON logs, marked like ours with `#`."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("# %(asctime)s %(message)s", "%H:%M:%S"))
    logger = logging.getLogger("npd_devstack")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def infra(args: argparse.Namespace) -> int:
    """Start Kafka and PostgreSQL, print their settings, and keep them up until Ctrl-C or SIGTERM."""
    # SIGTERM is how CI and process managers stop us; SIGINT is set too because a shell starting us in
    # the background leaves it ignored, and then Ctrl-C (or `kill -INT`) would never reach us.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGINT, _raise_interrupt)
    with Infra(cache_dir()) as stack:
        specs = _platform_topics()
        if specs is None:
            print("# npd_contracts.topics.topic_specs not found: no topics created", file=sys.stderr)
        else:
            created = asyncio.run(stack.ensure_topics(specs))
            print(f"# topics: {len(specs)} declared, {len(created)} created", file=sys.stderr)
        for key, value in stack.env().items():
            print(f"{key}={value}", flush=True)
        print("# running; Ctrl-C stops Kafka and PostgreSQL", file=sys.stderr, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("# stopping", file=sys.stderr)
    return 0


def run(args: argparse.Namespace) -> int:
    """Start the infrastructure and all four services, restart any that exits, stop everything on Ctrl-C."""
    from npd_devstack.platform import Platform, describe

    _log_to_stderr()
    platform = Platform(Infra(cache_dir()))
    _stop_on_signals(platform.request_stop)
    try:
        with platform:
            print(describe(platform), file=sys.stderr, flush=True)
            platform.supervise()
            print("# stopping", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        pass
    print("# stopped", file=sys.stderr)
    return 0


def migrate(args: argparse.Namespace) -> int:
    """`alembic upgrade head` of each service, on the local cluster unless `<SERVICE>_DATABASE_URL` says otherwise."""
    from npd_devstack.platform import migrate as upgrade

    unknown = sorted(set(args.services) - set(SERVICE_DATABASES))
    if unknown:
        print(f"unknown services {unknown}; expected some of {list(SERVICE_DATABASES)}", file=sys.stderr)
        return 2
    local = PostgresCluster(cache_dir() / "postgres", POSTGRES_PORT)
    for service in args.services or SERVICE_DATABASES:
        variable = f"{service.upper()}_DATABASE_URL"
        where = (
            f"the database in {variable}"
            if os.environ.get(variable)
            else f"database {service} at 127.0.0.1:{POSTGRES_PORT}"
        )
        print(f"# {service}: alembic upgrade head on {where}", file=sys.stderr, flush=True)
        try:
            upgrade(service, {variable: local.url(service)} | dict(os.environ))
        except RuntimeError as error:
            hint = "" if os.environ.get(variable) else "\n# is the local cluster up (make run, or make infra)?"
            print(f"{error}{hint}", file=sys.stderr)
            return 1
    return 0


def rebuild_notifications(args: argparse.Namespace) -> int:
    """Replay notifications' topics into an empty recipients read model (npd_notifications.rebuild), on the
    local cluster unless NOTIFICATIONS_DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS say otherwise."""
    import subprocess

    local = PostgresCluster(cache_dir() / "postgres", POSTGRES_PORT)
    issuer = DevIssuer(cache_dir() / "dev-issuer")
    env = {
        "NOTIFICATIONS_DATABASE_URL": local.url("notifications"),
        "OIDC_ISSUER": issuer.issuer,
        "OIDC_JWKS_URL": issuer.jwks_url,
    } | dict(os.environ)
    return subprocess.run([sys.executable, "-m", "npd_notifications.rebuild"], env=env).returncode


def token(args: argparse.Namespace) -> int:
    """A token proves identity only: what its subject may do is membership's to say."""
    issuer = DevIssuer(cache_dir() / "dev-issuer")
    print(issuer.mint(args.sub, ttl_s=args.ttl))
    return 0


def seed(args: argparse.Namespace) -> int:
    """Fill the running platform with the demo network (through its APIs); running it again adds nothing."""
    from npd_devstack.demo import SeedFailed
    from npd_devstack.demo import seed as fill

    issuer = DevIssuer(cache_dir() / "dev-issuer")
    print(f"# seeding the demo network into membership at {args.membership}", file=sys.stderr)
    print(f"# and announcing it through notifications at {args.notifications}", file=sys.stderr)
    try:
        created = asyncio.run(
            fill(args.membership, issuer, events=args.events or None, notifications=args.notifications)
        )
    except SeedFailed as failure:
        print(f"seed failed: {failure}", file=sys.stderr)
        return 1
    try:
        created |= seed_benchmark_demo(args, issuer)
    except RuntimeError as failure:  # BenchmarkSeedFailed
        print(f"seed of the benchmark failed: {failure}", file=sys.stderr)
        return 1
    made = ", ".join(f"{n} {what}" for what, n in created.items())
    print(f"# done: created {made} (0 everywhere means it was all there already)", file=sys.stderr)
    inbox = 'curl -s localhost:8004/v1/inbox -H "Authorization: Bearer $(make token SUB=demo-gemeente-amsterdam-1)"'
    print("# notifications fills inboxes and sends mail as the events arrive; one person's inbox:", file=sys.stderr)
    print(f"#   {inbox}", file=sys.stderr)
    print("# and the mail in ~/.cache/npd/mail/ (one .eml file each)", file=sys.stderr)
    return 0


def seed_benchmark_demo(args: argparse.Namespace, issuer: DevIssuer) -> dict[str, int]:
    """The benchmark's three years of cycles, for the members membership's seed made."""
    from npd_devstack.demo_benchmark import demo_members, seed_benchmark

    print(f"# seeding three benchmark cycles into the benchmark at {args.benchmark}", file=sys.stderr)

    async def run() -> dict[str, int]:
        return await seed_benchmark(args.benchmark, issuer, await demo_members(args.membership, issuer))

    return asyncio.run(run())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="npd-dev", description="Local NPD Platform infrastructure")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("infra", help="run Kafka and PostgreSQL until Ctrl-C").set_defaults(func=infra)

    minting = commands.add_parser("token", help="print a dev access token (identity only; roles are membership's)")
    minting.add_argument("--sub", required=True, help="subject (user id); 'admin' is a network admin under run")
    minting.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    minting.set_defaults(func=token)

    migrating = commands.add_parser("migrate", help="run services' migrations (alembic upgrade head)")
    migrating.add_argument(
        "services", nargs="*", metavar="SERVICE", help=f"any of {', '.join(SERVICE_DATABASES)}; default all"
    )
    migrating.set_defaults(func=migrate)

    seeding = commands.add_parser("seed", help="fill the running platform with the demo network (idempotent)")
    seeding.add_argument("--membership", default="http://127.0.0.1:8001", help="membership's base URL")
    seeding.add_argument(
        "--events", default="http://127.0.0.1:8002", help="the events service's base URL ('' skips it)"
    )
    seeding.add_argument("--benchmark", default="http://127.0.0.1:8003", help="the benchmark's base URL")
    seeding.add_argument("--notifications", default="http://127.0.0.1:8004", help="notifications' base URL")
    seeding.set_defaults(func=seed)

    rebuilding = commands.add_parser(
        "rebuild-notifications", help="reset notifications' read model and replay its topics (service stopped)"
    )
    rebuilding.set_defaults(func=rebuild_notifications)

    running = commands.add_parser("run", help="run the whole platform, restarting services that exit, until Ctrl-C")
    running.set_defaults(func=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command: Command = args.func
    return command(args)
