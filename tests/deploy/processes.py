"""What a Rumah process reads and serves, taken from the code, for checking deployments.

A deployment (compose service, Kubernetes container) names a process by its command line —
the image's entrypoint is ``python -m rumah.secret_env`` followed by the ``rumah`` CLI — and
gives it environment variables and probes. ``Process.of(args)`` parses the command line
with the real CLI (a misspelt command or option is refused, as the container would refuse
it), and then:

* ``variables()`` — every ``RUMAH_*`` variable the process reads: the fields of the settings
  models it loads (the models ``rumah/settings_doc.py`` documents), with their prefixes;
* ``required()`` — the secrets it cannot do its work without (the gateway's signing key and
  identity provider, the subgraphs' gateway keys, the cursor key, the webhook secrets);
* ``traced`` — whether it configures OpenTelemetry (then the standard ``OTEL_*`` variables
  mean something to it);
* ``port`` and ``serves(path)`` — where it listens and whether a probe path is one of its
  routes (asked of the process's own ASGI app, in-process, nothing started).

``env_problems`` turns these into sentences for a deployment's environment, so a misspelt or
stale variable, a missing secret, or a probe of a path the process does not serve, fails
``make test``.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import opentelemetry.environment_variables
import opentelemetry.sdk.environment_variables
import typer
import typer.exceptions
from pydantic_settings import BaseSettings

from monev.settings import MONEV_PORT, MonevSettings
from rumah.cli import app as rumah_cli
from rumah.common.logs import LogSettings
from rumah.secret_env import SUFFIX as SECRET_FILE_SUFFIX
from services.catalog import entry
from services.kit.backends import BackendSettings
from services.kit.cursors import CursorSettings
from services.kit.settings import service_settings_class, simulator_settings_class
from services.kit.test_credentials import SigningKeys
from services.ledger.settings import LedgerSettings
from tests.deploy.conftest import ROOT

# Read by the image itself, not by a settings model: the HEALTHCHECK (Dockerfile) and where
# the browser assets are (rumah/common/webassets, RUMAH_CACHE_DIR). Each entry names the
# file that reads it; a test checks the file still does.
IMAGE_VARIABLES = {
    "RUMAH_HEALTHCHECK_URL": "Dockerfile",
    "RUMAH_CACHE_DIR": "rumah/common/webassets/__init__.py",
}
# Settings models a process loads outside its primary model: kind → (model, the file that
# loads it, what that file calls). A test checks each file still makes the call.
SIDE_MODELS: dict[str, tuple[tuple[type[BaseSettings], str, str], ...]] = {
    # the page-cursor key (CursorSeal.from_settings reads CursorSettings)
    "service": ((CursorSettings, "services/kit/app.py", "CursorSeal.from_settings("),),
    # the access records go to the event log on the services' backend
    "gateway": ((BackendSettings, "rumah/access_sink.py", "load_settings(BackendSettings)"),),
}
# The standard variables the OpenTelemetry SDK and API read (their own lists of names).
OTEL_VARIABLES = frozenset(
    name
    for module in (opentelemetry.environment_variables, opentelemetry.sdk.environment_variables)
    for name in dir(module)
    if name.startswith("OTEL_")
)


def model_variables(model: type[BaseSettings]) -> set[str]:
    """The environment variables a settings model reads (nested settings: their own model)."""
    prefix = str(model.model_config.get("env_prefix", "")).upper()
    return {
        f"{prefix}{name.upper()}"
        for name, info in model.model_fields.items()
        if not (inspect.isclass(info.annotation) and issubclass(info.annotation, BaseSettings))
    }


class BadCommand(ValueError):
    pass


def parse_command(args: list[str]) -> tuple[list[str], dict[str, Any]]:
    """``(["service", "serve"], {"name": "licensing"})`` for ``service serve licensing``, as the
    ``rumah`` CLI parses it (nothing is run); ``BadCommand`` with the CLI's message."""
    command: Any = typer.main.get_command(rumah_cli)
    try:
        ctx = command.make_context("rumah", list(args))
        path: list[str] = []
        while hasattr(command, "resolve_command"):
            name, command, rest = command.resolve_command(ctx, ctx._protected_args + ctx.args)
            path.append(name)
            ctx = command.make_context(name, rest, parent=ctx)
    except typer.exceptions.TyperException as exc:
        raise BadCommand(f"rumah {' '.join(args)}: {exc.format_message()}") from None
    return path, dict(ctx.params)


