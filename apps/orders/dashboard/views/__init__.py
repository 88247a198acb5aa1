"""The orders pages of the dashboard (see each module's docstring for what it needs)."""

from apps.orders.dashboard.views.drafts import draft_create, draft_delete, draft_list
from apps.orders.dashboard.views.edits import order_edit, order_edit_preview
from apps.orders.dashboard.views.orders import (
    order_by_uuid,
    order_cancel_view,
    order_detail_view,
    order_list,
    order_mark_paid_view,
    order_note_add_view,
    order_payment_link_view,
)

__all__ = [
    "draft_create",
    "draft_delete",
    "draft_list",
    "order_by_uuid",
    "order_cancel_view",
    "order_detail_view",
    "order_edit",
    "order_edit_preview",
    "order_list",
    "order_mark_paid_view",
    "order_note_add_view",
    "order_payment_link_view",
]
