"""Tables owned by the benchmark service. Its feature tables arrive with its features."""

from npd_runtime.inbox import processed_events_table
from npd_runtime.outbox import outbox_table
from sqlalchemy import MetaData

metadata = MetaData()

outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
