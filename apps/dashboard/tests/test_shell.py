"""The dashboard's shell (dashboard/base.html): the menu under its section headings, the current
page marked, the default breadcrumbs, the header's page slots (none drawn when none is
registered), the keyboard and colour-scheme plumbing, and a console page untouched by it."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from django.http import HttpRequest
from django.test import Client
from django_tenants.utils import schema_context

from apps.core import page_slots
from apps.core.navigation import NavGroup, NavItem, nav_item_for_path, nav_sections
from apps.core.page_slots import PageSlot
from apps.core.permissions import Perm
from apps.dashboard.context_processors import breadcrumbs_default
from apps.orders.tests.factories import order_row
from tests.fixtures import StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db


def _client(world: StoreWorld, role: str) -> Client:
    user = make_store_user(world, f"{role}-{uuid.uuid4().hex[:6]}@example.com", role=role)
    client = store_client(world)
    with schema_context(world.tenant.schema_name):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _sidebar(html: str) -> str:
    start = html.index('<aside class="sidebar"')
    return html[start : html.index("</aside>", start)]


# ------------------------------------------------------------------------------
# sections and the current item (no database)
# ------------------------------------------------------------------------------
def test_items_sit_under_their_sections_in_section_order_and_an_item_without_one_under_more():
    items = [
        (NavItem(label="Home", url_name="home", order=0, group=NavGroup.MAIN), "/dashboard/"),
        (NavItem(label="Orders", url_name="orders", order=5, group=NavGroup.SELL), "/dashboard/orders/"),
        (NavItem(label="Old page", url_name="old", order=6), "/dashboard/old/"),  # registered before groups
        (NavItem(label="API keys", url_name="keys", order=88, group=NavGroup.DEVELOPERS), "/dashboard/keys/"),
        (NavItem(label="Products", url_name="products", order=10, group=NavGroup.CATALOG), "/dashboard/p/"),
    ]
    sections = nav_sections(items)
    assert [(s.group, [str(i.label) for i, _url in s.items]) for s in sections] == [
        (NavGroup.MAIN, ["Home"]),
        (NavGroup.SELL, ["Orders"]),
        (NavGroup.CATALOG, ["Products"]),
        (NavGroup.DEVELOPERS, ["API keys"]),
        (NavGroup.MORE, ["Old page"]),
    ]
    assert str(sections[1].label) == "Sell"


def test_an_inner_page_belongs_to_the_longest_matching_item_and_home_only_to_itself():
    items = [
        (NavItem(label="Home", url_name="home", order=0), "/dashboard/"),
        (NavItem(label="Orders", url_name="orders", order=5), "/dashboard/orders/"),
        (NavItem(label="Drafts", url_name="drafts", order=6), "/dashboard/orders/drafts/"),
    ]
    assert nav_item_for_path(items, "/dashboard/orders/1001/")[1] == "/dashboard/orders/"  # type: ignore[index]
    assert nav_item_for_path(items, "/dashboard/orders/drafts/new/")[1] == "/dashboard/orders/drafts/"  # type: ignore[index]
    assert nav_item_for_path(items, "/dashboard/")[1] == "/dashboard/"  # type: ignore[index]
    assert nav_item_for_path(items, "/dashboard/search/results/") is None


def test_default_breadcrumbs_lead_home_then_to_the_section_of_the_page(alpha):
    items = [
        (NavItem(label="Home", url_name="home", order=0), "/dashboard/"),
        (NavItem(label="Orders", url_name="orders", order=5), "/dashboard/orders/"),
    ]
    with schema_context(alpha.tenant.schema_name):
        inner = breadcrumbs_default(items, "/dashboard/orders/1001/")
        listing = breadcrumbs_default(items, "/dashboard/orders/")
        elsewhere = breadcrumbs_default(items, "/dashboard/search/results/")
        home = breadcrumbs_default(items, "/dashboard/")
    assert [(str(c.label), c.url, c.current) for c in inner] == [
        ("Home", "/dashboard/", False),
        ("Orders", "/dashboard/orders/", False),
    ]
    assert [(str(c.label), c.current) for c in listing] == [("Home", False), ("Orders", True)]
    assert [str(c.label) for c in elsewhere] == ["Home"]
    assert home == []
    assert breadcrumbs_default([], "/dashboard/orders/") == []


# ------------------------------------------------------------------------------
# the rendered shell
# ------------------------------------------------------------------------------
def test_the_sidebar_shows_section_headings_and_only_what_the_role_may_open(alpha):
    owner = _sidebar(_client(alpha, "owner").get("/dashboard/orders/").text)
    for heading in ("Sell", "Catalog", "Customers", "Store", "Developers"):
        assert f'class="nav-section-title" id="nav-{heading.lower()}">{heading}</h2>' in owner
    assert 'aria-labelledby="nav-sell"' in owner
    staff = _sidebar(_client(alpha, "staff").get("/dashboard/orders/").text)
    assert ">Orders</a>" in staff and ">Products</a>" in staff
    assert ">Settings</a>" not in staff and ">API keys</a>" not in staff
    assert 'id="nav-developers"' not in staff  # a section with nothing to open is left out


def test_the_current_page_and_the_section_of_an_inner_page_are_marked(alpha):
    client = _client(alpha, "owner")
    listing = client.get("/dashboard/orders/").text
    assert '<a href="/dashboard/orders/" aria-current="page">Orders</a>' in _sidebar(listing)
    assert '<span aria-current="page">Orders</span>' in listing  # the breadcrumb
    with schema_context(alpha.tenant.schema_name):
        order = order_row()
    detail = client.get(f"/dashboard/orders/{order.number}/").text
    assert '<a href="/dashboard/orders/" aria-current="true">Orders</a>' in _sidebar(detail)
    trail = detail[
        detail.index('class="breadcrumbs"') : detail.index("</nav>", detail.index('class="breadcrumbs"'))
    ]
    assert '<a href="/dashboard/">Home</a>' in trail and '<a href="/dashboard/orders/">Orders</a>' in trail
    assert f'<span aria-current="page">#{order.number}</span>' in trail  # the page's own last crumb


def test_home_has_no_breadcrumbs_and_a_page_may_add_its_own_last_crumb(alpha):
    client = _client(alpha, "owner")
    assert 'class="breadcrumbs"' not in client.get("/dashboard/").text
    search = client.get("/dashboard/search/results/").text
    trail = search[
        search.index('class="breadcrumbs"') : search.index("</nav>", search.index('class="breadcrumbs"'))
    ]
    assert '<a href="/dashboard/">Home</a>' in trail and '<span aria-current="page">Search</span>' in trail


def test_the_shell_has_a_skip_link_the_menu_button_the_search_button_and_the_palette(alpha):
    html = _client(alpha, "staff").get("/dashboard/orders/").text
    body = html[html.index("<body") :]
    assert body.index('class="skip-link" href="#content"') < body.index('<header class="topbar">')
    assert 'id="content" tabindex="-1"' in html
    assert '<summary class="menu-button">Menu</summary>' in html  # works without script
    assert 'href="/dashboard/search/results/" data-palette-open' in html
    assert '<dialog class="palette" id="palette"' in html and 'role="combobox"' in html
    assert "data-theme-toggle" in html and "data-sidebar-toggle" in html
    # the remembered colours and sidebar are applied in <head>, before the first paint
    head = html[: html.index("</head>")]
    assert 'localStorage.getItem("dashboard-theme")' in head
    assert "/static/css/dashboard.css" in head and 'src="/static/js/dashboard.js" defer' in head


def test_the_console_does_not_load_the_dashboard_shell(platform_client):
    html = platform_client.get("/").text
    assert "dashboard.css" not in html and "dashboard.js" not in html and "skip-link" not in html


# ------------------------------------------------------------------------------
# the header's page slots
# ------------------------------------------------------------------------------
def bell_context(request: HttpRequest, obj: Any) -> dict[str, Any] | None:
    """A test slot: shown unless the query string asks it to stay away."""
    if request.GET.get("quiet"):
        return None
    return {"unread": 3, "store_name": obj}


@pytest.fixture
def bell(settings, tmp_path: Path, monkeypatch) -> PageSlot:  # type: ignore[no-untyped-def]
    (tmp_path / "test_bell.html").write_text('<a class="test-bell" href="#">{{ unread }} unread</a>')
    templates = [dict(engine) for engine in settings.TEMPLATES]
    templates[0]["DIRS"] = [*templates[0].get("DIRS", []), str(tmp_path)]
    settings.TEMPLATES = templates
    slot = PageSlot(
        page="dashboard.header",
        name="test-bell",
        template="test_bell.html",
        context="apps.dashboard.tests.test_shell.bell_context",
        permission=Perm.ORDERS_VIEW,
    )
    # alone in the header, whatever other apps register there
    monkeypatch.setitem(page_slots._slots, "dashboard.header", {"test-bell": slot})
    return slot


def test_no_header_slot_draws_nothing(alpha, monkeypatch):
    monkeypatch.setitem(page_slots._slots, "dashboard.header", {})
    html = _client(alpha, "staff").get("/dashboard/orders/").text
    assert "dash-header-slots" not in html


def test_a_header_slot_is_drawn_for_a_reader_who_may_see_it(alpha, bell):
    client = _client(alpha, "staff")
    html = client.get("/dashboard/orders/").text
    assert '<div class="dash-header-slots"><a class="test-bell" href="#">3 unread</a></div>' in html
    # nothing to show: no empty box
    assert "dash-header-slots" not in client.get("/dashboard/orders/", {"quiet": "1"}).text


def test_a_header_slot_is_left_out_for_a_role_without_its_permission(alpha, bell, monkeypatch):
    from apps.core.permissions import ROLE_PERMISSIONS, Role

    monkeypatch.setitem(ROLE_PERMISSIONS, Role.FINANCE, ROLE_PERMISSIONS[Role.FINANCE] - {Perm.ORDERS_VIEW})
    html = _client(alpha, "finance").get("/dashboard/").text
    assert "test-bell" not in html and "dash-header-slots" not in html


# ------------------------------------------------------------------------------
# empty states
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "next_step"),
    [
        ("/dashboard/catalog/products/", 'href="/dashboard/catalog/products/new/"'),
        ("/dashboard/catalog/collections/", 'href="/dashboard/catalog/collections/new/"'),
        ("/dashboard/orders/", 'href="/dashboard/orders/drafts/new/"'),
        ("/dashboard/customers/", 'href="/dashboard/orders/drafts/new/"'),
    ],
)
def test_the_main_lists_say_what_to_do_next_when_empty(alpha, path, next_step):
    html = _client(alpha, "owner").get(path).text
    empty = html[html.index('<div class="empty">') :]
    assert next_step in empty[: empty.index("</div>")]
