from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "apps.orders"
    label = "orders"
    verbose_name = _("Orders")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.orders import jobs
        from apps.orders.settlement import order_payment_update
        from apps.payments.updates import payment_update_handler_register

        jobs.register()
        payment_update_handler_register(order_payment_update)
        self._nav_register()

    @staticmethod
    def _nav_register() -> None:
        # The orders pages (apps/orders/dashboard/), right after the dashboard's home.
        from apps.core.navigation import NavGroup, NavItem, nav_register
        from apps.core.permissions import Perm

        for label, url_name, order in (
            (_("Orders"), "dashboard:orders:order_list", 5),
            (_("Draft orders"), "dashboard:orders:draft_list", 6),
        ):
            nav_register(
                NavItem(
                    label=label,
                    url_name=url_name,
                    order=order,
                    permission=Perm.ORDERS_VIEW,
                    group=NavGroup.SELL,
                )
            )
