"""What the image must be (issue 13): checks on the Dockerfile text and the two locks.

``docker build`` cannot run here, so the rules are read from the Dockerfile itself:
several stages, every base pinned (exact version or digest), the last stage runs as a
non-root numeric user with a HEALTHCHECK, and it installs the runtime lock only. Each
function returns the problems it finds as sentences (empty: fine), so a test can show a
broken file being refused.
"""

from __future__ import annotations

import io
import re
import shlex
import tomllib
from dataclasses import dataclass, field

from dockerfile_parse import DockerfileParser

# x.y.z somewhere in the tag (python:3.11.14-slim-bookworm), or a digest
_EXACT_TAG = re.compile(r":[^/@]*\d+\.\d+\.\d+[^/@]*$")
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
# tools a running process never needs; none may be in the runtime lock
DEV_TOOLS = {"pytest", "mypy", "ruff", "uv", "hypothesis", "pip-tools", "coverage", "black"}


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)


def stages(text: str) -> list[Stage]:
    parser = DockerfileParser(fileobj=io.BytesIO(text.encode()))
    images = iter(parser.parent_images)  # FROM images with build ARGs substituted
    out: list[Stage] = []
    for ins in parser.structure:
        kind, value = ins["instruction"], ins["value"]
        if kind == "FROM":
            words = value.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            out.append(Stage(next(images), name))
        elif kind != "COMMENT" and out:
            out[-1].instructions.append((kind, value))
    return out


def pinned(image: str) -> bool:
    return bool(_DIGEST.search(image) or _EXACT_TAG.search(image))


def dockerfile_problems(text: str) -> list[str]:
    found = stages(text)
    problems: list[str] = []
    if len(found) < 2:
        problems.append(f"expected a build stage and a runtime stage, found {len(found)} stage(s)")
    names = {stage.name for stage in found if stage.name}
    for stage in found:
        if stage.image in names:  # FROM an earlier stage
            continue
        if not pinned(stage.image):
            problems.append(f"base image {stage.image} is not pinned to an exact version/digest")
    if not found:
        return problems
    last = found[-1]
    users = [value for kind, value in last.instructions if kind == "USER"]
    if not users:
        problems.append("the runtime stage sets no USER (it would run as root)")
    else:
        user = users[-1].split(":")[0]
        if not user.isdigit():
            problems.append(f"USER {users[-1]} is not numeric (runAsNonRoot cannot verify a name)")
        elif int(user) == 0:
            problems.append("the runtime stage runs as root (USER 0)")
    if not any(kind == "HEALTHCHECK" for kind, _ in last.instructions):
        problems.append("the runtime stage has no HEALTHCHECK")
    everywhere = [value for stage in found for _, value in stage.instructions]
    if any("requirements-dev.lock" in value for value in everywhere):
        problems.append("the image installs the dev lock (requirements-dev.lock)")
    if not any("requirements.lock" in value for value in everywhere):
        problems.append("the image does not install the runtime lock (requirements.lock)")
    return problems


def lock_pins(text: str) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in text.splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", line)
        if m:
            pins[m.group(1).lower().replace("_", "-")] = m.group(2)
    return pins


def lock_problems(pyproject: str, runtime_lock: str, dev_lock: str) -> list[str]:
    project = tomllib.loads(pyproject)["project"]
    runtime, dev = lock_pins(runtime_lock), lock_pins(dev_lock)
    dev_extra = {
        re.split(r"[=<>~!\[ ]", d, maxsplit=1)[0].lower()
        for d in project["optional-dependencies"]["dev"]
    }
    problems = [
        f"the runtime lock has the dev tool {name}=={runtime[name]}"
        for name in sorted((DEV_TOOLS | dev_extra) & set(runtime))
    ]
    for dep in project["dependencies"]:
        name, _, version = dep.partition("==")
        if runtime.get(name.lower()) != version:
            problems.append(f"{dep} (pyproject) is locked as {runtime.get(name.lower())}")
    for name, version in runtime.items():
        if dev.get(name) != version:
            problems.append(f"{name}: runtime lock {version}, dev lock {dev.get(name)}")
    missing = sorted(n for n in dev_extra if n not in dev)
    if missing:
        problems.append(f"the dev lock lacks {', '.join(missing)}")
    return problems


def _env(value: str) -> dict[str, str]:
    """``ENV A=1 B=2`` (the legacy ``ENV A 1`` form too)."""
    words = shlex.split(value)
    if words and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    return dict(word.split("=", 1) for word in words)


def _copy_from(value: str) -> tuple[str | None, list[str]]:
    words = value.split()
    source = next((w.split("=", 1)[1] for w in words if w.startswith("--from=")), None)
    return source, [w for w in words if not w.startswith("--")]


WEBASSETS = "rumah.common.webassets"


def webasset_problems(text: str) -> list[str]:
    """The browser assets (GraphiQL, Monev's scripts) reach the runtime where it looks:
    a stage with node from a pinned node image runs ``webassets install``, ``export DIR``
    and ``check`` of DIR; the runtime copies DIR from it and sets ``RUMAH_CACHE_DIR=DIR``."""
    found = stages(text)
    problems: list[str] = []
    web = [
        s
        for s in found
        if any(kind == "RUN" and f"{WEBASSETS} install" in value for kind, value in s.instructions)
    ]
    if not web:
        return [f"no stage runs `python -m {WEBASSETS} install`"]
    stage = web[0]
    runs = " ".join(value for kind, value in stage.instructions if kind == "RUN")
    exported = re.search(rf"{re.escape(WEBASSETS)} export (\S+)", runs)
    if exported is None:
        return [
            f"stage {stage.name} does not `export` the served files (the whole node_modules "
            "would ship)"
        ]
    folder = exported.group(1)
    if not re.search(
        rf"RUMAH_CACHE_DIR={re.escape(folder)} python -m {re.escape(WEBASSETS)} "
        "check",
        runs,
    ):
        problems.append(f"stage {stage.name} does not `check` the exported {folder}")
    node_stages = {s.name for s in found if s.image.split("/")[-1].startswith("node:")}
    gets_node = stage.image.split("/")[-1].startswith("node:") or any(
        kind == "COPY" and _copy_from(value)[0] in node_stages for kind, value in stage.instructions
    )
    if not gets_node:
        problems.append(f"stage {stage.name} has no node/npm (FROM or COPY --from a node image)")
    runtime = found[-1]
    copied = [_copy_from(value) for kind, value in runtime.instructions if kind == "COPY"]
    targets = [
        paths[-1].rstrip("/")
        for source, paths in copied
        if source == stage.name and paths[0].rstrip("/") == folder
    ]
    env: dict[str, str] = {}
    for kind, value in runtime.instructions:
        if kind == "ENV":
            env.update(_env(value))
    if not targets:
        problems.append(f"the runtime stage does not copy {folder} from stage {stage.name}")
    elif env.get("RUMAH_CACHE_DIR") != targets[0]:
        problems.append(
            f"the runtime copies the assets to {targets[0]}, but RUMAH_CACHE_DIR is "
            f"{env.get('RUMAH_CACHE_DIR')}"
        )
    return problems


def runtime_copies(text: str) -> list[str]:
    """What the runtime stage copies from the build context (not from another stage)."""
    runtime = stages(text)[-1]
    out: list[str] = []
    for kind, value in runtime.instructions:
        source, paths = _copy_from(value) if kind == "COPY" else (None, [])
        if kind == "COPY" and source is None:
            out += [p.rstrip("/") for p in paths[:-1]]
    return out
