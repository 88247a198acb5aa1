"""The shopper's checkout: from the cart through contact, shipping address and shipping method
to "payment and review" (`views.checkout_payment`, which places the order and comes back from a
payment step that happens elsewhere: the dummy gateway's authentication page, Stripe's Payment
Element). This module holds the steps before paying and what every checkout page shares: who
may open a checkout, the steps' navigation, and the headers.

Every page is a plain server-rendered form that works without JavaScript;
static/js/storefront-checkout.js only hides what does not apply (the other payment methods'
fields, the billing address when it is the shipping one), mounts Stripe's Payment Element and
disables a submit button once pressed.

Who may open a checkout: the session that started it (its token is remembered in the session)
or the signed-in shopper it belongs to. Any other request gets a 404, the same as a token that
never existed, and another store's token is unknown in this store's schema. The confirmation
page (`views.orders`) is shown to the session that placed the order or its signed-in owner.

Checkout pages are never cached, say `noindex`, and carry a Content-Security-Policy that allows
scripts from this site only, plus Stripe.js (`settings.STRIPE_JS_URL`) on the card page.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.models import User
from apps.checkout import services as checkout_services
from apps.checkout.errors import CheckoutError, CheckoutErrorCode, CheckoutInputInvalid
from apps.checkout.models import Cart, Checkout
from apps.checkout.selectors import (
    CheckoutLine,
    CheckoutReview,
    checkout_get,
    checkout_review,
)
from apps.checkout.sessions import request_cart
from apps.core.permissions import no_permission_required
from apps.customers import selectors as customer_selectors
from apps.customers.services import AddressInput
from apps.storefront.views.checkout_forms import (
    BillingChoiceForm,
    CheckoutAddressForm,
    ContactForm,
    address_input,
)
from apps.stores.selectors import store_settings_get

WHY = (
    "a shopper's checkout: only the session that started it or the signed-in shopper it belongs "
    "to may open it; any other request gets 404"
)
SESSION_CHECKOUTS = "storefront:checkouts"  # tokens of the checkouts this session started
SESSION_ORDERS = "storefront:orders"  # uuids of the orders this session placed or paid
REMEMBERED_MAX = 20
TEMPLATES = "storefront/checkout/"

STEPS: tuple[tuple[str, Any], ...] = (
    ("contact", gettext_lazy("Contact")),
    ("address", gettext_lazy("Address")),
    ("shipping", gettext_lazy("Shipping")),
    ("payment", gettext_lazy("Payment")),
)
STEP_KEYS = tuple(key for key, _label in STEPS)


# ------------------------------------------------------------------------------
# the session's checkouts and orders
# ------------------------------------------------------------------------------
def request_shopper(request: HttpRequest) -> User | None:
    user = getattr(request, "user", None)
    return user if isinstance(user, User) and user.is_authenticated else None


def remember(request: HttpRequest, key: str, value: object) -> None:
    """Keep `value` in the session's list `key` (the latest REMEMBERED_MAX)."""
    text = str(value)
    values = [v for v in request.session.get(key, []) if isinstance(v, str) and v != text]
    request.session[key] = [*values[-(REMEMBERED_MAX - 1) :], text]


def remembered(request: HttpRequest, key: str, value: object) -> bool:
    values = request.session.get(key, [])
    return isinstance(values, list) and str(value) in values


def _owns_checkout(request: HttpRequest, checkout: Checkout) -> bool:
    user = request_shopper(request)
    if user is not None and checkout.user_id == user.pk:
        return True
    # A guest's checkout, in the session that started it (a checkout that became another
    # account's is that account's alone).
    return remembered(request, SESSION_CHECKOUTS, checkout.token) and (
        checkout.user_id is None or (user is not None and checkout.user_id == user.pk)
    )


def checkout_for_request(request: HttpRequest, token: uuid.UUID) -> Checkout:
    """The checkout `token` names if this request may open it; 404 otherwise."""
    checkout = checkout_get(token=token)
    if checkout is None or not _owns_checkout(request, checkout):
        raise Http404(_("This checkout does not exist."))
    return checkout


