from django.urls import include, path

from apps.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("activity/", views.activity, name="activity"),
    path("handoff/", views.handoff, name="handoff"),
    path("domains/", views.domains, name="domains"),
    path("domains/<int:domain_id>/primary/", views.domain_primary, name="domain_primary"),
    path("domains/<int:domain_id>/remove/", views.domain_remove_view, name="domain_remove"),
    path("catalog/", include("apps.catalog.dashboard_urls")),
    path("inventory/", include("apps.inventory.dashboard_urls")),
    path("sourcing/", include("apps.sourcing.dashboard_urls")),
]
