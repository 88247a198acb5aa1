"""The reviews pages of the dashboard: the list with filters and pinned queries, moderation
(single and bulk, hiding and deleting after a confirmation), replies, the settings, who may do
what, and that one store's team never reaches another's reviews."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.reviews.models import Review, ReviewSettings, ReviewStatus
from apps.reviews.services.photos import review_photo_add
from apps.reviews.tests.factories import photo_upload, product_make, review_make, role_client
from tests.fixtures import store_client

pytestmark = pytest.mark.django_db

BASE = "/dashboard/reviews/"


@pytest.fixture
def owner(alpha):
    return role_client(alpha, "owner")


def _status(world, review) -> str:
    with schema_context(world.tenant.schema_name):
        return Review.objects.get(pk=review.pk).status


def test_the_list_filters_and_reads_the_same_queries_for_1_or_55_reviews(
    alpha, owner, django_assert_max_num_queries
):
    with schema_context(alpha.tenant.schema_name):
        shirt, mug = product_make("Shirt"), product_make("Mug")
        first = review_make(product=shirt, title="Only one", rating=3, status=ReviewStatus.PENDING)
        review_photo_add(review=first, upload=photo_upload(), position=0)
    assert owner.get(BASE).status_code == 200  # warm the session and the store's settings
    # search_path, session, user, the status counts, the count, the page with products and photo counts
    with django_assert_max_num_queries(7) as one:  # 6 + the notification bell
        page = owner.get(BASE)
    assert "Only one" in page.text and "1 photo" in page.text
    with schema_context(alpha.tenant.schema_name):
        for n in range(54):
            review_make(product=mug if n % 2 else shirt, title=f"Bulk {n}", rating=1 + n % 5)
    with django_assert_max_num_queries(len(one)) as many:
        page = owner.get(BASE)
    assert len(many) == len(one)
    assert len(page.context["reviews"]) == 50 and page.context["page"].paginator.count == 55
    assert len(owner.get(BASE, {"page": 2}).context["reviews"]) == 5
    assert [r.title for r in owner.get(BASE, {"status": "pending"}).context["reviews"]] == ["Only one"]
    assert {r.rating for r in owner.get(BASE, {"rating": "3"}).context["reviews"]} == {3}
    mugs = owner.get(BASE, {"product": str(mug.uuid)})
    assert {r.product_id for r in mugs.context["reviews"]} == {mug.pk} and "Reviews of <strong>" in mugs.text
    assert owner.get(BASE, {"q": "Bulk 53"}).context["page"].paginator.count == 1
    assert "No review matches these filters." in owner.get(BASE, {"q": "nothing like it"}).text
    assert owner.get(BASE, {"rating": "9", "status": "nope"}).status_code == 200  # bad filters are ignored


def test_an_empty_store_says_how_reviews_arrive(alpha, owner):
    assert "No reviews yet." in owner.get(BASE).text


def test_publish_hide_reply_and_delete_one_review(alpha, owner, django_capture_on_commit_callbacks):
    with schema_context(alpha.tenant.schema_name):
        review = review_make(product=product_make(), status=ReviewStatus.PENDING, title="Check me")
    url = f"{BASE}{review.uuid}/"
    assert "Check me" in owner.get(url).text

    with django_capture_on_commit_callbacks(execute=True):
        assert owner.post(f"{url}publish/").status_code == 302
    assert _status(alpha, review) == ReviewStatus.PUBLISHED

    # hiding asks first, then hides
    confirm = owner.get(f"{url}hide/")
    assert confirm.status_code == 200 and "Hide this review?" in confirm.text
    assert _status(alpha, review) == ReviewStatus.PUBLISHED
    with django_capture_on_commit_callbacks(execute=True):
        owner.post(f"{url}hide/")
    assert _status(alpha, review) == ReviewStatus.HIDDEN

    # a reply is saved as plain text with its time, and removed when emptied
    assert owner.post(url, {"reply": "Thank you!"}).status_code == 302
    with schema_context(alpha.tenant.schema_name):
        saved = Review.objects.get(pk=review.pk)
        assert saved.reply == "Thank you!" and saved.replied_at is not None
    assert owner.post(url, {"reply": "x" * 2001}).status_code == 400
    owner.post(url, {"reply": "  "})
    with schema_context(alpha.tenant.schema_name):
        assert Review.objects.get(pk=review.pk).replied_at is None

    # deleting asks first, then deletes
    assert "This cannot be undone." in owner.get(f"{url}delete/").text
    with django_capture_on_commit_callbacks(execute=True):
        assert owner.post(f"{url}delete/")["Location"] == BASE
    with schema_context(alpha.tenant.schema_name):
        assert not Review.objects.filter(pk=review.pk).exists()
    assert owner.get(url).status_code == 404


def test_bulk_publish_at_once_and_hide_after_a_confirmation(alpha, owner, django_capture_on_commit_callbacks):
    with schema_context(alpha.tenant.schema_name):
        product = product_make()
        reviews = [review_make(product=product, status=ReviewStatus.PENDING, title=f"B{n}") for n in range(3)]
    uuids = [str(r.uuid) for r in reviews]
    with django_capture_on_commit_callbacks(execute=True):
        done = owner.post(f"{BASE}bulk/", {"action": "publish", "reviews": uuids[:2]}, follow=True)
    assert "2 reviews published." in done.text
    assert [_status(alpha, r) for r in reviews] == ["published", "published", "pending"]

    confirm = owner.post(f"{BASE}bulk/", {"action": "hide", "reviews": uuids})
    assert confirm.status_code == 200 and "Hide 3 reviews?" in confirm.text
    assert [_status(alpha, r) for r in reviews] == ["published", "published", "pending"]
    with django_capture_on_commit_callbacks(execute=True):
        owner.post(f"{BASE}bulk/", {"action": "hide", "reviews": uuids, "confirm": "1"})
    assert {_status(alpha, r) for r in reviews} == {"hidden"}

    nothing = owner.post(f"{BASE}bulk/", {"action": "publish"}, follow=True)
    assert "Select at least one review." in nothing.text
    bogus = owner.post(f"{BASE}bulk/", {"action": "publish", "reviews": ["not-a-uuid"]}, follow=True)
    assert "None of the selected reviews exist any more." in bogus.text


def test_who_may_read_moderate_and_change_the_settings(alpha):
    with schema_context(alpha.tenant.schema_name):
        review = review_make(product=product_make(), status=ReviewStatus.PENDING)
    url = f"{BASE}{review.uuid}/"
    staff, finance = role_client(alpha, "staff"), role_client(alpha, "finance")
    shopper = store_client(alpha)

    # finance reads (catalog.view) but may not moderate
    assert finance.get(BASE).status_code == 200 and finance.get(url).status_code == 200
    assert "bulk-form" not in finance.get(BASE).text
    for action in ("publish/", "hide/", "delete/"):
        assert finance.post(f"{url}{action}").status_code == 403
    assert (
        finance.post(f"{BASE}bulk/", {"action": "publish", "reviews": [str(review.uuid)]}).status_code == 403
    )
    assert finance.post(url, {"reply": "No"}).status_code == 403
    assert _status(alpha, review) == ReviewStatus.PENDING
    # staff moderates, but the settings are the owners' and admins'
    assert staff.post(f"{url}publish/").status_code == 302
    assert staff.get(f"{BASE}settings/").status_code == 403
    # visitors go to sign in
    assert shopper.get(BASE)["Location"].startswith("/accounts/login/")


def test_the_settings_page_saves_and_checks_the_delay(alpha, owner):
    page = owner.get(f"{BASE}settings/")
    assert page.status_code == 200 and 'name="request_delay_days" value="7"' in page.text
    saved = owner.post(
        f"{BASE}settings/", {"auto_publish": "on", "request_delay_days": "14", "allow_photos": ""}
    )
    assert saved.status_code == 302
    with schema_context(alpha.tenant.schema_name):
        row = ReviewSettings.objects.get()
        assert row.auto_publish and row.request_delay_days == 14 and not row.allow_photos
    refused = owner.post(f"{BASE}settings/", {"request_delay_days": "-1"})
    assert refused.status_code == 400
    refused = owner.post(f"{BASE}settings/", {"request_delay_days": "400"})
    assert refused.status_code == 400 and "Choose between 0 and 365 days." in refused.text
    with schema_context(alpha.tenant.schema_name):
        assert ReviewSettings.objects.get().request_delay_days == 14


def test_beta_staff_cannot_see_or_moderate_alphas_reviews(alpha, beta):
    with schema_context(alpha.tenant.schema_name):
        review = review_make(product=product_make(), status=ReviewStatus.PENDING, title="Alpha secret")
    theirs = role_client(beta, "owner")
    assert "Alpha secret" not in theirs.get(BASE).text
    url = f"{BASE}{review.uuid}/"
    assert theirs.get(url).status_code == 404
    for action in ("publish/", "hide/", "delete/"):
        assert theirs.post(f"{url}{action}").status_code == 404
    theirs.post(f"{BASE}bulk/", {"action": "publish", "reviews": [str(review.uuid)]})
    assert _status(alpha, review) == ReviewStatus.PENDING
    with schema_context(alpha.tenant.schema_name):
        assert Review.objects.filter(pk=review.pk).exists()


def test_the_menu_lists_reviews_for_readers(alpha, owner):
    assert f'href="{BASE}"' in owner.get("/dashboard/").text
