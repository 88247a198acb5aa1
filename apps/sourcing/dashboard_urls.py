from django.urls import URLPattern, URLResolver

app_name = "sourcing"

urlpatterns: list[URLPattern | URLResolver] = []
