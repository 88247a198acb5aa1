from django.urls import path

from apps.integrations.api import views

app_name = "integrations"

urlpatterns = [
    path("webhook-endpoints", views.EndpointList.as_view(), name="endpoint_list"),
    path("webhook-endpoints/<uuid:uuid>", views.EndpointDetail.as_view(), name="endpoint_detail"),
    path(
        "webhook-endpoints/<uuid:uuid>/rotate-secret",
        views.EndpointSecretRotate.as_view(),
        name="secret_rotate",
    ),
]
