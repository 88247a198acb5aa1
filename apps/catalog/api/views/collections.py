"""Collections (addressed by handle): list, detail with product ids, create, change, delete, and
adding or removing products of a manual collection, through `collection_save`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import django_filters
from django.db.models import Count, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.views import ApiView, ListCreateApiView, RetrieveApiView
from apps.catalog import selectors, services
from apps.catalog.api import serializers as s
from apps.catalog.api.views.common import SCOPES_NOTE, TAG_COLLECTIONS
from apps.catalog.models import Collection, Product


# ------------------------------------------------------------------------------
# collections
# ------------------------------------------------------------------------------
class CollectionFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Collection.Kind.choices)

    class Meta:
        model = Collection
        fields = ["kind"]


def _collections() -> QuerySet[Collection]:
    return Collection.objects.annotate(product_count=Count("products", distinct=True))


def _collection_or_404(handle: str) -> Collection:
    return get_object_or_404(_collections(), handle=handle)


def _member_ids(collection: Collection) -> list[int]:
    if collection.pk is None or collection.kind != Collection.Kind.MANUAL:
        return []
    return list(selectors.collection_products(collection=collection).values_list("pk", flat=True))


def _product_ids(uuids: list[UUID], field: str = "product_ids") -> list[int]:
    """Product ids of `uuids`, in their order; an unknown uuid is a 400 naming it."""
    known = dict(Product.objects.filter(uuid__in=uuids).values_list("uuid", "pk"))
    unknown = [str(value) for value in uuids if value not in known]
    if unknown:
        raise exceptions.ValidationError(
            {field: [_("No product has the id %(ids)s.") % {"ids": ", ".join(unknown[:10])}]}
        )
    return [known[value] for value in uuids]


def _collection_answer(handle: str) -> dict[str, Any]:
    collection = _collection_or_404(handle)
    product_ids = selectors.collection_products(collection=collection).values_list("uuid", flat=True)
    return s.CollectionDetailSerializer(collection, context={"product_ids": list(product_ids)}).data  # type: ignore[no-any-return]


def _collection_save(
    collection: Collection, data: dict[str, Any], *, product_ids: list[int] | None = None
) -> Collection:
    kind = data.get("kind", collection.kind or Collection.Kind.MANUAL)
    if product_ids is None and "product_ids" in data:
        product_ids = _product_ids(data["product_ids"])
    elif product_ids is None:
        # Unchanged members; a collection turned rule-based keeps none.
        product_ids = _member_ids(collection) if kind == Collection.Kind.MANUAL else []
    if product_ids and kind != Collection.Kind.MANUAL:
        raise exceptions.ValidationError(
            {
                "product_ids": [
                    _("Only a manual collection lists its products; a rule-based one matches them.")
                ]
            }
        )
    return services.collection_save(
        collection=collection,
        title=data.get("title", collection.title),
        kind=kind,
        description=data.get("description", collection.description),
        match=data.get("match", collection.match or Collection.Match.ALL),
        rules=data.get("rules", collection.rules),
        product_ids=product_ids,
    )


COLLECTION_EXAMPLE = {
    "title": "Summer",
    "kind": "manual",
    "product_ids": ["5f0c6a5e-8e51-4a4e-9d6c-0a4c1b2f3d4e"],
}


@extend_schema_view(
    get=extend_schema(tags=TAG_COLLECTIONS, summary="List collections", description=SCOPES_NOTE.strip()),
    post=extend_schema(
        tags=TAG_COLLECTIONS,
        summary="Create a collection",
        description=(
            "A `manual` collection lists `product_ids` in order; a `rules` collection matches "
            "the products meeting `rules` (all or any, per `match`)." + SCOPES_NOTE
        ),
        request=s.CollectionInputSerializer,
        responses={201: s.CollectionDetailSerializer},
        examples=[
            OpenApiExample("Hand-picked", value=COLLECTION_EXAMPLE, request_only=True),
            OpenApiExample(
                "By rule",
                value={
                    "title": "Acme",
                    "kind": "rules",
                    "rules": [{"field": "vendor", "op": "equals", "value": "Acme"}],
                },
                request_only=True,
            ),
        ],
    ),
)
class CollectionList(ListCreateApiView):
    api_resource = "products"
    serializer_class = s.CollectionSerializer
    filterset_class = CollectionFilter
    ordering_fields = ["title", "created_at", "updated_at"]
    ordering = ["title", "id"]

    def get_queryset(self) -> QuerySet[Collection]:
        return _collections()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = s.CollectionInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        collection = _collection_save(Collection(), body.validated_data)
        return Response(_collection_answer(collection.handle), status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        tags=TAG_COLLECTIONS,
        summary="Get a collection",
        description="With the ids of its products, in order." + SCOPES_NOTE,
        responses=s.CollectionDetailSerializer,
    ),
    patch=extend_schema(
        tags=TAG_COLLECTIONS,
        summary="Change a collection",
        description="Only the fields sent change; `product_ids`, when sent, is the whole new list."
        + SCOPES_NOTE,
        request=s.CollectionUpdateInputSerializer,
        responses={200: s.CollectionDetailSerializer},
        examples=[OpenApiExample("Rename", value={"title": "Summer sale"}, request_only=True)],
    ),
    delete=extend_schema(
        tags=TAG_COLLECTIONS,
        summary="Delete a collection",
        description="Its products stay." + SCOPES_NOTE,
        responses={204: None},
    ),
)
class CollectionDetail(RetrieveApiView):
    api_resource = "products"
    serializer_class = s.CollectionDetailSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(_collection_answer(kwargs["handle"]))

    def patch(self, request: Request, handle: str) -> Response:
        collection = _collection_or_404(handle)
        body = s.CollectionUpdateInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        _collection_save(collection, body.validated_data)
        return Response(_collection_answer(collection.handle))

    def delete(self, request: Request, handle: str) -> Response:
        services.collection_delete(collection=_collection_or_404(handle))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _manual_or_400(collection: Collection) -> None:
    if collection.kind != Collection.Kind.MANUAL:
        raise exceptions.ValidationError(
            {
                "product_ids": [
                    _("Only a manual collection lists its products; a rule-based one matches them.")
                ]
            }
        )


class CollectionProducts(ApiView):
    api_resource = "products"

    @extend_schema(
        tags=TAG_COLLECTIONS,
        summary="Add products to a manual collection",
        description="Appends the products not in it yet, in the order given." + SCOPES_NOTE,
        request=s.CollectionProductsInputSerializer,
        responses={200: s.CollectionDetailSerializer},
        examples=[
            OpenApiExample(
                "Two products",
                value={"product_ids": list(COLLECTION_EXAMPLE["product_ids"])},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, handle: str) -> Response:
        collection = _collection_or_404(handle)
        body = s.CollectionProductsInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        _manual_or_400(collection)
        current = _member_ids(collection)
        adding = [pid for pid in _product_ids(body.validated_data["product_ids"]) if pid not in current]
        _collection_save(collection, {}, product_ids=current + adding)
        return Response(_collection_answer(collection.handle))


class CollectionProductRemove(ApiView):
    api_resource = "products"

    @extend_schema(
        tags=TAG_COLLECTIONS,
        summary="Take a product out of a manual collection",
        description="The product itself stays." + SCOPES_NOTE,
        responses={204: None},
    )
    def delete(self, request: Request, handle: str, uuid: UUID) -> Response:
        collection = _collection_or_404(handle)
        _manual_or_400(collection)
        product_id = Product.objects.filter(uuid=uuid).values_list("pk", flat=True).first()
        current = _member_ids(collection)
        if product_id is None or product_id not in current:
            raise Http404(_("The product is not in this collection."))
        _collection_save(collection, {}, product_ids=[pid for pid in current if pid != product_id])
        return Response(status=status.HTTP_204_NO_CONTENT)
