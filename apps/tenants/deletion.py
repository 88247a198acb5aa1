"""Deleting a row must only follow relations whose tables live in the current schema.

Users exist in `public` and in every store schema. Django's deletion collector cascades along
every model that points at the user model, in any app, and a store schema's search_path ends in
`public`: deleting a store's shopper with id 5 would otherwise also query (and cascade into)
`public.platform_membership WHERE user_id = 5`, a platform user's memberships, while deleting a
platform user would query store-only tables that do not exist in `public`. The collector's
candidate relations are therefore filtered to the apps installed in the schema being written.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import deletion

_original = deletion.get_candidate_relations_to_delete


def _allowed(model: Any) -> bool:
    app_name = model._meta.app_config.name
    if getattr(connection, "schema_name", "public") == "public":
        return app_name in settings.SHARED_APPS
    return app_name in settings.TENANT_APPS


def candidate_relations_in_schema(opts: Any) -> Iterator[Any]:
    for relation in _original(opts):
        if _allowed(relation.related_model):
            yield relation


def install() -> None:
    deletion.get_candidate_relations_to_delete = candidate_relations_in_schema  # type: ignore[assignment]
