"""Immutable, hashable selection IR shared by normalisation, field sets and the planner.

Conditions (``@skip``/``@include`` on variables) only ever sit on inline fragments: a
conditional field ``f @include(if: $v)`` is represented as ``... @include(if: $v) { f }``,
which means the same and lets fields merge purely by response key. ``@defer`` too sits on
inline fragments only (a deferred spread becomes an inline fragment); its ``Defer`` keeps
the fragment apart from every other (it never merges with a fragment deferred elsewhere).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias


@dataclass(frozen=True, slots=True)
class Condition:
    variable: str
    include: bool  # True: ``@include(if: $v)``; False: ``@skip(if: $v)``

    def render(self) -> str:
        kind = "include" if self.include else "skip"
        return f"@{kind}(if:${self.variable})"


@dataclass(frozen=True, slots=True)
class Defer:
    """``@defer`` on a fragment. ``id`` names it within its document (the directive's offset
    in the source, so the response shaper, which walks the same document, finds the same
    id); ``parent`` is the id of the deferred fragment it sits in, if any."""

    id: int
    label: str | None = None
    if_variable: str | None = None  # ``@defer(if: $v)``: deferred only when ``$v`` is true
    parent: int | None = None

    def render(self) -> str:
        return f"@defer(id:{self.id})"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    alias: str | None = None
    # (argument name, printed value) in the order written
    arguments: tuple[tuple[str, str], ...] = ()
    selections: tuple[Selection, ...] | None = None
    # variables used by the arguments and the directives
    variables: frozenset[str] = frozenset()
    # executable directives the subgraph applies (printed, in the order written), e.g.
    # ``@format(upper:false)``; ``@skip``/``@include``/``@defer``/``@stream`` never sit here
    directives: tuple[str, ...] = ()
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "_hash",
            hash((self.name, self.alias, self.arguments, self.selections, self.directives)),
        )

    def __hash__(self) -> int:
        return self._hash

    @property
    def response_key(self) -> str:
        return self.alias or self.name

    def with_selections(self, selections: tuple[Selection, ...] | None) -> Field:
        return Field(
            self.name, self.alias, self.arguments, selections, self.variables, self.directives
        )


@dataclass(frozen=True, slots=True)
class InlineFragment:
    type_condition: str | None
    selections: tuple[Selection, ...]
    conditions: tuple[Condition, ...] = ()
    defer: Defer | None = None
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "_hash",
            hash((self.type_condition, self.selections, self.conditions, self.defer)),
        )

    def __hash__(self) -> int:
        return self._hash

    def with_selections(self, selections: tuple[Selection, ...]) -> InlineFragment:
        return InlineFragment(self.type_condition, selections, self.conditions, self.defer)


Selection: TypeAlias = Field | InlineFragment
SelectionSet: TypeAlias = tuple[Selection, ...]

TYPENAME = "__typename"


def render_selections(selections: SelectionSet) -> str:
    """Compact GraphQL text for a selection set (without the outer braces)."""
    return " ".join(render_selection(s) for s in selections)


def render_selection(sel: Selection) -> str:
    if isinstance(sel, Field):
        text = f"{sel.alias}:{sel.name}" if sel.alias else sel.name
        if sel.arguments:
            text += "(" + ",".join(f"{n}:{v}" for n, v in sel.arguments) + ")"
        for directive in sel.directives:
            text += " " + directive
        if sel.selections is not None:
            text += "{" + render_selections(sel.selections) + "}"
        return text
    head = "..."
    if sel.type_condition:
        head += f" on {sel.type_condition}"
    for cond in sel.conditions:
        head += " " + cond.render()
    if sel.defer is not None:
        head += " " + sel.defer.render()
    return head + "{" + render_selections(sel.selections) + "}"


def variables_of(selections: SelectionSet) -> set[str]:
    out: set[str] = set()
    for sel in selections:
        if isinstance(sel, Field):
            out |= sel.variables
            if sel.selections:
                out |= variables_of(sel.selections)
        else:
            out |= {c.variable for c in sel.conditions}
            out |= variables_of(sel.selections)
    return out
