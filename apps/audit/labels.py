"""Names the audit log's page shows for the fields it follows.

A field declared with `verbose_name=_("...")` is translated by its model. One declared without is
named by Django from the attribute ("created_by" -> "created by"), in English only: those names
are marked here so the catalogs hold them and the page translates them. A test keeps this list
complete (apps/audit/tests/test_page.py), so a field followed later without a name fails it.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

AUTO_FIELD_NAMES = frozenset(
    {
        gettext_noop("actor"),
        gettext_noop("created at"),
        gettext_noop("created by"),
        gettext_noop("depth"),
        gettext_noop("domain"),
        gettext_noop("is primary"),
        gettext_noop("kind"),
        gettext_noop("on hand after"),
        gettext_noop("on hand delta"),
        gettext_noop("path"),
        gettext_noop("position"),
        gettext_noop("prefix"),
        gettext_noop("product"),
        gettext_noop("reserved after"),
        gettext_noop("reserved delta"),
        gettext_noop("revoked at"),
        gettext_noop("revoked by"),
        gettext_noop("scopes"),
        gettext_noop("secret hash"),
        gettext_noop("stock"),
        gettext_noop("sync error"),
        gettext_noop("sync status"),
        gettext_noop("synced at"),
        gettext_noop("tenant"),
        gettext_noop("uuid"),
        gettext_noop("zone"),
    }
)
