"""What PersonErased removes here: every package that keeps personal data adds its eraser to ERASERS
(registrations here; papers and reviews in their own packages), and the one handler runs them all."""

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from npd_events.calendars import service as calendars
from npd_events.papers import service as papers
from npd_events.pilots import service as pilots
from npd_events.practices import service as practices
from npd_events.registrations import service as registrations
from npd_events.reports import service as reports

Eraser = Callable[[AsyncSession, Sequence[str], datetime], Awaitable[None]]

ERASERS: list[Eraser] = [registrations.erase, papers.erase, reports.erase, calendars.erase]
ERASERS += [practices.erase, pilots.erase]


async def erase(session: AsyncSession, person_ids: Sequence[str], now: datetime) -> None:
    for eraser in ERASERS:
        await eraser(session, person_ids, now)
