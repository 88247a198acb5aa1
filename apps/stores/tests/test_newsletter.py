"""The newsletter's double opt-in from the storefront: a sign-up waits for the link mailed to it
(in the shopper's language), the link confirms once and for all, a forged, expired or other
store's link is refused with a page saying so, unsubscribing keeps the address as unsubscribed,
the answer never tells whether an address was known, and the pending clean-up."""

from __future__ import annotations

import importlib
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail, signing
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.core.models import EventRecord
from apps.core.retention import retention_kind_get
from apps.notifications.models import Delivery
from apps.stores.errors import NewsletterError, NewsletterErrorCode
from apps.stores.models import NewsletterSubscriber
from apps.stores.newsletter import (
    CONFIRM_PURPOSE,
    NEWSLETTER_CONFIRM_MAX_AGE,
    NEWSLETTER_SUBSCRIBED,
    NEWSLETTER_UNSUBSCRIBED,
    UNSUBSCRIBE_PURPOSE,
    newsletter_confirm,
    newsletter_pending_purge,
    newsletter_subscribe,
    newsletter_token,
)
from tests.fixtures import StoreWorld, store_client

pytestmark = pytest.mark.django_db

Status = NewsletterSubscriber.Status
LINK_RE = re.compile(r"https?://[^/\s]+(/(?:[a-z]{2}/)?newsletter/(?:confirm|unsubscribe)/[^\s\"<>/]+/)")


def _in(world: StoreWorld):  # type: ignore[no-untyped-def]
    return schema_context(world.tenant.schema_name)


def _sign_up(world: StoreWorld, email: str, capture, *, prefix: str = "") -> Client:  # type: ignore[no-untyped-def]
    client = store_client(world)
    with capture(execute=True):
        response = client.post(f"{prefix}/newsletter/", {"email": email})
    assert response.status_code == 302
    return client


def _links(message: mail.EmailMessage) -> tuple[str, str]:
    paths = LINK_RE.findall(str(message.body))
    confirm = next(path for path in paths if "/confirm/" in path)
    unsubscribe = next(path for path in paths if "/unsubscribe/" in path)
    return confirm, unsubscribe


def _status(world: StoreWorld, email: str) -> str | None:
    with _in(world):
        return NewsletterSubscriber.objects.filter(email=email).values_list("status", flat=True).first()


# ------------------------------------------------------------------------------
# double opt-in
# ------------------------------------------------------------------------------
def test_a_sign_up_waits_for_the_mailed_link_which_confirms_it_once(
    alpha, django_capture_on_commit_callbacks
):
    # given a shopper who signed up
    mail.outbox.clear()
    client = _sign_up(alpha, "ana@example.com", django_capture_on_commit_callbacks)
    # then the address waits, and one confirmation mail went to it
    assert _status(alpha, "ana@example.com") == Status.PENDING
    assert [message.to for message in mail.outbox] == [["ana@example.com"]]
    message = mail.outbox[0]
    assert "confirm" in message.subject.lower()
    assert f"://{alpha.host}" in message.body
    confirm, _unsubscribe = _links(message)
    # the link is kept off the delivery log (staff cannot confirm for the shopper)
    with _in(alpha):
        delivery = Delivery.objects.get(template="newsletter_confirmation")
        assert delivery.status == Delivery.Status.SENT and "confirm_url" not in delivery.context

    # when the link is opened
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(confirm)
    # then the address is subscribed, once
    assert page.status_code == 200 and 'id="newsletter-confirmed"' in page.text
    assert "ana@example.com" in page.text
    again = client.get(confirm)
    assert again.status_code == 200 and 'id="newsletter-confirmed"' in again.text
    with _in(alpha):
        subscriber = NewsletterSubscriber.objects.get(email="ana@example.com")
        assert subscriber.status == Status.CONFIRMED and subscriber.confirmed_at is not None
        assert EventRecord.objects.filter(name=NEWSLETTER_SUBSCRIBED).count() == 1


