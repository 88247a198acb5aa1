"""A provisioned store's content: its Site on the store's primary domain, a live blog, about
page and FAQ, menus, and the groups that carry editors' rights."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context
from wagtail.models import Site

from apps.content.models import BlogIndexPage, ContentPage, FAQPage, Menu, StoreHomePage
from apps.tenants.models import Domain
from tests.fixtures import store_client

pytestmark = pytest.mark.django_db


def test_a_provisioned_store_has_its_site_on_its_primary_domain_and_starter_pages(alpha):
    with schema_context(alpha.tenant.schema_name):
        site = Site.objects.get()
        assert site.is_default_site
        assert site.hostname == alpha.host.split(":")[0]
        assert isinstance(site.root_page.specific, StoreHomePage)
        assert BlogIndexPage.objects.live().get().slug == "blog"
        assert ContentPage.objects.live().get().slug == "about"
        assert len(FAQPage.objects.live().get().questions) == 3
        assert set(Menu.objects.values_list("handle", flat=True)) == {"header", "footer"}


def test_the_starter_pages_are_served_in_the_store(alpha):
    client = store_client(alpha)
    for path, text in (("/blog/", "No posts yet"), ("/about/", "About us"), ("/faq/", "FAQPage")):
        response = client.get(path)
        assert response.status_code == 200, path
        assert text in response.content.decode(), path
    home = client.get("/")
    assert 'href="/blog/"' in home.content.decode()


def test_the_site_follows_a_new_primary_domain(alpha):
    domain = Domain.objects.create(tenant=alpha.tenant, domain="shop-alpha.example.org", is_primary=True)
    try:
        with schema_context(alpha.tenant.schema_name):
            assert Site.objects.get().hostname == "shop-alpha.example.org"
    finally:
        previous = Domain.objects.filter(tenant=alpha.tenant).exclude(pk=domain.pk).order_by("pk").first()
        domain.delete()
        assert previous is not None
        previous.is_primary = True
        previous.save()
    with schema_context(alpha.tenant.schema_name):
        assert Site.objects.get().hostname == previous.domain


def test_a_new_store_is_cloned_with_the_templates_content_and_made_its_own(alpha):
    """The starter tree is made once in the template schema (migrate_all); provisioning only puts
    the store's name and domain on it."""
    from django.conf import settings

    from apps.content.services import TEMPLATE_HOSTNAME
    from tests.fixtures import throwaway_store

    with schema_context(settings.TENANT_BASE_SCHEMA):
        assert Site.objects.get().hostname == TEMPLATE_HOSTNAME
        template_blog = BlogIndexPage.objects.get()
    with throwaway_store("Cloned Content Shop") as schema:
        tenant_domain = Domain.objects.get(tenant__schema_name=schema, is_primary=True).domain
        with schema_context(schema):
            site = Site.objects.get()
            assert (site.hostname, site.site_name) == (tenant_domain, "Cloned Content Shop")
            assert site.root_page.title == "Cloned Content Shop"
            blog = BlogIndexPage.objects.live().get()
            assert (blog.pk, blog.url_path) == (template_blog.pk, template_blog.url_path)
            assert Menu.objects.count() == 2


def test_content_provision_all_puts_every_stores_site_back_on_its_domain(alpha, beta):
    from io import StringIO

    from django.core.management import call_command

    from apps.content.services import TEMPLATE_HOSTNAME

    with schema_context(beta.tenant.schema_name):
        Site.objects.update(hostname=TEMPLATE_HOSTNAME)  # a Site left on the wrong host
    out = StringIO()
    call_command("content_provision_all", "--dry-run", stdout=out)
    assert f"{alpha.tenant.schema_name}: site updated" in out.getvalue()
    with schema_context(beta.tenant.schema_name):
        assert Site.objects.get().hostname == TEMPLATE_HOSTNAME  # a dry run changes nothing
    call_command("content_provision_all", stdout=StringIO())
    with schema_context(beta.tenant.schema_name):
        assert Site.objects.get().hostname == beta.host.split(":")[0]


def test_a_stores_menu_edit_shows_in_its_header_and_never_in_another_stores(alpha, beta):
    """Menus are cached under the store's theme version (the cache key carries the schema): an
    edit shows at once in its own store and never in another."""
    from apps.content.models import MenuItem

    beta_client, alpha_client = store_client(beta), store_client(alpha)
    assert "Alpha only link" not in beta_client.get("/").content.decode()  # warm beta's cache
    with schema_context(alpha.tenant.schema_name):
        header = Menu.objects.get(handle="header")
        item = MenuItem.objects.create(
            menu=header, label="Alpha only link", link_url="/contact/", sort_order=9
        )
    try:
        assert "Alpha only link" in alpha_client.get("/").content.decode()
        assert "Alpha only link" not in beta_client.get("/").content.decode()
    finally:
        with schema_context(alpha.tenant.schema_name):
            item.delete()  # bumps the theme version again: the cached menu without it is read anew
