"""Base classes every API view derives from: they carry the view's declared access."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, generics
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from apps.api.conventions import EnvelopeRenderer
from apps.api.errors import ApiErrorCode
from apps.api.scopes import RESOURCES
from apps.core.permissions import ViewPermission, no_permission_required

SHOPPER_REASON = "a signed-in shopper's own data; the shopper's session or token is the credential"


class ApiAccessMixin:
    """Declare exactly one of `api_resource`, `api_shopper` or `api_public_reason`."""

    api_resource: str | None = None
    api_shopper: bool = False
    api_public_reason: str = ""

    @classmethod
    def declared_permission(cls) -> ViewPermission:
        declared = [bool(cls.api_resource), cls.api_shopper, bool(cls.api_public_reason)]
        if sum(declared) != 1:
            raise ImproperlyConfigured(
                f"{cls.__module__}.{cls.__qualname__} must declare exactly one of api_resource, "
                "api_shopper or api_public_reason"
            )
        if cls.api_resource:
            resource = RESOURCES[cls.api_resource]
            return ViewPermission(read=resource.read, write=resource.write)
        reason = SHOPPER_REASON if cls.api_shopper else cls.api_public_reason
        return ViewPermission(read=None, write=None, public=True, reason=reason)

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        # An error is the JSON envelope whatever the view renders otherwise: the schema's YAML
        # or the docs' HTML renderer cannot write one (a 401 for a bad key was a 500 there).
        if getattr(response, "status_code", 200) >= 400 and isinstance(getattr(response, "data", None), dict):
            request.accepted_renderer = EnvelopeRenderer()
            request.accepted_media_type = EnvelopeRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]

    def check_permissions(self, request: Any) -> None:
        # Count the request before deciding on access, so that callers refused for access
        # (no key, a missing scope) are throttled too rather than probing freely.
        self.check_throttles(request)
        super().check_permissions(request)  # type: ignore[misc]

    def check_throttles(self, request: Any) -> None:
        if getattr(request, "_api_throttled", False):
            return
        request._api_throttled = True
        super().check_throttles(request)  # type: ignore[misc]

    @classmethod
    def as_view(cls, *args: Any, **kwargs: Any) -> Any:
        view = super().as_view(*args, **kwargs)  # type: ignore[misc]
        view.view_permission = cls.declared_permission()
        return view


class ApiView(ApiAccessMixin, APIView):
    pass


class ListApiView(ApiAccessMixin, generics.ListAPIView):  # type: ignore[type-arg]
    pass


class ListCreateApiView(ApiAccessMixin, generics.ListCreateAPIView):  # type: ignore[type-arg]
    pass


class NoQueryParametersMixin:
    """One object's endpoint takes no query parameters: one sent anyway (`?fields=`, a filter
    meant for the list) is a 400 naming it rather than silently ignored, as lists do
    (`apps.api.filters.StrictFilterBackend`). Checked after access, so a caller without a key
    still learns that first."""

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        unknown = sorted(name for name in request.query_params if name != api_settings.URL_FORMAT_OVERRIDE)
        if unknown:
            raise exceptions.ValidationError({name: [_("Unknown query parameter.")] for name in unknown})


class RetrieveApiView(ApiAccessMixin, NoQueryParametersMixin, generics.RetrieveAPIView):  # type: ignore[type-arg]
    pass


class RetrieveUpdateApiView(ApiAccessMixin, NoQueryParametersMixin, generics.RetrieveUpdateAPIView):  # type: ignore[type-arg]
    pass


class RetrieveUpdateDestroyApiView(
    ApiAccessMixin,
    NoQueryParametersMixin,
    generics.RetrieveUpdateDestroyAPIView,  # type: ignore[type-arg]
):
    pass


@csrf_exempt  # a write to a wrong address is answered 404 in the envelope, not the CSRF page
@no_permission_required("answers that nothing is at this address, in the API's envelope")
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    return JsonResponse(
        {
            "data": None,
            "error": {
                "code": ApiErrorCode.NOT_FOUND,
                "message": _("No API endpoint at %(path)s.") % {"path": request.path},
            },
        },
        status=404,
    )
