"""Forms of the reviews pages in the dashboard."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Product
from apps.reviews.models import ReviewSettings, ReviewStatus
from apps.reviews.selectors import ReviewFilters
from apps.reviews.services.moderation import DELAY_MAX_DAYS, REPLY_MAX

RATING_FILTER_CHOICES = [("", _("Any rating"))] + [(str(n), f"{n} ★") for n in range(5, 0, -1)]


class ReviewFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *ReviewStatus.choices]
    )
    rating = forms.ChoiceField(label=_("Rating"), required=False, choices=RATING_FILTER_CHOICES)
    product = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def to_filters(self) -> ReviewFilters:
        """The filters to apply; a field with an error is left out."""
        data: dict[str, Any] = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        product = None
        if data.get("product"):
            product = Product.objects.filter(uuid=data["product"]).only("pk", "uuid", "title").first()
        return ReviewFilters(
            status=data.get("status") or "",
            rating=int(data["rating"]) if data.get("rating") else None,
            product=product,
            q=(data.get("q") or "").strip(),
        )


class BulkAction(forms.Form):
    PUBLISH = "publish"
    HIDE = "hide"

    action = forms.ChoiceField(
        label=_("With the selected reviews"),
        choices=[(PUBLISH, _("Publish")), (HIDE, _("Hide"))],
        error_messages={"invalid_choice": _("Choose what to do with the selected reviews.")},
    )
    reviews = forms.TypedMultipleChoiceField(
        required=True,
        coerce=str,
        error_messages={"required": _("Select at least one review.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any uuid may be posted; the view keeps those of this store that exist.
        posted = self.data.getlist("reviews") if hasattr(self.data, "getlist") else []
        self.fields["reviews"].choices = [(value, value) for value in posted[:200]]  # type: ignore[attr-defined]


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("Your public reply"),
        required=False,
        max_length=REPLY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown under the review on the product page. Leave empty to remove the reply."),
    )


class ReviewSettingsForm(forms.ModelForm):
    class Meta:
        model = ReviewSettings
        fields = ["auto_publish", "request_delay_days", "allow_photos"]
        widgets = {"request_delay_days": forms.NumberInput(attrs={"min": 0, "max": DELAY_MAX_DAYS})}

    def clean_request_delay_days(self) -> int:
        value = int(self.cleaned_data["request_delay_days"])
        if value > DELAY_MAX_DAYS:
            raise forms.ValidationError(_("Choose between 0 and %(max)d days.") % {"max": DELAY_MAX_DAYS})
        return value
