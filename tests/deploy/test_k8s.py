"""k8s/: both overlays render, validate against the Kubernetes and operator schemas, and
follow the rules of issue 13 (tests/deploy/policy.py). A broken manifest fails."""

from __future__ import annotations

import copy
import json
import shutil
import tomllib
from pathlib import Path

import pytest

from rumah.access_sink import access_topic
from services.catalog import ALL_ENTRIES, CATALOG
from services.ledger.settings import LedgerSettings
from services.ledger.topics import status_topics
from tests.deploy import policy
from tests.deploy.conftest import ROOT, DeployTools
from tests.deploy.manifests import CrdSchemas, Obj, render, validation_problems

OVERLAYS = ("dev", "prod")
RELEASE = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


@pytest.fixture(scope="session")
def crds(deploy_tools: DeployTools) -> CrdSchemas:
    return CrdSchemas(sorted(deploy_tools.path("crds").glob("*.yaml")))


@pytest.fixture(scope="session")
def rendered(deploy_tools: DeployTools) -> dict[str, list[Obj]]:
    kustomize = deploy_tools.path("bin/kustomize")
    return {o: render(kustomize, ROOT / "k8s" / "overlays" / o) for o in OVERLAYS}


def _one(objects: list[Obj], kind: str, name: str) -> Obj:
    [found] = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def _env(dep: Obj) -> dict[str, object]:
    env = dep["spec"]["template"]["spec"]["containers"][0].get("env", [])
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in env}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_is_valid_against_kubernetes_and_operator_schemas(
    overlay: str, rendered: dict[str, list[Obj]], crds: CrdSchemas
) -> None:
    assert validation_problems(rendered[overlay], crds) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize(
    "rule",
    [
        "restricted_problems",
        "availability_problems",
        "secret_problems",
        "network_problems",
        "process_problems",
    ],
)
def test_overlay_follows_the_policy(
    overlay: str, rule: str, rendered: dict[str, list[Obj]]
) -> None:
    assert getattr(policy, rule)(rendered[overlay]) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_images_are_pinned_to_the_release(overlay: str, rendered: dict[str, list[Obj]]) -> None:
    assert policy.image_problems(rendered[overlay], RELEASE) == []
    images = {
        c["image"]
        for d in policy.of_kind(rendered[overlay], "Deployment")
        for c in d["spec"]["template"]["spec"]["containers"]
    }
    assert images == {f"rumah:{RELEASE}"}


def test_a_broken_manifest_fails_validation(
    deploy_tools: DeployTools, crds: CrdSchemas, tmp_path: Path
) -> None:
    shutil.copytree(ROOT / "k8s", tmp_path / "k8s")
    base = tmp_path / "k8s" / "base"
    gateway = base / "gateway.yaml"
    gateway.write_text(gateway.read_text().replace("readinessProbe:", "readynessProbe:"))
    topics = base / "kafka-topics.yaml"
    topics.write_text(topics.read_text().replace("partitions: 1", "partitions: one", 1))
    objects = render(deploy_tools.path("bin/kustomize"), tmp_path / "k8s" / "overlays" / "prod")
    problems = validation_problems(objects, crds)
    assert any(p.startswith("Deployment/gateway:") and "readynessProbe" in p for p in problems)
    assert any(p.startswith("KafkaTopic/") and "'one' is not of type" in p for p in problems)


def test_a_manifest_kustomize_cannot_build_fails(deploy_tools: DeployTools, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "k8s", tmp_path / "k8s")
    kustomization = tmp_path / "k8s" / "base" / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("- ledger.yaml", "- ledgr.yaml"))
    with pytest.raises(AssertionError, match="kustomize build .* failed"):
        render(deploy_tools.path("bin/kustomize"), tmp_path / "k8s" / "overlays" / "dev")


