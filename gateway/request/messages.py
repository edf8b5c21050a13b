"""Request-error messages in graphql-js wording.

graphql-core quotes names with single quotes (``Cannot query field 'x' on type 'T'.``);
graphql-js — and so Apollo's gateways and the clients written against them — use double
quotes. Only quotes that open after a non-letter are converted, so contractions survive.
"""

from __future__ import annotations

import re

_QUOTED = re.compile(r"(?<![A-Za-z])'([^'\s]+)'")


def js_style(message: str) -> str:
    return _QUOTED.sub(r'"\1"', message) if "'" in message else message
