"""``rumah ledger …``: verify the chain, export evidence, show the head.

Settings as for the service (``RUMAH_BACKEND``, ``RUMAH_LEDGER_DB``, …): the commands read
the same store the running ledger writes. Exit status: 0 verified, 1 broken, 2 bad input.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from services.kit.ports import EventLog
    from services.ledger.core import Ledger
    from services.ledger.settings import LedgerSettings

app = typer.Typer(no_args_is_help=True, add_completion=False, help="The auditors' ledger.")
T = TypeVar("T")


@asynccontextmanager
async def _opened(
    with_log: bool = False,
) -> AsyncIterator[tuple[Ledger, EventLog | None, LedgerSettings]]:
    from rumah.common.settings import load_settings
    from services.kit.backends import open_backends
    from services.ledger.core import open_ledger
    from services.ledger.settings import LedgerSettings

    settings = load_settings(LedgerSettings)
    async with open_backends(settings.backends, db=settings.db) as (store, event_log):
        ledger = await open_ledger(settings, store, None, writing=False)
        yield ledger, (event_log if with_log else None), settings


def _run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(main())


def _parse_expect(values: list[str]) -> list[Any]:
    from services.ledger.verify import Anchor

    out = []
    for value in values:
        seq, _, digest = value.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            raise typer.BadParameter(f"--expect wants SEQ:HASH (64 hex digits), not {value!r}")
        out.append(Anchor(int(seq), digest.lower(), f"--expect {seq}"))
    return out


async def _anchors_from_log(event_log: Any, topic: str, ledger: str) -> list[Any]:
    """Every checkpoint published to the anchor topic for this ledger (a plain replay)."""
    import orjson

    from services.kit.ports import read_to_end
    from services.ledger.verify import Anchor

    found = []
    # To the topic's end (by offsets, not by idle polls): a slow broker must not make an
    # empty read look like "no anchors", which would let a rewritten store pass.
    async for records in read_to_end(event_log, [topic]):
        for r in records:
            body = orjson.loads(r.value)
            if body.get("ledger") == ledger:
                found.append(Anchor(int(body["seq"]), body["hash"],
                                    f"anchor checkpoint {body['checkpoint']}"))  # fmt: skip
    return found


@app.command()
def verify(
    from_: int = typer.Option(1, "--from", help="First sequence number to verify."),
    to: int | None = typer.Option(None, "--to", help="Last one (default: the head)."),
    expect: Annotated[
        list[str] | None, typer.Option("--expect", help="SEQ:HASH held outside (repeat).")
    ] = None,
    anchors: bool = typer.Option(
        False, "--anchors", help="Also check the anchor topic's checkpoints."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Recompute the hash chain; report the first broken link (exit 1 when broken)."""
    import orjson

    held = _parse_expect(expect or [])

    async def main() -> Any:
        async with _opened(with_log=anchors) as (ledger, event_log, settings):
            found = list(held)
            if event_log is not None:
                found += await _anchors_from_log(event_log, settings.anchor, settings.db)
            return await ledger.verify(from_, to, found)

    result = _run(main)
    if as_json:
        typer.echo(orjson.dumps(result.as_dict(), option=orjson.OPT_INDENT_2).decode())
    elif result.ok:
        cp = result.checkpoint
        latest = f"; latest checkpoint {cp.number} at {cp.seq}" if cp else ""
        typer.echo(
            f"OK: entries {result.first}..{result.last} verified ({result.checked}), head hash "
            f"{result.head_hash}; {result.anchors_checked} checkpoint/anchor hash(es) matched"
            + latest
        )
    else:
        b = result.broken
        assert b is not None
        typer.echo(f"BROKEN at seq {b.seq}: {b.kind} — {b.detail} "
                   f"({result.checked} entries verified before it)", err=True)  # fmt: skip
    raise typer.Exit(0 if result.ok else 1)


@app.command()
def export(
    since: str | None = typer.Option(None, help="Sequence number, or ISO time recorded from."),
    until: str | None = typer.Option(None, help="Sequence number, or ISO time recorded before."),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl or csv."),
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: stdout).")
    ] = None,
    opd: str | None = typer.Option(None, help="Only this OPD's entries."),
    service: str | None = typer.Option(None, help="Only this service's entries."),
) -> None:
    """Write entries with their chain hashes and a final verification summary (exit 1 when
    the range does not verify)."""
    from services.ledger.export import export as write_export
    from services.ledger.export import resolve_bound
    from services.ledger.query import Criteria

    if fmt not in ("jsonl", "csv"):
        raise typer.BadParameter("--format is jsonl or csv")

    async def main() -> dict[str, Any]:
        async with _opened() as (ledger, _, _settings):
            first = await resolve_bound(ledger, since, upper=False)
            last = await resolve_bound(ledger, until, upper=True)
            criteria = Criteria(opd=opd, service=service)
            if out is None:
                return await write_export(ledger, sys.stdout, first=first, last=last, fmt=fmt,
                                          criteria=criteria)  # fmt: skip
            with out.open("w", encoding="utf-8", newline="") as handle:
                return await write_export(ledger, handle, first=first, last=last, fmt=fmt,
                                          criteria=criteria)  # fmt: skip

    try:
        summary = _run(main)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    ok = summary["verification"]["ok"]
    if out is not None:
        typer.echo(f"wrote {summary['exported']} entries ({summary['from']}..{summary['to']}) "
                   f"to {out}; verification {'OK' if ok else 'BROKEN'}", err=True)  # fmt: skip
    raise typer.Exit(0 if ok else 1)


@app.command()
def head() -> None:
    """The last entry's sequence number, hash and time."""

    async def main() -> str:
        async with _opened() as (ledger, _, _settings):
            seq = await ledger.reader.head()
            doc = await ledger.reader.get(seq) if seq else None
            if doc is None:
                return "empty"
            return f"{seq} {doc['hash']} {doc['recordedAt']}"

    typer.echo(_run(main))
