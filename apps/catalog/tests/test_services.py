from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context

from apps.catalog.errors import CatalogError
from apps.catalog.models import Category, Collection, Product, ProductImage, ProductVariant
from apps.catalog.selectors import collection_products
from apps.catalog.services import (
    ProductInput,
    VariantInput,
    category_delete,
    category_save,
    collection_save,
    product_create,
    product_delete,
    product_image_add,
    product_images_reorder,
    product_update,
    products_bulk_update,
)
from apps.catalog.tests.factories import make_product, png_upload
from apps.core.models import EventRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_alpha(alpha):
    with schema_context(alpha.tenant.schema_name):
        yield alpha


def test_product_create_builds_options_variants_and_a_clean_description(
    in_alpha, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        product = product_create(
            data=ProductInput(
                title="Trail Runner",
                description='<p onclick="x()">Grippy <script>alert(1)</script><a href="javascript:x">sole</a></p>',
                tags=("running", " running ", "trail"),
                variants=(
                    VariantInput(
                        sku="TR-40-BLK", price=Decimal("89.9"), options=(("Size", "40"), ("Colour", "Black"))
                    ),
                    VariantInput(
                        sku="TR-41-BLK", price=Decimal("89.9"), options=(("Size", "41"), ("Colour", "Black"))
                    ),
                ),
            )
        )
    assert product.handle == "trail-runner"
    assert product.description == '<p>Grippy <a rel="noopener noreferrer nofollow">sole</a></p>'
    assert product.tags == ["running", "trail"]
    assert [o.name for o in product.options.all()] == ["Size", "Colour"]
    assert list(product.variants.values_list("sku", "title", "price")) == [
        ("TR-40-BLK", "40 / Black", Decimal("89.90")),
        ("TR-41-BLK", "41 / Black", Decimal("89.90")),
    ]
    assert EventRecord.objects.filter(name="product.created", payload__handle="trail-runner").exists()


def test_a_duplicate_sku_is_refused_naming_it(in_alpha):
    make_product("Mug", sku_prefix="MUG")
    with pytest.raises(CatalogError) as error:
        make_product("Other Mug", sku_prefix="MUG")
    assert error.value.code == "duplicate_sku"
    assert "MUG-S0" in error.value.message
    with pytest.raises(CatalogError, match="used twice"):
        product_create(
            data=ProductInput(
                title="Twice",
                variants=(VariantInput(sku="X1", price=Decimal(1)), VariantInput(sku="X1", price=Decimal(2))),
            )
        )
    assert not Product.objects.filter(title__in=["Other Mug", "Twice"]).exists()


def test_skus_are_unique_per_store_not_per_platform(alpha, beta):
    with schema_context(alpha.tenant.schema_name):
        make_product("Cap", sku_prefix="CAP")
    with schema_context(beta.tenant.schema_name):
        make_product("Cap", sku_prefix="CAP")  # same SKU in another store is fine
        assert ProductVariant.objects.filter(sku="CAP-S0").count() == 1


def test_negative_prices_are_refused(in_alpha):
    with pytest.raises(CatalogError, match="cannot be negative"):
        product_create(
            data=ProductInput(title="Bad", variants=(VariantInput(sku="B1", price=Decimal("-1")),))
        )


def test_product_update_matches_variants_by_sku(in_alpha, django_capture_on_commit_callbacks):
    product = make_product("Socks", sku_prefix="SOCK", variants=3)
    kept = ProductVariant.objects.get(sku="SOCK-S1")
    with django_capture_on_commit_callbacks(execute=True):
        product_update(
            product=product,
            data=ProductInput(
                title="Wool Socks",
                status="active",
                variants=(
                    VariantInput(sku="SOCK-S1", price=Decimal("9.50"), options=(("Size", "S1"),)),
                    VariantInput(sku="SOCK-XL", price=Decimal("11"), options=(("Size", "XL"),)),
                ),
            ),
        )
    assert set(product.variants.values_list("sku", flat=True)) == {"SOCK-S1", "SOCK-XL"}
    assert ProductVariant.objects.get(sku="SOCK-S1").pk == kept.pk  # same row, history kept
    assert EventRecord.objects.filter(name="product.updated").exists()


def test_product_delete_emits_and_removes_files(in_alpha, django_capture_on_commit_callbacks):
    product = make_product("Lamp")
    image = product_image_add(product=product, upload=png_upload())
    names = [str(image.image.name), str(image.thumbnail.name)]
    with django_capture_on_commit_callbacks(execute=True):
        product_delete(product=product)
    assert not Product.objects.filter(title="Lamp").exists()
    assert all(not default_storage.exists(name) for name in names)
    assert EventRecord.objects.filter(name="product.deleted", payload__title="Lamp").exists()


def test_images_get_thumbnails_and_keep_their_order(in_alpha):
    product = make_product("Vase")
    first = product_image_add(product=product, upload=png_upload(size=(1200, 900)), alt="front")
    second = product_image_add(product=product, upload=png_upload(color="blue"), alt="back")
    assert (first.width, first.height) == (1200, 900)
    assert str(first.thumbnail.name).endswith(".jpg")
    assert str(first.image.name).startswith(f"products/{product.uuid}/")
    product_images_reorder(product=product, image_ids=[second.pk, first.pk])
    assert list(product.images.values_list("alt", flat=True)) == ["back", "front"]
    with pytest.raises(CatalogError):
        product_images_reorder(product=product, image_ids=[second.pk])


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (ContentFile(b"%PDF-1.4 not an image", name="doc.pdf"), "image_invalid"),
        (
            ContentFile(
                b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', name="x.svg"
            ),
            "image_svg",
        ),
        (ContentFile(b'<?xml version="1.0"?><svg onload="alert(1)"/>', name="innocent.png"), "image_svg"),
    ],
)
def test_uploads_that_are_not_safe_images_are_refused(in_alpha, upload, code):
    product = make_product("Frame")
    with pytest.raises(CatalogError) as error:
        product_image_add(product=product, upload=upload)
    assert error.value.code == code
    assert not ProductImage.objects.exists()


