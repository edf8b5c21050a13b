"""The whole hub — simulators, OPD services, ledger, gateway and Monev — as real processes on
free loopback ports, wired exactly as ``rumah run`` wires them (for browser tests and the
bench, which must not take the fixed ports 4000–4010 another hub may hold).

Processes of one stage start together (simulators, then services, then ledger, gateway and
Monev), each stage healthy before the next; ``stop`` ends every process it started.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rumah.dev_credentials import DevCredentials, new_credentials
from rumah.runner import credential_env
from rumah.supervisor import ProcessSpec, Supervisor

SERVICES = ("planning", "finance", "procurement", "licensing", "personnel", "registry")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class FreeHub:
    """Where everything listens once ``start`` returned."""

    workdir: Path
    sim_rate: float = 0.0  # random simulator changes per second (0: only what a test does)
    gateway_tokens: dict[str, object] | None = None  # RUMAH_GATEWAY_TOKENS; None: open
    gateway_env: dict[str, str] = field(default_factory=dict)  # e.g. RUMAH_GATEWAY_OIDC_ISSUER
    monev_env: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    _stages: list[list[Supervisor]] = field(default_factory=list)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    @property
    def gateway(self) -> str:
        return self.url("gateway") + "/graphql"

    @property
    def monev(self) -> str:
        return self.url("monev")

    def sim(self, service: str) -> str:
        return self.url(f"{service}-upstream")

    def _stage_specs(self) -> list[list[ProcessSpec]]:
        names = [*SERVICES, *(f"{s}-upstream" for s in SERVICES), "ledger", "gateway", "monev"]
        self.ports = {n: free_port() for n in names}
        rumah = [sys.executable, "-m", "rumah.cli"]
        base = {
            "RUMAH_BACKEND": "embedded",
            "RUMAH_DATA_DIR": str(self.workdir / "data"),
            "PYTHONUNBUFFERED": "1",
        }
        # the access secrets, fresh for this hub, given as `rumah run` gives its own
        creds = credential_env(
            DevCredentials(self.workdir / "dev-credentials.json", new_credentials())
        )
        sims, services = [], []
        for s in SERVICES:
            up, svc = self.ports[f"{s}-upstream"], self.ports[s]
            sim = f"RUMAH_{s.upper()}_SIM_"
            env = {
                **base,
                f"{sim}PORT": str(up),
                f"{sim}RATE": str(self.sim_rate),
                f"{sim}WEBHOOK_URL": f"http://127.0.0.1:{svc}/webhook",
                **creds[f"{s}-upstream"],
            }
            sims.append(
                ProcessSpec(
                    f"{s}-upstream",
                    [*rumah, "service", "simulate", s],
                    health_url=f"http://127.0.0.1:{up}/health",
                    env=env,
                    ready_timeout_s=180,
                )
            )
            env = {
                **base,
                f"RUMAH_{s.upper()}_PORT": str(svc),
                f"RUMAH_{s.upper()}_UPSTREAM_URL": f"http://127.0.0.1:{up}",
                **creds["subgraph"],
                **creds[s],
            }
            services.append(
                ProcessSpec(
                    s,
                    [*rumah, "service", "serve", s],
                    health_url=f"http://127.0.0.1:{svc}/health/live",
                    env=env,
                    ready_timeout_s=180,
                )
            )
        ledger = ProcessSpec(
            "ledger",
            [*rumah, "service", "serve", "ledger"],
            health_url=f"{self.url('ledger')}/health/live",
            env={**base, "RUMAH_LEDGER_PORT": str(self.ports["ledger"]), **creds["subgraph"]},
            ready_timeout_s=180,
        )
        urls = {n: f"{self.url(n)}/graphql" for n in (*SERVICES, "ledger")}
        signing = {k: v for k, v in creds["gateway"].items() if k != "RUMAH_GATEWAY_TOKENS"}
        gateway_env = {**base, "RUMAH_GATEWAY_SUBGRAPH_URLS": json.dumps(urls), **signing}
        if self.gateway_tokens:
            gateway_env["RUMAH_GATEWAY_TOKENS"] = json.dumps(self.gateway_tokens)
        elif "RUMAH_GATEWAY_OIDC_ISSUER" not in self.gateway_env:
            gateway_env["RUMAH_GATEWAY_AUTH"] = "none"  # open, as the field says
        gateway_env.update(self.gateway_env)
        root = Path(__file__).resolve().parent.parent
        gateway = ProcessSpec(
            "gateway",
            [
                *rumah,
                "gateway",
                "serve",
                "--supergraph",
                str(root / "schemas" / "supergraph.graphql"),
                "--port",
                str(self.ports["gateway"]),
            ],
            health_url=f"{self.url('gateway')}/health",
            env=gateway_env,
            ready_timeout_s=180,
        )
        monev = ProcessSpec(
            "monev",
            [*rumah, "monev", "serve"],
            health_url=f"{self.monev}/health/live",
            env={
                **base,
                "RUMAH_MONEV_PORT": str(self.ports["monev"]),
                "RUMAH_MONEV_PUBLIC_URL": self.monev,
                "RUMAH_MONEV_GATEWAY_URL": self.gateway,
                **self.monev_env,
            },
            ready_timeout_s=180,
        )
        return [sims, services, [ledger], [gateway, monev]]

    async def start(self) -> None:
        log_dir = self.workdir / "log"
        for specs in self._stage_specs():
            stage = [Supervisor([spec], log_dir) for spec in specs]
            self._stages.append(stage)
            await asyncio.gather(*(sup.start() for sup in stage))

    async def stop(self) -> None:
        for stage in reversed(self._stages):
            await asyncio.gather(*(sup.stop() for sup in stage), return_exceptions=True)
        self._stages.clear()


def with_role_scopes(tokens: dict[str, Any]) -> dict[str, Any]:
    """A ``RUMAH_GATEWAY_TOKENS`` map with each role's scopes, as `rumah run` gives its own
    (the gateway enforces them: without scopes every field is refused)."""
    from services.kit.scopes import ROLE_SCOPES

    return {
        token: {**who, "scopes": sorted(ROLE_SCOPES[who["role"]])} for token, who in tokens.items()
    }
