"""The base of every parameter model: frozen, strict, and helpful about unknown keys.

Kedro (>= 1.3) converts a ``params:`` input into the Pydantic model its node annotates and
validates it before the first node runs. Pydantic's own ``extra="forbid"`` would reject a
misspelt key, but only as "Extra inputs are not permitted"; the check below names the key
and the closest valid one, so ``btc.trainig`` says "did you mean 'training'?".
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

PositiveInt = Annotated[int, Field(ge=1)]
NonNegativeInt = Annotated[int, Field(ge=0)]
PositiveFloat = Annotated[float, Field(gt=0)]
NonNegativeFloat = Annotated[float, Field(ge=0)]
Probability = Annotated[float, Field(ge=0, lt=1)]
OpenFraction = Annotated[float, Field(gt=0, lt=1)]


class Strict(BaseModel):
    """A parameter group: no unknown keys, no silent type coercion, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in data:
                if key not in cls.model_fields:
                    raise ValueError(unknown_key_message(str(key), list(cls.model_fields)))
        return data


def unknown_key_message(key: str, valid: list[str]) -> str:
    close = difflib.get_close_matches(key, valid, n=1)
    if close:
        return f"unknown key '{key}'; did you mean '{close[0]}'?"
    return f"unknown key '{key}'; valid keys: {', '.join(valid)}"
