"""The fake Stripe server (apps/payments/testing/fake_stripe.py) extended with the billing slice
the platform uses to charge merchants, in Stripe's wire format so the real SDK talks to it:

- `POST /v1/customers`, `GET /v1/customers/{id}`;
- `POST /v1/checkout/sessions` (mode `subscription`, one price per line), `GET .../{id}`;
- `POST /v1/billing_portal/sessions` (an unknown or inactive `configuration` is refused);
- `POST /v1/billing_portal/configurations`, `GET|POST /v1/billing_portal/configurations/{id}`,
  `GET /v1/billing_portal/configurations` (features rendered in full, as Stripe does);
- `POST /v1/billing/meters`, `GET /v1/billing/meters/{id}`, `GET /v1/billing/meters?status=`
  (one active meter per `event_name`, as on Stripe);
- metered prices (`recurring[usage_type]=metered` with `recurring[meter]`), per unit or
  `billing_scheme=tiered` with graduated `tiers` (`unit_amount` or `unit_amount_decimal`,
  `up_to=inf` last); Checkout refuses a `quantity` on a metered price's line, as Stripe does;
- `GET /v1/invoices?customer=...` (a list object);
- `POST /v1/customers/{id}` (address), `GET|POST /v1/customers/{id}/tax_ids`,
  `DELETE /v1/customers/{id}/tax_ids/{txi}` (eu_vat only, format checked as Stripe does);
- `POST /v1/products`, `GET|POST /v1/products/{id}`, `POST /v1/prices` (recurring, with
  `lookup_key` + `transfer_lookup_key`), `GET|POST /v1/prices/{id}` (only `active`, `nickname`,
  `metadata`, `lookup_key` change: an amount is fixed once created, as on Stripe);
- `GET /v1/account` (the platform's own account, which dj-stripe's sync asks for);
- `GET|POST /v1/subscriptions/{id}` (items[][id|price|deleted], a new item without id,
  proration_behavior), with
  `subscription_add` to put a subscription there for a test;
- `POST /v1/billing/meter_events`: one event per `identifier`; a second with the same identifier
  is refused (400, `resource_already_exists`), so a double report is visible;
- `Idempotency-Key` replay and mismatch handling are the base server's.

`subscription_event` and `invoice_event` build the events Stripe sends to the platform's
billing endpoint (a subscription or invoice snapshot, `created` as given), for tests to sign
with `webhook_request` and post themselves. Subscriptions and invoices are only as real as
these recordings: nothing here charges, renews or retries on its own.
"""

from __future__ import annotations

import copy
import re
import time
from dataclasses import dataclass, field
from typing import Any

from apps.payments.testing.fake_stripe import FakeStripe, _id, _integer, _invalid, _missing

BILLING_SECRET_KEY = "sk_test_fakeBillingPlatform0000000000"  # noqa: S105 (a fake's key)
BILLING_WEBHOOK_SECRET = "whsec_fake_billing_00000000000000000"  # noqa: S105 (a fake's secret)


