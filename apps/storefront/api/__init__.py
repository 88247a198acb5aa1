"""The storefront API (`/api/v1/storefront/...`): what a headless shop needs, read and written
through the same selectors and services as the server-rendered storefront.

- Catalog (anyone): the store's public profile, active products with their price span, images
  and stock, one product with its options and variants, collections, and search with facets
  (the storefront's own listing: typo-tolerant search, option/price/stock filters, sorts).
- Carts (anyone holding the token): `POST carts` opens one and answers its token; the token is
  the credential of a guest's cart, so it is unguessable (a UUID4) and means nothing on another
  store (each store's carts live in its own schema). A signed-in shopper's cart is theirs alone:
  its token answers 404 to anyone else.
- Checkout and payment (the checkout token, likewise): contact, addresses and shipping method,
  then `POST checkouts/<token>/pay` places the order through `apps.orders.placement.order_place`
  (the dummy gateway locally), honouring `Idempotency-Key`.
- The shopper's account (`api_shopper`): profile and own orders. Shoppers sign in with the
  storefront's session cookie (CSRF applies) or a short-lived token from `POST auth/token`
  (`Authorization: Bearer st_...`, `apps.storefront.api.authentication`).

Bad input is a 400 naming the field; a token or order that is not the caller's is a 404, the
same as one that never existed.
"""
