"""Reviews pages of the dashboard, mounted at /dashboard/reviews/ (see apps.dashboard.urls).
Reviews are named by their uuid."""

from django.urls import URLPattern, URLResolver, path

from apps.reviews.dashboard import views

app_name = "reviews"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.review_list_view, name="review_list"),
    path("bulk/", views.review_bulk, name="review_bulk"),
    path("settings/", views.review_settings_view, name="review_settings"),
    path("<uuid:review_uuid>/", views.review_detail, name="review_detail"),
    path("<uuid:review_uuid>/publish/", views.review_publish, name="review_publish"),
    path("<uuid:review_uuid>/hide/", views.review_hide, name="review_hide"),
    path("<uuid:review_uuid>/delete/", views.review_delete_view, name="review_delete"),
]
