"""The NPD service runtime: what every service is built from. Services import these names from here."""

from npd_runtime.access import access_tables, load_access
from npd_runtime.app import ServiceSpec, create_service_app
from npd_runtime.auth import (
    Access,
    GroupRole,
    Identity,
    IdentityDep,
    Principal,
    PrincipalDep,
    Role,
    access_of,
    require_network,
    require_role,
)
from npd_runtime.consumer import EventConsumer, Handler, Unprocessable
from npd_runtime.db import SessionDep, is_unavailable
from npd_runtime.mapping import Entity, Enum, EnumTuple, changed_fields
from npd_runtime.outbox import UndeclaredEvent, messaging_tables, publish
from npd_runtime.pagination import Limit, Offset, Page
from npd_runtime.problems import NOT_FOUND, Conflict, Forbidden, NotFound, Problem, Problems, ProblemType
from npd_runtime.reads import Query, Reads, ReadsDep
from npd_runtime.settings import ServiceSettings
from npd_runtime.validation import Text

__all__ = [
    "NOT_FOUND",
    "Access",
    "Conflict",
    "Entity",
    "Enum",
    "EnumTuple",
    "EventConsumer",
    "Forbidden",
    "GroupRole",
    "Handler",
    "Identity",
    "IdentityDep",
    "Limit",
    "NotFound",
    "Offset",
    "Page",
    "Principal",
    "PrincipalDep",
    "Problem",
    "ProblemType",
    "Problems",
    "Query",
    "Reads",
    "ReadsDep",
    "Role",
    "ServiceSettings",
    "ServiceSpec",
    "SessionDep",
    "Text",
    "UndeclaredEvent",
    "Unprocessable",
    "access_of",
    "access_tables",
    "changed_fields",
    "create_service_app",
    "is_unavailable",
    "load_access",
    "messaging_tables",
    "publish",
    "require_network",
    "require_role",
]
