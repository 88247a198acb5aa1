"""CSV and JSON supplier feeds, fetched from a URL (through the SSRF guard) or uploaded.

CSV: UTF-8, comma, semicolon or tab separated, a header row, **one row per variant**; rows with
the same ``product_id`` form one product (its title, description, images and URL are read from
its first row that has them)::

    product_id,title,description,image_urls,url,sku,option1_name,option1_value,option2_name,option2_value,cost,currency,stock,available
    P1,Linen shirt,<p>Soft.</p>,https://cdn.example/a.png|https://cdn.example/b.png,,P1-S,Size,S,,,12.50,EUR,40,true

Required columns: ``product_id``, ``sku``, ``cost`` (and a ``title`` for each product). Optional:
``description``, ``image_urls`` (``|`` or whitespace separated), ``url``, ``option1_name`` ..
``option3_value``, ``currency`` (default: the store's), ``stock`` (default 0), ``available``
(true/false, yes/no, 1/0; default true).

JSON: ``{"products": [...]}`` or a bare list; prices may be strings or numbers (read as
decimals, never floats)::

    {"products": [{"id": "P1", "title": "Linen shirt", "description": "<p>Soft.</p>",
                   "images": ["https://cdn.example/a.png"], "url": "https://supplier.example/p1",
                   "variants": [{"sku": "P1-S", "options": {"Size": "S"}, "cost": "12.50",
                                 "currency": "EUR", "stock": 40, "available": true}]}]}

``options`` may also be a list of ``{"name": ..., "value": ...}``; a product without
``variants`` may carry ``sku``/``cost``/``stock``/... itself and is then one variant.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Collection, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from apps.catalog.errors import CatalogError
from apps.catalog.models import ImportRun
from apps.catalog.normalise import money_parse
from apps.core.http import OutboundHttpError, safe_get
from apps.sourcing.connectors import SupplierItem, SupplierItemVariant
from apps.sourcing.errors import FeedInvalid, FeedProblem, SourcingError

MAX_SKU_LENGTH = 120
MAX_OPTIONS = 3
TRUE_WORDS = {"true", "yes", "y", "1", "on"}
FALSE_WORDS = {"false", "no", "n", "0", "off"}


class _Problems:
    def __init__(self) -> None:
        self.items: list[FeedProblem] = []

    def add(self, row: int, column: str, message: str) -> None:
        self.items.append(FeedProblem(row=row, column=column, message=message))

    def raise_if_any(self) -> None:
        if self.items:
            raise FeedInvalid(
                _("%(count)d problem(s) in the feed; the first: row %(row)d, %(column)s: %(message)s")
                % {
                    "count": len(self.items),
                    "row": self.items[0].row,
                    "column": self.items[0].column or "-",
                    "message": self.items[0].message,
                },
                problems=self.items,
            )


# ------------------------------------------------------------------------------
# value parsing shared by both formats
# ------------------------------------------------------------------------------
def parse_cost(value: Any) -> Decimal:
    """A non-negative amount from a string or number ("12.50", "12,50", 12.5); ValueError if not.
    The catalog's money rule (`apps.catalog.normalise.money_parse`), so a supplier's cost is read
    exactly as the same text in a product CSV is."""
    try:
        return money_parse(value)
    except CatalogError as exc:
        raise ValueError(exc.message) from exc


def parse_stock(value: Any) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    if isinstance(value, bool):
        raise ValueError(_("“%(value)s” is not a whole number.") % {"value": value})
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(_("“%(value)s” is not a whole number.") % {"value": str(value)[:40]}) from exc
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError(_("“%(value)s” is not a whole number.") % {"value": str(value)[:40]})
    if number < 0:
        raise ValueError(_("Stock cannot be negative."))
    return min(int(number), 1_000_000_000)


def parse_available(value: Any) -> bool:
    if value is None or value == "":
        return True
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(_("“%(value)s” is neither true nor false.") % {"value": str(value)[:40]})


def parse_currency(value: Any, *, default: str) -> str:
    text = str(value or "").strip().upper() or default
    if len(text) != 3 or not text.isalpha():
        raise ValueError(_("“%(value)s” is not a three-letter currency code.") % {"value": text[:40]})
    return text


def _clean_text(value: Any, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit]


def _variant(
    raw: Mapping[str, Any],
    *,
    row: int,
    prefix: str,
    options: tuple[tuple[str, str], ...],
    default_currency: str,
    problems: _Problems,
) -> SupplierItemVariant | None:
    """One variant from its raw fields; problems are recorded and None returned."""
    ok = True
    sku = _clean_text(raw.get("sku"), 1000)
    if not sku:
        problems.add(row, f"{prefix}sku", _("The SKU is missing."))
        ok = False
    elif len(sku) > MAX_SKU_LENGTH:
        problems.add(
            row, f"{prefix}sku", _("The SKU is longer than %(n)d characters.") % {"n": MAX_SKU_LENGTH}
        )
        ok = False
    parsed: dict[str, Any] = {}
    parsers: dict[str, Callable[[Any], Any]] = {
        "cost": parse_cost,
        "stock": parse_stock,
        "available": parse_available,
        "currency": lambda value: parse_currency(value, default=default_currency),
    }
    for name, parser in parsers.items():
        if name == "cost" and (raw.get("cost") is None or str(raw.get("cost")).strip() == ""):
            problems.add(row, f"{prefix}cost", _("The cost is missing."))
            ok = False
            continue
        try:
            parsed[name] = parser(raw.get(name))
        except ValueError as exc:
            problems.add(row, f"{prefix}{name}", str(exc))
            ok = False
    if not ok:
        return None
    return SupplierItemVariant(
        sku=sku,
        cost=parsed["cost"],
        currency=parsed["currency"],
        stock=parsed["stock"],
        available=parsed["available"],
        options=options,
    )


def _check_options(
    variants: list[tuple[int, SupplierItemVariant]], *, column: str, problems: _Problems
) -> None:
    seen: dict[tuple[tuple[str, str], ...], str] = {}
    for row, variant in variants:
        if variant.options in seen:
            problems.add(
                row,
                column,
                _("Variants %(a)s and %(b)s have the same options.")
                % {"a": seen[variant.options], "b": variant.sku},
            )
        seen[variant.options] = variant.sku
    if len(variants) > 1 and any(not variant.options for _row, variant in variants):
        row = next(row for row, variant in variants if not variant.options)
        problems.add(row, column, _("A product with several variants needs options (e.g. Size) on each."))


def _check_skus(
    items: Iterable[tuple[int, SupplierItemVariant]], *, column: str, problems: _Problems
) -> None:
    seen: set[str] = set()
    for row, variant in items:
        if variant.sku in seen:
            problems.add(row, column, _("The SKU %(sku)s appears twice in the feed.") % {"sku": variant.sku})
        seen.add(variant.sku)


def _check_size(count: int) -> None:
    if count == 0:
        raise SourcingError(_("The feed lists no products."), code="feed_empty")
    if count > settings.SOURCING_IMPORT_MAX_ITEMS:
        raise SourcingError(
            _("The feed lists %(count)d products; at most %(max)d can be imported at once.")
            % {"count": count, "max": settings.SOURCING_IMPORT_MAX_ITEMS},
            code="feed_too_large",
        )


def _page_url(value: Any) -> str:
    """The supplier's product page, kept only as an http(s) link (it is shown in the dashboard)."""
    url = _clean_text(value, 1000)
    return url if url.lower().startswith(("http://", "https://")) else ""


