"""The OpenAPI description of `/api/v1/`, as the API really answers.

drf-spectacular describes each view; `ApiAutoSchema` adds what the conventions in `apps.api`
apply to every endpoint, so no endpoint has to repeat it:

- every 2xx JSON body is wrapped in the envelope `{data, error: null}` (lists already are, by
  `PagePagination.get_paginated_response_schema`, and are left as they are);
- the error envelope (`ErrorEnvelope`) for the refusals an endpoint can give: 400 always (bad
  fields, unknown query parameters, malformed JSON), 401 and 403 when it needs a key or a
  shopper, 404 when its path names an object, 409 and 422 when it
  honours `Idempotency-Key`, 429 always (throttling, with `Retry-After`);
- who may call it: `bearerAuth` with the scope the method needs (in the security requirement,
  in the `x-scopes` extension and in the description), `shopperSession` for the storefront's
  signed-in shopper, nothing for public endpoints (their reason is in the description).
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.urls.converters import get_converters
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent

from apps.api.errors import ApiErrorCode
from apps.api.scopes import scope_needed
from apps.core.permissions import SAFE_METHODS

BEARER = "bearerAuth"
SHOPPER = "shopperSession"
SHOPPER_TOKEN = "shopperToken"  # noqa: S105 (a security scheme name, not a secret)
ERROR_COMPONENT = "ErrorEnvelope"
JSON = "application/json"
STOREFRONT_MODULES = ("apps.storefront.",)
# A named group of a URL pattern's regex (Django's converters have no nested parentheses).
PATH_GROUP = re.compile(r"\(\?P<(\w+)>([^()]+)\)")
ANYTHING = ".+"  # `path`: nothing worth saying
ROUTE_PARAMETER = re.compile(r"<(\w+):(\w+)>")

# status -> (what it means, the codes it carries): the descriptions of the error responses.
ERRORS: dict[int, tuple[str, list[str]]] = {
    400: (
        "The request was refused: invalid or unknown fields or query parameters, malformed JSON, "
        "a body over the size limit (`params.limit`, in bytes), or a rule of the store (the code "
        "names it).",
        [
            ApiErrorCode.VALIDATION_ERROR,
            ApiErrorCode.PARSE_ERROR,
            ApiErrorCode.BODY_TOO_LARGE,
            ApiErrorCode.IDEMPOTENCY_KEY_INVALID,
        ],
    ),
    401: (
        "No credential, or one this store does not accept (unknown, expired or revoked key, "
        "a key of another store).",
        [
            ApiErrorCode.NOT_AUTHENTICATED,
            ApiErrorCode.KEY_INVALID,
            ApiErrorCode.KEY_EXPIRED,
            ApiErrorCode.KEY_REVOKED,
            ApiErrorCode.KEY_OWNER_INACTIVE,
        ],
    ),
    403: (
        "The credential is valid but may not do this: the key lacks the scope, or the store is read-only.",
        [ApiErrorCode.SCOPE_MISSING, ApiErrorCode.PERMISSION_DENIED, ApiErrorCode.STORE_READ_ONLY],
    ),
    404: ("Nothing with this id in this store.", [ApiErrorCode.NOT_FOUND]),
    409: (
        "A request with the same Idempotency-Key is still running.",
        [ApiErrorCode.IDEMPOTENCY_IN_PROGRESS],
    ),
    422: (
        "The Idempotency-Key was used before with a different request.",
        [ApiErrorCode.IDEMPOTENCY_KEY_REUSED],
    ),
    429: (
        "Too many requests for the store's plan; retry after `Retry-After` seconds.",
        [ApiErrorCode.THROTTLED],
    ),
}

ERROR_ENVELOPE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every refusal: `data` is null and `error` says why, with a stable `code`.",
    "required": ["data", "error"],
    "properties": {
        "data": {"type": "null"},
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {
                    "type": "string",
                    "description": "Stable machine-readable code; switch on this, never on the message.",
                    "example": ApiErrorCode.VALIDATION_ERROR.value,
                },
                "message": {"type": "string", "description": "For people; translated, may change."},
                "fields": {
                    "type": "object",
                    "description": "Validation errors per field (`lines.0.quantity` for nested fields).",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
                "params": {
                    "type": "object",
                    "description": "The values a domain error was built from.",
                    "additionalProperties": True,
                },
            },
        },
    },
    "example": {
        "data": None,
        "error": {
            "code": "validation_error",
            "message": "The request has invalid fields: per_page.",
            "fields": {"per_page": ["At most 100."]},
        },
    },
}


class ApiKeySchemeExtension(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """`Authorization: Bearer sk_...` on admin endpoints, naming the scope the method needs."""

    target_class = "apps.api.access.ApiKeyAuthentication"
    name = BEARER
    priority = 1

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "sk_<prefix>_<secret>",
            "description": (
                "An API key created in the store's dashboard (Developers > API keys, /dashboard/api-keys/). "
                "Each admin endpoint needs "
                "a scope `<resource>:read` (GET) or `<resource>:write` (other methods; write "
                "includes read), listed in the operation's `x-scopes`."
            ),
        }

    def get_security_requirement(self, auto_schema: Any) -> dict[str, list[Any]] | list[dict[str, list[Any]]]:
        scope = operation_scope(auto_schema.view, auto_schema.method)
        return {BEARER: [scope]} if scope else []


class ShopperSessionSchemeExtension(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """The storefront's own session cookie, on endpoints of a signed-in shopper."""

    target_class = "apps.api.access.ShopperSessionAuthentication"
    name = SHOPPER
    priority = 1

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": (
                "The session of a shopper signed in on the storefront (same-site JavaScript); "
                "unsafe methods also need the CSRF token in `X-CSRFToken`."
            ),
        }

    def get_security_requirement(self, auto_schema: Any) -> dict[str, list[Any]] | list[dict[str, list[Any]]]:
        return {SHOPPER: []} if getattr(auto_schema.view, "api_shopper", False) else []


