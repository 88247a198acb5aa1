"""The envelope, pagination, body parsing and error shape every endpoint shares (seed 000)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.pagination import BasePagination
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.errors import ApiErrorCode
from apps.core.errors import ApplicationError

logger = logging.getLogger(__name__)

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


class Envelope(dict[str, Any]):
    """A body that is already an envelope (lists with `meta`, errors): rendered as it is."""


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> Envelope:
    error: dict[str, Any] = {"code": str(code), "message": str(message)}
    if fields:
        error["fields"] = fields
    return Envelope(data=None, error=error)


class EnvelopeRenderer(JSONRenderer):
    """`{"data": ..., "error": null}` around whatever a view returns."""

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code == status.HTTP_204_NO_CONTENT:
            return b""
        if not isinstance(data, Envelope):
            data = Envelope(data=data, error=None)
        return super().render(data, accepted_media_type, renderer_context)


class LimitedJSONParser(JSONParser):
    """JSON bodies of at most `API_MAX_BODY_BYTES`, refused before they are read."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        request = (parser_context or {}).get("request")
        limit = settings.API_MAX_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        except ValueError:
            length = 0
        if length > limit:
            raise BodyTooLarge(limit)
        return super().parse(stream, media_type, parser_context)


class BodyTooLarge(exceptions.APIException):
    """A body over the size limit: refused before it is read, as a 400 naming the limit
    (`error.params.limit` in bytes), like every other bad request."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = ApiErrorCode.BODY_TOO_LARGE

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(
            _("The body is larger than %(n)d bytes, the most the API accepts.") % {"n": limit},
            ApiErrorCode.BODY_TOO_LARGE,
        )


class PagePagination(BasePagination):
    """`page` and `per_page`, answered with `meta.total`; a page past the end is empty."""

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        self.page_number = _positive(request.query_params.get("page"), "page", default=1)
        self.per_page = _positive(request.query_params.get("per_page"), "per_page", default=DEFAULT_PER_PAGE)
        if self.per_page > MAX_PER_PAGE:
            raise exceptions.ValidationError({"per_page": [_("At most %(n)d.") % {"n": MAX_PER_PAGE}]})
        if isinstance(queryset, QuerySet) and not queryset.ordered:
            queryset = queryset.order_by("pk")
        paginator = Paginator(queryset, self.per_page)
        self.total = paginator.count
        self.pages = paginator.num_pages if self.total else 0
        if self.page_number > max(self.pages, 1):
            return []
        return list(paginator.page(self.page_number).object_list)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            Envelope(
                data=data,
                error=None,
                meta={
                    "total": self.total,
                    "page": self.page_number,
                    "per_page": self.per_page,
                    "pages": self.pages,
                },
            )
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["data", "error", "meta"],
            "properties": {
                "data": schema,
                "error": {"type": "null", "example": None},
                "meta": {
                    "type": "object",
                    "properties": {
                        "total": {"type": "integer", "example": 123},
                        "page": {"type": "integer", "example": 1},
                        "per_page": {"type": "integer", "example": DEFAULT_PER_PAGE},
                        "pages": {"type": "integer", "example": 7},
                    },
                },
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": _("Page number, from 1."),
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": "per_page",
                "in": "query",
                "required": False,
                "description": _("Items per page (at most %(n)d).") % {"n": MAX_PER_PAGE},
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            },
        ]


def _positive(value: str | None, name: str, *, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1 or number > 1_000_000:
        raise exceptions.ValidationError({name: [_("A whole number from 1.")]})
    return number


def _field_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail flattened to `{"lines.0.quantity": ["..."]}`."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "non_field_errors":
                name = prefix or "non_field_errors"
            for field, messages in _field_errors(value, name).items():
                out.setdefault(field, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            out[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                for field, messages in _field_errors(
                    item, f"{prefix}.{index}" if prefix else str(index)
                ).items():
                    out.setdefault(field, []).extend(messages)
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


_STATUS_CODES = {
    status.HTTP_401_UNAUTHORIZED: ApiErrorCode.NOT_AUTHENTICATED,
    status.HTTP_403_FORBIDDEN: ApiErrorCode.PERMISSION_DENIED,
    status.HTTP_404_NOT_FOUND: ApiErrorCode.NOT_FOUND,
    status.HTTP_405_METHOD_NOT_ALLOWED: ApiErrorCode.METHOD_NOT_ALLOWED,
    status.HTTP_406_NOT_ACCEPTABLE: ApiErrorCode.NOT_ACCEPTABLE,
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: ApiErrorCode.UNSUPPORTED_MEDIA_TYPE,
    status.HTTP_429_TOO_MANY_REQUESTS: ApiErrorCode.THROTTLED,
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every refusal as the error envelope with a stable code; never a bare 500 for bad input."""
    headers: dict[str, str] = {}
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = BodyTooLarge(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if isinstance(exc, ApplicationError):
        fields = {exc.field: [exc.message]} if exc.field else None
        body = error_body(exc.code, exc.message, fields)
        body["error"]["params"] = {
            k: v for k, v in exc.params.items() if isinstance(v, str | int | float | bool)
        }
        # A rule of the domain refused the request: 400, unless the error names its own status
        # (a plan limit, for instance, is 403).
        return Response(body, status=getattr(exc, "http_status", status.HTTP_400_BAD_REQUEST))
    if not isinstance(exc, exceptions.APIException):
        return None  # a real server error: logged by Django, answered by `server_error` below
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(max(1, int(exc.wait)))  # type: ignore[attr-defined]
    if isinstance(exc, exceptions.ValidationError):
        fields = _field_errors(exc.detail)
        message = _("The request has invalid fields: %(fields)s.") % {"fields": ", ".join(sorted(fields))}
        return Response(
            error_body(ApiErrorCode.VALIDATION_ERROR, message, fields), status=400, headers=headers
        )
    if isinstance(exc, BodyTooLarge):
        body = error_body(ApiErrorCode.BODY_TOO_LARGE, str(exc.detail))
        body["error"]["params"] = {"limit": exc.limit}
        return Response(body, status=status.HTTP_400_BAD_REQUEST, headers=headers)
    if isinstance(exc, exceptions.ParseError):
        return Response(error_body(ApiErrorCode.PARSE_ERROR, str(exc.detail)), status=400, headers=headers)
    detail = exc.detail
    code = detail.code if isinstance(detail, exceptions.ErrorDetail) else None
    stable = (
        code
        if code in ApiErrorCode.values
        else _STATUS_CODES.get(exc.status_code, ApiErrorCode.VALIDATION_ERROR)
    )
    message = str(detail) if not isinstance(detail, dict | list) else str(ApiErrorCode(stable).label)
    return Response(error_body(stable, message), status=exc.status_code, headers=headers)
