"""Creating the platform's topics on a broker, explicitly, because the broker never auto-creates them."""

import asyncio
import time
from collections.abc import Iterable, Mapping

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code


async def ensure_topics(
    bootstrap: str,
    specs: Iterable[tuple[str, int]],
    replication_factor: int = 1,
    configs: Mapping[str, str] | None = None,
    timeout_s: float = 30.0,
) -> list[str]:
    """Create the missing topics of `(name, partitions)` specs and return their names.

    Existing topics are left as they are, whatever their partition count: changing partitions
    re-keys the stream, which is a migration, not a start-up step.
    """
    wanted = dict(specs)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [name for name in wanted if name not in existing]
        if missing:
            new = [NewTopic(n, wanted[n], replication_factor, topic_configs=dict(configs or {})) for n in missing]
            response = await admin.create_topics(new, timeout_ms=int(timeout_s * 1000))
            for topic, code, message, *_ in response.topic_errors:
                # Another process may have created it between our listing and our request.
                if code and code != TopicAlreadyExistsError.errno:
                    raise for_code(code)(f"could not create topic {topic}: {message}")
            await _wait_for_leaders(admin, missing, timeout_s)
        return missing
    finally:
        await admin.close()


async def _wait_for_leaders(admin: AIOKafkaAdminClient, topics: list[str], timeout_s: float) -> None:
    """Return once every partition has a leader, so a producer started next does not hit a gap."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        described = await admin.describe_topics(topics)
        if all(_has_leaders(topic) for topic in described):
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"topics {topics} have no leader after {timeout_s:.0f} s")


def _has_leaders(topic: Mapping[str, object]) -> bool:
    partitions = topic.get("partitions")
    if topic.get("error_code") or not isinstance(partitions, list) or not partitions:
        return False
    return all(p.get("error_code") == 0 and p.get("leader", -1) >= 0 for p in partitions)
