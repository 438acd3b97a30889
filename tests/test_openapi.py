"""Every input rule a service's API enforces is in its OpenAPI document: a client (or schemathesis) reading
the document learns which text is refused and which values an enum takes, without trying."""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any, get_args

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from npd_benchmark.config import BenchmarkSettings
from npd_benchmark.main import ROUTERS as BENCHMARK_ROUTERS
from npd_benchmark.main import create_app as benchmark_app
from npd_events.config import EventsSettings
from npd_events.main import ROUTERS as EVENTS_ROUTERS
from npd_events.main import create_app as events_app
from npd_membership.config import MembershipSettings
from npd_membership.main import ROUTERS as MEMBERSHIP_ROUTERS
from npd_membership.main import create_app as membership_app
from npd_notifications.config import NotificationsSettings
from npd_notifications.main import ROUTERS as NOTIFICATIONS_ROUTERS
from npd_notifications.main import create_app as notifications_app
from npd_runtime.http import operations
from npd_runtime.validation import TEXT_PATTERN, Text
from pydantic import BaseModel

# Building an app connects to nothing, so these need no Kafka or PostgreSQL.
SETTINGS = {
    "database_url": "postgresql+asyncpg://nobody@127.0.0.1:1/none",
    "kafka_bootstrap_servers": "127.0.0.1:1",
    "oidc_issuer": "https://issuer.example",
    "oidc_jwks_url": "https://issuer.example/jwks",
    "log_level": "WARNING",
}
# Each service's app, and the routers whose operations take input (test_the_routers_listed_here_are_all_
# there_are fails when a service gains an operation from a router not listed).
SERVICES: dict[str, tuple[Callable[[], FastAPI], list[APIRouter]]] = {
    "membership": (
        lambda: membership_app(MembershipSettings(**SETTINGS)),
        [*MEMBERSHIP_ROUTERS, operations],
    ),
    "notifications": (
        lambda: notifications_app(NotificationsSettings(**SETTINGS)),
        [*NOTIFICATIONS_ROUTERS, operations],
    ),
    "events": (lambda: events_app(EventsSettings(**SETTINGS)), [*EVENTS_ROUTERS, operations]),
    "benchmark": (lambda: benchmark_app(BenchmarkSettings(**SETTINGS)), [*BENCHMARK_ROUTERS, operations]),
}
TEXT_RULE = get_args(Text)[1]  # the validator that marks a field as Text
REF = "#/components/schemas/"


@dataclass
class Service:
    name: str
    document: dict[str, Any]
    routes: list[APIRoute]


@pytest.fixture(params=list(SERVICES), scope="module")
def service(request: pytest.FixtureRequest) -> Service:
    create_app, routers = SERVICES[request.param]
    routes = [route for router in routers for route in router.routes if isinstance(route, APIRoute)]
    return Service(request.param, create_app().openapi(), routes)


def parts(annotation: Any) -> Iterator[Any]:
    """The annotation, the types inside it (`X | None`, `list[X]`, `Annotated[X, ...]`) and their metadata;
    a tuple stands for a field: its annotation and its metadata."""
    yield annotation
    for arg in annotation if isinstance(annotation, tuple) else get_args(annotation):
        yield from parts(arg)


def models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    for part in parts(annotation):
        if isinstance(part, type) and issubclass(part, BaseModel):
            yield part
            for field in part.model_fields.values():
                yield from models_in(field.annotation)


def enums_in(annotation: Any) -> set[type[Enum]]:
    return {part for part in parts(annotation) if isinstance(part, type) and issubclass(part, Enum)}


def params(dependant: Dependant) -> Iterator[Any]:
    """The parameters (path, query, header, cookie) of a route and of every dependency it has."""
    yield from [*dependant.path_params, *dependant.query_params, *dependant.header_params, *dependant.cookie_params]
    for dependency in dependant.dependencies:
        yield from params(dependency)


def bodies(dependant: Dependant) -> Iterator[Any]:
    yield from dependant.body_params
    for dependency in dependant.dependencies:
        yield from bodies(dependency)


def inputs(service: Service) -> Iterator[tuple[str, Any, Any]]:
    """(where, Python annotation, its schema in the document) of every parameter, body and body field."""
    document = service.document
    schemas = document.get("components", {}).get("schemas", {})
    for route in service.routes:
        for method in route.methods:
            operation = document["paths"][route.path_format][method.lower()]
            where = f"{method} {route.path_format}"
            declared = {p["name"]: p["schema"] for p in operation.get("parameters", [])}
            for param in params(route.dependant):
                yield f"{where} parameter {param.alias}", param.field_info.annotation, declared[param.alias]
            for body in bodies(route.dependant):
                for model in models_in(body.field_info.annotation):
                    for name, field in model.model_fields.items():
                        property_schema = schemas[model.__name__]["properties"][field.alias or name]
                        annotation = (field.annotation, *field.metadata)
                        yield f"{where} body {model.__name__}.{name}", annotation, property_schema


def enum_schemas(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "enum" in node:
            yield path, node
        for key, value in node.items():
            yield from enum_schemas(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from enum_schemas(value, f"{path}/{index}")


def test_the_routers_listed_here_are_all_there_are(service: Service) -> None:
    documented = {
        f"{method.upper()} {path}" for path, operations in service.document["paths"].items() for method in operations
    }
    walked = {f"{method} {route.path_format}" for route in service.routes for method in route.methods}
    assert {op for op in documented if " /v1/" in op} <= walked


def test_every_text_field_a_request_takes_declares_the_control_character_pattern(service: Service) -> None:
    text_fields = [(where, schema) for where, annotation, schema in inputs(service) if TEXT_RULE in parts(annotation)]
    for where, schema in text_fields:
        assert f'"pattern": {json.dumps(TEXT_PATTERN)}' in json.dumps(schema), f"{where} does not declare Text's rule"
    if service.name == "membership":
        assert "POST /v1/organisations body OrganisationCreate.name" in dict(text_fields)


def test_every_enum_a_request_takes_is_a_named_schema_with_its_values_and_a_description(service: Service) -> None:
    schemas = service.document.get("components", {}).get("schemas", {})
    taken = set()
    for where, annotation, schema in inputs(service):
        for enum in enums_in(annotation):
            taken.add(enum.__name__)
            assert f'"$ref": "{REF}{enum.__name__}"' in json.dumps(schema), f"{where} does not refer to {enum}"
            named = schemas[enum.__name__]
            assert named["enum"] == [member.value for member in enum], where
            assert named.get("description"), f"{enum.__name__} has no description"
    if service.name == "membership":
        assert {"OrganisationKind", "LeaveReason", "Status", "PolicyDomain", "SizeClass"} <= taken


def test_every_enum_in_the_document_is_a_named_and_described_schema(service: Service) -> None:
    for path, schema in enum_schemas(service.document):
        assert path.startswith("/components/schemas/") and path.count("/") == 3, f"inline enum at {path}"
        assert schema.get("description"), f"{path} has no description"
