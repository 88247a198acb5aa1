"""Settings of benchmarks/bench_scale.py: the test settings plus the throwaway store app
`benchmarks.scaleapp`, whose migrations live in the ``scale_migrations`` package that the
harness writes under ``.local/bench/`` (and puts on sys.path) before Django starts."""

from __future__ import annotations

import os

from config.settings.test import *  # noqa: F403
from config.settings.test import INSTALLED_APPS, TENANT_APPS

TENANT_APPS = [*TENANT_APPS, "benchmarks.scaleapp"]
INSTALLED_APPS = [*INSTALLED_APPS, "benchmarks.scaleapp"]
MIGRATION_MODULES = {"scaleapp": "scale_migrations"}

if os.environ.get("BENCH_PLAIN_MIGRATE") == "1":
    # Django's own migrate in each schema (the state rendered per schema): the figure before
    # apps.tenants.migrate_command, for `bench_scale.py --migrate-only`.
    TENANT_BASE_MIGRATE_COMMAND = "django.core.management.commands.migrate.Command"
