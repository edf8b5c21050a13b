"""The services of the hub and their default ports; ``rumah run`` starts every available one.

An OPD service's module exposes ``SPEC`` (a ``services.kit.spec.ServiceSpec``); another
component run the same way (the ledger) exposes ``serve()`` instead. An entry is
*available* when its module is installed, so adding a service folder is enough to get it
started by ``rumah run``.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    name: str
    port: int
    simulator_port: int | None  # None: no upstream simulator (e.g. the ledger)
    module: str

    def load(self) -> ModuleType:
        return importlib.import_module(self.module)

    @property
    def available(self) -> bool:
        try:
            return importlib.util.find_spec(self.module) is not None
        except ModuleNotFoundError:
            return False


ALL_ENTRIES: tuple[CatalogEntry, ...] = (
    CatalogEntry("planning", 4001, 4101, "services.planning.bootstrap"),
    CatalogEntry("finance", 4002, 4102, "services.finance.bootstrap"),
    CatalogEntry("procurement", 4003, 4103, "services.procurement.bootstrap"),
    CatalogEntry("licensing", 4004, 4104, "services.licensing.bootstrap"),
    CatalogEntry("personnel", 4005, 4105, "services.personnel.bootstrap"),
    CatalogEntry("registry", 4006, 4106, "services.registry.bootstrap"),
    CatalogEntry("ledger", 4007, None, "services.ledger.bootstrap"),
)
GATEWAY_PORT = 4000

CATALOG: tuple[CatalogEntry, ...] = tuple(e for e in ALL_ENTRIES if e.available)


def entry(name: str) -> CatalogEntry:
    """The catalog entry called ``name``; ``KeyError`` listing the known names otherwise."""
    for e in ALL_ENTRIES:
        if e.name == name:
            return e
    raise KeyError(f"unknown service {name!r}; known: {', '.join(e.name for e in ALL_ENTRIES)}")
