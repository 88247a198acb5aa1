"""The product page shows the published reviews (newest first, paginated) with their rating
summary, and its schema.org data carries AggregateRating only while one is published; it
follows moderation at once, reads a pinned number of queries, and never shows another store's
reviews."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.catalog.models import Product
from apps.reviews.models import Review, ReviewStatus
from apps.reviews.selectors import product_rating_summaries_forget
from apps.reviews.services import review_delete, reviews_status_set
from apps.reviews.services.photos import review_photo_add
from apps.reviews.tests.factories import photo_upload, product_make, review_make
from apps.storefront.caching import catalog_version_bump
from tests.fixtures import StoreWorld, store_client

pytestmark = pytest.mark.django_db

JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def _product_data(html: str) -> dict:
    for block in JSON_LD.findall(html):
        data = json.loads(block)
        if data.get("@type") == "Product":
            return data
    raise AssertionError("no Product JSON-LD")


def test_moderation_drives_the_page_and_its_aggregate_rating(alpha, django_capture_on_commit_callbacks):
    # given a product with two published reviews (5 and 2 stars) and one waiting
    with schema_context(alpha.tenant.schema_name):
        product = product_make()
        five = review_make(product=product, rating=5, title="Great")
        two = review_make(product=product, rating=2, title="Meh", author_name="Max P.")
        review_make(product=product, rating=1, title="Waiting", status=ReviewStatus.PENDING)
    client = store_client(alpha)
    url = f"/products/{product.handle}/"

    # then the page shows the average of the published ones, and so does its JSON-LD
    page = client.get(url).text
    data = _product_data(page)
    assert data["aggregateRating"] == {
        "@type": "AggregateRating",
        "ratingValue": 3.5,
        "reviewCount": 2,
        "bestRating": 5,
        "worstRating": 1,
    }
    assert [r["name"] for r in data["review"]] == ["Meh", "Great"]  # newest first
    assert data["review"][0]["author"] == {"@type": "Person", "name": "Max P."}
    assert 'aria-label="Rated 3.5 out of 5"' in page and "2 reviews" in page and "Waiting" not in page
    assert client.get(url)["X-Storefront-Cache"] == "hit"  # the page is cached for visitors

    # when the team hides one, the cached page and the rating follow at once
    with schema_context(alpha.tenant.schema_name), django_capture_on_commit_callbacks(execute=True):
        reviews_status_set(review_ids=[two.pk], status=ReviewStatus.HIDDEN)
    page = client.get(url).text
    assert _product_data(page)["aggregateRating"]["ratingValue"] == 5.0
    assert _product_data(page)["aggregateRating"]["reviewCount"] == 1 and "Meh" not in page

    # and with nothing published there is no rating at all
    with schema_context(alpha.tenant.schema_name), django_capture_on_commit_callbacks(execute=True):
        review_delete(review=five)
    page = client.get(url).text
    assert "aggregateRating" not in _product_data(page) and "review" not in _product_data(page)
    assert "No reviews yet." in page

    # publishing again brings it back
    with schema_context(alpha.tenant.schema_name), django_capture_on_commit_callbacks(execute=True):
        reviews_status_set(review_ids=[two.pk], status=ReviewStatus.PUBLISHED)
    assert _product_data(client.get(url).text)["aggregateRating"]["ratingValue"] == 2.0


def test_reviews_are_paginated_newest_first_with_reply(alpha):
    with schema_context(alpha.tenant.schema_name):
        product = product_make()
        start = timezone.now() - timedelta(days=30)
        for n in range(12):
            review = review_make(product=product, title=f"Review number {n:02d}", rating=4)
            Review.objects.filter(pk=review.pk).update(created_at=start + timedelta(days=n))
        Review.objects.filter(title="Review number 11").update(
            reply="Thanks, Erika!", replied_at=timezone.now()
        )
    client = store_client(alpha)
    first = client.get(f"/products/{product.handle}/").text
    titles = re.findall(r"Review number (\d\d)", first.split('id="reviews"')[1])
    assert titles == [f"{n:02d}" for n in range(11, 1, -1)]
    assert "Thanks, Erika!" in first and "?reviews_page=2#reviews" in first
    second = client.get(f"/products/{product.handle}/?reviews_page=2").text
    assert re.findall(r"Review number (\d\d)", second.split('id="reviews"')[1]) == ["01", "00"]
    # a page past the end shows the last one; a malformed one the first
    assert "Review number 00" in client.get(f"/products/{product.handle}/?reviews_page=99").text
    assert "Review number 11" in client.get(f"/products/{product.handle}/?reviews_page=x").text


def _count(world: StoreWorld, url: str) -> int:
    client = store_client(world)
    assert client.get(url).status_code == 200  # warm the store's caches
    with schema_context(world.tenant.schema_name):
        catalog_version_bump()  # retire the page cache: count a rendered page
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _reviewed(count: int, photos: int) -> Product:
    product = product_make()
    for n in range(count):
        review = review_make(product=product, title=f"R{n}")
        for position in range(photos if n % 2 == 0 else 0):
            review_photo_add(review=review, upload=photo_upload(), position=position)
    return product


def test_the_product_page_reads_one_more_query_with_reviews_however_many(alpha):
    # given products with no review, 3 reviews and 25 reviews with photos
    with schema_context(alpha.tenant.schema_name):
        none, few, many = product_make(), _reviewed(3, photos=1), _reviewed(25, photos=2)

    # then a page with reviews reads one query more than one without (the page of reviews with
    # their photos; the rating summary comes from the cache), whatever their number
    without = _count(alpha, f"/products/{none.handle}/")
    assert _count(alpha, f"/products/{few.handle}/") == without + 1
    assert _count(alpha, f"/products/{many.handle}/") == without + 1
    assert without == PRODUCT_PAGE_QUERIES

    # and with the rating summary forgotten, one aggregate query more
    with schema_context(alpha.tenant.schema_name):
        product_rating_summaries_forget(product_ids=[many.pk])
        catalog_version_bump()
    client = store_client(alpha)
    with CaptureQueriesContext(connection) as ctx:
        client.get(f"/products/{many.handle}/")
    assert len(ctx.captured_queries) == without + 2


# The product page of a product without images, option values or related products, with warm
# caches and no review (apps/storefront/tests/test_catalog.py pins a fuller one at 7): reviews
# add no query to it.
PRODUCT_PAGE_QUERIES = 5


def test_another_stores_reviews_never_show(alpha, beta):
    # given the same product handle in both stores, reviewed only in alpha
    with schema_context(alpha.tenant.schema_name):
        ours = product_make("Twin")
        review_make(product=ours, title="Alpha only review", rating=1)
    with schema_context(beta.tenant.schema_name):
        theirs = product_make("Twin")
        Product.objects.filter(pk=theirs.pk).update(handle=ours.handle)
    # when beta's page is shown (alpha's first, so any cache is warm)
    assert "Alpha only review" in store_client(alpha).get(f"/products/{ours.handle}/").text
    page = store_client(beta).get(f"/products/{ours.handle}/").text
    # then it has no review and no rating of alpha's
    assert "Alpha only review" not in page and "No reviews yet." in page
    assert "aggregateRating" not in _product_data(page)