class ShopperTokenSchemeExtension(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """The headless storefront's shopper token (`Authorization: Bearer st_...`), named by its
    import path so that this module does not import the storefront."""

    target_class = "apps.storefront.api.authentication.ShopperTokenAuthentication"
    name = SHOPPER_TOKEN
    priority = 1

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "st_<signed>",
            "description": "A shopper token from the storefront's sign-in endpoint, for headless storefronts.",
        }

    def get_security_requirement(self, auto_schema: Any) -> dict[str, list[Any]] | list[dict[str, list[Any]]]:
        return {SHOPPER_TOKEN: []} if getattr(auto_schema.view, "api_shopper", False) else []


def operation_scope(view: Any, method: str) -> str | None:
    """The key scope `method` on `view` needs, or None when the view is not an admin endpoint."""
    resource = getattr(view, "api_resource", None)
    if not resource:
        return None
    return scope_needed(resource, write=method.upper() not in SAFE_METHODS)


def is_idempotent(view: Any, method: str) -> bool:
    handler = getattr(view, method.lower(), None)
    return bool(getattr(handler, "idempotent", False))


def _is_envelope(schema: Any) -> bool:
    properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
    return "data" in properties and "error" in properties


def envelope_schema(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["data", "error"],
        "properties": {"data": data, "error": {"type": "null"}},
    }


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema plus the API's envelope, error responses and access."""

    def get_serializer_name(self, serializer: Any, direction: Any) -> str:
        """Storefront serializers are named `Storefront...`: the storefront and the admin API
        describe the same things (products, images, variants, orders) differently, and two
        components of one name would make one of them wrong."""
        name = str(super().get_serializer_name(serializer, direction))
        module = type(serializer).__module__
        if module.startswith(STOREFRONT_MODULES) and not name.startswith("Storefront"):
            return f"Storefront{name}"
        return name

    def _access_text(self) -> str:
        view, method = self.view, self.method
        scope = operation_scope(view, method)
        if scope:
            also = ""
            if scope.endswith(":read"):
                also = f" (or `{scope.replace(':read', ':write')}`)"
            return f"**Scope:** `{scope}`{also}: a Bearer API key of this store holding it."
        if getattr(view, "api_shopper", False):
            return (
                "**Access:** a signed-in shopper (a shopper token, or the storefront's session); "
                "a shopper sees only their own data."
            )
        reason = getattr(view, "api_public_reason", "")
        if reason:
            return f"**Access:** public ({reason})."
        return ""

    def _access_extensions(self) -> dict[str, Any]:
        scope = operation_scope(self.view, self.method)
        if scope:
            return {"x-scopes": [scope]}
        if getattr(self.view, "api_shopper", False):
            return {"x-access": "shopper"}
        if getattr(self.view, "api_public_reason", ""):
            return {"x-access": "public"}
        return {}

    def _component_schema(self, schema: Any) -> Any:
        """`schema`, or the component it refers to (paginated lists are components)."""
        if isinstance(schema, dict) and "$ref" in schema:
            name = str(schema["$ref"]).rsplit("/", 1)[-1]
            component = self.registry._components.get((name, ResolvedComponent.SCHEMA))
            return component.schema if component is not None else schema
        return schema

    def get_operation(self, path: str, path_regex: str, path_prefix: str, method: str, registry: Any) -> Any:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None or not hasattr(self.view, "declared_permission"):
            return operation  # not one of ours (never the case under /api/v1/, but be safe)
        # Here rather than in get_description/get_extensions: @extend_schema(description=...)
        # replaces those methods, and every operation must still say who may call it.
        access = self._access_text()
        if access:
            operation["description"] = f"{operation.get('description', '')}\n\n{access}".strip()
        operation.update(self._access_extensions())
        self._constrain_path_parameters(operation, path_regex)
        responses = operation.setdefault("responses", {})
        for code, response in responses.items():
            if str(code).startswith("2"):
                content = response.get("content", {}).get(JSON)
                if (
                    content is not None
                    and "schema" in content
                    and not _is_envelope(self._component_schema(content["schema"]))
                ):
                    content["schema"] = envelope_schema(content["schema"])
                    for example in content.get("examples", {}).values():
                        if isinstance(example, dict) and "value" in example:
                            example["value"] = {"data": example["value"], "error": None}
        if is_idempotent(self.view, self.method):
            operation.setdefault("parameters", []).append(
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "description": (
                        "Any unique string (a UUID) of at most 255 characters. A retry with the same "
                        "key returns the stored response instead of creating twice."
                    ),
                    "schema": {"type": "string", "maxLength": 255, "minLength": 1},
                }
            )
        ref = self._error_component()
        for status in self._error_statuses(path, operation):
            if str(status) in responses or status in responses:
                continue
            description, codes = ERRORS[status]
            responses[str(status)] = {
                "description": f"{description} Codes: {', '.join(f'`{c}`' for c in codes)}.",
                "content": {JSON: {"schema": ref}},
            }
            if status == 429:
                responses[str(status)]["headers"] = {
                    "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}
                }
            if status == 401:
                responses[str(status)]["headers"] = {
                    "WWW-Authenticate": {"description": "How to authenticate.", "schema": {"type": "string"}}
                }
        return operation

    def _constrain_path_parameters(self, operation: dict[str, Any], path_regex: str) -> None:
        """A string path parameter says what its URL converter accepts (a slug, say): a value
        outside it never reaches the endpoint (the catch-all answers 404), so clients and
        fuzzers must know."""
        converters: dict[str, str] = dict(PATH_GROUP.findall(path_regex))  # re_path() patterns
        known = get_converters()
        for converter, name in ROUTE_PARAMETER.findall(path_regex):  # path() routes: <slug:handle>
            if converter in known:
                converters[name] = str(known[converter].regex)
        for parameter in operation.get("parameters", []):
            regex = converters.get(parameter.get("name", ""))
            schema = parameter.get("schema", {})
            if (
                parameter.get("in") == "path"
                and regex
                and regex != ANYTHING
                and schema.get("type") == "string"
                and not ({"pattern", "format", "enum"} & set(schema))
            ):
                schema["pattern"] = f"^{regex}$"

    def _error_statuses(self, path: str, operation: dict[str, Any]) -> list[int]:
        statuses = [400]
        view = self.view
        if getattr(view, "api_resource", None) or getattr(view, "api_shopper", False):
            statuses += [401, 403]
        if "{" in path:
            statuses.append(404)
        if is_idempotent(view, self.method):
            statuses += [409, 422]
        statuses.append(429)
        return sorted(statuses)

    def _error_component(self) -> dict[str, Any]:
        component = ResolvedComponent(
            name=ERROR_COMPONENT,
            type=ResolvedComponent.SCHEMA,
            object=ERROR_COMPONENT,
            schema=ERROR_ENVELOPE_SCHEMA,
        )
        self.registry.register_on_missing(component)
        return component.ref  # type: ignore[no-any-return]


