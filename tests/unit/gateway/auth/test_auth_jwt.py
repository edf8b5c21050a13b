"""OpenID Connect JWTs against a small issuer served in the test (discovery + JWKS over real
HTTP): what is accepted and how it maps to a principal, every kind of bad token refused with
its reason, key rotation, a flood of unknown kids, and the issuer going down."""

# ruff: noqa: E501 - tables of cases read best one per line

from __future__ import annotations

import base64
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.auth import AccessGate, Denial, Principal
from gateway.auth.jwt import InvalidToken, IssuerKeys, JwtAuthenticator, OidcConfig
from services.kit.testing import serve_app

AUDIENCE = "rumah-gateway"


class Issuer:
    """Keys and a JWKS the test controls; counts fetches; can go down."""

    def __init__(self) -> None:
        self.url = ""
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.published: dict[str, Any] = {"rsa-1": (self.rsa, "RS256"), "ec-1": (self.ec, "ES256")}
        self.fetches = 0
        self.down = False

    @property
    def issuer(self) -> str:
        return self.url + "/realms/rumah"

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, (key, alg) in self.published.items():
            jwk = json.loads(jwt.algorithms.get_default_algorithms()[alg].to_jwk(key.public_key()))
            keys.append({**jwk, "kid": kid, "alg": alg, "use": "sig"})
        # an encryption key, as Keycloak publishes one: never used for signatures
        enc = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa.public_key()))
        keys.append({**enc, "kid": "enc-1", "alg": "RSA-OAEP", "use": "enc"})
        return {"keys": keys}

    def app(self) -> Starlette:
        async def discovery(request: Request) -> JSONResponse:
            if self.down:
                return JSONResponse({}, 503)
            return JSONResponse({"issuer": self.issuer, "jwks_uri": self.issuer + "/certs"})

        async def certs(request: Request) -> JSONResponse:
            if self.down:
                return JSONResponse({}, 503)
            self.fetches += 1
            return JSONResponse(self.jwks())

        return Starlette(
            routes=[
                Route("/realms/rumah/.well-known/openid-configuration", discovery),
                Route("/realms/rumah/certs", certs),
            ]
        )

    def token(
        self,
        kid: str = "rsa-1",
        alg: str | None = None,
        key: Any = None,
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": "user-1",
            "iat": now,
            "exp": now + 300,
            "realm_access": {"roles": ["integrator"]},
            "scope": "openid licensing:read ledger:read",
            "opd": "DPMPTSP",
            "preferred_username": "lic-app",
        }
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        signing_key, default_alg = self.published.get(kid, (self.rsa, "RS256"))
        return jwt.encode(
            body,
            key or signing_key,
            algorithm=alg or default_alg,
            headers={"kid": kid, **(headers or {})},
        )


@pytest.fixture
async def issuer() -> AsyncIterator[Issuer]:
    found = Issuer()
    async with serve_app(found.app()) as url:
        found.url = url
        yield found


def authenticator(issuer: Issuer, **options: Any) -> JwtAuthenticator:
    config = OidcConfig(issuer=issuer.issuer, audiences=(AUDIENCE,), leeway_s=5, **options)
    return JwtAuthenticator(config)


async def test_a_valid_token_maps_to_its_principal(issuer: Issuer) -> None:
    auth = authenticator(issuer)
    assert await auth.authenticate(issuer.token()) == Principal(
        "user-1",
        frozenset({"integrator"}),
        frozenset({"openid", "licensing:read", "ledger:read"}),
        "DPMPTSP",
        "lic-app",
        issuer.issuer,
    )
    auditor = issuer.token(
        kid="ec-1", realm_access={"roles": ["auditor"]}, opd=None, scope=None, scp=["a:read"]
    )
    principal = await auth.authenticate(auditor)
    assert (
        principal is not None and principal.roles == {"auditor"} and principal.scopes == {"a:read"}
    )
    assert principal.opd is None
    # the principal remembers when its token stops vouching for it (a WebSocket closes then)
    expiring = await auth.authenticate(issuer.token(exp=1_900_000_000))
    assert expiring is not None and expiring.expires_at == 1_900_000_000.0


async def test_not_a_jwt_is_left_to_other_providers(issuer: Issuer) -> None:
    auth = authenticator(issuer)
    assert await auth.authenticate("dev-abcdef") is None
    assert await auth.authenticate(None) is None
    assert issuer.fetches == 0  # a static token costs the issuer nothing


