"""Improvement-action use cases, and questionnaires scored into a submission's KPI value."""

from dataclasses import replace
from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from npd_benchmark.actions.domain import QUESTIONNAIRES, Action, Phase, Questionnaire
from npd_benchmark.cycles import submissions
from npd_benchmark.cycles.uploads import Row
from npd_benchmark.models import ACTIONS, actions


class ActionNotFound(LookupError):
    def __init__(self, action_id: UUID) -> None:
        super().__init__(f"improvement action {action_id} does not exist")


class QuestionnaireNotFound(LookupError):
    def __init__(self, questionnaire_id: str) -> None:
        super().__init__(f"questionnaire {questionnaire_id} does not exist")


async def create(
    session: AsyncSession,
    org_id: UUID,
    kpi_id: str,
    title: str,
    owner: str,
    started_on: datetime,
    due_on: datetime | None,
    notes: str,
    baseline_year: int | None,
    target_value: float | None,
) -> Action:
    action = Action(
        uuid4(), org_id, kpi_id, title, Phase.PLAN, owner, started_on, due_on, notes, baseline_year, target_value
    )
    await ACTIONS.insert(session, [action])
    return action


async def of_organisation(session: AsyncSession, org_id: UUID) -> list[Action]:
    stmt = ACTIONS.select().where(actions.c.organisation_id == org_id).order_by(actions.c.started_on, actions.c.id)
    return await ACTIONS.all(session, stmt)


async def get(session: AsyncSession, action_id: UUID, *, for_update: bool = False) -> Action:
    found = await ACTIONS.get(session, action_id, for_update=for_update)
    if found is None:
        raise ActionNotFound(action_id)
    return found


async def move(session: AsyncSession, action: Action, phase: Phase, notes: str | None) -> Action:
    moved = action.move_to(phase, notes)
    await ACTIONS.update(session, moved, "phase", "notes")
    return replace(moved)


def questionnaire(questionnaire_id: str) -> Questionnaire:
    found = QUESTIONNAIRES.get(questionnaire_id)
    if found is None:
        raise QuestionnaireNotFound(questionnaire_id)
    return found


async def score_into(
    session: AsyncSession, submission_id: UUID, q: Questionnaire, answers: dict[str, int], by: str
) -> float:
    """Score the answers and enter the result as the submission's value of the questionnaire's KPI."""
    value = q.score(answers)
    explanation = f"scored from the {q.name} ({len(answers)} answers)"
    await submissions.save_values(session, submission_id, [Row(q.kpi_id, value, None, explanation)], by)
    return value
