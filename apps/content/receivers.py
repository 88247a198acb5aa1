"""A store's content follows the store: the template schema gets the starter pages once it is
migrated (every store is cloned with them), provisioning makes them the store's (its name, its
domain), the Wagtail Site's hostname follows the primary domain, and the home page's translation
into another language is the content groups' to edit, like the home itself."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver
from django_tenants.utils import schema_context

from apps.content.models import StoreHomePage
from apps.tenants.models import Domain, Tenant
from apps.tenants.signals import store_schema_ready, template_schema_migrated


def _primary_hostname(tenant: Tenant) -> str:
    domain = (
        Domain.objects.filter(tenant_id=tenant.pk, is_primary=True).values_list("domain", flat=True).first()
    )
    return domain or f"{tenant.slug}.localhost"


@receiver(template_schema_migrated, dispatch_uid="content.template_content_prepare")
def template_content_prepare(sender: Any, schema_name: str, **kwargs: Any) -> None:
    from apps.content.services import content_template_prepare

    with schema_context(schema_name):
        content_template_prepare()


@receiver(store_schema_ready, sender=Tenant, dispatch_uid="content.store_content_provision")
def store_content_provision(sender: Any, tenant: Tenant, **kwargs: Any) -> None:
    from apps.content.services import content_provision
    from apps.stores.selectors import store_settings_get

    hostname = _primary_hostname(tenant)
    with schema_context(tenant.schema_name):
        language = store_settings_get().default_language
        content_provision(store_name=tenant.name, hostname=hostname, language=language)


@receiver(post_save, sender=Domain, dispatch_uid="content.site_hostname_follow")
def site_hostname_follow(sender: Any, instance: Domain, **kwargs: Any) -> None:
    """The primary domain changed (added as primary, promoted, or a fallback after a removal)."""
    from apps.content.services import content_site_hostname_set

    tenant = instance.tenant
    if not instance.is_primary or tenant.is_platform:
        return
    if tenant.status in (Tenant.Status.PROVISIONING, Tenant.Status.FAILED):
        return  # no schema yet (provisioning sets the hostname itself)
    with schema_context(tenant.schema_name):
        content_site_hostname_set(hostname=instance.domain)


@receiver(post_save, sender=StoreHomePage, dispatch_uid="content.home_translation_permissions")
def home_translation_permissions(sender: Any, instance: StoreHomePage, created: bool, **kwargs: Any) -> None:
    """A home page translated into another language ("Translate" in /cms/): give the content
    groups the rights on it they have on the first one. The first home gets them when its tree
    is made (`_tree_create`), before the groups exist, so it is passed over here."""
    from apps.content.services import home_permissions_grant

    if created and not kwargs.get("raw"):
        home_permissions_grant(instance)
