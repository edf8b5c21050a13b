"""The rules of issue 13 for rendered Kubernetes objects; each returns its findings."""

from __future__ import annotations

import re
from typing import Any

from tests.deploy.manifests import Obj, name_of

SECRET_KEY = re.compile(r"PASSWORD|TOKEN|SECRET|PRIVATE|CREDENTIAL|API_?KEY|_KEYS?$", re.I)
URL_WITH_PASSWORD = re.compile(r"://[^/\s:@]+:[^/\s@]+@")


def of_kind(objects: list[Obj], kind: str) -> list[Obj]:
    return [o for o in objects if o.get("kind") == kind]


def _pod(obj: Obj) -> dict[str, Any]:
    pod: dict[str, Any] = obj["spec"]["template"]["spec"]
    return pod


def image_problems(objects: list[Obj], release: str) -> list[str]:
    out = []
    for dep in of_kind(objects, "Deployment"):
        pod = _pod(dep)
        for c in pod.get("initContainers", []) + pod["containers"]:
            image = c["image"]
            tag = image.rsplit(":", 1)[1] if ":" in image.split("/")[-1] else ""
            if "@sha256:" in image:
                continue
            if not tag or tag == "latest":
                out.append(f"{name_of(dep)}: image {image} has no pinned tag")
            elif image.split("/")[-1].startswith("rumah:") and tag != release:
                out.append(f"{name_of(dep)}: image {image} is not the release {release}")
    return out


def restricted_problems(objects: list[Obj]) -> list[str]:
    """Pod Security Standard `restricted`, plus a read-only root filesystem."""
    out = []
    for dep in of_kind(objects, "Deployment"):
        pod, who = _pod(dep), name_of(dep)
        psc = pod.get("securityContext", {})
        if any(pod.get(k) for k in ("hostNetwork", "hostPID", "hostIPC")):
            out.append(f"{who}: uses a host namespace")
        for c in pod.get("initContainers", []) + pod["containers"]:
            sc, where = c.get("securityContext", {}), f"{who} container {c['name']}"
            if not (sc.get("runAsNonRoot", psc.get("runAsNonRoot"))):
                out.append(f"{where}: runAsNonRoot is not true")
            if sc.get("runAsUser", psc.get("runAsUser")) == 0:
                out.append(f"{where}: runs as uid 0")
            if sc.get("allowPrivilegeEscalation") is not False:
                out.append(f"{where}: allowPrivilegeEscalation is not false")
            if "ALL" not in sc.get("capabilities", {}).get("drop", []):
                out.append(f"{where}: capabilities do not drop ALL")
            if sc.get("capabilities", {}).get("add"):
                out.append(f"{where}: adds capabilities")
            if sc.get("privileged"):
                out.append(f"{where}: is privileged")
            if sc.get("readOnlyRootFilesystem") is not True:
                out.append(f"{where}: root filesystem is writable")
            seccomp = sc.get("seccompProfile", psc.get("seccompProfile", {})).get("type")
            if seccomp not in ("RuntimeDefault", "Localhost"):
                out.append(f"{where}: seccompProfile is not RuntimeDefault")
        for vol in pod.get("volumes", []):
            if "hostPath" in vol:
                out.append(f"{who}: mounts a hostPath")
    return out


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    wanted = selector.get("matchLabels", {})
    return bool(wanted) and all(labels.get(k) == v for k, v in wanted.items())


def availability_problems(objects: list[Obj]) -> list[str]:
    """Every Deployment: a PDB that selects its pods, three probes, requests and limits."""
    out = []
    pdbs = of_kind(objects, "PodDisruptionBudget")
    for dep in of_kind(objects, "Deployment"):
        labels = dep["spec"]["template"]["metadata"].get("labels", {})
        if not any(_selects(p["spec"].get("selector", {}), labels) for p in pdbs):
            out.append(f"{name_of(dep)}: no PodDisruptionBudget selects its pods")
        for c in _pod(dep)["containers"]:
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                if probe not in c:
                    out.append(f"{name_of(dep)} container {c['name']}: no {probe}")
            res = c.get("resources", {})
            for part, keys in (("requests", ("cpu", "memory")), ("limits", ("cpu", "memory"))):
                missing = [k for k in keys if k not in res.get(part, {})]
                if missing:
                    out.append(f"{name_of(dep)} container {c['name']}: no {part} {missing}")
    return out


def secret_problems(objects: list[Obj]) -> list[str]:
    """No credential in a ConfigMap or in a literal environment value."""
    out = []
    for cm in of_kind(objects, "ConfigMap"):
        for key, value in (cm.get("data") or {}).items():
            if SECRET_KEY.search(key) or URL_WITH_PASSWORD.search(str(value)):
                out.append(f"{name_of(cm)}: {key} looks like a credential (use a Secret)")
    for dep in of_kind(objects, "Deployment"):
        for c in _pod(dep)["containers"]:
            for env in c.get("env", []):
                value = env.get("value")
                if value is None:
                    continue
                if SECRET_KEY.search(env["name"]) and not value.startswith("/"):
                    out.append(f"{name_of(dep)}: env {env['name']} holds a literal value")
                if URL_WITH_PASSWORD.search(re.sub(r"\$\([A-Z_]+\)", "", value)):
                    out.append(f"{name_of(dep)}: env {env['name']} holds a password")
    if of_kind(objects, "Secret"):
        out.append("a Secret is rendered from git; credentials are made outside it")
    return out


