"""What a process's backends are, said so a person can act on it: the engine, where it is
(credentials redacted) and what makes it reachable (the command or the variable).

Readiness logs, the ``UNAVAILABLE`` errors of a subgraph, ``rumah run``'s start-up check and
the CLI's "which store did I read" all describe engines through ``engines_of``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from services.kit.backends import BackendSettings

_SECRET_PARAMS = ("password", "secret", "token", "key")


@dataclass(frozen=True, slots=True)
class Engine:
    role: str  # "store" or "log": the probe name in readiness
    name: str  # mongodb | kafka | sqlite | local-log
    address: str  # URL / bootstrap / file, credentials redacted
    fix: str  # what makes it reachable

    def describe(self) -> str:
        return f"{self.name} at {self.address}"


def redact_url(url: str) -> str:
    """``url`` with a password in its user info and secret-looking query values replaced by
    ``***`` (``mongodb://app:s3cret@h:27017/?tlsCertificateKeyFilePassword=x`` →
    ``mongodb://app:***@h:27017/?tlsCertificateKeyFilePassword=***``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unparseable URL)"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hosts = netloc.rpartition("@")
        user, colon, _ = userinfo.partition(":")
        netloc = f"{user}:***@{hosts}" if colon else f"{user}@{hosts}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, "***" if any(s in k.lower() for s in _SECRET_PARAMS) else v) for k, v in pairs],
            safe="*/:,",
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def engines_of(settings: BackendSettings, db: str | None = None) -> dict[str, Engine]:
    """``{"store": Engine, "log": Engine}`` for the backends ``settings`` select."""
    name = db or settings.mongo_db
    if settings.backend == "kafka":
        return {
            "store": Engine(
                "store",
                "mongodb",
                f"{redact_url(settings.mongo_url)} (database {name})",
                "start the local engines with `make infra-up` (= `rumah infra up`), "
                "or set RUMAH_MONGO_URL to a reachable MongoDB/FerretDB",
            ),
            "log": Engine(
                "log",
                "kafka",
                settings.kafka_bootstrap,
                "start the local engines with `make infra-up` (= `rumah infra up`), "
                "or set RUMAH_KAFKA_BOOTSTRAP to reachable Kafka brokers",
            ),
        }
    data = settings.data_dir.absolute()
    return {
        "store": Engine(
            "store",
            "sqlite",
            str(data / f"{name}.store.sqlite3"),
            f"check that RUMAH_DATA_DIR ({data}) exists and is writable",
        ),
        "log": Engine(
            "log",
            "local-log",
            str(data / "eventlog.sqlite3"),
            f"check that RUMAH_DATA_DIR ({data}) exists and is writable",
        ),
    }
