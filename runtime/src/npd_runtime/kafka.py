"""Kafka clients configured the way the platform needs them, whatever the libraries default to."""

import ssl
from typing import Any

from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker
from faststream.security import (
    BaseSecurity,
    SASLPlaintext,
    SASLScram256,
    SASLScram512,
)

from npd_runtime.settings import KafkaSettings


def connection_options(settings: KafkaSettings) -> dict[str, Any]:
    """aiokafka connection options (TLS/SASL) from the environment."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "security_protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_security_protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = ssl.create_default_context(cafile=settings.kafka_ssl_cafile)
    if settings.kafka_security_protocol.startswith("SASL"):
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism
        options["sasl_plain_username"] = settings.kafka_sasl_username
        password = settings.kafka_sasl_password
        options["sasl_plain_password"] = password.get_secret_value() if password else None
    return options


def create_producer(settings: KafkaSettings, client_id: str) -> AIOKafkaProducer:
    """The producer for the outbox relay and dead letters.

    aiokafka defaults to acks=1 without idempotence: a leader failover could lose or duplicate events.
    linger_ms=0 because the relay already batches what piled up; waiting longer only adds latency.
    """
    return AIOKafkaProducer(
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=0,
        request_timeout_ms=30_000,
        **connection_options(settings),
    )


def _security(settings: KafkaSettings) -> BaseSecurity | None:
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return None
    context = ssl.create_default_context(cafile=settings.kafka_ssl_cafile)
    use_ssl = protocol.endswith("SSL")
    if protocol == "SSL":
        return BaseSecurity(ssl_context=context, use_ssl=True)
    username = settings.kafka_sasl_username or ""
    password = settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else ""
    kind = {"PLAIN": SASLPlaintext, "SCRAM-SHA-256": SASLScram256, "SCRAM-SHA-512": SASLScram512}
    return kind[settings.kafka_sasl_mechanism](
        username=username, password=password, ssl_context=context if use_ssl else None, use_ssl=use_ssl
    )


def create_broker(settings: KafkaSettings, client_id: str) -> KafkaBroker:
    """FastStream broker for this service's consumers.

    Events leave through the outbox relay's own producer, never through this broker; its producer is
    still set to acks=all with idempotence so that nothing published through it is weaker.
    """
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        security=_security(settings),
        logger=None,
    )
