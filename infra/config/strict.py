"""The base of every config model: strict types, no unknown keys, camelCase YAML keys."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Strict(BaseModel):
    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=False,
        # .inf and .nan are YAML floats; no Azure value is one (and JSON cannot carry them).
        allow_inf_nan=False,
    )
