"""Page cursors a client cannot read: sealed (AES-GCM) around the store's keyset cursor.

The store's cursor is the sort values of a page's last record (``store/rules.py``) — for
``employees`` sorted by NIP that is a NIP, and a client without ``personal:read`` could
decode the NIPs it is not allowed to select by paging one record at a time. So every page
the GraphQL layer hands out carries the store's cursor encrypted and authenticated (bound to
the service and collection), and ``after`` is opened before the store sees it; anything
else is a ``malformed cursor``.

The key comes from ``RUMAH_SUBGRAPH_CURSOR_KEY`` (``ck_…`` inline, or a file's path; the
same value on every replica so a cursor from one is valid on another; ``rumah run`` puts it
in ``var/dev-credentials.json``). Unset, each process draws its own key and says so once:
cursors then hold only within one process — enough for one replica and for tests.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from rumah.common.secret_settings import SecretSettingError, read_secret_setting
from rumah.common.settings import RumahSettings
from services.kit.ports import Document, Filter, Page
from services.kit.store.rules import InvalidDocument

log = logging.getLogger("rumah.cursors")

PREFIX = "ck_"
_NONCE = 12


class CursorSettings(RumahSettings):
    model_config = SettingsConfigDict(
        **{**RumahSettings.model_config, "env_prefix": "RUMAH_SUBGRAPH_"}
    )

    # the key page cursors are sealed with (ck_ and 43 base64url characters), or a file path
    cursor_key: SecretStr = SecretStr("")


def new_cursor_key() -> str:
    """A fresh key in the setting's format."""
    return PREFIX + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def _material(raw: str) -> bytes:
    text, source = read_secret_setting(raw, "RUMAH_SUBGRAPH_CURSOR_KEY")
    text = text.strip()
    if not text.startswith(PREFIX):
        raise SecretSettingError(f"{source}: a cursor key starts with {PREFIX!r}")
    body = text[len(PREFIX) :]
    try:
        material = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError:
        raise SecretSettingError(f"{source}: the key is not base64url") from None
    if len(material) < 32:
        raise SecretSettingError(f"{source}: the key has fewer than 32 bytes")
    return material


class CursorSeal:
    """Seals and opens page cursors for one service."""

    def __init__(self, material: bytes, service: str = "") -> None:
        key = HKDF(hashes.SHA256(), 32, salt=None, info=b"rumah page cursor v1").derive(material)
        self._aead = AESGCM(key)
        self._service = service.encode()

    @classmethod
    def from_settings(cls, service: str, settings: CursorSettings | None = None) -> CursorSeal:
        raw = (settings or CursorSettings()).cursor_key.get_secret_value().strip()
        if not raw:
            log.warning(
                "cursors.process_key",
                extra={
                    "service": service,
                    "detail": "RUMAH_SUBGRAPH_CURSOR_KEY is not set: "
                    "page cursors are valid only within this process",
                },
            )
            return cls(secrets.token_bytes(32), service)
        return cls(_material(raw), service)

    def seal(self, cursor: str | None, collection: str) -> str | None:
        if cursor is None:
            return None
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, cursor.encode(), self._aad(collection))
        return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")

    def open(self, cursor: str | None, collection: str) -> str | None:
        if cursor is None:
            return None
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            if len(raw) <= _NONCE:
                raise ValueError
            return self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], self._aad(collection)).decode()
        except (ValueError, InvalidTag, UnicodeError):
            raise InvalidDocument("malformed cursor") from None

    def _aad(self, collection: str) -> bytes:
        return self._service + b"\x00" + collection.encode()


class SealedCursors:
    """A collection's read side whose ``find`` takes and returns sealed cursors."""

    def __init__(self, inner: Any, seal: CursorSeal) -> None:
        self.inner, self.seal = inner, seal
        self.name = inner.name

    async def find(
        self, flt: Filter | None = None, *, after: str | None = None, **page: Any
    ) -> Page:
        found = await self.inner.find(flt, after=self.seal.open(after, self.name), **page)
        return Page(items=found.items, next_cursor=self.seal.seal(found.next_cursor, self.name))

    async def get(self, doc_id: str) -> Document | None:
        return await self.inner.get(doc_id)

    async def get_many(
        self, doc_ids: Sequence[str], *, for_write: bool = False
    ) -> dict[str, Document]:
        return await self.inner.get_many(doc_ids, for_write=for_write)

    async def count(self, flt: Filter | None = None) -> int:
        return await self.inner.count(flt)

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"{name}: a request's view of {self.name} is read-only")
