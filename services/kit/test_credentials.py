"""Gateway credentials for tests: a key pair, the subgraphs' settings that trust it, and
tokens signed with it exactly as the gateway signs them (``gateway/auth/subgraph_credentials``;
a contract test checks the two agree)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from functools import cached_property
from typing import Any

import jwt
from pydantic import SecretStr

from rumah.common.keys import key_id, load_private_key, new_signing_key
from services.kit.subgraph_auth import SubgraphAuthSettings


class SigningKeys:
    """A gateway key pair for one test (fresh each time: nothing to leak between tests)."""

    def __init__(self) -> None:
        self.private_pem, self.public_pem = new_signing_key()

    @cached_property
    def _key(self) -> Any:
        return load_private_key(self.private_pem, "test key")

    def subgraph_settings(self) -> SubgraphAuthSettings:
        return SubgraphAuthSettings(gateway_keys=SecretStr(self.public_pem))  # type: ignore[call-arg]

    def token(
        self,
        audience: str,
        *,
        roles: Iterable[str] = ("auditor",),
        scopes: Iterable[str] = (),
        opd: str | None = None,
        subject: str = "test",
        ttl_s: int = 60,
        issued_at: float | None = None,
        issuer: str = "rumah-gateway",
    ) -> str:
        iat = int(time.time() if issued_at is None else issued_at)
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": audience,
            "sub": subject,
            "iat": iat,
            "exp": iat + ttl_s,
            "roles": sorted(roles),
            "scope": " ".join(sorted(scopes)),
            "idp": "test",
        }
        if opd is not None:
            claims["opd"] = opd
        headers = {"kid": key_id(self._key.public_key()), "typ": "JWT"}
        return jwt.encode(claims, self._key, algorithm="EdDSA", headers=headers)

    def headers(self, audience: str, **claims: Any) -> Mapping[str, str]:
        """``{"authorization": "Bearer …"}`` signed when read, so a module-level constant
        never hands out a credential that expired while a long test run went on."""
        return _FreshHeaders(self, audience, claims)


class _FreshHeaders(Mapping[str, str]):
    def __init__(self, keys: SigningKeys, audience: str, claims: dict[str, Any]) -> None:
        self._keys, self._audience, self._claims = keys, audience, claims

    def __getitem__(self, name: str) -> str:
        if name != "authorization":
            raise KeyError(name)
        return "Bearer " + self._keys.token(self._audience, **self._claims)

    def __iter__(self) -> Iterator[str]:
        return iter(("authorization",))

    def __len__(self) -> int:
        return 1
