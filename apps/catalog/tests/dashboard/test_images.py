"""Product images in the dashboard editor: upload, refusal of what is not a safe raster image,
alt text, order, and deletion after a confirmation."""

from __future__ import annotations

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.catalog.models import ProductImage
from apps.catalog.services import product_image_add
from apps.catalog.tests.dashboard.helpers import BASE, in_store, staff_client
from apps.catalog.tests.factories import make_product, png_upload

pytestmark = pytest.mark.django_db


def _png(name: str = "photo.png", size: tuple[int, int] = (120, 80)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def shirt(alpha, media_cleanup):
    with in_store(alpha):
        product = make_product("Linen Shirt")
    media_cleanup.append((alpha.tenant.schema_name, product))
    return product


def test_upload_a_png_makes_an_image_with_a_thumbnail(alpha, shirt):
    client = staff_client(alpha)
    response = client.post(f"{BASE}/products/{shirt.uuid}/images/", {"image": _png(), "alt": "Shirt, front"})
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}/products/{shirt.uuid}/#images"
    with in_store(alpha):
        image = ProductImage.objects.get(product=shirt)
        assert (image.width, image.height, image.alt) == (120, 80, "Shirt, front")
        assert (image.thumbnail.name or "").endswith(".jpg")
        thumb_url = image.thumbnail.url
    page = client.get(f"{BASE}/products/{shirt.uuid}/").content.decode()
    assert thumb_url in page and 'alt="Shirt, front"' in page
    # and the file is served on the store's own host
    assert client.get(thumb_url).status_code == 200


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("notes.png", b"just some text, not pixels" * 10, content_type="image/png"),
            "The file is not an image we can read (JPEG, PNG, WebP or GIF).",
        ),
        (
            SimpleUploadedFile(
                "logo.svg",
                b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>',
                content_type="image/svg+xml",
            ),
            "SVG and other markup files are not accepted as product images.",
        ),
        (
            SimpleUploadedFile(
                "sneaky.png",
                b'<?xml version="1.0"?><svg onload="alert(1)"></svg>',
                content_type="image/png",
            ),
            "SVG and other markup files are not accepted as product images.",
        ),
    ],
    ids=["not-an-image", "svg-with-script", "svg-named-png"],
)
def test_an_upload_that_is_not_a_raster_image_is_refused_with_the_reason(alpha, shirt, upload, message):
    response = staff_client(alpha).post(f"{BASE}/products/{shirt.uuid}/images/", {"image": upload})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["image_form"].errors["image"] == [message]
    with in_store(alpha):
        assert not ProductImage.objects.filter(product=shirt).exists()


def test_an_image_over_the_size_limit_is_refused(alpha, shirt, settings):
    settings.CATALOG_IMAGE_MAX_BYTES = 1024 * 1024
    noise = Image.frombytes("RGB", (1000, 700), os.urandom(1000 * 700 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, format="PNG")
    assert buffer.tell() > 2 * 1024 * 1024
    upload = SimpleUploadedFile("huge.png", buffer.getvalue(), content_type="image/png")
    response = staff_client(alpha).post(f"{BASE}/products/{shirt.uuid}/images/", {"image": upload})
    assert response.status_code == 200
    assert "The image is 2 MB; the limit is 1 MB." in response.content.decode()
    with in_store(alpha):
        assert not ProductImage.objects.filter(product=shirt).exists()


def test_an_upload_without_a_file_says_so(alpha, shirt):
    response = staff_client(alpha).post(f"{BASE}/products/{shirt.uuid}/images/", {"alt": "nothing"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_alt_text_reorder_and_delete_with_confirmation(alpha, shirt, django_capture_on_commit_callbacks):
    with in_store(alpha):
        first = product_image_add(product=shirt, upload=png_upload("a.png"), alt="first")
        second = product_image_add(product=shirt, upload=png_upload("b.png", color="blue"), alt="second")
        second_file = second.image.path
    client = staff_client(alpha)

    # alt text
    url = f"{BASE}/products/{shirt.uuid}/images/{first.pk}/alt/"
    assert client.post(url, {"alt": "  Front view "}).status_code == 302
    with in_store(alpha):
        first.refresh_from_db()
        assert first.alt == "Front view"

    # move the second image up: it becomes the first
    move = client.post(f"{BASE}/products/{shirt.uuid}/images/{second.pk}/move/", {"direction": "up"})
    assert move.status_code == 302
    with in_store(alpha):
        assert list(shirt.images.order_by("position").values_list("pk", flat=True)) == [second.pk, first.pk]
    # moving the first one further up changes nothing
    client.post(f"{BASE}/products/{shirt.uuid}/images/{second.pk}/move/", {"direction": "up"})
    with in_store(alpha):
        assert list(shirt.images.order_by("position").values_list("pk", flat=True)) == [second.pk, first.pk]

    # delete asks first, then removes the row and (after commit) the file
    delete_url = f"{BASE}/products/{shirt.uuid}/images/{second.pk}/delete/"
    confirm = client.get(delete_url)
    assert confirm.status_code == 200
    assert "Delete this image of “Linen Shirt”?" in confirm.content.decode()
    with in_store(alpha):
        assert ProductImage.objects.filter(pk=second.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(delete_url)
    assert done.status_code == 302
    with in_store(alpha):
        assert list(shirt.images.values_list("pk", flat=True)) == [first.pk]
    assert not os.path.exists(second_file)


def test_an_image_of_another_product_is_a_404(alpha, shirt):
    with in_store(alpha):
        other = make_product("Other")
        image = product_image_add(product=shirt, upload=png_upload())
    client = staff_client(alpha)
    assert client.get(f"{BASE}/products/{other.uuid}/images/{image.pk}/delete/").status_code == 404
    assert client.post(f"{BASE}/products/{other.uuid}/images/{image.pk}/delete/").status_code == 404
    with in_store(alpha):
        assert ProductImage.objects.filter(pk=image.pk).exists()
