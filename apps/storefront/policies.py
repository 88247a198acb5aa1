"""The store's policy pages (/pages/<kind>/): which kinds exist, where each one's text lives in
the store settings, and whether a text says anything at all."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.stores.models import StoreSettings


@dataclass(frozen=True)
class PolicyKind:
    slug: str  # the URL's <kind>
    field: str  # the StoreSettings field holding the sanitised HTML
    title: str | Promise


POLICY_KINDS: tuple[PolicyKind, ...] = (
    PolicyKind("refund", "refund_policy", _("Refund policy")),
    PolicyKind("shipping", "shipping_policy", _("Shipping policy")),
    PolicyKind("privacy", "privacy_policy", _("Privacy policy")),
    PolicyKind("terms", "terms_of_service", _("Terms of service")),
)
POLICY_BY_SLUG = {kind.slug: kind for kind in POLICY_KINDS}

# A character that is neither markup nor white space, outside every tag: "<p> </p>" or
# "<p><br></p>" (what an emptied editor leaves) say nothing and count as no policy.
_VISIBLE_TEXT = re.compile(r"(?:^|>)[^<]*?[^\s<]")
_NO_BREAK_SPACE = re.compile(r"&(?:nbsp|#160|#xa0);", re.IGNORECASE)


def policy_has_text(html: str) -> bool:
    return bool(html) and _VISIBLE_TEXT.search(_NO_BREAK_SPACE.sub(" ", html)) is not None


def policies_published(settings_row: StoreSettings) -> list[PolicyKind]:
    """The kinds whose text the store has written, in footer order."""
    return [kind for kind in POLICY_KINDS if policy_has_text(getattr(settings_row, kind.field, ""))]
