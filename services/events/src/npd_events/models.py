"""Tables owned by the events service. Its feature tables arrive with its features."""

from npd_runtime import access_tables, messaging_tables
from sqlalchemy import MetaData

metadata = MetaData()
messaging_tables(metadata)
access_tables(metadata)  # who may do what, from membership's person events
