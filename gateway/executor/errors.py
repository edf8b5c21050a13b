"""GraphQL error objects produced while executing a plan (plain dicts, ready to serialise)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

DOWNSTREAM_SERVICE_ERROR = "DOWNSTREAM_SERVICE_ERROR"
INVALID_SUBGRAPH_RESPONSE = "SUBREQUEST_MALFORMED_RESPONSE"

ErrorDict = dict[str, Any]
Path = list[str | int]


def from_subgraph(error: Any, service: str) -> ErrorDict:
    """A subgraph's error with ``serviceName`` and a default code; its locations are dropped
    (they point into the subgraph operation, not the client's)."""
    if not isinstance(error, Mapping):
        return {
            "message": f'Error while fetching subquery from service "{service}"',
            "extensions": {"code": DOWNSTREAM_SERVICE_ERROR, "serviceName": service},
        }
    message = error.get("message")
    if not isinstance(message, str) or not message:
        message = f'Error while fetching subquery from service "{service}"'
    raw_ext = error.get("extensions")
    extensions = dict(raw_ext) if isinstance(raw_ext, Mapping) else {}
    extensions.setdefault("code", DOWNSTREAM_SERVICE_ERROR)
    extensions["serviceName"] = service
    out: ErrorDict = {"message": message}
    path = error.get("path")
    if isinstance(path, list) and _is_path(path):
        out["path"] = list(path)
    out["extensions"] = extensions
    return out


def fetch_failed(
    service: str, message: str, code: str, affected_path: Sequence[str] | None
) -> ErrorDict:
    extensions: dict[str, Any] = {"code": code, "serviceName": service}
    if affected_path:
        extensions["affectedPath"] = ".".join(affected_path)
    return {"message": message, "extensions": extensions}


def relocate_entity_errors(
    errors: Iterable[ErrorDict], owners: Sequence[Sequence[Path]], affected: Sequence[str]
) -> list[ErrorDict]:
    """Map ``["_entities", i, …rest]`` onto each client path of representation ``i``."""
    out: list[ErrorDict] = []
    for error in errors:
        path = error.get("path")
        if (
            path is not None
            and len(path) >= 2
            and path[0] == "_entities"
            and type(path[1]) is int
            and 0 <= path[1] < len(owners)
        ):
            rest = path[2:]
            for client_path in owners[path[1]]:
                out.append({**error, "path": [*client_path, *rest]})
            continue
        error.pop("path", None)
        if affected:
            error["extensions"].setdefault("affectedPath", ".".join(affected))
        out.append(error)
    return out


def prefix_paths(errors: Iterable[ErrorDict], prefix: Path | None) -> list[ErrorDict]:
    """Root-fetch errors merged below the root: prefix their paths (or drop them when the
    merge point is ambiguous, ``prefix is None``)."""
    out = []
    for error in errors:
        path = error.get("path")
        if path is not None:
            if prefix is None:
                error.pop("path")
            elif prefix:
                error["path"] = [*prefix, *path]
        out.append(error)
    return out


def _is_path(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(p, str) or (type(p) is int and p >= 0) for p in value
    )
