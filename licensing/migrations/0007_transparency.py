# Public transparency (issue 7): the licence verification log, and the indexes that keep the
# public lists fast at a million rows (keyset pagination newest first, licensing.selectors_public).
#
# The indexes on applications and licences are created with RunSQL, not in the models' Meta, so
# that this feature does not edit the Application and Licence models other work owns; both
# databases accept the same statements.

import django.db.models.deletion
from django.db import migrations, models

INDEXES = [
    # the unfiltered list and the year filter: ORDER BY received_at DESC, id DESC
    ("pub_app_received", "licensing_application", "received_at, id"),
    # the agency and item filters, same order
    ("pub_app_agency_received", "licensing_application", "agency_id, received_at, id"),
    ("pub_app_item_received", "licensing_application", "item_id, received_at, id"),
    # the statistics: decisions in a year
    ("pub_app_decided", "licensing_application", "decided_on"),
    # the register, newest first
    ("pub_licence_issued", "licensing_licence", "issued_on, id"),
]


class Migration(migrations.Migration):

    dependencies = [
        ('licensing', '0006_portal'),
    ]

    operations = [
        migrations.CreateModel(
            name='LicenceVerification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token_hash_prefix', models.CharField(help_text='The first 16 hex digits of the SHA-256 of the code presented; never the code itself.', max_length=16, verbose_name='token hash prefix')),
                ('at', models.DateTimeField(auto_now_add=True, verbose_name='at')),
                ('result', models.CharField(choices=[('valid', 'Valid'), ('expired', 'Expired'), ('revoked', 'Revoked'), ('withdrawn', 'Withdrawn'), ('cancelled', 'Cancelled'), ('unknown', 'Unknown or forged code')], max_length=10, verbose_name='result')),
                ('client_hash', models.CharField(blank=True, help_text='A keyed hash of the client address (HMAC-SHA-256 with the secret key); no raw address.', max_length=32, verbose_name='client hash')),
                ('channel', models.CharField(default='web', help_text='"web" or "api".', max_length=4, verbose_name='channel')),
                ('licence', models.ForeignKey(blank=True, help_text='Empty when the code matched no licence.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='verifications', to='licensing.licence', verbose_name='licence')),
            ],
            options={
                'verbose_name': 'licence verification',
                'verbose_name_plural': 'licence verifications',
                'ordering': ['-at', '-pk'],
                'default_permissions': ('view',),
                'indexes': [models.Index(fields=['at'], name='verification_at'), models.Index(fields=['licence', 'at'], name='verification_licence_at'), models.Index(fields=['result', 'at'], name='verification_result_at')],
            },
        ),
        *(
            migrations.RunSQL(
                sql=f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})",
                reverse_sql=f"DROP INDEX IF EXISTS {name}",
            )
            for name, table, columns in INDEXES
        ),
    ]
