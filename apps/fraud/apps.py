from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FraudConfig(AppConfig):
    name = "apps.fraud"
    label = "fraud"
    verbose_name = _("Fraud review")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.core.navigation import NavGroup, NavItem, nav_register
        from apps.core.page_slots import PageSlot, slot_register
        from apps.core.permissions import Perm
        from apps.fraud import subscribers  # noqa: F401 - registers the order.paid subscriber

        nav_register(
            NavItem(
                label=_("Fraud review"),
                url_name="dashboard:fraud:queue",
                order=7,
                permission=Perm.ORDERS_VIEW,
                group=NavGroup.SELL,
            )
        )
        slot_register(
            PageSlot(
                page="dashboard.order",
                name="fraud_risk",
                template="fraud/dashboard/_order_panel.html",
                context="apps.fraud.dashboard.panels.risk_panel_context",
                position=5,
                permission=Perm.ORDERS_VIEW,
            )
        )
