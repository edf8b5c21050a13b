"""One reading of a request: what decides *whether* a request needs a credential is the
same parsed request the endpoint executes. Issue #9's reproduced bypass — ``GET
/graphql?%71uery=…`` with ``Accept: text/html`` and no token returned data because the
access check looked for the raw bytes ``query=`` while the endpoint percent-decoded
``%71uery`` as ``query`` — is the first case here."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from gw_servers import GatewayFactory, Subgraphs
from yarl import URL

TOKENS = json.dumps({"audit-token": {"role": "auditor"}})
QUERY = '{product(upc:"5"){name}}'


async def _get(url: str, raw_query: str, headers: dict[str, str]) -> tuple[int, str, Any]:
    target = URL(f"{url}?{raw_query}", encoded=True)  # the bytes exactly as written
    async with aiohttp.ClientSession() as session:
        async with session.get(target, headers=headers) as response:
            return response.status, response.headers.get("content-type", ""), await response.read()


@pytest.mark.parametrize("graphiql", [False, True])
@pytest.mark.parametrize(
    "raw_query",
    [
        "%71uery=" + QUERY,  # the reported bypass: q percent-encoded
        "%71%75%65%72%79=" + QUERY,  # every letter encoded
        "qu%65ry=" + QUERY,
        "%71uery=" + QUERY.replace("{", "%7B").replace("}", "%7D"),
    ],
)
async def test_a_percent_encoded_query_parameter_needs_a_token_like_any_other(
    subgraphs: Subgraphs, start_gateway: GatewayFactory, raw_query: str, graphiql: bool
) -> None:
    gateway = await start_gateway(tokens=TOKENS, graphiql=graphiql)
    status, content_type, body = await _get(gateway.http, raw_query, {"accept": "text/html"})
    assert status == 401, body
    assert b"Product 5" not in body
    assert subgraphs.world.products_headers == []  # nothing reached a subgraph
    # the same request with a token is executed: it *is* a query, not a page request
    status, content_type, body = await _get(
        gateway.http, raw_query, {"accept": "text/html", "authorization": "Bearer audit-token"}
    )
    assert status == 200
    assert json.loads(body) == {"data": {"product": {"name": "Product 5"}}}
