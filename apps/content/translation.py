"""Wagtail's "Translate" (simple_translation) for a store's pages, with one refusal it lacks.

Its form greys out a language the page's parent is not translated into, but a POST naming that
language anyway (a stale tab, a hand-made request) reaches the copy, which raises: a 500. Here the
form refuses it by name, next to the field, and nothing is copied.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from wagtail.contrib.simple_translation.forms import SubmitTranslationForm
from wagtail.contrib.simple_translation.views import SubmitPageTranslationView


class PageTranslationForm(SubmitTranslationForm):
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
    def get_form(self) -> PageTranslationForm:
        if self.request.method == "POST":
            return PageTranslationForm(self.object, self.request.POST)
        return PageTranslationForm(self.object)
