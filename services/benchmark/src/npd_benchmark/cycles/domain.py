"""Cycles and submissions: their states and the transitions between them. Pure: no I/O, no clock reads."""

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid5

SUBMISSION_NAMESPACE = UUID("7b3f0c52-8f8e-4a8e-9a43-7f1a3c1f6b10")


class CycleStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"


class SubmissionStatus(StrEnum):
    INVITED = "invited"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    CORRECTED = "corrected"
    FINAL = "final"


class CycleRefused(Exception):
    """The cycle's state does not allow this."""


class SubmissionRefused(Exception):
    """The submission's state (or its cycle's) does not allow this."""


class PastDeadline(SubmissionRefused):
    """The deadline has passed: a first submission can no longer be made or changed."""


@dataclass(frozen=True)
class Cycle:
    id: UUID
    year: int
    catalogue_version: str
    deadline: datetime
    status: CycleStatus
    k: int  # the disclosure threshold: no aggregate over fewer organisations
    opened_at: datetime
    closed_at: datetime | None = None
    published_at: datetime | None = None
    version: int = 0  # how many times results were published

    def close(self, at: datetime) -> "Cycle":
        if self.status is not CycleStatus.OPEN:
            raise CycleRefused(f"cycle {self.year} is {self.status.value}, not open")
        return replace(self, status=CycleStatus.CLOSED, closed_at=at)

    def publish(self, at: datetime) -> "Cycle":
        if self.status is CycleStatus.OPEN:
            raise CycleRefused(f"cycle {self.year} is still open: close it before publishing")
        return replace(self, status=CycleStatus.PUBLISHED, published_at=at, version=self.version + 1)

    def check_invitable(self) -> None:
        if self.status is not CycleStatus.OPEN:
            raise CycleRefused(f"cycle {self.year} is {self.status.value}: organisations join open cycles only")


def submission_id(cycle_id: UUID, organisation_id: UUID) -> UUID:
    """One submission per organisation and cycle, with an id anyone can compute from the two."""
    return uuid5(SUBMISSION_NAMESPACE, f"{cycle_id}:{organisation_id}")


EDITABLE = frozenset({SubmissionStatus.INVITED, SubmissionStatus.DRAFT, SubmissionStatus.RETURNED})
REVIEWABLE = frozenset({SubmissionStatus.SUBMITTED, SubmissionStatus.CORRECTED, SubmissionStatus.FINAL})


@dataclass(frozen=True)
class Submission:
    id: UUID
    cycle_id: UUID
    organisation_id: UUID
    status: SubmissionStatus
    invited_at: datetime
    feedback: str | None = None
    delegate_person_id: str | None = None
    custom_groups_opt_in: bool = False
    named_opt_in: bool = False
    submitted_at: datetime | None = None
    finalised_at: datetime | None = None
    reminded_at: datetime | None = None

    def check_editable(self, cycle: Cycle, now: datetime) -> None:
        """Values may change in a draft before the deadline, and in a returned submission at any time (the
        network asked for the correction)."""
        if self.status not in EDITABLE:
            raise SubmissionRefused(f"the submission is {self.status.value}: its values can no longer change")
        if self.status is SubmissionStatus.RETURNED:
            return
        if cycle.status is not CycleStatus.OPEN:
            raise SubmissionRefused(f"cycle {cycle.year} is {cycle.status.value}: it takes no more submissions")
        if now > cycle.deadline:
            raise PastDeadline(f"the deadline of cycle {cycle.year} ({cycle.deadline.isoformat()}) has passed")

    def edited(self) -> "Submission":
        return replace(self, status=SubmissionStatus.DRAFT) if self.status is SubmissionStatus.INVITED else self

    def submit(self, cycle: Cycle, now: datetime) -> "Submission":
        self.check_editable(cycle, now)
        if self.status is SubmissionStatus.INVITED:
            raise SubmissionRefused("the submission holds no values yet")
        corrected = self.status is SubmissionStatus.RETURNED
        status = SubmissionStatus.CORRECTED if corrected else SubmissionStatus.SUBMITTED
        return replace(self, status=status, submitted_at=now)

    def give_back(self, feedback: str) -> "Submission":
        if self.status not in REVIEWABLE:
            raise SubmissionRefused(f"the submission is {self.status.value}: only a submitted one can be returned")
        return replace(self, status=SubmissionStatus.RETURNED, feedback=feedback, finalised_at=None)

    def finalise(self, now: datetime) -> "Submission":
        if self.status not in (SubmissionStatus.SUBMITTED, SubmissionStatus.CORRECTED):
            raise SubmissionRefused(f"the submission is {self.status.value}: only a submitted one can be finalised")
        return replace(self, status=SubmissionStatus.FINAL, finalised_at=now)

    @property
    def awaited(self) -> bool:
        """Nothing submitted yet: a reminder applies."""
        return self.status in (SubmissionStatus.INVITED, SubmissionStatus.DRAFT)
