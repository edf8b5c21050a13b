"""RUMAH_GATEWAY_TOKENS parsing, the static authenticator and token extraction."""

# ruff: noqa: E501 - tables of cases read best one per line

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.auth import (
    Principal,
    StaticTokenAuthenticator,
    authenticator_from_setting,
    bearer_token,
    parse_tokens,
    token_from_init_payload,
)
from rumah.common.secret_settings import SecretSettingError

CONFIG = (
    '{"t-audit": {"role": "auditor"}, "t-lic": {"role": "integrator", "opd": "licensing", '
    '"name": "licensing-app"}, "t-op": "operator"}'
)


AUDITOR = Principal("static-token-1", frozenset({"auditor"}))
LICENSING = Principal(
    "licensing-app", frozenset({"integrator"}), opd="licensing", name="licensing-app"
)
OPERATOR = Principal("static-token-3", frozenset({"operator"}))


def test_tokens_map_to_principals_from_json_text() -> None:
    assert parse_tokens(CONFIG) == {"t-audit": AUDITOR, "t-lic": LICENSING, "t-op": OPERATOR}


def test_a_token_may_list_its_scopes() -> None:
    [principal] = parse_tokens(
        '{"t": {"role": "auditor", "scopes": ["a:read", "b:read"]}}'
    ).values()
    assert principal.scopes == frozenset({"a:read", "b:read"})
    assert principal.role == "auditor"


def test_tokens_may_come_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(CONFIG)
    assert parse_tokens(str(path))["t-audit"] == AUDITOR
    assert parse_tokens(f"  {path}\n")["t-op"] == OPERATOR


def test_no_tokens_means_an_open_gateway() -> None:
    assert authenticator_from_setting("") is None
    assert authenticator_from_setting("   ") is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{}", "holds no tokens"),
        ("{not json", "not valid JSON"),
        ('["t"]', "must be a JSON object"),
        ('{"s3cret": {"role": "admin"}}', "entry 1: role must be one of"),
        (
            '{"a": "auditor", "s3cret": {"role": "integrator"}}',
            "entry 2: an integrator token needs an opd",
        ),
        ('{"s3cret": {"role": "auditor", "scope": []}}', "unknown keys ['scope']"),
        (
            '{"s3cret": {"role": "auditor", "scopes": "a b"}}',
            "scopes must be a list of scope names",
        ),
        (
            '{"s3cret": {"role": "auditor", "scopes": ["a b"]}}',
            "scopes must be a list of scope names",
        ),
        (
            '{"s3cret": {"role": "integrator", "opd": "  "}}',
            "opd must be a non-empty printable ASCII",
        ),
        ('{"s3cret": {"role": "integrator", "opd": "dinas\\u00e9"}}', "printable ASCII"),
        ('{"s3 cret": "auditor"}', "no whitespace"),
        ('{"": "auditor"}', "no whitespace"),
        ('{"s3cret": 7}', 'expected {"role": …}'),
        ("/nonexistent/s3cret.json", "cannot read the file it names"),
        ("s3cret", "cannot read the file it names"),
    ],
)
def test_bad_configuration_is_refused_without_showing_a_token(raw: str, message: str) -> None:
    with pytest.raises(SecretSettingError) as info:  # TokenConfigError or a file error
        authenticator_from_setting(raw)
    assert message in str(info.value)
    assert "s3cret" not in str(info.value)


async def test_the_authenticator_accepts_only_configured_tokens() -> None:
    auth = StaticTokenAuthenticator(parse_tokens(CONFIG))
    assert len(auth) == 3
    assert await auth.authenticate("t-lic") == LICENSING
    assert await auth.authenticate(None) is None
    assert await auth.authenticate("") is None
    assert await auth.authenticate("t-li") is None
    assert await auth.authenticate("t-lic ") is None


@pytest.mark.parametrize(
    ("value", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer abc", "abc"),
        ("  BEARER   abc  ", "abc"),
        ("Basic abc", None),
        ("Bearer", None),
        ("Bearer ", None),
        ("abc", None),
        ("", None),
        (None, None),
    ],
)
def test_bearer_tokens_are_read_from_authorization_values(
    value: str | None, token: str | None
) -> None:
    assert bearer_token(value) == token


@pytest.mark.parametrize(
    ("payload", "token"),
    [
        ({"Authorization": "Bearer a"}, "a"),
        ({"authorization": "Bearer a"}, "a"),
        ({"token": "a"}, "a"),
        ({"token": "Bearer a"}, "a"),
        ({"Authorization": "a"}, None),
        ({"token": 5}, None),
        ({}, None),
        (None, None),
        ("Bearer a", None),
    ],
)
def test_init_payload_tokens(payload: object, token: str | None) -> None:
    assert token_from_init_payload(payload) == token
