"""Lighthouse scores of a demo store's home, collection and product pages (mobile profile).

Makes (or reuses) the `bench-lighthouse` store in `commerce_bench` with `--products` active
products (default 50; the first dozen with a photo), serves the project with `manage.py
runserver` on 127.0.0.1 (same database and settings as this script, DEBUG off), and runs the
pinned Lighthouse (`benchmarks/node_modules/.bin/lighthouse`, npm `lighthouse@12.2.3`, installed
with `npm ci --prefix benchmarks` when missing) against Debian's chromium on each page.

The store is reached as `bench-lighthouse.localhost:<port>` (a verified, primary domain of the
bench store): chromium maps every host to 127.0.0.1 and treats `*.localhost` as a secure
origin, as it would treat the HTTPS a real store is served on.

Prints performance, accessibility, best practices and SEO per page and, for every score under
its target, the audits that cost points (title, score, the first offending items), read from
the JSON reports kept under `.local/artifacts/lighthouse/`.

Targets: performance >= 95, accessibility 100, best practices >= 95, SEO 100 on every page.

    .venv/bin/python benchmarks/bench_lighthouse.py [--products 50] [--port 8761] [--runs 1]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._setup import REPO_ROOT, bench_store_ensure, bootstrap, median, report, say, verdict

STORE_SLUG = "bench-lighthouse"
HOST = f"{STORE_SLUG}.localhost"
BENCH_DIR = REPO_ROOT / "benchmarks"
LIGHTHOUSE = BENCH_DIR / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = Path("/usr/bin/chromium")
REPORTS = REPO_ROOT / ".local" / "artifacts" / "lighthouse"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --host-resolver-rules=MAP * 127.0.0.1 --disable-background-networking"
)
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 95, "seo": 100}
PHOTOS = 12


def _lighthouse_ensure() -> None:
    if LIGHTHOUSE.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is missing: install Node.js 20 (apt-get install nodejs npm)")
    say("installing lighthouse (npm ci --prefix benchmarks)")
    subprocess.run([npm, "ci", "--prefix", str(BENCH_DIR), "--no-audit", "--no-fund"], check=True)
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE} is still missing after npm ci")


def _photo(index: int) -> Any:
    from django.core.files.base import ContentFile
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1200, 1200), (40 + index * 15 % 200, 90, 140 + index * 7 % 100))
    draw = ImageDraw.Draw(image)
    draw.ellipse((300, 300, 900, 900), fill=(235, 225, 210))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return ContentFile(buffer.getvalue(), name=f"photo-{index}.jpg")


def _store_ensure(products: int) -> tuple[Any, str, str]:
    """The store (with its .localhost domain primary), a collection handle and a product handle."""
    from django.db import transaction
    from django_tenants.utils import schema_context

    from apps.catalog.models import Collection, Product
    from apps.catalog.services import product_image_add
    from apps.tenants.models import Domain
    from tests.storefront_data import catalog_bulk_build, variants_bulk_add

    tenant, created = bench_store_ensure(STORE_SLUG)
    say(f"store {STORE_SLUG}: {'created' if created else 'reused'}")
    with transaction.atomic():
        Domain.objects.filter(tenant=tenant).exclude(domain=HOST).update(is_primary=False)
        Domain.objects.update_or_create(
            domain=HOST, defaults={"tenant": tenant, "is_primary": True, "status": Domain.Status.VERIFIED}
        )
    with schema_context(tenant.schema_name):
        if Product.objects.filter(status=Product.Status.ACTIVE).count() < products:
            Product.objects.all().delete()
            Collection.objects.all().delete()
            built = catalog_bulk_build(products=products, prefix="demo")
            variants_bulk_add(product=built.products[0], count=5, location=built.location)
            for index, item in enumerate(built.products[:PHOTOS]):
                product_image_add(product=item, upload=_photo(index), alt=item.title)
            say(f"built {products} products ({PHOTOS} with a photo)")
        collection = Collection.objects.order_by("pk").first()
        product = Product.objects.filter(images__isnull=False).order_by("handle").first()
        assert collection is not None and product is not None
        return tenant, collection.handle, product.handle


def _free_port(preferred: int) -> int:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            probe.bind(("127.0.0.1", 0))
            return int(probe.getsockname()[1])


def _serve(port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DJANGO_DEBUG": "0"}
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(
                f"runserver exited: {server.stderr.read().decode()[-2000:] if server.stderr else ''}"
            )
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": f"{HOST}:{port}"})
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("runserver did not answer within 60 s")


def _lighthouse(url: str, out: Path) -> dict[str, Any]:
    env = {**os.environ, "CHROME_PATH": str(CHROMIUM)}
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={out}",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--chrome-flags={CHROME_FLAGS}",
        ],
        check=True,
        env=env,
        timeout=300,
    )
    return json.loads(out.read_text())


def _item_text(item: dict[str, Any]) -> str:
    node = item.get("node") if isinstance(item.get("node"), dict) else None
    for candidate in (
        node and node.get("selector"),
        item.get("url"),
        item.get("source", {}).get("url") if isinstance(item.get("source"), dict) else None,
        node and node.get("snippet"),
    ):
        if candidate:
            return str(candidate)[:110]
    return json.dumps(item)[:110]


def _misses(data: dict[str, Any], category: str) -> list[str]:
    """The audits of `category` that cost points, heaviest first."""
    lines = []
    refs = sorted(data["categories"][category]["auditRefs"], key=lambda ref: -ref.get("weight", 0))
    for ref in refs:
        audit = data["audits"].get(ref["id"], {})
        score = audit.get("score")
        if score is None or score >= 1 or (ref.get("weight", 0) == 0 and category != "performance"):
            continue
        if category == "performance" and ref.get("weight", 0) == 0 and score >= 0.9:
            continue
        shown = audit.get("displayValue") or ""
        lines.append(f"{ref['id']} ({score:.2f}{', ' + shown if shown else ''}): {audit.get('title', '')}")
        items = (audit.get("details") or {}).get("items") or []
        for item in items[:3]:
            if isinstance(item, dict):
                lines.append(f"    - {_item_text(item)}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=50)
    parser.add_argument("--port", type=int, default=8761)
    parser.add_argument("--runs", type=int, default=1, help="Lighthouse runs per page (median kept)")
    args = parser.parse_args()

    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install chromium")
    _lighthouse_ensure()
    bootstrap()
    _, collection, product = _store_ensure(args.products)
    port = _free_port(args.port)
    base = f"http://{HOST}:{port}"
    pages = {"home": "/", "collection": f"/collections/{collection}/", "product": f"/products/{product}/"}
    REPORTS.mkdir(parents=True, exist_ok=True)
    server = _serve(port)
    scores: dict[str, dict[str, float]] = {}
    misses: dict[str, list[str]] = {}
    try:
        for name, path in pages.items():
            runs: list[dict[str, Any]] = []
            for run in range(args.runs):
                out = REPORTS / f"{name}-{run + 1}.json"
                say(f"lighthouse {base}{path} (run {run + 1}/{args.runs})")
                runs.append(_lighthouse(base + path, out))
            scores[name] = {
                category: median([100 * (data["categories"][category]["score"] or 0) for data in runs])
                for category in CATEGORIES
            }
            last = runs[-1]
            misses[name] = [
                f"{category}: {line}"
                for category in CATEGORIES
                if scores[name][category] < 100
                for line in _misses(last, category)
            ]
    finally:
        server.terminate()
        server.wait(timeout=20)

    met = all(scores[page][category] >= TARGETS[category] for page in scores for category in CATEGORIES)
    rows = [("store", base), ("reports", str(REPORTS.relative_to(REPO_ROOT)))]
    for name, values in scores.items():
        rows.append(
            (
                f"{name} perf / a11y / BP / SEO",
                " / ".join(f"{values[category]:.0f}" for category in CATEGORIES),
            )
        )
    rows.append(("targets 95 / 100 / 95 / 100", verdict(met)))
    report(
        "lighthouse",
        rows,
        {
            **{
                f"{name}_{category.replace('-', '_')}": values[category]
                for name, values in scores.items()
                for category in CATEGORIES
            },
            "target_met": met,
        },
    )
    for name, lines in misses.items():
        if lines:
            print(f"\nWhere {name} loses points:")
            for line in lines:
                print(f"  {line}")


if __name__ == "__main__":
    main()
