from functools import lru_cache
from typing import Annotated

from npd_runtime.settings import ServiceSettings
from pydantic import Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict


class MembershipSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MEMBERSHIP_")

    # Subjects who are the network's admins from the start (MEMBERSHIP_NETWORK_ADMINS="admin,ops-1"):
    # someone has to admit the first organisation, and roles live only in membership's tables.
    network_admins: Annotated[tuple[str, ...], NoDecode] = ()
    # The sweep (positions' reminders, opportunities' expiry): how often, and how long before a position's
    # deadline the organisations that have not voted are reminded.
    sweep_interval_s: float = Field(default=60.0, gt=0)
    position_reminder_lead_s: float = Field(default=3 * 24 * 3600.0, gt=0)

    @field_validator("network_admins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(subject.strip() for subject in value.split(",") if subject.strip())
        return value


@lru_cache
def get_settings() -> MembershipSettings:
    return MembershipSettings()
