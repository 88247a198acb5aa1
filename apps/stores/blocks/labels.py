"""What a merchant reads for a block's settings, wherever they are edited (the dashboard's theme
editor, a landing page in the CMS): a label per setting, help where one is needed, a label per
choice, and the sentence shown next to a setting a rule refused."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from apps.stores.errors import ThemeError, ThemeErrorCode

FIELD_LABELS: dict[str, Any] = {
    "heading": gettext_lazy("Heading"),
    "subheading": gettext_lazy("Subheading"),
    "button_label": gettext_lazy("Button text"),
    "button_url": gettext_lazy("Button link"),
    "image_url": gettext_lazy("Image address"),
    "image_alt": gettext_lazy("Image description (for screen readers)"),
    "alt": gettext_lazy("Image description (for screen readers)"),
    "align": gettext_lazy("Alignment"),
    "collection": gettext_lazy("Collection handle"),
    "limit": gettext_lazy("How many to show"),
    "items": gettext_lazy("Entries"),
    "quote": gettext_lazy("Quote"),
    "author": gettext_lazy("Name"),
    "role": gettext_lazy("Role or place"),
    "ends_at": gettext_lazy("Ends at (store time)"),
    "text": gettext_lazy("Text"),
    "ended_text": gettext_lazy("Text once it has ended"),
    "video_url": gettext_lazy("Video file address"),
    "poster_url": gettext_lazy("Poster image address"),
    "caption": gettext_lazy("Caption"),
    "autoplay": gettext_lazy("Play automatically (muted)"),
    "icon": gettext_lazy("Icon"),
    "title": gettext_lazy("Title"),
    "rating": gettext_lazy("Stars (1 to 5)"),
    "product": gettext_lazy("Product"),
    "html": gettext_lazy("Text (basic formatting allowed)"),
    "link_url": gettext_lazy("Link"),
    "height": gettext_lazy("Height"),
    "size": gettext_lazy("Size"),
}
FIELD_HELP: dict[str, Any] = {
    "collection": gettext_lazy(
        "Empty: the newest products. Otherwise the handle of a collection, e.g. summer-sale."
    ),
    "html": gettext_lazy("Paragraphs, links, lists, bold and italics are kept; anything else is removed."),
}
CHOICE_LABELS: dict[str, Any] = {
    "left": gettext_lazy("Left"),
    "center": gettext_lazy("Centred"),
    "small": gettext_lazy("Small"),
    "medium": gettext_lazy("Medium"),
    "large": gettext_lazy("Large"),
    "shipping": gettext_lazy("Shipping"),
    "returns": gettext_lazy("Returns"),
    "secure": gettext_lazy("Secure payment"),
    "support": gettext_lazy("Support"),
    "quality": gettext_lazy("Quality"),
    "eco": gettext_lazy("Eco-friendly"),
}


def field_label(name: str) -> Any:
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


def choice_label(value: str) -> Any:
    return CHOICE_LABELS.get(value, value)


# ------------------------------------------------------------------------------
# messages: written from the error's code and parameters, never parsed from its sentence
# ------------------------------------------------------------------------------
_FIELD_MESSAGES: dict[str, Any] = {
    ThemeErrorCode.REQUIRED: gettext_lazy("This field is required."),
    ThemeErrorCode.NOT_TEXT: gettext_lazy("Enter text."),
    ThemeErrorCode.INVALID_CHOICE: gettext_lazy("Pick one of the choices offered."),
    ThemeErrorCode.NOT_A_NUMBER: gettext_lazy("Enter a whole number."),
    ThemeErrorCode.INVALID_DATETIME: gettext_lazy("Enter a date and a time."),
    ThemeErrorCode.INVALID_HANDLE: gettext_lazy(
        "Enter a collection handle: letters, digits, “-” and “_” (or leave it empty)."
    ),
    ThemeErrorCode.INVALID_COLOR: gettext_lazy("Enter a colour written #rrggbb, for example #1d4ed8."),
    ThemeErrorCode.UNKNOWN_FONT: gettext_lazy("Pick one of the fonts the store serves."),
    ThemeErrorCode.UNKNOWN_BLOCK_TYPE: gettext_lazy("Pick one of the block types offered."),
}


def theme_error_text(error: ThemeError) -> str:
    """The sentence shown next to the field `error` refuses."""
    params = error.params
    try:
        if error.code == ThemeErrorCode.TOO_LONG:
            return ngettext(
                "At most %(limit)d character.", "At most %(limit)d characters.", params["limit"]
            ) % {"limit": params["limit"]}
        if error.code == ThemeErrorCode.OUT_OF_RANGE and "minimum" in params:
            return _("Enter a number from %(minimum)d to %(maximum)d.") % params
        if error.code == ThemeErrorCode.OUT_OF_RANGE:
            return _("Enter a number from 0 to %(maximum)d.") % params
        if error.code == ThemeErrorCode.INVALID_URL and "extensions" in params:
            return _("Link a video file ending in %(extensions)s (no embedded players).") % {
                "extensions": ", ".join(params["extensions"])
            }
        if error.code == ThemeErrorCode.INVALID_URL and params.get("picture"):
            return _("Enter a picture's address starting with https:// or a path starting with “/”.")
        if error.code == ThemeErrorCode.INVALID_URL:
            return _("Enter an address starting with https://, a path starting with “/” or an anchor “#…”.")
        if error.code == ThemeErrorCode.TOO_FEW_ITEMS:
            return ngettext(
                "Fill in at least %(limit)d entry.", "Fill in at least %(limit)d entries.", params["limit"]
            ) % {"limit": params["limit"]}
        if error.code == ThemeErrorCode.TOO_MANY_ITEMS:
            return _("At most %(limit)d entries.") % {"limit": params["limit"]}
    except (KeyError, TypeError, ValueError):
        return error.message
    text = _FIELD_MESSAGES.get(error.code)
    return str(text) if text is not None else error.message
