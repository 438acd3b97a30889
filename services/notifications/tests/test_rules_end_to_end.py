"""Each rule from its source event on the real broker to a mail the real SMTP server received (parsed:
headers, plain-text and HTML parts), an inbox item, and a signed webhook call that the `standardwebhooks`
package (an independent verifier) accepts."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from npd_contracts import (
    BenchmarkResultsPublished,
    EventData,
    GroupCreated,
    GroupKind,
    GroupRole,
    JoinPolicy,
    MemberJoined,
    OrganisationApplied,
    OrganisationInvited,
    OrganisationKind,
    PersonContactChanged,
    PersonJoinedGroup,
    PersonRegistered,
    PersonRoleGranted,
    Role,
    SubmissionReminded,
)
from npd_contracts.meetings import Audience as MeetingAudience
from npd_contracts.meetings import (
    CallForPapersOpened,
    GuestChairAssigned,
    MeetingAspect,
    MeetingCancelled,
    MeetingChanged,
    MeetingFormat,
    MeetingRescheduled,
    MeetingScheduled,
    PaperDecided,
    PaperDecision,
    PaperSubmitted,
    RegistrationConfirmed,
    ReportPublished,
    ReportVisibility,
    WaitlistOffered,
    WaitlistPromoted,
)
from npd_contracts.mobility import InterestExpressed, OpportunityKind, OpportunityPublished
from npd_contracts.pilots import PilotFollowed, PilotStatus, PilotUpdated
from npd_contracts.positions import PositionCirculated, PositionPublished, PositionReminderDue
from npd_contracts.practices import PracticeLabel, PracticeShared, PracticeTheme
from npd_devstack.smtp_sink import MailSink
from npd_notifications.domain import Cadence, Category, Channel
from npd_notifications.preferences import choose
from npd_notifications.rules import RULES
from standardwebhooks.webhooks import Webhook


@dataclass(frozen=True)
class Scenario:
    trigger: EventData
    recipient: str
    address: str
    english: bool
    subject: str  # what the mail's subject contains


NOW = datetime.now(UTC)


def _group(kind: GroupKind = GroupKind.WORKING_GROUP) -> GroupCreated:
    return GroupCreated(
        group_id=uuid4(),
        name=f"Groep {uuid4().hex[:6]}",
        kind=kind,
        topic="HR",
        joining=JoinPolicy.OPEN,
        created_at=NOW,
    )


def _joined(contact: str) -> MemberJoined:
    name = f"Gemeente {uuid4().hex[:6]}"
    return MemberJoined(
        organisation_id=uuid4(), name=name, kind=OrganisationKind.MUNICIPALITY, contact_person_id=contact, joined_at=NOW
    )


async def member_joined_welcome(kit: Any) -> Scenario:
    contact, address = await kit.person(language="en")
    event = _joined(contact)
    return Scenario(event, contact, address or "", True, "Welcome to the Netwerk")


async def member_joined_board(kit: Any) -> Scenario:
    board = _group(GroupKind.BOARD)
    member, address = await kit.person()
    await kit.handle(
        board, PersonJoinedGroup(person_id=member, group_id=board.group_id, role=GroupRole.MEMBER, joined_at=NOW)
    )
    event = _joined(f"c-{uuid4().hex[:6]}")
    return Scenario(event, member, address or "", False, f"Nieuw lid: {event.name}")


async def organisation_applied(kit: Any) -> Scenario:
    admin, address = await kit.person(roles=(Role.NETWORK_ADMIN,))
    name = f"Waterschap {uuid4().hex[:6]}"
    event = OrganisationApplied(
        organisation_id=uuid4(), name=name, kind=OrganisationKind.WATER_BOARD, applicant_person_id="x", applied_at=NOW
    )
    return Scenario(event, admin, address or "", False, f"Aanmelding: {name}")


async def person_registered(kit: Any) -> Scenario:
    pid, address = f"p-{uuid4().hex[:10]}", f"new-{uuid4().hex[:6]}@example.nl"
    await kit.handle(PersonContactChanged(person_id=pid, email=address, changed_at=NOW))
    event = PersonRegistered(person_id=pid, organisation_id=None, name="Ada Lovelace", language="en", registered_at=NOW)
    return Scenario(event, pid, address, True, "Welcome, Ada Lovelace")


async def org_admin_granted(kit: Any) -> Scenario:
    org = _joined("c")
    await kit.handle(org)
    pid, address = await kit.person(org=org.organisation_id)
    event = PersonRoleGranted(person_id=pid, role=Role.ORG_ADMIN, organisation_id=org.organisation_id, granted_at=NOW)
    return Scenario(event, pid, address or "", False, f"U bent nu beheerder van {org.name}")


async def joined_group(kit: Any) -> Scenario:
    group = _group()
    chair, address = await kit.person(language="en")
    newcomer, _ = await kit.person()
    await kit.handle(
        group, PersonJoinedGroup(person_id=chair, group_id=group.group_id, role=GroupRole.CHAIR, joined_at=NOW)
    )
    event = PersonJoinedGroup(person_id=newcomer, group_id=group.group_id, role=GroupRole.MEMBER, joined_at=NOW)
    return Scenario(event, chair, address or "", True, f"New member of {group.name}")


async def group_created(kit: Any) -> Scenario:
    org = uuid4()
    admin, address = await kit.person(org=org, roles=(Role.ORG_ADMIN, Role.MEMBER))
    event = _group()
    return Scenario(event, admin, address or "", False, f"Nieuwe groep: {event.name}")


# -- meetings ---------------------------------------------------------------------------------------------


def meeting(
    audience: MeetingAudience = MeetingAudience.NETWORK,
    group: UUID | None = None,
    fmt: MeetingFormat = MeetingFormat.KNOWLEDGE_SESSION,
) -> MeetingScheduled:
    starts = NOW + timedelta(days=30)
    return MeetingScheduled(
        meeting_id=uuid4(),
        series_id=None,
        title=f"Sessie {uuid4().hex[:6]}",
        format=fmt,
        audience=audience,
        host_group_id=group,
        venue_id=None,
        venue_organisation_id=None,
        online=True,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        time_zone="Europe/Amsterdam",
        capacity=20,
        registration_deadline=None,
        scheduled_at=NOW,
    )


async def wants_network_news_at_once(kit: Any, person: str) -> None:
    """The network category is a weekly e-mail digest by default; these people chose to hear at once."""
    async with kit.app.state.sessions() as session, session.begin():
        await choose(session, person, Category.NETWORK, Channel.EMAIL, Cadence.IMMEDIATE)


async def meeting_scheduled_members(kit: Any) -> Scenario:
    group = _group()
    member, address = await kit.person()
    await kit.handle(
        group, PersonJoinedGroup(person_id=member, group_id=group.group_id, role=GroupRole.MEMBER, joined_at=NOW)
    )
    event = meeting(MeetingAudience.GROUP, group.group_id, MeetingFormat.WORKING_GROUP_SESSION)
    return Scenario(event, member, address or "", False, f"Nieuwe bijeenkomst: {event.title}")


async def meeting_scheduled_network(kit: Any) -> Scenario:
    pid, address = await kit.person(language="en")
    await wants_network_news_at_once(kit, pid)
    event = meeting(MeetingAudience.PUBLIC)
    return Scenario(event, pid, address or "", True, f"Network meeting: {event.title}")


async def meeting_rescheduled(kit: Any) -> Scenario:
    pid, address = await kit.person()
    scheduled = meeting()  # a network meeting: only those registered hear that it moved
    await kit.handle(scheduled, RegistrationConfirmed(meeting_id=scheduled.meeting_id, person_id=pid, confirmed_at=NOW))
    event = MeetingRescheduled(
        meeting_id=scheduled.meeting_id,
        starts_at=scheduled.starts_at + timedelta(days=7),
        ends_at=scheduled.ends_at + timedelta(days=7),
        time_zone="Europe/Amsterdam",
        previous_starts_at=scheduled.starts_at,
        rescheduled_at=NOW,
    )
    return Scenario(event, pid, address or "", False, f"Verplaatst: {scheduled.title}")


async def meeting_changed(kit: Any) -> Scenario:
    pid, address = await kit.person(language="en")
    scheduled = meeting()
    await kit.handle(scheduled, RegistrationConfirmed(meeting_id=scheduled.meeting_id, person_id=pid, confirmed_at=NOW))
    event = MeetingChanged(
        meeting_id=scheduled.meeting_id,
        title=scheduled.title,
        audience=scheduled.audience,
        venue_id=uuid4(),  # it was online only: now on site
        venue_organisation_id=None,
        online=False,
        capacity=scheduled.capacity,
        registration_deadline=None,
        changed_at=NOW,
        changed=[MeetingAspect.VENUE, MeetingAspect.ONLINE],
    )
    return Scenario(event, pid, address or "", True, f"Changed: {scheduled.title}")


async def meeting_cancelled(kit: Any) -> Scenario:
    board = _group(GroupKind.BOARD)
    member, address = await kit.person(language="en")
    await kit.handle(
        board, PersonJoinedGroup(person_id=member, group_id=board.group_id, role=GroupRole.MEMBER, joined_at=NOW)
    )
    scheduled = meeting(MeetingAudience.BOARD, None, MeetingFormat.BOARD_MEETING)
    await kit.handle(scheduled)  # the board hears of it though nobody registered
    event = MeetingCancelled(meeting_id=scheduled.meeting_id, reason="Te weinig agendapunten", cancelled_at=NOW)
    return Scenario(event, member, address or "", True, f"Cancelled: {scheduled.title}")


async def waitlist_offered(kit: Any) -> Scenario:
    pid, address = await kit.person()
    scheduled = meeting()
    await kit.handle(scheduled)
    event = WaitlistOffered(
        meeting_id=scheduled.meeting_id, person_id=pid, expires_at=NOW + timedelta(days=1), offered_at=NOW
    )
    return Scenario(event, pid, address or "", False, f"Er is een plaats vrij: {scheduled.title}")


async def waitlist_promoted(kit: Any) -> Scenario:
    pid, address = await kit.person(language="en")
    scheduled = meeting()
    await kit.handle(scheduled)
    event = WaitlistPromoted(meeting_id=scheduled.meeting_id, person_id=pid, promoted_at=NOW)
    return Scenario(event, pid, address or "", True, f"You have a place: {scheduled.title}")


async def guest_chair_assigned(kit: Any) -> Scenario:
    org = _joined("c")
    await kit.handle(org)
    admin, address = await kit.person(org=org.organisation_id, roles=(Role.ORG_ADMIN,))
    scheduled = meeting(fmt=MeetingFormat.NETWORK_MEETING)
    await kit.handle(scheduled)
    event = GuestChairAssigned(
        meeting_id=scheduled.meeting_id,
        series_id=uuid4(),
        organisation_id=org.organisation_id,
        rotation_round=1,
        assigned_at=NOW,
    )
    return Scenario(event, admin, address or "", False, f"{org.name} is gastvoorzitter: {scheduled.title}")


async def report_published(kit: Any) -> Scenario:
    pid, address = await kit.person()
    scheduled = meeting()
    await kit.handle(scheduled, WaitlistPromoted(meeting_id=scheduled.meeting_id, person_id=pid, promoted_at=NOW))
    title = f"Verslag {uuid4().hex[:6]}"
    event = ReportPublished(
        meeting_id=scheduled.meeting_id,
        report_id=uuid4(),
        title=title,
        visibility=ReportVisibility.NETWORK,
        published_at=NOW,
    )
    return Scenario(event, pid, address or "", False, f"Verslag: {title}")


async def call_for_papers_opened(kit: Any) -> Scenario:
    pid, address = await kit.person()
    await wants_network_news_at_once(kit, pid)
    conference = meeting(fmt=MeetingFormat.CONFERENCE)
    await kit.handle(conference)
    title = f"Congres {uuid4().hex[:6]}"
    event = CallForPapersOpened(
        call_id=uuid4(),
        meeting_id=conference.meeting_id,
        title=title,
        topics=["AI", "Dienstverlening"],
        closes_at=NOW + timedelta(days=20),
        opened_at=NOW,
    )
    return Scenario(event, pid, address or "", False, f"Call for papers: {title}")


async def _paper(kit: Any, decision: PaperDecision, language: str) -> tuple[PaperDecided, str, str, str]:
    pid, address = await kit.person(language=language)
    call, title = uuid4(), f"Voorstel {uuid4().hex[:6]}"
    submitted = PaperSubmitted(
        call_id=call, paper_id=uuid4(), title=title, submitter_id=pid, speaker_ids=[pid], submitted_at=NOW
    )
    await kit.handle(submitted)
    event = PaperDecided(call_id=call, paper_id=submitted.paper_id, decision=decision, decided_at=NOW)
    return event, pid, address or "", title


async def paper_accepted(kit: Any) -> Scenario:
    event, pid, address, title = await _paper(kit, PaperDecision.ACCEPTED, "nl")
    return Scenario(event, pid, address, False, f"Voorstel geaccepteerd: {title}")


async def paper_rejected(kit: Any) -> Scenario:
    event, pid, address, title = await _paper(kit, PaperDecision.REJECTED, "en")
    return Scenario(event, pid, address, True, f"Proposal not selected: {title}")


# -- the benchmark -----------------------------------------------------------------------------------------


async def _org_admin(kit: Any, language: str = "nl") -> tuple[MemberJoined, str, str]:
    org = _joined("c")
    await kit.handle(org)
    admin, address = await kit.person(org=org.organisation_id, roles=(Role.ORG_ADMIN,), language=language)
    return org, admin, address or ""


def _invited(org: UUID, cycle: UUID | None = None) -> OrganisationInvited:
    return OrganisationInvited(
        cycle_id=cycle or uuid4(),
        organisation_id=org,
        submission_id=uuid4(),
        deadline=NOW + timedelta(days=60),
        invited_at=NOW,
    )


async def organisation_invited(kit: Any) -> Scenario:
    org, admin, address = await _org_admin(kit)
    return Scenario(_invited(org.organisation_id), admin, address, False, f"Benchmark: {org.name} is uitgenodigd")


async def submission_reminded(kit: Any) -> Scenario:
    org, admin, address = await _org_admin(kit, "en")
    event = SubmissionReminded(
        cycle_id=uuid4(),
        organisation_id=org.organisation_id,
        submission_id=uuid4(),
        deadline=NOW + timedelta(days=3),
        reminded_at=NOW,
    )
    return Scenario(event, admin, address, True, f"Benchmark reminder: {org.name}")


async def results_published(kit: Any) -> Scenario:
    org, admin, address = await _org_admin(kit)
    cycle = uuid4()
    await kit.handle(_invited(org.organisation_id, cycle))
    event = BenchmarkResultsPublished(
        cycle_id=cycle, version=2, released=40, suppressed=3, network=[], published_at=NOW
    )
    return Scenario(event, admin, address, False, "Benchmarkresultaten gepubliceerd (versie 2)")


def _practice(label: PracticeLabel, group: UUID | None = None, title: str | None = None) -> PracticeShared:
    return PracticeShared(
        practice_id=uuid4(),
        label=label,
        group_id=group,
        themes=[PracticeTheme.DATA_SHARING],
        title=title,
        author_id=None if label is PracticeLabel.CHATHAM_HOUSE else f"author-{uuid4().hex[:6]}",
        organisation_id=None,
        shared_at=NOW,
    )


async def practice_shared_group(kit: Any) -> Scenario:
    group = _group(GroupKind.EXPERT_COMMUNITY)
    member, address = await kit.person(language="en")
    await kit.handle(
        group, PersonJoinedGroup(person_id=member, group_id=group.group_id, role=GroupRole.MEMBER, joined_at=NOW)
    )
    event = _practice(PracticeLabel.GROUP, group.group_id)
    return Scenario(event, member, address or "", True, f"New practice in {group.name}")


async def practice_shared_network(kit: Any) -> Scenario:
    pid, address = await kit.person()
    await wants_network_news_at_once(kit, pid)
    event = _practice(PracticeLabel.CHATHAM_HOUSE, title=f"Gegevens delen {uuid4().hex[:6]}")
    return Scenario(event, pid, address or "", False, f"Gedeelde praktijk: {event.title}")


async def pilot_updated_followers(kit: Any) -> Scenario:
    pid, address = await kit.person(language="en")
    await wants_network_news_at_once(kit, pid)
    pilot, title = uuid4(), f"Slim loket {uuid4().hex[:6]}"
    await kit.handle(
        PilotFollowed(pilot_id=pilot, person_id=pid, followed_at=NOW),
    )
    event = PilotUpdated(
        pilot_id=pilot,
        title=title,
        status=PilotStatus.PROVEN,
        previous_status=PilotStatus.RUNNING,
        results_changed=True,
        changed=["status", "results"],
        updated_at=NOW,
    )
    return Scenario(event, pid, address or "", True, f"Pilot: {title}")


# -- one voice and staff mobility (issue 10) -----------------------------------------------------------------


async def position_circulated(kit: Any) -> Scenario:
    group = _group()
    await kit.handle(group)
    org = _joined("c")
    await kit.handle(org)
    board, address = await kit.person(org=org.organisation_id, roles=(Role.BOARD_MEMBER,))
    title = f"Brief aan de formateur {uuid4().hex[:6]}"
    event = PositionCirculated(
        position_id=uuid4(),
        group_id=group.group_id,
        title=title,
        version=2,
        deadline=NOW + timedelta(days=14),
        organisation_ids=[org.organisation_id],
        circulated_at=NOW,
    )
    return Scenario(event, board, address or "", False, f"Ter onderschrijving: {title}")


async def position_reminder_due(kit: Any) -> Scenario:
    org = _joined("c")
    await kit.handle(org)
    mandated, address = await kit.person(org=org.organisation_id, language="en")
    title = f"Joint note on data sharing {uuid4().hex[:6]}"
    event = PositionReminderDue(
        position_id=uuid4(),
        organisation_id=org.organisation_id,
        title=title,
        deadline=NOW + timedelta(days=2),
        mandated_person_ids=[mandated],
        reminded_at=NOW,
    )
    return Scenario(event, mandated, address or "", True, f"Reminder: {title}")


async def position_published(kit: Any) -> Scenario:
    group = _group()
    await kit.handle(group)
    pid, address = await kit.person()
    await wants_network_news_at_once(kit, pid)
    title = f"Standpunt {uuid4().hex[:6]}"
    event = PositionPublished(
        position_id=uuid4(),
        group_id=group.group_id,
        title=title,
        version=3,
        public=True,
        endorsing_organisation_ids=[uuid4(), uuid4()],
        published_at=NOW,
    )
    return Scenario(event, pid, address or "", False, f"Standpunt verstuurd: {title}")


async def opportunity_published(kit: Any) -> Scenario:
    org = _joined("c")
    await kit.handle(org)
    pid, address = await kit.person(language="en")
    await wants_network_news_at_once(kit, pid)
    title = f"Secondment {uuid4().hex[:6]}"
    event = OpportunityPublished(
        opportunity_id=uuid4(),
        organisation_id=org.organisation_id,
        kind=OpportunityKind.SECONDMENT,
        title=title,
        expires_at=NOW + timedelta(days=30),
        published_at=NOW,
    )
    return Scenario(event, pid, address or "", True, f"Mobility: {title}")


async def interest_expressed(kit: Any) -> Scenario:
    org, admin, address = await _org_admin(kit)
    event = InterestExpressed(
        opportunity_id=uuid4(),
        interest_id=uuid4(),
        organisation_id=org.organisation_id,
        contact_person_id=None,
        expressed_at=NOW,
    )
    return Scenario(event, admin, address, False, f"Nieuwe belangstelling voor een aanbod van {org.name}")


SCENARIOS: dict[str, Callable[[Any], Awaitable[Scenario]]] = {
    "member_joined.welcome": member_joined_welcome,
    "member_joined.board": member_joined_board,
    "organisation_applied.network_admins": organisation_applied,
    "person_registered.welcome": person_registered,
    "person_role_granted.org_admin": org_admin_granted,
    "person_joined_group.chairs": joined_group,
    "group_created.org_admins": group_created,
    "meeting_scheduled.members": meeting_scheduled_members,
    "meeting_scheduled.network": meeting_scheduled_network,
    "meeting_rescheduled.audience": meeting_rescheduled,
    "meeting_changed.audience": meeting_changed,
    "meeting_cancelled.audience": meeting_cancelled,
    "waitlist_offered.person": waitlist_offered,
    "waitlist_promoted.person": waitlist_promoted,
    "guest_chair_assigned.org_admins": guest_chair_assigned,
    "report_published.audience": report_published,
    "call_for_papers_opened.everyone": call_for_papers_opened,
    "paper_decided.accepted": paper_accepted,
    "paper_decided.rejected": paper_rejected,
    "organisation_invited.org_admins": organisation_invited,
    "submission_reminded.org_admins": submission_reminded,
    "benchmark_results_published.participants": results_published,
    "practice_shared.group": practice_shared_group,
    "practice_shared.network": practice_shared_network,
    "pilot_updated.followers": pilot_updated_followers,
    "position_circulated.board_members": position_circulated,
    "position_reminder_due.mandated": position_reminder_due,
    "position_published.network": position_published,
    "opportunity_published.network": opportunity_published,
    "interest_expressed.offering": interest_expressed,
}


def test_every_rule_has_an_end_to_end_scenario() -> None:
    assert sorted(SCENARIOS) == sorted(rule.name for rule in RULES)


@pytest.mark.parametrize("rule", sorted(SCENARIOS))
async def test_a_rule_sends_a_mail_fills_the_inbox_and_calls_a_signed_webhook(
    rule: str,
    app: Any,
    mail_sink: tuple[MailSink, Any],
    receiver: Any,
    kit: Any,
    token: Callable[..., dict[str, str]],
    wait_for: Callable[..., Any],
) -> None:
    sink, client = mail_sink[0], app.state.client
    scenario = await SCENARIOS[rule](kit)
    admin, _ = await kit.person(roles=(Role.NETWORK_ADMIN,), email=None)
    path = f"/hook/{uuid4().hex}"
    created = await client.post(
        "/v1/webhooks",
        json={"url": receiver.url(path), "event_types": [scenario.trigger.TYPE]},
        headers=token(admin),
    )
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]

    await kit.publish(scenario.trigger)

    async def mail() -> Any:
        return [m for m in sink.to(scenario.address) if scenario.subject in str(m["Subject"])]

    [message] = await wait_for(mail)
    assert str(message["Content-Language"]) == ("en" if scenario.english else "nl")
    assert message["Message-ID"] and message["Date"]
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert "<h1>" in html.get_content() and "--" in plain.get_content()
    critical = rule.startswith(("person_registered", "person_role_granted"))
    if critical:
        assert message["List-Unsubscribe"] is None
    else:
        assert str(message["List-Unsubscribe"]).startswith("<http") and "/unsubscribe/" in str(
            message["List-Unsubscribe"]
        )
        assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"

    # Membership grants every newcomer a role with their registration; the inbox is for people with one.
    member = PersonRoleGranted(person_id=scenario.recipient, role=Role.MEMBER, organisation_id=None, granted_at=NOW)
    await kit.handle(member)
    inbox = (await client.get("/v1/inbox", headers=token(scenario.recipient))).json()["items"]
    assert [n["kind"] for n in inbox].count(rule) == 1
    assert scenario.subject in next(n["title"] for n in inbox if n["kind"] == rule)

    [call] = await wait_for(lambda: _calls(receiver, path))
    payload = Webhook(secret).verify(call.body, call.headers)
    assert payload["type"] == scenario.trigger.TYPE
    assert payload["data"] == scenario.trigger.model_dump(mode="json")
    assert "@" not in call.body.decode()  # no addresses leave by webhook
    assert (await client.delete(f"/v1/webhooks/{created.json()['id']}", headers=token(admin))).status_code == 204


async def _calls(receiver: Any, path: str) -> list[Any]:
    return receiver.to(path)
