"""Per-service settings (pydantic-settings): ``RUMAH_<SERVICE>_…`` for the service,
``RUMAH_<SERVICE>_SIM_…`` for its upstream simulator, ``RUMAH_…`` for the shared backends.

Ports and upstream URLs default to the service catalog (``services/catalog.py``), so the
usual deployment needs no variable at all. Every field is listed in docs/services.md.
"""

from __future__ import annotations

from functools import cache

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from rumah.common.settings import RumahSettings, load_settings
from services.kit.backends import BackendSettings
from services.kit.lease import LeaseSettings
from services.kit.subgraph_auth import SubgraphAuthSettings


class ServiceSettings(RumahSettings):
    # listen address
    host: str = "127.0.0.1"
    port: int | None = None  # default: the catalog port (licensing 4004, …)
    upstream_url: str | None = None  # default: http://127.0.0.1:<catalog simulator port>
    # seconds between incremental pulls from the upstream
    poll_interval_s: float = Field(0.5, gt=0)
    # seconds per upstream request
    upstream_timeout_s: float = Field(5.0, gt=0)
    # longest wait between retries while the upstream is down
    upstream_backoff_max_s: float = Field(10.0, gt=0)
    # records per upstream page
    page_size: int = Field(200, ge=1, le=500)
    pull: bool = True  # False: rely on the push webhook only
    webhook_secret: SecretStr = Field(
        SecretStr(""),
        description="whsec_… secret the OPD application signs pushes with (Standard "
        "Webhooks), or a file's path; empty: every push is refused (pull still works).",
    )
    # largest push body accepted (413 beyond; read before the signature can be checked)
    webhook_max_bytes: int = Field(10_000_000, ge=1)
    # records mapped and stored concurrently
    ingest_concurrency: int = Field(32, ge=1)
    # seconds between reconciliation passes (every record compared with the upstream); 0: off
    reconcile_interval_s: float = Field(3600.0, ge=0)
    # upstream records read per second by a reconciliation pass (spares the OPD application)
    reconcile_records_per_s: float = Field(50.0, gt=0)
    db: str | None = None  # default: rumah_<service>
    replicated: bool = Field(
        False,
        description="True: one of several replicas of this service (docs/replicas.md): "
        "records go through the topic <prefix>.<service>.intake to the replica owning their "
        "partition; the pull, reconciliation and jobs run on the replica holding the lease "
        "<service>.leader.",
    )
    topic_prefix: str = "rumah"  # topics <prefix>.<service>.<family>; one Kafka, several hubs
    # DEBUG, INFO, WARNING, ERROR
    log_level: str = "INFO"
    backends: BackendSettings = Field(default_factory=lambda: load_settings(BackendSettings))
    lease: LeaseSettings = Field(default_factory=lambda: load_settings(LeaseSettings))
    subgraph_auth: SubgraphAuthSettings = Field(
        default_factory=lambda: load_settings(SubgraphAuthSettings)
    )


class SimulatorSettings(RumahSettings):
    # listen address
    host: str = "127.0.0.1"
    port: int | None = None  # default: the catalog simulator port (4101–4106)
    seed: int = 20170717  # same seed, same regency
    rate: float = Field(0.5, ge=0)  # random state changes per second
    push: bool = True  # push every change to the service's /webhook
    webhook_url: str | None = None  # default: http://127.0.0.1:<service port>/webhook
    # whsec_… secret pushes are signed with (or a file's path); empty: nothing is pushed
    webhook_secret: SecretStr = SecretStr("")


@cache
def service_settings_class(name: str) -> type[ServiceSettings]:
    """``ServiceSettings`` reading ``RUMAH_<NAME>_…`` (e.g. ``RUMAH_LICENSING_PORT``)."""
    config = SettingsConfigDict(
        **{**ServiceSettings.model_config, "env_prefix": f"RUMAH_{name.upper()}_"}
    )
    return type(f"{name.title()}Settings", (ServiceSettings,), {"model_config": config})


@cache
def simulator_settings_class(name: str) -> type[SimulatorSettings]:
    """``SimulatorSettings`` reading ``RUMAH_<NAME>_SIM_…`` (e.g. ``RUMAH_LICENSING_SIM_RATE``)."""
    prefix = f"RUMAH_{name.upper()}_SIM_"
    config = SettingsConfigDict(**{**SimulatorSettings.model_config, "env_prefix": prefix})
    return type(f"{name.title()}SimulatorSettings", (SimulatorSettings,), {"model_config": config})
