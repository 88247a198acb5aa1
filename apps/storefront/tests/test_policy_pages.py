"""Policy pages and the footer: a written policy is a page, an empty or unknown one is the
branded 404; script in a policy never reaches the page; the footer links what exists and shows
the store's contact details; one store's policies and details never show on another."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from apps.inventory.tests.factories import pickup_location_make
from apps.stores.tests.factories import settings_change
from tests.fixtures import StoreWorld, store_client

pytestmark = pytest.mark.django_db


def _footer(html: str) -> str:
    return html.split('<footer class="sf-footer">')[1]


def _settings(world: StoreWorld, **changes: str) -> None:
    with tenant_context(world.tenant):
        settings_change(**changes)


def test_a_written_policy_is_its_own_page(alpha):
    _settings(alpha, refund_policy="<h2>Returns</h2><p>Send it back within <strong>30 days</strong>.</p>")
    response = store_client(alpha).get("/pages/refund/")
    assert response.status_code == 200
    html = response.text
    assert "<h1>Refund policy</h1>" in html and "<strong>30 days</strong>" in html
    assert (
        "<title>Refund policy · " in html
        and 'rel="canonical" href="http://alpha.platform.test/pages/refund/"' in html
    )


def test_a_policy_written_as_plain_text_keeps_its_paragraphs_and_lines(alpha):
    _settings(
        alpha, shipping_policy="We ship in 2 days.\nTracking is emailed.\n\nFish & chips <b>never</b> ship."
    )
    body = store_client(alpha).get("/pages/shipping/").text.split('<div class="sf-policy-body">')[1]
    assert body.startswith("<p>We ship in 2 days.<br>Tracking is emailed.</p>\n\n<p>Fish &amp; chips")
    assert "&amp;amp;" not in body  # escaped once, by the sanitiser


@pytest.mark.parametrize("text", ["", "<p> </p>", "<p><br></p>", "<p>&nbsp;</p>"])
def test_an_empty_policy_is_a_404_not_an_empty_page(alpha, text):
    _settings(alpha, privacy_policy=text)
    response = store_client(alpha).get("/pages/privacy/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "path", ["/pages/returns/", "/pages/refund_policy/", "/pages/..%2F/", "/pages/REFUND/"]
)
def test_an_unknown_policy_is_a_404(alpha, path):
    _settings(alpha, refund_policy="<p>Thirty days.</p>")
    assert store_client(alpha).get(path).status_code == 404


def test_script_in_a_policy_never_reaches_the_page(alpha):
    _settings(
        alpha,
        terms_of_service='<p onclick="steal()">Fair terms<script>alert(1)</script></p><a href="javascript:alert(2)">x</a>',
    )
    html = store_client(alpha).get("/pages/terms/").text
    assert "Fair terms" in html
    assert "<script>alert" not in html and "onclick" not in html and "javascript:" not in html


def test_the_footer_links_existing_policies_contact_and_the_locator(alpha):
    _settings(
        alpha,
        shipping_policy="<p>Ships in 2 days.</p>",
        terms_of_service="<p>Terms.</p>",
        contact_email="hello@alpha.example",
        contact_phone="+49 30 1234",
        address_line1="Torstraße 1",
        postal_code="10119",
        city="Berlin",
        country="DE",
    )
    client = store_client(alpha)
    html = client.get("/contact/").text
    assert 'href="/pages/shipping/"' in html and 'href="/pages/terms/"' in html
    assert 'href="/pages/refund/"' not in html and 'href="/pages/privacy/"' not in html
    assert 'href="/contact/"' in html and 'href="mailto:hello@alpha.example"' in html
    assert "Torstraße 1, 10119 Berlin, Germany" in html and 'href="tel:+49301234"' in html
    # the store locator appears with the first pickup point
    assert 'href="/stores/"' not in _footer(html)
    with tenant_context(alpha.tenant):
        pickup_location_make(name="Mitte")
    assert 'href="/stores/"' in _footer(client.get("/contact/").text)


def test_alphas_policies_and_details_never_show_on_beta(alpha, beta):
    _settings(alpha, refund_policy="<p>Alpha refunds forever.</p>", contact_email="owner@alpha.example")
    _settings(beta, refund_policy="", contact_email="")
    client = store_client(beta)
    assert client.get("/pages/refund/").status_code == 404
    html = client.get("/contact/").text
    assert "Alpha refunds" not in html and "alpha.example" not in html and 'href="/pages/refund/"' not in html


def test_a_policy_page_runs_the_same_queries_however_long_the_policy(alpha):
    client = store_client(alpha)
    counts = []
    for paragraphs in (1, 2000):
        _settings(alpha, refund_policy="".join(f"<p>Rule {n}.</p>" for n in range(paragraphs)))
        client.get("/pages/refund/")  # warm the per-store caches, as every later visit finds them
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/pages/refund/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 3, [q["sql"] for q in queries.captured_queries]
