"""Every admin API endpoint refuses whoever may not call it, before it looks at anything else.

Generated from the URLconf like the dashboard's matrix (tests/test_permissions.py): every route
under `api:` whose view declares `api_resource`, with each HTTP method its view answers, is
requested with placeholder ids (random UUIDs and numbers: the refusals must come before a 404 or
a body check) and must answer

- without a key: 401 `not_authenticated`;
- with a key of store beta on store alpha's host: 401 `key_invalid` (the key is unknown there);
- with a key of alpha lacking the scope: 403 `scope_missing`. For a read, the key holds every
  scope but the resource's; for a write, it holds the resource's read scope and every other one.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from apps.api.scopes import ALL_SCOPES
from apps.api.tests.factories import api_client, api_key_make

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class ApiRoute:
    name: str  # "api:catalog:product_detail"
    converters: tuple[tuple[str, str], ...]  # (kwarg, converter class name)
    view: Any

    @property
    def methods(self) -> list[str]:
        allowed = {name.lower() for name in self.view.http_method_names}
        return [method for method in METHODS if method in allowed and hasattr(self.view, method)]


def _walk(
    patterns: list[Any], namespace: str = "", converters: tuple[tuple[str, str], ...] = ()
) -> Iterator[ApiRoute]:
    for entry in patterns:
        found = tuple(
            (name, type(conv).__name__) for name, conv in getattr(entry.pattern, "converters", {}).items()
        )
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, ns, converters + found)
        elif isinstance(entry, URLPattern):
            view = getattr(entry.callback, "view_class", None)
            if namespace.startswith("api:") and entry.name and getattr(view, "api_resource", None):
                yield ApiRoute(name=f"{namespace}{entry.name}", converters=converters + found, view=view)


def api_routes() -> list[ApiRoute]:
    """Every admin API route of the store URLconf (no hard-coded list: new endpoints join by
    themselves)."""
    return sorted(_walk(get_resolver("config.urls_tenants").url_patterns), key=lambda route: route.name)


def _placeholder(converter: str) -> Any:
    if converter == "UUIDConverter":
        return uuid.uuid4()
    if converter == "IntConverter":
        return random.randint(10**8, 10**9)
    return f"placeholder-{uuid.uuid4().hex[:8]}"


def placeholder_url(route: ApiRoute) -> str:
    return reverse(route.name, kwargs={name: _placeholder(conv) for name, conv in route.converters})


def _call(client: Any, method: str, url: str) -> Any:
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, data=json.dumps({}), content_type="application/json")


def _code(response: Any) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return f"(no envelope: {response.content[:80]!r})"


def test_every_admin_endpoint_refuses_missing_foreign_and_unscoped_keys(alpha, beta):
    routes = api_routes()
    assert any(route.name == "api:catalog:product_list" for route in routes), "the walk found nothing"
    resources = sorted({route.view.api_resource for route in routes})

    anonymous = api_client(alpha)
    foreign = api_client(alpha, api_key_make(beta))  # every scope, but of store beta
    # per resource: a key with every scope but the resource's (for reads), and one with every
    # scope but the resource's write (for writes)
    without_read = {
        resource: api_client(
            alpha, api_key_make(alpha, sorted(s for s in ALL_SCOPES if not s.startswith(f"{resource}:")))
        )
        for resource in resources
    }
    without_write = {
        resource: api_client(alpha, api_key_make(alpha, sorted(ALL_SCOPES - {f"{resource}:write"})))
        for resource in resources
    }
    for client in (anonymous, foreign, *without_read.values(), *without_write.values()):
        client.raise_request_exception = False  # a 500 is a finding to list, not a stop

    wrong: list[str] = []
    pairs = 0
    for route in routes:
        resource = route.view.api_resource
        for method in route.methods:
            url = placeholder_url(route)
            pairs += 1
            unscoped = without_read[resource] if method == "get" else without_write[resource]
            for who, client, status, code in (
                ("no key", anonymous, 401, "not_authenticated"),
                ("beta's key", foreign, 401, "key_invalid"),
                ("a key lacking the scope", unscoped, 403, "scope_missing"),
            ):
                response = _call(client, method, url)
                if response.status_code != status or _code(response) != code:
                    wrong.append(
                        f"{method.upper()} {url} ({route.name}) with {who}: "
                        f"{response.status_code} {_code(response)}, expected {status} {code}"
                    )
    print(
        f"\n(admin API route, method) pairs checked: {pairs} over {len(routes)} routes, "
        f"{len(resources)} resources, 3 callers each ({pairs * 3} requests)"
    )
    assert wrong == [], "\n".join(wrong)


def test_a_key_of_alpha_is_refused_on_betas_host_on_every_endpoint(alpha, beta):
    """The same the other way round, with alpha's all-scopes key on beta's host."""
    client = api_client(beta, api_key_make(alpha))
    client.raise_request_exception = False
    wrong = []
    for route in api_routes():
        for method in route.methods:
            response = _call(client, method, placeholder_url(route))
            if response.status_code != 401:
                wrong.append(f"{method.upper()} {route.name}: {response.status_code}")
    assert wrong == []
