"""`/api/v1/`: every app's endpoints, the OpenAPI schema and the offline interactive docs.

Each app lists its URLconf here once (`API_URLCONFS`: path prefix, module); the module sets
`app_name`, which becomes the namespace under `api:` (`api:catalog:product_list`).
"""

from __future__ import annotations

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.api.views import ApiAccessMixin, api_not_found

app_name = "api"

API_URLCONFS: list[tuple[str, str]] = [
    ("", "apps.catalog.api.urls"),
    ("", "apps.inventory.api.urls"),
    ("", "apps.orders.api.urls"),
    ("", "apps.fulfilment.api.urls"),
    ("", "apps.returns.api.urls"),
    ("", "apps.customers.api.urls"),
    ("", "apps.checkout.api.urls"),
    ("", "apps.sourcing.api.urls"),
    ("", "apps.purchasing.api.urls"),
    ("", "apps.integrations.api.urls"),
    ("storefront/", "apps.storefront.api.urls"),
]


class SchemaView(ApiAccessMixin, SpectacularAPIView):
    api_public_reason = "the API's published description; it holds no store data"


class DocsView(ApiAccessMixin, SpectacularSwaggerView):
    api_public_reason = "the API's interactive documentation; it holds no store data"


urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
    *(path(prefix, include(module)) for prefix, module in API_URLCONFS),
    re_path(r"^.*$", api_not_found, name="not_found"),
]
