"""Reads of the customers app: the store's customer records (the dashboard's list and detail),
a shopper's addresses and wishlist (each page in a fixed number of queries, whatever the number
of rows), and the state of the social sign-in apps, which never carries a secret."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.models import SocialAccount, SocialApp
from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.db.models import Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import get_language

from apps.accounts.models import User
from apps.accounts.social_apps import social_app_secret_read
from apps.catalog.models import Product, ProductImage, ProductVariant
from apps.customers.models import Address, Customer, WishlistItem
from apps.customers.social_providers import SOCIAL_PROVIDERS
from apps.tenants.models import Domain, Tenant


def country_name(code: str) -> str:
    """The country's name in the reader's language (CLDR through Babel), or the code itself."""
    try:
        locale = Locale.parse(get_language() or settings.LANGUAGE_CODE, sep="-")
    except (ValueError, UnknownLocaleError):
        locale = Locale.parse(settings.LANGUAGE_CODE)
    return str(locale.territories.get(code, code))


# ------------------------------------------------------------------------------
# Customer records
# ------------------------------------------------------------------------------
CUSTOMER_SEARCH_MAX_LENGTH = 100


def customer_list(*, query: str = "") -> QuerySet[Customer]:
    """The store's customers, newest first, with their account (one query per page); `query`
    matches part of the name or the email, in any case."""
    customers = Customer.objects.select_related("user").order_by("-created_at", "-id")
    text = " ".join(str(query or "").split())[:CUSTOMER_SEARCH_MAX_LENGTH]
    if text:
        customers = customers.filter(Q(email__icontains=text) | Q(full_name__icontains=text))
    return customers


def customer_get(*, customer_uuid: uuid.UUID | str) -> Customer | None:
    """One customer of this store by its public id, or None (a malformed id included)."""
    try:
        key = uuid.UUID(str(customer_uuid))
    except ValueError:
        return None
    return Customer.objects.select_related("user").filter(uuid=key).first()


def customer_for_user(*, user: User) -> Customer | None:
    """The customer record linked to a shopper's account, if any (their order history is that
    record's orders, guest orders of their verified email included)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Customer.objects.filter(user=user).first()


def customer_addresses(*, customer: Customer) -> list[Address]:
    """The saved addresses of the customer's account (a guest has none), default first."""
    if customer.user_id is None:
        return []
    return list(
        Address.objects.filter(user_id=customer.user_id).order_by("-is_default", "-created_at", "-id")
    )


# ------------------------------------------------------------------------------
# Addresses
# ------------------------------------------------------------------------------
def address_list(*, user: User) -> QuerySet[Address]:
    """The shopper's addresses, the default first, then the newest."""
    return Address.objects.filter(user=user).order_by("-is_default", "-created_at", "-id")


def address_get(*, user: User, address_uuid: uuid.UUID | str) -> Address | None:
    """One of the shopper's own addresses, or None (another shopper's or store's id included)."""
    try:
        key = uuid.UUID(str(address_uuid))
    except ValueError:
        return None
    return Address.objects.filter(user=user, uuid=key).first()


def address_default(*, user: User) -> Address | None:
    return Address.objects.filter(user=user, is_default=True).first()


# ------------------------------------------------------------------------------
# Wishlist
# ------------------------------------------------------------------------------
def wishlist_list(*, user: User) -> QuerySet[WishlistItem]:
    """The shopper's wishlist, newest first, with what the list shows: each product's lowest
    price and currency (`min_price`, `price_currency`) and its first image. Products the store
    no longer sells (draft, archived) are left out. Three queries for any length."""
    cheapest = ProductVariant.objects.filter(product=OuterRef("product_id")).order_by("price", "id")
    return (
        WishlistItem.objects.filter(user=user, product__status=Product.Status.ACTIVE)
        .select_related("product")
        .annotate(
            min_price=Min("product__variants__price"),
            price_currency=Subquery(cheapest.values("currency")[:1]),
        )
        .prefetch_related(
            Prefetch(
                "product__images",
                queryset=ProductImage.objects.order_by("position", "id"),
                to_attr="ordered_images",
            )
        )
        .order_by("-created_at", "-id")
    )


def wishlist_product_ids(*, user: User, product_ids: Iterable[int]) -> set[int]:
    """Which of `product_ids` are on the shopper's wishlist (one query; none for a visitor), so a
    product page or a list can draw each heart filled or empty."""
    if not getattr(user, "is_authenticated", False):
        return set()
    ids = list(product_ids)
    if not ids:
        return set()
    return set(
        WishlistItem.objects.filter(user=user, product_id__in=ids).values_list("product_id", flat=True)
    )


def wishlist_count(*, user: User) -> int:
    return WishlistItem.objects.filter(user=user, product__status=Product.Status.ACTIVE).count()


# ------------------------------------------------------------------------------
# Social sign-in apps
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SocialProviderState:
    """What a settings page may show of one provider's app: never the secret, only whether
    there is one."""

    id: str
    label: str
    client_id_label: str | Promise
    secret_label: str | Promise
    client_id_hint: str | Promise
    console_name: str | Promise
    configured: bool
    client_id: str
    secret_set: bool


def social_provider_states() -> list[SocialProviderState]:
    """Every provider a store can turn on, with its app in the current schema (one query). A
    secret this platform cannot decrypt (an archive from another platform) counts as not set:
    the page asks for it again."""
    apps: dict[str, tuple[str, bool]] = {}
    for provider, client_id, secret in (
        SocialApp.objects.filter(provider__in=SOCIAL_PROVIDERS)
        .order_by("pk")
        .values_list("provider", "client_id", "secret")
    ):
        if provider not in apps:
            apps[provider] = (client_id, bool(social_app_secret_read(secret, provider=provider)))
    states = []
    for spec in SOCIAL_PROVIDERS.values():
        client_id, secret_set = apps.get(spec.id, ("", False))
        states.append(
            SocialProviderState(
                id=spec.id,
                label=spec.label,
                client_id_label=spec.client_id_label,
                secret_label=spec.secret_label,
                client_id_hint=spec.client_id_hint,
                console_name=spec.console_name,
                configured=spec.id in apps,
                client_id=client_id,
                secret_set=secret_set,
            )
        )
    return states


def social_connections_apply(*, user: User, request: HttpRequest | None = None) -> bool:
    """Whether a shopper's "Connected accounts" page means anything to them: the store has a
    sign-in app allauth can use (one whose secret no key of this platform reads is not one), or
    the shopper has an account linked before that they may want to disconnect."""
    if SocialAccount.objects.filter(user=user).exists():
        return True
    return bool(get_social_adapter().list_apps(request))


def social_callback_urls(*, provider: str, tenant: Tenant) -> list[str]:
    """The redirect URIs to register with `provider`: its callback on every host that serves the
    store (the primary first). Shoppers come back to the host they started on, where their
    session cookie lives, so each serving host needs its own entry."""
    path = reverse(f"{provider}_callback")
    port = f":{settings.PLATFORM_PORT}" if settings.PLATFORM_PORT else ""
    domains = Domain.objects.filter(tenant=tenant).select_related("tenant").order_by("-is_primary", "domain")
    return [
        f"{settings.PLATFORM_SCHEME}://{domain.domain}{port}{path}" for domain in domains if domain.routes
    ]
