"""Monev's small pieces: redirect targets, the session cookie, CSV cells, overview rows."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.requests import Request
from starlette.responses import Response

from monev.auth import SignInFailed, User
from monev.auth.local import ensure_credentials, gateway_tokens, read_credentials
from monev.auth.session import SESSION_COOKIE, CookieJar, fernet_for
from monev.pages import overview
from monev.safe import safe_next
from monev.tables import Table


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/anggaran?opd=BPKD", "/anggaran?opd=BPKD"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil", "/"),
        (None, "/"),
        ("relative", "/"),
        ("/ok\r\nSet-Cookie: x", "/"),
    ],
)
def test_only_same_site_paths_are_followed_after_sign_in(given: str | None, expected: str) -> None:
    assert safe_next(given) == expected


def _request(cookie: str | None) -> Request:
    headers = [(b"cookie", f"{SESSION_COOKIE}={cookie}".encode())] if cookie else []
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers})


def _cookie(response: Response) -> str:
    header = response.headers["set-cookie"]
    return header.split(";", 1)[0].split("=", 1)[1]


def test_the_session_cookie_is_encrypted_httponly_lax_and_reads_back() -> None:
    jar = CookieJar(fernet_for("x" * 32), secure=True, max_age_s=3600)
    user = User("Auditor", "auditor", None, "secret-token", time.time() + 600)
    response = Response()
    jar.save_user(response, user)
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=lax" in header and "secure" in header
    value = _cookie(response)
    assert "secret-token" not in value and "auditor" not in value
    assert jar.user(_request(value)) == user


def test_a_forged_or_foreign_or_expired_session_is_no_session() -> None:
    jar = CookieJar(fernet_for("x" * 32), secure=False, max_age_s=3600)
    other = CookieJar(fernet_for("y" * 32), secure=False, max_age_s=3600)
    response = Response()
    other.save_user(response, User("A", "auditor", None, "t", time.time() + 600))
    assert jar.user(_request(_cookie(response))) is None  # another key
    assert jar.user(_request("not-a-fernet-token")) is None
    expired = Response()
    jar.save_user(expired, User("A", "auditor", None, "t", time.time() - 1))
    assert jar.user(_request(_cookie(expired))) is None


def test_dev_credentials_are_created_once_private_and_map_to_gateway_tokens(
    tmp_path: Path,
) -> None:
    path = tmp_path / "var" / "dev-credentials.json"
    first = ensure_credentials(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert ensure_credentials(path) == first  # never rewritten
    assert set(first["tokens"]) == {"auditor", "operator", "integrator"}
    table = gateway_tokens(first)
    assert table[first["tokens"]["integrator"]]["opd"] == "DPMPTSP"
    assert table[first["tokens"]["auditor"]]["role"] == "auditor"
    # the gateway serves a static token only what its scopes allow: the hub adds each role's
    from rumah.freehub import with_role_scopes

    scoped = with_role_scopes(table)
    assert "personal:read" in scoped[first["tokens"]["auditor"]]["scopes"]
    assert "personal:read" not in scoped[first["tokens"]["integrator"]]["scopes"]


def test_unreadable_dev_credentials_are_named_without_showing_a_token(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    with pytest.raises(SignInFailed, match="make run"):
        read_credentials(path)
    path.write_text(json.dumps({"tokens": {"auditor": 5}}))
    with pytest.raises(SignInFailed, match="tokens"):
        read_credentials(path)


def test_csv_cells_cannot_become_spreadsheet_formulas_but_numbers_stay_numbers() -> None:
    table = Table("t", [("a", "A"), ("b", "B")], [{"a": "=HYPERLINK(1)", "b": -5}])
    lines = table.csv().splitlines()
    assert lines == ["A,B", "'=HYPERLINK(1),-5"]


def _app(app_id: str, **kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": app_id,
        "name": app_id.title(),
        "ownerOpd": "BPKD",
        "stage": "PRODUCTION",
        "stageSince": "2026-01-01",
        "url": None,
        "owner": {"id": "2010", "name": "Kepala Bidang", "holder": {"nip": "1", "name": "Ani"}},
        "readiness": {
            "network": "READY",
            "dataCentre": "READY",
            "hardware": "READY",
            "people": "READY",
            "ready": True,
        },
        "uptime": {"up": True, "checkedAt": "2026-01-01T00:00:00Z", "downSince": None},
    }
    for s in overview.SERVICES:
        base[f"{s}Sync"] = None
    base.update(kw)
    return base


def test_problems_sort_first_with_their_reasons() -> None:
    now = datetime(2026, 1, 2, tzinfo=UTC)
    fresh = (now - timedelta(seconds=10)).isoformat()
    sync = {
        "service": "finance",
        "lastSyncAt": fresh,
        "upstreamReachable": False,
        "quarantinedCount": 2,
        "lastError": "503",
    }
    data = {
        "applications": {
            "items": [
                _app("a-ok"),
                _app("b-vacant", owner={"id": "9", "name": "Kabid", "holder": None}),
                _app("c-unreachable", financeSync=sync),
                _app("d-down", uptime={"up": False, "checkedAt": fresh, "downSince": fresh}),
            ]
        }
    }
    rows = overview.rows_from(data, stale_after_s=900, now=now)
    assert [r.id for r in rows] == ["c-unreachable", "d-down", "b-vacant", "a-ok"]
    assert rows[0].reasons == ["unreachable"] and rows[1].reasons == ["down"]
    assert rows[1].uptime_since == now - timedelta(seconds=10)
    assert rows[2].reasons == ["vacant"] and rows[3].reasons == []
    assert overview.counts(rows) == {"problem": 2, "warning": 1, "ok": 1}


def _benefit_data(events: int, more: bool, realisation: str) -> dict[str, object]:
    app = {
        "id": "sicantik",
        "name": "SiCantik",
        "ownerOpd": "DPMPTSP",
        "stage": "PRODUCTION",
        "owner": {"id": "4010", "name": "Kabid", "holder": None},
        "funding": [
            {
                "purpose": "BUILD",
                "fiscalYear": 2026,
                "sharePercent": 30,
                "activity": {
                    "code": "2.18.04.2.01",
                    "budget": {
                        "id": "2026-2.18.04.2.01",
                        "dpaNumber": "DPA",
                        "ceiling": "1000000",
                        "realisation": realisation,
                        "realisationPercent": 10.0,
                    },
                },
            }
        ],
        **{f"{s}Sync": None for s in overview.SERVICES},
        "licensingSync": {"service": "licensing"},
    }
    unwrapped = {**app, "id": "lapor", "licensingSync": None}
    page = {"edges": [{"cursor": str(i)} for i in range(events)], "pageInfo": {"hasNextPage": more}}
    return {
        "applications": {"items": [app, unwrapped]},
        "activities": {"items": [{"code": "2.18.04.2.01", "name": "Pelayanan"}]},
        "licensing30": page,
        "licensing90": page,
    }


@pytest.mark.parametrize(
    ("events", "more", "realisation", "flagged"),
    [
        (0, False, "100000", True),
        (5, False, "100000", True),
        (6, False, "100000", False),
        (3, True, "100000", False),  # a count that stopped early is not "near no use"
        (0, False, "0", False),
    ],  # nothing spent: nothing to flag
)
def test_money_is_flagged_when_spent_with_near_no_use(
    events: int, more: bool, realisation: str, flagged: bool
) -> None:
    from monev.pages import benefit

    data = _benefit_data(events, more, realisation)
    requests = benefit.GatewayRequests(None)  # a reader without access:read: not asked
    sources: list[benefit.UsageSource] = [benefit.LedgerEvents(data), requests]
    rows = {r.id: r for r in benefit.build(data, sources, (30, 90), min_spend=1, max_events=5)}
    row = rows["sicantik"]
    assert row.flagged is flagged
    if realisation != "0":
        assert row.spent == 30000  # 30 % of the activity's realisation
        assert rows["lapor"].flagged and rows["lapor"].reason == "unmeasured"
    assert row.usage["requests"] == {30: None, 90: None}  # cannot tell: shown as such
    assert str(row.usage["events"][30]) == (f"{events}+" if more else f"{events}")


def test_server_sent_events_carry_every_line_of_the_fragment() -> None:
    from monev.live import sse

    assert sse("rows", "<tr>\n<td>1</td>\n</tr>") == (
        "event: rows\ndata: <tr>\ndata: <td>1</td>\ndata: </tr>\n\n"
    )


def test_a_row_changes_when_its_facts_change_not_when_time_passes() -> None:
    now = datetime(2026, 1, 2, tzinfo=UTC)
    sync = {
        "service": "finance",
        "lastSyncAt": now.isoformat(),
        "upstreamReachable": True,
        "quarantinedCount": 0,
        "lastError": None,
    }
    data = {"applications": {"items": [_app("a", financeSync=sync)]}}
    first = overview.rows_from(data, stale_after_s=900, now=now)[0]
    later = overview.rows_from(data, stale_after_s=900, now=now + timedelta(seconds=30))[0]
    assert first.lag_s != later.lag_s and first.signature() == later.signature()
    unreachable = {**sync, "upstreamReachable": False}
    down = {"applications": {"items": [_app("a", financeSync=unreachable)]}}
    assert overview.rows_from(down, stale_after_s=900, now=now)[0].signature() != first.signature()


def test_requests_through_the_gateway_are_counted_from_the_access_records() -> None:
    """Auditors: per application and window, the ledger's access records that read it."""
    from graphql import parse

    from monev.pages import benefit

    document = benefit.requests_query(["sicantik", "lapor"])
    parse(document)  # a valid GraphQL document
    assert 'reads: "Application:sicantik"' in document and "a1_90:" in document
    answer = {
        "a0_30": {"edges": [{"cursor": "1"}] * 3, "pageInfo": {"hasNextPage": False}},
        "a0_90": {"edges": [{"cursor": "1"}] * 5, "pageInfo": {"hasNextPage": True}},
        "a1_30": {"edges": [], "pageInfo": {"hasNextPage": False}},
        "a1_90": {"edges": [], "pageInfo": {"hasNextPage": False}},
    }
    requests = benefit.GatewayRequests(answer)
    requests.ids = {"sicantik": 0, "lapor": 1}
    assert str(requests.count("sicantik", "licensing", 30)) == "3"
    assert str(requests.count("sicantik", "licensing", 90)) == "5+"
    assert str(requests.count("lapor", None, 30)) == "0"
    assert requests.count("unknown-app", None, 30) is None
