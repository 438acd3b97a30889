"""Submission use cases: values entered (JSON or an uploaded file) with every problem reported at once,
submitted, returned for correction, corrected, finalised; the history of every value; explanations.
Nothing here commits; the entrypoint owns the transaction."""

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

import npd_contracts as contracts
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from npd_benchmark.catalogue import service as catalogue
from npd_benchmark.catalogue.domain import Kpi, ValueProblem, check_submission, check_value, complete
from npd_benchmark.cycles.domain import Submission
from npd_benchmark.cycles.service import get_cycle, now
from npd_benchmark.cycles.uploads import Row
from npd_benchmark.models import SUBMISSIONS, submission_values, submissions, value_history


class SubmissionNotFound(LookupError):
    def __init__(self, submission_id: object) -> None:
        super().__init__(f"submission {submission_id} does not exist")


class ValuesRefused(Exception):
    """Values that cannot be taken; `problems` lists every one (nothing of the request was saved)."""

    def __init__(self, problems: list[ValueProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s): " + "; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Value:
    kpi_id: str
    value: float
    explanation: str | None
    changed_at: datetime


@dataclass(frozen=True)
class HistoryEntry:
    kpi_id: str
    value: float | None
    explanation: str | None
    changed_at: datetime
    changed_by: str | None


async def get_submission(session: AsyncSession, submission_id: UUID, *, for_update: bool = False) -> Submission:
    found = await SUBMISSIONS.get(session, submission_id, for_update=for_update)
    if found is None:
        raise SubmissionNotFound(submission_id)
    return found


async def of_cycle(session: AsyncSession, cycle_id: UUID) -> list[Submission]:
    stmt = SUBMISSIONS.select().where(submissions.c.cycle_id == cycle_id).order_by(submissions.c.organisation_id)
    return await SUBMISSIONS.all(session, stmt)


async def values_of(session: AsyncSession, submission_id: UUID) -> list[Value]:
    stmt = (
        select(
            submission_values.c.kpi_id,
            submission_values.c.value,
            submission_values.c.explanation,
            submission_values.c.changed_at,
        )
        .where(submission_values.c.submission_id == submission_id)
        .order_by(submission_values.c.kpi_id)
    )
    return [Value(*row) for row in await session.execute(stmt)]


def validate(kpis: dict[str, Kpi], rows: list[Row]) -> list[ValueProblem]:
    """Every problem with the rows: unknown KPIs, repeated ones, units, ranges, whole numbers."""
    problems: list[ValueProblem] = []
    seen: dict[str, int | None] = {}
    for row in rows:
        kpi = kpis.get(row.kpi_id)
        if kpi is None:
            problems.append(ValueProblem(row.kpi_id, "unknown KPI in this cycle's catalogue", row.row, "kpi_id"))
            continue
        if row.kpi_id in seen:
            problems.append(
                ValueProblem(row.kpi_id, f"given twice (also in row {seen[row.kpi_id]})", row.row, "kpi_id")
            )
        seen[row.kpi_id] = row.row
        if row.value is None:
            continue
        reason = check_value(kpi, row.value, row.unit)
        if reason is not None:
            column = "unit" if reason.startswith("unit") else "value"
            problems.append(ValueProblem(row.kpi_id, reason, row.row, column))
    return problems


async def save_values(
    session: AsyncSession,
    submission_id: UUID,
    rows: list[Row],
    by: str,
    earlier: list[ValueProblem] = (),  # type: ignore[assignment]
) -> Submission:
    """Take every row or none: with any problem, nothing changes and all problems are reported together."""
    sub = await get_submission(session, submission_id, for_update=True)
    cycle = await get_cycle(session, sub.cycle_id)
    sub.check_editable(cycle, now())
    kpis = await catalogue.catalogue(session, cycle.catalogue_version)
    problems = [*earlier, *validate(kpis, rows)]
    if problems:
        raise ValuesRefused(problems)
    at = now()
    changed = [r for r in rows if r.value is not None]
    if changed:
        records = [
            {
                "submission_id": sub.id,
                "kpi_id": r.kpi_id,
                "value": r.value,
                "explanation": r.explanation,
                "changed_at": at,
            }
            for r in changed
        ]
        stmt = insert(submission_values)
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["submission_id", "kpi_id"],
                set_={"value": stmt.excluded.value, "explanation": stmt.excluded.explanation, "changed_at": at},
            ),
            records,
        )
        await session.execute(insert(value_history), [r | {"changed_by": by} for r in records])
    edited = sub.edited()
    if edited != sub:
        await SUBMISSIONS.update(session, edited, "status")
    return edited