@dataclass(frozen=True)
class Process:
    kind: str  # service, simulator, ledger, gateway, monev
    name: str  # the service for service/simulator, else the kind
    port: int
    entry_point: Callable[..., Any]  # the function that loads the settings and serves

    @classmethod
    def of(cls, args: list[str], env: Mapping[str, str] | None = None) -> Process:
        from gateway import serve as gateway_serve
        from monev import cli as monev_cli
        from services.kit import serve as kit_serve
        from services.ledger import bootstrap as ledger_bootstrap

        path, params = parse_command(args)
        env = env or {}
        # the ledger is a `service serve` whose module has its own serve (services/cli.py)
        if path == ["service", "serve"] and params["name"] == "ledger":
            port = int(env.get("RUMAH_LEDGER_PORT") or entry("ledger").port)
            return cls("ledger", "ledger", port, ledger_bootstrap.serve)
        if path in (["service", "serve"], ["service", "simulate"]):
            name = params["name"]
            try:
                found = entry(name)
            except KeyError:
                raise BadCommand(f"rumah {' '.join(args)}: no service {name!r}") from None
            if path[1] == "serve":
                port = int(env.get(f"RUMAH_{name.upper()}_PORT") or found.port)
                return cls("service", name, port, kit_serve.serve_service)
            assert found.simulator_port is not None
            port = int(env.get(f"RUMAH_{name.upper()}_SIM_PORT") or found.simulator_port)
            return cls("simulator", name, port, kit_serve.serve_simulator)
        if path == ["gateway", "serve"]:
            supergraph = ROOT / params["supergraph"]
            if not supergraph.is_file():
                raise BadCommand(
                    f"rumah {' '.join(args)}: {params['supergraph']} is not in the "
                    "repository (the image copies schemas/)"
                )
            return cls("gateway", "gateway", int(params["port"]), gateway_serve.serve)
        if path == ["monev", "serve"]:
            port = int(params["port"] or env.get("RUMAH_MONEV_PORT") or MONEV_PORT)
            return cls("monev", "monev", port, monev_cli.serve)
        raise BadCommand(f"rumah {' '.join(args)} is not a process a deployment runs")

    # ------------------------------------------------------------------ what it reads
    def primary_model(self) -> type[BaseSettings]:
        """The model the entry point loads (test_processes checks its source names it)."""
        from gateway.settings import GatewaySettings

        primary: dict[str, Callable[[], type[BaseSettings]]] = {
            "service": lambda: service_settings_class(self.name),
            "simulator": lambda: simulator_settings_class(self.name),
            "ledger": lambda: LedgerSettings,
            "gateway": lambda: GatewaySettings,
            "monev": lambda: MonevSettings,
        }
        return primary[self.kind]()

    def _source(self) -> str:
        """The entry point's source, with that of its own module's functions it calls (a
        helper that loads the settings and configures the process counts as the entry
        point's own doing)."""
        source = inspect.getsource(self.entry_point)
        module = inspect.getmodule(self.entry_point)
        helpers = []
        for name in dict.fromkeys(re.findall(r"\b([a-z_][a-z0-9_]*)\(", source)):
            helper = getattr(module, name, None)
            if inspect.isfunction(helper) and helper.__module__ == getattr(
                module, "__name__", None
            ):
                if helper is not self.entry_point:
                    helpers.append(inspect.getsource(helper))
        return "\n".join([source, *helpers])

    def settings_models(self) -> list[type[BaseSettings]]:
        """The primary model, the settings nested in it (a service's and the ledger's
        backends, with the Kafka client settings), and the log settings when the entry point
        configures logging."""
        models, todo = [], [self.primary_model()]
        while todo:
            model = todo.pop()
            models.append(model)
            todo += [
                info.annotation
                for info in model.model_fields.values()
                if inspect.isclass(info.annotation) and issubclass(info.annotation, BaseSettings)
            ]
        models += [model for model, _, _ in SIDE_MODELS.get(self.kind, ())]
        if "configure_logging(" in self._source():
            models.append(LogSettings)
        return models

    def variables(self) -> set[str]:
        out: set[str] = set(IMAGE_VARIABLES)
        for model in self.settings_models():
            out |= model_variables(model)
        return out

    def required(self, env: Mapping[str, str | None]) -> list[tuple[str, ...]]:
        """The secrets the process needs in ``env``, each a tuple of alternatives (any one
        will do); what the code does without it is in the comments."""
        up = self.name.upper()
        if self.kind == "service":
            return [
                ("RUMAH_SUBGRAPH_GATEWAY_KEYS",),  # refuses to start
                ("RUMAH_SUBGRAPH_CURSOR_KEY",),  # cursors die with the process
                (f"RUMAH_{up}_WEBHOOK_SECRET",),  # every push is refused with 401
            ]
        if self.kind == "ledger":
            return [("RUMAH_SUBGRAPH_GATEWAY_KEYS",)]  # refuses to start
        if self.kind == "simulator":
            if str(env.get(f"RUMAH_{up}_SIM_PUSH", "true")).lower() in ("false", "0", "no"):
                return []
            return [(f"RUMAH_{up}_SIM_WEBHOOK_SECRET",)]  # pushes nothing
        if self.kind == "gateway":
            needed = [("RUMAH_GATEWAY_SUBGRAPH_SIGNING_KEY",)]  # every subgraph answers 401
            if env.get("RUMAH_GATEWAY_AUTH", "required") != "none":
                # refuses to start without an identity provider
                needed.append(("RUMAH_GATEWAY_TOKENS", "RUMAH_GATEWAY_OIDC_ISSUER"))
            return needed
        return []

    @property
    def traced(self) -> bool:
        """Whether the entry point turns OpenTelemetry on (``configure_tracing``)."""
        return "configure_tracing(" in self._source()

    # ------------------------------------------------------------------ what it serves
    def serves(self, path: str) -> bool:
        """Whether GET ``path`` reaches a route of the process (any status but 404)."""
        return _status(self.kind, self.name, path) != 404


