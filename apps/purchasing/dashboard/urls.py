"""Purchase orders pages of the dashboard, mounted at /dashboard/purchase-orders/ (see apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver, path

from apps.purchasing.dashboard import views

app_name = "purchasing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.po_list, name="list"),
    path("attention/", views.attention_queue, name="attention"),
    path("settings/", views.settings_edit, name="settings"),
    path("<int:purchase_order_id>/", views.po_detail, name="detail"),
    path("<int:purchase_order_id>/approve/", views.po_approve, name="approve"),
    path("<int:purchase_order_id>/retry/", views.po_retry, name="retry"),
    path("<int:purchase_order_id>/cancel/", views.po_cancel, name="cancel"),
    path("<int:purchase_order_id>/mark-placed/", views.po_mark_placed, name="mark_placed"),
]
