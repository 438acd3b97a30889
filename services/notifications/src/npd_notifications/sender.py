"""The sending worker: a loop in the notifications process, apart from event consumption, so a slow mail
server or webhook endpoint never holds up the consumer.

Each round claims a batch of due deliveries (FOR UPDATE SKIP LOCKED, then a lease, so several replicas
share the work and none holds a transaction open while it waits on the network), sends them with bounded
concurrency, and records every outcome in one transaction together with its delivery events: sent,
failed for good, or due again after a backoff; a database that is away meanwhile is waited for, so what was
sent is not sent again. A crash before that commit leaves the leases to expire and the deliveries to be sent
again (at least once; the Message-ID and webhook-id are the delivery id, so a receiver can recognise the
repeat). An SMTP server that cannot be reached costs a delivery no attempt.
"""

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from npd_contracts import (
    Channel,
    EventData,
    FailureReason,
    NotificationDelivered,
    NotificationFailed,
    WebhookEndpointDisabled,
)
from npd_runtime import is_unavailable, publish
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from npd_notifications.config import NotificationsSettings
from npd_notifications.domain import CRITICAL, Category, backoff, is_english
from npd_notifications.mail import Bounced, Deferred, Mail, Mailer, ServerUnavailable, compose
from npd_notifications.signing import unsubscribe_token
from npd_notifications.webhook_calls import ForbiddenTarget, WebhookCaller

log = logging.getLogger(__name__)

_CLAIM = text(
    """
WITH due AS (
    SELECT d.id FROM deliveries d
    WHERE d.status = 'pending' AND d.next_attempt_at <= clock_timestamp()
      AND (d.lease_until IS NULL OR d.lease_until < clock_timestamp())
      AND (d.channel <> 'webhook' OR EXISTS (
          SELECT 1 FROM webhook_subscriptions s WHERE CAST(s.id AS varchar) = d.recipient AND s.enabled))
    ORDER BY d.next_attempt_at
    LIMIT :limit
    FOR UPDATE OF d SKIP LOCKED
)
UPDATE deliveries d SET lease_until = clock_timestamp() + make_interval(secs => :lease)
FROM due WHERE d.id = due.id
RETURNING d.id
"""
)
_CONTENT = text(
    """
SELECT d.id, d.channel, d.recipient, d.attempts, m.id AS message_id, m.source_event_id, m.category,
       m.title_nl, m.body_nl, m.title_en, m.body_en, m.payload,
       r.email, r.name, r.language, s.url, s.secret, s.previous_secret, s.previous_secret_until
FROM deliveries d
JOIN messages m ON m.id = d.message_id
LEFT JOIN recipients r ON d.channel = 'email' AND r.person_id = d.recipient
LEFT JOIN webhook_subscriptions s ON d.channel = 'webhook' AND CAST(s.id AS varchar) = d.recipient
WHERE d.id = ANY(CAST(:ids AS uuid[]))
"""
)
_SENT = text(
    "UPDATE deliveries SET status = 'sent', attempts = attempts + 1, lease_until = NULL, finished_at = :at, "
    "last_error = NULL, response_status = :response_status WHERE id = :id"
)
_FAILED = text(
    "UPDATE deliveries SET status = 'failed', attempts = attempts + 1, lease_until = NULL, finished_at = :at, "
    "last_error = :error, response_status = :response_status WHERE id = :id"
)
_AGAIN = text(
    "UPDATE deliveries SET attempts = attempts + :counted, lease_until = NULL, next_attempt_at = :next, "
    "last_error = :error, response_status = :response_status WHERE id = :id"
)
_ENDPOINT_OK = text("UPDATE webhook_subscriptions SET consecutive_failures = 0 WHERE CAST(id AS varchar) = :id")
_ENDPOINT_FAILED = text(
    """
WITH old AS (SELECT id, enabled FROM webhook_subscriptions WHERE CAST(id AS varchar) = :id FOR UPDATE)
UPDATE webhook_subscriptions s SET consecutive_failures = s.consecutive_failures + 1,
    enabled = s.enabled AND s.consecutive_failures + 1 < :limit,
    disabled_at = CASE WHEN s.enabled AND s.consecutive_failures + 1 >= :limit THEN :at ELSE s.disabled_at END
FROM old WHERE s.id = old.id
RETURNING old.enabled AND NOT s.enabled AS disabled_now, s.id, s.organisation_id, s.consecutive_failures
"""
)


