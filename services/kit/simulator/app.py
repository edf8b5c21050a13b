"""The HTTP face of a simulated OPD application: its REST API and an admin API for tests.

API (Indonesian, like the real applications)::

    GET  /api/{resource}?diubah_sejak=dd-mm-yyyy HH:MM:SS.fff&halaman=1&per_halaman=50
         → {"data": [...], "halaman", "per_halaman", "total", "total_halaman"}  (+ ETag)
    GET  /api/{resource}/{id}
Admin (for tests and demos)::

    POST /_admin/aksi/{action}            body: parameters      → the changed records
    POST /_admin/inject/{resource}        body: any JSON record (garbage welcome)
    POST /_admin/push/{resource}/{id}?back=N&times=K   re-push an old/current snapshot
    POST /_admin/faults                   body: {"down", "fail_next", "delay_s"}
    POST /_admin/driver                   body: {"rate": changes per second}
    GET  /_admin/state
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.kit.simulator.core import ActionError, Simulator
from services.kit.simulator.driver import Driver, WebhookPusher
from services.kit.tasks import background

MAX_PAGE = 500


def create_simulator_app(
    sim: Simulator, *, rate: float, webhook_url: str | None, webhook_secret: str | None = None
) -> Starlette:
    """``webhook_url`` and ``webhook_secret`` both set: every change is pushed, signed."""
    driver = Driver(sim, rate)
    pusher = (
        WebhookPusher(sim, webhook_url, webhook_secret) if webhook_url and webhook_secret else None
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        jobs = [driver.run()] + ([pusher.run()] if pusher else [])
        async with background(*jobs):
            yield

    async def guard() -> Response | None:
        if sim.faults.delay_s:
            await asyncio.sleep(sim.faults.delay_s)
        if sim.faults.down:
            return JSONResponse({"pesan": "layanan tidak tersedia"}, status_code=503)
        if sim.faults.fail_next > 0:
            sim.faults.fail_next -= 1
            return JSONResponse({"pesan": "kesalahan server"}, status_code=500)
        return None

    async def list_records(request: Request) -> Response:
        if (failed := await guard()) is not None:
            return failed
        table = sim.tables.get(request.path_params["resource"])
        if table is None:
            return JSONResponse({"pesan": "sumber tidak dikenal"}, status_code=404)
        q = request.query_params
        try:
            page = max(1, int(q.get("halaman", "1")))
            per_page = min(MAX_PAGE, max(1, int(q.get("per_halaman", "50"))))
            since = table.parse_ts(q["diubah_sejak"]) if q.get("diubah_sejak") else None
        except ValueError as exc:
            return JSONResponse({"pesan": f"parameter salah: {exc}"}, status_code=400)
        tag_src = f"{table.revision}|{q.get('diubah_sejak')}|{page}|{per_page}"
        etag = '"' + hashlib.blake2b(tag_src.encode(), digest_size=8).hexdigest() + '"'
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"ETag": etag})
        rows = table.changed_since(since)
        body = {
            "data": rows[(page - 1) * per_page : page * per_page],
            "halaman": page,
            "per_halaman": per_page,
            "total": len(rows),
            "total_halaman": max(1, math.ceil(len(rows) / per_page)),
        }
        return JSONResponse(body, headers={"ETag": etag})

    async def get_record(request: Request) -> Response:
        if (failed := await guard()) is not None:
            return failed
        table = sim.tables.get(request.path_params["resource"])
        rec = table.get(request.path_params["rid"]) if table else None
        if rec is None:
            return JSONResponse({"pesan": "tidak ditemukan"}, status_code=404)
        return JSONResponse(rec)

    async def admin_action(request: Request) -> Response:
        params = await _json(request)
        try:
            changed = sim.act(request.path_params["action"], params)
        except ActionError as exc:
            return JSONResponse({"pesan": str(exc)}, status_code=422)
        return JSONResponse({"changed": [{"resource": r, "record": rec} for r, rec in changed]})

    async def admin_inject(request: Request) -> Response:
        resource = request.path_params["resource"]
        if resource not in sim.tables:
            return JSONResponse({"pesan": "sumber tidak dikenal"}, status_code=404)
        record = await _json(request)
        stamp = request.query_params.get("stamp", "true") != "false"
        return JSONResponse({"record": sim.save(resource, record, stamp=stamp)})

    async def admin_push(request: Request) -> Response:
        if pusher is None:
            return JSONResponse({"pesan": "webhook tidak dikonfigurasi"}, status_code=409)
        table = sim.tables[request.path_params["resource"]]
        rid = request.path_params["rid"]
        back = int(request.query_params.get("back", "0"))
        rec = table.previous(rid, back) if back else table.get(rid)
        if rec is None:
            return JSONResponse({"pesan": "tidak ditemukan"}, status_code=404)
        for _ in range(int(request.query_params.get("times", "1"))):
            pusher.enqueue(table.name, rec)
        return JSONResponse({"pushed": rec})

    async def admin_faults(request: Request) -> Response:
        for key, value in (await _json(request)).items():
            if hasattr(sim.faults, key):
                setattr(sim.faults, key, type(getattr(sim.faults, key))(value))
        return JSONResponse(vars(sim.faults))

    async def admin_driver(request: Request) -> Response:
        driver.rate = float((await _json(request)).get("rate", driver.rate))
        return JSONResponse({"rate": driver.rate})

    async def admin_state(request: Request) -> Response:
        counts = {name: len(t.records) for name, t in sim.tables.items()}
        return JSONResponse({"tables": counts, "faults": vars(sim.faults), "rate": driver.rate})

    async def health(request: Request) -> Response:
        if sim.faults.down:
            return JSONResponse({"status": "down", "aplikasi": sim.workflow.name}, status_code=503)
        return JSONResponse({"status": "ok", "aplikasi": sim.workflow.name})

    return Starlette(
        routes=[
            Route("/health", health),
            Route("/api/{resource}", list_records),
            Route("/api/{resource}/{rid:path}", get_record),
            Route("/_admin/aksi/{action}", admin_action, methods=["POST"]),
            Route("/_admin/inject/{resource}", admin_inject, methods=["POST"]),
            Route("/_admin/push/{resource}/{rid:path}", admin_push, methods=["POST"]),
            Route("/_admin/faults", admin_faults, methods=["POST"]),
            Route("/_admin/driver", admin_driver, methods=["POST"]),
            Route("/_admin/state", admin_state),
        ],
        lifespan=lifespan,
    )


async def _json(request: Request) -> Any:
    body = await request.body()
    return await request.json() if body else {}
