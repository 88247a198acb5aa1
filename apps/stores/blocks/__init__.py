"""The blocks a store's home page is made of: one typed schema per block type (seed 001's
thirteen), each a frozen dataclass whose fields carry their own limits.

Stored form of one block (`StoreTheme.blocks` is a list of these)::

    {"id": "hero", "type": "hero_banner", "data": {"heading": "...", ...},
     "translations": {"de": {"heading": "..."}}}

`data` holds the text in the store's default language; the optional `translations` give, per
language the platform speaks, the text settings (plain text, rich text, lists of items) that
read differently in it, checked by the same rules. A shopper reads `ThemeBlock.data_for(their
language)`: the translated text where there is one, the default everywhere else; links, handles,
numbers and choices are the block's own in every language.

`block_parse` turns that into a `ThemeBlock` holding the typed data, or raises `ThemeInvalid`
naming every problem with its path ("blocks[2].data.items[0].quote") and a stable code. The
rules: text has a length limit and is plain (the template escapes it); the one rich field
(`custom_text.html`) is sanitised with `apps.core.html.html_sanitize`; links are http(s),
site-relative ("/...") or an anchor ("#..."), never "javascript:" or protocol-relative; lists
have a size limit; unknown fields and types are refused, so a typo in the theme editor is seen
rather than silently dropped. Blocks that show products or categories store only what to show
(a collection handle, a count): the storefront reads the catalog when it renders them.
"""

from apps.stores.blocks.labels import (
    CHOICE_LABELS,
    FIELD_HELP,
    FIELD_LABELS,
    choice_label,
    field_label,
    theme_error_text,
)
from apps.stores.blocks.schemas import (
    ALIGN,
    BLOCK_TYPES,
    SIZES,
    TRUST_ICONS,
    BlockType,
    CategoriesGrid,
    CountdownTimer,
    CustomText,
    FeaturedProducts,
    HeroBanner,
    ImageBanner,
    Newsletter,
    ProductCarousel,
    ReviewQuote,
    Reviews,
    Spacer,
    Testimonial,
    Testimonials,
    ThemeBlock,
    TrustBadge,
    TrustBadges,
    VideoBanner,
    block_id_new,
    block_parse,
    blocks_parse,
)
from apps.stores.blocks.specs import (
    BLOCK_ID_RE,
    HANDLE_RE,
    MAX_BLOCKS,
    URL_MAX_LENGTH,
    VIDEO_EXTENSIONS,
    BlockData,
    Boolean,
    Choice,
    DateTime,
    Handle,
    Html,
    Integer,
    Items,
    Spec,
    Text,
    Url,
    spec,
    url_is_safe,
)

__all__ = [
    "ALIGN",
    "BLOCK_ID_RE",
    "BLOCK_TYPES",
    "CHOICE_LABELS",
    "FIELD_HELP",
    "FIELD_LABELS",
    "HANDLE_RE",
    "MAX_BLOCKS",
    "SIZES",
    "TRUST_ICONS",
    "URL_MAX_LENGTH",
    "VIDEO_EXTENSIONS",
    "BlockData",
    "BlockType",
    "Boolean",
    "CategoriesGrid",
    "Choice",
    "CountdownTimer",
    "CustomText",
    "DateTime",
    "FeaturedProducts",
    "Handle",
    "HeroBanner",
    "Html",
    "ImageBanner",
    "Integer",
    "Items",
    "Newsletter",
    "ProductCarousel",
    "ReviewQuote",
    "Reviews",
    "Spacer",
    "Spec",
    "Testimonial",
    "Testimonials",
    "Text",
    "ThemeBlock",
    "TrustBadge",
    "TrustBadges",
    "Url",
    "VideoBanner",
    "block_id_new",
    "block_parse",
    "blocks_parse",
    "choice_label",
    "field_label",
    "spec",
    "theme_error_text",
    "url_is_safe",
]
