"""The single command-line entry point: ``rumah …``.

Each component contributes its own sub-command group; this module only assembles them.
Heavy imports happen inside the commands so ``rumah --help`` stays fast.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

import typer

from gateway.access_records import RecordSink, use_sink_opener
from gateway.cli import app as gateway_app
from infra.cli import app as infra_app
from monev.cli import app as monev_app
from rumah.runner import run_command
from rumah.schemas_cli import schemas_app
from services.cli import app as service_app
from services.ledger.cli import app as ledger_app


def _open_access_sink(prefix: str) -> AbstractAsyncContextManager[RecordSink]:
    """The gateway's access records go to Rumah's event log (the ledger chains them)."""
    from rumah.access_sink import open_sink

    return open_sink(prefix)


use_sink_opener(_open_access_sink)

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Rumah integration hub.")
app.command("run", help="Start the whole hub (services, simulators, gateway).")(run_command)
app.add_typer(infra_app, name="infra", help="Local Kafka and FerretDB engines.")
app.add_typer(gateway_app, name="gateway", help="The federation gateway.")
app.add_typer(service_app, name="service", help="OPD services and their simulators.")
app.add_typer(schemas_app, name="schemas", help="Export and check the contracts.")
app.add_typer(ledger_app, name="ledger", help="The auditors' ledger: verify, export.")
app.add_typer(monev_app, name="monev", help="Monev: the monitoring-and-evaluation pages.")


@app.command("settings")
def settings_command(
    update: str | None = typer.Option(
        None, "--update", help="Rewrite the settings block of this file (e.g. README.md)."
    ),
) -> None:
    """Print every environment variable with its default (or update the README's list)."""
    from pathlib import Path

    from rumah.settings_doc import settings_markdown, update_block

    if update is None:
        typer.echo(settings_markdown())
        return
    path = Path(update)
    path.write_text(update_block(path.read_text(encoding="utf-8")), encoding="utf-8")
    typer.echo(f"updated {path}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
