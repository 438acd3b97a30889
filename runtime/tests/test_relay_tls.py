"""The relay on a PostgreSQL that serves TLS, reached through each URL form a service's settings accept."""

import ipaddress
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from npd_devstack.cache import free_ports
from npd_devstack.postgres import PostgresCluster
from npd_runtime.db import asyncpg_connect_kwargs, create_engine
from npd_runtime.metrics import ServiceMetrics
from npd_runtime.relay import relay_lock_key
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .test_relay import departures, outbox_database, read_back, relay, relay_running, write


def self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost that is its own authority, and its key (PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / f"{name}.crt", directory / f"{name}.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    directory = tmp_path_factory.mktemp("tls")
    return {name: self_signed(directory, name) for name in ("server", "stranger")}


@pytest.fixture(scope="module")
def tls_cluster(certificates: dict[str, tuple[Path, Path]]) -> Iterator[PostgresCluster]:
    (port,) = free_ports(1)
    # Not tmp_path_factory: as root the server runs as `postgres`, which must reach the directory.
    cluster = PostgresCluster(
        Path(tempfile.mkdtemp(prefix="npd-pg-tls-")), port, fsync=False, tls=certificates["server"]
    )
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest_asyncio.fixture(scope="module")
async def tls_db(tls_cluster: PostgresCluster) -> AsyncIterator[tuple[str, AsyncEngine]]:
    url = tls_cluster.create_database("relay_tls_tests")
    engine = await outbox_database(url)
    yield url, engine
    await engine.dispose()


URL_FORMS = [
    "ssl=require",  # what deploy/ builds for CloudNativePG
    "sslmode=require",
    "sslmode=verify-full&sslrootcert={authority}",
    "ssl=verify-full&sslrootcert={authority}",
]


@pytest.mark.parametrize("query", URL_FORMS)
async def test_the_relay_publishes_over_tls_with_each_url_form(
    query: str,
    tls_db: tuple[str, AsyncEngine],
    certificates: dict[str, tuple[Path, Path]],
    kafka: str,
    kafka_producer: AIOKafkaProducer,
) -> None:
    base, engine = tls_db
    url = f"{base}?{query.format(authority=certificates['server'][0])}"
    org_id = uuid4()
    written = departures(org_id, 3)
    await write(engine, written)
    async with relay_running(relay(url, kafka_producer)):
        published = await read_back(kafka, str(org_id).encode(), 3)
        assert await relay_connection_uses_tls(base)
    assert [e.id for e in published] == [e.id for e in written]


async def test_a_relay_that_cannot_verify_the_servers_certificate_reports_failing(
    tls_db: tuple[str, AsyncEngine],
    certificates: dict[str, tuple[Path, Path]],
    kafka_producer: AIOKafkaProducer,
    wait_for: Any,
) -> None:
    base, _ = tls_db
    distrustful = relay(
        f"{base}?sslmode=verify-full&sslrootcert={certificates['stranger'][0]}",
        kafka_producer,
        ServiceMetrics("t"),
        retry_backoff_s=0.05,
    )
    async with relay_running(distrustful):
        await wait_for(lambda: _failed(distrustful.status()))
    assert "certificate verify failed" in (distrustful.status()["last_error"] or "")


async def relay_connection_uses_tls(url: str) -> bool:
    """Whether the connection that holds the relay's advisory lock is encrypted."""
    conn = await asyncpg.connect(**asyncpg_connect_kwargs(url))
    try:
        encrypted: bool | None = await conn.fetchval(
            """SELECT s.ssl FROM pg_locks l JOIN pg_stat_ssl s USING (pid)
               WHERE l.locktype = 'advisory' AND l.objid::bigint = $1 AND l.granted""",
            relay_lock_key("relay-test"),
        )
    finally:
        await conn.close()
    return bool(encrypted)


async def _failed(status: dict[str, Any]) -> bool:
    return bool(status["failures"] >= 2)


def test_ssl_in_the_url_becomes_asyncpgs_ssl_argument_rather_than_a_server_setting() -> None:
    kwargs = asyncpg_connect_kwargs("postgresql+asyncpg://app:secret@db:5432/membership?ssl=require")
    assert kwargs["ssl"] == "require"
    assert (kwargs["host"], kwargs["port"], kwargs["user"], kwargs["database"]) == ("db", 5432, "app", "membership")
    assert "dsn" not in kwargs


def test_libpq_ssl_options_reach_asyncpg_through_a_dsn_it_reads() -> None:
    kwargs = asyncpg_connect_kwargs("postgresql+asyncpg://app@db/membership?sslmode=verify-full&sslrootcert=/ca.pem")
    assert kwargs["dsn"] == "postgresql://?sslmode=verify-full&sslrootcert=%2Fca.pem"
    assert "sslmode" not in kwargs


def test_a_password_with_reserved_characters_arrives_decoded() -> None:
    kwargs = asyncpg_connect_kwargs("postgresql+asyncpg://app:p%40ss%3Aw%2Frd@db/membership")
    assert kwargs["password"] == "p@ss:w/rd"


@pytest.mark.parametrize("query", URL_FORMS)
async def test_the_services_engine_connects_over_tls_with_each_url_form(
    query: str, tls_db: tuple[str, AsyncEngine], certificates: dict[str, tuple[Path, Path]]
) -> None:
    base, _ = tls_db
    engine = create_engine(f"{base}?{query.format(authority=certificates['server'][0])}")
    try:
        async with engine.connect() as conn:
            encrypted = await conn.scalar(text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
    finally:
        await engine.dispose()
    assert encrypted is True
