"""The shipments' admin REST endpoints (`/api/v1/orders/<id>/fulfilments...`): an order's
shipments, shipping some of its units, marking a shipment delivered. Conventions in `apps.api`."""
