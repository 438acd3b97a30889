"""The relay's partitioning is Kafka's default one: the same partition for a key as aiokafka and Java pick."""

import random
from uuid import uuid4

import pytest
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as aiokafka_murmur2
from npd_runtime.kafka import default_partitioner, murmur2, murmur2_many


def some_keys(n: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    keys = [rng.randbytes(rng.randrange(0, 80)) for _ in range(n)]
    keys += [str(uuid4()).encode() for _ in range(n)]  # what aggregate ids look like
    return [*keys, b"", b"a", b"ab", b"abc", b"\xff" * 7]


def test_murmur2_agrees_with_aiokafkas_for_keys_of_every_length() -> None:
    keys = some_keys(5000, seed=1)
    assert [murmur2(k) for k in keys] == [aiokafka_murmur2(k) for k in keys]


def test_murmur2_many_agrees_with_aiokafkas_whatever_the_mix_of_lengths() -> None:
    for seed in range(20):
        keys = some_keys(random.Random(seed).randrange(1, 600), seed)
        random.Random(seed).shuffle(keys)
        assert murmur2_many(keys) == [aiokafka_murmur2(k) for k in keys]
    uuids = [str(uuid4()).encode() for _ in range(3000)]  # one length only: all in one set of lanes
    assert murmur2_many(uuids) == [aiokafka_murmur2(k) for k in uuids]
    assert murmur2_many([]) == []


@pytest.mark.parametrize("partitions", [1, 3, 12, 50])
def test_the_producers_partitioner_picks_the_partition_aiokafkas_default_picks(partitions: int) -> None:
    all_partitions = list(range(partitions))
    for key in some_keys(2000, seed=partitions):
        expected = DefaultPartitioner()(key, all_partitions, all_partitions)
        assert default_partitioner(key, all_partitions, all_partitions) == expected
