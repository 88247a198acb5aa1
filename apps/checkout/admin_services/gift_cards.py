"""Disabling a gift card (issuing and adjusting one are `apps.checkout.services`', which write
its ledger)."""

from __future__ import annotations

from django.db import transaction

from apps.checkout.models import (
    GiftCard,
)


# ------------------------------------------------------------------------------
# Gift cards
# ------------------------------------------------------------------------------
@transaction.atomic
def gift_card_disable(*, gift_card: GiftCard) -> GiftCard:
    """Stop a gift card from paying for anything; its balance and ledger stay as they are.
    A card already applied to an open checkout is refused when that order is placed."""
    GiftCard.objects.filter(pk=gift_card.pk).update(active=False)
    gift_card.active = False
    return gift_card
