"""``rumah gateway compose --subgraph NAME=SOURCE … [--out PATH]``.

``SOURCE`` is either a live subgraph URL (``http(s)://…``; its SDL is read with
``{ _service { sdl } }`` and the URL becomes the routing URL) or an SDL file. A file's
routing URL is given after ``@`` (``NAME=path.graphql@http://127.0.0.1:4001/graphql``) or
by a ``# routing-url: http://…`` comment line in the file.
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

from gateway.compose.compose import compose
from gateway.compose.fetch import FetchError, fetch_sdl
from gateway.compose.model import SubgraphSource

_ROUTING_COMMENT = re.compile(r"^\s*#\s*routing-url:\s*(\S+)\s*$", re.MULTILINE)
_URL_SUFFIX = re.compile(r"^(?P<path>.+?)@(?P<url>https?://\S+)$")


class SpecError(Exception):
    """A ``--subgraph`` value is malformed or its source cannot be read."""


def _split(spec: str) -> tuple[str, str]:
    name, sep, source = spec.partition("=")
    if not sep or not name.strip() or not source.strip():
        raise SpecError(f"--subgraph {spec!r}: expected NAME=URL_OR_SDL_FILE")
    return name.strip(), source.strip()


def _from_file(name: str, source: str) -> SubgraphSource:
    match = _URL_SUFFIX.match(source)
    path = Path(match["path"] if match else source)
    try:
        sdl = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"subgraph {name}: cannot read {path}: {exc.strerror}") from exc
    if match:
        return SubgraphSource(name, match["url"], sdl)
    comment = _ROUTING_COMMENT.search(sdl)
    if comment is None:
        raise SpecError(
            f"subgraph {name}: no routing URL for {path}; add '@http://…' after the path "
            "or a '# routing-url: http://…' line to the file"
        )
    return SubgraphSource(name, comment[1], sdl)


async def load_sources(specs: list[str]) -> list[SubgraphSource]:
    """Resolve every ``--subgraph`` spec (remote ones fetched concurrently)."""
    parsed = [_split(spec) for spec in specs]
    remote = [(n, s) for n, s in parsed if s.startswith(("http://", "https://"))]
    fetched = await asyncio.gather(*(fetch_sdl(url) for _, url in remote), return_exceptions=True)
    by_name: dict[str, SubgraphSource] = {}
    for (name, url), result in zip(remote, fetched, strict=True):
        if isinstance(result, BaseException):
            raise SpecError(f"subgraph {name}: {result}")
        by_name[name] = SubgraphSource(name, url, result)
    return [by_name[n] if n in by_name else _from_file(n, s) for n, s in parsed]


def run(specs: list[str], out: Path | None) -> int:
    """Compose and write the supergraph; 0 on success, 1 on composition errors, 2 on bad input."""
    try:
        sources = asyncio.run(load_sources(specs))
    except (SpecError, FetchError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = compose(sources)
    for hint in result.hints:
        print(f"hint: {hint}", file=sys.stderr)
    if result.supergraph_sdl is None:
        for error in result.errors:
            print(f"error: {error}", file=sys.stderr)
        print(f"composition failed with {len(result.errors)} error(s)", file=sys.stderr)
        return 1
    text = result.supergraph_sdl + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    return 0