def test_the_confirmation_mail_is_in_the_language_the_shopper_signed_up_in(
    alpha, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    client = _sign_up(alpha, "jonas@example.com", django_capture_on_commit_callbacks, prefix="/de")
    message = mail.outbox[0]
    # rendered in German (the sentences themselves follow with the translation pass)
    assert isinstance(message, mail.EmailMultiAlternatives)
    html, _mimetype = message.alternatives[0]
    assert 'lang="de"' in str(html)
    confirm, unsubscribe = _links(message)
    assert confirm.startswith("/de/newsletter/confirm/") and unsubscribe.startswith(
        "/de/newsletter/unsubscribe/"
    )
    assert client.get(confirm).status_code == 200
    assert _status(alpha, "jonas@example.com") == Status.CONFIRMED
    with _in(alpha):
        assert Delivery.objects.get(template="newsletter_confirmation").language == "de"


def test_a_known_address_gets_the_same_answer_as_a_new_one(alpha, django_capture_on_commit_callbacks):
    _sign_up(alpha, "known@example.com", django_capture_on_commit_callbacks)
    with _in(alpha):
        NewsletterSubscriber.objects.filter(email="known@example.com").update(
            status=Status.CONFIRMED, confirmed_at=timezone.now()
        )
    mail.outbox.clear()
    answers = []
    for email in ("known@example.com", "new@example.com"):
        client = store_client(alpha)
        response = client.post("/newsletter/", {"email": email})
        answers.append(
            (response.status_code, response["Location"], client.get("/").text.count("check your inbox"))
        )
    assert answers[0] == answers[1] == (302, "/", 1)


def test_a_confirmed_address_signing_up_again_gets_no_mail_and_stays_subscribed(
    alpha, django_capture_on_commit_callbacks
):
    with _in(alpha):
        NewsletterSubscriber.objects.create(
            email="fan@example.com", status=Status.CONFIRMED, confirmed_at=timezone.now()
        )
    mail.outbox.clear()
    _sign_up(alpha, "fan@example.com", django_capture_on_commit_callbacks)
    assert mail.outbox == [] and _status(alpha, "fan@example.com") == Status.CONFIRMED


def test_a_pending_address_gets_a_second_mail_only_after_a_while(alpha):
    with _in(alpha):
        assert newsletter_subscribe(email="wait@example.com") is True
        assert newsletter_subscribe(email="wait@example.com") is False  # too soon: no mail bomb
        NewsletterSubscriber.objects.update(confirmation_sent_at=timezone.now() - timedelta(minutes=11))
        assert newsletter_subscribe(email="wait@example.com") is True
        assert NewsletterSubscriber.objects.count() == 1


# ------------------------------------------------------------------------------
# links that must not work
# ------------------------------------------------------------------------------
def test_a_tampered_link_is_refused_with_a_clear_page(alpha, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    client = _sign_up(alpha, "eve@example.com", django_capture_on_commit_callbacks)
    confirm, unsubscribe = _links(mail.outbox[0])
    token = confirm.rstrip("/").rsplit("/", 1)[1]
    for path in (
        confirm.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB")),
        "/newsletter/confirm/not-a-token/",
        unsubscribe.replace("/unsubscribe/", "/confirm/"),  # a link of another purpose
    ):
        response = client.get(path)
        assert response.status_code == 400, path
        assert 'id="newsletter-refused"' in response.text and 'role="alert"' in response.text
    assert client.post("/newsletter/unsubscribe/forged/").status_code == 400
    assert _status(alpha, "eve@example.com") == Status.PENDING


def test_an_expired_link_is_refused(alpha):
    # given a confirmation link signed longer ago than links live
    signed_at = int(timezone.now().timestamp() - NEWSLETTER_CONFIRM_MAX_AGE.total_seconds() - 60)
    with _in(alpha):
        newsletter_subscribe(email="late@example.com")
        subscriber = NewsletterSubscriber.objects.get()
        with mock.patch.object(
            signing.TimestampSigner, "timestamp", return_value=signing.b62_encode(signed_at)
        ):
            token = newsletter_token(
                email="late@example.com", purpose=CONFIRM_PURPOSE, requested_at=subscriber.requested_at
            )
    # when it is opened, then it is refused and changes nothing
    response = store_client(alpha).get(f"/newsletter/confirm/{token}/")
    assert response.status_code == 400 and "expired" in response.text
    assert _status(alpha, "late@example.com") == Status.PENDING


def test_alphas_link_does_nothing_on_beta(alpha, beta, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    _sign_up(alpha, "both@example.com", django_capture_on_commit_callbacks)
    confirm, unsubscribe = _links(mail.outbox[0])
    # beta has the same address pending: alpha's links still mean nothing there
    with _in(beta):
        newsletter_subscribe(email="both@example.com")
    beta_client = store_client(beta)
    assert beta_client.get(confirm).status_code == 400
    assert beta_client.get(unsubscribe).status_code == 400
    assert beta_client.post(unsubscribe).status_code == 400
    assert _status(beta, "both@example.com") == Status.PENDING
    assert _status(alpha, "both@example.com") == Status.PENDING


def test_after_unsubscribing_an_old_confirmation_link_no_longer_resubscribes(
    alpha, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    client = _sign_up(alpha, "gone@example.com", django_capture_on_commit_callbacks)
    confirm, unsubscribe = _links(mail.outbox[0])
    assert client.get(confirm).status_code == 200
    assert client.post(unsubscribe).status_code == 200
    response = client.get(confirm)
    assert response.status_code == 400 and "no longer valid" in response.text
    assert _status(alpha, "gone@example.com") == Status.UNSUBSCRIBED
    with _in(alpha), pytest.raises(NewsletterError) as refused:
        newsletter_confirm(token=confirm.rstrip("/").rsplit("/", 1)[1])
    assert refused.value.code == NewsletterErrorCode.LINK_USED_UP


# ------------------------------------------------------------------------------
# unsubscribing
# ------------------------------------------------------------------------------
def test_unsubscribe_asks_on_get_and_unsubscribes_on_post(alpha, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    client = _sign_up(alpha, "bye@example.com", django_capture_on_commit_callbacks)
    confirm, unsubscribe = _links(mail.outbox[0])
    client.get(confirm)
    # a GET (a mail scanner following links) only asks
    page = client.get(unsubscribe)
    assert page.status_code == 200 and 'id="newsletter-unsubscribe_ask"' in page.text
    assert 'method="post"' in page.text
    assert _status(alpha, "bye@example.com") == Status.CONFIRMED
    # the POST, twice, unsubscribes once and keeps the row
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(unsubscribe)
    assert done.status_code == 200 and 'id="newsletter-unsubscribed"' in done.text
    assert client.post(unsubscribe).status_code == 200
    with _in(alpha):
        subscriber = NewsletterSubscriber.objects.get(email="bye@example.com")
        assert subscriber.status == Status.UNSUBSCRIBED and subscriber.unsubscribed_at is not None
        assert EventRecord.objects.filter(name=NEWSLETTER_UNSUBSCRIBED).count() == 1


def test_one_click_unsubscribe_works_without_a_session_or_csrf_token(alpha):
    # RFC 8058: the mail client POSTs List-Unsubscribe=One-Click with no cookie
    with _in(alpha):
        NewsletterSubscriber.objects.create(
            email="oneclick@example.com", status=Status.CONFIRMED, confirmed_at=timezone.now()
        )
        token = newsletter_token(email="oneclick@example.com", purpose=UNSUBSCRIBE_PURPOSE)
    client = Client(HTTP_HOST=alpha.host, enforce_csrf_checks=True)
    response = client.post(f"/newsletter/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert _status(alpha, "oneclick@example.com") == Status.UNSUBSCRIBED


def test_an_unknown_address_unsubscribing_is_kept_as_unsubscribed(alpha):
    with _in(alpha):
        token = newsletter_token(email="never@example.com", purpose=UNSUBSCRIBE_PURPOSE)
    assert store_client(alpha).post(f"/newsletter/unsubscribe/{token}/").status_code == 200
    assert _status(alpha, "never@example.com") == Status.UNSUBSCRIBED


def test_signing_up_again_after_unsubscribing_restarts_the_double_opt_in(
    alpha, django_capture_on_commit_callbacks
):
    with _in(alpha):
        NewsletterSubscriber.objects.create(
            email="back@example.com", status=Status.UNSUBSCRIBED, unsubscribed_at=timezone.now()
        )
    mail.outbox.clear()
    client = _sign_up(alpha, "back@example.com", django_capture_on_commit_callbacks)
    assert _status(alpha, "back@example.com") == Status.PENDING
    confirm, _unsubscribe = _links(mail.outbox[0])
    client.get(confirm)
    assert _status(alpha, "back@example.com") == Status.CONFIRMED


# ------------------------------------------------------------------------------
# rate limit
# ------------------------------------------------------------------------------
def test_sign_ups_are_rate_limited_per_connection(alpha, settings, django_capture_on_commit_callbacks):
    settings.STOREFRONT_NEWSLETTER_RATE_PER_HOUR = 2
    mail.outbox.clear()
    client = store_client(alpha)
    with django_capture_on_commit_callbacks(execute=True):
        codes = [client.post("/newsletter/", {"email": f"r{i}@example.com"}).status_code for i in range(3)]
    assert codes == [302, 302, 429]
    assert len(mail.outbox) == 2
    # another connection has its own allowance
    other = Client(HTTP_HOST=alpha.host, REMOTE_ADDR="198.51.100.7")
    assert other.post("/newsletter/", {"email": "r9@example.com"}).status_code == 302


# ------------------------------------------------------------------------------
# retention
# ------------------------------------------------------------------------------
def test_the_pending_clean_up_is_registered_and_keeps_what_must_stay(alpha):
    kind = retention_kind_get("newsletter_pending")
    assert kind is not None and kind.default_days == 30 and kind.purge is newsletter_pending_purge
    now = timezone.now()
    old = now - timedelta(days=31)
    with _in(alpha):
        NewsletterSubscriber.objects.bulk_create(
            [
                NewsletterSubscriber(email="stale@example.com", confirmation_sent_at=old),
                NewsletterSubscriber(email="fresh@example.com", confirmation_sent_at=now),
                NewsletterSubscriber(email="old-fan@example.com", status=Status.CONFIRMED, confirmed_at=old),
                # unsubscribed, signed up again, never confirmed: back to unsubscribed, not deleted
                NewsletterSubscriber(
                    email="was-out@example.com", confirmation_sent_at=old, unsubscribed_at=old
                ),
            ]
        )
        assert newsletter_pending_purge(now - timedelta(days=30)) == 2
        assert dict(NewsletterSubscriber.objects.values_list("email", "status")) == {
            "fresh@example.com": Status.PENDING,
            "old-fan@example.com": Status.CONFIRMED,
            "was-out@example.com": Status.UNSUBSCRIBED,
        }


def test_a_token_signed_for_one_store_does_not_verify_for_another(alpha, beta):
    with _in(alpha):
        token = newsletter_token(email="x@example.com", purpose=UNSUBSCRIBE_PURPOSE)
    with _in(beta), pytest.raises(signing.BadSignature):
        signing.loads(token, salt=f"stores.newsletter.unsubscribe:{beta.tenant.schema_name}")


def test_addresses_on_the_list_before_double_opt_in_stay_subscribed(alpha):
    from django.apps import apps as registry

    migration = importlib.import_module("apps.stores.migrations.0005_newsletter_double_opt_in")
    with _in(alpha):
        NewsletterSubscriber.objects.create(email="early@example.com")  # as the old code left it
        migration.confirm_existing(registry, None)
        subscriber = NewsletterSubscriber.objects.get()
        assert subscriber.status == Status.CONFIRMED
        assert subscriber.confirmed_at == subscriber.requested_at == subscriber.created_at
