"""Executable directive definitions declared in subgraphs: ``@format(upper: Boolean = true,
suffix: String = "!")`` is defined by both subgraphs (composition refuses different defaults:
FIELD_ARGUMENT_DEFAULT_MISMATCH) and so reaches the supergraph; a client may use it on any
field, the gateway forwards it to the subgraph resolving the field and that subgraph applies the
defaults to the arguments the client left out — also to an argument given as a variable the
client did not send. ``@whisper``, defined by one subgraph only, is not in the supergraph."""

from __future__ import annotations

from typing import Any

from graphql import get_directive_values

from tests.federation.harness.model import Case, Scenario, Subgraph, err

ARTICLES = {
    "a1": {"id": "a1", "title": "Sergai Smart City", "summary": "Rencana induk TIK"},
}


def _formatted(value: str | None, info: Any) -> str | None:
    if value is None:
        return None
    directive = info.schema.get_directive("format")
    args = get_directive_values(directive, info.field_nodes[0], info.variable_values)
    if args is None:
        return value
    if args.get("upper"):
        value = value.upper()
    suffix = args.get("suffix")
    return value + ("(null)" if suffix is None else suffix)


GREETINGS = {"id": "Selamat pagi", "en": "Good morning", "bbc": "Horas"}


def _greeting(_source: Any, info: Any) -> str | None:
    """``Horas`` unless a ``@lang`` applies: on the field, else on the operation."""
    directive = info.schema.get_directive("lang")
    code = None
    for node in (info.field_nodes[0], info.operation):
        args = get_directive_values(directive, node, info.variable_values)
        if args is not None:
            code = args.get("code")
            break
    text = "Horas" if code is None else GREETINGS.get(code, f"? {code}")
    return _formatted(text, info)


def _field(name: str) -> Any:
    def resolve(source: dict[str, Any], info: Any) -> str | None:
        return _formatted(source.get(name), info)

    return resolve


def _article(id: str) -> dict[str, Any] | None:
    return {"__typename": "Article", **ARTICLES[id]} if id in ARTICLES else None


SCENARIO = Scenario(
    name="directive_defaults",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "content",
            4740,
            "content.graphql",
            resolvers={
                "Query": {
                    "greeting": _greeting,
                    "article": lambda _s, _i, id: _article(id),
                },
                "Article": {"title": _field("title")},
            },
            references={"Article": lambda rep: _article(rep["id"])},
        ),
        Subgraph(
            "extras",
            4741,
            "extras.graphql",
            resolvers={"Article": {"summary": _field("summary")}},
            references={"Article": lambda rep: _article(rep["id"])},
        ),
    ],
    cases=[
        Case("no-directive", "{ greeting }"),
        Case("all-defaults-root-field", "{ greeting @format }"),
        Case("one-argument-given", "{ greeting @format(upper: false) }"),
        Case("all-arguments-given", '{ greeting @format(upper: false, suffix: ".") }'),
        Case(
            "each-subgraph-applies-the-default",
            '{ article(id: "a1") { title @format summary @format } }',
            calls={"content": 1, "extras": 1},
        ),
        Case(
            "entity-field-argument-given",
            '{ article(id: "a1") { summary @format(suffix: "~") } }',
        ),
        Case(
            "variable-not-sent-leaves-the-default",
            'query($s: String) { article(id: "a1") { title @format(suffix: $s) '
            "summary @format(suffix: $s) } }",
        ),
        Case(
            "variable-sent",
            'query($s: String) { article(id: "a1") { summary @format(suffix: $s) } }',
            variables={"s": " (ok)"},
        ),
        Case(
            "variable-default-wins-over-directive-default",
            'query($s: String = "#") { article(id: "a1") { title @format(suffix: $s) } }',
        ),
        Case(
            "variable-sent-null-is-null",
            "query($s: String) { greeting @format(suffix: $s) }",
            variables={"s": None},
        ),
        Case(
            "aliases-with-different-arguments",
            '{ loud: greeting @format quiet: greeting @format(upper: false, suffix: "") }',
        ),
        Case("field-directive-default-argument", "{ greeting @lang }"),
        Case("field-directive-argument", '{ greeting @lang(code: "en") }'),
        Case("operation-directive-default-argument", "query Q @lang { greeting }"),
        Case("operation-directive-argument", 'query Q @lang(code: "en") { greeting }'),
        Case(
            "operation-directive-variable-not-sent",
            "query Q($c: String) @lang(code: $c) { greeting }",
        ),
        Case("two-directives-on-one-field", '{ greeting @lang(code: "en") @format }'),
        Case(
            "directive-of-one-subgraph-only-is-unknown",
            "{ greeting @whisper }",
            errors=[err(None, 'Unknown directive "@whisper"')],
            calls={"content": 0, "extras": 0},
        ),
        Case(
            "unknown-argument-is-refused",
            "{ greeting @format(loud: true) }",
            errors=[err(None, 'Unknown argument "loud"')],
            calls={"content": 0, "extras": 0},
        ),
        Case(
            "wrong-argument-type-is-refused",
            '{ greeting @format(upper: "yes") }',
            errors=[err(None, "Boolean cannot represent")],
            calls={"content": 0, "extras": 0},
        ),
    ],
)
