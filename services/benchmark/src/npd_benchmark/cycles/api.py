"""Cycles API (/v1/cycles) and submissions API (/v1/submissions). Network admins run cycles and review
submissions (their status, never their values); an organisation's admin, or the person they delegate to,
enters and submits its values; its own people read them. Errors become problem documents by PROBLEMS."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Request, Response, status
from fastapi.responses import JSONResponse
from npd_runtime import (
    NOT_FOUND,
    Forbidden,
    NotFound,
    Principal,
    PrincipalDep,
    Problem,
    Problems,
    ProblemType,
    Role,
    SessionDep,
    require_role,
)
from npd_runtime.problems import problem_response
from sqlalchemy.ext.asyncio import AsyncSession

from npd_benchmark import access
from npd_benchmark.catalogue.domain import ValueProblem
from npd_benchmark.cycles import domain, service, submissions, uploads
from npd_benchmark.cycles.domain import Submission
from npd_benchmark.schemas import (
    Consent,
    CycleCreate,
    CyclePublic,
    Delegation,
    Explanation,
    Feedback,
    HistoryPublic,
    Invitation,
    ProblemItem,
    Reminders,
    SubmissionPublic,
    ValuesBody,
)

cycles = APIRouter(prefix="/v1/cycles", tags=["cycles"])
router = APIRouter(prefix="/v1/submissions", tags=["submissions"])
_CONFLICT = "Conflict with the current state"
PROBLEMS: Problems = {
    service.CycleNotFound: NOT_FOUND,
    submissions.SubmissionNotFound: NOT_FOUND,
    service.DuplicateYear: ProblemType(409, "duplicate-cycle", _CONFLICT),
    service.NotAMember: ProblemType(409, "not-a-member", _CONFLICT),
    domain.CycleRefused: ProblemType(409, "cycle-state", _CONFLICT),
    domain.PastDeadline: ProblemType(409, "past-deadline", "The deadline has passed"),
    domain.SubmissionRefused: ProblemType(409, "submission-state", _CONFLICT),
    # Routes turn these into InvalidValues (with every problem listed); this is their meaning should one escape.
    submissions.ValuesRefused: ProblemType(422, "invalid-values", "The values are not valid"),
    uploads.UnreadableFile: ProblemType(422, "invalid-values", "The values are not valid"),
}
ERRORS: dict[int | str, dict[str, object]] = {
    400: {"description": "The body could not be read (not UTF-8, or not JSON)"},
    401: {"description": "Missing or invalid bearer token"},
    403: {"description": "The caller may not do this"},
    404: {"description": "No such cycle or submission (or not the caller's to see)"},
    409: {"description": "The state of the cycle or submission does not allow this"},
    413: {"description": "The uploaded file is larger than 2,000,000 bytes"},
    422: {"description": "The request is not valid; for values, `errors` lists every problem"},
}
UPLOAD_TYPES = {
    "text/csv": {"schema": {"type": "string", "format": "binary"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}
    },
}


class InvalidValues(Problem):
    """The request's values, with every problem listed in `errors` (row, column, KPI, reason)."""

    def __init__(self, problems: list[ValueProblem]) -> None:
        detail = f"{len(problems)} problem(s): " + "; ".join(str(p) for p in problems)
        super().__init__(422, "invalid-values", "The values are not valid", detail)
        self.problems = problems

    def response(self, request: Request) -> JSONResponse:
        errors = [ProblemItem.of(p).model_dump() for p in self.problems]
        return problem_response(request, self.status, self.slug, self.title, self.detail, errors=errors)


class TooLarge(Problem):
    def __init__(self) -> None:
        detail = f"the file has more than {uploads.MAX_BYTES} bytes; at most {uploads.MAX_BYTES} bytes are accepted"
        super().__init__(413, "upload-too-large", "The file is too large", detail)


