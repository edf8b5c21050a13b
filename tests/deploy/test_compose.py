"""docker-compose.yml: valid against the Compose specification, and the rules of issue 13."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from infra.settings import InfraSettings
from tests.deploy.conftest import ROOT, DeployTools
from tests.deploy.processes import (
    BadCommand,
    Process,
    env_problems,
    probe_problems,
    required_problems,
)

COMPOSE = ROOT / "docker-compose.yml"
SECRET_WORDS = ("PASSWORD", "TOKEN", "SECRET", "MONGO_URL", "CREDENTIALS", "_KEY")


def _load() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return data


def check_jsonschema(schema: Path, document: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile", str(schema), str(document)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_compose_file_is_valid_against_the_compose_specification(
    deploy_tools: DeployTools,
) -> None:
    proc = check_jsonschema(deploy_tools.path("schemas/compose-spec.json"), COMPOSE)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_broken_compose_file_is_refused(deploy_tools: DeployTools, tmp_path: Path) -> None:
    broken = tmp_path / "docker-compose.yml"
    # a misspelt key in the kafka service (the schema allows no unknown service keys)
    broken.write_text(
        COMPOSE.read_text().replace(
            "    restart: unless-stopped\n", "    restrat: unless-stopped\n", 1
        )
    )
    proc = check_jsonschema(deploy_tools.path("schemas/compose-spec.json"), broken)
    assert proc.returncode == 1
    assert "restrat" in proc.stdout, proc.stdout


def test_only_the_gateway_and_monev_are_published() -> None:
    published = {n: s["ports"] for n, s in _load()["services"].items() if s.get("ports")}
    assert published == {"gateway": ["4000:4000"], "monev": ["127.0.0.1:4010:4010"]}


def test_monev_with_local_sign_in_is_reachable_from_the_host_only() -> None:
    """Attack: Monev's local sign-in hands a role's bearer token to whoever clicks the role
    (auditor included) — published on every interface of the host (``4010:4010``), anyone
    on the network could open http://<host>:4010/masuk, choose "auditor" and read the
    ledger and every personnel record. With local sign-in it is published on loopback only
    (sign-in for a network is OIDC: RUMAH_MONEV_AUTH=oidc)."""
    monev = _load()["services"]["monev"]
    assert monev["environment"]["RUMAH_MONEV_AUTH"] == "local"
    for port in monev["ports"]:
        assert str(port).startswith("127.0.0.1:"), port


def test_every_service_has_a_healthcheck() -> None:
    services = _load()["services"]
    missing = [n for n, s in services.items() if not s.get("healthcheck", {}).get("test")]
    assert missing == []
    for name, service in services.items():
        if service.get("image", "").startswith("rumah:"):
            url = service["environment"]["RUMAH_HEALTHCHECK_URL"]
            assert url.startswith("http://127.0.0.1:"), name


def _minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


def test_kafka_versions_follow_the_decision() -> None:
    """Decision (docs/deploy.md, "Kafka versions"): compose runs the release `rumah infra`
    runs — the one make test's integration tests prove the hub on; the cluster runs the
    newest release Strimzi supports, which may be one minor older (never another major)."""
    infra = InfraSettings().kafka_version
    assert _load()["services"]["kafka"]["image"] == f"apache/kafka:{infra}"
    kafka = yaml.safe_load_all((ROOT / "k8s" / "base" / "kafka.yaml").read_text())
    [cluster] = [doc["spec"]["kafka"]["version"] for doc in kafka if doc["kind"] == "Kafka"]
    versions = (ROOT / "tools" / "deploy-check" / "versions.env").read_text()
    [minors] = re.findall(r'^STRIMZI_KAFKA_MINORS="([^"]+)"', versions, re.MULTILINE)
    assert ".".join(map(str, _minor(cluster))) in minors.split()
    (infra_major, infra_minor), (major, minor) = _minor(infra), _minor(cluster)
    assert major == infra_major and 0 <= infra_minor - minor <= 1, (infra, cluster)
    deploy = (ROOT / "docs" / "deploy.md").read_text()
    assert f"Kafka **{cluster}**" in deploy and f"compose run {infra}" in deploy


def _rumah_services() -> dict[str, dict[str, Any]]:
    return {n: s for n, s in _load()["services"].items() if s["image"].startswith("rumah:")}


def _default(value: object) -> str:
    """A value as compose would set it when the variable is not in the shell."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(value))


