"""The executor's hot loops, written to be compiled by mypyc: flatten targets, flat entity
representations, deep merge, and response shaping.

Self-contained on purpose (standard library and orjson only): ``tools/native/build.py``
compiles a copy of this file alone, in a scratch directory, into
``gateway/executor/_kernel_native*.so``; ``gateway/executor/native.py`` loads that module
(or, when it is not built or is stale, keeps the pure-Python reference modules). Behaviour is
the reference's, value for value and error for error — ``flatten.py``, ``merge.py``,
``representations.py`` and ``shaping/shape.py`` are the specification: every executor test
runs on both (``tests/unit/gateway/executor/conftest.py``),
``test_executor_representations_parity.py`` compares the representations on random objects
and ``test_executor_kernel_parity.py`` whole answers. Objects the kernel does not know
(``SelectionPlan``, ``SchemaIndex``, leaf checks) are reached through their Python
attributes; everything walked per object is a native class.
"""

from __future__ import annotations

from typing import Any, Final

import orjson

_FRAGMENT: Final = "... on "
_INT_MIN: Final = -(2**31)
_INT_MAX: Final = 2**31 - 1

# field modes (same numbers as gateway.executor.shaping.selections)
LEAF_ANY: Final = 0
LEAF_STRING: Final = 1
LEAF_ID: Final = 2
LEAF_BOOLEAN: Final = 3
LEAF_INT: Final = 4
LEAF_CHECKED: Final = 5
NESTED: Final = 6
TYPENAME: Final = 7
INTROSPECTION: Final = 8
_MEMO_LIMIT: Final = 256


def _json_key(name: str) -> str:
    """``name`` as the object orjson gives for that key (``gateway/json_keys.py``; the
    kernel is compiled alone, so it makes its own): lookups with it end at identity."""
    parsed: dict[str, Any] = orjson.loads(orjson.dumps({name: None}))
    for key in parsed:
        return key
    return name


_TYPENAME = _json_key("__typename")


class _Bubble:
    pass


BUBBLE: Final = _Bubble()  # "this position is null and its error is already accounted for"
_MISSING: Final = _Bubble()


# --------------------------------------------------------------------------- flatten
def _matches(typename: str, condition: str, possible: dict[str, frozenset[str]]) -> bool:
    if typename == condition:
        return True
    members = possible.get(condition)
    return members is not None and typename in members


def collect_targets(
    data: dict[str, Any], path: tuple[str, ...], possible: dict[str, frozenset[str]]
) -> list[tuple[Any, Any]]:
    """``flatten.collect_targets``: the objects ``path`` reaches, each with its path link."""
    current: list[tuple[Any, Any]] = [(data, None)]
    for element in path:
        found: list[tuple[Any, Any]] = []
        if element == "@":
            for value, link in current:
                if type(value) is list:
                    index = 0
                    for item in value:
                        if item is not None:
                            found.append((item, (link, index)))
                        index += 1
                elif type(value) is dict:
                    found.append((value, link))
        elif element.startswith(_FRAGMENT):
            conditions = element[len(_FRAGMENT) :].split("|")
            for value, link in _objects(current):
                obj: dict[str, Any] = value
                typename = obj.get(_TYPENAME)
                if isinstance(typename, str):
                    for condition in conditions:
                        if _matches(typename, condition, possible):
                            found.append((obj, link))
                            break
        else:
            for value, link in _objects(current):
                parent: dict[str, Any] = value
                child = parent.get(element)
                if child is not None:
                    found.append((child, (link, element)))
        if not found:
            return []
        current = found
    return _objects(current)


