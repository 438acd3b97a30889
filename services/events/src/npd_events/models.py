"""Tables owned by the events service. Its feature tables arrive with its features."""

from npd_runtime import messaging_tables
from sqlalchemy import MetaData

metadata = MetaData()
messaging_tables(metadata)
