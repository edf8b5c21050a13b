"""Print a merged supergraph the way Apollo's composition does (sorted definitions)."""

from __future__ import annotations

from graphql import print_ast

from gateway.compose.context import gql_string
from gateway.compose.join_spec import join_directives, join_types
from gateway.compose.supermodel import SArg, SDirectiveDef, SField, SType, Supergraph


def sort_key(name: str) -> tuple[str, str]:
    """Like JavaScript's ``localeCompare``: case-insensitive, ``_`` first, lower case wins ties."""
    return (name.replace("_", "\x01").lower(), name.swapcase())


def _block_string(value: str, prefer_multiple_lines: bool) -> str:
    single = "\n" not in value
    leading_space = value[:1] in (" ", "\t")
    multiple = not single or value.endswith('"') or value.endswith("\\") or prefer_multiple_lines
    result = "\n" if multiple and not (single and leading_space) else ""
    result += value + ("\n" if multiple else "")
    return '"""' + result.replace('"""', '\\"""') + '"""'


def _description(desc: str | None, indent: str = "", first: bool = True) -> str:
    """Apollo's ``printDescription``: long descriptions as blocks, blank line between items."""
    if desc is None:
        return ""
    prefix = indent if first else "\n" + indent
    return prefix + _block_string(desc, len(desc) > 70).replace("\n", "\n" + indent) + "\n"


def _arg(a: SArg) -> str:
    default = f" = {print_ast(a.default)}" if a.default is not None else ""
    directives = "".join(" " + d for d in a.directives)
    return f"{a.name}: {a.type}{default}{directives}"


def _args(args: dict[str, SArg], indent: str) -> str:
    if not args:
        return ""
    if all(not a.description for a in args.values()):
        return "(" + ", ".join(_arg(a) for a in args.values()) + ")"
    lines = [
        _description(a.description, "  " + indent, i == 0) + "  " + indent + _arg(a)
        for i, a in enumerate(args.values())
    ]
    return "(\n" + "\n".join(lines) + "\n" + indent + ")"


def _field(f: SField, is_input: bool, first: bool) -> str:
    default = f" = {print_ast(f.default)}" if is_input and f.default is not None else ""
    directives = "".join(" " + d for d in f.directives)
    desc = _description(f.description, "  ", first)
    return f"{desc}  {f.name}{_args(f.args, '  ')}: {f.type}{default}{directives}"


def _head(t: SType, keyword: str, has_body: bool) -> str:
    implements = " implements " + " & ".join(t.interfaces) if t.interfaces else ""
    text = f"{_description(t.description)}{keyword} {t.name}{implements}"
    if t.directives:
        text += "".join("\n  " + d for d in t.directives) + ("\n" if has_body else "")
    elif has_body:
        text += " "
    return text


def print_type(t: SType) -> str:
    if t.kind == "SCALAR":
        return _head(t, "scalar", False)
    if t.kind == "UNION":
        head = _head(t, "union", False) + ("\n" if t.directives and t.members else "")
        return head + (" = " + " | ".join(t.members) if t.members else "")
    if t.kind == "ENUM":
        values = [
            _description(v.description, "  ", i == 0)
            + "  "
            + v.name
            + "".join(" " + d for d in v.directives)
            for i, v in enumerate(t.values.values())
        ]
        return _head(t, "enum", True) + "{\n" + "\n".join(values) + "\n}"
    keyword = {"OBJECT": "type", "INTERFACE": "interface", "INPUT_OBJECT": "input"}[t.kind]
    fields = [_field(f, t.kind == "INPUT_OBJECT", i == 0) for i, f in enumerate(t.fields.values())]
    return _head(t, keyword, True) + "{\n" + "\n".join(fields) + "\n}"


def _directive_def(d: SDirectiveDef) -> str:
    repeatable = " repeatable" if d.repeatable else ""
    return (
        f"{_description(d.description)}directive @{d.name}{_args(d.args, '')}{repeatable} "
        f"on {' | '.join(d.locations)}"
    )


def print_supergraph(sg: Supergraph) -> str:
    """The supergraph SDL (deterministic: definitions sorted like Apollo's printer)."""
    major, minor = sg.join_version
    links = [
        '@link(url: "https://specs.apollo.dev/link/v1.0")',
        f'@link(url: "https://specs.apollo.dev/join/v{major}.{minor}", for: EXECUTION)',
        *sg.links,
    ]
    roots = "\n".join(f"  {op}: {name}" for op, name in sg.roots.items())
    schema = "schema" + "".join("\n  " + link for link in links) + "\n{\n" + roots + "\n}"
    directives = join_directives(sg.join_version)
    for text in sg.spec_directive_sdl:
        directives[text.split("(")[0].split(" ")[1][1:]] = text
    for d in sg.directive_defs.values():
        directives[d.name] = _directive_def(d)
    graph_values = "\n".join(
        f"  {value} @join__graph(name: {gql_string(name)}, url: {gql_string(url)})"
        for value, name, url in sg.graphs
    )
    types = join_types(sg.join_version, "enum join__Graph {\n" + graph_values + "\n}")
    types.update(sg.spec_type_sdl)
    for t in sg.types.values():
        types[t.name] = print_type(t)
    parts = [schema]
    parts += [directives[n] for n in sorted(directives, key=sort_key)]
    parts += [types[n] for n in sorted(types, key=sort_key)]
    return "\n\n".join(parts)
