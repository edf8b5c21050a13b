# One image for every Rumah process (services, simulators, ledger, gateway); the command picks
# the role, e.g. `service serve licensing` or `gateway serve --supergraph schemas/supergraph.graphql`.
# The source stays a checkout under /app (not a wheel) because the contracts in schemas/ are read
# at run time relative to it.
FROM python:3.11-slim
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir uv==0.13.8 \
 && uv pip install --system --no-cache -r requirements.lock
COPY pyproject.toml README.md ./
COPY rumah ./rumah
COPY services ./services
COPY gateway ./gateway
COPY infra ./infra
COPY schemas ./schemas
RUN useradd --system --uid 10001 rumah && mkdir -p /app/var && chown rumah /app/var
USER rumah
ENV PYTHONPATH=/app PYTHONUNBUFFERED=1 RUMAH_BACKEND=kafka
EXPOSE 4000-4007 4101-4106
ENTRYPOINT ["python", "-m", "rumah.cli"]
CMD ["--help"]