def test_an_image_over_the_size_limit_is_refused(in_alpha, settings):
    settings.CATALOG_IMAGE_MAX_BYTES = 1024
    product = make_product("Poster")
    with pytest.raises(CatalogError, match="limit is") as error:
        product_image_add(product=product, upload=png_upload(size=(800, 800)))
    assert error.value.code == "image_too_large"


def test_images_of_store_a_are_stored_under_its_prefix(alpha, beta):
    with schema_context(alpha.tenant.schema_name):
        image = product_image_add(product=make_product("Rug"), upload=png_upload())
        path = image.image.path
        url = image.image.url
    assert f"/{alpha.tenant.schema_name}/products/" in path
    with schema_context(beta.tenant.schema_name):
        assert not default_storage.exists(str(image.image.name))
        assert not ProductImage.objects.exists()
    from tests.fixtures import store_client

    assert store_client(alpha).get(url).status_code == 200
    assert store_client(beta).get(url).status_code == 404


def test_category_tree_paths_follow_moves_and_refuse_cycles(in_alpha):
    clothing = category_save(category=Category(), name="Clothing", parent=None)
    shirts = category_save(category=Category(), name="Shirts", parent=clothing)
    polo = category_save(category=Category(), name="Polo", parent=shirts)
    assert polo.path == "clothing/shirts/polo" and polo.depth == 2
    sale = category_save(category=Category(), name="Sale", parent=None)
    category_save(category=shirts, name="Shirts", parent=sale)
    polo.refresh_from_db()
    assert polo.path == "sale/shirts/polo"
    with pytest.raises(CatalogError, match="under itself"):
        category_save(category=sale, name="Sale", parent=polo)
    with pytest.raises(CatalogError, match="subcategories"):
        category_delete(category=shirts)


def test_rule_based_collections_match_products(in_alpha):
    make_product("Cheap Tee", price="9.00", tags=("summer",), vendor="Acme")
    make_product("Dear Coat", price="199.00", tags=("winter",), vendor="Acme")
    make_product("Other Tee", price="12.00", tags=("summer",), vendor="Zeta")
    summer_acme = collection_save(
        collection=Collection(),
        title="Summer by Acme",
        kind=Collection.Kind.RULES,
        rules=[
            {"field": "tag", "op": "equals", "value": "summer"},
            {"field": "vendor", "op": "equals", "value": "acme"},
        ],
    )
    assert [p.title for p in collection_products(collection=summer_acme)] == ["Cheap Tee"]
    cheap = collection_save(
        collection=Collection(),
        title="Under 15",
        kind=Collection.Kind.RULES,
        match=Collection.Match.ANY,
        rules=[{"field": "price", "op": "lt", "value": "15"}],
    )
    assert sorted(p.title for p in collection_products(collection=cheap)) == ["Cheap Tee", "Other Tee"]
    with pytest.raises(CatalogError, match="Condition 1"):
        collection_save(
            collection=Collection(),
            title="Bad",
            kind="rules",
            rules=[{"field": "colour", "op": "equals", "value": "x"}],
        )


