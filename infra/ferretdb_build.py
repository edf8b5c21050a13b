"""Build our FerretDB main module (infra/ferretdb) with Go, once, into the cache.

The module embeds the public ``github.com/FerretDB/FerretDB/ferretdb`` package (see
infra/ferretdb/main.go for why not ``go install …/cmd/ferretdb``). Modules come from the Go
module proxy into ``<cache>/go/mod``; the binary lands in
``<cache>/ferretdb/<source digest>/ferretdb`` so a change to go.mod, go.sum or main.go
rebuilds it and nothing else does.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from infra.settings import InfraSettings
from infra.tools import require_tool, run_tool

SOURCE = Path(__file__).resolve().parent / "ferretdb"
_INPUTS = ("go.mod", "go.sum", "main.go")


def binary_path(settings: InfraSettings) -> Path:
    digest = hashlib.sha256()
    for name in _INPUTS:
        digest.update((SOURCE / name).read_bytes())
    return settings.cache_dir / "ferretdb" / digest.hexdigest()[:16] / "ferretdb"


def go_env(settings: InfraSettings) -> dict[str, str]:
    go_cache = settings.cache_dir / "go"
    return {
        "GOMODCACHE": str(go_cache / "mod"),
        "GOCACHE": str(go_cache / "build"),
        # -modcacherw: the module cache stays deletable with `rm -rf .cache`;
        # -mod=readonly: go.mod/go.sum are the committed truth, never rewritten by a build.
        "GOFLAGS": "-modcacherw -mod=readonly -buildvcs=false",
        "CGO_ENABLED": "0",
    }


async def ensure_ferretdb(settings: InfraSettings) -> Path:
    """Return the path of the FerretDB binary, building it first if needed."""
    binary = binary_path(settings)
    if binary.exists():
        return binary
    go = require_tool("ferretdb", settings.go, "building FerretDB")
    binary.parent.mkdir(parents=True, exist_ok=True)
    partial = binary.with_suffix(".partial")
    await run_tool(
        "ferretdb",
        [go, "build", "-trimpath", "-o", str(partial), "."],
        cwd=SOURCE,
        env=go_env(settings),
    )
    partial.replace(binary)
    return binary