def network_problems(objects: list[Obj]) -> list[str]:
    out = []
    policies = of_kind(objects, "NetworkPolicy")
    deny = [
        p
        for p in policies
        if p["spec"].get("podSelector") == {}
        and set(p["spec"].get("policyTypes", [])) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    if not deny:
        out.append("no default-deny NetworkPolicy (all pods, Ingress and Egress, no rule)")
    if not any(
        p["spec"].get("podSelector") == {}
        and any(
            port.get("port") == 53
            for rule in p["spec"].get("egress", [])
            for port in rule.get("ports", [])
        )
        for p in policies
    ):
        out.append("no DNS egress for every pod")
    # who may reach the subgraphs' GraphQL ports: the gateway (and, in dev, the simulators'
    # webhook pushes); the monitoring namespace only for metrics
    for p in policies:
        if not _selects(p["spec"]["podSelector"], {"app.kubernetes.io/component": "subgraph"}):
            continue
        for rule in p["spec"].get("ingress", []):
            peers = rule.get("from", [])
            if not peers:
                out.append(f"{name_of(p)}: lets anyone reach the subgraphs")
            for peer in peers:
                comp = (
                    peer.get("podSelector", {})
                    .get("matchLabels", {})
                    .get("app.kubernetes.io/component")
                )
                if "namespaceSelector" in peer or comp not in ("gateway", "simulator"):
                    out.append(f"{name_of(p)}: lets {peer} reach the subgraphs")
    return out


def _config_maps(objects: list[Obj]) -> dict[str, dict[str, str]]:
    return {cm["metadata"]["name"]: cm.get("data") or {} for cm in of_kind(objects, "ConfigMap")}


def container_env(objects: list[Obj], container: Obj) -> tuple[dict[str, str | None], list[str]]:
    """The variables a container gets — ``envFrom`` ConfigMaps, then ``env`` — with their
    values (``None``: from a Secret, or another source); and the ConfigMaps or keys it
    refers to that the rendered overlay lacks (the pod would not start)."""
    maps = _config_maps(objects)
    env: dict[str, str | None] = {}
    missing: list[str] = []
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            name = source["configMapRef"]["name"]
            if name not in maps:
                missing.append(f"ConfigMap {name}")
            env.update(maps.get(name, {}))
        else:
            missing.append(f"envFrom {source} (only ConfigMaps are expected)")
    for var in container.get("env", []):
        ref = var.get("valueFrom", {}).get("configMapKeyRef")
        if "value" in var:
            env[var["name"]] = var["value"]
        elif ref is not None:
            value = maps.get(ref["name"], {}).get(ref["key"])
            if value is None and not ref.get("optional"):
                missing.append(f"ConfigMap {ref['name']} key {ref['key']}")
            env[var["name"]] = value
        else:
            env[var["name"]] = None
    return env, missing


def rumah_containers(objects: list[Obj]) -> list[tuple[Obj, Obj]]:
    return [
        (dep, c)
        for dep in of_kind(objects, "Deployment")
        for c in _pod(dep)["containers"]
        if c["image"].split("/")[-1].startswith("rumah:")
    ]


def process_problems(objects: list[Obj]) -> list[str]:
    """Each Rumah container runs a command the CLI has, sets only variables that process
    reads and every secret it needs, probes (and has scraped) routes it serves on the port
    it listens on, and refers only to ConfigMaps the overlay renders."""
    from tests.deploy.processes import (
        BadCommand,
        Process,
        env_problems,
        probe_problems,
        required_problems,
    )

    out = []
    for dep, c in rumah_containers(objects):
        where = f"{name_of(dep)} container {c['name']}"
        env, missing = container_env(objects, c)
        out += [f"{where}: refers to {m}, which the overlay does not render" for m in missing]
        try:
            process = Process.of(c.get("args", []), {k: v for k, v in env.items() if v})
        except BadCommand as exc:
            out.append(f"{where}: {exc}")
            continue
        out += env_problems(where, process, env)
        out += required_problems(where, process, env)
        ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
        probes = {}
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            get = c.get(probe, {}).get("httpGet")
            if get:
                probes[probe] = (get["path"], ports.get(get["port"], get["port"]))
        notes = dep["spec"]["template"]["metadata"].get("annotations", {})
        if "prometheus.io/path" in notes:
            probes["metrics scrape"] = (
                notes["prometheus.io/path"],
                int(notes.get("prometheus.io/port", 0)),
            )
        out += probe_problems(where, process, probes)
        if [p["containerPort"] for p in c.get("ports", [])] != [process.port]:
            out.append(
                f"{where}: exposes {sorted(ports.values())}, the process listens on {process.port}"
            )
    return out