def _split_images(value: Any) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        urls = [str(url).strip() for url in value if isinstance(url, str)]
    else:
        urls = str(value or "").replace("|", " ").split()
    return tuple(dict.fromkeys(url for url in urls if url))


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourcingError(
            _("The feed is not UTF-8 text (a problem at byte %(pos)d).") % {"pos": exc.start},
            code="feed_malformed",
        ) from exc


# ------------------------------------------------------------------------------
# CSV
# ------------------------------------------------------------------------------
def parse_csv_feed(content: bytes, *, default_currency: str) -> list[SupplierItem]:
    text = _decode(content)
    if not text.strip():
        raise SourcingError(_("The feed is empty."), code="feed_empty")
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip().lower().lstrip("\ufeff") for name in next(reader)]
        rows = list(reader)
    except csv.Error as exc:
        raise SourcingError(
            _("The feed is not valid CSV: %(error)s") % {"error": exc}, code="feed_malformed"
        ) from exc
    missing = [column for column in ("product_id", "sku", "cost") if column not in header]
    if missing:
        raise SourcingError(
            _("The CSV feed has no “%(column)s” column (columns found: %(found)s).")
            % {"column": missing[0], "found": ", ".join(h for h in header if h)[:300] or "-"},
            code="feed_malformed",
        )
    problems = _Problems()
    groups: dict[str, dict[str, Any]] = {}
    all_variants: list[tuple[int, SupplierItemVariant]] = []
    for line, values in enumerate(rows, start=2):
        if not any(value.strip() for value in values):
            continue
        if len(values) > len(header):
            problems.add(
                line,
                "",
                _("The row has %(n)d fields; the header has %(m)d.") % {"n": len(values), "m": len(header)},
            )
            continue
        record = dict(zip(header, values, strict=False))
        product_id = _clean_text(record.get("product_id"), 120)
        if not product_id:
            problems.add(line, "product_id", _("The product id is missing."))
            continue
        group = groups.setdefault(
            product_id, {"row": line, "title": "", "description": "", "images": (), "url": "", "variants": []}
        )
        for column, key, limit in (("title", "title", 255), ("url", "url", 1000)):
            if not group[key] and record.get(column, "").strip():
                group[key] = _clean_text(record[column], limit)
        if not group["description"] and record.get("description", "").strip():
            group["description"] = record["description"].strip()
        if not group["images"]:
            group["images"] = _split_images(record.get("image_urls") or record.get("images"))
        options = []
        for n in range(1, MAX_OPTIONS + 1):
            name = _clean_text(record.get(f"option{n}_name"), 60)
            value = _clean_text(record.get(f"option{n}_value"), 100)
            if name and value:
                options.append((name, value))
            elif name or value:
                problems.add(
                    line,
                    f"option{n}_value" if name else f"option{n}_name",
                    _("An option needs a name and a value."),
                )
        variant = _variant(
            record,
            row=line,
            prefix="",
            options=tuple(options),
            default_currency=default_currency,
            problems=problems,
        )
        if variant is not None:
            group["variants"].append((line, variant))
            all_variants.append((line, variant))
    items = []
    for product_id, group in groups.items():
        if not group["title"]:
            problems.add(group["row"], "title", _("Product %(id)s has no title.") % {"id": product_id})
        _check_options(group["variants"], column="option1_value", problems=problems)
        items.append(
            SupplierItem(
                supplier_product_id=product_id,
                title=group["title"],
                description=group["description"],
                images=group["images"],
                url=_page_url(group["url"]),
                variants=tuple(variant for _line, variant in group["variants"]),
                row=group["row"],
            )
        )
    _check_skus(all_variants, column="sku", problems=problems)
    problems.raise_if_any()
    _check_size(len(items))
    return items


