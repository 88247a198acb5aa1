"""Platform staff follow their account: an active staff account of the public schema is in the
platform editors' Wagtail group (apps.platform_site.services.platform_staff_sync), whose page
rights reach the platform home's translations as they are made."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from apps.platform_site.models import PlatformHomePage
from apps.tenants.signals import public_schema_migrated


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="platform_site.staff_group_follow")
def staff_group_follow(sender: Any, instance: Any, **kwargs: Any) -> None:
    from apps.platform_site.services import platform_staff_sync

    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not {"is_staff", "is_active"} & set(update_fields):
        return  # a sign-in's last_login, a profile edit: nothing that bears on the group
    if kwargs.get("created") and not instance.is_staff:
        return  # a new merchant account: never in the group
    platform_staff_sync(instance)


@receiver(public_schema_migrated, dispatch_uid="platform_site.ensure_after_migrate")
def platform_site_after_migrate(sender: Any, **kwargs: Any) -> None:
    """`migrate_all` migrated public: the platform's site exists and sits on PLATFORM_DOMAIN."""
    from apps.platform_site.services import platform_site_ensure

    platform_site_ensure()


@receiver(post_save, sender=PlatformHomePage, dispatch_uid="platform_site.home_translation_permissions")
def home_translation_permissions(
    sender: Any, instance: PlatformHomePage, created: bool, **kwargs: Any
) -> None:
    """The platform's home translated ("Translate" in /cms/): the editors may edit the copy."""
    from apps.platform_site.services import home_permissions_grant

    if created and not kwargs.get("raw"):
        home_permissions_grant(instance)