@dataclass
class FakeStripeBilling(FakeStripe):
    # A key of the shape dj-stripe accepts (sk_test_ + 24 or more letters and digits): its sync
    # files the objects under the account the key belongs to.
    secret_key: str = BILLING_SECRET_KEY
    billing_webhook_secret: str = BILLING_WEBHOOK_SECRET
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    checkout_sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    portal_sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    prices: dict[str, dict[str, Any]] = field(default_factory=dict)
    tax_ids: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    meter_events: dict[str, dict[str, Any]] = field(default_factory=dict)  # by identifier
    portal_configurations: dict[str, dict[str, Any]] = field(default_factory=dict)
    meters: dict[str, dict[str, Any]] = field(default_factory=dict)
    price_tiers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    platform_account_id: str = "acct_fake_platform0001"

    def start(self, port: int = 0) -> FakeStripeBilling:
        """The base server, with DELETE (tax ids) routed like the other methods."""
        super().start(port)
        assert self._server is not None

        class Handler(self._server.RequestHandlerClass):  # type: ignore[misc,name-defined]
            def do_DELETE(self) -> None:
                self._dispatch("DELETE")

        self._server.RequestHandlerClass = Handler
        return self

    def handle(
        self, method: str, path: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, Any]:
        # The platform naming its own account (dj-stripe does, as the objects' owner) is the
        # platform itself, not a connected account.
        if headers.get("stripe-account") == self.platform_account_id:
            headers.pop("stripe-account")
        return super().handle(method, path, params, headers)

    def settings_overrides(self) -> dict[str, Any]:
        return {**super().settings_overrides(), "STRIPE_BILLING_WEBHOOK_SECRET": self.billing_webhook_secret}

    # -- the API -------------------------------------------------------------------------
    def _route(self, method: str, path: str, params: dict[str, Any], account: str) -> Any:
        parts = [part for part in path.split("/") if part]
        if parts == ["v1", "customers"] and method == "POST":
            return self._customer_create(params)
        if parts[:2] == ["v1", "customers"] and len(parts) >= 4 and parts[3] == "tax_ids":
            return self._tax_ids(method, parts[2], parts[4] if len(parts) == 5 else "", params)
        if parts[:2] == ["v1", "customers"] and method == "POST" and len(parts) == 3:
            return self._customer_update(parts[2], params)
        if parts == ["v1", "account"] and method == "GET":
            return {
                "id": self.platform_account_id,
                "object": "account",
                "type": "standard",
                "livemode": False,
            }
        if parts[:2] == ["v1", "products"] and parts[3:] == ["features"] and method == "GET":
            self._find(self.products, parts[2], "product")
            return {"object": "list", "url": path, "has_more": False, "data": []}
        if parts[:2] == ["v1", "products"]:
            return self._product(method, parts[2] if len(parts) == 3 else "", params)
        if parts[:2] == ["v1", "prices"]:
            return self._price(method, parts[2] if len(parts) == 3 else "", params)
        if parts[:2] == ["v1", "subscriptions"] and len(parts) == 3:
            return self._subscription(method, parts[2], params)
        if parts == ["v1", "billing", "meter_events"] and method == "POST":
            return self._meter_event(params)
        if parts[:2] == ["v1", "customers"] and method == "GET" and len(parts) == 3:
            return copy.deepcopy(self._find(self.customers, parts[2], "customer"))
        if parts == ["v1", "checkout", "sessions"] and method == "POST":
            return self._checkout_create(params)
        if parts[:3] == ["v1", "checkout", "sessions"] and method == "GET" and len(parts) == 4:
            return copy.deepcopy(self._find(self.checkout_sessions, parts[3], "checkout.session"))
        if parts == ["v1", "billing_portal", "sessions"] and method == "POST":
            return self._portal_create(params)
        if parts[:3] == ["v1", "billing_portal", "configurations"]:
            return self._portal_configuration(method, parts[3] if len(parts) == 4 else "", params)
        if parts[:3] == ["v1", "billing", "meters"] and len(parts) <= 4:
            return self._meter(method, parts[3] if len(parts) == 4 else "", params)
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
            "address": None,
        }
        self.customers[str(customer["id"])] = customer
        return copy.deepcopy(customer)

    def _customer_update(self, customer_id: str, params: dict[str, Any]) -> dict[str, Any]:
        customer = self._find(self.customers, customer_id, "customer")
        if "address" in params:
            address = params["address"] or {}
            if address and not address.get("country"):
                raise _invalid("Missing required param: address[country].", param="address[country]")
            customer["address"] = {
                name: (address.get(name) or None)
                for name in ("line1", "line2", "postal_code", "city", "state", "country")
            }
        for name in ("name", "email"):
            if name in params:
                customer[name] = params[name]
        if "metadata" in params:
            customer["metadata"].update(params["metadata"] or {})
        return copy.deepcopy(customer)

    # Stripe's eu_vat format: a country prefix (EL for Greece), then 2-13 letters or digits.
    EU_VAT = re.compile(
        r"^(AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI)[0-9A-Z+*]{2,13}$"
    )

    def _tax_ids(self, method: str, customer_id: str, tax_id: str, params: dict[str, Any]) -> Any:
        self._find(self.customers, customer_id, "customer")
        if method == "GET" and not tax_id:
            rows = [copy.deepcopy(t) for t in self.tax_ids.values() if t["customer"] == customer_id]
            return {
                "object": "list",
                "url": f"/v1/customers/{customer_id}/tax_ids",
                "has_more": False,
                "data": rows,
            }
        if method == "POST" and not tax_id:
            for name in ("type", "value"):
                if not params.get(name):
                    raise _missing(name)
            if params["type"] != "eu_vat":
                raise _invalid(f"Invalid value for type: {params['type']}", param="type")
            value = str(params["value"]).replace(" ", "").upper()
            if not self.EU_VAT.fullmatch(value):
                raise _invalid(
                    f"Invalid value for eu_vat: {params['value']}", param="value", code="tax_id_invalid"
                )
            row = {
                "id": _id("txi_", 14),
                "object": "tax_id",
                "customer": customer_id,
                "type": "eu_vat",
                "value": value,
                "country": "GR" if value.startswith("EL") else value[:2],
                "created": int(time.time()),
                "livemode": False,
                "verification": {"status": "pending", "verified_name": None, "verified_address": None},
            }
            self.tax_ids[str(row["id"])] = row
            return copy.deepcopy(row)
        row = self._find(self.tax_ids, tax_id, "tax_id")
        if row["customer"] != customer_id:
            raise _invalid(f"No such tax_id: '{tax_id}'", param="id", code="resource_missing", status=404)
        if method == "DELETE":
            del self.tax_ids[tax_id]
            return {"id": tax_id, "object": "tax_id", "deleted": True}
        return copy.deepcopy(row)

    def _product(self, method: str, product_id: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "POST" and not product_id:
            if not params.get("name"):
                raise _missing("name")
            product_id = str(params.get("id") or _id("prod_", 14))
            if product_id in self.products:
                raise _invalid(
                    f"Product already exists: {product_id}", param="id", code="resource_already_exists"
                )
            self.products[product_id] = {
                "id": product_id,
                "object": "product",
                "name": params["name"],
                "description": params.get("description") or None,
                "active": str(params.get("active", "true")).lower() == "true",
                "metadata": dict(params.get("metadata") or {}),
                "default_price": None,
                "type": "service",
                "created": int(time.time()),
                "updated": int(time.time()),
                "livemode": False,
            }
            return copy.deepcopy(self.products[product_id])
        product = self._find(self.products, product_id, "product")
        if method == "POST":
            for name in ("name", "description"):
                if name in params:
                    product[name] = params[name] or None
            if "active" in params:
                product["active"] = str(params["active"]).lower() == "true"
            if "metadata" in params:
                product["metadata"].update(params["metadata"] or {})
            product["updated"] = int(time.time())
        return copy.deepcopy(product)

    def _price(self, method: str, price_id: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "POST" and not price_id:
            for name in ("currency", "product"):
                if not params.get(name):
                    raise _missing(name)
            self._find(self.products, str(params["product"]), "product")
            recurring = params.get("recurring") or None
            usage_type = str((recurring or {}).get("usage_type") or "licensed")
            meter = str((recurring or {}).get("meter") or "") or None
            if usage_type == "metered":
                if not meter:
                    raise _invalid(
                        "A metered price needs a meter: pass recurring[meter].", param="recurring[meter]"
                    )
                if meter not in self.meters:
                    raise _invalid(
                        f"No such meter: '{meter}'", param="recurring[meter]", code="resource_missing"
                    )
            billing_scheme = str(params.get("billing_scheme") or "per_unit")
            tiers = self._price_tiers(params) if billing_scheme == "tiered" else None
            if tiers is not None:
                amount, amount_decimal = None, None
            elif params.get("unit_amount_decimal") not in (None, ""):
                amount_decimal = str(params["unit_amount_decimal"])
                if not re.fullmatch(r"\d+(\.\d{1,12})?", amount_decimal):
                    raise _invalid("Invalid decimal: unit_amount_decimal", param="unit_amount_decimal")
                amount = int(float(amount_decimal)) if float(amount_decimal).is_integer() else None
            else:
                amount = _integer(params, "unit_amount")
                assert amount is not None
                amount_decimal = str(amount)
            if amount is not None and amount < 0:
                raise _invalid("unit_amount must be 0 or more.", param="unit_amount")
            lookup_key = str(params.get("lookup_key") or "") or None
            holder = [p for p in self.prices.values() if lookup_key and p["lookup_key"] == lookup_key]
            if holder and str(params.get("transfer_lookup_key")).lower() != "true":
                raise _invalid(
                    f"A price (`{holder[0]['id']}`) already uses that lookup key.", param="lookup_key"
                )
            for other in holder:
                other["lookup_key"] = None
            price = {
                "id": _id("price_", 24),
                "object": "price",
                "product": params["product"],
                "currency": str(params["currency"]).lower(),
                "unit_amount": amount,
                "unit_amount_decimal": amount_decimal,
                "active": True,
                "type": "recurring" if recurring else "one_time",
                "recurring": (
                    {
                        "interval": recurring.get("interval"),
                        "interval_count": int(recurring.get("interval_count") or 1),
                        "usage_type": usage_type,
                        "meter": meter,
                        "trial_period_days": None,
                    }
                    if recurring
                    else None
                ),
                "billing_scheme": billing_scheme,
                "lookup_key": lookup_key,
                "nickname": params.get("nickname") or None,
                "metadata": dict(params.get("metadata") or {}),
                "tax_behavior": params.get("tax_behavior") or "unspecified",
                "tiers_mode": str(params.get("tiers_mode")) if tiers is not None else None,
                "transform_quantity": None,
                "created": int(time.time()),
                "livemode": False,
            }
            # Stripe renders `tiers` only when asked (expand[]=tiers); kept here for tests.
            self.price_tiers[str(price["id"])] = tiers or []
            self.prices[str(price["id"])] = price
            return copy.deepcopy(price)
        price = self._find(self.prices, price_id, "price")
        if method == "POST":
            fixed = {"unit_amount", "currency", "recurring", "product"} & set(params)
            if fixed:
                name = sorted(fixed)[0]
                raise _invalid(f"Received unknown parameter: {name}", param=name)
            if "active" in params:
                price["active"] = str(params["active"]).lower() == "true"
            for name in ("nickname", "lookup_key"):
                if name in params:
                    price[name] = params[name] or None
            if "metadata" in params:
                price["metadata"].update(params["metadata"] or {})
        return copy.deepcopy(price)

    def _subscription(self, method: str, subscription_id: str, params: dict[str, Any]) -> dict[str, Any]:
        subscription = self._find(self.subscriptions, subscription_id, "subscription")
        if method == "POST":
            for index, change in enumerate(params.get("items") or []):
                if not change.get("id"):
                    # A new item: the price added to the subscription.
                    price_id = str(change.get("price") or "")
                    price = self._find(self.prices, price_id, "price")
                    metered = (price.get("recurring") or {}).get("usage_type") == "metered"
                    subscription["items"]["data"].append(
                        {
                            **copy.deepcopy(subscription["items"]["data"][0]),
                            "id": _id("si_", 14),
                            "price": copy.deepcopy(price),
                            "quantity": None if metered else int(change.get("quantity") or 1),
                        }
                    )
                    continue
                item = next((i for i in subscription["items"]["data"] if i["id"] == change.get("id")), None)
                if item is None:
                    raise _invalid(
                        f"No such subscription item: '{change.get('id')}'",
                        param=f"items[{index}][id]",
                        code="resource_missing",
                    )
                if str(change.get("deleted") or "").lower() == "true":
                    subscription["items"]["data"].remove(item)
                    continue
                price_id = str(change.get("price") or "")
                price = self._find(self.prices, price_id, "price")
                if not price["active"]:
                    raise _invalid(
                        f"The price specified is inactive: {price_id}", param=f"items[{index}][price]"
                    )
                item["price"] = copy.deepcopy(price)
            if "proration_behavior" in params:
                subscription["proration_behavior_requested"] = params["proration_behavior"]
            if "metadata" in params:
                subscription["metadata"].update(params["metadata"] or {})
        return copy.deepcopy(subscription)

    def subscription_add(self, *, customer: str, price: str, status: str = "active") -> dict[str, Any]:
        """A subscription of `customer` to `price` as if Checkout had made it (for tests)."""
        subscription = self.subscription_snapshot(
            subscription_id=_id("sub_", 14),
            customer=customer,
            status=status,
            price=price,
            period_end=int(time.time()) + 30 * 86400,
        )
        if price in self.prices:
            subscription["items"]["data"][0]["price"] = copy.deepcopy(self.prices[price])
        self.subscriptions[str(subscription["id"])] = subscription
        return copy.deepcopy(subscription)

    def _meter_event(self, params: dict[str, Any]) -> dict[str, Any]:
        for name in ("event_name", "payload"):
            if not params.get(name):
                raise _missing(name)
        payload = dict(params["payload"])
        customer = str(payload.get("stripe_customer_id") or "")
        if customer not in self.customers:
            raise _invalid(
                f"No such customer: '{customer}'",
                param="payload[stripe_customer_id]",
                code="resource_missing",
            )
        if not re.fullmatch(r"\d+", str(payload.get("value") or "")):
            raise _invalid("payload[value] must be a whole number.", param="payload[value]")
        identifier = str(params.get("identifier") or _id("mev_", 20))
        if identifier in self.meter_events:
            raise _invalid(
                f"An event with identifier {identifier} already exists.",
                param="identifier",
                code="resource_already_exists",
            )
        event = {
            "object": "billing.meter_event",
            "event_name": params["event_name"],
            "identifier": identifier,
            "payload": payload,
            "timestamp": _integer(params, "timestamp", required=False) or int(time.time()),
            "created": int(time.time()),
            "livemode": False,
        }
        self.meter_events[identifier] = event
        return copy.deepcopy(event)

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
                price = self.prices.get(str(line["price"]))
                metered = price is not None and (price.get("recurring") or {}).get("usage_type") == "metered"
                if metered and "quantity" in line:
                    raise _invalid(
                        "Quantity should not be specified where usage_type is `metered`. "
                        f"Remove quantity from `line_items[{index}]`",
                        param=f"line_items[{index}][quantity]",
                    )
                if price is not None and not metered and "quantity" not in line:
                    raise _missing(f"line_items[{index}][quantity]")
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
        configuration_id = str(params.get("configuration") or "")
        if configuration_id:
            configuration = self.portal_configurations.get(configuration_id)
            if configuration is None:
                raise _invalid(
                    f"No such configuration: '{configuration_id}'",
                    param="configuration",
                    code="resource_missing",
                )
            if not configuration["active"]:
                raise _invalid(
                    "The configuration is not active; activate it or pass another one.", param="configuration"
                )
        else:
            configuration_id = self._portal_default_configuration()
        session_id = _id("bps_", 24)
        session = {
            "id": session_id,
            "object": "billing_portal.session",
            "configuration": configuration_id,
            "customer": customer,
            "return_url": params.get("return_url"),
            "url": f"{self.base_url}/fake/portal/{session_id}",
            "livemode": False,
            "created": int(time.time()),
        }
        self.portal_sessions[session_id] = session
        return copy.deepcopy(session)

    @staticmethod
    def _price_tiers(params: dict[str, Any]) -> list[dict[str, Any]]:
        if params.get("tiers_mode") not in ("graduated", "volume"):
            raise _invalid("tiers_mode must be graduated or volume for a tiered price.", param="tiers_mode")
        raw = params.get("tiers")
        rows = list(raw.values()) if isinstance(raw, dict) else list(raw or [])
        if not rows:
            raise _missing("tiers")
        tiers = []
        for index, row in enumerate(rows):
            up_to = str(row.get("up_to") or "")
            if up_to != "inf" and not up_to.isdigit():
                raise _invalid(f"Invalid up_to: {up_to}", param=f"tiers[{index}][up_to]")
            if (up_to == "inf") != (index == len(rows) - 1):
                raise _invalid(
                    "The last tier, and only it, must have up_to=inf.", param=f"tiers[{index}][up_to]"
                )
            decimal = row.get("unit_amount_decimal")
            amount = row.get("unit_amount")
            if decimal in (None, "") and amount in (None, ""):
                raise _missing(f"tiers[{index}][unit_amount]")
            tiers.append(
                {
                    "up_to": None if up_to == "inf" else int(up_to),
                    "unit_amount": int(amount) if amount not in (None, "") else None,
                    "unit_amount_decimal": str(decimal if decimal not in (None, "") else amount),
                    "flat_amount": None,
                    "flat_amount_decimal": None,
                }
            )
        return tiers

    def _portal_features(self, wanted: dict[str, Any]) -> dict[str, Any]:
        """Portal features as Stripe renders them: every feature, the asked values over
        Stripe's defaults."""

        def flag(node: dict[str, Any], name: str, default: bool) -> bool:
            return str(node.get(name, default)).lower() == "true"

        customer_update = wanted.get("customer_update") or {}
        cancel = wanted.get("subscription_cancel") or {}
        update = wanted.get("subscription_update") or {}
        features: dict[str, dict[str, Any]] = {
            "customer_update": {
                "allowed_updates": list((customer_update.get("allowed_updates") or {}).values())
                if isinstance(customer_update.get("allowed_updates"), dict)
                else list(customer_update.get("allowed_updates") or []),
                "enabled": flag(customer_update, "enabled", False),
            },
            "invoice_history": {"enabled": flag(wanted.get("invoice_history") or {}, "enabled", False)},
            "payment_method_update": {
                "enabled": flag(wanted.get("payment_method_update") or {}, "enabled", False),
                "payment_method_configuration": None,
            },
            "subscription_cancel": {
                "cancellation_reason": {"enabled": False, "options": []},
                "enabled": flag(cancel, "enabled", False),
                "mode": str(cancel.get("mode") or "at_period_end"),
                "proration_behavior": str(cancel.get("proration_behavior") or "none"),
            },
            "subscription_update": {
                "billing_cycle_anchor": None,
                "default_allowed_updates": [],
                "enabled": flag(update, "enabled", False),
                "products": [],
                "proration_behavior": str(update.get("proration_behavior") or "none"),
                "schedule_at_period_end": {"conditions": []},
                "trial_update_behavior": "end_trial",
            },
        }
        if features["customer_update"]["enabled"] and not features["customer_update"]["allowed_updates"]:
            raise _missing("features[customer_update][allowed_updates]")
        return features

    def _portal_default_configuration(self) -> str:
        """The account's default Portal configuration (Stripe makes it from the Dashboard's
        settings; here plan switching is on, as a merchant could find it)."""
        for configuration in self.portal_configurations.values():
            if configuration["is_default"]:
                return str(configuration["id"])
        configuration = self._portal_configuration(
            "POST", "", {"features": {"subscription_update": {"enabled": "true"}}}
        )
        self.portal_configurations[configuration["id"]]["is_default"] = True
        return str(configuration["id"])

    def _portal_configuration(self, method: str, configuration_id: str, params: dict[str, Any]) -> Any:
        if method == "GET" and not configuration_id:
            rows = [copy.deepcopy(c) for c in self.portal_configurations.values()]
            if "active" in params:
                rows = [c for c in rows if c["active"] == (str(params["active"]).lower() == "true")]
            return {
                "object": "list",
                "url": "/v1/billing_portal/configurations",
                "has_more": False,
                "data": rows,
            }
        if method == "POST" and not configuration_id:
            if not params.get("features"):
                raise _missing("features")
            now = int(time.time())
            configuration = {
                "id": _id("bpc_", 24),
                "object": "billing_portal.configuration",
                "active": True,
                "application": None,
                "business_profile": {
                    "headline": None,
                    "privacy_policy_url": None,
                    "terms_of_service_url": None,
                },
                "created": now,
                "default_return_url": params.get("default_return_url") or None,
                "features": self._portal_features(dict(params["features"])),
                "is_default": False,
                "livemode": False,
                "login_page": {"enabled": False, "url": None},
                "metadata": dict(params.get("metadata") or {}),
                "name": params.get("name") or None,
                "updated": now,
            }
            self.portal_configurations[str(configuration["id"])] = configuration
            return copy.deepcopy(configuration)
        configuration = self._find(self.portal_configurations, configuration_id, "configuration")
        if method == "POST":
            if "active" in params:
                configuration["active"] = str(params["active"]).lower() == "true"
            if "features" in params:
                merged = copy.deepcopy(configuration["features"])
                for name, values in dict(params["features"]).items():
                    merged.setdefault(name, {}).update(dict(values))
                configuration["features"] = self._portal_features(merged)
            if "metadata" in params:
                configuration["metadata"].update(params["metadata"] or {})
            configuration["updated"] = int(time.time())
        return copy.deepcopy(configuration)

    def _meter(self, method: str, meter_id: str, params: dict[str, Any]) -> Any:
        if method == "GET" and not meter_id:
            rows = [copy.deepcopy(m) for m in self.meters.values()]
            if params.get("status"):
                rows = [m for m in rows if m["status"] == params["status"]]
            return {"object": "list", "url": "/v1/billing/meters", "has_more": False, "data": rows}
        if method == "POST" and not meter_id:
            for name in ("display_name", "event_name", "default_aggregation"):
                if not params.get(name):
                    raise _missing(name)
            event_name = str(params["event_name"])
            if any(m["event_name"] == event_name and m["status"] == "active" for m in self.meters.values()):
                raise _invalid(
                    f"An active meter with event_name `{event_name}` already exists.",
                    param="event_name",
                    code="resource_already_exists",
                )
            formula = str((params["default_aggregation"] or {}).get("formula") or "")
            if formula not in ("sum", "count", "last"):
                raise _invalid(f"Invalid formula: {formula}", param="default_aggregation[formula]")
            mapping = dict(params.get("customer_mapping") or {})
            now = int(time.time())
            meter = {
                "id": _id("mtr_", 24),
                "object": "billing.meter",
                "created": now,
                "customer_mapping": {
                    "event_payload_key": mapping.get("event_payload_key") or "stripe_customer_id",
                    "type": mapping.get("type") or "by_id",
                },
                "default_aggregation": {"formula": formula},
                "display_name": params["display_name"],
                "event_name": event_name,
                "event_time_window": params.get("event_time_window") or None,
                "livemode": False,
                "status": "active",
                "status_transitions": {"deactivated_at": None},
                "updated": now,
                "value_settings": {
                    "event_payload_key": (params.get("value_settings") or {}).get("event_payload_key")
                    or "value"
                },
            }
            self.meters[str(meter["id"])] = meter
            return copy.deepcopy(meter)
        return copy.deepcopy(self._find(self.meters, meter_id, "billing.meter"))

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
