"""Default templates render in every language in the store's brand; merchant templates are
checked (syntax, unknown variables, the sandbox) before they are saved."""

from __future__ import annotations

import pytest

from apps.notifications.catalog import SPECS
from apps.notifications.messages import MESSAGES
from apps.notifications.models import EmailTemplate
from apps.notifications.rendering import TemplateProblem, default_messages
from apps.notifications.services import TemplateRefused, template_preview, template_save
from apps.stores.theme_selectors import store_theme_get

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "de", "es")


def test_the_makemessages_list_holds_every_sentence_of_the_defaults():
    assert set(MESSAGES) == default_messages()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_default_renders_in_the_stores_brand_and_language(in_alpha, language):
    # given
    primary = store_theme_get().tokens.colors["primary"]
    # when / then
    for name in SPECS:
        rendered = template_preview(name=name, language=language)
        assert rendered.subject.strip(), name
        assert "Store Alpha" in rendered.html and "Store Alpha" in rendered.text, name
        assert f'lang="{language}"' in rendered.html
        assert primary in rendered.html  # the theme's colour, inline
        assert "Store Beta" not in rendered.html + rendered.text
        assert "<style" not in rendered.html  # inline CSS only


def test_a_template_with_a_syntax_error_is_refused_with_its_line(in_alpha):
    with pytest.raises(TemplateRefused) as refused:
        template_save(
            name="order_confirmation",
            language="en",
            subject="Order {{ order.number }}",
            body_html="<p>Hello</p>\n<p>{% if order.number %}unclosed</p>\n",
            body_text="ok",
        )
    problem = refused.value.problems["html"]
    assert problem.line is not None and problem.line >= 2
    assert "Line" in str(problem)
    assert not EmailTemplate.objects.exists()


def test_an_unknown_variable_is_refused_with_its_line(in_alpha):
    with pytest.raises(TemplateRefused) as refused:
        template_save(
            name="order_confirmation",
            language="en",
            subject="Order {{ order.number }}",
            body_html="<p>ok</p>",
            body_text="line one\nline two\n{{ order.secret_field }}",
        )
    problem = refused.value.problems["text"]
    assert problem.line == 3
    assert "secret_field" in str(problem)


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ order|attr('__class__') }}",
        "{{ '{0.__class__}'.format(order) }}",
        "{{ order.__init__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ 'a' * 100000000 }}",
        "{{ 9 ** 99999999 }}",
        "{% for i in range(10000000) %}x{% endfor %}",
    ],
)
def test_reaching_for_internals_is_refused(in_alpha, source):
    with pytest.raises(TemplateRefused) as refused:
        template_save(name="welcome", language="en", subject="Hi", body_html=source, body_text="x")
    assert "html" in refused.value.problems
    assert not EmailTemplate.objects.exists()


def test_a_valid_template_is_saved_and_used_for_its_language_only(in_alpha):
    template_save(
        name="welcome",
        language="de",
        subject="Willkommen bei {{ store.name }}",
        body_html="<p>Hallo {{ recipient.email }}</p>",
        body_text="Hallo {{ recipient.email }}",
    )
    german = template_preview(name="welcome", language="de")
    english = template_preview(name="welcome", language="en")
    assert german.subject == "Willkommen bei Store Alpha"
    assert "Hallo shopper@example.com" in german.html
    assert english.subject == "Welcome to Store Alpha"


def test_html_is_autoescaped_and_text_is_not(in_alpha):
    template_save(
        name="welcome",
        language="en",
        subject="{{ store.name }}",
        body_html="{{ '<b>x</b>' }}",
        body_text="{{ '<b>x</b>' }}",
    )
    rendered = template_preview(name="welcome", language="en")
    assert "&lt;b&gt;x&lt;/b&gt;" in rendered.html
    assert "<b>x</b>" in rendered.text


def test_preview_of_broken_sources_raises_a_problem(in_alpha):
    from apps.notifications.rendering import Sources

    with pytest.raises(TemplateProblem):
        template_preview(name="welcome", language="en", sources=Sources("ok", "{{ nope }}", "ok"))
