"""Shape the merged result tree into the client's response in one pass.

Keys come out in query order, only what the client asked for, with ``@skip/@include``
applied, ``__typename`` filled from the runtime type and leaves checked against the API
schema. Null propagation follows "Handling Field Errors" (GraphQL spec §6.4.4): a null in a
non-null position makes the nearest nullable ancestor null (``data`` itself if none), with one
error — unless an execution error at a related path already explains that null.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from graphql import FragmentDefinitionNode, OperationDefinitionNode

from gateway.executor.shaping.introspection import IntrospectionQuery, extract_introspection
from gateway.executor.shaping.leaves import INVALID
from gateway.executor.shaping.selections import (
    DEFERRED,
    INCREMENTAL,
    INTROSPECTION,
    LEAF_ANY,
    LEAF_BOOLEAN,
    LEAF_CHECKED,
    LEAF_ID,
    LEAF_INT,
    LEAF_STRING,
    NESTED,
    STREAMED,
    TYPENAME,
    CollectedField,
    DeferMark,
    SelectionPlan,
    StreamMark,
    compile_selection_set,
)
from gateway.executor.shaping.typeref import SchemaIndex, TypeRef

_BUBBLE: Any = object()  # "this position is null and its error is already accounted for"
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
PathLink = tuple[Any, str | int] | None  # (parent link, key): built per field, listed on error


@dataclass(frozen=True, slots=True)
class OperationShape:
    """A compiled client operation: what ``shape_response`` walks."""

    kind: str  # query | mutation | subscription
    root_type: str
    root: SelectionPlan
    condition_vars: tuple[str, ...]
    introspection: IntrospectionQuery | None
    incremental: bool = False  # uses @defer or @stream


def compile_operation(
    index: SchemaIndex,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
) -> OperationShape:
    """Compile a validated operation against the API schema (once per cached operation)."""
    kind = operation.operation.value
    root_type = index.schema.get_root_type(operation.operation)
    if root_type is None:
        raise ValueError(f"the schema has no {kind} root type")
    root, condition_vars, incremental = compile_selection_set(operation.selection_set, fragments)
    return OperationShape(
        kind=kind,
        root_type=root_type.name,
        root=root,
        condition_vars=condition_vars,
        introspection=extract_introspection(operation, fragments),
        incremental=incremental,
    )


def shape_response(
    shape: OperationShape,
    index: SchemaIndex,
    data: Mapping[str, Any],
    variables: Mapping[str, Any],
    execution_errors: Sequence[dict[str, Any]] = (),
    introspection: Mapping[str, Any] | None = None,
    kernel: ModuleType | None = None,
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The client's ``data`` (None when a null reached the root) and the shaping errors;
    ``kernel``: the compiled kernel (``gateway.executor.native``) walks instead of this
    module."""
    if kernel is not None and type(data) is dict:
        signature = tuple(variables.get(v) is True for v in shape.condition_vars)
        intro = introspection or {}
        native = kernel.Shaper(
            index,
            signature,
            dict(zip(shape.condition_vars, signature, strict=True)),
            list(execution_errors),
            intro if type(intro) is dict else dict(intro),
            INVALID,
        )
        return kernel.shape(native, data, shape.root, shape.root_type), native.errors
    shaper = _Shaper(shape, index, variables, execution_errors, introspection or {})
    out = shaper.object(data, shape.root, shape.root_type, None)
    return (None if out is _BUBBLE else out), shaper.errors


