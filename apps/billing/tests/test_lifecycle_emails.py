"""The lifecycle emails: one per transition to the merchant's owners, whatever the order or the
number of deliveries of Stripe's events (signed webhooks against the fake Stripe), and one real
SMTP exchange."""

from __future__ import annotations

import email
import itertools
import socket
from collections.abc import Callable, Iterator
from datetime import timedelta
from email import policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.billing import notices
from apps.billing.lifecycle import billing_lifecycle_run
from apps.billing.limits import merchant_plan_for
from apps.billing.models import BillingNotice, MerchantPlan
from apps.billing.services import merchant_plan_trial_extend
from apps.billing.subscriptions import billing_customer_ensure
from apps.billing.testing.fake_stripe_billing import FakeStripeBilling
from apps.billing.testing.fixtures import fake_stripe_billing  # noqa: F401 (a fixture)
from apps.billing.tests.factories import make_plan, merchant_on_plan
from apps.platform.models import Membership, Merchant
from tests.fixtures import StoreWorld

pytestmark = pytest.mark.django_db

WEBHOOK = "/billing/stripe/webhook/"
Status = MerchantPlan.Status
Kind = BillingNotice.Kind
T0 = 1_900_000_000
DAY = 86_400

Capture = Callable[..., Any]


@pytest.fixture
def subscribed(
    alpha: StoreWorld,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
    django_capture_on_commit_callbacks: Capture,
) -> MerchantPlan:
    """Alpha's merchant on a purchasable plan with a Stripe customer, a second owner and a
    staff member (who gets no billing email); the outbox starts empty."""
    plan = make_plan(stripe_price_id="price_growth_monthly", name="Growth")
    with django_capture_on_commit_callbacks(execute=True):
        merchant_plan = merchant_on_plan(alpha.merchant, plan)
        billing_customer_ensure(merchant=alpha.merchant, email=alpha.owner.email)
    co_owner = User.objects.create_user("co-owner-alpha@example.com", "pw-123456789x")
    Membership.objects.create(merchant=alpha.merchant, user=co_owner, role=Membership.Role.OWNER)
    staff = User.objects.create_user("staff-alpha@example.com", "pw-123456789x")
    Membership.objects.create(merchant=alpha.merchant, user=staff, role=Membership.Role.STAFF)
    # The lifecycle job runs weeks ahead in these tests: other merchants on a cardless trial
    # (since their first limit check) would see it end (apps.billing.lifecycle.trials_end) and
    # get emails these tests do not count.
    MerchantPlan.objects.exclude(merchant=alpha.merchant).update(status=Status.COMPED)
    mail.outbox.clear()
    merchant_plan.refresh_from_db()
    return merchant_plan


def _sub(
    fake: FakeStripeBilling, mp: MerchantPlan, type_: str, status: str, created: int, sub: str = "sub_1"
) -> Any:
    return fake.subscription_event(
        type_,
        created=created,
        subscription_id=sub,
        customer=mp.stripe_customer_id,
        status=status,
        price="price_growth_monthly",
        period_end=created + 30 * DAY,
        trial_end=T0 + 14 * DAY if status == "trialing" else None,
    )


def _inv(fake: FakeStripeBilling, mp: MerchantPlan, type_: str, created: int, sub: str = "sub_1") -> Any:
    return fake.invoice_event(type_, created=created, customer=mp.stripe_customer_id, subscription_id=sub)


@pytest.fixture
def post_event(
    platform_client: Client,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
    django_capture_on_commit_callbacks: Capture,
) -> Callable[[dict[str, Any]], Any]:
    """Sign and post one event; what the webhook's transaction queues after commit runs."""

    def post(event: dict[str, Any]) -> Any:
        body, signature = fake_stripe_billing.webhook_request(
            event, secret=fake_stripe_billing.billing_webhook_secret
        )
        with django_capture_on_commit_callbacks(execute=True):
            response = platform_client.post(
                WEBHOOK, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
            )
        assert response.status_code == 200, response.content
        return response

    return post


def _kinds_sent(merchant: Merchant) -> list[str]:
    """The emails sent to the merchant, but the trial start (alpha's was sent when the shared
    stores were created for the test database)."""
    return list(
        BillingNotice.objects.filter(merchant=merchant, sent_at__isnull=False)
        .exclude(kind=Kind.TRIAL_STARTED)
        .order_by("created_at", "id")
        .values_list("kind", flat=True)
    )


OWNERS = ["co-owner-alpha@example.com", "owner-alpha@example.com"]


