"""Purchasing's tests use sourcing's fixtures: the fake dropshipping supplier (`fake`, whose "ds"
API also takes orders and serves tracking), `in_alpha` and `role_client`."""

from apps.sourcing.tests.conftest import fake, in_alpha, role_client

__all__ = ["fake", "in_alpha", "role_client"]
