"""Settings that hold secrets (token maps, keys, webhook secrets): inline, or a file's path.

Kubernetes mounts a Secret as files and compose puts secrets under ``/run/secrets/``, so
every such setting accepts either the value itself or the path of a file holding it. Errors
never show the value or the path: a secret pasted into the wrong variable must not reach
the logs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_INLINE = ("{", "[", "-----BEGIN", "whsec_", "ck_")


class SecretSettingError(ValueError):
    """A secret setting is unreadable or malformed (the message shows no secret)."""


def read_secret_setting(raw: str, name: str) -> tuple[str, str]:
    """``(text, source)``: ``raw`` itself when it is inline (JSON, PEM, ``whsec_…``,
    ``ck_…``), else the content of the file it names; ``source`` says which, for error
    messages."""
    text = raw.strip()
    if text.startswith(_INLINE):
        return text, name
    try:
        return Path(text).expanduser().read_text(encoding="utf-8"), f"{name} (file)"
    except OSError as exc:
        raise SecretSettingError(
            f"{name}: cannot read the file it names: {exc.strerror or exc}"
        ) from None


def built_or_exit(build: Callable[[], T]) -> T:
    """``build()``, or exit with status 2 and one ``invalid setting: …`` line."""
    try:
        return build()
    except SecretSettingError as exc:
        print(f"invalid setting: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
