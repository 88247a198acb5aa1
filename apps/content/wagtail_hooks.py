"""Wagtail admin hooks of a store's /cms/: the product chooser, the menus and categories
snippets, a main menu fitted to a store's editors (a way back to the dashboard; no help
menu pointing at wagtail.org's English guides), and "Translate" offering the store's enabled
languages and refusing one the page's parent is not in (`apps.content.translation`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet

from apps.content.choosers import product_chooser_viewset
from apps.content.models import BlogCategory, Menu
from apps.content.translation import PageTranslationView, SnippetTranslationView
from apps.core.tenancy import current_schema


@hooks.register("register_admin_viewset")
def register_product_chooser() -> Any:
    return product_chooser_viewset


@hooks.register("register_admin_urls", order=-1)
def register_page_translation() -> list[URLPattern]:
    """Ahead of simple_translation's own path (its URL name still reverses to this address)."""
    return [
        path(
            "translation/submit/page/<int:page_id>/",
            PageTranslationView.as_view(),
            name="content_submit_page_translation",
        ),
        path(
            "translation/submit/snippet/<slug:app_label>/<slug:model_name>/<str:pk>/",
            SnippetTranslationView.as_view(),
            name="content_submit_snippet_translation",
        ),
    ]


@hooks.register("construct_main_menu")
def main_menu_for_stores(request: HttpRequest, menu_items: list[Any]) -> None:
    menu_items[:] = [item for item in menu_items if item.name != "help"]
    if current_schema() != settings.PUBLIC_SCHEMA_NAME:
        menu_items.insert(
            0,
            MenuItem(
                _("Back to dashboard"),
                reverse("dashboard:home"),
                name="store-dashboard",
                icon_name="arrow-left",
                order=0,
            ),
        )


register_snippet(Menu)
register_snippet(BlogCategory)
