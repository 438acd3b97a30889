from functools import lru_cache

from npd_runtime.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict


class EventsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVENTS_")

    series_horizon_days: int = Field(
        default=400, ge=7, le=3660, description="A series' occurrences exist as meetings this far ahead."
    )
    sweep_interval_s: float = Field(
        default=30.0, gt=0, description="How often expired offers pass on, series grow and guest chairs are asked."
    )


@lru_cache
def get_settings() -> EventsSettings:
    return EventsSettings()
