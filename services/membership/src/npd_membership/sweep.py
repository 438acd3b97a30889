"""Work that falls due as time passes, done by every replica in a loop (and by tests with a time of their
choosing): positions whose deadline nears remind the organisations that have not voted; opportunities past
their expiry close. Each step locks the rows it changes (skipping those another replica holds), so replicas
sweeping at once do each piece once."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from npd_membership.mobility import service as mobility
from npd_membership.positions import service as positions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Swept:
    positions_reminded: int
    opportunities_expired: int


async def sweep(session: AsyncSession, now: datetime, reminder_lead: timedelta) -> Swept:
    return Swept(await positions.remind_due(session, now, reminder_lead), await mobility.expire_due(session, now))


async def sweep_forever(
    sessions: async_sessionmaker[AsyncSession],
    interval_s: float,
    reminder_lead: timedelta,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    while True:
        try:
            async with sessions() as session, session.begin():
                swept = await sweep(session, clock(), reminder_lead)
            if swept != Swept(0, 0):
                log.info("swept: %s", swept)
        except Exception:
            # The database may be away; the next round tries again.
            log.exception("sweep failed")
        await asyncio.sleep(interval_s)


def with_sweeper(app: FastAPI) -> FastAPI:
    """Run the sweep loop for as long as the app runs, inside the runtime's lifespan."""
    inner = app.router.lifespan_context
    settings = app.state.settings
    lead = timedelta(seconds=settings.position_reminder_lead_s)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with inner(app):
            task = asyncio.create_task(
                sweep_forever(app.state.sessions, settings.sweep_interval_s, lead), name="membership-sweep"
            )
            try:
                yield
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app.router.lifespan_context = lifespan
    return app
