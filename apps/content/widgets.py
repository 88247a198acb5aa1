"""The rich text editor of /cms/ (WAGTAILADMIN_RICH_TEXT_EDITORS): Wagtail's Draftail, whose
posted value (Draft.js JSON) is turned into stored HTML through the feature whitelist. A value
that is not that JSON (a hand-made request, a broken script) counts as no value, so the field's
own rules answer with a form error instead of the converter failing the request."""

from __future__ import annotations

from typing import Any

from wagtail.admin.rich_text import DraftailRichTextArea


class StoreDraftailRichTextArea(DraftailRichTextArea):
    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        try:
            return super().value_from_datadict(data, files, name)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError):
            return None
