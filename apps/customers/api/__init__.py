"""The customers' admin REST endpoints (`/api/v1/customers...`): the customer list with search
and filters, one customer with their order counters, staff edits. Conventions in `apps.api`."""
