"""The fake Stripe behaves like Stripe where the platform depends on it: idempotency keys,
connected-account scoping, form encoding, webhook signatures the SDK accepts, and a Stripe.js
stand-in that runs the Payment Element flow in a real browser."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from apps.payments.testing.fake_stripe import FakeStripe, form_decode, signature_header


@pytest.fixture
def fake():  # type: ignore[no-untyped-def]
    server = FakeStripe().start()
    yield server
    server.stop()


@pytest.fixture
def client(fake):  # type: ignore[no-untyped-def]
    return stripe.StripeClient(
        fake.secret_key,
        base_addresses={"api": fake.base_url, "connect": fake.base_url},
        max_network_retries=0,
    )


def _intent_params(amount: int = 1000) -> dict:  # type: ignore[type-arg]
    return {"amount": amount, "currency": "eur", "automatic_payment_methods": {"enabled": True}}


def test_form_decoding_matches_stripes_encoding():
    assert form_decode(
        [
            ("metadata[reference]", "r1"),
            ("expand[0]", "latest_charge"),
            ("expand[1]", "customer"),
            ("a[b][c]", "1"),
            ("x[]", "y"),
        ]
    ) == {
        "metadata": {"reference": "r1"},
        "expand": ["latest_charge", "customer"],
        "a": {"b": {"c": "1"}},
        "x": ["y"],
    }


def test_the_same_idempotency_key_replays_the_first_answer(fake, client):
    account = fake.account_create(complete=True)["id"]
    options = {"stripe_account": account, "idempotency_key": "same"}
    first = client.v1.payment_intents.create(params=_intent_params(), options=options)
    again = client.v1.payment_intents.create(params=_intent_params(), options=options)
    assert again.id == first.id and len(fake.payment_intents) == 1
    assert fake.requests[-1].headers.get("x-replayed") == "true"


def test_the_same_key_with_other_parameters_is_an_idempotency_error(fake, client):
    account = fake.account_create(complete=True)["id"]
    options = {"stripe_account": account, "idempotency_key": "same"}
    client.v1.payment_intents.create(params=_intent_params(1000), options=options)
    with pytest.raises(stripe.IdempotencyError):
        client.v1.payment_intents.create(params=_intent_params(2000), options=options)


def test_keys_are_scoped_per_connected_account(fake, client):
    one, two = fake.account_create()["id"], fake.account_create()["id"]
    a = client.v1.payment_intents.create(
        params=_intent_params(), options={"stripe_account": one, "idempotency_key": "k"}
    )
    b = client.v1.payment_intents.create(
        params=_intent_params(), options={"stripe_account": two, "idempotency_key": "k"}
    )
    assert a.id != b.id


def test_objects_belong_to_their_account(fake, client):
    one, two = fake.account_create()["id"], fake.account_create()["id"]
    intent = client.v1.payment_intents.create(params=_intent_params(), options={"stripe_account": one})
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.retrieve(intent.id, options={"stripe_account": two})
    assert raised.value.http_status == 404 and raised.value.code == "resource_missing"
    with pytest.raises(stripe.PermissionError):
        client.v1.payment_intents.create(
            params=_intent_params(), options={"stripe_account": "acct_unknown0000"}
        )


def test_an_application_fee_needs_a_connected_account(fake, client):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create(params={**_intent_params(), "application_fee_amount": 20})
    assert raised.value.param == "application_fee_amount"


def test_a_wrong_api_key_is_refused(fake):
    wrong = stripe.StripeClient("sk_test_wrong", base_addresses={"api": fake.base_url}, max_network_retries=0)
    with pytest.raises(stripe.AuthenticationError):
        wrong.v1.accounts.retrieve("acct_x")


def test_a_declined_card_is_a_402_card_error(fake, client):
    account = fake.account_create(complete=True)["id"]
    intent = client.v1.payment_intents.create(params=_intent_params(), options={"stripe_account": account})
    with pytest.raises(stripe.CardError) as raised:
        client.v1.payment_intents.confirm(
            intent.id,
            params={"payment_method": "pm_card_chargeDeclined"},
            options={"stripe_account": account},
        )
    assert raised.value.http_status == 402 and raised.value.code == "card_declined"
    assert [event["type"] for event in fake.events][-1] == "payment_intent.payment_failed"


def test_signed_events_are_accepted_by_the_sdk_and_forgeries_are_not(fake):
    event = fake.event_build("account.updated", {"id": "acct_1", "object": "account"}, account="acct_1")
    body, header = fake.webhook_request(event)
    verified = stripe.Webhook.construct_event(body, header, fake.webhook_secret, tolerance=300)
    assert verified.id == event["id"] and verified.account == "acct_1"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, header, "whsec_other", tolerance=300)
    old = signature_header(body.decode(), secret=fake.webhook_secret, timestamp=int(time.time()) - 301)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, old, fake.webhook_secret, tolerance=300)


def test_events_are_delivered_signed_to_a_webhook_url(fake):
    received: list[tuple[bytes, str]] = []
    sink = FakeStripe().start()  # any HTTP server will do as a sink; reuse the fake's handler

    def record(method, path, params, headers):  # type: ignore[no-untyped-def]
        received.append((json.dumps(params).encode(), headers.get("stripe-signature", "")))
        return 200, {}

    sink.handle = record  # type: ignore[method-assign]
    try:
        fake.webhook_url = f"{sink.base_url}/webhook"
        account = fake.account_create()["id"]
        fake.account_complete(account)
        deadline = time.time() + 5
        while not fake.deliveries and time.time() < deadline:
            time.sleep(0.02)
        assert fake.deliveries and fake.deliveries[0][1] == 200
        assert received[0][1].startswith("t=") and ",v1=" in received[0][1]
    finally:
        sink.stop()


def test_stripe_js_stand_in_is_served(fake):
    with urllib.request.urlopen(fake.js_url) as response:
        script = response.read().decode()
        assert response.headers["Content-Type"].startswith("application/javascript")
    assert "window.Stripe = Stripe" in script
    assert fake.base_url in script and "__FAKE_STRIPE_BASE__" not in script


# ------------------------------------------------------------------------------
# the Payment Element flow in Chromium, offline
# ------------------------------------------------------------------------------
CHECKOUT_PAGE = """<!doctype html><html><body>
<form id="payment-form"><div id="payment-element"></div><button id="pay">Pay</button></form>
<p id="error" role="alert"></p>
<script src="{js_url}"></script>
<script>
  var stripe = Stripe("{pk}", {{stripeAccount: "{account}"}});
  var elements = stripe.elements({{clientSecret: "{secret}"}});
  elements.create("payment").mount("#payment-element");
  document.getElementById("payment-form").addEventListener("submit", function (event) {{
    event.preventDefault();
    stripe.confirmPayment({{elements: elements, confirmParams: {{return_url: "{shop}/return/"}}}})
      .then(function (result) {{ if (result.error) document.getElementById("error").textContent = result.error.message; }});
  }});
