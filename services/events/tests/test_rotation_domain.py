"""The rotation's rule on its own: within a round everyone eligible has one turn before anyone has a second,
newcomers are asked within the current round, those who left drop out, a decliner is not asked again for the
same meeting."""

import random
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from npd_events.rotation.domain import Candidate, ChairStatus, GuestChair, assign, end, next_chair

T0 = datetime(2027, 1, 1, tzinfo=UTC)


def candidate(n: int) -> Candidate:
    return Candidate(UUID(int=n + 1), f"Gemeente {n:02d}", T0 + timedelta(days=n))


def ask(history: list[GuestChair], eligible: list[Candidate], meeting: UUID) -> GuestChair | None:
    pick = next_chair(history, eligible, meeting)
    if pick is None:
        return None
    chair = assign(uuid4(), UUID(int=0), meeting, pick, T0)
    history.append(chair)
    return chair


def test_a_round_gives_everyone_one_turn_in_order_of_membership() -> None:
    eligible = [candidate(n) for n in range(4)]
    history: list[GuestChair] = []
    picked = [ask(history, eligible, uuid4()) for _ in range(8)]
    assert [(p.organisation_id.int - 1, p.round) for p in picked if p] == [
        (0, 1), (1, 1), (2, 1), (3, 1), (0, 2), (1, 2), (2, 2), (3, 2),
    ]  # fmt: skip


def test_a_decliner_has_had_its_turn_and_is_not_asked_again_for_that_meeting() -> None:
    eligible = [candidate(n) for n in range(2)]
    history: list[GuestChair] = []
    meeting = uuid4()
    first = ask(history, eligible, meeting)
    assert first is not None
    history[-1] = end(first, ChairStatus.DECLINED, T0)
    second = ask(history, eligible, meeting)
    assert second is not None and second.organisation_id == eligible[1].organisation_id
    history[-1] = end(second, ChairStatus.DECLINED, T0)
    assert ask(history, eligible, meeting) is None  # everyone declined this one


def test_under_random_joins_and_leaves_nobody_has_a_second_turn_before_every_eligible_one_had_a_first() -> None:
    rng = random.Random(5)
    members = [candidate(n) for n in range(5)]
    joined = 5
    history: list[GuestChair] = []
    for _ in range(200):
        if rng.random() < 0.1:
            members.append(candidate(joined))
            joined += 1
        if rng.random() < 0.08 and len(members) > 2:
            members.pop(rng.randrange(len(members)))
        current = max((c.round for c in history), default=1)
        chair = ask(history, members, uuid4())
        assert chair is not None
        same_round = [c.organisation_id for c in history if c.round == chair.round]
        assert len(same_round) == len(set(same_round)), "an organisation had two turns in one round"
        if chair.round > current:
            # A new round starts only once everyone eligible now has had their turn in the last one.
            last_round = {c.organisation_id for c in history if c.round == current}
            assert {m.organisation_id for m in members} <= last_round
