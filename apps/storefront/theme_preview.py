"""The storefront drawn with the theme editor's draft, for the editor's preview iframe only.

A request carrying `?theme_preview=<token>` (`apps.stores.theme_preview`) is a preview request
when the token was made on this store for the signed-in user asking; `storefront_theme` then
answers with the draft instead of the published theme, for every page the request renders.
Whatever the token's fate, such a request:

- never reads or fills the page cache (`page_cache.page_cacheable_request`) nor the fragment
  cache (`templatetags.storefront_cache`), so a draft cannot reach a shopper through either;
- is answered `Cache-Control: private, no-store` and `X-Robots-Tag: noindex`;
- says `X-Theme-Preview: draft` or `refused` (a refused token shows the published theme).

A preview answer may be framed by pages of the same origin (the dashboard lives on the store's
own domain); every other page keeps X_FRAME_OPTIONS ("DENY").
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import add_never_cache_headers, patch_cache_control

from apps.core.tenancy import in_store
from apps.stores.theme_preview import THEME_PREVIEW_PARAM, theme_preview_token_valid
from apps.stores.theme_selectors import ResolvedTheme, store_theme_draft_get, store_theme_get

PREVIEW_HEADER = "X-Theme-Preview"
_DRAFT_ATTR = "_theme_preview_draft"


def is_preview_request(request: HttpRequest | None) -> bool:
    """Whether `request` asked for a preview (valid or not): it is kept out of every cache."""
    return request is not None and THEME_PREVIEW_PARAM in request.GET


def storefront_theme(request: HttpRequest | None) -> ResolvedTheme:
    """The theme this request is drawn with: the draft for a checked preview request, else
    the published theme shoppers see."""
    if request is not None and getattr(request, "theme_preview", False):
        draft = getattr(request, _DRAFT_ATTR, None)
        if not isinstance(draft, ResolvedTheme):
            draft = store_theme_draft_get()
            setattr(request, _DRAFT_ATTR, draft)
        return draft
    return store_theme_get()


class ThemePreviewMiddleware:
    """Checks the preview token once per request and marks the answer (see the module
    docstring). Placed after the authentication and clickjacking middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not in_store() or not is_preview_request(request):
            return self.get_response(request)
        token = request.GET.get(THEME_PREVIEW_PARAM, "")
        valid = theme_preview_token_valid(token=token, user=getattr(request, "user", None))
        request.theme_preview = valid  # type: ignore[attr-defined]
        response = self.get_response(request)
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response[PREVIEW_HEADER] = "draft" if valid else "refused"
        if valid:
            response["X-Frame-Options"] = "SAMEORIGIN"
        return response
