"""The shopper's pages of a store. Every page is public (`no_permission_required`) and renders
from the domain apps' selectors; the templates belong to the theme (templates/storefront/).

Each area keeps its own URL module; they are mounted here without prefixes of their own so the
paths stay short: /collections/<handle>/, /products/<handle>/, /search/, /cart/, /account/, ...
`config.urls_tenants` wraps this URLconf in the store's language prefixes.
"""

from django.urls import URLPattern, URLResolver, include, path

from apps.storefront.views import home, newsletter

app_name = "storefront"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", home.home, name="home"),
    path("newsletter/", home.newsletter_subscribe, name="newsletter_subscribe"),
    path("newsletter/confirm/<str:token>/", newsletter.newsletter_confirm_view, name="newsletter_confirm"),
    path(
        "newsletter/unsubscribe/<str:token>/",
        newsletter.newsletter_unsubscribe_view,
        name="newsletter_unsubscribe",
    ),
    path("", include("apps.storefront.urls_catalog")),
    path("", include("apps.storefront.urls_cart")),
    path("", include("apps.storefront.urls_checkout")),
    path("", include("apps.storefront.urls_account")),
    path("", include("apps.storefront.urls_pages")),
    path("", include("apps.storefront.urls_content")),
    path("", include("apps.returns.storefront.urls")),
    path("", include("apps.reviews.storefront.urls")),
    path("", include("apps.invoices.storefront.urls")),
]
