from npd_notifications.models import metadata
from npd_runtime.migrations import database_url_from_env, run_migrations

run_migrations(metadata, database_url_from_env("notifications"))
