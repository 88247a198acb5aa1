from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformSiteConfig(AppConfig):
    """The platform's own site in the public schema (Wagtail): home, features, pricing from the
    billing plans, the platform blog and the help centre, edited by platform staff at /cms/ on
    the platform domain."""

    name = "apps.platform_site"
    label = "platform_site"
    verbose_name = _("Platform site")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.platform_site import receivers  # noqa: F401
