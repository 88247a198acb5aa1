"""The display currency: the switcher offers the store's currency and those with a rate; the
choice is kept in the session of that store only; `{% price_display %}` shows converted prices
marked as approximate (never what is charged), falls back to the store's currency when the rate
goes, and costs no query per price; a listing's price filter is typed in the shown currency."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from apps.catalog.tests.factories import make_product
from apps.storefront.presentment import SESSION_KEY, price_display_text, request_presentment
from apps.stores.currency import presentment_get
from apps.stores.exchange_rates import exchange_rate_delete, exchange_rate_set
from apps.stores.tests.factories import settings_change
from tests.fixtures import StoreWorld, store_client

pytestmark = pytest.mark.django_db

SWITCH = "/currency/"


def _rates(world: StoreWorld, **rates: str) -> None:
    with tenant_context(world.tenant):
        settings_change(currency="EUR")
        for code, rate in rates.items():
            exchange_rate_set(currency=code, rate=rate)


def _render(
    world: StoreWorld, source: str, *, session: dict[str, str] | None = None, **context: object
) -> str:
    """`source` rendered as a storefront page of `world` would, for a shopper with `session`."""
    request = RequestFactory().get("/", HTTP_HOST=world.host)
    request.session = dict(session or {})  # type: ignore[assignment]
    with tenant_context(world.tenant):
        return Template("{% load storefront_currency %}" + source).render(
            Context({"request": request, **context})
        )


def test_the_switcher_shows_only_when_there_is_a_choice(alpha):
    _rates(alpha)
    client = store_client(alpha)
    assert 'name="currency"' not in client.get("/contact/").text
    _rates(alpha, USD="1.0866", JPY="161.26")
    html = client.get("/contact/").text
    assert 'action="/currency/"' in html
    assert '<option value="EUR" selected>EUR €</option>' in html
    assert '<option value="JPY">JPY ¥</option>' in html and '<option value="USD">USD $</option>' in html


def test_choosing_a_currency_converts_prices_and_says_they_are_approximate(alpha):
    _rates(alpha, USD="1.0866")
    client = store_client(alpha)
    response = client.post(SWITCH, {"currency": "USD", "next": "/contact/"})
    assert response.status_code == 302 and response["Location"] == "/contact/"
    html = client.get("/contact/").text
    assert '<option value="USD" selected>' in html
    assert "Prices in USD are approximate, converted from EUR. You always pay in EUR." in html
    # and back to the store's own currency
    client.post(SWITCH, {"currency": "EUR"})
    assert "are approximate" not in client.get("/contact/").text


def test_price_display_converts_rounds_and_marks_the_price(alpha):
    _rates(alpha, USD="1.0866", JPY="161.26")
    plain = _render(alpha, "{% price_display amount %}", amount=Decimal("19.99"))
    assert plain == '<span class="sf-price">€19.99</span>'
    usd = _render(alpha, "{% price_display amount %}", session={SESSION_KEY: "USD"}, amount=Decimal("19.99"))
    assert usd == (
        '<span class="sf-price sf-price-approx" title="Approximate price in USD; you pay €19.99.">≈ $21.72</span>'
    )
    jpy = _render(alpha, "{% price_display amount %}", session={SESSION_KEY: "JPY"}, amount=Decimal("19.99"))
    assert ">≈ ¥3,224</span>" in jpy  # no decimals for yen
    stored = _render(
        alpha, "{% price_display amount as shown %}[{{ shown }}]", session={SESSION_KEY: "JPY"}, amount="5"
    )
    assert stored.startswith("[<span") and "≈ ¥806" in stored
    # a price kept in another currency is shown as it is, unconverted
    other = _render(alpha, '{% price_display amount "GBP" %}', session={SESSION_KEY: "USD"}, amount="4.5")
    assert other == '<span class="sf-price">£4.50</span>'
    assert _render(alpha, "{% price_display amount %}", amount=None) == ""


def test_the_money_filter_keeps_working_unconverted(alpha):
    _rates(alpha, USD="1.0866")
    html = _render(
        alpha, '{% load money %}{{ amount|money:"EUR" }}', session={SESSION_KEY: "USD"}, amount="10"
    )
    assert html == "€10.00"


def test_a_chosen_currency_whose_rate_is_removed_falls_back_to_the_store_currency(alpha):
    _rates(alpha, USD="1.0866")
    with tenant_context(alpha.tenant):
        exchange_rate_delete(currency="USD")
    html = _render(alpha, "{% price_display amount %}", session={SESSION_KEY: "USD"}, amount="10")
    assert html == '<span class="sf-price">€10.00</span>'


@pytest.mark.parametrize("choice", ["CHF", "", "usd<script>", "EURO"])
def test_an_unknown_currency_is_refused_and_the_choice_unchanged(alpha, choice):
    _rates(alpha, USD="1.0866")
    client = store_client(alpha)
    client.post(SWITCH, {"currency": "USD"})
    response = client.post(SWITCH, {"currency": choice, "next": "/contact/"}, follow=True)
    assert "is not a currency this store shows prices in; prices stay in USD." in response.text
    assert '<option value="USD" selected>' in response.text
    assert "<script>" not in response.text.split("sf-messages")[1][:300]


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_the_switch_never_redirects_off_the_store(alpha, target):
    _rates(alpha, USD="1.0866")
    response = store_client(alpha).post(SWITCH, {"currency": "USD", "next": target})
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_switch_takes_post_only_and_needs_csrf(alpha):
    _rates(alpha, USD="1.0866")
    from django.test import Client

    assert store_client(alpha).get(SWITCH, {"currency": "USD"}).status_code == 405
    strict = Client(HTTP_HOST=alpha.host, enforce_csrf_checks=True)
    assert strict.post(SWITCH, {"currency": "USD"}).status_code == 403


def test_a_choice_on_alpha_never_affects_beta(alpha, beta):
    _rates(alpha, USD="1.0866")
    _rates(beta, USD="2")
    client = store_client(alpha)  # the test client sends its cookies to every host
    client.post(SWITCH, {"currency": "USD"})
    assert "approximate" in client.get("/contact/").text
    client.defaults["HTTP_HOST"] = beta.host
    html = client.get("/contact/").text
    assert '<option value="EUR" selected>' in html and "approximate" not in html
    # and alpha's cached rates never serve beta's prices
    assert _render(beta, "{% price_display amount %}", session={SESSION_KEY: "USD"}, amount="10").endswith(
        ">≈ $20.00</span>"
    )


def test_many_prices_on_a_page_cost_no_query_each(alpha):
    _rates(alpha, USD="1.0866")
    request = RequestFactory().get("/", HTTP_HOST=alpha.host)
    request.session = {SESSION_KEY: "USD"}  # type: ignore[assignment]
    template = Template(
        "{% load storefront_currency %}{% for a in amounts %}{% price_display a %}{% endfor %}"
    )
    with tenant_context(alpha.tenant):
        presentment_get(currency="USD")  # warm the store's cache, as any earlier page does
        counts = []
        for size in (1, 500):
            if hasattr(request, "_storefront_presentment"):
                delattr(request, "_storefront_presentment")
            with CaptureQueriesContext(connection) as queries:
                html = template.render(Context({"request": request, "amounts": [Decimal("1.00")] * size}))
            counts.append(len(queries))
            assert html.count("≈ $1.09") == size
    assert counts == [0, 0]


def test_plain_text_prices_for_scripts_and_feeds(alpha):
    _rates(alpha, USD="1.0866")
    with tenant_context(alpha.tenant):
        request = RequestFactory().get("/")
        request.session = {SESSION_KEY: "USD"}  # type: ignore[assignment]
        presentment = request_presentment(request)
        assert price_display_text(Decimal("10"), presentment=presentment, locale="en") == "≈ $10.87"
        assert price_display_text(Decimal("10"), presentment=presentment_get(), locale="de") == "10,00\xa0€"


def test_the_price_filter_is_in_the_currency_prices_are_shown_in(alpha):
    _rates(alpha, JPY="160.5")
    with tenant_context(alpha.tenant):
        make_product("Edge Tee", price="31.15")  # ¥4,999.575: shown as ¥5,000
        make_product("Mid Tee", price="40.00")  # ¥6,420
        make_product("Dear Tee", price="70.00")  # ¥11,235
    client = store_client(alpha)
    client.post(SWITCH, {"currency": "JPY"})

    html = client.get("/collections/all/", {"price_min": "5000", "price_max": "10000"}).text
    assert "Edge Tee" in html and "Mid Tee" in html and "Dear Tee" not in html
    assert "From ¥5,000" in html and "Up to ¥10,000" in html  # the chips, as typed
    assert "Price (JPY)" in html
    whole = client.get("/collections/all/").text
    assert 'placeholder="5000"' in whole and 'placeholder="11235"' in whole  # the range, in yen

    # in the store's own currency the same numbers are euros
    client.post(SWITCH, {"currency": "EUR"})
    euros = client.get("/collections/all/", {"price_min": "35", "price_max": "50"}).text
    assert "Mid Tee" in euros and "Edge Tee" not in euros and "Dear Tee" not in euros
    assert "From €35.00" in euros and "Price (EUR)" in euros
