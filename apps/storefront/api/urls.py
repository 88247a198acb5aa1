"""`/api/v1/storefront/...`: the storefront API (see `apps.storefront.api`)."""

from django.urls import path

from apps.storefront.api.views import account, carts, catalog, checkout, content

app_name = "storefront"

urlpatterns = [
    path("store", catalog.StoreProfileApi.as_view(), name="store"),
    path("products", catalog.ProductListApi.as_view(), name="product_list"),
    path("products/<slug:handle>", catalog.ProductDetailApi.as_view(), name="product_detail"),
    path("collections", catalog.CollectionListApi.as_view(), name="collection_list"),
    path(
        "collections/<slug:handle>/products",
        catalog.CollectionProductsApi.as_view(),
        name="collection_products",
    ),
    path("search", catalog.SearchApi.as_view(), name="search"),
    path("blog/posts", content.BlogPostListApi.as_view(), name="blog_post_list"),
    path("blog/posts/<slug:slug>", content.BlogPostDetailApi.as_view(), name="blog_post_detail"),
    path("carts", carts.CartCreateApi.as_view(), name="cart_create"),
    path("carts/<uuid:token>", carts.CartDetailApi.as_view(), name="cart_detail"),
    path("carts/<uuid:token>/lines", carts.CartLinesApi.as_view(), name="cart_lines"),
    path("carts/<uuid:token>/lines/<uuid:line>", carts.CartLineApi.as_view(), name="cart_line"),
    path("carts/<uuid:token>/checkout", carts.CartCheckoutApi.as_view(), name="cart_checkout"),
    path("checkouts/<uuid:token>", checkout.CheckoutDetailApi.as_view(), name="checkout_detail"),
    path("checkouts/<uuid:token>/pay", checkout.CheckoutPayApi.as_view(), name="checkout_pay"),
    path("auth/token", account.ShopperTokenApi.as_view(), name="auth_token"),
    path("me", account.MeApi.as_view(), name="me"),
    path("me/orders", account.MyOrdersApi.as_view(), name="my_orders"),
    path("me/orders/<int:number>", account.MyOrderApi.as_view(), name="my_order"),
]