async def _capped(request: Request) -> bytes:
    """The body, read no further than the limit: a huge upload is refused without being held in memory."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > uploads.MAX_BYTES:
        raise TooLarge()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > uploads.MAX_BYTES:
            raise TooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


# -- cycles -------------------------------------------------------------------------------------------------


@cycles.post("", status_code=status.HTTP_201_CREATED, responses=ERRORS)
async def open_cycle(
    body: CycleCreate, principal: PrincipalDep, session: SessionDep, response: Response
) -> CyclePublic:
    """Open a yearly cycle with its catalogue version and deadline (network admins); every member is invited."""
    require_role(principal, Role.NETWORK_ADMIN)
    async with session.begin():
        cycle = await service.open_cycle(session, body.year, body.catalogue_version, body.deadline, body.k)
    response.headers["Location"] = f"{cycles.prefix}/{cycle.id}"
    return CyclePublic.of(cycle)


@cycles.get("", responses=ERRORS)
async def list_cycles(principal: PrincipalDep, session: SessionDep) -> list[CyclePublic]:
    """Every cycle, newest first (everyone in the network)."""
    if not principal.in_network:
        raise Forbidden("only people of the network see its benchmark")
    async with session.begin():
        found = await service.list_cycles(session)
    return [CyclePublic.of(c) for c in found]


@cycles.get("/{cycle_id}", responses=ERRORS)
async def get_cycle(cycle_id: UUID, principal: PrincipalDep, session: SessionDep) -> CyclePublic:
    if not principal.in_network:
        raise Forbidden("only people of the network see its benchmark")
    async with session.begin():
        return CyclePublic.of(await service.get_cycle(session, cycle_id))


@cycles.post("/{cycle_id}/invitations", responses=ERRORS)
async def invite(cycle_id: UUID, body: Invitation, principal: PrincipalDep, session: SessionDep) -> SubmissionPublic:
    """Invite a member organisation to an open cycle (one that joined later, say); twice is once."""
    require_role(principal, Role.NETWORK_ADMIN)
    async with session.begin():
        sub = await service.invite(session, cycle_id, body.organisation_id)
    return SubmissionPublic.of(sub, None)


@cycles.post("/{cycle_id}/reminders", responses=ERRORS)
async def remind(cycle_id: UUID, principal: PrincipalDep, session: SessionDep) -> Reminders:
    """Remind every invited organisation that has not submitted yet (an event each, for notifications)."""
    require_role(principal, Role.NETWORK_ADMIN)
    async with session.begin():
        return Reminders(reminded=await service.remind(session, cycle_id))


@cycles.post("/{cycle_id}/close", responses=ERRORS)
async def close_cycle(cycle_id: UUID, principal: PrincipalDep, session: SessionDep) -> CyclePublic:
    """No more submissions (network admins); returned ones can still be corrected."""
    require_role(principal, Role.NETWORK_ADMIN)
    async with session.begin():
        return CyclePublic.of(await service.close_cycle(session, cycle_id))


@cycles.get("/{cycle_id}/submissions", responses=ERRORS)
async def list_submissions(cycle_id: UUID, principal: PrincipalDep, session: SessionDep) -> list[SubmissionPublic]:
    """The status of every submission in the cycle (network admins), without values; anyone else sees only
    their own organisation's."""
    if not principal.in_network:  # a 403 before any lookup: no existence oracle (decision 111)
        raise Forbidden("only people of the network see its benchmark")
    async with session.begin():
        await service.get_cycle(session, cycle_id)
        found = await submissions.of_cycle(session, cycle_id)
    return [SubmissionPublic.of(s, None) for s in found if access.sees_submission(principal, s)]


# -- submissions --------------------------------------------------------------------------------------------


async def _visible(session: AsyncSession, principal: Principal, submission_id: UUID) -> Submission:
    sub = await submissions.get_submission(session, submission_id)
    if not access.sees_submission(principal, sub):
        raise NotFound("submission", submission_id)  # another organisation's: as if it did not exist
    return sub


async def _for_submitter(session: AsyncSession, principal: Principal, submission_id: UUID) -> Submission:
    sub = await _visible(session, principal, submission_id)
    if not access.may_submit(principal, sub):
        raise Forbidden("only the organisation's admin, or the person they delegated to, enters its values")
    return sub


async def _public(session: AsyncSession, principal: Principal, sub: Submission) -> SubmissionPublic:
    values = await submissions.values_of(session, sub.id) if access.sees_values(principal, sub) else None
    return SubmissionPublic.of(sub, values)


@router.get("/{submission_id}", responses=ERRORS)
async def get_submission(submission_id: UUID, principal: PrincipalDep, session: SessionDep) -> SubmissionPublic:
    """A submission with its values (for the organisation's own people), or its status (network admins)."""
    async with session.begin():
        return await _public(session, principal, await _visible(session, principal, submission_id))


@router.put("/{submission_id}/values", responses=ERRORS)
async def enter_values(
    submission_id: UUID, body: ValuesBody, principal: PrincipalDep, session: SessionDep
) -> SubmissionPublic:
    """Enter or change values (all or nothing: every problem is listed at once, nothing is saved then)."""
    rows = [uploads.Row(v.kpi_id, v.value, v.unit, v.explanation, i + 1) for i, v in enumerate(body.values)]
    async with session.begin():
        await _for_submitter(session, principal, submission_id)
        try:
            sub = await submissions.save_values(session, submission_id, rows, principal.person_id)
        except submissions.ValuesRefused as exc:
            raise InvalidValues(exc.problems) from None
        return await _public(session, principal, sub)


