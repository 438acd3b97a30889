"""HTTP models of the benchmark API (never the event contracts); the enums' named schemas are declared once."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from npd_runtime.validation import Text, described
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from npd_benchmark.actions.domain import Action, Phase
from npd_benchmark.catalogue.domain import Direction, Kpi, KpiGroup, KpiType, ValueProblem
from npd_benchmark.cycles.domain import Cycle, CycleStatus, Submission, SubmissionStatus
from npd_benchmark.cycles.submissions import HistoryEntry, Value

KpiTypeName = Annotated[KpiType, described("ratio (a share or rate), amount (money, time), count, score or level.")]
DirectionName = Annotated[Direction, described("Which way is better for the KPI.")]
KpiGroupName = Annotated[KpiGroup, described("The area of operations the KPI belongs to.")]
CycleState = Annotated[CycleStatus, described("open (taking submissions), closed, or published (results out).")]
SubmissionState = Annotated[
    SubmissionStatus,
    described("invited (nothing entered), draft, submitted, returned (for correction), corrected, final."),
]
PhaseName = Annotated[Phase, described("Where an improvement action is in the plan-do-check-act cycle.")]
KpiId = Annotated[
    str, Field(min_length=1, max_length=60, pattern=r"^[a-z][a-z0-9_]*$", examples=["sickness_absence_pct"])
]
Version = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$", examples=["2026.1"])]


def _text_only(value: Any) -> Any:
    # JSON numbers would pass as Unix times; the schema says a date-time string, so only strings do.
    if not isinstance(value, str | datetime):
        raise ValueError("must be an RFC 3339 date-time string")
    return value


Moment = Annotated[datetime, BeforeValidator(_text_only)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class KpiBody(_Body):
    name: Text = Field(min_length=1, max_length=200)
    definition: Text = Field(min_length=1, max_length=2000)
    unit: Text = Field(min_length=1, max_length=40)
    type: KpiTypeName
    direction: DirectionName
    minimum: float = Field(ge=-1e15, le=1e15)
    maximum: float = Field(ge=-1e15, le=1e15)
    required: bool = False
    group: KpiGroupName
    numerator: KpiId | None = None
    denominator: KpiId | None = None
    factor: float | None = Field(default=None, ge=-1e9, le=1e9)
    comparable: bool = Field(default=True, description="False: the definition changed; trends break here.")
    based_on: Version | None = Field(default=None, description="A new version starts as a copy of this one.")

    def kpi(self, version: str, kpi_id: str) -> Kpi:
        return Kpi(
            version,
            kpi_id,
            self.name,
            self.definition,
            self.unit,
            self.type,
            self.direction,
            self.minimum,
            self.maximum,
            self.required,
            self.group,
            self.numerator,
            self.denominator,
            self.factor,
            self.comparable,
        )


class KpiPublic(BaseModel):
    catalogue_version: str
    kpi_id: str
    name: str
    definition: str
    unit: str
    type: KpiTypeName
    direction: DirectionName
    minimum: float
    maximum: float
    required: bool
    group: KpiGroupName
    formula: str | None
    comparable: bool

    @classmethod
    def of(cls, k: Kpi) -> "KpiPublic":
        return cls(**{name: getattr(k, name) for name in cls.model_fields})


class VersionPublic(BaseModel):
    catalogue_version: str
    kpis: int


class CycleCreate(_Body):
    year: int = Field(ge=2000, le=2100)
    catalogue_version: Version
    deadline: Moment = Field(description="RFC 3339 date-time; submissions close then.")
    k: int = Field(default=5, ge=3, le=50, description="Disclosure threshold: no aggregate over fewer organisations.")


class CyclePublic(BaseModel):
    id: UUID
    year: int
    catalogue_version: str
    deadline: datetime
    status: CycleState
    k: int
    opened_at: datetime
    closed_at: datetime | None
    published_at: datetime | None
    version: int

    @classmethod
    def of(cls, c: Cycle) -> "CyclePublic":
        return cls(**{name: getattr(c, name) for name in cls.model_fields})


class Invitation(_Body):
    organisation_id: UUID


class Reminders(BaseModel):
    reminded: int


class Publication(BaseModel):
    cycle: CyclePublic
    released: int = Field(description="Figures released across every KPI and peer group.")
    withheld: int = Field(description="Figures withheld by disclosure control.")


class ProblemItem(BaseModel):
    row: int | None
    column: str | None
    kpi_id: str | None
    reason: str

    @classmethod
    def of(cls, p: ValueProblem) -> "ProblemItem":
        return cls(row=p.row, column=p.column, kpi_id=p.kpi_id, reason=p.reason)


class ValueIn(_Body):
    kpi_id: KpiId
    value: float = Field(ge=-1e15, le=1e15)
    unit: Text | None = Field(default=None, max_length=40, description="If given, must be the KPI's unit.")
    explanation: Text | None = Field(default=None, max_length=2000)


class ValuesBody(_Body):
    values: list[ValueIn] = Field(min_length=1, max_length=500)


class ValuePublic(BaseModel):
    kpi_id: str
    value: float
    explanation: str | None
    changed_at: datetime

    @classmethod
    def of(cls, v: Value) -> "ValuePublic":
        return cls(kpi_id=v.kpi_id, value=v.value, explanation=v.explanation, changed_at=v.changed_at)


class SubmissionPublic(BaseModel):
    id: UUID
    cycle_id: UUID
    organisation_id: UUID
    status: SubmissionState
    feedback: str | None
    delegate_person_id: str | None
    custom_groups_opt_in: bool
    named_opt_in: bool
    invited_at: datetime
    submitted_at: datetime | None
    finalised_at: datetime | None
    values: list[ValuePublic] | None = Field(
        description="The organisation's own values: for its own people only (null for network admins)."
    )

    @classmethod
    def of(cls, s: Submission, values: list[Value] | None) -> "SubmissionPublic":
        fields = {name: getattr(s, name) for name in cls.model_fields if name != "values"}
        return cls(**fields, values=None if values is None else [ValuePublic.of(v) for v in values])


class Feedback(_Body):
    feedback: Text = Field(min_length=1, max_length=4000, description="What to correct, for the organisation.")


class Consent(_Body):
    custom_groups: bool = Field(description="May others put this organisation in peer groups they compose?")
    named: bool = Field(description="Take part in the named comparison among organisations that consented?")


class Delegation(_Body):
    person_id: Text | None = Field(max_length=255, description="Who may submit for the organisation; null: nobody.")


class Explanation(_Body):
    explanation: Text | None = Field(max_length=2000)


class HistoryPublic(BaseModel):
    kpi_id: str
    value: float | None
    explanation: str | None
    changed_at: datetime
    changed_by: str | None = Field(description="Who changed it; null once that person was erased.")

    @classmethod
    def of(cls, h: HistoryEntry) -> "HistoryPublic":
        return cls(**{name: getattr(h, name) for name in cls.model_fields})


class ActionCreate(_Body):
    kpi_id: KpiId
    title: Text = Field(min_length=1, max_length=200)
    owner: Text = Field(min_length=1, max_length=200)
    started_on: Moment
    due_on: Moment | None = None
    notes: Text = Field(default="", max_length=4000)
    baseline_year: int | None = Field(default=None, ge=2000, le=2100)
    target_value: float | None = Field(default=None, ge=-1e15, le=1e15)


class PhaseChange(_Body):
    phase: PhaseName
    notes: Text | None = Field(default=None, max_length=4000)


class ActionPublic(BaseModel):
    id: UUID
    organisation_id: UUID
    kpi_id: str
    title: str
    phase: PhaseName
    owner: str
    started_on: datetime
    due_on: datetime | None
    notes: str
    baseline_year: int | None
    target_value: float | None

    @classmethod
    def of(cls, a: Action) -> "ActionPublic":
        return cls(**{name: getattr(a, name) for name in cls.model_fields})


class Answer(_Body):
    question: str = Field(min_length=1, max_length=20, pattern=r"^[a-z0-9_]+$", examples=["s1"])
    level: int = Field(ge=1, le=5)


class Answers(_Body):
    answers: list[Answer] = Field(min_length=1, max_length=100)

    def by_question(self) -> dict[str, int]:
        return {a.question: a.level for a in self.answers}


class ScorePublic(BaseModel):
    questionnaire: str
    kpi_id: str
    value: float
