"""Improvement actions (/v1/organisations/{org_id}/actions, /v1/actions) for an organisation's own people,
and questionnaires (/v1/questionnaires) scored into a submission's KPI value by its submitter."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, status
from npd_runtime import NOT_FOUND, Forbidden, NotFound, Principal, PrincipalDep, Problems, ProblemType, Role, SessionDep

from npd_benchmark import access
from npd_benchmark.actions import domain, service
from npd_benchmark.cycles import submissions
from npd_benchmark.cycles.api import InvalidValues
from npd_benchmark.schemas import ActionCreate, ActionPublic, Answers, PhaseChange, ScorePublic

router = APIRouter(prefix="/v1", tags=["improvement"])
PROBLEMS: Problems = {
    service.ActionNotFound: NOT_FOUND,
    service.QuestionnaireNotFound: NOT_FOUND,
    domain.PhaseRefused: ProblemType(409, "phase-refused", "Conflict with the current state"),
    domain.QuestionnaireRefused: ProblemType(422, "answers-refused", "The answers are not valid"),
}
ERRORS: dict[int | str, dict[str, object]] = {
    400: {"description": "The body could not be read (not UTF-8, or not JSON)"},
    401: {"description": "Missing or invalid bearer token"},
    403: {"description": "Not the caller's organisation"},
    404: {"description": "No such action, questionnaire or submission"},
    409: {"description": "The state does not allow this"},
    422: {"description": "The request is not valid"},
}
QuestionnairePath = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[a-z0-9-]+$")]


def _own_people(principal: Principal, org_id: UUID) -> None:
    if not (principal.in_network and principal.org_id == org_id):
        raise Forbidden("an organisation's improvement actions are its own people's")


def _own_admin(principal: Principal, org_id: UUID) -> None:
    if not (principal.has(Role.ORG_ADMIN) and principal.org_id == org_id):
        raise Forbidden("only the organisation's admin records its improvement actions")


@router.post("/organisations/{org_id}/actions", status_code=status.HTTP_201_CREATED, responses=ERRORS)
async def create_action(org_id: UUID, body: ActionCreate, principal: PrincipalDep, session: SessionDep) -> ActionPublic:
    """Record an improvement action against a KPI (the organisation's admin); it starts in plan."""
    _own_admin(principal, org_id)
    async with session.begin():
        action = await service.create(
            session,
            org_id,
            body.kpi_id,
            body.title,
            body.owner,
            body.started_on,
            body.due_on,
            body.notes,
            body.baseline_year,
            body.target_value,
        )
    return ActionPublic.of(action)


@router.get("/organisations/{org_id}/actions", responses=ERRORS)
async def list_actions(org_id: UUID, principal: PrincipalDep, session: SessionDep) -> list[ActionPublic]:
    """The organisation's improvement actions (its own people)."""
    _own_people(principal, org_id)
    async with session.begin():
        return [ActionPublic.of(a) for a in await service.of_organisation(session, org_id)]


@router.post("/actions/{action_id}/phase", responses=ERRORS)
async def move_action(action_id: UUID, body: PhaseChange, principal: PrincipalDep, session: SessionDep) -> ActionPublic:
    """Move an action to its next phase: plan, do, check, act (and act to a new plan)."""
    async with session.begin():
        action = await service.get(session, action_id, for_update=True)
        if not (principal.in_network and principal.org_id == action.organisation_id):
            raise NotFound("improvement action", action_id)
        _own_admin(principal, action.organisation_id)
        return ActionPublic.of(await service.move(session, action, body.phase, body.notes))


@router.post("/submissions/{submission_id}/questionnaires/{questionnaire_id}", responses=ERRORS)
async def score_questionnaire(
    submission_id: UUID,
    questionnaire_id: QuestionnairePath,
    body: Answers,
    principal: PrincipalDep,
    session: SessionDep,
) -> ScorePublic:
    """Score a questionnaire (the customer-experience maturity scan: levels 1-5 for questions s1-s3, i1-i3,
    c1-c3, o1-o3, m1-m3) into the submission's value of its KPI (the submitter)."""
    q = service.questionnaire(questionnaire_id)
    async with session.begin():
        sub = await submissions.get_submission(session, submission_id)
        if not access.may_submit(principal, sub):
            raise NotFound("submission", submission_id)
        try:
            value = await service.score_into(session, submission_id, q, body.by_question(), principal.person_id)
        except submissions.ValuesRefused as exc:
            raise InvalidValues(exc.problems) from None
    return ScorePublic(questionnaire=q.id, kpi_id=q.kpi_id, value=value)
