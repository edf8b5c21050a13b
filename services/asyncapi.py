"""The AsyncAPI 3.0 document of the hub's topics (``schemas/asyncapi.json``).

Generated from the same data the runtime reads — the catalog's service specs (which
families each service publishes, and so its topics), ``schemas/events/`` (the CloudEvents
envelope and each event type's ``data`` schema) and the ledger's settings (the anchor topic)
— so an integrator who consumes Kafka directly knows what each topic carries. ``rumah
schemas export`` writes it; ``rumah schemas check`` and a test fail when it is stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from services.catalog import CATALOG
from services.kit.spec import EVENT_TYPE_PREFIX

EVENTS = Path(__file__).resolve().parent.parent / "schemas" / "events"
DOCUMENT = EVENTS.parent / "asyncapi.json"
_DROP = ("$schema", "$id")


def _schema(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if k not in _DROP}


def _version() -> str:
    from importlib.metadata import version

    return version("rumah")


def _message(event_type: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": event_type,
        "title": schema.get("title", event_type),
        "contentType": "application/json",
        "summary": f"CloudEvent of type {event_type}; the record key is its subject.",
        "payload": {
            "allOf": [
                {"$ref": "#/components/schemas/CloudEvent"},
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": event_type},
                        "data": {"$ref": f"#/components/schemas/{event_type}"},
                    },
                },
            ]
        },
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": "the entity id (subject)"},
                "bindingVersion": "0.5.0",
            }
        },
    }


def build(prefix: str = "rumah") -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {"CloudEvent": _schema(EVENTS / "cloudevent.schema.json")}
    for entry in CATALOG:
        spec = getattr(entry.load(), "SPEC", None)
        if spec is None:
            continue
        for family in spec.event_families:
            topic = spec.topic(family, prefix)
            types = sorted(
                p.name.removesuffix(".schema.json")
                for p in EVENTS.glob(f"{EVENT_TYPE_PREFIX}.{spec.name}.{family}.*.schema.json")
            )
            refs = {}
            for event_type in types:
                schemas[event_type] = _schema(EVENTS / f"{event_type}.schema.json")
                messages[event_type] = _message(event_type, schemas[event_type])
                refs[event_type.rsplit(".", 1)[1]] = {"$ref": f"#/components/messages/{event_type}"}
            channels[topic] = {
                "address": topic,
                "title": f"{spec.name} {family}",
                "description": f"Status events of {spec.name}'s {family} records, in order "
                f"per entity (key = entity id). Retention 30 days; invalid records go to "
                f"{topic}.dlq.",
                "messages": refs,
            }
            operations[f"consume.{topic}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{topic}"},
                "summary": f"Read {spec.name}'s {family} events (at least once; dedupe on id).",
                "messages": [{"$ref": f"#/channels/{topic}/messages/{short}"} for short in refs],
            }
    # the gateway's access records (published by `rumah gateway serve`, chained by the ledger)
    access_type = f"{EVENT_TYPE_PREFIX}.gateway.access.recorded"
    access_topic = f"{prefix}.gateway.access"
    schemas[access_type] = _schema(EVENTS / f"{access_type}.schema.json")
    messages[access_type] = _message(access_type, schemas[access_type])
    channels[access_topic] = {
        "address": access_topic,
        "title": "gateway access records",
        "description": "One record per request the gateway answered or refused: who asked, "
        "what was read (docs/access.md). The ledger chains them.",
        "messages": {"recorded": {"$ref": f"#/components/messages/{access_type}"}},
    }
    operations[f"consume.{access_topic}"] = {
        "action": "receive",
        "channel": {"$ref": f"#/channels/{access_topic}"},
        "summary": "Read the gateway's access records (at least once; dedupe on id).",
        "messages": [{"$ref": f"#/channels/{access_topic}/messages/recorded"}],
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Rumah event topics",
            "version": _version(),
            "description": (
                "Every status topic of the hub. Each record is a CloudEvents 1.0 event in "
                "structured JSON mode, keyed by its subject (the entity id); `data` follows "
                "the event type's schema. Generated by `rumah schemas export` from "
                "schemas/events and the services' specs. The ledger's own topics "
                f"({prefix}.ledger.anchor and the *.dlq dead letters) are internal."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "cluster": {
                "host": "rumah-kafka-bootstrap.rumah.svc:9093",
                "protocol": "kafka-secure",
                "description": "k8s/overlays/prod: TLS with SCRAM-SHA-512, one user per reader",
            },
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def render(prefix: str = "rumah") -> str:
    return json.dumps(build(prefix), indent=2, ensure_ascii=False) + "\n"


def is_stale(path: Path = DOCUMENT) -> bool:
    return not path.exists() or path.read_text(encoding="utf-8") != render()
