"""Federation conformance scenarios.

Run them alone with ``.venv/bin/python -m pytest tests/federation`` (marker ``federation``).
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "federation: end-to-end Apollo Federation v2 scenarios through `rumah gateway serve`",
    )
