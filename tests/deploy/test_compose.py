"""docker-compose.yml: valid against the Compose specification, and the rules of issue 13."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.settings import InfraSettings
from tests.deploy.conftest import ROOT, DeployTools

COMPOSE = ROOT / "docker-compose.yml"
SECRET_WORDS = ("PASSWORD", "TOKEN", "SECRET", "MONGO_URL", "CREDENTIALS")


def _load() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return data


def check_jsonschema(schema: Path, document: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile", str(schema), str(document)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip


def test_compose_file_is_valid_against_the_compose_specification(
    deploy_tools: DeployTools,
) -> None:
    proc = check_jsonschema(deploy_tools.path("schemas/compose-spec.json"), COMPOSE)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_broken_compose_file_is_refused(deploy_tools: DeployTools, tmp_path: Path) -> None:
    broken = tmp_path / "docker-compose.yml"
    # a misspelt key in the kafka service (the schema allows no unknown service keys)
    broken.write_text(COMPOSE.read_text().replace("    restart: unless-stopped\n",
                                                  "    restrat: unless-stopped\n", 1))
    proc = check_jsonschema(deploy_tools.path("schemas/compose-spec.json"), broken)
    assert proc.returncode == 1
    assert "restrat" in proc.stdout, proc.stdout


def test_only_the_gateway_and_monev_are_published() -> None:
    published = {n: s["ports"] for n, s in _load()["services"].items() if s.get("ports")}
    assert published == {"gateway": ["4000:4000"], "monev": ["4010:4010"]}


def test_every_service_has_a_healthcheck() -> None:
    services = _load()["services"]
    missing = [n for n, s in services.items() if not s.get("healthcheck", {}).get("test")]
    assert missing == []
    for name, service in services.items():
        if service.get("image", "").startswith("rumah:"):
            url = service["environment"]["RUMAH_HEALTHCHECK_URL"]
            assert url.startswith("http://127.0.0.1:"), name


def test_kafka_is_the_release_rumah_infra_runs() -> None:
    image = _load()["services"]["kafka"]["image"]
    assert image == f"apache/kafka:{InfraSettings().kafka_version}"


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
