from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReturnsConfig(AppConfig):
    name = "apps.returns"
    label = "returns"
    verbose_name = _("Returns")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.core.navigation import NavGroup, NavItem, nav_register
        from apps.core.page_slots import PageSlot, slot_register
        from apps.core.permissions import Perm

        nav_register(
            NavItem(
                label=_("Returns"),
                url_name="dashboard:returns:return_list",
                order=8,
                permission=Perm.ORDERS_VIEW,
                group=NavGroup.SELL,
            )
        )
        slot_register(
            PageSlot(
                page="dashboard.order",
                name="returns",
                template="returns/dashboard/_order_panel.html",
                context="apps.returns.panels.order_panel_context",
                position=40,
                permission=Perm.ORDERS_VIEW,
            )
        )
        slot_register(
            PageSlot(
                page="storefront.order",
                name="returns",
                template="returns/storefront/_order_section.html",
                context="apps.returns.panels.order_section_context",
                position=20,
            )
        )
