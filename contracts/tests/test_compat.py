import copy
from typing import Any

from npd_contracts import MemberJoined
from npd_contracts.compat import breaking_changes
from npd_contracts.schemas import schema_for


def current() -> dict[str, Any]:
    return schema_for(MemberJoined)


def test_the_same_schema_is_compatible() -> None:
    assert breaking_changes(current(), current()) == []


def test_adding_an_optional_field_is_compatible() -> None:
    new = current()
    new["properties"]["note"] = {"type": "string"}
    assert breaking_changes(current(), new) == []


def test_adding_a_required_field_breaks() -> None:
    new = current()
    new["properties"]["note"] = {"type": "string"}
    new["required"].append("note")
    assert breaking_changes(current(), new) == ["data.note: newly required; events written before it lack it"]


def test_removing_a_required_field_breaks_existing_consumers() -> None:
    new = current()
    del new["properties"]["contact_person_id"]
    new["required"].remove("contact_person_id")
    assert any("contact_person_id" in p for p in breaking_changes(current(), new))


def test_changing_a_field_type_breaks() -> None:
    new = current()
    new["properties"]["name"] = {"type": "integer"}
    assert breaking_changes(current(), new) == ["data.name: values of type ['string'] are no longer accepted"]


def test_removing_an_enum_value_breaks_and_adding_one_does_not() -> None:
    fewer = copy.deepcopy(current())
    fewer["$defs"]["OrganisationKind"]["enum"].remove("province")
    more = copy.deepcopy(current())
    more["$defs"]["OrganisationKind"]["enum"].append("police")
    assert breaking_changes(current(), fewer) == ["data.kind: enumeration lost ['province']"]
    assert breaking_changes(current(), more) == []


def test_tightening_a_length_breaks_and_loosening_does_not() -> None:
    tighter, looser = current(), current()
    tighter["properties"]["name"]["maxLength"] = 100
    looser["properties"]["name"]["maxLength"] = 400
    assert breaking_changes(current(), tighter) == ["data.name: maxLength tightened to 100"]
    assert breaking_changes(current(), looser) == []


def test_making_a_field_nullable_is_compatible_and_the_reverse_is_not() -> None:
    nullable = current()
    nullable["properties"]["name"] = {"anyOf": [{"type": "string", "maxLength": 200}, {"type": "null"}]}
    assert breaking_changes(current(), nullable) == []
    assert breaking_changes(nullable, current()) == ["data.name: values of type ['null'] are no longer accepted"]
