"""Headers a client can never send on to subgraphs.

Subgraphs learn the principal only from the credential the gateway signs for them
(``subgraph_credentials``). The headers older versions used to tell it (``X-Rumah-Role``,
``X-Rumah-Opd``) are still stripped from what is forwarded, so a subgraph that has not been
upgraded is not fooled by a client either.
"""

from __future__ import annotations

PRINCIPAL_HEADERS: frozenset[bytes] = frozenset({b"x-rumah-role", b"x-rumah-opd"})
