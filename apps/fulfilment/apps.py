from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FulfilmentConfig(AppConfig):
    name = "apps.fulfilment"
    label = "fulfilment"
    verbose_name = _("Fulfilment")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.fulfilment import jobs

        jobs.register()
        self._panels_register()
        self._nav_register()

    @staticmethod
    def _panels_register() -> None:
        from apps.core.page_slots import PageSlot, slot_register
        from apps.core.permissions import Perm

        slot_register(
            PageSlot(
                page="dashboard.order",
                name="fulfilments",
                template="fulfilment/dashboard/_order_panel.html",
                context="apps.fulfilment.dashboard.views.shipments_panel_context",
                position=10,
                permission=Perm.ORDERS_VIEW,
            )
        )
        slot_register(
            PageSlot(
                page="dashboard.order",
                name="profit",
                template="fulfilment/dashboard/_profit_panel.html",
                context="apps.fulfilment.dashboard.views.profit_panel_context",
                position=90,
                permission=Perm.ANALYTICS_VIEW,  # costs and margin: sales figures
            )
        )
        slot_register(
            PageSlot(
                page="storefront.order",
                name="shipments",
                template="fulfilment/storefront/_order_section.html",
                context="apps.fulfilment.storefront.sections.shipments_section_context",
                position=10,
            )
        )

    @staticmethod
    def _nav_register() -> None:
        from apps.core.navigation import NavGroup, NavItem, nav_register
        from apps.core.permissions import Perm

        for label, url_name, order, permission in (
            (_("At-risk orders"), "dashboard:fulfilment:at_risk", 9, Perm.ORDERS_VIEW),
            (_("Profit"), "dashboard:fulfilment:profit", 10, Perm.ANALYTICS_VIEW),  # sales figures
        ):
            nav_register(
                NavItem(
                    label=label,
                    url_name=url_name,
                    order=order,
                    permission=permission,
                    group=NavGroup.SELL,
                )
            )
