"""Monev: server-side render time and GraphQL query count of every page, and how long a
simulator change takes to reach an open overview (as the Server-Sent Event the browser swaps
in), on the whole hub running on the embedded default (six OPD services, simulators changing
data at their default rate, gateway with bearer tokens).

Render time is Monev's own ``Server-Timing: total`` (request in → response ready); the target
for the overview is < 300 ms.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from monev.auth.local import ensure_credentials, gateway_tokens
from rumah.freehub import FreeHub, with_role_scopes

PAGES = (
    "ringkasan",
    "anggaran",
    "layanan",
    "kesinambungan",
    "manfaat-anggaran",
    "jejak-audit",
    "laporan",
)
TARGET_MS = 300.0


def _total_ms(header: str) -> float:
    for part in header.split(","):
        name, _, rest = part.strip().partition(";")
        if name == "total":
            return float(rest.split("dur=")[1].split(";")[0])
    raise ValueError(f"no total in Server-Timing {header!r}")


async def _pages(http: aiohttp.ClientSession, base: str, rounds: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for page in PAGES:
        times, queries = [], set()
        for i in range(rounds + 3):
            async with http.get(f"{base}/{page}") as r:
                assert r.status == 200, (page, r.status)
                await r.read()
                if i >= 3:  # the first three warm the plan cache and connections
                    times.append(_total_ms(r.headers["server-timing"]))
                    queries.add(int(r.headers["x-monev-queries"]))
        times.sort()
        out[page] = {
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
            "queries": sorted(queries),
        }
    return out


async def _live(http: aiohttp.ClientSession, base: str, sim: str, samples: int) -> list[float]:
    """Seconds from a readiness assessment in the registry simulator to the SSE ``rows``
    event that carries it."""
    out = []
    async with http.get(f"{base}/ringkasan/langsung", timeout=aiohttp.ClientTimeout(None)) as r:
        lines = r.content

        async def next_rows() -> str:
            event, data = "", []
            async for raw in lines:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
                elif not line:
                    if event == "rows":
                        return "\n".join(data)
                    event, data = "", []
            raise RuntimeError("stream ended")

        await next_rows()
        for n in range(samples):
            level = n % 2  # toggle the network dimension of sipjalan between 0 and 1
            started = time.monotonic()
            body = {"id_aplikasi": "sipjalan", "dimensi": "jaringan", "tingkat": level}
            async with http.post(f"{sim}/_admin/aksi/nilai_kesiapan", json=body) as resp:
                assert resp.status == 200, await resp.text()
            wanted = "not_ready" if level == 0 else "partial"
            while True:
                rows = await asyncio.wait_for(next_rows(), 30)
                row = rows.split('id="app-sipjalan"', 1)[1].split("</tr>", 1)[0]
                network = row.split('class="lvl ', 1)[1].split('"', 1)[0]
                if network == wanted:
                    out.append(time.monotonic() - started)
                    break
            await asyncio.sleep(0.5)
    return out


async def run(rounds: int = 20, samples: int = 10) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="monev-bench-") as tmp:
        work = Path(tmp)
        path = work / "dev-credentials.json"
        creds = ensure_credentials(path)
        hub = FreeHub(
            work,
            sim_rate=0.5,
            gateway_tokens=with_role_scopes(gateway_tokens(creds)),
            monev_env={"RUMAH_MONEV_DEV_CREDENTIALS": str(path)},
        )
        await hub.start()
        try:
            jar = aiohttp.CookieJar(unsafe=True)

            def dumps(v: Any) -> str:
                return orjson.dumps(v).decode()

            async with aiohttp.ClientSession(cookie_jar=jar, json_serialize=dumps) as http:
                form = {"role": "auditor", "next": "/"}
                async with http.post(f"{hub.monev}/masuk", data=form) as r:
                    assert r.status == 200, r.status
                await asyncio.sleep(3)  # every service has pulled once
                pages = await _pages(http, hub.monev, rounds)
                live = await _live(http, hub.monev, hub.sim("registry"), samples)
        finally:
            await hub.stop()
    live.sort()
    return {
        "pages": pages,
        "overview_target_ms": TARGET_MS,
        "overview_ok": pages["ringkasan"]["p50_ms"] < TARGET_MS,
        "live_change_s": {
            "p50": round(statistics.median(live), 3),
            "max": round(live[-1], 3),
            "samples": len(live),
        },
    }


def table(result: dict[str, Any]) -> str:
    lines = ["  page                 render p50   p95      GraphQL queries"]
    for page, row in result["pages"].items():
        q = "/".join(str(n) for n in row["queries"])
        lines.append(f"  {page:20s} {row['p50_ms']:8.1f} ms {row['p95_ms']:7.1f} ms   {q}")
    ok = "met" if result["overview_ok"] else "MISSED"
    lines.append(f"  overview target < {result['overview_target_ms']:.0f} ms: {ok}")
    live = result["live_change_s"]
    lines.append(
        f"  simulator change → open overview (SSE rows): p50 {live['p50']:.2f} s, "
        f"max {live['max']:.2f} s over {live['samples']}"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(asyncio.run(run(rounds=5, samples=3))))
