from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "apps.reviews"
    label = "reviews"
    verbose_name = _("Reviews")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.core.navigation import NavGroup, NavItem, nav_register
        from apps.core.page_slots import PageSlot, slot_register
        from apps.core.permissions import Perm
        from apps.reviews import jobs, subscribers  # noqa: F401 - registers the subscribers

        jobs.register()
        slot_register(
            PageSlot(
                page="storefront.order",
                name="reviews",
                template="reviews/storefront/_order_section.html",
                context="apps.reviews.sections.review_section_context",
                position=50,
            )
        )
        # After the catalog's Collections (14) and Imports (16).
        nav_register(
            NavItem(
                label=_("Reviews"),
                url_name="dashboard:reviews:review_list",
                order=18,
                permission=Perm.CATALOG_VIEW,
                group=NavGroup.CATALOG,
            )
        )
