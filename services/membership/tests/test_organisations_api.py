"""The membership API on a real PostgreSQL and Kafka: what callers may do, and the precise errors they get."""

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from npd_runtime.outbox import OUTBOX as outbox
from sqlalchemy import select

Headers = dict[str, str]
PersonFactory = Callable[..., Awaitable[Headers]]


def application(name: str | None = None) -> dict[str, Any]:
    return {
        "name": name or f"Gemeente {uuid4().hex[:8]}",
        "kind": "municipality",
        "domains": ["social_security", "taxes"],
        "size_class": "1000_to_4999",
        "contact_name": "Anna de Vries",
        "contact_email": "c@example.nl",
    }


async def apply(client: httpx.AsyncClient, headers: Headers, name: str | None = None) -> dict[str, Any]:
    response = await client.post("/v1/organisations", json=application(name), headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_an_applicant_becomes_the_contact_of_the_application(
    client: httpx.AsyncClient, token: Callable[..., Headers]
) -> None:
    response = await client.post("/v1/organisations", json=application(), headers=token("applicant-1"))
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "applied"
    assert body["contact_person_id"] == "applicant-1"
    assert response.headers["location"] == f"/v1/organisations/{body['id']}"


async def test_admitting_writes_member_joined_to_the_outbox_in_the_same_transaction(
    app_and_client: tuple[Any, httpx.AsyncClient], token: Callable[..., Headers], admin: Headers
) -> None:
    app, client = app_and_client
    org = await apply(client, token("applicant-2"))
    response = await client.post(f"/v1/organisations/{org['id']}/admit", headers=admin)
    assert response.status_code == 200
    assert response.json()["status"] == "member"
    async with app.state.sessions() as session:
        rows = (await session.execute(select(outbox.c.type).where(outbox.c.key == org["id"]))).scalars().all()
    assert rows == ["nl.npd.membership.organisation-applied.v1", "nl.npd.membership.member-joined.v1"]


async def test_admitting_twice_is_a_conflict(
    client: httpx.AsyncClient, token: Callable[..., Headers], admin: Headers
) -> None:
    org = await apply(client, token("applicant-3"))
    await client.post(f"/v1/organisations/{org['id']}/admit", headers=admin)
    response = await client.post(f"/v1/organisations/{org['id']}/admit", headers=admin)
    assert response.status_code == 409
    assert response.json()["type"] == "urn:npd:problem:not-an-application"


async def test_a_second_live_application_under_the_same_name_is_a_conflict(
    client: httpx.AsyncClient, token: Callable[..., Headers]
) -> None:
    name = f"Waterschap {uuid4().hex[:8]}"
    await apply(client, token("applicant-4"), name)
    response = await client.post("/v1/organisations", json=application(name.upper()), headers=token("applicant-5"))
    assert response.status_code == 409
    assert response.json()["type"] == "urn:npd:problem:duplicate-organisation"


def without(field: str) -> dict[str, Any]:
    body = application()
    del body[field]
    return body


@pytest.mark.parametrize(
    ("body", "location"),
    [
        (application() | {"name": 12}, "body.name"),
        (application() | {"kind": "bakery"}, "body.kind"),
        (application() | {"domains": ["justice", "baking"]}, "body.domains.1"),
        (application() | {"size_class": "huge"}, "body.size_class"),
        (application() | {"contact_email": "not-an-address"}, "body.contact_email"),
        (without("contact_email"), "body.contact_email"),
        (without("contact_name"), "body.contact_name"),
        (application() | {"extra": 1}, "body.extra"),
    ],
)
async def test_an_invalid_application_gets_a_precise_422(
    client: httpx.AsyncClient, token: Callable[..., Headers], body: dict[str, Any], location: str
) -> None:
    response = await client.post("/v1/organisations", json=body, headers=token("applicant-6"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "urn:npd:problem:validation-failed"
    assert [e["location"] for e in problem["errors"]] == [location]


async def test_a_name_with_a_control_character_gets_a_422_not_a_500(
    client: httpx.AsyncClient, token: Callable[..., Headers]
) -> None:
    response = await client.post("/v1/organisations", json=application("Gemeente\u0000Utrecht"), headers=token("a"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "body.name"


async def test_a_body_that_is_not_utf8_gets_a_400_problem(
    client: httpx.AsyncClient, token: Callable[..., Headers]
) -> None:
    headers = token("applicant-7") | {"content-type": "application/json"}
    response = await client.post("/v1/organisations", content=b"\xff", headers=headers)
    assert response.status_code == 400
    assert response.json()["type"] == "urn:npd:problem:malformed-request"


async def test_without_a_token_a_malformed_body_still_gets_401(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/organisations", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 401


async def test_an_offset_past_the_maximum_is_a_422(client: httpx.AsyncClient, admin: Headers) -> None:
    response = await client.get(f"/v1/organisations?offset={2**63}", headers=admin)
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "query.offset"


async def test_a_body_that_is_not_json_gets_a_422(client: httpx.AsyncClient, token: Callable[..., Headers]) -> None:
    headers = token("applicant-7") | {"content-type": "application/json"}
    response = await client.post("/v1/organisations", content=b"{not json", headers=headers)
    assert response.status_code == 422
    assert "JSON" in response.json()["detail"]


async def test_an_unknown_organisation_is_a_404(client: httpx.AsyncClient, admin: Headers) -> None:
    unknown = uuid4()
    response = await client.post(f"/v1/organisations/{unknown}/admit", headers=admin)
    assert response.status_code == 404
    assert response.json()["detail"] == f"organisation {unknown} does not exist"


async def test_an_id_that_is_not_a_uuid_is_a_422(client: httpx.AsyncClient, admin: Headers) -> None:
    response = await client.post("/v1/organisations/42/admit", headers=admin)
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "path.org_id"


async def test_without_a_token_the_answer_is_401_with_a_bearer_challenge(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/organisations", json=application())
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["type"] == "urn:npd:problem:unauthenticated"


@pytest.mark.parametrize(
    "authorization", ["Basic dXNlcjpwYXNz", "Bearer not-a-jwt", "Bearer"], ids=["basic", "garbage", "empty"]
)
async def test_a_bad_authorization_header_is_a_401(client: httpx.AsyncClient, authorization: str) -> None:
    response = await client.post("/v1/organisations", json=application(), headers={"Authorization": authorization})
    assert response.status_code == 401


async def test_an_expired_token_is_a_401(client: httpx.AsyncClient, token: Callable[..., Headers]) -> None:
    response = await client.post("/v1/organisations", json=application(), headers=token("p", exp=1, iat=0))
    assert response.status_code == 401
    assert response.json()["detail"] == "the token has expired"


async def test_a_token_from_another_audience_is_a_401(client: httpx.AsyncClient, token: Callable[..., Headers]) -> None:
    response = await client.post("/v1/organisations", json=application(), headers=token("p", aud="someone-else"))
    assert response.status_code == 401


async def test_only_a_network_admin_admits(client: httpx.AsyncClient, token: Callable[..., Headers]) -> None:
    org = await apply(client, token("applicant-8"))
    own_admin = token("applicant-8", "org_admin", org_id=org["id"])
    response = await client.post(f"/v1/organisations/{org['id']}/admit", headers=own_admin)
    assert response.status_code == 403
    assert response.json()["detail"] == "this action needs the network_admin role"


async def test_an_org_admin_cannot_end_another_organisations_membership(
    client: httpx.AsyncClient, token: Callable[..., Headers], admin: Headers, person: PersonFactory
) -> None:
    org = await apply(client, token("applicant-9"))
    await client.post(f"/v1/organisations/{org['id']}/admit", headers=admin)
    stranger = await person("intruder", "org_admin", org=uuid4())
    assert (await client.post(f"/v1/organisations/{org['id']}/leave", headers=stranger)).status_code == 403
    own = token("applicant-9", "org_admin", org_id=org["id"])  # admission made the contact its admin
    response = await client.post(f"/v1/organisations/{org['id']}/leave", headers=own, json={"reason": "withdrew"})
    assert response.status_code == 200
    assert response.json()["status"] == "left"


async def test_an_organisation_is_hidden_from_people_who_may_not_read_it(
    client: httpx.AsyncClient, token: Callable[..., Headers], admin: Headers
) -> None:
    org = await apply(client, token("applicant-10"))
    assert (await client.get(f"/v1/organisations/{org['id']}", headers=token("nosy", "member"))).status_code == 404
    assert (await client.get(f"/v1/organisations/{org['id']}", headers=token("applicant-10"))).status_code == 200
    assert (await client.get(f"/v1/organisations/{org['id']}", headers=admin)).status_code == 200


async def test_listing_is_paginated_and_applications_are_for_network_admins_only(
    client: httpx.AsyncClient, token: Callable[..., Headers], admin: Headers, person: PersonFactory
) -> None:
    for _ in range(3):
        await apply(client, token("applicant-11"))
    page = (await client.get("/v1/organisations?status=applied&limit=2", headers=admin)).json()
    assert len(page["items"]) == 2
    assert page["total"] >= 3
    assert all(UUID(item["id"]) for item in page["items"])
    member = await person("m", "member", org=uuid4())
    assert (await client.get("/v1/organisations?status=applied", headers=member)).status_code == 403
    members = (await client.get("/v1/organisations?limit=200", headers=member)).json()["items"]
    assert members and {o["status"] for o in members} <= {"member", "suspended"}
    assert {o["contact_email"] for o in members if o["contact_person_id"] != "m"} == {None}


async def test_a_limit_out_of_range_is_a_422(client: httpx.AsyncClient, admin: Headers) -> None:
    response = await client.get("/v1/organisations?limit=0", headers=admin)
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "query.limit"


async def test_health_readiness_metrics_and_asyncapi_are_served(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "start_up": "done"}
    assert ready.json()["info"]["relay"] == "disabled"  # shown, not a condition
    metrics = (await client.get("/metrics")).text
    assert 'npd_membership_http_request_duration_seconds_count{method="GET",route="/readyz",status="200"}' in metrics
    asyncapi = (await client.get("/asyncapi.json")).json()
    assert "npd.membership.organisation:nl.npd.membership.member-joined.v1" in str(asyncapi)


async def test_status_shows_the_kafka_side_without_being_a_readiness_condition(
    client: httpx.AsyncClient, wait_for: Callable[..., Any]
) -> None:
    async def connected() -> dict[str, Any] | None:
        body: dict[str, Any] = (await client.get("/status")).json()
        return body if body["kafka"]["state"] == "connected" else None

    body = await wait_for(connected)
    assert body["database"] == "ok"
    assert body["relay"] == {"state": "disabled"}  # this module's app runs without its relay


async def test_the_callers_trace_context_is_kept_on_the_events_the_request_causes(
    app_and_client: tuple[Any, httpx.AsyncClient], token: Callable[..., Headers]
) -> None:
    app, client = app_and_client
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    response = await client.post(
        "/v1/organisations", json=application(), headers=token("applicant-12") | {"traceparent": traceparent}
    )
    assert response.headers["traceparent"] == traceparent
    async with app.state.sessions() as session:
        stored = await session.scalar(select(outbox.c.traceparent).where(outbox.c.key == response.json()["id"]))
    assert stored == traceparent


async def test_a_request_without_trace_context_starts_a_trace(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.headers["traceparent"].startswith("00-")
