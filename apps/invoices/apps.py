from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvoicesConfig(AppConfig):
    name = "apps.invoices"
    label = "invoices"
    verbose_name = _("Invoices")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.core.navigation import NavGroup, NavItem, nav_register
        from apps.core.page_slots import PageSlot, slot_register
        from apps.core.permissions import Perm
        from apps.invoices import subscribers  # noqa: F401 - registers the event subscribers

        nav_register(
            NavItem(
                label=_("Invoices"),
                url_name="dashboard:invoices:invoice_list",
                order=7,
                permission=Perm.ORDERS_VIEW,
                group=NavGroup.SELL,
            )
        )
        slot_register(
            PageSlot(
                page="dashboard.order",
                name="invoices",
                template="invoices/dashboard/_order_panel.html",
                context="apps.invoices.dashboard.views.order_panel_context",
                position=40,
                permission=Perm.ORDERS_VIEW,
            )
        )
        slot_register(
            PageSlot(
                page="storefront.order",
                name="invoices",
                template="invoices/storefront/_order_section.html",
                context="apps.invoices.storefront.views.order_section_context",
                position=30,
            )
        )
