"""Operation size limits (depth, aliases), checked after validation and before planning.

Validation has already rejected fragment cycles, so walking spreads terminates; each
fragment's figures are memoised so shared fragments are walked once.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)


@dataclass(frozen=True, slots=True)
class Limits:
    max_depth: int = 0  # 0 = unlimited
    max_aliases: int = 0


def limit_violations(
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    limits: Limits,
) -> list[str]:
    """Messages for each limit the operation exceeds (empty when within limits)."""
    if not (limits.max_depth or limits.max_aliases):
        return []
    measure = _Measure(fragments)
    depth, aliases = measure.selection_set(operation.selection_set)
    out = []
    if limits.max_depth and depth > limits.max_depth:
        out.append(f"Operation is too deep: depth {depth} exceeds the limit of {limits.max_depth}.")
    if limits.max_aliases and aliases > limits.max_aliases:
        out.append(
            f"Operation has too many aliases: {aliases} exceeds the limit of {limits.max_aliases}."
        )
    return out


class _Measure:
    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.memo: dict[str, tuple[int, int]] = {}

    def selection_set(self, node: SelectionSetNode) -> tuple[int, int]:
        depth = aliases = 0
        for sel in node.selections:
            if isinstance(sel, FieldNode):
                d, a = self.selection_set(sel.selection_set) if sel.selection_set else (0, 0)
                depth = max(depth, d + 1)
                aliases += a + (1 if sel.alias else 0)
            elif isinstance(sel, InlineFragmentNode):
                d, a = self.selection_set(sel.selection_set)
                depth, aliases = max(depth, d), aliases + a
            elif isinstance(sel, FragmentSpreadNode):
                d, a = self.fragment(sel.name.value)
                depth, aliases = max(depth, d), aliases + a
        return depth, aliases

    def fragment(self, name: str) -> tuple[int, int]:
        found = self.memo.get(name)
        if found is None:
            fragment = self.fragments.get(name)
            found = self.selection_set(fragment.selection_set) if fragment else (0, 0)
            self.memo[name] = found
        return found
