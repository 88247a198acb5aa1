from django.urls import path

from apps.checkout.api import views

app_name = "checkout"

urlpatterns = [
    path("discounts", views.DiscountList.as_view(), name="discount_list"),
    path("discounts/<uuid:uuid>", views.DiscountDetail.as_view(), name="discount_detail"),
    path("discounts/<uuid:uuid>/deactivate", views.DiscountDeactivate.as_view(), name="discount_deactivate"),
    path("gift-cards", views.GiftCardList.as_view(), name="gift_card_list"),
    path("gift-cards/<uuid:uuid>", views.GiftCardDetail.as_view(), name="gift_card_detail"),
    path(
        "gift-cards/<uuid:uuid>/transactions",
        views.GiftCardTransactionList.as_view(),
        name="gift_card_transactions",
    ),
    path("gift-cards/<uuid:uuid>/adjust", views.GiftCardAdjust.as_view(), name="gift_card_adjust"),
    path("gift-cards/<uuid:uuid>/disable", views.GiftCardDisable.as_view(), name="gift_card_disable"),
]
