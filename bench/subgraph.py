"""Requests/s of one OPD subgraph (licensing, embedded store) for its typical queries.

Starts the licensing upstream simulator and the licensing service on their own ports and a
temporary data directory, waits until the service has synced a first page of permits, then
runs wrk (one connection set, one service process) on:

* ``list``     — ``permitApplications(first: 10)`` with the usual fields;
* ``entities`` — ``_entities`` for 10 permit references (what the gateway sends on a join).

    .venv/bin/python -m bench.subgraph [--duration 10] [--connections 32]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import orjson

from bench.gateway.run import PY, _process, _wait_http, _wrk
from services.kit.test_credentials import SigningKeys

SERVICE_PORT, SIM_PORT = 4654, 4754
URL = f"http://127.0.0.1:{SERVICE_PORT}/graphql"
LIST = """{ permitApplications(first: 10) { items { id permitType applicant kecamatan status
  submittedOn verifier { id } } nextCursor } }"""
ENTITIES = """query($r: [_Any!]!) { _entities(representations: $r) {
  ... on PermitApplication { id applicant status kecamatan } } }"""


KEYS = SigningKeys()  # stands in for the gateway: the service trusts only its credentials


def _auth() -> str:
    return "Bearer " + KEYS.token("licensing", roles=("auditor",))


def _post(query: str, variables: dict[str, Any] | None = None) -> Any:
    body = orjson.dumps({"query": query, "variables": variables or {}})
    headers = {"content-type": "application/json", "authorization": _auth()}
    request = urllib.request.Request(URL, body, headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return orjson.loads(response.read())


def _ids(timeout: float = 90.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items = _post(LIST)["data"]["permitApplications"]["items"]
        if len(items) >= 10:
            return [item["id"] for item in items]
        time.sleep(0.5)
    raise RuntimeError("the licensing service did not sync 10 permits in time")


def subgraph_rps(duration: int = 10, connections: int = 32) -> dict[str, Any]:
    """Blocking; requests/s and latency of the list and the entities query."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "RUMAH_BACKEND": "embedded",
            "RUMAH_DATA_DIR": tmp,
            "RUMAH_LICENSING_PORT": str(SERVICE_PORT),
            "RUMAH_LICENSING_UPSTREAM_URL": f"http://127.0.0.1:{SIM_PORT}",
            "RUMAH_LICENSING_LOG_LEVEL": "WARNING",
            "RUMAH_LICENSING_SIM_PORT": str(SIM_PORT),
            "RUMAH_LICENSING_SIM_RATE": "0",
            "RUMAH_LICENSING_SIM_WEBHOOK_URL": f"http://127.0.0.1:{SERVICE_PORT}/webhook",
            "RUMAH_SUBGRAPH_GATEWAY_KEYS": KEYS.public_pem,
        }
        sim = [PY, "-m", "rumah.cli", "service", "simulate", "licensing"]
        svc = [PY, "-m", "rumah.cli", "service", "serve", "licensing"]
        with _process(sim, env), _process(svc, env):
            _wait_http(f"http://127.0.0.1:{SERVICE_PORT}/health/ready", 120)
            refs = [{"__typename": "PermitApplication", "id": i} for i in _ids()]
            out: dict[str, Any] = {"duration_s": duration, "connections": connections}
            for name, body in (
                ("list", {"query": LIST}),
                ("entities", {"query": ENTITIES, "variables": {"r": refs}}),
            ):
                path = Path(tmp) / f"{name}.json"
                path.write_bytes(orjson.dumps(body))
                _wrk(URL, path, 2, connections, authorization=_auth())  # warm-up
                rate, text = _wrk(URL, path, duration, connections, authorization=_auth())
                errors = text.split("non2xx_or_errors=")[-1].split()[0]
                out[name] = {"rps": rate, "errors": int(errors)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    print(json.dumps(subgraph_rps(args.duration, args.connections), indent=2))


if __name__ == "__main__":
    main()
