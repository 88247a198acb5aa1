"""Sourcing's admin REST endpoints: suppliers (`/api/v1/suppliers...`), written through
`apps.sourcing.services.supplier_save` as the dashboard's supplier form is. Conventions in
`apps.api`.

A supplier's API credentials are write-only: the app key, app secret and access token are never
answered (only whether each is set), and the API base URL is answered only to a key whose
creator holds `sourcing.credentials`, the permission that setting any of them takes.
"""