def test_policy_refuses_what_it_should(rendered: dict[str, list[Obj]]) -> None:
    objects = copy.deepcopy(rendered["prod"])
    gateway = _one(objects, "Deployment", "gateway")
    container = gateway["spec"]["template"]["spec"]["containers"][0]
    container["image"] = "rumah:latest"
    container["securityContext"]["allowPrivilegeEscalation"] = True
    del container["securityContext"]["readOnlyRootFilesystem"]
    del container["startupProbe"]
    objects.remove(_one(objects, "PodDisruptionBudget", "ledger"))
    _one(objects, "ConfigMap", "rumah-backends")["data"]["RUMAH_MONGO_URL"] = (
        "mongodb://rumah:hunter2@mongo:27017/"
    )
    objects.remove(_one(objects, "NetworkPolicy", "default-deny"))
    _one(objects, "NetworkPolicy", "subgraphs")["spec"]["ingress"][0]["from"].append(
        {"namespaceSelector": {}}
    )
    found = (
        policy.image_problems(objects, RELEASE)
        + policy.restricted_problems(objects)
        + policy.availability_problems(objects)
        + policy.secret_problems(objects)
        + policy.network_problems(objects)
    )
    expected = [
        "Deployment/gateway: image rumah:latest has no pinned tag",
        "Deployment/gateway container gateway: allowPrivilegeEscalation is not false",
        "Deployment/gateway container gateway: root filesystem is writable",
        "Deployment/gateway container gateway: no startupProbe",
        "Deployment/ledger: no PodDisruptionBudget selects its pods",
        "ConfigMap/rumah-backends: RUMAH_MONGO_URL looks like a credential (use a Secret)",
        "no default-deny NetworkPolicy (all pods, Ingress and Egress, no rule)",
        "NetworkPolicy/subgraphs: lets {'namespaceSelector': {}} reach the subgraphs",
    ]
    assert [e for e in expected if e not in found] == []


