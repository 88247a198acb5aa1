"""The REST API at `/api/v1/` on every store domain: its conventions, keys and plumbing.

Every store's API lives in its own schema, so a key is looked up in the schema the Host header
routed to: a key of store A sent to store B's host is simply unknown there (401).

Conventions (seed 000), applied by `apps.api.conventions` to every endpoint:

- Responses are an envelope: `{"data": ..., "error": null}` or
  `{"data": null, "error": {"code": "...", "message": "...", "fields": {"name": ["..."]}}}`.
  Codes are stable (`apps.api.errors.ApiErrorCode`); `fields` only on validation errors.
- Lists take `page` and `per_page` (default 20, at most 100) and answer
  `{"data": [...], "error": null, "meta": {"total": N, "page": 1, "per_page": 20, "pages": P}}`;
  a page past the end is an empty list. Unknown query parameters are refused (400), so a typo in
  a filter never silently returns everything.
- Filtering with django-filter (`filterset_class` / `filterset_fields`) and `ordering`
  (`ordering_fields`); request bodies are JSON only, at most `API_MAX_BODY_BYTES`, and unknown
  fields in a body are refused (serializers derive from `apps.api.serializers.StrictSerializer`
  or `StrictModelSerializer`).
- `Idempotency-Key` on POSTs that create orders, refunds, fulfilments or gift cards
  (`apps.api.idempotency.idempotent`): a replay returns the stored response; the same key with a
  different body is refused with 422 `idempotency_key_reused`.

Access (see ARCHITECTURE "Permissions"): every API view subclasses one of the base views in
`apps.api.views` and declares exactly one of

- `api_resource = "products"` (admin API): a Bearer API key (`apps.api.models.ApiKey`) whose
  scopes include `products:read` for safe methods or `products:write` for the others, created by a
  member whose role still holds the resource's permission (`apps.api.scopes.RESOURCES` maps each
  resource onto the role -> permission map);
- `api_shopper = True` (storefront API, a signed-in shopper: session or shopper token);
- `api_public_reason = "..."` (storefront API anyone may call, with the reason).

The declaration also sets `view_permission`, so the URLconf walk in tests/test_permissions.py
checks API views like dashboard pages. Requests are throttled per key, shopper or address by the
merchant's plan (`api_requests_per_minute`) over a sliding minute counted in Redis, answered 429
with `Retry-After`.
Each app's endpoints live in `apps/<app>/api/` (views, serializers, urls) and are listed in
`apps.api.urls.API_URLCONFS`.
"""
