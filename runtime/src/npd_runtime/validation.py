"""Input types the HTTP schemas share, stricter than `str` where PostgreSQL or people would be hurt, and
declared in OpenAPI exactly as they are enforced."""

import re
from typing import Annotated, Any

from pydantic import GetJsonSchemaHandler, GetPydanticSchema, ValidatorFunctionWrapHandler, WrapValidator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

# Unicode category Cc, all 65 of it: C0 controls, DEL, C1 controls. Spelled with \uXXXX escapes, which
# both Python's re and ECMA-262 (the regex dialect of OpenAPI's `pattern`) read the same way.
_CONTROL = r"\u0000-\u001F\u007F-\u009F"
TEXT_PATTERN = f"^[^{_CONTROL}]*$"
_CONTROL_CHARACTER = re.compile(f"[{_CONTROL}]")


def _refuse_control_characters(value: Any, handler: ValidatorFunctionWrapHandler) -> str:
    # PostgreSQL text cannot hold NUL, and no name or title needs a control character. Checked on what the
    # client sent, before a model strips whitespace, so that "\tname" is refused as TEXT_PATTERN says.
    text: str = handler(value)
    if _CONTROL_CHARACTER.search(value if isinstance(value, str) else text):
        raise PydanticCustomError(
            "control_character", "String should not contain control characters (U+0000-U+001F, U+007F-U+009F)"
        )
    return text


def _declare_pattern(schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
    return {**handler(schema), "pattern": TEXT_PATTERN}


Text = Annotated[
    str, WrapValidator(_refuse_control_characters), GetPydanticSchema(get_pydantic_json_schema=_declare_pattern)
]


def described(description: str) -> GetPydanticSchema:
    """`Annotated[SomeEnum, described("...")]`: gives the named schema a type refers to (an enum from the
    contracts or a domain, say) a description written for API clients."""

    def describe(schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(schema)
        handler.resolve_ref_schema(json_schema)["description"] = description
        return json_schema

    return GetPydanticSchema(get_pydantic_json_schema=describe)
