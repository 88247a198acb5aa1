"""Returns pages of the dashboard, mounted at /dashboard/returns/ (see apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver, path

from apps.returns.dashboard import views

app_name = "returns"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.return_list, name="return_list"),
    path("settings/", views.return_settings_view, name="return_settings"),
    path("orders/<int:order_number>/refund/", views.order_refund_view, name="order_refund"),
    path("<uuid:return_uuid>/", views.return_detail, name="return_detail"),
    path("<uuid:return_uuid>/approve/", views.return_approve_view, name="return_approve"),
    path("<uuid:return_uuid>/refuse/", views.return_refuse_view, name="return_refuse"),
    path("<uuid:return_uuid>/receive/", views.return_receive_view, name="return_receive"),
    path("<uuid:return_uuid>/label/", views.return_label, name="return_label"),
    path("<uuid:return_uuid>/photos/<int:photo_id>/", views.return_photo, name="return_photo"),
]