def _objects(entries: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """The dicts among ``entries``, with lists (nested too) flattened into their items."""
    for value, _ in entries:
        if type(value) is not dict:
            break
    else:
        return entries
    out: list[tuple[Any, Any]] = []
    for value, link in entries:
        _flatten_into(value, link, out)
    return out


def _flatten_into(value: Any, link: Any, out: list[tuple[Any, Any]]) -> None:
    if type(value) is dict:
        out.append((value, link))
    elif type(value) is list:
        index = 0
        for item in value:
            if item is not None:
                _flatten_into(item, (link, index), out)
            index += 1


# --------------------------------------------------------------------------- representations
class _Layout:
    """What a ``requires`` reads from objects of one ``__typename``: the (key, name) pairs of
    the conditions that apply, and the representations made so far, by the values of the
    pairs other than ``__typename`` (the layout stands for that)."""

    def __init__(self, keys: list[str], names: list[str]) -> None:
        self.keys = keys
        self.names = names
        plain: list[str] = []
        for key in keys:
            if key != "__typename":
                plain.append(key)
        self.plain = plain
        self.index_of: dict[object, int] = {}


def _layout(
    flat: list[tuple[str | None, tuple[tuple[str, str], ...]]],
    typename: str,
    possible: dict[str, frozenset[str]],
) -> _Layout:
    keys: list[str] = []
    names: list[str] = []
    for condition, pairs in flat:
        if condition is not None and typename != condition:
            if not _matches(typename, condition, possible):
                continue
        for key, name in pairs:
            keys.append(key)
            names.append(name)
    return _Layout(keys, names)


def flat_representations(
    targets: list[tuple[Any, ...]],
    flat: list[tuple[str | None, tuple[tuple[str, str], ...]]],
    possible: dict[str, frozenset[str]],
) -> tuple[list[dict[str, Any]], list[list[tuple[Any, ...]]]]:
    """``build_representations`` for a flat ``requires`` (``representations._flat``) without
    input rewrites: deduplicated representations and the targets of each. (Targets are typed
    ``tuple[Any, ...]``: as ``tuple[Any, Any]`` mypyc would unpack each and build a new tuple
    to store it.)

    The pairs that apply depend on an object's ``__typename`` alone, so they are worked out
    once per type name (``_Layout``), and an object is told apart from the others of its type
    by the values of the other pairs — one value itself, several as a tuple."""
    all_names = [name for _, pairs in flat for _, name in pairs]
    if len(set(all_names)) != len(all_names):  # a later value overwrites an earlier
        return _flat_representations_any(targets, flat, possible)
    representations: list[dict[str, Any]] = []
    owners: list[list[tuple[Any, ...]]] = []
    layouts: dict[str, _Layout] = {}
    odd_index: dict[object, int] = {}  # objects whose __typename is not a string (garbage)
    last_name = ""  # the type name of the previous object (most are of one type)
    layout: _Layout | None = None
    for target in targets:
        obj: dict[str, Any] = target[0]
        typename = obj.get(_TYPENAME)
        if type(typename) is not str:
            # garbage from an upstream: the general rule (no type condition applies)
            _one_representation(target, flat, possible, False, odd_index, representations, owners)
            continue
        if layout is None or typename != last_name:
            layout = layouts.get(typename)
            if layout is None:
                layout = _layout(flat, typename, possible)
                layouts[typename] = layout
            last_name = typename
        plain = layout.plain
        ident: object
        if len(plain) == 1:
            ident = obj.get(plain[0], _MISSING)
            if ident is _MISSING:
                continue
        else:
            values: list[Any] = []
            for key in plain:
                value = obj.get(key, _MISSING)
                if value is _MISSING:
                    break
                values.append(value)
            if len(values) != len(plain):
                continue
            ident = tuple(values)
        index_of = layout.index_of
        try:
            index = index_of.get(ident)
        except TypeError:  # a list or object value: not hashable
            ident = orjson.dumps(_layout_values(layout, obj), option=orjson.OPT_SORT_KEYS)
            index = index_of.get(ident)
        if index is None:
            rep = _layout_representation(layout, obj)
            _register(target, ident, rep, index_of, representations, owners)
        elif index >= 0:
            owners[index].append(target)
    return representations, owners


def _register(
    target: tuple[Any, ...],
    ident: object,
    rep: dict[str, Any] | None,
    index_of: dict[object, int],
    representations: list[dict[str, Any]],
    owners: list[list[tuple[Any, ...]]],
) -> None:
    """A representation seen for the first time, and its first target; one never sent (a
    value missing, or no truthy ``__typename``) is remembered as -1."""
    if rep is None or not rep.get(_TYPENAME):
        index_of[ident] = -1
        return
    index_of[ident] = len(representations)
    representations.append(rep)
    owners.append([target])


def _layout_values(layout: _Layout, obj: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    for key in layout.plain:
        out.append(obj.get(key))
    return out


def _layout_representation(layout: _Layout, obj: dict[str, Any]) -> dict[str, Any] | None:
    """The representation of ``obj`` (None when a value is missing)."""
    rep: dict[str, Any] = {}
    names = layout.names
    i = 0
    for key in layout.keys:
        value = obj.get(key, _MISSING)
        if value is _MISSING:
            return None
        rep[names[i]] = value
        i += 1
    return rep


def _flat_representations_any(
    targets: list[tuple[Any, ...]],
    flat: list[tuple[str | None, tuple[tuple[str, str], ...]]],
    possible: dict[str, frozenset[str]],
) -> tuple[list[dict[str, Any]], list[list[tuple[Any, ...]]]]:
    """``flat_representations`` for any flat ``requires`` and any objects, one at a time."""
    representations: list[dict[str, Any]] = []
    owners: list[list[tuple[Any, ...]]] = []
    index_of: dict[object, int] = {}
    all_names = [name for _, pairs in flat for _, name in pairs]
    repeated = len(set(all_names)) != len(all_names)  # a later value overwrites an earlier
    for target in targets:
        _one_representation(target, flat, possible, repeated, index_of, representations, owners)
    return representations, owners


def _one_representation(
    target: tuple[Any, ...],
    flat: list[tuple[str | None, tuple[tuple[str, str], ...]]],
    possible: dict[str, frozenset[str]],
    repeated: bool,
    index_of: dict[object, int],
    representations: list[dict[str, Any]],
    owners: list[list[tuple[Any, ...]]],
) -> None:
    """The reference's rule for one object: the pairs of the conditions its ``__typename``
    satisfies; sent when every value is there and its ``__typename`` is truthy; identical
    representations once (the names depend on the type name, one of the values, so the
    values identify a representation)."""
    obj: dict[str, Any] = target[0]
    typename = obj.get(_TYPENAME)
    names: list[str] = []
    values: list[Any] = []
    for condition, pairs in flat:
        if condition is not None and typename != condition:
            if type(typename) is not str or not _matches(typename, condition, possible):
                continue
        for key, name in pairs:
            value = obj.get(key, _MISSING)
            if value is _MISSING:
                return
            names.append(name)
            values.append(value)
    ident: object = tuple(_representation(names, values).items()) if repeated else tuple(values)
    try:
        index = index_of.get(ident)
    except TypeError:  # a list or object value: not hashable
        ident = orjson.dumps(_representation(names, values), option=orjson.OPT_SORT_KEYS)
        index = index_of.get(ident)
    if index is None:
        _register(target, ident, _representation(names, values), index_of, representations, owners)
    elif index >= 0:
        owners[index].append(target)


def _representation(names: list[str], values: list[Any]) -> dict[str, Any]:
    rep: dict[str, Any] = {}
    i = 0
    for name in names:
        rep[name] = values[i]
        i += 1
    return rep


# --------------------------------------------------------------------------- merge
def deep_merge(target: dict[str, Any], source: dict[str, Any], abstract: frozenset[str]) -> None:
    """``merge.deep_merge``."""
    for key, value in source.items():
        current = target.get(key)
        if current is None:
            target[key] = value
        elif type(value) is dict:
            if type(current) is dict:
                deep_merge(current, value, abstract)
            else:
                target[key] = value
        elif type(value) is list:
            if type(current) is list and len(current) == len(value):
                _merge_lists(current, value, abstract)
            else:
                target[key] = value
        elif key == "__typename" and value in abstract:
            continue
        else:
            target[key] = value


def _merge_lists(current: list[Any], incoming: list[Any], abstract: frozenset[str]) -> None:
    index = 0
    for value in incoming:
        existing = current[index]
        if type(existing) is dict and type(value) is dict:
            deep_merge(existing, value, abstract)
        elif type(existing) is list and type(value) is list and len(existing) == len(value):
            _merge_lists(existing, value, abstract)
        else:
            current[index] = value
        index += 1


def merge_entities(
    entities: list[Any], owners: list[list[tuple[Any, Any]]], abstract: frozenset[str]
) -> None:
    """Each entity (null ones skipped) into every target of its representation."""
    index = 0
    for entity in entities:
        if type(entity) is dict:
            for target in owners[index]:
                deep_merge(target[0], entity, abstract)
        index += 1


# --------------------------------------------------------------------------- shaping
class KType:
    """``typeref.TypeRef`` as a native record."""

    def __init__(
        self,
        non_null: bool,
        name: str,
        item: KType | None,
        leaf: Any,
        object_name: str | None,
    ) -> None:
        self.non_null = non_null
        self.name = name
        self.item = item
        self.leaf = leaf
        self.object_name = object_name


class KField:
    """``selections.CollectedField`` as a native record."""

    def __init__(
        self,
        key: str,
        name: str,
        mode: int,
        ftype: KType | None,
        child: Any,
        parent: str,
        non_null: bool,
        valid_typename: bool,
    ) -> None:
        self.key = key
        self.name = name
        self.mode = mode
        self.type = ftype
        self.child = child
        self.parent = parent
        self.non_null = non_null
        self.valid_typename = valid_typename  # TYPENAME: the runtime type is an object type


def _ktype(ref: Any, cache: dict[int, tuple[Any, KType]]) -> KType:
    found = cache.get(id(ref))
    if found is not None and found[0] is ref:
        return found[1]
    item = ref.item
    out = KType(
        bool(ref.non_null),
        str(ref.name),
        _ktype(item, cache) if item is not None else None,
        ref.leaf,
        ref.object_name,
    )
    cache[id(ref)] = (ref, out)
    return out


_TYPES: dict[int, tuple[Any, KType]] = {}  # TypeRefs live as long as their SchemaIndex


def _program(collected: Any, runtime: str, index: Any) -> tuple[KField, ...]:
    if len(_TYPES) > 100_000:
        _TYPES.clear()
    out: list[KField] = []
    for field in collected:
        ref = field.type
        mode: int = field.mode
        valid = bool(index.is_object(runtime)) if mode == TYPENAME else False
        out.append(
            KField(
                str(field.key),
                str(field.name),
                mode,
                _ktype(ref, _TYPES) if ref is not None else None,
                field.child,
                str(field.parent),
                bool(field.non_null),
                valid,
            )
        )
    return tuple(out)


class Shaper:
    """``shape._Shaper``: one pass over the result tree for one request."""

    def __init__(
        self,
        index: Any,
        signature: tuple[bool, ...],
        truth: dict[str, bool],
        execution_errors: list[dict[str, Any]],
        introspection: dict[str, Any],
        invalid: object,
    ) -> None:
        self.index = index
        self.signature = signature
        self.truth = truth
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
        self.invalid = invalid
        self.at: list[Any] = []  # the path of what is being shaped (no tuple per object)

    def fields(self, plan: Any, runtime: str) -> tuple[KField, ...]:
        memo: dict[object, tuple[KField, ...]] = plan._native
        key: object = (runtime, self.signature) if self.signature else runtime
        found = memo.get(key)
        if found is not None:
            return found
        collected = plan.collect(runtime, self.signature, self.truth, self.index)
        program = _program(collected, runtime, self.index)
        if len(memo) < _MEMO_LIMIT:
            memo[key] = program
        return program

    def object(self, obj: dict[str, Any], plan: Any, runtime: str) -> Any:
        """``obj`` shaped; ``self.at`` holds its path (keys and indexes), which errors copy."""
        return self.build(obj, self.fields(plan, runtime), runtime)

    def build(self, obj: dict[str, Any], fields: tuple[KField, ...], runtime: str) -> Any:
        """``object`` with its fields looked up already (once for a list's items)."""
        out: dict[str, Any] = {}
        for field in fields:
            key = field.key
            mode = field.mode
            if mode <= NESTED:
                value = obj.get(key)
                if value is None:
                    if field.non_null:
                        self._null_error(field, key)
                        return BUBBLE
                    out[key] = None
                elif mode == LEAF_STRING:
                    if type(value) is str:
                        out[key] = value
                    elif self._bad_leaf(field, key):
                        return BUBBLE
                    else:
                        out[key] = None
                elif mode == LEAF_ID:
                    if type(value) is str or type(value) is int:
                        out[key] = value
                    elif self._bad_leaf(field, key):
                        return BUBBLE
                    else:
                        out[key] = None
                elif mode == LEAF_BOOLEAN:
                    if type(value) is bool:
                        out[key] = value
                    elif self._bad_leaf(field, key):
                        return BUBBLE
                    else:
                        out[key] = None
                elif mode == LEAF_INT and type(value) is int and _INT_MIN <= value <= _INT_MAX:
                    out[key] = value
                elif mode == LEAF_ANY:
                    out[key] = value
                elif mode == LEAF_CHECKED or mode == LEAF_INT:
                    ftype = field.type
                    assert ftype is not None
                    checked = ftype.leaf(value)
                    if checked is not self.invalid:
                        out[key] = checked
                    elif self._bad_leaf(field, key):
                        return BUBBLE
                    else:
                        out[key] = None
                else:
                    ftype = field.type
                    assert ftype is not None
                    at = self.at
                    at.append(key)
                    completed = self.complete(value, ftype, field)
                    at.pop()
                    if completed is BUBBLE:
                        if field.non_null:
                            return BUBBLE
                        completed = None
                    out[key] = completed
            elif mode == TYPENAME:
                if not field.valid_typename:
                    # Only an @interfaceObject subgraph answered: the real type is unknown.
                    self._error(
                        f"Invalid __typename found for object at {_where(self.at)}.",
                        list(self.at),
                        True,
                    )
                    return BUBBLE
                out[key] = runtime
            elif mode == INTROSPECTION:
                out[key] = self.intro.get(key)
            else:
                out[key] = None
        return out

    def _bad_leaf(self, field: KField, key: Any) -> bool:
        """Report an invalid leaf (at ``key`` below ``self.at``); True when the null it
        becomes must bubble."""
        self._invalid_value(field, self._below(key))
        return field.non_null

    def _below(self, key: Any) -> list[Any]:
        path = list(self.at)
        path.append(key)
        return path

    def complete(self, value: Any, ftype: KType, field: KField) -> Any:
        """Complete a non-null value of a list or composite type (its path: ``self.at``)."""
        item = ftype.item
        at = self.at
        if item is not None:
            if type(value) is not list:
                self._invalid_value(field, list(at))
                return BUBBLE
            values: list[Any] = value
            out: list[Any] = []
            non_null = item.non_null
            runtime = item.object_name
            child = field.child
            i = 0
            if runtime is not None and child is not None:
                # A list of one object type: the common case, without a complete() per item
                # and with the items' fields looked up once.
                fields = self.fields(child, runtime)
                for element in values:
                    if element is None:
                        if non_null:
                            self._item_null_error(item, self._below(i), i)
                            return BUBBLE
                        out.append(None)
                    elif type(element) is dict:
                        at.append(i)
                        shaped = self.build(element, fields, runtime)
                        at.pop()
                        if shaped is BUBBLE:
                            if non_null:
                                return BUBBLE
                            shaped = None
                        out.append(shaped)
                    else:
                        self._invalid_value(field, self._below(i))
                        if non_null:
                            return BUBBLE
                        out.append(None)
                    i += 1
                return out
            leaf = item.leaf
            nested = leaf is None or item.item is not None
            for element in values:
                if element is None:
                    if non_null:
                        self._item_null_error(item, self._below(i), i)
                        return BUBBLE
                    out.append(None)
                elif nested:
                    at.append(i)
                    shaped = self.complete(element, item, field)
                    at.pop()
                    if shaped is BUBBLE:
                        if non_null:
                            return BUBBLE
                        shaped = None
                    out.append(shaped)
                else:
                    checked = leaf(element)
                    if checked is self.invalid:
                        self._invalid_value(field, self._below(i))
                        if non_null:
                            return BUBBLE
                        checked = None
                    out.append(checked)
                i += 1
            return out
        if type(value) is not dict or field.child is None:
            self._invalid_value(field, list(at))
            return BUBBLE
        runtime_name = ftype.object_name
        if runtime_name is None:
            runtime_name = self._runtime_type(value, ftype, field)
            if runtime_name is None:
                return BUBBLE
        return self.object(value, field.child, runtime_name)

    def _runtime_type(self, value: dict[str, Any], ftype: KType, field: KField) -> str | None:
        typename = value.get(_TYPENAME)
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
            list(self.at),
            True,
        )
        return None

    # ------------------------------------------------------------------ errors
    def _null_error(self, field: KField, key: Any) -> None:
        self._error(
            f"Cannot return null for non-nullable field {field.parent}.{field.name}.",
            self._below(key),
            False,
        )

    def _item_null_error(self, item: KType, path: list[Any], index: int) -> None:
        self._error(
            f"Cannot return null for non-nullable array element of type {item.name} "
            f"at index {index}.",
            path,
            False,
        )

    def _invalid_value(self, field: KField, path: list[Any]) -> None:
        self._error(f"Invalid value found for field {field.parent}.{field.name}.", path, True)

    def _error(self, message: str, path: list[Any], always: bool) -> None:
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


def _where(path: list[Any]) -> str:
    return "path " + ".".join(str(p) for p in path) if path else "the root"


def shape(shaper: Shaper, data: dict[str, Any], plan: Any, root_type: str) -> dict[str, Any] | None:
    """The client's ``data`` (None when a null reached the root); errors in ``shaper``."""
    out = shaper.object(data, plan, root_type)
    if out is BUBBLE:
        return None
    result: dict[str, Any] = out
    return result
