"""Plan execution against fake subgraphs: fetch order, flatten, representations, merge, errors."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from executor_fakes import KERNEL, FakeFetcher, entities, failing
from graphql import build_schema

from gateway.executor import Execution, TypeRelations, execute_plan
from gateway.plan import (
    ConditionNode,
    FetchNode,
    FieldSel,
    FlattenNode,
    InlineFragmentSel,
    KeyRenamer,
    ParallelNode,
    PlanNode,
    SequenceNode,
    ValueSetter,
)
from gateway.ports import SubgraphRequest

SUPERGRAPH = build_schema(
    """
    type Query { products: [Product] media: [Media] }
    interface Media { id: ID! }
    type Book implements Media { id: ID! title: String }
    type Movie implements Media { id: ID! title: String }
    type Product { upc: String! name: String price: Int reviews: [Review] }
    type Review { body: String }
    """
)
RELATIONS = TypeRelations.from_schema(SUPERGRAPH)

pytestmark = pytest.mark.usefixtures("kernel")  # compiled and reference (conftest.py)

PRODUCT_KEY = (InlineFragmentSel("Product", (FieldSel("__typename"), FieldSel("upc"))),)


def entity_fetch(service: str, selection: str = "reviews { body }", **kw: Any) -> FetchNode:
    return FetchNode(
        service=service,
        operation=(
            "query($representations:[_Any!]!){_entities(representations:$representations)"
            f"{{...on Product{{{selection}}}}}}}"
        ),
        requires=kw.pop("requires", PRODUCT_KEY),
        **kw,
    )


async def run(
    node: PlanNode | None, fetcher: FakeFetcher, variables: dict[str, Any] | None = None
) -> Execution:
    variables = variables or {}
    ex = Execution(
        fetcher=fetcher,
        relations=RELATIONS,
        variables=variables,
        forwarded=variables,
        kernel=KERNEL.module,
    )
    return await execute_plan(node, ex)


def products(*upcs: str | None) -> dict[str, Any]:
    return {
        "data": {
            "products": [
                None if upc is None else {"__typename": "Product", "upc": upc} for upc in upcs
            ]
        }
    }


def reviews_for(rep: dict[str, Any]) -> dict[str, Any]:
    return {"reviews": [{"body": f"good {rep['upc']}"}]}


ROOT = FetchNode(service="products", operation="{products{__typename upc}}")
JOIN = SequenceNode((ROOT, FlattenNode(("products", "@"), entity_fetch("reviews"))))


async def test_entity_fetch_merges_into_every_target_and_sends_each_key_once() -> None:
    fetcher = FakeFetcher({"products": products("1", "2", "1"), "reviews": entities(reviews_for)})
    ex = await run(JOIN, fetcher)
    sent = fetcher.calls("reviews")[0].variables
    assert sent == {
        "representations": [
            {"__typename": "Product", "upc": "1"},
            {"__typename": "Product", "upc": "2"},
        ]
    }
    assert [p["reviews"][0]["body"] for p in ex.data["products"]] == ["good 1", "good 2", "good 1"]
    assert ex.errors == []


async def test_null_items_and_targets_without_key_values_are_not_sent() -> None:
    root = {
        "data": {
            "products": [None, {"__typename": "Product"}, {"__typename": "Product", "upc": "7"}]
        }
    }
    fetcher = FakeFetcher({"products": root, "reviews": entities(reviews_for)})
    ex = await run(JOIN, fetcher)
    assert fetcher.calls("reviews")[0].variables == {
        "representations": [{"__typename": "Product", "upc": "7"}]
    }
    assert ex.data["products"][1] == {"__typename": "Product"}
    assert ex.data["products"][2]["reviews"] == [{"body": "good 7"}]


async def test_no_representation_means_no_request() -> None:
    fetcher = FakeFetcher({"products": products(None, None), "reviews": entities(reviews_for)})
    await run(JOIN, fetcher)
    assert fetcher.calls("reviews") == []


async def test_nested_lists_are_flattened_with_one_at_per_level() -> None:
    root = {
        "data": {
            "grid": [
                [{"__typename": "Product", "upc": "a"}],
                [{"__typename": "Product", "upc": "b"}, None],
            ]
        }
    }
    plan = SequenceNode((ROOT, FlattenNode(("grid", "@", "@"), entity_fetch("reviews"))))
    fetcher = FakeFetcher({"products": root, "reviews": entities(reviews_for)})
    ex = await run(plan, fetcher)
    assert ex.data["grid"][0][0]["reviews"] == [{"body": "good a"}]
    assert ex.data["grid"][1][0]["reviews"] == [{"body": "good b"}]
    assert ex.data["grid"][1][1] is None


async def test_entity_error_paths_point_at_every_client_target() -> None:
    def reviews(request: SubgraphRequest) -> dict[str, Any]:
        return {
            "data": {"_entities": [{"reviews": None}, {"reviews": [{"body": "x"}]}]},
            "errors": [
                {
                    "message": "boom",
                    "path": ["_entities", 0, "reviews"],
                    "locations": [{"line": 1, "column": 2}],
                },
                {"message": "no path"},
            ],
        }

    fetcher = FakeFetcher({"products": products("1", "2", "1"), "reviews": reviews})
    ex = await run(JOIN, fetcher)
    assert ex.errors == [
        {
            "message": "boom",
            "path": ["products", 0, "reviews"],
            "extensions": {"code": "DOWNSTREAM_SERVICE_ERROR", "serviceName": "reviews"},
        },
        {
            "message": "boom",
            "path": ["products", 2, "reviews"],
            "extensions": {"code": "DOWNSTREAM_SERVICE_ERROR", "serviceName": "reviews"},
        },
        {
            "message": "no path",
            "extensions": {
                "code": "DOWNSTREAM_SERVICE_ERROR",
                "serviceName": "reviews",
                "affectedPath": "products.@",
            },
        },
    ]


async def test_subgraph_error_code_and_extensions_are_kept() -> None:
    fetcher = FakeFetcher(
        {
            "products": {
                "data": {"products": None},
                "errors": [
                    {
                        "message": "nope",
                        "path": ["products"],
                        "extensions": {"code": "FORBIDDEN", "x": 1},
                    }
                ],
            }
        }
    )
    ex = await run(ROOT, fetcher)
    assert ex.errors == [
        {
            "message": "nope",
            "path": ["products"],
            "extensions": {"code": "FORBIDDEN", "x": 1, "serviceName": "products"},
        }
    ]
    assert ex.data == {"products": None}


async def test_a_null_entity_leaves_its_target_unchanged() -> None:
    fetcher = FakeFetcher(
        {
            "products": products("1", "2"),
            "reviews": entities(lambda rep: None if rep["upc"] == "1" else reviews_for(rep)),
        }
    )
    ex = await run(JOIN, fetcher)
    assert ex.data["products"][0] == {"__typename": "Product", "upc": "1"}
    assert ex.data["products"][1]["reviews"] == [{"body": "good 2"}]


async def test_wrong_number_of_entities_fails_that_fetch_only() -> None:
    fetcher = FakeFetcher(
        {"products": products("1", "2"), "reviews": {"data": {"_entities": [{"reviews": []}]}}}
    )
    ex = await run(JOIN, fetcher)
    assert "reviews" not in ex.data["products"][0]
    [error] = ex.errors
    assert error["extensions"]["code"] == "SUBREQUEST_MALFORMED_RESPONSE"
    assert error["extensions"]["serviceName"] == "reviews"
    assert error["extensions"]["affectedPath"] == "products.@"
    assert "path" not in error


async def test_a_failed_fetch_never_cancels_its_siblings() -> None:
    price = FlattenNode(("products", "@"), entity_fetch("inventory", "price"))
    plan = SequenceNode(
        (ROOT, ParallelNode((FlattenNode(("products", "@"), entity_fetch("reviews")), price)))
    )
    fetcher = FakeFetcher(
        {
            "products": products("1"),
            "reviews": failing("reviews"),
            "inventory": entities(lambda rep: {"price": 10}),
        }
    )
    fetcher.delays["inventory"] = 0.01  # finishes after the failure
    ex = await run(plan, fetcher)
    assert ex.data["products"][0]["price"] == 10
    assert ex.errors == [
        {
            "message": "HTTP fetch failed from 'reviews': 503",
            "extensions": {
                "code": "SUBREQUEST_HTTP_ERROR",
                "serviceName": "reviews",
                "affectedPath": "products.@",
            },
        }
    ]


async def test_parallel_children_run_concurrently() -> None:
    started: list[str] = []
    release = asyncio.Event()

    class Gate(FakeFetcher):
        async def fetch(self, request: SubgraphRequest) -> Any:
            started.append(request.service)
            if len(started) == 2:
                release.set()
            await asyncio.wait_for(release.wait(), 1)
            return {"data": {request.service: 1}}

    plan = ParallelNode(
        (FetchNode(service="a", operation="{a}"), FetchNode(service="b", operation="{b}"))
    )
    ex = await run(plan, Gate({}))
    assert ex.data == {"a": 1, "b": 1}


async def test_a_failed_root_fetch_leaves_dependents_without_targets() -> None:
    fetcher = FakeFetcher({"products": failing("products"), "reviews": entities(reviews_for)})
    ex = await run(JOIN, fetcher)
    assert fetcher.calls("reviews") == []
    assert ex.data == {}
    assert [e["extensions"]["serviceName"] for e in ex.errors] == ["products"]


async def test_an_unexpected_fetcher_crash_becomes_one_error() -> None:
    fetcher = FakeFetcher({"products": RuntimeError("bug")})  # type: ignore[dict-item]
    ex = await run(ROOT, fetcher)
    assert ex.errors[0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"


@pytest.mark.parametrize(("value", "expected"), [(True, "yes"), (False, "no")])
async def test_condition_picks_a_branch_from_coerced_variables(value: bool, expected: str) -> None:
    plan = ConditionNode(
        "flag",
        FetchNode(service="yes", operation="{a}"),
        FetchNode(service="no", operation="{a}"),
    )
    fetcher = FakeFetcher({"yes": {"data": {"a": "yes"}}, "no": {"data": {"a": "no"}}})
    ex = await run(plan, fetcher, {"flag": value})
    assert ex.data == {"a": expected}


async def test_only_used_variables_are_forwarded() -> None:
    fetch = FetchNode(service="products", operation="q", variable_usages=("first",))
    fetcher = FakeFetcher({"products": {"data": {}}})
    ex = Execution(
        fetcher=fetcher,
        relations=RELATIONS,
        variables={"first": 2, "other": 1},
        forwarded={"first": 2, "other": 1},
        headers={"authorization": "Bearer t"},
        kernel=KERNEL.module,
    )
    await execute_plan(fetch, ex)
    [request] = fetcher.requests
    assert request.variables == {"first": 2}
    assert request.headers == {"authorization": "Bearer t"}


async def test_type_condition_path_filters_targets() -> None:
    root = {
        "data": {
            "media": [
                {"__typename": "Book", "id": "b1"},
                {"__typename": "Movie", "id": "m1"},
            ]
        }
    }
    requires = (InlineFragmentSel("Book", (FieldSel("__typename"), FieldSel("id"))),)
    fetch = FetchNode(service="books", operation="q", requires=requires)
    plan = SequenceNode((ROOT, FlattenNode(("media", "@", "... on Book|Novel"), fetch)))
    fetcher = FakeFetcher(
        {"products": root, "books": entities(lambda rep: {"title": "T " + rep["id"]})}
    )
    ex = await run(plan, fetcher)
    assert ex.data["media"][0]["title"] == "T b1"
    assert "title" not in ex.data["media"][1]


async def test_abstract_fragment_in_requires_matches_implementations() -> None:
    root = {"data": {"media": [{"__typename": "Movie", "id": "m1"}]}}
    requires = (InlineFragmentSel("Media", (FieldSel("__typename"), FieldSel("id"))),)
    fetch = FetchNode(service="titles", operation="q", requires=requires)
    plan = SequenceNode((ROOT, FlattenNode(("media", "@"), fetch)))
    fetcher = FakeFetcher(
        {"products": root, "titles": entities(lambda rep: {"title": rep["__typename"]})}
    )
    ex = await run(plan, fetcher)
    assert ex.data["media"][0]["title"] == "Movie"


async def test_requires_with_nested_selection_and_explicit_null() -> None:
    root = {
        "data": {
            "products": [
                {"__typename": "Product", "upc": "1", "dims": {"w": 1, "h": None, "extra": 5}},
                {"__typename": "Product", "upc": "2", "dims": None},
            ]
        }
    }
    requires = (
        InlineFragmentSel(
            "Product",
            (
                FieldSel("__typename"),
                FieldSel("upc"),
                FieldSel("dims", selections=(FieldSel("w"), FieldSel("h"))),
            ),
        ),
    )
    fetch = entity_fetch("shipping", "cost", requires=requires)
    fetcher = FakeFetcher({"products": root, "shipping": entities(lambda rep: {"cost": 1})})
    await run(SequenceNode((ROOT, FlattenNode(("products", "@"), fetch))), fetcher)
    assert fetcher.calls("shipping")[0].variables == {
        "representations": [
            {"__typename": "Product", "upc": "1", "dims": {"w": 1, "h": None}},
            {"__typename": "Product", "upc": "2", "dims": None},
        ]
    }


async def test_aliased_requires_are_sent_under_the_field_name() -> None:
    root = {"data": {"products": [{"__typename": "Product", "upc": "1", "w__alias_0": 3}]}}
    requires = (
        InlineFragmentSel(
            "Product",
            (FieldSel("__typename"), FieldSel("upc"), FieldSel("weight", alias="w__alias_0")),
        ),
    )
    fetch = entity_fetch("shipping", "cost", requires=requires)
    fetcher = FakeFetcher({"products": root, "shipping": entities(lambda rep: {"cost": 1})})
    await run(SequenceNode((ROOT, FlattenNode(("products", "@"), fetch))), fetcher)
    reps = fetcher.calls("shipping")[0].variables["representations"]  # type: ignore[index]
    assert reps == [{"__typename": "Product", "upc": "1", "weight": 3}]


async def test_input_and_output_rewrites() -> None:
    root = {"data": {"media": [{"__typename": "Book", "id": "b1"}]}}
    requires = (InlineFragmentSel("Book", (FieldSel("__typename"), FieldSel("id"))),)
    fetch = FetchNode(
        service="catalog",
        operation="q",
        requires=requires,
        input_rewrites=(ValueSetter(("... on Book", "__typename"), "Media"),),
        output_rewrites=(KeyRenamer(("... on Media", "title__alias"), "title"),),
    )

    def catalog(request: SubgraphRequest) -> dict[str, Any]:
        reps = (request.variables or {})["representations"]
        assert reps == [{"__typename": "Media", "id": "b1"}]
        return {"data": {"_entities": [{"__typename": "Media", "title__alias": "Dune"}]}}

    fetcher = FakeFetcher({"products": root, "catalog": catalog})
    ex = await run(SequenceNode((ROOT, FlattenNode(("media", "@"), fetch))), fetcher)
    # the concrete __typename survives an interface-object answer
    assert ex.data["media"][0] == {"__typename": "Book", "id": "b1", "title": "Dune"}


async def test_shareable_value_types_deep_merge_lists_by_position() -> None:
    a = FetchNode(service="a", operation="qa")
    b = FetchNode(service="b", operation="qb")
    fetcher = FakeFetcher(
        {
            "a": {"data": {"shop": {"items": [{"id": 1}, {"id": 2}], "name": "s"}}},
            "b": {"data": {"shop": {"items": [{"price": 5}, {"price": 6}]}}},
        }
    )
    ex = await run(ParallelNode((a, b)), fetcher)
    assert ex.data == {
        "shop": {"items": [{"id": 1, "price": 5}, {"id": 2, "price": 6}], "name": "s"}
    }


async def test_root_fetch_errors_below_a_single_target_get_its_path() -> None:
    root = {"data": {"viewer": {"__typename": "User", "id": "u"}}}
    nested = FetchNode(service="b", operation="qb")
    fetcher = FakeFetcher(
        {
            "products": root,
            "b": {"data": {"x": None}, "errors": [{"message": "e", "path": ["x"]}]},
        }
    )
    ex = await run(SequenceNode((ROOT, FlattenNode(("viewer",), nested))), fetcher)
    assert ex.data["viewer"]["x"] is None
    assert ex.errors[0]["path"] == ["viewer", "x"]


# --------------------------------------------------------------------------- walks reused
REVIEW_KEY = (FieldSel("__typename"), FieldSel("id"))


def review_fetch(service: str, selection: str) -> FetchNode:
    return FetchNode(
        service=service,
        operation=(
            "query($representations:[_Any!]!){_entities(representations:$representations)"
            f"{{...on Review{{{selection}}}}}}}"
        ),
        requires=REVIEW_KEY,
    )


def review_of(rep: dict[str, Any]) -> dict[str, Any]:
    return {"reviews": [{"__typename": "Review", "id": f"r{rep['upc']}"}]}


async def test_a_path_is_walked_again_after_a_merge_brings_its_objects() -> None:
    # "late" walks products.@.reviews.@ while "reviews" is still on its way (nothing there
    # yet); "bodies" walks it after the reviews were merged and must find them.
    plan = SequenceNode(
        (
            ROOT,
            ParallelNode(
                (
                    FlattenNode(("products", "@"), entity_fetch("reviews", "reviews{id}")),
                    FlattenNode(("products", "@", "reviews", "@"), review_fetch("late", "body")),
                )
            ),
            FlattenNode(("products", "@", "reviews", "@"), review_fetch("bodies", "body")),
        )
    )
    fetcher = FakeFetcher(
        {
            "products": products("1", "2"),
            "reviews": entities(review_of),
            "late": entities(lambda rep: {"body": "late"}),
            "bodies": entities(lambda rep: {"body": f"body of {rep['id']}"}),
        }
    )
    fetcher.delays["reviews"] = 0.01
    ex = await run(plan, fetcher)
    assert fetcher.calls("late") == []
    assert [p["reviews"][0].get("body") for p in ex.data["products"]] == [
        "body of r1",
        "body of r2",
    ]


async def test_a_type_condition_is_tested_again_after_a_merge_sets_the_typename() -> None:
    # an @interfaceObject-like answer: "Media" first, the concrete type merged in later
    root = {"data": {"media": [{"__typename": "Media", "id": "1"}]}}
    by_type = FlattenNode(
        ("media", "@", "... on Book"),
        FetchNode(
            service="books",
            operation="query($representations:[_Any!]!){_entities(representations:"
            "$representations){...on Book{title}}}",
            requires=(InlineFragmentSel("Book", (FieldSel("__typename"), FieldSel("id"))),),
        ),
    )
    concrete = FetchNode(
        service="types",
        operation="query($representations:[_Any!]!){_entities(representations:"
        "$representations){__typename}}",
        requires=(FieldSel("__typename"), FieldSel("id")),
    )
    plan = SequenceNode(
        (
            FetchNode(service="media", operation="{media{__typename id}}"),
            ParallelNode((FlattenNode(("media", "@"), concrete), by_type)),
            by_type,
        )
    )
    fetcher = FakeFetcher(
        {
            "media": root,
            "types": entities(lambda rep: {"__typename": "Book"}),
            "books": entities(lambda rep: {"title": "Hikayat"}),
        }
    )
    fetcher.delays["types"] = 0.01
    ex = await run(plan, fetcher)
    assert ex.data["media"] == [{"__typename": "Book", "id": "1", "title": "Hikayat"}]
    assert len(fetcher.calls("books")) == 1


async def test_a_path_is_walked_once_while_merges_leave_it_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # two subgraphs add fields to the same objects, one after the other: the second fetch
    # reuses the first one's walk (the merge wrote `reviews`, which the path does not read)
    walks: list[tuple[str, ...]] = []

    class Counting:
        def __getattr__(self, name: str) -> Any:
            return getattr(KERNEL.module, name)

        def collect_targets(self, data: Any, path: tuple[str, ...], possible: Any) -> Any:
            walks.append(path)
            return KERNEL.module.collect_targets(data, path, possible)  # type: ignore[union-attr]

    plan = SequenceNode(
        (
            ROOT,
            FlattenNode(("products", "@"), entity_fetch("reviews")),
            FlattenNode(("products", "@"), entity_fetch("names", "name")),
        )
    )
    fetcher = FakeFetcher(
        {
            "products": products("1", "2"),
            "reviews": entities(reviews_for),
            "names": entities(lambda rep: {"name": f"name {rep['upc']}"}),
        }
    )
    variables: dict[str, Any] = {}
    ex = Execution(fetcher=fetcher, relations=RELATIONS, variables=variables, forwarded=variables)
    if KERNEL.module is not None:
        ex.kernel = Counting()  # type: ignore[assignment]
    else:
        import gateway.executor.run as run_module

        original = run_module.collect_targets

        def counting(data: Any, path: tuple[str, ...], relations: Any) -> Any:
            walks.append(path)
            return original(data, path, relations)

        monkeypatch.setattr(run_module, "collect_targets", counting)
    await execute_plan(plan, ex)
    assert walks == [("products", "@")]
    assert [(p["name"], p["reviews"][0]["body"]) for p in ex.data["products"]] == [
        ("name 1", "good 1"),
        ("name 2", "good 2"),
    ]
