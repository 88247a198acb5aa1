"""`{% storefront_cache %}`: a template fragment cached per store, theme, catalog, language and
display currency (see apps.storefront.caching for the key and its invalidation).

    {% load storefront_cache %}
    {% storefront_cache "product-card" card.product.pk card.eager %}
      ... markup that shows only catalog and theme data (no CSRF token, nothing per shopper) ...
    {% endstorefront_cache %}

The first argument names the fragment; the others are what it varies on. Callables and lazy
querysets used only inside the block are not evaluated when the fragment is cached, which is
where the saving in queries comes from.
"""

from __future__ import annotations

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token

from apps.core.tenancy import in_store
from apps.storefront.caching import fragment_cached
from apps.storefront.theme_preview import is_preview_request

register = template.Library()


class StorefrontCacheNode(template.Node):
    def __init__(self, nodelist: NodeList, name: FilterExpression, vary_on: list[FilterExpression]) -> None:
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on

    def render(self, context: template.Context) -> str:
        # Error pages rendered outside a store have nothing to key on; the theme editor's
        # preview draws the draft, which must neither read nor fill the shoppers' fragments.
        if not in_store() or is_preview_request(context.get("request")):
            return self.nodelist.render(context)
        name = str(self.name.resolve(context))
        vary = [expression.resolve(context) for expression in self.vary_on]
        return fragment_cached(
            name, lambda: self.nodelist.render(context), vary_on=vary, request=context.get("request")
        )


@register.tag("storefront_cache")
def do_storefront_cache(parser: Parser, token: Token) -> StorefrontCacheNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"'{bits[0]}' needs a fragment name")
    nodelist = parser.parse(("endstorefront_cache",))
    parser.delete_first_token()
    return StorefrontCacheNode(
        nodelist, parser.compile_filter(bits[1]), [parser.compile_filter(bit) for bit in bits[2:]]
    )
