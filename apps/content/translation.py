"""Wagtail's "Translate" (simple_translation) for a store's pages, with what it lacks.

- Its form greys out a language the page's parent is not translated into, but a POST naming that
  language anyway (a stale tab, a hand-made request) reaches the copy, which raises: a 500. Here
  the form refuses it by name, next to the field, and nothing is copied.
- It offers every language the project knows; a store offers the languages enabled in its
  settings (shoppers can reach no other), so a POST naming another is not a choice.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from wagtail.contrib.simple_translation.forms import SubmitTranslationForm
from wagtail.contrib.simple_translation.views import (
    SubmitPageTranslationView,
    SubmitSnippetTranslationView,
)

from apps.core.tenancy import in_store
from apps.stores.selectors import store_settings_get


class TranslationForm(SubmitTranslationForm):
    def __init__(self, instance: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(instance, *args, **kwargs)
        if not in_store():
            return  # the platform's site speaks every language the project has
        enabled = store_settings_get().languages
        field = self.fields["locales"]
        field.queryset = field.queryset.filter(language_code__in=enabled)
        if not field.queryset.exists():
            self.show_submit = False
            field.help_text = _(
                "This is already in every language the store has enabled. "
                "Enable more languages in the store's settings."
            )

    def clean_locales(self) -> Any:
        locales = self.cleaned_data["locales"]
        refused = set(self.fields["locales"].widget.disabled_values)
        for locale in locales:
            if locale.pk in refused:
                raise forms.ValidationError(
                    _("Translate the parent page into %(language)s first.")
                    % {"language": locale.get_display_name()},
                    code="parent_not_translated",
                )
        return locales


class PageTranslationView(SubmitPageTranslationView):
    def get_form(self) -> TranslationForm:
        if self.request.method == "POST":
            return TranslationForm(self.object, self.request.POST)
        return TranslationForm(self.object)


class SnippetTranslationView(SubmitSnippetTranslationView):
    """A menu's or a blog category's "Translate": the same languages as a page's."""

    def get_form(self) -> TranslationForm:
        if self.request.method == "POST":
            return TranslationForm(self.object, self.request.POST)
        return TranslationForm(self.object)
