"""Messages leave for real: an SMTP exchange with aiosmtpd, and Twilio's wire format against a
local fake; failures are recorded, retried and can be sent again."""

from __future__ import annotations

import base64

import pytest

from apps.notifications.models import Delivery, SmsSettings
from apps.notifications.services import delivery_attempt, delivery_resend, notification_send
from apps.notifications.sms import SmsError, TwilioSender
from apps.orders.tests.factories import order_placed
from apps.orders.timeline import order_payload

pytestmark = pytest.mark.django_db


def test_an_order_confirmation_goes_through_smtp_with_html_and_text_parts(
    in_alpha, smtp_inbox, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        order = order_placed(email="smtp-buyer@example.com")
    # then
    received = [m for m in smtp_inbox.messages if m[1] == ["smtp-buyer@example.com"]]
    assert len(received) == 1
    sender, _recipients, message = received[0]
    assert "no-reply@" in sender
    assert message["From"].startswith("Store Alpha")
    assert f"#{order.number}" in message["Subject"]
    assert message["X-Notification"] == "order_confirmation"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Linen shirt" in text and "Store Alpha" in text
    assert "<table" in html and "Linen shirt" in html and 'style="' in html
    delivery = Delivery.objects.get(template="order_confirmation", order_uuid=order.uuid)
    assert delivery.status == Delivery.Status.SENT
    assert delivery.provider_id == message["Message-ID"]


def test_the_confirmations_totals_add_up_with_taxed_shipping_and_a_gift_card(
    in_alpha, mailoutbox, django_capture_on_commit_callbacks
):
    import re
    from decimal import Decimal

    from apps.checkout.services import gift_card_issue
    from apps.checkout.tests.dashboard_support import tax_rate_make
    from apps.orders.tests.factories import checkout_ready, place, variant_make

    # given prices without tax, 19 % on the goods and the shipping, and a gift card paying 10.00
    tax_rate_make(country="DE", rate="0.19")
    card = gift_card_issue(amount=Decimal("10.00"), currency="EUR")
    with django_capture_on_commit_callbacks(execute=True):
        order = place(
            checkout_ready(
                items=[(variant_make(price="20.00"), 2)], email="sum@example.com", codes=[card.code]
            )
        ).order
    order.refresh_from_db()
    assert order.shipping_total > order.shipping_shown > 0  # shipping carries tax

    [message] = [m for m in mailoutbox if m.to == ["sum@example.com"]]
    rows = dict(
        re.findall(r"^(Subtotal|Discount|Shipping|Tax|Total|Paid by gift card): (.+)$", message.body, re.M)
    )

    def amount(text: str) -> Decimal:
        return Decimal(text.replace("€", "").replace(",", "").replace("−", "-"))

    # then the text part lists every row, they add up, and the line shows what the pages show
    assert set(rows) == {"Subtotal", "Shipping", "Tax", "Total", "Paid by gift card"}
    assert amount(rows["Subtotal"]) + amount(rows["Shipping"]) + amount(rows["Tax"]) == amount(rows["Total"])
    assert amount(rows["Total"]) == order.total and amount(rows["Paid by gift card"]) == Decimal("-10.00")
    assert "× 2: €40.00" in message.body
    html = message.alternatives[0][0]
    assert f"€{order.shipping_shown:.2f}" in html and f"€{order.shipping_total:.2f}" not in html
    assert "Paid by gift card" in html


def test_an_smtp_failure_is_recorded_and_the_delivery_can_be_sent_again(
    in_alpha, settings, mailoutbox, django_capture_on_commit_callbacks
):
    # given: nothing listens on the SMTP port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    with django_capture_on_commit_callbacks(execute=True):
        delivery = notification_send(template="welcome", to="later@example.com", extra={"account_url": "x"})
    assert delivery is not None
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 1 and "Error" in delivery.error
    # when: the mail server is back and staff send it again
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        again = delivery_resend(delivery=delivery)
    again.refresh_from_db()
    assert again.status == Delivery.Status.SENT and again.pk != delivery.pk
    assert [m.to for m in mailoutbox] == [["later@example.com"]]


def test_a_transient_failure_leaves_the_delivery_queued_for_a_retry(in_alpha, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    delivery = notification_send(template="welcome", to="retry@example.com", extra={"account_url": "x"})
    assert delivery is not None
    result = delivery_attempt(delivery_id=delivery.pk, final=False)
    delivery.refresh_from_db()
    assert result.retry and delivery.status == Delivery.Status.QUEUED and delivery.attempts == 1


def test_the_same_key_sends_once(in_alpha, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = notification_send(
            template="welcome", to="a@example.com", key="k-1", extra={"account_url": "x"}
        )
        second = notification_send(
            template="welcome", to="a@example.com", key="k-1", extra={"account_url": "x"}
        )
    assert first == second
    assert len(mailoutbox) == 1


def test_twilio_request_has_the_wire_format(twilio):
    # given
    sender = TwilioSender(
        account_sid="AC123", auth_token="secret-token", from_number="+15005550006", base_url=twilio.base_url
    )
    # when
    sid = sender.send("+4915112345678", "Your order shipped")
    # then
    [request] = twilio.requests
    assert request["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert request["headers"]["authorization"] == "Basic " + base64.b64encode(b"AC123:secret-token").decode()
    assert request["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert request["form"] == {"To": "+4915112345678", "From": "+15005550006", "Body": "Your order shipped"}
    assert sid.startswith("SM")


def test_a_twilio_error_is_parsed_and_says_whether_to_retry(twilio):
    sender = TwilioSender(
        account_sid="AC123", auth_token="t", from_number="+15005550006", base_url=twilio.base_url
    )
    twilio.answer = (
        400,
        {"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400},
    )
    with pytest.raises(SmsError) as refused:
        sender.send("+1", "hi")
    assert not refused.value.retryable and "21211" in refused.value.message
    twilio.answer = (503, {"code": 20503, "message": "Service unavailable"})
    with pytest.raises(SmsError) as unavailable:
        sender.send("+4915112345678", "hi")
    assert unavailable.value.retryable


def test_a_shipped_order_with_a_phone_also_gets_a_text_message(
    in_alpha, twilio, mailoutbox, django_capture_on_commit_callbacks
):
    from apps.notifications.tests.test_subscribers import FULFILMENT, deliver

    # given
    SmsSettings.objects.create(enabled=True, account_sid="AC9", auth_token="tok", from_number="+15005550006")
    with django_capture_on_commit_callbacks(execute=True):
        order = order_placed(email="sms@example.com")
    order.shipping_address = {**order.shipping_address, "phone": "+4915112345678"}
    order.save(update_fields=["shipping_address"])
    # when
    with django_capture_on_commit_callbacks(execute=True):
        event = deliver("order.fulfilled", {**order_payload(order), "fulfilment": FULFILMENT})
        deliver("order.fulfilled", {**order_payload(order), "fulfilment": FULFILMENT}, event_id=event.id)
    # then
    [request] = twilio.requests
    assert request["form"]["To"] == "+4915112345678"
    assert "Store Alpha" in request["form"]["Body"] and FULFILMENT["tracking_url"] in request["form"]["Body"]
    sms = Delivery.objects.get(channel=Delivery.Channel.SMS)
    assert sms.status == Delivery.Status.SENT and sms.provider_id.startswith("SM")
    assert Delivery.objects.filter(template="order_shipped", channel="email").count() == 1


def test_no_text_message_when_sms_is_off(in_alpha, twilio, django_capture_on_commit_callbacks):
    from apps.notifications.tests.test_subscribers import FULFILMENT, deliver

    with django_capture_on_commit_callbacks(execute=True):
        order = order_placed(email="nosms@example.com")
        order.shipping_address = {**order.shipping_address, "phone": "+4915112345678"}
        order.save(update_fields=["shipping_address"])
        deliver("order.fulfilled", {**order_payload(order), "fulfilment": FULFILMENT})
    assert twilio.requests == []
    assert not Delivery.objects.filter(channel=Delivery.Channel.SMS).exists()


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_the_delivery_renders_in_the_shoppers_language(
    in_alpha, mailoutbox, django_capture_on_commit_callbacks, language
):
    from django.utils import translation

    with django_capture_on_commit_callbacks(execute=True):
        order = order_placed(email=f"{language}@example.com")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        delivery = notification_send(
            template="order_delivered", to=order.email, language=language, order=order
        )
    assert delivery is not None and delivery.language == language
    [mail] = mailoutbox
    assert f'lang="{language}"' in mail.alternatives[0][0]
    with translation.override(language):
        expected = translation.gettext("Order %(number)s has been delivered") % {"number": f"#{order.number}"}
    assert mail.subject == expected


def test_the_merchants_version_is_used_for_its_language_and_the_default_for_others(
    in_alpha, mailoutbox, django_capture_on_commit_callbacks
):
    from apps.notifications.services import template_save

    # given
    template_save(
        name="welcome",
        language="de",
        subject="Hallo von {{ store.name }}",
        body_html="<p>Schön, dass du da bist: {{ account_url }}</p>",
        body_text="Schön, dass du da bist: {{ account_url }}",
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(
            template="welcome", to="de@example.com", language="de", extra={"account_url": "https://x/"}
        )
        notification_send(
            template="welcome", to="en@example.com", language="en", extra={"account_url": "https://x/"}
        )
    # then
    subjects = {mail.to[0]: mail.subject for mail in mailoutbox}
    assert subjects == {"de@example.com": "Hallo von Store Alpha", "en@example.com": "Welcome to Store Alpha"}


def test_a_merchant_version_that_breaks_on_real_data_falls_back_to_the_default(
    in_alpha, mailoutbox, django_capture_on_commit_callbacks
):
    from apps.notifications.models import EmailTemplate

    # given: a version that passed on sample data but divides by a value that is 0 for real
    EmailTemplate.objects.create(
        name="low_stock", language="en", subject="{{ 10 // stock.available }}", body_html="x", body_text="x"
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        delivery = notification_send(
            template="low_stock",
            to="shop@example.com",
            language="en",
            extra={"stock": {"sku": "ZERO", "available": 0, "threshold": 3, "location": "main"}},
        )
    # then
    assert delivery is not None
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert mailoutbox[0].subject == "Low stock: ZERO"


def test_a_review_request_renders_with_the_lines_it_is_given(
    in_alpha, mailoutbox, django_capture_on_commit_callbacks
):
    # given: the data the reviews app sends (lines may lack keys the template reads)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_placed(email="reviewer@example.com")
    mailoutbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        delivery = notification_send(
            template="review_request",
            to=order.email,
            order=order,
            extra={
                "review_url": "http://alpha.platform.test/review/abc/",
                "lines": [{"title": "Linen shirt"}],
            },
            key="review:1",
        )
    # then
    assert delivery is not None
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT, delivery.error
    [mail] = mailoutbox
    assert "http://alpha.platform.test/review/abc/" in mail.body and "Linen shirt" in mail.body