class _Shaper:
    __slots__ = (
        "index",
        "signature",
        "truth",
        "errors",
        "explain_all",
        "error_paths",
        "intro",
        "variables",
        "deferred",
        "streamed",
    )

    def __init__(
        self,
        shape: OperationShape,
        index: SchemaIndex,
        variables: Mapping[str, Any],
        execution_errors: Sequence[dict[str, Any]],
        introspection: Mapping[str, Any],
        incremental: bool = False,
    ) -> None:
        self.index = index
        self.signature = tuple(
            incremental if v == INCREMENTAL else variables.get(v) is True
            for v in shape.condition_vars
        )
        self.truth = dict(zip(shape.condition_vars, self.signature, strict=True))
        self.variables = variables
        # incremental delivery: deferred fragments met (mark, object, runtime type, path)
        # and the rest of streamed lists (mark, path of the list, items already shaped)
        self.deferred: list[tuple[DeferMark, Mapping[str, Any], str, PathLink]] = []
        self.streamed: list[tuple[StreamMark, list[Any], int, list[Any]]] = []
        self.errors: list[dict[str, Any]] = []
        self.explain_all = False
        self.error_paths: list[list[Any]] = []
        for error in execution_errors:
            path = error.get("path")
            if path is None:
                self.explain_all = True
            else:
                self.error_paths.append(path)
        self.intro = introspection

    # ------------------------------------------------------------------ objects
    def object(
        self, obj: Mapping[str, Any], plan: SelectionPlan, runtime: str, path: PathLink
    ) -> Any:
        # the memo hit inlined (one lookup per object on the hot path)
        fields = plan._memo.get(runtime) if not self.signature else None
        if fields is None:
            fields = plan.collect(runtime, self.signature, self.truth, self.index)
        out: dict[str, Any] = {}
        get = obj.get
        for field in fields:
            key = field.key
            mode = field.mode
            if mode <= NESTED:
                value = get(key)
                if value is None:
                    if field.non_null:
                        self._null_error(field, (path, key))
                        return _BUBBLE
                    out[key] = None
                elif mode == LEAF_STRING:
                    if type(value) is str:
                        out[key] = value
                    elif self._bad_leaf(field, (path, key)):
                        return _BUBBLE
                    else:
                        out[key] = None
                elif mode == LEAF_ID:
                    kind = type(value)
                    if kind is str or kind is int:
                        out[key] = value
                    elif self._bad_leaf(field, (path, key)):
                        return _BUBBLE
                    else:
                        out[key] = None
                elif mode == LEAF_BOOLEAN:
                    if type(value) is bool:
                        out[key] = value
                    elif self._bad_leaf(field, (path, key)):
                        return _BUBBLE
                    else:
                        out[key] = None
                elif mode == LEAF_INT and type(value) is int and _INT_MIN <= value <= _INT_MAX:
                    out[key] = value
                elif mode == LEAF_ANY:
                    out[key] = value
                elif mode == LEAF_CHECKED or mode == LEAF_INT:
                    value = field.type.leaf(value)  # type: ignore[union-attr,misc]
                    if value is not INVALID:
                        out[key] = value
                    elif self._bad_leaf(field, (path, key)):
                        return _BUBBLE
                    else:
                        out[key] = None
                else:
                    value = self._complete(value, field.type, field, (path, key))  # type: ignore[arg-type]
                    if value is _BUBBLE:
                        if field.non_null:
                            return _BUBBLE
                        value = None
                    out[key] = value
            elif mode == TYPENAME:
                if not self.index.is_object(runtime):
                    # Only an @interfaceObject subgraph answered: the real type is unknown.
                    self._error(
                        f"Invalid __typename found for object at {_where(path)}.", path, True
                    )
                    return _BUBBLE
                out[key] = runtime
            elif mode == INTROSPECTION:
                out[key] = self.intro.get(key)
            elif mode == DEFERRED:
                self.deferred.append((field.defer, obj, runtime, path))  # type: ignore[arg-type]
            elif mode == STREAMED:
                value = get(key)
                if value is None:
                    if field.non_null:
                        self._null_error(field, (path, key))
                        return _BUBBLE
                    out[key] = None
                else:
                    value = self._stream(value, field, (path, key))
                    if value is _BUBBLE:
                        if field.non_null:
                            return _BUBBLE
                        value = None
                    out[key] = value
            else:
                out[key] = None
        return out

    def _stream(self, value: Any, field: CollectedField, path: PathLink) -> Any:
        """A streamed list: its first ``initialCount`` items now, the rest remembered."""
        complete = self._complete(value, field.type, field, path)  # type: ignore[arg-type]
        if type(complete) is not list:
            return complete
        stream = field.stream
        assert stream is not None
        count = stream.initial_count
        if isinstance(count, str):
            count = self.variables.get(count) or 0
        count = max(0, int(count))  # type: ignore[arg-type]
        if len(complete) > count:
            self.streamed.append((stream, _listed(path), count, complete[count:]))
            return complete[:count]
        return complete

    def _bad_leaf(self, field: CollectedField, path: PathLink) -> bool:
        """Report an invalid leaf; True when the null it becomes must bubble."""
        self._invalid_value(field, path)
        return field.non_null

    def _complete(self, value: Any, ftype: TypeRef, field: CollectedField, path: PathLink) -> Any:
        """Complete a non-null value of a list or composite type."""
        item = ftype.item
        if item is not None:
            if type(value) is not list:
                self._invalid_value(field, path)
                return _BUBBLE
            out = []
            leaf = item.leaf
            non_null = item.non_null
            runtime = item.object_name
            child = field.child
            if runtime is not None and child is not None:
                # A list of one object type: the common case, without a _complete per item.
                for i, element in enumerate(value):
                    if element is None:
                        if non_null:
                            self._item_null_error(item, (path, i), i)
                            return _BUBBLE
                    elif type(element) is dict:
                        element = self.object(element, child, runtime, (path, i))
                        if element is _BUBBLE:
                            if non_null:
                                return _BUBBLE
                            element = None
                    else:
                        self._invalid_value(field, (path, i))
                        if non_null:
                            return _BUBBLE
                        element = None
                    out.append(element)
                return out
            nested = leaf is None or item.item is not None
            for i, element in enumerate(value):
                if element is None:
                    if non_null:
                        self._item_null_error(item, (path, i), i)
                        return _BUBBLE
                elif nested:
                    element = self._complete(element, item, field, (path, i))
                    if element is _BUBBLE:
                        if non_null:
                            return _BUBBLE
                        element = None
                else:
                    element = leaf(element)  # type: ignore[misc]
                    if element is INVALID:
                        self._invalid_value(field, (path, i))
                        if non_null:
                            return _BUBBLE
                        element = None
                out.append(element)
            return out
        if type(value) is not dict or field.child is None:
            self._invalid_value(field, path)
            return _BUBBLE
        runtime = ftype.object_name
        if runtime is None:
            runtime = self._runtime_type(value, ftype, field, path)
            if runtime is None:
                return _BUBBLE
        return self.object(value, field.child, runtime, path)

    def _runtime_type(
        self, value: Mapping[str, Any], ftype: TypeRef, field: CollectedField, path: PathLink
    ) -> str | None:
        typename = value.get("__typename")
        if typename is None:
            return ftype.name  # fragments on concrete types cannot apply
        if (
            type(typename) is str
            and self.index.composite(typename) is not None
            and self.index.relations.matches(typename, ftype.name)
        ):
            return typename
        # Don't echo the name: it may be an @inaccessible type.
        self._error(
            f"Invalid __typename found for object at field {field.parent}.{field.name}.",
            path,
            True,
        )
        return None

    # ------------------------------------------------------------------ errors
    def _null_error(self, field: CollectedField, path: PathLink) -> None:
        self._error(
            f"Cannot return null for non-nullable field {field.parent}.{field.name}.", path, False
        )

    def _item_null_error(self, item: TypeRef, path: PathLink, index: int) -> None:
        self._error(
            f"Cannot return null for non-nullable array element of type {item.name} "
            f"at index {index}.",
            path,
            False,
        )

    def _invalid_value(self, field: CollectedField, path: PathLink) -> None:
        self._error(f"Invalid value found for field {field.parent}.{field.name}.", path, True)

    def _error(self, message: str, link: PathLink, always: bool) -> None:
        path = _listed(link)
        if not always and self._explained(path):
            return
        self.errors.append({"message": message, "path": path})

    def _explained(self, path: list[Any]) -> bool:
        if self.explain_all:
            return True
        n = len(path)
        for other in self.error_paths:
            m = min(n, len(other))
            if other[:m] == path[:m]:
                return True
        return False


def _listed(link: PathLink) -> list[Any]:
    out: list[Any] = []
    while link is not None:
        link, key = link
        out.append(key)
    out.reverse()
    return out


def _where(link: PathLink) -> str:
    path = _listed(link)
    return "path " + ".".join(str(p) for p in path) if path else "the root"
