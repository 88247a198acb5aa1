"""Checkout set-up pages of the dashboard, mounted at /dashboard/ (see apps.dashboard.urls):
/dashboard/shipping/, /dashboard/taxes/, /dashboard/discounts/, /dashboard/gift-cards/."""

from django.urls import URLPattern, URLResolver, path

from apps.checkout.dashboard import views

app_name = "checkout"

urlpatterns: list[URLPattern | URLResolver] = [
    path("shipping/", views.zone_list, name="shipping"),
    path("shipping/zones/new/", views.zone_create, name="zone_create"),
    path("shipping/zones/<int:zone_id>/", views.zone_edit, name="zone_edit"),
    path("shipping/zones/<int:zone_id>/delete/", views.zone_delete, name="zone_delete"),
    path("shipping/zones/<int:zone_id>/rates/new/", views.rate_create, name="rate_create"),
    path("shipping/zones/<int:zone_id>/rates/<int:rate_id>/", views.rate_edit, name="rate_edit"),
    path("shipping/zones/<int:zone_id>/rates/<int:rate_id>/delete/", views.rate_delete, name="rate_delete"),
    path("taxes/", views.tax_list, name="taxes"),
    path("taxes/prices-include-tax/", views.prices_include_tax, name="prices_include_tax"),
    path("taxes/new/", views.tax_create, name="tax_create"),
    path("taxes/load-eu-vat/", views.tax_load_eu, name="tax_load_eu"),
    path("taxes/<int:tax_rate_id>/", views.tax_edit, name="tax_edit"),
    path("taxes/<int:tax_rate_id>/delete/", views.tax_delete, name="tax_delete"),
    path("discounts/", views.discount_list, name="discount_list"),
    path("discounts/new/", views.discount_create, name="discount_create"),
    path("discounts/<int:discount_id>/", views.discount_detail, name="discount_detail"),
    path("discounts/<int:discount_id>/edit/", views.discount_edit, name="discount_edit"),
    path(
        "discounts/<int:discount_id>/deactivate/", views.discount_deactivate_view, name="discount_deactivate"
    ),
    path("discounts/<int:discount_id>/delete/", views.discount_delete_view, name="discount_delete"),
    path("gift-cards/", views.gift_card_list, name="gift_card_list"),
    path("gift-cards/new/", views.gift_card_issue_view, name="gift_card_issue"),
    path("gift-cards/<int:gift_card_id>/", views.gift_card_detail, name="gift_card_detail"),
    path("gift-cards/<int:gift_card_id>/adjust/", views.gift_card_adjust_view, name="gift_card_adjust"),
    path("gift-cards/<int:gift_card_id>/disable/", views.gift_card_disable_view, name="gift_card_disable"),
]
