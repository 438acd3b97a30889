"""What calls for papers, reports and calendar feeds do with membership's events."""

from collections.abc import Sequence
from typing import Any

from npd_contracts import Envelope, PersonErased
from sqlalchemy.ext.asyncio import AsyncSession

from npd_events.calendars import service as calendars
from npd_events.papers import service as papers
from npd_events.reports import service as reports


async def on_person_erased(session: AsyncSession, events: Sequence[Envelope[Any]]) -> None:
    """The person leaves proposals, sessions, reviews, calls and reports; their feed address stops working."""
    for envelope in events:
        data: PersonErased = envelope.data
        await papers.erase_person(session, data.person_id)
        await reports.erase_person(session, data.person_id)
        await calendars.erase_person(session, data.person_id)
