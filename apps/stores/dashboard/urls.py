"""Store settings pages of the dashboard, mounted at /dashboard/store/ (see apps.dashboard.urls)."""

from django.urls import URLPattern, URLResolver, path

from apps.stores.dashboard import domains, newsletter, theme
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
    path("newsletter/", newsletter.newsletter_list, name="newsletter"),
    path("newsletter/export.csv", newsletter.newsletter_export, name="newsletter_export"),
    path("newsletter/<int:subscriber_id>/remove/", newsletter.newsletter_remove, name="newsletter_remove"),
    path("theme/", theme.theme_editor, name="theme"),
    path("theme/discard/", theme.theme_discard, name="theme_discard"),
    path("theme/blocks/new/", theme.theme_block_new, name="theme_block_new"),
    path("theme/blocks/<slug:block_id>/", theme.theme_block_edit, name="theme_block_edit"),
    path("theme/blocks/<slug:block_id>/remove/", theme.theme_block_remove, name="theme_block_remove"),
]
