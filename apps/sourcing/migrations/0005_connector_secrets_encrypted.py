# The column stays jsonb; the connector secrets already stored in it are encrypted in place (and
# decrypted again when the migration is unapplied).

from django.db import migrations

import apps.core.encryption
from apps.core.encryption import json_keys_encrypt_backwards, json_keys_encrypt_forwards

SECRET_KEYS = ('app_secret', 'access_token')


class Migration(migrations.Migration):

    dependencies = [
        ('sourcing', '0004_supplier_ships_to_countries'),
    ]

    operations = [
        migrations.AlterField(
            model_name='supplier',
            name='connector_config',
            field=apps.core.encryption.EncryptedKeysJSONField(blank=True, default=dict, secret_keys=SECRET_KEYS, verbose_name='connector settings'),
        ),
        migrations.RunPython(
            json_keys_encrypt_forwards("sourcing_supplier", "connector_config", SECRET_KEYS),
            json_keys_encrypt_backwards("sourcing_supplier", "connector_config", SECRET_KEYS),
        ),
    ]
