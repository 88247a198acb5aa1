"""A local fake of the slice of Stripe the platform uses, for tests and local development.

A threaded HTTP server on 127.0.0.1 (random port) that speaks Stripe's wire format, so the real
`stripe` SDK talks to it unchanged (only the API base differs):

- `POST /v1/payment_intents`, `GET /v1/payment_intents/{id}` (`expand[]=latest_charge`),
  `POST /v1/payment_intents/{id}/confirm`, `POST /v1/payment_intents/{id}/cancel`,
  `POST /v1/refunds`, `POST /v1/accounts`, `GET /v1/accounts/{id}`, `POST /v1/account_links`;
- form-encoded bodies (`metadata[reference]=...`, `expand[0]=...`), JSON answers with the field
  names of Stripe's objects (taken from the SDK's resource classes: PaymentIntent, Charge,
  Refund, Account, AccountLink, Event), errors in Stripe's `{"error": {type, code, message,
  param}}` envelope with Stripe's HTTP statuses (400, 402 card_error, 403, 404);
- `Idempotency-Key`: the same key (per `Stripe-Account`) with the same parameters replays the
  first answer (`Idempotent-Replayed: true`); with other parameters or another endpoint it is
  refused with 400 `idempotency_error`, as Stripe does;
- `Stripe-Account`: objects belong to the connected account they were created on; another
  account (or none) does not find them; an unknown account is refused with 403;
- test cards like Stripe's: `pm_card_visa` / 4242 4242 4242 4242 succeed,
  `pm_card_chargeDeclined` / 4000 0000 0000 0002 decline (402 `card_declined`),
  `pm_card_authenticationRequired` / 4000 0025 0000 3155 need 3-D Secure (`next_action`
  `redirect_to_url` to an Approve / Fail page served here);
- `/v3/`: a stand-in for Stripe.js (`Stripe(pk)`, `elements({clientSecret})`,
  `elements.create('payment').mount(sel)`, `confirmPayment({elements, confirmParams:
  {return_url}})`) that confirms at this server and redirects to `return_url` with
  `payment_intent` and `redirect_status`, like the real one;
- `/fake/onboarding/<token>`: the hosted onboarding an AccountLink points to ("Complete" makes
  the account able to charge and returns to `return_url`).

Events are recorded for every state change (`fake.events`); with `webhook_url` set they are also
delivered there, signed with the real scheme (`Stripe-Signature: t=...,v1=<HMAC-SHA256 of
"t.payload">`), from a background thread. `webhook_request` builds and signs a delivery for a
test to post itself.

Run it for local development:
    python -m apps.payments.testing.fake_stripe --port 12111 \
        --webhook-url http://localhost:8000/stripe/connect/webhook/
and export the settings it prints.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import hmac
import html
import json
import queue
import re
import secrets
import string
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

API_VERSION = "2026-08-26.dahlia"  # what stripe 15.6.2 sends; echoed in events
SECRET_KEY = "sk_test_fake_platform_0000000000"  # noqa: S105 (a fake's key)
PUBLISHABLE_KEY = "pk_test_fake_platform_0000000000"
WEBHOOK_SECRET = "whsec_fake_connect_0000000000000000"  # noqa: S105
JS_PATH = Path(__file__).with_name("fake_stripe.js")

CARD_SUCCEEDS = "4242424242424242"
CARD_DECLINED = "4000000000000002"
CARD_AUTHENTICATION = "4000002500003155"
TEST_PAYMENT_METHODS = {
    "pm_card_visa": CARD_SUCCEEDS,
    "pm_card_chargeDeclined": CARD_DECLINED,
    "pm_card_authenticationRequired": CARD_AUTHENTICATION,
}
CANCELLABLE = (
    "requires_payment_method",
    "requires_capture",
    "requires_confirmation",
    "requires_action",
    "processing",
)
CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
COUNTRY_CURRENCY = {"US": "usd", "GB": "gbp", "JP": "jpy", "CH": "chf", "CA": "cad", "AU": "aud"}


def _id(prefix: str, length: int = 24) -> str:
    alphabet = string.ascii_letters + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


def signature_header(payload: str, *, secret: str, timestamp: int | None = None) -> str:
    """Stripe's webhook signature, written out from its documentation (not the SDK's helper):
    HMAC-SHA256 keyed with the endpoint secret over "<timestamp>.<payload>", hex, as v1."""
    stamp = int(time.time()) if timestamp is None else int(timestamp)
    digest = hmac.new(secret.encode(), f"{stamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def form_decode(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding back to nested values: `a[b][c]=1` -> {"a": {"b": {"c": "1"}}},
    `expand[0]=x` / `expand[]=x` -> {"expand": ["x"]}. Values stay strings."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        match = re.fullmatch(r"([^\[\]]+)((?:\[[^\[\]]*\])*)", key)
        if match is None:
            continue
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if part == "":
                part = str(len(node))  # "[]" appends
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _lists(root)


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        converted = {key: _lists(value) for key, value in node.items()}
        if converted and all(key.isdigit() for key in converted):
            return [converted[key] for key in sorted(converted, key=int)]
        return converted
    return node


class StripeFailure(Exception):
    def __init__(self, status: int, error: dict[str, Any]) -> None:
        super().__init__(error.get("message", ""))
        self.status = status
        self.error = error


def _invalid(
    message: str, *, param: str | None = None, code: str | None = None, status: int = 400
) -> StripeFailure:
    error: dict[str, Any] = {"type": "invalid_request_error", "message": message}
    if param:
        error["param"] = param
    if code:
        error["code"] = code
        error["doc_url"] = f"https://docs.stripe.com/error-codes/{code.replace('_', '-')}"
    return StripeFailure(status, error)


def _missing(name: str) -> StripeFailure:
    return _invalid(f"Missing required param: {name}.", param=name, code="parameter_missing")


def _integer(params: Mapping[str, Any], name: str, *, required: bool = True) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise _missing(name)
        return None
    if not re.fullmatch(r"-?\d+", str(raw)):
        raise _invalid(f"Invalid integer: {raw}", param=name, code="parameter_invalid_integer")
    return int(raw)


def _truthy(value: Any) -> bool:
    return str(value).lower() == "true"


@dataclass
class RecordedRequest:
    method: str
    path: str
    params: dict[str, Any]
    headers: dict[str, str]
    status: int = 0

    @property
    def idempotency_key(self) -> str:
        return self.headers.get("idempotency-key", "")

    @property
    def stripe_account(self) -> str:
        return self.headers.get("stripe-account", "")


@dataclass
class _Stored:
    fingerprint: str
    status: int
    body: dict[str, Any]


@dataclass
class FakeStripe:
    secret_key: str = SECRET_KEY
    publishable_key: str = PUBLISHABLE_KEY
    webhook_secret: str = WEBHOOK_SECRET
    webhook_url: str = ""
    webhook_host: str = ""  # Host header of deliveries (e.g. the platform domain), if not the URL's
    base_url: str = ""
    payment_intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    charges: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    links: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[tuple[str, int]] = field(default_factory=list)  # (event id, HTTP status)

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self._owner: dict[str, str] = {}  # object id -> connected account ("" for the platform)
        self._idempotency: dict[tuple[str, str], _Stored] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._outbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._sender: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------
    def start(self, port: int = 0) -> FakeStripe:
        fake = self

        class Handler(_Handler):
            stripe = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-stripe", daemon=True)
        self._thread.start()
        self._sender = threading.Thread(target=self._deliver_loop, name="fake-stripe-webhooks", daemon=True)
        self._sender.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._outbox.put(None)
        if self._sender is not None:
            self._sender.join(timeout=5)

    @property
    def js_url(self) -> str:
        return f"{self.base_url}/v3/"

    def settings_overrides(self) -> dict[str, Any]:
        """The Django settings that point the platform at this fake."""
        return {
            "STRIPE_API_BASE": self.base_url,
            "STRIPE_JS_URL": self.js_url,
            "STRIPE_SECRET_KEY": self.secret_key,
            "STRIPE_PUBLISHABLE_KEY": self.publishable_key,
            "STRIPE_CONNECT_WEBHOOK_SECRET": self.webhook_secret,
            "STRIPE_MAX_NETWORK_RETRIES": 0,
        }

    # -- helpers for tests ---------------------------------------------------------------
    def requests_to(self, method: str, path_prefix: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    def account_create(
        self, *, country: str = "DE", email: str = "", complete: bool = False
    ) -> dict[str, Any]:
        """An Express account as if created through the API (no request recorded)."""
        with self.lock:
            account = self._new_account({"type": "express", "country": country, "email": email})
            if complete:
                self.account_complete(account["id"], emit=False)
            return copy.deepcopy(account)

    def account_complete(self, account_id: str, *, emit: bool = True) -> dict[str, Any]:
        """Onboarding finished: details submitted, charges and payouts enabled, nothing due."""
        with self.lock:
            account = self.accounts[account_id]
            account.update(charges_enabled=True, payouts_enabled=True, details_submitted=True)
            for name in account["capabilities"]:
                account["capabilities"][name] = "active"
            account["requirements"].update(
                currently_due=[], eventually_due=[], past_due=[], disabled_reason=None, current_deadline=None
            )
            account["tos_acceptance"]["date"] = int(time.time())
            if emit:
                self._emit("account.updated", account, account=account_id)
            return copy.deepcopy(account)

    def payment_intent_confirm(
        self, intent_id: str, *, payment_method: str = "pm_card_visa"
    ) -> dict[str, Any]:
        """Confirm as the shopper's browser would (no request recorded). Returns the intent."""
        with self.lock:
            intent = self.payment_intents[intent_id]
            with suppress(StripeFailure):  # a decline is recorded on the intent
                self._confirm(intent, TEST_PAYMENT_METHODS.get(payment_method, payment_method), "")
            return copy.deepcopy(intent)

    def authenticate(self, intent_id: str, *, approve: bool) -> dict[str, Any]:
        """Answer a 3-D Secure challenge (what the page at next_action's URL does)."""
        with self.lock:
            intent = self.payment_intents[intent_id]
            self._authenticate(intent, approve)
            return copy.deepcopy(intent)

    def event_build(
        self, type_: str, obj: Mapping[str, Any], *, account: str | None, created: int | None = None
    ) -> dict[str, Any]:
        """An Event object as Stripe sends it to a Connect endpoint (not recorded or sent)."""
        return {
            "id": _id("evt_"),
            "object": "event",
            "account": account,
            "api_version": API_VERSION,
            "context": None,
            "created": int(time.time()) if created is None else created,
            "data": {"object": copy.deepcopy(dict(obj))},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": _id("req_", 14), "idempotency_key": None},
            "type": type_,
        }

    def webhook_request(
        self, event: Mapping[str, Any], *, timestamp: int | None = None, secret: str | None = None
    ) -> tuple[bytes, str]:
        """(body, Stripe-Signature header) of a delivery of `event`."""
        payload = json.dumps(event, separators=(",", ":"))
        return payload.encode(), signature_header(
            payload, secret=secret or self.webhook_secret, timestamp=timestamp
        )

    # -- webhook delivery (local development) --------------------------------------------------
    def _emit(self, type_: str, obj: Mapping[str, Any], *, account: str) -> dict[str, Any]:
        event = self.event_build(type_, obj, account=account or None)
        self.events.append(event)
        if self.webhook_url:
            self._outbox.put(event)
        return event

    def _deliver_loop(self) -> None:
        while True:
            event = self._outbox.get()
            if event is None:
                return
            body, signature = self.webhook_request(event)
            request = urllib.request.Request(  # noqa: S310 (an http URL the developer gave)
                self.webhook_url,
                data=body,
                method="POST",
                headers={"Content-Type": "application/json", "Stripe-Signature": signature},
            )
            if self.webhook_host:
                request.add_header("Host", self.webhook_host)
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = 0
            self.deliveries.append((event["id"], status))

    # -- the API ---------------------------------------------------------------------------
    def handle(
        self, method: str, path: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, Any]:
        """One API call; returns (status, JSON body). Serialised: one call at a time."""
        with self.lock:
            record = RecordedRequest(method=method, path=path, params=params, headers=headers)
            self.requests.append(record)
            status, body = self._handle(method, path, params, headers)
            record.status = status
            return status, body

    def _handle(
        self, method: str, path: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, Any]:
        publishable = False
        try:
            publishable = self._authenticate_key(path, params, headers)
            account = headers.get("stripe-account") or str(params.pop("_stripe_account", "") or "")
            if account and account not in self.accounts:
                raise StripeFailure(
                    403,
                    {
                        "type": "invalid_request_error",
                        "code": "account_invalid",
                        "message": f"The provided key '{self.secret_key[:12]}***' does not have access to "
                        f"account '{account}' (or that account does not exist). Application access may "
                        "have been revoked.",
                    },
                )
        except StripeFailure as failure:
            return failure.status, {"error": failure.error}
        key = headers.get("idempotency-key", "") if method == "POST" and not publishable else ""
        if key:
            fingerprint = json.dumps([method, path, params], sort_keys=True)
            stored = self._idempotency.get((account, key))
            if stored is not None:
                if stored.fingerprint != fingerprint:
                    return 400, {
                        "error": {
                            "type": "idempotency_error",
                            "message": "Keys for idempotent requests can only be used with the same "
                            "parameters they were first used with. Try using a key other than "
                            f"'{key}' if you meant to execute a different request.",
                        }
                    }
                headers["x-replayed"] = "true"
                return stored.status, copy.deepcopy(stored.body)
        try:
            status, body = 200, self._route(method, path, params, account)
        except StripeFailure as failure:
            status, body = failure.status, {"error": failure.error}
        if key and status < 500:
            self._idempotency[(account, key)] = _Stored(fingerprint, status, copy.deepcopy(body))
        return status, body

    def _authenticate_key(self, path: str, params: dict[str, Any], headers: dict[str, str]) -> bool:
        """True for a publishable-key call (Stripe.js); raises 401 for a wrong key."""
        auth = headers.get("authorization", "")
        key = (
            auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else str(params.pop("key", ""))
        )
        if key == self.secret_key:
            return False
        if key == self.publishable_key and re.fullmatch(r"/v1/payment_intents/[^/]+(/confirm)?", path):
            return True
        raise StripeFailure(
            401,
            {
                "type": "invalid_request_error",
                "message": f"Invalid API Key provided: {key[:12]}{'*' * 8}"
                if key
                else "You did not provide an API key.",
            },
        )

    def _route(self, method: str, path: str, params: dict[str, Any], account: str) -> Any:
        parts = [part for part in path.split("/") if part]
        if parts[:2] == ["v1", "payment_intents"]:
            if method == "POST" and len(parts) == 2:
                return self._intent_create(params, account)
            intent = self._owned(
                self.payment_intents, parts[2] if len(parts) > 2 else "", account, "payment_intent"
            )
            self._check_client_secret(intent, params)
            if method == "GET" and len(parts) == 3:
                return self._expanded(intent, params)
            if method == "POST" and len(parts) == 4 and parts[3] == "confirm":
                return self._confirm_call(intent, params)
            if method == "POST" and len(parts) == 4 and parts[3] == "cancel":
                return self._cancel(intent, params)
        if parts == ["v1", "refunds"] and method == "POST":
            return self._refund_create(params, account)
        if parts[:2] == ["v1", "refunds"] and method == "GET" and len(parts) == 3:
            return copy.deepcopy(self._owned(self.refunds, parts[2], account, "refund"))
        if parts == ["v1", "accounts"] and method == "POST":
            return copy.deepcopy(self._new_account(params))
        if parts[:2] == ["v1", "accounts"] and method == "GET" and len(parts) == 3:
            if parts[2] not in self.accounts:
                raise _invalid(
                    f"No such account: '{parts[2]}'", param="account", code="resource_missing", status=404
                )
            return copy.deepcopy(self.accounts[parts[2]])
        if parts == ["v1", "account_links"] and method == "POST":
            return self._link_create(params)
        raise _invalid(f"Unrecognized request URL ({method}: {path}).", status=404)

    def _owned(
        self, table: dict[str, dict[str, Any]], object_id: str, account: str, kind: str
    ) -> dict[str, Any]:
        found = table.get(object_id)
        if found is None or self._owner.get(object_id, "") != account:
            raise _invalid(f"No such {kind}: '{object_id}'", param="id", code="resource_missing", status=404)
        return found

    @staticmethod
    def _check_client_secret(intent: dict[str, Any], params: dict[str, Any]) -> None:
        secret = params.pop("client_secret", None)
        if secret is not None and secret != intent["client_secret"]:
            raise _invalid(
                "The client_secret provided does not match the client_secret associated with the PaymentIntent.",
                param="client_secret",
            )

    # payment intents
    def _intent_create(self, params: dict[str, Any], account: str) -> dict[str, Any]:
        amount = _integer(params, "amount")
        currency = str(params.get("currency") or "")
        if not currency:
            raise _missing("currency")
        if not re.fullmatch(r"[a-z]{3}", currency):
            raise _invalid(
                f"Invalid currency: {currency}.", param="currency", code="parameter_invalid_string"
            )
        assert amount is not None
        if amount < 1 or (currency in ("usd", "eur", "gbp", "jpy") and amount < 50):
            raise _invalid("Amount must be at least 50 cents", param="amount", code="amount_too_small")
        if (currency in THREE_DECIMAL and amount % 10) or (currency == "isk" and amount % 100):
            raise _invalid("Invalid amount.", param="amount", code="invalid_charge_amount")
        fee = _integer(params, "application_fee_amount", required=False)
        if fee is not None:
            if not account and not (params.get("transfer_data") or {}).get("destination"):
                raise _invalid(
                    "Can only apply an application_fee_amount when the PaymentIntent is attempting a direct "
                    "payment (using an OAuth key or Stripe-Account header) or destination payment (using "
                    "`transfer_data[destination]`).",
                    param="application_fee_amount",
                )
            if fee < 0 or fee > amount:
                raise _invalid(
                    "application_fee_amount must not exceed amount", param="application_fee_amount"
                )
        automatic = params.get("automatic_payment_methods") or {}
        intent_id = _id("pi_")
        intent: dict[str, Any] = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_details": {"tip": {}},
            "amount_received": 0,
            "application": None,
            "application_fee_amount": fee,
            "automatic_payment_methods": {"allow_redirects": "always", "enabled": True}
            if _truthy(automatic.get("enabled"))
            else None,
            "canceled_at": None,
            "cancellation_reason": None,
            "capture_method": str(params.get("capture_method") or "automatic_async"),
            "client_secret": f"{intent_id}_secret_{_id('', 25)}",
            "confirmation_method": "automatic",
            "created": int(time.time()),
            "currency": currency,
            "customer": None,
            "description": params.get("description"),
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": dict(params.get("metadata") or {}),
            "next_action": None,
            "on_behalf_of": None,
            "payment_method": None,
            "payment_method_configuration_details": None,
            "payment_method_options": {
                "card": {
                    "installments": None,
                    "mandate_options": None,
                    "network": None,
                    "request_three_d_secure": "automatic",
                }
            },
            "payment_method_types": ["card"],
            "processing": None,
            "receipt_email": params.get("receipt_email"),
            "review": None,
            "setup_future_usage": None,
            "shipping": None,
            "source": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": "requires_payment_method",
            "transfer_data": None,
            "transfer_group": None,
        }
        self.payment_intents[intent_id] = intent
        self._owner[intent_id] = account
        self._emit("payment_intent.created", intent, account=account)
        if _truthy(params.get("confirm")):
            return self._confirm_call(intent, params)
        return copy.deepcopy(intent)

    def _expanded(self, intent: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        answer = copy.deepcopy(intent)
        expand = params.get("expand") or []
        if "latest_charge" in expand and intent["latest_charge"]:
            answer["latest_charge"] = copy.deepcopy(self.charges[intent["latest_charge"]])
        return answer

    def _confirm_call(self, intent: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        method = str(params.get("payment_method") or "")
        card = TEST_PAYMENT_METHODS.get(method, "")
        data = params.get("payment_method_data") or {}
        if not card and isinstance(data, dict):
            card = re.sub(r"\D", "", str((data.get("card") or {}).get("number") or ""))
        if not card:
            raise _invalid(
                "You cannot confirm this PaymentIntent because it's missing a payment method.",
                code="payment_intent_unexpected_state",
            )
        self._confirm(intent, card, str(params.get("return_url") or ""))
        return copy.deepcopy(intent)

    def _confirm(self, intent: dict[str, Any], card: str, return_url: str) -> None:
        if intent["status"] not in CONFIRMABLE:
            raise _invalid(
                f"You cannot confirm this PaymentIntent because it has a status of {intent['status']}.",
                code="payment_intent_unexpected_state",
            )
        account = self._owner.get(intent["id"], "")
        intent["payment_method"] = _id("pm_")
        intent["last_payment_error"] = None
        if card == CARD_SUCCEEDS:
            self._succeed(intent)
        elif card == CARD_AUTHENTICATION:
            intent["status"] = "requires_action"
            query = urlencode({"return_url": return_url})
            intent["next_action"] = {
                "type": "redirect_to_url",
                "redirect_to_url": {
                    "return_url": return_url or None,
                    "url": f"{self.base_url}/fake/authenticate/{intent['id']}?{query}",
                },
            }
            self._emit("payment_intent.requires_action", intent, account=account)
        else:
            declined = card == CARD_DECLINED
            error = {
                "type": "card_error",
                "code": "card_declined" if declined else "incorrect_number",
                "decline_code": "generic_decline" if declined else None,
                "message": "Your card was declined." if declined else "Your card number is incorrect.",
                "doc_url": "https://docs.stripe.com/error-codes/card-declined",
                "param": None if declined else "number",
            }
            intent.update(status="requires_payment_method", next_action=None, last_payment_error=dict(error))
            self._emit("payment_intent.payment_failed", intent, account=account)
            raise StripeFailure(402, {**error, "payment_intent": copy.deepcopy(intent)})

    def _succeed(self, intent: dict[str, Any]) -> None:
        account = self._owner.get(intent["id"], "")
        charge_id = _id("ch_")
        charge = {
            "id": charge_id,
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": intent["amount"],
            "amount_refunded": 0,
            "application": None,
            "application_fee": _id("fee_") if intent["application_fee_amount"] else None,
            "application_fee_amount": intent["application_fee_amount"],
            "balance_transaction": _id("txn_"),
            "billing_details": {"address": None, "email": None, "name": None, "phone": None},
            "captured": True,
            "created": int(time.time()),
            "currency": intent["currency"],
            "customer": None,
            "description": intent["description"],
            "disputed": False,
            "failure_code": None,
            "failure_message": None,
            "livemode": False,
            "metadata": dict(intent["metadata"]),
            "outcome": {
                "network_status": "approved_by_network",
                "reason": None,
                "risk_level": "normal",
                "seller_message": "Payment complete.",
                "type": "authorized",
            },
            "paid": True,
            "payment_intent": intent["id"],
            "payment_method": intent["payment_method"],
            "receipt_email": intent["receipt_email"],
            "refunded": False,
            "refunds": {
                "object": "list",
                "data": [],
                "has_more": False,
                "total_count": 0,
                "url": f"/v1/charges/{charge_id}/refunds",
            },
            "status": "succeeded",
        }
        self.charges[charge_id] = charge
        self._owner[charge_id] = account
        intent.update(
            status="succeeded", amount_received=intent["amount"], latest_charge=charge_id, next_action=None
        )
        self._emit("charge.succeeded", charge, account=account)
        self._emit("payment_intent.succeeded", intent, account=account)

    def _authenticate(self, intent: dict[str, Any], approve: bool) -> None:
        if intent["status"] != "requires_action":
            return
        if approve:
            self._succeed(intent)
            return
        intent.update(
            status="requires_payment_method",
            next_action=None,
            last_payment_error={
                "type": "invalid_request_error",
                "code": "payment_intent_authentication_failure",
                "message": "The provided PaymentMethod has failed authentication. You can provide "
                "payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.",
                "doc_url": "https://docs.stripe.com/error-codes/payment-intent-authentication-failure",
            },
        )
        self._emit("payment_intent.payment_failed", intent, account=self._owner.get(intent["id"], ""))

    def _cancel(self, intent: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        if intent["status"] not in CANCELLABLE:
            raise _invalid(
                f"You cannot cancel this PaymentIntent because it has a status of {intent['status']}. Only a "
                "PaymentIntent with one of the following statuses may be canceled: "
                + ", ".join(CANCELLABLE)
                + ".",
                code="payment_intent_unexpected_state",
            )
        intent.update(
            status="canceled",
            canceled_at=int(time.time()),
            cancellation_reason=params.get("cancellation_reason"),
            next_action=None,
        )
        self._emit("payment_intent.canceled", intent, account=self._owner.get(intent["id"], ""))
        return copy.deepcopy(intent)

    # refunds
    def _refund_create(self, params: dict[str, Any], account: str) -> dict[str, Any]:
        if params.get("payment_intent"):
            intent = self._owned(
                self.payment_intents, str(params["payment_intent"]), account, "payment_intent"
            )
            if not intent["latest_charge"]:
                raise _invalid(
                    f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
                    param="payment_intent",
                )
            charge = self.charges[intent["latest_charge"]]
        elif params.get("charge"):
            charge = self._owned(self.charges, str(params["charge"]), account, "charge")
        else:
            raise _invalid(
                "One of the following params should be provided for this request: payment_intent or charge."
            )
        remaining = charge["amount"] - charge["amount_refunded"]
        amount = _integer(params, "amount", required=False)
        amount = remaining if amount is None else amount
        if remaining <= 0:
            raise _invalid(
                f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded"
            )
        if amount < 1 or amount > remaining:
            raise _invalid(
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})",
                param="amount",
            )
        refund_id = _id("re_")
        refund = {
            "id": refund_id,
            "object": "refund",
            "amount": amount,
            "balance_transaction": _id("txn_"),
            "charge": charge["id"],
            "created": int(time.time()),
            "currency": charge["currency"],
            "destination_details": {
                "card": {"reference_status": "pending", "type": "refund"},
                "type": "card",
            },
            "failure_reason": None,
            "metadata": dict(params.get("metadata") or {}),
            "payment_intent": charge["payment_intent"],
            "reason": params.get("reason"),
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": "succeeded",
            "transfer_reversal": None,
        }
        self.refunds[refund_id] = refund
        self._owner[refund_id] = account
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        charge["refunds"]["data"].insert(0, copy.deepcopy(refund))
        charge["refunds"]["total_count"] += 1
        self._emit("refund.created", refund, account=account)
        self._emit("charge.refunded", charge, account=account)
        return copy.deepcopy(refund)

    # accounts
    def _new_account(self, params: Mapping[str, Any]) -> dict[str, Any]:
        kind = str(params.get("type") or "")
        if kind not in ("express", "standard", "custom") and not params.get("controller"):
            raise _invalid("Missing required param: type.", param="type", code="parameter_missing")
        country = str(params.get("country") or "US").upper()
        requested = params.get("capabilities") or {}
        due = ["business_type", "external_account", "tos_acceptance.date", "tos_acceptance.ip"]
        account_id = _id("acct_", 16)
        account: dict[str, Any] = {
            "id": account_id,
            "object": "account",
            "business_profile": {
                "mcc": None,
                "name": None,
                "product_description": None,
                "support_email": None,
                "url": None,
            },
            "business_type": None,
            "capabilities": {
                name: "inactive"
                for name, value in requested.items()
                if _truthy((value or {}).get("requested"))
            },
            "charges_enabled": False,
            "controller": {
                "fees": {"payer": "application"},
                "is_controller": True,
                "losses": {"payments": "application"},
                "requirement_collection": "stripe",
                "stripe_dashboard": {"type": "express"},
                "type": "application",
            },
            "country": country,
            "created": int(time.time()),
            "default_currency": COUNTRY_CURRENCY.get(country, "eur"),
            "details_submitted": False,
            "email": params.get("email"),
            "external_accounts": {
                "object": "list",
                "data": [],
                "has_more": False,
                "total_count": 0,
                "url": f"/v1/accounts/{account_id}/external_accounts",
            },
            "future_requirements": {
                "alternatives": [],
                "current_deadline": None,
                "currently_due": [],
                "disabled_reason": None,
                "errors": [],
                "eventually_due": [],
                "past_due": [],
                "pending_verification": [],
            },
            "metadata": dict(params.get("metadata") or {}),
            "payouts_enabled": False,
            "requirements": {
                "alternatives": [],
                "current_deadline": None,
                "currently_due": list(due),
                "disabled_reason": "requirements.past_due",
                "errors": [],
                "eventually_due": list(due),
                "past_due": list(due),
                "pending_verification": [],
            },
            "settings": {"payouts": {"schedule": {"delay_days": 7, "interval": "daily"}}},
            "tos_acceptance": {"date": None},
            "type": kind or "express",
        }
        self.accounts[account_id] = account
        self._owner[account_id] = ""
        return account

    def _link_create(self, params: dict[str, Any]) -> dict[str, Any]:
        for name in ("account", "type"):
            if not params.get(name):
                raise _missing(name)
        if params["type"] not in ("account_onboarding", "account_update"):
            raise _invalid(f"Invalid type: {params['type']}", param="type")
        if params["account"] not in self.accounts:
            raise _invalid(
                f"No such account: '{params['account']}'",
                param="account",
                code="resource_missing",
                status=404,
            )
        token = _id("", 20)
        created = int(time.time())
        self.links[token] = {
            "account": params["account"],
            "refresh_url": str(params.get("refresh_url") or ""),
            "return_url": str(params.get("return_url") or ""),
            "expires_at": created + 300,
        }
        return {
            "object": "account_link",
            "created": created,
            "expires_at": created + 300,
            "url": f"{self.base_url}/fake/onboarding/{token}",
        }


class _Handler(BaseHTTPRequestHandler):
    stripe: FakeStripe
    protocol_version = "HTTP/1.0"  # one request per connection: nothing lingers after stop()

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _cors(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Headers", "Content-Type, Authorization")
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")

    def _send(
        self, status: int, body: bytes, content_type: str, extra: Mapping[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Request-Id", _id("req_", 14))
        self._cors()
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, url: str) -> None:
        self._send(303, b"", "text/plain", {"Location": url})

    def _body_pairs(self) -> list[tuple[str, str]]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        return parse_qsl(raw, keep_blank_values=True)

    def do_OPTIONS(self) -> None:
        self._send(204, b"", "text/plain")

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        query = parse_qsl(url.query, keep_blank_values=True)
        if url.path in ("/v3", "/v3/"):
            script = JS_PATH.read_text().replace("__FAKE_STRIPE_BASE__", self.stripe.base_url)
            self._send(200, script.encode(), "application/javascript; charset=utf-8")
            return
        if url.path.startswith("/fake/"):
            self._fake_page(method, url.path, dict(query))
            return
        pairs = self._body_pairs() if method == "POST" else query
        headers = {name.lower(): value for name, value in self.headers.items()}
        status, body = self.stripe.handle(method, url.path, form_decode(pairs), headers)
        extra = {"Idempotent-Replayed": "true"} if headers.get("x-replayed") else {}
        self._send(status, json.dumps(body).encode(), "application/json", extra)

    def _fake_page(self, method: str, path: str, query: dict[str, str]) -> None:
        parts = [part for part in path.split("/") if part]
        fake = self.stripe
        if len(parts) == 3 and parts[1] == "authenticate" and parts[2] in fake.payment_intents:
            intent_id = parts[2]
            return_url = query.get("return_url", "")
            if method == "POST":
                decision = dict(self._body_pairs()).get("decision", "")
                intent = fake.authenticate(intent_id, approve=decision == "approve")
                status = {"succeeded": "succeeded", "processing": "pending"}.get(intent["status"], "failed")
                separator = "&" if "?" in return_url else "?"
                self._redirect(
                    f"{return_url}{separator}"
                    + urlencode(
                        {
                            "payment_intent": intent_id,
                            "payment_intent_client_secret": intent["client_secret"],
                            "redirect_status": status,
                        }
                    )
                )
                return
            page = (
                "<!doctype html><title>Fake 3-D Secure</title><h1>Fake 3-D Secure</h1>"
                f"<p>Payment {html.escape(intent_id)}</p>"
                '<form method="post"><button name="decision" value="approve" id="fake-3ds-approve">Complete</button> '
                '<button name="decision" value="fail" id="fake-3ds-fail">Fail</button></form>'
            )
            self._send(200, page.encode(), "text/html; charset=utf-8")
            return
        if len(parts) == 3 and parts[1] == "onboarding" and parts[2] in fake.links:
            link = fake.links[parts[2]]
            if method == "POST":
                fake.account_complete(link["account"])
                self._redirect(link["return_url"])
                return
            page = (
                "<!doctype html><title>Fake Stripe onboarding</title><h1>Fake Stripe onboarding</h1>"
                f"<p>Account {html.escape(link['account'])}</p>"
                '<form method="post"><button id="fake-onboarding-complete">Complete onboarding</button></form>'
                f'<p><a href="{html.escape(link["refresh_url"])}">Start again</a></p>'
            )
            self._send(200, page.encode(), "text/html; charset=utf-8")
            return
        self._send(404, b"not found", "text/plain")


@contextmanager
def running_fake_stripe(**kwargs: Any) -> Iterator[FakeStripe]:
    fake = FakeStripe(**kwargs).start()
    try:
        yield fake
    finally:
        fake.stop()


def main() -> None:  # pragma: no cover - a developer's tool
    parser = argparse.ArgumentParser(description="Run the fake Stripe server for local development.")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--webhook-url", default="", help="deliver events here, signed")
    parser.add_argument("--webhook-host", default="", help="Host header of deliveries")
    args = parser.parse_args()
    fake = FakeStripe(webhook_url=args.webhook_url, webhook_host=args.webhook_host).start(port=args.port)
    print("Fake Stripe listening. Settings:")
    for name, value in fake.settings_overrides().items():
        print(f"  {name}={value}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
