"""RFC 9457 problem details: every error a client sees has a stable `type`, a title and a precise detail."""

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from npd_runtime.db import UNAVAILABLE_ERRORS, is_unavailable

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:npd:problem:"


class Problem(Exception):
    """Raise from a route or service to answer with problem details; `slug` names the error type."""

    def __init__(self, status: int, slug: str, title: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.slug, self.title, self.detail = status, slug, title, detail
        self.headers = headers

    def response(self, request: Request) -> JSONResponse:
        response = problem_response(request, self.status, self.slug, self.title, self.detail)
        response.headers.update(self.headers or {})
        return response


class NotFound(Problem):
    def __init__(self, what: str, id: object) -> None:
        super().__init__(404, "not-found", "Not found", f"{what} {id} does not exist")


class Conflict(Problem):
    def __init__(self, slug: str, detail: str) -> None:
        super().__init__(409, slug, "Conflict with the current state", detail)


class Forbidden(Problem):
    def __init__(self, detail: str) -> None:
        super().__init__(403, "forbidden", "Forbidden", detail)


@dataclass(frozen=True)
class ProblemType:
    """The HTTP meaning of a domain or service error: its status, stable slug and title. The error's own
    message is the detail, so it must say precisely what was refused and why."""

    status: int
    slug: str
    title: str


Problems = Mapping[type[Exception], ProblemType]
"""A service's errors and what each means over HTTP; a subclass inherits its base class's meaning."""

NOT_FOUND = ProblemType(404, "not-found", "Not found")


def unmapped_errors(modules: Iterable[ModuleType], problems: Problems) -> list[type[Exception]]:
    """Exceptions defined in `modules` that `problems` gives no HTTP meaning (a service's tests keep this
    empty, so a new error can never reach a client as a 500)."""
    found = [
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Exception) and value.__module__ == module.__name__
    ]
    return [error for error in found if not any(base in problems for base in error.__mro__)]


def problem_response(request: Request, status: int, slug: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": f"{TYPE_PREFIX}{slug}", "title": title, "status": status, "detail": detail}
    body["instance"] = request.url.path
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return exc.response(request)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"location": _location(e["loc"]), "message": e["msg"], "type": e["type"]} for e in exc.errors()]
    detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors)
    return problem_response(request, 422, "validation-failed", "The request is not valid", detail, errors=errors)


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slugs = {400: "malformed-request", 401: "unauthenticated", 404: "not-found", 405: "method-not-allowed"}
    slug = slugs.get(exc.status_code, "http-error")
    response = problem_response(request, exc.status_code, slug, str(exc.detail), str(exc.detail))
    response.headers.update(exc.headers or {})
    if exc.status_code == 405:
        # Starlette names only the first route that matched the path; a path with a GET and a PUT route
        # supports both, and the Allow header must say so (RFC 9110 §15.5.6).
        response.headers["Allow"] = ", ".join(_methods_of(request))
    return response


def _methods_of(request: Request) -> list[str]:
    path, methods = request.url.path, set()
    for route in request.app.routes:
        regex, route_methods = getattr(route, "path_regex", None), getattr(route, "methods", None)
        if regex is not None and route_methods and regex.match(path):
            methods |= set(route_methods)
    return sorted(methods)


async def _on_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("dependency unavailable on %s %s: %s", request.method, request.url.path, exc)
    response = problem_response(
        request, 503, "unavailable", "Service unavailable", "the service cannot reach its database; retry shortly"
    )
    response.headers["Retry-After"] = "5"
    return response


async def _on_database_error(request: Request, exc: Exception) -> JSONResponse:
    # A plain DBAPIError may still be the server saying it cannot serve now ("starting up"): a 503, not a 500.
    if is_unavailable(exc):
        return await _on_unavailable(request, exc)
    return await _on_unexpected(request, exc)


async def _on_data_error(request: Request, exc: Exception) -> JSONResponse:
    # Input the schemas let through but the database refuses (a value out of its range): the client's.
    log.warning("database refused a value on %s %s: %s", request.method, request.url.path, exc)
    return problem_response(request, 422, "invalid-value", "The request is not valid", "a value is out of range")


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(request, 500, "internal-error", "Internal error", "an unexpected error occurred")


def _answer_with(kind: ProblemType) -> Any:
    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(request, kind.status, kind.slug, kind.title, str(exc))

    return on_error


def install_problem_handlers(app: FastAPI, problems: Problems | None = None) -> None:
    """Every error a route can raise becomes a problem document: the service's own (`problems`), the
    runtime's `Problem`s, validation, unreachable dependencies; anything else is logged and a 500."""
    for error, kind in (problems or {}).items():
        app.add_exception_handler(error, _answer_with(kind))
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(DataError, _on_data_error)
    app.add_exception_handler(DBAPIError, _on_database_error)
    # Reads (npd_runtime.reads) runs on asyncpg directly: its errors arrive without SQLAlchemy's wrapper.
    app.add_exception_handler(asyncpg.PostgresError, _on_database_error)
    app.add_exception_handler(asyncpg.InterfaceError, _on_database_error)
    for unavailable in UNAVAILABLE_ERRORS:  # passing trouble: 503 tells clients to retry
        app.add_exception_handler(unavailable, _on_unavailable)
    app.add_exception_handler(Exception, _on_unexpected)
