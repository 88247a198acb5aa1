"""The shopper's review form, at /reviews/<product handle>/ (language-prefixed storefront).

Signed-in shoppers only (visitors go to sign-in and come back). A shopper who never bought the
product gets a page that says so (403) and nothing is saved; one who did writes their review,
or edits the one they wrote. Reached from the product page and from the order page in their
account ("Review this product") and from the review request email.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from apps.catalog.models import Product
from apps.core.permissions import no_permission_required
from apps.reviews.errors import ReviewError, ReviewErrorCode
from apps.reviews.selectors import review_purchase_line, review_settings_get, shopper_review_get
from apps.reviews.services import ReviewInput, default_author_name, review_submit
from apps.reviews.storefront.forms import ReviewForm
from apps.storefront.views.account import _shopper, shopper_required

WHY = "a shopper's own review: only products the signed-in shopper bought, only their own review"
STATUS_FOR_CODE = {ReviewErrorCode.NOT_PURCHASED: 403, ReviewErrorCode.RATE_LIMITED: 429}


@no_permission_required(WHY)
@never_cache
@shopper_required
def review_write(request: HttpRequest, handle: str) -> HttpResponse:
    product = Product.objects.filter(handle=handle, status=Product.Status.ACTIVE).first()
    if product is None:
        raise Http404(_("No such product."))
    user = _shopper(request)
    context: dict[str, object] = {"product": product, "account_section": "orders"}
    if review_purchase_line(user=user, product_id=product.pk) is None:
        return render(request, "reviews/storefront/review_refused.html", context, status=403)
    existing = shopper_review_get(user=user, product_id=product.pk)
    store_settings = review_settings_get()
    photos = list(existing.photos.all()) if existing is not None else []
    initial = (
        {
            "rating": existing.rating,
            "title": existing.title,
            "body": existing.body,
            "author_name": existing.author_name,
        }
        if existing is not None
        else {"author_name": default_author_name(user)}
    )
    form = ReviewForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        photos=photos,
        allow_photos=store_settings.allow_photos,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                review = review_submit(
                    user=user,
                    product=product,
                    data=ReviewInput(
                        rating=data["rating"],
                        title=data["title"],
                        body=data["body"],
                        author_name=data["author_name"],
                        language=get_language() or "",
                    ),
                    photos=data.get("photos") or [],
                    remove_photo_ids=data.get("remove_photos") or [],
                )
            except ReviewError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                status = STATUS_FOR_CODE.get(error.code, 400)  # type: ignore[call-overload]
                if error.code == ReviewErrorCode.NOT_PURCHASED:
                    return render(request, "reviews/storefront/review_refused.html", context, status=403)
            else:
                if review.status == "published":
                    messages.success(request, _("Thank you! Your review is published."))
                else:
                    messages.success(
                        request, _("Thank you! Your review will appear once the store has checked it.")
                    )
                return redirect("storefront:product", handle=product.handle)
    context.update({"form": form, "review": existing, "photos": photos, "settings": store_settings})
    return render(request, "reviews/storefront/review_form.html", context, status=status)
