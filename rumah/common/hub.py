"""Which hub runs on this machine: ``rumah run`` records its backend in
``<var>/run/hub.json``; CLI commands that read the hub's stores (``rumah ledger …``) use it.

Precedence for each backend variable: what the environment (or ``.env``) sets, then the
running hub's record, then the default. So after ``make run BACKEND=kafka`` a plain ``rumah
ledger verify`` reads the ledger that hub writes, and ``RUMAH_BACKEND=embedded rumah ledger
verify`` still reads the embedded one on purpose.

The record holds no secret: a MongoDB URL with a password is recorded redacted only, and a
command that needs it asks for ``RUMAH_MONGO_URL``. The record is removed when ``rumah run``
stops; one whose process is gone (a crash, a kill) is ignored.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from rumah.common.settings import RumahSettings, load_settings

ROOT = Path(__file__).resolve().parents[2]
# The RUMAH_ variables of the backends a hub records (values as the processes see them).
RECORDED = ("RUMAH_BACKEND", "RUMAH_DATA_DIR", "RUMAH_KAFKA_BOOTSTRAP", "RUMAH_MONGO_URL")


class HubFileSettings(RumahSettings):
    var_dir: Path = Path("var")  # as `rumah infra` (RUMAH_VAR_DIR): relative to the project


def hub_file(var_dir: Path | None = None) -> Path:
    base = var_dir if var_dir is not None else load_settings(HubFileSettings).var_dir
    return (base if base.is_absolute() else ROOT / base) / "run" / "hub.json"


@dataclass(frozen=True, slots=True)
class RunningHub:
    pid: int
    started_at: str
    variables: dict[str, str]  # RUMAH_BACKEND, … as recorded (no secret)
    shown: dict[str, str]  # for people: the same with credentials redacted
    path: Path

    def describe(self) -> str:
        return f"the hub started by `rumah run` (pid {self.pid}, {self.path})"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_hub(
    variables: dict[str, str], shown: dict[str, str], started_at: str, path: Path | None = None
) -> Path:
    """Record this process as the running hub (readable by its user only)."""
    target = path or hub_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    body = {"pid": os.getpid(), "startedAt": started_at, "variables": variables, "shown": shown}
    tmp = target.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(orjson.dumps(body, option=orjson.OPT_INDENT_2))
    tmp.replace(target)
    return target


def remove_hub(path: Path | None = None) -> None:
    """Forget the record, if it is this process's."""
    target = path or hub_file()
    found = read_hub(target)
    if found is not None and found.pid == os.getpid():
        with contextlib.suppress(FileNotFoundError):
            target.unlink()


def read_hub(path: Path | None = None) -> RunningHub | None:
    """The running hub's record; None when there is none or its process is gone."""
    target = path or hub_file()
    try:
        body: Any = orjson.loads(target.read_bytes())
        pid = int(body["pid"])
        variables = {str(k): str(v) for k, v in body["variables"].items()}
        shown = {str(k): str(v) for k, v in (body.get("shown") or variables).items()}
        started = str(body.get("startedAt", "?"))
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
        return None
    if not _alive(pid):
        return None
    return RunningHub(pid, started, variables, shown, target)
