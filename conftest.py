"""Fixtures shared by the app tests and the cross-cutting tests live in tests/fixtures.py."""

pytest_plugins = ["tests.fixtures", "tests.browser_support"]
