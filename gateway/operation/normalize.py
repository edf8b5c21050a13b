"""Client operation → normalised selection IR.

Named fragments are inlined, constant ``@skip``/``@include`` resolved, variable ones moved to
inline fragments, fragments that cannot narrow the type dropped into their parent, and
fields merged per response key. ``@defer`` fragments (unless ``if: false``) stay inline
fragments carrying a ``Defer``. The operation must already be valid against ``schema``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLCompositeType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    get_named_type,
    print_ast,
    visit,
)

from gateway.operation.ir import (
    Condition,
    Defer,
    Field,
    InlineFragment,
    Selection,
    SelectionSet,
)
from gateway.operation.merge import merge_selections


class OperationError(ValueError):
    """The document has no (or no unambiguous) operation to run."""


@dataclass(frozen=True, slots=True)
class OperationDirective:
    """An executable directive on the operation (``query Q @lang(code: $c)``): forwarded as
    written to every subgraph operation whose kind its definition allows."""

    name: str
    text: str
    variables: frozenset[str]


@dataclass(frozen=True, slots=True)
class NormalizedOperation:
    kind: str  # "query" | "mutation" | "subscription"
    name: str | None
    root_type: str
    selections: SelectionSet
    variable_definitions: Mapping[str, VariableDefinitionNode]
    directives: tuple[OperationDirective, ...] = ()


def select_operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode:
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        for op in ops:
            if op.name and op.name.value == operation_name:
                return op
        raise OperationError(f'Unknown operation named "{operation_name}".')
    if len(ops) != 1:
        raise OperationError(
            "Must provide operation name if query contains multiple operations."
            if ops
            else "The document contains no operation."
        )
    return ops[0]


def normalize(
    document: DocumentNode, operation_name: str | None, schema: GraphQLSchema
) -> NormalizedOperation:
    """Normalise the selected operation of ``document`` (validated against ``schema``)."""
    op = select_operation(document, operation_name)
    kind = op.operation.value
    root = schema.get_root_type(OperationType(kind))
    if root is None:
        raise OperationError(f"The schema has no {kind} type.")
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    norm = _Normalizer(schema, fragments)
    selections = norm.selection_set(root, op.selection_set, (), root_level=True)
    var_defs = {v.variable.name.value: v for v in op.variable_definitions or ()}
    directives = tuple(
        OperationDirective(
            d.name.value, print_ast(d), _variables([a.value for a in d.arguments or ()])
        )
        for d in op.directives or ()
        if d.name.value not in GATEWAY_DIRECTIVES
    )
    return NormalizedOperation(
        kind, op.name.value if op.name else None, root.name, selections, var_defs, directives
    )


def _conditions(directives: Sequence[DirectiveNode] | None) -> tuple[Condition, ...] | None:
    """Variable conditions of a node, or None when a constant condition excludes it."""
    out: list[Condition] = []
    for d in directives or ():
        name = d.name.value
        if name not in ("skip", "include"):
            continue
        value = next((a.value for a in d.arguments or () if a.name.value == "if"), None)
        if isinstance(value, BooleanValueNode):
            if value.value != (name == "include"):
                return None
        elif isinstance(value, VariableNode):
            out.append(Condition(value.name.value, name == "include"))
    return tuple(out)


def defer_of(directives: Sequence[DirectiveNode] | None, parent: int | None) -> Defer | None:
    """The ``@defer`` of a fragment, or None (no directive, or ``if: false``)."""
    for d in directives or ():
        if d.name.value != "defer":
            continue
        label = if_variable = None
        for arg in d.arguments or ():
            value = arg.value
            if arg.name.value == "if":
                if isinstance(value, BooleanValueNode) and not value.value:
                    return None
                if isinstance(value, VariableNode):
                    if_variable = value.name.value
            elif arg.name.value == "label" and isinstance(value, StringValueNode):
                label = value.value
        ident = d.loc.start if d.loc is not None else id(d)
        return Defer(ident, label, if_variable, parent)
    return None


def strip_defer(sels: SelectionSet) -> SelectionSet:
    """The same selections delivered at once: every ``@defer`` dropped."""
    out: list[Selection] = []
    for sel in sels:
        if isinstance(sel, Field):
            out.append(
                sel if sel.selections is None else sel.with_selections(strip_defer(sel.selections))
            )
        else:
            out.append(
                InlineFragment(sel.type_condition, strip_defer(sel.selections), sel.conditions)
            )
    return merge_selections(out)


def has_defer(sels: SelectionSet) -> bool:
    for sel in sels:
        if isinstance(sel, Field):
            if sel.selections and has_defer(sel.selections):
                return True
        elif sel.defer is not None or has_defer(sel.selections):
            return True
    return False


# directives the gateway itself applies; any other directive on a field is an executable
# directive of the subgraphs (composition keeps one only when every subgraph defines it) and
# is forwarded as written, so the subgraph applies its own argument defaults
GATEWAY_DIRECTIVES = frozenset({"skip", "include", "defer", "stream"})


def _variables(values: Sequence[ValueNode]) -> frozenset[str]:
    found: set[str] = set()

    class _Collect(Visitor):
        def enter_variable(self, node: VariableNode, *_: object) -> None:
            found.add(node.name.value)

    for v in values:
        visit(v, _Collect())
    return frozenset(found)


class _Normalizer:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        strict: bool = False,
    ):
        self.schema = schema
        self.fragments = fragments
        self.strict = strict
        # (fragment, parent type) → normalised selections: a fragment spread many times
        # (even exponentially many, through other fragments) is normalised once
        self.spreads: dict[tuple[str, str, int | None], SelectionSet] = {}

    def selection_set(
        self,
        parent: GraphQLCompositeType,
        node: SelectionSetNode,
        visiting: tuple[str, ...],
        root_level: bool = False,
        deferred_in: int | None = None,
    ) -> SelectionSet:
        """``deferred_in``: the id of the deferred fragment these selections sit in."""
        out: list[Selection] = []
        for sel in node.selections:
            if isinstance(sel, FieldNode):
                conds = _conditions(sel.directives)
                if conds is None:
                    continue
                fld = self.field(parent, sel, visiting, root_level, deferred_in)
                if fld is None:
                    continue
                out.append(InlineFragment(None, (fld,), conds) if conds else fld)
            else:
                spread: str | None = None
                if isinstance(sel, FragmentSpreadNode):
                    name = sel.name.value
                    frag = self.fragments.get(name)
                    if frag is None or name in visiting:
                        continue
                    type_name: str | None = frag.type_condition.name.value
                    sub_node = frag.selection_set
                    sub_visiting = visiting + (name,)
                    spread = name
                else:
                    assert isinstance(sel, InlineFragmentNode)
                    type_name = sel.type_condition.name.value if sel.type_condition else None
                    sub_node = sel.selection_set
                    sub_visiting = visiting
                conds = _conditions(sel.directives)
                if conds is None:
                    continue
                target = self.schema.get_type(type_name) if type_name else parent
                if not isinstance(target, GraphQLCompositeType):
                    if self.strict:
                        raise OperationError(f'Unknown type "{type_name}".')
                    continue
                defer = defer_of(sel.directives, deferred_in)
                inner_deferred_in = defer.id if defer is not None else deferred_in
                cache_key = (
                    (spread, target.name, inner_deferred_in) if spread and not root_level else None
                )
                cached = self.spreads.get(cache_key) if cache_key else None
                if cached is not None:
                    inner = cached
                else:
                    inner = self.selection_set(
                        target, sub_node, sub_visiting, root_level, inner_deferred_in
                    )
                    if cache_key:
                        self.spreads[cache_key] = inner
                if not inner:
                    continue
                if not conds and defer is None and self._always_matches(parent, target):
                    out.extend(inner)
                    continue
                narrowed = None if self._always_matches(parent, target) else target.name
                out.append(InlineFragment(narrowed, inner, conds, defer))
        return merge_selections(out)

    def _always_matches(self, parent: GraphQLCompositeType, target: GraphQLCompositeType) -> bool:
        if parent.name == target.name:
            return True
        if isinstance(parent, GraphQLObjectType) and isinstance(
            target, GraphQLInterfaceType | GraphQLUnionType
        ):
            return self.schema.is_sub_type(target, parent)
        return False

    def field(
        self,
        parent: GraphQLCompositeType,
        node: FieldNode,
        visiting: tuple[str, ...],
        root_level: bool,
        deferred_in: int | None = None,
    ) -> Field | None:
        name = node.name.value
        alias = node.alias.value if node.alias else None
        if name == "__typename":
            return None if root_level else Field(name, alias)
        if name in ("__schema", "__type"):
            return None
        definition = None if isinstance(parent, GraphQLUnionType) else parent.fields.get(name)
        if definition is None:
            if self.strict:
                raise OperationError(f'Cannot query field "{name}" on type "{parent.name}".')
            return None
        args = tuple((a.name.value, print_ast(a.value)) for a in node.arguments or ())
        forwarded = [d for d in node.directives or () if d.name.value not in GATEWAY_DIRECTIVES]
        directives = tuple(print_ast(d) for d in forwarded)
        variables = _variables(
            [a.value for a in node.arguments or ()]
            + [a.value for d in forwarded for a in d.arguments or ()]
        )
        sub: SelectionSet | None = None
        if node.selection_set is not None:
            named = get_named_type(definition.type)
            assert isinstance(named, GraphQLCompositeType)
            sub = self.selection_set(named, node.selection_set, visiting, False, deferred_in)
            if not sub:
                # everything below was skipped: the client still gets ``{}``
                sub = (Field("__typename"),)
        return Field(name, alias, args, sub, variables, directives)


def normalize_selection_set(
    schema: GraphQLSchema, parent: GraphQLCompositeType, node: SelectionSetNode
) -> SelectionSet:
    """Normalise a field set (``@key``/``@requires``/``@provides``), rejecting unknown names."""
    return _Normalizer(schema, {}, strict=True).selection_set(parent, node, ())
