"""What an invoice or a credit note says, as a snapshot taken when it is issued.

`invoice_data` reads the order (lines, shipping, tax, payments) and the store (name, address,
contact, tax id) into plain JSON, amounts as strings in the order's currency; `credit_note_data`
derives a credit note from an invoice's snapshot: the whole invoice negated, or a part of it
split over the invoice's tax rates in proportion to their gross amounts (largest remainder, to
the minor unit, so the parts add up exactly). Nothing here writes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apps.checkout.pricing import allocate
from apps.core.money import currency_unit, money_quantize
from apps.customers.selectors import country_name
from apps.orders.models import Order
from apps.stores.models import StoreSettings

ZERO = Decimal(0)
ADDRESS_KEYS = ("name", "company", "line1", "line2")
BUYER_TAX_ID_KEYS = ("vat_id", "tax_id", "vat_number")


def _s(amount: Decimal) -> str:
    return str(amount)


def _d(value: object) -> Decimal:
    return Decimal(str(value))


def address_lines(address: dict[str, Any]) -> list[str]:
    """An address as printed: name, company, street lines, postal code and city, region, country."""
    lines = [str(address.get(key) or "").strip() for key in ADDRESS_KEYS]
    city = " ".join(
        part for part in (str(address.get("postal_code") or ""), str(address.get("city") or "")) if part
    )
    lines += [city.strip(), str(address.get("region") or "").strip()]
    code = str(address.get("country") or "")
    lines.append(country_name(code) if code else "")
    return [line for line in lines if line]


def seller_data(store: StoreSettings, *, tax_id: str) -> dict[str, Any]:
    address = {
        "line1": store.address_line1,
        "line2": store.address_line2,
        "postal_code": store.postal_code,
        "city": store.city,
        "region": store.region,
        "country": store.country,
    }
    return {
        "name": store.name,
        "lines": address_lines(address),
        "email": store.contact_email,
        "phone": store.contact_phone,
        "tax_id": tax_id,
    }


def buyer_data(order: Order) -> dict[str, Any]:
    address = order.billing_address or order.shipping_address or {}
    tax_id = next((str(address[key]) for key in BUYER_TAX_ID_KEYS if address.get(key)), "")
    return {"lines": address_lines(address), "email": order.email, "tax_id": tax_id}


def _rate_key(rate: Decimal) -> str:
    return str(rate.normalize()) if rate else "0"


def invoice_data(*, order: Order, store: StoreSettings, tax_id: str, footer: str) -> dict[str, Any]:
    """The invoice of `order` as it stands (lines, shipping, a tax row per rate, totals, how it
    was paid). The order's own amounts are copied, never recomputed."""
    rate = order.tax_rate or ZERO

    def _s(amount: Decimal) -> str:
        return str(money_quantize(amount, order.currency))

    lines = []
    lines_tax = ZERO
    taxes: dict[str, dict[str, Decimal]] = {}

    def add_tax(line_rate: Decimal, net: Decimal, tax: Decimal) -> None:
        row = taxes.setdefault(_rate_key(line_rate), {"net": ZERO, "tax": ZERO})
        row["net"] += net
        row["tax"] += tax

    for line in order.lines.all():
        net = line.total - line.tax
        lines_tax += line.tax
        title = line.product_title + (f" – {line.variant_title}" if line.variant_title else "")
        lines.append(
            {
                "title": title,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": _s(line.unit_price),
                "discount": _s(line.discount),
                "tax_rate": _rate_key(rate),
                "net": _s(net),
                "tax": _s(line.tax),
                "total": _s(line.total),
            }
        )
        add_tax(rate, net, line.tax)
    shipping = None
    if order.shipping_method_name or order.shipping_total:
        shipping_tax = order.tax_total - lines_tax
        shipping_rate = rate if shipping_tax else ZERO
        shipping_net = order.shipping_total - shipping_tax
        shipping = {
            "name": order.shipping_method_name,
            # as prices are entered: with tax when the store's prices include it
            "unit_price": _s(order.shipping_total if order.prices_include_tax else shipping_net),
            "tax_rate": _rate_key(shipping_rate),
            "net": _s(shipping_net),
            "tax": _s(shipping_tax),
            "total": _s(order.shipping_total),
        }
        add_tax(shipping_rate, shipping_net, shipping_tax)
    # Gateway codes, named in the document's language when it is rendered.
    payments = [
        {"gateway": p.gateway, "amount": _s(p.amount)}
        for p in order.payments.filter(captured=True).order_by("attempt")
    ]
    if order.gift_card_total:
        payments.append({"gateway": "gift_card", "amount": _s(order.gift_card_total)})
    if order.store_credit_total:
        payments.append({"gateway": "store_credit", "amount": _s(order.store_credit_total)})
    return {
        "seller": seller_data(store, tax_id=tax_id),
        "buyer": buyer_data(order),
        "order_number": order.number,
        "order_date": (order.placed_at or order.created_at).date().isoformat(),
        "paid_date": order.paid_at.date().isoformat() if order.paid_at else "",
        "currency": order.currency,
        "prices_include_tax": order.prices_include_tax,
        "tax_name": order.tax_name,
        "lines": lines,
        "shipping": shipping,
        "taxes": [
            {"rate": key, "net": _s(row["net"]), "tax": _s(row["tax"])}
            for key, row in sorted(taxes.items(), key=lambda item: Decimal(item[0]), reverse=True)
        ],
        "net_total": _s(order.total - order.tax_total),
        "tax_total": _s(order.tax_total),
        "total": _s(order.total),
        "payments": payments,
        "footer": footer,
    }


