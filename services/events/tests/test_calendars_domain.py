"""Feed tokens: hashed, revocable, precise about unknown and revoked."""

from datetime import UTC, datetime

import pytest
from npd_events.calendars import domain
from npd_events.calendars.domain import FeedToken

NOW = datetime(2027, 1, 1, tzinfo=UTC)


def test_only_the_tokens_hash_is_kept_and_it_is_stable() -> None:
    digest = domain.hash_token("abc")
    assert digest == domain.hash_token("abc") != domain.hash_token("abd")
    assert len(digest) == 64 and "abc" not in digest


def test_an_unknown_token_and_a_revoked_one_are_refused_differently() -> None:
    with pytest.raises(domain.FeedUnknown):
        domain.usable(None)
    with pytest.raises(domain.FeedRevoked):
        domain.usable(FeedToken("h", "ann", NOW, NOW))
    with pytest.raises(domain.FeedRevoked):
        domain.usable(FeedToken("h", None, NOW, None))
    live = FeedToken("h", "ann", NOW, None)
    assert domain.usable(live) is live
