"""Who hears of a practice or a pilot, and what its message may say: a group's practice stays with the group
(and its message has no title), a Chatham House practice names nobody, an author is not told of their own
practice, a pilot's followers hear of a new status or results, and nobody else."""

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from npd_contracts import GroupCreated, GroupKind, GroupRole, JoinPolicy, PersonErased, PersonJoinedGroup
from npd_contracts.pilots import PilotFollowed, PilotStatus, PilotUnfollowed, PilotUpdated
from npd_contracts.practices import PracticeLabel, PracticeShared, PracticeTheme

NOW = datetime.now(UTC)


def shared(label: PracticeLabel, group: Any = None, author: str | None = None) -> PracticeShared:
    return PracticeShared(
        practice_id=uuid4(),
        label=label,
        group_id=group,
        themes=[PracticeTheme.HR],
        title=None if label is PracticeLabel.GROUP else f"Praktijk {uuid4().hex[:6]}",
        author_id=author,
        organisation_id=None,
        shared_at=NOW,
    )


async def told(kit: Any, rule: str, *people: str) -> dict[str, list[dict[str, Any]]]:
    rows = await kit.rows(
        "SELECT recipient_person_id AS who, title, body FROM notifications "
        "WHERE kind = :rule AND recipient_person_id = ANY(:people)",
        rule=rule,
        people=list(people),
    )
    found: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row["who"], []).append(dict(row))
    return found


async def test_a_groups_practice_reaches_its_members_only_and_says_no_title(kit: Any) -> None:
    group = GroupCreated(
        group_id=uuid4(), name=f"Groep {uuid4().hex[:6]}", kind=GroupKind.WORKING_GROUP, topic="HR",
        joining=JoinPolicy.OPEN, created_at=NOW,
    )  # fmt: skip
    (author, _), (member, _), (outsider, _) = [await kit.person() for _ in range(3)]
    joined = [
        PersonJoinedGroup(person_id=p, group_id=group.group_id, role=GroupRole.MEMBER, joined_at=NOW)
        for p in (author, member)
    ]
    await kit.handle(group, *joined, shared(PracticeLabel.GROUP, group.group_id, author))
    reached = await told(kit, "practice_shared.group", author, member, outsider)
    assert list(reached) == [member]  # not the author, not the outsider
    [item] = reached[member]
    assert group.name in item["title"]
    assert await told(kit, "practice_shared.network", author, member, outsider) == {}


async def test_a_chatham_house_practice_names_nobody_and_an_author_is_not_told_of_their_own(kit: Any) -> None:
    (author, _), (reader, _) = [await kit.person() for _ in range(2)]
    chatham, network = shared(PracticeLabel.CHATHAM_HOUSE), shared(PracticeLabel.NETWORK, author=author)
    await kit.handle(chatham, network)
    reached = await told(kit, "practice_shared.network", author, reader)
    titles = sorted(item["title"] for item in reached[reader])
    assert titles == sorted(f"Gedeelde praktijk: {e.title}" for e in (chatham, network))
    assert [item["title"] for item in reached.get(author, [])] == [f"Gedeelde praktijk: {chatham.title}"]
    messages = await kit.rows(
        "SELECT m.about_person_id, m.organisation_id, m.body_nl, m.body_en FROM messages m "
        "JOIN notifications n ON n.message_id = m.id WHERE n.recipient_person_id = :p AND m.title_nl = :t",
        p=reader,
        t=f"Gedeelde praktijk: {chatham.title}",
    )
    assert messages
    for m in messages:  # nobody is named, and no organisation
        assert m["about_person_id"] is None and m["organisation_id"] is None
        assert author not in m["body_nl"] and author not in m["body_en"]


async def test_a_pilots_followers_hear_of_a_new_status_or_results_and_nobody_else(kit: Any) -> None:
    (follower, _), (quitter, _), (erased, _), (bystander, _) = [await kit.person() for _ in range(4)]
    pilot = uuid4()

    def updated(status: PilotStatus, previous: PilotStatus, results: bool) -> PilotUpdated:
        return PilotUpdated(
            pilot_id=pilot, title="Slim loket", status=status, previous_status=previous, results_changed=results,
            changed=["description"], updated_at=NOW,
        )  # fmt: skip

    await kit.handle(
        *(PilotFollowed(pilot_id=pilot, person_id=p, followed_at=NOW) for p in (follower, quitter, erased)),
        PilotUnfollowed(pilot_id=pilot, person_id=quitter, unfollowed_at=NOW),
        PersonErased(person_id=erased, erased_at=NOW),
        updated(PilotStatus.RUNNING, PilotStatus.RUNNING, results=False),  # a new description: no news
        updated(PilotStatus.PROVEN, PilotStatus.RUNNING, results=True),
    )
    reached = await told(kit, "pilot_updated.followers", follower, quitter, erased, bystander)
    assert list(reached) == [follower]
    [item] = reached[follower]
    assert "bewezen" in item["body"] and "nieuwe resultaten" in item["body"]
