"""The notifications process: inbox, preferences, webhooks and announcements APIs, the event consumer that
applies the rules, and two background loops of its own: the sender and the digest collector
(uvicorn --factory npd_notifications.main:create_app)."""

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator

from fastapi import FastAPI
from npd_contracts import EventData, NotificationDelivered, NotificationFailed, WebhookEndpointDisabled
from npd_runtime import ServiceSpec, create_service_app

from npd_notifications import announcements_api, api, digests, preferences_api, webhooks_api
from npd_notifications.config import NotificationsSettings, get_settings
from npd_notifications.handlers import event_handlers, webhook_events
from npd_notifications.sender import Sender

log = logging.getLogger(__name__)

PROBLEMS = {**api.PROBLEMS, **preferences_api.PROBLEMS, **webhooks_api.PROBLEMS, **announcements_api.PROBLEMS}
ROUTERS = [api.router, preferences_api.router, preferences_api.public, webhooks_api.router, announcements_api.router]
PUBLISHES: list[type[EventData]] = [NotificationDelivered, NotificationFailed, WebhookEndpointDisabled]


def spec(settings: NotificationsSettings) -> ServiceSpec:
    return ServiceSpec(
        name="notifications",
        title="NPD notifications",
        description=(
            "Tells people and systems what happens in the network: e-mail, the in-app inbox, signed webhooks, "
            "preferences and digests, announcements."
        ),
        settings=settings,
        routers=ROUTERS,
        # Who may read an inbox comes from the runtime's read model of membership's person events, whose
        # handlers run first; then the recipients read model, then the rules (handlers.py).
        handlers=event_handlers(),
        publishes=PUBLISHES,
        problems=PROBLEMS,
    )


def unsubscribe_key(settings: NotificationsSettings) -> bytes:
    if settings.unsubscribe_secret is not None:
        return settings.unsubscribe_secret.get_secret_value().encode()
    log.warning("NOTIFICATIONS_UNSUBSCRIBE_SECRET is not set: unsubscribe links stop working when this process ends")
    return secrets.token_bytes(32)


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = create_service_app(spec(settings))
    app.state.unsubscribe_key = unsubscribe_key(settings)
    app.state.webhook_event_types = [cls.TYPE for cls in webhook_events()]
    runtime_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[None]:
        async with runtime_lifespan(app_):
            tasks: list[asyncio.Task[None]] = []
            sender = Sender(app.state.sessions, settings, app.state.unsubscribe_key)
            app.state.sender = sender
            if settings.sender_enabled:
                tasks.append(asyncio.create_task(sender.run(), name="notifications-sender"))
                tasks.append(
                    asyncio.create_task(
                        digests.run(app.state.sessions, settings.digest_interval_s, digests.utc_now),
                        name="notifications-digests",
                    )
                )
            try:
                yield
            finally:
                for task in tasks:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                await sender.close()

    app.router.lifespan_context = lifespan
    return app