def test_every_rumah_service_runs_a_real_process_with_settings_it_reads() -> None:
    problems = []
    for name, service in _rumah_services().items():
        env = {k: _default(v) for k, v in service.get("environment", {}).items()}
        try:
            process = Process.of(service["command"], env)
        except BadCommand as exc:
            problems.append(f"{name}: {exc}")
            continue
        problems += env_problems(name, process, env)
        problems += required_problems(name, process, env)
        url = urlsplit(env["RUMAH_HEALTHCHECK_URL"])
        problems += probe_problems(name, process, {"healthcheck": (url.path, url.port or 80)})
        # a file under /run/secrets/ is a secret this service mounts
        mounted = {f"/run/secrets/{s}" for s in service.get("secrets", [])}
        problems += [
            f"{name}: {k}={v} is not a secret it mounts"
            for k, v in env.items()
            if v.startswith("/run/secrets/") and v not in mounted
        ]
    assert problems == []


def test_a_wrong_command_variable_or_healthcheck_is_refused() -> None:
    monev = Process.of(["monev", "serve"])
    assert env_problems("monev", monev, {"RUMAH_MONEV_GATEWAY": "x"}) != []
    assert probe_problems("monev", monev, {"healthcheck": ("/health", 4010)}) != []
    with pytest.raises(BadCommand):
        Process.of(["monev", "start"])


def test_logs_are_json_and_tracing_is_off_unless_asked_for() -> None:
    for name, service in _rumah_services().items():
        env = service["environment"]
        assert env["RUMAH_LOG_FORMAT"] == "json", name
        if name == "monev":
            assert not [k for k in env if k.startswith("OTEL_")]
            continue
        assert env["OTEL_TRACES_EXPORTER"] == "${OTEL_TRACES_EXPORTER:-none}", name
        assert _default(env["OTEL_EXPORTER_OTLP_ENDPOINT"]).endswith(":4318"), name


def test_rumah_image_is_the_release_version() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    images = {s["image"] for s in _load()["services"].values() if "rumah" in s["image"]}
    assert images == {f"rumah:{version}"}


def test_credentials_arrive_as_compose_secrets_not_environment() -> None:
    data = _load()
    defined = set(data["secrets"])
    for name, service in data["services"].items():
        assert set(service.get("secrets", [])) <= defined, name
        for key, value in service.get("environment", {}).items():
            if any(word in key for word in SECRET_WORDS):
                assert str(value).startswith("/run/secrets/"), f"{name}: {key} holds a value"
    for secret in data["secrets"].values():
        assert secret["file"].startswith("./var/compose-secrets/")  # git-ignored


@pytest.mark.parametrize("engine", ["kafka", "mongo"])
def test_engine_images_are_pinned(engine: str) -> None:
    image = _load()["services"][engine]["image"]
    assert image.count(".") >= 2 and "latest" not in image


def test_access_secrets_pair_up() -> None:
    """A simulator signs its pushes with the secret file its service checks them with; the
    gateway signs with the key whose public half every subgraph holds."""
    services = _load()["services"]
    for name, service in _rumah_services().items():
        env = service["environment"]
        if service["command"][:2] == ["service", "simulate"]:
            up = service["command"][2].upper()
            target = services[service["command"][2]]["environment"]
            assert (
                env[f"RUMAH_{up}_SIM_WEBHOOK_SECRET_FILE"]
                == target[f"RUMAH_{up}_WEBHOOK_SECRET_FILE"]
            ), name
        if service["command"][:2] == ["service", "serve"]:
            assert env["RUMAH_SUBGRAPH_GATEWAY_KEYS_FILE"] == "/run/secrets/gateway_public_keys"
    gateway = services["gateway"]["environment"]
    assert gateway["RUMAH_GATEWAY_SUBGRAPH_SIGNING_KEY_FILE"] == "/run/secrets/gateway_signing_key"
    assert "RUMAH_GATEWAY_AUTH" not in gateway  # authentication required (the default)