def _hs_with_public_key(issuer: Issuer) -> str:
    """HS/RS confusion: HMAC-sign with the issuer's *public* key as the secret."""
    pem = issuer.rsa.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    now = int(time.time())
    claims = {"iss": issuer.issuer, "aud": AUDIENCE, "sub": "x", "iat": now, "exp": now + 60}
    header = base64.urlsafe_b64encode(
        json.dumps({"alg": "HS256", "kid": "rsa-1", "typ": "JWT"}).encode()
    ).rstrip(b"=")
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    import hashlib
    import hmac

    signature = base64.urlsafe_b64encode(
        hmac.new(pem, header + b"." + payload, hashlib.sha256).digest()
    ).rstrip(b"=")
    return (header + b"." + payload + b"." + signature).decode()


def _unsigned(issuer: Issuer) -> str:
    now = int(time.time())
    claims = {
        "iss": issuer.issuer,
        "aud": AUDIENCE,
        "sub": "x",
        "iat": now,
        "exp": now + 60,
        "realm_access": {"roles": ["auditor"]},
    }
    return jwt.encode(claims, None, algorithm="none", headers={"kid": "rsa-1"})


def _tampered(issuer: Issuer) -> str:
    header, payload, signature = issuer.token(realm_access={"roles": ["operator"]}, opd=None).split(
        "."
    )
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["realm_access"] = {"roles": ["auditor"]}
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


