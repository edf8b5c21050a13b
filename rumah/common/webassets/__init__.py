"""Browser assets Rumah serves itself — no CDN, because a regency intranet may have no internet.

``package.json`` and ``package-lock.json`` beside this file pin every package; ``make install``
runs ``npm ci`` against the lock into ``$RUMAH_CACHE_DIR/web/<digest of the lock>/`` (so a new
lock installs beside the old one and worktrees can share the cache). Only the files listed
in ``FILES`` are served (``rumah.common.webassets.asgi.AssetApp``), each under a URL carrying
the lock's digest, so browsers may cache them for a year.

    python -m rumah.common.webassets install    # idempotent; what `make install` runs
    python -m rumah.common.webassets check      # exit 1 naming any file that is missing
    python -m rumah.common.webassets export DIR # only the served files, for RUMAH_CACHE_DIR=DIR

``export`` is what the image ships (Dockerfile): the ``FILES``, about 4 MB, instead of the
whole ``node_modules`` (about 60 MB), in the layout ``install_dir()`` finds under
``RUMAH_CACHE_DIR=DIR``; serving only reads them, so a read-only root filesystem is fine.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
LOCK = HERE / "package-lock.json"
MANIFEST = HERE / "package.json"

# URL name → path inside node_modules. Names only; nothing else of node_modules is reachable.
FILES: dict[str, str] = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "sse.min.js": "htmx-ext-sse/dist/sse.min.js",
    "chart.umd.min.js": "chart.js/dist/chart.umd.min.js",
    "graphiql.min.js": "graphiql/graphiql.min.js",
    "graphiql.min.css": "graphiql/graphiql.min.css",
    "react.production.min.js": "react/umd/react.production.min.js",
    "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
}


class AssetsMissing(RuntimeError):
    """The assets are not installed (run ``make install``)."""


@lru_cache(maxsize=1)
def digest() -> str:
    """The first 16 hex digits of SHA-256 of the lock: part of every asset URL."""
    return hashlib.sha256(LOCK.read_bytes()).hexdigest()[:16]


def install_dir() -> Path:
    cache = Path(os.environ.get("RUMAH_CACHE_DIR") or ".cache")
    if not cache.is_absolute():
        cache = ROOT / cache
    return cache / "web" / digest()


def node_modules() -> Path:
    return install_dir() / "node_modules"


def missing() -> list[str]:
    """The ``FILES`` names not present in the install directory."""
    base = node_modules()
    return [name for name, rel in FILES.items() if not (base / rel).is_file()]


def path_of(name: str) -> Path | None:
    rel = FILES.get(name)
    return None if rel is None else node_modules() / rel


def url_prefix(mount: str) -> str:
    """``/<mount>/<digest>``: where ``AssetApp`` mounted at ``/<mount>`` serves the files."""
    return f"/{mount.strip('/')}/{digest()}"


def install(npm: str = "npm") -> Path:
    """``npm ci`` against the committed lock into the cache; a no-op when already there."""
    target = install_dir()
    if not missing():
        return target
    if shutil.which(npm) is None:
        raise AssetsMissing(f"{npm} not found: install Node.js (npm) to fetch the web assets")
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(MANIFEST, target / "package.json")
    shutil.copyfile(LOCK, target / "package-lock.json")
    subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=target,
        check=True,
    )
    if gone := missing():
        raise AssetsMissing(f"npm ci did not provide: {', '.join(gone)}")
    return target


def export(cache: Path) -> Path:
    """Copy the served files into ``cache/web/<digest>/node_modules`` (where ``install_dir()``
    looks when ``RUMAH_CACHE_DIR=cache``); the directory made. Refuses while any is missing."""
    if gone := missing():
        raise AssetsMissing(f"not installed in {install_dir()}: {', '.join(gone)}")
    target = cache.resolve() / "web" / digest()
    if target == install_dir().resolve():
        return target  # already there (exporting into the cache it was installed in)
    for rel in FILES.values():
        dest = target / "node_modules" / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(node_modules() / rel, dest)
    return target
