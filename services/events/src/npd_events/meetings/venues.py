"""Venue use cases: a member organisation's admins register the locations where it hosts meetings, change
them, and retire them (meetings already there keep them; new ones cannot choose them)."""

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID, uuid4

from npd_runtime import Principal, changed_fields
from sqlalchemy.ext.asyncio import AsyncSession

from npd_events.meetings import access
from npd_events.meetings.domain import Venue
from npd_events.models import ORGANISATIONS, VENUES
from npd_events.network.domain import OrganisationStatus


class VenueNotFound(LookupError):
    def __init__(self, venue_id: UUID) -> None:
        super().__init__(f"venue {venue_id} does not exist")


class NotAMember(ValueError):
    def __init__(self, organisation_id: UUID) -> None:
        super().__init__(f"organisation {organisation_id} is not a member of the network: it cannot host meetings")


class VenueRetired(Exception):
    def __init__(self, venue_id: UUID) -> None:
        super().__init__(f"venue {venue_id} is retired")


@dataclass(frozen=True)
class Place:
    name: str
    address: str
    postal_code: str
    city: str
    capacity: int | None
    online_url: str | None


async def get_venue(session: AsyncSession, venue_id: UUID, *, for_update: bool = False) -> Venue:
    venue = await VENUES.get(session, venue_id, for_update=for_update)
    if venue is None:
        raise VenueNotFound(venue_id)
    return venue


async def add_venue(session: AsyncSession, organisation_id: UUID, place: Place, by: Principal, now: datetime) -> Venue:
    access.require_venue_admin(by, organisation_id)
    organisation = await ORGANISATIONS.get(session, organisation_id)
    if organisation is None or organisation.status is not OrganisationStatus.MEMBER:
        raise NotAMember(organisation_id)
    venue = Venue(id=uuid4(), organisation_id=organisation_id, **vars(place), created_at=now, archived_at=None)
    await VENUES.insert(session, [venue])
    return venue


async def change_venue(session: AsyncSession, venue_id: UUID, place: Place, by: Principal) -> Venue:
    venue = await get_venue(session, venue_id, for_update=True)
    access.require_venue_admin(by, venue.organisation_id)
    if venue.archived_at is not None:
        raise VenueRetired(venue_id)
    changed = replace(venue, **vars(place))
    fields = changed_fields(venue, changed)
    if fields:
        await VENUES.update(session, changed, *fields)
    return changed


async def retire_venue(session: AsyncSession, venue_id: UUID, by: Principal, now: datetime) -> Venue:
    venue = await get_venue(session, venue_id, for_update=True)
    access.require_venue_admin(by, venue.organisation_id)
    if venue.archived_at is not None:
        return venue
    retired = replace(venue, archived_at=now)
    await VENUES.update(session, retired, "archived_at")
    return retired
