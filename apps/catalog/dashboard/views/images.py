"""A product's images: upload, alt text, order and delete, all `catalog.edit`. An image is
only ever addressed under its product's UUID, so another store's image is a 404."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from apps.billing.limits import PlanLimitReached
from apps.catalog import services
from apps.catalog.dashboard.forms import ImageAltForm, ImageMoveForm, ImageUploadForm
from apps.catalog.dashboard.views.common import product_detail_or_404, render_confirm
from apps.catalog.dashboard.views.products import render_product_edit
from apps.catalog.errors import CatalogError
from apps.catalog.models import Product, ProductImage
from apps.core.errors import ApplicationError
from apps.core.permissions import Perm, permission_required


def _image_or_404(product_uuid: UUID, image_id: int) -> ProductImage:
    return get_object_or_404(
        ProductImage.objects.select_related("product"), pk=image_id, product__uuid=product_uuid
    )


def _images_anchor(product: Product) -> str:
    return reverse("dashboard:catalog:product_edit", kwargs={"product_uuid": product.uuid}) + "#images"


@never_cache
@permission_required(Perm.CATALOG_EDIT)
@require_POST
def product_image_add(request: HttpRequest, product_uuid: UUID) -> HttpResponse:
    product = get_object_or_404(Product, uuid=product_uuid)
    form = ImageUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.product_image_add(
                product=product, upload=form.cleaned_data["image"], alt=form.cleaned_data["alt"]
            )
        except (CatalogError, PlanLimitReached) as error:
            # A plan refusal (media limit) names the limit and says to upgrade, under the file.
            form.add_error("image" if error.field in (None, "image") else None, error.message)
        else:
            messages.success(request, _("Image added."))
            return HttpResponseRedirect(_images_anchor(product))
    return render_product_edit(request, product_detail_or_404(product_uuid), image_form=form)


@never_cache
@permission_required(Perm.CATALOG_EDIT)
@require_POST
def product_image_alt(request: HttpRequest, product_uuid: UUID, image_id: int) -> HttpResponse:
    image = _image_or_404(product_uuid, image_id)
    form = ImageAltForm(request.POST)
    if form.is_valid():
        services.product_image_alt_set(image=image, alt=form.cleaned_data["alt"])
        messages.success(request, _("Alt text saved."))
    else:
        messages.error(request, _("The alt text can have at most 255 characters."))
    return HttpResponseRedirect(_images_anchor(image.product))


@never_cache
@permission_required(Perm.CATALOG_EDIT)
@require_POST
def product_image_move(request: HttpRequest, product_uuid: UUID, image_id: int) -> HttpResponse:
    image = _image_or_404(product_uuid, image_id)
    form = ImageMoveForm(request.POST)
    if form.is_valid():
        order = list(image.product.images.order_by("position", "id").values_list("pk", flat=True))
        index = order.index(image.pk)
        target = index - 1 if form.cleaned_data["direction"] == "up" else index + 1
        if 0 <= target < len(order):
            order[index], order[target] = order[target], order[index]
            try:
                services.product_images_reorder(product=image.product, image_ids=order)
            except CatalogError as error:
                messages.error(request, error.message)
    return HttpResponseRedirect(_images_anchor(image.product))


@never_cache
@permission_required(Perm.CATALOG_EDIT)
@require_http_methods(["GET", "POST"])
def product_image_delete(request: HttpRequest, product_uuid: UUID, image_id: int) -> HttpResponse:
    image = _image_or_404(product_uuid, image_id)
    error = None
    if request.method == "POST":
        try:
            services.product_image_delete(image=image)
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("Image deleted."))
            return HttpResponseRedirect(_images_anchor(image.product))
    return render_confirm(
        request,
        heading=_("Delete this image of “%(title)s”?") % {"title": image.product.title},
        consequences=[_("The image file is removed from the store.")],
        cancel_url=_images_anchor(image.product),
        confirm_label=_("Delete image"),
        error=error,
        image=image,
    )
