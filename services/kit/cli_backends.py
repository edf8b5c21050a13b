"""The backends a CLI command reads, and how to say which: the environment first, then the
hub running on this machine (``rumah run``'s record, ``rumah.common.hub``), then defaults.

    chosen = backends_for_cli()
    print(chosen.describe("rumah_ledger"), file=sys.stderr)
    # store mongodb at mongodb://127.0.0.1:27017 (database rumah_ledger), log kafka at
    # 127.0.0.1:9092 — backend kafka from the hub started by `rumah run` (pid 4242, …)
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from rumah.common.hub import RunningHub, read_hub
from rumah.common.settings import SettingsError, load_settings
from services.kit.backends import BackendSettings
from services.kit.engines import engines_of, redact_url


@dataclass(frozen=True, slots=True)
class ChosenBackends:
    settings: BackendSettings
    source: str  # where the backend came from, for people

    def describe(self, db: str | None = None) -> str:
        engines = engines_of(self.settings, db)
        return (
            f"store {engines['store'].describe()}, log {engines['log'].describe()} — "
            f"backend {self.settings.backend} from {self.source}"
        )

    def as_dict(self, db: str | None = None) -> dict[str, str]:
        engines = engines_of(self.settings, db)
        return {
            "backend": self.settings.backend,
            "store": engines["store"].address,
            "log": engines["log"].address,
            "source": self.source,
        }


def backends_for_cli(
    settings: BackendSettings | None = None, hub: RunningHub | None | bool = True
) -> ChosenBackends:
    """``settings`` (default: from the environment) completed by the running hub's record
    (``hub=True``: read it; ``None``/``False``: none). Raises ``SettingsError`` (one line on
    stderr) when the hub's MongoDB URL has a password and RUMAH_MONGO_URL is not set."""
    settings = settings or load_settings(BackendSettings)
    running = read_hub() if hub is True else (hub or None)
    explicit = settings.model_fields_set
    if running is None:
        where = "the environment" if "backend" in explicit else "the defaults (no hub running)"
        return ChosenBackends(settings, where)
    if "backend" in explicit:
        return ChosenBackends(settings, "the environment (RUMAH_BACKEND)")
    values: dict[str, object] = {}
    for var, value in running.variables.items():
        field = var.removeprefix("RUMAH_").lower()
        if field in BackendSettings.model_fields and field not in explicit:
            values[field] = Path(value) if field == "data_dir" else value
    if (
        values.get("backend") == "kafka"
        and "mongo_url" not in explicit
        and "RUMAH_MONGO_URL" not in running.variables
    ):
        shown = running.shown.get("RUMAH_MONGO_URL", "a MongoDB URL with a password")
        print(
            f"the running hub uses {shown}: set RUMAH_MONGO_URL (with its password) to read "
            "it, or RUMAH_BACKEND to choose another store",
            file=sys.stderr,
        )
        raise SettingsError(2)
    try:
        chosen = BackendSettings(**{**settings.model_dump(), **values})
    except ValidationError as exc:  # a record edited by hand
        print(f"invalid hub record {running.path}: {exc.errors()[0]['msg']}", file=sys.stderr)
        raise SettingsError(2) from None
    return ChosenBackends(chosen, running.describe())


def hub_variables(settings: BackendSettings) -> tuple[dict[str, str], dict[str, str]]:
    """What ``rumah run`` records for ``settings``: (variables, the same for people)."""
    url = settings.mongo_url
    shown = {
        "RUMAH_BACKEND": settings.backend,
        "RUMAH_DATA_DIR": str(settings.data_dir.resolve()),
        "RUMAH_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "RUMAH_MONGO_URL": redact_url(url),
    }
    variables = dict(shown)
    if redact_url(url) != url:
        del variables["RUMAH_MONGO_URL"]  # never write a password to disk
    return variables, shown
