"""Wagtail's URLs, each with its permission declared (see ARCHITECTURE "Permissions").

- `/cms/` (Wagtail's admin) on a store domain needs `content.edit` from the one role map: a
  shopper, a finance member or a signed-out visitor never reaches a Wagtail view (403, or the
  sign-in page). The staff member's Wagtail groups are put right first (`content_groups_sync`),
  so `content.publish` decides who may publish. On the platform domain the same URLs need an
  active platform staff account (`is_staff`); Wagtail's own permissions apply inside.
- Wagtail's `serve` (the published pages) and document downloads are public: Wagtail serves only
  live pages and checks a page's or a collection's view restrictions itself.

Wagtail's URL modules are process-wide lists used by both URLconfs, so they are wrapped once, here,
by a decorator that looks at the schema of the request.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, include, path, re_path
from wagtail import views as wagtail_views
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls
from wagtail.utils.urlpatterns import decorate_urlpatterns

from apps.core.permissions import (
    FORBIDDEN_TEMPLATE,
    Perm,
    ViewPermission,
    no_permission_required,
    user_has_permission,
)
from apps.core.tenancy import current_schema

CMS_PERMISSION = ViewPermission(read=Perm.CONTENT_EDIT, write=Perm.CONTENT_EDIT)


def _on_platform() -> bool:
    return current_schema() == settings.PUBLIC_SCHEMA_NAME


def cms_access_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if _on_platform():
            allowed = user.is_active and user.is_staff
        else:
            allowed = user_has_permission(user, Perm.CONTENT_EDIT)
            if allowed:
                from apps.content.services import content_groups_sync

                content_groups_sync(user)
        if not allowed:
            return render(request, FORBIDDEN_TEMPLATE, {"permission": Perm.CONTENT_EDIT}, status=403)
        return view(request, *args, **kwargs)

    wrapped.view_permission = CMS_PERMISSION  # type: ignore[attr-defined]
    return wrapped


def _public(reason: str) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            return view(request, *args, **kwargs)

        return no_permission_required(reason)(wrapped)

    return decorator


decorate_urlpatterns(wagtailadmin_urls.urlpatterns, cms_access_required)
decorate_urlpatterns(
    wagtaildocs_urls.urlpatterns,
    _public("documents linked from published pages; Wagtail checks collection restrictions"),
)

# Wagtail serves paths of slugs ending in "/" (CommonMiddleware adds the slash).
SERVE_PATTERN = r"^((?:[\w\-]+/)*)$"


@no_permission_required("published pages are public; Wagtail serves live pages only")
def serve(request: HttpRequest, path: str) -> HttpResponseBase:
    return wagtail_views.serve(request, path)


def admin_urlpatterns() -> list[URLPattern | URLResolver]:
    """/cms/ and /documents/, for either URLconf."""
    return [
        path("cms/", include(wagtailadmin_urls)),
        path("documents/", include(wagtaildocs_urls)),
    ]


def serve_urlpatterns() -> list[URLPattern | URLResolver]:
    """Last in a URLconf: any path no other view answered is looked up in the page tree."""
    return [re_path(SERVE_PATTERN, serve, name="wagtail_serve")]
