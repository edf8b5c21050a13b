"""Unit tests of ``rumah infra`` state their settings: none come from the shell or from
`make test` (which exports RUMAH_KAFKA_NODES=3, say)."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _no_engine_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("RUMAH_KAFKA_", "RUMAH_POSTGRES_", "RUMAH_FERRETDB_")) or name in (
            "RUMAH_MONGO_URL",
            "RUMAH_VAR_DIR",
        ):
            monkeypatch.delenv(name)
