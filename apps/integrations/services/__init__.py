"""Writes of outbound webhooks: endpoints and their secrets (`endpoints`), deliveries, sending,
retries and retention (`deliveries`). The public names are re-exported here."""

from apps.integrations.services.deliveries import (
    MAX_ATTEMPTS,
    RETRY_SCHEDULE,
    body_render,
    deliveries_purge,
    deliveries_queue_due,
    delivery_attempt,
    delivery_resend,
    message_id_for,
    retry_after_parse,
    retry_delay,
    webhooks_fan_out,
)
from apps.integrations.services.endpoints import (
    SECRET_ROTATION_GRACE,
    endpoint_create,
    endpoint_delete,
    endpoint_disable,
    endpoint_enable,
    endpoint_secrets_valid,
    endpoint_update,
    secret_rotate,
)

__all__ = [
    "MAX_ATTEMPTS",
    "RETRY_SCHEDULE",
    "SECRET_ROTATION_GRACE",
    "body_render",
    "deliveries_purge",
    "deliveries_queue_due",
    "delivery_attempt",
    "delivery_resend",
    "endpoint_create",
    "endpoint_delete",
    "endpoint_disable",
    "endpoint_enable",
    "endpoint_secrets_valid",
    "endpoint_update",
    "message_id_for",
    "retry_after_parse",
    "retry_delay",
    "secret_rotate",
    "webhooks_fan_out",
]
