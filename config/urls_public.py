"""URLs of the platform domain: landing, merchant signup and console, the Django admin."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from apps.core import views as core_views

admin.site.site_header = settings.PLATFORM_NAME
admin.site.site_title = settings.PLATFORM_NAME

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("stripe/connect/", include("apps.payments.platform.urls")),
    # Platform billing: Stripe's subscription webhooks and the console's billing pages.
    path("billing/stripe/", include("apps.billing.stripe_urls")),
    path("console/merchants/<uuid:merchant_uuid>/billing/", include("apps.billing.dashboard.stripe_urls")),
    path("", include("apps.platform.urls")),
]

handler404 = core_views.page_not_found
handler500 = core_views.server_error
