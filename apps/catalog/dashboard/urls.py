"""Catalog pages of the dashboard, mounted at /dashboard/catalog/ (see apps.dashboard.urls).

Products and imports are addressed by UUID; images only under their product's UUID."""

from django.urls import URLPattern, URLResolver, path

from apps.catalog.dashboard import views

app_name = "catalog"

urlpatterns: list[URLPattern | URLResolver] = [
    path("products/", views.product_list, name="product_list"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/bulk/", views.product_bulk, name="product_bulk"),
    path("products/export.csv", views.product_export, name="product_export"),
    path("products/<uuid:product_uuid>/", views.product_edit, name="product_edit"),
    path("products/<uuid:product_uuid>/delete/", views.product_delete, name="product_delete"),
    path("products/<uuid:product_uuid>/images/", views.product_image_add, name="product_image_add"),
    path(
        "products/<uuid:product_uuid>/images/<int:image_id>/alt/",
        views.product_image_alt,
        name="product_image_alt",
    ),
    path(
        "products/<uuid:product_uuid>/images/<int:image_id>/move/",
        views.product_image_move,
        name="product_image_move",
    ),
    path(
        "products/<uuid:product_uuid>/images/<int:image_id>/delete/",
        views.product_image_delete,
        name="product_image_delete",
    ),
    path("categories/", views.category_list, name="category_list"),
    path("categories/new/", views.category_create, name="category_create"),
    path("categories/<int:category_id>/", views.category_edit, name="category_edit"),
    path("categories/<int:category_id>/delete/", views.category_delete, name="category_delete"),
    path("collections/", views.collection_list, name="collection_list"),
    path("collections/new/", views.collection_create, name="collection_create"),
    path("collections/<int:collection_id>/", views.collection_detail, name="collection_detail"),
    path("collections/<int:collection_id>/edit/", views.collection_edit, name="collection_edit"),
    path("collections/<int:collection_id>/delete/", views.collection_delete, name="collection_delete"),
    path("imports/", views.import_list, name="import_list"),
    path("imports/new/", views.import_create, name="import_create"),
    path("imports/<uuid:run_uuid>/", views.import_detail, name="import_detail"),
    path("imports/<uuid:run_uuid>/status/", views.import_status, name="import_status"),
    path("imports/<uuid:run_uuid>/report.csv", views.import_report, name="import_report"),
]
