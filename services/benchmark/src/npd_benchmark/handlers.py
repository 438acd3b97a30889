"""The events the benchmark consumes: membership's organisations (peer groups, late joiners) and erasures."""

from collections.abc import Mapping, Sequence

from npd_contracts import Envelope, EventData, PersonErased
from npd_runtime import Handler
from sqlalchemy.ext.asyncio import AsyncSession

from npd_benchmark import peers
from npd_benchmark.cycles import submissions


async def on_person_erased(session: AsyncSession, events: Sequence[Envelope[PersonErased]]) -> None:
    await submissions.anonymise(session, [e.data.person_id for e in events])


HANDLERS: Mapping[type[EventData], Handler] = {**peers.HANDLERS, PersonErased: on_person_erased}