def _negate(value: str) -> str:
    return _s(-_d(value))


def credit_note_data(
    *, invoice_data: dict[str, Any], invoice_number: str, amount: Decimal, reason: str
) -> dict[str, Any]:
    """A credit note of `amount` (positive, gross) against an invoice's snapshot: the invoice's
    lines negated when it credits the whole invoice, else one line per tax rate carrying the
    rate's share of `amount`."""
    currency = invoice_data["currency"]
    total = _d(invoice_data["total"])
    base = {
        key: invoice_data[key]
        for key in (
            "seller",
            "buyer",
            "order_number",
            "order_date",
            "currency",
            "prices_include_tax",
            "tax_name",
        )
    }
    base.update(
        credited_number=invoice_number, reason=reason, payments=[], footer=invoice_data.get("footer", "")
    )
    if amount == total:
        lines = [
            {**line, **{key: _negate(line[key]) for key in ("unit_price", "discount", "net", "tax", "total")}}
            for line in invoice_data["lines"]
        ]
        shipping = invoice_data.get("shipping")
        if shipping:
            shipping = {
                **shipping,
                **{key: _negate(shipping[key]) for key in ("unit_price", "net", "tax", "total")},
            }
        taxes = [
            {**row, "net": _negate(row["net"]), "tax": _negate(row["tax"])} for row in invoice_data["taxes"]
        ]
        return {
            **base,
            "lines": lines,
            "shipping": shipping,
            "taxes": taxes,
            "net_total": _negate(invoice_data["net_total"]),
            "tax_total": _negate(invoice_data["tax_total"]),
            "total": _negate(invoice_data["total"]),
        }
    unit = currency_unit(currency)
    groups = [row for row in invoice_data["taxes"] if _d(row["net"]) + _d(row["tax"]) > 0]
    if not groups:  # an invoice without lines (an order made by hand): untaxed as a whole
        groups = [{"rate": "0", "net": invoice_data["total"], "tax": "0"}]
    weights = [int((_d(row["net"]) + _d(row["tax"])) / unit) for row in groups]
    shares = allocate(int(money_quantize(amount, currency) / unit), weights)
    lines = []
    taxes = []
    net_total = tax_total = ZERO
    for row, share_minor in zip(groups, shares, strict=True):
        share = Decimal(share_minor) * unit
        rate = _d(row["rate"])
        tax = money_quantize(share * rate / (1 + rate), currency) if rate else ZERO
        net = share - tax
        net_total += net
        tax_total += tax
        lines.append(
            {
                "title": reason,
                "sku": "",
                "quantity": 1,
                "unit_price": _s(-(share if invoice_data.get("prices_include_tax") else net)),
                "discount": "0",
                "tax_rate": row["rate"],
                "net": _s(-net),
                "tax": _s(-tax),
                "total": _s(-share),
            }
        )
        taxes.append({"rate": row["rate"], "net": _s(-net), "tax": _s(-tax)})
    return {
        **base,
        "lines": lines,
        "shipping": None,
        "taxes": taxes,
        "net_total": _s(-net_total),
        "tax_total": _s(-tax_total),
        "total": _s(-(net_total + tax_total)),
    }
