"""StreamField blocks of the platform's own pages (public schema).

No block here reaches a store's catalog: the platform site has no products to choose. Rich text
goes through Wagtail's feature whitelist (`RICH_TEXT_FEATURES`), so pasted scripts never render.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from apps.content.blocks import TextBodyBlock


class FeatureBlock(blocks.StructBlock):
    """One feature: a title and a short description."""

    title = blocks.CharBlock(label=_("Title"), max_length=120)
    text = blocks.TextBlock(label=_("Description"), max_length=600)

    class Meta:
        icon = "pick"
        label = _("Feature")
        template = "platform_site/blocks/feature.html"


class FeaturesBlock(blocks.StreamBlock):
    feature = FeatureBlock()


class ArticleBlock(TextBodyBlock):
    """The body of a help article or a free platform page: a store post's blocks without the
    products (the platform has no catalog)."""
