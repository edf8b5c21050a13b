"""Integrators read only their own OPD's records — enforced here, in the subgraph, from the
principal the gateway's credential carries (``services.kit.subgraph_auth``).

A record's OPD is its ``opd`` field (``EntityBinding.opd_field`` names another, e.g. the
registry's ``owner_opd``); a collection without one holds the service's own OPD's records
(``ServiceSpec.opd``: every permit belongs to DPMPTSP). A principal with an OPD sees a
read-only view of each collection that holds only that OPD's records: ``find`` and
``count`` filter, ``get``/``get_many`` drop the rest — so lists, lookups by id and the
entities the gateway asks for (``_entities``) all obey it. Principals without an OPD
(auditors, operators) see everything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.kit.ports import Collection, Document, Filter, Page
from services.kit.spec import ServiceSpec


def opd_field_of(spec: ServiceSpec, collection: str) -> str | None:
    """The field naming a record's OPD in ``collection``; None: the service's OPD owns all."""
    for binding in spec.entities:
        if binding.collection == collection:
            if binding.opd_field is not None:
                return binding.opd_field
            targets = {f.target for f in binding.mapping.fields}
            return "opd" if "opd" in targets else None
    return None


class OpdView:
    """``Collection``'s read side, limited to one OPD's records."""

    def __init__(self, inner: Collection, field: str | None, opd: str, owner: str) -> None:
        self.inner, self.field, self.opd = inner, field, opd
        self.name = inner.name
        # no OPD field: all or nothing, by the service's own OPD
        self.nothing = field is None and opd != owner

    def _mine(self, doc: Document | None) -> bool:
        if doc is None or self.nothing:
            return False
        return self.field is None or doc.get(self.field) == self.opd

    def _filter(self, flt: Filter | None) -> Filter | None:
        """``flt`` limited to the OPD, or None when the two cannot both hold."""
        flt = dict(flt or {})
        if self.field is None:
            return flt
        asked = flt.get(self.field)
        if asked is None or asked == self.opd:
            flt[self.field] = self.opd
            return flt
        if isinstance(asked, Mapping) and set(asked) == {"$in"} and self.opd in asked["$in"]:
            flt[self.field] = self.opd
            return flt
        return None  # another OPD (or an operator we do not narrow safely): nothing

    async def get(self, doc_id: str) -> Document | None:
        doc = await self.inner.get(doc_id)
        return doc if self._mine(doc) else None

    async def get_many(
        self, doc_ids: Sequence[str], *, for_write: bool = False
    ) -> dict[str, Document]:
        found = await self.inner.get_many(doc_ids, for_write=for_write)
        return {k: v for k, v in found.items() if self._mine(v)}

    async def find(self, flt: Filter | None = None, **page: Any) -> Page:
        """``Collection.find`` (``sort``, ``limit``, ``after`` pass through) within the OPD."""
        narrowed = None if self.nothing else self._filter(flt)
        if narrowed is None:
            return Page(items=[], next_cursor=None)
        return await self.inner.find(narrowed or None, **page)

    async def count(self, flt: Filter | None = None) -> int:
        narrowed = None if self.nothing else self._filter(flt)
        return 0 if narrowed is None else await self.inner.count(narrowed or None)

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"{name}: an OPD-limited view of {self.name} is read-only")
