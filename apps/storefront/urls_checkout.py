"""Storefront URLs: the checkout, an order's confirmation and status pages, and the payment link
(mounted in apps.storefront.urls). A checkout is named by its token and an order by its uuid or
a signed token, never by a sequential id or the order number."""

from django.urls import URLPattern, URLResolver, path

from apps.storefront.views import checkout, checkout_payment, orders

urlpatterns: list[URLPattern | URLResolver] = [
    path("checkout/", checkout.checkout_start, name="checkout"),
    path("checkout/<uuid:token>/contact/", checkout.checkout_contact, name="checkout_contact"),
    path("checkout/<uuid:token>/address/", checkout.checkout_address, name="checkout_address"),
    path("checkout/<uuid:token>/shipping/", checkout.checkout_shipping, name="checkout_shipping"),
    path("checkout/<uuid:token>/payment/", checkout_payment.checkout_payment, name="checkout_payment"),
    path("checkout/<uuid:token>/codes/", checkout_payment.checkout_code_apply, name="checkout_code_apply"),
    path(
        "checkout/<uuid:token>/codes/remove/",
        checkout_payment.checkout_code_remove,
        name="checkout_code_remove",
    ),
    path(
        "checkout/<uuid:token>/store-credit/",
        checkout_payment.checkout_store_credit,
        name="checkout_store_credit",
    ),
    path(
        "checkout/<uuid:token>/prices/",
        checkout_payment.checkout_prices_accept,
        name="checkout_prices_accept",
    ),
    path("checkout/<uuid:token>/place/", checkout_payment.checkout_place, name="checkout_place"),
    path("checkout/<uuid:token>/card/", checkout_payment.checkout_card, name="checkout_card"),
    path("checkout/<uuid:token>/return/", checkout_payment.checkout_return, name="checkout_return"),
    path("checkout/complete/<uuid:order_uuid>/", orders.checkout_complete, name="checkout_complete"),
    path("orders/status/<str:token>/", orders.order_status, name="order_status"),
    path("pay/<str:token>/", orders.order_pay, name="order_pay"),
    path("pay/<str:token>/card/", orders.order_pay_card, name="order_pay_card"),
    path("pay/<str:token>/return/", orders.order_pay_return, name="order_pay_return"),
]
