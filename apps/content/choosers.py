"""The product chooser Wagtail's editors use in a post's "Products" block: the store's own
catalog (the schema's), newest first, searchable by title. Products are created in the
dashboard's catalog, never from the chooser. On the platform (public schema) there is no
catalog: the chooser lists nothing there."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView
from wagtail.admin.viewsets.chooser import ChooserViewSet


class _StoreProducts:
    def get_object_list(self) -> Any:
        from apps.content.models import in_store_schema

        objects = super().get_object_list()  # type: ignore[misc]
        return objects if in_store_schema() else objects.none()


class ProductChooseView(_StoreProducts, ChooseView):
    pass


class ProductChooseResultsView(_StoreProducts, ChooseResultsView):
    pass


class ProductChooserViewSet(ChooserViewSet):
    model = "catalog.Product"
    icon = "tag"
    choose_one_text = _("Choose a product")
    choose_another_text = _("Choose another product")
    edit_item_text = _("Edit product")
    per_page = 20
    search_fields = ["title", "handle"]
    form_fields = None  # no "create" tab
    ordering = ["-created_at", "-pk"]
    choose_view_class = ProductChooseView
    choose_results_view_class = ProductChooseResultsView


product_chooser_viewset = ProductChooserViewSet("product_chooser")
