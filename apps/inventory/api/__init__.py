"""The inventory's admin REST endpoints (`/api/v1/inventory/...`); conventions in `apps.api`."""
