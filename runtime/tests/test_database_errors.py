"""Which database errors are passing trouble (503 to a caller, never a dead letter) and which are not (500).

The classes SQLAlchemy raises do not always tell: while PostgreSQL starts up it refuses connections with
SQLSTATE 57P03, which reaches the service as a plain DBAPIError (found by restarting PostgreSQL under load,
tests/faults/test_restarts.py, where it was a 500)."""

import httpx
import pytest
from asyncpg.exceptions import (
    AdminShutdownError,
    CannotConnectNowError,
    ConnectionDoesNotExistError,
    TooManyConnectionsError,
    UniqueViolationError,
)
from fastapi import FastAPI
from npd_runtime.db import is_unavailable
from npd_runtime.problems import install_problem_handlers
from sqlalchemy.exc import DBAPIError


def wrapped(cause: Exception, *, invalidated: bool = False) -> DBAPIError:
    """As SQLAlchemy's asyncpg dialect raises it: a DBAPIError with asyncpg's error as its cause."""
    error = DBAPIError("SELECT 1", None, cause, connection_invalidated=invalidated)
    error.__cause__ = cause
    return error


PASSING = {
    "starting up (57P03)": wrapped(CannotConnectNowError("the database system is starting up")),
    "shutting down (57P01)": wrapped(AdminShutdownError("terminating connection due to administrator command")),
    "too many connections (53300)": wrapped(TooManyConnectionsError("sorry, too many clients already")),
    "connection lost": wrapped(ConnectionDoesNotExistError("connection was closed in the middle of operation")),
    "invalidated by the pool": wrapped(RuntimeError("?"), invalidated=True),
    "refused": ConnectionRefusedError("connection refused"),
    # Raised by asyncpg itself, unwrapped: Reads (npd_runtime.reads) runs on asyncpg, not through SQLAlchemy.
    "starting up, from asyncpg": CannotConnectNowError("the database system is starting up"),
    "connection lost, from asyncpg": ConnectionDoesNotExistError("connection was closed in the middle of operation"),
}
NOT_PASSING = {
    "a unique violation (23505)": wrapped(UniqueViolationError("duplicate key value violates unique constraint")),
    "a bug": wrapped(ValueError("not the database's trouble")),
    "a unique violation, from asyncpg": UniqueViolationError("duplicate key value violates unique constraint"),
}


@pytest.mark.parametrize("name", list(PASSING))
def test_passing_trouble_is_recognised(name: str) -> None:
    assert is_unavailable(PASSING[name])


@pytest.mark.parametrize("name", list(NOT_PASSING))
def test_other_errors_are_not_mistaken_for_passing_trouble(name: str) -> None:
    assert not is_unavailable(NOT_PASSING[name])


def app_raising(errors: dict[str, Exception]) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/raise/{name}")
    async def raise_it(name: str) -> None:
        raise errors[name]

    return app


@pytest.mark.parametrize("name", list(PASSING))
async def test_a_call_that_meets_passing_trouble_gets_503_with_retry_after(name: str) -> None:
    transport = httpx.ASGITransport(app=app_raising(PASSING))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get(f"/raise/{name}")
    assert response.status_code == 503
    assert response.json()["type"] == "urn:npd:problem:unavailable"
    assert response.headers["retry-after"] == "5"


@pytest.mark.parametrize("name", list(NOT_PASSING))
async def test_any_other_database_error_is_still_a_500(name: str) -> None:
    transport = httpx.ASGITransport(app=app_raising(NOT_PASSING), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get(f"/raise/{name}")
    assert response.status_code == 500
    assert response.json()["type"] == "urn:npd:problem:internal-error"
