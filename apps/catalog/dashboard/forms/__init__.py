"""Dashboard forms of the catalog. They parse and check what a person typed and turn it into the
inputs the services take (`ProductInput`, `VariantInput`, `ProductFilters`); the rules of the
catalog itself (field normalisation, unique SKUs, category cycles, image checks) stay in the
services and `apps.catalog.normalise`."""

from __future__ import annotations

from apps.catalog.dashboard.forms.editor import (
    MAX_VARIANTS,
    OPTION_SLOTS,
    VARIANT_PREFIX,
    ImageAltForm,
    ImageMoveForm,
    ImageUploadForm,
    ProductEditor,
    ProductForm,
    ProductOptionsForm,
    VariantForm,
    matrix_rows,
)
from apps.catalog.dashboard.forms.fields import (
    CategoryTreeField,
    OptionListField,
    UUIDListField,
    category_choices,
    comma_split,
)
from apps.catalog.dashboard.forms.imports import ProductImportForm
from apps.catalog.dashboard.forms.listing import (
    MAX_BULK_PRODUCTS,
    BulkAction,
    ProductBulkForm,
    ProductFilterForm,
    bulk_action_permission,
    bulk_actions_allowed,
)
from apps.catalog.dashboard.forms.organise import (
    MAX_RULES,
    RULE_FIELD_CHOICES,
    RULE_OP_CHOICES,
    CategoryForm,
    CollectionForm,
    RuleForm,
    rule_formset,
    rules_from,
)

__all__ = [
    "MAX_BULK_PRODUCTS",
    "MAX_RULES",
    "MAX_VARIANTS",
    "OPTION_SLOTS",
    "RULE_FIELD_CHOICES",
    "RULE_OP_CHOICES",
    "VARIANT_PREFIX",
    "BulkAction",
    "CategoryForm",
    "CategoryTreeField",
    "CollectionForm",
    "ImageAltForm",
    "ImageMoveForm",
    "ImageUploadForm",
    "OptionListField",
    "ProductBulkForm",
    "ProductEditor",
    "ProductFilterForm",
    "ProductForm",
    "ProductImportForm",
    "ProductOptionsForm",
    "RuleForm",
    "UUIDListField",
    "VariantForm",
    "bulk_action_permission",
    "bulk_actions_allowed",
    "category_choices",
    "comma_split",
    "matrix_rows",
    "rule_formset",
    "rules_from",
]
