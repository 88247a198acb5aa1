from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "apps.audit"
    label = "audit"
    verbose_name = _("Audit log")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.apps import apps
        from django.db.models.signals import post_save

        from apps.audit import receivers
        from apps.audit.registry import AuditedModel, audit_register
        from apps.audit.services import audit_entries_purge, domain_store_schema
        from apps.core.navigation import NavGroup, NavItem, nav_register
        from apps.core.permissions import Perm
        from apps.core.retention import RetentionKind, retention_register

        def spec(label: str, **options: object) -> AuditedModel:
            return AuditedModel(model=apps.get_model(label), **options)  # type: ignore[arg-type]

        followed = [
            # Catalog: what people change; imports and syncs in jobs are not followed.
            spec("catalog.Product"),
            spec("catalog.ProductVariant"),
            spec("catalog.Collection"),
            spec("catalog.Category"),
            # Stock: the ledger rows of changes a person made; reservations are the shoppers'.
            spec(
                "inventory.StockMovement",
                on_delete=False,
                create_when=receivers.stock_movement_by_hand,
                describe=receivers.stock_movement_describe,
            ),
            # Orders: their state, refunds and fulfilments; a job's cancellation or a gateway's
            # refund answer is recorded as the system's.
            spec(
                "orders.Order",
                fields=("status", "stock_status", "cancel_reason"),
                on_create=False,
                system_actions=frozenset({"updated"}),
                describe=receivers.order_describe,
            ),
            spec(
                "orders.Refund",
                fields=("amount", "reason", "status", "error_message"),
                system_actions=frozenset({"created", "updated"}),
            ),
            spec("fulfilment.Fulfilment", fields=("status", "carrier", "tracking_number", "tracking_url")),
            # Settings.
            spec("stores.StoreSettings"),
            spec("stores.StoreTheme"),
            # Pictures put into the store's image library (from /cms/ or the theme editor).
            spec("wagtailimages.Image", fields=("title",)),
            spec("checkout.ShippingZone"),
            spec("checkout.ShippingRate"),
            spec("checkout.TaxRate"),
            spec("payments.PaymentSettings"),
            spec("checkout.Discount", ignore=frozenset({"times_used"})),
            # A gift card's code is what spends it: recorded as changed, never in clear.
            spec("checkout.GiftCard", secret=frozenset({"code"})),
            spec(
                "integrations.WebhookEndpoint",
                ignore=frozenset({"failing_since", "last_success_at"}),
                system_actions=frozenset({"updated"}),  # switched off after failing for days
            ),
            spec("api.ApiKey", ignore=frozenset({"last_used_at", "last_used_ip"})),
            # The store's domains live in the public schema; entries go to the store's log.
            spec(
                "tenants.Domain",
                ignore=frozenset({"last_checked_at", "last_check_error"}),
                system_actions=frozenset({"updated"}),  # the DNS check verifies or loses one
                store_schema=domain_store_schema,
            ),
            # "Download my store" (public rows, one store's each): who asked for an archive of the
            # whole store and who downloaded it; the worker's progress is not followed.
            spec(
                "backups.StoreExport",
                fields=("downloaded_at",),
                on_delete=False,
                describe=receivers.store_export_describe,
                store_schema=domain_store_schema,
            ),
        ]
        for followed_model in followed:
            audit_register(followed_model)
        post_save.connect(
            receivers.team_audit_entry_saved,
            sender=apps.get_model("platform.TeamAuditEntry"),
            dispatch_uid="audit-team-mirror",
        )

        retention_register(
            RetentionKind(
                key="audit_log",
                label=_("Audit log"),
                default_days=365,
                min_days=30,
                purge=audit_entries_purge,
                help_text=_("Who changed what in the dashboard, the console and through the API."),
            )
        )
        nav_register(
            NavItem(
                label=_("Audit log"),
                url_name="dashboard:audit:entry_list",
                order=89,
                permission=Perm.AUDIT_VIEW,
                group=NavGroup.STORE,
            )
        )