def test_each_step_of_the_lifecycle_emails_each_owner_once(
    alpha: StoreWorld,
    subscribed: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
    post_event: Callable[[dict[str, Any]], Any],
) -> None:
    fake, mp = fake_stripe_billing, subscribed
    steps = [
        # the merchant is already trialing (no card): a trial subscription changes nothing
        (_sub(fake, mp, "customer.subscription.created", "trialing", T0), None),
        (_sub(fake, mp, "customer.subscription.updated", "active", T0 + 14 * DAY), Kind.SUBSCRIPTION_ACTIVE),
        (_inv(fake, mp, "invoice.paid", T0 + 14 * DAY + 5), None),
        (_inv(fake, mp, "invoice.paid", T0 + 44 * DAY), None),  # renewal
        (_inv(fake, mp, "invoice.payment_failed", T0 + 74 * DAY), Kind.PAYMENT_FAILED),
        (_sub(fake, mp, "customer.subscription.updated", "past_due", T0 + 74 * DAY), None),
        (_sub(fake, mp, "customer.subscription.deleted", "canceled", T0 + 90 * DAY), Kind.CANCELLED),
        (
            _sub(fake, mp, "customer.subscription.created", "active", T0 + 100 * DAY, sub="sub_2"),
            Kind.REACTIVATED,
        ),
    ]
    for event, kind in steps:
        mail.outbox.clear()
        post_event(event)
        if kind is None:
            assert mail.outbox == [], event["type"]
            continue
        # one message per owner, to that owner only; never to staff or another merchant
        assert sorted(message.to[0] for message in mail.outbox) == OWNERS, event["type"]
        assert all(len(message.to) == 1 for message in mail.outbox)
        assert {message.subject for message in mail.outbox} == {
            mail.outbox[0].subject
        }  # the same email to each
        assert BillingNotice.objects.get(merchant=alpha.merchant, kind=kind).sent_at is not None
    assert _kinds_sent(alpha.merchant) == [
        Kind.SUBSCRIPTION_ACTIVE,
        Kind.PAYMENT_FAILED,
        Kind.CANCELLED,
        Kind.REACTIVATED,
    ]
    # every event delivered again: nothing more is sent
    mail.outbox.clear()
    for event, _kind in steps:
        post_event(event)
    assert mail.outbox == []


def test_the_payment_failed_email_names_the_grace_end_and_links_the_billing_page(
    alpha: StoreWorld,
    subscribed: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
    post_event: Callable[[dict[str, Any]], Any],
) -> None:
    post_event(_inv(fake_stripe_billing, subscribed, "invoice.payment_failed", T0))
    subscribed.refresh_from_db()
    assert subscribed.grace_until is not None
    message = mail.outbox[0]
    assert isinstance(message, mail.EmailMultiAlternatives)
    assert str(subscribed.grace_until.year) in message.subject
    assert "read-only" in message.body
    assert f"http://platform.test/console/merchants/{alpha.merchant.uuid}/billing/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "read-only" in str(html) and "<p>" in str(html)


SUBSCRIPTION_SEQUENCE = [
    ("customer.subscription.created", "trialing", T0, "sub_1"),
    ("customer.subscription.updated", "active", T0 + 14 * DAY, "sub_1"),
    ("customer.subscription.updated", "past_due", T0 + 74 * DAY, "sub_1"),
    ("customer.subscription.deleted", "canceled", T0 + 90 * DAY, "sub_1"),
]


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_reordered_and_duplicated_events_send_one_email_per_state_entered(
    order: tuple[int, ...],
    alpha: StoreWorld,
    subscribed: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
    post_event: Callable[[dict[str, Any]], Any],
) -> None:
    events = [_sub(fake_stripe_billing, subscribed, t, s, c, sub) for t, s, c, sub in SUBSCRIPTION_SEQUENCE]
    entered: list[str] = []
    status: str = Status.TRIALING
    for index in order:
        post_event(events[index])
        post_event(events[index])  # every delivery twice
        subscribed.refresh_from_db()
        if subscribed.status != status:
            entered.append(subscribed.status)
            status = subscribed.status
    expected: dict[str, str] = {Status.ACTIVE: Kind.SUBSCRIPTION_ACTIVE, Status.PAST_DUE: Kind.PAYMENT_FAILED}
    expected[Status.CANCELLED] = Kind.CANCELLED
    assert subscribed.status == Status.CANCELLED
    assert _kinds_sent(alpha.merchant) == [expected[state] for state in entered]
    assert len(mail.outbox) == len(entered) * len(OWNERS)
    # the whole set again, in reverse: the state stays, nothing is sent
    mail.outbox.clear()
    for index in reversed(order):
        post_event(events[index])
    assert mail.outbox == []


