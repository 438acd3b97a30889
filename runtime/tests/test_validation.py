"""Text refuses control characters, and OpenAPI says so with a pattern that means exactly that rule."""

import unicodedata
from enum import StrEnum
from typing import Annotated

import jsonschema_rs
import pytest
from npd_runtime.validation import TEXT_PATTERN, Text, described
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

SURROGATES = range(0xD800, 0xE000)  # not characters: JSON text cannot carry them alone, nor pydantic accept them
EVERY_CHARACTER = [chr(cp) for cp in range(0x110000) if cp not in SURROGATES]


class Application(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: Text = Field(min_length=2, max_length=200)


def test_the_declared_pattern_refuses_exactly_the_control_characters_as_a_json_schema_validator_reads_it() -> None:
    pattern = jsonschema_rs.validator_for({"type": "string", "pattern": TEXT_PATTERN})
    refused = {ch for ch in EVERY_CHARACTER if not pattern.is_valid(f"a{ch}b")}
    assert refused == {ch for ch in EVERY_CHARACTER if unicodedata.category(ch) == "Cc"}
    assert len(refused) == 65


def test_text_refuses_exactly_the_characters_its_pattern_refuses() -> None:
    text = TypeAdapter(Text)
    pattern = jsonschema_rs.validator_for({"type": "string", "pattern": TEXT_PATTERN})
    for ch in EVERY_CHARACTER:
        try:
            text.validate_python(f"a{ch}b")
            accepted = True
        except ValidationError:
            accepted = False
        assert accepted == pattern.is_valid(f"a{ch}b"), f"U+{ord(ch):04X}"


def test_a_control_character_gets_an_error_that_names_the_field_and_the_rule() -> None:
    with pytest.raises(ValidationError) as refused:
        Application(name="Gemeente\u0000Utrecht")
    [error] = refused.value.errors()
    assert error["loc"] == ("name",)
    assert error["type"] == "control_character"
    assert error["msg"] == "String should not contain control characters (U+0000-U+001F, U+007F-U+009F)"


@pytest.mark.parametrize("name", ["\tGemeente Utrecht", "Gemeente Utrecht\n", "Gemeente Utrecht\x85"])
def test_control_characters_around_a_name_are_refused_though_the_model_strips_whitespace(name: str) -> None:
    with pytest.raises(ValidationError, match="control characters"):
        Application(name=name)


def test_spaces_around_a_name_are_still_stripped() -> None:
    assert Application(name="  Gemeente Utrecht ").name == "Gemeente Utrecht"


def test_text_declares_its_pattern_next_to_the_fields_own_constraints() -> None:
    schema = Application.model_json_schema()["properties"]["name"]
    assert schema == {"type": "string", "minLength": 2, "maxLength": 200, "pattern": TEXT_PATTERN, "title": "Name"}


class Colour(StrEnum):
    RED = "red"


def test_described_gives_the_named_schema_of_an_enum_its_description() -> None:
    class Paint(BaseModel):
        colour: Annotated[Colour, described("What colour the paint is.")]
        other: Colour | None = None

    schema = Paint.model_json_schema()
    assert schema["$defs"]["Colour"] == {
        "type": "string",
        "enum": ["red"],
        "title": "Colour",
        "description": "What colour the paint is.",
    }
    assert schema["properties"]["colour"] == {"$ref": "#/$defs/Colour"}
