"""Development settings: `make run`."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-a-secret")
PLATFORM_PORT = env.int("PLATFORM_PORT", default=8000)
PLATFORM_URL = f"{PLATFORM_SCHEME}://{PLATFORM_DOMAIN}:{PLATFORM_PORT}"  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "apps.core.storage.TenantFileSystemStorage"},
    "private": {"BACKEND": "apps.core.storage.TenantPrivateFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Serve static files from the apps without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
