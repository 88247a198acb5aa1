"""The store's blog for headless shops: live, public posts in the request's language (or
`language`), newest first, filtered by tag or category, and one post by its slug with its body
rendered as HTML. Links are absolute on the store's canonical origin."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.serializers import StrictQuerySerializer
from apps.api.views import ApiView, ListApiView
from apps.content.discovery import active_language, page_path, post_get, post_list
from apps.content.models import BlogPostPage
from apps.storefront.i18n import store_languages
from apps.storefront.seo import absolute_url

BLOG_REASON = "the store's blog is public: live posts without view restrictions only"
HERO_RENDITION = "fill-1200x630"

POST_EXAMPLE: dict[str, Any] = {
    "slug": "linen-care",
    "title": "How to care for linen",
    "intro": "Wash cold, dry flat.",
    "url": "https://alpha.example.com/blog/linen-care/",
    "published_on": "2026-05-01",
    "author": "Erika Mustermann",
    "hero_image_url": "https://alpha.example.com/media/alpha/images/linen.fill-1200x630.jpg",
    "tags": ["linen", "care"],
    "categories": [{"slug": "guides", "name": "Guides"}],
    "language": "en",
}


class BlogQuery(StrictQuerySerializer):
    tag = serializers.SlugField(required=False, max_length=100, allow_blank=True)
    category = serializers.SlugField(required=False, max_length=80, allow_blank=True)
    language = serializers.CharField(required=False, max_length=10, allow_blank=True)


class BlogCategorySerializer(serializers.Serializer):  # type: ignore[type-arg]
    slug = serializers.CharField()
    name = serializers.CharField()


def _request(context: dict[str, Any]) -> HttpRequest | None:
    request = context.get("request")
    return getattr(request, "_request", request)


class BlogPostCardSerializer(serializers.Serializer):  # type: ignore[type-arg]
    slug = serializers.CharField()
    title = serializers.CharField()
    intro = serializers.CharField()
    url = serializers.SerializerMethodField()
    published_on = serializers.DateField(allow_null=True)
    author = serializers.CharField(source="byline")
    hero_image_url = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField()
    language = serializers.CharField(source="locale.language_code")

    def get_url(self, post: BlogPostPage) -> str:
        request = _request(self.context)
        return absolute_url(request, page_path(post, request) or "/")

    @extend_schema_field(OpenApiTypes.URI)
    def get_hero_image_url(self, post: BlogPostPage) -> str | None:
        if post.hero_image is None:
            return None
        return absolute_url(_request(self.context), post.hero_image.get_rendition(HERO_RENDITION).url)

    def get_tags(self, post: BlogPostPage) -> list[str]:
        return [tag.name for tag in post.tags.all()]

    @extend_schema_field(BlogCategorySerializer(many=True))
    def get_categories(self, post: BlogPostPage) -> list[dict[str, str]]:
        return [{"slug": category.slug, "name": category.name} for category in post.categories.all()]


class BlogPostSerializer(BlogPostCardSerializer):
    seo_title = serializers.CharField()
    search_description = serializers.CharField()
    body_html = serializers.SerializerMethodField()
    reading_minutes = serializers.IntegerField()
    last_published_at = serializers.DateTimeField(allow_null=True)

    def get_body_html(self, post: BlogPostPage) -> str:
        return str(post.body.render_as_block()) if post.body else ""


def _language(request: Request, wanted: str) -> str:
    languages = store_languages(request._request)
    if not wanted:
        return active_language()
    if wanted not in languages.enabled:
        raise exceptions.ValidationError(
            {"language": [_("Choose one of %(choices)s.") % {"choices": ", ".join(languages.enabled)}]}
        )
    return wanted


class BlogPostListApi(ListApiView):
    """Live, public blog posts, newest first."""

    api_public_reason = BLOG_REASON
    serializer_class = BlogPostCardSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[BlogPostPage]:
        params = {
            name: value
            for name, value in self.request.query_params.items()
            if name not in ("page", "per_page")
        }
        query = BlogQuery(data=params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        posts = post_list(
            language=_language(self.request, values.get("language", "")),
            tag=values.get("tag", ""),
            category=values.get("category", ""),
        )
        return posts.prefetch_related("tags", "categories", "hero_image__renditions")

    @extend_schema(
        summary="Blog posts",
        description=(
            "The store's live, public blog posts, newest first (the post's date, else its first publication), "
            "in the request's language or `language`; filter by a tag's or a category's slug."
        ),
        parameters=[
            OpenApiParameter("tag", OpenApiTypes.STR, description="A tag's slug."),
            OpenApiParameter("category", OpenApiTypes.STR, description="A blog category's slug."),
            OpenApiParameter("language", OpenApiTypes.STR, description="One of the store's languages."),
        ],
        examples=[OpenApiExample("A page of posts", value=POST_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class BlogPostDetailApi(ApiView):
    api_public_reason = BLOG_REASON

    @extend_schema(
        summary="One blog post",
        description=(
            "A live, public post by its slug (in the request's language or `language` when translated), "
            "with its body as HTML and its reading time in minutes."
        ),
        parameters=[
            OpenApiParameter("language", OpenApiTypes.STR, description="One of the store's languages."),
        ],
        responses=BlogPostSerializer,
        examples=[
            OpenApiExample(
                "A post",
                value={
                    **POST_EXAMPLE,
                    "seo_title": "",
                    "search_description": "Linen lasts for years when washed right.",
                    "body_html": "<h2>Washing</h2><p>Wash cold.</p>",
                    "reading_minutes": 3,
                    "last_published_at": "2026-05-02T09:00:00Z",
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, slug: str) -> Response:
        language = _language(request, str(request.query_params.get("language", ""))[:10])
        post = post_get(slug=slug, language=language) if len(slug) <= 255 else None
        if post is None:
            raise exceptions.NotFound(_("No such post."))
        return Response(BlogPostSerializer(post, context={"request": request}).data)
