"""The checkout's admin REST endpoints: discounts (`/api/v1/discounts...`) and gift cards
(`/api/v1/gift-cards...`), written through the same services as the dashboard's pages
(`apps.checkout.admin_services`, `apps.checkout.services`). Conventions in `apps.api`.

A gift card's code spends its balance, so it is answered in full once, by the request that
issues the card (as the dashboard shows it once); afterwards only its last four characters are.
"""
