from __future__ import annotations

import json
import stat
from pathlib import Path

import yaml

from rumah.common.keys import load_private_key, load_public_keys, public_pem
from rumah.compose_secrets import webhook_file, write_secrets
from services.kit.cursors import CursorSeal, CursorSettings
from services.kit.scopes import ROLE_SCOPES, SERVICES

ROOT = Path(__file__).resolve().parents[3]


def test_every_secret_compose_mounts_is_written_private_to_the_host(tmp_path: Path) -> None:
    """The folder keeps other host users out; each file is readable by whichever container
    user it is mounted for (compose bind-mounts it with the host's owner and mode)."""
    folder = tmp_path / "compose-secrets"
    write_secrets(folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name, secret in compose["secrets"].items():
        path = folder / Path(secret["file"]).name
        assert path.exists(), name
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, name


def test_files_an_older_version_made_unreadable_are_opened_to_the_containers(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "compose-secrets"
    folder.mkdir(mode=0o755)
    old = folder / "mongo_root_password"
    old.write_text("kept\n")
    old.chmod(0o600)
    write_secrets(folder)
    assert old.read_text() == "kept\n"
    assert stat.S_IMODE(old.stat().st_mode) == 0o644
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


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


def test_access_secrets_are_what_the_processes_accept(tmp_path: Path) -> None:
    write_secrets(tmp_path)
    private = load_private_key((tmp_path / "gateway_signing_key").read_text(), "signing")
    public = (tmp_path / "gateway_public_keys").read_text()
    assert load_public_keys(public, "public") and public.strip() == public_pem(private).strip()
    cursor_key = (tmp_path / "subgraph_cursor_key").read_text().strip()
    seal = CursorSeal.from_settings("licensing", CursorSettings(cursor_key=cursor_key))
    assert seal.seal("abc", "permits") is not None
    secrets = {(tmp_path / webhook_file(s)).read_text() for s in SERVICES}
    assert len(secrets) == len(SERVICES) and all(s.startswith("whsec_") for s in secrets)
    gateway = json.loads((tmp_path / "gateway_tokens.json").read_text())
    for principal in gateway.values():  # with the scopes of its role, as `rumah run` gives
        assert principal["scopes"] == sorted(ROLE_SCOPES[principal["role"]])


def test_a_lost_public_key_is_made_again_from_the_kept_signing_key(tmp_path: Path) -> None:
    write_secrets(tmp_path)
    public = (tmp_path / "gateway_public_keys").read_text()
    (tmp_path / "gateway_public_keys").unlink()
    (tmp_path / "monev_credentials.json").unlink()
    assert write_secrets(tmp_path) == ["monev_credentials.json", "gateway_public_keys"]
    assert (tmp_path / "gateway_public_keys").read_text() == public
    test_the_app_url_carries_the_app_users_password(tmp_path)  # Monev's tokens still agree
