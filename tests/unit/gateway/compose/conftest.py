from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.compose import SubgraphSource

FIXTURES = Path(__file__).parent / "fixtures"
_ROUTING = re.compile(r"^#\s*routing-url:\s*(\S+)", re.MULTILINE)


@dataclass(frozen=True)
class Fixture:
    name: str
    sources: list[SubgraphSource]
    apollo: dict[str, Any]  # what @apollo/composition produced (tools/apollo-compose)


def load_fixture(directory: Path) -> Fixture:
    sources = []
    for path in sorted(directory.glob("*.graphql")):
        sdl = path.read_text(encoding="utf-8")
        match = _ROUTING.search(sdl)
        assert match, f"{path} lacks a '# routing-url:' line"
        sources.append(SubgraphSource(path.stem, match[1], sdl))
    apollo = json.loads((directory / "apollo.json").read_text(encoding="utf-8"))
    return Fixture(directory.name, sources, apollo)


def fixture_dirs(prefix: str) -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.is_dir() and p.name.startswith(prefix))
