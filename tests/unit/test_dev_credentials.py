"""``rumah run``'s local credentials: written once with mode 0600, reused, turned into the
gateway's token map and every process's variables (an operator's own variable wins)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from gateway.auth import parse_tokens
from rumah.common.keys import load_private_key, load_public_keys
from rumah.dev_credentials import INTEGRATOR_OPD, ensure_dev_credentials
from rumah.runner import credential_env, hub_specs


def test_first_start_writes_them_with_mode_0600_and_later_starts_reuse_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "var" / "dev-credentials.json"
    creds, created = ensure_dev_credentials(path)
    assert created and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert set(creds.tokens) == {"auditor", "operator", "integrator"}
    assert len(set(creds.tokens.values())) == 3
    again, created_again = ensure_dev_credentials(path)
    assert not created_again and again.data == creds.data
    os.chmod(path, 0o644)
    ensure_dev_credentials(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # tightened


def test_the_token_map_gives_each_role_its_principal(tmp_path: Path) -> None:
    creds, _ = ensure_dev_credentials(tmp_path / "c.json")
    principals = parse_tokens(creds.gateway_token_map())
    integrator = principals[creds.tokens["integrator"]]
    assert integrator.roles == {"integrator"} and integrator.opd == INTEGRATOR_OPD
    assert "licensing:read" in integrator.scopes and "personal:read" not in integrator.scopes
    auditor = principals[creds.tokens["auditor"]]
    assert auditor.opd is None and "access:read" in auditor.scopes
    assert principals[creds.tokens["operator"]].roles == {"operator"}


def test_the_signing_key_pair_matches(tmp_path: Path) -> None:
    creds, _ = ensure_dev_credentials(tmp_path / "c.json")
    private = load_private_key(creds.signing_key, "k")
    [public] = load_public_keys(creds.public_key, "k").values()
    assert private.public_key() == public


def test_every_process_gets_the_secrets_it_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "RUMAH_GATEWAY_TOKENS",
        "RUMAH_SUBGRAPH_GATEWAY_KEYS",
        "RUMAH_SUBGRAPH_CURSOR_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    creds, _ = ensure_dev_credentials(tmp_path / "c.json")
    specs = {s.name: s.env for s in hub_specs("embedded", 4000, creds=creds)}
    assert json.loads(specs["gateway"]["RUMAH_GATEWAY_TOKENS"])
    assert specs["gateway"]["RUMAH_GATEWAY_SUBGRAPH_SIGNING_KEY"] == creds.signing_key
    for name in ("licensing", "personnel", "ledger"):
        assert specs[name]["RUMAH_SUBGRAPH_GATEWAY_KEYS"] == creds.public_key
        assert specs[name]["RUMAH_SUBGRAPH_CURSOR_KEY"] == creds.cursor_key
    assert creds.cursor_key and creds.cursor_key.startswith("ck_")
    secret = creds.webhook_secret("licensing")
    assert specs["licensing"]["RUMAH_LICENSING_WEBHOOK_SECRET"] == secret
    assert specs["licensing-upstream"]["RUMAH_LICENSING_SIM_WEBHOOK_SECRET"] == secret
    monkeypatch.setenv("RUMAH_GATEWAY_TOKENS", "/etc/rumah/tokens.json")
    assert "RUMAH_GATEWAY_TOKENS" not in credential_env(creds)["gateway"]  # the operator's wins


def test_a_damaged_file_is_named_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text('{"tokens": {}}')
    with pytest.raises(ValueError, match="delete it"):
        ensure_dev_credentials(path)
    assert path.read_text() == '{"tokens": {}}'
