"""Benchmark events published by the benchmark service.

Cycle events (topic npd.benchmark.cycle) are keyed by cycle, so a cycle's opening, invitations, reminders,
closing and publication stay in order; submission events (npd.benchmark.submission) by submission (one
organisation in one cycle). No event carries an organisation's raw figures: results are aggregates only.
"""

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from npd_contracts.base import EventData
from npd_contracts.topics import BENCHMARK_CYCLE, BENCHMARK_SUBMISSION, Topic


class _CycleEvent(EventData):
    TOPIC: ClassVar[Topic] = BENCHMARK_CYCLE
    SUBJECT_FIELD: ClassVar[str] = "cycle_id"

    cycle_id: UUID = Field(description="The benchmark cycle this event is about; the Kafka key.")


class BenchmarkCycleOpened(_CycleEvent):
    """A network admin opened a yearly benchmark cycle for submissions."""

    TYPE: ClassVar[str] = "nl.npd.benchmark.cycle-opened.v1"

    year: int = Field(ge=2000, le=2100)
    catalogue_version: str = Field(max_length=40, description="The KPI catalogue version the cycle asks for.")
    deadline: datetime = Field(description="Submissions are accepted until then.")
    opened_at: datetime


class OrganisationInvited(_CycleEvent):
    """A member organisation was invited to a cycle (at its opening, or later when it joined the network)."""

    TYPE: ClassVar[str] = "nl.npd.benchmark.organisation-invited.v1"

    organisation_id: UUID
    submission_id: UUID = Field(description="The organisation's submission in this cycle.")
    deadline: datetime
    invited_at: datetime


class SubmissionReminded(_CycleEvent):
    """The deadline approaches and this organisation has not submitted yet (for notifications to act on)."""

    TYPE: ClassVar[str] = "nl.npd.benchmark.submission-reminded.v1"

    organisation_id: UUID
    submission_id: UUID
    deadline: datetime
    reminded_at: datetime


class BenchmarkCycleClosed(_CycleEvent):
    """A network admin closed the cycle: no more submissions; results can be published."""

    TYPE: ClassVar[str] = "nl.npd.benchmark.cycle-closed.v1"

    participants: int = Field(ge=0, description="Organisations invited.")
    final_submissions: int = Field(ge=0, description="Submissions final at closing: the ones the results use.")
    closed_at: datetime


class PublishedAggregate(BaseModel):
    """The network-wide aggregate of one KPI, as released under disclosure control (never a minimum,
    maximum or any one organisation's value)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kpi_id: str = Field(max_length=60)
    count: int = Field(ge=0)
    median: float | None = Field(default=None, description="None: suppressed.")
    p25: float | None = None
    p75: float | None = None


class BenchmarkResultsPublished(_CycleEvent):
    """Results of the cycle were published (again, as `version` > 1, after corrections): aggregates only."""

    TYPE: ClassVar[str] = "nl.npd.benchmark.results-published.v1"

    version: int = Field(ge=1)
    released: int = Field(ge=0, description="Figures released across every KPI and peer group.")
    suppressed: int = Field(ge=0, description="Figures withheld by disclosure control.")
    network: list[PublishedAggregate] = Field(description="The network-wide aggregate of each KPI.")
    published_at: datetime


class _SubmissionEvent(EventData):
    TOPIC: ClassVar[Topic] = BENCHMARK_SUBMISSION
    SUBJECT_FIELD: ClassVar[str] = "submission_id"

    submission_id: UUID = Field(description="One organisation's submission in one cycle; the Kafka key.")
    cycle_id: UUID
    organisation_id: UUID


class SubmissionReceived(_SubmissionEvent):
    """An organisation submitted its figures (first time, or corrected after being returned)."""

    TYPE: ClassVar[str] = "nl.npd.benchmark.submission-received.v1"

    values: int = Field(ge=0, description="How many KPI values it holds.")
    corrected: bool = Field(description="True when this answers a return for correction.")
    received_at: datetime


class SubmissionReturned(_SubmissionEvent):
    """A network admin returned a submission for correction; the feedback is read in the benchmark itself."""

    TYPE: ClassVar[str] = "nl.npd.benchmark.submission-returned.v1"

    returned_at: datetime


class SubmissionFinalised(_SubmissionEvent):
    """A network admin accepted a submission as final: the results will use it."""

    TYPE: ClassVar[str] = "nl.npd.benchmark.submission-finalised.v1"

    finalised_at: datetime
