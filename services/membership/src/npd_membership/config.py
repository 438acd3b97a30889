from functools import lru_cache

from npd_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class MembershipSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MEMBERSHIP_")


@lru_cache
def get_settings() -> MembershipSettings:
    return MembershipSettings()
