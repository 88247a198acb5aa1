"""The PDF renderer on its own: the shipped fonts cover the letters invoices are written in, and
a long invoice runs onto more pages."""

from __future__ import annotations

from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTFont

from apps.invoices.pdf import FONT_DIR, document_pdf
from apps.invoices.tests.pdf_text import pdf_text

SAMPLE = "€ £ ß ñ Ñ é è ê ë à á â ä ã å æ ç ø œ ő ű ł ś ź ż č ř š ž ğ ı ş ț ă î Ω Ж „quoted“ – — №"


def _data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "seller": {"name": "Seller", "lines": [], "email": "", "phone": "", "tax_id": ""},
        "buyer": {"lines": ["Buyer"], "email": "b@example.com", "tax_id": ""},
        "order_number": 1001,
        "order_date": "2026-11-30",
        "paid_date": "",
        "currency": "EUR",
        "prices_include_tax": True,
        "tax_name": "VAT",
        "lines": [
            {
                "title": SAMPLE,
                "sku": "",
                "quantity": 1,
                "unit_price": "10.00",
                "discount": "0",
                "tax_rate": "0.2",
                "net": "8.33",
                "tax": "1.67",
                "total": "10.00",
            }
        ],
        "shipping": None,
        "taxes": [{"rate": "0.2", "net": "8.33", "tax": "1.67"}],
        "net_total": "8.33",
        "tax_total": "1.67",
        "total": "10.00",
        "payments": [],
        "footer": "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("face", ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"])
def test_the_shipped_fonts_have_every_glyph_of_the_sample(face):
    cmap = TTFont(Path(FONT_DIR) / face).getBestCmap()
    missing = [char for char in SAMPLE if char != " " and ord(char) not in cmap]
    assert missing == []
    assert (Path(FONT_DIR) / "LICENSE-DejaVu.txt").is_file()


def test_accented_letters_and_the_euro_sign_come_out_as_written():
    content = document_pdf(kind="invoice", number="INV-1", issued="2026-11-30", language="en", data=_data())
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    text = pdf_text(content)
    # the item column wraps the sample over several lines
    assert SAMPLE.replace(" ", "") in text.replace("\n", "").replace(" ", "")
    assert "?" not in text.replace("Page", "")  # every code maps back to a character


def test_a_long_invoice_runs_onto_more_pages():
    data = _data()
    data["lines"] = [deepcopy(data["lines"][0]) | {"title": f"Line {n}"} for n in range(80)]
    text = pdf_text(
        document_pdf(kind="invoice", number="INV-2", issued="2026-11-30", language="en", data=data)
    )
    assert "Line 79" in text and "Page 2" in text and "Page 3" in text
