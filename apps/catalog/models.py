"""Products, their options and variants, images, categories (a tree) and collections, plus the
bulk-import runs that create them. One store's catalog lives in that store's schema."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.core.storage import private_storage


class Category(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("handle"), max_length=140, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    # Materialised path of slugs ("clothing/shirts/polo") so a subtree is one indexed LIKE.
    path = models.CharField(max_length=1000, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    position = models.PositiveIntegerField(default=0)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("id")), name="catalog_category_not_own_parent")
        ]

    def __str__(self) -> str:
        return self.name


class Product(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived")

    class SyncStatus(models.TextChoices):
        NOT_LINKED = "not_linked", _("Not linked to a supplier")
        SYNCED = "synced", _("Synced")
        PENDING = "pending", _("Sync pending")
        ERROR = "error", _("Sync error")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=255)
    handle = models.SlugField(_("handle"), max_length=255, unique=True)
    description = models.TextField(_("description"), blank=True, help_text=_("Sanitised HTML."))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    product_type = models.CharField(_("product type"), max_length=120, blank=True)
    vendor = models.CharField(_("vendor"), max_length=120, blank=True)
    tags = ArrayField(models.CharField(max_length=60), default=list, blank=True, verbose_name=_("tags"))
    seo_title = models.CharField(_("SEO title"), max_length=70, blank=True)
    seo_description = models.CharField(_("SEO description"), max_length=320, blank=True)
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("category"),
    )
    search_vector = SearchVectorField(null=True, editable=False)
    sync_status = models.CharField(max_length=20, choices=SyncStatus.choices, default=SyncStatus.NOT_LINKED)
    sync_error = models.TextField(blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [
            GinIndex(fields=["search_vector"], name="catalog_product_search"),
            GinIndex(OpClass(Upper("title"), name="gin_trgm_ops"), name="catalog_product_title_trgm"),
            GinIndex(fields=["tags"], name="catalog_product_tags"),
            models.Index(fields=["status", "-created_at"], name="catalog_product_status"),
        ]

    def __str__(self) -> str:
        return self.title


class ProductOption(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="options")
    name = models.CharField(_("option"), max_length=60)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["product", "name"], name="catalog_option_unique_name")]

    def __str__(self) -> str:
        return self.name


class ProductOptionValue(models.Model):
    option = models.ForeignKey(ProductOption, on_delete=models.CASCADE, related_name="values")
    value = models.CharField(_("value"), max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["option", "value"], name="catalog_option_value_unique")
        ]

    def __str__(self) -> str:
        return self.value


class ProductVariant(TimeStampedModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(_("SKU"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=255, blank=True)
    # Three decimal places hold every currency's minor units (KWD); amounts are rounded to the
    # store currency's own precision when written (apps.catalog.normalise.money_parse).
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=3)
    compare_at_price = models.DecimalField(
        _("compare-at price"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=3, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default=settings.DEFAULT_CURRENCY)
    weight_grams = models.PositiveIntegerField(_("weight (g)"), null=True, blank=True)
    barcode = models.CharField(_("barcode"), max_length=64, blank=True)
    option_values = models.ManyToManyField(ProductOptionValue, blank=True, related_name="variants")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="catalog_variant_price_not_negative"),
            models.CheckConstraint(
                condition=Q(cost__isnull=True) | Q(cost__gte=0), name="catalog_variant_cost_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(compare_at_price__isnull=True) | Q(compare_at_price__gte=0),
                name="catalog_variant_compare_at_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.title}".strip()


def product_image_path(instance: ProductImage, filename: str) -> str:
    # The storage adds the store's schema prefix; the name inside it is random.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"products/{instance.product.uuid}/{uuid.uuid4().hex}.{extension}"


class ProductImage(TimeStampedModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(
        _("image"), upload_to=product_image_path, width_field="width", height_field="height"
    )
    thumbnail = models.ImageField(upload_to=product_image_path, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    alt = models.CharField(_("alt text"), max_length=255, blank=True)
    position = models.PositiveIntegerField(default=0)
    # Bytes stored for this image, original and thumbnail: what the plan's media limit counts.
    # Images uploaded before it was measured count 0.
    size_bytes = models.PositiveBigIntegerField(_("size in bytes"), default=0, editable=False)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.alt or str(self.image.name)


class Collection(TimeStampedModel):
    class Kind(models.TextChoices):
        MANUAL = "manual", _("Manual")
        RULES = "rules", _("Rule-based")

    class Match(models.TextChoices):
        ALL = "all", _("All conditions")
        ANY = "any", _("Any condition")

    title = models.CharField(_("title"), max_length=255)
    handle = models.SlugField(_("handle"), max_length=255, unique=True)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.MANUAL)
    match = models.CharField(_("products must match"), max_length=5, choices=Match.choices, default=Match.ALL)
    # [{"field": "tag"|"vendor"|"product_type"|"price"|"title"|"category", "op": ..., "value": ...}]
    rules = models.JSONField(_("conditions"), default=list, blank=True)
    products = models.ManyToManyField(
        Product, through="CollectionProduct", blank=True, related_name="collections"
    )

    class Meta:
        ordering = ["title"]
        verbose_name = _("collection")
        verbose_name_plural = _("collections")

    def __str__(self) -> str:
        return self.title


class CollectionProduct(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE)
    product = models.ForeignKey(Product, on_delete=models.CASCADE)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "product"], name="catalog_collection_product_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.collection_id}:{self.product_id}"


class SearchTerm(models.Model):
    """One word of the store's product titles, vendors, types and tags: the vocabulary a misspelt
    search word is corrected against (apps.catalog.spelling). Kept by
    `product_search_vector_refresh`, rebuilt by the periodic `search_terms_rebuild` job so words
    of deleted products go away."""

    word = models.CharField(max_length=60, unique=True)
    # The word's letters in code-point order: every word with swapped letters shares it, so a
    # transposition is found by equality however short the word (trigrams miss "mgu" -> "mug").
    letters = models.CharField(max_length=60, db_index=True)

    class Meta:
        indexes = [
            # Nearest words by trigram distance (`word <-> 'hoddie'`) for the other edits.
            GistIndex(OpClass(F("word"), name="gist_trgm_ops"), name="catalog_searchterm_word_trgm"),
        ]

    def __str__(self) -> str:
        return self.word


class ImportRun(TimeStampedModel):
    """One bulk import (a product CSV, a supplier feed or API pull), its progress and its report."""

    class Kind(models.TextChoices):
        PRODUCT_CSV = "product_csv", _("Product CSV")
        SUPPLIER_CSV = "supplier_csv", _("Supplier CSV feed")
        SUPPLIER_JSON = "supplier_json", _("Supplier JSON feed")
        SUPPLIER_API = "supplier_api", _("Supplier API")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        PARTIAL = "partial", _("Imported with skipped rows")
        FAILED = "failed", _("Failed")

    class Policy(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("Import nothing if any row is invalid")
        VALID_ROWS = "valid_rows", _("Import the valid rows, report the others")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    policy = models.CharField(max_length=20, choices=Policy.choices, default=Policy.ALL_OR_NOTHING)
    source_name = models.CharField(_("source"), max_length=255, blank=True)
    # The merchant's or supplier's file: private (no URL), under PRIVATE_MEDIA_ROOT/<schema>/imports/.
    file = models.FileField(upload_to="imports/", storage=private_storage, blank=True)
    supplier = models.ForeignKey(
        "sourcing.Supplier", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # Why a FAILED run failed, as an error code and its parameters (never a sentence): see
    # `failure_reason`, worded when read.
    failure_code = models.CharField(max_length=64, blank=True)
    failure_params = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def failure_reason(self) -> str:
        """Why the run failed, in the active language ("" unless it failed with a code)."""
        from apps.catalog.errors import error_message

        return error_message(self.failure_code, self.failure_params) if self.failure_code else ""

    @property
    def progress(self) -> int:
        if not self.total_rows:
            return (
                100 if self.status in (self.Status.SUCCEEDED, self.Status.PARTIAL, self.Status.FAILED) else 0
            )
        return min(100, round(100 * self.processed_rows / self.total_rows))


class ImportRowError(models.Model):
    """One problem of one row of an import, as an error code and its parameters."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="row_errors")
    row = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=100, blank=True)
    code = models.CharField(_("problem"), max_length=64)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["row", "id"]

    def __str__(self) -> str:
        return f"row {self.row} {self.column}: {self.message}"

    @property
    def message(self) -> str:
        """The problem in the active language."""
        from apps.catalog.errors import error_message

        return error_message(self.code, self.params)
