"""Which event notifies whom, about what, in which words: one declaration per rule, in one place.

A rule names its event, its category (which people's preferences apply to), its audience (described, not
looked up: npd_notifications.fanout turns it into one INSERT ... SELECT per channel), and its words in
Dutch and English. `{person}`, `{organisation}`, `{group}`, `{meeting}` and `{paper}` are filled from the
read models with the names (titles) of the ids the rule points at; other placeholders come from `params`.
Times are shown in Dutch local time (Europe/Amsterdam), with the zone's abbreviation.

Adding a rule for another service's event is one more `Rule(...)` in RULES; handlers.py subscribes the
consumer to every event a rule names.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from npd_contracts import (
    BenchmarkResultsPublished,
    EventData,
    GroupCreated,
    GroupRole,
    MemberJoined,
    OrganisationApplied,
    OrganisationInvited,
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
    MeetingRescheduled,
    MeetingScheduled,
    PaperDecided,
    PaperDecision,
    ReportPublished,
    WaitlistOffered,
    WaitlistPromoted,
)
from npd_contracts.mobility import InterestExpressed, OpportunityPublished
from npd_contracts.pilots import PilotStatus, PilotUpdated
from npd_contracts.positions import PositionCirculated, PositionPublished, PositionReminderDue
from npd_contracts.practices import PracticeLabel, PracticeShared

from npd_notifications.domain import DEFAULT_TIME_ZONE, Audience, Category, Template

E = TypeVar("E", bound=EventData)


def _nothing(_: Any) -> None:
    return None


def _no_params(_: Any) -> dict[str, str]:
    return {}


def _always(_: Any) -> bool:
    return True


_LOCAL = ZoneInfo(DEFAULT_TIME_ZONE)


def local(at: datetime) -> str:
    """A moment as the network reads it: 24-11-2026 14:30 CET."""
    return at.astimezone(_LOCAL).strftime("%d-%m-%Y %H:%M %Z")


def _meeting_audience(e: MeetingScheduled) -> Audience:
    if e.audience is MeetingAudience.GROUP:
        return Audience(groups=(e.host_group_id,) if e.host_group_id else ())
    return Audience(group_kinds=("board",))


def _meeting_params(e: MeetingScheduled) -> dict[str, str]:
    where = "online" if e.venue_id is None else ("op locatie en online" if e.online else "op locatie")
    where_en = "online" if e.venue_id is None else ("on site and online" if e.online else "on site")
    return {"title": e.title, "starts": local(e.starts_at), "where": where, "where_en": where_en}


_NOTICEABLE = {MeetingAspect.TITLE, MeetingAspect.VENUE, MeetingAspect.ONLINE, MeetingAspect.REGISTRATION_DEADLINE}


def _change_params(e: MeetingChanged) -> dict[str, str]:
    """What changed, in words, newest state first: 'de locatie (nu online)'."""
    where = "online" if e.venue_id is None else ("op locatie en online" if e.online else "op locatie")
    where_en = "online" if e.venue_id is None else ("on site and online" if e.online else "on site")
    nl, en = [], []
    if {MeetingAspect.VENUE, MeetingAspect.ONLINE} & set(e.changed):
        nl.append(f"de plaats (nu {where})")
        en.append(f"the place (now {where_en})")
    if MeetingAspect.TITLE in e.changed:
        nl.append(f"de titel (nu {e.title})")
        en.append(f"the title (now {e.title})")
    if MeetingAspect.REGISTRATION_DEADLINE in e.changed:
        deadline = local(e.registration_deadline) if e.registration_deadline else None
        nl.append(f"de aanmeldtermijn (nu tot {deadline})" if deadline else "de aanmeldtermijn (nu zonder einde)")
        en.append(f"the registration deadline (now {deadline})" if deadline else "the registration deadline (now none)")
    return {"what": ", ".join(nl), "what_en": ", ".join(en)}


_ORG_ADMINS = (Role.ORG_ADMIN.value,)
_SMALL_AUDIENCES = (MeetingAudience.GROUP, MeetingAudience.BOARD)


@dataclass(frozen=True)
class Rule(Generic[E]):
    name: str
    event: type[E]
    category: Category
    template: Template
    audience: Callable[[E], Audience]
    at: Callable[[E], datetime]  # when it happened: old news (a replay) notifies nobody
    when: Callable[[E], bool] = _always
    person: Callable[[E], str | None] = _nothing  # whose name is {person}; the message is erased with them
    organisation: Callable[[E], UUID | None] = _nothing  # whose name is {organisation}
    group: Callable[[E], UUID | None] = _nothing  # whose name is {group}
    meeting: Callable[[E], UUID | None] = _nothing  # whose title is {meeting} (as notifications last heard it)
    paper: Callable[[E], UUID | None] = _nothing  # whose title is {paper}
    params: Callable[[E], dict[str, str]] = field(default=_no_params)


_PILOT_STATUS = {
    PilotStatus.PREPARING: ("in voorbereiding", "being prepared"),
    PilotStatus.RUNNING: ("loopt", "running"),
    PilotStatus.EVALUATING: ("wordt geëvalueerd", "being evaluated"),
    PilotStatus.PROVEN: ("bewezen", "proven"),
    PilotStatus.STOPPED: ("gestopt", "stopped"),
}


def _pilot_news(e: PilotUpdated) -> dict[str, str]:
    nl, en = [], []
    if e.status is not e.previous_status:
        nl.append(f"de status is nu: {_PILOT_STATUS[e.status][0]}")
        en.append(f"its status is now: {_PILOT_STATUS[e.status][1]}")
    if e.results_changed:
        nl.append("er zijn nieuwe resultaten")
        en.append("there are new results")
    return {"title": e.title, "what": "; ".join(nl), "what_en": "; ".join(en)}


def _not_the_author(author: str | None) -> tuple[str, ...]:
    return (author,) if author else ()


# Labels whose practices the whole network may read: their sharing is network news. A Chatham House
# practice's event names nobody, and its message says only the title (as every label's message does).
_NETWORK_LABELS = (PracticeLabel.PUBLIC, PracticeLabel.NETWORK, PracticeLabel.CHATHAM_HOUSE)


RULES: tuple[Rule[Any], ...] = (
    Rule(
        name="member_joined.welcome",
        event=MemberJoined,
        category=Category.MEMBERSHIP,
        audience=lambda e: Audience(people=(e.contact_person_id,), organisation=e.organisation_id),
        at=lambda e: e.joined_at,
        organisation=lambda e: e.organisation_id,
        template=Template(
            title_nl="Welkom bij het Netwerk Publieke Dienstverleners",
            body_nl=(
                "{organisation} is nu lid van het netwerk. U en uw collega's kunnen deelnemen aan werkgroepen en "
                "expertgemeenschappen, zich aanmelden voor bijeenkomsten en meedoen aan de jaarlijkse benchmark."
            ),
            title_en="Welcome to the Netwerk Publieke Dienstverleners",
            body_en=(
                "{organisation} is now a member of the network. You and your colleagues can join working groups "
                "and expert communities, register for meetings and take part in the annual benchmark."
            ),
        ),
    ),
    Rule(
        name="member_joined.board",
        event=MemberJoined,
        category=Category.MEMBERSHIP,
        audience=lambda e: Audience(group_kinds=("board",)),
        at=lambda e: e.joined_at,
        organisation=lambda e: e.organisation_id,
        template=Template(
            title_nl="Nieuw lid: {organisation}",
            body_nl="{organisation} is toegelaten als lid van het netwerk.",
            title_en="New member: {organisation}",
            body_en="{organisation} has been admitted as a member of the network.",
        ),
    ),
    Rule(
        name="organisation_applied.network_admins",
        event=OrganisationApplied,
        category=Category.MEMBERSHIP,
        audience=lambda e: Audience(roles=(Role.NETWORK_ADMIN.value,)),
        at=lambda e: e.applied_at,
        organisation=lambda e: e.organisation_id,
        template=Template(
            title_nl="Aanmelding: {organisation}",
            body_nl="{organisation} heeft zich aangemeld als lid. De aanmelding wacht op uw beoordeling.",
            title_en="Application: {organisation}",
            body_en="{organisation} has applied for membership. The application awaits your review.",
        ),
    ),
    Rule(
        name="person_registered.welcome",
        event=PersonRegistered,
        category=Category.ACCOUNT,
        audience=lambda e: Audience(people=(e.person_id,)),
        at=lambda e: e.registered_at,
        person=lambda e: e.person_id,
        template=Template(
            title_nl="Welkom, {person}",
            body_nl="U heeft nu toegang tot het Netwerk Publieke Dienstverleners.",
            title_en="Welcome, {person}",
            body_en="You now have access to the Netwerk Publieke Dienstverleners.",
        ),
    ),
    Rule(
        name="person_role_granted.org_admin",
        event=PersonRoleGranted,
        category=Category.ACCOUNT,
        when=lambda e: e.role is Role.ORG_ADMIN,
        audience=lambda e: Audience(people=(e.person_id,)),
        at=lambda e: e.granted_at,
        organisation=lambda e: e.organisation_id,
        template=Template(
            title_nl="U bent nu beheerder van {organisation}",
            body_nl="U kunt collega's uitnodigen, hun rollen beheren en benchmarkgegevens indienen.",
            title_en="You are now an administrator of {organisation}",
            body_en="You can invite colleagues, manage their roles and submit benchmark data.",
        ),
    ),
    Rule(
        name="person_joined_group.chairs",
        event=PersonJoinedGroup,
        category=Category.GROUPS,
        audience=lambda e: Audience(
            groups=(e.group_id,), group_roles=(GroupRole.CHAIR.value,), excluded=(e.person_id,)
        ),
        at=lambda e: e.joined_at,
        person=lambda e: e.person_id,
        group=lambda e: e.group_id,
        template=Template(
            title_nl="Nieuw lid van {group}",
            body_nl="{person} is lid geworden van {group}.",
            title_en="New member of {group}",
            body_en="{person} has joined {group}.",
        ),
    ),
    Rule(
        name="group_created.org_admins",
        event=GroupCreated,
        category=Category.GROUPS,
        audience=lambda e: Audience(roles=(Role.ORG_ADMIN.value,)),
        at=lambda e: e.created_at,
        group=lambda e: e.group_id,
        params=lambda e: {"topic": e.topic},
        template=Template(
            title_nl="Nieuwe groep: {group}",
            body_nl="De groep {group} ({topic}) is opgericht. Wijs collega's die hieraan willen bijdragen erop.",
            title_en="New group: {group}",
            body_en="The group {group} ({topic}) has been set up. Point it out to colleagues who want to take part.",
        ),
    ),
    # -- meetings (the events service) ----------------------------------------------------------------
    # A group's or the board's meeting is news for a few dozen people: at once. A network or public meeting
    # goes to everyone, in the `network` category, whose e-mail default is the weekly digest (decision 66).
    Rule(
        name="meeting_scheduled.members",
        event=MeetingScheduled,
        category=Category.MEETINGS,
        when=lambda e: e.audience in _SMALL_AUDIENCES,
        audience=_meeting_audience,
        at=lambda e: e.scheduled_at,
        group=lambda e: e.host_group_id,
        params=_meeting_params,
        template=Template(
            title_nl="Nieuwe bijeenkomst: {title}",
            body_nl="{title} is gepland op {starts} ({where}). U kunt zich nu aanmelden.",
            title_en="New meeting: {title}",
            body_en="{title} is scheduled for {starts} ({where_en}). You can register now.",
        ),
    ),
    Rule(
        name="meeting_scheduled.network",
        event=MeetingScheduled,
        category=Category.NETWORK,
        when=lambda e: e.audience not in _SMALL_AUDIENCES,
        audience=lambda e: Audience(everyone=True),
        at=lambda e: e.scheduled_at,
        params=_meeting_params,
        template=Template(
            title_nl="Netwerkbijeenkomst: {title}",
            body_nl="{title} is gepland op {starts} ({where}). Iedereen in het netwerk kan zich aanmelden.",
            title_en="Network meeting: {title}",
            body_en="{title} is scheduled for {starts} ({where_en}). Everyone in the network can register.",
        ),
    ),
    Rule(
        name="meeting_rescheduled.audience",
        event=MeetingRescheduled,
        category=Category.MEETINGS,
        audience=lambda e: Audience(meeting=e.meeting_id, registered_for=e.meeting_id, waitlist=True),
        at=lambda e: e.rescheduled_at,
        meeting=lambda e: e.meeting_id,
        params=lambda e: {"starts": local(e.starts_at), "previous": local(e.previous_starts_at)},
        template=Template(
            title_nl="Verplaatst: {meeting}",
            body_nl="{meeting} is verplaatst van {previous} naar {starts}. Aanmeldingen en wachtlijst blijven staan.",
            title_en="Moved: {meeting}",
            body_en="{meeting} has moved from {previous} to {starts}. Registrations and the waitlist stand.",
        ),
    ),
    Rule(
        name="meeting_changed.audience",
        event=MeetingChanged,
        category=Category.MEETINGS,
        # Where to go, what it is called, until when to register: what those with a place act on. A new
        # capacity, audience or description is the organiser's business (more places reach the waitlist
        # through their own events).
        when=lambda e: bool(_NOTICEABLE & set(e.changed)),
        audience=lambda e: Audience(meeting=e.meeting_id, registered_for=e.meeting_id, waitlist=True),
        at=lambda e: e.changed_at,
        meeting=lambda e: e.meeting_id,
        params=_change_params,
        template=Template(
            title_nl="Gewijzigd: {meeting}",
            body_nl="Er is iets veranderd aan {meeting}: {what}. Uw aanmelding blijft staan.",
            title_en="Changed: {meeting}",
            body_en="Something has changed about {meeting}: {what_en}. Your registration stands.",
        ),
    ),
    Rule(
        name="meeting_cancelled.audience",
        event=MeetingCancelled,
        category=Category.MEETINGS,
        audience=lambda e: Audience(meeting=e.meeting_id, registered_for=e.meeting_id, waitlist=True),
        at=lambda e: e.cancelled_at,
        meeting=lambda e: e.meeting_id,
        params=lambda e: {"reason": e.reason},
        template=Template(
            title_nl="Afgelast: {meeting}",
            body_nl="{meeting} gaat niet door. Reden: {reason}",
            title_en="Cancelled: {meeting}",
            body_en="{meeting} will not take place. Reason: {reason}",
        ),
    ),
    Rule(
        name="waitlist_offered.person",
        event=WaitlistOffered,
        category=Category.MEETINGS,
        audience=lambda e: Audience(people=(e.person_id,)),
        at=lambda e: e.offered_at,
        meeting=lambda e: e.meeting_id,
        params=lambda e: {"expires": local(e.expires_at)},
        template=Template(
            title_nl="Er is een plaats vrij: {meeting}",
            body_nl="Er is een plaats vrijgekomen bij {meeting}. Neem hem aan vóór {expires}, anders gaat hij naar "
            "de volgende op de wachtlijst.",
            title_en="A place is free: {meeting}",
            body_en="A place has freed up at {meeting}. Accept it before {expires}, or it goes to the next person "
            "on the waitlist.",
        ),
    ),
    Rule(
        name="waitlist_promoted.person",
        event=WaitlistPromoted,
        category=Category.MEETINGS,
        audience=lambda e: Audience(people=(e.person_id,)),
        at=lambda e: e.promoted_at,
        meeting=lambda e: e.meeting_id,
        template=Template(
            title_nl="U heeft een plaats: {meeting}",
            body_nl="Er kwam een plaats vrij: u staat niet meer op de wachtlijst maar bent aangemeld voor {meeting}.",
            title_en="You have a place: {meeting}",
            body_en="A place freed up: you are off the waitlist and registered for {meeting}.",
        ),
    ),
    Rule(
        name="guest_chair_assigned.org_admins",
        event=GuestChairAssigned,
        category=Category.MEETINGS,
        audience=lambda e: Audience(roles=_ORG_ADMINS, organisation=e.organisation_id),
        at=lambda e: e.assigned_at,
        organisation=lambda e: e.organisation_id,
        meeting=lambda e: e.meeting_id,
        template=Template(
            title_nl="{organisation} is gastvoorzitter: {meeting}",
            body_nl="Volgens het rooster zit {organisation} {meeting} voor. Wijs een voorzitter aan, of zeg af zodat "
            "de volgende organisatie aan de beurt is.",
            title_en="{organisation} is guest chair: {meeting}",
            body_en="By the rotation, {organisation} chairs {meeting}. Appoint a chair, or decline so that the next "
            "organisation takes its turn.",
        ),
    ),
    Rule(
        name="report_published.audience",
        event=ReportPublished,
        category=Category.MEETINGS,
        audience=lambda e: Audience(meeting=e.meeting_id, registered_for=e.meeting_id),
        at=lambda e: e.published_at,
        meeting=lambda e: e.meeting_id,
        params=lambda e: {"title": e.title},
        template=Template(
            title_nl="Verslag: {title}",
            body_nl="Het verslag van {meeting} is gepubliceerd.",
            title_en="Report: {title}",
            body_en="The report of {meeting} has been published.",
        ),
    ),
    Rule(
        name="call_for_papers_opened.everyone",
        event=CallForPapersOpened,
        category=Category.NETWORK,
        audience=lambda e: Audience(everyone=True),
        at=lambda e: e.opened_at,
        meeting=lambda e: e.meeting_id,
        params=lambda e: {"title": e.title, "topics": ", ".join(e.topics), "closes": local(e.closes_at)},
        template=Template(
            title_nl="Call for papers: {title}",
            body_nl="Dien tot {closes} een voorstel in voor {meeting}. Onderwerpen: {topics}.",
            title_en="Call for papers: {title}",
            body_en="Submit a proposal for {meeting} until {closes}. Topics: {topics}.",
        ),
    ),
    Rule(
        name="paper_decided.accepted",
        event=PaperDecided,
        category=Category.MEETINGS,
        when=lambda e: e.decision is PaperDecision.ACCEPTED,
        audience=lambda e: Audience(paper_of=e.paper_id),
        at=lambda e: e.decided_at,
        paper=lambda e: e.paper_id,
        template=Template(
            title_nl="Voorstel geaccepteerd: {paper}",
            body_nl="Uw voorstel {paper} is geaccepteerd. Het programma volgt.",
            title_en="Proposal accepted: {paper}",
            body_en="Your proposal {paper} has been accepted. The programme will follow.",
        ),
    ),
    Rule(
        name="paper_decided.rejected",
        event=PaperDecided,
        category=Category.MEETINGS,
        when=lambda e: e.decision is PaperDecision.REJECTED,
        audience=lambda e: Audience(paper_of=e.paper_id),
        at=lambda e: e.decided_at,
        paper=lambda e: e.paper_id,
        template=Template(
            title_nl="Voorstel niet geselecteerd: {paper}",
            body_nl="Uw voorstel {paper} is helaas niet geselecteerd. Dank voor het indienen.",
            title_en="Proposal not selected: {paper}",
            body_en="Your proposal {paper} has not been selected. Thank you for submitting it.",
        ),
    ),
    # -- the benchmark ----------------------------------------------------------------------------------
    # An opening cycle invites each member organisation with its own event: the invitation is the news for
    # that organisation's admins; BenchmarkCycleOpened itself adds nothing to tell (decision 66).
    Rule(
        name="organisation_invited.org_admins",
        event=OrganisationInvited,
        category=Category.BENCHMARK,
        audience=lambda e: Audience(roles=_ORG_ADMINS, organisation=e.organisation_id),
        at=lambda e: e.invited_at,
        organisation=lambda e: e.organisation_id,
        params=lambda e: {"deadline": local(e.deadline)},
        template=Template(
            title_nl="Benchmark: {organisation} is uitgenodigd",
            body_nl="{organisation} is uitgenodigd voor de benchmark. Lever de gegevens aan vóór {deadline}.",
            title_en="Benchmark: {organisation} is invited",
            body_en="{organisation} is invited to the benchmark. Submit its figures before {deadline}.",
        ),
    ),
    Rule(
        name="submission_reminded.org_admins",
        event=SubmissionReminded,
        category=Category.BENCHMARK,
        audience=lambda e: Audience(roles=_ORG_ADMINS, organisation=e.organisation_id),
        at=lambda e: e.reminded_at,
        organisation=lambda e: e.organisation_id,
        params=lambda e: {"deadline": local(e.deadline)},
        template=Template(
            title_nl="Herinnering benchmark: {organisation}",
            body_nl="{organisation} heeft nog geen benchmarkgegevens ingediend. De termijn sluit op {deadline}.",
            title_en="Benchmark reminder: {organisation}",
            body_en="{organisation} has not submitted its benchmark figures yet. The deadline is {deadline}.",
        ),
    ),
    Rule(
        name="benchmark_results_published.participants",
        event=BenchmarkResultsPublished,
        category=Category.BENCHMARK,
        audience=lambda e: Audience(roles=_ORG_ADMINS, invited_to=e.cycle_id),
        at=lambda e: e.published_at,
        params=lambda e: {"version": str(e.version), "released": str(e.released)},
        template=Template(
            title_nl="Benchmarkresultaten gepubliceerd (versie {version})",
            body_nl="De resultaten van de benchmark waaraan uw organisatie deelnam zijn gepubliceerd: {released} "
            "cijfers. Vergelijk uw organisatie in de benchmark.",
            title_en="Benchmark results published (version {version})",
            body_en="The results of the benchmark your organisation took part in have been published: {released} "
            "figures. Compare your organisation in the benchmark.",
        ),
    ),
    # -- practices and pilots (events, issue 10) ---------------------------------------------------------
    # A practice shared with one group tells that group's members; its event has no title (the topic is read
    # network-wide), so neither has the message: they read it where the label is enforced.
    Rule(
        name="practice_shared.group",
        event=PracticeShared,
        category=Category.GROUPS,
        when=lambda e: e.label is PracticeLabel.GROUP and e.group_id is not None,
        audience=lambda e: Audience(groups=(e.group_id,) if e.group_id else (), excluded=_not_the_author(e.author_id)),
        at=lambda e: e.shared_at,
        group=lambda e: e.group_id,
        template=Template(
            title_nl="Nieuwe praktijk in {group}",
            body_nl="Er is een praktijk gedeeld met alleen {group}. Lees hem in de praktijkenbank; hij blijft "
            "binnen de groep.",
            title_en="New practice in {group}",
            body_en="A practice has been shared with {group} only. Read it in the practice library; it stays "
            "within the group.",
        ),
    ),
    Rule(
        name="practice_shared.network",
        event=PracticeShared,
        category=Category.NETWORK,
        when=lambda e: e.label in _NETWORK_LABELS and e.title is not None,
        audience=lambda e: Audience(everyone=True, excluded=_not_the_author(e.author_id)),
        at=lambda e: e.shared_at,
        params=lambda e: {"title": e.title or ""},
        template=Template(
            title_nl="Gedeelde praktijk: {title}",
            body_nl="Een collega uit het netwerk deelt wat werkte en wat niet: {title}.",
            title_en="Shared practice: {title}",
            body_en="A colleague in the network shares what worked and what did not: {title}.",
        ),
    ),
    Rule(
        name="pilot_updated.followers",
        event=PilotUpdated,
        category=Category.NETWORK,
        when=lambda e: e.status is not e.previous_status or e.results_changed,
        audience=lambda e: Audience(followers_of=e.pilot_id),
        at=lambda e: e.updated_at,
        params=_pilot_news,
        template=Template(
            title_nl="Pilot: {title}",
            body_nl="Nieuws over de pilot {title}, die u volgt: {what}.",
            title_en="Pilot: {title}",
            body_en="News about the pilot {title}, which you follow: {what_en}.",
        ),
    ),
    # -- one voice and staff mobility (membership, issue 10) ---------------------------------------------
    # A request to endorse goes to the members' board members, who vote unless their organisation mandates
    # someone else; the reminder, which membership addresses, reaches exactly the people mandated for each
    # organisation that has not voted (decision 72).
    Rule(
        name="position_circulated.board_members",
        event=PositionCirculated,
        category=Category.MEMBERSHIP,
        audience=lambda e: Audience(roles=(Role.BOARD_MEMBER.value,)),
        at=lambda e: e.circulated_at,
        group=lambda e: e.group_id,
        params=lambda e: {"title": e.title, "deadline": local(e.deadline)},
        template=Template(
            title_nl="Ter onderschrijving: {title}",
            body_nl="{group} legt het standpunt {title} voor aan de leden. Onderschrijf het, met of zonder "
            "opmerking, of onthoud u namens uw organisatie vóór {deadline}.",
            title_en="For endorsement: {title}",
            body_en="{group} asks the members to endorse the position {title}. Endorse it, with or without a "
            "remark, or abstain on behalf of your organisation before {deadline}.",
        ),
    ),
    Rule(
        name="position_reminder_due.mandated",
        event=PositionReminderDue,
        category=Category.MEMBERSHIP,
        audience=lambda e: Audience(people=tuple(e.mandated_person_ids)),
        at=lambda e: e.reminded_at,
        organisation=lambda e: e.organisation_id,
        params=lambda e: {"title": e.title, "deadline": local(e.deadline)},
        template=Template(
            title_nl="Herinnering: {title}",
            body_nl="{organisation} heeft nog niet gestemd over het standpunt {title}. De termijn sluit op {deadline}.",
            title_en="Reminder: {title}",
            body_en="{organisation} has not voted on the position {title} yet. Voting closes on {deadline}.",
        ),
    ),
    Rule(
        name="position_published.network",
        event=PositionPublished,
        category=Category.NETWORK,
        audience=lambda e: Audience(everyone=True),
        at=lambda e: e.published_at,
        group=lambda e: e.group_id,
        params=lambda e: {"title": e.title, "count": str(len(e.endorsing_organisation_ids))},
        template=Template(
            title_nl="Standpunt verstuurd: {title}",
            body_nl="Het standpunt {title} van {group} is verstuurd, onderschreven door {count} organisaties.",
            title_en="Position sent: {title}",
            body_en="The position {title} of {group} has been sent, endorsed by {count} organisations.",
        ),
    ),
    Rule(
        name="opportunity_published.network",
        event=OpportunityPublished,
        category=Category.NETWORK,
        audience=lambda e: Audience(everyone=True),
        at=lambda e: e.published_at,
        organisation=lambda e: e.organisation_id,
        params=lambda e: {"title": e.title, "expires": local(e.expires_at)},
        template=Template(
            title_nl="Mobiliteit: {title}",
            body_nl="{organisation} biedt aan: {title}. Geef uw interesse door vóór {expires}; uw eigen "
            "organisatie ziet dat niet, tenzij u dat wilt.",
            title_en="Mobility: {title}",
            body_en="{organisation} offers: {title}. Express your interest before {expires}; your own "
            "organisation does not see it unless you choose so.",
        ),
    ),
    # Who is interested stays in membership: the offering side is told that someone is, and reads who there.
    Rule(
        name="interest_expressed.offering",
        event=InterestExpressed,
        category=Category.MEMBERSHIP,
        audience=lambda e: Audience(
            people=(e.contact_person_id,) if e.contact_person_id else (),
            roles=_ORG_ADMINS,
            organisation=e.organisation_id,
        ),
        at=lambda e: e.expressed_at,
        organisation=lambda e: e.organisation_id,
        template=Template(
            title_nl="Nieuwe belangstelling voor een aanbod van {organisation}",
            body_nl="Iemand in het netwerk heeft belangstelling voor een mobiliteitsaanbod van {organisation}. "
            "Bekijk wie, en reageer, in het platform.",
            title_en="New interest in an offer of {organisation}",
            body_en="Someone in the network is interested in a mobility offer of {organisation}. See who, and "
            "respond, on the platform.",
        ),
    ),
)


def rules_by_event(rules: tuple[Rule[Any], ...] = RULES) -> Mapping[type[EventData], tuple[Rule[Any], ...]]:
    by_event: dict[type[EventData], tuple[Rule[Any], ...]] = {}
    for rule in rules:
        by_event[rule.event] = (*by_event.get(rule.event, ()), rule)
    return by_event