def test_namespace_enforces_restricted_pod_security(rendered: dict[str, list[Obj]]) -> None:
    for objects in rendered.values():
        labels = _one(objects, "Namespace", "rumah")["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
        assert {o["metadata"].get("namespace") for o in objects if o["kind"] != "Namespace"} == {
            "rumah"
        }


def test_mongodb_pods_are_restricted_too(rendered: dict[str, list[Obj]]) -> None:
    for objects in rendered.values():
        spec = policy.of_kind(objects, "PerconaServerMongoDB")[0]["spec"]
        for sc in (
            spec["initContainerSecurityContext"],
            *(r["containerSecurityContext"] for r in spec["replsets"]),
        ):
            assert sc["allowPrivilegeEscalation"] is False
            assert sc["capabilities"]["drop"] == ["ALL"]
            assert sc["seccompProfile"]["type"] == "RuntimeDefault"
        assert spec["tls"]["mode"] == "requireTLS"


def _code_topics() -> set[str]:
    """What the ledger consumes (every status topic and the gateway's access records),
    their dead-letter topics, and the anchor."""
    consumed = set(status_topics("rumah"))
    written = set()
    for entry in CATALOG:
        spec = getattr(entry.load(), "SPEC", None)
        if spec is not None:
            written |= {spec.topic(family, "rumah") for family in spec.event_families}
    assert access_topic("rumah") in consumed and written <= consumed
    return consumed | {t + ".dlq" for t in consumed} | {LedgerSettings().anchor}


def test_every_topic_of_the_code_is_a_kafka_topic(rendered: dict[str, list[Obj]]) -> None:
    for overlay, objects in rendered.items():
        topics = {
            t["spec"].get("topicName", t["metadata"]["name"])
            for t in policy.of_kind(objects, "KafkaTopic")
        }
        assert topics == _code_topics(), overlay
        anchor = _one(objects, "KafkaTopic", LedgerSettings().anchor)["spec"]
        assert anchor["partitions"] == 1
        assert anchor["config"]["retention.ms"] == "-1"


def test_deployments_listen_on_the_catalog_ports(rendered: dict[str, list[Obj]]) -> None:
    objects = rendered["dev"]
    for entry in ALL_ENTRIES:
        dep = _one(objects, "Deployment", entry.name)
        [port] = dep["spec"]["template"]["spec"]["containers"][0]["ports"]
        assert port["containerPort"] == entry.port
        if entry.simulator_port is not None:
            sim = _one(objects, "Deployment", f"{entry.name}-upstream")
            assert (
                sim["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"]
                == entry.simulator_port
            )
    urls = json.loads(
        str(_env(_one(objects, "Deployment", "gateway"))["RUMAH_GATEWAY_SUBGRAPH_URLS"])
    )
    assert urls == {e.name: f"http://{e.name}.rumah.svc:{e.port}/graphql" for e in ALL_ENTRIES}


def test_dev_has_simulators_and_one_replica_of_everything(
    rendered: dict[str, list[Obj]],
) -> None:
    objects = rendered["dev"]
    deployments = policy.of_kind(objects, "Deployment")
    assert {d["spec"]["replicas"] for d in deployments} == {1}
    assert len([d for d in deployments if d["metadata"]["name"].endswith("-upstream")]) == 6
    assert policy.of_kind(objects, "HorizontalPodAutoscaler") == []
    assert policy.of_kind(objects, "KafkaNodePool")[0]["spec"]["replicas"] == 1


def test_prod_has_no_simulators_and_the_production_profile(
    rendered: dict[str, list[Obj]],
) -> None:
    objects = rendered["prod"]
    names = {d["metadata"]["name"] for d in policy.of_kind(objects, "Deployment")}
    assert not any(n.endswith("-upstream") for n in names)
    env = _env(_one(objects, "Deployment", "gateway"))
    # the production profile turns GraphiQL, introspection and explain off and refuses
    # RUMAH_GATEWAY_AUTH=none; identity: the regency's OIDC issuer, no static tokens
    assert env["RUMAH_GATEWAY_PROFILE"] == "production"
    assert "RUMAH_GATEWAY_AUTH" not in env and "RUMAH_GATEWAY_TOKENS" not in env
    gateway = _container_env(objects, "gateway")
    assert str(gateway["RUMAH_GATEWAY_OIDC_ISSUER"]).startswith("https://")
    idp = _one(objects, "NetworkPolicy", "gateway-idp-egress")["spec"]
    assert idp["egress"] == [{"ports": [{"protocol": "TCP", "port": 443}]}]
    dev = _env(_one(rendered["dev"], "Deployment", "gateway"))
    assert dev["RUMAH_GATEWAY_TOKENS"] == "/etc/rumah/gateway/tokens.json"
    assert "RUMAH_GATEWAY_PROFILE" not in dev
    # Kafka: TLS + SCRAM, one user per engine client, each process signed in as its own
    kafka = policy.of_kind(objects, "Kafka")[0]["spec"]["kafka"]
    assert [(li["tls"], li["authentication"]["type"]) for li in kafka["listeners"]] == [
        (True, "scram-sha-512")
    ]
    users = {u["metadata"]["name"] for u in policy.of_kind(objects, "KafkaUser")}
    writers = [e.name for e in ALL_ENTRIES] + ["gateway"]  # the gateway: access records
    assert users == {f"rumah-{name}" for name in writers}
    for name in writers:
        dep_env = _env(_one(objects, "Deployment", name))
        assert dep_env["RUMAH_KAFKA_SASL_USERNAME"] == f"rumah-{name}"
    gateway_acl = _one(objects, "KafkaUser", "rumah-gateway")["spec"]["authorization"]["acls"]
    assert {a["resource"].get("name") for a in gateway_acl} == {access_topic("rumah"), None}


def _container_env(objects: list[Obj], name: str) -> dict[str, str | None]:
    dep = _one(objects, "Deployment", name)
    env, missing = policy.container_env(objects, dep["spec"]["template"]["spec"]["containers"][0])
    assert missing == []
    return env


def test_a_process_given_the_wrong_command_variable_or_probe_is_refused(
    rendered: dict[str, list[Obj]],
) -> None:
    objects = copy.deepcopy(rendered["prod"])
    monev = _one(objects, "Deployment", "monev")["spec"]["template"]["spec"]["containers"][0]
    monev["readinessProbe"]["httpGet"]["path"] = "/health"
    monev["env"].append({"name": "RUMAH_MONEV_GATWAY_URL", "value": "http://gateway:4000"})
    monev["envFrom"].append({"configMapRef": {"name": "rumah-tracing"}})
    ledger = _one(objects, "Deployment", "ledger")["spec"]["template"]["spec"]["containers"][0]
    ledger["args"] = ["service", "serve", "ledgr"]
    gateway = _one(objects, "Deployment", "gateway")["spec"]["template"]["spec"]["containers"][0]
    gateway["envFrom"].append({"configMapRef": {"name": "rumah-tracng"}})
    gateway["env"].append({"name": "RUMAH_KAFKA_SASL_USER", "value": "x"})
    found = policy.process_problems(objects)
    for expected in (
        "Deployment/monev container monev: readinessProbe asks /health, which `monev` does not "
        "serve",
        "Deployment/monev container monev: RUMAH_MONEV_GATWAY_URL is not a setting of `monev`",
        "Deployment/monev container monev: OTEL_TRACES_SAMPLER is set, but `monev` does not "
        "configure tracing",
        "Deployment/ledger container ledger: rumah service serve ledgr: no service 'ledgr'",
        "Deployment/gateway container gateway: refers to ConfigMap rumah-tracng, which the "
        "overlay does not render",
        "Deployment/gateway container gateway: RUMAH_KAFKA_SASL_USER is not a setting of `gateway`",
    ):
        assert any(p.startswith(expected) for p in found), (expected, found)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_topics_the_hub_creates_get_what_the_kafka_topics_declare(
    overlay: str, rendered: dict[str, list[Obj]]
) -> None:
    """RUMAH_KAFKA_REPLICATION_FACTOR / _MIN_INSYNC_REPLICAS (what a service or the ledger
    asks for when it creates a topic) equal the KafkaTopics' and the brokers' defaults."""
    objects = rendered[overlay]
    backends = _one(objects, "ConfigMap", "rumah-backends")["data"]
    replicas, min_isr = (
        int(backends["RUMAH_KAFKA_REPLICATION_FACTOR"]),
        int(backends["RUMAH_KAFKA_MIN_INSYNC_REPLICAS"]),
    )
    nodes = policy.of_kind(objects, "KafkaNodePool")[0]["spec"]["replicas"]
    assert min_isr <= replicas <= nodes
    config = policy.of_kind(objects, "Kafka")[0]["spec"]["kafka"]["config"]
    assert (config["default.replication.factor"], config["min.insync.replicas"]) == (
        replicas,
        min_isr,
    )
    for topic in policy.of_kind(objects, "KafkaTopic"):
        assert topic["spec"]["replicas"] == replicas, _name(topic)
        assert topic["spec"]["config"]["min.insync.replicas"] == str(min_isr)


def _name(obj: Obj) -> str:
    return str(obj["metadata"]["name"])


def test_monev_runs_one_replica_with_its_real_probes(rendered: dict[str, list[Obj]]) -> None:
    """Verification progress streams from the replica that runs it (k8s/base/monev.yaml)."""
    for overlay, objects in rendered.items():
        dep = _one(objects, "Deployment", "monev")
        assert dep["spec"]["replicas"] == 1, overlay
        assert not [
            h
            for h in policy.of_kind(objects, "HorizontalPodAutoscaler")
            if h["spec"]["scaleTargetRef"]["name"] == "monev"
        ]
        container = dep["spec"]["template"]["spec"]["containers"][0]
        assert container["args"] == ["monev", "serve"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
        assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
        env = _container_env(objects, "monev")
        assert env["RUMAH_MONEV_GATEWAY_URL"] == "http://gateway.rumah.svc:4000/graphql"
        assert env["RUMAH_MONEV_HOST"] == "0.0.0.0"
        secret = _env(dep)["RUMAH_MONEV_SESSION_SECRET"]
        assert secret == {"secretKeyRef": {"name": "rumah-monev", "key": "session-secret"}}
    prod = _container_env(rendered["prod"], "monev")
    assert prod["RUMAH_MONEV_AUTH"] == "oidc"
    assert prod["RUMAH_MONEV_OIDC_DISCOVERY_URL"] and prod["RUMAH_MONEV_PUBLIC_URL"], prod
    assert str(prod["RUMAH_MONEV_PUBLIC_URL"]).startswith("https://")  # Secure cookies
    # OIDC: Monev may reach the identity provider (HTTPS), nothing else but the gateway
    idp = _one(rendered["prod"], "NetworkPolicy", "monev-idp-egress")["spec"]
    assert idp["podSelector"] == {"matchLabels": {"app.kubernetes.io/component": "web"}}
    assert idp["egress"] == [{"ports": [{"protocol": "TCP", "port": 443}]}]


def test_logs_are_json_everywhere_and_traces_on_only_in_prod(
    rendered: dict[str, list[Obj]],
) -> None:
    for overlay, objects in rendered.items():
        for dep, _ in policy.rumah_containers(objects):
            env = _container_env(objects, dep["metadata"]["name"])
            assert env["RUMAH_LOG_FORMAT"] == "json", (overlay, _name(dep))
            if dep["metadata"]["name"] != "monev":  # Monev is not traced
                assert "OTEL_TRACES_EXPORTER" in env, (overlay, _name(dep))
    dev = _container_env(rendered["dev"], "gateway")
    assert dev["OTEL_TRACES_EXPORTER"] == "none"
    prod = _container_env(rendered["prod"], "gateway")
    assert prod["OTEL_TRACES_EXPORTER"] == "otlp"
    assert prod["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"  # the exporter installed
    endpoint = str(prod["OTEL_EXPORTER_OTLP_ENDPOINT"])
    assert endpoint == "http://otel-collector.observability.svc:4318"
    assert prod["OTEL_TRACES_SAMPLER"] == "parentbased_traceidratio"
    assert 0 < float(str(prod["OTEL_TRACES_SAMPLER_ARG"])) < 1
    # the collector is reachable from every traced pod (default deny otherwise)
    otlp = _one(rendered["prod"], "NetworkPolicy", "otlp-egress")["spec"]
    [rule] = otlp["egress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 4318}]
    assert rule["to"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "observability"}}}
    ]
    components = {e["key"]: set(e["values"]) for e in otlp["podSelector"]["matchExpressions"]}
    traced = {
        d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"]
        for d, _ in policy.rumah_containers(rendered["prod"])
        if d["metadata"]["name"] != "monev"
    }
    assert components == {"app.kubernetes.io/component": traced}


def test_a_process_without_the_secrets_it_needs_is_refused(
    rendered: dict[str, list[Obj]],
) -> None:
    """A service or the ledger without the gateway's public key refuses to start; a gateway
    without an identity provider or signing key, a service without its webhook or cursor
    key, a simulator without its webhook secret do not work: each is a problem."""
    found = {}

    def drop(objects: list[Obj], name: str, *variables: str) -> None:
        container = _one(objects, "Deployment", name)["spec"]["template"]["spec"]["containers"][0]
        container["env"] = [e for e in container["env"] if e["name"] not in variables]

    for overlay in OVERLAYS:
        objects = copy.deepcopy(rendered[overlay])
        drop(objects, "ledger", "RUMAH_SUBGRAPH_GATEWAY_KEYS")
        drop(
            objects,
            "personnel",
            "RUMAH_SUBGRAPH_GATEWAY_KEYS",
            "RUMAH_SUBGRAPH_CURSOR_KEY",
            "RUMAH_PERSONNEL_WEBHOOK_SECRET",
        )
        drop(
            objects,
            "gateway",
            "RUMAH_GATEWAY_TOKENS",
            "RUMAH_GATEWAY_OIDC_ISSUER",
            "RUMAH_GATEWAY_SUBGRAPH_SIGNING_KEY",
        )
        if overlay == "dev":
            drop(objects, "personnel-upstream", "RUMAH_PERSONNEL_SIM_WEBHOOK_SECRET")
        found[overlay] = sorted(p for p in policy.process_problems(objects) if "needs" in p)
    service = [
        f"Deployment/personnel container personnel: `service` needs {name}, which is not set"
        for name in (
            "RUMAH_PERSONNEL_WEBHOOK_SECRET",
            "RUMAH_SUBGRAPH_CURSOR_KEY",
            "RUMAH_SUBGRAPH_GATEWAY_KEYS",
        )
    ]
    common = sorted(
        [
            "Deployment/gateway container gateway: `gateway` needs "
            "RUMAH_GATEWAY_SUBGRAPH_SIGNING_KEY, which is not set",
            "Deployment/gateway container gateway: `gateway` needs RUMAH_GATEWAY_TOKENS or "
            "RUMAH_GATEWAY_OIDC_ISSUER, which is not set",
            "Deployment/ledger container ledger: `ledger` needs RUMAH_SUBGRAPH_GATEWAY_KEYS, which "
            "is not set",
            *service,
        ]
    )
    assert found["prod"] == common
    assert found["dev"] == sorted(
        [
            *common,
            "Deployment/personnel-upstream container personnel-upstream: `simulator` needs "
            "RUMAH_PERSONNEL_SIM_WEBHOOK_SECRET, which is not set",
        ]
    )


def test_secrets_come_from_the_secrets_docs_deploy_names(rendered: dict[str, list[Obj]]) -> None:
    """Every secretKeyRef names a Secret docs/deploy.md tells the operator to make, and a
    simulator signs with the key its service checks."""
    deploy = (ROOT / "docs" / "deploy.md").read_text()
    for overlay, objects in rendered.items():
        refs = {
            (e["valueFrom"]["secretKeyRef"]["name"], e["valueFrom"]["secretKeyRef"]["key"])
            for d in policy.of_kind(objects, "Deployment")
            for c in d["spec"]["template"]["spec"]["containers"]
            for e in c.get("env", [])
            if "secretKeyRef" in e.get("valueFrom", {})
        }
        strimzi = {f"rumah-{e.name}" for e in ALL_ENTRIES} | {"rumah-gateway"}  # KafkaUsers
        for name, key in refs:
            if name not in strimzi:
                assert f"`{name}`" in deploy and f"`{key}`" in deploy, (overlay, name, key)
        for entry in ALL_ENTRIES if overlay == "dev" else ():
            if entry.simulator_port is None:
                continue
            service = _env(_one(objects, "Deployment", entry.name))
            simulator = _env(_one(objects, "Deployment", f"{entry.name}-upstream"))
            up = entry.name.upper()
            assert (
                service[f"RUMAH_{up}_WEBHOOK_SECRET"] == simulator[f"RUMAH_{up}_SIM_WEBHOOK_SECRET"]
            ), entry.name


def test_prod_ledger_runs_an_appender_and_a_standby(rendered: dict[str, list[Obj]]) -> None:
    """Two ledger pods with RUMAH_LEDGER_STANDBY: the lease picks the one appender
    (docs/replicas.md); dev keeps one pod and no lease."""
    prod = _one(rendered["prod"], "Deployment", "ledger")
    assert prod["spec"]["replicas"] == 2
    assert _env(prod).get("RUMAH_LEDGER_STANDBY") == "true"
    dev = _one(rendered["dev"], "Deployment", "ledger")
    assert dev["spec"]["replicas"] == 1 and "RUMAH_LEDGER_STANDBY" not in _env(dev)
