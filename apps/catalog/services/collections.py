"""Collections: a hand-picked list of products, or the products matching up to five rules."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.db import transaction

from apps.catalog import normalise
from apps.catalog.errors import CatalogError, CatalogErrorCode
from apps.catalog.models import Collection, CollectionProduct
from apps.catalog.services.products import handle_unique
from apps.core.events import event_emit

RULE_FIELDS = {"tag", "vendor", "product_type", "title", "price", "category"}
RULE_OPS = {"equals", "contains", "gt", "lt"}


def collection_rules_clean(rules: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    cleaned = []
    for index, rule in enumerate(rules, start=1):
        field_name, op, value = rule.get("field"), rule.get("op"), str(rule.get("value", "")).strip()
        if field_name not in RULE_FIELDS or op not in RULE_OPS or not value:
            raise CatalogError(CatalogErrorCode.RULE_INVALID, {"n": index}, field="rules")
        if field_name == "price":
            try:
                Decimal(value)
            except (ArithmeticError, InvalidOperation) as exc:
                raise CatalogError(CatalogErrorCode.RULE_NOT_A_NUMBER, {"n": index}, field="rules") from exc
        cleaned.append({"field": field_name, "op": op, "value": value})
    return cleaned


@transaction.atomic
def collection_save(
    *,
    collection: Collection,
    title: str,
    kind: str,
    description: str = "",
    match: str = Collection.Match.ALL,
    rules: Sequence[dict[str, str]] = (),
    product_ids: Sequence[int] = (),
) -> Collection:
    title = normalise.text_line(title, limit=255)
    if not title:
        raise CatalogError(CatalogErrorCode.COLLECTION_TITLE_REQUIRED, field="title")
    collection.title = title
    collection.description = normalise.description_clean(description)
    collection.kind = kind
    collection.match = match
    collection.rules = collection_rules_clean(rules) if kind == Collection.Kind.RULES else []
    if kind == Collection.Kind.RULES and not collection.rules:
        raise CatalogError(CatalogErrorCode.RULES_REQUIRED, field="rules")
    if not collection.handle:
        collection.handle = handle_unique(title, model=Collection)
    created = collection.pk is None
    collection.save()
    if kind == Collection.Kind.MANUAL:
        CollectionProduct.objects.filter(collection=collection).delete()
        CollectionProduct.objects.bulk_create(
            [
                CollectionProduct(collection=collection, product_id=pid, position=i)
                for i, pid in enumerate(product_ids)
            ]
        )
    event_emit(
        name="collection.created" if created else "collection.updated",
        payload={"handle": collection.handle, "title": collection.title},
    )
    return collection


@transaction.atomic
def collection_delete(*, collection: Collection) -> None:
    """Delete a collection; its products stay."""
    event_emit(name="collection.deleted", payload={"handle": collection.handle, "title": collection.title})
    collection.delete()
