"""``@override(from:, label:)``: validation and the resulting per-subgraph merge state."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gateway.compose.context import Ctx, Sources
from gateway.compose.federation import string_arg
from gateway.compose.subgraph import Field

_LABEL = re.compile(r"^[a-zA-Z][a-zA-Z0-9_\-:./]*$")
_PERCENT = re.compile(r"^percent\((\d{1,2}(\.\d{1,8})?|100)\)$")


@dataclass(slots=True)
class OverrideState:
    used: set[int] = field(default_factory=set)
    unused: set[int] = field(default_factory=set)
    unknown_target: set[int] = field(default_factory=set)
    labels: dict[int, str] = field(default_factory=dict)

    def used_overridden(self, idx: int) -> bool:
        return idx in self.used

    def unused_overridden(self, idx: int) -> bool:
        return idx in self.unused

    def label(self, idx: int) -> str | None:
        return self.labels.get(idx)

    def forces_join_field(self) -> bool:
        return bool(self.used or self.labels)


def validate_override(
    ctx: Ctx, sources: Sources[Field], coordinate: str, kind: str
) -> OverrideState:
    state = OverrideState()
    overrides = {
        i: a
        for i, f in sources.items()
        if f is not None
        for a in ctx.subgraphs[i].applied(f, "override")[:1]
    }
    with_override = {ctx.names[i] for i in overrides}
    for idx, applied in overrides.items():
        name = ctx.names[idx]
        if kind == "INTERFACE":
            ctx.diag.error(
                "OVERRIDE_ON_INTERFACE",
                (
                    f'@override cannot be used on field "{coordinate}" on subgraph "{name}": '
                    "@override is not supported on interface type fields."
                ),
                subgraph=name,
                coordinate=coordinate,
            )
            continue
        source = string_arg(applied, "from") or ""
        if source not in ctx.names:
            state.unknown_target.add(idx)
            ctx.diag.hint(
                "FROM_SUBGRAPH_DOES_NOT_EXIST",
                (
                    f'Source subgraph "{source}" for field "{coordinate}" on subgraph "{name}" '
                    "does not exist."
                ),
                coordinate,
            )
            continue
        if source == name:
            ctx.diag.error(
                "OVERRIDE_FROM_SELF_ERROR",
                (
                    f'Source and destination subgraphs "{source}" are the same for overridden '
                    f'field "{coordinate}"'
                ),
                subgraph=name,
                coordinate=coordinate,
            )
            continue
        if source in with_override:
            ctx.diag.error(
                "OVERRIDE_SOURCE_HAS_OVERRIDE",
                (
                    f'Field "{coordinate}" on subgraph "{name}" is also marked with directive '
                    f'@override in subgraph "{source}". Only one @override directive is allowed '
                    "per field."
                ),
                subgraph=name,
                coordinate=coordinate,
            )
            continue
        from_idx = ctx.names.index(source)
        from_field = sources.get(from_idx)
        if from_field is None:
            ctx.diag.hint(
                "OVERRIDE_DIRECTIVE_CAN_BE_REMOVED",
                (
                    f'Field "{coordinate}" on subgraph "{name}" no longer exists in the from '
                    "subgraph. The @override directive can be removed."
                ),
                coordinate,
            )
            continue
        from_sub, from_info = ctx.subgraphs[from_idx], ctx.infos[from_idx]
        conflict = next((d for d in ("requires", "provides") if from_sub.has(from_field, d)), None)
        own = sources[idx]
        if conflict is None and own is not None and ctx.infos[idx].is_external(own):
            conflict = "external"
        if conflict is not None:
            ctx.diag.error(
                "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE",
                (
                    f'@override cannot be used on field "{coordinate}" on subgraph "{name}" '
                    f'since "{coordinate}" on "{source if conflict != "external" else name}" '
                    f'is marked with directive "@{conflict}"'
                ),
                subgraph=name,
                coordinate=coordinate,
            )
            continue
        label = string_arg(applied, "label")
        if from_info.is_external(from_field):
            ctx.diag.hint(
                "OVERRIDE_DIRECTIVE_CAN_BE_REMOVED",
                (
                    f'Field "{coordinate}" on subgraph "{name}" is not resolved anymore by the '
                    f'from subgraph (it is marked "@external" in "{source}"). The @override '
                    "directive can be removed."
                ),
                coordinate,
            )
        elif from_info.is_used(from_field):
            state.used.add(from_idx)
        else:
            state.unused.add(from_idx)
        if label is not None:
            percent = _PERCENT.match(label)
            if _LABEL.match(label) or (percent and 0 <= float(percent[1]) <= 100):
                state.labels[idx] = label
                state.labels[from_idx] = label
                ctx.diag.hint(
                    "OVERRIDE_MIGRATION_IN_PROGRESS",
                    (
                        f'Field "{coordinate}" is currently being '
                        "migrated with progressive @override. "
                        "Once the migration is complete, remove the "
                        f'field from subgraph "{source}".'
                    ),
                    coordinate,
                )
            else:
                ctx.diag.error(
                    "OVERRIDE_LABEL_INVALID",
                    (
                        f'Invalid @override label "{label}" on field "{coordinate}" on subgraph '
                        f'"{name}": labels must start with a letter '
                        "and after that may contain alphanumerics, "
                        "underscores, minuses, colons, periods, or slashes. Alternatively, labels "
                        'may be of the form "percent(x)" where x '
                        "is a float between 0-100 inclusive."
                    ),
                    subgraph=name,
                    coordinate=coordinate,
                )
        else:
            ctx.diag.hint(
                "OVERRIDDEN_FIELD_CAN_BE_REMOVED",
                (
                    f'Field "{coordinate}" on subgraph "{source}" is overridden. Consider removing '
                    "it."
                ),
                coordinate,
            )
    return state
