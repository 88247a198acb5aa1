"""Purchasing's admin REST endpoints: supplier purchase orders (`/api/v1/purchase-orders...`),
read, and approved, retried, cancelled or marked placed through `apps.purchasing.services` as
the dashboard's buttons are. A purchase order is addressed by its reference (`PO-12`), the id the
supplier sees too. Conventions in `apps.api`."""
