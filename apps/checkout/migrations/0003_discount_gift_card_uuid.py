"""A public id for discounts and gift cards (the admin API's): added empty, filled one row at a
time so existing rows get distinct values, then made required and unique."""

import uuid

from django.db import migrations, models


def _fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    for model_name in ("Discount", "GiftCard"):
        model = apps.get_model("checkout", model_name)
        for pk in model.objects.filter(uuid__isnull=True).values_list("pk", flat=True).iterator():
            model.objects.filter(pk=pk).update(uuid=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("checkout", "0002_checkout_domain"),
    ]

    operations = [
        migrations.AddField(
            model_name="discount",
            name="uuid",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="giftcard",
            name="uuid",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="discount",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name="giftcard",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
