"""Test data for returns, made through the owning apps' services. Call inside a store's schema
unless said otherwise."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context
from PIL import Image

from apps.accounts.models import User
from apps.inventory.models import StockLevel
from apps.orders.models import Order
from apps.orders.tests.factories import checkout_ready, place, variant_make
from apps.returns.models import ReturnRequest
from apps.returns.services import return_request_create
from tests.fixtures import PASSWORD, StoreWorld, make_store_user, store_client


def shopper_make(world: StoreWorld, email: str = "") -> User:
    """A shopper account in `world` (works inside or outside its schema)."""
    return make_store_user(world, email or f"shopper-{uuid.uuid4().hex[:8]}@example.com")


def paid_order(
    *, user: User | None = None, price: str = "20.00", quantity: int = 3, lines: int = 1, stock: int = 10
) -> Order:
    """A paid card order (dummy gateway): `lines` variants of `quantity` units each at `price`,
    shipping 5.00; placed from `user`'s account when given."""
    variants = [variant_make(price=price, stock=stock) for _ in range(lines)]
    email = user.email if user is not None else "guest@example.com"
    placement = place(checkout_ready(items=[(v, quantity) for v in variants], email=email, user=user))
    assert placement.paid, placement
    return Order.objects.get(pk=placement.order.pk)


def on_hand(order: Order) -> dict[int, int]:
    """Units on hand per variant of the order's lines."""
    variant_ids = [line.variant_id for line in order.lines.all()]
    totals: dict[int, int] = {}
    for level in StockLevel.objects.filter(variant_id__in=variant_ids):
        totals[level.variant_id] = totals.get(level.variant_id, 0) + level.on_hand
    return totals


def photo_upload(name: str = "photo.png", *, size: tuple[int, int] = (8, 8)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def pdf_upload(name: str = "label.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% test label\n%%EOF\n", content_type="application/pdf")


def return_make(order: Order, *, user: User | None = None, units: int = 1, **kwargs: Any) -> ReturnRequest:
    line = order.lines.first()
    assert line is not None
    return return_request_create(
        order=order,
        user=user or order.user,
        lines=[(line.pk, units)],
        reason=kwargs.pop("reason", "size"),
        **kwargs,
    )


def age(order: Order, *, days: int) -> Order:
    """Pretend the order was paid `days` ago."""
    Order.objects.filter(pk=order.pk).update(paid_at=timezone.now() - timedelta(days=days))
    return Order.objects.get(pk=order.pk)


def client_for(world: StoreWorld, user: User) -> Client:
    client = store_client(world)
    with schema_context(world.tenant.schema_name):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def staff_client(world: StoreWorld, role: str = "staff") -> tuple[Client, User]:
    user = make_store_user(world, f"{role}-{uuid.uuid4().hex[:8]}@example.com", role=role)
    return client_for(world, user), user


__all__ = ["PASSWORD", "Decimal"]
