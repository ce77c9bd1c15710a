# syntax=docker/dockerfile:1
#
# trialmatch container image.
#
#   docker build -t trialmatch:0.1.0 .
#   docker run --rm -p 8000:8000 --read-only --tmpfs /tmp trialmatch:0.1.0
#
# Two stages on the same slim base. The builder turns pyproject.toml into dependency wheels
# (their own layer, rebuilt only when the dependencies change) and the service into one wheel.
# The runtime stage installs those wheels, never the source tree, and adds the criteria
# catalogue, which the wheel deliberately does not contain.

# One tag for both stages (the 3.11 line on Debian bookworm; a patch tag could not be checked
# against the registry from here); override with --build-arg PYTHON_IMAGE=...@sha256:... to pin
# by digest in a release pipeline.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src

# Dependency wheels first, from pyproject.toml alone, so editing the service reuses this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" > /tmp/requirements.txt \
    && pip wheel --no-cache-dir --wheel-dir /wheels --requirement /tmp/requirements.txt \
    && cp /tmp/requirements.txt /wheels/requirements.txt

# The service itself, built into /dist without its dependencies (they are in /wheels).
COPY README.md ./
COPY service/ ./service/
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /dist .


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
    pip install --no-cache-dir --no-index --find-links=/wheels --requirement /wheels/requirements.txt
RUN --mount=type=bind,from=builder,source=/dist,target=/dist \
    --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links=/wheels /dist/trialmatch-*.whl

WORKDIR /app
# Owned by root and read-only to the service user: the catalogue is configuration, not state.
COPY criteria/ /app/criteria/

USER ${APP_UID}:${APP_GID}

EXPOSE 8000

# The slim image has no curl; urllib raises (exit 1) on a refused connection or a non-2xx reply.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/health' % os.environ.get('TRIALMATCH_PORT', '8000'), timeout=4)"]

CMD ["trialmatch", "serve"]
