"""The chain format: canonical event bytes, entry hashes, positions as document ids.

An entry's hash is ``SHA-256(f"{seq}\\n{recordedAt}\\n{prevHash}\\n".encode() + eventJson)``
as 64 lowercase hex digits, where ``eventJson`` is the UTF-8 canonical JSON of the event,
stored verbatim in the entry; the first entry's ``prevHash`` is ``GENESIS`` (64 zeros).
``canonical`` is RFC 8785-style JSON: object keys sorted, no whitespace, UTF-8, strings
escaped minimally; floats with an integral value are written as integers (``normalise``).
Storing the exact bytes that were hashed means verification never re-serialises and no
database type conversion can change what was hashed.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

GENESIS = "0" * 64
SEQ_DIGITS = 12
_MAX_SAFE = 2**53


def canonical(event: Any) -> bytes:
    """The canonical bytes of a JSON value (sorted keys, compact, UTF-8)."""
    return orjson.dumps(event, option=orjson.OPT_SORT_KEYS)


def event_json(event: Any) -> str:
    """The text stored and hashed for ``event``: canonical JSON of its normalised form."""
    return canonical(normalise(event)).decode()


def entry_hash(seq: int, recorded_at: str, prev_hash: str, event_text: str) -> str:
    """The hash of the entry at ``seq`` (see the module docstring for the exact bytes)."""
    h = hashlib.sha256(f"{seq}\n{recorded_at}\n{prev_hash}\n".encode())
    h.update(event_text.encode())
    return h.hexdigest()


def normalise(value: Any) -> Any:
    """``value`` with integral floats (|x| < 2**53) as ints, as RFC 8785 writes them."""
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < _MAX_SAFE:
        return int(value)
    return value


def seq_id(seq: int) -> str:
    """The document id of position ``seq``: zero-padded, so id order is sequence order."""
    return f"{seq:0{SEQ_DIGITS}d}"


def parse_seq_id(doc_id: Any) -> int | None:
    """The position a document id names, or None if it is not a canonical position id."""
    if isinstance(doc_id, str) and len(doc_id) == SEQ_DIGITS and doc_id.isdigit():
        return int(doc_id)
    return None
