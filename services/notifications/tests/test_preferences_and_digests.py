"""Preferences, one-click unsubscribe, digests in each person's time zone, and erasure."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from npd_contracts import PersonContactChanged, PersonErased, Role
from npd_devstack.smtp_sink import MailSink
from npd_notifications import digests
from npd_notifications.signing import unsubscribe_token
from sqlalchemy import text

Headers = dict[str, str]
KEY = b"test-unsubscribe-secret"


async def announce(kit: Any, token: Callable[..., Headers], org: Any, title: str) -> str:
    admin, _ = await kit.person(roles=(Role.NETWORK_ADMIN,), email=None)
    body = {"title_nl": title, "body_nl": f"Over {title}."}
    body |= {"title_en": title, "body_en": f"About {title}."}
    response = await kit.app.state.client.post(
        f"/v1/organisations/{org}/announcements", json=body, headers=token(admin)
    )
    assert response.status_code == 201, response.text
    announcement_id: str = response.json()["id"]
    return announcement_id


async def test_preferences_refuse_switching_off_what_is_critical_and_digests_in_the_inbox(
    kit: Any, token: Callable[..., Headers]
) -> None:
    client = kit.app.state.client
    pid, _ = await kit.person()
    me = token(pid)
    defaults = (await client.get("/v1/preferences", headers=me)).json()
    assert defaults["time_zone"] == "Europe/Amsterdam"
    assert {(c["category"], c["email"], c["inbox"]) for c in defaults["categories"]} >= {
        ("account", "immediate", "immediate"),
        ("announcements", "immediate", "immediate"),
    }
    off = await client.put("/v1/preferences/account", json={"email": "off"}, headers=me)
    assert (off.status_code, off.json()["type"]) == (409, "urn:npd:problem:critical-category")
    digest = await client.put("/v1/preferences/groups", json={"inbox": "daily"}, headers=me)
    assert digest.status_code == 422  # the inbox takes immediate or off, as its schema says
    zone = await client.put("/v1/preferences/time-zone", json={"time_zone": "Mars/Olympus"}, headers=me)
    assert zone.status_code == 422
    chosen = await client.put("/v1/preferences/groups", json={"email": "weekly", "inbox": "off"}, headers=me)
    groups = next(c for c in chosen.json()["categories"] if c["category"] == "groups")
    assert (groups["email"], groups["inbox"], groups["critical"]) == ("weekly", "off", False)
    assert (await client.get("/v1/preferences", headers=token("not-in-network"))).status_code == 403


async def test_the_one_click_link_in_a_mail_unsubscribes_without_login_and_a_forged_or_expired_one_does_not(
    kit: Any, mail_sink: tuple[MailSink, Any], token: Callable[..., Headers], wait_for: Callable[..., Any]
) -> None:
    client = kit.app.state.client
    org, [(pid, address)] = await kit.organisation(1)
    title = f"Nieuws {uuid4().hex[:6]}"
    await announce(kit, token, org, title)

    async def mail() -> list[Any]:
        return [m for m in mail_sink[0].to(address or "") if title in str(m["Subject"])]

    [message] = await wait_for(mail)
    link = str(message["List-Unsubscribe"]).strip("<>")
    path = link.split("://", 1)[1].split("/", 1)[1]
    token_part = path.rsplit("/", 1)[1]
    forged = await client.post(f"/unsubscribe/{token_part[:-2]}xx")
    assert (forged.status_code, forged.json()["type"]) == (403, "urn:npd:problem:bad-unsubscribe-link")
    expired = unsubscribe_token(KEY, pid, "announcements", datetime.now(UTC) - timedelta(seconds=1))
    assert (await client.post(f"/unsubscribe/{expired}")).status_code == 403
    done = await client.post(f"/{path}", content=b"List-Unsubscribe=One-Click")  # no Authorization header
    assert done.status_code == 200 and done.json() == {"category": "announcements", "email": "off"}
    prefs = (await client.get("/v1/preferences", headers=token(pid))).json()["categories"]
    assert next(c for c in prefs if c["category"] == "announcements")["email"] == "off"

    second = f"Nieuws {uuid4().hex[:6]}"
    await announce(kit, token, org, second)
    inbox = (await client.get("/v1/inbox", headers=token(pid))).json()["items"]
    assert any(n["title"] == second for n in inbox)  # still in the inbox, no longer by mail
    rows = await kit.rows(
        "SELECT count(*) AS n FROM deliveries d JOIN messages m ON m.id = d.message_id "
        "WHERE d.recipient = :p AND m.title_nl = :t",
        p=pid,
        t=second,
    )
    assert rows[0]["n"] == 0


async def test_several_events_in_a_day_make_one_digest_per_person_who_chose_it_in_their_own_time_zone(
    kit: Any, mail_sink: tuple[MailSink, Any], token: Callable[..., Headers], wait_for: Callable[..., Any]
) -> None:
    client, sink = kit.app.state.client, mail_sink[0]
    org, [(auckland, a_mail), (amsterdam, e_mail), (weekly, w_mail), (_instant, i_mail)] = await kit.organisation(4)
    for who, cadence in ((auckland, "daily"), (amsterdam, "daily"), (weekly, "weekly")):
        await client.put("/v1/preferences/announcements", json={"email": cadence}, headers=token(who))
    await client.put("/v1/preferences/time-zone", json={"time_zone": "Pacific/Auckland"}, headers=token(auckland))
    titles = [f"Dag {i} {uuid4().hex[:6]}" for i in range(3)]
    for title in titles:
        await announce(kit, token, org, title)
    # Held mail, dated to a known instant: Monday 1 June 2026, 10:00 UTC (22:00 in Auckland, noon in Amsterdam).
    held_at = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    async with kit.app.state.sessions() as session, session.begin():
        changed = await session.execute(
            text(
                "UPDATE deliveries SET created_at = :at WHERE status = 'held' AND recipient = ANY(:people) "
                "AND message_id IN (SELECT id FROM messages WHERE title_nl = ANY(:titles))"
            ),
            {"at": held_at, "people": [auckland, amsterdam, weekly], "titles": titles},
        )
        assert changed.rowcount == 9  # type: ignore[attr-defined]

    async def collect(now: datetime) -> set[str]:
        async with kit.app.state.sessions() as session, session.begin():
            await digests.collect(session, now)
        rows = await kit.rows(
            "SELECT DISTINCT recipient FROM deliveries WHERE status = 'digested' AND recipient = ANY(:p)",
            p=[auckland, amsterdam, weekly],
        )
        return {r["recipient"] for r in rows}

    # 12:30 UTC: past midnight in Auckland (2 June), still 1 June in Amsterdam.
    assert await collect(datetime(2026, 6, 1, 12, 30, tzinfo=UTC)) == {auckland}
    # 22:30 UTC: past midnight in Amsterdam too; the weekly digest waits for Monday 8 June.
    assert await collect(datetime(2026, 6, 1, 22, 30, tzinfo=UTC)) == {auckland, amsterdam}
    assert await collect(datetime(2026, 6, 1, 22, 31, tzinfo=UTC)) == {auckland, amsterdam}  # nothing twice
    assert await collect(datetime(2026, 6, 7, 23, 30, tzinfo=UTC)) == {auckland, amsterdam, weekly}

    async def digest_mails() -> dict[str, list[Any]]:
        found = {a: [m for m in sink.to(a or "") if "NPD" in str(m["Subject"])] for a in (a_mail, e_mail, w_mail)}
        return found if all(found.values()) else {}

    mails = await wait_for(digest_mails)
    for address, [digest] in mails.items():  # exactly one digest each
        text_part = digest.get_body(preferencelist=("plain",)).get_content()
        assert all(title in text_part for title in titles), address
        assert digest["List-Unsubscribe"] is not None
    assert "wekelijks" in str(mails[w_mail][0]["Subject"]) and "dagelijks" in str(mails[a_mail][0]["Subject"])
    # Those who did not choose a digest got each announcement at once, and no digest.
    instant_mails = sink.to(i_mail or "")
    assert sorted(str(m["Subject"]) for m in instant_mails if "Dag " in str(m["Subject"])) == sorted(titles)
    assert not [m for m in instant_mails if "overzicht" in str(m["Subject"])]
    assert not [m for m in sink.to(a_mail or "") if str(m["Subject"]) in titles]


async def test_a_run_that_cannot_take_all_held_mail_loses_none_of_it_and_splits_nobody_it_need_not(
    kit: Any, token: Callable[..., Headers]
) -> None:
    async def hold(people: int) -> tuple[list[str], list[str]]:
        org, members = await kit.organisation(people)
        ids = [pid for pid, _ in members]
        for pid in ids:
            await kit.app.state.client.put("/v1/preferences/announcements", json={"email": "daily"}, headers=token(pid))
        titles = [f"Stuk {i} {uuid4().hex[:6]}" for i in range(3)]
        for title in titles:
            await announce(kit, token, org, title)
        async with kit.app.state.sessions() as session, session.begin():
            await session.execute(
                text(
                    "UPDATE deliveries SET created_at = :at WHERE status = 'held' AND recipient = ANY(:people) "
                    "AND message_id IN (SELECT id FROM messages WHERE title_nl = ANY(:titles))"
                ),
                {"at": datetime(2026, 3, 2, 10, 0, tzinfo=UTC), "people": ids, "titles": titles},
            )
        return ids, titles

    async def collect_all(limit: int) -> int:
        runs = 0
        while True:
            runs += 1
            async with kit.app.state.sessions() as session, session.begin():
                done = await digests.collect(session, datetime(2026, 3, 2, 23, 30, tzinfo=UTC), limit=limit)
            if not done.full:
                return runs

    async def digests_of(pid: str) -> list[str]:
        rows = await kit.rows(
            "SELECT m.body_nl FROM messages m WHERE m.id IN "
            "(SELECT digest_id FROM deliveries WHERE recipient = :p AND status = 'digested')",
            p=pid,
        )
        return [r["body_nl"] for r in rows]

    # Three people with three held mails each, four mails a run: a cut inside someone's mail waits.
    people, titles = await hold(3)
    assert await collect_all(limit=4) == 3
    for pid in people:
        [body] = await digests_of(pid)
        assert all(body.count(f"* {title}\n") == 1 for title in titles), body
    # Two mails a run: each person alone fills one, so their digest comes in two parts, none lost.
    people, titles = await hold(2)
    await collect_all(limit=2)
    for pid in people:
        bodies = await digests_of(pid)
        assert len(bodies) == 2
        assert all(sum(body.count(f"* {title}\n") for body in bodies) == 1 for title in titles), bodies
    held = await kit.rows(
        "SELECT count(*) AS n FROM deliveries WHERE status = 'held' AND recipient = ANY(:p)", p=people
    )
    assert held[0]["n"] == 0


async def test_erasure_removes_the_persons_address_inbox_deliveries_and_preferences(
    kit: Any, token: Callable[..., Headers]
) -> None:
    org, [(pid, _), (other, _)] = await kit.organisation(2)
    await kit.app.state.client.put("/v1/preferences/groups", json={"email": "daily"}, headers=token(pid))
    await announce(kit, token, org, f"Voor {pid}")
    await kit.handle(PersonErased(person_id=pid, erased_at=datetime.now(UTC)))
    await kit.handle(PersonContactChanged(person_id=pid, email=None, changed_at=datetime.now(UTC)))
    for table, column in (
        ("recipients", "person_id"),
        ("notifications", "recipient_person_id"),
        ("deliveries", "recipient"),
        ("preferences", "person_id"),
    ):
        rows = await kit.rows(f"SELECT count(*) AS n FROM {table} WHERE {column} = :p", p=pid)
        assert rows[0]["n"] == 0, table  # a late removal of the address brings nothing back
    kept = await kit.rows("SELECT kind FROM notifications WHERE recipient_person_id = :p", p=other)
    assert [r["kind"] for r in kept].count("announcement") == 1
