# syntax=docker/dockerfile:1
# One image for every Rumah process (services, simulators, ledger, gateway, Monev); the
# command picks the role, e.g. `service serve licensing`, `monev serve` or
# `gateway serve --supergraph schemas/supergraph.graphql`.
#
# Stages: `build` installs the runtime lock (requirements.lock — no test, lint or build
# tool; `make lock` writes it) into a virtualenv without pip; `web` fetches the browser
# assets the gateway (GraphiQL) and Monev serve themselves — `npm ci` against
# rumah/common/webassets/package-lock.json, with node and npm taken from the `node` stage —
# and keeps only the served files; `runtime` copies the virtualenv, the assets and the
# source. The source stays a checkout under /app (not a wheel) because the contracts in
# schemas/ are read at run time relative to it. Every base is pinned to an exact release
# (bump it with a rebuild, not by a moving tag); `build`, `web` and `runtime` share one.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS node

FROM ${PYTHON_IMAGE} AS build
ARG UV_VERSION=0.13.8
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m pip install uv==${UV_VERSION} \
 && python -m venv --without-pip /opt/rumah
COPY requirements.lock /tmp/requirements.lock
RUN uv pip sync --no-cache --python /opt/rumah/bin/python /tmp/requirements.lock

# The same Python as the runtime runs the installer, so the assets land where the runtime's
# rumah.common.webassets looks: $RUMAH_CACHE_DIR/web/<digest of the lock>/node_modules/…
# (only the standard library is needed: no virtualenv here). Node is the same Debian release.
FROM ${PYTHON_IMAGE} AS web
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
WORKDIR /src
COPY rumah/__init__.py rumah/
COPY rumah/common/__init__.py rumah/common/
COPY rumah/common/webassets rumah/common/webassets
ENV RUMAH_CACHE_DIR=/tmp/web-cache
RUN python -m rumah.common.webassets install \
 && python -m rumah.common.webassets export /opt/rumah-cache \
 && RUMAH_CACHE_DIR=/opt/rumah-cache python -m rumah.common.webassets check

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 rumah \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home rumah
WORKDIR /app
COPY --from=build /opt/rumah /opt/rumah
# read only at run time (a read-only root filesystem is fine); owned by root
COPY --from=web /opt/rumah-cache /opt/rumah-cache
COPY pyproject.toml README.md ./
COPY rumah ./rumah
COPY services ./services
COPY gateway ./gateway
COPY monev ./monev
COPY infra ./infra
COPY schemas ./schemas
# Byte-code compiled now, so a read-only root filesystem costs nothing at start-up; var/ is
# the only place a process writes (the embedded backend; mount a volume there).
RUN /opt/rumah/bin/python -m compileall -q /app /opt/rumah \
 && mkdir -p /app/var && chown 10001:10001 /app/var
ENV PATH=/opt/rumah/bin:$PATH PYTHONPATH=/app PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    RUMAH_BACKEND=kafka RUMAH_CACHE_DIR=/opt/rumah-cache \
    RUMAH_HEALTHCHECK_URL=http://127.0.0.1:4000/health
# numeric, so Kubernetes can check runAsNonRoot (a user name cannot be verified)
USER 10001:10001
EXPOSE 4000-4010 4101-4106
# Each role listens on its own port: set RUMAH_HEALTHCHECK_URL to the role's health URL
# (compose does; Kubernetes uses its own probes and ignores this).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(os.environ['RUMAH_HEALTHCHECK_URL'], timeout=2)"]
# rumah.secret_env: RUMAH_X_FILE=/run/secrets/x sets RUMAH_X, then the CLI runs
ENTRYPOINT ["python", "-m", "rumah.secret_env"]
CMD ["--help"]