@router.put(
    "/{submission_id}/file",
    responses=ERRORS,
    openapi_extra={"requestBody": {"required": True, "content": UPLOAD_TYPES}},
)
async def upload_values(
    submission_id: UUID,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    content_type: Annotated[str, Header(max_length=200)] = "text/csv",
) -> SubmissionPublic:
    """Enter values from a CSV (UTF-8, comma or semicolon) or XLSX file with columns kpi_id, value and
    optionally unit, explanation: all rows or none, every problem listed with its row and column."""
    data = await _capped(request)
    name = "upload.xlsx" if "spreadsheetml" in content_type else "upload.csv"
    async with session.begin():
        await _for_submitter(session, principal, submission_id)
        try:
            rows, problems = uploads.read_upload(data, name)
            sub = await submissions.save_values(session, submission_id, rows, principal.person_id, problems)
        except (uploads.UnreadableFile, submissions.ValuesRefused) as exc:
            raise InvalidValues(exc.problems) from None
        return await _public(session, principal, sub)


@router.put("/{submission_id}/values/{kpi_id}/explanation", responses=ERRORS)
async def explain(
    submission_id: UUID, kpi_id: str, body: Explanation, principal: PrincipalDep, session: SessionDep
) -> SubmissionPublic:
    """The organisation's explanation of one of its figures, which peers read beside the aggregate."""
    async with session.begin():
        await _for_submitter(session, principal, submission_id)
        await submissions.explain(session, submission_id, kpi_id, body.explanation, principal.person_id)
        return await _public(session, principal, await submissions.get_submission(session, submission_id))


@router.post("/{submission_id}/submit", responses=ERRORS)
async def submit(submission_id: UUID, principal: PrincipalDep, session: SessionDep) -> SubmissionPublic:
    """Submit (or, after a return, resubmit corrected): required KPIs present and derived ones consistent."""
    async with session.begin():
        await _for_submitter(session, principal, submission_id)
        try:
            sub = await submissions.submit(session, submission_id)
        except submissions.ValuesRefused as exc:
            raise InvalidValues(exc.problems) from None
        return await _public(session, principal, sub)


@router.post("/{submission_id}/return", responses=ERRORS)
async def give_back(
    submission_id: UUID, body: Feedback, principal: PrincipalDep, session: SessionDep
) -> SubmissionPublic:
    """Return a submission for correction with feedback (network admins)."""
    require_role(principal, Role.NETWORK_ADMIN)
    async with session.begin():
        return await _public(session, principal, await submissions.give_back(session, submission_id, body.feedback))


@router.post("/{submission_id}/finalise", responses=ERRORS)
async def finalise(submission_id: UUID, principal: PrincipalDep, session: SessionDep) -> SubmissionPublic:
    """Accept a submission as final (network admins): the results use final submissions only."""
    require_role(principal, Role.NETWORK_ADMIN)
    async with session.begin():
        return await _public(session, principal, await submissions.finalise(session, submission_id))


@router.put("/{submission_id}/consent", responses=ERRORS)
async def consent(submission_id: UUID, body: Consent, principal: PrincipalDep, session: SessionDep) -> SubmissionPublic:
    """The organisation's consent, for this cycle, to composed groups and to the named comparison (its admin)."""
    async with session.begin():
        sub = await _visible(session, principal, submission_id)
        if not (principal.has(Role.ORG_ADMIN) and principal.org_id == sub.organisation_id):
            raise Forbidden("only the organisation's admin gives or withdraws its consent")
        sub = await submissions.set_consent(session, submission_id, custom_groups=body.custom_groups, named=body.named)
        return await _public(session, principal, sub)


@router.put("/{submission_id}/delegate", responses=ERRORS)
async def delegate(
    submission_id: UUID, body: Delegation, principal: PrincipalDep, session: SessionDep
) -> SubmissionPublic:
    """Let one person (say, the controller) enter and submit this cycle's values (the organisation's admin)."""
    async with session.begin():
        sub = await _visible(session, principal, submission_id)
        if not (principal.has(Role.ORG_ADMIN) and principal.org_id == sub.organisation_id):
            raise Forbidden("only the organisation's admin delegates its submission")
        return await _public(session, principal, await submissions.delegate(session, submission_id, body.person_id))


@router.get("/{submission_id}/history", responses=ERRORS)
async def history(submission_id: UUID, principal: PrincipalDep, session: SessionDep) -> list[HistoryPublic]:
    """Every change of every value, oldest first (the organisation's own people)."""
    async with session.begin():
        sub = await _visible(session, principal, submission_id)
        if not access.sees_values(principal, sub):
            raise Forbidden("an organisation's values and their history are its own people's to see")
        return [HistoryPublic.of(h) for h in await submissions.history(session, submission_id)]