def test_bulk_update_changes_status_tags_and_prices(in_alpha):
    a = make_product("A", price="10.00", tags=("old",))
    b = make_product("B", price="20.00")
    count = products_bulk_update(
        product_ids=[a.pk, b.pk],
        status="archived",
        add_tags=["sale"],
        remove_tags=["old"],
        price_percent=Decimal("-10"),
    )
    assert count == 2
    a.refresh_from_db()
    assert a.status == "archived" and a.tags == ["sale"]
    assert ProductVariant.objects.get(product=b).price == Decimal("18.00")
    with pytest.raises(CatalogError):
        products_bulk_update(product_ids=[a.pk], status="gone")


def test_supplier_sync_state_and_cost_changes_go_through_the_catalog(in_alpha):
    from apps.catalog.services import products_sync_state_set, variant_cost_price_set

    product = make_product("Synced Lamp")
    assert (
        products_sync_state_set(products=Product.objects.filter(pk=product.pk), status="error", error="gone")
        == 1
    )
    product.refresh_from_db()
    assert (product.sync_status, product.sync_error) == ("error", "gone") and product.synced_at is not None
    with pytest.raises(CatalogError):
        products_sync_state_set(products=Product.objects.all(), status="lost")
    variant = product.variants.get()
    variant_cost_price_set(variant=variant, cost=Decimal("4.5"), price=Decimal("9.99"), compare_at_price=None)
    variant.refresh_from_db()
    assert (variant.cost, variant.price) == (Decimal("4.50"), Decimal("9.99"))
    with pytest.raises(CatalogError, match="cannot be negative"):
        variant_cost_price_set(variant=variant, cost=Decimal("-1"), price=Decimal("1"), compare_at_price=None)


# ------------------------------------------------------------------------------
# set-based writes: the queries do not grow with the rows
# ------------------------------------------------------------------------------
def _products_in_a_collection(count: int, prefix: str) -> list[Product]:
    products = [make_product(f"{prefix} {n}", sku_prefix=f"{prefix}-{n}", variants=2) for n in range(count)]
    collection_save(
        collection=Collection(), title=f"{prefix} all", kind="manual", product_ids=[p.pk for p in products]
    )
    return products


def _queries(action) -> int:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


def test_a_bulk_delete_costs_the_same_queries_for_2_or_50_products(
    in_alpha, django_capture_on_commit_callbacks
):
    from apps.catalog.services import products_bulk_delete

    few = _products_in_a_collection(2, "few")
    many = _products_in_a_collection(50, "many")
    with django_capture_on_commit_callbacks(execute=False):
        counts = [
            _queries(lambda ids=[p.pk for p in group]: products_bulk_delete(product_ids=ids))
            for group in (few, many)
        ]
    assert counts[0] == counts[1], counts
    # One query per related table, whatever the number of products: 25 since checkout and
    # orders added discount restrictions (products, and their join table) and order lines
    # (their variant set to NULL, the snapshot kept); 26 since reviews (deleted with their
    # product; their photos through the reviews).
    assert counts[0] <= 26, counts
    # and every product went, with its variants, options and memberships, one event each
    assert not Product.objects.filter(pk__in=[p.pk for p in few + many]).exists()
    assert not ProductVariant.objects.filter(product_id__in=[p.pk for p in few + many]).exists()
    assert EventRecord.objects.filter(name="product.deleted").count() == 52


def test_moving_a_category_repaths_its_subtree_with_the_same_queries_for_2_or_50(in_alpha):
    def tree(name: str, children: int) -> Category:
        root = category_save(category=Category(), name=name, parent=None)
        middle = category_save(category=Category(), name=f"{name} middle", parent=root)
        for n in range(children):
            leaf = category_save(category=Category(), name=f"{name} leaf {n}", parent=middle)
            category_save(category=Category(), name=f"{name} leaf {n} deep", parent=leaf)
        return middle

    target = category_save(category=Category(), name="Target", parent=None)
    counts = []
    for name, children in (("few", 1), ("many", 25)):
        middle = tree(name, children)
        # when the middle category moves under another root (2 or 50 descendants follow)
        counts.append(_queries(lambda m=middle: category_save(category=m, name=m.name, parent=target)))
        # then every descendant has the new path and depth
        descendants = Category.objects.filter(path__startswith=f"target/{middle.slug}/")
        assert descendants.count() == 2 * children
        for category in descendants:
            assert category.path.count("/") == category.depth
            parent = Category.objects.get(pk=category.parent_id or 0)
            assert category.path == f"{parent.path}/{category.slug}"
        assert not Category.objects.filter(path__startswith=f"{name}/{middle.slug}/").exists()
    assert counts[0] == counts[1], counts
