"""Supplier imports: feeds and the API become draft products with variants, costs, prices,
images, offers and supplier stock; importing again updates; a bad feed changes nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.catalog.models import ImportRun, Product, ProductImage, ProductVariant
from apps.catalog.services import ProductInput, VariantInput, product_create
from apps.core.models import EventRecord
from apps.inventory.models import Location, StockLevel, StockMovement
from apps.sourcing.errors import SupplierInvalid
from apps.sourcing.models import Supplier, SupplierOffer
from apps.sourcing.services import supplier_import_run, supplier_import_start
from apps.sourcing.tests.factories import make_api_supplier, make_feed_supplier, make_rule, make_supplier
from apps.sourcing.tests.fakes import ds_product

pytestmark = pytest.mark.django_db

HEADER = (
    "product_id,title,description,image_urls,sku,option1_name,option1_value,cost,currency,stock,available"
)


def shirt_csv(fake, *, m_cost: str = "8.00", extra: str = "", images: str = "") -> str:
    images = images or f"{fake.image_url('shirt-1.png')}|{fake.image_url('shirt-2.png')}"
    return (
        f"{HEADER}\n"
        f"P1,Linen shirt,<p>Soft <script>x()</script>linen</p>,{images},S-1,Size,S,7.35,EUR,40,true\n"
        f"P1,,,,S-2,Size,M,{m_cost},EUR,0,true\n"
        f"P2,Mug,,{fake.image_url('mug.png')},MUG-1,,,4.00,EUR,12,true\n"
        f"{extra}"
    )


def run_import(capture, supplier, upload=None) -> ImportRun:
    with capture(execute=True):
        run = supplier_import_start(supplier=supplier, upload=upload)
    run.refresh_from_db()
    return run


def test_a_csv_feed_becomes_draft_products_with_everything(
    in_alpha, fake, django_capture_on_commit_callbacks
):
    # given a CSV supplier and a store-wide pricing rule (cost x 2, rounded up to .99)
    supplier = make_feed_supplier(fake.feed("/feed.csv", shirt_csv(fake)))
    make_rule(markup="100")
    # when its catalog is imported
    run = run_import(django_capture_on_commit_callbacks, supplier)
    # then the run succeeded and says what it did
    assert run.status == ImportRun.Status.SUCCEEDED, run.failure_reason
    assert (run.kind, run.policy, run.supplier_id) == (
        ImportRun.Kind.SUPPLIER_CSV,
        ImportRun.Policy.ALL_OR_NOTHING,
        supplier.pk,
    )
    assert (run.total_rows, run.processed_rows, run.created_count, run.updated_count) == (2, 2, 2, 0)
    assert run.started_at and run.finished_at
    # and each supplier product is a draft product, with the vendor and sanitised description
    shirt = Product.objects.get(title="Linen shirt")
    assert shirt.status == Product.Status.DRAFT
    assert shirt.vendor == "Acme Wholesale"
    assert "<script>" not in shirt.description and "linen" in shirt.description
    assert shirt.sync_status == Product.SyncStatus.SYNCED and shirt.synced_at
    # with its variants: SKUs prefixed by the supplier code, cost, and a price from the rule
    variants = {v.sku: v for v in shirt.variants.all()}
    assert set(variants) == {"acme-S-1", "acme-S-2"}
    assert variants["acme-S-1"].cost == Decimal("7.35")
    assert variants["acme-S-1"].price == Decimal("14.99")  # 14.70 -> .99
    assert variants["acme-S-2"].price == Decimal("16.99")
    assert variants["acme-S-1"].title == "S"
    # its images, fetched through the guard and stored with thumbnails, in feed order
    images = list(shirt.images.order_by("position"))
    assert len(images) == 2 and all(image.thumbnail for image in images)
    assert images[0].alt == "Linen shirt"
    assert str(images[0].image.name).startswith("products/")
    assert default_storage.exists(str(images[0].image.name))
    assert fake.image_requests[:2] == ["/images/shirt-1.png", "/images/shirt-2.png"]
    # offers linked to the variants
    offer = SupplierOffer.objects.get(supplier=supplier, supplier_sku="S-1")
    assert offer.variant == variants["acme-S-1"]
    assert (offer.supplier_product_id, offer.cost, offer.stock, offer.is_available) == (
        "P1",
        Decimal("7.35"),
        40,
        True,
    )
    assert offer.title == "Linen shirt – S"
    # and the supplier's stock at the supplier's own inventory location
    location = Location.objects.get(supplier=supplier)
    assert (location.kind, location.code) == (Location.Kind.SUPPLIER, "supplier-acme")
    stock = StockLevel.objects.get(variant=variants["acme-S-1"], location=location)
    assert stock.on_hand == 40
    assert stock.movements.get().kind == StockMovement.Kind.IMPORTED
    # and the store's event log announces the new products
    assert EventRecord.objects.filter(name="product.created").count() == 2


def test_an_uploaded_json_file_for_a_manual_supplier(in_alpha, fake, django_capture_on_commit_callbacks):
    supplier = make_supplier(code="handmade")
    feed = {
        "products": [
            {
                "id": "LAMP",
                "title": "Desk lamp",
                "images": [fake.image_url("lamp.png")],
                "variants": [
                    {"sku": "L-W", "options": {"Colour": "White"}, "cost": 19.5, "stock": 3},
                    {
                        "sku": "L-B",
                        "options": {"Colour": "Black"},
                        "cost": "21.00",
                        "available": False,
                        "stock": 9,
                    },
                ],
            }
        ]
    }
    upload = SimpleUploadedFile("catalog.json", json.dumps(feed).encode(), content_type="application/json")
    run = run_import(django_capture_on_commit_callbacks, supplier, upload)
    assert run.status == ImportRun.Status.SUCCEEDED, run.failure_reason
    assert run.kind == ImportRun.Kind.SUPPLIER_JSON
    assert run.source_name == "catalog.json"
    assert str(run.file.name).startswith("imports/")
    lamp = Product.objects.get(title="Desk lamp")
    assert {v.sku: v.price for v in lamp.variants.all()} == {
        "handmade-L-W": Decimal("19.50"),  # no pricing rule: price = cost
        "handmade-L-B": Decimal("21.00"),
    }
    black = SupplierOffer.objects.get(supplier_sku="L-B")
    assert black.is_available is False
    assert StockLevel.objects.get(variant=black.variant).on_hand == 0  # unavailable: nothing to sell
    assert lamp.images.count() == 1


def test_a_manual_supplier_needs_a_file(in_alpha):
    supplier = make_supplier(code="handmade")
    with pytest.raises(SupplierInvalid, match="CSV or JSON"):
        supplier_import_start(supplier=supplier)


def test_the_dropship_api_import(in_alpha, fake, django_capture_on_commit_callbacks):
    fake.products["1005001"] = ds_product(
        "1005001",
        title="Phone case",
        skus=[
            {"id": "111", "price": "2.10", "stock": 500, "options": {"Colour": "Red"}},
            {"id": "112", "price": "2.10", "stock": 0, "options": {"Colour": "Green"}},
        ],
        images=[fake.image_url("case.png")],
    )
    supplier = make_api_supplier(fake, product_ids=["1005001"])
    make_rule(supplier=supplier, markup="0", margin="5", rounding="0.95", compare_at="40", name="Ali")
    run = run_import(django_capture_on_commit_callbacks, supplier)
    assert run.status == ImportRun.Status.SUCCEEDED, run.failure_reason
    assert run.kind == ImportRun.Kind.SUPPLIER_API
    assert fake.rejections == []
    case = Product.objects.get(title="Phone case")
    red = case.variants.get(sku="ali-111")
    assert (red.cost, red.price, red.compare_at_price) == (Decimal("2.10"), Decimal("7.95"), Decimal("11.95"))
    assert sorted(case.variants.values_list("title", flat=True)) == ["Green", "Red"]
    assert SupplierOffer.objects.get(supplier_sku="111").url == "https://www.aliexpress.com/item/1005001.html"
    assert case.images.count() == 1


def test_importing_again_updates_the_same_products(in_alpha, fake, django_capture_on_commit_callbacks):
    # given an imported feed, and a merchant who then edited the shirt and published it
    url = fake.feed("/feed.csv", shirt_csv(fake))
    supplier = make_feed_supplier(url)
    make_rule(markup="100")
    assert run_import(django_capture_on_commit_callbacks, supplier).status == ImportRun.Status.SUCCEEDED
    shirt = Product.objects.get(title="Linen shirt")
    small = shirt.variants.get(sku="acme-S-1")
    ProductVariant.objects.filter(pk=small.pk).update(price=Decimal("19.00"))
    Product.objects.filter(pk=shirt.pk).update(title="Our best linen shirt", status=Product.Status.ACTIVE)
    image_requests = len(fake.image_requests)
    # when the supplier raises the cost of M, adds an L, and the catalog is imported again
    fake.feed(
        "/feed.csv",
        shirt_csv(fake, m_cost="9.00", extra="P1,,,,S-3,Size,L,9.50,EUR,5,true\n"),
    )
    run = run_import(django_capture_on_commit_callbacks, supplier)
    # then nothing was duplicated: the same two products, updated
    assert run.status == ImportRun.Status.SUCCEEDED, run.failure_reason
    assert (run.created_count, run.updated_count) == (0, 2)
    assert Product.objects.count() == 2
    assert SupplierOffer.objects.filter(supplier=supplier).count() == 4
    shirt.refresh_from_db()
    # the merchant's title, status and the price of an unchanged cost are kept
    assert shirt.title == "Our best linen shirt"
    assert shirt.status == Product.Status.ACTIVE
    variants = {v.sku: v for v in shirt.variants.all()}
    assert variants["acme-S-1"].price == Decimal("19.00")
    # a changed cost is re-priced; a new supplier variant is added and linked
    assert (variants["acme-S-2"].cost, variants["acme-S-2"].price) == (Decimal("9.00"), Decimal("18.99"))
    assert SupplierOffer.objects.get(supplier_sku="S-3").variant == variants["acme-S-3"]
    # products that already have images get no copies
    assert shirt.images.count() == 2
    assert len(fake.image_requests) == image_requests


def test_a_malformed_feed_fails_with_the_reason_and_creates_nothing(
    in_alpha, fake, django_capture_on_commit_callbacks
):
    supplier = make_feed_supplier(
        fake.feed("/feed.json", '{"products": [{"id": "A",', "application/json"), json_feed=True
    )
    run = run_import(django_capture_on_commit_callbacks, supplier)
    assert run.status == ImportRun.Status.FAILED
    assert "not valid JSON" in run.failure_reason
    assert run.finished_at is not None
    assert not Product.objects.exists()
    assert not SupplierOffer.objects.exists()


def test_bad_rows_fail_the_whole_import_and_are_listed(in_alpha, fake, django_capture_on_commit_callbacks):
    bad = shirt_csv(fake, extra="P3,Hat,,,HAT-1,,,not-a-price,EUR,1,true\nP4,,,,CAP-1,,,2.00,EUR,1,true\n")
    supplier = make_feed_supplier(fake.feed("/feed.csv", bad))
    run = run_import(django_capture_on_commit_callbacks, supplier)
    assert run.status == ImportRun.Status.FAILED
    assert "nothing was imported" in run.failure_reason
    errors = {(e.row, e.column): e.message for e in run.row_errors.all()}
    assert set(errors) == {(5, "cost"), (6, "title")}
    assert run.error_count == 2
    assert not Product.objects.exists()  # the good rows were not imported either
    assert not SupplierOffer.objects.exists()
    assert fake.image_requests == []


def test_a_failure_while_saving_rolls_everything_back(in_alpha, fake, django_capture_on_commit_callbacks):
    # given a merchant's own product that already uses the SKU the mug would get
    product_create(
        data=ProductInput(title="Own mug", variants=(VariantInput(sku="acme-MUG-1", price=Decimal("5")),))
    )
    supplier = make_feed_supplier(fake.feed("/feed.csv", shirt_csv(fake)))
    media_before = _media_files()
    # when the catalog is imported (the shirt is written before the mug fails)
    run = run_import(django_capture_on_commit_callbacks, supplier)
    # then the run failed naming the clash, and neither product nor its images remain
    assert run.status == ImportRun.Status.FAILED
    assert "acme-MUG-1" in run.failure_reason
    assert [(e.row, e.column) for e in run.row_errors.all()] == [(4, "sku")]
    assert list(Product.objects.values_list("title", flat=True)) == ["Own mug"]
    assert not ProductImage.objects.exists()
    assert not SupplierOffer.objects.exists()
    assert not StockLevel.objects.exists()
    assert _media_files() == media_before  # stored image files were removed again


def test_costs_in_another_currency_are_refused(in_alpha, fake, django_capture_on_commit_callbacks, settings):
    settings.DEFAULT_CURRENCY = "EUR"
    feed = f"{HEADER}\nP1,Shirt,,,S-1,,,7.00,USD,1,true\n"
    supplier = make_feed_supplier(fake.feed("/feed.csv", feed))
    run = run_import(django_capture_on_commit_callbacks, supplier)
    assert run.status == ImportRun.Status.FAILED
    assert "USD" in run.row_errors.get().message
    assert not Product.objects.exists()


def test_products_beyond_the_plan_are_refused_as_row_problems(
    in_alpha, fake, django_capture_on_commit_callbacks
):
    from apps.billing.tests.factories import make_plan, merchant_on_plan

    merchant_on_plan(in_alpha.merchant, make_plan(name="Tiny", max_products_per_store=0))
    supplier = make_feed_supplier(fake.feed("/feed.csv", f"{HEADER}\nP1,Shirt,,,S-1,,,7.00,EUR,1,true\n"))
    run = run_import(django_capture_on_commit_callbacks, supplier)
    assert run.status == ImportRun.Status.FAILED
    error = run.row_errors.get()
    assert error.code == "plan_limit_reached"
    assert "Your Tiny plan allows 0 products per store; upgrade in Billing." in error.message
    assert not Product.objects.exists()


def test_unusable_images_are_skipped_and_reported(in_alpha, fake, django_capture_on_commit_callbacks):
    images = f"{fake.image_url('missing.png')}|{fake.image_url('text.png')}|{fake.image_url('ok.png')}"
    supplier = make_feed_supplier(fake.feed("/feed.csv", shirt_csv(fake, images=images)))
    run = run_import(django_capture_on_commit_callbacks, supplier)
    assert run.status == ImportRun.Status.SUCCEEDED
    assert Product.objects.get(title="Linen shirt").images.count() == 1
    messages = [e.message for e in run.row_errors.all()]
    assert len(messages) == 2 and run.error_count == 2
    assert "HTTP 404" in messages[0]
    assert "not an image" in messages[1]


def test_an_unreachable_feed_fails_the_run_with_the_reason(
    in_alpha, fake, django_capture_on_commit_callbacks
):
    supplier = make_feed_supplier(fake.url("/nothing-here.csv"))
    run = run_import(django_capture_on_commit_callbacks, supplier)
    assert run.status == ImportRun.Status.FAILED
    assert "could not be fetched" in run.failure_reason
    assert "HTTP 404" in run.failure_reason


def test_a_finished_run_is_not_run_again(in_alpha, fake, django_capture_on_commit_callbacks):
    supplier = make_feed_supplier(fake.feed("/feed.csv", shirt_csv(fake)))
    run = run_import(django_capture_on_commit_callbacks, supplier)
    assert supplier_import_run(run_id=run.pk).status == ImportRun.Status.SUCCEEDED
    assert Product.objects.count() == 2


def test_an_inactive_supplier_cannot_import(in_alpha, fake):
    supplier = make_feed_supplier(fake.feed("/feed.csv", shirt_csv(fake)), is_active=False)
    with pytest.raises(SupplierInvalid, match="inactive"):
        supplier_import_start(supplier=supplier)
    assert not ImportRun.objects.filter(supplier=supplier).exists()
    assert Supplier.objects.get(pk=supplier.pk).is_active is False


def _media_files() -> set[Path]:
    root = Path(default_storage.path(""))
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()
