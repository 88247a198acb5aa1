"""StreamField blocks of a store's blog posts and content pages.

`ProductChooserBlock` stores a catalog product's id; a product deleted since renders nothing
(the chooser block's value is None and the template skips it), never an error. Rich text is
Wagtail's: the editor's HTML is converted through the feature whitelist below, so a pasted
`<script>`, `onclick` or `javascript:` link never reaches the page.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock

from apps.content.choosers import product_chooser_viewset

RICH_TEXT_FEATURES = [
    "h2",
    "h3",
    "h4",
    "bold",
    "italic",
    "link",
    "document-link",
    "ol",
    "ul",
    "hr",
    "blockquote",
]

ProductChooserBlock = product_chooser_viewset.get_block_class(
    name="ProductChooserBlock", module_path="apps.content.blocks"
)


class ProductsBlock(blocks.StructBlock):
    """A row of chosen products, each linking to its product page."""

    title = blocks.CharBlock(label=_("Heading"), required=False, max_length=120)
    products = blocks.ListBlock(ProductChooserBlock(), label=_("Products"), min_num=1, max_num=12)

    class Meta:
        icon = "tag"
        label = _("Products")
        template = "storefront/content/blocks/products.html"

    def get_context(self, value: Any, parent_context: dict[str, Any] | None = None) -> dict[str, Any]:
        context = super().get_context(value, parent_context=parent_context)
        # Only products still in the catalog and active (a deleted one is None, a draft is
        # hidden), read as the storefront's cards read them: prices, stock, images.
        chosen = [
            product.pk for product in value["products"] if product is not None and product.status == "active"
        ]
        context["shown_products"] = _cards(chosen)
        return context


def _cards(product_ids: list[int]) -> list[Any]:
    if not product_ids:
        return []
    from apps.catalog.models import Product
    from apps.catalog.selectors import ProductFilters, product_list

    found = {
        product.pk: product
        for product in product_list(filters=ProductFilters(status=Product.Status.ACTIVE)).filter(
            pk__in=product_ids
        )
    }
    return [found[pk] for pk in product_ids if pk in found]


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "storefront/content/blocks/image.html"


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock(label=_("Quote"), max_length=600)
    attribution = blocks.CharBlock(label=_("Attribution"), required=False, max_length=120)

    class Meta:
        icon = "openquote"
        label = _("Quote")
        template = "storefront/content/blocks/quote.html"


class TextBodyBlock(blocks.StreamBlock):
    """Headings, rich text, images and quotes: the body of any page (the platform's too)."""

    heading = blocks.CharBlock(
        label=_("Heading"),
        max_length=120,
        form_classname="title",
        template="storefront/content/blocks/heading.html",
    )
    paragraph = blocks.RichTextBlock(label=_("Paragraph"), features=RICH_TEXT_FEATURES)
    image = ImageBlock()
    quote = QuoteBlock()


class BodyBlock(TextBodyBlock):
    """The body of a store's blog posts and content pages: the text blocks and chosen products."""

    products = ProductsBlock()


class FAQItemBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("Question"), max_length=250)
    answer = blocks.RichTextBlock(label=_("Answer"), features=["bold", "italic", "link", "ol", "ul"])

    class Meta:
        icon = "help"
        label = _("Question and answer")


class FAQBlock(blocks.StreamBlock):
    item = FAQItemBlock()
