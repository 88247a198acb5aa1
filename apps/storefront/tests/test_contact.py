"""The contact form: a message goes to the store's own contact address only, with the shopper
as reply-to and the store in the subject; the honeypot, a too-fast or forged form, a links-heavy
message and the rate limits (per address, per store) each send nothing and say why; a store
without an address shows other ways to reach it; CSRF is enforced."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from django.test import Client
from django_tenants.utils import tenant_context

from apps.storefront.contact import CONTACT_MIN_SECONDS, contact_token
from apps.stores.tests.factories import settings_change
from tests.fixtures import StoreWorld, store_client

pytestmark = pytest.mark.django_db

URL = "/contact/"


def _store(world: StoreWorld, **changes: str) -> None:
    with tenant_context(world.tenant):
        settings_change(**changes)


def _token(world: StoreWorld, *, age: float = CONTACT_MIN_SECONDS + 5) -> str:
    with tenant_context(world.tenant):
        return contact_token(issued_at=time.time() - age)


def _message(world: StoreWorld, **changes: str) -> dict[str, str]:
    data = {
        "name": "Ada Shopper",
        "email": "ada@example.org",
        "message": "Does the linen shirt come in green?",
        "website": "",
        "token": _token(world),
    }
    data.update(changes)
    return data


@pytest.fixture
def alpha_mail(alpha: StoreWorld) -> StoreWorld:
    _store(alpha, contact_email="hello@alpha.example", name="Alpha Linen")
    return alpha


def test_a_message_reaches_the_store_with_the_shopper_as_reply_to(alpha_mail):
    client = store_client(alpha_mail)
    form = client.get(URL)
    assert form.status_code == 200 and 'name="website"' in form.text and 'name="token"' in form.text
    response = client.post(URL, _message(alpha_mail), follow=True)
    assert "your message was sent" in response.text
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["hello@alpha.example"] and sent.cc == [] and sent.bcc == []
    assert sent.reply_to == ["Ada Shopper <ada@example.org>"]
    assert sent.subject == "[Alpha Linen] Message from Ada Shopper"
    assert "Does the linen shirt come in green?" in sent.body and "ada@example.org" in sent.body
    assert sent.from_email.startswith("Alpha Linen <")


def test_the_form_page_carries_a_fresh_signed_timestamp(alpha_mail):
    html = store_client(alpha_mail).get(URL).text
    token = re.search(r'name="token" value="([^"]+)"', html)
    assert token is not None and ":" in token.group(1)


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({"website": "http://spam.example"}, "looks automated"),
        ({"token": "forged"}, "could not be checked"),
        ({"token": ""}, "could not be checked"),
        ({"message": "Cheap http://a.example http://b.example www.c.example"}, "more than 2 links"),
        ({"message": "[url=x]a[/url] [url=y]b[/url] [url=z]c[/url]"}, "more than 2 links"),
        ({"email": "not-an-address"}, "Enter a valid email address"),
        ({"message": ""}, "This field is required"),
        ({"name": "x" * 101}, "at most 100 characters"),
    ],
)
def test_spam_and_bad_input_send_nothing_and_say_why(alpha_mail, changes, text):
    response = store_client(alpha_mail).post(URL, _message(alpha_mail, **changes))
    assert response.status_code == 400
    assert text in response.text
    assert mail.outbox == []


def test_a_form_sent_back_too_fast_sends_nothing(alpha_mail):
    response = store_client(alpha_mail).post(URL, _message(alpha_mail, token=_token(alpha_mail, age=0.5)))
    assert response.status_code == 400 and "faster than anyone can type" in response.text
    assert mail.outbox == []
    # the page hands out a new timestamp, so a person who waits can send it
    assert 'name="token"' in response.text


def test_a_stale_form_sends_nothing(alpha_mail):
    response = store_client(alpha_mail).post(
        URL, _message(alpha_mail, token=_token(alpha_mail, age=2 * 24 * 3600))
    )
    assert "opened too long ago" in response.text and mail.outbox == []


def test_an_address_may_send_five_messages_in_ten_minutes(alpha_mail):
    client = store_client(alpha_mail)
    for _n in range(5):
        assert client.post(URL, _message(alpha_mail), REMOTE_ADDR="203.0.113.7").status_code == 302
    refused = client.post(URL, _message(alpha_mail), REMOTE_ADDR="203.0.113.7")
    assert refused.status_code == 400 and "5 messages in the last 10 minutes" in refused.text
    assert len(mail.outbox) == 5
    # another address is not held back by the first one
    assert client.post(URL, _message(alpha_mail), REMOTE_ADDR="198.51.100.9").status_code == 302
    assert len(mail.outbox) == 6


def test_a_store_takes_a_bounded_number_of_messages_from_everyone(alpha_mail, settings):
    settings.CONTACT_RATE_LIMIT_STORE = (3, 600)
    client = store_client(alpha_mail)
    for n in range(3):
        assert client.post(URL, _message(alpha_mail), REMOTE_ADDR=f"203.0.113.{n + 1}").status_code == 302
    refused = client.post(URL, _message(alpha_mail), REMOTE_ADDR="203.0.113.99")
    assert "receiving many messages" in refused.text and len(mail.outbox) == 3


def test_the_limits_of_one_store_do_not_hold_back_another(alpha_mail, beta):
    _store(beta, contact_email="hello@beta.example")
    for _n in range(6):
        store_client(alpha_mail).post(URL, _message(alpha_mail), REMOTE_ADDR="203.0.113.7")
    assert store_client(beta).post(URL, _message(beta), REMOTE_ADDR="203.0.113.7").status_code == 302
    assert mail.outbox[-1].to == ["hello@beta.example"]


def test_betas_form_never_sends_to_alphas_address(alpha_mail, beta):
    _store(beta, contact_email="hello@beta.example", name="Beta Bikes")
    response = store_client(beta).post(URL, _message(beta))
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["hello@beta.example"]]
    assert mail.outbox[0].subject.startswith("[Beta Bikes]")
    assert all("alpha" not in address for address in mail.outbox[0].recipients())


def test_a_token_issued_by_alpha_is_refused_on_beta(alpha_mail, beta):
    _store(beta, contact_email="hello@beta.example")
    response = store_client(beta).post(URL, _message(beta, token=_token(alpha_mail)))
    assert "could not be checked" in response.text and mail.outbox == []


def test_a_store_without_an_address_shows_other_ways_and_no_form(alpha):
    _store(alpha, contact_email="", contact_phone="+49 30 9999", city="Berlin", address_line1="Hauptstraße 5")
    client = store_client(alpha)
    page = client.get(URL)
    assert page.status_code == 200
    assert "<form" not in page.text.split('<main id="main"')[1].split("</main>")[0]
    assert "+49 30 9999" in page.text and "Hauptstraße 5" in page.text
    client.post(URL, _message(alpha))
    assert mail.outbox == []
    # and with no details at all it says so
    _store(alpha, contact_phone="", city="", address_line1="")
    assert "has not published any contact details" in client.get(URL).text


def test_the_contact_form_needs_csrf(alpha_mail):
    client = Client(HTTP_HOST=alpha_mail.host, enforce_csrf_checks=True)
    assert client.post(URL, _message(alpha_mail)).status_code == 403
    assert mail.outbox == []


def test_header_injection_in_the_name_does_not_reach_the_headers(alpha_mail):
    response = store_client(alpha_mail).post(URL, _message(alpha_mail, name="Eve\r\nBcc: victim@example.org"))
    assert response.status_code == 302
    sent = mail.outbox[0]
    assert sent.bcc == [] and "\n" not in sent.subject and sent.recipients() == ["hello@alpha.example"]
