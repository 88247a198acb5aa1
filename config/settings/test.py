"""Test settings: real PostgreSQL and Redis, eager Celery unless a test starts a worker."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env("DJANGO_SECRET_KEY", default="test-only-not-a-secret")
PLATFORM_DOMAIN = "platform.test"
PLATFORM_PORT = 0
PLATFORM_URL = "http://platform.test"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
# A Redis database of its own so tests never see a developer's cache or queues.
TEST_REDIS_URL = env("TEST_REDIS_URL", default="redis://127.0.0.1:6379/14")
CACHES = {
    "default": {
        "BACKEND": "apps.core.cache.RedisCache",
        "LOCATION": TEST_REDIS_URL,
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "KEY_PREFIX": "test",
    }
}
CELERY_BROKER_URL = env("TEST_CELERY_BROKER_URL", default=TEST_REDIS_URL)
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / ".local" / "test-media"))  # noqa: F405
PRIVATE_MEDIA_ROOT = env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / ".local" / "test-private-media"))  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "apps.core.storage.TenantFileSystemStorage"},
    # Never served under MEDIA_URL: import uploads, exports (apps.core.storage.private_storage).
    "private": {
        "BACKEND": "apps.core.storage.TenantPrivateFileSystemStorage",
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TENANT_ROUTING_CACHE_SECONDS = 10
LOGGING["root"] = {"handlers": ["console"], "level": "WARNING"}  # noqa: F405

# Serve static files from the apps without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Local fake servers (feeds, supplier API, images) run on loopback in tests.
OUTBOUND_HTTP_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1", "localhost"]
# Webhook endpoints (apps.integrations) may use http:// here, for the loopback receiver of the tests.
WEBHOOKS_ALLOW_HTTP = True

# No test reaches real DNS: domain lookups go to a loopback port where nothing answers and give
# up quickly; tests that need answers pass a fake resolver (apps/tenants/tests/factories.py).
DOMAIN_DNS_NAMESERVERS = ["127.0.0.1"]
DOMAIN_DNS_PORT = 9
DOMAIN_DNS_TIMEOUT_SECONDS = 0.3

# Today's figures are computed on every request in tests (a test that changes an order expects
# to see it); apps/analytics/tests/test_selectors.py turns the reuse on where it tests it.
ANALYTICS_TODAY_CACHE_SECONDS = 0
