"""The orders pages of the dashboard, mounted at /dashboard/orders/ (see apps.dashboard.urls).
Orders are named by their number in the store (/dashboard/orders/1001/), as staff say them."""

from django.urls import URLPattern, URLResolver, path

from apps.orders.dashboard import views

app_name = "orders"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.order_list, name="order_list"),
    path("drafts/", views.draft_list, name="draft_list"),
    path("drafts/new/", views.draft_create, name="draft_create"),
    path("by-uuid/<uuid:order_uuid>/", views.order_by_uuid, name="order_by_uuid"),
    path("<int:order_number>/", views.order_detail_view, name="order_detail"),
    path("<int:order_number>/notes/", views.order_note_add_view, name="order_note_add"),
    path("<int:order_number>/cancel/", views.order_cancel_view, name="order_cancel"),
    path("<int:order_number>/mark-paid/", views.order_mark_paid_view, name="order_mark_paid"),
    path("<int:order_number>/payment-link/", views.order_payment_link_view, name="order_payment_link"),
    path("<int:order_number>/edit/", views.order_edit, name="order_edit"),
    path("<int:order_number>/edit/preview/", views.order_edit_preview, name="order_edit_preview"),
    path("<int:order_number>/delete/", views.draft_delete, name="draft_delete"),
]
