"""tests/deploy/processes.py reads the processes right, and refuses what a deployment gets
wrong: a command the CLI does not have, a variable no process reads, a probe of no route."""

from __future__ import annotations

import pytest

from rumah.settings_doc import _components
from tests.deploy.conftest import ROOT
from tests.deploy.processes import (
    IMAGE_VARIABLES,
    OTEL_VARIABLES,
    SIDE_MODELS,
    BadCommand,
    Process,
    env_problems,
    probe_problems,
    required_problems,
)

GATEWAY = ["gateway", "serve", "--supergraph", "schemas/supergraph.graphql", "--port", "4000"]
EXAMPLES = {
    "service": ["service", "serve", "licensing"],
    "simulator": ["service", "simulate", "licensing"],
    "ledger": ["service", "serve", "ledger"],
    "gateway": GATEWAY,
    "monev": ["monev", "serve"],
}
# what each entry point's source calls to load its primary settings model
LOADS = {
    "service": "service_settings_class(",
    "simulator": "simulator_settings_class(",
    "ledger": "LedgerSettings",
    "gateway": "GatewaySettings",
    "monev": "MonevSettings",
}


def _process(kind: str) -> Process:
    return Process.of(EXAMPLES[kind])


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_each_command_is_the_process_its_entry_point_serves(kind: str) -> None:
    process = _process(kind)
    assert process.kind == kind
    source = process._source()
    assert LOADS[kind] in source and "load_settings(" in source
    assert process.serves("/nope-not-a-route") is False  # the route check can say no


def test_every_documented_settings_model_belongs_to_a_deployed_process() -> None:
    """A component added to rumah/settings_doc.py must say which process reads it here."""
    documented = {model for _, _, model, _ in _components()}
    read = {
        base
        for kind in EXAMPLES
        for model in _process(kind).settings_models()
        for base in model.__mro__
        if base in documented
    }
    assert documented - read == {_infra()}  # `rumah infra` runs the local engines, not a pod


def _infra() -> type:
    from infra.settings import InfraSettings

    return InfraSettings


def test_ports_are_the_catalog_ones_unless_the_deployment_moves_them() -> None:
    assert _process("service").port == 4004
    assert _process("simulator").port == 4104
    assert _process("ledger").port == 4007
    assert Process.of(["monev", "serve"], {"RUMAH_MONEV_PORT": "8010"}).port == 8010
    assert Process.of(["monev", "serve", "--port", "9010"], {"RUMAH_MONEV_PORT": "8010"}).port == (
        9010
    )


def test_no_setting_ends_like_a_secret_file() -> None:
    """rumah/secret_env.py turns every RUMAH_*_FILE into RUMAH_*: a setting named so would be
    read as a file name instead."""
    names = set().union(*(_process(kind).variables() for kind in EXAMPLES))
    assert [n for n in names if n.endswith("_FILE")] == []


@pytest.mark.parametrize(("name", "where"), sorted(IMAGE_VARIABLES.items()))
def test_image_variables_are_read_where_the_list_says(name: str, where: str) -> None:
    assert name.removeprefix("RUMAH_") in (ROOT / where).read_text()


def test_otel_names_come_from_the_sdk() -> None:
    assert {
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_TRACES_SAMPLER",
        "OTEL_TRACES_SAMPLER_ARG",
        "OTEL_TRACES_EXPORTER",
        "OTEL_RESOURCE_ATTRIBUTES",
    } <= OTEL_VARIABLES
    assert _process("gateway").traced and not _process("monev").traced


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["monev", "serv"], "No such command 'serv'"),
        (["gateway", "serve", "--supergraf", "x"], "No such option: --supergraf"),
        (["gateway", "serve", "--supergraph", "schemas/nope.graphql"], "not in the repository"),
        (["service", "serve", "kependudukan"], "no service 'kependudukan'"),
        (["service", "serve"], "Missing argument"),
        (["schemas", "export"], "not a process a deployment runs"),
    ],
)
def test_a_command_the_cli_does_not_run_is_refused(args: list[str], message: str) -> None:
    with pytest.raises(BadCommand, match=message):
        Process.of(args)


