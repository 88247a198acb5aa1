"""English, German and Spanish: the locale middleware picks the language, catalogs are complete."""

from __future__ import annotations

import itertools
import subprocess
import tokenize
from pathlib import Path

import pytest
from django.test import Client

from tests.fixtures import make_store_user

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"), [("de", "Produkte"), ("es", "Productos"), ("en", "Products")]
)
def test_the_dashboard_speaks_the_browsers_language(alpha, language, expected):
    from django_tenants.utils import schema_context

    staff = make_store_user(alpha, f"i18n-{language}@example.com", staff=True)
    client = Client(HTTP_HOST=alpha.host, HTTP_ACCEPT_LANGUAGE=language)
    with schema_context(alpha.tenant.schema_name):
        client.force_login(staff)
    response = client.get("/dashboard/catalog/products/")
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.content.decode()
    assert expected in response.content.decode()


GETTEXT_NAMES = frozenset(
    {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "gettext_noop"}
)


def _gettext_calls_inside_f_strings(path: Path) -> list[str]:
    found = []
    depth = 0
    with path.open(encoding="utf-8") as source:
        tokens = list(tokenize.generate_tokens(source.readline))
    for token, following in itertools.pairwise(tokens):
        if token.type == tokenize.FSTRING_START:
            depth += 1
        elif token.type == tokenize.FSTRING_END:
            depth -= 1
        elif (
            depth
            and token.type == tokenize.NAME
            and token.string in GETTEXT_NAMES
            and following.string == "("
        ):
            found.append(f"{path.relative_to(ROOT)}:{token.start[0]}")
    return found


def test_no_sentence_to_translate_is_written_inside_an_f_string():
    """xgettext does not look inside f-strings: a `_("...")` there never reaches the catalogs
    and shows in English in every language."""
    sources = [
        path
        for folder in ("apps", "config")
        for path in (ROOT / folder).rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
    ]
    found = [place for path in sources for place in _gettext_calls_inside_f_strings(path)]
    assert found == [], "move these out of their f-strings:\n" + "\n".join(found)


@pytest.mark.parametrize("language", ["de", "es"])
def test_catalogs_compile_and_have_no_untranslated_or_fuzzy_entries(language):
    po = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def _dashboard_client(world, role: str, language: str) -> Client:
    from django_tenants.utils import schema_context

    user = make_store_user(world, f"i18n-{role}-{language}@example.com", role=role)
    client = Client(HTTP_HOST=world.host, HTTP_ACCEPT_LANGUAGE=language)
    with schema_context(world.tenant.schema_name):
        client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "texts"),
    [
        (
            "de",
            [
                "<h1>Shop-Einstellungen</h1>",
                "<legend>Profil</legend>",
                "<legend>Regionale Einstellungen</legend>",
                "<legend>Richtlinien</legend>",
                "Zeitzone",
                "Einstellungen speichern",
            ],
        ),
        (
            "es",
            [
                "<h1>Configuración de la tienda</h1>",
                "<legend>Perfil</legend>",
                "<legend>Configuración regional</legend>",
                "<legend>Políticas</legend>",
                "Zona horaria",
                "Guardar configuración",
            ],
        ),
    ],
)
def test_the_store_settings_page_speaks_the_browsers_language(alpha, language, texts):
    response = _dashboard_client(alpha, "owner", language).get("/dashboard/store/settings/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in texts:
        assert text in html, text
    assert "<h1>Store settings</h1>" not in html and "Save settings" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("de", ["Plattform-Adresse", "Domain hinzufügen"]),
        ("es", ["Dirección en la plataforma", "Añadir dominio"]),
    ],
)
def test_the_domains_page_speaks_the_browsers_language(alpha, language, texts):
    response = _dashboard_client(alpha, "owner", language).get("/dashboard/store/domains/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in texts:
        assert text in html, text
    assert "Platform address" not in html


@pytest.mark.django_db
def test_a_refused_page_explains_the_role_in_german(alpha):
    response = _dashboard_client(alpha, "staff", "de").get("/dashboard/store/settings/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Für Ihre Rolle nicht erlaubt" in html
    assert "Zurück zum Dashboard" in html


@pytest.mark.django_db
def test_a_settings_error_from_the_service_layer_is_translated(alpha):
    from django_tenants.utils import tenant_context

    from apps.stores.selectors import store_settings_get
    from apps.stores.services import StoreSettingsInput

    with tenant_context(alpha.tenant):
        current = StoreSettingsInput.from_settings(store_settings_get())
    data = {name: getattr(current, name) for name in StoreSettingsInput.__dataclass_fields__}
    data.update(languages=list(current.languages), timezone="Europe/Atlantis")
    response = _dashboard_client(alpha, "owner", "de").post("/dashboard/store/settings/", data)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["timezone"])
    assert errors == "„Europe/Atlantis“ ist keine Zeitzone; wählen Sie eine wie Europe/Berlin oder UTC."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("de", ["Ihr Warenkorb ist leer.", "Weiter einkaufen", "Zum Inhalt springen"]),
        ("es", ["Tu carrito está vacío.", "Seguir comprando", "Saltar al contenido"]),
    ],
)
def test_the_storefront_cart_speaks_the_language_of_its_prefix(alpha, language, texts):
    # the browser asks for English: the /de/ or /es/ prefix of the store's URL decides
    client = Client(HTTP_HOST=alpha.host, HTTP_ACCEPT_LANGUAGE="en")
    response = client.get(f"/{language}/cart/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    for text in texts:
        assert text in html, text
    assert "Your cart is empty." not in html


def _mo_catalog(path: Path) -> dict[object, str]:
    import gettext

    with path.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", ["de", "es"])
def test_the_allauth_overrides_compile_and_each_still_overrides_an_allauth_string(language):
    """An allauth upgrade that rewords a sentence would leave its override unused (and the old
    voice back): every override must still be a msgid of allauth's own catalog."""
    import allauth

    po = ROOT / "locale_overrides" / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr
    ours = _mo_catalog(po.with_suffix(".mo"))
    theirs = _mo_catalog(Path(allauth.__file__).parent / "locale" / language / "LC_MESSAGES" / "django.mo")
    overrides = {key for key in ours if key != ""}
    assert len(overrides) > 50
    assert overrides - set(theirs) == set()
    # and the .mo is the .po compiled (a .po edited without `make messages` would not count)
    compiled = subprocess.run(["msgfmt", "-o", "-", str(po)], capture_output=True, check=True).stdout
    assert compiled == po.with_suffix(".mo").read_bytes()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "voice", "other_voice"),
    [
        ("de", "Sie haben noch kein Konto bei uns?", "Du hast noch kein Konto"),
        ("es", "Si aún no has creado una cuenta", "Si aún no ha creado una cuenta"),
    ],
)
def test_the_sign_in_page_speaks_in_the_storefronts_voice(alpha, language, voice, other_voice):
    page = Client(HTTP_HOST=alpha.host, HTTP_ACCEPT_LANGUAGE=language).get("/accounts/login/")
    assert page.status_code == 200
    text = page.content.decode()
    assert voice in text and other_voice not in text
