"""Monev's OIDC defaults are the local realm's (infra/keycloak/realm-rumah.json, which `rumah
infra up` imports): the realm is the one source of truth, and these tests fail the day one of
them moves without the other."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from infra.settings import InfraSettings
from monev.auth.oidc import claim
from monev.settings import MonevSettings

REALM_FILE = Path(__file__).resolve().parents[3] / "infra" / "keycloak" / "realm-rumah.json"


def _realm() -> dict[str, Any]:
    return dict(json.loads(REALM_FILE.read_text()))


def _defaults() -> MonevSettings:
    """The declared defaults, whatever RUMAH_MONEV_* this environment sets."""
    fields = MonevSettings.model_fields
    return MonevSettings.model_construct(**{n: f.default for n, f in fields.items()})


def _client(realm: dict[str, Any], client_id: str) -> dict[str, Any]:
    found = [c for c in realm["clients"] if c["clientId"] == client_id]
    assert len(found) == 1, f"the realm has no client {client_id!r}"
    return dict(found[0])


def _mapped_claims(realm: dict[str, Any], client: dict[str, Any]) -> dict[str, dict[str, str]]:
    """claim name -> mapper config, over the client's default scopes."""
    scopes = {s["name"]: s for s in realm["clientScopes"]}
    claims: dict[str, dict[str, str]] = {}
    for name in client["defaultClientScopes"]:
        for mapper in scopes[name].get("protocolMappers", []):
            if "claim.name" in mapper["config"]:
                claims[mapper["config"]["claim.name"]] = mapper["config"]
    return claims


def test_the_default_client_is_the_realms_public_pkce_client() -> None:
    settings, realm = _defaults(), _realm()
    client = _client(realm, settings.oidc_client_id)
    assert client["enabled"] and client["publicClient"] and client["standardFlowEnabled"]
    assert not client["implicitFlowEnabled"] and not client["directAccessGrantsEnabled"]
    assert client["attributes"]["pkce.code.challenge.method"] == "S256"
    callback = settings.public_url.rstrip("/") + "/masuk/callback"
    # Keycloak's redirect URIs: exact, or a prefix ending in "*"
    assert any(fnmatch.fnmatchcase(callback, uri) for uri in client["redirectUris"])
    assert set(settings.oidc_scopes.split()) == {"openid"}  # the client's scopes come by default


def test_the_default_discovery_url_is_the_realm_on_the_port_infra_starts_keycloak() -> None:
    settings, realm = _defaults(), _realm()
    keycloak = InfraSettings.model_fields["keycloak_url"].default
    expected = f"{keycloak}/realms/{realm['realm']}/.well-known/openid-configuration"
    assert settings.oidc_discovery_url == expected
    assert urlsplit(settings.oidc_discovery_url).port == urlsplit(keycloak).port == 8180


def test_the_role_and_opd_claims_are_the_ones_the_realm_maps() -> None:
    settings, realm = _defaults(), _realm()
    claims = _mapped_claims(realm, _client(realm, settings.oidc_client_id))
    assert claims[settings.oidc_role_claim]["access.token.claim"] == "true"
    assert claims[settings.oidc_opd_claim]["access.token.claim"] == "true"
    roles = {r["name"] for r in realm["roles"]["realm"]}
    assert {"auditor", "operator", "integrator"} <= roles


def test_a_dotted_claim_reaches_into_objects() -> None:
    token = {"realm_access": {"roles": ["auditor"]}, "opd": "BPKD", "flat": "x"}
    assert claim(token, "realm_access.roles") == ["auditor"]
    assert claim(token, "opd") == "BPKD"
    assert claim(token, "flat.deeper") is None and claim(token, "missing.roles") is None
