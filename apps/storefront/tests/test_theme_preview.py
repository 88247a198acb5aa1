"""The theme editor's preview (apps.storefront.theme_preview): the storefront drawn with the
draft for the member who holds a pass of this store; never for shoppers, never from or into the
page or fragment cache, never indexed, framable by the store's own dashboard only; a pass of
store alpha is refused on store beta, and a pass of one member by anyone else."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django_tenants.utils import schema_context

from apps.checkout.tests.factories import variant_make
from apps.storefront.page_cache import CACHE_HEADER
from apps.storefront.theme_preview import PREVIEW_HEADER
from apps.stores import theme_preview
from apps.stores.theme_preview import theme_preview_token_create
from apps.stores.theme_selectors import store_theme_draft_get, store_theme_get
from apps.stores.theme_services import StoreThemeInput, store_theme_save
from tests.fixtures import StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db

NEON_BACKGROUND = "--sf-background:#09090f;"  # the draft's preset
FROSTED_BACKGROUND = "--sf-background:#f4f7fb;"  # the published default


def _draft(world: StoreWorld) -> None:
    """A draft on `world`: the neon preset, the hero and the (fragment-cached) featured
    products block with headings shoppers must not see."""
    with schema_context(world.tenant.schema_name):
        variant_make(title="Linen shirt", stock=5)  # the featured products block shows when it has some
        published = store_theme_get()
        blocks: list[dict[str, Any]] = [block.to_json() for block in published.blocks]
        for block in blocks:
            if block["id"] == "hero":
                block["data"]["heading"] = "Draft hero heading"
            if block["id"] == "featured":
                block["data"]["heading"] = "Draft featured heading"
        store_theme_save(data=StoreThemeInput(preset="neon", tokens={}, blocks=blocks), publish=False)
        assert store_theme_draft_get().preset == "neon"


def _member(world: StoreWorld, role: str = "owner") -> tuple[Client, str]:
    """A signed-in member of `world` and a preview pass made for them there."""
    user = make_store_user(world, f"{role}-preview@example.com", role=role)
    client = store_client(world)
    with schema_context(world.tenant.schema_name):
        client.force_login(user)
        token = theme_preview_token_create(user=user)
    return client, token


def test_the_preview_shows_the_draft_uncached_unindexed_and_framable_same_origin(alpha):
    _draft(alpha)
    client, token = _member(alpha)
    response = client.get(f"/?theme_preview={token}")
    assert response.status_code == 200
    text = response.content.decode()
    assert NEON_BACKGROUND in text and FROSTED_BACKGROUND not in text
    assert "Draft hero heading" in text and "Draft featured heading" in text
    assert response[PREVIEW_HEADER] == "draft"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert CACHE_HEADER not in response


def test_other_pages_keep_refusing_frames(alpha):
    client, _ = _member(alpha)
    assert client.get("/")["X-Frame-Options"] == "DENY"


def test_shoppers_never_see_the_draft_even_after_a_preview_warmed_the_caches(alpha):
    _draft(alpha)
    shopper = Client(HTTP_HOST=alpha.host)
    first = shopper.get("/")  # fills the page and fragment caches with the published theme
    assert FROSTED_BACKGROUND in first.content.decode()
    client, token = _member(alpha)
    preview = client.get(f"/?theme_preview={token}").content.decode()
    assert "Draft featured heading" in preview  # not the shoppers' cached fragment
    for visitor in (shopper, Client(HTTP_HOST=alpha.host)):
        text = visitor.get("/").content.decode()
        assert FROSTED_BACKGROUND in text and NEON_BACKGROUND not in text
        assert "Draft hero heading" not in text and "Draft featured heading" not in text


def test_the_preview_fills_no_cache_entry(alpha):
    _draft(alpha)
    client, token = _member(alpha)
    cache.clear()
    client.get(f"/?theme_preview={token}")
    redis = cache._cache.get_client()  # type: ignore[attr-defined]
    keys = [*redis.scan_iter(match="*storefront:page*"), *redis.scan_iter(match="*storefront:fragment*")]
    assert keys == []
    Client(HTTP_HOST=alpha.host).get("/")  # a shopper's visit does fill them: the check above can fail
    assert list(redis.scan_iter(match="*storefront:page*")) and list(
        redis.scan_iter(match="*storefront:fragment*")
    )


def test_a_pass_of_alpha_is_refused_on_beta(alpha, beta):
    _draft(beta)
    _, alpha_token = _member(alpha)
    beta_owner, _ = _member(beta)
    response = beta_owner.get(f"/?theme_preview={alpha_token}")
    assert response.status_code == 200 and response[PREVIEW_HEADER] == "refused"
    text = response.content.decode()
    assert FROSTED_BACKGROUND in text and "Draft hero heading" not in text
    assert "X-Frame-Options" in response and response["X-Frame-Options"] == "DENY"
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_a_pass_is_refused_to_anyone_but_its_member(alpha):
    _draft(alpha)
    _, token = _member(alpha)
    for visitor in (Client(HTTP_HOST=alpha.host), _member(alpha, "finance")[0]):
        response = visitor.get(f"/?theme_preview={token}")
        assert response[PREVIEW_HEADER] == "refused"
        assert "Draft hero heading" not in response.content.decode()
        assert CACHE_HEADER not in response  # refused passes are not cached either


@pytest.mark.parametrize("token", ["", "garbage", "x" * 600])
def test_a_forged_pass_is_refused(alpha, token):
    _draft(alpha)
    client, _ = _member(alpha)
    response = client.get(f"/?theme_preview={token}")
    assert response[PREVIEW_HEADER] == "refused" and "Draft hero heading" not in response.content.decode()


def test_an_expired_pass_is_refused(alpha, monkeypatch):
    _draft(alpha)
    client, token = _member(alpha)
    monkeypatch.setattr(theme_preview, "THEME_PREVIEW_SECONDS", -1)
    response = client.get(f"/?theme_preview={token}")
    assert response[PREVIEW_HEADER] == "refused" and "Draft hero heading" not in response.content.decode()


def test_finance_previews_with_their_own_pass(alpha):
    _draft(alpha)
    client, token = _member(alpha, "finance")
    assert client.get(f"/?theme_preview={token}")[PREVIEW_HEADER] == "draft"
