"""The products API's fast read path (`apps.catalog.api.reading`) answers the same bytes as the
declarative `ProductSerializer` it stands in for, on products with every kind of value."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from rest_framework.renderers import JSONRenderer

from apps.api.tests.factories import api_client, api_key_make
from apps.catalog.api import reading
from apps.catalog.api.serializers import ProductSerializer
from apps.catalog.api.views.products import _products
from apps.catalog.models import Category, Product
from apps.catalog.services import ProductInput, VariantInput, product_create, product_image_add
from apps.catalog.tests.factories import make_product, png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_of_its_own(settings, tmp_path):  # type: ignore[no-untyped-def]
    from django.core.files.storage import storages

    storage = storages["default"]
    settings.MEDIA_ROOT = str(tmp_path)
    storage.__dict__.pop("relative_media_root", None)
    yield
    storage.__dict__.pop("relative_media_root", None)


def _catalog() -> list[int]:
    category = Category.objects.create(name="Shirts & Tops", slug="shirts", path="shirts")
    full = product_create(
        data=ProductInput(
            title="Linen “shirt” ünïcode",
            status=Product.Status.ACTIVE,
            description="<p>Soft &amp; light</p>",
            vendor="Acme",
            product_type="Shirt",
            tags=("summer", "linen"),
            seo_title="Linen shirt",
            seo_description="A shirt of linen.",
            category_id=category.pk,
            variants=(
                VariantInput(
                    sku="LS-RED-M",
                    price=Decimal("39.5"),
                    compare_at_price=Decimal("49"),
                    cost=Decimal("12.345"),
                    weight_grams=220,
                    barcode="4006381333931",
                    options=(("Colour", "Red"), ("Size", "M")),
                ),
                VariantInput(
                    sku="LS-BLUE-S", price=Decimal("0"), options=(("Colour", "Blue"), ("Size", "S"))
                ),
                VariantInput(
                    sku="LS-RED-S", price=Decimal("39.5"), options=(("Colour", "Red"), ("Size", "S"))
                ),
            ),
        )
    )
    product_image_add(product=full, upload=png_upload("a.png"), alt="Front")
    product_image_add(product=full, upload=png_upload("b.png", size=(30, 90)))
    bare = make_product("Draft tee", status=Product.Status.DRAFT)
    many = make_product("Socks", variants=4, price="3.10")
    return [full.pk, bare.pk, many.pk]


def _declarative(ids: list[int]) -> bytes:
    found = {product.pk: product for product in _products().filter(pk__in=ids)}
    return JSONRenderer().render(ProductSerializer([found[pk] for pk in ids], many=True).data)


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/St_Johns"])
def test_the_fast_path_answers_the_serializers_bytes(alpha, zone):
    with schema_context(alpha.tenant.schema_name), timezone.override(zone):
        ids = _catalog()
        fast = JSONRenderer().render(reading.products_data(product_ids=ids))
        assert fast == _declarative(ids)
        assert fast == JSONRenderer().render(
            [reading.product_data(product_id=pk) for pk in reversed(ids)][::-1]
        )
        assert reading.products_data(product_ids=[]) == []
        assert reading.product_data(product_id=-1) is None


def test_the_list_and_the_detail_answer_what_the_serializer_would(alpha):
    with schema_context(alpha.tenant.schema_name):
        ids = _catalog()
        newest_first = list(Product.objects.order_by("-created_at", "-id").values_list("pk", flat=True))
        expected = _declarative(newest_first)
        one = _declarative([ids[0]])
        uuid = Product.objects.get(pk=ids[0]).uuid
    client = api_client(alpha, api_key_make(alpha, ["products:read"]))
    listed = client.get("/api/v1/products")
    assert listed.status_code == 200
    assert JSONRenderer().render(listed.json()["data"]) == expected
    detail = client.get(f"/api/v1/products/{uuid}")
    assert JSONRenderer().render([detail.json()["data"]]) == one
    page = client.get("/api/v1/products", {"per_page": 2, "page": 2}).json()
    assert [row["handle"] for row in page["data"]] == [row["handle"] for row in listed.json()["data"][2:]]
    assert page["meta"] == {"total": 3, "page": 2, "per_page": 2, "pages": 2}


def test_amounts_are_written_at_the_currency_precision(alpha):
    with schema_context(alpha.tenant.schema_name):
        ids = _catalog()
        rows = reading.products_data(product_ids=ids)
    full, _bare, many = rows
    red_m = next(variant for variant in full["variants"] if variant["sku"] == "LS-RED-M")
    assert (red_m["currency"], red_m["price"], red_m["compare_at_price"], red_m["cost"]) == (
        "EUR",
        "39.50",
        "49.00",
        "12.35",  # the cost was rounded to the currency when it was saved
    )
    assert {variant["price"] for variant in full["variants"]} == {"39.50", "0.00"}
    assert many["variants"][0]["price"] == "3.10"
