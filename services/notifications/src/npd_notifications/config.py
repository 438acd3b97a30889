from functools import lru_cache
from typing import Literal

from npd_runtime.settings import ServiceSettings
from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict


class NotificationsSettings(ServiceSettings):
    """NOTIFICATIONS_* from the environment; secrets (SMTP password, unsubscribe key) only from there."""

    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_")

    # Mail: an SMTP server (a relay of the organisation, or the local sink of `make run`).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(1025, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_s: float = Field(30.0, gt=0)
    mail_from: str = "Netwerk Publieke Dienstverleners <noreply@npd.example>"
    # Links in mails (one-click unsubscribe) point here.
    public_url: str = "http://127.0.0.1:8004"
    # Signs unsubscribe links; without it a random key per process is used (links then die on restart).
    unsubscribe_secret: SecretStr | None = None
    unsubscribe_valid_days: int = Field(60, ge=1, le=365)

    # The sending worker: claims due deliveries in batches, sends with bounded concurrency, retries with backoff.
    sender_enabled: bool = True
    sender_concurrency: int = Field(20, ge=1, le=500)
    sender_batch_size: int = Field(200, ge=1, le=5000)
    sender_idle_poll_s: float = Field(0.5, gt=0, le=60)
    sender_lease_s: float = Field(120.0, gt=0)
    retry_first_s: float = Field(30.0, gt=0)
    retry_max_s: float = Field(3600.0, gt=0)
    max_attempts: int = Field(8, ge=1, le=50)
    digest_interval_s: float = Field(60.0, gt=0)

    # Webhooks: where they may go (server-side request forgery guard) and when an endpoint is disabled.
    webhook_allow_private: bool = False
    webhook_allow_hosts: list[str] = Field(default_factory=list)
    webhook_timeout_s: float = Field(10.0, gt=0, le=60)
    webhook_disable_after: int = Field(20, ge=1, le=1000)
    webhook_rotation_overlap_s: float = Field(86400.0, ge=0)


@lru_cache
def get_settings() -> NotificationsSettings:
    return NotificationsSettings()
