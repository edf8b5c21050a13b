"""Client frames parse into messages or a 4400 reason; parsing never raises."""

from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.subscriptions.closecodes import close_reason
from gateway.subscriptions.messages import (
    Complete,
    ConnectionInit,
    Invalid,
    Ping,
    Pong,
    Subscribe,
    parse_client_message,
    pong,
)


def test_each_client_message_type_parses() -> None:
    assert parse_client_message('{"type":"connection_init"}') == ConnectionInit(None)
    assert parse_client_message('{"type":"connection_init","payload":{"a":1}}') == ConnectionInit(
        {"a": 1}
    )
    assert parse_client_message('{"type":"ping","payload":null}') == Ping(None)
    assert parse_client_message(b'{"type":"pong"}') == Pong(None)
    assert parse_client_message(
        '{"id":"7","type":"subscribe","payload":{"query":"{a}","operationName":null,'
        '"variables":{"x":1},"extensions":{"e":true}}}'
    ) == Subscribe("7", "{a}", None, {"x": 1}, {"e": True})
    assert parse_client_message('{"id":"7","type":"complete"}') == Complete("7")


def test_pong_echoes_the_payload() -> None:
    assert orjson.loads(pong(None)) == {"type": "pong"}
    assert orjson.loads(pong({"t": 1})) == {"type": "pong", "payload": {"t": 1}}


def test_close_reasons_fit_a_control_frame_on_a_character_boundary() -> None:
    assert close_reason("short") == "short"
    cut = close_reason("é" * 100)
    assert len(cut.encode()) <= 123 and set(cut) == {"é"}


_text = st.text(st.characters(codec="utf-8"))  # what a text frame can carry
_int = st.integers(-(2**63), 2**63 - 1)  # what orjson writes
_json = st.recursive(
    st.none() | st.booleans() | _int | st.floats(allow_nan=False) | _text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=12,
)
_types = st.sampled_from(
    [
        "connection_init",
        "connection_ack",
        "ping",
        "pong",
        "subscribe",
        "next",
        "error",
        "complete",
        "",
        "other",
    ]
)
_frames = st.one_of(
    _text,
    st.binary(),
    _json.map(lambda v: orjson.dumps(v)),
    st.fixed_dictionaries(
        {"type": _types},
        optional={
            "id": _json,
            "payload": _json
            | st.fixed_dictionaries(
                {},
                optional={
                    "query": _json,
                    "variables": _json,
                    "operationName": _json,
                    "extensions": _json,
                },
            ),
        },
    ).map(lambda v: orjson.dumps(v)),
)


@settings(max_examples=400, deadline=None)
@given(_frames)
def test_parsing_any_frame_gives_a_message_or_a_reason(frame: str | bytes) -> None:
    parsed = parse_client_message(frame)
    if isinstance(parsed, Invalid):
        assert parsed.reason
    else:
        assert isinstance(parsed, ConnectionInit | Ping | Pong | Subscribe | Complete)
