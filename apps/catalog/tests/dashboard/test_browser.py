"""static/js/catalog-variants.js in a real chromium: typing options builds the variant matrix,
keeps what was typed, and what the browser submits is saved by the product editor.

No live server is needed: the page is rendered with the test client, loaded into chromium with
its script, and the form data chromium would send is posted back with the test client. The ORM
is only used before Playwright starts and after it stops (its loop refuses synchronous ORM calls).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from apps.catalog.models import Product
from apps.catalog.tests.dashboard.helpers import BASE, in_store, staff_client

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
SCRIPT = Path(settings.BASE_DIR) / "static" / "js" / "catalog-variants.js"


def test_the_variant_matrix_is_built_in_the_browser_and_saved(alpha):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run `bash scripts/ensure-system-deps.sh`")
    from playwright.sync_api import sync_playwright

    client = staff_client(alpha)
    html = client.get(f"{BASE}/products/new/").content.decode()
    html = re.sub(r'<script src="[^"]+" defer></script>', "", html)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            page.set_content(html)
            page.add_script_tag(path=str(SCRIPT))
            # given a first variant typed before any option exists
            page.fill("#id_title", "Browser Tee")
            page.fill("input[name='variants-0-sku']", "BT-FIRST")
            page.fill("input[name='variants-0-price']", "9.99")
            # when two options are typed
            page.fill("#id_option1_name", "Size")
            page.fill("#id_option1_values", "S, M, M")
            page.dispatch_event("#id_option1_values", "change")
            page.fill("#id_option2_name", "Colour")
            page.fill("#id_option2_values", "Red, Blue")
            page.click("#matrix-button")  # handled in the page, not submitted
            # then there is one row per combination, the first keeping what was typed
            rows = page.locator("tr.variant-row")
            assert rows.count() == 4
            assert page.input_value("input[name='variants-0-sku']") == "BT-FIRST"
            assert page.input_value("#id_variants-TOTAL_FORMS") == "4"
            headings = page.eval_on_selector_all(
                "table.variants th[data-slot]", "els => els.filter(e => !e.hidden).map(e => e.textContent)"
            )
            assert headings == ["Size", "Colour"]
            for index in range(1, 4):
                page.fill(f"input[name='variants-{index}-sku']", f"BT-{index}")
                page.fill(f"input[name='variants-{index}-price']", "10")
            # and removing a value drops its rows
            page.fill("#id_option1_values", "S")
            page.dispatch_event("#id_option1_values", "change")
            assert rows.count() == 2
            entries = page.evaluate(
                "() => Array.from(new FormData(document.getElementById('product-form')).entries())"
            )
        finally:
            browser.close()

    data: dict[str, list[str]] = {}
    for name, value in entries:
        if name != "csrfmiddlewaretoken":
            data.setdefault(name, []).append(value)
    response = client.post(f"{BASE}/products/new/", data)
    assert response.status_code == 302
    with in_store(alpha):
        product = Product.objects.get(title="Browser Tee")
        assert sorted(product.variants.values_list("sku", "title")) == [
            ("BT-1", "S / Blue"),
            ("BT-FIRST", "S / Red"),
        ]
