"""Test data for reviews, made inside the store's schema: a shopper's paid order of a product
(through the real checkout and the dummy gateway), reviews in a given status, photo uploads."""

from __future__ import annotations

import io
import uuid
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context
from PIL import Image

from apps.accounts.models import User
from apps.catalog.models import Product
from apps.orders.models import Order
from apps.orders.tests.factories import checkout_ready, place, variant_make
from apps.reviews.models import Review, ReviewStatus
from tests.fixtures import StoreWorld, make_store_user, store_client


def product_make(title: str = "Linen shirt") -> Product:
    return variant_make(title=f"{title} {uuid.uuid4().hex[:6]}").product


def order_paid_for(*, user: User | None, product: Product, email: str = "") -> Order:
    """A paid order of `product` placed from `user`'s account (a guest order without one)."""
    variant = product.variants.get()
    checkout = checkout_ready(
        items=[(variant, 1)], user=user, email=email or (user.email if user else "guest@example.com")
    )
    order = place(checkout).order
    assert order.is_paid, order.status
    return order


def review_make(
    *, product: Product, user: User | None = None, status: str = ReviewStatus.PUBLISHED, **fields: Any
) -> Review:
    values: dict[str, Any] = {
        "author_name": "Erika M.",
        "rating": 5,
        "title": "Lovely",
        "body": "Soft and well made.",
    }
    values.update(fields)
    return Review.objects.create(product=product, user=user, status=status, **values)


def photo_upload(name: str = "photo.png", size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def shopper_make(world: StoreWorld, name: str = "Erika Mustermann") -> User:
    user = make_store_user(world, f"shopper-{uuid.uuid4().hex[:8]}@example.com")
    with schema_context(world.tenant.schema_name):
        User.objects.filter(pk=user.pk).update(full_name=name)
        user.refresh_from_db()
    return user


def signed_in(world: StoreWorld, user: User) -> Client:
    client = store_client(world)
    with schema_context(world.tenant.schema_name):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def role_client(world: StoreWorld, role: str) -> Client:
    """A client signed in to `world` as a new team member with `role`."""
    return signed_in(world, make_store_user(world, f"{role}-{uuid.uuid4().hex[:8]}@example.com", role=role))
