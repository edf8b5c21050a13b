"""What authentication costs the served gateway, as a repeatable count: machine instructions
per request of the gateway process (valgrind's callgrind), with auth off, off with the JWT
sent anyway, and JWT on — the three sides of ``bench.gateway.auth_cost``, counted instead of
timed, for before/after decisions on a loaded, shared machine where CPU time varies by
several microseconds from run to run.

The gateway runs under ``valgrind --tool=callgrind`` behind uvicorn as in production
(``python -m gateway serve``); after a warm-up its counters are zeroed, wrk sends requests
for ``--duration`` seconds, the counters are dumped and divided by the requests wrk
completed. The whole process is counted (the HTTP parser, the event loop, the subgraph
client), not the kernel. The bench subgraphs and the issuer run on ports of their own
(45101–45104, 45480), so this can run beside the timed benches.

    .venv/bin/python -m bench.gateway.auth_instructions [--duration 10] [--connections 4]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson

from bench.gateway.auth_cost import QUERY, access_gate, http_parser, issuer
from bench.gateway.run import HERE, PY, _process, _wait_http, _wait_port, _wrk
from bench.gateway.subgraphs import PORTS
from rumah.common.keys import new_signing_key

OFFSET = 41_000  # the bench subgraphs' ports + OFFSET: clear of the timed benches' ports
GATEWAY_PORT = 45_480


def _serve_subgraphs() -> None:
    import uvloop

    from bench.gateway.subgraphs import Subgraph, serve

    uvloop.run(serve({port + OFFSET: Subgraph(name) for name, port in PORTS.items()}))


def _count(
    out: Path, env: dict[str, str], body: Path, duration: int, connections: int, auth: str | None
) -> tuple[int, int]:
    """(instructions, requests) of one measured wrk run against the gateway under callgrind."""
    command = [
        "valgrind",
        "--tool=callgrind",
        f"--callgrind-out-file={out}.%p",
        PY,
        "-m",
        "gateway",
        "serve",
        "--supergraph",
        str(HERE / "supergraph.graphql"),
        "--port",
        str(GATEWAY_PORT),
    ]
    url = f"http://127.0.0.1:{GATEWAY_PORT}/graphql"
    with _process(command, {**env, "PYTHONHASHSEED": "0"}) as proc:
        _wait_http(f"http://127.0.0.1:{GATEWAY_PORT}/health", 600)
        _wrk(url, body, 5, connections, timeout_s=30, authorization=auth)  # warm-up
        subprocess.run(
            ["callgrind_control", "--zero", str(proc.pid)], check=True, capture_output=True
        )
        _, output = _wrk(url, body, duration, connections, timeout_s=30, authorization=auth)
        subprocess.run(
            ["callgrind_control", "--dump=measured", str(proc.pid)], check=True, capture_output=True
        )
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    errors = int(output.split("non2xx_or_errors=")[-1].split()[0])
    if errors:
        raise RuntimeError(f"{errors} requests failed")
    for dump in out.parent.glob(out.name + ".*"):
        text = dump.read_text(errors="replace")
        if "measured" in text.split("\nfn=", 1)[0]:
            found = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
            assert found, dump
            return int(found.group(1)), requests
    raise RuntimeError("callgrind wrote no dump")


def auth_instructions(duration: int = 10, connections: int = 4) -> dict[str, Any]:
    urls = {name: f"http://127.0.0.1:{port + OFFSET}/graphql" for name, port in PORTS.items()}
    off_env = {
        "RUMAH_GATEWAY_LOG_LEVEL": "warning",
        "RUMAH_GATEWAY_AUTH": "none",
        "RUMAH_GATEWAY_ACCESS_RECORDS": "off",
        "RUMAH_GATEWAY_SUBGRAPH_URLS": json.dumps(urls),
    }
    out: dict[str, Any] = {
        "duration_s": duration,
        "connections": connections,
        "query": QUERY,
        "http_parser": http_parser(),
        "access_gate": access_gate(),
    }
    with contextlib.ExitStack() as stack:
        stack.enter_context(
            _process(
                [PY, "-c", "from bench.gateway.auth_instructions import _serve_subgraphs as s; s()"]
            )
        )
        for port in PORTS.values():
            _wait_port(port + OFFSET)
        url, token = stack.enter_context(issuer())
        on_env = {
            **off_env,
            "RUMAH_GATEWAY_AUTH": "required",
            "RUMAH_GATEWAY_OIDC_ISSUER": url,
            "RUMAH_GATEWAY_SUBGRAPH_SIGNING_KEY": new_signing_key()[0],
            "RUMAH_GATEWAY_RATE_LIMIT_PER_S": "1000000",
            "RUMAH_GATEWAY_RATE_LIMIT_BURST": "1000000",
        }
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        body = tmp / "q.json"
        body.write_bytes(
            orjson.dumps({"query": (HERE / "queries" / f"{QUERY}.graphql").read_text()})
        )
        sides = (("off", off_env, None), ("off_token", off_env, token), ("on", on_env, token))
        for side, env, auth in sides:
            bearer = f"Bearer {auth}" if auth else None
            count, requests = _count(tmp / side, env, body, duration, connections, bearer)
            out[side] = {"requests": requests, "per_request": round(count / requests)}
    off, token_only, on = (out[s]["per_request"] for s in ("off", "off_token", "on"))
    out["on_vs_off_percent"] = round((on / off - 1) * 100, 1)
    out["token_bytes_percent"] = round((token_only / off - 1) * 100, 1)
    out["auth_work"] = on - token_only
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    result = auth_instructions(args.duration, args.connections)
    print(
        f"gateway, {result['query']}, under callgrind"
        f" ({result['http_parser']}; {result['access_gate']}):"
    )
    for side in ("off", "off_token", "on"):
        row = result[side]
        print(f"  {side:10s} {row['per_request']:9,d} instructions/request  (n={row['requests']})")
    print(
        f"  JWT on vs off: {result['on_vs_off_percent']:+.1f} %; the token's bytes alone "
        f"{result['token_bytes_percent']:+.1f} %; the auth work beyond them "
        f"{result['auth_work']:+,d} instructions/request"
    )
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
