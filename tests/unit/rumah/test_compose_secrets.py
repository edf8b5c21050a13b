from __future__ import annotations

import json
import stat
from pathlib import Path

import yaml

from rumah.compose_secrets import write_secrets

ROOT = Path(__file__).resolve().parents[3]


def test_every_secret_compose_mounts_is_written_private(tmp_path: Path) -> None:
    write_secrets(tmp_path)
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name, secret in compose["secrets"].items():
        path = tmp_path / Path(secret["file"]).name
        assert path.exists(), name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_app_url_carries_the_app_users_password(tmp_path: Path) -> None:
    write_secrets(tmp_path)
    password = (tmp_path / "mongo_app_password").read_text().strip()
    assert f"mongodb://rumah:{password}@mongo:27017/" in (tmp_path / "mongo_url").read_text()
    tokens = json.loads((tmp_path / "monev_credentials.json").read_text())["tokens"]
    gateway = json.loads((tmp_path / "gateway_tokens.json").read_text())
    assert {gateway[tok]["role"] for tok in tokens.values()} == set(tokens)


def test_a_second_run_keeps_existing_values(tmp_path: Path) -> None:
    write_secrets(tmp_path)
    before = {p.name: p.read_text() for p in tmp_path.iterdir()}
    (tmp_path / "monev_session_secret").unlink()
    assert write_secrets(tmp_path) == ["monev_session_secret"]
    after = {p.name: p.read_text() for p in tmp_path.iterdir()}
    assert {k: v for k, v in after.items() if k != "monev_session_secret"} == {
        k: v for k, v in before.items() if k != "monev_session_secret"
    }
