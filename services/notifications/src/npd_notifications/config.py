from functools import lru_cache

from npd_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_")


@lru_cache
def get_settings() -> NotificationsSettings:
    return NotificationsSettings()
