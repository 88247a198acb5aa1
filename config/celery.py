"""The Celery application.

tenant-schemas-celery stamps every task sent from a store's request or task with that store's
schema and switches the worker's connection to it before the task runs; tasks sent from the
public schema (the console, beat) run in public and loop over stores explicitly.
"""

from __future__ import annotations

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = CeleryApp("commerce")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
