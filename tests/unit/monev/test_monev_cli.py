"""``rumah monev serve`` writes its log lines like every process of the hub (RUMAH_LOG_FORMAT)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from rumah.cli import app
from rumah.common.logs import JsonFormatter, KeyValueFormatter


@pytest.mark.parametrize(
    ("fmt", "formatter"), [("json", JsonFormatter), ("text", KeyValueFormatter)]
)
def test_serve_logs_in_the_format_of_rumah_log_format(
    fmt: str, formatter: type[logging.Formatter], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.update(kw))
    monkeypatch.setenv("RUMAH_LOG_FORMAT", fmt)
    monkeypatch.setenv("RUMAH_MONEV_DEV_CREDENTIALS", str(tmp_path / "dev-credentials.json"))
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        result = CliRunner().invoke(app, ["monev", "serve", "--port", "4999"])
        assert result.exit_code == 0, result.output
        [handler] = root.handlers
        assert type(handler.formatter) is formatter
        # uvicorn's own loggers go through the same handler
        assert served["log_config"] is None and served["port"] == 4999
        if fmt == "json":
            line = handler.format(logging.makeLogRecord({"name": "monev", "msg": "monev.x"}))
            assert json.loads(line)["message"] == "monev.x"
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
