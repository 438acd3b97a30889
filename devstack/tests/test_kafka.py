import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from npd_devstack.kafka import KafkaNode, running_kafka
from npd_devstack.topics import ensure_topics


async def test_the_broker_reports_itself_as_a_live_broker(kafka_bootstrap: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        cluster = await admin.describe_cluster()
    finally:
        await admin.close()
    assert len(cluster["brokers"]) >= 1


async def test_a_message_produced_with_acks_all_is_consumed_back(kafka_bootstrap: str) -> None:
    topic = f"test.roundtrip.{uuid.uuid4().hex}"
    await ensure_topics(kafka_bootstrap, [(topic, 3)])
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"hello", key=b"org-1")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=kafka_bootstrap, group_id="devstack-test", auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        message = await consumer.getone()
    finally:
        await consumer.stop()
    assert (message.key, message.value) == (b"org-1", b"hello")


def test_a_bootstrap_servers_variable_means_nothing_is_started(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka.example:9092")
    with running_kafka(tmp_path / "kafka", 1, 2) as bootstrap:
        assert bootstrap == "kafka.example:9092"
    assert not (tmp_path / "kafka").exists()


def test_the_node_writes_a_single_node_kraft_config(tmp_path: Path) -> None:
    node = KafkaNode(tmp_path, 39092, 39093)
    config = node._write_config().read_text()
    assert "process.roles=broker,controller\n" in config
    assert "controller.quorum.bootstrap.servers=127.0.0.1:39093\n" in config
    assert "auto.create.topics.enable=false\n" in config
    assert node.bootstrap_servers == "127.0.0.1:39092"
