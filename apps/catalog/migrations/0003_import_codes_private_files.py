"""Import runs store error codes and parameters instead of sentences, and keep their uploaded
files in the private storage.

Runs and row problems recorded before keep their sentence as the `text` parameter of the
`legacy_text` code, which shows it as it was written.
"""

from django.db import migrations, models
from django.db.models import F
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import JSONObject

import apps.core.storage

LEGACY = "legacy_text"


def sentences_to_codes(apps, schema_editor):
    ImportRun = apps.get_model("catalog", "ImportRun")
    ImportRowError = apps.get_model("catalog", "ImportRowError")
    ImportRun.objects.exclude(failure_reason="").update(
        failure_code=LEGACY, failure_params=JSONObject(text=F("failure_reason"))
    )
    ImportRowError.objects.update(code=LEGACY, params=JSONObject(text=F("message")))


def codes_to_sentences(apps, schema_editor):
    # Going back keeps the sentence of legacy rows and the code of newer ones (their wording
    # lives in the code, which the older schema cannot hold).
    ImportRun = apps.get_model("catalog", "ImportRun")
    ImportRowError = apps.get_model("catalog", "ImportRowError")
    ImportRun.objects.filter(failure_code=LEGACY).update(
        failure_reason=KeyTextTransform("text", "failure_params")
    )
    ImportRun.objects.exclude(failure_code__in=["", LEGACY]).update(failure_reason=F("failure_code"))
    ImportRowError.objects.filter(code=LEGACY).update(message=KeyTextTransform("text", "params"))
    ImportRowError.objects.exclude(code=LEGACY).update(message=F("code"))


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="importrun",
            name="failure_code",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="importrun",
            name="failure_params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="importrowerror",
            name="code",
            field=models.CharField(default=LEGACY, max_length=64, verbose_name="problem"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="importrowerror",
            name="params",
            field=models.JSONField(blank=True, default=dict),
        ),
        # Blank with a default, so that going back can add the column again to existing rows.
        migrations.AlterField(
            model_name="importrowerror",
            name="message",
            field=models.TextField(blank=True, default="", verbose_name="problem"),
        ),
        migrations.RunPython(sentences_to_codes, codes_to_sentences),
        migrations.RemoveField(model_name="importrun", name="failure_reason"),
        migrations.RemoveField(model_name="importrowerror", name="message"),
        migrations.AlterField(
            model_name="importrun",
            name="file",
            field=models.FileField(
                blank=True, storage=apps.core.storage.private_storage, upload_to="imports/"
            ),
        ),
    ]
