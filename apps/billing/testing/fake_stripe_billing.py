"""The fake Stripe server (apps/payments/testing/fake_stripe.py) extended with the billing slice
the platform uses to charge merchants, in Stripe's wire format so the real SDK talks to it:

- `POST /v1/customers`, `GET /v1/customers/{id}`;
- `POST /v1/checkout/sessions` (mode `subscription`, one price per line), `GET .../{id}`;
- `POST /v1/billing_portal/sessions`;
- `GET /v1/invoices?customer=...` (a list object);
- `Idempotency-Key` replay and mismatch handling are the base server's.

`subscription_event` and `invoice_event` build the events Stripe sends to the platform's
billing endpoint (a subscription or invoice snapshot, `created` as given), for tests to sign
with `webhook_request` and post themselves. Subscriptions and invoices are only as real as
these recordings: nothing here charges, renews or retries on its own.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any

from apps.payments.testing.fake_stripe import FakeStripe, _id, _invalid, _missing

BILLING_WEBHOOK_SECRET = "whsec_fake_billing_00000000000000000"  # noqa: S105 (a fake's secret)


@dataclass
class FakeStripeBilling(FakeStripe):
    billing_webhook_secret: str = BILLING_WEBHOOK_SECRET
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    checkout_sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    portal_sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)

    def settings_overrides(self) -> dict[str, Any]:
        return {**super().settings_overrides(), "STRIPE_BILLING_WEBHOOK_SECRET": self.billing_webhook_secret}

    # -- the API -------------------------------------------------------------------------
    def _route(self, method: str, path: str, params: dict[str, Any], account: str) -> Any:
        parts = [part for part in path.split("/") if part]
        if parts == ["v1", "customers"] and method == "POST":
            return self._customer_create(params)
        if parts[:2] == ["v1", "customers"] and method == "GET" and len(parts) == 3:
            return copy.deepcopy(self._find(self.customers, parts[2], "customer"))
        if parts == ["v1", "checkout", "sessions"] and method == "POST":
            return self._checkout_create(params)
        if parts[:3] == ["v1", "checkout", "sessions"] and method == "GET" and len(parts) == 4:
            return copy.deepcopy(self._find(self.checkout_sessions, parts[3], "checkout.session"))
        if parts == ["v1", "billing_portal", "sessions"] and method == "POST":
            return self._portal_create(params)
        if parts == ["v1", "invoices"] and method == "GET":
            customer = str(params.get("customer") or "")
            rows = [
                copy.deepcopy(i) for i in self.invoices.values() if not customer or i["customer"] == customer
            ]
            rows.sort(key=lambda row: row["created"], reverse=True)
            return {"object": "list", "url": "/v1/invoices", "has_more": False, "data": rows}
        return super()._route(method, path, params, account)

    @staticmethod
    def _find(table: dict[str, dict[str, Any]], object_id: str, kind: str) -> dict[str, Any]:
        if object_id not in table:
            raise _invalid(f"No such {kind}: '{object_id}'", param="id", code="resource_missing", status=404)
        return table[object_id]

    def _customer_create(self, params: dict[str, Any]) -> dict[str, Any]:
        customer = {
            "id": _id("cus_", 14),
            "object": "customer",
            "created": int(time.time()),
            "email": params.get("email"),
            "name": params.get("name"),
            "metadata": dict(params.get("metadata") or {}),
            "livemode": False,
            "invoice_settings": {"default_payment_method": None},
        }
        self.customers[str(customer["id"])] = customer
        return copy.deepcopy(customer)

    def _checkout_create(self, params: dict[str, Any]) -> dict[str, Any]:
        for name in ("mode", "success_url", "line_items"):
            if not params.get(name):
                raise _missing(name)
        customer = str(params.get("customer") or "")
        if customer and customer not in self.customers:
            raise _invalid(f"No such customer: '{customer}'", param="customer", code="resource_missing")
        if params["mode"] == "subscription":
            for index, line in enumerate(params["line_items"]):
                if not str(line.get("price") or "").startswith("price_"):
                    raise _invalid(
                        "A subscription needs a recurring price.", param=f"line_items[{index}][price]"
                    )
        session_id = _id("cs_test_", 40)
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params["mode"],
            "customer": customer or None,
            "client_reference_id": params.get("client_reference_id"),
            "line_items_requested": params["line_items"],
            "metadata": dict(params.get("metadata") or {}),
            "subscription_data": params.get("subscription_data") or {},
            "success_url": params["success_url"],
            "cancel_url": params.get("cancel_url"),
            "status": "open",
            "payment_status": "unpaid",
            "subscription": None,
            "url": f"{self.base_url}/fake/checkout/{session_id}",
            "livemode": False,
            "created": int(time.time()),
        }
        self.checkout_sessions[session_id] = session
        return copy.deepcopy(session)

    def _portal_create(self, params: dict[str, Any]) -> dict[str, Any]:
        customer = str(params.get("customer") or "")
        if not customer:
            raise _missing("customer")
        if customer not in self.customers:
            raise _invalid(f"No such customer: '{customer}'", param="customer", code="resource_missing")
        session_id = _id("bps_", 24)
        session = {
            "id": session_id,
            "object": "billing_portal.session",
            "customer": customer,
            "return_url": params.get("return_url"),
            "url": f"{self.base_url}/fake/portal/{session_id}",
            "livemode": False,
            "created": int(time.time()),
        }
        self.portal_sessions[session_id] = session
        return copy.deepcopy(session)

    # -- recordings for tests ------------------------------------------------------------------
    def invoice_add(
        self,
        *,
        customer: str,
        amount_due: int,
        status: str = "paid",
        currency: str = "eur",
        created: int | None = None,
    ) -> dict[str, Any]:
        invoice_id = _id("in_", 24)
        invoice = {
            "id": invoice_id,
            "object": "invoice",
            "customer": customer,
            "number": f"F-{len(self.invoices) + 1:04d}",
            "status": status,
            "currency": currency,
            "amount_due": amount_due,
            "amount_paid": amount_due if status == "paid" else 0,
            "created": int(time.time()) if created is None else created,
            "hosted_invoice_url": f"{self.base_url}/fake/invoice/{invoice_id}",
            "invoice_pdf": f"{self.base_url}/fake/invoice/{invoice_id}.pdf",
            "livemode": False,
        }
        self.invoices[invoice_id] = invoice
        return copy.deepcopy(invoice)

    @staticmethod
    def subscription_snapshot(
        *,
        subscription_id: str,
        customer: str,
        status: str,
        price: str,
        period_end: int,
        trial_end: int | None = None,
    ) -> dict[str, Any]:
        """A Subscription object as recent API versions render it (the period on its item)."""
        return {
            "id": subscription_id,
            "object": "subscription",
            "customer": customer,
            "status": status,
            "cancel_at_period_end": False,
            "canceled_at": None,
            "trial_end": trial_end,
            "livemode": False,
            "metadata": {},
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": _id("si_", 14),
                        "object": "subscription_item",
                        "price": {"id": price, "object": "price", "recurring": {"interval": "month"}},
                        "quantity": 1,
                        "current_period_start": period_end - 30 * 86400,
                        "current_period_end": period_end,
                    }
                ],
            },
        }

    def subscription_event(self, type_: str, *, created: int, **snapshot: Any) -> dict[str, Any]:
        return self.event_build(type_, self.subscription_snapshot(**snapshot), account=None, created=created)

    def invoice_event(
        self, type_: str, *, created: int, customer: str, subscription_id: str, amount: int = 2900
    ) -> dict[str, Any]:
        paid = type_ == "invoice.paid"
        invoice = {
            "id": _id("in_", 24),
            "object": "invoice",
            "customer": customer,
            "status": "paid" if paid else "open",
            "amount_due": amount,
            "amount_paid": amount if paid else 0,
            "attempt_count": 1,
            "currency": "eur",
            "billing_reason": "subscription_cycle",
            "livemode": False,
            # Where recent API versions say which subscription an invoice belongs to.
            "parent": {
                "type": "subscription_details",
                "subscription_details": {"subscription": subscription_id, "metadata": {}},
            },
        }
        return self.event_build(type_, invoice, account=None, created=created)
