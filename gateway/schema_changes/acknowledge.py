"""Breaking changes a team accepts on purpose: ``schemas/acknowledged-changes.json``.

    {
      "acknowledged": [
        {
          "change": "FIELD_REMOVED",
          "description": "Field Permit.legacyCode was removed.",
          "reason": "legacyCode was deprecated in 2017 and no integrator reads it",
          "by": "kominfo-integrasi",
          "date": "2026-12-06"
        }
      ]
    }

An entry matches a change with the same ``change`` and ``description`` (the exact text
``rumah schemas diff`` prints). ``reason``, ``by`` and ``date`` (YYYY-MM-DD) are required:
the file is a record of who accepted what, and why.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.schema_changes.classify import SchemaChange

_REQUIRED = ("change", "description", "reason", "by", "date")


class AcknowledgementError(ValueError):
    """The acknowledgement file is malformed (the message says where)."""


@dataclass(frozen=True, slots=True)
class Acknowledgements:
    entries: tuple[dict[str, str], ...] = ()

    @classmethod
    def read(cls, path: Path) -> Acknowledgements:
        """The file's entries; an absent file acknowledges nothing."""
        if not path.exists():
            return cls()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise AcknowledgementError(f"{path}: not JSON: {exc}") from None
        return cls.parse(raw, str(path))

    @classmethod
    def parse(cls, raw: Any, where: str = "acknowledgements") -> Acknowledgements:
        if not isinstance(raw, dict) or set(raw) != {"acknowledged"}:
            raise AcknowledgementError(f'{where}: expected {{"acknowledged": [...]}}')
        items = raw["acknowledged"]
        if not isinstance(items, list):
            raise AcknowledgementError(f"{where}: acknowledged must be a list")
        entries = []
        for i, item in enumerate(items):
            at = f"{where}: acknowledged[{i}]"
            if not isinstance(item, dict):
                raise AcknowledgementError(f"{at} must be an object")
            unknown = set(item) - set(_REQUIRED)
            if unknown:
                raise AcknowledgementError(f"{at}: unknown keys {sorted(unknown)}")
            for key in _REQUIRED:
                value = item.get(key)
                if not isinstance(value, str) or not value.strip():
                    raise AcknowledgementError(f"{at}: {key} is required (non-empty text)")
            try:
                datetime.date.fromisoformat(item["date"])
            except ValueError:
                raise AcknowledgementError(f"{at}: date must be YYYY-MM-DD") from None
            entries.append({k: item[k] for k in _REQUIRED})
        return cls(tuple(entries))

    def covers(self, change: SchemaChange) -> bool:
        return any(
            e["change"] == change.change and e["description"] == change.description
            for e in self.entries
        )

    def unacknowledged(self, changes: Iterable[SchemaChange]) -> list[SchemaChange]:
        """The breaking changes no entry accepts."""
        return [c for c in changes if c.level == "breaking" and not self.covers(c)]

    def unused(self, changes: Iterable[SchemaChange]) -> list[dict[str, str]]:
        """Entries matching no current change (already in the contract: can be removed)."""
        present = {(c.change, c.description) for c in changes}
        return [e for e in self.entries if (e["change"], e["description"]) not in present]


def template(change: SchemaChange) -> dict[str, str]:
    """An entry to paste into the file (reason, by and date still to fill in)."""
    return {
        "change": change.change,
        "description": change.description,
        "reason": "",
        "by": "",
        "date": datetime.date.today().isoformat(),
    }
