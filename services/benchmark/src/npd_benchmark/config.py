from functools import lru_cache

from npd_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class BenchmarkSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BENCHMARK_")


@lru_cache
def get_settings() -> BenchmarkSettings:
    return BenchmarkSettings()