</script></body></html>"""


@pytest.fixture
def shop_page():  # type: ignore[no-untyped-def]
    """A loopback server for the shop's pages (Chromium lets a page load the fake's Stripe.js
    from 127.0.0.1 only when the page itself is served from a local address, as the store's
    pages are in the browser tests)."""
    pages: dict[str, str] = {"/return/": "<p id=done>back</p>"}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # type: ignore[no-untyped-def]
            return

        def do_GET(self) -> None:
            body = pages.get(self.path.split("?")[0], "not found").encode()
            self.send_response(200 if self.path.split("?")[0] in pages else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", pages
    server.shutdown()
    server.server_close()


@pytest.mark.browser
@pytest.mark.parametrize(
    ("card", "expected"),
    [
        ("4242 4242 4242 4242", "succeeded"),
        ("4000 0025 0000 3155", "succeeded"),
        ("4000 0000 0000 0002", "declined"),
    ],
)
def test_the_payment_element_flow_runs_in_a_browser(browser, fake, client, shop_page, card, expected):
    shop, pages = shop_page
    account = fake.account_create(complete=True)["id"]
    intent = client.v1.payment_intents.create(
        params=_intent_params(2500), options={"stripe_account": account}
    )
    pages["/checkout/"] = CHECKOUT_PAGE.format(
        js_url=fake.js_url, pk=fake.publishable_key, account=account, secret=intent.client_secret, shop=shop
    )
    page = browser.new_page()
    try:
        page.goto(f"{shop}/checkout/")
        page.fill("[data-fake-stripe=card-number]", card)
        page.click("#pay")
        if card.startswith("4000 0025"):
            page.wait_for_url(f"{fake.base_url}/fake/authenticate/**")
            page.click("#fake-3ds-approve")
        if expected == "declined":
            page.wait_for_function("document.getElementById('error').textContent.length > 0")
            assert page.text_content("#error") == "Your card was declined."
            assert fake.payment_intents[intent.id]["status"] == "requires_payment_method"
            return
        page.wait_for_url(f"{shop}/return/**")
        assert f"payment_intent={intent.id}" in page.url
        assert "redirect_status=succeeded" in page.url
        assert fake.payment_intents[intent.id]["status"] == "succeeded"
        confirm = fake.requests_to("POST", f"/v1/payment_intents/{intent.id}/confirm")[0]
        assert confirm.headers.get("authorization", "") == ""  # the browser used the publishable key
    finally:
        page.close()
