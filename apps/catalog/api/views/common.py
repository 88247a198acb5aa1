"""What the catalog's admin endpoints share: the documentation tags and scope note, who acts
for a key, and the product lookup that 404s outside the current store."""

from __future__ import annotations

from uuid import UUID

from django.shortcuts import get_object_or_404
from rest_framework.request import Request

from apps.accounts.models import User
from apps.api.access import KeyPrincipal
from apps.catalog.models import Product

TAG_PRODUCTS = ["products"]
TAG_COLLECTIONS = ["collections"]
SCOPES_NOTE = " Scopes: `products:read` to read, `products:write` to change."


def actor_of(request: Request) -> User | None:
    """The member who created the key: the services record them as the one acting."""
    principal = request.user
    return principal.key.created_by if isinstance(principal, KeyPrincipal) else None


def product_or_404(uuid: UUID) -> Product:
    return get_object_or_404(Product, uuid=uuid)
