"""The settings base and loader shared by every component.

Each component owns one pydantic-settings model (prefix ``RUMAH_``, ``.env`` support).
``load_settings`` turns a validation failure into one line naming the variable and the
expected form, so an operator sees exactly what to fix instead of a traceback.
"""

from __future__ import annotations

import sys
from typing import TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

S = TypeVar("S", bound=BaseSettings)


class RumahSettings(BaseSettings):
    """Base for every component's settings: ``RUMAH_`` prefix, ``.env`` file, no extras."""

    model_config = SettingsConfigDict(
        env_prefix="RUMAH_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )


class SettingsError(SystemExit):
    """Raised (as a clean exit) when a setting is missing or malformed."""


def describe_error(cls: type[BaseSettings], exc: ValidationError) -> str:
    prefix = str(cls.model_config.get("env_prefix", ""))
    parts = []
    for err in exc.errors():
        if not err["loc"]:  # a check across variables: its message names them
            parts.append(str(err["msg"]).removeprefix("Value error, "))
            continue
        field = ".".join(str(p) for p in err["loc"])
        var = (prefix + field).upper()
        value = err.get("input")
        shown = "" if value is None or isinstance(value, dict) else f" (got {value!r})"
        parts.append(f"{var}: {err['msg']}{shown}")
    return "invalid setting: " + "; ".join(parts)


def load_settings(cls: type[S], **overrides: object) -> S:
    """Build ``cls`` from the environment; on failure exit with one clear line."""
    try:
        return cls(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        line = describe_error(cls, exc)
        print(line, file=sys.stderr)
        raise SettingsError(2) from None
