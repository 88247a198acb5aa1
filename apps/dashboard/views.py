"""The dashboard shell on a store's domain: home, the activity log, and the hand-off that signs
a merchant's member in. Each domain app keeps its own pages in `apps/<app>/dashboard/`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from apps.analytics.selectors import store_today
from apps.core.errors import ApplicationError
from apps.core.models import EventRecord
from apps.core.money import money_format
from apps.core.permissions import Perm, no_permission_required, permission_required, user_permissions
from apps.dashboard.charts import BarChart, bar_chart
from apps.dashboard.selectors import (
    HomeFigures,
    PeriodChoice,
    home_alerts,
    home_figures,
    home_next_steps,
    home_period,
    recent_orders,
    store_overview,
)
from apps.platform.services import handoff_redeem
from apps.stores.selectors import store_currency_get


def _money_text(currency: str) -> Callable[[Decimal | int], str]:
    locale = to_locale(get_language() or "en")
    return lambda amount: money_format(amount, currency, locale)


def _day_label(day: date) -> str:
    return date_format(day, "MONTH_DAY_FORMAT")


def _home_charts(figures: HomeFigures) -> list[BarChart]:
    """Revenue and orders per day of the period (drawn when the period has more than one day)."""
    days = figures.current.days
    if len(days) < 2:
        return []
    return [
        bar_chart(
            slug="revenue",
            title=_("Revenue per day"),
            description=_("Revenue of each day from %(start)s to %(end)s; the table below lists each day.")
            % {"start": _day_label(figures.period.start), "end": _day_label(figures.period.end)},
            points=[(_day_label(day.day), day.revenue) for day in days],
            value_text=_money_text(store_currency_get()),
        ),
        bar_chart(
            slug="orders",
            title=_("Orders per day"),
            description=_(
                "Orders paid on each day from %(start)s to %(end)s; the table below lists each day."
            )
            % {"start": _day_label(figures.period.start), "end": _day_label(figures.period.end)},
            points=[(_day_label(day.day), day.orders) for day in days],
        ),
    ]


@never_cache
@permission_required(Perm.DASHBOARD_VIEW)
def home(request: HttpRequest) -> HttpResponse:
    """The figures of the chosen period against the period before (for who may read analytics),
    the latest orders, what needs attention and a new store's next steps; each part shown only
    to roles that may open what it links to. A period the page does not offer falls back to
    the default one, saying so (like the other dashboard filters, a bad GET is not an error
    page)."""
    permissions = user_permissions(request.user)
    key = request.GET.get("period", PeriodChoice.DEFAULT)
    period_error = ""
    if key not in PeriodChoice.DAYS:
        period_error = _("That period is not offered; showing: %(period)s.") % {
            "period": PeriodChoice.LABELS[PeriodChoice.DEFAULT]
        }
        key = PeriodChoice.DEFAULT
    context: dict[str, Any] = {
        "overview": store_overview(tenant=request.tenant),  # type: ignore[attr-defined]
        "period_key": key,
        "period_choices": list(PeriodChoice.LABELS.items()),
        "period_error": period_error,
        "alerts": home_alerts(permissions=permissions),
        "next_steps": home_next_steps(),
    }
    if Perm.ANALYTICS_VIEW in permissions:
        figures = home_figures(period=home_period(key=key, today=store_today()))
        context.update(figures=figures, charts=_home_charts(figures))
    if Perm.ORDERS_VIEW in permissions:
        context["recent_orders"] = recent_orders()
    return render(request, "dashboard/home.html", context)


@never_cache
@permission_required(Perm.ACTIVITY_VIEW)
def activity(request: HttpRequest) -> HttpResponse:
    events = EventRecord.objects.prefetch_related("deliveries").order_by("-created_at")
    page = Paginator(events, 25).get_page(request.GET.get("page"))
    return render(request, "dashboard/activity.html", {"page": page})


@never_cache
@no_permission_required("the signed, single-use hand-off token is the credential")
def handoff(request: HttpRequest) -> HttpResponse:
    try:
        user = handoff_redeem(value=request.GET.get("token", ""))
    except ApplicationError as error:
        return render(request, "dashboard/handoff_failed.html", {"error": error.message}, status=400)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("dashboard:home")


def staff_required(view):  # type: ignore[no-untyped-def]
    """Transitional: the catalog, inventory and sourcing pages move to `permission_required`."""
    return permission_required(Perm.DASHBOARD_VIEW)(view)
