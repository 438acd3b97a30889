"""Improvement actions (plan, do, check, act) against a KPI, and questionnaires scored into KPI values.
Pure: no I/O."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class Phase(StrEnum):
    PLAN = "plan"
    DO = "do"
    CHECK = "check"
    ACT = "act"


_NEXT = {Phase.PLAN: Phase.DO, Phase.DO: Phase.CHECK, Phase.CHECK: Phase.ACT, Phase.ACT: Phase.PLAN}


class PhaseRefused(Exception):
    """An action moves through plan, do, check and act in that order (and from act to a new plan)."""


@dataclass(frozen=True)
class Action:
    id: UUID
    organisation_id: UUID
    kpi_id: str
    title: str
    phase: Phase
    owner: str
    started_on: datetime
    due_on: datetime | None
    notes: str
    baseline_year: int | None
    target_value: float | None

    def move_to(self, phase: Phase, notes: str | None) -> "Action":
        if phase is not _NEXT[self.phase] and phase is not self.phase:
            raise PhaseRefused(f"an action in {self.phase.value} moves to {_NEXT[self.phase].value}, not {phase.value}")
        return replace(self, phase=phase, notes=self.notes if notes is None else notes)


class QuestionnaireRefused(Exception):
    """Answers that do not fit the questionnaire."""


@dataclass(frozen=True)
class Questionnaire:
    """A scan whose answers (a level 1-5 per question) score into one KPI: the maturity level is the
    rounded-down mean of the dimensions, each the mean of its questions (as maturity scans usually score)."""

    id: str
    kpi_id: str
    name: str
    dimensions: Mapping[str, tuple[str, ...]]  # dimension -> question ids

    def score(self, answers: Mapping[str, int]) -> float:
        expected = {q for questions in self.dimensions.values() for q in questions}
        problems = [f"question {q} is not answered" for q in sorted(expected - set(answers))]
        problems += [f"question {q} is not part of {self.name}" for q in sorted(set(answers) - expected)]
        problems += [
            f"question {q}: answer {a} is not a level 1-5" for q, a in sorted(answers.items()) if not 1 <= a <= 5
        ]
        if problems:
            raise QuestionnaireRefused("; ".join(problems))
        means = [sum(answers[q] for q in qs) / len(qs) for qs in self.dimensions.values()]
        return float(int(sum(means) / len(means)))


CX_SCAN = Questionnaire(
    id="cx-maturity-scan",
    kpi_id="cx_maturity_level",
    name="Customer-experience maturity scan",
    dimensions={
        "strategy": ("s1", "s2", "s3"),
        "insight": ("i1", "i2", "i3"),
        "channels": ("c1", "c2", "c3"),
        "organisation": ("o1", "o2", "o3"),
        "measurement": ("m1", "m2", "m3"),
    },
)
QUESTIONNAIRES = {CX_SCAN.id: CX_SCAN}
