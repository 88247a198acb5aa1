"""Shoppers write reviews: only of what they bought (verified purchase), one per product
(writing again edits it), with photos checked and text escaped, at a limited rate."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from apps.orders.tests.factories import CARD_DECLINED, checkout_ready, place
from apps.reviews.errors import ReviewError, ReviewErrorCode
from apps.reviews.models import REVIEW_SETTINGS_PK, Review, ReviewPhoto, ReviewSettings, ReviewStatus
from apps.reviews.selectors import review_settings_get
from apps.reviews.services import ReviewInput, review_submit
from apps.reviews.tests.factories import (
    order_paid_for,
    photo_upload,
    product_make,
    shopper_make,
    signed_in,
)
from tests.fixtures import store_client

pytestmark = pytest.mark.django_db


def _bought(alpha, name="Erika Mustermann"):
    shopper = shopper_make(alpha, name)
    with schema_context(alpha.tenant.schema_name):
        product = product_make()
        order = order_paid_for(user=shopper, product=product)
    return shopper, product, order


def _form(**changes):
    data = {"rating": "5", "title": "Lovely shirt", "body": "Soft linen.\nFits well.", "author_name": ""}
    data.update(changes)
    return data


def test_a_shopper_who_bought_reviews_and_the_review_shows_a_verified_badge(
    alpha, django_capture_on_commit_callbacks
):
    # given a shopper with a paid order of the product
    shopper, product, order = _bought(alpha)
    client = signed_in(alpha, shopper)
    url = f"/reviews/{product.handle}/"

    # when they open the form from the product page and send a review with a photo
    page = client.get(f"/products/{product.handle}/")
    assert f'href="{url}"' in page.text and 'id="write-review"' in page.text
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, _form(photos=photo_upload()))

    # then it waits for moderation (the default), tied to the order line, as a verified purchase
    assert sent.status_code == 302 and sent["Location"] == f"/products/{product.handle}/"
    with schema_context(alpha.tenant.schema_name):
        review = Review.objects.get(product=product)
        assert review.status == ReviewStatus.PENDING
        assert review.order_line is not None and review.order_line.order_id == order.pk
        assert review.verified_purchase
        assert review.author_name == "Erika M." and review.user_id == shopper.pk
        photo = ReviewPhoto.objects.get(review=review)
        assert str(photo.image.name).startswith(f"reviews/{review.uuid}/") and photo.thumbnail
        assert alpha.tenant.schema_name in photo.image.path  # the store's own media folder
        assert b"<svg" not in photo.image.read()
    anonymous = store_client(alpha)
    assert "Lovely shirt" not in anonymous.get(f"/products/{product.handle}/").text

    # and once the store publishes it, the product page shows it with the badge and the photo
    with schema_context(alpha.tenant.schema_name), django_capture_on_commit_callbacks(execute=True):
        from apps.reviews.services import review_status_set

        review_status_set(review=review, status=ReviewStatus.PUBLISHED)
    shown = anonymous.get(f"/products/{product.handle}/").text
    assert "Lovely shirt" in shown and "Verified purchase" in shown
    assert "Soft linen.<br>Fits well." in shown
    assert photo.thumbnail.url in shown


def test_with_automatic_publishing_the_review_shows_at_once(alpha, django_capture_on_commit_callbacks):
    shopper, product, _order = _bought(alpha)
    with schema_context(alpha.tenant.schema_name):
        review_settings_get()
        ReviewSettings.objects.update(auto_publish=True)
    client = signed_in(alpha, shopper)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/reviews/{product.handle}/", _form(title="Straight up"))
    with schema_context(alpha.tenant.schema_name):
        assert Review.objects.get(product=product).status == ReviewStatus.PUBLISHED
    assert "Straight up" in store_client(alpha).get(f"/products/{product.handle}/").text

    # a review the team hid goes back to moderation when rewritten, not straight to the page
    with schema_context(alpha.tenant.schema_name):
        Review.objects.filter(product=product).update(status=ReviewStatus.HIDDEN)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/reviews/{product.handle}/", _form(title="Sneaking back"))
    with schema_context(alpha.tenant.schema_name):
        assert Review.objects.get(product=product).status == ReviewStatus.PENDING
    assert "Sneaking back" not in store_client(alpha).get(f"/products/{product.handle}/").text


def test_a_shopper_who_did_not_buy_is_refused_and_nothing_is_saved(alpha):
    # given a shopper without any order of the product, and one whose card was declined
    stranger = shopper_make(alpha)
    declined = shopper_make(alpha)
    with schema_context(alpha.tenant.schema_name):
        product = product_make()
        unpaid = place(
            checkout_ready(items=[(product.variants.get(), 1)], user=declined, email=declined.email),
            card=CARD_DECLINED,
        ).order
        assert not unpaid.is_paid
    url = f"/reviews/{product.handle}/"

    for shopper in (stranger, declined):
        client = signed_in(alpha, shopper)
        # when they open the form or post a review anyway
        opened = client.get(url)
        posted = client.post(url, _form(photos=photo_upload()))
        # then both are refused with the reason, no link on the product page, nothing saved
        assert opened.status_code == posted.status_code == 403
        assert "Only shoppers who bought" in posted.text
        assert 'id="write-review"' not in client.get(f"/products/{product.handle}/").text
    with schema_context(alpha.tenant.schema_name):
        assert not Review.objects.exists() and not ReviewPhoto.objects.exists()
        with pytest.raises(ReviewError) as refused:
            review_submit(user=stranger, product=product, data=ReviewInput(rating=5))
        assert refused.value.code == ReviewErrorCode.NOT_PURCHASED
    # and a visitor who is not signed in goes to sign in first
    assert store_client(alpha).get(url)["Location"].startswith("/accounts/login/")


def test_a_second_review_of_the_same_product_edits_the_first(alpha, django_capture_on_commit_callbacks):
    shopper, product, _order = _bought(alpha)
    client = signed_in(alpha, shopper)
    url = f"/reviews/{product.handle}/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, _form(rating="2", title="Too small", photos=photo_upload()))
    with schema_context(alpha.tenant.schema_name):
        first = Review.objects.get()
        photo = first.photos.get()

    # the form opens with the review written, and sending it again rewrites it
    assert 'value="Too small"' in client.get(url).text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, _form(rating="4", title="Fine after all", remove_photos=[photo.pk]))

    with schema_context(alpha.tenant.schema_name):
        again = Review.objects.get()
        assert again.pk == first.pk and again.rating == 4 and again.title == "Fine after all"
        assert not again.photos.exists()


def test_photos_are_checked_and_nothing_is_saved_when_one_is_refused(alpha, settings):
    shopper, product, _order = _bought(alpha)
    client = signed_in(alpha, shopper)
    url = f"/reviews/{product.handle}/"
    svg = SimpleUploadedFile(
        "cat.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>', "image/png"
    )
    text = SimpleUploadedFile("notes.jpg", b"just some text, not a picture", "image/jpeg")
    for bad in (svg, text):
        refused = client.post(url, _form(photos=[photo_upload(), bad]))
        assert refused.status_code == 400
        assert "is not a photo we can show" in refused.text
    too_many = client.post(url, _form(photos=[photo_upload(f"{n}.png") for n in range(6)]))
    assert too_many.status_code == 400 and "at most 5 photos" in too_many.text
    settings.REVIEW_PHOTO_MAX_BYTES = 100
    too_large = client.post(url, _form(photos=[photo_upload(size=(300, 300))]))
    assert too_large.status_code == 400 and "larger than" in too_large.text
    with schema_context(alpha.tenant.schema_name):
        assert not Review.objects.exists() and not ReviewPhoto.objects.exists()


def test_photos_switched_off_by_the_store_are_refused(alpha):
    shopper, product, _order = _bought(alpha)
    with schema_context(alpha.tenant.schema_name):
        review_settings_get()
        ReviewSettings.objects.update(allow_photos=False)
        with pytest.raises(ReviewError) as refused:
            review_submit(user=shopper, product=product, data=ReviewInput(rating=4), photos=[photo_upload()])
        assert refused.value.code == ReviewErrorCode.PHOTOS_NOT_ALLOWED
        assert not Review.objects.exists()
    assert 'name="photos"' not in signed_in(alpha, shopper).get(f"/reviews/{product.handle}/").text


def test_text_is_kept_plain_and_escaped_on_the_page(alpha, django_capture_on_commit_callbacks):
    shopper, product, _order = _bought(alpha)
    with schema_context(alpha.tenant.schema_name):
        ReviewSettings.objects.update_or_create(pk=REVIEW_SETTINGS_PK, defaults={"auto_publish": True})
        with django_capture_on_commit_callbacks(execute=True):
            review = review_submit(
                user=shopper,
                product=product,
                data=ReviewInput(
                    rating=1,
                    title="<b>Bad</b>\x00",
                    body='<script>alert("x")</script>\x07 <img src=x onerror=alert(1)>',
                    author_name="<i>Max</i>",
                ),
            )
        assert review.title == "<b>Bad</b>" and "\x00" not in review.title and "\x07" not in review.body
    page = store_client(alpha).get(f"/products/{product.handle}/").text
    assert "<script>alert(" not in page and "<img src=x" not in page and "<i>Max</i>" not in page
    assert "&lt;script&gt;alert(" in page and "&lt;b&gt;Bad&lt;/b&gt;" in page


def test_reviews_are_rate_limited(alpha, settings):
    settings.REVIEW_RATE_LIMIT = 2
    shopper, product, _order = _bought(alpha)
    client = signed_in(alpha, shopper)
    url = f"/reviews/{product.handle}/"
    assert client.post(url, _form(rating="3")).status_code == 302
    assert client.post(url, _form(rating="4")).status_code == 302
    limited = client.post(url, _form(rating="1", title="Changed my mind"))
    assert limited.status_code == 429 and "try again later" in limited.text
    with schema_context(alpha.tenant.schema_name):
        assert Review.objects.get().rating == 4


def test_the_order_page_offers_a_review_of_each_product(alpha, django_capture_on_commit_callbacks):
    shopper, product, order = _bought(alpha)
    client = signed_in(alpha, shopper)
    page = client.get(f"/account/orders/{order.uuid}/").text
    assert 'id="order-reviews"' in page and f'href="/reviews/{product.handle}/"' in page
    assert "Review this product" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/reviews/{product.handle}/", _form())
    assert "Edit your review" in client.get(f"/account/orders/{order.uuid}/").text