async def explain(session: AsyncSession, submission_id: UUID, kpi_id: str, explanation: str | None, by: str) -> None:
    """An organisation's own explanation of one of its figures (allowed in any state: it is not a figure)."""
    await get_submission(session, submission_id, for_update=True)
    at = now()
    done = await session.execute(
        update(submission_values)
        .where(submission_values.c.submission_id == submission_id, submission_values.c.kpi_id == kpi_id)
        .values(explanation=explanation)
        .returning(submission_values.c.value)
    )
    value = done.scalar()
    if value is None:
        raise SubmissionNotFound(f"{submission_id} value {kpi_id}")
    await session.execute(
        insert(value_history).values(
            submission_id=submission_id,
            kpi_id=kpi_id,
            value=value,
            explanation=explanation,
            changed_at=at,
            changed_by=by,
        )
    )


async def submit(session: AsyncSession, submission_id: UUID) -> Submission:
    sub = await get_submission(session, submission_id, for_update=True)
    cycle = await get_cycle(session, sub.cycle_id)
    done = sub.submit(cycle, now())
    kpis = await catalogue.catalogue(session, cycle.catalogue_version)
    values = {v.kpi_id: v.value for v in await values_of(session, submission_id)}
    problems = check_submission(kpis, values)
    if problems:
        raise ValuesRefused(problems)
    await _fill_derived(session, sub, kpis, values)
    event = contracts.SubmissionReceived(
        submission_id=sub.id,
        cycle_id=sub.cycle_id,
        organisation_id=sub.organisation_id,
        values=len(complete(kpis, values)),
        corrected=done.status.value == "corrected",
        received_at=done.submitted_at or now(),
    )
    await SUBMISSIONS.update(session, done, "status", "submitted_at", events=[event])
    return done


async def _fill_derived(session: AsyncSession, sub: Submission, kpis: dict[str, Kpi], values: dict[str, float]) -> None:
    derived = {k: v for k, v in complete(kpis, values).items() if k not in values}
    if derived:
        at = now()
        stmt = insert(submission_values)
        await session.execute(
            stmt.on_conflict_do_update(index_elements=["submission_id", "kpi_id"], set_={"value": stmt.excluded.value}),
            [
                {"submission_id": sub.id, "kpi_id": k, "value": v, "explanation": None, "changed_at": at}
                for k, v in derived.items()
            ],
        )


async def give_back(session: AsyncSession, submission_id: UUID, feedback: str) -> Submission:
    sub = await get_submission(session, submission_id, for_update=True)
    done = sub.give_back(feedback)
    event = contracts.SubmissionReturned(
        submission_id=sub.id, cycle_id=sub.cycle_id, organisation_id=sub.organisation_id, returned_at=now()
    )
    await SUBMISSIONS.update(session, done, "status", "feedback", "finalised_at", events=[event])
    return done


async def finalise(session: AsyncSession, submission_id: UUID) -> Submission:
    sub = await get_submission(session, submission_id, for_update=True)
    done = sub.finalise(now())
    event = contracts.SubmissionFinalised(
        submission_id=sub.id,
        cycle_id=sub.cycle_id,
        organisation_id=sub.organisation_id,
        finalised_at=done.finalised_at or now(),
    )
    await SUBMISSIONS.update(session, done, "status", "finalised_at", events=[event])
    return done


async def set_consent(session: AsyncSession, submission_id: UUID, *, custom_groups: bool, named: bool) -> Submission:
    sub = await get_submission(session, submission_id, for_update=True)
    done = replace(sub, custom_groups_opt_in=custom_groups, named_opt_in=named)
    await SUBMISSIONS.update(session, done, "custom_groups_opt_in", "named_opt_in")
    return done


async def delegate(session: AsyncSession, submission_id: UUID, person_id: str | None) -> Submission:
    sub = await get_submission(session, submission_id, for_update=True)
    done = replace(sub, delegate_person_id=person_id)
    await SUBMISSIONS.update(session, done, "delegate_person_id")
    return done


async def history(session: AsyncSession, submission_id: UUID) -> list[HistoryEntry]:
    stmt = (
        select(
            value_history.c.kpi_id,
            value_history.c.value,
            value_history.c.explanation,
            value_history.c.changed_at,
            value_history.c.changed_by,
        )
        .where(value_history.c.submission_id == submission_id)
        .order_by(value_history.c.id)
    )
    return [HistoryEntry(*row) for row in await session.execute(stmt)]


async def anonymise(session: AsyncSession, person_ids: list[str]) -> None:
    """An erased person no longer appears as the one who changed a value (the values stay: they are the
    organisation's, not the person's); nor as a delegate."""
    await session.execute(
        update(value_history).where(value_history.c.changed_by.in_(person_ids)).values(changed_by=None)
    )
    await session.execute(
        update(submissions).where(submissions.c.delegate_person_id.in_(person_ids)).values(delegate_person_id=None)
    )
