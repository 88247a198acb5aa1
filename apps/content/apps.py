from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContentConfig(AppConfig):
    """A store's content in Wagtail: the blog, about, FAQ, landing and policy pages and the
    header and footer menus, edited at /cms/ on the store's own domain by the staff whose role has
    `content.edit` (publishing needs `content.publish`). Every table lives in the store's schema,
    so one store's editors never see another's pages, images, documents or snippets."""

    name = "apps.content"
    label = "content"
    verbose_name = _("Content")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.content import jobs, receivers  # noqa: F401 - provisioning and domain changes
        from apps.core.navigation import NavGroup, NavItem, nav_register
        from apps.core.permissions import Perm

        nav_register(
            NavItem(
                label=_("Blog and pages"),
                url_name="wagtailadmin_home",
                order=80,
                permission=Perm.CONTENT_EDIT,
                group=NavGroup.STORE,
            )
        )
        jobs.register()
