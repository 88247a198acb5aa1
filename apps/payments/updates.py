"""Payment updates that arrive after the call that started a payment (Stripe webhooks, the dummy
authentication page, a Stripe return) are normalised into a `PaymentUpdate` and handed to the
handlers registered here. Orders registers its handler in `OrdersConfig.ready()`, so payments
never imports orders.

`payment_update_dispatch` runs in the store's schema and inside the caller's transaction: a
handler that raises rolls the whole change back (the webhook is then answered with a 500 and
Stripe delivers it again). Handlers must be idempotent and monotonic (`occurred_at`): the same
update may come twice, and updates of one payment may come in any order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from apps.core.tenancy import require_store
from apps.payments.gateways.base import PaymentUpdate

PaymentUpdateHandler = Callable[[PaymentUpdate], None]

logger = logging.getLogger(__name__)

_handlers: dict[str, PaymentUpdateHandler] = {}


def _handler_name(handler: PaymentUpdateHandler) -> str:
    return f"{handler.__module__}.{getattr(handler, '__qualname__', repr(handler))}"


def payment_update_handler_register(handler: PaymentUpdateHandler) -> None:
    """Call `handler` with every payment update of every store. Idempotent (keyed by the
    handler's dotted name, so a reloaded module replaces its old handler)."""
    _handlers[_handler_name(handler)] = handler


def payment_update_handlers() -> list[PaymentUpdateHandler]:
    return list(_handlers.values())


def payment_update_dispatch(update: PaymentUpdate) -> None:
    """Hand `update` to every registered handler, in registration order, in the current store's
    schema. A handler's exception propagates to the caller (nothing is swallowed here)."""
    schema = require_store()
    if not _handlers:
        logger.warning(
            "payment update %s for %s has no handler",
            update.status,
            update.external_id,
            extra={"schema": schema},
        )
    for handler in list(_handlers.values()):
        handler(update)
