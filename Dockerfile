# syntax=docker/dockerfile:1
# CloudScope: the core with every plugin and the serve, postgresql and otel extras.
#   docker build -t cloudscope:0.1.0 .
#   docker run --rm cloudscope:0.1.0 plugins
# The build stage turns the checkout into wheels (ours built here, every dependency taken
# as a published wheel, never built from source); the runtime stage installs those wheels
# alone into a virtual environment, as a user without privileges. Both stages' install
# steps are exercised by tests/serve/test_dockerfile.py (no Docker engine needed).

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ARG WHEELS=/wheels
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY cloudscope-core ./cloudscope-core
COPY plugins ./plugins
# Our five distributions first, then their dependencies as binary wheels only.
RUN python -m pip wheel --no-deps --wheel-dir "$WHEELS" ./cloudscope-core \
        ./plugins/cloudscope-aws ./plugins/cloudscope-azure ./plugins/cloudscope-gcp \
        ./plugins/cloudscope-exporters \
 && python -m pip wheel --only-binary=:all: --wheel-dir "$WHEELS" --find-links "$WHEELS" \
        "cloudscope-core[serve,postgresql,otel]" cloudscope-aws cloudscope-azure \
        cloudscope-gcp cloudscope-exporters

FROM ${PYTHON_IMAGE} AS runtime
ARG WHEELS=/wheels
ARG VENV=/opt/cloudscope
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/cloudscope \
        --create-home --shell /usr/sbin/nologin cloudscope
COPY --from=build /wheels /wheels
RUN python -m venv "$VENV" \
 && "$VENV/bin/pip" install --no-index --find-links "$WHEELS" \
        "cloudscope-core[serve,postgresql,otel]" cloudscope-aws cloudscope-azure \
        cloudscope-gcp cloudscope-exporters \
 && "$VENV/bin/cloudscope" --version \
 && rm -rf "$WHEELS"
ENV PATH=/opt/cloudscope/bin:$PATH
LABEL org.opencontainers.image.title="cloudscope" \
      org.opencontainers.image.description="A multi-cloud asset inventory" \
      org.opencontainers.image.licenses="Apache-2.0"
USER 10001:10001
WORKDIR /var/lib/cloudscope
EXPOSE 8080
ENTRYPOINT ["cloudscope"]
# serve refuses to listen on 0.0.0.0 without JWT settings (serve.auth in the config).
CMD ["serve", "--host", "0.0.0.0"]
