# syntax=docker/dockerfile:1
#
# trialmatch container image.
#
#   docker build -t trialmatch:0.1.0 .
#   docker run --rm -p 8000:8000 --read-only --tmpfs /tmp trialmatch:0.1.0
#
# Two stages on one base. The builder makes the service's virtual environment: first the
# dependencies pinned with their hashes in requirements.lock (their own layer, rebuilt only when
# the lock changes), then the service's wheel, built by the backend pinned in
# requirements-build.lock. The runtime stage copies that environment (no pip in it, no source
# tree) and adds the criteria catalogue, which the wheel deliberately does not contain.
#
# Behind a TLS-inspecting proxy, give the build the host's CA bundle as a build secret: it is
# mounted for the download steps only and never lands in a layer.
#
#   docker build --secret id=ca-bundle,src=/etc/ssl/certs/ca-certificates.crt -t trialmatch:0.1.0 .

# Any base with Python 3.11+ and its venv module: the official slim image by default (override
# with --build-arg PYTHON_IMAGE=...@sha256:... to pin by digest in a release pipeline). CI builds
# on a Debian base of its own with python3 and python3-venv (.ci/container).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src

# Dependencies first, from the lock alone, so editing the service reuses this layer: the build
# tools in /opt/build, and the service's environment /opt/trialmatch, without pip, filled by the
# build tools' pip. Wheels only (nothing is compiled), each checked against its hash in the lock.
# swagger-ui-py also ships Swagger Editor (22 MB) for a feature /docs does not use: removed.
COPY requirements.lock requirements-build.lock ./
RUN --mount=type=secret,id=ca-bundle \
    if [ -s /run/secrets/ca-bundle ]; then export PIP_CERT=/run/secrets/ca-bundle; fi \
    && python3 -m venv /opt/build \
    && /opt/build/bin/pip install --no-cache-dir --require-hashes --only-binary=:all: --requirement requirements-build.lock \
    && python3 -m venv --without-pip /opt/trialmatch \
    && /opt/build/bin/pip --python /opt/trialmatch/bin/python install --no-cache-dir --require-hashes \
       --only-binary=:all: --requirement requirements.lock \
    && rm -f /opt/trialmatch/lib/python3*/site-packages/swagger_ui/static/swagger-editor*

# The service itself: built into a wheel by the pinned backend, installed without dependencies.
COPY pyproject.toml README.md ./
COPY service/ ./service/
RUN /opt/build/bin/pip wheel --no-cache-dir --no-deps --no-build-isolation --wheel-dir /dist . \
    && /opt/build/bin/pip --python /opt/trialmatch/bin/python install --no-cache-dir --no-index --no-deps \
       /dist/trialmatch-*.whl


FROM ${PYTHON_IMAGE} AS runtime

# Uvicorn worker processes per container; an orchestrator that scales by replicas sets 1.
ARG TRIALMATCH_WORKERS=2
# Fixed, unprivileged ids so volume permissions and runAsUser policies can name them.
ARG APP_UID=10001
ARG APP_GID=10001

LABEL org.opencontainers.image.title="trialmatch" \
      org.opencontainers.image.description="FHIR R4 clinical-trial eligibility service" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/trialmatch/bin:${PATH} \
    TRIALMATCH_CRITERIA_DIR=/app/criteria \
    TRIALMATCH_HOST=0.0.0.0 \
    TRIALMATCH_PORT=8000 \
    TRIALMATCH_WORKERS=${TRIALMATCH_WORKERS}

RUN groupadd --system --gid "${APP_GID}" trialmatch \
    && useradd --system --no-log-init --uid "${APP_UID}" --gid "${APP_GID}" \
       --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin trialmatch

# The environment the builder made; its python links to the base's, the same in both stages.
COPY --from=builder /opt/trialmatch /opt/trialmatch

WORKDIR /app
# Owned by root and read-only to the service user: the catalogue is configuration, not state.
COPY criteria/ /app/criteria/

USER ${APP_UID}:${APP_GID}

EXPOSE 8000

# No curl in the image; urllib raises (exit 1) on a refused connection or a non-2xx reply.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/health' % os.environ.get('TRIALMATCH_PORT', '8000'), timeout=4)"]

CMD ["trialmatch", "serve"]