@dataclass(frozen=True)
class Outcome:
    delivery_id: UUID
    channel: str
    recipient: str
    source_event_id: str
    attempts: int  # before this one
    state: str  # sent | failed | again | unavailable
    reason: FailureReason | None = None
    error: str | None = None
    response_status: int | None = None


class Sender:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: NotificationsSettings,
        unsubscribe_key: bytes,
        *,
        mailer: Mailer | None = None,
        caller: WebhookCaller | None = None,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._key = unsubscribe_key
        self._mailer = mailer or Mailer(settings, settings.sender_concurrency)
        self._caller = caller or WebhookCaller(settings)
        self._slots = asyncio.Semaphore(settings.sender_concurrency)
        self._domain = settings.mail_from.rpartition("@")[2].rstrip(">") or "npd.example"

    async def run(self) -> None:
        while True:
            try:
                claimed = await self.round()
            except Exception:
                log.exception("sending round failed; trying again shortly")
                claimed = 0
            if claimed < self._settings.sender_batch_size:
                await asyncio.sleep(self._settings.sender_idle_poll_s)

    async def close(self) -> None:
        await self._mailer.close()
        await self._caller.close()

    async def round(self) -> int:
        """Claim, send and record one batch; how many deliveries were claimed."""
        # Claim and read in one transaction: a database lost between the two would otherwise leave the
        # claimed deliveries leased, unsent, until the lease ran out.
        async with self._sessions() as session, session.begin():
            claim = {"limit": self._settings.sender_batch_size, "lease": self._settings.sender_lease_s}
            ids = list((await session.execute(_CLAIM, claim)).scalars())
            if not ids:
                return 0
            rows = list((await session.execute(_CONTENT, {"ids": ids})).mappings())
        outcomes = await asyncio.gather(*(self._send(row) for row in rows))
        await self._record_until_done(outcomes)
        return len(ids)

    async def _record_until_done(self, outcomes: list[Outcome]) -> None:
        """What was sent is recorded even when the database is away for a while: left to its lease, it would
        be sent again (a restart of PostgreSQL mid-stream sent 11 of 900 welcome mails twice). Nothing new is
        claimed meanwhile. Only a crash of this process before the record is written sends a mail twice."""
        pause = 0.1
        while True:
            try:
                async with self._sessions() as session, session.begin():
                    await self._record(session, outcomes)
                return
            except Exception as exc:
                if not is_unavailable(exc):
                    raise
                log.warning("recording %d outcomes waits for the database: %r", len(outcomes), exc)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)

    # -- sending ---------------------------------------------------------------------------------------------

    async def _send(self, row: Any) -> Outcome:
        async with self._slots:
            if row["channel"] == Channel.EMAIL:
                return await self._mail(row)
            return await self._webhook(row)

    def _outcome(self, row: Any, state: str, **kw: Any) -> Outcome:
        return Outcome(
            row["id"], row["channel"], row["recipient"], row["source_event_id"], row["attempts"], state, **kw
        )

    async def _mail(self, row: Any) -> Outcome:
        if not row["email"]:
            return self._outcome(row, "again", reason=FailureReason.NO_ADDRESS, error="no e-mail address known")
        english = is_english(row["language"])
        subject, body = (row["title_en"], row["body_en"]) if english else (row["title_nl"], row["body_nl"])
        mail = Mail(
            delivery_id=row["id"],
            to=row["email"],
            to_name=row["name"],
            subject=subject,
            text=body,
            english=english,
            unsubscribe_url=self._unsubscribe_url(row["recipient"], row["category"]),
            preferences_url=f"{self._settings.public_url}/v1/preferences",
        )
        try:
            await self._mailer.send(compose(mail, self._settings.mail_from, self._domain, datetime.now(UTC)))
        except Bounced as exc:
            return self._outcome(row, "failed", reason=FailureReason.BOUNCED, error=str(exc)[:500])
        except Deferred as exc:
            return self._outcome(row, "again", error=str(exc)[:500])
        except ServerUnavailable as exc:
            return self._outcome(row, "unavailable", error=str(exc)[:500])
        return self._outcome(row, "sent")

    def _unsubscribe_url(self, person_id: str, category: str) -> str | None:
        if category in {c.value for c in CRITICAL}:
            return None
        if category not in Category._value2member_map_ and category != "digest":
            return None
        expires = datetime.now(UTC) + timedelta(days=self._settings.unsubscribe_valid_days)
        return f"{self._settings.public_url}/unsubscribe/{unsubscribe_token(self._key, person_id, category, expires)}"

    async def _webhook(self, row: Any) -> Outcome:
        if row["url"] is None:  # the subscription was deleted meanwhile
            return self._outcome(row, "failed", reason=FailureReason.RETRIES_EXHAUSTED, error="subscription deleted")
        secrets = [row["secret"]]
        if row["previous_secret"] and row["previous_secret_until"] and row["previous_secret_until"] > datetime.now(UTC):
            secrets.append(row["previous_secret"])
        body = json.dumps(row["payload"], separators=(",", ":")).encode()
        try:
            status = await self._caller.call(row["url"], secrets, row["id"], body)
        except ForbiddenTarget as exc:
            return self._outcome(row, "failed", reason=FailureReason.FORBIDDEN_TARGET, error=str(exc)[:500])
        except httpx.HTTPError as exc:
            return self._outcome(row, "again", error=f"{type(exc).__name__}: {exc}"[:500])
        if 200 <= status < 300:
            return self._outcome(row, "sent", response_status=status)
        return self._outcome(row, "again", error=f"HTTP {status}", response_status=status)

    # -- recording -------------------------------------------------------------------------------------------

    async def _record(self, session: AsyncSession, outcomes: list[Outcome]) -> None:
        now = datetime.now(UTC)
        first = timedelta(seconds=self._settings.retry_first_s)
        most = timedelta(seconds=self._settings.retry_max_s)
        sent: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        again: list[dict[str, Any]] = []
        events: list[EventData] = []
        for o in outcomes:
            state, reason = o.state, o.reason
            if state == "again" and o.attempts + 1 >= self._settings.max_attempts:
                state, reason = "failed", reason or FailureReason.RETRIES_EXHAUSTED
            common = {"delivery_id": o.delivery_id, "source_event_id": o.source_event_id, "channel": Channel(o.channel)}
            common |= {"recipient": o.recipient, "attempts": o.attempts + 1}
            if state == "sent":
                sent.append({"id": o.delivery_id, "at": now, "response_status": o.response_status})
                events.append(NotificationDelivered(**common, delivered_at=now))
            elif state == "failed":
                assert reason is not None
                failed.append({"id": o.delivery_id, "at": now, "error": o.error, "response_status": o.response_status})
                events.append(NotificationFailed(**common, reason=reason, failed_at=now))
            else:
                counted = 1 if state == "again" else 0
                wait = backoff(o.attempts + counted, first, most)
                again.append(
                    {
                        "id": o.delivery_id,
                        "counted": counted,
                        "next": now + wait,
                        "error": o.error,
                        "response_status": o.response_status,
                    }
                )
        # Subscriptions before deliveries, in the order of their ids: the API locks a subscription and then
        # changes its deliveries, so any other order could deadlock with it.
        events += await self._endpoint_health(session, outcomes, now)
        for statement, rows in ((_SENT, sent), (_FAILED, failed), (_AGAIN, again)):
            if rows:
                await session.execute(statement, rows)
        if events:
            await publish(session, *events)

    async def _endpoint_health(
        self, session: AsyncSession, outcomes: list[Outcome], now: datetime
    ) -> list[WebhookEndpointDisabled]:
        disabled = []
        for o in sorted(outcomes, key=lambda o: o.recipient):
            if o.channel != Channel.WEBHOOK:
                continue
            if o.state == "sent":
                await session.execute(_ENDPOINT_OK, {"id": o.recipient})
                continue
            row = (
                await session.execute(
                    _ENDPOINT_FAILED, {"id": o.recipient, "limit": self._settings.webhook_disable_after, "at": now}
                )
            ).first()
            if row is not None and row.disabled_now:
                log.warning("webhook endpoint %s disabled after %d failures", row.id, row.consecutive_failures)
                disabled.append(
                    WebhookEndpointDisabled(
                        subscription_id=row.id,
                        organisation_id=row.organisation_id,
                        consecutive_failures=row.consecutive_failures,
                        disabled_at=now,
                    )
                )
        return disabled
