"""The storefront API's views, one module per part: catalog, carts, checkout, account."""
