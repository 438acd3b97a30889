"""Settings every service shares, read from the environment (never at import time)."""

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class KafkaSettings(BaseSettings):
    """How to reach the platform's Kafka cluster; unprefixed names, as one cluster serves every service."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    kafka_bootstrap_servers: str = Field("127.0.0.1:19092", validation_alias="KAFKA_BOOTSTRAP_SERVERS")
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", validation_alias="KAFKA_SECURITY_PROTOCOL"
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = Field(
        "SCRAM-SHA-512", validation_alias="KAFKA_SASL_MECHANISM"
    )
    kafka_sasl_username: str | None = Field(None, validation_alias="KAFKA_SASL_USERNAME")
    kafka_sasl_password: SecretStr | None = Field(None, validation_alias="KAFKA_SASL_PASSWORD")
    kafka_ssl_cafile: str | None = Field(None, validation_alias="KAFKA_SSL_CAFILE")


DEFAULT_MAX_EVENT_BYTES = 256 * 1024
"""Our largest events are a few kilobytes; a value over this is refused before it is parsed (decision 96)."""


class ServiceSettings(KafkaSettings):
    """Base class; each service sets `env_prefix` (e.g. `MEMBERSHIP_`) for its own `DATABASE_URL`.

    Kafka and OIDC settings keep their unprefixed names: one cluster and one issuer serve every service.
    """

    database_url: str = Field(description="SQLAlchemy URL, postgresql+asyncpg://user:pass@host:port/db")

    oidc_issuer: str = Field(validation_alias="OIDC_ISSUER")
    oidc_audience: str = Field("npd-platform", validation_alias="OIDC_AUDIENCE")
    oidc_jwks_url: str = Field(validation_alias="OIDC_JWKS_URL")

    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")
    relay_enabled: bool = True
    # The relay starts a round at most this often; a commit after a quiet spell leaves at once, commits that
    # land sooner after a round leave together in the next (one read, one produce request, one fetch and one
    # consumer transaction downstream): at 100 commits/s, 20 ms makes rounds of two (docs/decisions.md 34).
    relay_round_interval_ms: float = Field(20.0, ge=0, le=100)
    consumer_max_attempts: int = Field(5, ge=1, le=20)
    consumer_batch_size: int = Field(500, ge=1, le=5000)
    # A record's value over this many bytes is dead-lettered (`too-large`) before it is parsed: our events
    # are a few kilobytes, so anything near this is a mistake or an attack, not a member's data (decision 96).
    consumer_max_event_bytes: int = Field(DEFAULT_MAX_EVENT_BYTES, ge=1024, le=1 << 20)
    # How long a caller's roles and groups are kept in the process between loads: at most this long does
    # a revoked role still work here (after its event arrived); 0 loads them on every request.
    access_cache_ttl_s: float = Field(1.0, ge=0, le=60)
    # Connections of the pool for one-statement reads (npd_runtime.reads), beside the engine's 20: opened
    # when first needed, read-only.
    read_pool_size: int = Field(10, ge=1, le=100)
