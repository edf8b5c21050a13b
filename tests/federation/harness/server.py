"""Serve a scenario's subgraphs over HTTP, each on its fixed port, in one process.

``python -m tests.federation.harness.server SCENARIO`` prints ``READY`` once every subgraph
listens and exits when its stdin closes (so it never outlives the test run that started it).

Besides ``POST /graphql`` each subgraph answers the test-control endpoints:
``GET /__calls`` (the request bodies received since the last reset), ``POST /__reset``
(forget calls, back to normal mode), ``POST /__mode`` (``{"mode": NAME}``, see ``MODES``)
and ``POST /__release`` (answer the requests the ``hold`` mode keeps waiting, and any later
ones). graphql-core resolvers find the request's headers in ``info.context["headers"]``.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from graphql import GraphQLSchema, graphql

from tests.federation.harness.model import HOST, Subgraph, load_scenario
from tests.federation.harness.subgraph import build_subgraph_schema

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Failure modes a case can switch a subgraph into (reset after each case).
MODES = (
    "ok",
    "http500",  # status 500, plain-text body
    "html",  # status 200, an HTML error page
    "not_json_object",  # status 200, JSON that is not an object
    "no_data",  # status 200, {} (neither data nor errors)
    "null_data_with_errors",  # status 200, {"data": null, "errors": [...]}
    "entities_short",  # executes, then drops the last _entities item
    "drop_connection",  # closes the socket without answering
    "hold",  # records the call, then waits for POST /__release before answering
    "extra_fields",  # executes, then adds fields nobody asked for to every object in data
)

# what ``extra_fields`` adds (kept when the query selected the key itself)
EXTRA_FIELDS = {"email": "leaked@example.org", "nip": "leaked", "secret": "leaked"}


def _add_extra_fields(value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _add_extra_fields(item)
    elif isinstance(value, dict):
        for item in value.values():
            _add_extra_fields(item)
        for key, extra in EXTRA_FIELDS.items():
            value.setdefault(key, extra)


class Control:
    def __init__(self, reset: Callable[[], None] | None) -> None:
        self.calls: list[Any] = []
        self.mode = "ok"
        self.reset_data = reset
        self.released = asyncio.Event()


def _control_routes(control: Control) -> list[web.RouteDef]:
    async def calls(_request: web.Request) -> web.Response:
        return web.json_response({"calls": control.calls})

    async def reset(_request: web.Request) -> web.Response:
        control.calls.clear()
        control.mode = "ok"
        control.released.set()  # nothing stays held across cases
        control.released = asyncio.Event()
        if control.reset_data is not None:
            control.reset_data()
        return web.json_response({"ok": True})

    async def mode(request: web.Request) -> web.Response:
        name = (await request.json())["mode"]
        if name not in MODES:
            return web.json_response({"error": f"unknown mode {name}"}, status=400)
        control.mode = name
        return web.json_response({"ok": True})

    async def release(_request: web.Request) -> web.Response:
        control.released.set()
        return web.json_response({"ok": True})

    return [
        web.get("/__calls", calls),
        web.post("/__reset", reset),
        web.post("/__mode", mode),
        web.post("/__release", release),
    ]


async def _failure(control: Control, request: web.Request) -> web.StreamResponse | None:
    if control.mode == "hold":
        await control.released.wait()
        return None
    if control.mode == "http500":
        return web.Response(status=500, text="Internal Server Error")
    if control.mode == "html":
        return web.Response(
            status=200,
            content_type="text/html",
            text="<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>",
        )
    if control.mode == "not_json_object":
        return web.json_response([1, 2, 3])
    if control.mode == "no_data":
        return web.json_response({})
    if control.mode == "null_data_with_errors":
        return web.json_response({"data": None, "errors": [{"message": "subgraph exploded"}]})
    if control.mode == "drop_connection":
        assert request.transport is not None
        request.transport.close()
        raise asyncio.CancelledError
    return None


def _graphql_core_app(subgraph: Subgraph, sdl: str, control: Control) -> web.Application:
    schema: GraphQLSchema = build_subgraph_schema(sdl, subgraph.resolvers, subgraph.references)

    async def handle(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        control.calls.append(body)
        failure = await _failure(control, request)
        if failure is not None:
            return failure
        result = await graphql(
            schema,
            body["query"],
            variable_values=body.get("variables"),
            operation_name=body.get("operationName"),
            context_value={"headers": {k.lower(): v for k, v in request.headers.items()}},
        )
        payload = result.formatted
        data = payload.get("data")
        if control.mode == "entities_short" and isinstance(data, dict):
            entities = data.get("_entities")
            if isinstance(entities, list) and entities:
                data["_entities"] = entities[:-1]
        if control.mode == "extra_fields" and isinstance(data, dict):
            for item in data.values():
                _add_extra_fields(item)
        return web.json_response(payload)

    app = web.Application()
    app.add_routes([web.post("/graphql", handle), web.post("/", handle)])
    app.add_routes(_control_routes(control))
    return app


def _strawberry_app(subgraph: Subgraph, control: Control) -> web.Application:
    from strawberry.aiohttp.views import GraphQLView

    assert subgraph.strawberry_schema is not None
    view = GraphQLView(schema=subgraph.strawberry_schema(), graphql_ide=None)

    @web.middleware
    async def count(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method == "POST" and request.path == "/graphql":
            control.calls.append(await request.json())
            failure = await _failure(control, request)
            if failure is not None:
                return failure
        return await handler(request)

    app = web.Application(middlewares=[count])
    app.add_routes([web.route("*", "/graphql", view)])
    app.add_routes(_control_routes(control))
    return app


async def _bind(runner: web.AppRunner, port: int, patience: float = 90) -> None:
    # The ports are fixed (they are in the committed supergraph): when another run of the
    # suite holds them, wait for it to move on rather than fail.
    deadline = asyncio.get_running_loop().time() + patience
    while True:
        try:
            await web.TCPSite(runner, HOST, port).start()
            return
        except OSError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)


async def serve(scenario_name: str) -> None:
    scenario = load_scenario(scenario_name)
    runners: list[web.AppRunner] = []
    try:
        for subgraph in scenario.subgraphs:
            if not subgraph.start:
                continue
            control = Control(scenario.reset)
            if subgraph.strawberry_schema is not None:
                app = _strawberry_app(subgraph, control)
            else:
                app = _graphql_core_app(subgraph, scenario.sdl(subgraph), control)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            runners.append(runner)
            await _bind(runner, subgraph.port)
        print("READY", flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)
    finally:
        for runner in runners:
            await runner.cleanup()


def main() -> None:
    asyncio.run(serve(sys.argv[1]))


if __name__ == "__main__":
    main()