# ------------------------------------------------------------------------------
# JSON
# ------------------------------------------------------------------------------
def _json_options(raw: Any, *, row: int, prefix: str, problems: _Problems) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[Any, Any]]
    if raw is None:
        return ()
    if isinstance(raw, dict):
        pairs = list(raw.items())
    elif isinstance(raw, list) and all(isinstance(o, dict) for o in raw):
        pairs = [(o.get("name"), o.get("value")) for o in raw]
    else:
        problems.add(row, f"{prefix}options", _("Options must be an object or a list of {name, value}."))
        return ()
    options = []
    for name, value in pairs:
        name_text, value_text = _clean_text(name, 60), _clean_text(value, 100)
        if not name_text or not value_text:
            problems.add(row, f"{prefix}options", _("An option needs a name and a value."))
            continue
        options.append((name_text, value_text))
    return tuple(options)


def parse_json_feed(content: bytes, *, default_currency: str) -> list[SupplierItem]:
    text = _decode(content)
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise SourcingError(
            _("The feed is not valid JSON: %(error)s (line %(line)d).")
            % {"error": exc.msg, "line": exc.lineno},
            code="feed_malformed",
        ) from exc
    products = data.get("products") if isinstance(data, dict) else data
    if not isinstance(products, list):
        raise SourcingError(
            _("The JSON feed must be a list of products or an object with a “products” list."),
            code="feed_malformed",
        )
    _check_size(len(products))
    problems = _Problems()
    items = []
    all_variants: list[tuple[int, SupplierItemVariant]] = []
    for index, product in enumerate(products, start=1):
        if not isinstance(product, dict):
            problems.add(index, "", _("Each product must be an object."))
            continue
        product_id = _clean_text(product.get("id", product.get("product_id")), 120)
        if not product_id:
            problems.add(index, "id", _("The product id is missing."))
        title = _clean_text(product.get("title"), 255)
        if not title:
            problems.add(index, "title", _("Product %(id)s has no title.") % {"id": product_id or index})
        raw_variants = product.get("variants")
        if raw_variants is None:
            raw_variants = [product]
        if not isinstance(raw_variants, list) or not raw_variants:
            problems.add(index, "variants", _("The product needs at least one variant."))
            continue
        variants: list[tuple[int, SupplierItemVariant]] = []
        for position, raw in enumerate(raw_variants, start=1):
            prefix = f"variants[{position}]." if raw is not product else ""
            if not isinstance(raw, dict):
                problems.add(index, prefix.rstrip("."), _("Each variant must be an object."))
                continue
            options = _json_options(raw.get("options"), row=index, prefix=prefix, problems=problems)
            variant = _variant(
                raw,
                row=index,
                prefix=prefix,
                options=options,
                default_currency=default_currency,
                problems=problems,
            )
            if variant is not None:
                variants.append((index, variant))
        _check_options(variants, column="variants", problems=problems)
        all_variants.extend(variants)
        description = product.get("description") or ""
        items.append(
            SupplierItem(
                supplier_product_id=product_id,
                title=title,
                description=description if isinstance(description, str) else "",
                images=_split_images(product.get("images") or product.get("image_urls")),
                url=_page_url(product.get("url")),
                variants=tuple(variant for _row, variant in variants),
                row=index,
            )
        )
    _check_skus(all_variants, column="sku", problems=problems)
    seen_ids: set[str] = set()
    for item in items:
        if item.supplier_product_id and item.supplier_product_id in seen_ids:
            problems.add(
                item.row, "id", _("The product id %(id)s appears twice.") % {"id": item.supplier_product_id}
            )
        seen_ids.add(item.supplier_product_id)
    problems.raise_if_any()
    return items


