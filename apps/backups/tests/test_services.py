"""Export and restore of one store: a round trip compared row by row and file by file, a restore
over the store itself, refusals (tampered archive, wrong store, other migrations), and that no
other store is ever touched."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists
from psycopg import sql

from apps.backups import schema_data
from apps.backups import services as backup_services
from apps.backups.archive import manifest_signature
from apps.backups.errors import BackupError, BackupErrorCode
from apps.backups.media import MEDIA_STORAGES, media_files, media_storage
from apps.backups.services import store_export, store_restore
from apps.catalog.models import Product, ProductImage
from apps.content.models import BlogPostPage
from apps.core.storage import private_storage
from apps.orders.models import Order
from apps.tenants.migrations_state import stale_schemas
from apps.tenants.models import Domain, StoreAuditEntry, Tenant
from tests.fixtures import migration_step

from .factories import store_fill

pytestmark = pytest.mark.django_db


def _rows(schema: str, table: str, order_by: tuple[str, ...], exclude: tuple[str, ...] = ()) -> list[tuple]:
    """Every row of a table, every column (but `exclude`), through plain SELECT: independent of
    the checksums the restore verifies itself with."""
    columns = [c for c in _column_names(schema, table) if c not in exclude]
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
                sql.SQL(", ").join(sql.Identifier(c) for c in columns),
                sql.Identifier(schema, table),
                sql.SQL(", ").join(sql.Identifier(c) for c in order_by),
            )
        )
        return cursor.fetchall()


def _column_names(schema: str, table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s"
            " ORDER BY ordinal_position",
            [schema, table],
        )
        return [row[0] for row in cursor.fetchall()]


def _media(schema: str) -> dict[str, bytes]:
    """Every media file of the store, public and private, with its bytes."""
    found = {}
    with schema_context(schema):
        for area, _alias in MEDIA_STORAGES:
            storage = media_storage(area)
            for name in media_files(area):
                with storage.open(name, "rb") as handle:
                    found[f"{area}/{name}"] = handle.read()
    return found


def _digests(schema: str) -> dict[str, tuple[int, str]]:
    return {
        shape.name: (digest.rows, digest.sha256)
        for shape in schema_data.schema_tables(schema)
        for digest in [schema_data.table_dump(schema, shape)]
    }


def _retar(source: Path, target: Path, change: Any) -> None:
    """Repack an archive, letting `change(root)` edit its unpacked files first."""
    root = target.parent / (target.name + ".d")
    with tarfile.open(source, "r:gz") as tar:
        tar.extractall(root, filter="data")
    change(root)
    with tarfile.open(target, "w:gz") as tar:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=str(path.relative_to(root)))


def test_round_trip_as_a_new_store_equals_the_source_row_by_row_and_file_by_file(alpha, s3_media, tmp_path):
    # given: alpha with products, an order, a blog post, product and Wagtail images, a private file
    made = store_fill(alpha.tenant.schema_name, "alpha")
    source = alpha.tenant.schema_name
    with schema_context(source):
        SessionStore().create()  # someone signed in

    # when
    exported = store_export(tenant=alpha.tenant, destination=tmp_path / "alpha.tar.gz")
    result = store_restore(archive=exported.path, as_new="alpha-copy")

    # then: a new active store on its own address and schema
    copy = result.tenant
    assert (copy.slug, copy.schema_name, copy.status) == (
        "alpha-copy",
        "store_alpha_copy",
        Tenant.Status.ACTIVE,
    )
    assert copy.merchant_id == alpha.tenant.merchant_id
    assert Domain.objects.get(tenant=copy, is_primary=True).domain == "alpha-copy.platform.test"
    assert StoreAuditEntry.objects.filter(tenant=copy, action="restored").exists()
    assert result.rows == exported.rows > 0 and result.media_files == exported.media_files >= 4

    # every table, every row, every column is the same (the Wagtail Site moved to the new address),
    # but sign-in sessions, which are never archived
    tables = schema_data.schema_tables(source)
    assert [t.name for t in tables] == [t.name for t in schema_data.schema_tables(copy.schema_name)]
    assert len(tables) > 100
    assert "django_session" not in exported.manifest["tables"]
    assert _rows(copy.schema_name, "django_session", ("session_key",)) == []
    assert _rows(source, "django_session", ("session_key",)) != []
    for shape in tables:
        if shape.name == "django_session":
            continue
        exclude = ("hostname",) if shape.name == "wagtailcore_site" else ()
        assert _rows(source, shape.name, shape.order_by, exclude) == _rows(
            copy.schema_name, shape.name, shape.order_by, exclude
        ), shape.name
    assert schema_data.schema_sequences(source) == schema_data.schema_sequences(copy.schema_name)
    with schema_context(copy.schema_name):
        assert set(Product.objects.values_list("uuid", flat=True)) >= {p.uuid for p in made["products"]}
        assert Order.objects.get(number=made["order"].number).email == "shopper-alpha@example.com"
        assert BlogPostPage.objects.live().filter(title="alpha news").exists()
        from wagtail.models import Site

        assert Site.objects.get(is_default_site=True).hostname == "alpha-copy.platform.test"

    # every media file, public and private, under the new store's own prefix
    source_media = _media(source)
    assert f"private/{made['private_name']}" in source_media
    assert f"public/{made['image'].image.name}" in source_media
    assert f"public/{made['wagtail_image'].file.name}" in source_media
    assert _media(copy.schema_name) == source_media
    keys = {obj["Key"] for obj in s3_media.list_objects_v2(Bucket="backups-private")["Contents"]}
    assert f"store_alpha_copy/{made['private_name']}" in keys


def test_a_restore_never_touches_another_store(alpha, beta, s3_media, tmp_path):
    # given: both stores hold data and media
    store_fill(alpha.tenant.schema_name, "alpha")
    store_fill(beta.tenant.schema_name, "beta")
    beta_rows = _digests(beta.tenant.schema_name)
    beta_media = _media(beta.tenant.schema_name)
    archive = store_export(tenant=alpha.tenant, destination=tmp_path / "alpha.tar.gz").path

    # when: alpha is restored as a new store and over itself
    store_restore(archive=archive, as_new="alpha-twin")
    with schema_context(alpha.tenant.schema_name):
        Product.objects.filter(title__startswith="alpha shirt").update(title="changed")
    store_restore(archive=archive, over=alpha.tenant, safety_dir=tmp_path)

    # then: beta's every table and file are as they were
    assert _digests(beta.tenant.schema_name) == beta_rows
    assert _media(beta.tenant.schema_name) == beta_media


def test_restore_over_itself_brings_deleted_products_back_and_keeps_a_safety_export(
    alpha, local_media, tmp_path
):
    # given: an export, then a mistake (products and a file deleted, a file added)
    made = store_fill(alpha.tenant.schema_name, "alpha")
    schema = alpha.tenant.schema_name
    archive = store_export(tenant=alpha.tenant, destination=tmp_path / "alpha.tar.gz")
    with schema_context(schema):
        kept = {p.uuid for p in made["products"][1:]}
        Product.objects.filter(uuid__in=kept).delete()
        private_storage().delete(made["private_name"])
        private_storage().save("imports/later.csv", ContentFile(b"after the export"))
        assert not Product.objects.filter(uuid__in=kept).exists()

    # when
    result = store_restore(archive=archive.path, over=alpha.tenant, safety_dir=tmp_path / "safety")

    # then: the store reads back exactly as archived, and the state before the restore is kept
    with schema_context(schema):
        assert set(Product.objects.filter(uuid__in=kept).values_list("uuid", flat=True)) == kept
        assert private_storage().exists(made["private_name"])
        assert not private_storage().exists("imports/later.csv")
    manifest = archive.manifest
    restored = {name: digest for name, digest in _digests(schema).items() if name != "django_session"}
    assert restored == {name: (t["rows"], t["sha256"]) for name, t in manifest["tables"].items()}
    assert result.safety_archive is not None and result.safety_archive.parent == tmp_path / "safety"
    with tarfile.open(result.safety_archive) as tar:
        safety = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert "imports/later.csv" in safety["media"]["private"]
    assert safety["tables"]["catalog_product"]["rows"] == manifest["tables"]["catalog_product"]["rows"] - 2


def _export_then_a_change(alpha: Any, tmp_path: Path) -> Path:
    """alpha filled and exported, then a product deleted and a private file added."""
    made = store_fill(alpha.tenant.schema_name, "alpha")
    archive = store_export(tenant=alpha.tenant, destination=tmp_path / "alpha.tar.gz").path
    with schema_context(alpha.tenant.schema_name):
        Product.objects.filter(pk=made["products"][2].pk).delete()
        private_storage().save("imports/later.csv", ContentFile(b"after the export"))
    return archive


def test_a_restore_that_fails_midway_leaves_the_store_as_it_was(alpha, local_media, tmp_path, monkeypatch):
    schema = alpha.tenant.schema_name
    archive = _export_then_a_change(alpha, tmp_path)
    before = _digests(schema)

    def broken(*args: Any) -> None:
        raise RuntimeError("disk on fire")

    # when: the rows are truncated and copied in, then a step fails
    monkeypatch.setattr(schema_data, "sequences_set", broken)
    with pytest.raises(RuntimeError):
        store_restore(archive=archive, over=alpha.tenant, safety_dir=tmp_path)

    # then: every row is as before the attempt, and the file added since the export is kept
    assert _digests(schema) == before
    with schema_context(schema):
        assert private_storage().exists("imports/later.csv")
    assert not StoreAuditEntry.objects.filter(tenant=alpha.tenant, action="restored").exists()


def _failing_on_second_write(monkeypatch: Any) -> list[str]:
    """media_file_write as the restore calls it, failing at its second file."""
    real, calls = backup_services.media_file_write, []

    def write(area: str, name: str, source: Any) -> None:
        calls.append(f"{area}/{name}")
        if len(calls) == 2:
            raise OSError("storage unreachable")
        real(area, name, source)

    monkeypatch.setattr(backup_services, "media_file_write", write)
    return calls


def test_a_media_write_that_fails_leaves_the_rows_and_every_file_of_the_store(
    alpha, local_media, tmp_path, monkeypatch
):
    # given: an export, then a product deleted and a file added
    schema = alpha.tenant.schema_name
    archive = _export_then_a_change(alpha, tmp_path)
    rows, files = _digests(schema), _media(schema)

    # when: the storage fails at the archive's second file
    calls = _failing_on_second_write(monkeypatch)
    with pytest.raises(OSError, match="storage unreachable"):
        store_restore(archive=archive, over=alpha.tenant, safety_dir=tmp_path)

    # then: the rows are as they were, and so is every file (the one written holds the same bytes)
    assert len(calls) == 2
    assert _digests(schema) == rows
    assert _media(schema) == files
    assert not StoreAuditEntry.objects.filter(tenant=alpha.tenant, action="restored").exists()


def test_a_new_store_whose_media_or_rows_fail_leaves_no_store_and_no_file(
    alpha, local_media, tmp_path, monkeypatch
):
    store_fill(alpha.tenant.schema_name, "alpha")
    archive = store_export(tenant=alpha.tenant, destination=tmp_path / "alpha.tar.gz").path

    # a file fails to write
    _failing_on_second_write(monkeypatch)
    with pytest.raises(OSError):
        store_restore(archive=archive, as_new="half-made")
    monkeypatch.undo()
    # every file is written, then the rows fail
    monkeypatch.setattr(schema_data, "sequences_set", lambda *args: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        store_restore(archive=archive, as_new="half-made")

    assert not Tenant.objects.filter(slug="half-made").exists()
    assert not schema_exists("store_half_made")
    assert _media("store_half_made") == {}


def test_a_sequence_named_otherwise_in_the_new_store_is_found_by_its_column(alpha, local_media, tmp_path):
    # given: alpha's product ids come from a sequence named as a store migrated through a table
    # rename has it, not as a clone of today's template names it
    made = store_fill(alpha.tenant.schema_name, "alpha")
    schema = alpha.tenant.schema_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [f'"{schema}".catalog_product'])
        sequence = cursor.fetchone()[0]
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO catalog_product_legacy_seq")
    archive = store_export(tenant=alpha.tenant, destination=tmp_path / "alpha.tar.gz")
    assert archive.manifest["sequence_owners"]["catalog_product_legacy_seq"] == ["catalog_product", "id"]
    last_value, _is_called = archive.manifest["sequences"]["catalog_product_legacy_seq"]
    assert last_value >= max(p.pk for p in made["products"])

    # when: it is restored as a new store (a clone, whose sequence has the usual name)
    twin = store_restore(archive=archive.path, as_new="alpha-seq").tenant

    # then: the new store's next product id follows the archived sequence
    with schema_context(twin.schema_name):
        created = Product.objects.create(title="after the restore", handle="after-the-restore")
    assert created.pk == last_value + 1


def test_a_tampered_archive_is_refused_and_nothing_is_written(alpha, local_media, tmp_path):
    store_fill(alpha.tenant.schema_name, "alpha")
    good = store_export(tenant=alpha.tenant, destination=tmp_path / "alpha.tar.gz").path

    def tamper(root: Path) -> None:
        data = root / "data" / "catalog_product.copy"
        data.write_bytes(data.read_bytes().replace(b"alpha shirt 1", b"alpha shirt X"))

    bad = tmp_path / "tampered.tar.gz"
    _retar(good, bad, tamper)
    before = _digests(alpha.tenant.schema_name)

    with pytest.raises(CommandError, match=r"checksum_mismatch.*data/catalog_product\.copy"):
        call_command("store_restore", str(bad), "--as-new", "tampered")
    with pytest.raises(CommandError, match="checksum_mismatch"):
        call_command("store_restore", str(bad), "--over", "alpha", "--yes", "--safety-dir", str(tmp_path))

    assert not Tenant.objects.filter(slug="tampered").exists()
    assert not schema_exists("store_tampered")
    assert _digests(alpha.tenant.schema_name) == before
    assert not list(tmp_path.glob("alpha-before-restore-*"))  # refused before the safety export


def test_a_media_file_changed_in_the_archive_is_refused(alpha, local_media, tmp_path):
    made = store_fill(alpha.tenant.schema_name, "alpha")
    good = store_export(tenant=alpha.tenant, destination=tmp_path / "alpha.tar.gz").path
    bad = tmp_path / "bad.tar.gz"
    _retar(good, bad, lambda root: (root / "media" / "private" / made["private_name"]).write_bytes(b"evil"))
    with pytest.raises(BackupError) as refused:
        store_restore(archive=bad, as_new="bad-media")
    assert refused.value.code == BackupErrorCode.CHECKSUM_MISMATCH
    assert refused.value.params["file"] == f"media/private/{made['private_name']}"


def test_the_commands_refuse_with_clear_errors(alpha, beta, local_media, tmp_path):
    archive = tmp_path / "alpha.tar.gz"
    call_command("store_export", "alpha", "--output", str(archive))
    assert archive.is_file()

    with pytest.raises(CommandError, match="no store “nosuch”"):
        call_command("store_export", "nosuch")
    with pytest.raises(CommandError, match="exists already"):
        call_command("store_export", "alpha", "--output", str(archive))
    with pytest.raises(CommandError, match="“beta” is already taken"):
        call_command("store_restore", str(archive), "--as-new", "beta")
    with pytest.raises(CommandError, match="wrong_store"):
        call_command("store_restore", str(archive), "--over", "beta", "--yes")
    with pytest.raises(CommandError, match="no such archive"):
        call_command("store_restore", str(tmp_path / "missing.tar.gz"), "--as-new", "x1")
    with pytest.raises(CommandError, match="format_unsupported"):
        newer = tmp_path / "newer.tar.gz"
        _retar(archive, newer, lambda root: _manifest_edit(root, format_version=99))
        call_command("store_restore", str(newer), "--as-new", "newer")
    with pytest.raises(CommandError, match="migrations_differ"):
        other = tmp_path / "other.tar.gz"
        _retar(archive, other, lambda root: _manifest_edit(root, migrations=[["catalog", "9999_future"]]))
        call_command("store_restore", str(other), "--as-new", "other-state")
    with pytest.raises(CommandError, match="Not restored"):
        call_command("store_restore", str(archive), "--over", "alpha", interactive=False)
    assert not Tenant.objects.filter(slug__in=["x1", "newer", "other-state"]).exists()
    assert not schema_exists("store_other_state")


# The last catalog migration: it adds product images' size_bytes (default 0), and no other
# migration depends on it, so a store can be taken back to before it alone.
UPGRADE = ("catalog", "0006_product_image_size")


def _upgrade(schema: str, *, undo: bool) -> None:
    migration_step(schema, UPGRADE, undo=undo)


def _export_before_the_upgrade(alpha: Any, tmp_path: Path) -> tuple[dict[str, Any], Any]:
    """alpha filled and exported at the state before UPGRADE, then upgraded."""
    schema = alpha.tenant.schema_name
    made = store_fill(schema, "alpha")
    _upgrade(schema, undo=True)
    archive = store_export(tenant=alpha.tenant, destination=tmp_path / "before-upgrade.tar.gz")
    _upgrade(schema, undo=False)
    assert list(UPGRADE) not in archive.manifest["migrations"]
    assert "size_bytes" not in {c for c, _t in archive.manifest["tables"]["catalog_productimage"]["columns"]}
    assert stale_schemas([schema]) == []
    return made, archive


def test_an_archive_made_before_an_upgrade_is_restored_and_brought_to_this_release(
    alpha, beta, local_media, tmp_path
):
    # given: an archive of alpha from before the upgrade, then a mistake after it
    schema = alpha.tenant.schema_name
    made, archive = _export_before_the_upgrade(alpha, tmp_path)
    beta_rows = _digests(beta.tenant.schema_name)
    lost = made["products"][1].pk
    with schema_context(schema):
        ProductImage.objects.update(size_bytes=123)
        Product.objects.filter(pk=lost).delete()

    # when: it is restored over the store, and as a new store
    result = store_restore(archive=archive.path, over=alpha.tenant, safety_dir=tmp_path / "safety")
    out = io.StringIO()
    call_command("store_restore", str(archive.path), "--as-new", "alpha-before", stdout=out)
    twin = Tenant.objects.get(slug="alpha-before")
    assert result.migrations_applied == 1
    assert "predates 1 migration(s) of this release" in out.getvalue()

    # then: both stores are at this release's migrations, with the archived rows, and the column the
    # upgrade added holds its default
    assert stale_schemas([schema, twin.schema_name, beta.tenant.schema_name]) == []
    assert _digests(beta.tenant.schema_name) == beta_rows  # the migrations ran in alpha's schema only
    unchanged_by_upgrade = {
        name: (entry["rows"], entry["sha256"])
        for name, entry in archive.manifest["tables"].items()
        if name not in {"catalog_productimage", "django_migrations"}
    }
    for restored in (schema, twin.schema_name):
        digests = _digests(restored)
        # (a new store's Wagtail site answers on its own address)
        kept = {name for name in unchanged_by_upgrade if restored == schema or name != "wagtailcore_site"}
        assert {name: digests[name] for name in kept} == {name: unchanged_by_upgrade[name] for name in kept}
        with schema_context(restored):
            assert Product.objects.filter(pk=lost).exists()
            assert list(ProductImage.objects.values_list("size_bytes", flat=True)) == [0]
        assert "size_bytes" in _column_names(restored, "catalog_productimage")
    # and the safety export holds the store as it was, upgraded
    assert result.safety_archive is not None
    with tarfile.open(result.safety_archive) as tar:
        safety = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert list(UPGRADE) in safety["migrations"]


def test_a_restore_across_an_upgrade_that_fails_leaves_schema_and_rows_as_they_were(
    alpha, local_media, tmp_path, monkeypatch
):
    # given: an archive from before the upgrade, and the store changed since
    schema = alpha.tenant.schema_name
    made, archive = _export_before_the_upgrade(alpha, tmp_path)
    with schema_context(schema):
        ProductImage.objects.update(size_bytes=123)
        Product.objects.filter(pk=made["products"][1].pk).delete()
    before = _digests(schema)

    def broken(schema: str, keys: list[Any]) -> None:
        raise RuntimeError("the upgrade's second pass failed")

    # when: the migrations are taken back, the rows replaced and checked, and applying them again fails
    monkeypatch.setattr(backup_services, "migrations_redo", broken)
    with pytest.raises(RuntimeError):
        store_restore(archive=archive.path, over=alpha.tenant, safety_dir=tmp_path)

    # then: the schema is still upgraded and every row as it was
    assert stale_schemas([schema]) == []
    assert "size_bytes" in _column_names(schema, "catalog_productimage")
    assert _digests(schema) == before


def _manifest_edit(root: Path, *, sign: bool = True, **changes: Any) -> None:
    path = root / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    data = json.dumps(manifest).encode()
    path.write_bytes(data)
    if sign:  # as this platform would have: only what is tested next is refused
        (root / "manifest.sig").write_text(manifest_signature(data))


def test_an_archive_this_platform_did_not_sign_is_refused_unless_trusted(alpha, local_media, tmp_path):
    # given: a manifest edited after the export (checksums are in it: they prove nothing alone)
    good = store_export(tenant=alpha.tenant, destination=tmp_path / "alpha.tar.gz").path
    edited = tmp_path / "edited.tar.gz"
    _retar(
        good, edited, lambda root: _manifest_edit(root, sign=False, created_at="2000-01-01T00:00:00+00:00")
    )

    with pytest.raises(CommandError, match="signature_invalid"):
        call_command("store_restore", str(edited), "--as-new", "edited")
    assert not Tenant.objects.filter(slug="edited").exists()

    # staff who know where it came from may still restore it
    call_command("store_restore", str(edited), "--as-new", "edited", "--trust-unsigned", stdout=io.StringIO())
    assert Tenant.objects.get(slug="edited").status == Tenant.Status.ACTIVE
