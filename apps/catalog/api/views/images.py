"""A product's images: multipart upload checked by `product_image_add` (the dashboard's check),
alt text, position and delete. An image is only addressed under its product's uuid."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.conventions import BodyTooLarge
from apps.api.views import ListCreateApiView, RetrieveApiView
from apps.catalog import services
from apps.catalog.api import serializers as s
from apps.catalog.api.views.common import SCOPES_NOTE, TAG_PRODUCTS, product_or_404
from apps.catalog.models import ProductImage

# ------------------------------------------------------------------------------
# images
# ------------------------------------------------------------------------------
# Room for the multipart boundaries and the alt text around the largest accepted image.
MULTIPART_OVERHEAD = 64 * 1024


class ImageMultiPartParser(MultiPartParser):
    """Multipart bodies up to the catalog's image size limit, refused before they are read."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        request = (parser_context or {}).get("request")
        limit = settings.CATALOG_IMAGE_MAX_BYTES + MULTIPART_OVERHEAD
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        except ValueError:
            length = 0
        if length > limit:
            raise BodyTooLarge(limit)
        return super().parse(stream, media_type, parser_context)


def _image_or_404(uuid: UUID, image_id: int) -> ProductImage:
    return get_object_or_404(ProductImage.objects.select_related("product"), pk=image_id, product__uuid=uuid)


@extend_schema_view(
    get=extend_schema(tags=TAG_PRODUCTS, summary="List a product's images", description=SCOPES_NOTE.strip()),
    post=extend_schema(
        tags=TAG_PRODUCTS,
        summary="Upload an image",
        description=(
            "A `multipart/form-data` body with the file in `image` (JPEG, PNG, WebP or GIF, at "
            "most `CATALOG_IMAGE_MAX_BYTES`; never SVG) and an optional `alt`. The image goes "
            "last; a thumbnail is made. An upload that would take the store past its plan's "
            "media storage is a 400 `plan_limit_reached` with `params.limit` `max_media_mb`." + SCOPES_NOTE
        ),
        request={"multipart/form-data": s.ImageUploadInputSerializer},
        responses={201: s.ImageSerializer},
    ),
)
class ImageList(ListCreateApiView):
    api_resource = "products"
    serializer_class = s.ImageSerializer
    parser_classes = [ImageMultiPartParser]
    ordering_fields = ["position", "created_at"]
    ordering = ["position", "id"]

    def get_queryset(self) -> QuerySet[ProductImage]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no product
            return ProductImage.objects.none()
        return ProductImage.objects.filter(product=product_or_404(self.kwargs["uuid"]))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        product = product_or_404(kwargs["uuid"])
        body = s.ImageUploadInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        image = services.product_image_add(
            product=product, upload=body.validated_data["image"], alt=body.validated_data.get("alt", "")
        )
        return Response(s.ImageSerializer(image).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(tags=TAG_PRODUCTS, summary="Get an image", description=SCOPES_NOTE.strip()),
    patch=extend_schema(
        tags=TAG_PRODUCTS,
        summary="Change an image's alt text or position",
        description="`position` 0 makes it the first image; the others move along." + SCOPES_NOTE,
        request=s.ImageUpdateInputSerializer,
        responses={200: s.ImageSerializer},
        examples=[
            OpenApiExample("Make it the main image", value={"alt": "Front", "position": 0}, request_only=True)
        ],
    ),
    delete=extend_schema(
        tags=TAG_PRODUCTS,
        summary="Delete an image",
        description="Removes the image and its file." + SCOPES_NOTE,
        responses={204: None},
    ),
)
class ImageDetail(RetrieveApiView):
    api_resource = "products"
    serializer_class = s.ImageSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_object(self) -> ProductImage:
        return _image_or_404(self.kwargs["uuid"], self.kwargs["image_id"])

    def patch(self, request: Request, uuid: UUID, image_id: int) -> Response:
        image = self.get_object()
        body = s.ImageUpdateInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            if "alt" in body.validated_data:
                services.product_image_alt_set(image=image, alt=body.validated_data["alt"])
            if "position" in body.validated_data:
                order = list(image.product.images.order_by("position", "id").values_list("pk", flat=True))
                order.remove(image.pk)
                order.insert(min(body.validated_data["position"], len(order)), image.pk)
                services.product_images_reorder(product=image.product, image_ids=order)
        return Response(s.ImageSerializer(self.get_object()).data)

    def delete(self, request: Request, uuid: UUID, image_id: int) -> Response:
        services.product_image_delete(image=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
