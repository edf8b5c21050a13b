# syntax=docker/dockerfile:1
# One image for every Rumah process (services, simulators, ledger, gateway, Monev); the
# command picks the role, e.g. `service serve licensing` or
# `gateway serve --supergraph schemas/supergraph.graphql`.
#
# Two stages: `build` installs the runtime lock (requirements.lock — no test, lint or build
# tool; `make lock` writes it) into a virtualenv without pip; `runtime` copies that
# virtualenv and the source. The source stays a checkout under /app (not a wheel) because
# the contracts in schemas/ are read at run time relative to it. Both stages use the same
# base, pinned to an exact Python release (bump it with a rebuild, not by a moving tag).
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG UV_VERSION=0.13.8
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m pip install uv==${UV_VERSION} \
 && python -m venv --without-pip /opt/rumah
COPY requirements.lock /tmp/requirements.lock
RUN uv pip sync --no-cache --python /opt/rumah/bin/python /tmp/requirements.lock

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 rumah \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home rumah
WORKDIR /app
COPY --from=build /opt/rumah /opt/rumah
COPY pyproject.toml README.md ./
COPY rumah ./rumah
COPY services ./services
COPY gateway ./gateway
COPY infra ./infra
COPY schemas ./schemas
# Byte-code compiled now, so a read-only root filesystem costs nothing at start-up; var/ is
# the only place a process writes (the embedded backend; mount a volume there).
RUN /opt/rumah/bin/python -m compileall -q /app /opt/rumah \
 && mkdir -p /app/var && chown 10001:10001 /app/var
ENV PATH=/opt/rumah/bin:$PATH PYTHONPATH=/app PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    RUMAH_BACKEND=kafka RUMAH_HEALTHCHECK_URL=http://127.0.0.1:4000/health
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
