"""The subgraph credential: what the gateway signs is what a subgraph verifies (the contract
between gateway/auth/subgraph_credentials.py and services/kit/subgraph_auth.py), it is
reused while fresh, and the gateway refuses to start without an identity provider."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from pydantic import SecretStr

from gateway.auth import AccessConfigError, Principal
from gateway.auth.setup import ANONYMOUS, access_from_settings
from gateway.auth.subgraph_credentials import CredentialedFetcher, SubgraphSigner
from gateway.ports import SubgraphRequest
from gateway.settings import GatewaySettings
from rumah.common.keys import load_private_key, load_public_keys, new_signing_key
from services.kit.principal import Principal as SubgraphPrincipal
from services.kit.subgraph_auth import CredentialError, GatewayCredentials

PRIVATE, PUBLIC = new_signing_key()
KEY = load_private_key(PRIVATE, "test")
INTEGRATOR = Principal(
    "app-7", frozenset({"integrator"}), frozenset({"licensing:read"}), opd="DPMPTSP"
)


def verifier(audience: str, **kw: Any) -> GatewayCredentials:
    return GatewayCredentials(load_public_keys(PUBLIC, "test"), audience, **kw)


def test_a_subgraph_reads_the_principal_the_gateway_signed_for_it() -> None:
    token = SubgraphSigner(KEY).token(INTEGRATOR, "licensing")
    assert verifier("licensing").verify(token) == SubgraphPrincipal(
        "app-7", frozenset({"integrator"}), frozenset({"licensing:read"}), "DPMPTSP"
    )
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 60
    assert jwt.get_unverified_header(token)["alg"] == "EdDSA"


def test_a_credential_is_for_one_subgraph_only() -> None:
    token = SubgraphSigner(KEY).token(INTEGRATOR, "licensing")
    with pytest.raises(CredentialError, match="InvalidAudienceError"):
        verifier("personnel").verify(token)


def test_an_expired_credential_is_refused_even_if_it_was_verified_before() -> None:
    now = [1_000_000.0]
    signer = SubgraphSigner(KEY, clock=lambda: now[0])
    token = signer.token(INTEGRATOR, "licensing")
    with pytest.raises(CredentialError, match="ExpiredSignatureError"):
        verifier("licensing").verify(token)  # that clock is long past
    check = verifier("licensing", clock=lambda: now[0])
    assert check.verify(token).subject == "app-7"  # fresh by the same clock
    now[0] += 66  # past exp + 5 s leeway: the cached verification does not outlive it
    with pytest.raises(CredentialError, match="ExpiredSignatureError"):
        check.verify(token)


def test_tokens_are_reused_for_half_their_lifetime_then_renewed() -> None:
    now = [1_000_000.0]
    signer = SubgraphSigner(KEY, clock=lambda: now[0])
    first = signer.token(INTEGRATOR, "licensing")
    now[0] += 29
    assert signer.token(INTEGRATOR, "licensing") == first
    assert signer.token(INTEGRATOR, "finance") != first
    assert signer.token(ANONYMOUS, "licensing") != first
    now[0] += 2
    assert signer.token(INTEGRATOR, "licensing") != first


def test_a_ready_credential_is_reused_per_principal_while_its_token_is() -> None:
    now = [1_000_000.0]
    signer = SubgraphSigner(KEY, clock=lambda: now[0])
    ready = signer.credential(INTEGRATOR, "licensing")
    assert ready.headers == {"authorization": "Bearer " + signer.token(INTEGRATOR, "licensing")}
    assert ready.encoded == f"authorization: {ready.headers['authorization']}\r\n".encode()
    assert signer.credential(INTEGRATOR, "licensing") is ready
    # an equal principal (another token of the same caller) carries the same token
    twin = Principal("app-7", INTEGRATOR.roles, INTEGRATOR.scopes, opd="DPMPTSP")
    assert signer.credential(twin, "licensing").headers == ready.headers
    assert signer.credential(twin, "licensing") is ready  # (and so their fetches are shared)
    other = Principal("app-7", INTEGRATOR.roles, frozenset({"finance:read"}), opd="DPMPTSP")
    assert signer.credential(other, "licensing").headers != ready.headers  # other grants
    assert signer.credential(INTEGRATOR, "finance").headers != ready.headers
    now[0] += 31  # half the lifetime: a new token, a new credential
    renewed = signer.credential(INTEGRATOR, "licensing")
    assert renewed is not ready and renewed.headers != ready.headers
    token = renewed.headers["authorization"].removeprefix("Bearer ")
    assert verifier("licensing", clock=lambda: now[0]).verify(token).subject == "app-7"


def test_the_fetcher_replaces_any_forwarded_authorization_with_the_credential() -> None:
    seen: list[SubgraphRequest] = []

    class Inner:
        async def fetch(self, request: SubgraphRequest) -> Any:
            seen.append(request)
            return {"data": {}}

    import asyncio

    fetcher = CredentialedFetcher(Inner(), SubgraphSigner(KEY))
    request = SubgraphRequest(
        "licensing",
        "{ a }",
        None,
        None,
        {"authorization": "Bearer client", "x-t": "1"},
        INTEGRATOR,
        shareable=True,
    )
    asyncio.run(fetcher.fetch(request))
    [sent] = seen
    assert sent.headers is not None and sent.headers["x-t"] == "1"
    assert sent.shareable  # still may share an identical in-flight fetch (same credential)
    token = sent.headers["authorization"].removeprefix("Bearer ")
    assert verifier("licensing").verify(token).subject == "app-7"


def _settings(**values: Any) -> GatewaySettings:
    return GatewaySettings(_env_file=None, **values)  # type: ignore[call-arg]


async def test_the_gateway_does_not_start_without_an_identity_provider() -> None:
    with pytest.raises(AccessConfigError, match="no identity provider"):
        access_from_settings(_settings())
    open_gateway = access_from_settings(_settings(auth="none"))
    assert open_gateway.health() == {
        "auth": "none",
        "warning": "RUMAH_GATEWAY_AUTH=none: every request is served without a credential",
    }
    assert await open_gateway.authenticator.authenticate(None) == ANONYMOUS
    guarded = access_from_settings(_settings(tokens=SecretStr('{"t": "auditor"}')))
    assert guarded.health() == {} and guarded.signer is None


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----", "not an unencrypted PEM"),
        ("/nonexistent/key.pem", "cannot read the file it names"),
    ],
)
def test_a_bad_signing_key_stops_start_up_without_showing_it(key: str, message: str) -> None:
    with pytest.raises(Exception, match=message) as info:
        access_from_settings(_settings(auth="none", subgraph_signing_key=SecretStr(key)))
    assert "nope" not in str(info.value) and "key.pem" not in str(info.value)


def test_ready_credentials_are_bounded() -> None:
    signer = SubgraphSigner(KEY, cache_size=3)
    callers = [Principal(f"app-{i}", frozenset({"integrator"}), opd="DPMPTSP") for i in range(7)]
    for caller in callers:
        first = signer.credential(caller, "licensing")
        assert signer.credential(caller, "licensing") is first
        assert sum(len(ready) for ready in signer._ready.values()) <= 3
    token = signer.credential(callers[0], "licensing").headers["authorization"]
    assert verifier("licensing").verify(token.removeprefix("Bearer ")).subject == "app-0"
