# The column becomes text holding ciphertext; the values already stored are encrypted in place
# (and decrypted again when the migration is unapplied).

from django.db import migrations

import apps.core.encryption
from apps.core.encryption import column_encrypt_backwards, column_encrypt_forwards


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='smssettings',
            name='auth_token',
            field=apps.core.encryption.EncryptedCharField(blank=True, max_length=128, verbose_name='auth token'),
        ),
        migrations.RunPython(
            column_encrypt_forwards("notifications_smssettings", "auth_token"),
            column_encrypt_backwards("notifications_smssettings", "auth_token"),
        ),
    ]
