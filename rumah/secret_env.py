"""``RUMAH_X_FILE=/run/secrets/x`` sets ``RUMAH_X`` from that file: the image's entrypoint.

Compose secrets (and Kubernetes secret volumes) arrive as files, while every setting is an
environment variable. Before the CLI starts, each ``RUMAH_*_FILE`` variable is replaced by
the variable without the suffix, holding the file's content (one trailing newline dropped).
Setting both forms, or naming a file that cannot be read, stops start-up with one line
naming the variable — never the value.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from pathlib import Path

SUFFIX = "_FILE"


class SecretFileError(ValueError):
    pass


def load_secret_files(environ: MutableMapping[str, str]) -> list[str]:
    """Resolve every ``RUMAH_*_FILE`` in ``environ`` in place; the names set, sorted."""
    done = []
    for name in sorted(k for k in environ if k.startswith("RUMAH_") and k.endswith(SUFFIX)):
        target = name[: -len(SUFFIX)]
        if target in environ:
            raise SecretFileError(f"{name} and {target} are both set: keep one")
        path = Path(environ[name])
        try:
            value = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SecretFileError(f"{name}: cannot read {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise SecretFileError(f"{name}: {path} is not UTF-8 text") from None
        environ[target] = value[:-1] if value.endswith("\n") else value
        del environ[name]
        done.append(target)
    return done


def main() -> None:
    try:
        load_secret_files(os.environ)
    except SecretFileError as exc:
        print(f"invalid setting: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    from rumah.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
