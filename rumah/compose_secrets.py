"""``make compose-secrets``: the files docker-compose.yml mounts as secrets, made once.

Random values, written under ``var/compose-secrets/`` (git-ignored); an existing file is
kept, so running it again never changes a password the MongoDB volume already holds.

Who may read them: Compose mounts a file secret into the container as it is on the host —
owner and mode included (``uid``/``gid``/``mode`` apply to Swarm only, docker/compose#9648)
— and the containers read them as uid 10001 (Rumah) and 999 (MongoDB), not as the host
user. So the folder is private (0700: nobody else on the host gets in) and the files in it
are readable (0644: any container user can read the one file mounted into it).
The application's MongoDB URL is built from the same password as the user the MongoDB
container creates on its first start; the subgraphs' public key from the gateway's signing
key, and Monev's role tokens from the gateway's token map, so files made apart still agree.
The access secrets (docs/access.md) are made as `rumah run` makes its local ones
(rumah/dev_credentials.py): the principals with their scopes, one webhook secret per OPD
service (the service and its simulator mount the same file), the gateway's signing key and
the page-cursor key.
"""

from __future__ import annotations

import functools
import json
import secrets
import sys
from collections.abc import Callable
from pathlib import Path

from rumah.common.keys import load_private_key, public_pem
from rumah.dev_credentials import new_credentials
from services.kit.scopes import SERVICES

FILE_MODE = 0o644  # inside a 0700 folder: see the module's docstring


def webhook_file(service: str) -> str:
    return f"{service}_webhook_secret"


def _roles(gateway_tokens: str) -> dict[str, str]:
    """role → token, read back from the gateway's token map."""
    return {who["role"]: token for token, who in json.loads(gateway_tokens).items()}


def _files(read: Callable[[str], str]) -> dict[str, Callable[[], str]]:
    fresh = new_credentials()  # only the parts whose file is missing are used
    principals = fresh["principals"]
    gateway = {token: principals[role] for role, token in fresh["tokens"].items()}
    files: dict[str, Callable[[], str]] = {
        "mongo_root_password": lambda: secrets.token_hex(24),
        "mongo_app_password": lambda: secrets.token_hex(24),
        "mongo_url": lambda: (
            f"mongodb://rumah:{read('mongo_app_password')}@mongo:27017/?authSource=admin"
        ),
        "gateway_tokens.json": lambda: json.dumps(gateway, indent=2),
        "monev_credentials.json": lambda: json.dumps(
            {"tokens": _roles(read("gateway_tokens.json"))}, indent=2
        ),
        "monev_session_secret": lambda: secrets.token_urlsafe(48),
        "gateway_signing_key": lambda: fresh["gateway_signing_key"]["private"].strip(),
        "gateway_public_keys": lambda: public_pem(
            load_private_key(read("gateway_signing_key"), "gateway_signing_key")
        ).strip(),
        "subgraph_cursor_key": lambda: str(fresh["subgraph_cursor_key"]),
    }
    for service in SERVICES:
        files[webhook_file(service)] = functools.partial(str, fresh["webhook_secrets"][service])
    return files


def write_secrets(folder: Path) -> list[str]:
    """Create the missing secret files in ``folder``; the names written."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.chmod(0o700)  # also when it exists (mkdir's mode applies to a new folder only)

    def read(name: str) -> str:
        return (folder / name).read_text().strip()

    written = []
    for name, make in _files(read).items():
        path = folder / name
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(make() + "\n")
            written.append(name)
        path.chmod(FILE_MODE)  # made by an older version 0600: unreadable in the containers
    return written


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "var/compose-secrets")
    written = write_secrets(folder)
    print(f"{folder}: {', '.join(written) if written else 'nothing new (all present)'}")


if __name__ == "__main__":
    main()
