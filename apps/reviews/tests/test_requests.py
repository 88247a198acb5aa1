"""Review requests: recorded when an order is delivered, sent once after the store's delay by
the hourly store job, with links to the review form on the store's own domain."""

from __future__ import annotations

import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.core.events import Event
from apps.core.jobs import store_job_get
from apps.orders.timeline import order_emit, order_payload
from apps.reviews.jobs import REVIEW_REQUESTS_JOB
from apps.reviews.models import ReviewRequest, ReviewSettings
from apps.reviews.selectors import review_settings_get
from apps.reviews.services import review_request_record, review_requests_send_due
from apps.reviews.subscribers import review_request_on_delivery
from apps.reviews.tests.factories import order_paid_for, product_make, review_make, shopper_make

pytestmark = pytest.mark.django_db


def _delivered(alpha, *, reviewed: bool = False):
    shopper = shopper_make(alpha)
    with schema_context(alpha.tenant.schema_name):
        product = product_make("Teapot")
        order = order_paid_for(user=shopper, product=product)
        if reviewed:
            review_make(product=product, user=shopper)
    return shopper, product, order


def _event(alpha, order) -> Event:
    return Event(
        id=str(uuid.uuid4()),
        name="order.delivered",
        payload=order_payload(order),
        schema_name=alpha.tenant.schema_name,
    )


def test_delivery_records_a_request_due_after_the_stores_delay(alpha, django_capture_on_commit_callbacks):
    _shopper, _product, order = _delivered(alpha)
    with schema_context(alpha.tenant.schema_name):
        review_settings_get()
        ReviewSettings.objects.update(request_delay_days=3)
        before = timezone.now()
        # the event as the fulfilment app emits it, dispatched to the subscribers
        with django_capture_on_commit_callbacks(execute=True):
            order_emit(name="order.delivered", order=order, fulfilment={"id": 1, "lines": []})
        request = ReviewRequest.objects.get(order=order)
        assert before + timedelta(days=3) <= request.due_at <= timezone.now() + timedelta(days=3)
        assert request.sent_at is None
        # a second delivery of the same order (a split shipment) moves it on, never back
        later = review_request_record(order=order, delivered_at=timezone.now() + timedelta(days=2))
        assert later.pk == request.pk and later.due_at > request.due_at
        review_request_record(order=order, delivered_at=timezone.now() - timedelta(days=9))
        assert ReviewRequest.objects.get().due_at == later.due_at


def test_the_request_is_sent_once_after_the_delay(alpha, django_capture_on_commit_callbacks):
    # given a delivered order whose request falls due in 7 days (the default)
    _shopper, product, order = _delivered(alpha)
    with schema_context(alpha.tenant.schema_name):
        review_request_on_delivery(_event(alpha, order))
        request = ReviewRequest.objects.get(order=order)
        job = store_job_get(REVIEW_REQUESTS_JOB)
        assert job.every == 60 * 60
        mail.outbox.clear()

        # when the job runs before then, nothing goes out
        with django_capture_on_commit_callbacks(execute=True):
            assert review_requests_send_due(now=request.due_at - timedelta(minutes=1))["sent"] == 0
        assert mail.outbox == []

        # when it runs after the delay, twice, then one email goes to the shopper
        with django_capture_on_commit_callbacks(execute=True):
            first = review_requests_send_due(now=request.due_at + timedelta(hours=1))
        with django_capture_on_commit_callbacks(execute=True):
            second = review_requests_send_due(now=request.due_at + timedelta(hours=2))
        assert (first["sent"], second["sent"]) == (1, 0)
        assert [message.to for message in mail.outbox] == [[order.email]]
        assert f"/reviews/{product.handle}/" in mail.outbox[0].body
        request.refresh_from_db()
        assert request.sent_at is not None and request.skipped_reason == ""


def test_the_email_links_to_the_review_form_on_the_stores_domain(alpha):
    _shopper, product, order = _delivered(alpha)
    with schema_context(alpha.tenant.schema_name):
        request = review_request_record(order=order)
        with mock.patch("apps.reviews.services.requests._notification_send") as send:
            review_requests_send_due(now=request.due_at)
    send.assert_called_once()
    kwargs = send.call_args.kwargs
    url = f"http://{alpha.host}/reviews/{product.handle}/"
    assert kwargs["template"] == "review_request" and kwargs["to"] == order.email
    assert kwargs["order"].pk == order.pk and kwargs["key"] == f"review_request:{order.uuid}"
    assert kwargs["extra"]["review_url"] == url
    assert kwargs["extra"]["lines"] == [{"title": product.title, "review_url": url, "url": url}]


def test_nothing_is_sent_when_everything_is_reviewed_or_the_order_was_refunded(alpha):
    _shopper, _product, order = _delivered(alpha, reviewed=True)
    with schema_context(alpha.tenant.schema_name):
        request = review_request_record(order=order)
        with mock.patch("apps.reviews.services.requests._notification_send") as send:
            assert review_requests_send_due(now=request.due_at) == {"sent": 0, "skipped": 1}
        send.assert_not_called()
        request.refresh_from_db()
        assert request.skipped_reason == "nothing_to_review" and request.sent_at is not None


def test_another_stores_job_sends_nothing_of_alpha(alpha, beta):
    _shopper, _product, order = _delivered(alpha)
    with schema_context(alpha.tenant.schema_name):
        request = review_request_record(order=order)
    with schema_context(beta.tenant.schema_name):
        with mock.patch("apps.reviews.services.requests._notification_send") as send:
            review_requests_send_due(now=request.due_at + timedelta(days=1))
        send.assert_not_called()
    with schema_context(alpha.tenant.schema_name):
        assert ReviewRequest.objects.get().sent_at is None
