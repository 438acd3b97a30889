from functools import lru_cache

from npd_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class EventsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVENTS_")


@lru_cache
def get_settings() -> EventsSettings:
    return EventsSettings()
