"""A notification in words, in the reader's language, built when it is shown from its kind and
parameters (stored as data, so a notification raised in English reads in German to a German
reader), and the URL of the page it links to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from apps.inbox.models import Notification, NotificationKind


class _Params(dict[str, Any]):
    """Parameters for `%` formatting: a key an older notification lacks reads as ""."""

    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True)
class NotificationText:
    title: str
    message: str


def _import_message(p: _Params) -> str:
    from apps.catalog.errors import error_message
    from apps.catalog.models import ImportRun

    status = p.get("status")
    if status == ImportRun.Status.FAILED:
        reason = (
            error_message(p["failure_code"], p.get("failure_params") or {}) if p.get("failure_code") else ""
        )
        return _("The import failed: %(reason)s") % {"reason": reason or _("no reason given")}
    if status == ImportRun.Status.PARTIAL:
        return _("%(created)s created, %(updated)s updated; %(errors)s problems, some rows skipped.") % {
            "created": p["created_count"],
            "updated": p["updated_count"],
            "errors": p["error_count"],
        }
    return _("%(created)s created, %(updated)s updated.") % {
        "created": p["created_count"],
        "updated": p["updated_count"],
    }


def _import_title(p: _Params) -> str:
    from apps.catalog.models import ImportRun

    kind = p.get("kind")
    label = ImportRun.Kind(kind).label if kind in ImportRun.Kind.values else _("Import")
    if p.get("source_name"):
        return _("%(kind)s import of “%(source)s” finished") % {"kind": label, "source": p["source_name"]}
    return _("%(kind)s import finished") % {"kind": label}


def _webhook_reason(reason: str) -> str:
    from apps.integrations.enums import DisabledReason

    return str(DisabledReason(reason).label) if reason in DisabledReason.values else reason


def notification_text(notification: Notification) -> NotificationText:
    """The notification's title and message in the active language."""
    p = _Params(notification.params or {})
    kind = notification.kind
    K = NotificationKind
    if kind == K.ORDER_PAID:
        return NotificationText(
            title=_("New order #%(number)s") % p,
            message=_("%(total)s %(currency)s paid.") % p,
        )
    if kind == K.LOW_STOCK:
        return NotificationText(
            title=_("Low stock: %(sku)s") % p,
            message=_("%(available)s available at %(location)s (alert at %(threshold)s).") % p,
        )
    if kind == K.FRAUD_REVIEW:
        return NotificationText(
            title=_("Order #%(number)s held for fraud review") % p,
            message=_("Risk score %(score)s: release or cancel it.") % p,
        )
    if kind == K.WEBHOOK_FAILED:
        return NotificationText(
            title=_("Webhook endpoint switched off"),
            message=_("%(endpoint)s: %(reason)s.") % {**p, "reason": _webhook_reason(p["reason"])},
        )
    if kind == K.IMPORT_FINISHED:
        return NotificationText(title=_import_title(p), message=_import_message(p))
    return NotificationText(title=str(kind), message="")


def notification_target(notification: Notification) -> str:
    """The URL of the page the notification links to, or "" when there is none (any more)."""
    if not notification.link_name:
        return ""
    try:
        return reverse(notification.link_name, args=list(notification.link_args or []))
    except NoReverseMatch:
        return ""
