"""Each benchmark run starts from empty Kafka and PostgreSQL data, so earlier runs' rows, WAL and
segments (and the vacuuming and checkpoints they bring) never weigh on the figures."""

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from npd_devstack.cache import free_ports
from npd_devstack.stack import Infra


@contextlib.contextmanager
def fresh_infra() -> Iterator[Infra]:
    """An Infra on free ports in a new temporary folder, removed afterwards; not yet started."""
    root = Path(tempfile.mkdtemp(prefix="npd-bench-"))
    kafka_port, controller_port, postgres_port = free_ports(3)
    infra = Infra(root, kafka_port=kafka_port, controller_port=controller_port, postgres_port=postgres_port)
    try:
        yield infra
    finally:
        infra.stop()
        infra.postgres.destroy()
        shutil.rmtree(root, ignore_errors=True)
