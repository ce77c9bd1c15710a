# syntax=docker/dockerfile:1
#
# trialmatch container image.
#
#   docker build -t trialmatch:0.1.0 .
#   docker run --rm -p 8000:8000 --read-only --tmpfs /tmp trialmatch:0.1.0
#
# Two stages on one base. The builder downloads the dependency wheels pinned with their hashes
# in requirements.lock (their own layer, rebuilt only when the lock changes) and builds the
# service into one wheel with the build backend pinned in requirements-build.lock. The runtime
# stage installs those wheels into a virtual environment, never the source tree, and adds the
# criteria catalogue, which the wheel deliberately does not contain.
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

# Dependency wheels first, from the lock alone, so editing the service reuses this layer. Only
# wheels (no sdist is compiled), each checked against the hashes in the lock.
COPY requirements.lock requirements-build.lock ./
RUN --mount=type=secret,id=ca-bundle \
    if [ -s /run/secrets/ca-bundle ]; then export PIP_CERT=/run/secrets/ca-bundle; fi \
    && python3 -m venv /opt/build \
    && /opt/build/bin/pip install --no-cache-dir --require-hashes --only-binary=:all: --requirement requirements-build.lock \
    && /opt/build/bin/pip wheel --no-cache-dir --require-hashes --only-binary=:all: --wheel-dir /wheels \
       --requirement requirements.lock \
    && cp requirements.lock /wheels/requirements.lock

# The service itself, built into /dist by the pinned backend, without its dependencies.
COPY pyproject.toml README.md ./
COPY service/ ./service/
RUN /opt/build/bin/pip wheel --no-cache-dir --no-deps --no-build-isolation --wheel-dir /dist .


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
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PATH=/opt/trialmatch/bin:${PATH} \
    TRIALMATCH_CRITERIA_DIR=/app/criteria \
    TRIALMATCH_HOST=0.0.0.0 \
    TRIALMATCH_PORT=8000 \
    TRIALMATCH_WORKERS=${TRIALMATCH_WORKERS}

RUN groupadd --system --gid "${APP_GID}" trialmatch \
    && useradd --system --no-log-init --uid "${APP_UID}" --gid "${APP_GID}" \
       --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin trialmatch

# Wheels are bind-mounted from the builder, so none of them is left in an image layer.
# Dependencies and the service are separate layers: a code change reinstalls only the service.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    python3 -m venv /opt/trialmatch \
    && /opt/trialmatch/bin/pip install --no-cache-dir --no-index --find-links=/wheels --require-hashes \
       --requirement /wheels/requirements.lock
RUN --mount=type=bind,from=builder,source=/dist,target=/dist \
    /opt/trialmatch/bin/pip install --no-cache-dir --no-index --no-deps /dist/trialmatch-*.whl

WORKDIR /app
# Owned by root and read-only to the service user: the catalogue is configuration, not state.
COPY criteria/ /app/criteria/

USER ${APP_UID}:${APP_GID}

EXPOSE 8000

# No curl in the image; urllib raises (exit 1) on a refused connection or a non-2xx reply.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/health' % os.environ.get('TRIALMATCH_PORT', '8000'), timeout=4)"]

CMD ["trialmatch", "serve"]
