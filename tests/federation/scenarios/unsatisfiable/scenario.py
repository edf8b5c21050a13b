"""Operations no subgraph path can resolve fail at planning: ``data: null`` and a planning
error, before any fetch — never a partial shape from whichever subgraph happens to answer.

* ``node`` is shareable in accounts and chats, but each has the *other* type's ``id``
  external (and that ``id`` is its key): ``node { id }`` has no complete path anywhere.
  Per-type fragments each have one (``... on Account { id }`` in accounts, ``... on Chat``
  in chats).
* ``Entry`` is an entity interface with no implementation in registry; bakery adds ``note``
  as an ``@interfaceObject`` with a non-resolvable key: ``entry { note }`` is unreachable.
  ``Item`` is an ``@interfaceObject`` in registry (key not resolvable there) and an entity
  interface in bakery: its implementation's fields need bakery, its ``name`` is unreachable
  from registry, where the type is unknown; bakery's resolvable key on the interface reveals
  the real type, so ``... on Bread`` is plannable through it.
"""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph, err

ACCOUNTS = {"a1": {"id": "a1", "username": "a1-pengguna"}}
CHATS = {"c1": {"id": "c1", "text": "c1-pesan", "accountId": "a1"}}
BREADS = {"p1": {"__typename": "Bread", "id": "p1", "name": "Roti Sergai"}}


def _account(aid: str) -> Any:
    a = ACCOUNTS.get(aid)
    return None if a is None else {"__typename": "Account", **a}


def _accounts_node(_s: Any, _i: Any, id: str) -> Any:  # noqa: A002 - the argument's name
    if id in ACCOUNTS:
        return _account(id)
    chat = CHATS.get(id)
    if chat is not None:  # the id is external here: never sent, so a wrong value shows
        return {"__typename": "Chat", "id": "never", "accountId": chat["accountId"]}
    return None


def _chats_node(_s: Any, _i: Any, id: str) -> Any:  # noqa: A002 - the argument's name
    if id in ACCOUNTS:
        chat_ids = [c["id"] for c in CHATS.values() if c["accountId"] == id]
        return {"__typename": "Account", "id": "never", "chatIds": chat_ids}
    chat = CHATS.get(id)
    return None if chat is None else {"__typename": "Chat", **chat}


def _chat(cid: str) -> Any:
    chat = CHATS.get(cid)
    return None if chat is None else {"__typename": "Chat", **chat}


def _account_in_chats(rep: dict[str, Any]) -> Any:
    if rep["id"] not in ACCOUNTS:
        return None
    chat_ids = [c["id"] for c in CHATS.values() if c["accountId"] == rep["id"]]
    return {"__typename": "Account", "id": rep["id"], "chatIds": chat_ids}


def _unresolvable(rep: dict[str, Any]) -> Any:
    raise ValueError(f"{rep['__typename']} is not resolvable here")


NO_PATH = ""  # any message: Apollo words it "Was not able to find any options for …"

SCENARIO = Scenario(
    name="unsatisfiable",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "accounts",
            4271,
            "accounts.graphql",
            resolvers={
                "Query": {"node": _accounts_node, "account": lambda _s, _i, id: _account(id)},
                "Chat": {"account": lambda source, _info: _account(source["accountId"])},
            },
            references={
                "Account": lambda rep: _account(rep["id"]),
                "Chat": lambda rep: (
                    None
                    if rep["id"] not in CHATS
                    else {
                        "__typename": "Chat",
                        "id": rep["id"],
                        "accountId": CHATS[rep["id"]]["accountId"],
                    }
                ),
            },
        ),
        Subgraph(
            "chats",
            4272,
            "chats.graphql",
            resolvers={
                "Query": {"node": _chats_node, "chat": lambda _s, _i, id: _chat(id)},
                "Account": {
                    "chats": lambda source, _info: [_chat(c) for c in source.get("chatIds", [])]
                },
            },
            references={"Account": _account_in_chats, "Chat": lambda rep: _chat(rep["id"])},
        ),
        Subgraph(
            "registry",
            4273,
            "registry.graphql",
            resolvers={
                "Query": {
                    "entry": lambda *_: {"__typename": "Entry", "id": "n1"},
                    "item": lambda *_: {"__typename": "Item", "id": "p1"},
                },
            },
            references={"Entry": _unresolvable},
        ),
        Subgraph(
            "bakery",
            4274,
            "bakery.graphql",
            resolvers={
                "Query": {
                    "bakeryEntry": lambda *_: {"__typename": "Entry", "id": "n1", "note": "catatan"}
                },
            },
            references={
                "Entry": _unresolvable,
                "Item": lambda rep: BREADS.get(rep["id"]),
                "Bread": lambda rep: BREADS.get(rep["id"]),
            },
        ),
    ],
    cases=[
        Case(
            "interface-field-external-in-each-shareable-root",
            '{ node(id: "a1") { id } }',
            errors=[err(None, NO_PATH)],
            calls={"accounts": 0, "chats": 0},
        ),
        Case(
            "interface-field-and-fragment-still-unplannable",
            '{ account: node(id: "a1") { id ... on Chat { id } } '
            'chat: node(id: "c1") { __typename ... on Account { id } } }',
            errors=[err(None, NO_PATH)],
            calls={"accounts": 0, "chats": 0},
        ),
        Case(
            "shareable-root-typename-only",
            '{ account: node(id: "a1") { __typename } chat: node(id: "c1") { __typename } }',
        ),
        Case(
            "per-type-fragments-each-from-its-subgraph",
            '{ account: node(id: "a1") { ... on Account { id username } } '
            'chat: node(id: "c1") { ... on Chat { id text } } }',
        ),
        Case(
            "per-type-fragments-on-the-other-type",
            '{ account: node(id: "a1") { ... on Chat { id } } '
            'chat: node(id: "c1") { ... on Account { id } } }',
        ),
        Case(
            "root-fields-of-one-subgraph-each",
            '{ chat(id: "c1") { id text account { id username } } '
            'account(id: "a1") { id username chats { id text } } }',
        ),
        Case(
            "interface-object-field-through-non-resolvable-key",
            "{ entry { note } }",
            errors=[err(None, NO_PATH)],
            calls={"registry": 0, "bakery": 0},
            spec={
                "data": None,
                "errors": [
                    {
                        "message": "Cannot plan the operation: no "
                        "subgraph path resolves {entry{note}} on Query"
                    }
                ],
            },
            note="Entry.note exists only in bakery, as an @interfaceObject field whose key is "
            "not resolvable: no path reaches it (Hive's non-resolvable-interface-object "
            "audit case expects a planning error). Apollo Gateway 2.14 plans nothing and "
            "answers entry: null without an error, because Entry has no implementation.",
        ),
        Case(
            "interface-with-no-implementation-field-of-its-own",
            "{ entry { id } }",
            errors=[err("entry", "")],
        ),
        Case(
            "interface-object-fields-of-its-own-subgraph",
            "{ bakeryEntry { id note } }",
            calls={"bakery": 1, "registry": 0},
        ),
        Case(
            "interface-object-key-field-only", "{ item { id } }", calls={"registry": 1, "bakery": 0}
        ),
        Case(
            "implementation-field-through-entity-interface-of-other-subgraph",
            "{ item { id ... on Bread { name } } }",
            calls={"registry": 1, "bakery": 1},
        ),
        Case(
            "implementation-fragment-needs-the-real-type-first", "{ item { ... on Bread { id } } }"
        ),
    ],
)
