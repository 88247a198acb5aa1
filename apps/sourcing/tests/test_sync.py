"""The supplier sync: costs, prices, stock and availability follow the supplier; products it no
longer has are unpublished; one supplier's failure leaves the others alone."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.catalog.models import ImportRun, Product, ProductVariant
from apps.core.models import EventRecord
from apps.inventory.models import Location, StockLevel, StockMovement
from apps.sourcing.models import Supplier, SupplierOffer
from apps.sourcing.services import supplier_import_start, supplier_sync, supplier_sync_queue
from apps.sourcing.tests.factories import make_api_supplier, make_feed_supplier, make_rule
from apps.sourcing.tests.fakes import ds_product

pytestmark = pytest.mark.django_db

HEADER = "product_id,title,sku,option1_name,option1_value,cost,stock,available"


def feed(*rows: str) -> str:
    return "\n".join((HEADER, *rows)) + "\n"


SHIRT_S = "P1,Shirt,S-1,Size,S,{cost},{stock},{available}"
SHIRT_M = "P1,,S-2,Size,M,8.00,5,true"
MUG = "P2,Mug,MUG-1,,,4.00,12,true"


def imported_feed_supplier(fake, capture, **kwargs):
    url = fake.feed("/feed.csv", feed(SHIRT_S.format(cost="7.35", stock=40, available="true"), SHIRT_M, MUG))
    supplier = make_feed_supplier(url, **kwargs)
    with capture(execute=True):
        run = supplier_import_start(supplier=supplier)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.SUCCEEDED, run.failure_reason
    Product.objects.update(status=Product.Status.ACTIVE)  # the merchant published them
    return supplier


def _stock(sku: str, supplier: Supplier) -> int:
    return StockLevel.objects.get(variant__sku=sku, location=Location.objects.get(supplier=supplier)).on_hand


def test_cost_stock_and_availability_follow_the_supplier(in_alpha, fake, django_capture_on_commit_callbacks):
    make_rule(markup="100")
    supplier = imported_feed_supplier(fake, django_capture_on_commit_callbacks)
    EventRecord.objects.all().delete()
    # when the supplier raises S's cost, sells some, and the sync runs
    fake.feed("/feed.csv", feed(SHIRT_S.format(cost="8.10", stock=31, available="true"), SHIRT_M, MUG))
    result = supplier_sync(supplier=supplier)
    # then the offer, the variant's cost and price, and the supplier stock follow
    assert result.ok and result.repriced == 1 and result.unpublished == 0
    offer = SupplierOffer.objects.select_related("variant").get(supplier_sku="S-1")
    assert (offer.cost, offer.stock, offer.is_available) == (Decimal("8.10"), 31, True)
    assert offer.variant is not None
    assert (offer.variant.cost, offer.variant.price) == (Decimal("8.10"), Decimal("16.99"))
    assert _stock("acme-S-1", supplier) == 31
    movement = StockMovement.objects.filter(stock__variant__sku="acme-S-1").latest("id")
    assert (movement.kind, movement.on_hand_delta, movement.reference) == (
        StockMovement.Kind.SUPPLIER_SYNC,
        -9,
        "supplier:acme",
    )
    # the price of an unchanged cost is left alone
    assert ProductVariant.objects.get(supplier_offers__supplier_sku="S-2").price == Decimal("16.99")
    # and the products are synced
    shirt = Product.objects.get(title="Shirt")
    assert shirt.sync_status == Product.SyncStatus.SYNCED and shirt.sync_error == ""
    assert shirt.status == Product.Status.ACTIVE
    supplier.refresh_from_db()
    assert supplier.last_synced_at is not None and supplier.last_sync_error == ""
    assert EventRecord.objects.filter(name="product.updated", payload__title="Shirt").count() == 1


def test_products_the_supplier_no_longer_has_are_unpublished(
    in_alpha, fake, django_capture_on_commit_callbacks
):
    supplier = imported_feed_supplier(fake, django_capture_on_commit_callbacks)
    # when the mug disappears from the feed and shirt M is discontinued
    fake.feed(
        "/feed.csv",
        feed(SHIRT_S.format(cost="7.35", stock=40, available="true"), "P1,,S-2,Size,M,8.00,5,false"),
    )
    result = supplier_sync(supplier=supplier)
    assert result.unpublished == 1
    # then the mug is a draft again, with the reason
    mug = Product.objects.get(title="Mug")
    assert mug.status == Product.Status.DRAFT
    assert mug.sync_status == Product.SyncStatus.ERROR
    assert "No longer available from Acme Wholesale" in mug.sync_error
    offer = SupplierOffer.objects.get(supplier_sku="MUG-1")
    assert (offer.is_available, offer.stock) == (False, 0)
    assert _stock("acme-MUG-1", supplier) == 0
    # and the shirt stays published, its discontinued variant out of stock
    shirt = Product.objects.get(title="Shirt")
    assert shirt.status == Product.Status.ACTIVE
    assert shirt.sync_status == Product.SyncStatus.SYNCED
    assert _stock("acme-S-2", supplier) == 0


def test_a_missing_variant_is_reported_on_its_product(in_alpha, fake, django_capture_on_commit_callbacks):
    supplier = imported_feed_supplier(fake, django_capture_on_commit_callbacks)
    fake.feed("/feed.csv", feed(SHIRT_S.format(cost="7.35", stock=40, available="true"), MUG))
    supplier_sync(supplier=supplier)
    shirt = Product.objects.get(title="Shirt")
    assert shirt.status == Product.Status.ACTIVE
    assert shirt.sync_status == Product.SyncStatus.ERROR
    assert "S-2" in shirt.sync_error


def test_an_unreadable_feed_marks_errors_and_unpublishes_nothing(
    in_alpha, fake, django_capture_on_commit_callbacks
):
    supplier = imported_feed_supplier(fake, django_capture_on_commit_callbacks)
    fake.feed("/feed.csv", "product_id,title\nbroken")
    result = supplier_sync(supplier=supplier)
    assert not result.ok
    assert "no “sku” column" in result.error
    for product in Product.objects.all():
        assert product.status == Product.Status.ACTIVE
        assert product.sync_status == Product.SyncStatus.ERROR
        assert "sku" in product.sync_error
    assert _stock("acme-MUG-1", supplier) == 12  # stock untouched
    supplier.refresh_from_db()
    assert "sku" in supplier.last_sync_error


def test_the_api_sync_reads_current_products(in_alpha, fake, django_capture_on_commit_callbacks):
    fake.products["1005001"] = ds_product(
        "1005001",
        title="Case",
        skus=[{"id": "111", "price": "2.10", "stock": 500, "options": {"Colour": "Red"}}],
    )
    fake.products["1005002"] = ds_product(
        "1005002", title="Cable", skus=[{"id": "221", "price": "1.00", "stock": 9}]
    )
    supplier = make_api_supplier(fake, product_ids=["1005001", "1005002"])
    with django_capture_on_commit_callbacks(execute=True):
        run = supplier_import_start(supplier=supplier)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.SUCCEEDED, run.failure_reason
    Product.objects.update(status=Product.Status.ACTIVE)
    # when the case gets cheaper and the cable is delisted
    fake.products["1005001"] = ds_product(
        "1005001",
        title="Case",
        skus=[{"id": "111", "price": "1.95", "stock": 480, "options": {"Colour": "Red"}}],
    )
    fake.gone.add("1005002")
    result = supplier_sync(supplier=supplier)
    assert result.ok, result.error
    assert fake.rejections == []
    red = SupplierOffer.objects.select_related("variant").get(supplier_sku="111")
    assert red.variant is not None
    assert (red.cost, red.stock, red.variant.cost, red.variant.price) == (
        Decimal("1.95"),
        480,
        Decimal("1.95"),
        Decimal("1.95"),
    )
    cable = Product.objects.get(title="Cable")
    assert (cable.status, cable.sync_status) == (Product.Status.DRAFT, Product.SyncStatus.ERROR)


def test_sync_now_marks_products_pending_then_syncs(in_alpha, fake, django_capture_on_commit_callbacks):
    supplier = imported_feed_supplier(fake, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        supplier_sync_queue(supplier=supplier)
    assert set(Product.objects.values_list("sync_status", flat=True)) == {Product.SyncStatus.PENDING}
    for callback in callbacks:
        callback()
    assert set(Product.objects.values_list("sync_status", flat=True)) == {Product.SyncStatus.SYNCED}


def test_one_failing_supplier_does_not_stop_another(in_alpha, fake, django_capture_on_commit_callbacks):
    good = imported_feed_supplier(fake, django_capture_on_commit_callbacks)
    broken = make_feed_supplier(fake.url("/gone.csv"), code="broken", name="Broken Ltd")
    SupplierOffer.objects.create(
        supplier=broken, supplier_sku="B-1", supplier_product_id="B", cost=Decimal("1")
    )
    fake.feed("/feed.csv", feed(SHIRT_S.format(cost="9.00", stock=1, available="true"), SHIRT_M, MUG))
    with django_capture_on_commit_callbacks(execute=True):
        supplier_sync_queue(supplier=broken)
        supplier_sync_queue(supplier=good)
    broken.refresh_from_db()
    good.refresh_from_db()
    assert "could not be fetched" in broken.last_sync_error
    assert good.last_sync_error == "" and good.last_synced_at is not None
    assert SupplierOffer.objects.get(supplier_sku="S-1").cost == Decimal("9.00")


def test_stock_reserved_for_orders_is_kept_and_reported(in_alpha, fake, django_capture_on_commit_callbacks):
    from apps.inventory.services import inventory_reserve

    supplier = imported_feed_supplier(fake, django_capture_on_commit_callbacks)
    variant = ProductVariant.objects.get(sku="acme-S-1")
    inventory_reserve(
        variant=variant, quantity=10, reference="order-1001", location=Location.objects.get(supplier=supplier)
    )
    # when the supplier has fewer left than our orders hold
    fake.feed("/feed.csv", feed(SHIRT_S.format(cost="7.35", stock=4, available="true"), SHIRT_M, MUG))
    supplier_sync(supplier=supplier)
    # then the reserved units stay on hand and the product says why
    assert _stock("acme-S-1", supplier) == 10
    shirt = Product.objects.get(title="Shirt")
    assert shirt.sync_status == Product.SyncStatus.ERROR
    assert "10 are reserved" in shirt.sync_error