# ------------------------------------------------------------------------------
# connectors
# ------------------------------------------------------------------------------
class _FeedConnector:
    import_kind: str
    parser: Callable[..., list[SupplierItem]]

    def __init__(
        self, *, url: str = "", content: bytes | None = None, default_currency: str, supplier_name: str = ""
    ) -> None:
        if not url and content is None:
            raise SourcingError(_("The supplier has no feed URL set."), code="feed_url_missing")
        self.url = url
        self.content = content
        self.default_currency = default_currency
        self.supplier_name = supplier_name

    def _content(self) -> bytes:
        if self.content is not None:
            return self.content
        try:
            response = safe_get(
                self.url, timeout=settings.SOURCING_HTTP_TIMEOUT, max_bytes=settings.SOURCING_FEED_MAX_BYTES
            )
            response.raise_for_status()
        except OutboundHttpError as exc:
            raise SourcingError(
                _("The feed of %(supplier)s could not be fetched: %(reason)s")
                % {"supplier": self.supplier_name or _("the supplier"), "reason": exc.message},
                code="feed_unreachable",
            ) from exc
        return response.content

    def fetch_catalog(self) -> list[SupplierItem]:
        return type(self).parser(self._content(), default_currency=self.default_currency)

    def fetch_items(self, supplier_product_ids: Collection[str]) -> list[SupplierItem]:
        wanted = set(supplier_product_ids)
        return [item for item in self.fetch_catalog() if item.supplier_product_id in wanted]


class CsvFeedConnector(_FeedConnector):
    import_kind: str = ImportRun.Kind.SUPPLIER_CSV
    parser = staticmethod(parse_csv_feed)


class JsonFeedConnector(_FeedConnector):
    import_kind: str = ImportRun.Kind.SUPPLIER_JSON
    parser = staticmethod(parse_json_feed)
