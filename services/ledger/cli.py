"""``rumah ledger …``: verify the chain, export evidence, show the head.

Settings as for the service (``RUMAH_BACKEND``, ``RUMAH_LEDGER_DB``, …); a backend variable
the environment does not set comes from the hub ``rumah run`` runs on this machine
(``var/run/hub.json``), so the commands read the store that hub's ledger writes — and say
which, on stderr. Long work shows progress on stderr. Exit status: 0 verified (or empty,
said so), 1 broken, 2 bad input.
"""

from __future__ import annotations

import asyncio
import contextlib
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


def _settings(quiet: bool = False) -> tuple[LedgerSettings, dict[str, str]]:
    """The ledger settings with the backends of the running hub (unless the environment
    chooses), and what was chosen — said on stderr, so nobody mistakes which store was read."""
    from rumah.common.settings import load_settings
    from services.kit.cli_backends import backends_for_cli
    from services.ledger.settings import LedgerSettings

    settings = load_settings(LedgerSettings)
    chosen = backends_for_cli(settings.backends)
    settings = settings.model_copy(update={"backends": chosen.settings})
    if not quiet:
        typer.echo(f"ledger {settings.db}: {chosen.describe(settings.db)}", err=True)
    return settings, chosen.as_dict(settings.db)


@asynccontextmanager
async def _opened(
    settings: LedgerSettings, with_log: bool = False
) -> AsyncIterator[tuple[Ledger, EventLog | None]]:
    from services.kit.backends import open_backends
    from services.ledger.core import open_ledger

    async with open_backends(settings.backends, db=settings.db) as (store, event_log):
        ledger = await open_ledger(settings, store, None, writing=False)
        yield ledger, (event_log if with_log else None)


def _tracking(bar: Any) -> Callable[[int, int], None]:
    def update(done: int, total: int) -> None:
        if done == 0:
            bar.set_total(total)
        bar.update(done)

    return update


class _Deferred:
    """A progress display opened on its first update (a second phase of one command)."""

    def __init__(self, open_: Callable[[], contextlib.AbstractContextManager[Any]]) -> None:
        self._open, self._stack, self._bar = open_, contextlib.ExitStack(), None

    def update(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = self._stack.enter_context(self._open())
        _tracking(self._bar)(done, total)

    def close(self) -> None:
        self._stack.close()


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
                found.append(
                    Anchor(
                        int(body["seq"]), body["hash"], f"anchor checkpoint {body['checkpoint']}"
                    )
                )
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
    """Recompute the hash chain; report the first broken link (exit 1 when broken). Reads the
    ledger of the hub running on this machine unless RUMAH_BACKEND says otherwise; an empty
    ledger is reported as empty (exit 0), never as verified entries."""
    import orjson

    from rumah.common.progress import progress

    held = _parse_expect(expect or [])
    settings, store = _settings()

    async def main() -> Any:
        async with _opened(settings, with_log=anchors) as (ledger, event_log):
            found = list(held)
            if event_log is not None:
                found += await _anchors_from_log(event_log, settings.anchor, settings.db)
            with progress("verify", unit="entries") as bar:
                return await ledger.verify(from_, to, found, on_progress=_tracking(bar))

    result = _run(main)
    empty = result.ok and result.checked == 0 and result.last < result.first
    if as_json:
        body = {**result.as_dict(), "empty": empty, "store": store}
        typer.echo(orjson.dumps(body, option=orjson.OPT_INDENT_2).decode())
    elif empty:
        typer.echo(
            f"EMPTY: ledger {settings.db} holds no entries (nothing verified) at "
            f"{store['store']} — is the hub you mean running on another backend? "
            "(RUMAH_BACKEND)"
        )
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
        typer.echo(
            f"BROKEN at seq {b.seq}: {b.kind} — {b.detail} "
            f"({result.checked} entries verified before it)",
            err=True,
        )
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
    from rumah.common.progress import progress
    from services.ledger.export import export as write_export
    from services.ledger.export import resolve_bound
    from services.ledger.query import Criteria

    if fmt not in ("jsonl", "csv"):
        raise typer.BadParameter("--format is jsonl or csv")
    settings, _store = _settings()

    async def main() -> dict[str, Any]:
        async with _opened(settings) as (ledger, _):
            first = await resolve_bound(ledger, since, upper=False)
            last = await resolve_bound(ledger, until, upper=True)
            criteria = Criteria(opd=opd, service=service)
            with (
                progress("export", max(0, last - first + 1), unit="positions") as scan,
                contextlib.ExitStack() as files,
            ):
                handle = (
                    sys.stdout
                    if out is None
                    else files.enter_context(out.open("w", encoding="utf-8", newline=""))
                )
                checking = _Deferred(lambda: progress("verify", unit="entries"))
                try:
                    return await write_export(
                        ledger,
                        handle,
                        first=first,
                        last=last,
                        fmt=fmt,
                        criteria=criteria,
                        on_progress=_tracking(scan),
                        on_verify=checking.update,
                    )
                finally:
                    checking.close()

    try:
        summary = _run(main)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    ok = summary["verification"]["ok"]
    if out is not None:
        typer.echo(
            f"wrote {summary['exported']} entries ({summary['from']}..{summary['to']}) "
            f"to {out}; verification {'OK' if ok else 'BROKEN'}",
            err=True,
        )
    raise typer.Exit(0 if ok else 1)


@app.command()
def head() -> None:
    """The last entry's sequence number, hash and time."""

    settings, _store = _settings()

    async def main() -> str:
        async with _opened(settings) as (ledger, _):
            seq = await ledger.reader.head()
            doc = await ledger.reader.get(seq) if seq else None
            if doc is None:
                return "empty"
            return f"{seq} {doc['hash']} {doc['recordedAt']}"

    typer.echo(_run(main))