def test_variables_a_process_does_not_read_are_refused() -> None:
    env = {
        "RUMAH_MONEV_GATWAY_URL": "http://gateway:4000/graphql",  # misspelt
        "RUMAH_MONEV_GATEWAY_URL": "http://gateway:4000/graphql",
        "RUMAH_MONEV_SESSION_SECRET_FILE": "/run/secrets/monev_session_secret",  # secret_env
        "RUMAH_LOG_FORMAT": "json",
        "RUMAH_MONGO_URL": "mongodb://mongo",  # Monev has no store
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",  # Monev is not traced
        "MONGO_APP_PASSWORD": "only for $(…) expansion",  # not ours: ignored
    }
    assert env_problems("monev", _process("monev"), env) == [
        "monev: OTEL_TRACES_SAMPLER is set, but `monev` does not configure tracing",
        "monev: RUMAH_MONEV_GATWAY_URL is not a setting of `monev` (misspelt, stale, or meant "
        "for another process?)",
        "monev: RUMAH_MONGO_URL is not a setting of `monev` (misspelt, stale, or meant for "
        "another process?)",
    ]
    service = {
        "RUMAH_KAFKA_SASL_USER": "x",  # stale: the setting is RUMAH_KAFKA_SASL_USERNAME
        "RUMAH_KAFKA_SASL_USERNAME": "x",
        "RUMAH_MONGO_URL_FILE": "/run/secrets/mongo_url",
        "OTEL_TRACE_SAMPLER": "x",  # misspelt
        "RUMAH_LICENSING_UPSTREAM_URL": "http://u",
        "RUMAH_PLANNING_UPSTREAM_URL": "x",  # another service's
    }
    problems = env_problems("licensing", _process("service"), service)
    assert [p.split(":")[1].split()[0] for p in problems] == [
        "OTEL_TRACE_SAMPLER",
        "RUMAH_KAFKA_SASL_USER",
        "RUMAH_PLANNING_UPSTREAM_URL",
    ]


def test_a_probe_of_a_path_or_port_the_process_does_not_serve_is_refused() -> None:
    monev = _process("monev")
    assert (
        probe_problems(
            "monev", monev, {"live": ("/health/live", 4010), "ready": ("/health/ready", 4010)}
        )
        == []
    )
    assert probe_problems(
        "monev", monev, {"live": ("/health", 4010), "ready": ("/health/ready", 4000)}
    ) == [
        "monev: live asks /health, which `monev` does not serve",
        "monev: ready asks port 4000, `monev` listens on 4010",
    ]


@pytest.mark.parametrize(
    ("kind", "where", "call"),
    sorted(
        (kind, where, call) for kind, models in SIDE_MODELS.items() for _, where, call in models
    ),
)
def test_side_models_are_loaded_where_the_list_says(kind: str, where: str, call: str) -> None:
    assert call in (ROOT / where).read_text()


def test_secrets_a_process_needs_are_required() -> None:
    service, gateway = _process("service"), _process("gateway")
    assert required_problems(
        "licensing",
        service,
        {
            "RUMAH_SUBGRAPH_GATEWAY_KEYS_FILE": "/run/secrets/gateway_public_keys",  # secret_env
            "RUMAH_SUBGRAPH_CURSOR_KEY": None,  # from a Secret
            "RUMAH_LICENSING_WEBHOOK_SECRET": "",  # empty: not set
        },
    ) == ["licensing: `service` needs RUMAH_LICENSING_WEBHOOK_SECRET, which is not set"]
    assert required_problems("gateway", gateway, {}) == [
        "gateway: `gateway` needs RUMAH_GATEWAY_SUBGRAPH_SIGNING_KEY, which is not set",
        "gateway: `gateway` needs RUMAH_GATEWAY_TOKENS or RUMAH_GATEWAY_OIDC_ISSUER, which is "
        "not set",
    ]
    open_gateway = {"RUMAH_GATEWAY_AUTH": "none", "RUMAH_GATEWAY_SUBGRAPH_SIGNING_KEY": None}
    assert required_problems("gateway", gateway, open_gateway) == []
    ledger = _process("ledger")
    assert required_problems("ledger", ledger, {}) == [
        "ledger: `ledger` needs RUMAH_SUBGRAPH_GATEWAY_KEYS, which is not set"
    ]
    simulator = _process("simulator")
    assert required_problems("sim", simulator, {"RUMAH_LICENSING_SIM_PUSH": "false"}) == []
    assert required_problems("sim", simulator, {}) != []
    assert required_problems("monev", _process("monev"), {}) == []
