"""Store settings pages of the dashboard, mounted at /dashboard/store/ (see apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver, path

from apps.stores.dashboard import domains
from apps.stores.dashboard.currencies import currencies
from apps.stores.dashboard.settings import store_settings

app_name = "stores"

urlpatterns: list[URLPattern | URLResolver] = [
    path("settings/", store_settings, name="settings"),
    path("currencies/", currencies, name="currencies"),
    path("domains/", domains.domains, name="domains"),
    path("domains/<int:domain_id>/check/", domains.domain_check, name="domain_check"),
    path("domains/<int:domain_id>/primary/", domains.domain_primary, name="domain_primary"),
    path("domains/<int:domain_id>/remove/", domains.domain_remove_view, name="domain_remove"),
]