BAD: list[tuple[str, Any, str]] = [
    (
        "expired",
        lambda i: i.token(iat=int(time.time()) - 400, exp=int(time.time()) - 60),
        "token expired",
    ),
    ("not yet valid (nbf)", lambda i: i.token(nbf=int(time.time()) + 120), "token not yet valid"),
    ("issued in the future", lambda i: i.token(iat=int(time.time()) + 120), "token not yet valid"),
    ("wrong audience", lambda i: i.token(aud="another-api"), "token not for this audience"),
    ("no audience", lambda i: i.token(aud=None), "token lacks the aud claim"),
    (
        "wrong issuer",
        lambda i: i.token(iss="https://evil.example/realms/rumah"),
        "token from another issuer",
    ),
    ("no subject", lambda i: i.token(sub=None), "token lacks the sub claim"),
    ("no expiry", lambda i: i.token(exp=None), "token lacks the exp claim"),
    ("alg none", _unsigned, "algorithm 'none' not accepted"),
    ("HS256 with the public key", _hs_with_public_key, "algorithm 'HS256' not accepted"),
    ("RS384 not allowed", lambda i: i.token(alg="RS384"), "algorithm 'RS384' not accepted"),
    (
        "ES256 header on an RSA key",
        lambda i: i.token(kid="rsa-1", alg="ES256", key=i.ec),
        "the algorithm does not match the key",
    ),
    (
        "unknown kid",
        lambda i: i.token(
            kid="rotated-away", key=rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ),
        "unknown signing key",
    ),
    ("encryption key's kid", lambda i: i.token(kid="enc-1"), "algorithm 'RS256' not accepted"),
    (
        "no kid",
        lambda i: jwt.encode({"sub": "x"}, i.rsa, algorithm="RS256"),
        "the token names no key (kid)",
    ),
    (
        "signed by someone else",
        lambda i: i.token(key=rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        "bad signature or malformed token",
    ),
    ("payload tampered", _tampered, "bad signature or malformed token"),
    ("garbage", lambda i: "a.b.c", "malformed token"),
    (
        "integrator without an opd",
        lambda i: i.token(opd=None),
        "an integrator's token needs an opd claim",
    ),
    ("malformed opd", lambda i: i.token(opd="DPM\nPTSP"), "the opd claim is malformed"),
    (
        "roles not a list",
        lambda i: i.token(realm_access={"roles": "auditor"}),
        "realm_access.roles is not a list of strings",
    ),
]


@pytest.mark.parametrize(("what", "make", "reason"), BAD, ids=[b[0] for b in BAD])
async def test_bad_tokens_are_refused_with_their_reason(
    issuer: Issuer, what: str, make: Any, reason: str
) -> None:
    auth = authenticator(issuer)
    token = make(issuer)
    if what == "encryption key's kid":
        # the enc key is never a signing key: with RS256 forced it is an unknown kid
        reason = "unknown signing key"
    with pytest.raises(InvalidToken) as refused:
        await auth.authenticate(token)
    assert refused.value.description == reason
    assert refused.value.status == 401
    denial = await AccessGate(auth).check((f"Bearer {token}".encode(),))
    assert isinstance(denial, Denial) and denial.status == 401
    assert f'error="invalid_token", error_description="{reason}"' in denial.challenge.decode()


async def test_a_rotated_key_is_fetched_once_and_a_flood_of_unknown_kids_is_not(
    issuer: Issuer,
) -> None:
    auth = authenticator(issuer, jwks_min_interval_s=3600)
    assert await auth.authenticate(issuer.token()) is not None
    assert issuer.fetches == 1
    new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer.published["rsa-2"] = (new_key, "RS256")
    with pytest.raises(InvalidToken, match="unknown signing key"):  # within min interval: no fetch
        await auth.authenticate(issuer.token(kid="rsa-2"))
    assert issuer.fetches == 1
    auth.keys.status.last_attempt = 0.0  # the interval has passed
    assert (await auth.authenticate(issuer.token(kid="rsa-2"))) is not None
    assert issuer.fetches == 2
    for n in range(50):  # made-up kids: refused without asking the issuer again
        with pytest.raises(InvalidToken):
            await auth.authenticate(issuer.token(kid=f"nope-{n}", key=new_key))
    assert issuer.fetches == 2


async def test_a_key_the_issuer_withdraws_stops_working_even_for_cached_tokens(
    issuer: Issuer,
) -> None:
    auth = authenticator(issuer)
    token = issuer.token(kid="ec-1")
    assert await auth.authenticate(token) is not None
    del issuer.published["ec-1"]
    await auth.keys.refresh()
    with pytest.raises(InvalidToken, match="unknown signing key"):
        await auth.authenticate(token)


async def test_the_issuer_down_does_not_block_cached_keys_and_readiness_says_so(
    issuer: Issuer,
) -> None:
    from gateway.auth.setup import Access, Anyone

    auth = authenticator(issuer)
    await auth.keys.refresh()
    issuer.down = True
    await auth.keys.refresh()
    fresh = issuer.token(sub="user-2")  # never seen: verified with the cached key
    principal = await auth.authenticate(fresh)
    assert principal is not None and principal.subject == "user-2"
    access = Access("required", Anyone(), AccessGate(Anyone()), None, [], auth.keys)
    ready, body = access.readiness()
    assert ready  # keys are loaded: requests are served
    assert body["identity"]["keys"] == 2 and "503" in body["identity"]["refreshError"]


async def test_without_any_key_yet_a_token_gets_503_not_401(issuer: Issuer) -> None:
    issuer.down = True
    auth = authenticator(issuer)
    with pytest.raises(InvalidToken) as refused:
        await auth.authenticate(issuer.token())
    assert refused.value.status == 503
    denial = await AccessGate(auth).check((f"Bearer {issuer.token()}".encode(),))
    assert isinstance(denial, Denial) and denial.status == 503


async def test_a_discovery_document_naming_another_issuer_is_not_trusted(issuer: Issuer) -> None:
    config = OidcConfig(issuer=issuer.url + "/realms/other", audiences=(AUDIENCE,), jwks_uri=None)
    keys = IssuerKeys(config)
    await keys.refresh()
    assert keys.keys == {} and keys.status.error is not None


def test_symmetric_or_none_algorithms_cannot_be_configured() -> None:
    for algorithms in ({"HS256"}, {"none"}, {"RS256", "HS512"}, set()):
        with pytest.raises(ValueError, match="only asymmetric algorithms"):
            OidcConfig(issuer="https://x", audiences=("a",), algorithms=frozenset(algorithms))


async def test_a_verified_token_is_checked_once_until_it_expires(issuer: Issuer) -> None:
    auth = authenticator(issuer)
    token = issuer.token()
    first = await auth.authenticate(token)
    calls = []
    original = jwt.decode

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    with contextlib.ExitStack() as stack:
        stack.enter_context(pytest.MonkeyPatch.context()).setattr(jwt, "decode", counting)
        for _ in range(100):
            assert await auth.authenticate(token) == first
    assert calls == []


async def test_a_token_arriving_while_the_first_fetch_runs_waits_for_it(issuer: Issuer) -> None:
    import asyncio

    auth = authenticator(issuer)
    background = asyncio.create_task(auth.keys.run())  # as the gateway's lifespan starts it
    await asyncio.sleep(0)  # the fetch has started, not finished
    try:
        assert await auth.authenticate(issuer.token()) is not None
    finally:
        background.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await background
    assert issuer.fetches == 1


async def test_the_fast_path_knows_a_token_only_after_it_was_verified_and_while_valid(
    issuer: Issuer,
) -> None:
    """``known`` (the gate's per-request fast path) never vouches for a token that was not
    verified, that expired, or whose key the issuer withdrew: it sends those to
    ``authenticate``, which refuses them with the reason."""
    clock = Clock()
    config = OidcConfig(issuer=issuer.issuer, audiences=(AUDIENCE,), leeway_s=5)
    auth = JwtAuthenticator(config, IssuerKeys(config, clock=clock))
    token = issuer.token(kid="ec-1")
    assert auth.known(token) is None  # never verified: not known
    principal = await auth.authenticate(token)
    assert principal is not None and auth.known(token) == principal
    assert auth.known(_tampered(issuer)) is None
    clock.now += 7200  # past its exp and the leeway
    assert auth.known(token) is None and auth.verified(token) is None
    clock.now -= 7200
    assert auth.known(token) == principal
    del issuer.published["ec-1"]
    await auth.keys.refresh()
    assert auth.known(token) is None  # withdrawn key: the cached verdict is gone
    with pytest.raises(InvalidToken, match="unknown signing key"):
        await auth.authenticate(token)


async def test_a_value_sharing_a_remembered_tokens_tail_is_decided_by_the_general_path(
    issuer: Issuer,
) -> None:
    """The fast path finds a remembered value by its last bytes (a JWT's signature): a
    forgery that carries a real token's signature under claims of its own (more roles,
    another subject) shares that tail, and is refused, never admitted as the real one."""
    auth = JwtAuthenticator(OidcConfig(issuer=issuer.issuer, audiences=(AUDIENCE,)))
    gate = AccessGate(auth)
    real = issuer.token(kid="ec-1", sub="integrator-1")
    value = f"Bearer {real}".encode()
    principal = await gate.check((value,))
    assert isinstance(principal, Principal) and gate.admit((value,)) is principal
    header, _, signature = real.split(".")
    claims = {**jwt.decode(real, options={"verify_signature": False}), "sub": "auditor-1"}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged = f"Bearer {header}.{payload}.{signature}".encode()
    assert forged[-32:] == value[-32:] and forged != value
    assert gate.admit((forged,)) is None
    refused = await gate.check((forged,))
    assert isinstance(refused, Denial) and refused.status == 401
    assert gate.admit((forged,)) is None  # never remembered
    assert gate.admit((value,)) is principal  # nor did it push the real one out


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


async def test_the_gates_remembered_values_follow_the_issuers_verdict(issuer: Issuer) -> None:
    """What the gate's fast path remembers for an ``Authorization`` value is the provider's
    own record of the token: it lapses at ``exp`` (plus the leeway) and when the signing key
    is withdrawn — also for a token the provider had already forgotten — and then ``check``
    says why, exactly as without the fast path."""
    clock = Clock()
    config = OidcConfig(issuer=issuer.issuer, audiences=(AUDIENCE,), leeway_s=5, cache_size=1)
    auth = JwtAuthenticator(config, IssuerKeys(config, clock=clock))
    gate = AccessGate(auth)
    value = f"Bearer {issuer.token(kid='ec-1', exp=int(clock.now) + 60)}".encode()
    assert gate.admit((value,)) is None  # never checked: the general path decides
    principal = await gate.check((value,))
    assert isinstance(principal, Principal)
    assert gate.admit((value,)) is principal
    assert gate.admit((value.replace(b"Bearer ", b"bearer "),)) is None  # another value
    clock.now += 64  # past exp, within the leeway: still valid for both
    assert gate.admit((value,)) is principal and await gate.check((value,)) == principal
    clock.now += 2  # past the leeway: the fast path lets the general one decide
    assert gate.admit((value,)) is None
    clock.now -= 66
    # a token refused by the general path (expired by the real clock PyJWT reads) is never
    # remembered
    expired = f"Bearer {issuer.token(kid='ec-1', exp=int(time.time()) - 60)}".encode()
    denial = await gate.check((expired,))
    assert isinstance(denial, Denial) and b"token expired" in denial.challenge
    assert gate.admit((expired,)) is None
    # the provider forgets it (its cache holds one token), then the key is withdrawn: the
    # gate does not keep vouching for what nobody could withdraw any more
    assert await gate.check((value,)) == principal
    assert gate.admit((value,)) is principal
    other = f"Bearer {issuer.token(kid='rsa-1', sub='user-2')}".encode()
    assert isinstance(await gate.check((other,)), Principal)  # pushes ``value`` out
    assert gate.admit((value,)) is None
    assert await gate.check((value,)) == principal  # verified again: remembered again
    assert gate.admit((value,)) == principal
    del issuer.published["ec-1"]
    await auth.keys.refresh()
    assert gate.admit((value,)) is None
    withdrawn = await gate.check((value,))
    assert isinstance(withdrawn, Denial) and b"unknown signing key" in withdrawn.challenge
    # the other key still signs: its token (forgotten by the one-token cache) is verified
    # again and remembered again
    assert gate.admit((other,)) is None
    assert isinstance(await gate.check((other,)), Principal)
    assert gate.admit((other,)) is not None
