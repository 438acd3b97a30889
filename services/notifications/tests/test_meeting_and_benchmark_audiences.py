"""Who the meeting and benchmark rules reach, beyond the one recipient of each end-to-end scenario: the
registrations, paper and invitation read models, erasure, and network news as a weekly digest by default."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from npd_contracts import (
    BenchmarkResultsPublished,
    GroupCreated,
    GroupKind,
    GroupRole,
    JoinPolicy,
    MemberJoined,
    OrganisationInvited,
    OrganisationKind,
    PersonErased,
    PersonJoinedGroup,
    Role,
)
from npd_contracts.meetings import Audience as MeetingAudience
from npd_contracts.meetings import (
    MeetingAspect,
    MeetingCancelled,
    MeetingChanged,
    MeetingFormat,
    MeetingRescheduled,
    MeetingScheduled,
    PaperSubmitted,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationEndReason,
    ReportPublished,
    ReportVisibility,
    Waitlisted,
    WaitlistPromoted,
)
from npd_notifications.signing import unsubscribe_token

NOW = datetime.now(UTC)
KEY = b"test-unsubscribe-secret"


def meeting(audience: MeetingAudience, group: Any = None) -> MeetingScheduled:
    starts = NOW + timedelta(days=10)
    return MeetingScheduled(
        meeting_id=uuid4(),
        series_id=None,
        title=f"Sessie {uuid4().hex[:6]}",
        format=MeetingFormat.KNOWLEDGE_SESSION,
        audience=audience,
        host_group_id=group,
        venue_id=None,
        venue_organisation_id=None,
        online=True,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        time_zone="Europe/Amsterdam",
        capacity=None,
        registration_deadline=None,
        scheduled_at=NOW,
    )


def moved(m: MeetingScheduled) -> MeetingRescheduled:
    return MeetingRescheduled(
        meeting_id=m.meeting_id,
        starts_at=m.starts_at + timedelta(days=1),
        ends_at=m.ends_at + timedelta(days=1),
        time_zone="Europe/Amsterdam",
        previous_starts_at=m.starts_at,
        rescheduled_at=NOW,
    )


async def told(kit: Any, rule: str) -> set[str]:
    rows = await kit.rows("SELECT recipient_person_id FROM notifications WHERE kind = :rule", rule=rule)
    return {r["recipient_person_id"] for r in rows}


async def test_a_network_meeting_that_moves_tells_those_with_a_place_or_waiting_and_not_those_who_gave_it_up(
    kit: Any,
) -> None:
    (kept, _), (gave_up, _), (promoted, _), (bystander, _), (waiting, _) = [await kit.person() for _ in range(5)]
    m = meeting(MeetingAudience.NETWORK)
    await kit.handle(
        m,
        RegistrationConfirmed(meeting_id=m.meeting_id, person_id=kept, confirmed_at=NOW),
        RegistrationConfirmed(meeting_id=m.meeting_id, person_id=gave_up, confirmed_at=NOW),
        RegistrationCancelled(
            meeting_id=m.meeting_id,
            person_id=gave_up,
            reason=RegistrationEndReason.CANCELLED,
            was_waitlisted=False,
            cancelled_at=NOW,
        ),
        WaitlistPromoted(meeting_id=m.meeting_id, person_id=promoted, promoted_at=NOW),
        Waitlisted(meeting_id=m.meeting_id, person_id=waiting, position=1, waitlisted_at=NOW),
        moved(m),
        ReportPublished(
            meeting_id=m.meeting_id,
            report_id=uuid4(),
            title="Verslag",
            visibility=ReportVisibility.NETWORK,
            published_at=NOW,
        ),
    )
    reached = await told(kit, "meeting_rescheduled.audience")
    assert {kept, promoted, waiting} <= reached
    assert not {gave_up, bystander} & reached
    reported = await told(kit, "report_published.audience")  # a report is for those who had a place
    assert {kept, promoted} <= reported
    assert not {gave_up, bystander, waiting} & reported


async def test_a_change_of_place_tells_those_with_a_place_and_a_change_of_capacity_or_description_tells_nobody(
    kit: Any,
) -> None:
    (placed, _), (bystander, _) = [await kit.person() for _ in range(2)]
    quiet, loud = meeting(MeetingAudience.NETWORK), meeting(MeetingAudience.NETWORK)
    for m in (quiet, loud):
        await kit.handle(m, RegistrationConfirmed(meeting_id=m.meeting_id, person_id=placed, confirmed_at=NOW))

    def change(m: MeetingScheduled, *aspects: MeetingAspect) -> MeetingChanged:
        return MeetingChanged(
            meeting_id=m.meeting_id, title=m.title, audience=m.audience, venue_id=uuid4(), venue_organisation_id=None,
            online=True, capacity=50, registration_deadline=None, changed_at=NOW, changed=list(aspects),
        )  # fmt: skip

    await kit.handle(change(quiet, MeetingAspect.CAPACITY, MeetingAspect.OTHER), change(loud, MeetingAspect.VENUE))
    rows = await kit.rows(
        "SELECT n.recipient_person_id AS who, n.body FROM notifications n JOIN messages m ON m.id = n.message_id "
        "WHERE n.kind = 'meeting_changed.audience' AND m.source_event_id IS NOT NULL AND n.recipient_person_id = "
        "ANY(:p)",
        p=[placed, bystander],
    )
    assert [(r["who"], loud.title in r["body"], "op locatie en online" in r["body"]) for r in rows] == [
        (placed, True, True)
    ]


async def test_a_group_meeting_that_is_cancelled_tells_the_group_registered_or_not_and_nobody_outside(
    kit: Any,
) -> None:
    group = GroupCreated(
        group_id=uuid4(),
        name=f"Groep {uuid4().hex[:6]}",
        kind=GroupKind.WORKING_GROUP,
        topic="ICT",
        joining=JoinPolicy.OPEN,
        created_at=NOW,
    )
    (member, _), (outsider, _) = await kit.person(), await kit.person()
    m = meeting(MeetingAudience.GROUP, group.group_id)
    await kit.handle(
        group,
        PersonJoinedGroup(person_id=member, group_id=group.group_id, role=GroupRole.MEMBER, joined_at=NOW),
        m,
        MeetingCancelled(meeting_id=m.meeting_id, reason="Ziekte", cancelled_at=NOW),
    )
    reached = await told(kit, "meeting_cancelled.audience")
    assert member in reached and outsider not in reached
    [item] = await kit.rows(
        "SELECT title, body FROM notifications WHERE kind = 'meeting_cancelled.audience' AND recipient_person_id = :p",
        p=member,
    )
    assert item["title"] == f"Afgelast: {m.title}" and "Ziekte" in item["body"]


async def test_erasure_forgets_a_persons_places_and_papers(kit: Any) -> None:
    pid, _ = await kit.person()
    m = meeting(MeetingAudience.NETWORK)
    paper = PaperSubmitted(
        call_id=uuid4(), paper_id=uuid4(), title="Mijn voorstel", submitter_id=pid, speaker_ids=[pid], submitted_at=NOW
    )
    await kit.handle(m, RegistrationConfirmed(meeting_id=m.meeting_id, person_id=pid, confirmed_at=NOW), paper)
    place = "SELECT 1 FROM meeting_registrations WHERE person_id = :p"
    papers = "SELECT 1 FROM paper_submitters WHERE submitter_id = :p"
    assert await kit.rows(place, p=pid) and await kit.rows(papers, p=pid)
    await kit.handle(PersonErased(person_id=pid, erased_at=NOW))
    assert await kit.rows(place, p=pid) == [] and await kit.rows(papers, p=pid) == []


async def test_benchmark_results_reach_the_admins_of_invited_organisations_only(kit: Any) -> None:
    cycle = uuid4()

    async def organisation(invited: bool) -> tuple[str, str]:
        org = MemberJoined(
            organisation_id=uuid4(),
            name=f"Gemeente {uuid4().hex[:6]}",
            kind=OrganisationKind.MUNICIPALITY,
            contact_person_id="c",
            joined_at=NOW,
        )
        await kit.handle(org)
        admin, _ = await kit.person(org=org.organisation_id, roles=(Role.ORG_ADMIN,))
        member, _ = await kit.person(org=org.organisation_id)
        if invited:
            await kit.handle(
                OrganisationInvited(
                    cycle_id=cycle,
                    organisation_id=org.organisation_id,
                    submission_id=uuid4(),
                    deadline=NOW + timedelta(days=30),
                    invited_at=NOW,
                )
            )
        return admin, member

    (admin, member), (other_admin, _) = await organisation(True), await organisation(False)
    await kit.handle(
        BenchmarkResultsPublished(cycle_id=cycle, version=1, released=5, suppressed=0, network=[], published_at=NOW)
    )
    rows = await kit.rows(
        "SELECT n.recipient_person_id FROM notifications n JOIN messages m ON m.id = n.message_id "
        "WHERE m.source_event_id IN (SELECT source_event_id FROM messages WHERE rule = :rule) AND n.kind = :rule",
        rule="benchmark_results_published.participants",
    )
    reached = {r["recipient_person_id"] for r in rows}
    assert admin in reached
    assert not {member, other_admin} & reached


async def test_network_news_is_a_weekly_digest_by_default_and_the_digest_link_stops_it(
    kit: Any, token: Callable[..., dict[str, str]]
) -> None:
    client = kit.app.state.client
    pid, _ = await kit.person()
    shown = (await client.get("/v1/preferences", headers=token(pid))).json()["categories"]
    network = next(c for c in shown if c["category"] == "network")
    assert (network["email"], network["inbox"]) == ("weekly", "immediate")

    first = meeting(MeetingAudience.PUBLIC)
    await kit.handle(first)
    delivery = "SELECT d.status, d.cadence FROM deliveries d JOIN messages m ON m.id = d.message_id WHERE m.rule = :rule AND m.source_event_id IN (SELECT source_event_id FROM messages) AND d.recipient = :p AND d.channel = 'email'"  # noqa: E501
    assert [(r["status"], r["cadence"]) for r in await kit.rows(delivery, rule="meeting_scheduled.network", p=pid)] == [
        ("held", "weekly")
    ]
    assert pid in await told(kit, "meeting_scheduled.network")  # the inbox shows it at once

    link = unsubscribe_token(KEY, pid, "digest", NOW + timedelta(days=1))
    assert (await client.post(f"/unsubscribe/{link}")).status_code == 200
    shown = (await client.get("/v1/preferences", headers=token(pid))).json()["categories"]
    assert next(c for c in shown if c["category"] == "network")["email"] == "off"
    await kit.handle(meeting(MeetingAudience.NETWORK))
    assert len(await kit.rows(delivery, rule="meeting_scheduled.network", p=pid)) == 1  # no new mail
