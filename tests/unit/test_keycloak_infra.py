"""The local Keycloak's pieces that need no running server: the realm agrees with Rumah's
scope catalogue, a JDK Keycloak supports is found, a changed realm starts a new database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.errors import EngineError
from infra.keycloak_engine import REALM_FILE, _java_version, _prepare_home, find_java
from infra.settings import InfraSettings
from services.kit.scopes import CATALOGUE, PERSONAL, ROLE_SCOPES

REALM = json.loads(REALM_FILE.read_text())


def test_the_realm_offers_exactly_the_catalogues_scopes_to_the_catalogues_roles() -> None:
    scopes = {s["name"] for s in REALM["clientScopes"]} - {"rumah-principal"}
    assert scopes == set(CATALOGUE)
    granted = {m["clientScope"]: set(m["roles"]) for m in REALM["scopeMappings"]}
    for scope in CATALOGUE:
        expected = {role for role, held in ROLE_SCOPES.items() if scope in held}
        if scope == PERSONAL:
            expected.add("personal-data")
        assert granted[scope] == expected, scope


def test_every_rumah_client_gets_the_principal_mappers_and_the_gateway_audience() -> None:
    principal = next(s for s in REALM["clientScopes"] if s["name"] == "rumah-principal")
    kinds = {m["protocolMapper"]: m["config"] for m in principal["protocolMappers"]}
    assert kinds["oidc-audience-mapper"]["included.client.audience"] == "rumah-gateway"
    assert kinds["oidc-usermodel-attribute-mapper"]  # opd (and username)
    assert "oidc-sub-mapper" in kinds  # Keycloak 25+ adds sub only through a scope
    for client in REALM["clients"]:
        if client["clientId"] != "rumah-gateway":
            assert "rumah-principal" in client["defaultClientScopes"], client["clientId"]
    monev = next(c for c in REALM["clients"] if c["clientId"] == "rumah-monev")
    assert monev["publicClient"] and monev["attributes"]["pkce.code.challenge.method"] == "S256"
    # make run's Monev, and a loopback Monev on any port (Keycloak follows RFC 8252 §7.3 for a
    # registered 127.0.0.1 URI without a port) for the browser test against this realm
    assert monev["redirectUris"] == ["http://127.0.0.1:4010/*", "http://127.0.0.1/masuk/callback"]


async def test_a_configured_java_older_than_21_is_refused(tmp_path: Path) -> None:
    old = tmp_path / "java"
    old.write_text("#!/bin/sh\necho 'openjdk version \"17.0.15\" 2025-04-15' >&2\n")
    old.chmod(0o755)
    settings = InfraSettings(_env_file=None, keycloak_java=str(old))  # type: ignore[call-arg]
    with pytest.raises(EngineError, match="Java 17; Keycloak needs 21"):
        await find_java(settings)


async def test_the_newest_supported_jdk_on_the_machine_is_found() -> None:
    settings = InfraSettings(_env_file=None)  # type: ignore[call-arg]
    java = await find_java(settings)  # this machine: java 17 on PATH, Temurin 25 in /usr/lib/jvm
    version = await _java_version(java)
    assert version is not None and 21 <= version <= 25


def test_a_changed_realm_file_starts_a_new_database(tmp_path: Path) -> None:
    dist, home = tmp_path / "dist", tmp_path / "home"
    for name in ("lib", "conf", "themes", "providers"):
        (dist / name).mkdir(parents=True)
    _prepare_home(home, dist)
    assert (home / "lib").resolve() == (dist / "lib").resolve()
    assert (home / "data" / "import" / REALM_FILE.name).read_bytes() == REALM_FILE.read_bytes()
    (home / "data" / "h2").mkdir()
    _prepare_home(home, dist)  # same realm: the database stays
    assert (home / "data" / "h2").exists()
    (home / "data" / "realm.sha256").write_text("an older realm")
    _prepare_home(home, dist)
    assert not (home / "data" / "h2").exists()
