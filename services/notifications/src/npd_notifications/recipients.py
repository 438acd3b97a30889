"""The recipients read model: who people are (name, language, organisation, address), which organisations
and groups exist, from membership's events only. Roles and group memberships are the runtime's access
tables, built from the same person events. Each change is taken only if newer than what is held, so
redeliveries, replays and late events leave the newest state (last writer wins on the event's own time).

Other services' events feed four small tables the meeting and benchmark rules need: each meeting's title
and audience (MeetingScheduled, MeetingChanged), who holds a place (RegistrationConfirmed, WaitlistPromoted)
or waits for one (Waitlisted) until RegistrationCancelled ends it, who submitted a paper (PaperSubmitted),
and which organisations a benchmark cycle invited (OrganisationInvited).

Erasure (PersonErased) deletes everything about the person here: their row and address, their
preferences, their inbox, their pending deliveries, the messages about them, their registrations and
the papers they submitted.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from npd_contracts import (
    Envelope,
    EventData,
    GroupArchived,
    GroupChanged,
    GroupCreated,
    MemberJoined,
    MemberLeft,
    OrganisationApplied,
    OrganisationInvited,
    OrganisationProfileChanged,
    PersonContactChanged,
    PersonErased,
    PersonLeft,
    PersonProfileChanged,
    PersonRegistered,
)
from npd_contracts.meetings import (
    MeetingChanged,
    MeetingScheduled,
    PaperSubmitted,
    RegistrationCancelled,
    RegistrationConfirmed,
    Waitlisted,
    WaitlistPromoted,
)
from npd_contracts.pilots import PilotFollowed, PilotUnfollowed
from npd_runtime import Handler
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from npd_notifications.models import (
    deliveries,
    meeting_registrations,
    messages,
    notifications,
    paper_submitters,
    pilot_followers,
    preference_settings,
    preferences,
    recipients,
)

_REGISTER = text(
    "INSERT INTO recipients (person_id, organisation_id, name, language, active, changed_at) "
    "VALUES (:person_id, CAST(:organisation_id AS uuid), :name, :language, true, :at) "
    "ON CONFLICT (person_id) DO UPDATE SET organisation_id = excluded.organisation_id, name = excluded.name, "
    "language = excluded.language, active = true, changed_at = excluded.changed_at "
    "WHERE recipients.changed_at IS NULL OR recipients.changed_at < excluded.changed_at"
)
_PROFILE = text(
    "UPDATE recipients SET name = :name, language = :language, changed_at = :at "
    "WHERE person_id = :person_id AND (changed_at IS NULL OR changed_at < :at)"
)
_LEFT = text(
    "INSERT INTO recipients (person_id, active, changed_at) VALUES (:person_id, false, :at) "
    "ON CONFLICT (person_id) DO UPDATE SET active = false, changed_at = excluded.changed_at "
    "WHERE recipients.changed_at IS NULL OR recipients.changed_at <= excluded.changed_at"
)
# An address may arrive before the registration (another topic): the row is made, inactive until then.
_CONTACT = text(
    "INSERT INTO recipients (person_id, email, active, contact_changed_at) VALUES (:person_id, :email, false, :at) "
    "ON CONFLICT (person_id) DO UPDATE SET email = excluded.email, contact_changed_at = excluded.contact_changed_at "
    "WHERE recipients.contact_changed_at IS NULL OR recipients.contact_changed_at < excluded.contact_changed_at"
)
_ORGANISATION = text(
    "INSERT INTO recipient_organisations (organisation_id, name, member, changed_at) "
    "VALUES (:organisation_id, :name, coalesce(CAST(:member AS boolean), false), :at) "
    "ON CONFLICT (organisation_id) DO UPDATE SET name = excluded.name, "
    "member = coalesce(CAST(:member AS boolean), recipient_organisations.member), changed_at = excluded.changed_at "
    "WHERE recipient_organisations.changed_at <= excluded.changed_at"
)
_ORGANISATION_LEFT = text(
    "UPDATE recipient_organisations SET member = false, changed_at = :at "
    "WHERE organisation_id = :organisation_id AND changed_at <= :at"
)
_GROUP = text(
    "INSERT INTO recipient_groups (group_id, name, kind, archived, changed_at) "
    "VALUES (:group_id, :name, :kind, false, :at) "
    "ON CONFLICT (group_id) DO UPDATE SET name = excluded.name, changed_at = excluded.changed_at "
    "WHERE recipient_groups.changed_at < excluded.changed_at"
)
_GROUP_CHANGED = text(
    "UPDATE recipient_groups SET name = :name, changed_at = :at WHERE group_id = :group_id AND changed_at < :at"
)
_GROUP_ARCHIVED = text(
    "UPDATE recipient_groups SET archived = true, changed_at = :at WHERE group_id = :group_id AND changed_at <= :at"
)


async def _each(session: AsyncSession, statement: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(statement, rows)


async def on_person_registered(session: AsyncSession, events: Sequence[Envelope[PersonRegistered]]) -> None:
    rows = [
        {
            "person_id": e.data.person_id,
            "organisation_id": e.data.organisation_id,
            "name": e.data.name,
            "language": e.data.language,
            "at": e.data.registered_at,
        }
        for e in events
    ]
    await _each(session, _REGISTER, rows)


async def on_person_profile_changed(session: AsyncSession, events: Sequence[Envelope[PersonProfileChanged]]) -> None:
    rows = [
        {"person_id": e.data.person_id, "name": e.data.name, "language": e.data.language, "at": e.data.changed_at}
        for e in events
    ]
    await _each(session, _PROFILE, rows)


async def on_person_left(session: AsyncSession, events: Sequence[Envelope[PersonLeft]]) -> None:
    await _each(session, _LEFT, [{"person_id": e.data.person_id, "at": e.data.left_at} for e in events])


# A removal never makes a row: after an erasure, nothing of the person may come back.
_CONTACT_REMOVED = text(
    "UPDATE recipients SET email = NULL, contact_changed_at = :at WHERE person_id = :person_id "
    "AND (contact_changed_at IS NULL OR contact_changed_at < :at)"
)


async def on_person_contact_changed(session: AsyncSession, events: Sequence[Envelope[PersonContactChanged]]) -> None:
    for e in events:  # in order: an address and its removal may share a batch
        row = {"person_id": e.data.person_id, "email": e.data.email, "at": e.data.changed_at}
        await session.execute(_CONTACT if e.data.email else _CONTACT_REMOVED, row)


async def erase(session: AsyncSession, person_ids: Sequence[str]) -> None:
    """Everything this service holds about these people goes (GDPR art. 17)."""
    if not person_ids:
        return
    ids = list(person_ids)
    about = select(messages.c.id).where(messages.c.about_person_id.in_(ids)).scalar_subquery()
    await session.execute(delete(deliveries).where(deliveries.c.message_id.in_(about)))
    await session.execute(delete(notifications).where(notifications.c.message_id.in_(about)))
    await session.execute(delete(messages).where(messages.c.about_person_id.in_(ids)))
    await session.execute(delete(deliveries).where(deliveries.c.channel == "email", deliveries.c.recipient.in_(ids)))
    await session.execute(delete(notifications).where(notifications.c.recipient_person_id.in_(ids)))
    await session.execute(delete(preferences).where(preferences.c.person_id.in_(ids)))
    await session.execute(delete(preference_settings).where(preference_settings.c.person_id.in_(ids)))
    await session.execute(delete(recipients).where(recipients.c.person_id.in_(ids)))
    await session.execute(delete(meeting_registrations).where(meeting_registrations.c.person_id.in_(ids)))
    await session.execute(delete(paper_submitters).where(paper_submitters.c.submitter_id.in_(ids)))
    await session.execute(delete(pilot_followers).where(pilot_followers.c.person_id.in_(ids)))


async def on_person_erased(session: AsyncSession, events: Sequence[Envelope[PersonErased]]) -> None:
    await erase(session, [e.data.person_id for e in events])


async def on_organisation_applied(session: AsyncSession, events: Sequence[Envelope[OrganisationApplied]]) -> None:
    rows = [
        {"organisation_id": e.data.organisation_id, "name": e.data.name, "member": False, "at": e.data.applied_at}
        for e in events
    ]
    await _each(session, _ORGANISATION, rows)


async def on_member_joined(session: AsyncSession, events: Sequence[Envelope[MemberJoined]]) -> None:
    rows = [
        {"organisation_id": e.data.organisation_id, "name": e.data.name, "member": True, "at": e.data.joined_at}
        for e in events
    ]
    await _each(session, _ORGANISATION, rows)


async def on_organisation_profile_changed(
    session: AsyncSession, events: Sequence[Envelope[OrganisationProfileChanged]]
) -> None:
    rows = [
        {"organisation_id": e.data.organisation_id, "name": e.data.name, "member": None, "at": e.data.changed_at}
        for e in events
    ]
    await _each(session, _ORGANISATION, rows)


async def on_member_left(session: AsyncSession, events: Sequence[Envelope[MemberLeft]]) -> None:
    rows = [{"organisation_id": e.data.organisation_id, "at": e.data.left_at} for e in events]
    await _each(session, _ORGANISATION_LEFT, rows)


async def on_group_created(session: AsyncSession, events: Sequence[Envelope[GroupCreated]]) -> None:
    rows = [
        {"group_id": e.data.group_id, "name": e.data.name, "kind": e.data.kind.value, "at": e.data.created_at}
        for e in events
    ]
    await _each(session, _GROUP, rows)


async def on_group_changed(session: AsyncSession, events: Sequence[Envelope[GroupChanged]]) -> None:
    rows = [{"group_id": e.data.group_id, "name": e.data.name, "at": e.data.changed_at} for e in events]
    await _each(session, _GROUP_CHANGED, rows)


async def on_group_archived(session: AsyncSession, events: Sequence[Envelope[GroupArchived]]) -> None:
    await _each(session, _GROUP_ARCHIVED, [{"group_id": e.data.group_id, "at": e.data.archived_at} for e in events])


# -- meetings and the benchmark ------------------------------------------------------------------------------

_MEETING = text(
    "INSERT INTO recipient_meetings (meeting_id, title, audience, host_group_id, changed_at) "
    "VALUES (:meeting_id, :title, :audience, :host_group_id, :at) "
    "ON CONFLICT (meeting_id) DO UPDATE SET title = excluded.title, audience = excluded.audience, "
    "host_group_id = excluded.host_group_id, changed_at = excluded.changed_at "
    "WHERE recipient_meetings.changed_at <= excluded.changed_at"
)
_MEETING_CHANGED = text(
    "UPDATE recipient_meetings SET title = :title, audience = :audience, changed_at = :at "
    "WHERE meeting_id = :meeting_id AND changed_at <= :at"
)
# The topic is keyed by meeting, so a person's registration events for one meeting arrive in order.
_PLACE = text(
    "INSERT INTO meeting_registrations (meeting_id, person_id, waitlisted) VALUES (:meeting_id, :person_id, false) "
    "ON CONFLICT (meeting_id, person_id) DO UPDATE SET waitlisted = false"
)
_WAITING = text(
    "INSERT INTO meeting_registrations (meeting_id, person_id, waitlisted) VALUES (:meeting_id, :person_id, true) "
    "ON CONFLICT DO NOTHING"
)
_PLACE_ENDED = text("DELETE FROM meeting_registrations WHERE meeting_id = :meeting_id AND person_id = :person_id")
_PAPER = text(
    "INSERT INTO paper_submitters (paper_id, title, submitter_id) VALUES (:paper_id, :title, :submitter_id) "
    "ON CONFLICT (paper_id) DO NOTHING"
)
_FOLLOW = text(
    "INSERT INTO pilot_followers (pilot_id, person_id) VALUES (:pilot_id, :person_id) ON CONFLICT DO NOTHING"
)
_UNFOLLOW = text("DELETE FROM pilot_followers WHERE pilot_id = :pilot_id AND person_id = :person_id")
_INVITED = text(
    "INSERT INTO benchmark_invitations (cycle_id, organisation_id) VALUES (:cycle_id, :organisation_id) "
    "ON CONFLICT DO NOTHING"
)


async def on_meeting_scheduled(session: AsyncSession, events: Sequence[Envelope[MeetingScheduled]]) -> None:
    rows = [
        {
            "meeting_id": e.data.meeting_id,
            "title": e.data.title,
            "audience": e.data.audience.value,
            "host_group_id": e.data.host_group_id,
            "at": e.data.scheduled_at,
        }
        for e in events
    ]
    await _each(session, _MEETING, rows)


async def on_meeting_changed(session: AsyncSession, events: Sequence[Envelope[MeetingChanged]]) -> None:
    rows = [
        {
            "meeting_id": e.data.meeting_id,
            "title": e.data.title,
            "audience": e.data.audience.value,
            "at": e.data.changed_at,
        }
        for e in events
    ]
    await _each(session, _MEETING_CHANGED, rows)


async def on_place(
    session: AsyncSession, events: Sequence[Envelope[RegistrationConfirmed] | Envelope[WaitlistPromoted]]
) -> None:
    await _each(session, _PLACE, [{"meeting_id": e.data.meeting_id, "person_id": e.data.person_id} for e in events])


async def on_waitlisted(session: AsyncSession, events: Sequence[Envelope[Waitlisted]]) -> None:
    await _each(session, _WAITING, [{"meeting_id": e.data.meeting_id, "person_id": e.data.person_id} for e in events])


async def on_registration_cancelled(session: AsyncSession, events: Sequence[Envelope[RegistrationCancelled]]) -> None:
    for e in events:  # in order: a place and its end may share a batch
        await session.execute(_PLACE_ENDED, {"meeting_id": e.data.meeting_id, "person_id": e.data.person_id})


async def on_paper_submitted(session: AsyncSession, events: Sequence[Envelope[PaperSubmitted]]) -> None:
    rows = [{"paper_id": e.data.paper_id, "title": e.data.title, "submitter_id": e.data.submitter_id} for e in events]
    await _each(session, _PAPER, rows)


async def on_organisation_invited(session: AsyncSession, events: Sequence[Envelope[OrganisationInvited]]) -> None:
    rows = [{"cycle_id": e.data.cycle_id, "organisation_id": e.data.organisation_id} for e in events]
    await _each(session, _INVITED, rows)


async def on_pilot_follow(
    session: AsyncSession, events: Sequence[Envelope[PilotFollowed] | Envelope[PilotUnfollowed]]
) -> None:
    for e in events:  # in order: a follow and its end may share a batch (the topic is keyed by pilot)
        row = {"pilot_id": e.data.pilot_id, "person_id": e.data.person_id}
        await session.execute(_FOLLOW if isinstance(e.data, PilotFollowed) else _UNFOLLOW, row)


# Read-model handlers by event; a rule's fan-out for the same event runs after these (handlers.py).
READ_MODEL: Mapping[type[EventData], Handler] = {
    PersonRegistered: on_person_registered,
    PersonProfileChanged: on_person_profile_changed,
    PersonLeft: on_person_left,
    PersonErased: on_person_erased,
    PersonContactChanged: on_person_contact_changed,
    OrganisationApplied: on_organisation_applied,
    MemberJoined: on_member_joined,
    OrganisationProfileChanged: on_organisation_profile_changed,
    MemberLeft: on_member_left,
    GroupCreated: on_group_created,
    GroupChanged: on_group_changed,
    GroupArchived: on_group_archived,
    MeetingScheduled: on_meeting_scheduled,
    MeetingChanged: on_meeting_changed,
    RegistrationConfirmed: on_place,
    WaitlistPromoted: on_place,
    Waitlisted: on_waitlisted,
    RegistrationCancelled: on_registration_cancelled,
    PaperSubmitted: on_paper_submitted,
    OrganisationInvited: on_organisation_invited,
    PilotFollowed: on_pilot_follow,
    PilotUnfollowed: on_pilot_follow,
}
