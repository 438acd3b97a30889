"""What PersonErased removes here: every package that keeps personal data adds its eraser to ERASERS
(registrations here; papers and reviews in their own packages), and the one handler runs them all."""

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from npd_events.registrations import service as registrations

Eraser = Callable[[AsyncSession, Sequence[str], datetime], Awaitable[None]]

ERASERS: list[Eraser] = [registrations.erase]


async def erase(session: AsyncSession, person_ids: Sequence[str], now: datetime) -> None:
    for eraser in ERASERS:
        await eraser(session, person_ids, now)
