"""Give every store that has no content tree yet (provisioned before the content app existed)
its starter content, and put every store's Wagtail Site on its primary domain.

    manage.py content_provision_all [--dry-run]
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_tenants.utils import schema_context

from apps.content.models import StoreHomePage
from apps.content.receivers import _primary_hostname
from apps.content.services import content_provision
from apps.stores.selectors import store_settings_get
from apps.tenants.models import Tenant


class Command(BaseCommand):
    help = "Create the starter content of stores that have none; put each store's Site on its primary domain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="say what would be done, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        created = updated = 0
        stores = Tenant.objects.exclude(schema_name="public").exclude(
            status__in=(Tenant.Status.PROVISIONING, Tenant.Status.FAILED)
        )
        for tenant in stores.order_by("pk"):
            hostname = _primary_hostname(tenant)
            with schema_context(tenant.schema_name):
                missing = not StoreHomePage.objects.exists()
                if not options["dry_run"]:
                    content_provision(
                        store_name=tenant.name,
                        hostname=hostname,
                        language=store_settings_get().default_language,
                    )
            created += missing
            updated += not missing
            self.stdout.write(
                f"{tenant.schema_name}: {'created' if missing else 'site updated'} ({hostname})"
            )
        verb = "would be" if options["dry_run"] else "were"
        self.stdout.write(
            self.style.SUCCESS(f"{created} stores {verb} given content, {updated} {verb} updated")
        )