def test_a_handler_that_crashes_sends_nothing_and_its_retry_sends_once(
    alpha: StoreWorld,
    subscribed: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
    platform_client: Client,
    post_event: Callable[[dict[str, Any]], Any],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    from apps.billing import subscriptions

    event = _sub(fake_stripe_billing, subscribed, "customer.subscription.deleted", "canceled", T0)

    def crash(**kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(subscriptions, "stores_apply_billing_state", crash)
    body, signature = fake_stripe_billing.webhook_request(
        event, secret=fake_stripe_billing.billing_webhook_secret
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = platform_client.post(
            WEBHOOK, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
        )
    assert response.status_code == 500
    assert mail.outbox == [] and _kinds_sent(alpha.merchant) == []
    assert not BillingNotice.objects.filter(merchant=alpha.merchant, kind=Kind.CANCELLED).exists()
    monkeypatch.undo()
    post_event(event)  # Stripe's retry
    post_event(event)  # and a duplicate of it
    assert _kinds_sent(alpha.merchant) == [Kind.CANCELLED]
    assert len(mail.outbox) == len(OWNERS)


def test_trial_started_is_sent_once_per_merchant(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    merchant = Merchant.objects.create(name="Fresh Merchant")
    owner = User.objects.create_user("fresh-owner@example.com", "pw-123456789x")
    Membership.objects.create(merchant=merchant, user=owner, role=Membership.Role.OWNER)
    with django_capture_on_commit_callbacks(execute=True):
        merchant_plan_for(merchant=merchant)
        merchant_plan_for(merchant=merchant)
    assert [message.to for message in mail.outbox] == [["fresh-owner@example.com"]]
    assert "trial" in mail.outbox[0].subject.lower()


def test_trial_ending_is_sent_once_three_days_before_and_again_after_an_extension(
    alpha: StoreWorld,
    subscribed: MerchantPlan,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    now = timezone.now()
    MerchantPlan.objects.filter(pk=subscribed.pk).update(
        status=Status.TRIALING, trial_ends_at=now + timedelta(days=10)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert billing_lifecycle_run(now=now).trial_ending == 0  # 10 days out
        assert billing_lifecycle_run(now=now + timedelta(days=6, hours=23)).trial_ending == 0  # 3 d 1 h out
        assert billing_lifecycle_run(now=now + timedelta(days=7, hours=1)).trial_ending == 1
        assert billing_lifecycle_run(now=now + timedelta(days=8)).trial_ending == 0  # sent already
    assert len(mail.outbox) == len(OWNERS)
    # staff extend the trial: its new end is announced again, once
    with django_capture_on_commit_callbacks(execute=True):
        merchant_plan_trial_extend(merchant=alpha.merchant, actor=None, days=14)
    subscribed.refresh_from_db()
    assert subscribed.trial_ends_at is not None
    later = subscribed.trial_ends_at - timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert billing_lifecycle_run(now=later).trial_ending == 1
        assert billing_lifecycle_run(now=later).trial_ending == 0
    assert len(mail.outbox) == 2 * len(OWNERS)


def test_an_email_the_mail_server_refused_is_retried_by_the_job_and_sent_once(
    alpha: StoreWorld,
    subscribed: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
    post_event: Callable[[dict[str, Any]], Any],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    class Down:
        def send_messages(self, messages: Any) -> int:
            raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(notices, "get_connection", lambda: Down())
    post_event(_inv(fake_stripe_billing, subscribed, "invoice.payment_failed", T0))
    notice = BillingNotice.objects.get(merchant=alpha.merchant, kind=Kind.PAYMENT_FAILED)
    assert notice.sent_at is None and notice.attempts == 1 and "smtp down" in notice.last_error
    monkeypatch.undo()
    # the job retries notices older than a few minutes, once
    later = timezone.now() + timedelta(minutes=10)
    with django_capture_on_commit_callbacks(execute=True):
        assert billing_lifecycle_run(now=timezone.now()).retried == 0  # too recent: maybe still on its way
        assert billing_lifecycle_run(now=later).retried == 1
        assert billing_lifecycle_run(now=later).retried == 0
    notice.refresh_from_db()
    assert notice.sent_at is not None and notice.attempts == 2
    assert notice.recipients == OWNERS
    assert len(mail.outbox) == len(OWNERS)


def test_another_merchants_owners_get_nothing(
    alpha: StoreWorld,
    beta: StoreWorld,
    subscribed: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
    post_event: Callable[[dict[str, Any]], Any],
) -> None:
    post_event(_sub(fake_stripe_billing, subscribed, "customer.subscription.deleted", "canceled", T0))
    recipients = {address for message in mail.outbox for address in message.to}
    assert recipients == set(OWNERS)
    assert beta.owner.email not in recipients
    assert not BillingNotice.objects.filter(merchant=beta.merchant, kind=Kind.CANCELLED).exists()


# ------------------------------------------------------------------------------
# A real SMTP exchange (aiosmtpd on loopback)
# ------------------------------------------------------------------------------
class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_inbox(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()


def test_the_cancelled_email_goes_through_smtp_as_text_and_html(
    alpha: StoreWorld,
    subscribed: MerchantPlan,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
    post_event: Callable[[dict[str, Any]], Any],
    smtp_inbox: Inbox,
) -> None:
    post_event(_sub(fake_stripe_billing, subscribed, "customer.subscription.deleted", "canceled", T0))
    assert sorted(recipients[0] for _sender, recipients, _message in smtp_inbox.messages) == OWNERS
    sender, _recipients, message = smtp_inbox.messages[0]
    assert "no-reply@" in sender
    assert message["Subject"].startswith("[") and "cancelled" in message["Subject"]
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "Nothing has been deleted" in text and "Nothing has been deleted" in html
    assert f"/console/merchants/{alpha.merchant.uuid}/billing/" in text
    notice = BillingNotice.objects.get(merchant=alpha.merchant, kind=Kind.CANCELLED)
    assert notice.sent_at is not None