# ------------------------------------------------------------------------------
# responses: headers every checkout page carries
# ------------------------------------------------------------------------------
def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy(*, stripe: bool = False) -> str:
    """Scripts, frames and connections from this site only; on the card page also Stripe.js
    (and, for the real Stripe, the origins Stripe's documentation lists for the Payment
    Element)."""
    script, frame, connect = ["'self'"], ["'none'"], ["'self'"]
    if stripe:
        js_origin, api_origin = _origin(settings.STRIPE_JS_URL), _origin(settings.STRIPE_API_BASE)
        script.append(js_origin)
        frame = [js_origin]
        connect += [js_origin, api_origin]
        if urlsplit(settings.STRIPE_JS_URL).hostname == "js.stripe.com":
            script.append("https://*.js.stripe.com")
            frame += ["https://*.js.stripe.com", "https://hooks.stripe.com"]
    directives = {
        "default-src": ["'self'"],
        "script-src": script,
        "style-src": ["'self'", "'unsafe-inline'"],  # the theme's tokens are an inline <style>
        "img-src": ["'self'", "data:", "https:"],
        "font-src": ["'self'"],
        "connect-src": sorted(set(connect), key=connect.index),
        "frame-src": frame,
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def secure(response: HttpResponse, *, stripe: bool = False) -> HttpResponse:
    """A checkout or order page: not for search engines, no full URL (with its token) in the
    Referer header to other sites, and the page's Content-Security-Policy."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    response["Content-Security-Policy"] = content_security_policy(stripe=stripe)
    return response


# ------------------------------------------------------------------------------
# steps
# ------------------------------------------------------------------------------
def next_step(checkout: Checkout) -> str:
    """The first step the shopper has not done yet ("payment" when all are done)."""
    if not checkout.email:
        return "contact"
    if not checkout.shipping_address:
        return "address"
    if checkout.shipping_rate_id is None:
        return "shipping"
    return "payment"


def step_url(checkout: Checkout, step: str) -> str:
    return reverse(f"storefront:checkout_{step}", kwargs={"token": checkout.token})


@dataclass(frozen=True)
class StepLink:
    key: str
    label: str
    url: str  # "" when it cannot be opened yet
    current: bool
    done: bool


def _steps(checkout: Checkout, current: str) -> list[StepLink]:
    reachable = STEP_KEYS.index(next_step(checkout))
    return [
        StepLink(
            key=key,
            label=str(label),
            url=step_url(checkout, key) if index <= reachable else "",
            current=key == current,
            done=index < reachable,
        )
        for index, (key, label) in enumerate(STEPS)
    ]


def step_redirect(request: HttpRequest, checkout: Checkout, step: str) -> HttpResponse | None:
    """Where to send a request for `step` instead: the confirmation of a completed checkout,
    a fresh start when the cart moved on (merged into the account's at sign-in), or the first
    step not done yet."""
    if checkout.status == Checkout.Status.COMPLETED:
        if checkout.order_reference:
            remember(request, SESSION_ORDERS, checkout.order_reference)
            return redirect("storefront:checkout_complete", order_uuid=checkout.order_reference)
        return redirect("storefront:cart")
    if checkout.cart.status != Cart.Status.OPEN:
        return redirect("storefront:checkout")
    first_missing = next_step(checkout)
    if STEP_KEYS.index(first_missing) < STEP_KEYS.index(step):
        return redirect(step_url(checkout, first_missing))
    return None


@dataclass(frozen=True)
class SummaryLine:
    line: CheckoutLine
    subtotal: Decimal
    discount: Decimal
    total: Decimal


def _summary_lines(review: CheckoutReview) -> list[SummaryLine]:
    by_key = {line.key: line for line in review.totals.lines}
    rows = []
    for line in review.lines:
        totals = by_key.get(line.key)
        subtotal = totals.subtotal if totals is not None else line.unit_price * line.quantity
        rows.append(
            SummaryLine(
                line=line,
                subtotal=subtotal,
                discount=totals.discount if totals is not None else Decimal(0),
                total=totals.total if totals is not None else subtotal,
            )
        )
    return rows


def render_step(
    request: HttpRequest,
    checkout: Checkout,
    step: str,
    context: dict[str, Any],
    *,
    review: CheckoutReview | None = None,
    status: int = 200,
) -> HttpResponse:
    review = review or checkout_review(checkout=checkout, images=True)
    context.update(
        checkout=checkout,
        review=review,
        totals=review.totals,
        shipping_shown=review.totals.shipping_shown,
        currency=review.currency,
        summary_lines=_summary_lines(review),
        step=step,
        steps=_steps(checkout, step),
    )
    return secure(render(request, f"{TEMPLATES}{step}.html", context, status=status))


# ------------------------------------------------------------------------------
# start
# ------------------------------------------------------------------------------
@no_permission_required(WHY)
@never_cache
@require_GET
def checkout_start(request: HttpRequest) -> HttpResponse:
    """From the cart: open (or find) the checkout of the request's cart and go to the first
    step not done yet. The sign-in page sends a shopper back here."""
    cart = request_cart(request)
    if cart is None:
        messages.info(request, _("Your cart is empty."))
        return redirect("storefront:cart")
    try:
        checkout = checkout_services.checkout_start(
            cart=cart, user=request_shopper(request), language=get_language() or ""
        )
    except CheckoutError as error:
        messages.error(request, error.message)
        return redirect("storefront:cart")
    remember(request, SESSION_CHECKOUTS, checkout.token)
    return redirect(step_url(checkout, next_step(checkout)))


# ------------------------------------------------------------------------------
# contact
# ------------------------------------------------------------------------------
@no_permission_required(WHY)
@never_cache
@require_http_methods(["GET", "POST"])
def checkout_contact(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    checkout = checkout_for_request(request, token)
    elsewhere = step_redirect(request, checkout, "contact")
    if elsewhere is not None:
        return elsewhere
    form = ContactForm(request.POST or None, initial={"email": checkout.email})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            checkout_services.checkout_contact_set(checkout=checkout, email=form.cleaned_data["email"])
        except CheckoutError as error:
            form.add_error("email" if error.field == "email" else None, error.message)
            status = 400
        else:
            return redirect(step_url(checkout, next_step(checkout)))
    sign_in = f"{reverse('account_login')}?next={reverse('storefront:checkout')}"
    return render_step(request, checkout, "contact", {"form": form, "sign_in_url": sign_in}, status=status)


# ------------------------------------------------------------------------------
# address
# ------------------------------------------------------------------------------
def _put_address_errors(error: CheckoutInputInvalid, forms: dict[str, CheckoutAddressForm]) -> None:
    form = forms["billing"] if error.field == "billing_address" else forms["shipping"]
    for problem in error.errors or [error]:
        field = problem.field if problem.field in form.fields else None
        form.add_error(field, problem.message)


def _saved_address_input(address: Any) -> AddressInput:
    return address_input(CheckoutAddressForm.initial_from(address))


@no_permission_required(WHY)
@never_cache
@require_http_methods(["GET", "POST"])
def checkout_address(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    checkout = checkout_for_request(request, token)
    elsewhere = step_redirect(request, checkout, "address")
    if elsewhere is not None:
        return elsewhere
    user = request_shopper(request)
    saved = list(customer_selectors.address_list(user=user)) if user is not None else []
    store_country = store_settings_get().country
    initial = CheckoutAddressForm.initial_from(checkout.shipping_address) or CheckoutAddressForm.initial_from(
        next(iter(saved), None)
    )
    data = request.POST if request.method == "POST" and "saved_address" not in request.POST else None
    forms = {
        "shipping": CheckoutAddressForm(
            data, prefix="shipping", section="shipping", initial=initial, default_country=store_country
        ),
        "billing": CheckoutAddressForm(
            data,
            prefix="billing",
            section="billing",
            initial=CheckoutAddressForm.initial_from(checkout.billing_address),
            default_country=store_country,
        ),
    }
    choice = BillingChoiceForm(data, initial={"billing_same": checkout.billing_same_as_shipping})
    status = 200
    if request.method == "POST":
        try:
            if "saved_address" in request.POST:
                address = (
                    customer_selectors.address_get(user=user, address_uuid=request.POST["saved_address"])
                    if user is not None
                    else None
                )
                if address is None:
                    raise Http404(_("This address does not exist."))
                forms["shipping"] = CheckoutAddressForm(
                    prefix="shipping",
                    section="shipping",
                    initial=CheckoutAddressForm.initial_from(address),
                    default_country=store_country,
                )
                checkout_services.checkout_address_set(
                    checkout=checkout, shipping_address=_saved_address_input(address)
                )
            elif all(form.is_valid() for form in (*forms.values(), choice)):
                same = bool(choice.cleaned_data["billing_same"])
                checkout_services.checkout_address_set(
                    checkout=checkout,
                    shipping_address=forms["shipping"].to_input(),
                    billing_address=None if same else forms["billing"].to_input(),
                )
            else:  # pragma: no cover - every field is optional text; the services decide
                raise CheckoutInputInvalid(_("Check the address."), errors=[])
        except CheckoutInputInvalid as error:
            _put_address_errors(error, forms)
            status = 400
        except CheckoutError as error:
            forms["shipping"].add_error(None, error.message)
            status = 400
        else:
            return redirect(step_url(checkout, next_step(checkout)))
    context = {
        "form": forms["shipping"],
        "billing_form": forms["billing"],
        "billing_choice": choice,
        "saved_addresses": [
            {"address": a, "country_name": customer_selectors.country_name(a.country)} for a in saved
        ],
    }
    return render_step(request, checkout, "address", context, status=status)


# ------------------------------------------------------------------------------
# shipping method
# ------------------------------------------------------------------------------
@no_permission_required(WHY)
@never_cache
@require_http_methods(["GET", "POST"])
def checkout_shipping(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    checkout = checkout_for_request(request, token)
    elsewhere = step_redirect(request, checkout, "shipping")
    if elsewhere is not None:
        return elsewhere
    error = ""
    status = 200
    if request.method == "POST":
        raw = request.POST.get("rate", "").strip()
        try:
            if not raw:
                raise CheckoutError(
                    _("Choose a shipping method."), code=CheckoutErrorCode.SHIPPING_METHOD_REQUIRED
                )
            try:
                rate_id = int(raw)
            except ValueError:
                rate_id = -1  # not one of the list: the service says so
            checkout_services.checkout_shipping_set(checkout=checkout, rate_id=rate_id)
        except CheckoutError as refused:
            error, status = refused.message, 400
        else:
            return redirect(step_url(checkout, "payment"))
    review = checkout_review(checkout=checkout, images=True)
    selected = review.shipping.rate_id if review.shipping is not None else None
    if selected is None and len(review.shipping_options) == 1:
        selected = review.shipping_options[0].rate_id
    context = {
        "options": review.shipping_options,
        "selected": selected,
        "error": error,
        "country_name": customer_selectors.country_name(str(checkout.shipping_address.get("country", ""))),
    }
    return render_step(request, checkout, "shipping", context, review=review, status=status)
