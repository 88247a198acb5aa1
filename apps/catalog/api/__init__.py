"""The catalog's admin REST endpoints (`/api/v1/products...`); conventions in `apps.api`."""
