from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchasingConfig(AppConfig):
    name = "apps.purchasing"
    label = "purchasing"
    verbose_name = _("Purchase orders")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.core.navigation import NavGroup, NavItem, nav_register
        from apps.core.page_slots import PageSlot, slot_register
        from apps.core.permissions import Perm
        from apps.purchasing import jobs, subscribers  # noqa: F401 - registers the subscribers

        jobs.register()
        # Profit per order (apps.fulfilment) counts what the supplier orders cost.
        from apps.fulfilment.profit import supplier_costs_source_register
        from apps.purchasing.selectors import purchase_order_costs

        supplier_costs_source_register(purchase_order_costs)
        nav_register(
            NavItem(
                label=_("Supplier orders"),
                url_name="dashboard:purchasing:list",
                order=32,
                permission=Perm.ORDERS_VIEW,
                group=NavGroup.SELL,
            )
        )
        slot_register(
            PageSlot(
                page="dashboard.order",
                name="purchase_orders",
                template="purchasing/dashboard/_order_panel.html",
                context="apps.purchasing.dashboard.panels.purchase_orders_panel_context",
                position=20,
                permission=Perm.ORDERS_VIEW,
            )
        )