_KEYS = SigningKeys()  # the gateway's key a deployment configures (secrets are not read here)


@cache
def _app(kind: str, name: str) -> Any:
    """The process's ASGI app, built as its entry point builds it, with settings that open
    nothing (the lifespan is never run here)."""
    if kind == "service":
        from services.kit.app import create_service_app

        spec = entry(name).load().SPEC
        settings = service_settings_class(name)(
            _env_file=None,
            backends=BackendSettings(_env_file=None),  # type: ignore[call-arg]
            subgraph_auth=_KEYS.subgraph_settings(),
        )
        return create_service_app(spec, settings)
    if kind == "simulator":
        from services.kit.simulator.app import create_simulator_app
        from services.kit.simulator.core import Simulator

        spec = entry(name).load().SPEC
        return create_simulator_app(Simulator(spec.workflow, seed=1), rate=0, webhook_url=None)
    if kind == "ledger":
        from services.ledger.app import create_app as ledger_app

        return ledger_app(
            LedgerSettings(_env_file=None, subgraph_auth=_KEYS.subgraph_settings())  # type: ignore[call-arg]
        )
    if kind == "gateway":
        from gateway.app import create_app as gateway_app
        from gateway.settings import GatewaySettings

        # a deployment gives it an identity provider and Rumah's event log; here: neither
        gateway = GatewaySettings(  # type: ignore[call-arg]
            _env_file=None, hot_reload=False, auth="none", access_records="off"
        )
        return gateway_app(gateway, ROOT / "schemas" / "supergraph.graphql")
    if kind == "monev":
        from monev.app import create_app as monev_app

        return monev_app(MonevSettings(_env_file=None))  # type: ignore[call-arg]
    raise ValueError(kind)


def _status(kind: str, name: str, path: str) -> int:
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"probe")],
        "http_version": "1.1",
        "scheme": "http",
        "server": ("probe", 80),
        "client": ("127.0.0.1", 1),
        "root_path": "",
    }
    sent: list[Mapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Mapping[str, Any]) -> None:
        sent.append(message)

    asyncio.run(_app(kind, name)(scope, receive, send))
    [start] = [m for m in sent if m["type"] == "http.response.start"]
    return int(start["status"])


# ---------------------------------------------------------------------- the checks
def env_problems(where: str, process: Process, env: Mapping[str, str | None]) -> list[str]:
    """Every ``RUMAH_*`` / ``OTEL_*`` variable in ``env`` must mean something to ``process``.
    ``RUMAH_X_FILE`` stands for ``RUMAH_X`` (rumah/secret_env.py, the image's entrypoint)."""
    known = process.variables()
    problems = []
    for name in sorted(env):
        if name.startswith("RUMAH_"):
            target = name
            if name.endswith(SECRET_FILE_SUFFIX) and name not in known:
                target = name.removesuffix(SECRET_FILE_SUFFIX)
            if target not in known:
                problems.append(
                    f"{where}: {name} is not a setting of `{process.kind}` "
                    "(misspelt, stale, or meant for another process?)"
                )
        elif name.startswith("OTEL_"):
            if name not in OTEL_VARIABLES:
                problems.append(f"{where}: {name} is not an OpenTelemetry variable")
            elif not process.traced:
                problems.append(
                    f"{where}: {name} is set, but `{process.kind}` does not configure tracing"
                )
    return problems


def required_problems(where: str, process: Process, env: Mapping[str, str | None]) -> list[str]:
    """Every secret ``process.required`` names is set (itself or as ``…_FILE``)."""
    have = {name.removesuffix(SECRET_FILE_SUFFIX) for name, value in env.items() if value != ""}
    return [
        f"{where}: `{process.kind}` needs {' or '.join(names)}, which is not set"
        for names in process.required(env)
        if not have.intersection(names)
    ]


def probe_problems(
    where: str, process: Process, probes: Mapping[str, tuple[str, int]]
) -> list[str]:
    """``probes``: probe name → (path, port); each must be a route of the process, on its port."""
    problems = []
    for probe, (path, port) in sorted(probes.items()):
        if port != process.port:
            problems.append(
                f"{where}: {probe} asks port {port}, `{process.kind}` listens on {process.port}"
            )
        if not process.serves(path):
            problems.append(f"{where}: {probe} asks {path}, which `{process.kind}` does not serve")
    return problems
