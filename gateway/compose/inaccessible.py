"""``@inaccessible`` rules checked on the merged supergraph (as Apollo checks its API schema)."""

from __future__ import annotations

from gateway.compose.diagnostics import Diagnostics
from gateway.compose.supermodel import SArg, SField, SType, Supergraph


def _hidden(sg: Supergraph, element: SType | SField | SArg | object) -> bool:
    return sg.inaccessible is not None and f"@{sg.inaccessible}" in getattr(
        element, "directives", ()
    )


def _check_references(sg: Supergraph, t: SType, diag: Diagnostics) -> None:
    def referenced(base: str, coordinate: str) -> None:
        target = sg.types.get(base)
        if target is not None and _hidden(sg, target):
            diag.error(
                "REFERENCED_INACCESSIBLE",
                (
                    f'Type "{base}" is @inaccessible but is referenced by "{coordinate}", which '
                    "is in the API schema."
                ),
                coordinate=coordinate,
            )

    for f in t.fields.values():
        if _hidden(sg, f):
            continue
        assert f.type is not None
        referenced(f.type.base, f.coordinate)
        for arg in f.args.values():
            coordinate = f"{f.coordinate}({arg.name}:)"
            if _hidden(sg, arg):
                if arg.type is not None and arg.type.non_null and arg.default is None:
                    diag.error(
                        "REQUIRED_INACCESSIBLE",
                        (
                            f'Argument "{coordinate}" is @inaccessible '
                            "but is a required argument of "
                            "its field."
                        ),
                        coordinate=coordinate,
                    )
                continue
            assert arg.type is not None
            referenced(arg.type.base, coordinate)
    if t.kind == "INPUT_OBJECT":
        for f in t.fields.values():
            if _hidden(sg, f) and f.type is not None and f.type.non_null and f.default is None:
                diag.error(
                    "REQUIRED_INACCESSIBLE",
                    (
                        f'Input field "{f.coordinate}" is @inaccessible but is a required input '
                        "field of its type."
                    ),
                    coordinate=f.coordinate,
                )


def _check_children(sg: Supergraph, t: SType, diag: Diagnostics) -> None:
    if t.kind in ("OBJECT", "INTERFACE", "INPUT_OBJECT") and t.fields:
        if all(_hidden(sg, f) for f in t.fields.values()):
            what = "input fields" if t.kind == "INPUT_OBJECT" else "fields"
            diag.error(
                "ONLY_INACCESSIBLE_CHILDREN",
                f'Type "{t.name}" is in the API schema but all of its {what} are @inaccessible.',
                coordinate=t.name,
            )
    elif t.kind == "UNION" and t.members:
        if all(_hidden(sg, sg.types.get(m)) for m in t.members):
            diag.error(
                "ONLY_INACCESSIBLE_CHILDREN",
                f'Type "{t.name}" is in the API schema but all of its members are @inaccessible.',
                coordinate=t.name,
            )
    elif t.kind == "ENUM" and t.values:
        if all(_hidden(sg, v) for v in t.values.values()):
            diag.error(
                "ONLY_INACCESSIBLE_CHILDREN",
                f'Type "{t.name}" is in the API schema but all of its values are @inaccessible.',
                coordinate=t.name,
            )


def check_inaccessible(sg: Supergraph, diag: Diagnostics) -> None:
    """Report elements of the API schema that would point at removed (inaccessible) ones."""
    if sg.inaccessible is None:
        return
    query = sg.types.get(sg.roots.get("query", "Query"))
    if query is not None and _hidden(sg, query):
        diag.error(
            "QUERY_ROOT_TYPE_INACCESSIBLE",
            (
                f'Type "{query.name}" is @inaccessible but is the root query type, which '
                "must be in the API schema."
            ),
            coordinate=query.name,
        )
    for t in sg.types.values():
        if _hidden(sg, t):
            continue
        _check_references(sg, t, diag)
        _check_children(sg, t, diag)
