# The column becomes text holding ciphertext; the values already stored are encrypted in place
# (and decrypted again when the migration is unapplied).

from django.db import migrations

import apps.core.encryption
from apps.core.encryption import column_encrypt_backwards, column_encrypt_forwards


class Migration(migrations.Migration):

    dependencies = [
        ('integrations', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='webhooksecret',
            name='secret',
            field=apps.core.encryption.EncryptedCharField(max_length=100),
        ),
        migrations.RunPython(
            column_encrypt_forwards("integrations_webhooksecret", "secret"),
            column_encrypt_backwards("integrations_webhooksecret", "secret"),
        ),
    ]
