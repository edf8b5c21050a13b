"""Ledger settings: ``RUMAH_LEDGER_…`` (service) and ``RUMAH_…`` (the shared backends).

Every field is listed with its default in docs/ledger.md.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from rumah.common.settings import RumahSettings, load_settings
from services.kit.backends import BackendSettings
from services.kit.lease import LeaseSettings
from services.kit.subgraph_auth import SubgraphAuthSettings


class LedgerSettings(RumahSettings):
    model_config = SettingsConfigDict(
        **{**RumahSettings.model_config, "env_prefix": "RUMAH_LEDGER_"}
    )

    # listen address
    host: str = "127.0.0.1"
    port: int | None = None  # default: the catalog port (4007)
    # database (MongoDB) or file name (embedded) of the ledger
    db: str = "rumah_ledger"
    # Consumes <prefix>.<service>.<family> of every catalog service, plus extra_topics.
    topic_prefix: str = "rumah"
    extra_topics: list[str] = Field(default_factory=list)  # JSON list
    group: str | None = None  # consumer group; default <prefix>.ledger
    anchor_topic: str | None = None  # default <prefix>.ledger.anchor
    consume: bool = True  # False: serve queries only (another process appends)
    standby: bool = Field(
        default=False,
        description="True: appending needs the store lease `ledger`; a second process with "
        "the same settings serves queries as a standby and takes over appending from the "
        "durable head when the active one dies (docs/replicas.md).",
    )
    batch_max: int = Field(default=1000, ge=1, le=5000)  # records per poll, entries per append
    segment_size: int = Field(default=1000, ge=10)  # fixed when the ledger is created
    recent_window: int = Field(default=20_000, ge=0)  # event ids remembered in memory
    ring_size: int = Field(default=5_000, ge=0)  # appended entries kept for live feeds
    # seconds between checkpoints published to the anchor topic
    checkpoint_interval_s: float = Field(default=60.0, gt=0)
    poll_interval_s: float = Field(default=1.0, gt=0)  # live feeds poll when not woken
    query_max_segments: int = Field(default=10, ge=1)  # segments one query page may scan
    max_page: int = Field(default=500, ge=1)  # cap of `first`
    clock_skew_s: float = Field(default=300.0, ge=0)  # how far recording may precede `time`
    # DEBUG, INFO, WARNING, ERROR
    log_level: str = "INFO"
    # Fault injection for tests: sleep between appending a batch and committing its offsets.
    test_pause_after_append_s: float = Field(default=0.0, ge=0)
    backends: BackendSettings = Field(default_factory=lambda: load_settings(BackendSettings))
    lease: LeaseSettings = Field(default_factory=lambda: load_settings(LeaseSettings))
    subgraph_auth: SubgraphAuthSettings = Field(
        default_factory=lambda: load_settings(SubgraphAuthSettings)
    )

    @property
    def consumer_group(self) -> str:
        return self.group or f"{self.topic_prefix}.ledger"

    @property
    def anchor(self) -> str:
        return self.anchor_topic or f"{self.topic_prefix}.ledger.anchor"
