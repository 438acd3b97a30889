import uuid

from aiokafka.admin import AIOKafkaAdminClient
from npd_devstack.topics import ensure_topics


async def test_ensuring_topics_twice_creates_each_once(kafka_bootstrap: str) -> None:
    name = f"test.ensure.{uuid.uuid4().hex}"
    specs = [(name, 4), (f"{name}.dlq", 1)]

    first = await ensure_topics(kafka_bootstrap, specs)
    second = await ensure_topics(kafka_bootstrap, specs)

    assert sorted(first) == sorted([name, f"{name}.dlq"])
    assert second == []


async def test_a_created_topic_has_the_requested_partitions(kafka_bootstrap: str) -> None:
    name = f"test.partitions.{uuid.uuid4().hex}"
    await ensure_topics(kafka_bootstrap, [(name, 5)])
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([name])
    finally:
        await admin.close()
    assert len(described["partitions"]) == 5
