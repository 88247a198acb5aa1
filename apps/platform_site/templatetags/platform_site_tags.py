"""`{% platform_nav_pages as pages %}`: the platform home's live pages shown in menus, in order."""

from __future__ import annotations

from typing import Any

from django import template
from wagtail.models import Page, Site

register = template.Library()


@register.simple_tag(takes_context=True)
def platform_nav_pages(context: dict[str, Any]) -> list[Page]:
    request = context.get("request")
    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        return []
    return list(site.root_page.get_children().live().public().in_menu().order_by("path"))
