"""The platform's own site (public schema): the Wagtail home on "/", pricing read live from the
billing plans, the help centre's search, the blog in the platform's look, /cms/ for platform staff
only, and no crossing with any store's content."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_tenants.utils import schema_context
from wagtail.models import Locale, Page, Site

from apps.accounts.models import User
from apps.billing.models import Plan
from apps.billing.selectors import plans_offered
from apps.content.models import BlogIndexPage, BlogPostPage
from apps.core.money import money_format
from apps.platform_site.models import (
    FeaturesPage,
    HelpArticlePage,
    HelpIndexPage,
    PlatformHomePage,
    PricingPage,
)
from apps.platform_site.services import STAFF_GROUP, platform_site_ensure
from tests.fixtures import PASSWORD, StoreWorld, store_client

pytestmark = pytest.mark.django_db

SIGNUP = 'href="/accounts/signup/" data-signup-cta'


def _html(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def _templates(response) -> set[str]:  # type: ignore[no-untyped-def]
    return {template.name for template in response.templates if template.name}


# ------------------------------------------------------------------------------
# the tree and its Site
# ------------------------------------------------------------------------------
def test_the_public_schema_has_the_platform_site_on_the_platform_domain():
    site = Site.objects.get()
    assert site.is_default_site
    assert site.hostname == settings.PLATFORM_DOMAIN
    home = site.root_page.specific
    assert isinstance(home, PlatformHomePage) and home.live
    # Wagtail's own "Welcome" page is gone: the home is the root's only child.
    assert [page.pk for page in Page.get_first_root_node().get_children()] == [home.pk]
    assert {type(page.specific) for page in home.get_children().live()} == {
        FeaturesPage,
        PricingPage,
        BlogIndexPage,
        HelpIndexPage,
    }
    assert HelpArticlePage.objects.live().count() == 2


def test_ensuring_the_platform_site_again_changes_nothing_but_puts_the_site_right():
    home = PlatformHomePage.objects.get()
    Site.objects.update(hostname="elsewhere.example", is_default_site=False)
    pages = Page.objects.count()
    assert platform_site_ensure().pk == home.pk
    assert Page.objects.count() == pages
    site = Site.objects.get()
    assert (site.hostname, site.is_default_site, site.root_page_id) == (
        settings.PLATFORM_DOMAIN,
        True,
        home.pk,
    )


def test_platform_page_types_cannot_be_created_in_a_store(alpha: StoreWorld):
    root = Page.get_first_root_node()
    assert PlatformHomePage.can_create_at(root) is False  # one exists already
    with schema_context(alpha.tenant.schema_name):
        store_root = Page.get_first_root_node()
        store_home = store_root.get_children().get()
        assert not PlatformHomePage.can_create_at(store_root)
        for page_type in (FeaturesPage, PricingPage, HelpIndexPage):
            assert not page_type.can_create_at(store_home)
            assert page_type not in store_home.specific_class.creatable_subpage_models()


# ------------------------------------------------------------------------------
# "/" and the calls to action
# ------------------------------------------------------------------------------
def test_the_platform_home_is_the_wagtail_page_with_a_signup_call_to_action(platform_client: Client):
    response = platform_client.get("/")
    html = _html(response)
    assert isinstance(response.context["page"], PlatformHomePage)
    assert "platform_site/home_page.html" in _templates(response)
    assert SIGNUP in html
    assert "Run your dropshipping stores on" in html
    for path in ("/features/", "/pricing/", "/blog/", "/help/"):
        assert f'href="{path}"' in html  # the menu
    assert reverse("platform:landing", urlconf="config.urls_public") == "/"


def test_an_editor_s_change_to_the_home_page_shows_on_the_platform(platform_client: Client):
    home = PlatformHomePage.objects.get()
    home.hero_heading = "Sell more with less"
    home.cta_label = "Try it free"
    home.save_revision().publish()
    html = _html(platform_client.get("/"))
    assert "Sell more with less" in html
    assert "data-signup-cta>Try it free</a>" in html


def test_a_signed_in_merchant_is_sent_to_the_console_instead(platform_client: Client, alpha: StoreWorld):
    platform_client.force_login(alpha.owner)
    html = _html(platform_client.get("/"))
    assert SIGNUP not in html
    assert 'href="/console/"' in html


def test_without_a_platform_site_the_old_landing_page_answers(platform_client: Client):
    Site.objects.all().delete()
    response = platform_client.get("/")
    assert "platform/landing.html" in _templates(response)
    assert 'href="/accounts/signup/"' in _html(response)


def test_features_page_lists_the_features(platform_client: Client):
    html = _html(platform_client.get("/features/"))
    assert "A store in seconds" in html and "Products from suppliers" in html
    assert SIGNUP in html


# ------------------------------------------------------------------------------
# pricing from the billing plans
# ------------------------------------------------------------------------------
def _plan_card(html: str, code: str) -> str:
    start = html.index(f'data-plan="{code}"')
    return html[start : html.index("</article>", start)]


def test_pricing_lists_every_offered_plan_with_its_price_and_limits(platform_client: Client):
    plans = list(plans_offered())
    assert plans, "the billing migrations seed the plans"
    html = _html(platform_client.get("/pricing/"))
    for plan in plans:
        card = _plan_card(html, plan.code)
        assert plan.name in card
        assert money_format(plan.monthly_price, plan.currency, "en") in card
        stores = plan.max_stores
        assert (f"{stores:,} stores" if stores is not None else "Unlimited stores") in card
        products = plan.max_products_per_store
        assert (f"{products:,} products per store" if products is not None else "Unlimited products") in card
    assert SIGNUP in html


def test_a_plan_change_shows_on_the_pricing_page_at_once(platform_client: Client):
    plan = plans_offered().first()
    assert plan is not None
    Plan.objects.filter(pk=plan.pk).update(
        name="Growth Deluxe", monthly_price=Decimal("123.45"), max_stores=7, max_staff_seats=None
    )
    card = _plan_card(_html(platform_client.get("/pricing/")), plan.code)
    assert "Growth Deluxe" in card and "123.45" in card
    assert "7 stores" in card and "Unlimited staff seats" in card

    Plan.objects.filter(pk=plan.pk).update(active=False)
    assert f'data-plan="{plan.code}"' not in _html(platform_client.get("/pricing/"))
    hidden = Plan.objects.create(code="secret-plan", name="Hidden Plan", is_public=False)
    assert hidden.name not in _html(platform_client.get("/pricing/"))


# ------------------------------------------------------------------------------
# help centre and blog
# ------------------------------------------------------------------------------
def test_the_help_centre_lists_and_searches_its_articles(platform_client: Client):
    html = _html(platform_client.get("/help/"))
    assert "Opening your first store" in html and "Choosing and changing your plan" in html
    found = _html(platform_client.get("/help/", {"q": "trial"}))
    assert "Choosing and changing your plan" in found
    assert "Opening your first store" not in found
    assert "No article matches" in _html(platform_client.get("/help/", {"q": "zebracorn"}))
    article = _html(platform_client.get("/help/choosing-your-plan/"))
    assert "Plan and usage" in article


def _platform_post(title: str, slug: str) -> BlogPostPage:
    blog = BlogIndexPage.objects.get()
    post = blog.add_child(instance=BlogPostPage(title=title, slug=slug, intro="Release notes."))
    post.save_revision().publish()
    return post


def test_the_platform_blog_is_drawn_in_the_platform_s_look(platform_client: Client):
    _platform_post("Platform news", "platform-news")
    index = platform_client.get("/blog/")
    assert "Platform news" in _html(index)
    assert "platform_site/blog_index_page.html" in _templates(index)
    post = platform_client.get("/blog/platform-news/")
    assert "Release notes." in _html(post)
    assert "platform_site/blog_post_page.html" in _templates(post)
    assert not any(name.startswith("storefront/") for name in _templates(post))


# ------------------------------------------------------------------------------
# never a store's content, never the platform's pages on a store
# ------------------------------------------------------------------------------
def test_a_store_s_post_is_never_on_the_platform_site(platform_client: Client, alpha: StoreWorld):
    title = "Alpha Secret Launch"
    with schema_context(alpha.tenant.schema_name):
        store_blog = BlogIndexPage.objects.get()
        post = store_blog.add_child(instance=BlogPostPage(title=title, slug="alpha-secret-launch"))
        post.save_revision().publish()
    assert title in _html(store_client(alpha).get("/blog/alpha-secret-launch/"))  # it is live in alpha

    assert platform_client.get("/blog/alpha-secret-launch/").status_code == 404
    assert title not in _html(platform_client.get("/blog/"))
    assert "No article matches" in _html(platform_client.get("/help/", {"q": "Alpha Secret Launch"}))
    assert title not in _html(platform_client.get("/"))
    assert not BlogPostPage.objects.filter(title=title).exists()  # the public schema's tree


def test_the_platform_s_pages_are_not_served_on_a_store_domain(alpha: StoreWorld):
    client = store_client(alpha)
    for path in ("/pricing/", "/features/", "/help/", "/help/choosing-your-plan/"):
        assert client.get(path).status_code == 404, path
    assert SIGNUP not in client.get("/").content.decode()


# ------------------------------------------------------------------------------
# /cms/ on the platform: staff only
# ------------------------------------------------------------------------------
def test_a_merchant_cannot_reach_the_platform_cms(platform_client: Client, alpha: StoreWorld):
    assert not alpha.owner.is_staff
    platform_client.force_login(alpha.owner)
    assert platform_client.get("/cms/").status_code == 403
    assert platform_client.get(f"/cms/pages/{PlatformHomePage.objects.get().pk}/").status_code == 403


def test_a_signed_out_visitor_is_sent_to_sign_in(platform_client: Client):
    response = platform_client.get("/cms/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_platform_staff_edit_the_platform_site_in_the_cms(platform_client: Client):
    staff = User.objects.create_user("editor@platform.test", PASSWORD, is_staff=True)
    assert staff.groups.filter(name=STAFF_GROUP).exists()
    platform_client.force_login(staff)
    assert platform_client.get("/cms/").status_code == 200
    home = PlatformHomePage.objects.get()
    assert platform_client.get(f"/cms/pages/{home.pk}/edit/").status_code == 200
    pricing = PricingPage.objects.get()
    assert platform_client.get(f"/cms/pages/{pricing.pk}/edit/").status_code == 200

    staff.is_staff = False
    staff.save()
    assert not staff.groups.filter(name=STAFF_GROUP).exists()
    assert platform_client.get("/cms/").status_code == 403


def test_platform_staff_translate_the_home_and_edit_the_copy(platform_client: Client):
    staff = User.objects.create_user("translator@platform.test", PASSWORD, is_staff=True)
    platform_client.force_login(staff)
    home = PlatformHomePage.objects.get(locale__language_code=settings.LANGUAGE_CODE)
    german = Locale.objects.get(language_code="de")
    # the platform has no store settings: every language the project speaks is offered
    form = platform_client.get(f"/cms/translation/submit/page/{home.pk}/").content.decode()
    offered = set(re.findall(r'name="locales" value="(\d+)"', form))
    assert offered == {
        str(pk) for pk in Locale.objects.exclude(pk=home.locale_id).values_list("pk", flat=True)
    }
    assert len(offered) == len(settings.WAGTAIL_CONTENT_LANGUAGES) - 1

    response = platform_client.post(
        f"/cms/translation/submit/page/{home.pk}/", {"locales": [str(german.pk)], "include_subtree": "on"}
    )
    assert response.status_code == 302, response.status_code
    home_de = PlatformHomePage.objects.get(locale=german)
    assert not home_de.live
    assert platform_client.get(f"/cms/pages/{home_de.pk}/edit/").status_code == 200
    pricing_de = PricingPage.objects.get(locale=german)
    assert platform_client.get(f"/cms/pages/{pricing_de.pk}/edit/").status_code == 200
    # running the site's set-up again keeps the English home the site's root
    assert platform_site_ensure() == home


def test_a_superuser_reaches_the_platform_cms(platform_client: Client):
    admin = User.objects.create_superuser("root@platform.test", PASSWORD)
    platform_client.force_login(admin)
    assert platform_client.get("/cms/").status_code == 200
