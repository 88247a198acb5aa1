"""Content page types and snippets (Wagtail).

A store's tree, in its own schema::

    Root
    └── StoreHomePage ("/", the Site's root; the storefront's home answers "/" itself)
        ├── BlogIndexPage ("/blog/") ── BlogPostPage ("/blog/<slug>/")
        ├── ContentPage   ("/about/", any free page)
        ├── FAQPage       ("/faq/", with FAQPage JSON-LD)
        └── LandingPage   (the storefront's home-page blocks on a page of its own)

The platform's site (public schema, `apps.platform_site`) uses the blog and content pages too;
`StoreHomePage` can only be created in a store's schema. Each language the store speaks is a
Wagtail locale; a translation is a page of the same `translation_key` in another locale.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, TranslatableMixin
from wagtail.search import index

from apps.content.blocks import RICH_TEXT_FEATURES, BodyBlock, FAQBlock
from apps.content.landing_blocks import LandingBlock, stream_blocks
from apps.core.tenancy import current_schema

POSTS_PER_PAGE = 12
WORDS_PER_MINUTE = 200


def in_store_schema() -> bool:
    return current_schema() not in (settings.PUBLIC_SCHEMA_NAME, "")


# ------------------------------------------------------------------------------
# snippets
# ------------------------------------------------------------------------------
class BlogCategory(TranslatableMixin, models.Model):
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80)

    panels = [FieldPanel("name"), FieldPanel("slug")]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("blog category")
        verbose_name_plural = _("blog categories")
        ordering = ["name"]
        unique_together = [("translation_key", "locale"), ("slug", "locale")]

    def __str__(self) -> str:
        return self.name


class Menu(TranslatableMixin, ClusterableModel):
    """The header or footer menu of a site, one per language."""

    class Handle(models.TextChoices):
        HEADER = "header", _("Header")
        FOOTER = "footer", _("Footer")

    handle = models.CharField(_("menu"), max_length=20, choices=Handle.choices)

    panels = [FieldPanel("handle"), InlinePanel("items", label=_("Links"), max_num=20)]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("menu")
        verbose_name_plural = _("menus")
        unique_together = [("translation_key", "locale"), ("handle", "locale")]

    def __str__(self) -> str:
        return str(self.get_handle_display())


class MenuItem(Orderable):
    menu = ParentalKey(Menu, on_delete=models.CASCADE, related_name="items")
    label = models.CharField(
        _("label"), max_length=60, blank=True, help_text=_("Defaults to the page's title.")
    )
    link_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    link_url = models.CharField(
        _("or address"),
        max_length=300,
        blank=True,
        help_text=_("A path on this site (/contact/) or a full https:// address."),
    )

    panels = [FieldPanel("label"), FieldPanel("link_page"), FieldPanel("link_url")]

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from apps.content.services import menu_url_clean

        if not self.link_page_id and not self.link_url:
            raise ValidationError(_("Choose a page or give an address."))
        if self.link_url:
            self.link_url = menu_url_clean(self.link_url)
        if not self.link_page_id and not self.label:
            raise ValidationError({"label": _("A link to an address needs a label.")})


# ------------------------------------------------------------------------------
# pages
# ------------------------------------------------------------------------------
class SiteTemplateMixin:
    """The page types both sides use are drawn in the store's theme on a store, and in the
    platform's look on the platform (previews too): `platform_template` there."""

    platform_template = ""

    def get_template(self, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
        if self.platform_template and not in_store_schema():
            return self.platform_template
        return super().get_template(request, *args, **kwargs)  # type: ignore[misc]


class StoreHomePage(Page):
    """The root of a store's content tree. The storefront's home view answers "/", so a visit
    here (a preview, a stray link) goes there."""

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["content.BlogIndexPage", "content.ContentPage", "content.FAQPage", "content.LandingPage"]

    class Meta:
        verbose_name = _("store home")

    @classmethod
    def can_create_at(cls, parent: Page) -> bool:
        return in_store_schema() and super().can_create_at(parent)

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return HttpResponseRedirect("/")


class BlogIndexPage(SiteTemplateMixin, Page):
    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    subpage_types = ["content.BlogPostPage"]
    template = "storefront/content/blog_index.html"
    platform_template = "platform_site/blog_index_page.html"

    class Meta:
        verbose_name = _("blog")

    def posts(self) -> models.QuerySet[BlogPostPage]:
        return (
            BlogPostPage.objects.live()
            .public()
            .child_of(self)
            .select_related("hero_image", "author")
            .order_by("-date", "-pk")
        )

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        posts = self.posts()
        tag = request.GET.get("tag", "").strip()[:100]
        category = request.GET.get("category", "").strip()[:80]
        if tag:
            posts = posts.filter(tags__slug=tag)
        if category:
            posts = posts.filter(categories__slug=category)
        paginator = Paginator(posts.distinct(), POSTS_PER_PAGE)
        try:
            page = paginator.page(request.GET.get("page", 1))
        except PageNotAnInteger:
            page = paginator.page(1)
        except EmptyPage:
            page = paginator.page(paginator.num_pages)
        context.update(posts=page, tag=tag, category=category)
        return context


class BlogPostTag(TaggedItemBase):
    content_object = ParentalKey(
        "content.BlogPostPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class BlogPostPage(SiteTemplateMixin, Page):
    date = models.DateField(_("post date"), default=None, null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        # the store's staff only: the editor's list never shows the shoppers' names
        limit_choices_to={"is_staff": True},
    )
    author_name = models.CharField(
        _("author's name"),
        max_length=120,
        blank=True,
        help_text=_("Shown on the post; defaults to the author's name."),
    )
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("hero image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    intro = models.TextField(_("introduction"), max_length=500, blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)
    tags = ClusterTaggableManager(through=BlogPostTag, blank=True)
    categories = ParentalManyToManyField(BlogCategory, blank=True, verbose_name=_("categories"))

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("date"), FieldPanel("author"), FieldPanel("author_name")], heading=_("About the post")
        ),
        FieldPanel("hero_image"),
        FieldPanel("intro"),
        FieldPanel("body"),
        MultiFieldPanel([FieldPanel("tags"), FieldPanel("categories")], heading=_("Tags and categories")),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.FilterField("date"),
    ]
    parent_page_types = ["content.BlogIndexPage"]
    subpage_types: list[str] = []
    template = "storefront/content/blog_post.html"
    platform_template = "platform_site/blog_post_page.html"

    class Meta:
        verbose_name = _("blog post")

    @property
    def byline(self) -> str:
        if self.author_name:
            return self.author_name
        if self.author is not None:
            return self.author.full_name or ""
        return ""

    @property
    def published_on(self) -> Any:
        return self.date or (self.first_published_at.date() if self.first_published_at else None)

    @property
    def reading_minutes(self) -> int:
        words = len(strip_tags(f"{self.intro} {self.body.render_as_block() if self.body else ''}").split())
        return max(1, math.ceil(words / WORDS_PER_MINUTE))

    def related_posts(self, limit: int = 3) -> list[BlogPostPage]:
        """Live posts sharing a tag or a category, most shared first, then newest."""
        # (.all(), not values_list("pk"): in a preview or a revision these are modelcluster's
        # in-memory querysets, which know no "pk")
        tag_ids = [tag.pk for tag in self.tags.all()]
        category_ids = [category.pk for category in self.categories.all()]
        if not tag_ids and not category_ids:
            return []
        shared = models.Q(tags__in=tag_ids) | models.Q(categories__in=category_ids)
        return list(
            BlogPostPage.objects.live()
            .public()
            .sibling_of(self, inclusive=False)
            .filter(shared)
            .annotate(shared=models.Count("pk"))
            .select_related("hero_image")
            .order_by("-shared", "-date", "-pk")[:limit]
        )

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context["related_posts"] = self.related_posts()
        return context


