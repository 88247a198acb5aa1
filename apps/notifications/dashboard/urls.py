"""Notifications pages of the dashboard, mounted at /dashboard/notifications/ (see apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver, path

from apps.notifications.dashboard import views

app_name = "notifications"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.template_list, name="template_list"),
    path("templates/<slug:name>/<slug:language>/", views.template_edit, name="template_edit"),
    path(
        "templates/<slug:name>/<slug:language>/preview/", views.template_preview_view, name="template_preview"
    ),
    path("templates/<slug:name>/<slug:language>/test/", views.template_test, name="template_test"),
    path("templates/<slug:name>/<slug:language>/reset/", views.template_reset_view, name="template_reset"),
    path("log/", views.delivery_list, name="delivery_list"),
    path("log/<uuid:delivery_id>/resend/", views.delivery_resend_view, name="delivery_resend"),
    path("sms/", views.sms_settings, name="sms_settings"),
]
