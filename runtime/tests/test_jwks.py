"""The issuer's keys, served over HTTP on loopback by a real server: fetched without blocking the event loop,
kept, fetched again when they rotate, and never fetched faster than the rate limit allows."""

import asyncio
import base64
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from npd_devstack.issuer import DevIssuer
from npd_runtime.auth import IssuerUnavailable, TokenVerifier, Unauthenticated
from npd_runtime.jwks import KeySet, check_jwks_url


class JwksServer:
    """An issuer's JWKS endpoint; what it serves, how fast and with which status can change mid-test."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.delay_s = 0.0
        self.status = 200
        self.requests = 0
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/.well-known/jwks.json"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()

    def serve(self, *issuers: DevIssuer) -> None:
        self.keys = [key for issuer in issuers for key in json.loads(issuer.jwks_path.read_text())["keys"]]

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with server._lock:
                    server.requests += 1
                time.sleep(server.delay_s)
                body = json.dumps({"keys": server.keys}).encode()
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def jwks() -> Iterator[JwksServer]:
    server = JwksServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def old_key(tmp_path_factory: pytest.TempPathFactory) -> DevIssuer:
    return DevIssuer(tmp_path_factory.mktemp("old-key"))


@pytest.fixture(scope="module")
def new_key(tmp_path_factory: pytest.TempPathFactory) -> DevIssuer:
    return DevIssuer(tmp_path_factory.mktemp("new-key"))


def verifier(url: str, **timing: float) -> TokenVerifier:
    return TokenVerifier(issuer=DevIssuer.issuer, audience=DevIssuer.audience, jwks_url=url, **timing)


def token_naming(kid: str) -> str:
    """A token that names a key id and is otherwise rubbish: it is refused before any signature is checked."""
    header = base64.urlsafe_b64encode(json.dumps({"alg": "RS256", "kid": kid}).encode()).decode().rstrip("=")
    return f"{header}.e30.c2ln"


async def test_the_keys_are_fetched_once_and_then_kept(jwks: JwksServer, old_key: DevIssuer) -> None:
    jwks.serve(old_key)
    tokens = verifier(jwks.url)
    for person in ("p-1", "p-2", "p-3"):
        assert (await tokens.verify(old_key.mint(person, ["member"]))).person_id == person
    assert jwks.requests == 1


async def test_a_token_signed_with_a_key_rotated_in_is_accepted_after_one_more_fetch(
    jwks: JwksServer, old_key: DevIssuer, new_key: DevIssuer
) -> None:
    jwks.serve(old_key)
    tokens = verifier(jwks.url, min_refresh_interval_s=0.2)
    await tokens.verify(old_key.mint("p-1", []))
    await asyncio.sleep(0.2)
    jwks.serve(old_key, new_key)
    assert (await tokens.verify(new_key.mint("p-2", []))).person_id == "p-2"
    assert (await tokens.verify(old_key.mint("p-3", []))).person_id == "p-3"
    assert jwks.requests == 2


async def test_a_flood_of_made_up_key_ids_fetches_at_most_once_per_interval(
    jwks: JwksServer, old_key: DevIssuer
) -> None:
    jwks.serve(old_key)
    interval = 0.25
    tokens = verifier(jwks.url, min_refresh_interval_s=interval)
    await tokens.verify(old_key.mint("p-1", []))
    started, refused = time.monotonic(), 0
    while time.monotonic() - started < 1.0:
        calls = [tokens.verify(token_naming(uuid4().hex)) for _ in range(25)]
        for outcome in await asyncio.gather(*calls, return_exceptions=True):
            assert isinstance(outcome, Unauthenticated), outcome
            refused += 1
        await asyncio.sleep(0.01)
    elapsed = time.monotonic() - started
    assert refused > 500
    # The first fetch, then at most one for each interval that began during the flood.
    assert 2 <= jwks.requests <= 1 + int(elapsed / interval) + 1


async def test_calls_arriving_while_a_fetch_is_under_way_wait_for_that_one(
    jwks: JwksServer, old_key: DevIssuer
) -> None:
    jwks.serve(old_key)
    jwks.delay_s = 0.3
    tokens = verifier(jwks.url, min_refresh_interval_s=0)
    principals = await asyncio.gather(*(tokens.verify(old_key.mint(f"p-{n}", [])) for n in range(50)))
    assert {p.person_id for p in principals} == {f"p-{n}" for n in range(50)}
    assert jwks.requests == 1


async def test_a_slow_issuer_does_not_hold_up_the_event_loop(jwks: JwksServer, old_key: DevIssuer) -> None:
    jwks.serve(old_key)
    jwks.delay_s = 1.0
    tokens = verifier(jwks.url)
    loop = asyncio.get_running_loop()
    gaps: list[float] = []

    async def tick() -> None:
        last = loop.time()
        while True:
            await asyncio.sleep(0.01)
            gaps.append(loop.time() - last)
            last = loop.time()

    ticker = asyncio.create_task(tick())
    started = loop.time()
    await tokens.verify(old_key.mint("p-1", []))
    took = loop.time() - started
    ticker.cancel()
    assert took >= 1.0
    assert len(gaps) > 20
    assert max(gaps) < 0.25, f"the event loop stalled for {max(gaps):.2f} s"


async def test_an_issuer_that_does_not_answer_in_time_gets_503_not_a_hung_call(
    jwks: JwksServer, old_key: DevIssuer
) -> None:
    jwks.serve(old_key)
    jwks.delay_s = 3.0
    tokens = verifier(jwks.url, fetch_timeout_s=0.3)
    started = time.monotonic()
    with pytest.raises(IssuerUnavailable):
        await tokens.verify(old_key.mint("p-1", []))
    assert time.monotonic() - started < 1.5


async def test_a_key_the_issuer_withdraws_is_refused_after_the_next_refresh_even_for_a_cached_token(
    jwks: JwksServer, old_key: DevIssuer, new_key: DevIssuer
) -> None:
    jwks.serve(old_key, new_key)
    tokens = verifier(jwks.url, max_key_age_s=0.2, min_refresh_interval_s=0)
    token = old_key.mint("p-1", [])
    await tokens.verify(token)
    jwks.serve(new_key)
    deadline = time.monotonic() + 5
    with pytest.raises(Unauthenticated, match="no key"):
        while time.monotonic() < deadline:
            await tokens.verify(token)
            await asyncio.sleep(0.05)
    assert (await tokens.verify(new_key.mint("p-2", []))).person_id == "p-2"


async def test_while_the_issuer_fails_the_keys_it_last_published_stay_in_use(
    jwks: JwksServer, old_key: DevIssuer
) -> None:
    jwks.serve(old_key)
    tokens = verifier(jwks.url, max_key_age_s=0.1, min_refresh_interval_s=0)
    await tokens.verify(old_key.mint("p-1", []))
    jwks.status = 500
    for n in range(5):
        await asyncio.sleep(0.15)
        assert (await tokens.verify(old_key.mint(f"p-{n}", []))).person_id == f"p-{n}"
    assert jwks.requests > 2


async def test_a_file_jwks_is_read_again_when_a_token_names_a_new_key(
    tmp_path: Path, old_key: DevIssuer, new_key: DevIssuer
) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(old_key.jwks_path.read_text())
    keys = KeySet(path.as_uri(), min_interval_s=0)
    assert (await keys.key(old_key.kid))[0] == old_key.kid
    both = [json.loads(issuer.jwks_path.read_text())["keys"][0] for issuer in (old_key, new_key)]
    path.write_text(json.dumps({"keys": both}))
    assert (await keys.key(new_key.kid))[0] == new_key.kid


@pytest.mark.parametrize(
    "url", ["https://issuer.example/jwks", "http://localhost:8080/jwks", "http://127.0.0.1/jwks", "file:///jwks.json"]
)
def test_https_loopback_http_and_file_urls_are_accepted(url: str) -> None:
    assert check_jwks_url(url) == url


@pytest.mark.parametrize("url", ["http://issuer.example/jwks", "ftp://localhost/jwks", "jwks.json"])
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="https"):
        check_jwks_url(url)
