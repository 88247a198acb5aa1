"""The refunds' admin REST endpoints (`/api/v1/orders/<id>/refunds`): an order's refunds and
giving a refund through the same service as the dashboard's refund page. Conventions in `apps.api`."""
