"""URLs of the platform domain: landing, merchant signup and console, the Django admin."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from apps.content.cms import admin_urlpatterns, serve_urlpatterns
from apps.core import views as core_views
from apps.platform_site import views as platform_site_views

admin.site.site_header = settings.PLATFORM_NAME
admin.site.site_title = settings.PLATFORM_NAME

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Prometheus (apps.core.metrics): the platform host only; the store URLconf has no such path.
    path("metrics", core_views.metrics, name="metrics"),
    path("stripe/connect/", include("apps.payments.platform.urls")),
    # Platform billing: Stripe's subscription webhooks and the console's billing pages.
    path("billing/stripe/", include("apps.billing.stripe_urls")),
    path("console/merchants/<uuid:merchant_uuid>/billing/", include("apps.billing.dashboard.stripe_urls")),
    # Wagtail: /cms/ for platform staff, and the platform site's pages after every other URL.
    *admin_urlpatterns(),
    # "/" is the platform site's home page (Wagtail); the old landing view answers until one exists.
    path("", platform_site_views.home, name="platform_site_home"),
    path("", include("apps.platform.urls")),
    *serve_urlpatterns(),
]

handler404 = core_views.page_not_found
handler500 = core_views.server_error
