"""Render the Kubernetes overlays with kustomize and validate every object.

Built-in kinds are checked against the Kubernetes OpenAPI schemas that the
``kubernetes-validate`` package ships (strict: an unknown field is an error); custom
resources against the operators' own CRDs (Strimzi's generated from its Maven artifacts,
Percona's from its Go module — ``make deploy-tools``), converted to JSON Schema the way
kubeconform's openapi2jsonschema does. Each finding is a sentence naming the object.
"""

from __future__ import annotations

import copy
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

KUBERNETES_VERSION = "1.33"  # the oldest Kubernetes Strimzi 1.2 and Percona 1.20 both run on

Obj = dict[str, Any]


def render(kustomize: Path, overlay: Path) -> list[Obj]:
    proc = subprocess.run(
        [str(kustomize), "build", str(overlay)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if proc.returncode != 0:
        raise AssertionError(f"kustomize build {overlay} failed: {proc.stderr.strip()}")
    return [doc for doc in yaml.safe_load_all(proc.stdout) if doc]


def name_of(obj: Obj) -> str:
    return f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"


def _strict(schema: Any) -> Any:
    """openAPIV3Schema → JSON Schema: unknown fields refused, int-or-string and nullable."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _strict(v) for k, v in schema.items()}
    if out.pop("x-kubernetes-int-or-string", False):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if out.pop("nullable", False) and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    preserve = out.pop("x-kubernetes-preserve-unknown-fields", False)
    if "properties" in out and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    return out


class CrdSchemas:
    def __init__(self, crd_files: Iterable[Path]) -> None:
        self.schemas: dict[tuple[str, str], Obj] = {}
        for path in crd_files:
            for crd in yaml.safe_load_all(path.read_text()):
                if not crd or crd.get("kind") != "CustomResourceDefinition":
                    continue
                group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
                for version in crd["spec"]["versions"]:
                    schema = _strict(copy.deepcopy(version["schema"]["openAPIV3Schema"]))
                    # metadata is checked by the API server, not by the CRD
                    schema.setdefault("properties", {})["metadata"] = {"type": "object"}
                    self.schemas[(f"{group}/{version['name']}", kind)] = schema

    def problems(self, obj: Obj) -> list[str]:
        schema = self.schemas.get((obj.get("apiVersion", ""), obj.get("kind", "")))
        if schema is None:
            return [f"{name_of(obj)}: no CRD schema for {obj.get('apiVersion')}"]
        validator = jsonschema.Draft7Validator(schema)
        return [
            f"{name_of(obj)}: {'/'.join(map(str, e.path)) or '.'}: {e.message}"
            for e in validator.iter_errors(obj)
        ]


def validation_problems(objects: list[Obj], crds: CrdSchemas) -> list[str]:
    problems: list[str] = []
    for obj in objects:
        if (
            "/" in obj.get("apiVersion", "")
            and "." in obj["apiVersion"].split("/")[0]
            and not (obj["apiVersion"].split("/")[0].endswith(".k8s.io"))
        ):
            problems += crds.problems(obj)
            continue
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:  # a jsonschema error: the first one
            where = "/".join(map(str, exc.path)) or "."
            problems.append(f"{name_of(obj)}: {where}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError:
            problems.append(f"{name_of(obj)}: no Kubernetes {KUBERNETES_VERSION} schema")
    return problems
