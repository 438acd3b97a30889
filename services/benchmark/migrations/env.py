from npd_benchmark.models import metadata
from npd_runtime.migrations import database_url_from_env, run_migrations

run_migrations(metadata, database_url_from_env("benchmark"))
