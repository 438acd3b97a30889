"""Input types the HTTP schemas share, stricter than `str` where PostgreSQL or people would be hurt."""

import unicodedata
from typing import Annotated

from pydantic import AfterValidator


def _no_control_characters(value: str) -> str:
    # PostgreSQL text cannot hold NUL, and no name or title needs a control character.
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValueError("must not contain control characters")
    return value


Text = Annotated[str, AfterValidator(_no_control_characters)]
