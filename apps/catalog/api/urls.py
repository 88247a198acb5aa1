from django.urls import path

from apps.catalog.api import views

app_name = "catalog"

urlpatterns = [
    path("products", views.ProductList.as_view(), name="product_list"),
    path("products/<uuid:uuid>", views.ProductDetail.as_view(), name="product_detail"),
    path("products/<uuid:uuid>/variants", views.VariantList.as_view(), name="variant_list"),
    # A SKU may hold any character, "/" included: it is the last segment.
    path("products/<uuid:uuid>/variants/<path:sku>", views.VariantDetail.as_view(), name="variant_detail"),
    path("products/<uuid:uuid>/images", views.ImageList.as_view(), name="image_list"),
    path("products/<uuid:uuid>/images/<int:image_id>", views.ImageDetail.as_view(), name="image_detail"),
    path("collections", views.CollectionList.as_view(), name="collection_list"),
    path("collections/<slug:handle>", views.CollectionDetail.as_view(), name="collection_detail"),
    path(
        "collections/<slug:handle>/products", views.CollectionProducts.as_view(), name="collection_products"
    ),
    path(
        "collections/<slug:handle>/products/<uuid:uuid>",
        views.CollectionProductRemove.as_view(),
        name="collection_product_remove",
    ),
]
