"""``rumah gateway compose``: sources from files and live subgraphs, exit codes, output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aiohttp import web

from gateway.compose.cli import SpecError, load_sources, run
from tests.unit.gateway.compose.conftest import FIXTURES

BASIC = FIXTURES / "ok_basic"


def _spec(name: str, path: Path, url: str | None = None) -> str:
    return f"{name}={path}" + (f"@{url}" if url else "")


def test_writes_the_supergraph_of_sdl_files(tmp_path: Path) -> None:
    out = tmp_path / "supergraph.graphql"
    code = run(
        [
            _spec("products", BASIC / "products.graphql"),
            _spec("reviews", BASIC / "reviews.graphql"),
        ],
        out,
    )
    assert code == 0
    expected = json.loads((BASIC / "apollo.json").read_text())["supergraph"]
    assert out.read_text() == expected + "\n"


def test_routing_url_after_at_sign_wins_over_comment(tmp_path: Path) -> None:
    out = tmp_path / "s.graphql"
    url = "http://127.0.0.1:4009/graphql"
    assert (
        run(
            [
                _spec("products", BASIC / "products.graphql", url),
                _spec("reviews", BASIC / "reviews.graphql"),
            ],
            out,
        )
        == 0
    )
    assert f'PRODUCTS @join__graph(name: "products", url: "{url}")' in out.read_text()


def test_prints_to_stdout_without_out(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(
            [
                _spec("products", BASIC / "products.graphql"),
                _spec("reviews", BASIC / "reviews.graphql"),
            ],
            None,
        )
        == 0
    )
    assert capsys.readouterr().out.startswith("schema\n  @link(")


def test_composition_errors_exit_1_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = FIXTURES / "err_many_at_once"
    out = tmp_path / "s.graphql"
    assert run([_spec("a", bad / "a.graphql"), _spec("b", bad / "b.graphql")], out) == 1
    assert not out.exists()
    err = capsys.readouterr().err
    assert err.count("[FIELD_TYPE_MISMATCH]") == 2 and err.count("[INVALID_FIELD_SHARING]") == 2
    assert '"P.name"' in err and 'subgraph "a"' in err


def test_file_without_routing_url_is_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sdl = tmp_path / "a.graphql"
    sdl.write_text("type Query { a: Int }")
    assert run([_spec("a", sdl)], tmp_path / "out.graphql") == 2
    assert "routing-url" in capsys.readouterr().err


@pytest.mark.parametrize("spec", ["noequals", "=x.graphql", "a="])
def test_malformed_specs_exit_2(spec: str) -> None:
    assert run([spec], None) == 2


async def _serve(sdl: str | None, status: int = 200) -> tuple[web.AppRunner, str]:
    async def handler(request: web.Request) -> web.Response:
        body = await request.json()
        assert "_service" in body["query"]
        if sdl is None:
            return web.json_response({"errors": [{"message": "nope"}]}, status=status)
        return web.json_response({"data": {"_service": {"sdl": sdl}}}, status=status)

    app = web.Application()
    app.router.add_post("/graphql", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}/graphql"


async def test_live_subgraph_sdl_is_fetched_and_its_url_routes() -> None:
    sdl = (BASIC / "reviews.graphql").read_text()
    runner, url = await _serve(sdl)
    try:
        sources = await load_sources(
            [f"reviews={url}", _spec("products", BASIC / "products.graphql")]
        )
    finally:
        await runner.cleanup()
    assert [(s.name, s.url) for s in sources] == [
        ("reviews", url),
        ("products", "http://127.0.0.1:4001/graphql"),
    ]
    assert sources[0].sdl == sdl


async def test_live_subgraph_without_sdl_is_an_input_error() -> None:
    runner, url = await _serve(None, status=500)
    try:
        with pytest.raises(SpecError, match="HTTP 500"):
            await load_sources([f"svc={url}"])
    finally:
        await runner.cleanup()
