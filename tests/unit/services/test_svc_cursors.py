"""Page cursors do not leak what they page over: the store's keyset cursor is the sort values
of the last record (for employees, a NIP), so the GraphQL layer hands out sealed cursors
(``services.kit.cursors``) — a client without ``personal:read`` cannot decode NIPs by paging
one employee at a time."""

from __future__ import annotations

import base64
from pathlib import Path
from types import SimpleNamespace

import pytest

from rumah.common.secret_settings import SecretSettingError
from services.kit.cursors import CursorSeal, CursorSettings, SealedCursors, new_cursor_key
from services.kit.graphql.context import RequestContext
from services.kit.ports import ANY_VERSION
from services.kit.principal import Principal
from services.kit.store.rules import InvalidDocument
from services.kit.store.sqlite import SqliteDocumentStore

NIP = "198001012005011001"


def _seal(key: str | None = None, service: str = "personnel") -> CursorSeal:
    return CursorSeal.from_settings(service, CursorSettings(cursor_key=key or ""))


def test_a_sealed_cursor_reads_back_and_hides_its_content() -> None:
    seal = _seal(new_cursor_key())
    inner = base64.urlsafe_b64encode(f'["{NIP}","{NIP}"]'.encode()).decode()
    sealed = seal.seal(inner, "employee")
    assert sealed is not None and NIP not in sealed
    assert NIP.encode() not in base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
    assert seal.seal(inner, "employee") != sealed  # a fresh nonce each time
    assert seal.open(sealed, "employee") == inner
    assert seal.seal(None, "employee") is None and seal.open(None, "employee") is None


def test_a_cursor_opens_only_with_the_same_key_service_and_collection() -> None:
    key = new_cursor_key()
    sealed = _seal(key).seal("abc", "employee")
    assert _seal(key).open(sealed, "employee") == "abc"  # another replica, same key
    for other, collection in [
        (_seal(new_cursor_key()), "employee"),
        (_seal(key), "position"),
        (_seal(key, "licensing"), "employee"),
    ]:
        with pytest.raises(InvalidDocument, match="malformed cursor"):
            other.open(sealed, collection)
    assert sealed is not None
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    for bad in [tampered, "", "e30", "not base64 !!", "A" * 400]:
        with pytest.raises(InvalidDocument, match="malformed cursor"):
            _seal(key).open(bad, "employee")


def test_without_a_key_each_process_draws_one(caplog: pytest.LogCaptureFixture) -> None:
    seal = _seal()
    assert "cursors.process_key" in caplog.text
    assert seal.open(seal.seal("x", "c"), "c") == "x"


def test_the_key_setting_is_checked(tmp_path: Path) -> None:
    for bad in ["ck_short", "ck_!!!!", "ck_" + base64.urlsafe_b64encode(bytes(31)).decode()]:
        with pytest.raises(SecretSettingError):
            _seal(bad)
    path = tmp_path / "cursor.key"
    path.write_text(new_cursor_key() + "\n")
    assert _seal(str(path)).open(_seal(path.read_text().strip()).seal("y", "c"), "c") == "y"
    path.write_text("no prefix here")
    with pytest.raises(SecretSettingError, match="starts with 'ck_'") as info:
        _seal(str(path))
    assert "no prefix" not in str(info.value)


async def test_pages_through_a_request_context_carry_sealed_cursors(tmp_path: Path) -> None:
    from services.personnel.bootstrap import SPEC

    store = SqliteDocumentStore(tmp_path / "s.db")
    await store.start()
    try:
        coll = store.collection("employee")
        for i in range(3):
            nip = f"1980010120050110{i:02d}"
            doc = {"_id": nip, "nip": nip, "opd": "BKD", "name": f"N{i}"}
            await coll.put(doc, expected_version=ANY_VERSION)
        runtime = SimpleNamespace(spec=SPEC, collection=store.collection)
        seal = _seal(new_cursor_key())
        who = Principal("i", frozenset({"integrator"}), opd="BKD")
        ctx = RequestContext(runtime, who, seal)  # type: ignore[arg-type]
        view = ctx.collection("employee")
        assert isinstance(view, SealedCursors)
        seen, after = [], None
        while True:
            page = await view.find(None, sort=[("nip", 1)], limit=1, after=after)
            seen += [d["nip"] for d in page.items]
            if page.next_cursor is None:
                break
            assert "1980" not in page.next_cursor
            assert b"1980" not in base64.urlsafe_b64decode(page.next_cursor + "==")
            after = page.next_cursor
        assert seen == sorted(seen) and len(seen) == 3
        with pytest.raises(InvalidDocument):  # the store's own cursor is not accepted
            raw = base64.urlsafe_b64encode(b'["198001012005011000","198001012005011000"]')
            await view.find(None, sort=[("nip", 1)], limit=1, after=raw.decode().rstrip("="))
        with pytest.raises(AttributeError, match="read-only"):
            view.put  # noqa: B018
    finally:
        await store.stop()
