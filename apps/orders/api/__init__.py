"""The orders' admin REST endpoints (`/api/v1/orders...`): list, detail, draft orders made
through the API, cancelling. Conventions (envelope, scopes, idempotency) in `apps.api`."""
