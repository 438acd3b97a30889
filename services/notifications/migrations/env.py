from npd_notifications.config import get_settings
from npd_notifications.models import metadata
from npd_runtime.migrations import run_migrations

run_migrations(metadata, get_settings().database_url)
