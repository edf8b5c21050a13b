"""The chain format: canonical bytes and entry hashes are stable and cover every input."""

from __future__ import annotations

import hashlib

from services.ledger.chain import (
    GENESIS,
    canonical,
    entry_hash,
    event_json,
    normalise,
    parse_seq_id,
    seq_id,
)


def test_canonical_json_sorts_keys_at_every_level_without_whitespace_in_utf8() -> None:
    value = {"b": 1, "a": {"d": [1, {"z": True, "y": None}], "c": "é"}}
    assert canonical(value) == '{"a":{"c":"é","d":[1,{"y":null,"z":true}]},"b":1}'.encode()


def test_integral_floats_are_normalised_to_integers_as_rfc_8785_writes_them() -> None:
    assert canonical(normalise({"a": 100.0, "b": [2.5, -3.0], "c": 1e300})) == (
        b'{"a":100,"b":[2.5,-3],"c":1e+300}'
    )


def test_entry_hash_is_sha256_of_seq_time_prev_hash_and_canonical_event() -> None:
    event = event_json({"id": "e1", "data": {"x": 1.0}})
    assert event == '{"data":{"x":1},"id":"e1"}'
    expected = hashlib.sha256(
        b"7\n2026-03-10T03:00:01.000000Z\n" + GENESIS.encode() + b'\n{"data":{"x":1},"id":"e1"}'
    ).hexdigest()
    assert entry_hash(7, "2026-03-10T03:00:01.000000Z", GENESIS, event) == expected


def test_every_input_of_the_hash_changes_it() -> None:
    base = entry_hash(1, "t", GENESIS, '{"a":1}')
    variants = [
        entry_hash(2, "t", GENESIS, '{"a":1}'),
        entry_hash(1, "u", GENESIS, '{"a":1}'),
        entry_hash(1, "t", "1" * 64, '{"a":1}'),
        entry_hash(1, "t", GENESIS, '{"a":2}'),
    ]
    assert base not in variants and len(set(variants)) == 4


def test_positions_are_zero_padded_ids_in_sequence_order() -> None:
    assert seq_id(42) == "000000000042"
    assert sorted(seq_id(n) for n in (10, 9, 100)) == [seq_id(9), seq_id(10), seq_id(100)]
    assert parse_seq_id("000000000042") == 42
    assert parse_seq_id("00000000042x") is None and parse_seq_id(42) is None