class ContentPage(SiteTemplateMixin, Page):
    """A free page: about, shipping information, a story."""

    intro = models.TextField(_("introduction"), max_length=500, blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    subpage_types = ["content.ContentPage", "content.FAQPage"]
    template = "storefront/content/content_page.html"
    platform_template = "platform_site/content_page.html"

    class Meta:
        verbose_name = _("content page")


class FAQPage(SiteTemplateMixin, Page):
    intro = models.TextField(_("introduction"), max_length=500, blank=True)
    questions = StreamField(FAQBlock(), verbose_name=_("questions"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("questions")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("questions")]
    subpage_types: list[str] = []
    template = "storefront/content/faq_page.html"
    platform_template = "platform_site/faq_page.html"

    class Meta:
        verbose_name = _("FAQ page")

    def faq_json_ld(self) -> dict[str, Any]:
        """schema.org FAQPage: every question with its answer as plain text."""
        entities = [
            {
                "@type": "Question",
                "name": block.value["question"],
                "acceptedAnswer": {"@type": "Answer", "text": strip_tags(str(block.value["answer"])).strip()},
            }
            for block in self.questions
            if block.block_type == "item"
        ]
        return {"@context": "https://schema.org", "@type": "FAQPage", "mainEntity": entities}


class LandingPage(Page):
    """A campaign page made of the storefront's home-page block types (seed 001's thirteen),
    edited block by block in Wagtail and held to the same schemas as the theme's blocks
    (`apps.content.landing_blocks`)."""

    body = StreamField(LandingBlock(), verbose_name=_("blocks"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("body")]
    subpage_types: list[str] = []
    template = "storefront/content/landing_page.html"

    class Meta:
        verbose_name = _("landing page")

    @classmethod
    def can_create_at(cls, parent: Page) -> bool:
        return in_store_schema() and super().can_create_at(parent)

    def stored_blocks(self) -> list[dict[str, Any]]:
        """The body as the storefront's stored blocks, for its block templates."""
        return stream_blocks(self.body)
