from django.urls import path

from apps.platform import views

app_name = "platform"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("console/", views.console, name="console"),
    path("console/welcome/", views.onboarding, name="onboarding"),
    path("console/stores/new/", views.store_new, name="store_create"),
    path("console/stores/<uuid:store_uuid>/", views.store_detail, name="store_detail"),
    path("console/stores/<uuid:store_uuid>/status/", views.store_status, name="store_status"),
    path("console/stores/<uuid:store_uuid>/retry/", views.store_retry, name="store_retry"),
    path("console/stores/<uuid:store_uuid>/open/", views.store_open, name="store_open"),
]
