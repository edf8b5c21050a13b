"""Where ``make deploy-tools`` put the validators and schemas (RUMAH_DEPLOY_TOOLS).

A missing tool fails the test that needs it with the command that installs it: these
checks are part of ``make test`` and never skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


class DeployTools:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, relative: str) -> Path:
        found = self.root / relative
        if not found.exists():
            pytest.fail(f"{found} is missing: run `make deploy-tools`")
        return found


@pytest.fixture(scope="session")
def deploy_tools() -> DeployTools:
    root = Path(os.environ.get("RUMAH_DEPLOY_TOOLS", ".cache/deploy-tools"))
    return DeployTools(root if root.is_absolute() else ROOT / root)
