"""Hot reload of the supergraph file: new files swap in, bad ones keep the old state serving."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path

import pytest
from http_driver import StubPlanner, stub_state

from gateway.ports import SupergraphError
from gateway.request.reload import SupergraphReloader
from gateway.request.state import GatewayState, StateHolder


def builder(built: list[str]) -> Callable[[str], GatewayState]:
    def build(sdl: str) -> GatewayState:
        if "BROKEN" in sdl:
            raise SupergraphError("invalid supergraph: BROKEN")
        built.append(sdl)
        return stub_state(None, StubPlanner(), sdl=sdl)

    return build


V1 = "type Query { hello: String }"
V2 = "type Query { hello: String bye: String }"


async def wait_for(predicate: Callable[[], bool]) -> None:
    async with asyncio.timeout(10):
        while not predicate():  # noqa: ASYNC110 - the reloader has no event to wait on
            await asyncio.sleep(0.02)


@pytest.mark.parametrize("force_polling", [False, True])
async def test_file_changes_are_picked_up_and_bad_files_keep_the_old_state(
    tmp_path: Path, force_polling: bool
) -> None:
    path = tmp_path / "supergraph.graphql"
    path.write_text(V1)
    holder = StateHolder()
    built: list[str] = []
    reloader = SupergraphReloader(
        path, holder, builder(built), force_polling=force_polling, poll_interval=0.05
    )
    task = asyncio.create_task(reloader.run())
    try:
        await wait_for(lambda: holder.current is not None)
        first = holder.current
        assert first is not None
        assert "bye" not in first.supergraph.api_schema.type_map["Query"].fields  # type: ignore[attr-defined]

        await asyncio.sleep(0.3)  # let the watcher start before the change
        path.write_text("BROKEN" + V2)
        await wait_for(lambda: holder.last_error is not None)
        assert holder.current is first  # still serving the old supergraph
        assert "BROKEN" in (holder.last_error or "")

        path.write_text(V2)
        await wait_for(lambda: holder.current is not first)
        current = holder.current
        assert current is not None
        assert "bye" in current.supergraph.api_schema.type_map["Query"].fields  # type: ignore[attr-defined]
        assert holder.last_error is None
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_an_unchanged_file_is_not_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "supergraph.graphql"
    path.write_text(V1)
    holder = StateHolder()
    built: list[str] = []
    reloader = SupergraphReloader(path, holder, builder(built), watch=False)
    assert await reloader.load() is True
    assert await reloader.load() is False
    assert built == [V1]


async def test_a_missing_file_leaves_the_gateway_unloaded(tmp_path: Path) -> None:
    holder = StateHolder()
    reloader = SupergraphReloader(tmp_path / "nope.graphql", holder, builder([]), watch=False)
    await reloader.run()
    assert holder.current is None
    assert "cannot read" in (holder.last_error or "")


async def test_a_reload_that_breaks_a_safelisted_operation_is_refused(tmp_path: Path) -> None:
    """With a safelist, the gateway keeps serving the old supergraph when a new one would
    make a registered operation invalid; a compatible change is swapped in."""
    from gateway.app import _safelist_guard
    from gateway.request.safelist import Safelist

    path = tmp_path / "supergraph.graphql"
    path.write_text(V2)
    holder = StateHolder()
    safelist = Safelist({"bye-op": "query Bye { bye }"})
    reloader = SupergraphReloader(
        path, holder, builder([]), watch=False, guard=_safelist_guard(safelist)
    )
    assert await reloader.load()
    serving = holder.current
    path.write_text(V1)  # drops Query.bye
    assert not await reloader.load()
    assert holder.current is serving
    assert "breaks 1 safelisted operation(s), e.g. bye-op" in (holder.last_error or "")
    path.write_text(V2 + " type Extra { x: Int }")  # still has bye: fine
    assert await reloader.load()
    assert holder.current is not serving
