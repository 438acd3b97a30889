"""Work that falls due as time passes, done by every replica in a loop (and by tests with a time of their
choosing): offers not accepted in time pass on, series grow to the horizon, guest chairs that are due are asked.
Each step locks the rows it changes, so replicas sweeping at once do each piece once."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from npd_events.meetings import service as meetings
from npd_events.registrations import service as registrations
from npd_events.rotation import service as rotation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Swept:
    offers_expired: int
    series_extended: int
    chairs_asked: int


async def sweep(session: AsyncSession, now: datetime, horizon_days: int) -> Swept:
    expired = await registrations.expire_offers(session, now)
    extended = await meetings.extend_all(session, now, horizon_days)
    asked = await rotation.assign_all_due(session, now)
    return Swept(expired, extended, asked)


async def sweep_forever(
    sessions: async_sessionmaker[AsyncSession],
    interval_s: float,
    horizon_days: int,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    while True:
        try:
            async with sessions() as session, session.begin():
                swept = await sweep(session, clock(), horizon_days)
            if swept != Swept(0, 0, 0):
                log.info("swept: %s", swept)
        except Exception:
            # The database may be away; the next round tries again.
            log.exception("sweep failed")
        await asyncio.sleep(interval_s)


def with_sweeper(app: FastAPI) -> FastAPI:
    """Run the sweep loop for as long as the app runs, inside the runtime's lifespan."""
    inner = app.router.lifespan_context
    settings = app.state.settings

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with inner(app):
            task = asyncio.create_task(
                sweep_forever(app.state.sessions, settings.sweep_interval_s, settings.series_horizon_days),
                name="events-sweep",
            )
            try:
                yield
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app.router.lifespan_context = lifespan
    return app
