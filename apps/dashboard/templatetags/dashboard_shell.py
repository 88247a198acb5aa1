"""Tags of the dashboard's shell (dashboard/base.html).

`{% header_slots as slots %}` renders the sections other apps add to the dashboard's header
(page slots of page "dashboard.header", such as a notification bell) for this reader; an empty
string when none is registered or none has anything to show, so the shell draws no empty box.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from apps.core.page_slots import slots_render

register = template.Library()

HEADER_PAGE = "dashboard.header"


@register.simple_tag(takes_context=True)
def header_slots(context: dict[str, Any]) -> SafeString:
    request = context.get("request")
    if request is None:
        return mark_safe("")
    rendered = slots_render(HEADER_PAGE, request, None, name="store")
    return mark_safe("".join(rendered))  # noqa: S308 - each part rendered by our own templates
