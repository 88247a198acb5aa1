"""The plan's media limit (`max_media_mb`): a store's product images, originals and thumbnails,
are measured in MB and an upload past the limit is refused by the service, in the dashboard
editor (a form error) and in the API (a 400 naming the limit); another store's images never
count."""

from __future__ import annotations

import io
import random
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from PIL import Image

from apps.api.tests.factories import api_client, api_key_make
from apps.billing.limits import Limit, PlanLimitReached, usage
from apps.billing.tests.factories import make_plan, merchant_on_plan
from apps.catalog.models import ProductImage
from apps.catalog.selectors import media_mb_in_store
from apps.catalog.services import product_image_add
from apps.catalog.tests.dashboard.helpers import BASE, staff_client
from apps.catalog.tests.factories import make_product, png_upload

pytestmark = pytest.mark.django_db

MEGABYTE = 1024 * 1024


@pytest.fixture(autouse=True)
def _media_of_its_own(settings, tmp_path):  # type: ignore[no-untyped-def]
    from django.core.files.storage import storages

    storage = storages["default"]
    settings.MEDIA_ROOT = str(tmp_path)
    storage.__dict__.pop("relative_media_root", None)
    yield
    storage.__dict__.pop("relative_media_root", None)


def _photo(name: str = "photo.png", seed: int = 1) -> SimpleUploadedFile:
    """A 400×400 PNG of noise: about 0.47 MB, plus a ~0.1 MB thumbnail; two do not fit in 1 MB."""
    pixels = random.Random(seed).randbytes(400 * 400 * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (400, 400), pixels).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _in(world, function, *args, **kwargs):  # type: ignore[no-untyped-def]
    with schema_context(world.tenant.schema_name):
        return function(*args, **kwargs)


def _media_row(world: Any) -> Any:
    return next(row for row in usage(merchant=world.merchant) if row.limit == Limit.MEDIA_MB)


def test_an_upload_within_the_plan_is_stored_with_its_size_and_counted(alpha):
    # given a store on a 1 MB plan
    merchant_on_plan(alpha.merchant, make_plan(max_media_mb=1))
    product = _in(alpha, make_product, "Rug")
    upload = _photo()
    # when a photo is uploaded
    image = _in(alpha, product_image_add, product=product, upload=upload)
    # then its bytes are the original's and the thumbnail's, and the store uses 1 MB of 1
    with schema_context(alpha.tenant.schema_name):  # the store's files live under its schema
        assert image.size_bytes == image.image.size + image.thumbnail.size
    assert image.size_bytes > upload.size
    assert 0.5 * MEGABYTE < image.size_bytes < MEGABYTE
    assert media_mb_in_store(merchant=alpha.merchant, store=alpha.tenant) == 1
    row = _media_row(alpha)
    assert (row.used, row.allowed, row.reached) == (1, 1, True)
    # and small images still fill the rest of that megabyte (not one rounded-up MB each)
    for index in range(3):
        _in(alpha, product_image_add, product=product, upload=png_upload(f"{index}.png"))
    assert _in(alpha, ProductImage.objects.count) == 4


def test_an_upload_beyond_the_plan_is_refused_naming_the_limit(alpha):
    merchant_on_plan(alpha.merchant, make_plan(name="Tiny", max_media_mb=1))
    product = _in(alpha, make_product, "Rug")
    _in(alpha, product_image_add, product=product, upload=_photo(seed=1))
    with pytest.raises(PlanLimitReached) as caught:
        _in(alpha, product_image_add, product=product, upload=_photo(seed=2))
    params = caught.value.params
    assert (params["limit"], params["allowed"], params["used"], params["adding"]) == ("max_media_mb", 1, 1, 1)
    assert "Tiny" in caught.value.message and "upgrade" in caught.value.message
    assert _in(alpha, ProductImage.objects.count) == 1


def test_deleting_images_frees_their_megabytes(alpha):
    merchant_on_plan(alpha.merchant, make_plan(max_media_mb=1))
    product = _in(alpha, make_product, "Rug")
    first = _in(alpha, product_image_add, product=product, upload=_photo(seed=1))
    from apps.catalog.services import product_image_delete

    _in(alpha, product_image_delete, image=first)
    assert media_mb_in_store(merchant=alpha.merchant, store=alpha.tenant) == 0
    _in(alpha, product_image_add, product=product, upload=_photo(seed=2))


def test_the_dashboard_shows_the_refusal_as_a_form_error_and_saves_nothing(alpha):
    merchant_on_plan(alpha.merchant, make_plan(name="Tiny", max_media_mb=1))
    product = _in(alpha, make_product, "Rug")
    _in(alpha, product_image_add, product=product, upload=_photo(seed=1))
    # when a second photo is uploaded in the editor
    response = staff_client(alpha).post(f"{BASE}/products/{product.uuid}/images/", {"image": _photo(seed=2)})
    # then the editor comes back with the reason under the file field
    assert response.status_code == 200
    (message,) = response.context["image_form"].errors["image"]
    assert "Tiny" in message and "MB of media storage" in message and "upgrade" in message
    assert message in response.content.decode()
    assert _in(alpha, ProductImage.objects.count) == 1


def test_the_api_refuses_an_upload_beyond_the_plan_with_a_400(alpha):
    merchant_on_plan(alpha.merchant, make_plan(name="Tiny", max_media_mb=1))
    product = _in(alpha, make_product, "Rug")
    writer = api_client(alpha, api_key_make(alpha, ["products:write"]))
    url = f"/api/v1/products/{product.uuid}/images"
    assert writer.post(url, {"image": _photo(seed=1)}).status_code == 201
    response = writer.post(url, {"image": _photo(seed=2)})
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "plan_limit_reached"
    assert error["params"]["limit"] == "max_media_mb" and error["params"]["allowed"] == 1
    assert "Tiny" in error["message"]
    assert _in(alpha, ProductImage.objects.count) == 1


def test_another_stores_images_do_not_count(alpha, beta):
    # given beta holding a photo, and alpha's merchant on a 1 MB plan
    merchant_on_plan(alpha.merchant, make_plan(max_media_mb=1))
    _in(beta, product_image_add, product=_in(beta, make_product, "Lamp"), upload=_photo(seed=1))
    # when alpha uploads a photo of its own
    product = _in(alpha, make_product, "Rug")
    _in(alpha, product_image_add, product=product, upload=_photo(seed=2))
    # then it fits, and each store counts only its own (wherever the count runs)
    assert media_mb_in_store(merchant=alpha.merchant, store=alpha.tenant) == 1
    assert _in(beta, media_mb_in_store, merchant=alpha.merchant, store=alpha.tenant) == 1
    assert _in(alpha, ProductImage.objects.count) == 1
