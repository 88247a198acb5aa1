"""The shopper's review form: stars, a title, the review, the name shown, photos."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from apps.reviews.models import ReviewPhoto
from apps.reviews.services.photos import MAX_PHOTOS
from apps.reviews.services.submission import AUTHOR_MAX, BODY_MAX, TITLE_MAX

RATING_CHOICES = [
    (5, _("5 stars – excellent")),
    (4, _("4 stars – good")),
    (3, _("3 stars – average")),
    (2, _("2 stars – poor")),
    (1, _("1 star – bad")),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultiplePhotoField, self).clean(item, initial) for item in files]


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a rating from 1 to 5 stars.")},
    )
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX, required=False)
    body = forms.CharField(
        label=_("Your review"), max_length=BODY_MAX, required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    author_name = forms.CharField(
        label=_("Shown as"),
        max_length=AUTHOR_MAX,
        required=False,
        help_text=_("The name shown with your review; your email is never shown."),
    )
    photos = MultiplePhotoField(
        label=_("Photos"),
        required=False,
        help_text=_("Up to %(max)d photos (JPEG, PNG, WebP or GIF).") % {"max": MAX_PHOTOS},
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    remove_photos = forms.TypedMultipleChoiceField(
        label=_("Remove photos"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, photos: list[ReviewPhoto], allow_photos: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.existing_photos = photos
        choices = [(photo.pk, str(index)) for index, photo in enumerate(photos, 1)]
        self.fields["remove_photos"].choices = choices  # type: ignore[attr-defined]
        if not photos:
            del self.fields["remove_photos"]
        if not allow_photos:
            del self.fields["photos"]
