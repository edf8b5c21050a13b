"""Every environment variable of the hub, read from the settings models themselves.

``rumah settings`` prints the tables; ``rumah settings --update README.md`` rewrites the block
between ``<!-- settings:begin -->`` and ``<!-- settings:end -->``; a unit test fails when the
README's block differs from the models, so the list operators read cannot drift.

A field's description is its ``Field(description=…)`` or else the ``# comment`` on the line
that declares it (or on the line above it).
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings

BEGIN, END = "<!-- settings:begin -->", "<!-- settings:end -->"


def _components() -> list[tuple[str, str, type[BaseSettings], str]]:
    """(title, env prefix, model, where it is explained)."""
    from gateway.settings import GatewaySettings
    from infra.settings import InfraSettings
    from monev.settings import MonevSettings
    from rumah.common.logs import LogSettings
    from services.kit.backends import BackendSettings
    from services.kit.cursors import CursorSettings
    from services.kit.lease import LeaseSettings
    from services.kit.settings import ServiceSettings, SimulatorSettings
    from services.kit.subgraph_auth import SubgraphAuthSettings
    from services.ledger.settings import LedgerSettings

    return [
        ("Logs (every process)", "RUMAH_", LogSettings, "docs/observability.md"),
        ("Backends (every service and the ledger)", "RUMAH_", BackendSettings, "docs/ports.md"),
        (
            "Subgraph credentials (every service and the ledger)",
            "RUMAH_SUBGRAPH_",
            SubgraphAuthSettings,
            "docs/access.md",
        ),
        ("Page cursors (every service)", "RUMAH_SUBGRAPH_", CursorSettings, "docs/access.md"),
        ("OPD services", "RUMAH_<SERVICE>_", ServiceSettings, "docs/services.md"),
        ("Upstream simulators", "RUMAH_<SERVICE>_SIM_", SimulatorSettings, "docs/services.md"),
        ("Ledger", "RUMAH_LEDGER_", LedgerSettings, "docs/ledger.md"),
        (
            "Leases (service replicas, the ledger's standby)",
            "RUMAH_LEASE_",
            LeaseSettings,
            "docs/replicas.md",
        ),
        ("Gateway", "RUMAH_GATEWAY_", GatewaySettings, "docs/gateway-runtime.md"),
        ("Monev", "RUMAH_MONEV_", MonevSettings, "docs/monev.md"),
        ("Local engines (`rumah infra`)", "RUMAH_", InfraSettings, "docs/infra.md"),
    ]


def _comments(model: type[BaseModel]) -> dict[str, str]:
    out: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
            continue
        try:
            source = inspect.getsource(cls)
        except (OSError, TypeError):
            continue
        for match in re.finditer(r"^ {4}# *(.+)\n {4}(\w+):", source, re.MULTILINE):
            out[match.group(2)] = match.group(1).strip()
        for match in re.finditer(r"^ {4}(\w+):[^\n#]*# *(.+)$", source, re.MULTILINE):
            out[match.group(1)] = match.group(2).strip()
    return out


def _default(model: type[BaseModel], name: str) -> str:
    info = model.model_fields[name]
    if info.default_factory is not None:
        try:
            value: Any = info.default_factory()  # type: ignore[call-arg]
        except Exception:
            return "(computed)"
    else:
        value = info.default
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, Enum):
        value = value.value
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    if isinstance(value, Path):
        return str(value)
    return str(value) if value != "" else '""'


def _rows(prefix: str, model: type[BaseSettings]) -> Iterator[str]:
    comments = _comments(model)
    yield "| variable | default | meaning |\n|---|---|---|"
    for name, info in model.model_fields.items():
        if inspect.isclass(info.annotation) and issubclass(info.annotation, BaseSettings):
            continue  # nested settings (backends) have their own table
        meaning = (info.description or comments.get(name, "")).replace("|", "\\|")
        default = _default(model, name).replace("|", "\\|")
        yield f"| `{prefix}{name.upper()}` | `{default}` | {meaning} |"


def settings_markdown() -> str:
    parts = [
        "Every variable may also be set in a `.env` file in the working directory. Lists and",
        "maps are JSON. `<SERVICE>` is one of PLANNING, FINANCE, PROCUREMENT, LICENSING,",
        "PERSONNEL, REGISTRY. A bad value stops start-up with one line naming the variable.",
        "",
    ]
    for title, prefix, model, doc in _components():
        parts.append(f"#### {title} — see [{doc}]({doc})\n")
        parts.extend(_rows(prefix, model))
        parts.append("")
    return "\n".join(parts)


def update_block(text: str) -> str:
    """``text`` with the settings block replaced (ValueError if the markers are missing)."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"no {BEGIN} … {END} block")
    return text[: start + len(BEGIN)] + "\n" + settings_markdown() + text[end:]
