"""The vocabularies of outbound webhooks: where a delivery stands, why an endpoint was switched
off, what set an attempt off, the error codes, and the event types a merchant can subscribe to."""

from __future__ import annotations

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

StrOrPromise = str | Promise


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RETRYING = "retrying", _("Failed, retrying")
    SUCCEEDED = "succeeded", _("Succeeded")
    DEAD = "dead", _("Dead (gave up)")


# A delivery in one of these is still on its automatic schedule.
SCHEDULED = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


class DisabledReason(models.TextChoices):
    MANUAL = "manual", _("Disabled by a team member")
    GONE = "gone", _("The endpoint answered 410 Gone")
    FAILING = "failing", _("Every delivery failed for three days")


class AttemptTrigger(models.TextChoices):
    AUTOMATIC = "automatic", _("Automatic")
    MANUAL = "manual", _("Resent by a team member")


class AttemptOutcome(models.TextChoices):
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class IntegrationErrorCode(models.TextChoices):
    INTEGRATION_ERROR = "integration_error", _("Integration error")
    URL_INVALID = "url_invalid", _("Invalid address")
    URL_NOT_HTTPS = "url_not_https", _("Address must use https")
    URL_NOT_PUBLIC = "url_not_public", _("Private or local address")
    URL_UNRESOLVABLE = "url_unresolvable", _("Host not found")
    EVENT_TYPE_UNKNOWN = "event_type_unknown", _("Unknown event type")
    DESCRIPTION_TOO_LONG = "description_too_long", _("Description too long")
    ENDPOINT_DISABLED = "endpoint_disabled", _("Endpoint disabled")
    TOO_MANY_ENDPOINTS = "too_many_endpoints", _("Too many endpoints")


# The events a merchant can subscribe an endpoint to, as the services emit them. An endpoint
# subscribed to none receives every event of the store (including ones added later).
WEBHOOK_EVENT_TYPES: tuple[tuple[str, StrOrPromise], ...] = (
    ("product.created", _("Product created")),
    ("product.updated", _("Product updated")),
    ("product.deleted", _("Product deleted")),
    ("category.created", _("Category created")),
    ("category.updated", _("Category updated")),
    ("category.deleted", _("Category deleted")),
    ("collection.created", _("Collection created")),
    ("collection.updated", _("Collection updated")),
    ("collection.deleted", _("Collection deleted")),
    ("inventory.low", _("Stock low")),
    ("customer.created", _("Customer created")),
    ("customer.updated", _("Customer updated")),
    ("checkout.started", _("Checkout started")),
    ("cart.abandoned", _("Cart abandoned")),
    ("order.created", _("Order created")),
    ("order.paid", _("Order paid")),
    ("order.cancelled", _("Order cancelled")),
    ("order.fulfilled", _("Order shipped")),
    ("order.delivered", _("Order delivered")),
    ("order.refunded", _("Order refunded")),
    ("return.requested", _("Return requested")),
    ("return.approved", _("Return approved")),
    ("return.refused", _("Return refused")),
    ("review.submitted", _("Review submitted")),
    ("review.published", _("Review published")),
    ("discount.created", _("Discount created")),
    ("discount.updated", _("Discount updated")),
    ("discount.deleted", _("Discount deleted")),
    ("gift_card.issued", _("Gift card issued")),
)
WEBHOOK_EVENT_NAMES = frozenset(name for name, _label in WEBHOOK_EVENT_TYPES)
