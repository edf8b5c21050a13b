"""Object keys as orjson hands them out, so dict lookups succeed on identity.

orjson keeps one ``str`` object per short key it has decoded (its key cache): every subgraph
answer's ``"name"`` is the same object. A lookup with another, equal string object finds the
slot by hash and then compares the characters; with orjson's own object it stops at the
identity check. The executor walks every object of a result several times (targets,
representations, shaping), so the keys it looks up with — selection keys, ``requires`` keys,
flatten paths — are made once, when an operation is compiled or planned, with ``json_key``.
It only ever returns an equal string: when orjson's cache has let an entry go, a lookup is
just as fast as before.
"""

from __future__ import annotations

import orjson


def json_key(name: str) -> str:
    """``name``, as the very object orjson gives when it decodes that object key."""
    for key in orjson.loads(orjson.dumps({name: None})):
        return str(key)
    return name  # unreachable: the object has one key
