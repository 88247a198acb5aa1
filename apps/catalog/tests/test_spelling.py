"""Typo tolerance of product search: swapped, doubled and replaced letters find the product the
shopper meant, without flooding the results with unrelated ones."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.catalog.models import SearchTerm
from apps.catalog.selectors import ProductFilters, product_list
from apps.catalog.services import ProductInput, VariantInput, product_update, search_terms_rebuild
from apps.catalog.spelling import correction_accepted, osa_distance, search_words, spelling_corrections
from apps.catalog.tests.factories import make_product


@pytest.fixture
def in_alpha(alpha):
    with schema_context(alpha.tenant.schema_name):
        yield alpha


def _titles(query: str) -> list[str]:
    return [p.title for p in product_list(filters=ProductFilters(query=query))]


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("hoodie", "hoodie", 0),
        ("hoodei", "hoodie", 1),  # swap at the end
        ("ohodie", "hoodie", 1),  # swap at the start
        ("hoddie", "hoodie", 1),  # one letter replaced
        ("hodie", "hoodie", 1),
        ("hoodiee", "hoodie", 1),
        ("ca", "abc", 3),  # optimal string alignment: a letter is edited once (true Damerau says 2)
        ("", "mug", 3),
    ],
)
def test_osa_distance(a, b, distance):
    assert osa_distance(a, b) == distance
    assert osa_distance(b, a) == distance


def test_short_words_are_only_corrected_for_swapped_letters():
    assert correction_accepted("mgu", "mug") == 1
    assert correction_accepted("cap", "cup") is None  # a different word, not a typo
    assert correction_accepted("mg", "mug") is None  # too short to guess
    assert correction_accepted("hoddie", "hoodie") == 1
    assert correction_accepted("hoddie", "holder") is None
    assert correction_accepted("bakcpakc", "backpack") == 2  # long words: two edits


def test_search_words_split_like_the_vocabulary():
    assert search_words("Ohodie, <b>BLUE</b> t-shirt_2") == ["ohodie", "b", "blue", "b", "t", "shirt", "2"]


@pytest.mark.django_db
@pytest.mark.parametrize("typo", ["hoddie", "hoodei", "ohodie", "HOODEI", "hodie"])
def test_misspelt_hoodie_finds_hoodies_only(in_alpha, typo):
    # given a catalog with hoodies and look-alike words
    make_product("Organic Cotton Hoodie")
    make_product("Zip Hoodie", vendor="Northwind")
    make_product("Hooded Rain Jacket")
    make_product("Kiddie Pool")
    make_product("Noodle Bowl")
    make_product("Phone Holder")
    # when / then
    assert sorted(_titles(typo)) == ["Organic Cotton Hoodie", "Zip Hoodie"]


@pytest.mark.django_db
def test_swapped_letters_in_several_words_and_short_words(in_alpha):
    make_product("Ceramic Mug")
    make_product("Wireless Charger", vendor="Acme")
    make_product("Cup Holder")
    assert _titles("cearmic mgu") == ["Ceramic Mug"]
    assert _titles("wirelses chagrer") == ["Wireless Charger"]
    assert _titles("cpa") == []  # "cap"/"cup": nothing swapped into a real word of ours
    assert _titles("mgu cup") == ["Cup Holder"]  # no mug is a cup: the title similarity answers
    assert _titles("acme wirelses") == ["Wireless Charger"]  # a known word kept as it is


@pytest.mark.django_db
def test_known_words_and_search_syntax_are_not_corrected(in_alpha):
    make_product("Linen Shirt")
    make_product("Linen Skirt")
    assert _titles("shirt") == ["Linen Shirt"]  # exact words: no fuzzy widening to "skirt"
    assert spelling_corrections("skirt shirt") == {}
    assert _titles('"linen shrit"') == []  # quotes ask for exact matching
    assert spelling_corrections("shrit") == {"shrit": ["shirt"]}


@pytest.mark.django_db
def test_vocabulary_follows_products_and_rebuild_drops_old_words(in_alpha):
    product = make_product("Velvet Scrunchie", tags=("accessory",), vendor="Hooli")
    assert set(SearchTerm.objects.values_list("word", flat=True)) >= {
        "velvet",
        "scrunchie",
        "accessory",
        "hooli",
    }
    product_update(
        product=product,
        data=ProductInput(
            title="Silk Scarf", variants=(VariantInput(sku="SILK-1", price=product.variants.get().price),)
        ),
    )
    assert _titles("scraf") == ["Silk Scarf"]
    assert SearchTerm.objects.filter(word="velvet").exists()  # kept until the rebuild
    assert search_terms_rebuild() == SearchTerm.objects.count()
    assert not SearchTerm.objects.filter(word="velvet").exists()
    assert SearchTerm.objects.filter(word="scarf").exists()


@pytest.mark.django_db
def test_typo_search_runs_a_fixed_number_of_queries(in_alpha):
    # given a small catalog
    make_product("Organic Cotton Hoodie")

    def typo_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            rows = list(product_list(filters=ProductFilters(query="ohodie cottno")))
            assert [row.title for row in rows][:1] == ["Organic Cotton Hoodie"]
            for row in rows:
                _ = list(row.images.all())
        return len(captured.captured_queries)

    few = typo_queries()
    # when it grows (more products, more words in the vocabulary)
    for i in range(40):
        make_product(f"Cotton Thing {i}", tags=(f"word{i}",))
    # then a misspelt search still costs the same: exists, vocabulary, products, images
    assert typo_queries() == few == 4


@pytest.mark.django_db
def test_a_store_corrects_only_to_its_own_words(alpha, beta):
    with schema_context(alpha.tenant.schema_name):
        make_product("Alpha Trampoline")
    with schema_context(beta.tenant.schema_name):
        assert spelling_corrections("trampolnie") == {}
        assert _titles("trampolnie") == []
    with schema_context(alpha.tenant.schema_name):
        assert _titles("trampolnie") == ["Alpha Trampoline"]
