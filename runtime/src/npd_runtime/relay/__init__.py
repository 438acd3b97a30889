"""The outbox relay: publishes committed outbox rows to Kafka, in order, then deletes them.

One replica per service publishes at a time (a PostgreSQL advisory lock held by the relay's connection),
so one aggregate's events leave in commit order; the others wait on standby and take over when that
connection dies. Rows are deleted only after Kafka acknowledged them (acks=all), so a crash at any point
republishes rather than loses; consumers drop the duplicates by event id.
"""

from npd_runtime.relay.health import STATES, State
from npd_runtime.relay.relay import OutboxRelay, relay_lock_key

__all__ = ["STATES", "OutboxRelay", "State", "relay_lock_key"]
