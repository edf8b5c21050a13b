"""Gateway settings (environment prefix ``RUMAH_GATEWAY_``; lists and maps as JSON).

Read once at start-up by ``gateway.serve``; nothing in the request path touches
pydantic — the app copies what it needs into plain attributes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class GatewaySettings(BaseSettings):
    """Operator-tunable behaviour of ``rumah gateway serve``."""

    model_config = SettingsConfigDict(
        env_prefix="RUMAH_GATEWAY_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # subgraph client
    subgraph_client: Literal["native", "aiohttp"] = Field(
        "native", description="native: built-in HTTP/1.1 keep-alive client (fastest); aiohttp."
    )
    subgraph_timeout: float = Field(30.0, gt=0, description="Seconds per subgraph request.")
    subgraph_timeouts: dict[str, float] = Field(
        default_factory=dict, description='Per-subgraph overrides, e.g. {"reviews": 2.5}.'
    )
    subgraph_urls: dict[str, str] = Field(
        default_factory=dict,
        description='Routing URL overrides by subgraph name, e.g. {"planning": '
        '"http://planning:4001/graphql"}; the supergraph file keeps its own URLs.',
    )
    # seconds to open a connection to a subgraph
    subgraph_connect_timeout: float = Field(5.0, gt=0)
    subgraph_pool_size: int = Field(512, ge=1, description="Pooled keep-alive connections.")
    forward_headers: list[str] = Field(
        default_factory=list,
        description="Client request headers forwarded to every subgraph (case-insensitive); "
        "Authorization is replaced by the subgraph credential when one is signed.",
    )

    # request limits (0 disables a limit); checked before planning
    # largest request body (413 beyond); 0 = no limit
    max_request_bytes: int = Field(2_000_000, ge=0)
    # most lexical tokens in a document; 0 = no limit
    max_tokens: int = Field(15_000, ge=0)
    # deepest selection nesting; 0 = no limit
    max_depth: int = Field(64, ge=0)
    # most aliases in an operation; 0 = no limit
    max_aliases: int = Field(500, ge=0)

    # operations
    # parsed, validated and planned operations kept (LRU)
    plan_cache_size: int = Field(2048, ge=1)
    planning_timeout: float = Field(
        15.0, ge=0, description="Seconds a request waits for parse+validate+plan (0 = forever)."
    )
    # answer __schema / __type queries
    introspection: bool = True
    persisted_queries: bool = Field(True, description="Automatic persisted queries (APQ).")
    # serve GraphiQL to browsers on GET of the GraphQL path
    graphiql: bool = True
    # answer EXPLAIN_HEADER with the query plan in extensions (false: the header is ignored)
    explain: bool = True
    # request header that returns the query plan in extensions
    explain_header: str = "x-rumah-explain"
    deduplicate_requests: bool = Field(
        True,
        description="Identical concurrent queries (document, variables, forwarded headers, "
        "principal) share one execution; never mutations or subscriptions.",
    )
    deduplicate_subgraph_requests: bool = Field(
        True,
        description="Identical in-flight subgraph requests of queries (subgraph, operation, "
        "variables, forwarded headers) share one HTTP request.",
    )
    execution_slots: int = Field(
        8,
        ge=0,
        description="Adaptive limit on query executions running at once in each gateway "
        "process, the others waiting their turn: its base (0 = no limit). Fewer interleaved "
        "request trees cost less CPU each; the limit grows while executions wait on slow "
        "subgraphs (docs/performance.md).",
    )
    execution_slots_max: int = Field(
        512,
        ge=1,
        description="The most the execution limit grows to while executions wait for a slot "
        "and the event loop is not busy (they wait on subgraphs); equal to "
        "RUMAH_GATEWAY_EXECUTION_SLOTS for a fixed limit.",
    )
    execution_slot_min_bytes: int = Field(
        16_384,
        ge=0,
        description="Only executions of operations whose last answer had at least so many "
        "bytes take an execution slot; smaller ones run at once (0 = every execution).",
    )
    execution_slot_hold: float = Field(
        0.05,
        gt=0,
        description="Seconds after which a running execution gives its slot up and goes on "
        "outside the limit (a slow subgraph delays the others at most this long per slot).",
    )
    override_labels: list[str] = Field(
        default_factory=list, description="Progressive-override labels that are always active."
    )

    # demand control (@cost/@listSize, docs/demand-control.md)
    demand_control: Literal["off", "measure", "enforce"] = Field(
        "off", description="enforce: refuse operations whose estimated cost exceeds the maximum."
    )
    # highest estimated cost an operation may have
    demand_control_max: float = Field(1000.0, ge=0)
    # assumed length of a list without @listSize
    demand_control_list_size: int = Field(10, ge=0)
    # add extensions.cost (estimated, actual, max, result) to responses
    demand_control_extensions: bool = False

    # HTTP
    # path of the GraphQL endpoint (HTTP and WebSocket)
    graphql_path: str = "/graphql"
    cors_allow_origins: list[str] = Field(default_factory=list, description='["*"] allows all.')
    # CORS: allowed request headers
    cors_allow_headers: list[str] = Field(
        default_factory=lambda: ["content-type", "authorization", "accept"]
    )
    # CORS: preflight cache seconds
    cors_max_age: int = 600

    # access (gateway/auth, docs/access.md)
    auth: Literal["required", "none"] = Field(
        "required",
        description="required: start only with an identity provider (tokens or OIDC) and "
        "refuse requests without a credential; none: serve everyone (said loudly at start "
        "and on /health).",
    )
    tokens: SecretStr = Field(
        SecretStr(""),
        description='Static bearer tokens → principals: JSON {"<token>": {"role": "auditor", '
        '"scopes": […]}, …} or the path of a JSON file holding it.',
    )
    oidc_issuer: str = Field(
        "",
        description="OpenID Connect issuer whose JWTs are accepted (e.g. "
        "https://sso.example/realms/rumah); its discovery document names the keys.",
    )
    # the aud a token must carry (one of)
    oidc_audience: list[str] = Field(default_factory=lambda: ["rumah-gateway"])
    # JWS algorithms accepted (asymmetric only; none/HS* are refused at start)
    oidc_algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256", "PS256", "EdDSA"])
    # clock skew tolerated on exp/nbf/iat, seconds
    oidc_leeway_s: int = Field(30, ge=0, le=300)
    # JWKS URL when the issuer has no discovery document
    oidc_jwks_uri: str = ""
    # seconds between background key refreshes
    oidc_jwks_refresh_s: float = Field(300.0, gt=0)
    # fewest seconds between fetches caused by an unknown kid
    oidc_jwks_min_interval_s: float = Field(10.0, ge=0)
    # claim (dotted path) holding the roles
    oidc_roles_claim: str = "realm_access.roles"
    # claim holding the scopes (space-separated; scp as a list also works)
    oidc_scope_claim: str = "scope"
    # claim holding the OPD an integrator acts for
    oidc_opd_claim: str = "opd"
    subgraph_signing_key: SecretStr = Field(
        SecretStr(""),
        description="PEM Ed25519/P-256 private key (or the path of a file holding it) that "
        "signs each subgraph's per-request credential; empty: subgraphs get none.",
    )
    # lifetime of a subgraph credential (subgraphs refuse longer ones)
    subgraph_token_ttl: int = Field(60, ge=5, le=60)
    # requests (and subscribes) per second per principal, token bucket; 0 = no limit
    rate_limit_per_s: float = Field(50.0, ge=0)
    # bucket size: requests a principal may make at once
    rate_limit_burst: int = Field(100, ge=1)
    # failed authentications per second per client address (then 429); 0 = no limit
    rate_limit_failed_auth_per_s: float = Field(1.0, ge=0)
    # failed authentications a client address may make at once
    rate_limit_failed_auth_burst: int = Field(20, ge=1)
    safelist: str = Field(
        "",
        description="Trusted documents: path of a persisted-query manifest (Apollo's "
        "format, or {sha256: query}); set: only its operations run, APQ registration off.",
    )
    access_records: Literal["eventlog", "off"] = Field(
        "eventlog",
        description="eventlog: an access record per request on <prefix>.gateway.access (the "
        "ledger chains them); a request whose record cannot be kept is answered 503.",
    )
    # topic prefix of the access records (the ledger's RUMAH_LEDGER_TOPIC_PREFIX)
    access_topic_prefix: str = "rumah"
    # access records waiting for the log at most (then requests get 503)
    access_buffer: int = Field(10_000, ge=1)
    profile: Literal["development", "production"] = Field(
        "development",
        description="production: GraphiQL, introspection and plan explain off whatever their "
        "own settings say, RUMAH_GATEWAY_AUTH=none refused (docs/access.md).",
    )

    # subscriptions: graphql-transport-ws on the GraphQL path (docs/gateway-subscriptions.md)
    ws_init_timeout: float = Field(10.0, gt=0, description="Seconds to connection_init (4408).")
    ws_keepalive_interval: float = Field(15.0, ge=0, description="Server pings; 0 = none.")
    ws_max_connections: int = Field(1000, ge=0, description="Open WebSockets; 0 = unlimited.")
    ws_max_subscriptions: int = Field(100, ge=0, description="Per connection; 0 = unlimited.")
    ws_send_buffer_messages: int = Field(256, ge=1, description="Frames waiting (then 4413).")
    ws_send_buffer_bytes: int = Field(1_048_576, ge=1, description="Bytes waiting (then 4413).")
    # seconds to wait for a WebSocket close handshake
    ws_close_timeout: float = Field(5.0, gt=0)
    ws_upstream_timeout: float = Field(
        10.0, gt=0, description="Seconds to connect to a subgraph and get its connection_ack."
    )

    # supergraph reloading
    # reload the supergraph when its file changes
    hot_reload: bool = True
    # poll the file instead of inotify (network filesystems)
    reload_force_polling: bool = False
    # seconds between polls
    reload_poll_interval: float = Field(1.0, gt=0)

    # health
    # seconds per subgraph probe of /health/ready
    health_probe_timeout: float = Field(2.0, gt=0)
    # seconds a /health/ready report is reused: the subgraphs are probed once per period
    health_cache: float = Field(2.0, ge=0)
    # path of each subgraph's own readiness on its origin ("" = only its GraphQL answer)
    subgraph_health_path: str = "/health/ready"

    # server
    native: Literal["auto", "off", "require"] = Field(
        "auto",
        description="Executor hot loops: auto = the mypyc-compiled kernel when built and current "
        "(make install), else the pure-Python reference; off = always the reference; require = "
        "refuse to start without the compiled kernel (docs/gateway-runtime.md).",
    )
    workers: int = Field(
        1,
        ge=0,
        description="Worker processes behind the port (SO_REUSEPORT); 0 = one per CPU core. "
        "rumah gateway serve --workers overrides it.",
    )
    shutdown_timeout: float = Field(
        30.0, gt=0, description="Seconds a stopping worker waits for requests in flight."
    )
    gc_young_threshold: int = Field(
        50_000,
        ge=0,
        description="Net allocations between young-generation garbage collections in each "
        "gateway process (Python's default is 700; 0 keeps it). Request trees are freed by "
        "reference counting, so a larger value saves the collector walking them "
        "(docs/performance.md).",
    )
    # log every request
    access_log: bool = False
    # debug, info, warning, error
    log_level: str = "info"

    @model_validator(mode="after")
    def _slots_ceiling(self) -> GatewaySettings:
        if self.execution_slots and self.execution_slots_max < self.execution_slots:
            raise ValueError(
                f"RUMAH_GATEWAY_EXECUTION_SLOTS_MAX ({self.execution_slots_max}) is below "
                f"RUMAH_GATEWAY_EXECUTION_SLOTS ({self.execution_slots})"
            )
        return self
