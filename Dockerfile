# Conductor: `conductor` as the entry point (the embedded runtime by default; `worker`,
# `publish`, `dashboards ...` as arguments). Slim, non-root, the pure-Python core.
# Build from the repository root: docker build -t conductor:local .
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY schemas schemas
COPY conductor conductor
COPY streams streams
COPY dashboards dashboards
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/conductor --create-home conductor
COPY --from=build /install /usr/local
COPY examples /opt/conductor/examples
USER 10001:10001
WORKDIR /var/lib/conductor
ENV PYTHONUNBUFFERED=1
EXPOSE 8000 6066
ENTRYPOINT ["conductor"]
CMD ["run", "--host", "0.0.0.0", "--db", "/var/lib/conductor/conductor.db"]
