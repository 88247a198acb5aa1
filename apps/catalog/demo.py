"""Demo catalog for `make run`: about fifty products per store with variants, generated images
(Pillow, no downloads), categories, collections and warehouse stock. Deterministic per store."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageDraw

from apps.catalog.models import Category, Collection, Product, ProductVariant
from apps.catalog.services import (
    ProductInput,
    VariantInput,
    category_save,
    collection_save,
    product_create,
    product_image_add,
)

StockSeeder = Callable[[list[ProductVariant], random.Random], None]

THEMES: dict[str, list[tuple[str, str, list[str], list[tuple[str, list[str]]], tuple[int, int]]]] = {
    # category path, product type, nouns, options, price range (EUR)
    "apparel": [
        ("Apparel/T-Shirts", "T-Shirt", ["Crew Tee", "V-Neck Tee", "Pocket Tee", "Longline Tee"],
         [("Size", ["S", "M", "L", "XL"]), ("Colour", ["Black", "White", "Navy"])], (15, 35)),
        ("Apparel/Hoodies", "Hoodie", ["Zip Hoodie", "Pullover Hoodie", "Fleece Hoodie"],
         [("Size", ["S", "M", "L", "XL"]), ("Colour", ["Grey", "Forest"])], (39, 79)),
        ("Apparel/Caps", "Cap", ["Baseball Cap", "Bucket Hat", "Beanie"], [("Colour", ["Black", "Sand", "Olive"])], (12, 29)),
        ("Home/Mugs", "Mug", ["Ceramic Mug", "Enamel Mug", "Travel Mug"], [("Size", ["300 ml", "450 ml"])], (9, 24)),
        ("Home/Lighting", "Lamp", ["Desk Lamp", "Clip Lamp", "Night Light"], [("Colour", ["White", "Black"])], (19, 89)),
    ],
    "gadgets": [
        ("Gadgets/Chargers", "Charger", ["USB-C Charger", "Wireless Charger", "Car Charger"],
         [("Power", ["20 W", "45 W", "65 W"])], (15, 59)),
        ("Gadgets/Audio", "Earbuds", ["True Wireless Earbuds", "Sport Earbuds", "Neckband Earphones"],
         [("Colour", ["Black", "White", "Blue"])], (25, 129)),
        ("Gadgets/Cables", "Cable", ["Braided Cable", "Magnetic Cable", "Coiled Cable"],
         [("Length", ["1 m", "2 m"]), ("Type", ["USB-C", "Lightning"])], (7, 19)),
        ("Gadgets/Cases", "Phone Case", ["Clear Case", "Leather Case", "Rugged Case"],
         [("Model", ["Model A", "Model B", "Model C"])], (12, 39)),
        ("Home/Smart Home", "Smart Plug", ["Smart Plug", "Smart Bulb", "Motion Sensor"], [("Pack", ["1", "2", "4"])], (14, 49)),
    ],
}  # fmt: skip
ADJECTIVES = [
    "Classic",
    "Organic",
    "Recycled",
    "Everyday",
    "Premium",
    "Lightweight",
    "Vintage",
    "Essential",
    "Urban",
    "Coastal",
]
PALETTE = ["#2f5bea", "#e4572e", "#17bebb", "#ffc914", "#76b041", "#8e44ad", "#34495e", "#d35400"]


def _image(title: str, color: str, index: int) -> ContentFile:
    canvas = Image.new("RGB", (800, 800), color)
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((60, 60, 740, 740), outline="white", width=8)
    draw.ellipse((250 + index * 20, 220, 550 + index * 20, 520), fill="white")
    draw.text((90, 640), title[:40], fill="white", font_size=44)
    buffer = io.BytesIO()
    canvas.save(buffer, format="JPEG", quality=80)
    return ContentFile(buffer.getvalue(), name="demo.jpg")


def _category(path: str, cache: dict[str, Category]) -> Category:
    parent = None
    built = []
    for name in path.split("/"):
        built.append(name)
        key = "/".join(built)
        if key not in cache:
            existing = Category.objects.filter(name=name, parent=parent).first()
            cache[key] = existing or category_save(category=Category(), name=name, parent=parent)
        parent = cache[key]
    assert parent is not None
    return parent


def demo_catalog_load(*, theme: str, count: int = 50, seed: int = 7, stock: StockSeeder | None = None) -> int:
    """Create `count` demo products in the current store unless it already has products.
    `stock` gets the new variants to give them demo stock: the catalog does not reach into
    inventory itself (inventory builds on the catalog, not the other way round)."""
    if Product.objects.exists():
        return 0
    rng = random.Random(f"{theme}-{seed}")  # noqa: S311 - demo data, not secrets
    categories: dict[str, Category] = {}
    created: list[Product] = []
    specs = THEMES[theme]
    with transaction.atomic():
        for number in range(count):
            path, product_type, nouns, options, (low, high) = specs[number % len(specs)]
            title = f"{rng.choice(ADJECTIVES)} {rng.choice(nouns)}"
            if Product.objects.filter(title=title).exists():
                title = f"{title} {number + 1}"
            base = Decimal(rng.randint(low, high)) - Decimal("0.01")
            combos: list[tuple[tuple[str, str], ...]] = [()]
            for name, values in options:
                chosen = values[: rng.randint(1, len(values))]
                combos = [(*combo, (name, value)) for combo in combos for value in chosen]
            prefix = f"{product_type[:3].upper()}{number + 1:03d}"
            variants = tuple(
                VariantInput(
                    sku=f"{prefix}-{index + 1:02d}",
                    price=base
                    + (Decimal(5) if any(v in ("XL", "65 W", "2 m", "4") for _n, v in combo) else 0),
                    compare_at_price=(base * Decimal("1.3")).quantize(Decimal("1")) - Decimal("0.01")
                    if number % 4 == 0
                    else None,
                    cost=(base * Decimal("0.45")).quantize(Decimal("0.01")),
                    weight_grams=rng.randint(50, 900),
                    options=combo,
                )
                for index, combo in enumerate(combos)
            )
            product = product_create(
                data=ProductInput(
                    title=title,
                    description=f"<p>{title}: a customer favourite. Ships in 3–7 days.</p><ul><li>Quality checked</li><li>30-day returns</li></ul>",
                    status=Product.Status.ACTIVE if number % 10 else Product.Status.DRAFT,
                    product_type=product_type,
                    vendor=rng.choice(["Northwind", "Acme", "Globex", "Initech"]),
                    tags=tuple(rng.sample(["bestseller", "new", "gift", "eco", "sale"], 2)),
                    category_id=_category(path, categories).pk,
                    variants=variants,
                ),
                emit=False,
            )
            color = PALETTE[number % len(PALETTE)]
            for index in range(1 + number % 2):
                product_image_add(
                    product=product, upload=_image(title, color, index), alt=f"{title} photo {index + 1}"
                )
            created.append(product)
        if stock is not None:
            stock([variant for product in created for variant in product.variants.all()], rng)
        collection_save(collection=Collection(), title="Bestsellers", kind=Collection.Kind.RULES,
                        rules=[{"field": "tag", "op": "equals", "value": "bestseller"}])  # fmt: skip
        collection_save(
            collection=Collection(),
            title="Staff picks",
            kind=Collection.Kind.MANUAL,
            product_ids=[p.pk for p in created[:6]],
        )
    return len(created)
