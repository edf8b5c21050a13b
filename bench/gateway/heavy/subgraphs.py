"""The heavy case's four subgraphs, shaped like the public gateways benchmark: accounts
(users), products (``topProducts``), inventory (``inStock``, ``shippingEstimate`` requiring
``price`` and ``weight``), reviews (users' and products' reviews, each with its author and
product). Ten users and ten products, three reviews each; the benchmark query returns
≈ 90 KB. Same byte-cache servers as ``bench.gateway.subgraphs`` (never the bottleneck).

    .venv/bin/python -m bench.gateway.heavy.subgraphs          # ports 4121-4124
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLSchema

from bench.gateway.subgraphs import Subgraph, executable_subgraph, serve

PORTS = {"accounts": 4121, "inventory": 4122, "products": 4123, "reviews": 4124}

USERS = {
    str(i): {
        "__typename": "User",
        "id": str(i),
        "name": f"Pengguna Nomor {i}",
        "username": f"pengguna_{i}",
        "birthday": 1_000_000 + i,
    }
    for i in range(1, 11)
}
PRODUCTS = {
    str(i): {
        "__typename": "Product",
        "upc": str(i),
        "name": f"Produk Unggulan Sergai {i}",
        "price": 1000 * i,
        "weight": 50 * i,
    }
    for i in range(1, 11)
}
# review k: written by user k % 10 + 1 about product k // 3 + 1 (three reviews each)
REVIEWS = [
    {
        "id": str(k + 1),
        "author": str(k % 10 + 1),
        "product": str(k // 3 + 1),
        "body": f"Ulasan nomor {k + 1}: barangnya sampai tepat waktu dan sesuai deskripsi.",
    }
    for k in range(30)
]

SDL = {
    "accounts": """
        type Query { me: User user(id: ID!): User users: [User] ENTITIES }
        type User { id: ID! name: String username: String birthday: Int }
        union _Entity = User
    """,
    "inventory": """
        type Query { ENTITIES }
        type Product {
          upc: String! weight: Int price: Int inStock: Boolean shippingEstimate: Int
        }
        union _Entity = Product
    """,
    "products": """
        type Query { topProducts(first: Int = 5): [Product] ENTITIES }
        type Product { upc: String! name: String price: Int weight: Int }
        union _Entity = Product
    """,
    "reviews": """
        type Query { ENTITIES }
        type Review { id: ID! body: String author: User product: Product }
        type User { id: ID! username: String reviews: [Review] }
        type Product { upc: String! reviews: [Review] }
        union _Entity = Review | User | Product
    """,
}


def _reviews_of(key: str, value: str) -> Any:
    # resolved lazily (the bench resolver calls callables): objects nest to any depth
    return lambda _info: [_review(r) for r in REVIEWS if r[key] == value]


def _review(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "__typename": "Review",
        "id": r["id"],
        "body": r["body"],
        "author": {
            "__typename": "User",
            "id": r["author"],
            "username": USERS[r["author"]]["username"],
            "reviews": _reviews_of("author", r["author"]),
        },
        "product": {
            "__typename": "Product",
            "upc": r["product"],
            "reviews": _reviews_of("product", r["product"]),
        },
    }


def _entity(service: str, rep: dict[str, Any]) -> dict[str, Any] | None:
    typename = rep.get("__typename")
    if service == "accounts" and typename == "User":
        return USERS.get(rep.get("id", ""))
    if service == "products" and typename == "Product":
        return PRODUCTS.get(rep.get("upc", ""))
    if service == "inventory" and typename == "Product":
        upc = rep.get("upc", "")
        estimate = (rep.get("price") or 0) * (rep.get("weight") or 0) // 1000
        return {**rep, "inStock": int(upc or 0) % 2 == 0, "shippingEstimate": estimate}
    if service == "reviews" and typename == "User":
        uid = rep.get("id", "")
        return {"__typename": "User", "id": uid, "reviews": _reviews_of("author", uid)}
    if service == "reviews" and typename == "Product":
        upc = rep.get("upc", "")
        return {"__typename": "Product", "upc": upc, "reviews": _reviews_of("product", upc)}
    if service == "reviews" and typename == "Review":
        return next((_review(r) for r in REVIEWS if r["id"] == rep.get("id")), None)
    return None


def _schema(service: str) -> GraphQLSchema:
    return executable_subgraph(SDL[service], lambda rep: _entity(service, rep))


def _root(service: str) -> dict[str, Any]:
    if service == "accounts":
        return {
            "me": USERS["1"],
            "user": lambda _info, id: USERS.get(id),
            "users": list(USERS.values()),
        }
    if service == "products":
        return {"topProducts": lambda _info, first=5: list(PRODUCTS.values())[:first]}
    return {}


def apps() -> dict[int, Subgraph]:
    return {port: Subgraph(name, _schema(name), _root(name)) for name, port in PORTS.items()}


async def main() -> None:
    await serve(apps())


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())
