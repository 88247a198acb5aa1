"""Scheduled publishing, run per store by beat (`content.scheduled_publish`): a post whose
approved go-live time has passed goes live when the job runs in its store, a post set for later
stays hidden, another store's run publishes nothing of it, and an expired post is taken down."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_tenants.utils import schema_context
from wagtail.models import Revision

from apps.content.jobs import SCHEDULED_PUBLISH_EVERY, SCHEDULED_PUBLISH_JOB, scheduled_publish
from apps.content.models import BlogIndexPage, BlogPostPage
from apps.core.jobs import store_job_get
from tests.fixtures import StoreWorld, store_client

pytestmark = pytest.mark.django_db


def _scheduled(world: StoreWorld, slug: str, *, go_live_at: datetime.datetime) -> BlogPostPage:
    """A post an editor scheduled (saved with a future go-live time, then "published": Wagtail
    keeps the revision's `approved_go_live_at` and leaves the page unpublished); `go_live_at`
    then stands for the clock having moved on."""
    with schema_context(world.tenant.schema_name):
        blog = BlogIndexPage.objects.get()
        post = blog.add_child(
            instance=BlogPostPage(
                title=slug.replace("-", " ").title(), slug=slug, locale=blog.locale, live=False
            )
        )
        post.go_live_at = timezone.now() + datetime.timedelta(hours=1)
        revision = post.save_revision()
        revision.publish()
        revision.content["go_live_at"] = go_live_at.isoformat()
        revision.approved_go_live_at = go_live_at
        revision.save(update_fields=["content", "approved_go_live_at"])
        BlogPostPage.objects.filter(pk=post.pk).update(go_live_at=go_live_at)
        post.refresh_from_db()
        assert not post.live
        return post


def _run(world: StoreWorld) -> dict[str, int]:
    with schema_context(world.tenant.schema_name):
        result = store_job_get(SCHEDULED_PUBLISH_JOB).func()
    cache.clear()
    return result


def test_the_job_is_registered_to_run_every_minute():
    job = store_job_get(SCHEDULED_PUBLISH_JOB)
    assert job.func is scheduled_publish and job.every == SCHEDULED_PUBLISH_EVERY <= 5 * 60


def test_a_due_post_goes_live_when_its_stores_job_runs_and_a_later_one_waits(alpha, beta):
    now = timezone.now()
    due = _scheduled(alpha, "due-post", go_live_at=now - datetime.timedelta(minutes=2))
    later = _scheduled(alpha, "later-post", go_live_at=now + datetime.timedelta(days=1))
    client = store_client(alpha)
    assert client.get("/blog/due-post/").status_code == 404
    assert "Due Post" not in client.get("/blog/").content.decode()

    assert _run(beta)["published"] == 0  # another store's run: nothing of alpha's
    assert client.get("/blog/due-post/").status_code == 404

    assert _run(alpha) == {"published": 1, "expired": 0}

    assert client.get("/blog/due-post/").status_code == 200
    assert "Due Post" in client.get("/blog/").content.decode()
    assert client.get("/blog/later-post/").status_code == 404
    with schema_context(alpha.tenant.schema_name):
        due.refresh_from_db()
        later.refresh_from_db()
        assert due.live and due.first_published_at is not None
        assert not later.live
        assert Revision.objects.filter(approved_go_live_at__isnull=False).count() == 1
    assert _run(alpha) == {"published": 0, "expired": 0}  # run twice: nothing more to do


def test_an_expired_post_is_taken_down(alpha):
    with schema_context(alpha.tenant.schema_name):
        blog = BlogIndexPage.objects.get()
        post = blog.add_child(
            instance=BlogPostPage(title="Short Lived", slug="short-lived", locale=blog.locale)
        )
        post.save_revision().publish()
        BlogPostPage.objects.filter(pk=post.pk).update(
            expire_at=timezone.now() - datetime.timedelta(minutes=1)
        )
    assert store_client(alpha).get("/blog/short-lived/").status_code == 200

    assert _run(alpha)["expired"] == 1

    assert store_client(alpha).get("/blog/short-lived/").status_code == 404
    with schema_context(alpha.tenant.schema_name):
        post.refresh_from_db()
        assert not post.live and post.expired
