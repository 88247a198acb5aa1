"""Production settings: behind TLS, media on S3, secrets from the environment only."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
PLATFORM_SCHEME = env("PLATFORM_SCHEME", default="https")
ACCOUNT_DEFAULT_HTTP_PROTOCOL = PLATFORM_SCHEME

# ------------------------------------------------------------------------------
# SECURITY
# ------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Probes reach pods over plain HTTP on the pod IP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
# /metrics is not served at all unless METRICS_TOKEN is set (base.py).
METRICS_REQUIRE_TOKEN = True

# ------------------------------------------------------------------------------
# MEDIA on S3, one prefix per store
# ------------------------------------------------------------------------------
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", default=None)
AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default=None)
AWS_S3_CUSTOM_DOMAIN = env("AWS_S3_CUSTOM_DOMAIN", default=None)
AWS_DEFAULT_ACL = None
AWS_S3_FILE_OVERWRITE = False
AWS_QUERYSTRING_AUTH = True
# Private files (import uploads, exports, invoices) live in a bucket of their own with a private
# ACL, under the same per-store prefix, and leave it only through pre-signed URLs that expire
# quickly (apps.core.files.private_file_response). No default: a missing bucket stops the process.
AWS_PRIVATE_STORAGE_BUCKET_NAME = env("AWS_PRIVATE_STORAGE_BUCKET_NAME")
AWS_PRIVATE_QUERYSTRING_EXPIRE = env.int("AWS_PRIVATE_QUERYSTRING_EXPIRE", default=60)
STORAGES = {
    "default": {"BACKEND": "apps.core.storage.TenantS3Storage"},
    "private": {"BACKEND": "apps.core.storage.TenantPrivateS3Storage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


CONN_MAX_AGE = env.int("CONN_MAX_AGE", default=60)

# No fallback database in production: a missing DATABASE_URL must stop the process.
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES["default"]["CONN_MAX_AGE"] = CONN_MAX_AGE
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# ------------------------------------------------------------------------------
# PAYMENTS: no test payments on a live platform unless explicitly allowed (a staging cluster)
# ------------------------------------------------------------------------------
PAYMENTS_DUMMY_ENABLED = env.bool("PAYMENTS_DUMMY_ENABLED", default=False)
