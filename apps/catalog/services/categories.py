"""Categories: a tree stored with materialised paths of handles ("clothing/shirts/polo"), so a
subtree is one indexed prefix match. Moving a category rewrites its descendants' paths in one
UPDATE, however many there are."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from apps.catalog.changes import catalog_data_changed
from apps.catalog.errors import CatalogError, CatalogErrorCode
from apps.catalog.models import Category
from apps.catalog.services.products import handle_unique
from apps.core.events import event_emit


def _category_path(category: Category, parent: Category | None) -> tuple[str, int]:
    if parent is None:
        return category.slug, 0
    return f"{parent.path}/{category.slug}", parent.depth + 1


@transaction.atomic
def category_save(
    *, category: Category, name: str, parent: Category | None, description: str = ""
) -> Category:
    name = " ".join(name.split())
    if not name:
        raise CatalogError(CatalogErrorCode.CATEGORY_NAME_REQUIRED, field="name")
    if parent is not None:
        # The parent as stored now: a stale copy could hide a move that makes a cycle.
        parent = Category.objects.get(pk=parent.pk)
    if (
        parent is not None
        and category.pk is not None
        and (
            parent.pk == category.pk
            or parent.path == category.path
            or parent.path.startswith(category.path + "/")
        )
    ):
        raise CatalogError(CatalogErrorCode.CATEGORY_CYCLE, field="parent")
    old_path, old_depth = category.path, category.depth
    category.name = name
    category.description = description
    category.parent = parent
    if not category.slug:
        category.slug = handle_unique(name, model=Category)
    category.path, category.depth = _category_path(category, parent)
    created = category.pk is None
    category.save()
    if old_path and old_path != category.path:
        # "old/child/..." becomes "new/child/...": the new prefix and the rest of each path.
        Category.objects.filter(path__startswith=old_path + "/").update(
            path=Concat(Value(category.path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + (category.depth - old_depth),
            updated_at=timezone.now(),
        )
    catalog_data_changed()
    event_emit(
        name="category.created" if created else "category.updated",
        payload={"path": category.path, "name": category.name},
    )
    return category


@transaction.atomic
def category_delete(*, category: Category) -> None:
    if category.children.exists():
        raise CatalogError(CatalogErrorCode.CATEGORY_HAS_CHILDREN)
    event_emit(name="category.deleted", payload={"path": category.path, "name": category.name})
    category.delete()  # products keep existing without a category (SET_NULL)
    catalog_data_changed()
