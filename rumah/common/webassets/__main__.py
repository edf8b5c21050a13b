"""``python -m rumah.common.webassets install|check|export DIR``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rumah.common.webassets import AssetsMissing, export, install, install_dir, missing


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "install":
        try:
            print(f"web assets: {install()}")
        except (AssetsMissing, subprocess.CalledProcessError) as exc:
            print(f"web assets: {exc}", file=sys.stderr)
            return 1
        return 0
    if command == "check":
        gone = missing()
        if gone:
            print(f"web assets missing in {install_dir()}: {', '.join(gone)}", file=sys.stderr)
            return 1
        print(f"web assets: {install_dir()}")
        return 0
    if command == "export" and len(argv) == 2:
        try:
            print(f"web assets: {export(Path(argv[1]))}")
        except (AssetsMissing, OSError) as exc:
            print(f"web assets: {exc}", file=sys.stderr)
            return 1
        return 0
    print("usage: python -m rumah.common.webassets install|check|export DIR", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
