"""Helpers shared by the checkout set-up pages: showing a service's refusal on its form, the
delete-confirmation page, and the store's time zone for date fields."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.stores.selectors import store_settings_get

PAGE_SIZE = 50


def show_error(form: forms.Form, error: ApplicationError, *, aliases: dict[str, str] | None = None) -> None:
    """Put a service's refusal next to the field it names (or above the form)."""
    field = (aliases or {}).get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, error.message)


def or_404(found: Any, message: str) -> Any:
    if found is None:
        raise Http404(message)
    return found


def render_confirm(
    request: HttpRequest,
    *,
    heading: str,
    consequences: list[str],
    cancel_url: str,
    confirm_label: str,
    error: str | None = None,
    undoable: bool = False,
) -> HttpResponse:
    context = {
        "heading": heading,
        "consequences": consequences,
        "cancel_url": cancel_url,
        "confirm_label": confirm_label,
        "error": error,
        "undoable": undoable,
    }
    return render(request, "checkout/dashboard/confirm.html", context, status=400 if error else 200)


def store_timezone_name() -> str:
    return store_settings_get().timezone or "UTC"


@contextmanager
def store_timezone() -> Iterator[str]:
    """Date fields are typed and shown in the store's time zone, not the server's."""
    name = store_timezone_name()
    try:
        zone = zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        name, zone = "UTC", zoneinfo.ZoneInfo("UTC")
    with timezone.override(zone):
        yield name
