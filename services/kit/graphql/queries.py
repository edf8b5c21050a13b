"""Read helpers every subgraph's resolvers share: one document, a filtered page, and related
documents, each batched per request (so a list of N parents costs one store query)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any, TypeVar

from services.kit.graphql.context import RequestContext
from services.kit.graphql.types import Page
from services.kit.ports import Document, SortSpec, aiter_pages

T = TypeVar("T")
MAX_PAGE = 200


def where(**values: Any) -> dict[str, Any]:
    """An equality filter of the arguments given (``None`` = not filtered; enums by value)."""
    return {k: (v.value if isinstance(v, Enum) else v) for k, v in values.items() if v is not None}


async def find_page(
    ctx: RequestContext,
    collection: str,
    flt: dict[str, Any],
    first: int,
    after: str | None,
    build: Callable[[Document], T],
    *,
    sort: SortSpec = (("_id", 1),),
) -> Page[T]:
    """One page of ``collection`` (``first`` clamped to 1..200), each document ``build``-t."""
    page = await ctx.collection(collection).find(
        flt or None, sort=sort, limit=max(1, min(first, MAX_PAGE)), after=after
    )
    return Page(items=[build(d) for d in page.items], next_cursor=page.next_cursor)


async def load_one(
    ctx: RequestContext, collection: str, doc_id: str, build: Callable[[Document], T]
) -> T | None:
    """The document ``doc_id`` of ``collection``, ``build``-t (batched per request), or None."""
    doc = await ctx.docs(collection).load(str(doc_id))
    return build(doc) if doc else None


async def related(
    ctx: RequestContext, collection: str, field: str, value: str, *, sort: SortSpec = ()
) -> list[Document]:
    """Documents of ``collection`` whose ``field`` equals ``value``, batched per request."""

    async def load(values: Sequence[str]) -> list[list[Document]]:
        found: dict[str, list[Document]] = {v: [] for v in values}
        flt = {field: {"$in": list(values)}}
        async for doc in aiter_pages(ctx.collection(collection), flt, sort=sort):  # type: ignore[arg-type]
            found[doc[field]].append(doc)
        return [found[v] for v in values]

    docs: list[Document] = await ctx.loader(("related", collection, field, tuple(sort)), load).load(
        value
    )
    return docs
