"""Webhook pages of the dashboard, mounted at /dashboard/webhooks/ (see apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver, path

from apps.integrations.dashboard import views

app_name = "integrations"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.endpoint_list_view, name="endpoint_list"),
    path("new/", views.endpoint_create_view, name="endpoint_create"),
    path("deliveries/", views.delivery_list_view, name="delivery_list"),
    path("deliveries/<uuid:delivery_uuid>/", views.delivery_detail_view, name="delivery_detail"),
    path("deliveries/<uuid:delivery_uuid>/resend/", views.delivery_resend_view, name="delivery_resend"),
    path("<uuid:endpoint_uuid>/", views.endpoint_detail_view, name="endpoint_detail"),
    path("<uuid:endpoint_uuid>/edit/", views.endpoint_edit_view, name="endpoint_edit"),
    path("<uuid:endpoint_uuid>/rotate/", views.secret_rotate_view, name="secret_rotate"),
    path("<uuid:endpoint_uuid>/enable/", views.endpoint_enable_view, name="endpoint_enable"),
    path("<uuid:endpoint_uuid>/disable/", views.endpoint_disable_view, name="endpoint_disable"),
    path("<uuid:endpoint_uuid>/delete/", views.endpoint_delete_view, name="endpoint_delete"),
]
