"""Test doubles of the payment providers (a fake Stripe server) and their pytest fixtures."""
