"""An invoice's or a credit note's snapshot (`apps.invoices.documents`) as an A4 PDF, with fpdf2
and the DejaVu Sans fonts shipped in apps/invoices/fonts/ (broad Latin, Greek and Cyrillic
coverage: €, ß, ñ, ø, ł ...; embedded as a subset). Labels are in the document's language and
amounts are formatted with `apps.core.money.money_format` in that language's locale.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import formats, translation
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from apps.core.money import money_format
from apps.payments.enums import GatewayCode

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSans"
MARGIN = 15
# Column widths (mm) of the lines table on A4 (180 mm between the margins).
COLUMNS = (66, 12, 22, 18, 14, 24, 24)
LINE = 4.5  # mm, one line of table text


def _locale(language: str) -> str:
    return translation.to_locale(language or "en")


def _percent(rate: str) -> str:
    value = Decimal(rate) * 100
    text = f"{value.normalize():f}" if value else "0"
    return f"{text} %"


def _date(value: str) -> str:
    parsed = parse_date(value) if value else None
    return formats.date_format(parsed, "DATE_FORMAT") if parsed else ""


class _Document(FPDF):
    footer_text = ""
    page_label = ""

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT, size=7)
        self.set_text_color(110, 110, 110)
        if self.footer_text:
            self.multi_cell(150, 3.5, self.footer_text, new_x=XPos.RIGHT, new_y=YPos.TOP)
        self.set_xy(MARGIN + 150, -15)
        self.cell(30, 3.5, self.page_label % {"page": self.page_no()}, align="R")


def document_pdf(*, kind: str, number: str, issued: str, language: str, data: dict[str, Any]) -> bytes:
    """The PDF of one invoice (`kind` "invoice") or credit note ("credit_note")."""
    with translation.override(language or None):
        return _render(kind=kind, number=number, issued=issued, language=language, data=data)


def _render(*, kind: str, number: str, issued: str, language: str, data: dict[str, Any]) -> bytes:
    currency = data["currency"]
    locale = _locale(language)

    def money(value: str) -> str:
        return money_format(Decimal(value), currency, locale)

    pdf = _Document(format="A4", unit="mm")
    pdf.set_title(number)
    pdf.set_creator(data["seller"]["name"])
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=22)
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.footer_text = str(data.get("footer") or "")
    pdf.page_label = _("Page %(page)s")
    pdf.add_page()

    seller, buyer = data["seller"], data["buyer"]
    # seller, top left; document title, top right
    pdf.set_font(FONT, "B", 13)
    pdf.cell(110, 7, seller["name"])
    title = _("Credit note") if kind == "credit_note" else _("Invoice")
    pdf.set_font(FONT, "B", 16)
    pdf.cell(70, 7, title, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=9)
    top = pdf.get_y()
    seller_lines = list(seller["lines"])
    if seller.get("email"):
        seller_lines.append(seller["email"])
    if seller.get("phone"):
        seller_lines.append(seller["phone"])
    if seller.get("tax_id"):
        seller_lines.append(_("VAT ID: %(id)s") % {"id": seller["tax_id"]})
    for line in seller_lines:
        pdf.cell(110, 4.5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    below_seller = pdf.get_y()

    facts = [
        (_("Credit note no.") if kind == "credit_note" else _("Invoice no."), number),
        (_("Date"), _date(issued)),
        (_("Order"), f"#{data['order_number']}"),
        (_("Order date"), _date(data.get("order_date", ""))),
    ]
    if data.get("credited_number"):
        facts.append((_("Corrects invoice"), data["credited_number"]))
    pdf.set_y(top)
    for label, value in facts:
        pdf.set_x(MARGIN + 110)
        pdf.set_font(FONT, size=9)
        pdf.cell(32, 4.5, label)
        pdf.set_font(FONT, "B", 9)
        pdf.cell(38, 4.5, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(below_seller, pdf.get_y()) + 6)

    # buyer
    pdf.set_font(FONT, "B", 9)
    pdf.cell(0, 5, _("Bill to"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=9)
    buyer_lines = [*buyer["lines"], buyer.get("email", "")]
    if buyer.get("tax_id"):
        buyer_lines.append(_("VAT ID: %(id)s") % {"id": buyer["tax_id"]})
    for line in buyer_lines:
        if line:
            pdf.cell(0, 4.5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if data.get("reason"):
        pdf.ln(2)
        pdf.multi_cell(
            0, 4.5, _("Reason: %(reason)s") % {"reason": data["reason"]}, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
    pdf.ln(5)

    # lines
    headers = (_("Item"), _("Qty"), _("Unit price"), _("Discount"), _("Tax"), _("Net"), _("Total"))
    pdf.set_font(FONT, "B", 8)
    pdf.set_fill_color(238, 238, 238)
    for width, header in zip(COLUMNS, headers, strict=True):
        pdf.cell(width, 6, header, fill=True, align="L" if header == headers[0] else "R")
    pdf.ln(6)
    pdf.set_font(FONT, size=8)
    rows = [
        (
            line["title"] + (f"\n{line['sku']}" if line.get("sku") else ""),
            str(line["quantity"]),
            money(line["unit_price"]),
            money(line["discount"]) if Decimal(line["discount"]) else "–",
            _percent(line["tax_rate"]),
            money(line["net"]),
            money(line["total"]),
        )
        for line in data["lines"]
    ]
    shipping = data.get("shipping")
    if shipping:
        rows.append(
            (
                _("Shipping: %(method)s") % {"method": shipping["name"]}
                if shipping["name"]
                else _("Shipping"),
                "1",
                money(shipping.get("unit_price", shipping["total"])),
                "–",
                _percent(shipping["tax_rate"]),
                money(shipping["net"]),
                money(shipping["total"]),
            )
        )
    for row in rows:
        # the item column wraps: the row is as tall as its lines, kept whole on one page
        wrapped = pdf.multi_cell(COLUMNS[0], LINE, row[0], dry_run=True, output="LINES")
        height = LINE * max(1, len(wrapped) if isinstance(wrapped, list) else 1)
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
        y = pdf.get_y()
        pdf.multi_cell(COLUMNS[0], LINE, row[0], new_x=XPos.RIGHT, new_y=YPos.TOP)
        x = MARGIN + COLUMNS[0]
        for width, value in zip(COLUMNS[1:], row[1:], strict=True):
            pdf.set_xy(x, y)
            pdf.cell(width, LINE, value, align="R")
            x += width
        pdf.set_xy(MARGIN, y + height + 1.5)
        pdf.set_draw_color(220, 220, 220)
        pdf.line(MARGIN, pdf.get_y() - 0.75, MARGIN + sum(COLUMNS), pdf.get_y() - 0.75)
    pdf.ln(3)

    # tax breakdown per rate and totals, right-aligned
    label_x, label_w, value_w = MARGIN + 90, 60, 30
    tax_name = data.get("tax_name") or _("Tax")
    pdf.set_font(FONT, size=9)
    for row in data["taxes"]:
        pdf.set_x(label_x)
        pdf.cell(
            label_w,
            5,
            _("%(tax)s %(rate)s on %(net)s")
            % {"tax": tax_name, "rate": _percent(row["rate"]), "net": money(row["net"])},
        )
        pdf.cell(value_w, 5, money(row["tax"]), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for label, value, bold in (
        (_("Net total"), data["net_total"], False),
        (_("Tax total"), data["tax_total"], False),
        (_("Total"), data["total"], True),
    ):
        pdf.set_x(label_x)
        pdf.set_font(FONT, "B" if bold else "", 10 if bold else 9)
        pdf.cell(label_w, 6 if bold else 5, label)
        pdf.cell(value_w, 6 if bold else 5, money(value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=8)
    pdf.set_x(label_x)
    pdf.cell(
        label_w + value_w,
        4.5,
        _("Prices include tax.") if data.get("prices_include_tax") else _("Tax added to the prices."),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )

    # payment
    if data.get("payments"):
        pdf.ln(4)
        pdf.set_font(FONT, "B", 9)
        pdf.cell(0, 5, _("Payment"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, size=9)
        names = {**dict(GatewayCode.choices), "gift_card": _("Gift card"), "store_credit": _("Store credit")}
        for payment in data["payments"]:
            method = str(names.get(payment["gateway"], payment["gateway"]))
            paid = _("Paid on %(date)s") % {"date": _date(data["paid_date"])} if data.get("paid_date") else ""
            pdf.cell(
                0,
                4.5,
                f"{method}: {money(payment['amount'])}  {paid}".strip(),
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
    return bytes(pdf.output())
