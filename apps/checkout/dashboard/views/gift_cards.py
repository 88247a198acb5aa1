"""Gift cards: the list and a card with its ledger (`orders.view`); issuing, adjusting the
balance and disabling (`gift_cards.manage`).

A card's code is shown in full once, on the page that follows its issue (kept in the session,
server side, until then); afterwards only its last four characters are, like a payment card's.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from apps.checkout import admin_selectors as selectors
from apps.checkout import services
from apps.checkout.admin_services import gift_card_disable
from apps.checkout.dashboard.forms import GiftCardAdjustForm, GiftCardFilterForm, GiftCardIssueForm
from apps.checkout.dashboard.views.common import PAGE_SIZE, or_404, render_confirm, show_error, store_timezone
from apps.checkout.models import GiftCard
from apps.core.errors import ApplicationError
from apps.core.permissions import Perm, permission_required
from apps.stores.selectors import store_currency_get

LIST_URL = "dashboard:checkout:gift_card_list"
REVEAL_SESSION_KEY = "checkout:gift_card_reveal"


def _gift_card_or_404(gift_card_id: int) -> GiftCard:
    return or_404(selectors.gift_card_get(gift_card_id=gift_card_id), _("No such gift card."))  # type: ignore[no-any-return]


@never_cache
@permission_required(Perm.ORDERS_VIEW)
@require_GET
def gift_card_list(request: HttpRequest) -> HttpResponse:
    filters = GiftCardFilterForm(request.GET or None)
    filters.is_valid()
    query = (filters.cleaned_data.get("q") or "") if filters.is_bound else ""
    status = (filters.cleaned_data.get("status") or "") if filters.is_bound else ""
    page = Paginator(selectors.gift_card_list(query=query, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    with store_timezone():
        context = {"page": page, "filters": filters, "filtered": bool(query or status)}
        return render(request, "checkout/dashboard/gift_card_list.html", context)


@never_cache
@permission_required(Perm.GIFT_CARDS_MANAGE)
@require_http_methods(["GET", "POST"])
def gift_card_issue_view(request: HttpRequest) -> HttpResponse:
    currency = store_currency_get()
    with store_timezone() as zone_name:
        form = GiftCardIssueForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                card = services.gift_card_issue(
                    amount=data["amount"],
                    currency=currency,
                    code=data["code"],
                    expires_at=data["expires_at"],
                    issued_to_email=data["issued_to_email"],
                    note=data["note"],
                    actor=request.user,
                )
            except ApplicationError as error:
                show_error(form, error, aliases={"initial_balance": "amount", "balance": "amount"})
            else:
                request.session[REVEAL_SESSION_KEY] = {"id": card.pk, "code": card.code}
                messages.success(request, _("Gift card issued."))
                return redirect("dashboard:checkout:gift_card_detail", gift_card_id=card.pk)
        context = {"form": form, "currency": currency, "timezone_name": zone_name}
        return render(request, "checkout/dashboard/gift_card_issue.html", context)


@never_cache
@permission_required(Perm.ORDERS_VIEW)
@require_GET
def gift_card_detail(request: HttpRequest, gift_card_id: int) -> HttpResponse:
    card = _gift_card_or_404(gift_card_id)
    reveal = request.session.get(REVEAL_SESSION_KEY)
    full_code = None
    if isinstance(reveal, dict) and reveal.get("id") == card.pk:
        full_code = reveal.get("code")
        del request.session[REVEAL_SESSION_KEY]
    page = Paginator(selectors.gift_card_transactions(gift_card=card), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    with store_timezone() as zone_name:
        context = {"card": card, "page": page, "full_code": full_code, "timezone_name": zone_name}
        return render(request, "checkout/dashboard/gift_card_detail.html", context)


@never_cache
@permission_required(Perm.GIFT_CARDS_MANAGE)
@require_http_methods(["GET", "POST"])
def gift_card_adjust_view(request: HttpRequest, gift_card_id: int) -> HttpResponse:
    card = _gift_card_or_404(gift_card_id)
    form = GiftCardAdjustForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.gift_card_adjust(
                gift_card=card,
                amount=form.cleaned_data["amount"],
                note=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ApplicationError as error:
            show_error(form, error, aliases={"note": "reason", "balance": "amount"})
        else:
            messages.success(request, _("The balance was adjusted."))
            return redirect("dashboard:checkout:gift_card_detail", gift_card_id=card.pk)
    return render(request, "checkout/dashboard/gift_card_adjust.html", {"card": card, "form": form})


@never_cache
@permission_required(Perm.GIFT_CARDS_MANAGE)
@require_http_methods(["GET", "POST"])
def gift_card_disable_view(request: HttpRequest, gift_card_id: int) -> HttpResponse:
    card = _gift_card_or_404(gift_card_id)
    detail_url = reverse("dashboard:checkout:gift_card_detail", kwargs={"gift_card_id": card.pk})
    if request.method == "POST":
        gift_card_disable(gift_card=card)
        messages.success(request, _("Gift card …%(last4)s disabled.") % {"last4": card.code[-4:]})
        return redirect(detail_url)
    return render_confirm(
        request,
        heading=_("Disable gift card …%(last4)s?") % {"last4": card.code[-4:]},
        consequences=[
            _("It can no longer pay for anything, including orders being checked out with it now."),
            _("Its balance and history are kept."),
        ],
        cancel_url=detail_url,
        confirm_label=_("Disable gift card"),
    )
