# Production image for the commerce platform (Django + Celery).
#
# One image serves every process type; Kubernetes chooses the role through
# `args` (gunicorn web, celery worker, celery beat, migrate_all job).
#
#   docker build -t ghcr.io/example/commerce:<git-sha> .

ARG PYTHON_IMAGE=python:3.12-slim-bookworm

# --------------------------------------------------------------------------
# Builder: compilers and headers live only in this stage.
# --------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Debian stable only ships security fixes; pinning exact package versions
# would break the build whenever the archive drops the pinned version.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /build

# Copy only the requirements first so the dependency layer is reused until a
# requirements file changes (production.txt includes `-r base.txt`).
COPY requirements/ requirements/
RUN pip install -r requirements/production.txt

# --------------------------------------------------------------------------
# Runtime: no compilers, no build headers, non-root.
# --------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    PATH=/opt/venv/bin:$PATH

# psycopg[binary] bundles libpq, so libpq5 is not needed.
# tini runs as PID 1: it forwards signals and reaps zombie processes.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates tini \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin app

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app

# Code stays owned by root and read-only to the `app` user.
COPY . .

# Static files are collected at build time. The values below are build-only
# placeholders that let the production settings import; they are set on this
# RUN line only and are NOT in the image environment. Real values come from
# the Kubernetes ConfigMap/Secret at runtime.
# The pre-compiled bytecode means processes do not need to write
# __pycache__ on the read-only root filesystem.
RUN DJANGO_SECRET_KEY=build-only-not-secret \
    DATABASE_URL=postgres://build@localhost/build \
    REDIS_URL=redis://localhost:6379/0 \
    PLATFORM_DOMAIN=example.com \
    AWS_STORAGE_BUCKET_NAME=build \
    AWS_PRIVATE_STORAGE_BUCKET_NAME=build-private \
    python manage.py collectstatic --noinput \
    && python -m compileall -q /app

# Numeric UID/GID so the kubelet can verify `runAsNonRoot` (uid 10001 = app).
USER 10001:10001

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

ENTRYPOINT ["tini", "--"]
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
