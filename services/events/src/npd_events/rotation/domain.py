"""Guest-chair rotation over a series, free of I/O and of the event contracts."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class ChairStatus(StrEnum):
    ASSIGNED = "assigned"
    DECLINED = "declined"
    LEFT = "left"  # the organisation left the network
    CANCELLED = "cancelled"  # the meeting was cancelled


@dataclass(frozen=True)
class GuestChair:
    id: UUID
    series_id: UUID
    meeting_id: UUID
    organisation_id: UUID
    round: int
    status: ChairStatus
    assigned_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class Candidate:
    """An organisation eligible to chair now: a member (not suspended) of a kind the series rotates over."""

    organisation_id: UUID
    name: str
    joined_at: datetime


# Who has had their turn in a round: chairing it, or declining it. A chair that ended because the meeting was
# cancelled did not chair, and one that left is no longer eligible anyway.
_TURN_TAKEN = (ChairStatus.ASSIGNED, ChairStatus.DECLINED)


def next_chair(
    history: Sequence[GuestChair], eligible: Sequence[Candidate], meeting_id: UUID
) -> tuple[Candidate, int] | None:
    """The organisation to ask to chair `meeting_id` next, and the round it chairs in; None if nobody is eligible.

    Fair: within a round every eligible organisation has its turn once (chairing or declining) before anyone
    has a second one; a round ends when every organisation eligible now has had its turn, so one that joined
    meanwhile is asked in the current round, and one that left is simply no longer eligible. Within a round
    the organisation that has chaired least often goes first, then the longest-standing member. One that
    declined this meeting is not asked for it again, even when a new round starts with it.
    """
    refused = {
        c.organisation_id for c in history if c.meeting_id == meeting_id and c.status is not ChairStatus.ASSIGNED
    }
    eligible = [e for e in eligible if e.organisation_id not in refused]
    if not eligible:
        return None
    current = max((c.round for c in history), default=1)
    turns = {c.organisation_id for c in history if c.round == current and c.status in _TURN_TAKEN}
    waiting = [e for e in eligible if e.organisation_id not in turns]
    if not waiting:
        current, waiting = current + 1, list(eligible)
    chaired = Counter(c.organisation_id for c in history if c.status is ChairStatus.ASSIGNED)
    first = min(waiting, key=lambda e: (chaired[e.organisation_id], e.joined_at, e.name, str(e.organisation_id)))
    return first, current


def assign(chair_id: UUID, series_id: UUID, meeting_id: UUID, pick: tuple[Candidate, int], now: datetime) -> GuestChair:
    candidate, round_ = pick
    return GuestChair(
        chair_id, series_id, meeting_id, candidate.organisation_id, round_, ChairStatus.ASSIGNED, now, None
    )


class NotAssigned(Exception):
    def __init__(self, meeting_id: UUID) -> None:
        super().__init__(f"no organisation is asked to chair meeting {meeting_id} now")


def end(chair: GuestChair, status: ChairStatus, now: datetime) -> GuestChair:
    if chair.status is not ChairStatus.ASSIGNED:
        raise NotAssigned(chair.meeting_id)
    return replace(chair, status=status, ended_at=now)
