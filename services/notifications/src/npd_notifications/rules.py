"""Which event notifies whom, about what, in which words: one declaration per rule, in one place.

A rule names its event, its category (which people's preferences apply to), its audience (described, not
looked up: npd_notifications.fanout turns it into one INSERT ... SELECT per channel), and its words in
Dutch and English. `{person}`, `{organisation}` and `{group}` are filled from the recipients read model
with the names of the ids the rule points at; other placeholders come from `params`.

Adding a rule for another service's event (a meeting scheduled, a benchmark cycle opened) is one more
`Rule(...)` in RULES; main.py subscribes the consumer to every event a rule names.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from npd_contracts import (
    EventData,
    GroupCreated,
    GroupRole,
    MemberJoined,
    OrganisationApplied,
    PersonJoinedGroup,
    PersonRegistered,
    PersonRoleGranted,
    Role,
)

from npd_notifications.domain import Audience, Category, Template

E = TypeVar("E", bound=EventData)


def _nothing(_: Any) -> None:
    return None


def _no_params(_: Any) -> dict[str, str]:
    return {}


def _always(_: Any) -> bool:
    return True


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
    params: Callable[[E], dict[str, str]] = field(default=_no_params)


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
)


def rules_by_event(rules: tuple[Rule[Any], ...] = RULES) -> Mapping[type[EventData], tuple[Rule[Any], ...]]:
    by_event: dict[type[EventData], tuple[Rule[Any], ...]] = {}
    for rule in rules:
        by_event[rule.event] = (*by_event.get(rule.event, ()), rule)
    return by_event
