"""The OpenAPI schema and the interactive docs: generated without a warning, valid OpenAPI 3.1,
describing the envelope, the errors and each operation's scope; the docs work offline."""

from __future__ import annotations

import contextlib
import functools
import io
import re
from typing import Any

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from openapi_spec_validator import validate as validate_spec

from apps.api.scopes import scope_needed
from apps.api.tests.factories import api_client, api_key_make
from apps.core.navigation import nav_items
from tests.fixtures import store_client

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@functools.cache
def _schema() -> dict[str, Any]:
    """The schema as generated for the store URLconf (once per test run: it takes seconds)."""
    return SchemaGenerator(urlconf="config.urls_tenants").get_schema(request=None, public=True)


def _operations(schema: dict[str, Any]):
    for path, item in schema["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


def _api_views() -> dict[str, Any]:
    """Each `api:` route's view class by its path in the schema (`/api/v1/products/{uuid}`)."""
    found: dict[str, Any] = {}

    def walk(patterns: list[Any], prefix: str, in_api: bool) -> None:
        for entry in patterns:
            route = str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + route, in_api or entry.namespace == "api")
            elif isinstance(entry, URLPattern) and in_api:
                view = getattr(entry.callback, "view_class", None)
                if view is not None and getattr(view, "api_resource", None):
                    found["/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", prefix + route)] = view

    walk(get_resolver("config.urls_tenants").url_patterns, "", False)
    return found


def test_generating_the_schema_gives_no_warning_and_validates():
    """`manage.py spectacular --urlconf config.urls_tenants --validate --fail-on-warn`."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stderr(err):  # drf-spectacular prints its warnings there
            call_command(
                "spectacular",
                urlconf="config.urls_tenants",
                validate=True,
                fail_on_warn=True,
                stdout=out,
            )
    except Exception as failure:
        warnings = [line for line in err.getvalue().splitlines() if "Warning" in line or "Error" in line]
        pytest.fail(f"{failure}:\n" + "\n".join(warnings))
    schema = yaml.safe_load(out.getvalue())
    assert schema["openapi"].startswith("3.1")
    validate_spec(schema)  # a second, independent validator (openapi-spec-validator)


def test_the_schema_describes_the_envelope_errors_and_scopes():
    schema = _schema()
    validate_schema(schema)
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "sk_<prefix>_<secret>",
        "description": schema["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    error = schema["components"]["schemas"]["ErrorEnvelope"]
    assert error["properties"]["data"] == {"type": "null"}
    assert error["properties"]["error"]["required"] == ["code", "message"]

    views = _api_views()
    assert "/api/v1/products" in views and "/api/v1/products/{uuid}" in views
    admin_operations = 0
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        for code, response in responses.items():
            content = response.get("content", {}).get("application/json")
            if code.startswith("2") and content:
                properties = _resolve(schema, content["schema"]).get("properties", {})
                assert {"data", "error"} <= set(properties), f"{method} {path} {code} is not enveloped"
                assert properties["error"]["type"] == "null"
        for code in ("400", "429"):
            assert responses[code]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorEnvelope"
            }, f"{method} {path} {code}"
        if "{" in path:
            assert "404" in responses, f"{method} {path}"
        view = views.get(path)
        if view is None:
            continue
        admin_operations += 1
        scope = scope_needed(view.api_resource, write=method != "get")
        assert operation["x-scopes"] == [scope], f"{method} {path}"
        assert operation["security"] == [{"bearerAuth": [scope]}], f"{method} {path}"
        assert f"**Scope:** `{scope}`" in operation["description"]
        assert {"401", "403"} <= set(responses), f"{method} {path}"
    assert admin_operations >= 2
    print(f"\nschema: {len(schema['paths'])} paths, {admin_operations} admin operations with x-scopes")


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        return schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def test_a_list_is_enveloped_with_its_meta_and_a_detail_with_data():
    schema = _schema()
    listed = schema["paths"]["/api/v1/products"]["get"]["responses"]["200"]["content"]["application/json"]
    page = _resolve(schema, listed["schema"])
    assert set(page["properties"]) == {"data", "error", "meta"}
    assert page["properties"]["data"]["type"] == "array"
    assert set(page["properties"]["meta"]["properties"]) == {"total", "page", "per_page", "pages"}
    detail = schema["paths"]["/api/v1/products/{uuid}"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]
    assert detail["schema"]["properties"]["data"] == {"$ref": "#/components/schemas/Product"}


@pytest.mark.django_db
def test_the_schema_is_served_on_a_store_host(alpha):
    response = api_client(alpha).get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/products" in schema["paths"]
    validate_schema(schema)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/schema/", "/api/v1/docs/"])
def test_a_bad_key_on_the_schema_or_the_docs_is_a_401_envelope(alpha, beta, path):
    for key in ("sk_000000000000_zz", api_key_make(beta, ["products:read"])):
        response = api_client(alpha, key).get(path)
        assert response.status_code == 401, response.content[:300]
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["error"]["code"] == "key_invalid"


@pytest.mark.django_db
def test_the_docs_load_everything_from_our_own_static_files(alpha):
    response = store_client(alpha).get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html.lower()
    assert not re.search(r"(?:src|href)=[\"']?(?:https?:)?//", html), (
        "the docs page loads something from another host"
    )
    for forbidden in ("cdn.", "unpkg", "jsdelivr", "cdnjs"):
        assert forbidden not in html
    assets = re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", html)
    assert any(asset.endswith(".js") for asset in assets) and any(asset.endswith(".css") for asset in assets)
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not among our static files"
    assert "/api/v1/schema/" in html


def test_every_operation_shows_an_example_of_what_it_takes_and_answers():
    """Hand-written examples where a view has them, else one made from the schema; only
    answers without a body (204) have none."""
    schema = _schema()
    missing = []
    for path, method, operation in _operations(schema):
        contents = [operation.get("requestBody", {}).get("content", {}).get("application/json")]
        contents += [
            response.get("content", {}).get("application/json")
            for code, response in operation["responses"].items()
            if str(code).startswith("2")
        ]
        for content in contents:
            if content is not None and "schema" in content and not ({"example", "examples"} & set(content)):
                missing.append(f"{method.upper()} {path}")
    assert missing == []
    money = schema["paths"]["/api/v1/orders/{uuid}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert money["example"]["error"] is None and money["example"]["data"]["totals"]["total"] == "12.50"


def test_the_schema_sends_integrators_to_the_dashboards_api_keys_page():
    """Where the description says keys are made is where the dashboard's menu has them."""
    [(item, url)] = [
        (item, url) for item, url in nav_items() if item.url_name == "dashboard:api_keys:key_list"
    ]
    where = f"{item.group.label} > {item.label}"
    schema = _schema()
    for text in (
        schema["info"]["description"],
        schema["components"]["securitySchemes"]["bearerAuth"]["description"],
    ):
        assert where in text and url in text, text
