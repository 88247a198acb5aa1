"""The platform's own site: page types of the public schema, edited by platform staff at /cms/.

The tree, in the public schema only::

    Root
    └── PlatformHomePage ("/" on the platform domain: the landing page, with signup calls to action)
        ├── FeaturesPage    ("/features/")
        ├── PricingPage     ("/pricing/", the billing plans read live from apps.billing)
        ├── BlogIndexPage   ("/blog/", apps.content's blog, rendered in the platform's look)
        ├── HelpIndexPage   ("/help/", searchable) ── HelpArticlePage ("/help/<slug>/")
        └── ContentPage     (any free page: about, terms)

None of these types can be created in a store's schema (their tables live in public only), and a
store's tree never holds them: the two trees are in different schemas, so neither site can show
the other's pages.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from apps.content.blocks import RICH_TEXT_FEATURES
from apps.core.tenancy import current_schema
from apps.platform_site.blocks import ArticleBlock, FeaturesBlock


def on_platform() -> bool:
    return current_schema() == settings.PUBLIC_SCHEMA_NAME


class PlatformPage(Page):
    """Base of the platform's page types: only ever created in the public schema."""

    class Meta:
        abstract = True

    @classmethod
    def can_create_at(cls, parent: Page) -> bool:
        return on_platform() and super().can_create_at(parent)


class PlatformHomePage(PlatformPage):
    hero_heading = models.CharField(
        _("headline"), max_length=160, blank=True, help_text=_("Defaults to the page's title.")
    )
    hero_text = models.TextField(_("lead text"), max_length=600, blank=True)
    cta_label = models.CharField(_("signup button"), max_length=60, default=_("Create your account"))
    highlights = StreamField(FeaturesBlock(), verbose_name=_("highlights"), blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("hero_heading"), FieldPanel("hero_text"), FieldPanel("cta_label")], heading=_("Hero")
        ),
        FieldPanel("highlights"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("hero_text")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "platform_site.FeaturesPage",
        "platform_site.PricingPage",
        "platform_site.HelpIndexPage",
        "content.BlogIndexPage",
        "content.ContentPage",
    ]
    max_count = 1
    template = "platform_site/home_page.html"

    class Meta:
        verbose_name = _("platform home")


class FeaturesPage(PlatformPage):
    intro = models.TextField(_("introduction"), max_length=600, blank=True)
    features = StreamField(FeaturesBlock(), verbose_name=_("features"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("features")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("features")]
    parent_page_types = ["platform_site.PlatformHomePage"]
    subpage_types: list[str] = []
    template = "platform_site/features_page.html"

    class Meta:
        verbose_name = _("features page")


class PricingPage(PlatformPage):
    """The plans come from apps.billing on every request (names, prices, limits): the page
    holds only the words around them."""

    intro = models.TextField(_("introduction"), max_length=600, blank=True)
    footnote = RichTextField(_("below the plans"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("footnote")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    parent_page_types = ["platform_site.PlatformHomePage"]
    subpage_types: list[str] = []
    max_count = 1
    template = "platform_site/pricing_page.html"

    class Meta:
        verbose_name = _("pricing page")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from apps.platform_site.selectors import pricing_plans

        context = super().get_context(request, *args, **kwargs)
        context["plans"] = pricing_plans()
        return context


class HelpIndexPage(PlatformPage):
    intro = models.TextField(_("introduction"), max_length=600, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["platform_site.PlatformHomePage"]
    subpage_types = ["platform_site.HelpArticlePage"]
    template = "platform_site/help_index_page.html"

    class Meta:
        verbose_name = _("help centre")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from apps.platform_site.selectors import help_articles

        context = super().get_context(request, *args, **kwargs)
        query = request.GET.get("q", "").strip()[:200]
        context.update(query=query, articles=help_articles(self, query))
        return context


class HelpArticlePage(PlatformPage):
    intro = models.TextField(_("summary"), max_length=500, blank=True)
    body = StreamField(ArticleBlock(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["platform_site.HelpIndexPage"]
    subpage_types: list[str] = []
    template = "platform_site/help_article_page.html"

    class Meta:
        verbose_name = _("help article")
