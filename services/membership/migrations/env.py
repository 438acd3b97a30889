from npd_membership.config import get_settings
from npd_membership.models import metadata
from npd_runtime.migrations import run_migrations

run_migrations(metadata, get_settings().database_url)