# ------------------------------------------------------------------------------
# Examples for every operation
# ------------------------------------------------------------------------------
SAMPLE_STRINGS = {
    "date-time": "2026-11-30T09:12:44Z",
    "date": "2026-11-30",
    "uuid": "6f1c2b9e-2d55-4d7e-9a4f-1f0e8d7c6b5a",
    "email": "ann@example.com",
    "uri": "https://shop.example.com/",
    "decimal": "12.50",
    "binary": "<file>",
}
MAX_DEPTH = 8


NAMED_STRINGS = {"currency": "EUR", "country": "DE", "email": "ann@example.com", "language": "en"}
MONEY_WORDS = ("total", "price", "amount", "balance", "cost", "subtotal", "value")


def _sample(schema: Any, components: dict[str, Any], depth: int = 0, name: str = "") -> Any:
    """A value that fits `schema`: its own example where it has one, else one made from its
    type and format (a uuid looks like a uuid, money like "12.50")."""
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return None
    if "example" in schema:
        return schema["example"]
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        return _sample(components.get(ref.rsplit("/", 1)[1], {}), components, depth + 1)
    for combinator in ("allOf", "oneOf", "anyOf"):
        options = [option for option in schema.get(combinator, []) if option.get("type") != "null"]
        if options:
            return _sample(options[0], components, depth + 1)
    if schema.get("enum"):
        values = [value for value in schema["enum"] if value is not None]
        return values[0] if values else None
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        return {
            prop_name: _sample(prop, components, depth + 1, prop_name)
            for prop_name, prop in schema.get("properties", {}).items()
        }
    if kind == "array":
        item = _sample(schema.get("items", {}), components, depth + 1)
        return [] if item is None else [item]
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "string":
        if schema.get("format") in SAMPLE_STRINGS:
            return SAMPLE_STRINGS[schema["format"]]
        if "pattern" in schema and "\\d" in schema["pattern"]:
            return "12.50"  # DRF's DecimalField: a decimal string
        if name in NAMED_STRINGS:
            return NAMED_STRINGS[name]
        if any(word in name for word in MONEY_WORDS):
            return "12.50"  # money travels as a decimal string
        return "string"
    return None


def only_the_store_api(endpoints: list[tuple[Any, ...]], **kwargs: Any) -> list[tuple[Any, ...]]:
    """Describe `/api/v1/` alone: other DRF views mounted on the store URLconf (Wagtail's admin
    API under `/cms/`) are not part of the published API."""
    return [endpoint for endpoint in endpoints if str(endpoint[0]).startswith("/api/v1/")]


def examples_for_every_operation(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """A postprocessing hook: every JSON request body and 2xx response that has no example of its
    own gets one made from its schema, so each operation in the docs shows what to send and what
    comes back (hand-written examples, where a view has them, are kept)."""
    components = result.get("components", {}).get("schemas", {})
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete") or not isinstance(operation, dict):
                continue
            bodies = [operation.get("requestBody", {}).get("content", {}).get(JSON)]
            bodies += [
                response.get("content", {}).get(JSON)
                for code, response in operation.get("responses", {}).items()
                if str(code).startswith("2")
            ]
            for content in bodies:
                if (
                    content is None
                    or "example" in content
                    or "examples" in content
                    or "schema" not in content
                ):
                    continue
                content["example"] = _sample(content["schema"], components)
    return result
